/*
 * Decoding RV64IMAC + Zicsr + Zifencei + the privileged instructions into
 * a flat description, shared by the translator and the disassembler.
 * A compressed instruction decodes to the instruction it expands to.
 */
#ifndef TARGET_RISCV_DECODE_H
#define TARGET_RISCV_DECODE_H

/* DEF(name, mnemonic, format) */
#define RISCV_INSNS(DEF)                                \
    DEF(ILLEGAL, "illegal", NONE)                       \
    DEF(LUI, "lui", U) DEF(AUIPC, "auipc", U)           \
    DEF(JAL, "jal", J) DEF(JALR, "jalr", I)             \
    DEF(BEQ, "beq", B) DEF(BNE, "bne", B)               \
    DEF(BLT, "blt", B) DEF(BGE, "bge", B)               \
    DEF(BLTU, "bltu", B) DEF(BGEU, "bgeu", B)           \
    DEF(LB, "lb", L) DEF(LH, "lh", L) DEF(LW, "lw", L)  \
    DEF(LD, "ld", L) DEF(LBU, "lbu", L)                 \
    DEF(LHU, "lhu", L) DEF(LWU, "lwu", L)               \
    DEF(SB, "sb", S) DEF(SH, "sh", S) DEF(SW, "sw", S)  \
    DEF(SD, "sd", S)                                    \
    DEF(ADDI, "addi", I) DEF(SLTI, "slti", I)           \
    DEF(SLTIU, "sltiu", I) DEF(XORI, "xori", I)         \
    DEF(ORI, "ori", I) DEF(ANDI, "andi", I)             \
    DEF(SLLI, "slli", I) DEF(SRLI, "srli", I)           \
    DEF(SRAI, "srai", I) DEF(ADDIW, "addiw", I)         \
    DEF(SLLIW, "slliw", I) DEF(SRLIW, "srliw", I)       \
    DEF(SRAIW, "sraiw", I)                              \
    DEF(ADD, "add", R) DEF(SUB, "sub", R)               \
    DEF(SLL, "sll", R) DEF(SLT, "slt", R)               \
    DEF(SLTU, "sltu", R) DEF(XOR, "xor", R)             \
    DEF(SRL, "srl", R) DEF(SRA, "sra", R)               \
    DEF(OR, "or", R) DEF(AND, "and", R)                 \
    DEF(ADDW, "addw", R) DEF(SUBW, "subw", R)           \
    DEF(SLLW, "sllw", R) DEF(SRLW, "srlw", R)           \
    DEF(SRAW, "sraw", R)                                \
    DEF(MUL, "mul", R) DEF(MULH, "mulh", R)             \
    DEF(MULHSU, "mulhsu", R) DEF(MULHU, "mulhu", R)     \
    DEF(DIV, "div", R) DEF(DIVU, "divu", R)             \
    DEF(REM, "rem", R) DEF(REMU, "remu", R)             \
    DEF(MULW, "mulw", R) DEF(DIVW, "divw", R)           \
    DEF(DIVUW, "divuw", R) DEF(REMW, "remw", R)         \
    DEF(REMUW, "remuw", R)                              \
    DEF(FENCE, "fence", FENCE) DEF(FENCE_I, "fence.i", NONE) \
    DEF(ECALL, "ecall", NONE) DEF(EBREAK, "ebreak", NONE) \
    DEF(SRET, "sret", NONE) DEF(MRET, "mret", NONE)     \
    DEF(WFI, "wfi", NONE) DEF(SFENCE_VMA, "sfence.vma", SFENCE) \
    DEF(CSRRW, "csrrw", CSR) DEF(CSRRS, "csrrs", CSR)   \
    DEF(CSRRC, "csrrc", CSR) DEF(CSRRWI, "csrrwi", CSRI) \
    DEF(CSRRSI, "csrrsi", CSRI) DEF(CSRRCI, "csrrci", CSRI) \
    DEF(LR, "lr", LR) DEF(SC, "sc", AMO)                \
    DEF(AMOSWAP, "amoswap", AMO) DEF(AMOADD, "amoadd", AMO) \
    DEF(AMOXOR, "amoxor", AMO) DEF(AMOAND, "amoand", AMO) \
    DEF(AMOOR, "amoor", AMO) DEF(AMOMIN, "amomin", AMO) \
    DEF(AMOMAX, "amomax", AMO) DEF(AMOMINU, "amominu", AMO) \
    DEF(AMOMAXU, "amomaxu", AMO)

typedef enum RISCVInsnOp {
#define RISCV_DEF_ENUM(name, mnem, fmt) RV_OP_##name,
    RISCV_INSNS(RISCV_DEF_ENUM)
#undef RISCV_DEF_ENUM
    RV_OP__MAX,
} RISCVInsnOp;

typedef enum RISCVInsnFormat {
    RV_FMT_NONE, RV_FMT_U, RV_FMT_J, RV_FMT_I, RV_FMT_B, RV_FMT_L, RV_FMT_S,
    RV_FMT_R, RV_FMT_FENCE, RV_FMT_SFENCE, RV_FMT_CSR, RV_FMT_CSRI,
    RV_FMT_LR, RV_FMT_AMO,
} RISCVInsnFormat;

typedef struct RISCVInsn {
    RISCVInsnOp op;
    uint8_t len;        /* 2 or 4 bytes */
    uint8_t rd;
    uint8_t rs1;        /* the uimm of the CSR*I forms */
    uint8_t rs2;
    uint8_t width;      /* LR/SC/AMO: 4 or 8 bytes */
    bool aq, rl;        /* LR/SC/AMO */
    int64_t imm;        /* CSR forms: the CSR number; FENCE: pred << 4 | succ */
} RISCVInsn;

/* The length in bytes of the instruction whose low 16 bits are lo. */
static inline int riscv_insn_length(uint16_t lo)
{
    return (lo & 3) == 3 ? 4 : 2;
}

/* Decode insn (len bytes); d->op is RV_OP_ILLEGAL for unknown encodings. */
void riscv_decode(uint32_t insn, int len, RISCVInsn *d);

const char *riscv_insn_mnemonic(RISCVInsnOp op);
RISCVInsnFormat riscv_insn_format(RISCVInsnOp op);

#endif /* TARGET_RISCV_DECODE_H */
