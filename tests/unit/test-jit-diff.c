/*
 * Differential test of the JIT against the interpreter.
 *
 * Random valid programs of RV64IMAC and Zicsr (ALU, loads and stores
 * that cross pages or hit MMIO or nothing at all, forward branches and
 * jumps, direct and indirect, compressed forms, atomics, CSR accesses,
 * and instructions that trap) run under the interpreter and under the
 * JIT from the same state.  Each program's body runs three times, so
 * that blocks are entered through linked jumps and the jump cache too,
 * and holds small counted loops, blocks that jump to themselves.  The architectural state after each run must
 * be the same: every register, the CSRs the programs touch, the data
 * pages, the log the trap handler keeps (cause, epc, tval of every
 * trap), the device writes and the retired-instruction count; and the pc
 * and registers at each return from cpu_exec before the end, which
 * writes to the test device's kick cause (riscv-test-machine.h).
 *
 * A mismatch is minimised (instructions replaced by NOPs of the same
 * size while it persists) and printed with its seed and program number.
 *
 *   GRACE_JIT_DIFF_SEED=N    another seed (default fixed)
 *   GRACE_JIT_DIFF_COUNT=N   programs to run (default 500, slow: 4000)
 *   GRACE_JIT_DIFF_ONLY=N    run program N only (a reproducer)
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "exec/exec-all.h"
#include "target/riscv/internals.h"
#include "riscv-test-machine.h"

/* Near the end of a page: programs run on into the next one. */
#define CODE        (TM_RAM_BASE + 0xc00)
#define HANDLER     (TM_RAM_BASE + 0x10000)
#define DATA        (TM_RAM_BASE + 0x100000)
#define DATA_SIZE   0x3000
#define TRAPLOG     (TM_RAM_BASE + 0x200000)
#define TRAPLOG_SIZE 0x10000

/* Registers the programs never write: pointers, and the handler's. */
#define R_DATA      S0      /* DATA + 0x1000: a page boundary */
#define R_MMIO      S1      /* the test device, +16 reads 0x1234 */
#define R_HOLE      S2      /* nothing mapped */
#define R_ODD       S3      /* DATA + 0x804: misaligned for doublewords */
#define R_MMIO_END  S4      /* last bytes of the device's page */
#define R_LOOP      S8      /* the body runs LOOPS times */
#define R_INNER     S7      /* the counter of inner loops */
#define LOOPS       3
/* SP points into DATA too (for c.ldsp/c.sdsp). */
#define HOLE_ADDR   0x40000000ULL

#define MAX_ITEMS   512

/* Program items: one instruction, or an auipc+jalr pair. */
enum {
    IT_PLAIN,
    IT_BRANCH,      /* B-type; insn holds everything but the offset */
    IT_CBRANCH,     /* c.beqz/c.bnez */
    IT_JAL,
    IT_CJ,
    IT_JALR,        /* auipc rt, 0; jalr rd, off(rt) */
    IT_LOOPEND,     /* addi[w] s7, s7, -1; blt x0, s7, back to target */
};

typedef struct Item {
    uint32_t insn;
    uint8_t size;           /* 2, 4 or 8 */
    uint8_t kind;
    uint8_t rd, rt;         /* IT_JAL/IT_JALR; IT_LOOPEND: rd 1, addiw */
    uint16_t target;        /* item index; nb_items: the end */
} Item;

typedef struct Program {
    uint64_t regs[32];
    uint64_t data_seed;
    int nb_items;
    Item items[MAX_ITEMS];
} Program;

typedef struct State {
    uint64_t gpr[32];
    uint64_t mscratch, mepc, mcause, mtval, mstatus;
    uint64_t result;        /* minstret, as the program read it last */
    unsigned writes;
    unsigned exits;         /* TestMachine.exits, .exit_hash */
    uint64_t exit_hash;
    uint8_t data[DATA_SIZE];
    uint8_t traplog[TRAPLOG_SIZE];
} State;

static uint64_t rng_state;

