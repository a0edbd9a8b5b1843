/*
 * The migration commands, QMP and HMP, with QEMU's names and replies:
 * migrate, migrate_cancel, migrate-incoming, migrate-set-capabilities,
 * query-migrate-capabilities, migrate-set-parameters,
 * query-migrate-parameters and query-migrate; in HMP migrate [-d],
 * migrate_cancel, migrate_incoming, migrate_set_capability,
 * migrate_set_parameter and info migrate / migrate_capabilities /
 * migrate_parameters.  Main loop, BQL held.
 */
#include "qemu/osdep.h"
#include "exec/cpu-common.h"
#include "qemu/cutils.h"
#include "monitor/monitor.h"
#include "migration/migration.h"

/* ------------------------------------------------------------------ */
/* QMP */

static JsonNode *qmp_migrate(JsonObject *args, Error **errp)
{
    static const char *const unsupported[] = { "blk", "inc", "resume" };

    for (size_t i = 0; i < ARRAY_SIZE(unsupported); i++) {
        if (json_object_has_member(args, unsupported[i]) &&
            json_object_get_boolean_member(args, unsupported[i])) {
            error_setg(errp, "migrate: '%s' is not supported by Grace",
                       unsupported[i]);
            return NULL;
        }
    }
    /* "detach" is accepted and changes nothing: QMP never waits. */
    if (!qmp_migrate_start(json_object_get_string_member(args, "uri"),
                           errp)) {
        return NULL;
    }
    return qmp_return_empty();
}

static JsonNode *qmp_migrate_cancel_fn(JsonObject *args, Error **errp)
{
    qmp_migrate_cancel();
    return qmp_return_empty();
}

static JsonNode *qmp_migrate_incoming_fn(JsonObject *args, Error **errp)
{
    if (!qmp_migrate_incoming(json_object_get_string_member(args, "uri"),
                              errp)) {
        return NULL;
    }
    return qmp_return_empty();
}

static JsonNode *qmp_migrate_set_capabilities(JsonObject *args,
                                              Error **errp)
{
    JsonArray *caps = json_object_get_array_member(args, "capabilities");
    guint n = json_array_get_length(caps);
    int index[MIGRATION_CAPABILITY__MAX * 4];
    bool state[MIGRATION_CAPABILITY__MAX * 4];

    if (n > ARRAY_SIZE(index)) {
        error_setg(errp, "too many capabilities");
        return NULL;
    }
    /* Check every entry before changing anything. */
    for (guint i = 0; i < n; i++) {
        JsonNode *node = json_array_get_element(caps, i);
        JsonObject *cap;
        JsonNode *name, *on;

        if (!JSON_NODE_HOLDS_OBJECT(node)) {
            error_setg(errp, "Invalid parameter type for 'capabilities', "
                       "expected: array of objects");
            return NULL;
        }
        cap = json_node_get_object(node);
        name = json_object_get_member(cap, "capability");
        on = json_object_get_member(cap, "state");
        if (!name || !JSON_NODE_HOLDS_VALUE(name) ||
            json_node_get_value_type(name) != G_TYPE_STRING ||
            !on || !JSON_NODE_HOLDS_VALUE(on) ||
            json_node_get_value_type(on) != G_TYPE_BOOLEAN) {
            error_setg(errp, "each capability needs 'capability' (a string)"
                       " and 'state' (a boolean)");
            return NULL;
        }
        index[i] = migration_capability_lookup(json_node_get_string(name));
        if (index[i] < 0) {
            error_setg(errp, "Capability '%s' is not supported by Grace "
                       "(supported: events, compress, auto-converge)",
                       json_node_get_string(name));
            return NULL;
        }
        state[i] = json_node_get_boolean(on);
    }
    for (guint i = 0; i < n; i++) {
        if (!migrate_set_capability(index[i], state[i], errp)) {
            return NULL;
        }
    }
    return qmp_return_empty();
}

