/*
 * The interpreter: runs translation blocks of ops (tcg/tcg.h) with
 * threaded dispatch.  Each op holds the address of its handler, a label
 * of tcg_interp_exec, and every handler ends by jumping to the next op's
 * handler, so the host's branch predictor sees one indirect jump per
 * handler rather than one shared switch.
 *
 * Control stays here while blocks chain: a direct exit whose jump slot
 * is linked, or an indirect jump whose target is in the vCPU's jump
 * cache, enters the next block without returning to cpu_exec.  Before
 * entering, a chaining exit checks that the block is still valid and
 * that nobody asked the vCPU to stop (cpu->tcg_exit_req), so a kick is
 * noticed within one block; it then starts at the block's second op,
 * past tb_enter, which does the same checks for entries from cpu_exec.
 * A direct jump to a label of its own block (TBJump.label) goes on at
 * the label's op, after the same check.  Guest exceptions leave through
 * cpu_loop_exit (siglongjmp) from the helpers and slow paths.
 *
 * The guest pc lives only in the ops, and the retired-instruction count
 * is only updated on leaving a block or jumping to a label (see
 * TCGOp.idx).  Guest memory is accessed through host pointers, with
 * relaxed atomics: aligned accesses must not tear, since other vCPUs (and
 * the guest's own synchronisation) may be looking at the same bytes.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "internal.h"

/* Each opcode's handler. */
static const void *handlers[NB_OPS];

#define DISPATCH()  goto *op->handler
#define NEXT()      do { op++; DISPATCH(); } while (0)

/*
 * Continue in block next_ if we may: it exists, nobody asked us to stop
 * (pairs with cpu_exit/cpu_interrupt), and chaining is on.  A linked jump
 * never points at an invalid block (tb_jmp_unlink resets it); a block
 * from the jump cache is checked first (CHAIN_CHECKED).
 */
#define CHAIN(next_)                                                    \
    do {                                                                \
        TranslationBlock *n_ = (next_);                                 \
        if (likely(n_ != NULL && chain &&                               \
                   !qatomic_read(&cpu->tcg_exit_req))) {                \
            tb = n_;                                                    \
            op = &n_->ops[1];                                           \
            DISPATCH();                                                 \
        }                                                               \
    } while (0)

/* As CHAIN, for a block that may have been invalidated since it was
 * cached: pairs with the qatomic_or of CF_INVALID in tb_phys_invalidate. */
#define CHAIN_CHECKED(next_)                                            \
    do {                                                                \
        TranslationBlock *c_ = (next_);                                 \
        if (!(qatomic_read(&c_->cflags) & CF_INVALID)) {                \
            CHAIN(c_);                                                  \
        }                                                               \
    } while (0)

/*
 * Leave through op's jump slot, counting op's instruction as retired.  A
 * jump to a label of this block (TBJump.label) goes on there instead, if
 * we may chain and nobody asked us to stop, counting the instructions up
 * to op's less those before the label; if asked, it leaves for the label.
 */
#define GOTO_SLOT()                                                     \
    do {                                                                \
        uint16_t l_ = tb_jump(tb, op->arg)->label;                      \
                                                                        \
        cpu->insn_count += op->idx + 1;                                 \
        if (l_ && chain) {                                              \
            if (likely(!qatomic_read(&cpu->tcg_exit_req))) {            \
                op = &tb->ops[l_];                                      \
                cpu->insn_count -= op->idx;                             \
                DISPATCH();                                             \
            }                                                           \
            info->last_tb = NULL;                                       \
            info->pc = op->imm;                                         \
            return TB_EXIT_PC;                                          \
        }                                                               \
        /* Pairs with the store-release in tb_add_jump. */             \
        CHAIN(qatomic_load_acquire(tb_jmp_slot(tb, op->arg)));          \
        info->last_tb = tb;                                             \
        info->slot = op->arg;                                           \
        info->pc = op->imm;                                             \
        return TB_EXIT_CHAIN;                                           \
    } while (0)

