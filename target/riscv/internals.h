/*
 * Declarations shared by the files of target/riscv; not for outside use.
 */
#ifndef TARGET_RISCV_INTERNALS_H
#define TARGET_RISCV_INTERNALS_H

#include "target/riscv/cpu.h"
#include "tcg/tcg.h"

/* TB flags: the privilege level and the mmu index of data accesses. */
#define TB_FLAGS_PRIV_MASK      0x3
#define TB_FLAGS_MEM_IDX_SHIFT  2

static inline int tb_flags_priv(uint32_t flags)
{
    return flags & TB_FLAGS_PRIV_MASK;
}

static inline int tb_flags_mem_idx(uint32_t flags)
{
    return (flags >> TB_FLAGS_MEM_IDX_SHIFT) & TB_FLAGS_PRIV_MASK;
}

/* cpu.c */

/* The pending interrupts: mip with the external SEIP line. */
uint32_t riscv_cpu_mip(CPURISCVState *env);
/*
 * Keep CPU_INTERRUPT_HARD equal to "mip & mie != 0" after either changed.
 * Any thread.
 */
void riscv_cpu_update_interrupt_request(CPURISCVState *env);

/* cpu_helper.c */

/* Raise exception cause with tval, rewinding to op's instruction. */
QEMU_NORETURN void riscv_raise_exception(CPURISCVState *env,
                                         RISCVException cause,
                                         uint64_t tval, const TCGOp *op);
/* The interrupt to take now (-1 if none), per priority and delegation. */
int riscv_cpu_pending_irq(CPURISCVState *env);
void riscv_cpu_do_interrupt(CPUState *cs);
bool riscv_cpu_exec_interrupt(CPUState *cs, int interrupt_request);
bool riscv_cpu_tlb_fill(CPUState *cs, vaddr addr, int size,
                        MMUAccessType access_type, int mmu_idx, bool probe,
                        const TCGOp *op);
void riscv_cpu_do_transaction_failed(CPUState *cs, hwaddr physaddr,
                                     vaddr addr, unsigned size,
                                     MMUAccessType access_type, int mmu_idx,
                                     MemTxAttrs attrs, MemTxResult response,
                                     const TCGOp *op);
void riscv_cpu_get_tb_cpu_state(CPUState *cs, vaddr *pc, uint32_t *flags);
hwaddr riscv_cpu_get_phys_page_debug(CPUState *cs, vaddr addr);

/* gdbstub.c: the CPUClass hooks of the debugger. */
const char *riscv_gdb_target_xml(CPUState *cs);
int riscv_gdb_num_regs(CPUState *cs);
int riscv_gdb_read_register(CPUState *cs, GByteArray *buf, int n);
int riscv_gdb_write_register(CPUState *cs, const uint8_t *buf, int len,
                             int n);
#define RISCV_GDB_NUM_CORE_REGS 33      /* x0..x31, pc */

/* machine.c: the hart's section, "cpu" */
typedef struct VMStateDescription VMStateDescription;
extern const VMStateDescription vmstate_riscv_cpu;

/* csr.c */

/*
 * Access CSR csrno as a CSR instruction would: read it into *old (if old
 * is not NULL) and, if write, replace the bits in write_mask with those
 * of new_value.  Returns RISCV_EXCP_ILLEGAL_INST if the CSR does not
 * exist or may not be accessed so from the current privilege level.
 * op locates the instruction (for the counters); vCPU thread.
 */
RISCVException riscv_csrrw(CPURISCVState *env, int csrno, uint64_t *old,
                           uint64_t new_value, uint64_t write_mask,
                           bool write, const TCGOp *op);
/* Read a CSR without access checks (for dumps); 0 if not implemented. */
uint64_t riscv_csr_peek(CPURISCVState *env, int csrno);
/*
 * Write a CSR without access checks, as its WARL rules allow (for the
 * debugger); false if it is not implemented or read-only.  The vCPU is
 * stopped.
 */
bool riscv_csr_poke(CPURISCVState *env, int csrno, uint64_t val);
/* The CSR's name, or NULL if we do not implement it. */
const char *riscv_csr_name(int csrno);

/* pmp.c */
void pmp_update_rules(CPURISCVState *env);
/* May an access of size bytes at addr in mode do what privs (PAGE_*) says? */
bool pmp_hart_has_privs(CPURISCVState *env, hwaddr addr, int size,
                        int privs, int mode);
/*
 * The PMP permissions (PAGE_*) of the whole page at addr in mode, in
 * *prot; false if they differ within the page.
 */
bool pmp_page_prot(CPURISCVState *env, hwaddr addr, int mode, int *prot);
RISCVException pmp_read_csr(CPURISCVState *env, int csrno, uint64_t *val);
RISCVException pmp_write_csr(CPURISCVState *env, int csrno, uint64_t val);

/* debug.c: the debug triggers */
void riscv_trigger_reset(CPURISCVState *env);
bool riscv_trigger_post_load(CPURISCVState *env, Error **errp);
RISCVException riscv_trigger_read_csr(CPURISCVState *env, int csrno,
                                      uint64_t *val);
RISCVException riscv_trigger_write_csr(CPURISCVState *env, int csrno,
                                       uint64_t val);
/* TCGCPUOps.debug_breakpoint and debug_watchpoint */
void riscv_cpu_debug_breakpoint(CPUState *cs, const TCGOp *op);
void riscv_cpu_debug_watchpoint(CPUState *cs, CPUWatchpoint *wp, vaddr addr,
                                vaddr len, int flags, const TCGOp *op);

/* translate.c */
void riscv_translate_code(CPUState *cs, TranslationBlock *tb, TCGContext *s,
                          int max_insns, void *host_pc, bool uniform);

/* disas.c: the ABI names of x0..x31. */
extern const char *const riscv_int_regnames[32];
/* disas.c: append the disassembly of insn at pc to buf. */
void riscv_disas_insn(GString *buf, uint64_t pc, uint32_t insn, int len);

/* op_helper.c: the helpers the translator calls (TCGHelperFn). */
void helper_csr(CPUState *cs, const TCGOp *op);
void helper_ecall(CPUState *cs, const TCGOp *op);
void helper_ebreak(CPUState *cs, const TCGOp *op);
void helper_mret(CPUState *cs, const TCGOp *op);
void helper_sret(CPUState *cs, const TCGOp *op);
void helper_wfi(CPUState *cs, const TCGOp *op);
void helper_sfence_vma(CPUState *cs, const TCGOp *op);
void helper_fence_i(CPUState *cs, const TCGOp *op);
void helper_lr(CPUState *cs, const TCGOp *op);
void helper_sc(CPUState *cs, const TCGOp *op);
void helper_amo(CPUState *cs, const TCGOp *op);
void helper_illegal(CPUState *cs, const TCGOp *op);

#endif /* TARGET_RISCV_INTERNALS_H */
