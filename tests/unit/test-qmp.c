/*
 * QMP through socket chardevs: the greeting and negotiation, each
 * command, each event, each kind of bad input (each followed by a good
 * command), clients that come and go, several monitors at once, commands
 * registered from outside, the stream framing, and the -mon/-qmp options.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qapi/error.h"
#include "chardev/char.h"
#include "monitor/monitor.h"
#include "monitor/qapi-events.h"
#include "monitor/json-stream.h"     /* the framing, tested alone */
#include "sysemu/sysemu.h"
#include "machine-double.h"
#include "monitor-client.h"

typedef struct QmpServer {
    char *path;
    Chardev *chr;
} QmpServer;

static int server_count;

static void qmp_server_start(QmpServer *s)
{
    g_autofree char *name = g_strdup_printf("qmp%d.sock", server_count);
    g_autofree char *spec = NULL;
    g_autofree char *id = g_strdup_printf("qmp%d", server_count++);

    s->path = mon_socket_path(name);
    spec = g_strdup_printf("socket,id=%s,path=%s,server=on,wait=off", id,
                           s->path);
    s->chr = qemu_chardev_new_from_spec(spec, &error_abort);
    g_assert_true(monitor_init_qmp(s->chr, &error_abort));
}

/* Tear down every monitor and the servers' chardevs. */
static void qmp_servers_stop(QmpServer *servers, int n)
{
    monitor_cleanup();
    for (int i = 0; i < n; i++) {
        qemu_chr_delete(servers[i].chr);
        g_free(servers[i].path);
    }
}

static JsonNode *parse(const char *text)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) err = NULL;

    if (!json_parser_load_from_data(parser, text, -1, &err)) {
        g_test_message("bad reply '%s': %s", text, err->message);
        g_assert_not_reached();
    }
    return json_node_copy(json_parser_get_root(parser));
}

/* The next line from the monitor, parsed. */
static JsonObject *recv_obj(MonClient *c)
{
    g_autofree char *line = mon_client_read_until(c, "\r\n");
    JsonNode *node = parse(line);
    JsonObject *obj;

    g_assert_true(JSON_NODE_HOLDS_OBJECT(node));
    obj = json_object_ref(json_node_get_object(node));
    json_node_unref(node);
    return obj;
}

/* Send text and return the reply (events before it are skipped). */
static JsonObject *cmd(MonClient *c, const char *text)
{
    mon_client_send_str(c, text);
    for (;;) {
        JsonObject *reply = recv_obj(c);

        if (!json_object_has_member(reply, "event")) {
            return reply;
        }
        json_object_unref(reply);
    }
}

/* Send text, expect {"return": ...}; return the returned node (owned). */
static JsonNode *cmd_ok(MonClient *c, const char *text)
{
    g_autoptr(JsonObject) reply = cmd(c, text);

    if (!json_object_has_member(reply, "return")) {
        g_test_message("'%s' failed", text);
        g_assert_not_reached();
    }
    return json_node_copy(json_object_get_member(reply, "return"));
}

/* Send text, expect an error of class cls whose desc contains desc. */
static void cmd_err(MonClient *c, const char *text, const char *cls,
                    const char *desc)
{
    g_autoptr(JsonObject) reply = cmd(c, text);
    JsonObject *err;

    g_assert_true(json_object_has_member(reply, "error"));
    err = json_object_get_object_member(reply, "error");
    g_assert_cmpstr(json_object_get_string_member(err, "class"), ==, cls);
    if (!strstr(json_object_get_string_member(err, "desc"), desc)) {
        g_test_message("desc '%s' lacks '%s'",
                       json_object_get_string_member(err, "desc"), desc);
        g_assert_not_reached();
    }
}

static void connect_and_greet(MonClient *c, QmpServer *s)
{
    g_autoptr(JsonObject) greeting = NULL;
    JsonObject *qmp, *qemu;

    mon_client_connect(c, s->path);
    greeting = recv_obj(c);
    qmp = json_object_get_object_member(greeting, "QMP");
    g_assert_nonnull(qmp);
    qemu = json_object_get_object_member(
        json_object_get_object_member(qmp, "version"), "qemu");
    g_assert_true(json_object_has_member(qemu, "major"));
    g_assert_true(json_object_has_member(qemu, "minor"));
    g_assert_true(json_object_has_member(qemu, "micro"));
    g_assert_cmpstr(json_object_get_string_member(
                        json_object_get_object_member(qmp, "version"),
                        "package"), ==, "");
    g_assert_cmpint(json_array_get_length(
                        json_object_get_array_member(qmp, "capabilities")),
                    ==, 0);
}

