/*
 * The accelerator's half of vCPU control.
 *
 * softmmu/cpus.c owns the vCPU state machine (created, stopped, halted,
 * queued work; see sysemu/cpus.h) and reaches the execution engine only
 * through this table, which the accelerator chosen with -accel registers
 * (qemu/accel.h).  So cpus.c knows nothing of TCG, and an engine plugs
 * in by filling the table.
 */
#ifndef SYSEMU_ACCEL_OPS_H
#define SYSEMU_ACCEL_OPS_H

#include "hw/core/cpu.h"

typedef struct AccelOpsClass {
    /*
     * Set up the engine's state for a new vCPU (TLB, caches).  BQL held;
     * no other thread sees cpu yet.
     */
    void (*cpu_realize)(CPUState *cpu);
    /*
     * Start cpu's thread; it calls cpu_thread_signal_created once it is
     * up (with the BQL).  Several vCPUs may share one thread.  BQL held.
     */
    void (*create_vcpu_thread)(CPUState *cpu);
    /*
     * Get cpu's thread to look at its requests (stop, queued work) soon:
     * if it is executing guest code, it leaves.  cpus.c has already woken
     * the thread from halt_cond.  Any thread.
     */
    void (*kick_vcpu_thread)(CPUState *cpu);
    /*
     * Raise interrupt_request bits, and make cpu look at them at its next
     * block boundary if it is executing (cpu_interrupt; cpus.c then wakes
     * it if it is halted).  Any thread.
     */
    void (*handle_interrupt)(CPUState *cpu, int mask);
    /*
     * Back to the power-on state: drop the engine's per-vCPU state that
     * guest memory being reloaded would make stale.  cpu is not running.
     */
    void (*cpu_reset_hold)(CPUState *cpu);
} AccelOpsClass;

/*
 * Install the table; once, before the first vCPU is realized, from the
 * accelerator's init_machine.
 */
void cpus_register_accel(const AccelOpsClass *ops);
/* The table installed, or NULL before cpus_register_accel. */
const AccelOpsClass *cpus_get_accel(void);

#endif /* SYSEMU_ACCEL_OPS_H */
