/*
 * vCPU control (sysemu/cpus.h) and the CPU list (hw/core/cpu.h).
 *
 * The vCPU state machine, all under the BQL:
 *
 *   created, paused (stopped) --resume_all_vcpus--> running
 *   running --pause_all_vcpus sets stop, kicks--> the vCPU leaves cpu_exec,
 *        sees stop in qemu_wait_io_event, sets stopped and clears stop,
 *        signals qemu_pause_cond --> paused
 *   running --WFI--> halted: sleeps on halt_cond until has_work or a kick
 *
 * A running vCPU does not hold the BQL, so a request (stop, queued work)
 * is a flag plus a kick: cpu_exit makes the vCPU leave its block chain at
 * the next block entry, and the halt_cond broadcast wakes it if it sleeps.
 * The sleeper checks its flags under the BQL before waiting, and the
 * kicker sets them under the BQL, so no wake-up is lost.
 *
 * RCU.  A vCPU thread is a QSBR reader: online from the start, offline
 * while it sleeps (halted or stopped) and while its thread loop waits for
 * the BQL, quiescent between slices of guest execution.  Its TLB keeps
 * host pointers into RAM from one slice to the next, and those stay
 * valid because whoever retires RAM queues a TLB flush on every vCPU
 * before the grace period starts (call_rcu), and the vCPU runs its queued
 * work after each quiescent state (or coming online), before it executes
 * guest code again.  That order matters: a quiescent state reported after
 * the work could come after a flush queued just behind the work and end
 * the grace period while the next slice still used the old entries; a
 * quiescent state reported before the work means the grace period began
 * before the work was looked at, so the flush queued ahead of it is seen.
 * Inside a slice the vCPU stays online, even while an MMIO access waits
 * for the BQL: nobody holding the BQL waits for a grace period.
 *
 * Exclusive sections (start_exclusive) use qemu_cpu_list_lock: each vCPU
 * marks itself running inside cpu_exec; the section waits until every
 * running vCPU has left, and vCPUs wait for a pending section to end
 * before entering.  pending_cpus is 0 when no section is pending, else 1
 * plus the number of vCPUs the section still waits for.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/atomic.h"
#include "qemu/rcu.h"
#include "sysemu/cpus.h"
#include "sysemu/accel-ops.h"

union CPUTailQ cpus = QTAILQ_HEAD_INITIALIZER(cpus);
QemuMutex qemu_cpu_list_lock;
__thread CPUState *current_cpu;

/* With the BQL: qemu_pause_cond (vCPUs stopped), qemu_cpu_cond (a thread
 * came up), qemu_work_cond (run_on_cpu work done). */
static QemuCond qemu_pause_cond;
static QemuCond qemu_cpu_cond;
static QemuCond qemu_work_cond;

/* With qemu_cpu_list_lock: the exclusive section protocol (see above). */
static QemuCond exclusive_cond;
static QemuCond exclusive_resume;
static int pending_cpus;

/* The accelerator's ops: set once before the first vCPU, then constant. */
static const AccelOpsClass *cpus_accel;

/* The debugger's handler of EXCP_DEBUG stops: BQL. */
static bool (*guest_debug_handler)(CPUState *cpu);

struct qemu_work_item {
    QSIMPLEQ_ENTRY(qemu_work_item) node;
    run_on_cpu_func func;
    run_on_cpu_data data;
    bool free;          /* async: free it when done */
    bool exclusive;     /* run it in an exclusive section */
    bool done;          /* sync: set (release) when done */
};

static void __attribute__((constructor)) cpus_init(void)
{
    qemu_mutex_init(&qemu_cpu_list_lock);
    qemu_cond_init(&qemu_pause_cond);
    qemu_cond_init(&qemu_cpu_cond);
    qemu_cond_init(&qemu_work_cond);
    qemu_cond_init(&exclusive_cond);
    qemu_cond_init(&exclusive_resume);
}

void cpu_exec_realizefn(CPUState *cpu, const CPUClass *cc, void *env,
                        uint64_t *regs)
{
    CPUState *some;
    int index = 0;

    cpu->cc = cc;
    cpu->env_ptr = env;
    cpu->tcg_regs = regs;
    cpu->exception_index = -1;
    /* Paused until resume_all_vcpus; a CPU without a thread stays so. */
    cpu->stopped = true;
    qemu_mutex_init(&cpu->work_mutex);
    QSIMPLEQ_INIT(&cpu->work_list);
    QTAILQ_INIT(&cpu->breakpoints);
    QTAILQ_INIT(&cpu->watchpoints);

    assert(cpus_accel);
    cpus_accel->cpu_realize(cpu);

    qemu_mutex_lock(&qemu_cpu_list_lock);
    CPU_FOREACH(some) {
        index = MAX(index, some->cpu_index + 1);
    }
    cpu->cpu_index = index;
    QTAILQ_INSERT_TAIL(&cpus, cpu, node);
    qemu_mutex_unlock(&qemu_cpu_list_lock);
}