static uint64_t rnd(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

static unsigned rnd_below(unsigned n)
{
    return rnd() % n;
}

/* Registers the random code may write (and read). */
static const int free_regs[] = {
    RA, GP, TP, T0, T1, T2, A0, A1, A2, A3, A4, A5, A6, A7,
    S5, S6, T3, T4, T5, T6,
};

static int rreg(void)
{
    return free_regs[rnd_below(ARRAY_SIZE(free_regs))];
}

/* Any register as a source (x0 and the pointers too). */
static int sreg(void)
{
    return rnd_below(8) ? rreg() : (int)rnd_below(32);
}

/* A destination: sometimes x0, whose writes vanish. */
static int dreg(void)
{
    return rnd_below(20) ? rreg() : X0;
}

/* x8..x15 that the code may write: a0..a5 */
static int creg(void)
{
    return A0 + rnd_below(6);
}

static uint64_t interesting(void)
{
    static const uint64_t v[] = {
        0, 1, -1ULL, 0x8000000000000000ULL, 0x7fffffffffffffffULL,
        0x80000000ULL, 0xffffffff80000000ULL, 0xffffffffULL, 0x7fffffffULL,
        2, 63, 64, 31, 32, -2ULL,
    };

    return rnd_below(3) ? rnd() >> rnd_below(64) :
                          v[rnd_below(ARRAY_SIZE(v))];
}

static int simm(int bits)
{
    return (int)(rnd() & ((1u << bits) - 1)) - (1 << (bits - 1));
}

/* Compressed encoders (the Asm helpers have none). */
#define C_CI(f3, rd, imm, op) \
    ((f3) << 13 | (((imm) >> 5) & 1) << 12 | (rd) << 7 | ((imm) & 31) << 2 | (op))

static uint16_t c_ca(int f6, int rd, int f2, int rs2)
{
    return f6 << 10 | (rd - 8) << 7 | f2 << 5 | (rs2 - 8) << 2 | 1;
}

static uint16_t c_ld(bool store, bool dw, int r, int base, unsigned off)
{
    uint16_t f3 = (store ? 6 : 2) | (dw ? 1 : 0);
    uint16_t mid = dw ? ((off >> 6) & 3) << 5 : (((off >> 2) & 1) << 6 |
                                                 ((off >> 6) & 1) << 5);

    return f3 << 13 | ((off >> 3) & 7) << 10 | (base - 8) << 7 | mid |
           (r - 8) << 2;
}

static uint16_t c_ldsp(int rd, unsigned off)
{
    return 3 << 13 | ((off >> 5) & 1) << 12 | rd << 7 | ((off >> 3) & 3) << 5 |
           ((off >> 6) & 7) << 2 | 2;
}

static uint16_t c_sdsp(int rs2, unsigned off)
{
    return 7 << 13 | ((off >> 3) & 7) << 10 | ((off >> 6) & 7) << 7 |
           rs2 << 2 | 2;
}

static uint16_t c_j(int off)
{
    return 5 << 13 | ((off >> 11) & 1) << 12 | ((off >> 4) & 1) << 11 |
           ((off >> 8) & 3) << 9 | ((off >> 10) & 1) << 8 |
           ((off >> 6) & 1) << 7 | ((off >> 7) & 1) << 6 |
           ((off >> 1) & 7) << 3 | ((off >> 5) & 1) << 2 | 1;
}

static uint16_t c_bz(bool nez, int rs1, int off)
{
    return (nez ? 7 : 6) << 13 | ((off >> 8) & 1) << 12 |
           ((off >> 3) & 3) << 10 | (rs1 - 8) << 7 | ((off >> 6) & 3) << 5 |
           ((off >> 1) & 3) << 3 | ((off >> 5) & 1) << 2 | 1;
}

static void item4(Item *it, uint32_t insn)
{
    *it = (Item) { .insn = insn, .size = 4, .kind = IT_PLAIN };
}

static void item2(Item *it, uint16_t insn)
{
    *it = (Item) { .insn = insn, .size = 2, .kind = IT_PLAIN };
}

static void gen_alu(Item *it)
{
    static const uint32_t ops[] = {
        ADD(0, 0, 0), SUB(0, 0, 0), SLL(0, 0, 0), SLT(0, 0, 0),
        SLTU(0, 0, 0), XOR(0, 0, 0), SRL(0, 0, 0), SRA(0, 0, 0),
        OR(0, 0, 0), AND(0, 0, 0), ADDW(0, 0, 0), SUBW(0, 0, 0),
        SLLW(0, 0, 0), SRLW(0, 0, 0), SRAW(0, 0, 0), MUL(0, 0, 0),
        MULH(0, 0, 0), MULHSU(0, 0, 0), MULHU(0, 0, 0), DIV(0, 0, 0),
        DIVU(0, 0, 0), REM(0, 0, 0), REMU(0, 0, 0), MULW(0, 0, 0),
        DIVW(0, 0, 0), DIVUW(0, 0, 0), REMW(0, 0, 0), REMUW(0, 0, 0),
    };

    item4(it, ops[rnd_below(ARRAY_SIZE(ops))] | dreg() << 7 |
              sreg() << 15 | sreg() << 20);
}

/*
 * Sign and zero extension idioms on three registers, so that they chain:
 * masks, negw, sext.w, 32-bit shifts and the bitwise ops between them
 * (the JIT skips extensions where it knows a value is extended), with
 * values that are not extended (64-bit sums, other registers) and
 * INT32_MIN (lui 0x80000, 1 << 31) among the operands.
 */
static void gen_ext(Item *it)
{
    int rd = A0 + rnd_below(3), a = A0 + rnd_below(3);
    int b = rnd_below(4) ? A0 + (int)rnd_below(3) : rreg();

    switch (rnd_below(12)) {
    case 0: item4(it, ANDI(rd, a, rnd_below(2) ? rnd_below(2048) : simm(12)));
            break;
    case 1: item4(it, SUBW(rd, X0, a)); break;                   /* negw */
    case 2: item4(it, ADDIW(rd, a, 0)); break;                   /* sext.w */
    case 3: item4(it, SRLIW(rd, a, rnd_below(32))); break;
    case 4: item4(it, XOR(rd, a, b)); break;
    case 5: item4(it, AND(rd, a, b)); break;
    case 6: item4(it, OR(rd, a, b)); break;
    case 7: item4(it, ADDW(rd, a, b)); break;
    case 8: item4(it, ADDI(rd, X0, simm(12))); break;            /* li */
    case 9: item4(it, LUI(rd, rnd_below(2) ? 0x80000 : rnd() & 0xfffff));
            break;
    case 10: item4(it, SLLIW(rd, a, rnd_below(2) ? 31 : rnd_below(32)));
             break;
    case 11: item4(it, ADD(rd, a, b)); break;
    }
}

static void gen_alui(Item *it)
{
    int rd = dreg(), rs = sreg();

    switch (rnd_below(15)) {
    case 0: item4(it, ADDI(rd, rs, simm(12))); break;
    case 1: item4(it, SLTI(rd, rs, simm(12))); break;
    case 2: item4(it, SLTIU(rd, rs, simm(12))); break;
    case 3: item4(it, XORI(rd, rs, simm(12))); break;
    case 4: item4(it, ORI(rd, rs, simm(12))); break;
    case 5: item4(it, ANDI(rd, rs, simm(12))); break;
    case 6: item4(it, SLLI(rd, rs, rnd_below(64))); break;
    case 7: item4(it, SRLI(rd, rs, rnd_below(64))); break;
    case 8: item4(it, SRAI(rd, rs, rnd_below(64))); break;
    case 9: item4(it, ADDIW(rd, rs, simm(12))); break;
    case 10: item4(it, SLLIW(rd, rs, rnd_below(32))); break;
    case 11: item4(it, SRLIW(rd, rs, rnd_below(32))); break;
    case 12: item4(it, SRAIW(rd, rs, rnd_below(32))); break;
    case 13: item4(it, LUI(rd, rnd() & 0xfffff)); break;
    default: item4(it, AUIPC(rd, rnd() & 0xfffff)); break;
    }
}

static void gen_mem(Item *it)
{
    static const uint32_t lds[] = {
        LB(0, 0, 0), LH(0, 0, 0), LW(0, 0, 0), LD(0, 0, 0),
        LBU(0, 0, 0), LHU(0, 0, 0), LWU(0, 0, 0),
    };
    static const uint32_t sts[] = {
        SB(0, 0, 0), SH(0, 0, 0), SW(0, 0, 0), SD(0, 0, 0),
    };
    bool store = rnd_below(2);
    int base, off;

    switch (rnd_below(10)) {
    case 0:
        /*
         * The device: reads anywhere, writes to its counter, or to its
         * kick, which makes the vCPU leave at its next exit request
         * check (a block's entry, or its loop head).
         */
        base = R_MMIO;
        off = store ? 8 + rnd_below(2) * 16 : rnd_below(4) * 8;
        break;
    case 1:
        /* Across the end of the device's page, into nothing. */
        base = R_MMIO_END;
        off = rnd_below(12);
        break;
    case 2:
        base = R_HOLE;
        off = simm(6);
        break;
    case 3:
    case 4:
        base = SP;
        off = simm(9);
        break;
    default:
        /* Around a page boundary, often misaligned. */
        base = R_DATA;
        off = simm(6);
        break;
    }
    if (store) {
        uint32_t op = sts[rnd_below(ARRAY_SIZE(sts))];

        item4(it, op | base << 15 | sreg() << 20 |
                  (off & 31u) << 7 | ((off >> 5) & 0x7fu) << 25);
    } else {
        uint32_t op = lds[rnd_below(ARRAY_SIZE(lds))];

        item4(it, op | dreg() << 7 | base << 15 | (off & 0xfffu) << 20);
    }
}

/*
 * The select idiom -(a & 1) & b (andi t, a, 1; neg[w] t, t; and t, t, b)
 * over n items, with extension idioms between, which may touch t or
 * write b, and accesses, which may trap: the JIT, which fuses the idiom,
 * must see when it may not.
 */
static void gen_select(Item *it, int n)
{
    int t = A0 + rnd_below(3), a = A0 + rnd_below(3);
    int b = rnd_below(2) ? A0 + (int)rnd_below(3) : rreg();
    int neg = 1 + rnd_below(n - 2);
    int and = neg + 1 + rnd_below(n - neg - 1);

    for (int k = 0; k < n; k++) {
        /* Sometimes an access that may trap, where t is half done */
        if (rnd_below(4)) {
            gen_ext(&it[k]);
        } else {
            gen_mem(&it[k]);
        }
    }
    item4(&it[0], ANDI(t, a, 1));
    item4(&it[neg], rnd_below(2) ? SUBW(t, X0, t) : SUB(t, X0, t));
    item4(&it[and], rnd_below(2) ? AND(t, t, b) : AND(t, b, t));
}

static void gen_amo(Item *it)
{
    /* funct5 of amoswap, add, xor, and, or, min, max, minu, maxu */
    static const int f5[] = { 1, 0, 4, 12, 8, 16, 20, 24, 28 };
    int w = rnd_below(2) ? 3 : 2;
    int base = rnd_below(3) ? R_DATA : (rnd_below(2) ? R_ODD : R_HOLE);

    switch (rnd_below(4)) {
    case 0:
        item4(it, AMO(0x02, w, dreg(), base, 0));              /* lr */
        break;
    case 1:
        item4(it, AMO(0x03, w, dreg(), base, sreg()));         /* sc */
        break;
    default:
        item4(it, AMO(f5[rnd_below(ARRAY_SIZE(f5))], w, dreg(), base,
                      sreg()) | (rnd_below(4) << 25));         /* aq, rl */
        break;
    }
}

static void gen_csr(Item *it)
{
    switch (rnd_below(8)) {
    case 0: item4(it, CSRRW(dreg(), CSR_MSCRATCH, sreg())); break;
    case 1: item4(it, CSRRS(dreg(), CSR_MSCRATCH, sreg())); break;
    case 2: item4(it, CSRRC(dreg(), CSR_MSCRATCH, sreg())); break;
    case 3: item4(it, CSRRWI(dreg(), CSR_MSCRATCH, rnd_below(32))); break;
    case 4: item4(it, CSRRSI(dreg(), CSR_MSCRATCH, rnd_below(32))); break;
    case 5: item4(it, CSRRCI(dreg(), CSR_MSCRATCH, rnd_below(32))); break;
    case 6: item4(it, CSRR(dreg(), CSR_MINSTRET)); break;
    default:
        /* mhartid is read-only: illegal instruction */
        item4(it, CSRW(CSR_MHARTID, sreg()));
        break;
    }
}

static void gen_trap(Item *it)
{
    switch (rnd_below(5)) {
    case 0: item4(it, ECALL()); break;
    case 1: item4(it, EBREAK()); break;
    case 2: item2(it, 0x9002); break;                  /* c.ebreak */
    case 3: item2(it, 0x0000); break;                  /* illegal */
    default: item4(it, 0x0000000b | dreg() << 7); break;    /* custom-0 */
    }
}

static void gen_rvc(Item *it)
{
    int rd = rreg(), cd = creg();

    switch (rnd_below(16)) {
    case 0: item2(it, C_CI(0, rd, simm(6) ?: 1, 1)); break;      /* addi */
    case 1: item2(it, C_CI(2, rd, simm(6), 1)); break;           /* li */
    case 2: item2(it, C_CI(1, rd, simm(6), 1)); break;           /* addiw */
    case 3: item2(it, C_CI(0, rd, rnd_below(63) + 1, 2)); break; /* slli */
    case 4: item2(it, 0x8001 | (rnd_below(2) << 10) | (cd - 8) << 7 |
                      C_CI(0, 0, rnd_below(63) + 1, 0)); break;  /* srli/srai */
    case 5: item2(it, 0x8801 | (cd - 8) << 7 |
                      C_CI(0, 0, simm(6), 0)); break;            /* andi */
    case 6: item2(it, c_ca(0x23, cd, rnd_below(4), creg())); break;
    case 7: item2(it, c_ca(0x27, cd, rnd_below(2), creg())); break;
    case 8: item2(it, 0x8002 | rd << 7 | (rreg() << 2)); break;  /* mv */
    case 9: item2(it, 0x9002 | rd << 7 | (rreg() << 2)); break;  /* add */
    case 10: item2(it, c_ld(false, true, cd, R_DATA, rnd_below(32) * 8));
        break;
    case 11: item2(it, c_ld(false, false, cd, R_DATA, rnd_below(32) * 4));
        break;
    case 12: item2(it, c_ld(true, true, creg(), R_DATA, rnd_below(32) * 8));
        break;
    case 13: item2(it, c_ld(true, false, creg(), R_DATA, rnd_below(32) * 4));
        break;
    case 14: item2(it, c_ldsp(rd, rnd_below(64) * 8)); break;
    default: item2(it, c_sdsp(sreg(), rnd_below(64) * 8)); break;
    }
}

static void gen_control(Item *it, int i, int n)
{
    int skip = rnd_below(8);
    int target = MIN(i + 1 + skip, n);     /* MIN evaluates twice */

    switch (rnd_below(6)) {
    case 0:
    case 1: {
        /* beq, bne, blt, bge, bltu, bgeu */
        static const uint32_t f3[] = { 0, 1, 4, 5, 6, 7 };

        *it = (Item) { .size = 4, .kind = IT_BRANCH,
                       .insn = BEQ(sreg(), sreg(), 0) |
                               f3[rnd_below(ARRAY_SIZE(f3))] << 12,
                       .target = target };
        break;
    }
    case 2:
        *it = (Item) { .size = 2, .kind = IT_CBRANCH,
                       .insn = c_bz(rnd_below(2), creg(), 0),
                       .target = target };
        break;
    case 3:
        *it = (Item) { .size = 4, .kind = IT_JAL, .rd = dreg(),
                       .target = target };
        break;
    case 4:
        *it = (Item) { .size = 2, .kind = IT_CJ, .target = target };
        break;
    default:
        *it = (Item) { .size = 8, .kind = IT_JALR, .rd = dreg(),
                       .rt = rreg(), .target = target };
        break;
    }
}

static void gen_program(Program *p, uint64_t seed, int nb_items)
{
    rng_state = seed | 1;
    for (int i = 0; i < 32; i++) {
        p->regs[i] = interesting();
    }
    p->data_seed = rnd();
    p->nb_items = nb_items;
    for (int i = 0; i < nb_items; i++) {
        Item *it = &p->items[i];
        unsigned r = rnd_below(100);

        if (r < 3 && i + 3 < nb_items) {
            /*
             * A small loop: its body becomes a block that jumps to itself
             * (the JIT keeps registers live across that jump, 32-bit
             * results unextended).  Only forward control flow inside; it
             * may leave the loop.
             */
            int body = 1 + rnd_below(MIN(6, nb_items - i - 2));

            item4(it, ADDI(R_INNER, X0, 2 + rnd_below(4)));
            for (int k = 1; k <= body; k++) {
                unsigned q = rnd_below(10);

                if (q < 2) {
                    gen_alu(&p->items[i + k]);
                } else if (q < 4 && k + 3 <= body && rnd_below(4) == 0) {
                    gen_select(&p->items[i + k], 3);
                    k += 2;
                } else if (q < 4) {
                    gen_ext(&p->items[i + k]);
                } else if (q < 5) {
                    /* A kick: leave at the loop head */
                    item4(&p->items[i + k], SD(X0, R_MMIO, 24));
                } else if (q < 6) {
                    gen_mem(&p->items[i + k]);
                } else if (q < 8) {
                    gen_rvc(&p->items[i + k]);
                } else {
                    gen_control(&p->items[i + k], i + k, nb_items);
                }
            }
            p->items[i + body + 1] = (Item) { .size = 8, .kind = IT_LOOPEND,
                                              .rd = rnd_below(2),
                                              .target = i + 1 };
            i += body + 1;
        } else if (r < 20) {
            gen_alu(it);
        } else if (r < 25) {
            /* A burst, so that the idioms meet in one block */
            int n = MIN(2 + (int)rnd_below(6), nb_items - i);

            if (n >= 3 && rnd_below(3) == 0) {
                gen_select(&p->items[i], n);
            } else {
                for (int k = 0; k < n; k++) {
                    gen_ext(&p->items[i + k]);
                }
            }
            i += n - 1;
        } else if (r < 42) {
            gen_alui(it);
        } else if (r < 60) {
            gen_mem(it);
        } else if (r < 72) {
            gen_rvc(it);
        } else if (r < 82) {
            gen_control(it, i, nb_items);
        } else if (r < 87) {
            gen_amo(it);
        } else if (r < 93) {
            gen_csr(it);
        } else if (r < 97) {
            gen_trap(it);
        } else if (r < 99) {
            item4(it, FENCE());
        } else {
            item4(it, FENCE_I());
        }
    }
}

/*
 * The M-mode trap handler: logs mcause, mepc and mtval, then skips the
 * trapping instruction.  Uses only s9, s10 (the log pointer) and s11.
 */
static void load_handler(void)
{
    Asm h;
    uint64_t skip;

    asm_init(&h, HANDLER);
    a32(&h, CSRR(S11, CSR_MCAUSE));
    a32(&h, SD(S11, S10, 0));
    a32(&h, CSRR(S11, CSR_MEPC));
    a32(&h, SD(S11, S10, 8));
    a32(&h, CSRR(S11, CSR_MTVAL));
    a32(&h, SD(S11, S10, 16));
    a32(&h, ADDI(S10, S10, 24));
    a32(&h, CSRR(S11, CSR_MEPC));
    a32(&h, LBU(S9, S11, 0));
    a32(&h, ANDI(S9, S9, 3));
    a32(&h, XORI(S9, S9, 3));
    a32(&h, ADDI(S11, S11, 2));
    skip = asm_pc(&h);
    a32(&h, 0);
    a32(&h, ADDI(S11, S11, 2));
    asm_patch(&h, skip, BNE(S9, X0, asm_pc(&h) - skip));
    a32(&h, CSRW(CSR_MEPC, S11));
    a32(&h, MRET());
    tm_load(&h);
}

static bool item_is_nop(const Item *it)
{
    return it->kind == IT_PLAIN &&
           (it->insn == ADDI(X0, X0, 0) || it->insn == 0x0001);
}

static void make_nop(Item *it)
{
    int size = it->size;

    if (size == 2) {
        item2(it, 0x0001);
    } else {
        item4(it, ADDI(X0, X0, 0));
        if (size == 8) {
            /* Two items' worth in one: keep the layout. */
            it->size = 8;
        }
    }
}

/* The guest address of each item in the last program built. */
static uint64_t addr[MAX_ITEMS + 1];

static void build(const Program *p, Asm *a)
{
    asm_init(a, CODE);
    asm_li(a, T0, HANDLER);
    a32(a, CSRW(CSR_MTVEC, T0));
    for (int r = 1; r < 32; r++) {
        asm_li(a, r, p->regs[r]);
    }
    asm_li(a, R_DATA, DATA + 0x1000);
    asm_li(a, R_MMIO, TM_DEV_BASE);
    asm_li(a, R_HOLE, HOLE_ADDR);
    asm_li(a, R_ODD, DATA + 0x804);
    asm_li(a, R_MMIO_END, TM_DEV_BASE + 0xffc);
    asm_li(a, SP, DATA + 0x2000);
    asm_li(a, S10, TRAPLOG);
    asm_li(a, R_LOOP, LOOPS);
    asm_li(a, R_INNER, 0);

    addr[0] = asm_pc(a);
    for (int i = 0; i < p->nb_items; i++) {
        addr[i + 1] = addr[i] + p->items[i].size;
    }
    for (int i = 0; i < p->nb_items; i++) {
        const Item *it = &p->items[i];
        int64_t off = addr[it->target] - addr[i];

        switch (it->kind) {
        case IT_PLAIN:
            if (it->size == 2) {
                a16(a, it->insn);
            } else {
                a32(a, it->insn);
                if (it->size == 8) {
                    a32(a, it->insn);
                }
            }
            break;
        case IT_BRANCH:
            a32(a, it->insn | BEQ(0, 0, off));
            break;
        case IT_CBRANCH:
            a16(a, it->insn | (c_bz(false, 8, off) & ~(0xe000 | 7 << 7 | 3)));
            break;
        case IT_JAL:
            a32(a, JAL(it->rd, off));
            break;
        case IT_CJ:
            a16(a, c_j(off));
            break;
        case IT_JALR:
            a32(a, AUIPC(it->rt, 0));
            a32(a, JALR(it->rd, it->rt, off));
            break;
        case IT_LOOPEND:
            /* Bounded even when the minimiser removes the counter's li. */
            a32(a, it->rd ? ADDIW(R_INNER, R_INNER, -1)
                          : ADDI(R_INNER, R_INNER, -1));
            a32(a, BLT(X0, R_INNER, off - 4));
            break;
        }
    }
    g_assert_cmpuint(asm_pc(a), ==, addr[p->nb_items]);
    /* Again: the second time round, blocks chain and jumps hit caches. */
    a32(a, ADDI(R_LOOP, R_LOOP, -1));
    a32(a, BNE(R_LOOP, X0, addr[0] - asm_pc(a)));
    a32(a, CSRR(S9, CSR_MINSTRET));
    tm_asm_finish(a, S9);
}

static void run(const Program *p, bool jit, State *st)
{
    CPURISCVState *env = tm_env();
    uint64_t x = p->data_seed;
    Asm *a = g_new(Asm, 1);

    tcg_use_jit(jit);
    g_assert_cmpint(tcg_jit_enabled(), ==, jit);
    tb_flush_all_stopped();
    tm_reset();
    load_handler();
    build(p, a);
    tm_load(a);
    g_free(a);
    for (int i = 0; i < DATA_SIZE; i += 8) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        tm_write64(DATA + i, x);
    }

    st->result = tm_run(CODE);
    memcpy(st->gpr, env->gpr, sizeof(st->gpr));
    st->mscratch = env->mscratch;
    st->mepc = env->mepc;
    st->mcause = env->mcause;
    st->mtval = env->mtval;
    st->mstatus = env->mstatus;
    st->writes = tm.writes;
    st->exits = tm.exits;
    st->exit_hash = tm.exit_hash;
    cpu_physical_memory_read(DATA, st->data, DATA_SIZE);
    cpu_physical_memory_read(TRAPLOG, st->traplog, TRAPLOG_SIZE);
}

