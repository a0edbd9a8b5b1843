/*
 * A stand-in for the machine, for the monitor tests and the QMP fuzzer:
 * the run state, the requests that change it, and the memory reports,
 * behaving as softmmu/ does (including the QMP events it sends).
 */
#ifndef TESTS_MACHINE_DOUBLE_H
#define TESTS_MACHINE_DOUBLE_H

#include "sysemu/runstate.h"

typedef struct MachineDouble {
    RunState state;
    int shutdown_requests;
    ShutdownCause shutdown_cause;
    int reset_requests;
    ShutdownCause reset_cause;
    int powerdown_requests;
} MachineDouble;

extern MachineDouble machine_double;

/* Back to prelaunch, no requests, no name, 128 MiB. */
void machine_double_reset(void);

#endif /* TESTS_MACHINE_DOUBLE_H */
