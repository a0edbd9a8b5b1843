/*
 * The RISC-V translator: instruction encodings to the ops they become,
 * and the disassembler's text for them.
 */
#include "qemu/osdep.h"
#include "exec/exec-all.h"
#include "hw/core/tcg-cpu-ops.h"
#include "accel/tcg/internal.h"
#include "target/riscv/internals.h"
#include "riscv-test-machine.h"

#define PC  (TM_RAM_BASE + 0x1000)
#define M_IDX   PRV_M

typedef struct ExpectedOp {
    TCGOpcode opc;
    int rd, rs1, rs2;
    int64_t imm;
    int arg;
    TCGHelperFn *fn;            /* for calls */
} ExpectedOp;

typedef struct DecodeCase {
    const char *name;
    uint32_t insn;
    int len;
    int nb_ops;                 /* ops of the instruction (maybe 0) */
    ExpectedOp ops[2];
    bool ends_block;            /* nothing of the next instruction follows */
    const char *disas;
} DecodeCase;

#define OP3(o, d, s1, s2)   { .opc = INDEX_op_##o, .rd = d, .rs1 = s1, .rs2 = s2 }
#define OPI(o, d, s1, i)    { .opc = INDEX_op_##o, .rd = d, .rs1 = s1, .imm = i }
#define MOVI(d, i)          { .opc = INDEX_op_movi, .rd = d, .imm = i }
#define MOV(d, s)           { .opc = INDEX_op_mov, .rd = d, .rs1 = s }
#define LDOP(o, d, s1, i)   { .opc = INDEX_op_##o, .rd = d, .rs1 = s1, .imm = i, .arg = M_IDX }
#define STOP(o, s2, s1, i)  { .opc = INDEX_op_##o, .rs2 = s2, .rs1 = s1, .imm = i, .arg = M_IDX }
#define BR(o, s1, s2, t)    { .opc = INDEX_op_##o, .rs1 = s1, .rs2 = s2, .imm = t }
#define CALL(f)             { .opc = INDEX_op_call, .fn = f }
#define CALLM(f)            { .opc = INDEX_op_call_mem, .fn = f }
#define EXIT(t)             { .opc = INDEX_op_exit_tb, .imm = t }
#define MB(mo)              { .opc = INDEX_op_mb, .imm = mo }

