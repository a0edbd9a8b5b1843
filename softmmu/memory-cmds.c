/*
 * Monitor commands for memory that comes and goes at run time: the
 * backend objects (QMP object-add, object-del, query-memdev; HMP
 * object_add, object_del, info memdev), the memory devices
 * (query-memory-devices, info memory-devices), the device properties
 * qom-get and qom-set reach (requested-size above all), and the
 * MEMORY_DEVICE_SIZE_CHANGE event.
 *
 * Commands run in the main loop with the BQL held, which is what the
 * backend list and the devices ask for.  A device's plugged size changes
 * on the vCPU thread that served the guest's request (BQL held); the
 * event is sent from a bottom half in the main loop instead, so that no
 * vCPU writes to a monitor's chardev, and several changes in a row
 * (one per plug request) that the main loop has not seen yet become one
 * event with the latest size.  Grace does not rate-limit it further, as
 * QEMU does (to one a second per device).
 */
#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qemu/main-loop.h"
#include "qapi/error.h"
#include "hw/device-add.h"
#include "hw/virtio/virtio-mem.h"
#include "monitor/monitor.h"
#include "monitor/qapi-events.h"
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

/* Memory devices */

static JsonObject *virtio_mem_info(VirtIOMEM *vmem)
{
    JsonObject *data = json_object_new();
    const char *id = qdev_id(&vmem->parent_obj);
    g_autofree char *memdev = host_memory_backend_path(vmem->memdev);

    if (id) {
        json_object_set_string_member(data, "id", id);
    }
    json_object_set_int_member(data, "memaddr", vmem->addr);
    json_object_set_int_member(data, "requested-size", vmem->requested_size);
    json_object_set_int_member(data, "size", vmem->size);
    json_object_set_int_member(data, "max-size", vmem->region_size);
    json_object_set_int_member(data, "block-size", vmem->block_size);
    json_object_set_int_member(data, "node", vmem->node);
    json_object_set_string_member(data, "memdev", memdev);
    return data;
}

static JsonNode *qmp_query_memory_devices(JsonObject *args, Error **errp)
{
    JsonArray *list = json_array_new();
    JsonNode *ret = json_node_new(JSON_NODE_ARRAY);

    for (VirtIOMEM *vmem = virtio_mem_next(NULL); vmem;
         vmem = virtio_mem_next(vmem)) {
        JsonObject *info = json_object_new();

        json_object_set_string_member(info, "type", "virtio-mem");
        json_object_set_object_member(info, "data", virtio_mem_info(vmem));
        json_array_add_object_element(list, info);
    }
    json_node_take_array(ret, list);
    return ret;
}

static void hmp_info_memory_devices(Monitor *mon, int argc, char **argv)
{
    for (VirtIOMEM *vmem = virtio_mem_next(NULL); vmem;
         vmem = virtio_mem_next(vmem)) {
        const char *id = qdev_id(&vmem->parent_obj);
        g_autofree char *memdev = host_memory_backend_path(vmem->memdev);

        monitor_printf(mon, "Memory device [virtio-mem]: \"%s\"\n",
                       id ? id : "");
        monitor_printf(mon, "  memaddr: 0x%" PRIx64 "\n", vmem->addr);
        monitor_printf(mon, "  node: %u\n", vmem->node);
        monitor_printf(mon, "  requested-size: %" PRIu64 "\n",
                       vmem->requested_size);
        monitor_printf(mon, "  size: %" PRIu64 "\n", vmem->size);
        monitor_printf(mon, "  max-size: %" PRIu64 "\n", vmem->region_size);
        monitor_printf(mon, "  block-size: %" PRIu64 "\n", vmem->block_size);
        monitor_printf(mon, "  memdev: %s\n", memdev);
    }
}

/* MEMORY_DEVICE_SIZE_CHANGE, from the main loop (see the top). */
typedef struct SizeWatch {
    Notifier notifier;
    QEMUBH *bh;
    VirtIOMEM *vmem;
} SizeWatch;

static void size_change_bh(void *opaque)
{
    SizeWatch *w = opaque;
    g_autofree char *path = qdev_path(&w->vmem->parent_obj);

    qapi_event_send_memory_device_size_change(qdev_id(&w->vmem->parent_obj),
                                              w->vmem->size, path);
}

/* On the thread that changed the size, BQL held. */
static void size_changed(Notifier *n, void *data)
{
    SizeWatch *w = container_of(n, SizeWatch, notifier);

    qemu_bh_schedule(w->bh);
}

void memory_cmds_watch_devices(void)
{
    for (VirtIOMEM *vmem = virtio_mem_next(NULL); vmem;
         vmem = virtio_mem_next(vmem)) {
        SizeWatch *w = g_new0(SizeWatch, 1);

        w->vmem = vmem;
        w->bh = qemu_bh_new(size_change_bh, w);
        w->notifier.notify = size_changed;
        virtio_mem_add_size_change_notifier(vmem, &w->notifier);
    }
}

/* Properties */

