/*
 * QMP, the machine protocol: the greeting, capabilities negotiation, and
 * the dispatcher that turns each JSON request into a reply.
 *
 * Input: bytes -> json-stream.c (one complete top-level text at a time)
 * -> json-glib -> qmp_dispatch -> one reply line.  Every bad input gets
 * an error reply with QEMU's class and the monitor carries on:
 *   malformed JSON, control bytes, stray brackets,
 *   invalid UTF-8, oversize or too deeply nested texts    GenericError
 *   a top level that is not an object                     GenericError
 *   missing/non-string "execute", unexpected members,
 *   "arguments" not an object                             GenericError
 *   a command before qmp_capabilities, an unknown one     CommandNotFound
 *   unexpected, missing or mistyped arguments             GenericError
 *
 * A client that connects gets the greeting; one that goes away, even in
 * the middle of a request, leaves the monitor as new for the next one.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "monitor-internal.h"

#define QMP_READ_CHUNK 4096

static JsonNode *qmp_error_reply(ErrorClass cls, const char *desc,
                                 JsonNode *id)
{
    JsonObject *reply = json_object_new();
    JsonObject *err = json_object_new();

    json_object_set_string_member(err, "class", error_class_name(cls));
    json_object_set_string_member(err, "desc", desc);
    json_object_set_object_member(reply, "error", err);
    if (id) {
        json_object_set_member(reply, "id", json_node_copy(id));
    }
    return qmp_object_node(reply);
}

static const char *qmp_arg_type_name(QmpArgType type)
{
    switch (type) {
    case QMP_ARG_STR:
        return "string";
    case QMP_ARG_INT:
        return "integer";
    case QMP_ARG_NUMBER:
        return "number";
    case QMP_ARG_BOOL:
        return "boolean";
    case QMP_ARG_OBJECT:
        return "object";
    case QMP_ARG_ARRAY:
        return "array";
    case QMP_ARG_ANY:
        return "any";
    }
    g_assert_not_reached();
}

static bool qmp_arg_type_ok(JsonNode *node, QmpArgType type)
{
    GType vt = JSON_NODE_HOLDS_VALUE(node) ? json_node_get_value_type(node)
                                           : G_TYPE_INVALID;

    switch (type) {
    case QMP_ARG_STR:
        return vt == G_TYPE_STRING;
    case QMP_ARG_INT:
        return vt == G_TYPE_INT64;
    case QMP_ARG_NUMBER:
        return vt == G_TYPE_INT64 || vt == G_TYPE_DOUBLE;
    case QMP_ARG_BOOL:
        return vt == G_TYPE_BOOLEAN;
    case QMP_ARG_OBJECT:
        return JSON_NODE_HOLDS_OBJECT(node);
    case QMP_ARG_ARRAY:
        return JSON_NODE_HOLDS_ARRAY(node);
    case QMP_ARG_ANY:
        return true;
    }
    g_assert_not_reached();
}

/* Check args against cmd's table, with QEMU's messages. */
static bool qmp_check_args(const QmpCommand *cmd, JsonObject *args,
                           Error **errp)
{
    g_autoptr(GList) names = json_object_get_members(args);
    const QmpArg *spec;

    for (spec = cmd->args; spec && spec->name; spec++) {
        JsonNode *node = json_object_get_member(args, spec->name);

        if (!node) {
            if (!spec->optional) {
                error_setg(errp, "Parameter '%s' is missing", spec->name);
                return false;
            }
            continue;
        }
        if (!qmp_arg_type_ok(node, spec->type)) {
            error_setg(errp, "Invalid parameter type for '%s', expected: %s",
                       spec->name, qmp_arg_type_name(spec->type));
            return false;
        }
    }
    for (GList *l = names; l; l = l->next) {
        bool known = false;

        for (spec = cmd->args; spec && spec->name; spec++) {
            if (!strcmp(spec->name, l->data)) {
                known = true;
                break;
            }
        }
        if (!known) {
            error_setg(errp, "Parameter '%s' is unexpected",
                       (const char *)l->data);
            return false;
        }
    }
    return true;
}