static JsonNode *qmp_query_migrate_capabilities(JsonObject *args,
                                                Error **errp)
{
    JsonArray *list = json_array_new();
    JsonNode *node = json_node_new(JSON_NODE_ARRAY);

    for (int i = 0; i < MIGRATION_CAPABILITY__MAX; i++) {
        JsonObject *cap = json_object_new();

        json_object_set_string_member(cap, "capability",
                                      migration_capability_names[i]);
        json_object_set_boolean_member(cap, "state", migrate_capability(i));
        json_array_add_object_element(list, cap);
    }
    json_node_take_array(node, list);
    return node;
}

static JsonNode *qmp_migrate_set_parameters(JsonObject *args, Error **errp)
{
    int64_t values[MIGRATION_PARAMETER__MAX];

    /* All or nothing: check every value first. */
    for (int i = 0; i < MIGRATION_PARAMETER__MAX; i++) {
        const MigrationParameterInfo *p = &migration_parameters[i];

        values[i] = migrate_parameter(i);
        if (json_object_has_member(args, p->name)) {
            values[i] = json_object_get_int_member(args, p->name);
            if (values[i] < p->min || values[i] > p->max) {
                error_setg(errp, "Parameter '%s' expects a value from %"
                           PRId64 " to %" PRId64, p->name, p->min, p->max);
                return NULL;
            }
        }
    }
    for (int i = 0; i < MIGRATION_PARAMETER__MAX; i++) {
        migrate_set_parameter(i, values[i], &error_abort);
    }
    return qmp_return_empty();
}

static JsonNode *qmp_query_migrate_parameters(JsonObject *args,
                                              Error **errp)
{
    JsonObject *ret = json_object_new();

    for (int i = 0; i < MIGRATION_PARAMETER__MAX; i++) {
        json_object_set_int_member(ret, migration_parameters[i].name,
                                   migrate_parameter(i));
    }
    return qmp_object_node(ret);
}

static JsonNode *qmp_query_migrate(JsonObject *args, Error **errp)
{
    JsonObject *ret = json_object_new();
    MigrationInfo info;

    migration_get_info(&info);
    if (info.status == MIGRATION_STATUS_NONE) {
        return qmp_object_node(ret);
    }
    json_object_set_string_member(ret, "status",
                                  migration_status_name(info.status));
    json_object_set_int_member(ret, "total-time", info.total_time);
    if (info.incoming) {
        if (info.socket_address) {
            JsonArray *addrs = json_array_new();
            JsonObject *addr = json_object_new();

            if (info.socket_port) {
                g_autofree char *port = g_strdup_printf("%d",
                                                        info.socket_port);

                json_object_set_string_member(addr, "type", "inet");
                json_object_set_string_member(addr, "host",
                                              info.socket_address);
                json_object_set_string_member(addr, "port", port);
            } else {
                json_object_set_string_member(addr, "type", "unix");
                json_object_set_string_member(addr, "path",
                                              info.socket_address);
            }
            json_array_add_object_element(addrs, addr);
            json_object_set_array_member(ret, "socket-address", addrs);
        }
    } else {
        JsonObject *ram = json_object_new();

        json_object_set_int_member(ret, "setup-time", info.setup_time);
        if (info.status == MIGRATION_STATUS_COMPLETED) {
            json_object_set_int_member(ret, "downtime", info.downtime);
        } else {
            json_object_set_int_member(ret, "expected-downtime",
                                       info.expected_downtime);
        }
        json_object_set_int_member(ram, "transferred", info.transferred);
        json_object_set_int_member(ram, "remaining", info.remaining);
        json_object_set_int_member(ram, "total", info.total);
        json_object_set_int_member(ram, "duplicate", info.duplicate);
        json_object_set_int_member(ram, "skipped", 0);
        json_object_set_int_member(ram, "normal", info.normal);
        json_object_set_int_member(ram, "normal-bytes",
                                   info.normal * TARGET_PAGE_SIZE);
        json_object_set_int_member(ram, "dirty-pages-rate",
                                   info.dirty_pages_rate);
        json_object_set_double_member(ram, "mbps", info.mbps);
        json_object_set_int_member(ram, "dirty-sync-count",
                                   info.dirty_sync_count);
        json_object_set_int_member(ram, "postcopy-requests", 0);
        json_object_set_int_member(ram, "page-size", TARGET_PAGE_SIZE);
        json_object_set_int_member(ram, "multifd-bytes", 0);
        json_object_set_int_member(ram, "pages-per-second",
                                   info.pages_per_second);
        json_object_set_int_member(ram, "precopy-bytes", info.precopy_bytes);
        json_object_set_int_member(ram, "downtime-bytes",
                                   info.downtime_bytes);
        json_object_set_int_member(ram, "postcopy-bytes", 0);
        json_object_set_object_member(ret, "ram", ram);
        if (info.throttle_pct) {
            json_object_set_int_member(ret, "cpu-throttle-percentage",
                                       info.throttle_pct);
        }
        if (migrate_capability(MIGRATION_CAPABILITY_COMPRESS)) {
            JsonObject *c = json_object_new();

            json_object_set_int_member(c, "pages", info.normal);
            json_object_set_int_member(c, "busy", 0);
            json_object_set_double_member(c, "busy-rate", 0);
            json_object_set_int_member(c, "compressed-size",
                                       info.compressed_size);
            json_object_set_double_member(c, "compression-rate",
                                          info.compression_rate);
            json_object_set_object_member(ret, "compression", c);
        }
    }
    if (info.error_desc) {
        json_object_set_string_member(ret, "error-desc", info.error_desc);
    }
    migration_info_free(&info);
    return qmp_object_node(ret);
}

