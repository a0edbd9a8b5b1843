/*
 * The TCG accelerator's vCPU hooks that do not depend on the threading
 * mode: realize, reset, interrupts, and a slice of execution.
 */
#include "qemu/osdep.h"
#include "qemu/atomic.h"
#include "qemu/main-loop.h"
#include "qemu/rcu.h"
#include "sysemu/cpus.h"
#include "exec/exec-all.h"
#include "exec/cputlb.h"
#include "tcg-accel-ops.h"

void tcg_cpu_realize(CPUState *cpu)
{
    tcg_exec_init();
    tcg_cpu_init(cpu);
}

void tcg_cpu_reset_hold(CPUState *cpu)
{
    /* The board reloads guest memory on reset, behind the TLBs' back. */
    tlb_flush(cpu);
    tb_flush_all_stopped();
}

void tcg_handle_interrupt(CPUState *cpu, int mask)
{
    /*
     * The or is a full barrier: the request is visible before the entry
     * check is set.  Pairs with the smp_mb in cpu_exec's request check.
     */
    qatomic_or(&cpu->interrupt_request, mask);
    qatomic_set(&cpu->tcg_exit_req, 1);
}

void tcg_vcpu_thread_begin(CPUState *cpu,
                           void (*force_rcu)(Notifier *n, void *data))
{
    /*
     * A QSBR reader from the start (softmmu/cpus.c says when it is
     * quiescent and when offline); force_rcu kicks it out of guest code
     * when it holds up a grace period.
     */
    rcu_register_thread();
    cpu->force_rcu.notify = force_rcu;
    rcu_add_force_rcu_notifier(&cpu->force_rcu);
    rcu_thread_online();
    cpu_thread_lock_iothread();
    qemu_thread_get_self(cpu->thread);
    cpu->thread_id = qemu_get_thread_id();
    current_cpu = cpu;
    cpu_thread_signal_created(cpu);
}

int tcg_cpu_exec(CPUState *cpu)
{
    int ret;

    cpu_exec_start(cpu);
    ret = cpu_exec(cpu);
    cpu_exec_end(cpu);
    return ret;
}
