/*
 * Decoding RISC-V instructions (target/riscv/decode.h).
 */
#include "qemu/osdep.h"
#include "target/riscv/decode.h"

static const struct {
    const char *mnemonic;
    RISCVInsnFormat format;
} insn_defs[RV_OP__MAX] = {
#define RISCV_DEF_TABLE(name, mnem, fmt) [RV_OP_##name] = { mnem, RV_FMT_##fmt },
    RISCV_INSNS(RISCV_DEF_TABLE)
#undef RISCV_DEF_TABLE
};

const char *riscv_insn_mnemonic(RISCVInsnOp op)
{
    return insn_defs[op].mnemonic;
}

RISCVInsnFormat riscv_insn_format(RISCVInsnOp op)
{
    return insn_defs[op].format;
}

/* Bits hi..lo of x. */
static inline uint32_t bits(uint32_t x, int hi, int lo)
{
    return (x >> lo) & ((1u << (hi - lo + 1)) - 1);
}

static inline uint32_t bit(uint32_t x, int n)
{
    return (x >> n) & 1;
}

/* The low width bits of x, sign-extended. */
static inline int64_t sext(uint64_t x, int width)
{
    return (int64_t)(x << (64 - width)) >> (64 - width);
}

static void decode_load(uint32_t f3, RISCVInsn *d)
{
    static const RISCVInsnOp ops[8] = {
        RV_OP_LB, RV_OP_LH, RV_OP_LW, RV_OP_LD,
        RV_OP_LBU, RV_OP_LHU, RV_OP_LWU, RV_OP_ILLEGAL,
    };

    d->op = ops[f3];
}

static void decode_op_imm(uint32_t insn, uint32_t f3, RISCVInsn *d)
{
    uint32_t f6 = insn >> 26;

    switch (f3) {
    case 0:
        d->op = RV_OP_ADDI;
        break;
    case 1:
        d->op = f6 == 0 ? RV_OP_SLLI : RV_OP_ILLEGAL;
        d->imm &= 63;
        break;
    case 2:
        d->op = RV_OP_SLTI;
        break;
    case 3:
        d->op = RV_OP_SLTIU;
        break;
    case 4:
        d->op = RV_OP_XORI;
        break;
    case 5:
        d->op = f6 == 0 ? RV_OP_SRLI : f6 == 0x10 ? RV_OP_SRAI : RV_OP_ILLEGAL;
        d->imm &= 63;
        break;
    case 6:
        d->op = RV_OP_ORI;
        break;
    default:
        d->op = RV_OP_ANDI;
        break;
    }
}

static void decode_op_imm32(uint32_t insn, uint32_t f3, RISCVInsn *d)
{
    uint32_t f7 = insn >> 25;

    switch (f3) {
    case 0:
        d->op = RV_OP_ADDIW;
        break;
    case 1:
        d->op = f7 == 0 ? RV_OP_SLLIW : RV_OP_ILLEGAL;
        d->imm &= 31;
        break;
    case 5:
        d->op = f7 == 0 ? RV_OP_SRLIW : f7 == 0x20 ? RV_OP_SRAIW
                                                   : RV_OP_ILLEGAL;
        d->imm &= 31;
        break;
    default:
        d->op = RV_OP_ILLEGAL;
        break;
    }
}

static void decode_op(uint32_t f7, uint32_t f3, RISCVInsn *d)
{
    static const RISCVInsnOp base[8] = {
        RV_OP_ADD, RV_OP_SLL, RV_OP_SLT, RV_OP_SLTU,
        RV_OP_XOR, RV_OP_SRL, RV_OP_OR, RV_OP_AND,
    };
    static const RISCVInsnOp muldiv[8] = {
        RV_OP_MUL, RV_OP_MULH, RV_OP_MULHSU, RV_OP_MULHU,
        RV_OP_DIV, RV_OP_DIVU, RV_OP_REM, RV_OP_REMU,
    };

    if (f7 == 0) {
        d->op = base[f3];
    } else if (f7 == 1) {
        d->op = muldiv[f3];
    } else if (f7 == 0x20 && f3 == 0) {
        d->op = RV_OP_SUB;
    } else if (f7 == 0x20 && f3 == 5) {
        d->op = RV_OP_SRA;
    } else {
        d->op = RV_OP_ILLEGAL;
    }
}