static const QmpArg migrate_args[] = {
    { "uri", QMP_ARG_STR, false },
    { "blk", QMP_ARG_BOOL, true },
    { "inc", QMP_ARG_BOOL, true },
    { "detach", QMP_ARG_BOOL, true },
    { "resume", QMP_ARG_BOOL, true },
    { NULL }
};

static const QmpArg migrate_incoming_args[] = {
    { "uri", QMP_ARG_STR, false },
    { NULL }
};

static const QmpArg migrate_set_capabilities_args[] = {
    { "capabilities", QMP_ARG_ARRAY, false },
    { NULL }
};

static const QmpArg migrate_set_parameters_args[] = {
    { "downtime-limit", QMP_ARG_INT, true },
    { "max-bandwidth", QMP_ARG_INT, true },
    { "compress-level", QMP_ARG_INT, true },
    { "cpu-throttle-initial", QMP_ARG_INT, true },
    { "cpu-throttle-increment", QMP_ARG_INT, true },
    { "max-cpu-throttle", QMP_ARG_INT, true },
    { "throttle-trigger-threshold", QMP_ARG_INT, true },
    { NULL }
};
QEMU_BUILD_BUG_ON(ARRAY_SIZE(migrate_set_parameters_args) !=
                  MIGRATION_PARAMETER__MAX + 1);

static const QmpCommand qmp_commands[] = {
    { "migrate", qmp_migrate, migrate_args },
    { "migrate_cancel", qmp_migrate_cancel_fn, NULL },
    { "migrate-incoming", qmp_migrate_incoming_fn, migrate_incoming_args },
    { "migrate-set-capabilities", qmp_migrate_set_capabilities,
      migrate_set_capabilities_args },
    { "query-migrate-capabilities", qmp_query_migrate_capabilities, NULL },
    { "migrate-set-parameters", qmp_migrate_set_parameters,
      migrate_set_parameters_args },
    { "query-migrate-parameters", qmp_query_migrate_parameters, NULL },
    { "query-migrate", qmp_query_migrate, NULL },
};

/* ------------------------------------------------------------------ */
/* HMP */

static void hmp_migrate(Monitor *mon, int argc, char **argv)
{
    Error *err = NULL;
    const char *uri = argv[argc - 1];

    if (argc == 3 && strcmp(argv[1], "-d") != 0) {
        monitor_printf(mon, "Error: usage: migrate [-d] uri\n");
        return;
    }
    /* Always detached: 'info migrate' shows the progress. */
    qmp_migrate_start(uri, &err);
    hmp_handle_error(mon, err);
}

