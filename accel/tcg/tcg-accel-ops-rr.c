/*
 * thread=single: every vCPU on one host thread, "ALL CPUs/TCG", taking
 * turns.  Guest code then never runs in parallel, which makes a bug that
 * depends on the interleaving easier to reproduce, and gives a reference
 * to compare thread=multi against.
 *
 * The round: holding the BQL between slices, the thread runs each vCPU
 * that may run for one slice of cpu_exec, in cpu_index order, and starts
 * over.  A slice ends when the vCPU halts (WFI), leaves for a request of
 * its own, or is kicked: by a request for any vCPU (stop, queued work),
 * by an interrupt raised for another vCPU (so that an IPI's target gets
 * its turn at once, not when the sender's slice runs out), or by the kick
 * timer every RR_KICK_PERIOD_NS of virtual time (so that a vCPU spinning
 * on a lock that another holds cannot starve it).  When no vCPU has
 * anything to do, the thread sleeps on the halt_cond all vCPUs share.
 * For RCU the thread is one QSBR reader, quiescent in rr_wait_io_event
 * before it runs every vCPU's queued work (softmmu/cpus.c says why).
 *
 * Shared state:
 *  - rr_current_cpu: the vCPU in its slice, or NULL.  Written by the rr
 *    thread (qatomic_xchg, a full barrier), read by kickers on any thread.
 *  - rr_exit_request: a kicker wants the thread back at its wait point to
 *    look at requests.  Set by kickers, cleared by the rr thread.
 * A kicker sets rr_exit_request, then (smp_mb) reads rr_current_cpu and
 * exits that vCPU; the rr thread publishes rr_current_cpu, then reads
 * rr_exit_request before running the slice.  With a full barrier on both
 * sides, either the rr thread sees the request or the kicker exits the
 * vCPU it is about to run: no request waits for a whole slice.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "qemu/rcu.h"
#include "sysemu/cpus.h"
#include "exec/exec-all.h"
#include "tcg-accel-ops.h"

#define RR_KICK_PERIOD_NS   (10 * 1000 * 1000)

static CPUState *rr_current_cpu;
static bool rr_exit_request;
/* All under the BQL. */
static QemuThread *rr_thread;
static QemuCond *rr_halt_cond;
static QEMUTimer *rr_kick_timer;

/* End the running slice, if any.  Any thread. */
static void rr_kick_current(void)
{
    CPUState *cpu = qatomic_read(&rr_current_cpu);

    if (cpu) {
        cpu_exit(cpu);
    }
}

static void rr_kick_timer_cb(void *opaque)
{
    rr_kick_current();
    timer_mod(rr_kick_timer,
              qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + RR_KICK_PERIOD_NS);
}

/* Slices need a time limit only when vCPUs take turns.  BQL held. */
static void rr_start_kick_timer(void)
{
    if (!CPU_NEXT(first_cpu)) {
        return;
    }
    if (!rr_kick_timer) {
        rr_kick_timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, rr_kick_timer_cb,
                                     NULL);
    }
    if (!timer_pending(rr_kick_timer)) {
        timer_mod(rr_kick_timer,
                  qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + RR_KICK_PERIOD_NS);
    }
}

static void rr_stop_kick_timer(void)
{
    if (rr_kick_timer) {
        timer_del(rr_kick_timer);
    }
}

/*
 * Sleep while no vCPU has anything to do, then acknowledge stops and run
 * queued work for all of them.  BQL held.
 */
static void rr_wait_io_event(void)
{
    CPUState *cpu;

    while (all_cpu_threads_idle()) {
        rr_stop_kick_timer();
        rcu_thread_offline();
        qemu_cond_wait_iothread(rr_halt_cond);
        rcu_thread_online();
    }
    rr_start_kick_timer();
    /* Quiescent before the work, as in qemu_wait_io_event. */
    rcu_quiescent_state();

    /*
     * Clear the request before looking at what it announced: a kicker
     * whose work we miss below sets it again after we cleared it, and
     * the next round comes straight back here.
     */
    qatomic_set(&rr_exit_request, false);
    smp_mb();
    CPU_FOREACH(cpu) {
        if (cpu->created) {
            current_cpu = cpu;
            qemu_wait_io_event_common(cpu);
        }
    }
}


static void rr_force_rcu(Notifier *n, void *data);

static void *rr_cpu_thread_fn(void *arg)
{
    CPUState *cpu = arg;

    tcg_vcpu_thread_begin(cpu, rr_force_rcu);

    cpu = NULL;
    for (;;) {
        rr_wait_io_event();
        if (!cpu) {
            cpu = first_cpu;
        }
        /* vCPUs without a thread (unit tests) are not ours to run. */
        for (; cpu; cpu = CPU_NEXT(cpu)) {
            if (!cpu->created) {
                continue;
            }
            /* Publish, then look: see the comment at the top. */
            qatomic_xchg(&rr_current_cpu, cpu);
            if (qatomic_read(&rr_exit_request)) {
                break;
            }
            current_cpu = cpu;
            if (cpu_can_run(cpu)) {
                int r;

                qemu_mutex_unlock_iothread();
                r = tcg_cpu_exec(cpu);
                cpu_thread_lock_iothread();
                if (r == EXCP_DEBUG) {
                    /* Stopped: back to the wait, for the VM to stop. */
                    cpu_handle_guest_debug(cpu);
                    qatomic_set(&cpu->exit_request, 0);
                    break;
                }
            }
            qatomic_set(&cpu->exit_request, 0);
        }
        qatomic_set(&rr_current_cpu, NULL);
    }
    return NULL;
}

static void rr_create_vcpu_thread(CPUState *cpu)
{
    if (rr_thread) {
        /* Later vCPUs join the thread the first one started. */
        cpu->thread = rr_thread;
        cpu->halt_cond = rr_halt_cond;
        cpu->thread_id = first_cpu->thread_id;
        cpu_thread_signal_created(cpu);
        return;
    }
    rr_halt_cond = g_new0(QemuCond, 1);
    qemu_cond_init(rr_halt_cond);
    rr_thread = g_new0(QemuThread, 1);
    cpu->thread = rr_thread;
    cpu->halt_cond = rr_halt_cond;
    qemu_thread_create(rr_thread, "ALL CPUs/TCG", rr_cpu_thread_fn, cpu,
                       QEMU_THREAD_DETACHED);
}

/* The thread runs every vCPU: whichever cpu is meant, kick the thread. */
static void rr_kick_vcpu_thread(CPUState *unused)
{
    qatomic_set(&rr_exit_request, true);
    /* Pairs with the qatomic_xchg of rr_current_cpu in rr_cpu_thread_fn. */
    smp_mb();
    rr_kick_current();
}

/*
 * A grace period waits for the thread: end the round, so that it comes
 * back to rr_wait_io_event and reports a quiescent state.
 */
static void rr_force_rcu(Notifier *n, void *data)
{
    rr_kick_vcpu_thread(NULL);
}

static void rr_handle_interrupt(CPUState *cpu, int mask)
{
    tcg_handle_interrupt(cpu, mask);
    /* The full barrier in tcg_handle_interrupt orders the read below. */
    if (cpu != qatomic_read(&rr_current_cpu)) {
        rr_kick_current();
    }
}

const AccelOpsClass tcg_accel_ops_rr = {
    .cpu_realize = tcg_cpu_realize,
    .create_vcpu_thread = rr_create_vcpu_thread,
    .kick_vcpu_thread = rr_kick_vcpu_thread,
    .handle_interrupt = rr_handle_interrupt,
    .cpu_reset_hold = tcg_cpu_reset_hold,
};