#define HOST(addr, e)   ((void *)(uintptr_t)((addr) + (e)->addend))

#define OP_LD(name, type, mop, ext)                                         \
    do_##name: {                                                            \
        vaddr addr = R[op->rs1] + op->imm;                                  \
        CPUTLBEntry *e = &tlb[op->arg][tlb_index(addr)];                    \
        if (likely(e->addr_read ==                                          \
                   (addr & (TARGET_PAGE_MASK | (sizeof(type) - 1))))) {     \
            /* Aligned, so single-copy atomic, as the guest expects. */    \
            R[op->rd] = (ext)__atomic_load_n((type *)HOST(addr, e),         \
                                             __ATOMIC_RELAXED);             \
        } else {                                                            \
            R[op->rd] = tcg_ld_slow(cpu, addr, mop, op->arg, op);           \
        }                                                                   \
        NEXT();                                                             \
    }

#define OP_ST(name, type, mop)                                              \
    do_##name: {                                                            \
        vaddr addr = R[op->rs1] + op->imm;                                  \
        CPUTLBEntry *e = &tlb[op->arg][tlb_index(addr)];                    \
        if (likely(qatomic_read(&e->addr_write) ==                          \
                   (addr & (TARGET_PAGE_MASK | (sizeof(type) - 1))))) {     \
            __atomic_store_n((type *)HOST(addr, e), (type)R[op->rs2],       \
                             __ATOMIC_RELAXED);                             \
            NEXT();                                                         \
        }                                                                   \
        tcg_st_slow(cpu, addr, R[op->rs2], mop, op->arg, op);               \
        if (unlikely(tb_is_invalid(tb))) {                                  \
            /* The store hit this very block: leave after it. */           \
            goto exit_next_insn;                                            \
        }                                                                   \
        NEXT();                                                             \
    }

#define OP_BR(name, cond)                                                   \
    do_##name:                                                              \
        if (cond) {                                                         \
            GOTO_SLOT();                                                    \
        }                                                                   \
        NEXT();

#define A   R[op->rs1]
#define B   R[op->rs2]
#define IMM ((uint64_t)op->imm)
#define SEXT32(x)   ((uint64_t)(int64_t)(int32_t)(x))

#define OP_ALU(name, expr)  do_##name: R[op->rd] = (expr); NEXT();

static uint64_t do_div(int64_t a, int64_t b)
{
    if (b == 0) {
        return -1;
    }
    if (a == INT64_MIN && b == -1) {
        return a;
    }
    return a / b;
}

static uint64_t do_rem(int64_t a, int64_t b)
{
    if (b == 0) {
        return a;
    }
    if (a == INT64_MIN && b == -1) {
        return 0;
    }
    return a % b;
}

static uint64_t do_divw(int32_t a, int32_t b)
{
    if (b == 0) {
        return -1;
    }
    if (a == INT32_MIN && b == -1) {
        return SEXT32(a);
    }
    return SEXT32(a / b);
}

static uint64_t do_remw(int32_t a, int32_t b)
{
    if (b == 0) {
        return SEXT32(a);
    }
    if (a == INT32_MIN && b == -1) {
        return 0;
    }
    return SEXT32(a % b);
}