static void hmp_migrate_cancel(Monitor *mon, int argc, char **argv)
{
    qmp_migrate_cancel();
}

static void hmp_migrate_incoming(Monitor *mon, int argc, char **argv)
{
    Error *err = NULL;

    qmp_migrate_incoming(argv[1], &err);
    hmp_handle_error(mon, err);
}

static void hmp_migrate_set_capability(Monitor *mon, int argc, char **argv)
{
    int cap = migration_capability_lookup(argv[1]);
    Error *err = NULL;
    bool on;

    if (cap < 0) {
        monitor_printf(mon, "Error: Capability '%s' is not supported by "
                       "Grace\n", argv[1]);
        return;
    }
    if (qapi_bool_parse(argv[1], argv[2], &on, &err)) {
        migrate_set_capability(cap, on, &err);
    }
    hmp_handle_error(mon, err);
}

static void hmp_migrate_set_parameter(Monitor *mon, int argc, char **argv)
{
    int p = migration_parameter_lookup(argv[1]);
    Error *err = NULL;
    uint64_t value;
    int rc;

    if (p < 0) {
        monitor_printf(mon, "Error: Parameter '%s' is not supported by "
                       "Grace\n", argv[1]);
        return;
    }
    rc = migration_parameters[p].is_size
         ? qemu_strtosz_MiB(argv[2], NULL, &value)
         : qemu_strtou64(argv[2], NULL, 10, &value);
    if (rc < 0 || value > INT64_MAX) {
        monitor_printf(mon, "Error: invalid value '%s' for '%s'\n", argv[2],
                       argv[1]);
        return;
    }
    migrate_set_parameter(p, value, &err);
    hmp_handle_error(mon, err);
}

static void hmp_info_migrate_capabilities(Monitor *mon, int argc,
                                          char **argv)
{
    for (int i = 0; i < MIGRATION_CAPABILITY__MAX; i++) {
        monitor_printf(mon, "%s: %s\n", migration_capability_names[i],
                       migrate_capability(i) ? "on" : "off");
    }
}

static void hmp_info_migrate_parameters(Monitor *mon, int argc,
                                        char **argv)
{
    for (int i = 0; i < MIGRATION_PARAMETER__MAX; i++) {
        const MigrationParameterInfo *p = &migration_parameters[i];

        monitor_printf(mon, "%s: %" PRId64 "%s\n", p->name,
                       migrate_parameter(i),
                       i == MIGRATION_PARAMETER_DOWNTIME_LIMIT ? " ms" :
                       p->is_size ? " bytes/second" :
                       i == MIGRATION_PARAMETER_COMPRESS_LEVEL ? "" : "%");
    }
}

