/*
 * The VM run state and the requests that change it
 * (include/sysemu/runstate.h).
 *
 * Requests (shutdown, reset, powerdown) may come from any thread: a vCPU
 * writing the finisher, the monitor, a signal handler's GLib source.
 * They are recorded in atomics and the main loop is kicked; the main loop
 * thread acts on them in main_loop_should_exit(), with the BQL held, so
 * that state changes never race with device emulation.
 *
 *   current_run_state, vm_change_state_head: main thread, BQL.
 *   shutdown_requested, shutdown_exit_code, reset_requested,
 *   powerdown_requested, debug_requested: written by any thread with
 *   qatomic_set/xchg,
 *   consumed by the main loop with qatomic_xchg.  The exit code is stored
 *   before the request that publishes it (release order via the xchg).
 *   vm_stop also drops debug_requested, once the vCPUs (the only ones
 *   that ask, from gdbstub under the BQL) are paused.
 */
#include "qemu/osdep.h"
#include "qemu/rcu.h"
#include "qemu/atomic.h"
#include "qemu/main-loop.h"
#include "qemu/notify.h"
#include "qemu/timer.h"
#include "qemu/error-report.h"
#include "qemu/log.h"
#include "sysemu/runstate.h"
#include "sysemu/reset.h"
#include "sysemu/cpus.h"
#include "monitor/qapi-events.h"

static RunState current_run_state = RUN_STATE_PRELAUNCH;

static int shutdown_requested;      /* a ShutdownCause, or NONE */
static int shutdown_exit_code;
static int reset_requested;         /* a ShutdownCause, or NONE */
static int powerdown_requested;
static int debug_requested;

struct VMChangeStateEntry {
    VMChangeStateHandler *cb;
    void *opaque;
    QTAILQ_ENTRY(VMChangeStateEntry) entry;
};

static QTAILQ_HEAD(, VMChangeStateEntry) vm_change_state_head =
    QTAILQ_HEAD_INITIALIZER(vm_change_state_head);

static NotifierList powerdown_notifiers =
    NOTIFIER_LIST_INITIALIZER(powerdown_notifiers);

/* Set by the command line (-no-shutdown, -no-reboot, -S). */
bool no_shutdown;
bool no_reboot;
bool autostart = true;

static const char *const run_state_names[RUN_STATE__MAX] = {
    [RUN_STATE_PRELAUNCH] = "prelaunch",
    [RUN_STATE_RUNNING] = "running",
    [RUN_STATE_PAUSED] = "paused",
    [RUN_STATE_SHUTDOWN] = "shutdown",
    [RUN_STATE_GUEST_PANICKED] = "guest-panicked",
    [RUN_STATE_INTERNAL_ERROR] = "internal-error",
    [RUN_STATE_DEBUG] = "debug",
    [RUN_STATE_INMIGRATE] = "inmigrate",
    [RUN_STATE_FINISH_MIGRATE] = "finish-migrate",
    [RUN_STATE_POSTMIGRATE] = "postmigrate",
};

const char *runstate_name(RunState state)
{
    assert(state >= 0 && state < RUN_STATE__MAX);
    return run_state_names[state];
}

bool runstate_check(RunState state)
{
    return current_run_state == state;
}

bool runstate_is_running(void)
{
    return runstate_check(RUN_STATE_RUNNING);
}

RunState runstate_get(void)
{
    return current_run_state;
}

static void runstate_set(RunState state)
{
    if (state != current_run_state) {
        qemu_log_mask(CPU_LOG_RESET, "run state: %s -> %s\n",
                      runstate_name(current_run_state), runstate_name(state));
        current_run_state = state;
    }
}

VMChangeStateEntry *qemu_add_vm_change_state_handler(VMChangeStateHandler *cb,
                                                     void *opaque)
{
    VMChangeStateEntry *e = g_new0(VMChangeStateEntry, 1);

    e->cb = cb;
    e->opaque = opaque;
    QTAILQ_INSERT_TAIL(&vm_change_state_head, e, entry);
    return e;
}

void qemu_del_vm_change_state_handler(VMChangeStateEntry *e)
{
    QTAILQ_REMOVE(&vm_change_state_head, e, entry);
    g_free(e);
}

static void vm_state_notify(bool running, RunState state)
{
    VMChangeStateEntry *e, *next;

    /* A handler may remove itself. */
    QTAILQ_FOREACH_SAFE(e, &vm_change_state_head, entry, next) {
        e->cb(e->opaque, running, state);
    }
}

bool vm_prepare_start(void)
{
    assert(qemu_mutex_iothread_locked());
    if (runstate_is_running()) {
        return false;
    }
    cpu_enable_ticks();
    runstate_set(RUN_STATE_RUNNING);
    vm_state_notify(true, RUN_STATE_RUNNING);
    qapi_event_send_resume();
    return true;
}

void vm_start(void)
{
    if (vm_prepare_start()) {
        resume_all_vcpus();
    }
}

