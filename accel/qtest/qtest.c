/*
 * The qtest accelerator (-accel qtest): the machine, its devices and its
 * vCPUs, but no guest code ever runs.  A test drives the devices through
 * the qtest protocol (softmmu/qtest.c) instead.
 *
 * Each vCPU still gets a thread, so that everything around vCPUs works as
 * with TCG (creation, pause and resume, run_on_cpu, reset).  The thread
 * only ever sleeps on its halt_cond under the BQL, offline for RCU, and
 * wakes when cpus.c kicks it: to acknowledge a stop request or to run
 * queued work, after reporting a quiescent state as every vCPU thread
 * does between slices (see the top of softmmu/cpus.c).  Nothing else
 * about it changes: it holds no TLB, no translated code.
 *
 * Virtual time belongs to the test: the clock is manual from the start
 * (qemu_clock_set_virtual_manual), so starting the VM does not start it,
 * and only clock_step/clock_set move it.
 */
#include "qemu/osdep.h"
#include "qemu/accel.h"
#include "qemu/main-loop.h"
#include "qemu/rcu.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "sysemu/accel-ops.h"
#include "sysemu/cpus.h"
#include "sysemu/qtest.h"

/* Set once, before the machine is built; read-only afterwards. */
static bool qtest_accel_on;

bool qtest_enabled(void)
{
    return qtest_accel_on;
}

/* Nothing to wait for but stop requests and queued work.  BQL held. */
static bool qtest_cpu_has_nothing_to_do(CPUState *cpu)
{
    return !cpu->stop && cpu_work_list_empty(cpu);
}

static void *qtest_cpu_thread_fn(void *arg)
{
    CPUState *cpu = arg;

    rcu_register_thread();
    rcu_thread_online();
    cpu_thread_lock_iothread();
    qemu_thread_get_self(cpu->thread);
    cpu->thread_id = qemu_get_thread_id();
    current_cpu = cpu;
    cpu_thread_signal_created(cpu);

    for (;;) {
        while (qtest_cpu_has_nothing_to_do(cpu)) {
            rcu_thread_offline();
            qemu_cond_wait_iothread(cpu->halt_cond);
            rcu_thread_online();
        }
        rcu_quiescent_state();
        qemu_wait_io_event_common(cpu);
    }
    return NULL;
}

static void qtest_cpu_realize(CPUState *cpu)
{
}

static void qtest_create_vcpu_thread(CPUState *cpu)
{
    g_autofree char *name = g_strdup_printf("CPU %d/qtest", cpu->cpu_index);

    cpu->halt_cond = g_new0(QemuCond, 1);
    qemu_cond_init(cpu->halt_cond);
    cpu->thread = g_new0(QemuThread, 1);
    qemu_thread_create(cpu->thread, name, qtest_cpu_thread_fn, cpu,
                       QEMU_THREAD_DETACHED);
}

/* cpus.c has woken the thread from halt_cond: that is all it needs. */
static void qtest_kick_vcpu_thread(CPUState *cpu)
{
}

/* Interrupts are only recorded: no guest code will take them. */
static void qtest_handle_interrupt(CPUState *cpu, int mask)
{
    qatomic_or(&cpu->interrupt_request, mask);
}

static void qtest_cpu_reset_hold(CPUState *cpu)
{
}

static const AccelOpsClass qtest_accel_ops = {
    .cpu_realize = qtest_cpu_realize,
    .create_vcpu_thread = qtest_create_vcpu_thread,
    .kick_vcpu_thread = qtest_kick_vcpu_thread,
    .handle_interrupt = qtest_handle_interrupt,
    .cpu_reset_hold = qtest_cpu_reset_hold,
};

static bool qtest_init_machine(QemuOpts *opts, Error **errp)
{
    qemu_clock_set_virtual_manual(true);
    cpus_register_accel(&qtest_accel_ops);
    qtest_accel_on = true;
    return true;
}

const AccelClass qtest_accel = {
    .name = "qtest",
    .init_machine = qtest_init_machine,
};