/* The debugger has seen the watchpoint hit (or never will). */
static void cpu_clear_watchpoint_hit(CPUState *cpu)
{
    if (cpu->watchpoint_hit) {
        cpu->watchpoint_hit->flags &= ~BP_WATCHPOINT_HIT;
        cpu->watchpoint_hit = NULL;
    }
}

void cpu_reset(CPUState *cpu)
{
    /* Paused vCPUs run queued work, but only with the BQL. */
    assert(qemu_mutex_iothread_locked() || !cpu->created);
    cpu->exception_index = -1;
    qatomic_set(&cpu->halted, 0);
    qatomic_set(&cpu->interrupt_request, 0);
    qatomic_set(&cpu->exit_request, 0);
    qatomic_set(&cpu->tcg_exit_req, 0);
    cpu->insn_count = 0;
    cpu_clear_watchpoint_hit(cpu);
    cpu->cc->reset(cpu);
    cpus_accel->cpu_reset_hold(cpu);
}

void cpus_register_accel(const AccelOpsClass *ops)
{
    assert(!cpus_accel && ops->cpu_realize && ops->create_vcpu_thread &&
           ops->kick_vcpu_thread && ops->handle_interrupt &&
           ops->cpu_reset_hold);
    cpus_accel = ops;
}

const AccelOpsClass *cpus_get_accel(void)
{
    return cpus_accel;
}

void cpu_dump_state(CPUState *cpu, GString *buf, int flags)
{
    cpu->cc->dump_state(cpu, buf, flags);
}

bool qemu_cpu_is_self(CPUState *cpu)
{
    /*
     * By thread, as in QEMU: with thread=single every vCPU is "self" on
     * the one thread that runs them all, which may then touch any of
     * them directly (none runs meanwhile).  A vCPU without a thread
     * (unit tests drive cpu_exec by hand) is self where it last ran.
     */
    return cpu->thread ? qemu_thread_is_self(cpu->thread) : current_cpu == cpu;
}

void cpu_exit(CPUState *cpu)
{
    qatomic_set(&cpu->exit_request, 1);
    /* Pairs with the smp_mb in cpu_exec's request check. */
    smp_mb();
    qatomic_set(&cpu->tcg_exit_req, 1);
}

static void cpu_wake(CPUState *cpu)
{
    if (cpu->halt_cond) {
        qemu_cond_broadcast(cpu->halt_cond);
    }
}

void qemu_cpu_kick(CPUState *cpu)
{
    cpu_wake(cpu);
    cpus_accel->kick_vcpu_thread(cpu);
}

void cpu_interrupt(CPUState *cpu, int mask)
{
    /* A running vCPU sees the bits at its next block entry ... */
    cpus_accel->handle_interrupt(cpu, mask);
    /* ... and a halted one wakes to look at them. */
    if (!qemu_cpu_is_self(cpu)) {
        cpu_wake(cpu);
    }
}

void cpu_reset_interrupt(CPUState *cpu, int mask)
{
    qatomic_and(&cpu->interrupt_request, ~mask);
}

/* Thread control */

void cpu_thread_signal_created(CPUState *cpu)
{
    cpu->created = true;
    qemu_cond_broadcast(&qemu_cpu_cond);
}

void qemu_init_vcpu(CPUState *cpu)
{
    assert(qemu_mutex_iothread_locked());
    assert(!cpu->thread);
    cpus_accel->create_vcpu_thread(cpu);
    while (!cpu->created) {
        qemu_cond_wait_iothread(&qemu_cpu_cond);
    }
}

bool cpu_work_list_empty(CPUState *cpu)
{
    bool empty;

    qemu_mutex_lock(&cpu->work_mutex);
    empty = QSIMPLEQ_EMPTY(&cpu->work_list);
    qemu_mutex_unlock(&cpu->work_mutex);
    return empty;
}

bool cpu_can_run(CPUState *cpu)
{
    return !cpu->stop && !cpu->stopped;
}

