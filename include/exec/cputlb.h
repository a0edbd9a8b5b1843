/*
 * The softmmu TLB: filling, flushing, and the slow paths of guest memory
 * accesses.  The fast path (a hit) is inline in the interpreter.
 *
 * A flush of another vCPU's TLB is a request: it is queued as work that
 * the owner runs at its next block boundary (sysemu/cpus.h), so only the
 * owner ever writes its TLB (but see TLB_NOTDIRTY in exec/cpu-defs.h).
 */
#ifndef EXEC_CPUTLB_H
#define EXEC_CPUTLB_H

#include "hw/core/cpu.h"

typedef struct TCGOp TCGOp;

/* Flush every mmu index of cpu, and its jump cache. */
void tlb_flush(CPUState *cpu);
/* Flush the mmu indexes in idxmap (bit n: index n). */
void tlb_flush_by_mmuidx(CPUState *cpu, uint16_t idxmap);
/* Flush the page containing addr from every mmu index. */
void tlb_flush_page(CPUState *cpu, vaddr addr);
/* tlb_flush on every vCPU (the memory map changed). */
void tlb_flush_all_cpus(void);

/*
 * Map the page of vaddr to the page of paddr in mmu_idx with prot
 * (PAGE_READ/WRITE/EXEC).  size is the size of the mapping the target
 * found: a superpage (larger than a page) is remembered for page
 * flushes; a mapping smaller than a page (sub-page protection) makes the
 * entry good for the access being filled only.  vCPU thread, from
 * TCGCPUOps.tlb_fill.
 */
void tlb_set_page(CPUState *cpu, vaddr addr, hwaddr paddr, MemTxAttrs attrs,
                  int prot, int mmu_idx, uint64_t size);

/*
 * A thread translating code from the RAM page at ram_addr calls this
 * after clearing the page's DIRTY_MEMORY_CODE bit: every vCPU's write
 * entries for the page get TLB_NOTDIRTY, so that writes to it take the
 * slow path and invalidate the code.  TB lock held.
 */
void tlb_reset_dirty_page(ram_addr_t ram_addr);
/*
 * The same for every write entry mapping a page of [start, start +
 * length): the migration thread calls it, as physmem's dirty-log-clear
 * hook, after clearing the pages' DIRTY_MEMORY_MIGRATION bits.  Any
 * thread; the bits must be clear before the call.
 */
void tlb_reset_dirty_range_all(ram_addr_t start, ram_addr_t length);

/*
 * Slow paths of guest loads and stores of size memop_size(mop) at addr
 * in mmu_idx: fill the TLB (which may raise a guest exception, restoring
 * state from op), access MMIO through the memory API with the BQL, split
 * misaligned and page-crossing accesses, and invalidate code on writes
 * to pages that hold translated code.  Loads return the value extended
 * as mop says.
 */
uint64_t tcg_ld_slow(CPUState *cpu, vaddr addr, MemOp mop, int mmu_idx,
                     const TCGOp *op);
void tcg_st_slow(CPUState *cpu, vaddr addr, uint64_t val, MemOp mop,
                 int mmu_idx, const TCGOp *op);

/*
 * An access of len bytes at addr, BP_MEM_READ or BP_MEM_WRITE in flags,
 * is about to be performed: fire the watchpoints it hits.  The guest's
 * (BP_CPU) raise their exception through the target; the debugger's
 * (BP_GDB) make the instruction run again alone, to stop for the
 * debugger after it (cpu->watchpoint_hit).  Returns at once if cpu has
 * no watchpoint.  The slow paths and probe_access call it (TLB_WATCHPOINT
 * sends accesses to watched pages there); a helper whose access is more
 * than probe_access says (an AMO reads as well as writes) calls it for
 * the rest.  vCPU thread.
 */
void cpu_check_watchpoint(CPUState *cpu, vaddr addr, vaddr len, int flags,
                          const TCGOp *op);

/* A whole guest load or store for helpers: TLB fast path, then slow. */
uint64_t cpu_ld_mmuidx(CPUState *cpu, vaddr addr, MemOp mop, int mmu_idx,
                       const TCGOp *op);
void cpu_st_mmuidx(CPUState *cpu, vaddr addr, uint64_t val, MemOp mop,
                   int mmu_idx, const TCGOp *op);

/*
 * Check that an access of size bytes at addr (within one page) is
 * allowed, filling the TLB (or raising the guest exception).  Returns
 * the host address when the page is RAM (for a write, after invalidating
 * any code in [addr, addr + size)), NULL otherwise.  For atomics.
 */
void *probe_access(CPUState *cpu, vaddr addr, int size,
                   MMUAccessType access_type, int mmu_idx, const TCGOp *op);

/*
 * The ram_addr of the code at pc for the current fetch mmu index, and
 * its host address in *hostp; raises the guest's fetch fault if pc
 * cannot be fetched (which tlb_fill decides, including "not RAM").
 * *uniform is false when the page is only partly executable (sub-page
 * protection), in which case blocks from it hold one instruction and
 * are never chained.  vCPU thread.
 */
ram_addr_t get_page_addr_code_hostp(CPUState *cpu, vaddr pc, void **hostp,
                                    bool *uniform);

/* As above without raising: RAM_ADDR_MAX if pc cannot be fetched. */
ram_addr_t probe_page_addr_code(CPUState *cpu, vaddr pc);

#endif /* EXEC_CPUTLB_H */