static void negotiate(MonClient *c)
{
    json_node_unref(cmd_ok(c, "{\"execute\": \"qmp_capabilities\"}"));
}

static void test_negotiation(void)
{
    QmpServer s;
    MonClient c;

    machine_double_reset();
    qmp_server_start(&s);
    connect_and_greet(&c, &s);
    cmd_err(&c, "{\"execute\": \"query-status\"}", "CommandNotFound",
            "Expecting capabilities negotiation with 'qmp_capabilities'");
    cmd_err(&c, "{\"execute\": \"qmp_capabilities\", \"arguments\": "
            "{\"enable\": [\"oob\"]}}", "GenericError",
            "Capability 'oob' not available");
    cmd_err(&c, "{\"execute\": \"qmp_capabilities\", \"arguments\": "
            "{\"enable\": \"oob\"}}", "GenericError",
            "Invalid parameter type for 'enable', expected: array");
    negotiate(&c);
    cmd_err(&c, "{\"execute\": \"qmp_capabilities\"}", "CommandNotFound",
            "Capabilities negotiation is already complete");
    mon_client_close(&c);
    qmp_servers_stop(&s, 1);
}

/* The return value of command text, as a string, compared. */
static void check_return(MonClient *c, const char *text, const char *want)
{
    g_autoptr(JsonNode) ret = cmd_ok(c, text);
    g_autofree char *got = json_to_string(ret, false);

    if (strcmp(got, want)) {
        g_test_message("%s returned %s, want %s", text, got, want);
        g_assert_not_reached();
    }
}

/* Read the next event; check its name and that it has a timestamp. */
static JsonObject *expect_event(MonClient *c, const char *name)
{
    JsonObject *ev = recv_obj(c);
    JsonObject *ts;

    g_assert_cmpstr(json_object_get_string_member(ev, "event"), ==, name);
    ts = json_object_get_object_member(ev, "timestamp");
    g_assert_cmpint(json_object_get_int_member(ts, "seconds"), >,
                    1600000000);
    g_assert_cmpint(json_object_get_int_member(ts, "microseconds"), >=, 0);
    g_assert_cmpint(json_object_get_int_member(ts, "microseconds"), <,
                    1000000);
    return ev;
}

static void check_reason(JsonObject *ev, bool guest, const char *reason)
{
    JsonObject *data = json_object_get_object_member(ev, "data");

    g_assert_cmpint(json_object_get_boolean_member(data, "guest"), ==,
                    guest);
    g_assert_cmpstr(json_object_get_string_member(data, "reason"), ==,
                    reason);
    json_object_unref(ev);
}

static void expect_plain_event(MonClient *c, const char *name)
{
    JsonObject *ev = expect_event(c, name);

    g_assert_false(json_object_has_member(ev, "data"));
    json_object_unref(ev);
}

