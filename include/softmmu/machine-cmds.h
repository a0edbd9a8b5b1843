/*
 * Monitor commands about the running machine's CPUs.
 */
#ifndef SOFTMMU_MACHINE_CMDS_H
#define SOFTMMU_MACHINE_CMDS_H

/* Register info registers, info cpus and query-cpus-fast.  Main thread,
 * at start-up. */
void machine_cmds_register(void);

#endif /* SOFTMMU_MACHINE_CMDS_H */
