/*
 * A tiny RISC-V assembler for the unit tests: instruction encoders and a
 * buffer that code is emitted into, then copied to guest memory.
 */
#ifndef TESTS_UNIT_RISCV_ASM_H
#define TESTS_UNIT_RISCV_ASM_H

enum {
    X0, RA, SP, GP, TP, T0, T1, T2, S0, S1, A0, A1, A2, A3, A4, A5, A6, A7,
    S2, S3, S4, S5, S6, S7, S8, S9, S10, S11, T3, T4, T5, T6,
};

/* Encoders of the base formats (constant expressions, for tables) */

#define rv_r(f7, rs2, rs1, f3, rd, opc)                                 \
    ((uint32_t)(f7) << 25 | (uint32_t)(rs2) << 20 | (uint32_t)(rs1) << 15 | \
     (uint32_t)(f3) << 12 | (uint32_t)(rd) << 7 | (uint32_t)(opc))

#define rv_i(imm, rs1, f3, rd, opc)                                     \
    (((uint32_t)(imm) & 0xfff) << 20 | (uint32_t)(rs1) << 15 |          \
     (uint32_t)(f3) << 12 | (uint32_t)(rd) << 7 | (uint32_t)(opc))

#define rv_s(imm, rs2, rs1, f3)                                         \
    ((((uint32_t)(imm) >> 5) & 0x7f) << 25 | (uint32_t)(rs2) << 20 |    \
     (uint32_t)(rs1) << 15 | (uint32_t)(f3) << 12 |                     \
     ((uint32_t)(imm) & 0x1f) << 7 | 0x23)

#define rv_b(off, rs2, rs1, f3)                                         \
    ((((uint32_t)(off) >> 12) & 1) << 31 |                              \
     (((uint32_t)(off) >> 5) & 0x3f) << 25 | (uint32_t)(rs2) << 20 |    \
     (uint32_t)(rs1) << 15 | (uint32_t)(f3) << 12 |                     \
     (((uint32_t)(off) >> 1) & 0xf) << 8 |                              \
     (((uint32_t)(off) >> 11) & 1) << 7 | 0x63)

#define rv_u(imm20, rd, opc)                                            \
    ((uint32_t)(imm20) << 12 | (uint32_t)(rd) << 7 | (uint32_t)(opc))

#define rv_j(off, rd)                                                   \
    ((((uint32_t)(off) >> 20) & 1) << 31 |                              \
     (((uint32_t)(off) >> 1) & 0x3ff) << 21 |                           \
     (((uint32_t)(off) >> 11) & 1) << 20 |                              \
     (((uint32_t)(off) >> 12) & 0xff) << 12 | (uint32_t)(rd) << 7 | 0x6f)

/* Instructions */