/* Describe the first difference; NULL if none. */
static char *state_diff(const State *a, const State *b)
{
    for (int i = 0; i < 32; i++) {
        if (a->gpr[i] != b->gpr[i]) {
            return g_strdup_printf("x%d: interpreter 0x%" PRIx64 ", JIT 0x%"
                                   PRIx64, i, a->gpr[i], b->gpr[i]);
        }
    }
#define CMP(f)                                                           \
    if (a->f != b->f) {                                                  \
        return g_strdup_printf(#f ": interpreter 0x%" PRIx64 ", JIT 0x%"  \
                               PRIx64, (uint64_t)a->f, (uint64_t)b->f);   \
    }
    CMP(result)
    CMP(mscratch)
    CMP(mepc)
    CMP(mcause)
    CMP(mtval)
    CMP(mstatus)
    CMP(writes)
    CMP(exits)
    CMP(exit_hash)
#undef CMP
    for (int i = 0; i < DATA_SIZE; i++) {
        if (a->data[i] != b->data[i]) {
            return g_strdup_printf("data byte 0x%" PRIx64 ": interpreter "
                                   "0x%02x, JIT 0x%02x", (uint64_t)(DATA + i),
                                   a->data[i], b->data[i]);
        }
    }
    for (int i = 0; i < TRAPLOG_SIZE; i += 8) {
        uint64_t va, vb;

        memcpy(&va, a->traplog + i, 8);
        memcpy(&vb, b->traplog + i, 8);
        if (va != vb) {
            static const char *const field[] = { "mcause", "mepc", "mtval" };

            return g_strdup_printf("trap %d's %s: interpreter 0x%" PRIx64
                                   ", JIT 0x%" PRIx64, i / 24,
                                   field[(i / 8) % 3], va, vb);
        }
    }
    return NULL;
}

