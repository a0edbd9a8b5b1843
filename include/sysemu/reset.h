/*
 * System reset handlers: functions run (in registration order) when the
 * machine resets, at start-up and on system_reset, with the vCPUs paused
 * and the BQL held.
 */
#ifndef SYSEMU_RESET_H
#define SYSEMU_RESET_H

typedef void QEMUResetHandler(void *opaque);

void qemu_register_reset(QEMUResetHandler *func, void *opaque);
void qemu_unregister_reset(QEMUResetHandler *func, void *opaque);
void qemu_devices_reset(void);

#endif /* SYSEMU_RESET_H */