bool cpu_thread_is_idle(CPUState *cpu)
{
    if (cpu->stop || !cpu_work_list_empty(cpu)) {
        return false;
    }
    if (cpu->stopped) {
        return true;
    }
    return qatomic_read(&cpu->halted) && !cpu_has_work(cpu);
}

/* The vCPU acknowledges a stop request.  BQL held. */
static void qemu_cpu_stop(CPUState *cpu)
{
    cpu->stop = false;
    cpu->stopped = true;
    qemu_cond_broadcast(&qemu_pause_cond);
}

bool all_cpu_threads_idle(void)
{
    CPUState *cpu;

    CPU_FOREACH(cpu) {
        if (!cpu_thread_is_idle(cpu)) {
            return false;
        }
    }
    return true;
}

void qemu_wait_io_event_common(CPUState *cpu)
{
    if (cpu->stop) {
        qemu_cpu_stop(cpu);
    }
    process_queued_cpu_work(cpu);
}

void qemu_wait_io_event(CPUState *cpu)
{
    assert(qemu_mutex_iothread_locked());
    while (cpu_thread_is_idle(cpu)) {
        /* Asleep, the vCPU holds up no grace period. */
        rcu_thread_offline();
        qemu_cond_wait_iothread(cpu->halt_cond);
        rcu_thread_online();
    }
    /* Quiescent first, then the work: see "RCU" at the top. */
    rcu_quiescent_state();
    qemu_wait_io_event_common(cpu);
}

void cpu_thread_lock_iothread(void)
{
    rcu_thread_offline();
    qemu_mutex_lock_iothread();
    rcu_thread_online();
}

void cpu_stop_current(void)
{
    CPUState *cpu = current_cpu;

    if (cpu) {
        qemu_cpu_stop(cpu);
        cpu_exit(cpu);
    }
}

bool all_vcpus_paused(void)
{
    CPUState *cpu;

    CPU_FOREACH(cpu) {
        if (!cpu->stopped) {
            return false;
        }
    }
    return true;
}

void pause_all_vcpus(void)
{
    CPUState *cpu;

    assert(qemu_mutex_iothread_locked());
    CPU_FOREACH(cpu) {
        if (qemu_cpu_is_self(cpu)) {
            qemu_cpu_stop(cpu);
            cpu_exit(cpu);
        } else if (!cpu->stopped) {
            cpu->stop = true;
            qemu_cpu_kick(cpu);
        }
    }
    while (!all_vcpus_paused()) {
        qemu_cond_wait_iothread(&qemu_pause_cond);
        /* A vCPU busy in MMIO when first kicked may have missed it. */
        CPU_FOREACH(cpu) {
            if (!cpu->stopped) {
                qemu_cpu_kick(cpu);
            }
        }
    }
}

void cpu_resume(CPUState *cpu)
{
    assert(qemu_mutex_iothread_locked());
    cpu_clear_watchpoint_hit(cpu);
    cpu->stop = false;
    cpu->stopped = false;
    qemu_cpu_kick(cpu);
}

void resume_all_vcpus(void)
{
    CPUState *cpu;

    assert(qemu_mutex_iothread_locked());
    CPU_FOREACH(cpu) {
        if (cpu->created) {
            cpu_resume(cpu);
        }
    }
}

void cpus_set_guest_debug_handler(bool (*fn)(CPUState *cpu))
{
    assert(qemu_mutex_iothread_locked());
    guest_debug_handler = fn;
}

void cpu_handle_guest_debug(CPUState *cpu)
{
    assert(qemu_mutex_iothread_locked());
    if (!guest_debug_handler || !guest_debug_handler(cpu)) {
        return;
    }
    /*
     * Stopped like an acknowledged stop request, but nobody asked: the
     * handler makes the main loop stop the others (vm_stop), whose
     * pause_all_vcpus counts this one as stopped already.  A single
     * step must not run a second instruction meanwhile.  (The main loop
     * needs the BQL to act, which we hold.)
     */
    cpu->stopped = true;
    qemu_cond_broadcast(&qemu_pause_cond);
}

/* Work items */

static void queue_work_on_cpu(CPUState *cpu, struct qemu_work_item *wi)
{
    qemu_mutex_lock(&cpu->work_mutex);
    QSIMPLEQ_INSERT_TAIL(&cpu->work_list, wi, node);
    qemu_mutex_unlock(&cpu->work_mutex);
    qemu_cpu_kick(cpu);
}