static const DecodeCase cases[] = {
    /* RV64I */
    { "lui", LUI(A0, 0x12345), 4, 1, { MOVI(A0, 0x12345000) }, false,
      "lui     a0,0x12345" },
    { "lui-negative", LUI(A0, 0x80000), 4, 1,
      { MOVI(A0, (int64_t)0xffffffff80000000ull) }, false,
      "lui     a0,0x80000" },
    { "auipc", AUIPC(T0, 1), 4, 1, { MOVI(T0, PC + 0x1000) }, false,
      "auipc   t0,0x1" },
    { "addi", ADDI(A0, A1, -5), 4, 1, { OPI(addi, A0, A1, -5) }, false,
      "addi    a0,a1,-5" },
    { "li", ADDI(A0, X0, 7), 4, 1, { MOVI(A0, 7) }, false,
      "addi    a0,zero,7" },
    { "mv", ADDI(A0, A1, 0), 4, 1, { MOV(A0, A1) }, false,
      "addi    a0,a1,0" },
    { "nop", ADDI(X0, X0, 0), 4, 0, { }, false, "addi    zero,zero,0" },
    { "hint-x0", ADD(X0, A1, A2), 4, 0, { }, false, "add     zero,a1,a2" },
    { "slti", SLTI(A0, A1, -1), 4, 1, { OPI(setlti, A0, A1, -1) }, false,
      "slti    a0,a1,-1" },
    { "sltiu", SLTIU(A0, A1, 1), 4, 1, { OPI(setltiu, A0, A1, 1) }, false,
      "sltiu   a0,a1,1" },
    { "slli", SLLI(A0, A1, 63), 4, 1, { OPI(shli, A0, A1, 63) }, false,
      "slli    a0,a1,63" },
    { "srai", SRAI(A0, A1, 33), 4, 1, { OPI(sari, A0, A1, 33) }, false,
      "srai    a0,a1,33" },
    { "slli-bad-funct6", SLLI(A0, A1, 1) | (1u << 30), 4, 1,
      { CALL(helper_illegal) }, true, "illegal" },
    { "addiw", ADDIW(A0, A1, 1), 4, 1, { OPI(addiw, A0, A1, 1) }, false,
      "addiw   a0,a1,1" },
    { "sraiw", SRAIW(A0, A1, 31), 4, 1, { OPI(sariw, A0, A1, 31) }, false,
      "sraiw   a0,a1,31" },
    { "slliw-shamt32", SLLIW(A0, A1, 32), 4, 1, { CALL(helper_illegal) },
      true, "illegal" },
    { "add", ADD(A0, A1, A2), 4, 1, { OP3(add, A0, A1, A2) }, false,
      "add     a0,a1,a2" },
    { "sub", SUB(A0, A1, A2), 4, 1, { OP3(sub, A0, A1, A2) }, false,
      "sub     a0,a1,a2" },
    { "sra", SRA(A0, A1, A2), 4, 1, { OP3(sar, A0, A1, A2) }, false,
      "sra     a0,a1,a2" },
    { "sltu", SLTU(A0, A1, A2), 4, 1, { OP3(setltu, A0, A1, A2) }, false,
      "sltu    a0,a1,a2" },
    { "subw", SUBW(A0, A1, A2), 4, 1, { OP3(subw, A0, A1, A2) }, false,
      "subw    a0,a1,a2" },
    { "sraw", SRAW(A0, A1, A2), 4, 1, { OP3(sarw, A0, A1, A2) }, false,
      "sraw    a0,a1,a2" },
    { "lb", LB(A0, SP, -8), 4, 1, { LDOP(ld8s, A0, SP, -8) }, false,
      "lb      a0,-8(sp)" },
    { "lhu", LHU(A0, SP, 2), 4, 1, { LDOP(ld16u, A0, SP, 2) }, false,
      "lhu     a0,2(sp)" },
    { "lwu", LWU(A0, SP, 4), 4, 1, { LDOP(ld32u, A0, SP, 4) }, false,
      "lwu     a0,4(sp)" },
    { "ld-to-x0", LD(X0, SP, 8), 4, 1,
      { LDOP(ld64, RISCV_REG_SINK, SP, 8) }, false, "ld      zero,8(sp)" },
    { "sd", SD(A0, SP, 16), 4, 1, { STOP(st64, A0, SP, 16) }, false,
      "sd      a0,16(sp)" },
    { "sb", SB(A0, SP, -1), 4, 1, { STOP(st8, A0, SP, -1) }, false,
      "sb      a0,-1(sp)" },
    { "beq", BEQ(A0, A1, 16), 4, 1, { BR(brcond_eq, A0, A1, PC + 16) },
      false, "beq     a0,a1,0x80001010" },
    { "bgeu-back", BGEU(A0, A1, -4), 4, 1,
      { BR(brcond_geu, A0, A1, PC - 4) }, false,
      "bgeu    a0,a1,0x80000ffc" },
    { "bad-branch", rv_b(8, A1, A0, 2), 4, 1, { CALL(helper_illegal) }, true,
      "illegal" },
    { "jal", JAL(RA, 2048), 4, 1,
      { { .opc = INDEX_op_jmp, .rd = RA, .imm = PC + 2048 } }, true,
      "jal     ra,0x80001800" },
    { "j", JAL(X0, 8), 4, 1, { { .opc = INDEX_op_goto_tb, .imm = PC + 8 } },
      true, "jal     zero,0x80001008" },
    { "j-previous-page", JAL(X0, -2), 4, 1,
      { { .opc = INDEX_op_lookup_tb, .imm = PC - 2 } }, true,
      "jal     zero,0x80000ffe" },
    { "jal-other-page", JAL(RA, 0x2000), 4, 2,
      { MOVI(RA, PC + 4), { .opc = INDEX_op_lookup_tb, .imm = PC + 0x2000 } },
      true, "jal     ra,0x80003000" },
    { "jalr", JALR(RA, A0, 4), 4, 1,
      { { .opc = INDEX_op_jmp_ind, .rd = RA, .rs1 = A0, .imm = 4 } }, true,
      "jalr    ra,4(a0)" },
    { "ret", JALR(X0, RA, 0), 4, 1,
      { { .opc = INDEX_op_jmp_ind, .rd = RISCV_REG_SINK, .rs1 = RA } }, true,
      "jalr    zero,0(ra)" },
    /* M */
    { "mulhsu", MULHSU(A0, A1, A2), 4, 1, { OP3(mulsuh, A0, A1, A2) }, false,
      "mulhsu  a0,a1,a2" },
    { "divu", DIVU(A0, A1, A2), 4, 1, { OP3(divu, A0, A1, A2) }, false,
      "divu    a0,a1,a2" },
    { "remw", REMW(A0, A1, A2), 4, 1, { OP3(remw, A0, A1, A2) }, false,
      "remw    a0,a1,a2" },
    { "mulhw-reserved", rv_r(1, A2, A1, 1, A0, 0x3b), 4, 1,
      { CALL(helper_illegal) }, true, "illegal" },
    /* A */
    { "lr.w", LR_W(A0, A1) | (1u << 26), 4, 1, { CALLM(helper_lr) }, false,
      "lr.w.aq a0,(a1)" },
    { "lr-rs2", AMO(0x02, 3, A0, A1, A2), 4, 1, { CALL(helper_illegal) },
      true, "illegal" },
    { "sc.d", SC_D(A0, A1, A2) | (3u << 25), 4, 1, { CALLM(helper_sc) },
      false, "sc.d.aqrl a0,a2,(a1)" },
    { "amomaxu.w", AMO(0x1c, 2, A0, A1, A2), 4, 1, { CALLM(helper_amo) },
      false, "amomaxu.w a0,a2,(a1)" },
    { "amo-bad-width", AMO(0x00, 4, A0, A1, A2), 4, 1,
      { CALL(helper_illegal) }, true, "illegal" },
    /* Zicsr, Zifencei, system */
    { "csrr", CSRR(A0, CSR_MSTATUS), 4, 1, { CALL(helper_csr) }, false,
      "csrrs   a0,mstatus,zero" },
    { "csrw", CSRW(CSR_SATP, A0), 4, 2,
      { CALL(helper_csr), EXIT(PC + 4) }, true, "csrrw   zero,satp,a0" },
    { "csrrci-0", CSRRCI(A0, CSR_MIP, 0), 4, 1, { CALL(helper_csr) }, false,
      "csrrci  a0,mip,0" },
    { "csrrsi", CSRRSI(A0, CSR_MSTATUS, 8), 4, 2,
      { CALL(helper_csr), EXIT(PC + 4) }, true, "csrrsi  a0,mstatus,8" },
    { "csr-unknown-name", CSRR(A0, 0x7c0), 4, 1, { CALL(helper_csr) }, false,
      "csrrs   a0,0x7c0,zero" },
    /* FENCE pred,succ: the host orderings it needs; I/O counts as R/W. */
    { "fence", FENCE(), 4, 1, { MB(TCG_MO_ALL) }, false,
      "fence   iorw,iorw" },
    { "fence-r-r", 0x0220000f, 4, 1, { MB(TCG_MO_LD_LD) }, false,
      "fence   r,r" },
    { "fence-w-w", 0x0110000f, 4, 1, { MB(TCG_MO_ST_ST) }, false,
      "fence   w,w" },
    { "fence-w-r", 0x0120000f, 4, 1, { MB(TCG_MO_ST_LD) }, false,
      "fence   w,r" },
    { "fence-o-i", 0x0480000f, 4, 1, { MB(TCG_MO_ST_LD) }, false,
      "fence   o,i" },
    { "fence-tso", 0x8330000f, 4, 1,
      { MB(TCG_MO_LD_LD | TCG_MO_LD_ST | TCG_MO_ST_ST) }, false,
      "fence.tso" },
    { "fence-empty", 0x0000000f, 4, 0, { }, false, "fence   0,0" },
    { "fence.i", FENCE_I(), 4, 2, { CALL(helper_fence_i), EXIT(PC + 4) },
      true, "fence.i" },
    { "ecall", ECALL(), 4, 1, { CALL(helper_ecall) }, true, "ecall" },
    { "ebreak", EBREAK(), 4, 1, { CALL(helper_ebreak) }, true, "ebreak" },
    { "mret", MRET(), 4, 2,
      { CALL(helper_mret), { .opc = INDEX_op_exit_env } }, true, "mret" },
    { "wfi", WFI(), 4, 2, { CALL(helper_wfi), EXIT(PC + 4) }, true, "wfi" },
    { "sfence.vma", SFENCE_VMA(A0, A1), 4, 2,
      { CALL(helper_sfence_vma), EXIT(PC + 4) }, true, "sfence.vma a0,a1" },
    { "sfence.vma-rd", SFENCE_VMA(A0, A1) | (1 << 7), 4, 1,
      { CALL(helper_illegal) }, true, "illegal" },
    { "system-funct3-4", rv_i(0, 0, 4, 0, 0x73), 4, 1,
      { CALL(helper_illegal) }, true, "illegal" },
    { "all-ones", 0xffffffff, 4, 1, { CALL(helper_illegal) }, true,
      "illegal" },
    /* RV64C */
    { "c.li", 0x4515, 2, 1, { MOVI(A0, 5) }, false, "addi    a0,zero,5" },
    { "c.addi", 0x0505, 2, 1, { OPI(addi, A0, A0, 1) }, false,
      "addi    a0,a0,1" },
    { "c.mv", 0x85aa, 2, 1, { MOV(A1, A0) }, false, "add     a1,zero,a0" },
    { "c.add", 0x952e, 2, 1, { OP3(add, A0, A0, A1) }, false,
      "add     a0,a0,a1" },
    { "c.slli", 0x050a, 2, 1, { OPI(shli, A0, A0, 2) }, false,
      "slli    a0,a0,2" },
    { "c.srli", 0x8105, 2, 1, { OPI(shri, A0, A0, 1) }, false,
      "srli    a0,a0,1" },
    { "c.srai", 0x8505, 2, 1, { OPI(sari, A0, A0, 1) }, false,
      "srai    a0,a0,1" },
    { "c.andi", 0x891d, 2, 1, { OPI(andi, A0, A0, 7) }, false,
      "andi    a0,a0,7" },
    { "c.sub", 0x8d0d, 2, 1, { OP3(sub, A0, A0, A1) }, false,
      "sub     a0,a0,a1" },
    { "c.and", 0x8d6d, 2, 1, { OP3(and, A0, A0, A1) }, false,
      "and     a0,a0,a1" },
    { "c.subw", 0x9d0d, 2, 1, { OP3(subw, A0, A0, A1) }, false,
      "subw    a0,a0,a1" },
    { "c.addw", 0x9d2d, 2, 1, { OP3(addw, A0, A0, A1) }, false,
      "addw    a0,a0,a1" },
    { "c.addiw", 0x357d, 2, 1, { OPI(addiw, A0, A0, -1) }, false,
      "addiw   a0,a0,-1" },
    { "c.lui", 0x667d, 2, 1, { MOVI(A2, 0x1f000) }, false,
      "lui     a2,0x1f" },
    { "c.addi16sp", 0x6121, 2, 1, { OPI(addi, SP, SP, 64) }, false,
      "addi    sp,sp,64" },
    { "c.addi4spn", 0x0808, 2, 1, { OPI(addi, A0, SP, 16) }, false,
      "addi    a0,sp,16" },
    { "c.lw", 0x41c8, 2, 1, { LDOP(ld32s, A0, A1, 4) }, false,
      "lw      a0,4(a1)" },
    { "c.ld", 0x6588, 2, 1, { LDOP(ld64, A0, A1, 8) }, false,
      "ld      a0,8(a1)" },
    { "c.sw", 0xc1c8, 2, 1, { STOP(st32, A0, A1, 4) }, false,
      "sw      a0,4(a1)" },
    { "c.sd", 0xe588, 2, 1, { STOP(st64, A0, A1, 8) }, false,
      "sd      a0,8(a1)" },
    { "c.lwsp", 0x4532, 2, 1, { LDOP(ld32s, A0, SP, 12) }, false,
      "lw      a0,12(sp)" },
    { "c.ldsp", 0x6562, 2, 1, { LDOP(ld64, A0, SP, 24) }, false,
      "ld      a0,24(sp)" },
    { "c.swsp", 0xc62a, 2, 1, { STOP(st32, A0, SP, 12) }, false,
      "sw      a0,12(sp)" },
    { "c.sdsp", 0xec2a, 2, 1, { STOP(st64, A0, SP, 24) }, false,
      "sd      a0,24(sp)" },
    { "c.j", 0xa021, 2, 1, { { .opc = INDEX_op_goto_tb, .imm = PC + 8 } },
      true, "jal     zero,0x80001008" },
    { "c.beqz", 0xdd75, 2, 1, { BR(brcond_eq, A0, X0, PC - 4) }, false,
      "beq     a0,zero,0x80000ffc" },
    { "c.bnez", 0xe119, 2, 1, { BR(brcond_ne, A0, X0, PC + 6) }, false,
      "bne     a0,zero,0x80001006" },
    { "c.jr", 0x8082, 2, 1,
      { { .opc = INDEX_op_jmp_ind, .rd = RISCV_REG_SINK, .rs1 = RA } }, true,
      "jalr    zero,0(ra)" },
    { "c.jalr", 0x9502, 2, 1,
      { { .opc = INDEX_op_jmp_ind, .rd = RA, .rs1 = A0 } }, true,
      "jalr    ra,0(a0)" },
    { "c.ebreak", 0x9002, 2, 1, { CALL(helper_ebreak) }, true, "ebreak" },
    { "c.nop", 0x0001, 2, 0, { }, false, "addi    zero,zero,0" },
    { "c.zero-is-illegal", 0x0000, 2, 1, { CALL(helper_illegal) }, true,
      "illegal" },
    { "c.addi4spn-zero", 0x0010, 2, 1, { CALL(helper_illegal) }, true,
      "illegal" },
    { "c.lui-zero", 0x6501, 2, 1, { CALL(helper_illegal) }, true,
      "illegal" },
    { "c.lwsp-x0", 0x4032, 2, 1, { CALL(helper_illegal) }, true, "illegal" },
    { "c.jr-x0", 0x8002, 2, 1, { CALL(helper_illegal) }, true, "illegal" },
    { "c.fld", 0x2000 | (1 << 2) | (1 << 7), 2, 1, { CALL(helper_illegal) },
      true, "illegal" },
};