static void hmp_info_migrate(Monitor *mon, int argc, char **argv)
{
    MigrationInfo info;

    monitor_printf(mon, "capabilities:");
    for (int i = 0; i < MIGRATION_CAPABILITY__MAX; i++) {
        monitor_printf(mon, " %s: %s", migration_capability_names[i],
                       migrate_capability(i) ? "on" : "off");
    }
    monitor_printf(mon, "\n");
    migration_get_info(&info);
    if (info.status == MIGRATION_STATUS_NONE) {
        return;
    }
    monitor_printf(mon, "Migration status: %s%s\n",
                   migration_status_name(info.status),
                   info.incoming ? " (incoming)" : "");
    monitor_printf(mon, "total time: %" PRId64 " ms\n", info.total_time);
    if (info.error_desc) {
        monitor_printf(mon, "error description: %s\n", info.error_desc);
    }
    if (info.incoming) {
        monitor_printf(mon, "received: %" PRIu64 " kbytes, %" PRIu64
                       " pages\n", info.transferred >> 10, info.normal);
        migration_info_free(&info);
        return;
    }
    if (info.status == MIGRATION_STATUS_COMPLETED) {
        monitor_printf(mon, "downtime: %" PRId64 " ms\n", info.downtime);
    } else {
        monitor_printf(mon, "expected downtime: %" PRId64 " ms\n",
                       info.expected_downtime);
    }
    monitor_printf(mon, "setup: %" PRId64 " ms\n", info.setup_time);
    monitor_printf(mon, "transferred ram: %" PRIu64 " kbytes\n",
                   info.transferred >> 10);
    monitor_printf(mon, "throughput: %0.2f mbps\n", info.mbps);
    monitor_printf(mon, "remaining ram: %" PRIu64 " kbytes\n",
                   info.remaining >> 10);
    monitor_printf(mon, "total ram: %" PRIu64 " kbytes\n", info.total >> 10);
    monitor_printf(mon, "duplicate: %" PRIu64 " pages\n", info.duplicate);
    monitor_printf(mon, "skipped: 0 pages\n");
    monitor_printf(mon, "normal: %" PRIu64 " pages\n", info.normal);
    monitor_printf(mon, "normal bytes: %" PRIu64 " kbytes\n",
                   info.normal * TARGET_PAGE_SIZE >> 10);
    monitor_printf(mon, "dirty sync count: %" PRIu64 "\n",
                   info.dirty_sync_count);
    monitor_printf(mon, "page size: %d kbytes\n", TARGET_PAGE_SIZE >> 10);
    monitor_printf(mon, "pages-per-second: %" PRIu64 "\n",
                   info.pages_per_second);
    monitor_printf(mon, "dirty pages rate: %" PRIu64 " pages\n",
                   info.dirty_pages_rate);
    monitor_printf(mon, "precopy ram: %" PRIu64 " kbytes\n",
                   info.precopy_bytes >> 10);
    monitor_printf(mon, "downtime ram: %" PRIu64 " kbytes\n",
                   info.downtime_bytes >> 10);
    if (info.throttle_pct) {
        monitor_printf(mon, "cpu throttle percentage: %d\n",
                       info.throttle_pct);
    }
    if (migrate_capability(MIGRATION_CAPABILITY_COMPRESS)) {
        monitor_printf(mon, "compressed size: %" PRIu64 " kbytes\n",
                       info.compressed_size >> 10);
        monitor_printf(mon, "compression rate: %0.2f\n",
                       info.compression_rate);
    }
    migration_info_free(&info);
}

static const HMPCommand hmp_commands[] = {
    { "migrate", "[-d] uri", "migrate to URI (tcp:HOST:PORT, unix:PATH, "
      "file:PATH); returns at once (-d accepted)", 1, 2, hmp_migrate },
    { "migrate_cancel", "", "cancel the current migration", 0, 0,
      hmp_migrate_cancel },
    { "migrate_incoming", "uri", "start an incoming migration after "
      "-incoming defer", 1, 1, hmp_migrate_incoming },
    { "migrate_set_capability", "capability state",
      "turn a migration capability on or off", 2, 2,
      hmp_migrate_set_capability },
    { "migrate_set_parameter", "parameter value",
      "set a migration parameter", 2, 2, hmp_migrate_set_parameter },
};

static const HMPCommand hmp_info_commands[] = {
    { "migrate", "", "show migration status", 0, 0, hmp_info_migrate },
    { "migrate_capabilities", "", "show current migration capabilities",
      0, 0, hmp_info_migrate_capabilities },
    { "migrate_parameters", "", "show current migration parameters", 0, 0,
      hmp_info_migrate_parameters },
};

void migration_cmds_register(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(qmp_commands); i++) {
        qmp_register_command(&qmp_commands[i]);
    }
    for (size_t i = 0; i < ARRAY_SIZE(hmp_commands); i++) {
        hmp_register_command(&hmp_commands[i]);
    }
    for (size_t i = 0; i < ARRAY_SIZE(hmp_info_commands); i++) {
        hmp_register_info(&hmp_info_commands[i]);
    }
}