static void test_commands(void)
{
    QmpServer s;
    MonClient c;
    g_autoptr(JsonNode) cmds = NULL;
    g_autofree char *version = NULL;
    g_autoptr(JsonObject) reply = NULL;
    static const char *const builtins[] = {
        "qmp_capabilities", "query-version", "query-status", "query-name",
        "query-commands", "query-memory-size-summary", "stop", "cont",
        "system_reset", "system_powerdown", "quit", "human-monitor-command",
    };
    unsigned major = 0, minor = 0, micro = 0;

    machine_double_reset();
    qmp_server_start(&s);
    connect_and_greet(&c, &s);
    negotiate(&c);

    sscanf(QEMU_VERSION, "%u.%u.%u", &major, &minor, &micro);
    version = g_strdup_printf("{\"qemu\":{\"micro\":%u,\"minor\":%u,"
                              "\"major\":%u},\"package\":\"\"}",
                              micro, minor, major);
    check_return(&c, "{\"execute\": \"query-version\"}", version);

    check_return(&c, "{\"execute\": \"query-status\"}",
                 "{\"status\":\"prelaunch\",\"singlestep\":false,"
                 "\"running\":false}");
    check_return(&c, "{\"execute\": \"query-name\"}", "{}");
    {
        /* The RCU statistics: this process has registered readers. */
        g_autoptr(JsonNode) rcu = cmd_ok(&c,
                                         "{\"execute\": \"x-query-rcu\"}");
        JsonObject *o = json_node_get_object(rcu);

        g_assert_cmpint(json_object_get_int_member(o, "readers"), >=, 1);
        g_assert_true(json_object_has_member(o, "grace-periods"));
        g_assert_true(json_object_has_member(o, "callbacks-pending"));
        g_assert_cmpint(json_object_get_int_member(o, "stall-timeout-ms"),
                        ==, 10000);
    }
    qemu_name = "guest-one";
    check_return(&c, "{\"execute\": \"query-name\"}",
                 "{\"name\":\"guest-one\"}");
    ram_size = 256 * MiB;
    check_return(&c, "{\"execute\": \"query-memory-size-summary\"}",
                 "{\"base-memory\":268435456}");

    cmds = cmd_ok(&c, "{\"execute\": \"query-commands\"}");
    for (size_t i = 0; i < ARRAY_SIZE(builtins); i++) {
        JsonArray *list = json_node_get_array(cmds);
        bool found = false;

        for (guint j = 0; j < json_array_get_length(list); j++) {
            JsonObject *e = json_array_get_object_element(list, j);

            found |= !strcmp(json_object_get_string_member(e, "name"),
                             builtins[i]);
        }
        g_assert_true(found);
    }

    /* cont: running, RESUME. */
    check_return(&c, "{\"execute\": \"cont\", \"id\": 7}", "{}");
    expect_plain_event(&c, "RESUME");
    g_assert_cmpint(machine_double.state, ==, RUN_STATE_RUNNING);
    check_return(&c, "{\"execute\": \"query-status\"}",
                 "{\"status\":\"running\",\"singlestep\":false,"
                 "\"running\":true}");
    /* stop: paused, STOP. */
    check_return(&c, "{\"execute\": \"stop\"}", "{}");
    expect_plain_event(&c, "STOP");
    g_assert_cmpint(machine_double.state, ==, RUN_STATE_PAUSED);

    check_return(&c, "{\"execute\": \"system_reset\"}", "{}");
    check_reason(expect_event(&c, "RESET"), false, "host-qmp-system-reset");
    g_assert_cmpint(machine_double.reset_requests, ==, 1);
    g_assert_cmpint(machine_double.reset_cause, ==,
                    SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET);

    check_return(&c, "{\"execute\": \"system_powerdown\"}", "{}");
    expect_plain_event(&c, "POWERDOWN");
    g_assert_cmpint(machine_double.powerdown_requests, ==, 1);

    check_return(&c, "{\"execute\": \"human-monitor-command\", "
                 "\"arguments\": {\"command-line\": \"info status\"}}",
                 "\"VM status: paused\\r\\n\"");
    check_return(&c, "{\"execute\": \"human-monitor-command\", "
                 "\"arguments\": {\"command-line\": \"info name\"}}",
                 "\"guest-one\\r\\n\"");
    check_return(&c, "{\"execute\": \"human-monitor-command\", "
                 "\"arguments\": {\"command-line\": \"nonsense\"}}",
                 "\"unknown command: 'nonsense'\\r\\n\"");

    check_return(&c, "{\"execute\": \"quit\"}", "{}");
    check_reason(expect_event(&c, "SHUTDOWN"), false, "host-qmp-quit");
    g_assert_cmpint(machine_double.shutdown_requests, ==, 1);
    g_assert_cmpint(machine_double.shutdown_cause, ==,
                    SHUTDOWN_CAUSE_HOST_QMP_QUIT);

    /* cont after a shutdown wants a reset first. */
    machine_double.state = RUN_STATE_SHUTDOWN;
    cmd_err(&c, "{\"execute\": \"cont\"}", "GenericError",
            "Resetting the Virtual Machine is required");

    /* id comes back as it was sent, whatever its type. */
    reply = cmd(&c, "{\"execute\": \"query-name\", \"id\": {\"a\": [1, "
                "\"two\"]}}");
    {
        g_autofree char *id = json_to_string(
            json_object_get_member(reply, "id"), false);

        g_assert_cmpstr(id, ==, "{\"a\":[1,\"two\"]}");
    }
    mon_client_close(&c);
    qmp_servers_stop(&s, 1);
}