static void decode_op32(uint32_t f7, uint32_t f3, RISCVInsn *d)
{
    static const RISCVInsnOp base[8] = {
        RV_OP_ADDW, RV_OP_SLLW, RV_OP_ILLEGAL, RV_OP_ILLEGAL,
        RV_OP_ILLEGAL, RV_OP_SRLW, RV_OP_ILLEGAL, RV_OP_ILLEGAL,
    };
    static const RISCVInsnOp muldiv[8] = {
        RV_OP_MULW, RV_OP_ILLEGAL, RV_OP_ILLEGAL, RV_OP_ILLEGAL,
        RV_OP_DIVW, RV_OP_DIVUW, RV_OP_REMW, RV_OP_REMUW,
    };

    if (f7 == 0) {
        d->op = base[f3];
    } else if (f7 == 1) {
        d->op = muldiv[f3];
    } else if (f7 == 0x20 && f3 == 0) {
        d->op = RV_OP_SUBW;
    } else if (f7 == 0x20 && f3 == 5) {
        d->op = RV_OP_SRAW;
    } else {
        d->op = RV_OP_ILLEGAL;
    }
}

static void decode_system(uint32_t insn, uint32_t f3, RISCVInsn *d)
{
    static const RISCVInsnOp csr[8] = {
        RV_OP_ILLEGAL, RV_OP_CSRRW, RV_OP_CSRRS, RV_OP_CSRRC,
        RV_OP_ILLEGAL, RV_OP_CSRRWI, RV_OP_CSRRSI, RV_OP_CSRRCI,
    };

    if (f3 != 0) {
        d->op = csr[f3];
        d->imm = insn >> 20;
        return;
    }
    switch (insn) {
    case 0x00000073:
        d->op = RV_OP_ECALL;
        break;
    case 0x00100073:
        d->op = RV_OP_EBREAK;
        break;
    case 0x10200073:
        d->op = RV_OP_SRET;
        break;
    case 0x30200073:
        d->op = RV_OP_MRET;
        break;
    case 0x10500073:
        d->op = RV_OP_WFI;
        break;
    default:
        d->op = (insn & 0xfe007fff) == 0x12000073 ? RV_OP_SFENCE_VMA
                                                  : RV_OP_ILLEGAL;
        break;
    }
}

static void decode_amo(uint32_t insn, uint32_t f3, RISCVInsn *d)
{
    static const RISCVInsnOp ops[32] = {
        [0x00] = RV_OP_AMOADD, [0x01] = RV_OP_AMOSWAP, [0x02] = RV_OP_LR,
        [0x03] = RV_OP_SC, [0x04] = RV_OP_AMOXOR, [0x08] = RV_OP_AMOOR,
        [0x0c] = RV_OP_AMOAND, [0x10] = RV_OP_AMOMIN, [0x14] = RV_OP_AMOMAX,
        [0x18] = RV_OP_AMOMINU, [0x1c] = RV_OP_AMOMAXU,
    };
    uint32_t f5 = insn >> 27;

    d->op = ops[f5];    /* RV_OP_ILLEGAL is 0 */
    d->aq = bit(insn, 26);
    d->rl = bit(insn, 25);
    if (f3 == 2 || f3 == 3) {
        d->width = f3 == 2 ? 4 : 8;
    } else {
        d->op = RV_OP_ILLEGAL;
    }
    if (d->op == RV_OP_LR && d->rs2 != 0) {
        d->op = RV_OP_ILLEGAL;
    }
}

static void decode32(uint32_t insn, RISCVInsn *d)
{
    uint32_t f3 = bits(insn, 14, 12), f7 = insn >> 25;

    d->rd = bits(insn, 11, 7);
    d->rs1 = bits(insn, 19, 15);
    d->rs2 = bits(insn, 24, 20);

    switch (insn & 0x7f) {
    case 0x37:
    case 0x17:
        d->op = (insn & 0x7f) == 0x37 ? RV_OP_LUI : RV_OP_AUIPC;
        d->imm = (int32_t)(insn & 0xfffff000);
        break;
    case 0x6f:
        d->op = RV_OP_JAL;
        d->imm = sext((bit(insn, 31) << 20) | (bits(insn, 19, 12) << 12) |
                      (bit(insn, 20) << 11) | (bits(insn, 30, 21) << 1), 21);
        break;
    case 0x67:
        d->op = f3 == 0 ? RV_OP_JALR : RV_OP_ILLEGAL;
        d->imm = sext(insn >> 20, 12);
        break;
    case 0x63: {
        static const RISCVInsnOp ops[8] = {
            RV_OP_BEQ, RV_OP_BNE, RV_OP_ILLEGAL, RV_OP_ILLEGAL,
            RV_OP_BLT, RV_OP_BGE, RV_OP_BLTU, RV_OP_BGEU,
        };

        d->op = ops[f3];
        d->imm = sext((bit(insn, 31) << 12) | (bit(insn, 7) << 11) |
                      (bits(insn, 30, 25) << 5) | (bits(insn, 11, 8) << 1),
                      13);
        break;
    }
    case 0x03:
        decode_load(f3, d);
        d->imm = sext(insn >> 20, 12);
        break;
    case 0x23: {
        static const RISCVInsnOp ops[8] = {
            RV_OP_SB, RV_OP_SH, RV_OP_SW, RV_OP_SD,
        };

        d->op = ops[f3];
        d->imm = sext((bits(insn, 31, 25) << 5) | bits(insn, 11, 7), 12);
        break;
    }
    case 0x13:
        d->imm = sext(insn >> 20, 12);
        decode_op_imm(insn, f3, d);
        break;
    case 0x1b:
        d->imm = sext(insn >> 20, 12);
        decode_op_imm32(insn, f3, d);
        break;
    case 0x33:
        decode_op(f7, f3, d);
        break;
    case 0x3b:
        decode_op32(f7, f3, d);
        break;
    case 0x0f:
        /* Other fields of FENCE and FENCE.I are hints or reserved-zero. */
        d->op = f3 == 0 ? RV_OP_FENCE : f3 == 1 ? RV_OP_FENCE_I
                                                : RV_OP_ILLEGAL;
        d->imm = insn >> 20;
        break;
    case 0x73:
        decode_system(insn, f3, d);
        break;
    case 0x2f:
        decode_amo(insn, f3, d);
        break;
    default:
        d->op = RV_OP_ILLEGAL;
        break;
    }
}

