/*
 * The RISC-V hart: RV64IMAC with Zicsr and Zifencei, M, S and U modes,
 * Sv39/Sv48 and 16 PMP entries (privileged architecture 1.12).
 *
 * What the board and devices use:
 *   riscv_cpu_new()            create a hart (reset, PC = 0x1000, listed)
 *   riscv_cpu_irq()            its interrupt input lines (MSIP, MTIP, SEIP, MEIP)
 *   riscv_cpu_set_rdtime_fn()  the source of the time CSR
 *   riscv_cpu_isa_string()     "riscv,isa" for the device tree
 * and, through CPUState, sysemu/cpus.h to start and stop it.
 */
#ifndef TARGET_RISCV_CPU_H
#define TARGET_RISCV_CPU_H

#include "hw/core/cpu.h"
#include "hw/irq.h"
#include "target/riscv/cpu_bits.h"

#define RISCV_CPU_TYPE_NAME     "rv64"
#define RISCV_RESET_VECTOR      0x1000

/*
 * The register file the ops index: x0..x31, then a sink that receives
 * the result of loads to x0 (which must still access memory).  x0 is
 * never written, so it reads as zero.
 */
#define RISCV_REG_SINK  32
#define RISCV_NB_REGS   33

#define RISCV_PMP_ENTRIES   16
#define RISCV_NB_TRIGGERS   4

/*
 * The debug triggers (Sdtrig, debug.c): the registers, and what each
 * enabled trigger inserted in the hart's breakpoint and watchpoint lists
 * (hw/core/cpu.h), which the execution engine checks.
 */
typedef struct RISCVTriggerState {
    uint64_t tselect;
    uint64_t tdata1[RISCV_NB_TRIGGERS];
    uint64_t tdata2[RISCV_NB_TRIGGERS];
    CPUBreakpoint *bp[RISCV_NB_TRIGGERS];
    CPUWatchpoint *wp[RISCV_NB_TRIGGERS];
} RISCVTriggerState;

typedef struct RISCVPMPState {
    uint8_t cfg[RISCV_PMP_ENTRIES];
    uint64_t addr[RISCV_PMP_ENTRIES];
    /* Derived from cfg/addr by pmp_update_rules: inclusive byte ranges. */
    uint64_t sa[RISCV_PMP_ENTRIES];
    uint64_t ea[RISCV_PMP_ENTRIES];
    bool active[RISCV_PMP_ENTRIES];
} RISCVPMPState;

/*
 * The architectural state.  Everything is owned by the hart's vCPU
 * thread (or whoever holds it paused), except as noted.
 */
typedef struct CPURISCVState {
    uint64_t gpr[RISCV_NB_REGS];
    uint64_t pc;
    uint64_t priv;

    /* The trap value of the exception being raised (cs->exception_index). */
    uint64_t badaddr;

    /* LR/SC reservation: the address (or -1) and the value loaded. */
    uint64_t load_res;
    uint64_t load_val;

    uint64_t mhartid;
    uint64_t mstatus;
    uint64_t misa;
    uint64_t medeleg;
    uint64_t mideleg;
    uint64_t mtvec;
    uint64_t stvec;
    uint64_t mepc;
    uint64_t sepc;
    uint64_t mcause;
    uint64_t scause;
    uint64_t mtval;
    uint64_t stval;
    uint64_t mscratch;
    uint64_t sscratch;
    uint64_t satp;
    uint64_t menvcfg;
    uint64_t senvcfg;
    uint64_t mcounteren;        /* 32 bits wide */
    uint64_t scounteren;
    /* mcycle = retired count + cycle_delta, likewise minstret. */
    uint64_t cycle_delta;
    uint64_t instret_delta;

    /*
     * mip: the software-writable bits (SSIP, STIP, SEIP) and the lines
     * driven by devices (MSIP, MTIP, MEIP), updated with atomics by the
     * vCPU (CSR writes) and by devices (riscv_cpu_irq, BQL held).
     * external_seip is the level of the S-mode external interrupt line;
     * the SEIP the hart sees is mip.SEIP | external_seip.
     * mie: written by the vCPU, read by other threads (has_work) with
     * qatomic_read.
     */
    uint32_t mip;
    uint32_t external_seip;
    uint32_t mie;

    RISCVPMPState pmp;
    RISCVTriggerState trig;

    /* const after creation */
    qemu_irq irq[IRQ_M_EXT + 1];
    uint64_t (*rdtime_fn)(void *);
    void *rdtime_arg;
} CPURISCVState;

typedef struct RISCVCPU {
    CPUState parent_obj;
    CPURISCVState env;
} RISCVCPU;

static inline RISCVCPU *RISCV_CPU(CPUState *cs)
{
    return container_of(cs, RISCVCPU, parent_obj);
}

static inline CPUState *CPU(RISCVCPU *cpu)
{
    return &cpu->parent_obj;
}

static inline RISCVCPU *env_archcpu(CPURISCVState *env)
{
    return container_of(env, RISCVCPU, env);
}

static inline CPUState *env_cpu(CPURISCVState *env)
{
    return &env_archcpu(env)->parent_obj;
}

/*
 * Create hart hartid, reset (M-mode, PC = 0x1000) and on the CPU list.
 * Its thread is started separately with qemu_init_vcpu(CPU(cpu)).  BQL
 * held.  NULL with *errp if hartid is already taken.
 */
RISCVCPU *riscv_cpu_new(uint32_t hartid, Error **errp);

/*
 * The input line for interrupt irq (IRQ_M_SOFT, IRQ_M_TIMER, IRQ_S_EXT
 * or IRQ_M_EXT): level-sensitive; qemu_set_irq with the BQL held, from
 * any thread.
 */
qemu_irq riscv_cpu_irq(RISCVCPU *cpu, int irq);

/*
 * Set the mip bits in mask to value (atomically) and kick the hart if an
 * interrupt became pending; returns the old mip.  Any thread.
 */
uint64_t riscv_cpu_update_mip(RISCVCPU *cpu, uint64_t mask, uint64_t value);

/*
 * The time CSR reads fn(arg): the shared 10 MHz counter (the CLINT's
 * mtime).  Called on the vCPU thread without the BQL, so fn must not
 * need it.  Without fn, reading time is an illegal instruction.
 */
void riscv_cpu_set_rdtime_fn(CPURISCVState *env, uint64_t (*fn)(void *),
                             void *arg);

/* "riscv,isa" for the device tree: only what is implemented. */
const char *riscv_cpu_isa_string(RISCVCPU *cpu);

/* The mmu index of data accesses (MPRV applied) or of fetches. */
static inline int riscv_cpu_mmu_index(CPURISCVState *env, bool ifetch)
{
    if (!ifetch && env->priv == PRV_M &&
        get_field(env->mstatus, MSTATUS_MPRV)) {
        return get_field(env->mstatus, MSTATUS_MPP);
    }
    return env->priv;
}

#endif /* TARGET_RISCV_CPU_H */