static JsonNode *qmp_qom_get(JsonObject *args, Error **errp)
{
    VirtIODevice *vdev;
    const QomProp *p = qom_find_property(
        json_object_get_string_member(args, "path"),
        json_object_get_string_member(args, "property"), &vdev, errp);
    JsonNode *ret;
    uint64_t u = 0;
    g_autofree char *str = NULL;

    if (!p) {
        return NULL;
    }
    p->get(vdev, &u, &str);
    ret = json_node_new(JSON_NODE_VALUE);
    if (p->type == QOM_PROP_STR) {
        json_node_set_string(ret, str);
    } else {
        json_node_set_int(ret, u);
    }
    return ret;
}

/* Check that p can be set; false with *errp. */
static bool qom_prop_writable(const QomProp *p, const char *path,
                              Error **errp)
{
    if (!p->set) {
        error_setg(errp, "Property '%s' of '%s' is read-only", p->name,
                   path);
        return false;
    }
    /* Every writable property is a number today. */
    assert(p->type != QOM_PROP_STR);
    return true;
}

static JsonNode *qmp_qom_set(JsonObject *args, Error **errp)
{
    const char *path = json_object_get_string_member(args, "path");
    JsonNode *value = json_object_get_member(args, "value");
    VirtIODevice *vdev;
    const QomProp *p = qom_find_property(
        path, json_object_get_string_member(args, "property"), &vdev, errp);
    gint64 v;

    if (!p || !qom_prop_writable(p, path, errp)) {
        return NULL;
    }
    if (!JSON_NODE_HOLDS_VALUE(value) ||
        json_node_get_value_type(value) != G_TYPE_INT64 ||
        (v = json_node_get_int(value)) < 0) {
        error_setg(errp, "Invalid parameter type for '%s', expected: a "
                   "non-negative integer", p->name);
        return NULL;
    }
    return p->set(vdev, v, errp) ? qmp_return_empty() : NULL;
}

static void hmp_qom_get(Monitor *mon, int argc, char **argv)
{
    VirtIODevice *vdev;
    Error *err = NULL;
    const QomProp *p = qom_find_property(argv[1], argv[2], &vdev, &err);
    uint64_t u = 0;
    g_autofree char *str = NULL;

    if (!p) {
        hmp_handle_error(mon, err);
        return;
    }
    p->get(vdev, &u, &str);
    if (p->type == QOM_PROP_STR) {
        monitor_printf(mon, "\"%s\"\n", str);
    } else {
        monitor_printf(mon, "%" PRIu64 "\n", u);
    }
}

/* qom-set PATH PROPERTY VALUE: a size may take a K/M/G/T suffix. */
static void hmp_qom_set(Monitor *mon, int argc, char **argv)
{
    VirtIODevice *vdev;
    Error *err = NULL;
    const QomProp *p = qom_find_property(argv[1], argv[2], &vdev, &err);
    uint64_t u;
    int ret;

    if (!p || !qom_prop_writable(p, argv[1], &err)) {
        hmp_handle_error(mon, err);
        return;
    }
    ret = p->type == QOM_PROP_SIZE ? qemu_strtosz(argv[3], NULL, &u)
                                   : qemu_strtou64(argv[3], NULL, 0, &u);
    if (ret < 0) {
        monitor_printf(mon, "Error: '%s' is not a valid value for '%s' "
                       "(a non-negative number%s)\n", argv[3], p->name,
                       p->type == QOM_PROP_SIZE ? ", K/M/G/T suffixes "
                       "allowed" : "");
        return;
    }
    p->set(vdev, u, &err);
    hmp_handle_error(mon, err);
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

static const QmpArg qom_get_args[] = {
    { "path", QMP_ARG_STR, false },
    { "property", QMP_ARG_STR, false },
    { NULL }
};

static const QmpArg qom_set_args[] = {
    { "path", QMP_ARG_STR, false },
    { "property", QMP_ARG_STR, false },
    { "value", QMP_ARG_ANY, false },
    { NULL }
};

static const QmpCommand qmp_memory_commands[] = {
    { "object-add", qmp_object_add, object_add_args },
    { "object-del", qmp_object_del, object_del_args },
    { "query-memdev", qmp_query_memdev, NULL },
    { "query-memory-devices", qmp_query_memory_devices, NULL },
    { "qom-get", qmp_qom_get, qom_get_args },
    { "qom-set", qmp_qom_set, qom_set_args },
};

static const HMPCommand hmp_memory_commands[] = {
    { "object_add", "[qom-type=]type,id=str[,prop=value][,...]",
      "create QOM object", 1, 1, hmp_object_add },
    { "object_del", "id", "destroy QOM object", 1, 1, hmp_object_del },
    { "qom-get", "path property", "print QOM property", 2, 2,
      hmp_qom_get },
    { "qom-set", "path property value", "set QOM property (sizes take "
      "K/M/G/T suffixes)", 3, 3, hmp_qom_set },
};

static const HMPCommand hmp_memory_info[] = {
    { "memdev", "", "show memory backends", 0, 0, hmp_info_memdev },
    { "memory-devices", "", "show memory devices", 0, 0,
      hmp_info_memory_devices },
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
