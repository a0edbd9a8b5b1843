/*
 * insn.h: one-instruction helpers for the instruction-set tests.  Each
 * runs a single instruction on register operands and returns rd.
 */
#ifndef TCG_INSN_H
#define TCG_INSN_H

#include "runtime.h"

/* rd = insn rs1, rs2 */
#define RR(insn, a, b) ({                                               \
    uint64_t rd_;                                                       \
    asm volatile(insn " %0, %1, %2"                                     \
                 : "=r"(rd_) : "r"((uint64_t)(a)), "r"((uint64_t)(b))); \
    rd_;                                                                \
})

/* rd = insn rs1, imm */
#define RI(insn, a, imm) ({                                             \
    uint64_t rd_;                                                       \
    asm volatile(insn " %0, %1, %2"                                     \
                 : "=r"(rd_) : "r"((uint64_t)(a)), "i"(imm));           \
    rd_;                                                                \
})

/* Checks rd of a register-register instruction */
#define CHECK_RR(insn, a, b, expected)                                  \
    CHECK_EQ(RR(insn, a, b), expected, "%s 0x%lx, 0x%lx", insn,         \
             (uint64_t)(a), (uint64_t)(b))

/* Checks rd of a register-immediate instruction */
#define CHECK_RI(insn, a, imm, expected)                                \
    CHECK_EQ(RI(insn, a, imm), expected, "%s 0x%lx, %ld", insn,         \
             (uint64_t)(a), (int64_t)(imm))

#endif /* TCG_INSN_H */
