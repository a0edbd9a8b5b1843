/*
 * QMP events.  Each call sends
 *   {"timestamp": {"seconds": S, "microseconds": US}, "event": NAME,
 *    "data": {...}}
 * (without "data" for events that have none, as QEMU does) to every QMP
 * monitor whose client has completed capabilities negotiation.
 * Main loop thread (or any thread holding the BQL).
 */
#ifndef MONITOR_QAPI_EVENTS_H
#define MONITOR_QAPI_EVENTS_H

#include "sysemu/runstate.h"

void qapi_event_send_stop(void);
void qapi_event_send_resume(void);
/* data: {"guest": bool, "reason": "host-qmp-system-reset", ...} */
void qapi_event_send_reset(bool guest, ShutdownCause reason);
void qapi_event_send_shutdown(bool guest, ShutdownCause reason);
void qapi_event_send_powerdown(void);
/* data: {"status": "active", ...}: a migration changed status. */
void qapi_event_send_migration(const char *status);
/* data: {"pass": N}: migration started a pass over RAM. */
void qapi_event_send_migration_pass(int64_t pass);

/*
 * A memory device's plugged size changed (virtio-mem, by the guest's
 * doing): data {"id": ID (when the device has one), "size": bytes,
 * "qom-path": PATH}.
 */
void qapi_event_send_memory_device_size_change(const char *id,
                                               uint64_t size,
                                               const char *qom_path);

/* QEMU's name for reason: "guest-shutdown", "host-qmp-quit", ... */
const char *shutdown_cause_name(ShutdownCause reason);

#endif /* MONITOR_QAPI_EVENTS_H */
