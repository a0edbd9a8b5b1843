/*
 * QMP's command table and built-in commands: qmp_capabilities (handled
 * by the dispatcher; listed here for query-commands), query-version,
 * query-status, query-name, query-commands, query-memory-size-summary,
 * x-query-rcu, stop, cont, system_reset, system_powerdown, quit and
 * human-monitor-command.
 *
 * The table is written at start-up by qmp_register_command (main thread)
 * and read by the dispatcher in the main loop with the BQL held.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "sysemu/runstate.h"
#include "sysemu/sysemu.h"
#include "qemu/rcu.h"
#include "monitor-internal.h"

static GPtrArray *qmp_commands;         /* of const QmpCommand * */

const QmpCommand *qmp_find_command(const char *name)
{
    if (!qmp_commands) {
        return NULL;
    }
    for (guint i = 0; i < qmp_commands->len; i++) {
        const QmpCommand *cmd = g_ptr_array_index(qmp_commands, i);

        if (!strcmp(cmd->name, name)) {
            return cmd;
        }
    }
    return NULL;
}

void qmp_register_command(const QmpCommand *cmd)
{
    monitor_register_builtins();
    if (!qmp_commands) {
        qmp_commands = g_ptr_array_new();
    }
    /* Two commands with one name is a bug in their registration. */
    assert(cmd->name && cmd->fn && !qmp_find_command(cmd->name));
    g_ptr_array_add(qmp_commands, (gpointer)cmd);
}

GPtrArray *qmp_command_names(void)
{
    GPtrArray *names = g_ptr_array_new();

    for (guint i = 0; qmp_commands && i < qmp_commands->len; i++) {
        const QmpCommand *cmd = g_ptr_array_index(qmp_commands, i);

        g_ptr_array_add(names, (gpointer)cmd->name);
    }
    return names;
}

JsonNode *qmp_return_empty(void)
{
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);

    json_node_take_object(node, json_object_new());
    return node;
}

JsonNode *qmp_object_node(JsonObject *obj)
{
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);

    json_node_take_object(node, obj);
    return node;
}

void monitor_do_stop(void)
{
    vm_stop(RUN_STATE_PAUSED);
}

bool monitor_do_cont(Error **errp)
{
    if (runstate_check(RUN_STATE_SHUTDOWN) ||
        runstate_check(RUN_STATE_GUEST_PANICKED) ||
        runstate_check(RUN_STATE_INTERNAL_ERROR)) {
        error_setg(errp, "Resetting the Virtual Machine is required");
        return false;
    }
    if (runstate_check(RUN_STATE_INMIGRATE)) {
        /* As QEMU: start the guest once the incoming stream is in. */
        autostart = true;
        return true;
    }
    if (!runstate_is_running()) {
        vm_start();
    }
    return true;
}

/*
 * Before negotiation the dispatcher handles qmp_capabilities itself (it
 * changes the monitor's state); afterwards the command lands here.
 */
static JsonNode *qmp_capabilities_fn(JsonObject *args, Error **errp)
{
    error_set(errp, ERROR_CLASS_COMMAND_NOT_FOUND,
              "Capabilities negotiation is already complete, command "
              "ignored");
    return NULL;
}

JsonObject *qmp_version_object(void)
{
    JsonObject *ver = json_object_new();
    JsonObject *qemu = json_object_new();
    unsigned major = 0, minor = 0, micro = 0;

    sscanf(QEMU_VERSION, "%u.%u.%u", &major, &minor, &micro);
    json_object_set_int_member(qemu, "micro", micro);
    json_object_set_int_member(qemu, "minor", minor);
    json_object_set_int_member(qemu, "major", major);
    json_object_set_object_member(ver, "qemu", qemu);
    json_object_set_string_member(ver, "package", "");
    return ver;
}

static JsonNode *qmp_query_version(JsonObject *args, Error **errp)
{
    return qmp_object_node(qmp_version_object());
}

static JsonNode *qmp_query_status(JsonObject *args, Error **errp)
{
    JsonObject *ret = json_object_new();

    json_object_set_string_member(ret, "status",
                                  runstate_name(runstate_get()));
    json_object_set_boolean_member(ret, "singlestep", false);
    json_object_set_boolean_member(ret, "running", runstate_is_running());
    return qmp_object_node(ret);
}

static JsonNode *qmp_query_name(JsonObject *args, Error **errp)
{
    JsonObject *ret = json_object_new();

    if (qemu_name) {
        json_object_set_string_member(ret, "name", qemu_name);
    }
    return qmp_object_node(ret);
}

