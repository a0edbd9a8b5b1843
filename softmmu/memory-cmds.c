/*
 * Monitor commands for memory that comes and goes at run time: the
 * backend objects (QMP object-add, object-del, query-memdev; HMP
 * object_add, object_del, info memdev).
 *
 * Commands run in the main loop with the BQL held, which is what the
 * backend list asks for.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "monitor/monitor.h"
#include "sysemu/hostmem.h"
#include "softmmu/memory-cmds.h"

/* Objects */

static JsonNode *qmp_object_add(JsonObject *args, Error **errp)
{
    const char *type = json_object_get_string_member(args, "qom-type");
    const char *id = json_object_get_string_member(args, "id");
    bool has_size = json_object_has_member(args, "size");
    gint64 size = has_size ? json_object_get_int_member(args, "size") : 0;
    bool share = json_object_has_member(args, "share") &&
                 json_object_get_boolean_member(args, "share");

    if (size < 0) {
        error_setg(errp, "Parameter 'size' expects a size (a non-negative "
                   "number of bytes), not %" PRId64, (int64_t)size);
        return NULL;
    }
    if (!host_memory_backend_create(type, id, has_size, size, share, errp)) {
        return NULL;
    }
    return qmp_return_empty();
}

static JsonNode *qmp_object_del(JsonObject *args, Error **errp)
{
    if (!object_del(json_object_get_string_member(args, "id"), errp)) {
        return NULL;
    }
    return qmp_return_empty();
}

static JsonNode *qmp_query_memdev(JsonObject *args, Error **errp)
{
    JsonArray *list = json_array_new();
    JsonNode *ret = json_node_new(JSON_NODE_ARRAY);

    for (HostMemoryBackend *b = host_memory_backend_next(NULL); b;
         b = host_memory_backend_next(b)) {
        JsonObject *info = json_object_new();

        json_object_set_string_member(info, "id", b->id);
        json_object_set_int_member(info, "size", b->size);
        /* Grace neither merges (KSM) nor hides pages from core dumps. */
        json_object_set_boolean_member(info, "merge", false);
        json_object_set_boolean_member(info, "dump", true);
        json_object_set_boolean_member(info, "prealloc", false);
        json_object_set_boolean_member(info, "share", b->share);
        /* MAP_NORESERVE: no swap space is reserved. */
        json_object_set_boolean_member(info, "reserve", false);
        json_object_set_array_member(info, "host-nodes", json_array_new());
        json_object_set_string_member(info, "policy", "default");
        json_array_add_object_element(list, info);
    }
    json_node_take_array(ret, list);
    return ret;
}

static void hmp_object_add(Monitor *mon, int argc, char **argv)
{
    Error *err = NULL;

    object_add_from_str(argv[1], &err);
    hmp_handle_error(mon, err);
}

static void hmp_object_del(Monitor *mon, int argc, char **argv)
{
    Error *err = NULL;

    object_del(argv[1], &err);
    hmp_handle_error(mon, err);
}

static void hmp_info_memdev(Monitor *mon, int argc, char **argv)
{
    for (HostMemoryBackend *b = host_memory_backend_next(NULL); b;
         b = host_memory_backend_next(b)) {
        monitor_printf(mon, "memory backend: %s\n", b->id);
        monitor_printf(mon, "  size:  %" PRIu64 "\n", b->size);
        monitor_printf(mon, "  merge:  false\n");
        monitor_printf(mon, "  dump:  true\n");
        monitor_printf(mon, "  prealloc:  false\n");
        monitor_printf(mon, "  share:  %s\n", b->share ? "true" : "false");
        monitor_printf(mon, "  reserve:  false\n");
        monitor_printf(mon, "  policy:  default\n");
        monitor_printf(mon, "  host nodes: \n");
        monitor_printf(mon, "  used by:  %s\n", b->user ? b->user : "-");
    }
}

static const QmpArg object_add_args[] = {
    { "qom-type", QMP_ARG_STR, false },
    { "id", QMP_ARG_STR, false },
    { "size", QMP_ARG_INT, true },
    { "share", QMP_ARG_BOOL, true },
    { NULL }
};

static const QmpArg object_del_args[] = {
    { "id", QMP_ARG_STR, false },
    { NULL }
};

static const QmpCommand qmp_memory_commands[] = {
    { "object-add", qmp_object_add, object_add_args },
    { "object-del", qmp_object_del, object_del_args },
    { "query-memdev", qmp_query_memdev, NULL },
};

static const HMPCommand hmp_memory_commands[] = {
    { "object_add", "[qom-type=]type,id=str[,prop=value][,...]",
      "create QOM object", 1, 1, hmp_object_add },
    { "object_del", "id", "destroy QOM object", 1, 1, hmp_object_del },
};

static const HMPCommand hmp_memory_info[] = {
    { "memdev", "", "show memory backends", 0, 0, hmp_info_memdev },
};

void memory_cmds_register(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(qmp_memory_commands); i++) {
        qmp_register_command(&qmp_memory_commands[i]);
    }
    for (size_t i = 0; i < ARRAY_SIZE(hmp_memory_commands); i++) {
        hmp_register_command(&hmp_memory_commands[i]);
    }
    for (size_t i = 0; i < ARRAY_SIZE(hmp_memory_info); i++) {
        hmp_register_info(&hmp_memory_info[i]);
    }
}
