/*
 * QMP events (include/monitor/qapi-events.h): built here, broadcast to
 * every QMP monitor whose client has negotiated capabilities.
 */
#include "qemu/osdep.h"
#include "monitor/qapi-events.h"
#include "monitor-internal.h"

const char *shutdown_cause_name(ShutdownCause reason)
{
    static const char *const names[SHUTDOWN_CAUSE__MAX] = {
        [SHUTDOWN_CAUSE_NONE] = "none",
        [SHUTDOWN_CAUSE_HOST_ERROR] = "host-error",
        [SHUTDOWN_CAUSE_HOST_QMP_QUIT] = "host-qmp-quit",
        [SHUTDOWN_CAUSE_HOST_SIGNAL] = "host-signal",
        [SHUTDOWN_CAUSE_HOST_UI] = "host-ui",
        [SHUTDOWN_CAUSE_GUEST_SHUTDOWN] = "guest-shutdown",
        [SHUTDOWN_CAUSE_GUEST_RESET] = "guest-reset",
        [SHUTDOWN_CAUSE_GUEST_PANIC] = "guest-panic",
        [SHUTDOWN_CAUSE_SUBSYSTEM_RESET] = "subsystem-reset",
        [SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET] = "host-qmp-system-reset",
    };

    assert(reason >= 0 && reason < SHUTDOWN_CAUSE__MAX && names[reason]);
    return names[reason];
}

static void send_event_to(Monitor *mon, void *opaque)
{
    monitor_qmp_send_event(mon, opaque);
}

/* Broadcast event name with data (taken; NULL: no "data" member). */
static void qapi_event_emit(const char *name, JsonObject *data)
{
    JsonObject *event = json_object_new();
    JsonObject *ts = json_object_new();
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);
    gint64 now = g_get_real_time();

    json_object_set_int_member(ts, "seconds", now / G_USEC_PER_SEC);
    json_object_set_int_member(ts, "microseconds", now % G_USEC_PER_SEC);
    json_object_set_object_member(event, "timestamp", ts);
    json_object_set_string_member(event, "event", name);
    if (data) {
        json_object_set_object_member(event, "data", data);
    }
    json_node_take_object(node, event);
    monitor_qmp_foreach_negotiated(send_event_to, node);
    json_node_unref(node);
}

static JsonObject *guest_reason(bool guest, ShutdownCause reason)
{
    JsonObject *data = json_object_new();

    json_object_set_boolean_member(data, "guest", guest);
    json_object_set_string_member(data, "reason",
                                  shutdown_cause_name(reason));
    return data;
}

void qapi_event_send_stop(void)
{
    qapi_event_emit("STOP", NULL);
}

void qapi_event_send_resume(void)
{
    qapi_event_emit("RESUME", NULL);
}

void qapi_event_send_reset(bool guest, ShutdownCause reason)
{
    qapi_event_emit("RESET", guest_reason(guest, reason));
}

void qapi_event_send_shutdown(bool guest, ShutdownCause reason)
{
    qapi_event_emit("SHUTDOWN", guest_reason(guest, reason));
}

void qapi_event_send_powerdown(void)
{
    qapi_event_emit("POWERDOWN", NULL);
}

void qapi_event_send_memory_device_size_change(const char *id,
                                               uint64_t size,
                                               const char *qom_path)
{
    JsonObject *data = json_object_new();

    if (id) {
        json_object_set_string_member(data, "id", id);
    }
    json_object_set_int_member(data, "size", size);
    json_object_set_string_member(data, "qom-path", qom_path);
    qapi_event_emit("MEMORY_DEVICE_SIZE_CHANGE", data);
}

void qapi_event_send_migration(const char *status)
{
    JsonObject *data = json_object_new();

    json_object_set_string_member(data, "status", status);
    qapi_event_emit("MIGRATION", data);
}

void qapi_event_send_migration_pass(int64_t pass)
{
    JsonObject *data = json_object_new();

    json_object_set_int_member(data, "pass", pass);
    qapi_event_emit("MIGRATION_PASS", data);
}