static State st_interp, st_jit;

static char *check(const Program *p)
{
    run(p, false, &st_interp);
    run(p, true, &st_jit);
    return state_diff(&st_interp, &st_jit);
}

/* Replace items by NOPs while the mismatch persists; print what is left. */
static void minimise_and_report(Program *p, uint64_t seed, int n)
{
    g_autoptr(GString) out = g_string_new(NULL);
    g_autofree char *diff = NULL;
    bool changed = true;
    Asm *a = g_new(Asm, 1);

    while (changed) {
        changed = false;
        for (int i = 0; i < p->nb_items; i++) {
            Item saved = p->items[i];
            char *d;

            if (item_is_nop(&saved)) {
                continue;
            }
            make_nop(&p->items[i]);
            d = check(p);
            if (d) {
                g_free(d);
                changed = true;
            } else {
                p->items[i] = saved;
            }
        }
    }
    diff = check(p);
    build(p, a);
    g_string_append_printf(out, "JIT/interpreter mismatch: %s\n"
                           "reproduce: GRACE_JIT_DIFF_SEED=%" PRIu64
                           " GRACE_JIT_DIFF_ONLY=%d\nminimised program "
                           "(the other items are NOPs), initial registers:\n",
                           diff ?: "(flaky)",
                           seed, n);
    for (int r = 1; r < 32; r++) {
        g_string_append_printf(out, "  x%-2d = 0x%016" PRIx64 "%s", r,
                               p->regs[r], r % 3 ? "" : "\n");
    }
    g_string_append(out, "\n  (then the pointers: s0 s1 s2 s3 s4 sp s10)\n");
    for (int i = 0; i < p->nb_items; i++) {
        const uint8_t *code = a->code + (addr[i] - a->base);
        uint32_t w = 0;

        if (item_is_nop(&p->items[i])) {
            continue;
        }
        memcpy(&w, code, MIN(p->items[i].size, 4));
        g_string_append_printf(out, "  0x%08" PRIx64 ":  %0*x", addr[i],
                               p->items[i].size == 2 ? 4 : 8, w);
        if (p->items[i].size == 8) {
            memcpy(&w, code + 4, 4);
            g_string_append_printf(out, " %08x", w);
        }
        g_string_append_c(out, '\n');
    }
    g_free(a);
    g_test_message("%s", out->str);
    g_test_fail_printf("%s", diff ?: "mismatch (flaky)");
}

