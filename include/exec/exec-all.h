/*
 * Translation blocks and the execution loop.
 *
 * A TranslationBlock (TB) is the translation of a run of guest code that
 * starts at one guest pc, for one CPU state (tb->flags), from one or two
 * physical pages.  It holds the ops (tcg/tcg.h) and, just below its
 * header, one TBJump per direct exit: where that exit chains to, or NULL.
 * See docs/devel/tcg.rst for who may read and write what.
 */
#ifndef EXEC_EXEC_ALL_H
#define EXEC_EXEC_ALL_H

#include "hw/core/cpu.h"
#include "tcg/tcg.h"

#define TB_PAGE_NONE    RAM_ADDR_MAX

/* tb->cflags */
#define CF_INVALID      0x1     /* invalidated: never run it again */
#define CF_NO_CHAIN     0x2     /* never chain into or out of this block */

/*
 * tb->flags bit 31 belongs to accel/tcg, not to the target
 * (TCGCPUOps.get_tb_cpu_state never sets it): a block of one instruction
 * for the debugger (a single step, or an access re-run after it hit a
 * watchpoint), after which cpu_exec returns EXCP_DEBUG.  Since chained
 * jumps and the jump cache only lead to blocks with the same flags, and
 * such a block never links its jumps, execution always comes back to
 * cpu_exec right after its instruction.  docs/devel/debugging.rst.
 */
#define TB_FLAG_SINGLE_STEP 0x80000000u

struct TranslationBlock {
    /* Set before the TB is published, constant afterwards. */
    vaddr pc;                   /* guest virtual pc of the first insn */
    uint32_t flags;             /* TCGCPUOps.get_tb_cpu_state */
    uint32_t hash;              /* tb_hash_func(phys_pc, pc, flags) */
    ram_addr_t page_addr[2];    /* ram_addr of its pages; [1] may be NONE */
    uint16_t icount;            /* guest instructions */
    uint16_t size;              /* bytes of guest code */
    uint16_t nb_ops;
    uint16_t nb_jmp;
    const void *tc_ptr;         /* host code (JIT), or NULL */

    /* atomic: CF_* bits; CF_INVALID is set once, under the TB lock. */
    uint32_t cflags;

    /*
     * The hash bucket's chain: written under the TB lock with release
     * stores, read by lookups without it (acquire loads).
     */
    TranslationBlock *hash_next;

    /* The TBs of each page (tagged with the page index): TB lock. */
    uintptr_t page_next[2];

    /* The jumps of other TBs that chain here (TBJump.next): TB lock. */
    struct TBJump *jmp_incoming;

    TCGOp ops[] QEMU_ALIGNED(32);
};

/*
 * Direct exit n of a TB, stored just below its header.
 *  - dest: the TB the exit chains to, or NULL.  Read by any vCPU thread
 *    with a load-acquire (chained execution); written under the TB lock
 *    with a store-release, so that a vCPU following it sees the whole TB
 *    it points to.  Linked only to a valid TB, and reset to NULL when
 *    that TB is invalidated: a vCPU that loaded it just before may still
 *    enter it once, as one already inside it finishes it.
 *  - next: the next jump chaining to the same dest (its jmp_incoming
 *    list).  TB lock.
 *  - host_jmp: the host jump instruction the JIT patches to follow dest,
 *    or NULL.  Set before the TB is published, constant afterwards.
 *  - label: when the jump lands on an instruction of its own block other
 *    than the first, the first op of that instruction (tb_find_labels);
 *    else 0.  Set before the TB is published, constant afterwards.
 */
typedef struct TBJump {
    TranslationBlock *dest;
    struct TBJump *next;
    void *host_jmp;
    uint16_t label;
} TBJump;

static inline TBJump *tb_jump(TranslationBlock *tb, int n)
{
    return (TBJump *)tb - 1 - n;
}

static inline TranslationBlock **tb_jmp_slot(TranslationBlock *tb, int n)
{
    return &tb_jump(tb, n)->dest;
}

static inline bool tb_is_invalid(const TranslationBlock *tb)
{
    return qatomic_read(&tb->cflags) & CF_INVALID;
}

static inline vaddr tb_page_start(const TranslationBlock *tb)
{
    return tb->pc & TARGET_PAGE_MASK;
}

/*
 * The per-vCPU jump cache: TBs by guest virtual pc, in front of the
 * global hash table.  Only its vCPU reads and writes it.  It is valid for
 * the current address mappings only: a full TLB flush clears it, and a
 * page flush clears the entries of the blocks that may run code from the
 * page (tb_jmp_cache_clear_page).  Entries are checked for pc, flags and
 * CF_INVALID before use.
 *
 * So that a page flush need not clear it all, the blocks of one virtual
 * page share a group of TB_JMP_GROUP_SIZE slots: the page number picks
 * the group, the pc within the page the slot.  Linux flushes a page at
 * every page fault it resolves, and clearing the whole cache each time
 * cost a fault-heavy workload a third of its time.  The sizes: in a Linux
 * boot, 64 groups of 256 missed 62 K times, 64 of 64 277 K times (the
 * old hash over all 4096 slots: 158 K).
 */