/* Translate the block at PC holding just c's instruction. */
static TranslationBlock *translate_case(const DecodeCase *c)
{
    CPUState *cs = CPU(tm.cpu[0]);
    Asm a;
    vaddr pc;
    uint32_t flags;

    tm_reset();
    asm_init(&a, PC);
    if (c->len == 4) {
        a32(&a, c->insn);
    } else {
        a16(&a, c->insn);
    }
    /* What follows is zeros: the illegal compressed instruction. */
    tm_load(&a);
    tm_env()->pc = PC;
    cs->cc->tcg_ops->get_tb_cpu_state(cs, &pc, &flags);
    return tb_gen_code(cs, pc, flags);
}

static void check_op(const DecodeCase *c, const TCGOp *op,
                     const ExpectedOp *e)
{
    g_autoptr(GString) buf = g_string_new(NULL);

    tcg_dump_op(buf, op);
    g_test_message("%s: %s", c->name, buf->str);
    g_assert_cmpstr(tcg_op_name(op->opc), ==, tcg_op_name(e->opc));
    g_assert_cmpuint(op->pc, ==, PC);
    g_assert_cmpuint(op->len, ==, c->len);
    switch (tcg_op_kind(op->opc)) {
    case TCG_KIND_CALL:
        g_assert_true((TCGHelperFn *)(uintptr_t)op->imm == e->fn);
        g_assert_cmphex(op->insn, ==, c->insn);
        break;
    case TCG_KIND_LD:
    case TCG_KIND_ST:
        g_assert_cmpint(op->arg, ==, e->arg);
        /* fall through */
    default:
        g_assert_cmpint(op->rd, ==, e->rd);
        g_assert_cmpint(op->rs1, ==, e->rs1);
        g_assert_cmpint(op->rs2, ==, e->rs2);
        g_assert_cmpint(op->imm, ==, e->imm);
        break;
    }
}

