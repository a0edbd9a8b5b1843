/*
 * The TCG accelerator's vCPU ops (sysemu/accel-ops.h), shared by its two
 * threading modes; not for use outside accel/tcg.
 */
#ifndef ACCEL_TCG_TCG_ACCEL_OPS_H
#define ACCEL_TCG_TCG_ACCEL_OPS_H

#include "sysemu/accel-ops.h"

/* thread=multi: one host thread per vCPU (tcg-accel-ops-mttcg.c). */
extern const AccelOpsClass tcg_accel_ops_mttcg;
/* thread=single: all vCPUs round-robin on one thread (tcg-accel-ops-rr.c). */
extern const AccelOpsClass tcg_accel_ops_rr;

/* The hooks both modes share (tcg-accel-ops.c). */
void tcg_cpu_realize(CPUState *cpu);
void tcg_handle_interrupt(CPUState *cpu, int mask);
void tcg_cpu_reset_hold(CPUState *cpu);

/*
 * The first thing a vCPU thread does: register with RCU as an online
 * QSBR reader whose force-RCU notifier is force_rcu, take the BQL,
 * record its thread in cpu, and tell qemu_init_vcpu that it is up.
 */
void tcg_vcpu_thread_begin(CPUState *cpu,
                           void (*force_rcu)(Notifier *n, void *data));

/*
 * One slice of guest execution: cpu_exec bracketed by cpu_exec_start and
 * cpu_exec_end, so that exclusive sections wait for it.  No BQL.
 */
int tcg_cpu_exec(CPUState *cpu);

#endif /* ACCEL_TCG_TCG_ACCEL_OPS_H */