static uint64_t env_u64(const char *name, uint64_t def)
{
    const char *s = g_getenv(name);

    return s ? g_ascii_strtoull(s, NULL, 0) : def;
}

static void test_diff(void)
{
    uint64_t seed = env_u64("GRACE_JIT_DIFF_SEED", 20261206);
    int count = env_u64("GRACE_JIT_DIFF_COUNT", g_test_slow() ? 4000 : 500);
    int only = env_u64("GRACE_JIT_DIFF_ONLY", -1);
    Program *p = g_new(Program, 1);
    unsigned causes[16] = { 0 };
    uint64_t traps = 0, insns = 0;

    if (!tcg_jit_available()) {
        g_test_skip("this build has no JIT");
        return;
    }
    for (int n = 0; n < count; n++) {
        char *d;

        if (only >= 0 && n != only) {
            continue;
        }
        gen_program(p, seed * 0x9e3779b97f4a7c15ULL + n,
                    g_test_slow() ? 400 : 200);
        d = check(p);
        if (d) {
            g_free(d);
            minimise_and_report(p, seed, n);
            break;
        }
        insns += st_jit.result;
        for (int i = 0; i < TRAPLOG_SIZE; i += 24) {
            uint64_t cause;

            memcpy(&cause, st_jit.traplog + i, 8);
            if (!cause) {
                break;
            }
            causes[cause & 15]++;
            traps++;
        }
    }
    g_free(p);
    g_test_message("%d programs, %" PRIu64 " guest instructions, %" PRIu64
                   " traps", count, insns, traps);
    if (only < 0 && !g_test_failed()) {
        /* The generator must reach what it claims to test. */
        g_assert_cmpuint(causes[RISCV_EXCP_ILLEGAL_INST], >, 0);
        g_assert_cmpuint(causes[RISCV_EXCP_BREAKPOINT], >, 0);
        g_assert_cmpuint(causes[RISCV_EXCP_LOAD_ACCESS_FAULT], >, 0);
        g_assert_cmpuint(causes[RISCV_EXCP_STORE_AMO_ACCESS_FAULT], >, 0);
        g_assert_cmpuint(causes[RISCV_EXCP_M_ECALL], >, 0);
    }
}