static void test_decode_case(gconstpointer data)
{
    const DecodeCase *c = data;
    TranslationBlock *tb = translate_case(c);
    int next = 1 + c->nb_ops;

    g_assert_cmpint(tb->ops[0].opc, ==, INDEX_op_tb_enter);
    for (int i = 0; i < c->nb_ops; i++) {
        check_op(c, &tb->ops[1 + i], &c->ops[i]);
        /* The block's first instruction. */
        g_assert_cmpuint(tb->ops[1 + i].idx, ==, 0);
    }
    if (c->ends_block) {
        g_assert_cmpint(tb->nb_ops, ==, next);
        g_assert_cmpint(tb->icount, ==, 1);
        g_assert_cmpint(tb->size, ==, c->len);
    } else {
        /* The next instruction (zeros) is illegal and ends the block. */
        g_assert_cmpint(tb->nb_ops, ==, next + 1);
        g_assert_cmpint(tb->ops[next].opc, ==, INDEX_op_call);
        g_assert_true((TCGHelperFn *)(uintptr_t)tb->ops[next].imm ==
                      helper_illegal);
        g_assert_cmpuint(tb->ops[next].pc, ==, PC + c->len);
        g_assert_cmpint(tb->ops[next].idx, ==, 1);
        g_assert_cmpint(tb->icount, ==, 2);
    }
    g_assert_cmpint(tb->ops[0].imm, ==, tb->icount);
}

