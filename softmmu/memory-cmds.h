/*
 * Monitor commands for run-time memory: backend objects.
 */
#ifndef SOFTMMU_MEMORY_CMDS_H
#define SOFTMMU_MEMORY_CMDS_H

/* Register object-add, object-del, query-memdev and their HMP forms.
 * Main thread, at start-up. */
void memory_cmds_register(void);

#endif /* SOFTMMU_MEMORY_CMDS_H */
