/*
 * RISC-V to ops: the translator.
 *
 * Simple instructions become one op each (loads and stores carry the
 * data mmu index of the block's flags).  Conditional branches leave the
 * block only when taken, so blocks run on past them; unconditional jumps
 * end a block.  System instructions, CSR accesses and atomics call
 * helpers (op_helper.c); an instruction that may change how the next
 * one is fetched or which interrupt is due (any CSR write, xRET, WFI,
 * fences) ends the block so that the main loop looks again.
 */
#include "qemu/osdep.h"
#include "exec/translator.h"
#include "target/riscv/internals.h"
#include "target/riscv/decode.h"

typedef struct DisasContext {
    DisasContextBase base;
    TCGContext *s;
    int mem_idx;
} DisasContext;

/* Where an instruction writing rd puts its result (x0: discarded). */
static int dst(int rd)
{
    return rd ? rd : RISCV_REG_SINK;
}

static void gen_r(DisasContext *ctx, TCGOpcode opc, const RISCVInsn *d)
{
    if (d->rd) {
        tcg_gen_op3(ctx->s, opc, d->rd, d->rs1, d->rs2);
    }
}

static void gen_i(DisasContext *ctx, TCGOpcode opc, const RISCVInsn *d)
{
    if (d->rd) {
        tcg_gen_opi(ctx->s, opc, d->rd, d->rs1, d->imm);
    }
}

static void gen_movi(DisasContext *ctx, int rd, int64_t value)
{
    if (rd) {
        tcg_gen_movi(ctx->s, rd, value);
    }
}

static void gen_addi(DisasContext *ctx, const RISCVInsn *d)
{
    if (!d->rd) {
        return;
    }
    if (d->rs1 == 0) {
        tcg_gen_movi(ctx->s, d->rd, d->imm);
    } else if (d->imm == 0) {
        tcg_gen_mov(ctx->s, d->rd, d->rs1);
    } else {
        tcg_gen_opi(ctx->s, INDEX_op_addi, d->rd, d->rs1, d->imm);
    }
}

static void gen_add(DisasContext *ctx, const RISCVInsn *d)
{
    if (!d->rd) {
        return;
    }
    if (d->rs1 == 0) {
        tcg_gen_mov(ctx->s, d->rd, d->rs2);
    } else if (d->rs2 == 0) {
        tcg_gen_mov(ctx->s, d->rd, d->rs1);
    } else {
        tcg_gen_op3(ctx->s, INDEX_op_add, d->rd, d->rs1, d->rs2);
    }
}

static void gen_jal(DisasContext *ctx, const RISCVInsn *d, vaddr pc)
{
    vaddr target = pc + d->imm;

    if (translator_use_goto_tb(&ctx->base, target)) {
        if (d->rd) {
            tcg_gen_jmp(ctx->s, d->rd, target);
        } else {
            tcg_gen_goto_tb(ctx->s, target);
        }
    } else {
        gen_movi(ctx, d->rd, pc + d->len);
        tcg_gen_lookup_tb(ctx->s, target);
    }
    ctx->base.is_jmp = DISAS_NORETURN;
}

/* A helper that raises an exception: nothing after it runs. */
static void gen_raise(DisasContext *ctx, TCGHelperFn *fn, uint32_t insn)
{
    tcg_gen_call(ctx->s, fn, insn);
    ctx->base.is_jmp = DISAS_NORETURN;
}

/* A helper, then back to the main loop at the next instruction. */
static void gen_call_and_exit(DisasContext *ctx, TCGHelperFn *fn,
                              uint32_t insn, vaddr next)
{
    tcg_gen_call(ctx->s, fn, insn);
    tcg_gen_exit_tb(ctx->s, next);
    ctx->base.is_jmp = DISAS_NORETURN;
}

/*
 * FENCE pred, succ: the orderings between the accesses of the predecessor
 * set and those of the successor set.  Device input and output are
 * treated as reads and writes: devices are reached through the memory
 * API like RAM.  FENCE.TSO (fm = 1000) orders all but stores before loads.
 */
static void gen_fence(DisasContext *ctx, uint32_t insn)
{
    unsigned pred = (insn >> 24) & 0xf, succ = (insn >> 20) & 0xf;
    bool pr = pred & 0xa, pw = pred & 0x5;     /* PI|PR, PO|PW */
    bool sr = succ & 0xa, sw = succ & 0x5;
    unsigned mo = (pr && sr ? TCG_MO_LD_LD : 0) |
                  (pw && sr ? TCG_MO_ST_LD : 0) |
                  (pr && sw ? TCG_MO_LD_ST : 0) |
                  (pw && sw ? TCG_MO_ST_ST : 0);

    if ((insn >> 28) == 0x8) {
        mo &= ~TCG_MO_ST_LD;
    }
    if (mo) {
        tcg_gen_mb(ctx->s, mo);
    }
}

