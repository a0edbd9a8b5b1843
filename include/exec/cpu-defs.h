/*
 * Types of the softmmu TLB that every vCPU embeds in its CPUState.
 *
 * Each mmu index (a translation regime: for RISC-V the effective privilege
 * of an access) has a direct-mapped table of CPU_TLB_SIZE entries indexed
 * by the guest virtual page number.  An entry holds one tag per access
 * kind: the page address, with flag bits in the low bits, or -1 when
 * empty.  A load of size 2^n at addr hits when
 *     addr_read == (addr & (TARGET_PAGE_MASK | (2^n - 1)))
 * which fails on any flag, on another page and on a misaligned access:
 * all of those take the slow path in accel/tcg/cputlb.c.  On a hit the
 * host address is addr + addend.
 */
#ifndef EXEC_CPU_DEFS_H
#define EXEC_CPU_DEFS_H

#include "exec/memory.h"

/* A guest virtual address. */
typedef uint64_t vaddr;
#define VADDR_PRIx PRIx64

typedef enum MMUAccessType {
    MMU_DATA_LOAD = 0,
    MMU_DATA_STORE = 1,
    MMU_INST_FETCH = 2,
} MMUAccessType;

/* Page protection bits for tlb_set_page. */
#define PAGE_READ   0x1
#define PAGE_WRITE  0x2
#define PAGE_EXEC   0x4

#define NB_MMU_MODES    4
#define CPU_TLB_BITS    10
#define CPU_TLB_SIZE    (1 << CPU_TLB_BITS)
/* Addend hints per vCPU for the JIT's loads (CPUTLB.addend_hint). */
#define CPU_TLB_HINTS   4096

/*
 * Flags in a tag.  They sit above the alignment bits an access compares
 * (at most 7 for 8-byte accesses) and below the page bits.
 */
#define TLB_MMIO            (1 << 8)    /* not RAM: go through the memory API */
#define TLB_NOTDIRTY        (1 << 9)    /* code, or clean for migration */
#define TLB_INVALID_MASK    (1 << 10)   /* use this entry for one access only */
#define TLB_WATCHPOINT      (1 << 11)   /* a watchpoint covers part of the page */
#define TLB_FLAGS_MASK      (TLB_MMIO | TLB_NOTDIRTY | TLB_INVALID_MASK | \
                             TLB_WATCHPOINT)

QEMU_BUILD_BUG_ON(TLB_WATCHPOINT >= TARGET_PAGE_SIZE);

typedef struct CPUTLBEntry {
    uint64_t addr_read;
    uint64_t addr_write;
    uint64_t addr_code;
    uintptr_t addend;
} CPUTLBEntry;

QEMU_BUILD_BUG_ON(sizeof(CPUTLBEntry) != 32);

/* What the slow path needs besides the tags; one per entry. */
typedef struct CPUTLBEntryFull {
    hwaddr phys_addr;           /* guest physical page */
    ram_addr_t ram_addr;        /* its ram_addr, or RAM_ADDR_MAX if not RAM */
    MemoryRegion *mr;           /* the terminating region */
    hwaddr xlat;                /* offset of the page in mr */
    MemTxAttrs attrs;
    uint8_t prot;
} CPUTLBEntryFull;

typedef struct CPUTLBDesc {
    /*
     * The smallest naturally aligned region covering every superpage
     * mapped in this mmu index since its last flush; a page flush inside
     * it flushes the whole index, since one superpage PTE backs many TLB
     * entries.  large_page_mask is 0 when there is none.
     */
    vaddr large_page_addr;
    vaddr large_page_mask;
} CPUTLBDesc;

/*
 * The TLB of one vCPU.  Only its own thread reads it or fills it (the
 * addend hints too, which only its generated code uses), with one
 * exception: a thread that translates code from a RAM page reads
 * every vCPU's addr_write tags and full[].ram_addr, and sets
 * TLB_NOTDIRTY in the tags that map that page (tlb_reset_dirty_page).
 * So those two fields are always accessed with atomics.
 */
typedef struct CPUTLB {
    CPUTLBEntry table[NB_MMU_MODES][CPU_TLB_SIZE];
    CPUTLBEntryFull full[NB_MMU_MODES][CPU_TLB_SIZE];
    CPUTLBDesc d[NB_MMU_MODES];
    /*
     * The addend that each load site of the JIT's code (a few sharing
     * each slot) expects to find in its TLB entry: a prediction, always
     * checked against the entry (load_addend in tcg-jit-x86_64.c).
     */
    uintptr_t addend_hint[CPU_TLB_HINTS];
    uint32_t used_mmu_mask;     /* indexes filled since their last flush */
    uint64_t flush_count;       /* full flushes, for statistics */
} CPUTLB;

#endif /* EXEC_CPU_DEFS_H */
