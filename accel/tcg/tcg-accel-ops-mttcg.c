/*
 * thread=multi (the default): one host thread per vCPU, "CPU n/TCG".
 *
 * Each thread alternates between executing guest code (cpu_exec, without
 * the BQL) and qemu_wait_io_event (with the BQL), where it reports its
 * RCU quiescent state, acknowledges stop requests, runs queued work and
 * sleeps while stopped or halted.
 * A kick makes the vCPU leave its block chain (cpu_exit); cpus.c wakes
 * it from its halt_cond.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "sysemu/cpus.h"
#include "exec/exec-all.h"
#include "tcg-accel-ops.h"

/* A grace period waits for this vCPU: make it end its slice. */
static void mttcg_force_rcu(Notifier *n, void *data)
{
    cpu_exit(container_of(n, CPUState, force_rcu));
}

static void *mttcg_cpu_thread_fn(void *arg)
{
    CPUState *cpu = arg;

    tcg_vcpu_thread_begin(cpu, mttcg_force_rcu);

    for (;;) {
        if (cpu_can_run(cpu)) {
            int r;

            qemu_mutex_unlock_iothread();
            /*
             * EXCP_HLT and EXCP_HALTED leave cpu->halted set, so the wait
             * below sleeps until there is work; EXCP_INTERRUPT only asks
             * us to look at the requests there; EXCP_DEBUG stops us for
             * the debugger.
             */
            r = tcg_cpu_exec(cpu);
            cpu_thread_lock_iothread();
            if (r == EXCP_DEBUG) {
                cpu_handle_guest_debug(cpu);
            }
        }
        qatomic_set(&cpu->exit_request, 0);
        qemu_wait_io_event(cpu);
    }
    return NULL;
}

static void mttcg_create_vcpu_thread(CPUState *cpu)
{
    g_autofree char *name = g_strdup_printf("CPU %d/TCG", cpu->cpu_index);

    cpu->halt_cond = g_new0(QemuCond, 1);
    qemu_cond_init(cpu->halt_cond);
    cpu->thread = g_new0(QemuThread, 1);
    qemu_thread_create(cpu->thread, name, mttcg_cpu_thread_fn, cpu,
                       QEMU_THREAD_DETACHED);
}

static void mttcg_kick_vcpu_thread(CPUState *cpu)
{
    cpu_exit(cpu);
}

const AccelOpsClass tcg_accel_ops_mttcg = {
    .cpu_realize = tcg_cpu_realize,
    .create_vcpu_thread = mttcg_create_vcpu_thread,
    .kick_vcpu_thread = mttcg_kick_vcpu_thread,
    .handle_interrupt = tcg_handle_interrupt,
    .cpu_reset_hold = tcg_cpu_reset_hold,
};