/* The comparison sees a change in the state: one register's start value. */
static void test_detects_difference(void)
{
    Program *p = g_new(Program, 1);
    char *d;

    gen_program(p, 42, 50);
    /* Nothing but t5 = t6: no random item may overwrite them. */
    p->items[0] = (Item) { .insn = ADD(T5, T6, X0), .size = 4 };
    for (int i = 1; i < p->nb_items; i++) {
        p->items[i] = (Item) { .insn = ADDI(X0, X0, 0), .size = 4 };
    }
    run(p, false, &st_interp);
    p->regs[T6] ^= 1;
    run(p, false, &st_jit);
    d = state_diff(&st_interp, &st_jit);
    g_assert_nonnull(d);
    g_free(d);
    g_free(p);
}

/*
 * A program of 20 NOPs with gen_program's registers (from seed) for a
 * directed test to fill in; NULL, the test skipped, without a JIT.
 */
static Program *directed_program(uint64_t seed)
{
    Program *p;

    if (!tcg_jit_available()) {
        g_test_skip("this build has no JIT");
        return NULL;
    }
    p = g_new(Program, 1);
    gen_program(p, seed, 20);
    for (int i = 0; i < p->nb_items; i++) {
        p->items[i] = (Item) { .insn = ADDI(X0, X0, 0), .size = 4 };
    }
    return p;
}