/* qmp_capabilities before negotiation: Grace offers no capabilities. */
static bool qmp_negotiate(JsonObject *args, Error **errp)
{
    JsonArray *enable;

    if (!json_object_has_member(args, "enable")) {
        return true;
    }
    enable = json_object_get_array_member(args, "enable");
    for (guint i = 0; i < json_array_get_length(enable); i++) {
        JsonNode *cap = json_array_get_element(enable, i);

        if (!qmp_arg_type_ok(cap, QMP_ARG_STR)) {
            error_setg(errp, "Invalid parameter type for 'enable[%u]', "
                       "expected: string", i);
        } else {
            error_setg(errp, "Capability '%s' not available",
                       json_node_get_string(cap));
        }
        return false;
    }
    return true;
}

/* Run one request; returns the reply. */
static JsonNode *qmp_dispatch(Monitor *mon, JsonNode *request)
{
    static const char *const members[] = { "execute", "arguments", "id",
                                           NULL };
    g_autoptr(JsonObject) empty = json_object_new();
    g_autoptr(GList) names = NULL;
    JsonObject *req, *args;
    JsonNode *id, *exec, *args_node, *ret;
    const QmpCommand *cmd;
    const char *name;
    Error *err = NULL;

    if (!JSON_NODE_HOLDS_OBJECT(request)) {
        return qmp_error_reply(ERROR_CLASS_GENERIC_ERROR,
                               "QMP input must be a JSON object", NULL);
    }
    req = json_node_get_object(request);
    id = json_object_get_member(req, "id");
    names = json_object_get_members(req);
    for (GList *l = names; l; l = l->next) {
        if (!g_strv_contains(members, l->data)) {
            g_autofree char *desc = g_strdup_printf(
                "QMP input member '%s' is unexpected", (const char *)l->data);

            return qmp_error_reply(ERROR_CLASS_GENERIC_ERROR, desc, id);
        }
    }
    exec = json_object_get_member(req, "execute");
    if (!exec) {
        return qmp_error_reply(ERROR_CLASS_GENERIC_ERROR,
                               "QMP input lacks member 'execute'", id);
    }
    if (!qmp_arg_type_ok(exec, QMP_ARG_STR)) {
        return qmp_error_reply(ERROR_CLASS_GENERIC_ERROR,
                               "QMP input member 'execute' must be a string",
                               id);
    }
    name = json_node_get_string(exec);
    args_node = json_object_get_member(req, "arguments");
    if (args_node && !JSON_NODE_HOLDS_OBJECT(args_node)) {
        return qmp_error_reply(ERROR_CLASS_GENERIC_ERROR,
                               "QMP input member 'arguments' must be an "
                               "object", id);
    }
    args = args_node ? json_node_get_object(args_node) : empty;

    if (!mon->negotiated) {
        if (strcmp(name, "qmp_capabilities")) {
            return qmp_error_reply(ERROR_CLASS_COMMAND_NOT_FOUND,
                                   "Expecting capabilities negotiation "
                                   "with 'qmp_capabilities'", id);
        }
        cmd = qmp_find_command(name);
        if (!qmp_check_args(cmd, args, &err) || !qmp_negotiate(args, &err)) {
            goto error;
        }
        mon->negotiated = true;
        ret = qmp_return_empty();
        goto done;
    }

    cmd = qmp_find_command(name);
    if (!cmd) {
        g_autofree char *desc = g_strdup_printf(
            "The command %s has not been found", name);

        return qmp_error_reply(ERROR_CLASS_COMMAND_NOT_FOUND, desc, id);
    }
    if (!qmp_check_args(cmd, args, &err)) {
        goto error;
    }
    ret = cmd->fn(args, &err);
    if (!ret) {
        /* A command that fails must say why. */
        assert(err);
        goto error;
    }
    assert(!err);

done: {
        JsonObject *reply = json_object_new();

        json_object_set_member(reply, "return", ret);
        if (id) {
            json_object_set_member(reply, "id", json_node_copy(id));
        }
        return qmp_object_node(reply);
    }

error: {
        JsonNode *reply = qmp_error_reply(error_get_class(err),
                                          error_get_pretty(err), id);

        error_free(err);
        return reply;
    }
}

