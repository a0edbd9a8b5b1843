/*
 * Monitor commands for run-time memory: backend objects, memory devices
 * and their properties, and the MEMORY_DEVICE_SIZE_CHANGE event.
 */
#ifndef SOFTMMU_MEMORY_CMDS_H
#define SOFTMMU_MEMORY_CMDS_H

/* Register object-add, object-del, query-memdev, query-memory-devices,
 * qom-get, qom-set and their HMP forms.  Main thread, at start-up. */
void memory_cmds_register(void);

/* Send MEMORY_DEVICE_SIZE_CHANGE for the memory devices that exist now
 * (after -device).  Main thread, at start-up. */
void memory_cmds_watch_devices(void);

#endif /* SOFTMMU_MEMORY_CMDS_H */
