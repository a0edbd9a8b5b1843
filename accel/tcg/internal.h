/*
 * Interfaces between the files of accel/tcg; not for use outside it.
 */
#ifndef ACCEL_TCG_INTERNAL_H
#define ACCEL_TCG_INTERNAL_H

#include "exec/exec-all.h"
#include "exec/cputlb.h"

/*
 * The TB lock serialises translation, invalidation, the per-page TB
 * lists and jump-slot linking; lookups never take it.  A longjmp out of
 * translation (a fetch fault) leaves it held: cpu_exec calls
 * tb_lock_reset when it lands.
 */
void tb_lock(void);
void tb_unlock(void);
void tb_lock_reset(void);

/*
 * Invalidate the TBs with code in [start, start + len), which lies in one
 * page; true if the page then holds no TB.  TB lock held.
 */
bool tb_invalidate_phys_page_range_locked(ram_addr_t start, ram_addr_t len);

/*
 * Breakpoint pcs (accel/tcg/debug.c keeps the per-vCPU lists): the set
 * of guest virtual pcs where some vCPU has a breakpoint, which the
 * translator reads to emit breakpoint checks.
 *  - tb_debug_pc_ref: one more (delta 1) or one fewer (-1) breakpoint
 *    at pc; drops every TB whose code covers pc, so that the next
 *    translation has (or lacks) the check.  Any thread; takes the TB
 *    lock.
 *  - tb_debug_pcs_active, tb_debug_pc_is_set: TB lock held (the
 *    translator).
 */
void tb_debug_pc_ref(vaddr pc, int delta);
bool tb_debug_pcs_active(void);
bool tb_debug_pc_is_set(vaddr pc);

/*
 * The breakpoint check (a helper call the translator puts first in an
 * instruction at a breakpoint pc): stop for the debugger with EXCP_DEBUG,
 * or let the target raise the guest's breakpoint exception, if the vCPU
 * has a breakpoint there that fires.  accel/tcg/debug.c.
 */
void tcg_debug_check_insn(CPUState *cpu, const TCGOp *op);

/* Does a watchpoint of cpu overlap [addr, addr + len)?  vCPU thread. */
bool cpu_watchpoint_address_matches(CPUState *cpu, vaddr addr, vaddr len);

/* Find or make the TB for pc/flags; NULL only if pc cannot be fetched
 * (the fault has then been raised). */
TranslationBlock *tb_lookup(CPUState *cpu, vaddr pc, uint32_t flags);
TranslationBlock *tb_gen_code(CPUState *cpu, vaddr pc, uint32_t flags);
/*
 * Before reading guest code from the RAM page at ram_addr: make writes
 * to it take the slow path (TB lock held).
 */
void tb_page_claim(ram_addr_t ram_addr);
/* Link tb's jump n to next, if both may chain.  Any thread; takes the
 * TB lock. */
void tb_add_jump(TranslationBlock *tb, int n, TranslationBlock *next);

/* How a block left, for cpu_exec. */
typedef enum TBExitReason {
    TB_EXIT_CHAIN,      /* left through jump slot: may link it */
    TB_EXIT_PC,         /* left for pc */
    TB_EXIT_PCSET,      /* left; a helper has set the guest pc */
} TBExitReason;

typedef struct TBExitInfo {
    TranslationBlock *last_tb;  /* the block that exited */
    int slot;                   /* TB_EXIT_CHAIN: its jump slot */
    vaddr pc;                   /* TB_EXIT_CHAIN, TB_EXIT_PC: the next pc */
} TBExitInfo;

/*
 * The execution backend: what runs a TB's ops.  The interpreter
 * (tcg-interp.c) runs them directly; the JIT (tcg-jit-x86_64.c) turns
 * them into host code.  cpu-exec.c and translate-all.c reach the
 * backend only through this table, so neither knows which one runs.
 */