TBExitReason tcg_interp_exec(CPUState *cpu, TranslationBlock *tb,
                             TBExitInfo *info)
{
    static const void *const labels[NB_OPS] = {
#define DEF(name, kind, doc) [INDEX_op_##name] = &&do_##name,
#include "tcg/tcg-opc.h"
#undef DEF
    };
    uint64_t *R;
    CPUTLBEntry (*tlb)[CPU_TLB_SIZE];
    TranslationBlock **jc;
    const TCGOp *op;
    vaddr target;
    bool chain;

    if (!cpu) {
        /* tcg_interp_init: publish the handler addresses. */
        memcpy(handlers, labels, sizeof(handlers));
        return TB_EXIT_PCSET;
    }

    R = cpu->tcg_regs;
    tlb = cpu->tlb.table;
    jc = cpu->tb_jmp_cache;
    /* -d exec and -d cpu want to see every block: no chaining then. */
    chain = !qemu_loglevel_mask(CPU_LOG_EXEC | CPU_LOG_TB_CPU);
    op = tb->ops;
    DISPATCH();

do_tb_enter:
    /* Only reached from cpu_exec; chained entries skip it. */
    if (unlikely(qatomic_read(&cpu->tcg_exit_req))) {
        info->last_tb = NULL;
        info->pc = tb->pc;
        return TB_EXIT_PC;
    }
    NEXT();

do_goto_tb:
    GOTO_SLOT();

do_jmp:
    R[op->rd] = op->pc + op->len;
    GOTO_SLOT();

do_jmp_ind:
    target = (R[op->rs1] + op->imm) & ~(vaddr)1;
    R[op->rd] = op->pc + op->len;
    goto lookup;

do_lookup_tb:
    target = op->imm;
    /* fall through */
lookup: {
        TranslationBlock *next = jc[tb_jmp_cache_hash(target)];

        cpu->insn_count += op->idx + 1;
        if (next != NULL && next->pc == target && next->flags == tb->flags) {
            CHAIN_CHECKED(next);
        }
        info->last_tb = tb;
        info->pc = target;
        return TB_EXIT_PC;
    }

do_exit_tb:
    cpu->insn_count += op->idx + 1;
    info->last_tb = tb;
    info->pc = op->imm;
    return TB_EXIT_PC;

do_exit_env:
    cpu->insn_count += op->idx + 1;
    info->last_tb = tb;
    return TB_EXIT_PCSET;

do_call:
    ((TCGHelperFn *)(uintptr_t)op->imm)(cpu, op);
    NEXT();

do_call_mem:
    ((TCGHelperFn *)(uintptr_t)op->imm)(cpu, op);
    if (unlikely(tb_is_invalid(tb))) {
        goto exit_next_insn;
    }
    NEXT();

do_mb:
    /*
     * Guest loads and stores are host loads and stores in program order
     * (the compiler keeps them so across these barriers).  Only a store
     * followed by a load needs a full host barrier on a TSO host; the
     * other orderings are acquire/release fences, free on x86.  See
     * docs/devel/multi-thread-tcg.rst for the RVWMO argument.
     */
    if (op->imm & TCG_MO_ST_LD) {
        smp_mb();
    } else {
        if (op->imm & (TCG_MO_LD_LD | TCG_MO_LD_ST)) {
            smp_mb_acquire();
        }
        if (op->imm & (TCG_MO_LD_ST | TCG_MO_ST_ST)) {
            smp_mb_release();
        }
    }
    NEXT();

exit_next_insn:
    cpu->insn_count += op->idx + 1;
    info->last_tb = tb;
    info->pc = op->pc + op->len;
    return TB_EXIT_PC;

    OP_BR(brcond_eq, A == B)
    OP_BR(brcond_ne, A != B)
    OP_BR(brcond_lt, (int64_t)A < (int64_t)B)
    OP_BR(brcond_ge, (int64_t)A >= (int64_t)B)
    OP_BR(brcond_ltu, A < B)
    OP_BR(brcond_geu, A >= B)

    OP_ALU(movi, IMM)
    OP_ALU(mov, A)

    OP_ALU(add, A + B)
    OP_ALU(sub, A - B)
    OP_ALU(and, A & B)
    OP_ALU(or, A | B)
    OP_ALU(xor, A ^ B)
    OP_ALU(shl, A << (B & 63))
    OP_ALU(shr, A >> (B & 63))
    OP_ALU(sar, (uint64_t)((int64_t)A >> (B & 63)))
    OP_ALU(setlt, (int64_t)A < (int64_t)B)
    OP_ALU(setltu, A < B)
    OP_ALU(mul, A * B)
    OP_ALU(mulsh, (uint64_t)(((__int128)(int64_t)A * (int64_t)B) >> 64))
    OP_ALU(mulsuh,
           (uint64_t)(((__int128)(int64_t)A * (unsigned __int128)B) >> 64))
    OP_ALU(muluh, (uint64_t)(((unsigned __int128)A * B) >> 64))
    OP_ALU(div, do_div(A, B))
    OP_ALU(divu, B ? A / B : UINT64_MAX)
    OP_ALU(rem, do_rem(A, B))
    OP_ALU(remu, B ? A % B : A)

    OP_ALU(addi, A + IMM)
    OP_ALU(andi, A & IMM)
    OP_ALU(ori, A | IMM)
    OP_ALU(xori, A ^ IMM)
    OP_ALU(shli, A << IMM)
    OP_ALU(shri, A >> IMM)
    OP_ALU(sari, (uint64_t)((int64_t)A >> IMM))
    OP_ALU(setlti, (int64_t)A < op->imm)
    OP_ALU(setltiu, A < IMM)

    OP_ALU(addw, SEXT32(A + B))
    OP_ALU(subw, SEXT32(A - B))
    OP_ALU(shlw, SEXT32((uint32_t)A << (B & 31)))
    OP_ALU(shrw, SEXT32((uint32_t)A >> (B & 31)))
    OP_ALU(sarw, SEXT32((int32_t)A >> (B & 31)))
    OP_ALU(mulw, SEXT32(A * B))
    OP_ALU(divw, do_divw(A, B))
    OP_ALU(divuw, (uint32_t)B ? SEXT32((uint32_t)A / (uint32_t)B)
                              : UINT64_MAX)
    OP_ALU(remw, do_remw(A, B))
    OP_ALU(remuw, (uint32_t)B ? SEXT32((uint32_t)A % (uint32_t)B)
                              : SEXT32(A))
    OP_ALU(addiw, SEXT32(A + IMM))
    OP_ALU(shliw, SEXT32((uint32_t)A << IMM))
    OP_ALU(shriw, SEXT32((uint32_t)A >> IMM))
    OP_ALU(sariw, SEXT32((int32_t)A >> IMM))

    OP_LD(ld8u, uint8_t, MO_UB, uint64_t)
    OP_LD(ld8s, int8_t, MO_SB, int64_t)
    OP_LD(ld16u, uint16_t, MO_UW, uint64_t)
    OP_LD(ld16s, int16_t, MO_SW, int64_t)
    OP_LD(ld32u, uint32_t, MO_UL, uint64_t)
    OP_LD(ld32s, int32_t, MO_SL, int64_t)
    OP_LD(ld64, uint64_t, MO_UQ, uint64_t)
    OP_ST(st8, uint8_t, MO_UB)
    OP_ST(st16, uint16_t, MO_UW)
    OP_ST(st32, uint32_t, MO_UL)
    OP_ST(st64, uint64_t, MO_UQ)
}

static void tcg_interp_init(void)
{
    tcg_interp_exec(NULL, NULL, NULL);
}

/* Point each op at its handler. */
static bool tcg_interp_gen_code(CPUState *cpu, TranslationBlock *tb)
{
    for (int i = 0; i < tb->nb_ops; i++) {
        TCGOp *op = &tb->ops[i];

        assert(op->opc < NB_OPS && handlers[op->opc]);
        op->handler = handlers[op->opc];
    }
    return true;
}

/* Jump slots are read by CHAIN itself: nothing to patch. */
const TCGBackend tcg_interp_backend = {
    .name = "interpreter",
    .init = tcg_interp_init,
    .gen_code = tcg_interp_gen_code,
    .exec = tcg_interp_exec,
};
