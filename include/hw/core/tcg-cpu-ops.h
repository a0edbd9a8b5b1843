/*
 * The TCG half of the CPU ops table: what accel/tcg needs from a target
 * to translate and run its code.  Nothing else in accel/tcg knows about
 * the target.
 */
#ifndef HW_CORE_TCG_CPU_OPS_H
#define HW_CORE_TCG_CPU_OPS_H

#include "hw/core/cpu.h"

typedef struct TCGContext TCGContext;
typedef struct TCGOp TCGOp;

struct TCGCPUOps {
    /*
     * The guest pc and the state that selects a translation for it
     * (privilege, memory mmu index...): blocks are cached by physical
     * pc, pc and flags.
     */
    void (*get_tb_cpu_state)(CPUState *cpu, vaddr *pc, uint32_t *flags);
    /* The mmu index of instruction fetches in the current state. */
    int (*mmu_index_code)(CPUState *cpu);
    /*
     * Translate the block at tb->pc for tb->flags into s, with at most
     * max_insns guest instructions, by calling translator_loop (see
     * exec/translator.h for host_pc and uniform).  May raise a guest
     * exception (cpu_loop_exit) only for the block's first instruction.
     */
    void (*translate_code)(CPUState *cpu, TranslationBlock *tb,
                           TCGContext *s, int max_insns, void *host_pc,
                           bool uniform);
    /*
     * Take an interrupt if one is pending and enabled; true if taken.
     * Called by cpu_exec between blocks when CPU_INTERRUPT_HARD is set.
     */
    bool (*cpu_exec_interrupt)(CPUState *cpu, int interrupt_request);
    /* Deliver the exception cpu->exception_index (< EXCP_INTERRUPT). */
    void (*do_interrupt)(CPUState *cpu);
    /*
     * Translate addr for access_type in mmu_idx and install the page with
     * tlb_set_page.  On failure return false if probe, else raise the
     * guest exception (restoring state from op if it is not NULL).
     */
    bool (*tlb_fill)(CPUState *cpu, vaddr addr, int size,
                     MMUAccessType access_type, int mmu_idx, bool probe,
                     const TCGOp *op);
    /*
     * An access through the TLB got an error from the memory system
     * (nothing there, or a device refused it): raise the guest's access
     * fault.  Does not return.
     */
    void (*do_transaction_failed)(CPUState *cpu, hwaddr physaddr, vaddr addr,
                                  unsigned size, MMUAccessType access_type,
                                  int mmu_idx, MemTxAttrs attrs,
                                  MemTxResult response, const TCGOp *op);
    /*
     * Optional: the guest's own breakpoints (debug triggers), inserted
     * with BP_CPU.  The vCPU is about to execute the instruction that op
     * belongs to, at a pc where it has such a breakpoint: raise the
     * guest's exception (restoring state from op) if one of its triggers
     * fires in the current state, or return.
     */
    void (*debug_breakpoint)(CPUState *cpu, const TCGOp *op);
    /*
     * Optional: the guest's own watchpoints.  An access of len bytes at
     * addr (BP_MEM_READ or BP_MEM_WRITE in flags) overlaps the BP_CPU
     * watchpoint wp and has not been performed: raise the guest's
     * exception (restoring state from op) if the trigger fires, or
     * return.
     */
    void (*debug_watchpoint)(CPUState *cpu, CPUWatchpoint *wp, vaddr addr,
                             vaddr len, int flags, const TCGOp *op);
};

#endif /* HW_CORE_TCG_CPU_OPS_H */