static void gen_csr(DisasContext *ctx, const RISCVInsn *d, uint32_t insn,
                    vaddr next)
{
    bool writes;

    switch (d->op) {
    case RV_OP_CSRRW:
    case RV_OP_CSRRWI:
        writes = true;
        break;
    default:
        /* csrrs/csrrc with x0 (or uimm 0) only read. */
        writes = d->rs1 != 0;
        break;
    }
    if (writes) {
        gen_call_and_exit(ctx, helper_csr, insn, next);
    } else {
        tcg_gen_call(ctx->s, helper_csr, insn);
    }
}

static const TCGOpcode load_ops[] = {
    [RV_OP_LB] = INDEX_op_ld8s, [RV_OP_LH] = INDEX_op_ld16s,
    [RV_OP_LW] = INDEX_op_ld32s, [RV_OP_LD] = INDEX_op_ld64,
    [RV_OP_LBU] = INDEX_op_ld8u, [RV_OP_LHU] = INDEX_op_ld16u,
    [RV_OP_LWU] = INDEX_op_ld32u,
};

static const TCGOpcode store_ops[] = {
    [RV_OP_SB] = INDEX_op_st8, [RV_OP_SH] = INDEX_op_st16,
    [RV_OP_SW] = INDEX_op_st32, [RV_OP_SD] = INDEX_op_st64,
};

static const TCGOpcode branch_ops[] = {
    [RV_OP_BEQ] = INDEX_op_brcond_eq, [RV_OP_BNE] = INDEX_op_brcond_ne,
    [RV_OP_BLT] = INDEX_op_brcond_lt, [RV_OP_BGE] = INDEX_op_brcond_ge,
    [RV_OP_BLTU] = INDEX_op_brcond_ltu, [RV_OP_BGEU] = INDEX_op_brcond_geu,
};

/* R-type and I-type arithmetic that maps onto one op. */
static const TCGOpcode alu_ops[RV_OP__MAX] = {
    [RV_OP_SLTI] = INDEX_op_setlti, [RV_OP_SLTIU] = INDEX_op_setltiu,
    [RV_OP_XORI] = INDEX_op_xori, [RV_OP_ORI] = INDEX_op_ori,
    [RV_OP_ANDI] = INDEX_op_andi, [RV_OP_SLLI] = INDEX_op_shli,
    [RV_OP_SRLI] = INDEX_op_shri, [RV_OP_SRAI] = INDEX_op_sari,
    [RV_OP_ADDIW] = INDEX_op_addiw, [RV_OP_SLLIW] = INDEX_op_shliw,
    [RV_OP_SRLIW] = INDEX_op_shriw, [RV_OP_SRAIW] = INDEX_op_sariw,
    [RV_OP_SUB] = INDEX_op_sub, [RV_OP_SLL] = INDEX_op_shl,
    [RV_OP_SLT] = INDEX_op_setlt, [RV_OP_SLTU] = INDEX_op_setltu,
    [RV_OP_XOR] = INDEX_op_xor, [RV_OP_SRL] = INDEX_op_shr,
    [RV_OP_SRA] = INDEX_op_sar, [RV_OP_OR] = INDEX_op_or,
    [RV_OP_AND] = INDEX_op_and, [RV_OP_ADDW] = INDEX_op_addw,
    [RV_OP_SUBW] = INDEX_op_subw, [RV_OP_SLLW] = INDEX_op_shlw,
    [RV_OP_SRLW] = INDEX_op_shrw, [RV_OP_SRAW] = INDEX_op_sarw,
    [RV_OP_MUL] = INDEX_op_mul, [RV_OP_MULH] = INDEX_op_mulsh,
    [RV_OP_MULHSU] = INDEX_op_mulsuh, [RV_OP_MULHU] = INDEX_op_muluh,
    [RV_OP_DIV] = INDEX_op_div, [RV_OP_DIVU] = INDEX_op_divu,
    [RV_OP_REM] = INDEX_op_rem, [RV_OP_REMU] = INDEX_op_remu,
    [RV_OP_MULW] = INDEX_op_mulw, [RV_OP_DIVW] = INDEX_op_divw,
    [RV_OP_DIVUW] = INDEX_op_divuw, [RV_OP_REMW] = INDEX_op_remw,
    [RV_OP_REMUW] = INDEX_op_remuw,
};