#define LUI(rd, imm20)          rv_u(imm20, rd, 0x37)
#define AUIPC(rd, imm20)        rv_u(imm20, rd, 0x17)
#define JAL(rd, off)            rv_j(off, rd)
#define JALR(rd, rs1, imm)      rv_i(imm, rs1, 0, rd, 0x67)
#define BEQ(rs1, rs2, off)      rv_b(off, rs2, rs1, 0)
#define BNE(rs1, rs2, off)      rv_b(off, rs2, rs1, 1)
#define BLT(rs1, rs2, off)      rv_b(off, rs2, rs1, 4)
#define BGE(rs1, rs2, off)      rv_b(off, rs2, rs1, 5)
#define BLTU(rs1, rs2, off)     rv_b(off, rs2, rs1, 6)
#define BGEU(rs1, rs2, off)     rv_b(off, rs2, rs1, 7)
#define LB(rd, rs1, imm)        rv_i(imm, rs1, 0, rd, 0x03)
#define LH(rd, rs1, imm)        rv_i(imm, rs1, 1, rd, 0x03)
#define LW(rd, rs1, imm)        rv_i(imm, rs1, 2, rd, 0x03)
#define LD(rd, rs1, imm)        rv_i(imm, rs1, 3, rd, 0x03)
#define LBU(rd, rs1, imm)       rv_i(imm, rs1, 4, rd, 0x03)
#define LHU(rd, rs1, imm)       rv_i(imm, rs1, 5, rd, 0x03)
#define LWU(rd, rs1, imm)       rv_i(imm, rs1, 6, rd, 0x03)
#define SB(rs2, rs1, imm)       rv_s(imm, rs2, rs1, 0)
#define SH(rs2, rs1, imm)       rv_s(imm, rs2, rs1, 1)
#define SW(rs2, rs1, imm)       rv_s(imm, rs2, rs1, 2)
#define SD(rs2, rs1, imm)       rv_s(imm, rs2, rs1, 3)
#define ADDI(rd, rs1, imm)      rv_i(imm, rs1, 0, rd, 0x13)
#define SLTI(rd, rs1, imm)      rv_i(imm, rs1, 2, rd, 0x13)
#define SLTIU(rd, rs1, imm)     rv_i(imm, rs1, 3, rd, 0x13)
#define XORI(rd, rs1, imm)      rv_i(imm, rs1, 4, rd, 0x13)
#define ORI(rd, rs1, imm)       rv_i(imm, rs1, 6, rd, 0x13)
#define ANDI(rd, rs1, imm)      rv_i(imm, rs1, 7, rd, 0x13)
#define SLLI(rd, rs1, sh)       rv_i(sh, rs1, 1, rd, 0x13)
#define SRLI(rd, rs1, sh)       rv_i(sh, rs1, 5, rd, 0x13)
#define SRAI(rd, rs1, sh)       rv_i(0x400 | (sh), rs1, 5, rd, 0x13)
#define ADDIW(rd, rs1, imm)     rv_i(imm, rs1, 0, rd, 0x1b)
#define SLLIW(rd, rs1, sh)      rv_i(sh, rs1, 1, rd, 0x1b)
#define SRLIW(rd, rs1, sh)      rv_i(sh, rs1, 5, rd, 0x1b)
#define SRAIW(rd, rs1, sh)      rv_i(0x400 | (sh), rs1, 5, rd, 0x1b)
#define ADD(rd, rs1, rs2)       rv_r(0, rs2, rs1, 0, rd, 0x33)
#define SUB(rd, rs1, rs2)       rv_r(0x20, rs2, rs1, 0, rd, 0x33)
#define SLL(rd, rs1, rs2)       rv_r(0, rs2, rs1, 1, rd, 0x33)
#define SLT(rd, rs1, rs2)       rv_r(0, rs2, rs1, 2, rd, 0x33)
#define SLTU(rd, rs1, rs2)      rv_r(0, rs2, rs1, 3, rd, 0x33)
#define XOR(rd, rs1, rs2)       rv_r(0, rs2, rs1, 4, rd, 0x33)
#define SRL(rd, rs1, rs2)       rv_r(0, rs2, rs1, 5, rd, 0x33)
#define SRA(rd, rs1, rs2)       rv_r(0x20, rs2, rs1, 5, rd, 0x33)
#define OR(rd, rs1, rs2)        rv_r(0, rs2, rs1, 6, rd, 0x33)
#define AND(rd, rs1, rs2)       rv_r(0, rs2, rs1, 7, rd, 0x33)
#define ADDW(rd, rs1, rs2)      rv_r(0, rs2, rs1, 0, rd, 0x3b)
#define SUBW(rd, rs1, rs2)      rv_r(0x20, rs2, rs1, 0, rd, 0x3b)
#define SLLW(rd, rs1, rs2)      rv_r(0, rs2, rs1, 1, rd, 0x3b)
#define SRLW(rd, rs1, rs2)      rv_r(0, rs2, rs1, 5, rd, 0x3b)
#define SRAW(rd, rs1, rs2)      rv_r(0x20, rs2, rs1, 5, rd, 0x3b)
#define MUL(rd, rs1, rs2)       rv_r(1, rs2, rs1, 0, rd, 0x33)
#define MULH(rd, rs1, rs2)      rv_r(1, rs2, rs1, 1, rd, 0x33)
#define MULHSU(rd, rs1, rs2)    rv_r(1, rs2, rs1, 2, rd, 0x33)
#define MULHU(rd, rs1, rs2)     rv_r(1, rs2, rs1, 3, rd, 0x33)
#define DIV(rd, rs1, rs2)       rv_r(1, rs2, rs1, 4, rd, 0x33)
#define DIVU(rd, rs1, rs2)      rv_r(1, rs2, rs1, 5, rd, 0x33)
#define REM(rd, rs1, rs2)       rv_r(1, rs2, rs1, 6, rd, 0x33)
#define REMU(rd, rs1, rs2)      rv_r(1, rs2, rs1, 7, rd, 0x33)
#define MULW(rd, rs1, rs2)      rv_r(1, rs2, rs1, 0, rd, 0x3b)
#define DIVW(rd, rs1, rs2)      rv_r(1, rs2, rs1, 4, rd, 0x3b)
#define DIVUW(rd, rs1, rs2)     rv_r(1, rs2, rs1, 5, rd, 0x3b)
#define REMW(rd, rs1, rs2)      rv_r(1, rs2, rs1, 6, rd, 0x3b)
#define REMUW(rd, rs1, rs2)     rv_r(1, rs2, rs1, 7, rd, 0x3b)
#define FENCE()                 0x0ff0000f
#define FENCE_I()               0x0000100f
#define ECALL()                 0x00000073
#define EBREAK()                0x00100073
#define SRET()                  0x10200073
#define MRET()                  0x30200073
#define WFI()                   0x10500073
#define SFENCE_VMA(rs1, rs2)    rv_r(0x09, rs2, rs1, 0, 0, 0x73)
#define CSRRW(rd, csr, rs1)     rv_i(csr, rs1, 1, rd, 0x73)
#define CSRRS(rd, csr, rs1)     rv_i(csr, rs1, 2, rd, 0x73)
#define CSRRC(rd, csr, rs1)     rv_i(csr, rs1, 3, rd, 0x73)
#define CSRRWI(rd, csr, uimm)   rv_i(csr, uimm, 5, rd, 0x73)
#define CSRRSI(rd, csr, uimm)   rv_i(csr, uimm, 6, rd, 0x73)
#define CSRRCI(rd, csr, uimm)   rv_i(csr, uimm, 7, rd, 0x73)
#define CSRR(rd, csr)           CSRRS(rd, csr, X0)
#define CSRW(csr, rs1)          CSRRW(X0, csr, rs1)
/* AMOs: f5, width 2 (.w) or 3 (.d) */
#define AMO(f5, w, rd, rs1, rs2) rv_r((f5) << 2, rs2, rs1, w, rd, 0x2f)
#define LR_W(rd, rs1)           AMO(0x02, 2, rd, rs1, 0)
#define LR_D(rd, rs1)           AMO(0x02, 3, rd, rs1, 0)
#define SC_W(rd, rs1, rs2)      AMO(0x03, 2, rd, rs1, rs2)
#define SC_D(rd, rs1, rs2)      AMO(0x03, 3, rd, rs1, rs2)

