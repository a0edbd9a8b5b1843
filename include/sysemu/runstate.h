/*
 * The VM's run state and the requests that change it (QEMU's names).
 *
 * Requests may come from any thread (a vCPU writing the finisher, the
 * monitor, a signal); they are recorded and the main loop acts on them
 * at its next iteration, with the vCPUs paused as needed.
 */
#ifndef SYSEMU_RUNSTATE_H
#define SYSEMU_RUNSTATE_H

typedef enum RunState {
    RUN_STATE_PRELAUNCH,        /* -S: waiting for cont */
    RUN_STATE_RUNNING,
    RUN_STATE_PAUSED,           /* stopped by the monitor */
    RUN_STATE_SHUTDOWN,         /* guest shut down, -no-shutdown given */
    RUN_STATE_GUEST_PANICKED,
    RUN_STATE_INTERNAL_ERROR,
    RUN_STATE_DEBUG,            /* stopped for the debugger (gdbstub) */
    RUN_STATE_INMIGRATE,        /* -incoming: waiting for the stream */
    RUN_STATE_FINISH_MIGRATE,   /* stopped while migration finishes */
    RUN_STATE_POSTMIGRATE,      /* migrated away; 'cont' runs it here */
    RUN_STATE__MAX,
} RunState;

typedef enum ShutdownCause {
    SHUTDOWN_CAUSE_NONE,
    SHUTDOWN_CAUSE_HOST_ERROR,      /* an error in the emulator */
    SHUTDOWN_CAUSE_HOST_QMP_QUIT,   /* quit from the monitor */
    SHUTDOWN_CAUSE_HOST_SIGNAL,     /* SIGINT/SIGTERM/SIGHUP */
    SHUTDOWN_CAUSE_HOST_UI,         /* Ctrl-A x */
    SHUTDOWN_CAUSE_GUEST_SHUTDOWN,  /* the guest powered off */
    SHUTDOWN_CAUSE_GUEST_RESET,     /* the guest asked for a reset */
    SHUTDOWN_CAUSE_GUEST_PANIC,
    SHUTDOWN_CAUSE_SUBSYSTEM_RESET,
    SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET,
    SHUTDOWN_CAUSE__MAX,
} ShutdownCause;

bool runstate_check(RunState state);
bool runstate_is_running(void);
RunState runstate_get(void);
const char *runstate_name(RunState state);

/* Start or resume the vCPUs and the virtual clock (BQL held). */
void vm_start(void);
/* Pause the vCPUs and the virtual clock, entering state (BQL held). */
int vm_stop(RunState state);
/*
 * vm_start without resuming any vCPU: the run state becomes running (with
 * its handlers and event) and the caller resumes the vCPUs it wants with
 * cpu_resume, as a debugger stepping one vCPU does.  False, and nothing
 * done, if the VM already runs.  BQL held.
 */
bool vm_prepare_start(void);

/*
 * Called with running and the new state after every change between
 * running and stopped: by vm_start/vm_prepare_start before any vCPU
 * resumes, by vm_stop once every vCPU has stopped.  Main loop thread (or
 * whoever holds the BQL and changes the state), BQL held.
 */
typedef void VMChangeStateHandler(void *opaque, bool running, RunState state);
typedef struct VMChangeStateEntry VMChangeStateEntry;
VMChangeStateEntry *qemu_add_vm_change_state_handler(VMChangeStateHandler *cb,
                                                     void *opaque);
void qemu_del_vm_change_state_handler(VMChangeStateEntry *e);

/*
 * A vCPU stopped for the debugger (a breakpoint, a watchpoint, the end of
 * a single step): the main loop stops the whole VM in RUN_STATE_DEBUG.
 * Any thread.
 */
void qemu_system_debug_request(void);

/*
 * Ask the main loop to shut the machine down.  The process exits with
 * status 0, or with exit_code for the _with_code form (the sifive_test
 * finisher's FAIL), unless -no-shutdown keeps it alive, paused.
 */
void qemu_system_shutdown_request(ShutdownCause reason);
void qemu_system_shutdown_request_with_code(ShutdownCause reason,
                                            int exit_code);
/* Reset the machine (or exit, with -no-reboot, for a guest reset). */
void qemu_system_reset_request(ShutdownCause reason);
/* ACPI-style power button: the guest decides what to do. */
void qemu_system_powerdown_request(void);

/* -no-shutdown and -no-reboot, set by the command line. */
extern bool no_shutdown;
extern bool no_reboot;
/*
 * Start the guest once it is ready: false with -S.  'cont' during an
 * incoming migration sets it (the guest starts when the stream is in).
 * BQL.
 */
extern bool autostart;

/* Reset every device and CPU now (main thread, BQL held); emits RESET
 * unless reason is SHUTDOWN_CAUSE_NONE (the power-on reset). */
void qemu_system_reset(ShutdownCause reason);

/* Act on pending requests; true (with *status) when the process should
 * exit.  Main loop thread, BQL held. */
bool main_loop_should_exit(int *status);
/* Run the main loop until a shutdown; returns the exit status. */
int qemu_main_loop(void);

/* Notifier for the power button (data: NULL), for the board. */
typedef struct Notifier Notifier;
void qemu_register_powerdown_notifier(Notifier *notifier);

#endif /* SYSEMU_RUNSTATE_H */