typedef struct TCGBackend {
    const char *name;
    /* Once, from tcg_exec_init, before any TB exists. */
    void (*init)(void);
    /*
     * Make tb runnable: its ops and jumps are in place, it is not yet
     * published.  TB lock held.  false: out of code buffer (the caller
     * flushes and retries).
     */
    bool (*gen_code)(CPUState *cpu, TranslationBlock *tb);
    /* Run from tb until a block leaves to cpu_exec.  vCPU thread. */
    TBExitReason (*exec)(CPUState *cpu, TranslationBlock *tb,
                         TBExitInfo *info);
    /*
     * Jump j now leads to dest (after the store-release of j->dest), or
     * again to cpu_exec (after j->dest was reset to NULL).  TB lock held;
     * other vCPUs may be running the jump meanwhile.  Optional.
     */
    void (*link_jump)(TBJump *j, TranslationBlock *dest);
    void (*unlink_jump)(TBJump *j);
    /*
     * Every TB is gone (tb_flush, exclusive): start the code buffer
     * anew, using at most limit bytes of it.  Optional.
     */
    void (*reset)(size_t limit);
    /* Statistics for `info jit`.  Optional. */
    void (*dump_info)(GString *buf);
} TCGBackend;

/* The backend in use: set while no vCPU runs (tcg_use_jit). */
extern const TCGBackend *tcg_backend;

extern const TCGBackend tcg_interp_backend;
#ifdef CONFIG_JIT
extern const TCGBackend tcg_jit_backend;
#endif

/* The interpreter's entry point; the JIT shares nothing else with it. */
TBExitReason tcg_interp_exec(CPUState *cpu, TranslationBlock *tb,
                             TBExitInfo *info);

/*
 * Guest memory through host pointers (little-endian hosts only).  Aligned
 * accesses are relaxed atomics, so that they never tear (other vCPUs may
 * be accessing the same bytes); misaligned ones are byte copies.
 */
static inline uint64_t ldn_host(const void *p, unsigned size)
{
    if (((uintptr_t)p & (size - 1)) == 0) {
        switch (size) {
        case 1:
            return __atomic_load_n((const uint8_t *)p, __ATOMIC_RELAXED);
        case 2:
            return __atomic_load_n((const uint16_t *)p, __ATOMIC_RELAXED);
        case 4:
            return __atomic_load_n((const uint32_t *)p, __ATOMIC_RELAXED);
        default:
            return __atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED);
        }
    }
    {
        uint64_t v = 0;

        __builtin_memcpy(&v, p, size);
        return v;
    }
}

static inline void stn_host(void *p, uint64_t val, unsigned size)
{
    if (((uintptr_t)p & (size - 1)) == 0) {
        switch (size) {
        case 1:
            __atomic_store_n((uint8_t *)p, val, __ATOMIC_RELAXED);
            return;
        case 2:
            __atomic_store_n((uint16_t *)p, val, __ATOMIC_RELAXED);
            return;
        case 4:
            __atomic_store_n((uint32_t *)p, val, __ATOMIC_RELAXED);
            return;
        default:
            __atomic_store_n((uint64_t *)p, val, __ATOMIC_RELAXED);
            return;
        }
    }
    __builtin_memcpy(p, &val, size);
}

static inline uint64_t memop_extend(uint64_t val, MemOp mop)
{
    switch (mop) {
    case MO_SB:
        return (int64_t)(int8_t)val;
    case MO_SW:
        return (int64_t)(int16_t)val;
    case MO_SL:
        return (int64_t)(int32_t)val;
    default:
        return val;
    }
}

static inline unsigned tlb_index(vaddr addr)
{
    return (addr >> TARGET_PAGE_BITS) & (CPU_TLB_SIZE - 1);
}

/* Does tag map addr's page (ignoring the flags other than INVALID)? */
static inline bool tlb_hit_page(uint64_t tag, vaddr addr)
{
    return (tag & (TARGET_PAGE_MASK | TLB_INVALID_MASK)) ==
           (addr & TARGET_PAGE_MASK);
}

#endif /* ACCEL_TCG_INTERNAL_H */