static void test_disas_case(gconstpointer data)
{
    const DecodeCase *c = data;
    g_autoptr(GString) buf = g_string_new(NULL);

    riscv_disas_insn(buf, PC, c->insn, c->len);
    g_assert_cmpstr(buf->str, ==, c->disas);
}

/* A block runs on past untaken branches and stops at a jump. */
static void test_block_shape(void)
{
    CPUState *cs = CPU(tm.cpu[0]);
    TranslationBlock *tb;
    Asm a;
    vaddr pc;
    uint32_t flags;

    tm_reset();
    asm_init(&a, PC);
    a32(&a, ADDI(A0, A0, 1));
    a32(&a, BNE(A0, A1, -4));
    a16(&a, 0x0505);                    /* c.addi a0, 1 */
    a32(&a, BEQ(A0, X0, 8));
    a32(&a, JAL(X0, -14));
    a32(&a, ADDI(A1, A1, 1));           /* not part of the block */
    tm_load(&a);
    tm_env()->pc = PC;
    cs->cc->tcg_ops->get_tb_cpu_state(cs, &pc, &flags);
    tb = tb_gen_code(cs, pc, flags);

    g_assert_cmpint(tb->icount, ==, 5);
    g_assert_cmpint(tb->size, ==, 18);
    g_assert_cmpint(tb->nb_ops, ==, 6);
    g_assert_cmpint(tb->nb_jmp, ==, 3);
    g_assert_cmpint(tb->ops[2].opc, ==, INDEX_op_brcond_ne);
    g_assert_cmpint(tb->ops[2].arg, ==, 0);
    g_assert_cmpint(tb->ops[2].idx, ==, 1);
    g_assert_cmpint(tb->ops[4].opc, ==, INDEX_op_brcond_eq);
    g_assert_cmpint(tb->ops[4].arg, ==, 1);
    g_assert_cmpint(tb->ops[4].idx, ==, 3);
    g_assert_cmpint(tb->ops[5].opc, ==, INDEX_op_goto_tb);
    g_assert_cmpuint(tb->ops[5].imm, ==, PC);
    g_assert_cmpint(tb->ops[5].arg, ==, 2);
    g_assert_cmpint(tb->ops[5].idx, ==, 4);
}