static JsonNode *qmp_query_commands(JsonObject *args, Error **errp)
{
    JsonArray *list = json_array_new();
    JsonNode *node = json_node_new(JSON_NODE_ARRAY);

    for (guint i = 0; i < qmp_commands->len; i++) {
        const QmpCommand *cmd = g_ptr_array_index(qmp_commands, i);
        JsonObject *entry = json_object_new();

        json_object_set_string_member(entry, "name", cmd->name);
        json_array_add_object_element(list, entry);
    }
    json_node_take_array(node, list);
    return node;
}

static JsonNode *qmp_query_memory_size_summary(JsonObject *args,
                                               Error **errp)
{
    JsonObject *ret = json_object_new();

    json_object_set_int_member(ret, "base-memory", ram_size);
    return qmp_object_node(ret);
}

/* Experimental (x-): the fields may change with the RCU implementation. */
static JsonNode *qmp_x_query_rcu(JsonObject *args, Error **errp)
{
    JsonObject *ret = json_object_new();
    RcuStats st;

    rcu_get_stats(&st);
    json_object_set_int_member(ret, "grace-periods", st.gp_completed);
    json_object_set_int_member(ret, "grace-periods-waited", st.gp_waited);
    if (st.gp_age_us >= 0) {
        json_object_set_int_member(ret, "grace-period-age-us", st.gp_age_us);
    }
    json_object_set_int_member(ret, "callbacks-queued", st.cb_queued);
    json_object_set_int_member(ret, "callbacks-run", st.cb_run);
    json_object_set_int_member(ret, "callbacks-pending", st.cb_pending);
    json_object_set_int_member(ret, "readers", st.readers);
    json_object_set_int_member(ret, "readers-online", st.readers_online);
    json_object_set_int_member(ret, "readers-in-section",
                               st.readers_in_section);
    if (st.holdout_tid) {
        JsonObject *h = json_object_new();

        json_object_set_int_member(h, "thread-id", st.holdout_tid);
        json_object_set_string_member(h, "name", st.holdout);
        json_object_set_int_member(h, "held-us", st.holdout_us);
        json_object_set_object_member(ret, "last-holdout", h);
    }
    json_object_set_int_member(ret, "wakeups-found-missing",
                               st.wakeups_rescued);
    json_object_set_int_member(ret, "stall-timeout-ms", st.stall_timeout_ms);
    json_object_set_int_member(ret, "stall-warnings", st.stall_warnings);
    return qmp_object_node(ret);
}

static JsonNode *qmp_stop(JsonObject *args, Error **errp)
{
    monitor_do_stop();
    return qmp_return_empty();
}

static JsonNode *qmp_cont(JsonObject *args, Error **errp)
{
    return monitor_do_cont(errp) ? qmp_return_empty() : NULL;
}

static JsonNode *qmp_system_reset(JsonObject *args, Error **errp)
{
    qemu_system_reset_request(SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET);
    return qmp_return_empty();
}

static JsonNode *qmp_system_powerdown(JsonObject *args, Error **errp)
{
    qemu_system_powerdown_request();
    return qmp_return_empty();
}

static JsonNode *qmp_quit(JsonObject *args, Error **errp)
{
    qemu_system_shutdown_request(SHUTDOWN_CAUSE_HOST_QMP_QUIT);
    return qmp_return_empty();
}

static JsonNode *qmp_human_monitor_command(JsonObject *args, Error **errp)
{
    g_autofree char *out = hmp_run_command_line(
        json_object_get_string_member(args, "command-line"));
    JsonNode *node = json_node_new(JSON_NODE_VALUE);

    json_node_set_string(node, out);
    return node;
}

static const QmpArg qmp_capabilities_args[] = {
    { "enable", QMP_ARG_ARRAY, true },
    { NULL }
};

static const QmpArg human_monitor_command_args[] = {
    { "command-line", QMP_ARG_STR, false },
    { NULL }
};

static const QmpCommand qmp_builtin_commands[] = {
    { "qmp_capabilities", qmp_capabilities_fn, qmp_capabilities_args },
    { "query-version", qmp_query_version, NULL },
    { "query-status", qmp_query_status, NULL },
    { "query-name", qmp_query_name, NULL },
    { "query-commands", qmp_query_commands, NULL },
    { "query-memory-size-summary", qmp_query_memory_size_summary, NULL },
    { "x-query-rcu", qmp_x_query_rcu, NULL },
    { "stop", qmp_stop, NULL },
    { "cont", qmp_cont, NULL },
    { "system_reset", qmp_system_reset, NULL },
    { "system_powerdown", qmp_system_powerdown, NULL },
    { "quit", qmp_quit, NULL },
    { "human-monitor-command", qmp_human_monitor_command,
      human_monitor_command_args },
};

void qmp_register_builtins(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(qmp_builtin_commands); i++) {
        qmp_register_command(&qmp_builtin_commands[i]);
    }
}