/* Compressed quadrant 0: loads and stores with 3-bit registers. */
static void decode_c0(uint32_t insn, RISCVInsn *d)
{
    uint32_t f3 = bits(insn, 15, 13);
    uint32_t off_w = (bits(insn, 12, 10) << 3) | (bit(insn, 6) << 2) |
                     (bit(insn, 5) << 6);
    uint32_t off_d = (bits(insn, 12, 10) << 3) | (bits(insn, 6, 5) << 6);

    d->rd = d->rs2 = 8 + bits(insn, 4, 2);
    d->rs1 = 8 + bits(insn, 9, 7);
    switch (f3) {
    case 0:     /* c.addi4spn */
        d->op = RV_OP_ADDI;
        d->rs1 = 2;
        d->imm = (bits(insn, 12, 11) << 4) | (bits(insn, 10, 7) << 6) |
                 (bit(insn, 6) << 2) | (bit(insn, 5) << 3);
        if (d->imm == 0) {
            d->op = RV_OP_ILLEGAL;      /* also the all-zero instruction */
        }
        break;
    case 2:
        d->op = RV_OP_LW;
        d->imm = off_w;
        break;
    case 3:
        d->op = RV_OP_LD;
        d->imm = off_d;
        break;
    case 6:
        d->op = RV_OP_SW;
        d->imm = off_w;
        break;
    case 7:
        d->op = RV_OP_SD;
        d->imm = off_d;
        break;
    default:    /* c.fld, c.fsd (no D) and the reserved slot */
        d->op = RV_OP_ILLEGAL;
        break;
    }
}

static void decode_c1_alu(uint32_t insn, RISCVInsn *d)
{
    static const RISCVInsnOp ops[8] = {
        RV_OP_SUB, RV_OP_XOR, RV_OP_OR, RV_OP_AND,
        RV_OP_SUBW, RV_OP_ADDW, RV_OP_ILLEGAL, RV_OP_ILLEGAL,
    };
    uint32_t shamt = (bit(insn, 12) << 5) | bits(insn, 6, 2);

    d->rd = d->rs1 = 8 + bits(insn, 9, 7);
    d->rs2 = 8 + bits(insn, 4, 2);
    switch (bits(insn, 11, 10)) {
    case 0:
        d->op = RV_OP_SRLI;
        d->imm = shamt;
        break;
    case 1:
        d->op = RV_OP_SRAI;
        d->imm = shamt;
        break;
    case 2:
        d->op = RV_OP_ANDI;
        d->imm = sext(shamt, 6);
        break;
    default:
        d->op = ops[(bit(insn, 12) << 2) | bits(insn, 6, 5)];
        break;
    }
}

