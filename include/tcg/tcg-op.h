/*
 * Emitting ops: what a target's translator calls to build a block.
 *
 * Every op belongs to the guest instruction announced by the latest
 * tcg_gen_insn_start(); the translator loop (exec/translator.h) emits
 * the block's entry op and, when the block runs off its end, its final
 * goto_tb.  Registers are indices into the target's register file.
 */
#ifndef TCG_TCG_OP_H
#define TCG_TCG_OP_H

#include "tcg/tcg.h"

static inline TCGOp *tcg_emit(TCGContext *s, TCGOpcode opc)
{
    TCGOp *op;

    /* The translator loop stops early enough for this never to fire. */
    assert(s->nb_ops < TCG_MAX_OPS);
    op = &s->ops[s->nb_ops];
    s->insn_idx[s->nb_ops] = s->nb_insns ? s->nb_insns - 1 : 0;
    s->nb_ops++;
    *op = (TCGOp) { .opc = opc, .pc = s->insn_pc, .len = s->insn_len };
    return op;
}

/*
 * If a vCPU has a breakpoint at pc, emit the breakpoint check as the
 * first op of the instruction there (accel/tcg/translator.c).
 */
void tcg_gen_debug_check(TCGContext *s, uint64_t pc);

/* Start guest instruction number s->nb_insns, at pc, len bytes long. */
static inline void tcg_gen_insn_start(TCGContext *s, uint64_t pc, int len)
{
    s->nb_insns++;
    s->insn_pc = pc;
    s->insn_len = len;
    if (unlikely(s->debug_pcs)) {
        tcg_gen_debug_check(s, pc);
    }
}

static inline int tcg_new_jmp_slot(TCGContext *s)
{
    assert(s->nb_jmp < TCG_MAX_JMPS);
    return s->nb_jmp++;
}

static inline void tcg_gen_op3(TCGContext *s, TCGOpcode opc,
                               int rd, int rs1, int rs2)
{
    TCGOp *op = tcg_emit(s, opc);

    op->rd = rd;
    op->rs1 = rs1;
    op->rs2 = rs2;
}

static inline void tcg_gen_opi(TCGContext *s, TCGOpcode opc,
                               int rd, int rs1, int64_t imm)
{
    TCGOp *op = tcg_emit(s, opc);

    op->rd = rd;
    op->rs1 = rs1;
    op->imm = imm;
}

static inline void tcg_gen_movi(TCGContext *s, int rd, int64_t imm)
{
    TCGOp *op = tcg_emit(s, INDEX_op_movi);

    op->rd = rd;
    op->imm = imm;
}

static inline void tcg_gen_mov(TCGContext *s, int rd, int rs1)
{
    TCGOp *op = tcg_emit(s, INDEX_op_mov);

    op->rd = rd;
    op->rs1 = rs1;
}

/* rd = guest memory at rs1 + imm, through the TLB of mmu_idx. */
static inline void tcg_gen_ld(TCGContext *s, TCGOpcode opc, int rd, int rs1,
                              int64_t imm, int mmu_idx)
{
    TCGOp *op = tcg_emit(s, opc);

    op->rd = rd;
    op->rs1 = rs1;
    op->imm = imm;
    op->arg = mmu_idx;
}

/* Guest memory at rs1 + imm = rs2, through the TLB of mmu_idx. */
static inline void tcg_gen_st(TCGContext *s, TCGOpcode opc, int rs2, int rs1,
                              int64_t imm, int mmu_idx)
{
    TCGOp *op = tcg_emit(s, opc);

    op->rs1 = rs1;
    op->rs2 = rs2;
    op->imm = imm;
    op->arg = mmu_idx;
}

/*
 * If rs1 cond rs2, leave the block for guest pc target; otherwise go on
 * with the next op.  target may be chained to directly, so it must lie
 * in the block's first page (else use exit_tb or jmp_ind).
 */
static inline void tcg_gen_brcond(TCGContext *s, TCGOpcode opc,
                                  int rs1, int rs2, uint64_t target)
{
    TCGOp *op = tcg_emit(s, opc);

    op->rs1 = rs1;
    op->rs2 = rs2;
    op->imm = target;
    op->arg = tcg_new_jmp_slot(s);
}

/* Leave the block for guest pc target (chainable, as for brcond). */
static inline void tcg_gen_goto_tb(TCGContext *s, uint64_t target)
{
    TCGOp *op = tcg_emit(s, INDEX_op_goto_tb);

    op->imm = target;
    op->arg = tcg_new_jmp_slot(s);
}

/* rd = address of the next instruction; then as goto_tb. */
static inline void tcg_gen_jmp(TCGContext *s, int rd, uint64_t target)
{
    TCGOp *op = tcg_emit(s, INDEX_op_jmp);

    op->rd = rd;
    op->imm = target;
    op->arg = tcg_new_jmp_slot(s);
}

/* Jump to (rs1 + imm) & ~1, setting rd to the next instruction's address. */
static inline void tcg_gen_jmp_ind(TCGContext *s, int rd, int rs1,
                                   int64_t imm)
{
    TCGOp *op = tcg_emit(s, INDEX_op_jmp_ind);

    op->rd = rd;
    op->rs1 = rs1;
    op->imm = imm;
}

/*
 * Go on at guest pc target, which may lie in another page: found through
 * the jump cache when possible, else by the main loop.
 */
static inline void tcg_gen_lookup_tb(TCGContext *s, uint64_t target)
{
    TCGOp *op = tcg_emit(s, INDEX_op_lookup_tb);

    op->imm = target;
}

/* Leave the block for the main loop, which goes on at next_pc. */
static inline void tcg_gen_exit_tb(TCGContext *s, uint64_t next_pc)
{
    TCGOp *op = tcg_emit(s, INDEX_op_exit_tb);

    op->imm = next_pc;
}

/* Leave the block for the main loop; a helper has set the guest pc. */
static inline void tcg_gen_exit_env(TCGContext *s)
{
    tcg_emit(s, INDEX_op_exit_env);
}

/*
 * Call fn(cpu, op) with op->insn = insn.  Use tcg_gen_call_mem for
 * helpers that may write guest memory: the block then checks whether
 * that write invalidated it.
 */
static inline void tcg_gen_call(TCGContext *s, TCGHelperFn *fn, uint32_t insn)
{
    TCGOp *op = tcg_emit(s, INDEX_op_call);

    op->imm = (intptr_t)fn;
    op->insn = insn;
}

static inline void tcg_gen_call_mem(TCGContext *s, TCGHelperFn *fn,
                                    uint32_t insn)
{
    TCGOp *op = tcg_emit(s, INDEX_op_call_mem);

    op->imm = (intptr_t)fn;
    op->insn = insn;
}

/* A memory barrier: the TCG_MO_* orderings in mo. */
static inline void tcg_gen_mb(TCGContext *s, unsigned mo)
{
    TCGOp *op = tcg_emit(s, INDEX_op_mb);

    op->imm = mo;
}

#endif /* TCG_TCG_OP_H */
