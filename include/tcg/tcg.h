/*
 * Grace's intermediate code: translation blocks hold arrays of TCGOp,
 * pre-decoded operations of a small generic op set (tcg/tcg-opc.h) that
 * the interpreter in accel/tcg runs with threaded dispatch.
 *
 * The op set is close to the guest: operands are registers of the vCPU's
 * register file, there is one op per simple instruction, compare and
 * branch are fused, and loads and stores carry their mmu index so that
 * the TLB hit check is a few host instructions.  Complex instructions
 * call a target helper.  The target only emits ops (tcg/tcg-op.h); a JIT
 * backend could replace the interpreter by consuming the same arrays.
 */
#ifndef TCG_TCG_H
#define TCG_TCG_H

#include "exec/cpu-common.h"

typedef struct CPUState CPUState;

typedef enum TCGOpcode {
#define DEF(name, kind, doc) INDEX_op_##name,
#include "tcg/tcg-opc.h"
#undef DEF
    NB_OPS,
} TCGOpcode;

/* Which fields an op uses (for the dumper and for sanity checks). */
typedef enum TCGOpKind {
    TCG_KIND_NONE,
    TCG_KIND_ENTER,     /* imm: guest instructions in the block */
    TCG_KIND_GOTO,      /* imm: target pc; arg: jump slot */
    TCG_KIND_JMP,       /* rd; imm: target pc; arg: jump slot */
    TCG_KIND_JMPI,      /* rd, rs1, imm */
    TCG_KIND_EXIT,      /* imm: next pc */
    TCG_KIND_CALL,      /* imm: helper; insn: raw guest instruction */
    TCG_KIND_BR,        /* rs1, rs2; imm: target pc; arg: jump slot */
    TCG_KIND_MOVI,      /* rd, imm */
    TCG_KIND_MOV,       /* rd, rs1 */
    TCG_KIND_ALU,       /* rd, rs1, rs2 */
    TCG_KIND_ALUI,      /* rd, rs1, imm */
    TCG_KIND_LD,        /* rd, [rs1 + imm]; arg: mmu index */
    TCG_KIND_ST,        /* rs2 -> [rs1 + imm]; arg: mmu index */
    TCG_KIND_MB,        /* imm: TCG_MO_* */
} TCGOpKind;

/*
 * The orderings a memory barrier op (mb) enforces between the guest
 * memory accesses before it and those after it: TCG_MO_LD_ST means no
 * earlier load may be performed after a later store, and so on.
 */
enum {
    TCG_MO_LD_LD = 0x01,
    TCG_MO_ST_LD = 0x02,
    TCG_MO_LD_ST = 0x04,
    TCG_MO_ST_ST = 0x08,
    TCG_MO_ALL = 0x0f,
};

/*
 * One operation, 32 bytes.  Ops are written once by the translator,
 * before their block is published, and then only read, by any vCPU
 * thread.
 *
 * pc and len name the guest instruction the op belongs to; an op that
 * faults restores the guest pc from them, so the interpreter never stores
 * the pc while running.  idx numbers that instruction within the block
 * (from 0): it is how many of the block's instructions retired before
 * it.  The retired count is updated only when leaving a block: by idx + 1
 * through an exit op (the exiting instruction retires), by idx on a fault;
 * and at a jump to a label of the block (TBJump.label), by idx + 1 less
 * the label's idx.
 */
typedef struct TCGOp {
    const void *handler;        /* interpreter entry point for opc */
    uint64_t pc;
    int64_t imm;
    union {
        struct {
            uint8_t rd;
            uint8_t rs1;
            uint8_t rs2;
            uint8_t arg;        /* mmu index, or jump slot */
        };
        uint32_t insn;          /* for helper calls: the raw instruction */
    };
    uint8_t opc;                /* TCGOpcode */
    uint8_t len;                /* bytes of the guest instruction */
    uint16_t idx;
} TCGOp;

QEMU_BUILD_BUG_ON(sizeof(TCGOp) != 32);
QEMU_BUILD_BUG_ON(NB_OPS > 256);

/* A helper called by INDEX_op_call: it may raise a guest exception. */
typedef void TCGHelperFn(CPUState *cpu, const TCGOp *op);

/* Size of the register file the ops index: rd/rs1/rs2 < TCG_MAX_REGS. */
#define TCG_MAX_REGS 64

/*
 * Register 0 reads as zero: the target keeps it zero and no op writes it
 * (RISC-V's x0; a write to x0 goes to a sink register instead).  A
 * backend may treat it as the constant.
 */
#define TCG_REG_ZERO 0

/* Limits of one translation block. */
#define TCG_MAX_INSNS   128     /* guest instructions */
#define TCG_MAX_OPS     512     /* ops, including the entry and exits */
#define TCG_MAX_JMPS    (TCG_MAX_INSNS + 1)

/*
 * The op buffer of the block being translated.  One per translating
 * thread; ops are copied into the translation block when it is done.
 */
typedef struct TCGContext {
    int nb_ops;
    int nb_jmp;
    int nb_insns;               /* insn_start calls so far */
    uint64_t insn_pc;           /* the instruction being translated */
    uint8_t insn_len;
    bool debug_pcs;             /* some vCPU has a breakpoint somewhere */
    TCGOp ops[TCG_MAX_OPS];
    uint16_t insn_idx[TCG_MAX_OPS];     /* instruction of each op */
} TCGContext;

const char *tcg_op_name(TCGOpcode opc);
TCGOpKind tcg_op_kind(TCGOpcode opc);

/* Does op jump to the pc in its imm through its jump slot (arg)? */
static inline bool tcg_op_is_direct_jump(const TCGOp *op)
{
    TCGOpKind kind = tcg_op_kind(op->opc);

    return kind == TCG_KIND_GOTO || kind == TCG_KIND_JMP ||
           kind == TCG_KIND_BR;
}

/* Append a description of op to buf (for -d op and the tests). */
void tcg_dump_op(GString *buf, const TCGOp *op);

#endif /* TCG_TCG_H */