/* A 4-byte instruction across a page end starts its own block. */
static void test_block_straddle(void)
{
    CPUState *cs = CPU(tm.cpu[0]);
    uint64_t base = TM_RAM_BASE + 0x2000 - 4;
    TranslationBlock *tb;
    Asm a;

    tm_reset();
    asm_init(&a, base);
    a16(&a, 0x0505);                    /* c.addi a0, 1 */
    a32(&a, ADDI(A0, A0, 2));           /* straddles */
    a32(&a, ADDI(A0, A0, 3));
    tm_load(&a);

    tb = tb_gen_code(cs, base, PRV_M | (PRV_M << TB_FLAGS_MEM_IDX_SHIFT));
    g_assert_cmpint(tb->icount, ==, 1);
    g_assert_cmpint(tb->nb_ops, ==, 3);
    g_assert_cmpint(tb->ops[2].opc, ==, INDEX_op_goto_tb);
    g_assert_cmpuint(tb->ops[2].imm, ==, base + 2);
    g_assert_cmpuint(tb->page_addr[1], ==, TB_PAGE_NONE);

    tb = tb_gen_code(cs, base + 2, PRV_M | (PRV_M << TB_FLAGS_MEM_IDX_SHIFT));
    g_assert_cmpint(tb->icount, ==, 1);
    g_assert_cmpint(tb->size, ==, 4);
    g_assert_cmpuint(tb->page_addr[1], !=, TB_PAGE_NONE);
    g_assert_cmpuint(tb->page_addr[1] - tb->page_addr[0], ==,
                     TARGET_PAGE_SIZE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    tm_init(1);
    for (int i = 0; i < ARRAY_SIZE(cases); i++) {
        g_autofree char *ops = g_strdup_printf("/riscv/decode/ops/%s",
                                               cases[i].name);
        g_autofree char *dis = g_strdup_printf("/riscv/decode/disas/%s",
                                               cases[i].name);

        g_test_add_data_func(ops, &cases[i], test_decode_case);
        g_test_add_data_func(dis, &cases[i], test_disas_case);
    }
    g_test_add_func("/riscv/decode/block-shape", test_block_shape);
    g_test_add_func("/riscv/decode/block-straddle", test_block_straddle);
    return g_test_run();
}