void run_on_cpu(CPUState *cpu, run_on_cpu_func func, run_on_cpu_data data)
{
    struct qemu_work_item wi = { .func = func, .data = data };

    if (qemu_cpu_is_self(cpu) || !cpu->created) {
        /* No thread of its own (yet): nobody else runs it. */
        func(cpu, data);
        return;
    }
    assert(qemu_mutex_iothread_locked());
    queue_work_on_cpu(cpu, &wi);
    /* Pairs with the store-release in process_queued_cpu_work. */
    while (!qatomic_load_acquire(&wi.done)) {
        qemu_cond_wait_iothread(&qemu_work_cond);
    }
}

void async_run_on_cpu(CPUState *cpu, run_on_cpu_func func,
                      run_on_cpu_data data)
{
    struct qemu_work_item *wi = g_new0(struct qemu_work_item, 1);

    wi->func = func;
    wi->data = data;
    wi->free = true;
    queue_work_on_cpu(cpu, wi);
}

void async_safe_run_on_cpu(CPUState *cpu, run_on_cpu_func func,
                           run_on_cpu_data data)
{
    struct qemu_work_item *wi = g_new0(struct qemu_work_item, 1);

    wi->func = func;
    wi->data = data;
    wi->free = true;
    wi->exclusive = true;
    queue_work_on_cpu(cpu, wi);
}

void process_queued_cpu_work(CPUState *cpu)
{
    struct qemu_work_item *wi;

    qemu_mutex_lock(&cpu->work_mutex);
    while ((wi = QSIMPLEQ_FIRST(&cpu->work_list)) != NULL) {
        QSIMPLEQ_REMOVE_HEAD(&cpu->work_list, node);
        qemu_mutex_unlock(&cpu->work_mutex);
        if (wi->exclusive) {
            /*
             * Other vCPUs may be waiting for the BQL inside cpu_exec (for
             * MMIO); they could never leave it if we held it here.
             */
            qemu_mutex_unlock_iothread();
            start_exclusive();
            wi->func(cpu, wi->data);
            end_exclusive();
            qemu_mutex_lock_iothread();
        } else {
            wi->func(cpu, wi->data);
        }
        if (wi->free) {
            g_free(wi);
        } else {
            /* Pairs with the load-acquire in run_on_cpu. */
            qatomic_store_release(&wi->done, true);
        }
        qemu_mutex_lock(&cpu->work_mutex);
    }
    qemu_mutex_unlock(&cpu->work_mutex);
    qemu_cond_broadcast(&qemu_work_cond);
}

/* Exclusive sections; see the comment at the top. */

/* Wait for a pending section to end.  qemu_cpu_list_lock held. */
static void exclusive_idle(void)
{
    while (pending_cpus) {
        qemu_cond_wait(&exclusive_resume, &qemu_cpu_list_lock);
    }
}

void start_exclusive(void)
{
    CPUState *other;
    int running = 0;

    assert(!qemu_mutex_iothread_locked());
    qemu_mutex_lock(&qemu_cpu_list_lock);
    exclusive_idle();
    CPU_FOREACH(other) {
        if (other->running && other != current_cpu) {
            other->has_waiter = true;
            running++;
            cpu_exit(other);
        }
    }
    pending_cpus = 1 + running;
    while (pending_cpus > 1) {
        qemu_cond_wait(&exclusive_cond, &qemu_cpu_list_lock);
    }
    qemu_mutex_unlock(&qemu_cpu_list_lock);
    if (current_cpu) {
        current_cpu->in_exclusive_context = true;
    }
}

void end_exclusive(void)
{
    if (current_cpu) {
        current_cpu->in_exclusive_context = false;
    }
    qemu_mutex_lock(&qemu_cpu_list_lock);
    pending_cpus = 0;
    qemu_cond_broadcast(&exclusive_resume);
    qemu_mutex_unlock(&qemu_cpu_list_lock);
}

void cpu_exec_start(CPUState *cpu)
{
    qemu_mutex_lock(&qemu_cpu_list_lock);
    exclusive_idle();
    cpu->running = true;
    qemu_mutex_unlock(&qemu_cpu_list_lock);
}

void cpu_exec_end(CPUState *cpu)
{
    qemu_mutex_lock(&qemu_cpu_list_lock);
    cpu->running = false;
    if (cpu->has_waiter) {
        cpu->has_waiter = false;
        if (--pending_cpus == 1) {
            qemu_cond_broadcast(&exclusive_cond);
        }
    }
    qemu_mutex_unlock(&qemu_cpu_list_lock);
}