static void qmp_send_error(Monitor *mon, const char *desc)
{
    JsonNode *reply = qmp_error_reply(ERROR_CLASS_GENERIC_ERROR, desc, NULL);

    monitor_send_json(mon, reply);
    json_node_unref(reply);
}

/* json-stream.c hands over each complete text, or a framing error. */
static void qmp_handle_text(void *opaque, const char *text, size_t len,
                            const char *error)
{
    Monitor *mon = opaque;
    g_autoptr(JsonParser) parser = NULL;
    g_autoptr(GError) gerr = NULL;
    JsonNode *reply;

    if (error) {
        qmp_send_error(mon, error);
        return;
    }
    if (!g_utf8_validate(text, len, NULL)) {
        qmp_send_error(mon, "JSON parse error, invalid UTF-8 sequence");
        return;
    }
    parser = json_parser_new_immutable();
    if (!json_parser_load_from_data(parser, text, len, &gerr) ||
        !json_parser_get_root(parser)) {
        g_autofree char *desc = g_strdup_printf(
            "JSON parse error, %s", gerr ? gerr->message : "empty input");

        qmp_send_error(mon, desc);
        return;
    }
    mon->dispatching = true;
    reply = qmp_dispatch(mon, json_parser_get_root(parser));
    mon->dispatching = false;
    monitor_send_json(mon, reply);
    json_node_unref(reply);
    if (mon->deferred_events->len) {
        g_string_append_len(mon->outbuf, mon->deferred_events->str,
                            mon->deferred_events->len);
        g_string_truncate(mon->deferred_events, 0);
        monitor_flush(mon);
    }
}

void monitor_qmp_input(Monitor *mon, const uint8_t *buf, int len)
{
    json_stream_feed(&mon->stream, buf, len);
}

static int qmp_can_read(void *opaque)
{
    return QMP_READ_CHUNK;
}

static void qmp_read(void *opaque, const uint8_t *buf, int size)
{
    monitor_qmp_input(opaque, buf, size);
}

static void qmp_greet(Monitor *mon)
{
    JsonObject *greeting = json_object_new();
    JsonObject *qmp = json_object_new();
    JsonNode *node;

    json_object_set_object_member(qmp, "version", qmp_version_object());
    json_object_set_array_member(qmp, "capabilities", json_array_new());
    json_object_set_object_member(greeting, "QMP", qmp);
    node = qmp_object_node(greeting);
    monitor_send_json(mon, node);
    json_node_unref(node);
}

static void qmp_event(void *opaque, QEMUChrEvent event)
{
    Monitor *mon = opaque;

    switch (event) {
    case CHR_EVENT_OPENED:
        /* A new client starts from scratch. */
        mon->negotiated = false;
        json_stream_reset(&mon->stream);
        qmp_greet(mon);
        break;
    case CHR_EVENT_CLOSED:
        /* Forget whatever the old client left half-sent. */
        mon->negotiated = false;
        json_stream_reset(&mon->stream);
        g_string_truncate(mon->outbuf, 0);
        g_string_truncate(mon->deferred_events, 0);
        break;
    default:
        break;
    }
}

void monitor_qmp_start(Monitor *mon)
{
    json_stream_init(&mon->stream, QMP_MAX_INPUT_SIZE, QMP_MAX_NESTING,
                     qmp_handle_text, mon);
    qemu_chr_fe_set_handlers(&mon->chr, qmp_can_read, qmp_read, qmp_event,
                             NULL, mon, NULL, true);
}

void monitor_qmp_stop(Monitor *mon)
{
    json_stream_destroy(&mon->stream);
}