static void gen_insn(DisasContext *ctx, const RISCVInsn *d, uint32_t insn,
                     vaddr pc)
{
    TCGContext *s = ctx->s;
    vaddr next = pc + d->len;

    switch (d->op) {
    case RV_OP_LUI:
        gen_movi(ctx, d->rd, d->imm);
        break;
    case RV_OP_AUIPC:
        gen_movi(ctx, d->rd, pc + d->imm);
        break;
    case RV_OP_JAL:
        gen_jal(ctx, d, pc);
        break;
    case RV_OP_JALR:
        tcg_gen_jmp_ind(s, dst(d->rd), d->rs1, d->imm);
        ctx->base.is_jmp = DISAS_NORETURN;
        break;
    case RV_OP_BEQ ... RV_OP_BGEU:
        tcg_gen_brcond(s, branch_ops[d->op], d->rs1, d->rs2, pc + d->imm);
        break;
    case RV_OP_LB ... RV_OP_LWU:
        tcg_gen_ld(s, load_ops[d->op], dst(d->rd), d->rs1, d->imm,
                   ctx->mem_idx);
        break;
    case RV_OP_SB ... RV_OP_SD:
        tcg_gen_st(s, store_ops[d->op], d->rs2, d->rs1, d->imm,
                   ctx->mem_idx);
        break;
    case RV_OP_ADDI:
        gen_addi(ctx, d);
        break;
    case RV_OP_ADD:
        gen_add(ctx, d);
        break;
    case RV_OP_SLTI ... RV_OP_SRAIW:
        gen_i(ctx, alu_ops[d->op], d);
        break;
    case RV_OP_SUB ... RV_OP_REMUW:
        gen_r(ctx, alu_ops[d->op], d);
        break;
    case RV_OP_FENCE:
        gen_fence(ctx, insn);
        break;
    case RV_OP_FENCE_I:
        gen_call_and_exit(ctx, helper_fence_i, insn, next);
        break;
    case RV_OP_ECALL:
        gen_raise(ctx, helper_ecall, insn);
        break;
    case RV_OP_EBREAK:
        gen_raise(ctx, helper_ebreak, insn);
        break;
    case RV_OP_SRET:
    case RV_OP_MRET:
        tcg_gen_call(s, d->op == RV_OP_MRET ? helper_mret : helper_sret,
                     insn);
        tcg_gen_exit_env(s);
        ctx->base.is_jmp = DISAS_NORETURN;
        break;
    case RV_OP_WFI:
        gen_call_and_exit(ctx, helper_wfi, insn, next);
        break;
    case RV_OP_SFENCE_VMA:
        gen_call_and_exit(ctx, helper_sfence_vma, insn, next);
        break;
    case RV_OP_CSRRW ... RV_OP_CSRRCI:
        gen_csr(ctx, d, insn, next);
        break;
    case RV_OP_LR:
        tcg_gen_call_mem(s, helper_lr, insn);
        break;
    case RV_OP_SC:
        tcg_gen_call_mem(s, helper_sc, insn);
        break;
    case RV_OP_AMOSWAP ... RV_OP_AMOMAXU:
        tcg_gen_call_mem(s, helper_amo, insn);
        break;
    default:
        gen_raise(ctx, helper_illegal, insn);
        break;
    }
}

static void riscv_tr_init_disas_context(DisasContextBase *db, CPUState *cs)
{
    DisasContext *ctx = container_of(db, DisasContext, base);

    ctx->s = db->s;
    ctx->mem_idx = tb_flags_mem_idx(db->tb->flags);
}

static void riscv_tr_translate_insn(DisasContextBase *db, CPUState *cs)
{
    DisasContext *ctx = container_of(db, DisasContext, base);
    vaddr pc = db->pc_next;
    uint32_t insn = translator_lduw(cs, db, pc);
    int len = riscv_insn_length(insn);
    RISCVInsn d;

    if (len == 4 && db->num_insns > 0 &&
        (pc & ~TARGET_PAGE_MASK) == TARGET_PAGE_SIZE - 2) {
        /* Straddles into the next page: it must start its own block. */
        db->is_jmp = DISAS_TOO_MANY;
        return;
    }
    if (len == 4) {
        insn |= (uint32_t)translator_lduw(cs, db, pc + 2) << 16;
    }
    tcg_gen_insn_start(ctx->s, pc, len);
    db->pc_next = pc + len;
    riscv_decode(insn, len, &d);
    gen_insn(ctx, &d, insn, pc);
}

static void riscv_tr_disas_log(DisasContextBase *db, CPUState *cs,
                               GString *buf)
{
    for (vaddr pc = db->pc_first; pc < db->pc_next;) {
        uint32_t insn = translator_lduw(cs, db, pc);
        int len = riscv_insn_length(insn);

        if (len == 4) {
            insn |= (uint32_t)translator_lduw(cs, db, pc + 2) << 16;
            g_string_append_printf(buf, "0x%016" VADDR_PRIx ":  %08x  ",
                                   pc, insn);
        } else {
            g_string_append_printf(buf, "0x%016" VADDR_PRIx ":  %04x      ",
                                   pc, insn);
        }
        riscv_disas_insn(buf, pc, insn, len);
        g_string_append_c(buf, '\n');
        pc += len;
    }
}

static const TranslatorOps riscv_tr_ops = {
    .init_disas_context = riscv_tr_init_disas_context,
    .translate_insn = riscv_tr_translate_insn,
    .disas_log = riscv_tr_disas_log,
};

void riscv_translate_code(CPUState *cs, TranslationBlock *tb, TCGContext *s,
                          int max_insns, void *host_pc, bool uniform)
{
    DisasContext ctx;

    translator_loop(cs, tb, s, max_insns, host_pc, uniform, &riscv_tr_ops,
                    &ctx.base);
}