/* The events, each with its data; only negotiated clients get them. */
static void test_events(void)
{
    QmpServer s[2];
    MonClient c, shy;

    machine_double_reset();
    qmp_server_start(&s[0]);
    qmp_server_start(&s[1]);
    connect_and_greet(&c, &s[0]);
    connect_and_greet(&shy, &s[1]);
    negotiate(&c);

    qapi_event_send_stop();
    expect_plain_event(&c, "STOP");
    qapi_event_send_resume();
    expect_plain_event(&c, "RESUME");
    qapi_event_send_powerdown();
    expect_plain_event(&c, "POWERDOWN");
    qapi_event_send_reset(true, SHUTDOWN_CAUSE_GUEST_RESET);
    check_reason(expect_event(&c, "RESET"), true, "guest-reset");
    qapi_event_send_reset(false, SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET);
    check_reason(expect_event(&c, "RESET"), false, "host-qmp-system-reset");
    qapi_event_send_shutdown(true, SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
    check_reason(expect_event(&c, "SHUTDOWN"), true, "guest-shutdown");
    qapi_event_send_shutdown(false, SHUTDOWN_CAUSE_HOST_SIGNAL);
    check_reason(expect_event(&c, "SHUTDOWN"), false, "host-signal");
    qapi_event_send_shutdown(false, SHUTDOWN_CAUSE_HOST_UI);
    check_reason(expect_event(&c, "SHUTDOWN"), false, "host-ui");
    qapi_event_send_shutdown(true, SHUTDOWN_CAUSE_GUEST_PANIC);
    check_reason(expect_event(&c, "SHUTDOWN"), true, "guest-panic");

    g_assert_true(mon_client_quiet(&shy));
    negotiate(&shy);
    qapi_event_send_stop();
    expect_plain_event(&shy, "STOP");
    expect_plain_event(&c, "STOP");

    mon_client_close(&c);
    mon_client_close(&shy);
    qmp_servers_stop(s, 2);
}

typedef struct BadInput {
    const char *input;
    const char *cls;
    const char *desc;
} BadInput;

static const BadInput bad_inputs[] = {
    /* malformed JSON */
    { "{\"execute\": }", "GenericError", "JSON parse error" },
    { "{\"execute\" \"stop\"}", "GenericError", "JSON parse error" },
    { "{\"execute\": \"stop\",}", "GenericError", "JSON parse error" },
    { "{]", "GenericError", "JSON parse error" },
    { "}", "GenericError", "JSON parse error, stray '}'" },
    { "nul ", "GenericError", "JSON parse error" },
    /* not an object */
    { "[1, 2]", "GenericError", "QMP input must be a JSON object" },
    { "42 ", "GenericError", "QMP input must be a JSON object" },
    { "\"execute\"", "GenericError", "QMP input must be a JSON object" },
    { "null ", "GenericError", "QMP input must be a JSON object" },
    /* execute */
    { "{\"id\": 1}", "GenericError", "QMP input lacks member 'execute'" },
    { "{\"execute\": 1}", "GenericError",
      "QMP input member 'execute' must be a string" },
    { "{\"execute\": [\"stop\"]}", "GenericError",
      "QMP input member 'execute' must be a string" },
    { "{\"execute\": \"no-such-command\"}", "CommandNotFound",
      "The command no-such-command has not been found" },
    { "{\"execute\": \"stop\", \"extra\": 1}", "GenericError",
      "QMP input member 'extra' is unexpected" },
    /* arguments */
    { "{\"execute\": \"stop\", \"arguments\": [1]}", "GenericError",
      "QMP input member 'arguments' must be an object" },
    { "{\"execute\": \"stop\", \"arguments\": null}", "GenericError",
      "QMP input member 'arguments' must be an object" },
    { "{\"execute\": \"human-monitor-command\", \"arguments\": "
      "{\"command-line\": 1}}", "GenericError",
      "Invalid parameter type for 'command-line', expected: string" },
    { "{\"execute\": \"human-monitor-command\", \"arguments\": {}}",
      "GenericError", "Parameter 'command-line' is missing" },
    { "{\"execute\": \"query-status\", \"arguments\": {\"x\": 1}}",
      "GenericError", "Parameter 'x' is unexpected" },
    /* invalid UTF-8, inside a string and outside */
    { "{\"execute\": \"query-name\", \"id\": \"\xff\xfe\"}", "GenericError",
      "invalid UTF-8" },
    { "{\"execute\": \"query-name\", \"id\": \"\xc3\x28\"}", "GenericError",
      "invalid UTF-8" },
    /* control bytes, alone, inside a string, and cutting a string short */
    { "\x01", "GenericError", "invalid control character 0x01" },
    { "{\"execute\": \"query-\x02name\"}", "GenericError",
      "invalid control character 0x02" },
    { "{\"execute\": \"stop}\n", "GenericError",
      "invalid control character 0x0a" },
    { "\x00", "GenericError", "invalid control character 0x00" },
};

/* A good command, which must work after whatever came before. */
static void check_still_serving(MonClient *c, int n)
{
    g_autofree char *text = g_strdup_printf(
        "{\"execute\": \"query-status\", \"id\": %d}", n);
    g_autoptr(JsonObject) reply = cmd(c, text);

    g_assert_true(json_object_has_member(reply, "return"));
    g_assert_cmpint(json_object_get_int_member(reply, "id"), ==, n);
}

static void test_bad_input(void)
{
    QmpServer s;
    MonClient c;
    GString *big;
    g_autofree char *deep = NULL;

    machine_double_reset();
    qmp_server_start(&s);
    connect_and_greet(&c, &s);
    /* Before negotiation the same errors come back. */
    cmd_err(&c, "{\"execute\": }", "GenericError", "JSON parse error");
    negotiate(&c);

    for (size_t i = 0; i < ARRAY_SIZE(bad_inputs); i++) {
        const BadInput *b = &bad_inputs[i];
        size_t len = strlen(b->input);

        /* "\x00" has length 0 as a C string; send the byte anyway.
         * Clients end each request with a new line. */
        mon_client_send(&c, b->input, len ? len : 1);
        mon_client_send_str(&c, "\n");
        cmd_err(&c, "", b->cls, b->desc);
        check_still_serving(&c, i + 1);
    }

    /* Too big: one error saying so, the text is dropped, not kept. */
    big = g_string_new("{\"execute\": \"query-status\", \"id\": \"");
    while (big->len < 2 * 1024 * 1024) {
        g_string_append(big, "0123456789abcdef");
    }
    g_string_append(big, "\"}");
    mon_client_send(&c, big->str, big->len);
    cmd_err(&c, "", "GenericError", "size limit");
    check_still_serving(&c, 100);
    g_string_free(big, true);

    /* Too deep. */
    deep = g_strnfill(5000, '[');
    mon_client_send_str(&c, deep);
    memset(deep, ']', 5000);
    mon_client_send_str(&c, deep);
    cmd_err(&c, "", "GenericError", "nesting deeper than");
    check_still_serving(&c, 101);

    /* Two requests in one write, and one split byte by byte. */
    mon_client_send_str(&c, "{\"execute\": \"query-name\", \"id\": 1}"
                        "{\"execute\": \"query-name\", \"id\": 2}");
    for (int id = 1; id <= 2; id++) {
        g_autoptr(JsonObject) r = recv_obj(&c);

        g_assert_cmpint(json_object_get_int_member(r, "id"), ==, id);
    }
    {
        const char *text = "{\"execute\": \"query-name\", \"id\": \"}{\\\"\"}";

        for (const char *p = text; *p; p++) {
            mon_client_send(&c, p, 1);
            main_loop_wait(true);
        }
        {
            g_autoptr(JsonObject) r = recv_obj(&c);

            g_assert_cmpstr(json_object_get_string_member(r, "id"), ==,
                            "}{\"");
        }
    }
    mon_client_close(&c);
    qmp_servers_stop(&s, 1);
}

/*
 * The first client negotiates and leaves in the middle of a request; the
 * second one starts from the greeting, un-negotiated, and the leftover
 * half-request does not leak into its first command.
 */
static void test_two_clients(void)
{
    QmpServer s;
    MonClient c;

    machine_double_reset();
    qmp_server_start(&s);
    connect_and_greet(&c, &s);
    negotiate(&c);
    mon_client_send_str(&c, "{\"execute\": \"query-");
    mon_client_quiet(&c);
    mon_client_close(&c);

    connect_and_greet(&c, &s);
    cmd_err(&c, "{\"execute\": \"query-status\"}", "CommandNotFound",
            "Expecting capabilities negotiation");
    negotiate(&c);
    check_still_serving(&c, 1);
    qapi_event_send_powerdown();
    expect_plain_event(&c, "POWERDOWN");
    mon_client_close(&c);
    qmp_servers_stop(&s, 1);
}

/* Several QMP monitors and an HMP one at once, each with its state. */
static void test_several_monitors(void)
{
    QmpServer s[3];
    MonClient c[3];
    g_autofree char *hmp_path = mon_socket_path("hmp-beside.sock");
    g_autofree char *hmp_spec = g_strdup_printf(
        "socket,id=hmpb,path=%s,server=on,wait=off", hmp_path);
    Chardev *hmp_chr = qemu_chardev_new_from_spec(hmp_spec, &error_abort);
    MonClient h;
    g_autofree char *banner = NULL;

    machine_double_reset();
    g_assert_true(monitor_init_hmp(hmp_chr, &error_abort));
    for (int i = 0; i < 3; i++) {
        qmp_server_start(&s[i]);
        connect_and_greet(&c[i], &s[i]);
    }
    mon_client_connect(&h, hmp_path);
    banner = mon_client_read_until(&h, "(qemu) \033[K");
    negotiate(&c[0]);
    negotiate(&c[2]);
    cmd_err(&c[1], "{\"execute\": \"stop\"}", "CommandNotFound",
            "Expecting capabilities negotiation");

    /* A command on one reaches everyone who negotiated as an event. */
    json_node_unref(cmd_ok(&c[2], "{\"execute\": \"cont\"}"));
    expect_plain_event(&c[0], "RESUME");
    g_assert_true(mon_client_quiet(&c[1]));
    g_assert_true(mon_client_quiet(&h));

    for (int i = 0; i < 3; i++) {
        mon_client_close(&c[i]);
    }
    mon_client_close(&h);
    qmp_servers_stop(s, 3);
    qemu_chr_delete(hmp_chr);
}

/* A command registered from outside, with every argument type. */
static JsonNode *qmp_x_echo(JsonObject *args, Error **errp)
{
    JsonObject *ret;
    JsonNode *node;

    if (json_object_has_member(args, "fail")) {
        error_set(errp, ERROR_CLASS_DEVICE_NOT_FOUND, "Device '%s' not found",
                  json_object_get_string_member(args, "s"));
        return NULL;
    }
    ret = json_object_new();
    json_object_set_int_member(ret, "i", json_object_get_int_member(args,
                                                                    "i"));
    node = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(node, ret);
    return node;
}

static const QmpArg x_echo_args[] = {
    { "s", QMP_ARG_STR, false },
    { "i", QMP_ARG_INT, false },
    { "n", QMP_ARG_NUMBER, true },
    { "b", QMP_ARG_BOOL, true },
    { "o", QMP_ARG_OBJECT, true },
    { "a", QMP_ARG_ARRAY, true },
    { "fail", QMP_ARG_ANY, true },
    { NULL }
};

static const QmpCommand x_echo = {
    .name = "x-echo", .fn = qmp_x_echo, .args = x_echo_args,
};

static void test_registration(void)
{
    QmpServer s;
    MonClient c;
    static const struct {
        const char *args;
        const char *desc;
    } wrong[] = {
        { "{\"s\": 1, \"i\": 1}", "'s', expected: string" },
        { "{\"s\": \"x\", \"i\": 1.5}", "'i', expected: integer" },
        { "{\"s\": \"x\", \"i\": \"1\"}", "'i', expected: integer" },
        { "{\"s\": \"x\", \"i\": 1, \"n\": true}", "'n', expected: number" },
        { "{\"s\": \"x\", \"i\": 1, \"b\": 0}", "'b', expected: boolean" },
        { "{\"s\": \"x\", \"i\": 1, \"o\": []}", "'o', expected: object" },
        { "{\"s\": \"x\", \"i\": 1, \"a\": {}}", "'a', expected: array" },
        { "{\"i\": 1}", "Parameter 's' is missing" },
        { "{\"s\": \"x\", \"i\": 1, \"z\": 1}", "Parameter 'z' is unexpected" },
    };

    machine_double_reset();
    qmp_register_command(&x_echo);
    qmp_server_start(&s);
    connect_and_greet(&c, &s);
    negotiate(&c);
    check_return(&c, "{\"execute\": \"x-echo\", \"arguments\": {\"s\": \"x\","
                 " \"i\": 5, \"n\": 2.5, \"b\": true, \"o\": {}, "
                 "\"a\": [1]}}", "{\"i\":5}");
    check_return(&c, "{\"execute\": \"x-echo\", \"arguments\": {\"s\": \"x\","
                 " \"i\": -3, \"n\": 2}}", "{\"i\":-3}");
    for (size_t i = 0; i < ARRAY_SIZE(wrong); i++) {
        g_autofree char *text = g_strdup_printf(
            "{\"execute\": \"x-echo\", \"arguments\": %s}", wrong[i].args);

        cmd_err(&c, text, "GenericError", wrong[i].desc);
    }
    cmd_err(&c, "{\"execute\": \"x-echo\", \"arguments\": {\"s\": \"disk9\","
            " \"i\": 1, \"fail\": null}}", "DeviceNotFound",
            "Device 'disk9' not found");
    mon_client_close(&c);
    qmp_servers_stop(&s, 1);
}

/* The framing alone: where texts start and end. */
typedef struct Collected {
    GPtrArray *texts;           /* "T:text" or "E:error" */
} Collected;

static void collect(void *opaque, const char *text, size_t len,
                    const char *error)
{
    Collected *c = opaque;

    if (error) {
        g_ptr_array_add(c->texts, g_strdup_printf("E:%s", error));
    } else {
        g_assert_cmpint(strlen(text), ==, len);
        g_ptr_array_add(c->texts, g_strdup_printf("T:%s", text));
    }
}

static void check_frames(const char *input, size_t max_size,
                         const char *const *want)
{
    Collected c = { g_ptr_array_new_with_free_func(g_free) };
    JsonStream s;
    size_t n = 0;

    /* Byte by byte and all at once must agree. */
    for (int split = 0; split < 2; split++) {
        g_ptr_array_set_size(c.texts, 0);
        json_stream_init(&s, max_size, 4, collect, &c);
        if (split) {
            for (const char *p = input; *p; p++) {
                json_stream_feed(&s, (const uint8_t *)p, 1);
            }
        } else {
            json_stream_feed(&s, (const uint8_t *)input, strlen(input));
        }
        json_stream_destroy(&s);
        for (n = 0; want[n]; n++) {
            g_assert_cmpuint(n, <, c.texts->len);
            if (want[n][0] == 'E') {
                g_assert_true(g_str_has_prefix(
                                  g_ptr_array_index(c.texts, n), "E:"));
                g_assert_nonnull(strstr(g_ptr_array_index(c.texts, n),
                                        want[n] + 2));
            } else {
                g_assert_cmpstr(g_ptr_array_index(c.texts, n), ==, want[n]);
            }
        }
        g_assert_cmpuint(n, ==, c.texts->len);
    }
    g_ptr_array_free(c.texts, true);
}

static void test_json_stream(void)
{
    check_frames(" {\"a\": 1}\r\n{\"b\": [2, {}]}",
                 100, (const char *[]) {
                     "T:{\"a\": 1}", "T:{\"b\": [2, {}]}", NULL });
    check_frames("{\"s\": \"}]\\\"{\"}[1]\"str\"true 42 ",
                 100, (const char *[]) {
                     "T:{\"s\": \"}]\\\"{\"}", "T:[1]", "T:\"str\"",
                     "T:true", "T:42", NULL });
    /* A scalar is complete only once something ends it. */
    check_frames("{}12", 100, (const char *[]) { "T:{}", NULL });
    check_frames("] {} ,", 100, (const char *[]) {
                     "E:stray ']'", "T:{}", "E:stray ','", NULL });
    /* Control bytes end the text in progress; one error per run. */
    check_frames("{\"a\x01\x02\x03{}\n{}", 100, (const char *[]) {
                     "E:0x01", "T:{}", NULL });
    check_frames("\x05\x06{}", 100, (const char *[]) {
                     "E:0x05", "T:{}", NULL });
    /* The rest of a cut text's line goes too; a LF in a string is the
     * end of its line. */
    check_frames("{\"a\x01\": [}{}\n{} {\"b\n[1]", 100, (const char *[]) {
                     "E:0x01", "T:{}", "E:0x0a", "T:[1]", NULL });
    /* Oversize: one error, the rest of the text skipped. */
    check_frames("{\"aaaaaaaaaaaaaaaaaa\": [1, 2, 3]} {}", 10,
                 (const char *[]) { "E:size limit", "T:{}", NULL });
    /* Deeper than 4. */
    check_frames("[[[[[[]]]]]] [[]]", 100, (const char *[]) {
                     "E:nesting", "T:[[]]", NULL });
}

static void test_options(void)
{
    g_autofree char *path = mon_socket_path("opts.sock");
    g_autofree char *spec = g_strdup_printf(
        "socket,id=monopt,path=%s,server=on,wait=off", path);
    g_autofree char *legacy = NULL;
    Chardev *chr = qemu_chardev_new_from_spec(spec, &error_abort);
    QmpServer s = { .path = path };
    Error *err = NULL;
    MonClient c;

    machine_double_reset();
    g_assert_true(monitor_new_from_opts("chardev=monopt,mode=control",
                                        &error_abort));
    connect_and_greet(&c, &s);
    negotiate(&c);
    mon_client_close(&c);
    /* The chardev is taken now. */
    g_assert_false(monitor_new_from_opts("chardev=monopt", &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "in use"));
    error_free_or_abort(&err);

    g_assert_false(monitor_new_from_opts("mode=control", &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "'chardev'"));
    error_free_or_abort(&err);
    g_assert_false(monitor_new_from_opts("chardev=nosuch", &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "\"nosuch\" not found"));
    error_free_or_abort(&err);
    g_assert_false(monitor_new_from_opts("chardev=monopt,mode=json", &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "'json'"));
    error_free_or_abort(&err);
    g_assert_false(monitor_new_from_opts("chardev=monopt,pretty=on", &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "'pretty'"));
    error_free_or_abort(&err);

    /* -qmp unix:PATH,server,wait=off */
    g_free(path);
    path = mon_socket_path("legacy.sock");
    s.path = path;
    legacy = g_strdup_printf("unix:%s,server,wait=off", path);
    g_assert_true(monitor_new_from_legacy(legacy, true, &error_abort));
    g_assert_nonnull(qemu_chr_find("compat_monitor0"));
    connect_and_greet(&c, &s);
    negotiate(&c);
    check_still_serving(&c, 1);
    mon_client_close(&c);
    g_assert_true(monitor_new_from_legacy("none", true, &error_abort));
    g_assert_false(monitor_new_from_legacy("bogus:x", true, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "bogus"));
    error_free_or_abort(&err);

    monitor_cleanup();
    qemu_chr_delete(chr);
    qemu_chr_delete(qemu_chr_find("compat_monitor0"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qemu_init_main_loop(&error_abort);
    qemu_mutex_lock_iothread();

    g_test_add_func("/qmp/negotiation", test_negotiation);
    g_test_add_func("/qmp/commands", test_commands);
    g_test_add_func("/qmp/events", test_events);
    g_test_add_func("/qmp/bad-input", test_bad_input);
    g_test_add_func("/qmp/two-clients", test_two_clients);
    g_test_add_func("/qmp/several-monitors", test_several_monitors);
    g_test_add_func("/qmp/registration", test_registration);
    g_test_add_func("/qmp/json-stream", test_json_stream);
    g_test_add_func("/qmp/options", test_options);
    return g_test_run();
}