/* Compressed quadrant 1: immediates, arithmetic, jumps and branches. */
static void decode_c1(uint32_t insn, RISCVInsn *d)
{
    uint32_t f3 = bits(insn, 15, 13);
    uint32_t rd = bits(insn, 11, 7);
    int64_t imm6 = sext((bit(insn, 12) << 5) | bits(insn, 6, 2), 6);

    d->rd = d->rs1 = rd;
    d->imm = imm6;
    switch (f3) {
    case 0:     /* c.addi (c.nop for rd 0) */
        d->op = RV_OP_ADDI;
        break;
    case 1:     /* c.addiw */
        d->op = rd ? RV_OP_ADDIW : RV_OP_ILLEGAL;
        break;
    case 2:     /* c.li */
        d->op = RV_OP_ADDI;
        d->rs1 = 0;
        break;
    case 3:
        if (rd == 2) {  /* c.addi16sp */
            d->op = RV_OP_ADDI;
            d->imm = sext((bit(insn, 12) << 9) | (bit(insn, 6) << 4) |
                          (bit(insn, 5) << 6) | (bits(insn, 4, 3) << 7) |
                          (bit(insn, 2) << 5), 10);
        } else {        /* c.lui */
            d->op = RV_OP_LUI;
            d->imm = sext((bit(insn, 12) << 17) | (bits(insn, 6, 2) << 12),
                          18);
        }
        if (d->imm == 0) {
            d->op = RV_OP_ILLEGAL;
        }
        break;
    case 4:
        decode_c1_alu(insn, d);
        break;
    case 5:     /* c.j */
        d->op = RV_OP_JAL;
        d->rd = 0;
        d->imm = sext((bit(insn, 12) << 11) | (bit(insn, 11) << 4) |
                      (bits(insn, 10, 9) << 8) | (bit(insn, 8) << 10) |
                      (bit(insn, 7) << 6) | (bit(insn, 6) << 7) |
                      (bits(insn, 5, 3) << 1) | (bit(insn, 2) << 5), 12);
        break;
    default:    /* c.beqz, c.bnez */
        d->op = f3 == 6 ? RV_OP_BEQ : RV_OP_BNE;
        d->rs1 = 8 + bits(insn, 9, 7);
        d->rs2 = 0;
        d->imm = sext((bit(insn, 12) << 8) | (bits(insn, 11, 10) << 3) |
                      (bits(insn, 6, 5) << 6) | (bits(insn, 4, 3) << 1) |
                      (bit(insn, 2) << 5), 9);
        break;
    }
}

static void decode_c2_misc(uint32_t insn, RISCVInsn *d)
{
    uint32_t rd = bits(insn, 11, 7), rs2 = bits(insn, 6, 2);

    if (!bit(insn, 12)) {
        if (rs2 == 0) {         /* c.jr */
            d->op = rd ? RV_OP_JALR : RV_OP_ILLEGAL;
            d->rd = 0;
            d->rs1 = rd;
        } else {                /* c.mv */
            d->op = RV_OP_ADD;
            d->rd = rd;
            d->rs1 = 0;
            d->rs2 = rs2;
        }
    } else if (rs2 == 0) {
        if (rd == 0) {
            d->op = RV_OP_EBREAK;
        } else {                /* c.jalr */
            d->op = RV_OP_JALR;
            d->rd = 1;
            d->rs1 = rd;
        }
    } else {                    /* c.add */
        d->op = RV_OP_ADD;
        d->rd = d->rs1 = rd;
        d->rs2 = rs2;
    }
}

/* Compressed quadrant 2: stack-pointer-based accesses, moves, jumps. */
static void decode_c2(uint32_t insn, RISCVInsn *d)
{
    uint32_t f3 = bits(insn, 15, 13);
    uint32_t rd = bits(insn, 11, 7);

    d->rd = rd;
    d->rs1 = 2;
    d->rs2 = bits(insn, 6, 2);
    switch (f3) {
    case 0:     /* c.slli */
        d->op = RV_OP_SLLI;
        d->rs1 = rd;
        d->imm = (bit(insn, 12) << 5) | bits(insn, 6, 2);
        break;
    case 2:     /* c.lwsp */
        d->op = rd ? RV_OP_LW : RV_OP_ILLEGAL;
        d->imm = (bit(insn, 12) << 5) | (bits(insn, 6, 4) << 2) |
                 (bits(insn, 3, 2) << 6);
        break;
    case 3:     /* c.ldsp */
        d->op = rd ? RV_OP_LD : RV_OP_ILLEGAL;
        d->imm = (bit(insn, 12) << 5) | (bits(insn, 6, 5) << 3) |
                 (bits(insn, 4, 2) << 6);
        break;
    case 4:
        decode_c2_misc(insn, d);
        break;
    case 6:     /* c.swsp */
        d->op = RV_OP_SW;
        d->imm = (bits(insn, 12, 9) << 2) | (bits(insn, 8, 7) << 6);
        break;
    case 7:     /* c.sdsp */
        d->op = RV_OP_SD;
        d->imm = (bits(insn, 12, 10) << 3) | (bits(insn, 9, 7) << 6);
        break;
    default:    /* c.fldsp, c.fsdsp */
        d->op = RV_OP_ILLEGAL;
        break;
    }
}

void riscv_decode(uint32_t insn, int len, RISCVInsn *d)
{
    memset(d, 0, sizeof(*d));
    d->len = len;
    if (len == 4) {
        decode32(insn, d);
        return;
    }
    switch (insn & 3) {
    case 0:
        decode_c0(insn, d);
        break;
    case 1:
        decode_c1(insn, d);
        break;
    default:
        decode_c2(insn, d);
        break;
    }
}