/*
 * Items at..at+4 of a loop counted down by R_INNER from 4: a write to the
 * test device's counter, or to its kick in the loop's third round (once
 * the jump back is linked), without a branch.
 */
static void kick_in_third_round(Program *p, int at)
{
    p->items[at].insn = ADDI(T0, R_INNER, -2);
    p->items[at + 1].insn = SLTIU(T0, T0, 1);
    p->items[at + 2].insn = SLLI(T0, T0, 4);
    p->items[at + 3].insn = ADD(T0, T0, R_MMIO);
    p->items[at + 4].insn = SD(X0, T0, 8);
}

/* JIT and interpreter agree on p, which kicked the vCPU out; frees p. */
static void check_kicked(Program *p)
{
    char *d = check(p);

    g_assert_null(d);
    /* The kicks took effect: the vCPU left cpu_exec. */
    g_assert_cmpuint(st_jit.exits, >, 0);
    g_free(p);
}

/*
 * The loops of the two tests below are counted down by R_INNER from 4
 * and start at the item this returns.  At item 1 the loop is a label of
 * the block that starts at item 0; at item 2, after a jump, it is a
 * self-loop of the block that starts there.  The JIT gives both the same
 * care, by different code.
 */
static int loop_start(Program *p, gconstpointer self_loop)
{
    p->items[0].insn = ADDI(R_INNER, X0, 4);
    if (!self_loop) {
        return 1;
    }
    p->items[1] = (Item) { .size = 4, .kind = IT_JAL, .rd = X0, .target = 2 };
    return 2;
}

/*
 * A loop whose head takes a0 as unextended (its first op, addiw, reads
 * only the low word), but which leaves a0 a 64-bit value that is no sign
 * extension.  A kick in its third round (once the jump back is linked)
 * makes the vCPU leave at the loop head: the register file there must
 * hold the 64-bit value (the JIT may not extend it).
 */