/* The code buffer */

typedef struct Asm {
    uint64_t base;              /* guest address of code[0] */
    size_t len;
    uint8_t code[16384];
} Asm;

static inline void asm_init(Asm *a, uint64_t base)
{
    a->base = base;
    a->len = 0;
}

static inline uint64_t asm_pc(const Asm *a)
{
    return a->base + a->len;
}

static inline void a32(Asm *a, uint32_t insn)
{
    g_assert_cmpuint(a->len + 4, <=, sizeof(a->code));
    memcpy(a->code + a->len, &insn, 4);
    a->len += 4;
}

static inline void a16(Asm *a, uint16_t insn)
{
    g_assert_cmpuint(a->len + 2, <=, sizeof(a->code));
    memcpy(a->code + a->len, &insn, 2);
    a->len += 2;
}

/* Patch the 32-bit instruction at guest address pc. */
static inline void asm_patch(Asm *a, uint64_t pc, uint32_t insn)
{
    memcpy(a->code + (pc - a->base), &insn, 4);
}

/* rd = value, for any 64-bit value (like the li pseudo-instruction). */
static inline void asm_li(Asm *a, int rd, int64_t value)
{
    int64_t lo = (int64_t)((uint64_t)value << 52) >> 52;   /* low 12, signed */

    if (value >= -2048 && value < 2048) {
        a32(a, ADDI(rd, X0, value));
    } else if (value == (int32_t)value) {
        int64_t hi = (value - lo) >> 12;

        a32(a, LUI(rd, hi & 0xfffff));
        if (lo) {
            a32(a, ADDIW(rd, rd, lo));
        }
    } else {
        /* The upper part, shifted up by 12, then the low 12 bits. */
        asm_li(a, rd, (int64_t)((uint64_t)value - (uint64_t)lo) >> 12);
        a32(a, SLLI(rd, rd, 12));
        if (lo) {
            a32(a, ADDI(rd, rd, lo));
        }
    }
}

#endif /* TESTS_UNIT_RISCV_ASM_H */