int vm_stop(RunState state)
{
    assert(qemu_mutex_iothread_locked());
    assert(state != RUN_STATE_RUNNING);
    if (!runstate_is_running()) {
        /* Already stopped: only the reason changes (no STOP event). */
        runstate_set(state);
        return 0;
    }
    pause_all_vcpus();
    /*
     * A debug request asks for a stop, and this is one: drop any made
     * before the vCPUs stopped, or it would stop the VM again as soon as
     * the debugger resumes it.  Two vCPUs that hit breakpoints at once
     * both ask (gdbstub reports the first); the second may ask while
     * pause_all_vcpus waits, after the main loop took the first request.
     * The vCPUs are stopped now and ask for nothing more.
     */
    qatomic_xchg(&debug_requested, 0);
    cpu_disable_ticks();
    runstate_set(state);
    vm_state_notify(false, state);
    qapi_event_send_stop();
    return 0;
}

static bool cause_is_guest(ShutdownCause cause)
{
    return cause == SHUTDOWN_CAUSE_GUEST_SHUTDOWN ||
           cause == SHUTDOWN_CAUSE_GUEST_RESET ||
           cause == SHUTDOWN_CAUSE_GUEST_PANIC;
}

void qemu_system_shutdown_request_with_code(ShutdownCause reason,
                                            int exit_code)
{
    qatomic_set(&shutdown_exit_code, exit_code);
    /* The xchg (a full barrier) publishes the exit code with the request. */
    qatomic_xchg(&shutdown_requested, reason);
    qemu_notify_event();
}

void qemu_system_shutdown_request(ShutdownCause reason)
{
    qemu_system_shutdown_request_with_code(reason, 0);
}

void qemu_system_reset_request(ShutdownCause reason)
{
    if (no_reboot && reason == SHUTDOWN_CAUSE_GUEST_RESET) {
        /* -no-reboot: a guest reboot ends the process instead. */
        qemu_system_shutdown_request(reason);
        return;
    }
    qatomic_xchg(&reset_requested, reason);
    qemu_notify_event();
}

void qemu_system_debug_request(void)
{
    qatomic_xchg(&debug_requested, 1);
    qemu_notify_event();
}

void qemu_system_powerdown_request(void)
{
    qatomic_xchg(&powerdown_requested, 1);
    qemu_notify_event();
}

void qemu_register_powerdown_notifier(Notifier *notifier)
{
    notifier_list_add(&powerdown_notifiers, notifier);
}

void qemu_system_reset(ShutdownCause reason)
{
    bool running = runstate_is_running();

    if (running) {
        pause_all_vcpus();
    }
    /* Devices and CPUs (the board registers its CPUs' reset). */
    qemu_devices_reset();
    if (reason != SHUTDOWN_CAUSE_NONE) {
        qapi_event_send_reset(cause_is_guest(reason), reason);
    }
    if (running) {
        resume_all_vcpus();
    }
}

bool main_loop_should_exit(int *status)
{
    ShutdownCause cause;

    if (qatomic_xchg(&debug_requested, 0)) {
        /* Before a shutdown, so that the debugger hears of the stop. */
        vm_stop(RUN_STATE_DEBUG);
    }
    cause = qatomic_xchg(&shutdown_requested, SHUTDOWN_CAUSE_NONE);
    if (cause != SHUTDOWN_CAUSE_NONE) {
        qapi_event_send_shutdown(cause_is_guest(cause), cause);
        if (no_shutdown && cause != SHUTDOWN_CAUSE_HOST_QMP_QUIT &&
            cause != SHUTDOWN_CAUSE_HOST_SIGNAL &&
            cause != SHUTDOWN_CAUSE_HOST_UI) {
            /* -no-shutdown: keep the process, stopped, for inspection. */
            vm_stop(RUN_STATE_SHUTDOWN);
        } else {
            *status = qatomic_read(&shutdown_exit_code);
            return true;
        }
    }
    cause = qatomic_xchg(&reset_requested, SHUTDOWN_CAUSE_NONE);
    if (cause != SHUTDOWN_CAUSE_NONE) {
        qemu_system_reset(cause);
        /* A reset gets a stopped-by-shutdown guest going again. */
        if (runstate_check(RUN_STATE_SHUTDOWN)) {
            vm_start();
        }
    }
    if (qatomic_xchg(&powerdown_requested, 0)) {
        qapi_event_send_powerdown();
        notifier_list_notify(&powerdown_notifiers, NULL);
    }
    return false;
}

int qemu_main_loop(void)
{
    int status = 0;

    /*
     * A QSBR reader while it runs the loop: everything the main thread
     * does between polls is one read-side section (main_loop_wait reports
     * the quiescent states).
     */
    rcu_thread_online();
    while (!main_loop_should_exit(&status)) {
        main_loop_wait(false);
    }
    rcu_thread_offline();
    return status;
}