#define TB_JMP_CACHE_BITS   14
#define TB_JMP_CACHE_SIZE   (1 << TB_JMP_CACHE_BITS)
#define TB_JMP_GROUP_BITS   8
#define TB_JMP_GROUP_SIZE   (1 << TB_JMP_GROUP_BITS)

static inline unsigned tb_jmp_cache_hash(vaddr pc)
{
    /* The group: page bits, shifted into place; the slot: pc bits 1-8. */
    return ((pc >> (TARGET_PAGE_BITS - TB_JMP_GROUP_BITS)) &
            (TB_JMP_CACHE_SIZE - TB_JMP_GROUP_SIZE)) |
           ((pc >> 1) & (TB_JMP_GROUP_SIZE - 1));
}

void tb_jmp_cache_clear(CPUState *cpu);
void tb_jmp_cache_clear_page(CPUState *cpu, vaddr page);

/* accel/tcg/cpu-exec.c */

/* Set up the TB cache and the interpreter; idempotent. */
void tcg_exec_init(void);
/* Per-vCPU state (TLB, jump cache); the accelerator's cpu_realize. */
void tcg_cpu_init(CPUState *cpu);

/*
 * Run guest code until something needs the vCPU thread's attention:
 * returns EXCP_INTERRUPT (exit_request), EXCP_HLT / EXCP_HALTED (WFI) or
 * EXCP_DEBUG.  Called without the BQL.
 */
int cpu_exec(CPUState *cpu);

/*
 * Abandon the current block and go back to cpu_exec, which delivers
 * cpu->exception_index.  _restore first rewinds the guest state to the
 * instruction that op belongs to (its pc, and the retired count).
 */
QEMU_NORETURN void cpu_loop_exit(CPUState *cpu);
QEMU_NORETURN void cpu_loop_exit_restore(CPUState *cpu, const TCGOp *op);
void cpu_restore_state(CPUState *cpu, const TCGOp *op);

/*
 * Guest instructions retired before the one op belongs to (op NULL:
 * outside a block, where the count is exact).
 */
static inline uint64_t cpu_insn_count(CPUState *cpu, const TCGOp *op)
{
    return cpu->insn_count + (op ? op->idx : 0);
}

/* accel/tcg/translate-all.c */

/*
 * Invalidate every TB with code in [start, end) of ram_addr space.  Any
 * thread; takes the TB lock.  For writers that bypass the CPU's TLB
 * (DMA, the loader) into pages whose DIRTY_MEMORY_CODE bit is clear.
 */
void tb_invalidate_phys_range(ram_addr_t start, ram_addr_t end);

/*
 * FENCE.I: invalidate the TBs that may hold stale code, those of pages
 * whose DIRTY_MEMORY_CODE bit is set again (written since they were
 * translated, by something that did not go through a TLB).  Writes that
 * go through a TLB have already invalidated what they hit.  vCPU thread.
 */
void tb_invalidate_dirty_code(CPUState *cpu);

/*
 * Throw every TB away.  Runs as safe work (all vCPUs out of cpu_exec):
 * tb_flush queues it on cpu, whose thread runs it after leaving
 * cpu_exec; tb_flush_all_stopped does it now and may only be called when
 * no vCPU runs (reset, tests).  A vCPU that runs out of code buffer
 * queues a flush and leaves cpu_exec with EXCP_INTERRUPT.
 */
void tb_flush(CPUState *cpu);
void tb_flush_all_stopped(void);

/*
 * Use at most bytes of the translated-code buffer (0: all of it) from the
 * next flush on, like QEMU's -accel tcg,tb-size.  Any thread.
 */
void tcg_set_tb_size(size_t bytes);
/* The size of the translated-code buffer, after tcg_exec_init. */
size_t tcg_code_buffer_size(void);

/*
 * The execution backend.  tcg_jit_available: this build has a JIT for
 * its host (x86-64, unless configured --disable-jit).  tcg_use_jit picks
 * the JIT (on) or the interpreter; call it before tcg_exec_init, or
 * while no vCPU runs (it flushes every TB).  The JIT is the default
 * where available (-accel tcg,jit=on|off).
 */
bool tcg_jit_available(void);
bool tcg_jit_enabled(void);
void tcg_use_jit(bool on);

/*
 * The JIT starts each block's code tcg_jit_block_pad bytes (default 0)
 * past a boundary of TCG_JIT_BLOCK_ALIGN bytes (-accel tcg,jit-pad=):
 * hot loops run faster or slower with where they land in the host's
 * cache lines, and a change to generated code is judged by its times
 * over several pads (tests/bench/jit-layout.py).  Set before
 * tcg_exec_init.
 */
#define TCG_JIT_BLOCK_ALIGN 64
extern unsigned tcg_jit_block_pad;

/* Statistics for `info jit`, and the number of full flushes so far. */
void tcg_dump_info(GString *buf);
uint64_t tb_flush_count(void);

#endif /* EXEC_EXEC_ALL_H */