static void test_loop_head_exit(gconstpointer self_loop)
{
    Program *p = directed_program(7);
    int b;

    if (!p) {
        return;
    }
    b = loop_start(p, self_loop);
    p->items[b].insn = ADDIW(A0, A0, 1);
    p->items[b + 1].insn = ADD(A0, A1, A2);
    kick_in_third_round(p, b + 2);
    p->items[b + 7] = (Item) { .size = 8, .kind = IT_LOOPEND, .target = b };
    p->regs[A1] = 1ull << 32;
    p->regs[A2] = 5;
    check_kicked(p);
}

/*
 * A loop whose 32-bit results (a4 pinned, a5 not) cross the jump back
 * unextended: nothing in it reads them in full.  Their values have bit 31
 * set, so that an unextended value (zero-extended, as x86 leaves a 32-bit
 * result) differs from the architectural one.  A kick makes the vCPU
 * leave at the loop head, which must extend both.  They are written again
 * after the kick's store, whose slow path extends what it writes back.
 */
static void test_loop_head_exit_extends(gconstpointer self_loop)
{
    Program *p = directed_program(9);
    int b;

    if (!p) {
        return;
    }
    b = loop_start(p, self_loop);
    p->items[b].insn = ADDIW(A4, A4, 0x400);
    p->items[b + 1].insn = ADDIW(A5, A5, 0x400);
    kick_in_third_round(p, b + 2);
    p->items[b + 7].insn = ADDIW(A4, A4, 0x400);
    p->items[b + 8].insn = ADDIW(A5, A5, 0x400);
    p->items[b + 9] = (Item) { .size = 8, .kind = IT_LOOPEND, .target = b };
    p->regs[A4] = 0x7ffffff0;
    p->regs[A5] = 0x7ffffff0;
    check_kicked(p);
}

/*
 * A self-loop's block entered with an exit request pending: a kick just
 * before the jump into it, an indirect one, which finds the block in the
 * jump cache in the program's second round.  The loop's first op writes
 * a1 (pinned) without reading it, so its jumps back may bring a1
 * unextended, and the loop head's exit extends it; the entry's exit,
 * where a1 holds a 64-bit value that is no sign extension, must leave it
 * as it is.
 */
static void test_loop_entry_exit(void)
{
    Program *p = directed_program(11);

    if (!p) {
        return;
    }
    p->items[0].insn = ADDI(R_INNER, X0, 4);
    p->items[1].insn = ADD(A1, A2, X0);
    p->items[2].insn = SD(X0, R_MMIO, 24);
    p->items[3] = (Item) { .size = 8, .kind = IT_JALR, .rd = X0, .rt = T0,
                           .target = 4 };
    p->items[4].insn = LUI(A1, 0x12345);
    p->items[5] = (Item) { .size = 8, .kind = IT_LOOPEND, .target = 4 };
    p->regs[A2] = (1ull << 32) | 5;
    check_kicked(p);
}

/*
 * One load in a loop, from the ROM and from RAM by turns: two RAM blocks,
 * so two addends.  The JIT's load takes its addend from a hint, which is
 * wrong at every turn here: the check against the TLB entry must catch
 * it every time.
 */
static void test_addend_hint(void)
{
    const uint64_t rom_val = 0x0123456789abcdefull;
    const uint64_t zero = 0;
    Program *p = directed_program(11);
    uint64_t data_val;
    char *d;

    if (!p) {
        return;
    }
    p->items[0].insn = ADDI(R_INNER, X0, 6);
    p->items[1].insn = LD(A0, T0, 0);
    p->items[2].insn = ADD(A1, A1, A0);
    p->items[3].insn = XOR(T0, T0, T1);
    p->items[4] = (Item) { .size = 8, .kind = IT_LOOPEND, .target = 1 };
    p->regs[A1] = 0;
    p->regs[T0] = TM_ROM_BASE + 8;
    p->regs[T1] = (TM_ROM_BASE + 8) ^ DATA;
    g_assert_cmpint(address_space_write_rom(&address_space_memory,
                                            TM_ROM_BASE + 8,
                                            MEMTXATTRS_UNSPECIFIED,
                                            &rom_val, 8), ==, MEMTX_OK);
    d = check(p);
    g_assert_null(d);
    /* The loop ran as meant: three loads from each, in each of LOOPS. */
    memcpy(&data_val, st_interp.data, 8);
    g_assert_cmphex(st_interp.gpr[A1], ==,
                    LOOPS * (3 * rom_val + 3 * data_val));
    address_space_write_rom(&address_space_memory, TM_ROM_BASE + 8,
                            MEMTXATTRS_UNSPECIFIED, &zero, 8);
    g_free(p);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    tm_init(1);
    g_test_add_func("/jit/diff/detects-difference", test_detects_difference);
    g_test_add_data_func("/jit/diff/loop-head-exit/label", NULL,
                         test_loop_head_exit);
    g_test_add_data_func("/jit/diff/loop-head-exit/self-loop", "",
                         test_loop_head_exit);
    g_test_add_data_func("/jit/diff/loop-head-exit-extends/label", NULL,
                         test_loop_head_exit_extends);
    g_test_add_data_func("/jit/diff/loop-head-exit-extends/self-loop", "",
                         test_loop_head_exit_extends);
    g_test_add_func("/jit/diff/loop-entry-exit", test_loop_entry_exit);
    g_test_add_func("/jit/diff/addend-hint", test_addend_hint);
    g_test_add_func("/jit/diff/random", test_diff);
    return g_test_run();
}
