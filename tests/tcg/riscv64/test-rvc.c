/*
 * test-rvc.c: decoding of every RV64C instruction.  Each compressed
 * instruction (written as an explicit c.* mnemonic, so it can only
 * assemble to 16 bits) runs beside its 32-bit expansion (assembled with
 * .option norvc) on the same operands and the results must agree, with
 * immediates at both ends of their ranges and registers at both ends of
 * the 3-bit and 5-bit register fields.  Also: c.jalr links pc + 2,
 * c.ebreak traps with mepc at itself, 32-bit instructions at 2-mod-4
 * addresses run, HINT encodings are no-ops, and the F/D load/store
 * encodings and reserved encodings raise illegal-instruction exceptions
 * with mtval = the 16 instruction bits.
 */
#include "insn.h"

#define RVC(text) ".option push\n.option rvc\n" text "\n.option pop\n"
#define NORVC(text) ".option push\n.option norvc\n" text "\n.option pop\n"

/*
 * Local register variables only hold their register at the asm statements
 * that use them: no function call may come between setting and using one.
 *
 * ctext/utext use %0 for rd (in register rd_reg for the compressed form,
 * initialised to init) and %1 for the immediate.
 */
#define CMP_IMM(rd_reg, ctext, utext, init, imm) do {                   \
    register uint64_t c_ asm(rd_reg) = (init);                          \
    uint64_t u_ = (init);                                               \
    asm volatile(RVC(ctext) : "+r"(c_) : "i"(imm));                     \
    asm volatile(NORVC(utext) : "+r"(u_) : "i"(imm));                   \
    CHECK_EQ(c_, u_, "%s with %s = 0x%lx, imm %ld", ctext, rd_reg,      \
             (uint64_t)(init), (int64_t)(imm));                         \
} while (0)

/* %0 is rd (also a source), %1 the second register; t0 is scratch */
#define CMP_REG(rd_reg, rs_reg, ctext, utext, a, b) do {                \
    register uint64_t c_ asm(rd_reg) = (a);                             \
    register uint64_t s_ asm(rs_reg) = (b);                             \
    uint64_t u_ = (a);                                                  \
    asm volatile(RVC(ctext) : "+r"(c_) : "r"(s_) : "t0", "memory");     \
    asm volatile(NORVC(utext) : "+r"(u_) : "r"((uint64_t)(b))           \
                 : "t0", "memory");                                     \
    CHECK_EQ(c_, u_, "%s with %s = 0x%lx, %s = 0x%lx", ctext, rd_reg,   \
             (uint64_t)(a), rs_reg, (uint64_t)(b));                     \
} while (0)

static const uint64_t values[] = {
    0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x8000000000000000,
    0xfedcba9876543210, 0xffffffffffffffff,
};

static void test_alu(void)
{
    test_section("c.addi, c.addiw, c.li, c.lui, c.andi (imm range ends)");
    for (unsigned i = 0; i < ARRAY_SIZE(values); i++) {
        uint64_t v = values[i];

        CMP_IMM("a0", "c.addi %0, %1", "addi %0, %0, %1", v, -32);
        CMP_IMM("a0", "c.addi %0, %1", "addi %0, %0, %1", v, 31);
        CMP_IMM("t6", "c.addi %0, %1", "addi %0, %0, %1", v, 1);
        CMP_IMM("ra", "c.addi %0, %1", "addi %0, %0, %1", v, -1);
        CMP_IMM("a0", "c.addiw %0, %1", "addiw %0, %0, %1", v, 0);
        CMP_IMM("a0", "c.addiw %0, %1", "addiw %0, %0, %1", v, -32);
        CMP_IMM("t6", "c.addiw %0, %1", "addiw %0, %0, %1", v, 31);
        CMP_IMM("s0", "c.andi %0, %1", "andi %0, %0, %1", v, -32);
        CMP_IMM("a5", "c.andi %0, %1", "andi %0, %0, %1", v, 31);
        CMP_IMM("s1", "c.andi %0, %1", "andi %0, %0, %1", v, -1);
    }
    CMP_IMM("a0", "c.li %0, %1", "addi %0, x0, %1", 99, -32);
    CMP_IMM("t6", "c.li %0, %1", "addi %0, x0, %1", 99, 31);
    CMP_IMM("ra", "c.li %0, %1", "addi %0, x0, %1", 99, 0);
    CMP_IMM("a0", "c.lui %0, %1", "lui %0, %1", 99, 1);
    CMP_IMM("a0", "c.lui %0, %1", "lui %0, %1", 99, 31);
    CMP_IMM("t6", "c.lui %0, %1", "lui %0, %1", 99, 0xfffe0);
    CMP_IMM("ra", "c.lui %0, %1", "lui %0, %1", 99, 0xfffff);
    {
        register uint64_t r asm("a0") = 99;
        uint64_t lui, addiw;

        /* No calls while r lives: they would clobber a0 */
        asm volatile(RVC("c.lui %0, 0xfffe0") : "+r"(r));
        lui = r;
        asm volatile(RVC("c.addiw %0, 0") : "+r"(r));
        addiw = r;
        CHECK_EQ(lui, 0xfffffffffffe0000, "c.lui 0xfffe0 sign-extends");
        CHECK_EQ(addiw, 0xfffffffffffe0000, "c.addiw 0 keeps 32-bit value");
    }

    test_section("c.slli, c.srli, c.srai with 6-bit shift amounts");
    for (unsigned i = 0; i < ARRAY_SIZE(values); i++) {
        uint64_t v = values[i];

        CMP_IMM("a0", "c.slli %0, %1", "slli %0, %0, %1", v, 1);
        CMP_IMM("t6", "c.slli %0, %1", "slli %0, %0, %1", v, 32);
        CMP_IMM("ra", "c.slli %0, %1", "slli %0, %0, %1", v, 63);
        CMP_IMM("s0", "c.srli %0, %1", "srli %0, %0, %1", v, 1);
        CMP_IMM("a5", "c.srli %0, %1", "srli %0, %0, %1", v, 32);
        CMP_IMM("a0", "c.srli %0, %1", "srli %0, %0, %1", v, 63);
        CMP_IMM("s0", "c.srai %0, %1", "srai %0, %0, %1", v, 1);
        CMP_IMM("a5", "c.srai %0, %1", "srai %0, %0, %1", v, 32);
        CMP_IMM("a0", "c.srai %0, %1", "srai %0, %0, %1", v, 63);
    }

    test_section("c.mv, c.add, c.sub, c.xor, c.or, c.and, c.subw, c.addw");
    for (unsigned i = 0; i < ARRAY_SIZE(values); i++) {
        for (unsigned j = 0; j < ARRAY_SIZE(values); j += 3) {
            uint64_t a = values[i], b = values[j];

            CMP_REG("a0", "a1", "c.mv %0, %1", "addi %0, %1, 0", a, b);
            CMP_REG("t6", "ra", "c.mv %0, %1", "addi %0, %1, 0", a, b);
            CMP_REG("a0", "a1", "c.add %0, %1", "add %0, %0, %1", a, b);
            CMP_REG("ra", "t6", "c.add %0, %1", "add %0, %0, %1", a, b);
            CMP_REG("s0", "a5", "c.sub %0, %1", "sub %0, %0, %1", a, b);
            CMP_REG("a5", "s0", "c.xor %0, %1", "xor %0, %0, %1", a, b);
            CMP_REG("s1", "a4", "c.or %0, %1", "or %0, %0, %1", a, b);
            CMP_REG("a2", "a3", "c.and %0, %1", "and %0, %0, %1", a, b);
            CMP_REG("s0", "a5", "c.subw %0, %1", "subw %0, %0, %1", a, b);
            CMP_REG("a5", "s0", "c.addw %0, %1", "addw %0, %0, %1", a, b);
        }
    }
}

static uint64_t buf[64] __attribute__((aligned(16)));

static void fill_buf(void)
{
    for (unsigned i = 0; i < ARRAY_SIZE(buf); i++) {
        buf[i] = 0x8070605040302010ULL + i * 0x0101010101010101ULL;
    }
}

static void test_memory(void)
{
    uint64_t base = (uint64_t)buf;

    test_section("c.lw, c.ld, c.lwsp, c.ldsp (offset range ends)");
    fill_buf();
    CMP_REG("s0", "a5", "c.lw %0, 0(%1)", "lw %0, 0(%1)", 0, base);
    CMP_REG("a5", "s0", "c.lw %0, 124(%1)", "lw %0, 124(%1)", 0, base);
    CMP_REG("a0", "a1", "c.lw %0, 4(%1)", "lw %0, 4(%1)", 0, base);
    CMP_REG("s0", "a5", "c.ld %0, 0(%1)", "ld %0, 0(%1)", 0, base);
    CMP_REG("a5", "s0", "c.ld %0, 248(%1)", "ld %0, 248(%1)", 0, base);
#define SP_LOAD(rd, ctext, utext)                                       \
    CMP_REG(rd, "a1", "mv t0, sp\nmv sp, %1\n" ctext "\nmv sp, t0",     \
            "mv t0, sp\nmv sp, %1\n" utext "\nmv sp, t0", 0, base)
    SP_LOAD("a0", "c.lwsp %0, 0(sp)", "lw %0, 0(sp)");
    SP_LOAD("t6", "c.lwsp %0, 252(sp)", "lw %0, 252(sp)");
    SP_LOAD("ra", "c.lwsp %0, 124(sp)", "lw %0, 124(sp)");
    SP_LOAD("a0", "c.ldsp %0, 0(sp)", "ld %0, 0(sp)");
    SP_LOAD("t6", "c.ldsp %0, 504(sp)", "ld %0, 504(sp)");
    SP_LOAD("ra", "c.ldsp %0, 256(sp)", "ld %0, 256(sp)");
#undef SP_LOAD
}

/*
 * Stores: %0 is the value, %1 the base.  The compressed and the 32-bit
 * store each run on a fresh copy of buf and must leave the same bytes.
 */
#define CMP_STORE(val_reg, base_reg, ctext, utext, val) do {            \
    fill_buf();                                                         \
    {                                                                   \
        register uint64_t v_ asm(val_reg) = (val);                      \
        register uint64_t b_ asm(base_reg) = (uint64_t)buf;             \
        asm volatile(RVC(ctext) : : "r"(v_), "r"(b_) : "t0", "memory"); \
    }                                                                   \
    memcpy(after_c, buf, sizeof(buf));                                  \
    fill_buf();                                                         \
    asm volatile(NORVC(utext) : : "r"((uint64_t)(val)), "r"(buf)        \
                 : "t0", "memory");                                     \
    CHECK(!memcmp(after_c, buf, sizeof(buf)), "%s", ctext);             \
    CHECK(memcmp(after_c, before, sizeof(buf)), "%s stored nothing", ctext); \
} while (0)

static uint64_t after_c[64], before[64];

static void test_stores(void)
{
    const uint64_t v = 0x0123456789abcdef;

    test_section("c.sw, c.sd, c.swsp, c.sdsp (offset range ends)");
    fill_buf();
    memcpy(before, buf, sizeof(buf));
    CMP_STORE("s0", "a5", "c.sw %0, 0(%1)", "sw %0, 0(%1)", v);
    CMP_STORE("a5", "s0", "c.sw %0, 124(%1)", "sw %0, 124(%1)", v);
    CMP_STORE("s0", "a5", "c.sd %0, 0(%1)", "sd %0, 0(%1)", v);
    CMP_STORE("a5", "s0", "c.sd %0, 248(%1)", "sd %0, 248(%1)", v);
#define SP_STORE(reg, ctext, utext)                                     \
    CMP_STORE(reg, "a1", "mv t0, sp\nmv sp, %1\n" ctext "\nmv sp, t0", \
              "mv t0, sp\nmv sp, %1\n" utext "\nmv sp, t0", v)
    SP_STORE("a0", "c.swsp %0, 0(sp)", "sw %0, 0(sp)");
    SP_STORE("t6", "c.swsp %0, 252(sp)", "sw %0, 252(sp)");
    SP_STORE("ra", "c.sdsp %0, 0(sp)", "sd %0, 0(sp)");
    SP_STORE("t6", "c.sdsp %0, 504(sp)", "sd %0, 504(sp)");
    SP_STORE("a0", "c.sdsp %0, 256(sp)", "sd %0, 256(sp)");
#undef SP_STORE
}

static void test_sp_arith(void)
{
    uint64_t c, u;

    test_section("c.addi4spn and c.addi16sp");
#define SP_ADD(rd, ctext, utext)                                        \
    CMP_REG(rd, "a1", ctext, utext, 0, 0)
    SP_ADD("s0", "c.addi4spn %0, sp, 4", "addi %0, sp, 4");
    SP_ADD("a5", "c.addi4spn %0, sp, 1020", "addi %0, sp, 1020");
    SP_ADD("a0", "c.addi4spn %0, sp, 512", "addi %0, sp, 512");
#undef SP_ADD
    asm volatile(RVC("mv t0, sp\n"
                     "c.addi16sp sp, -512\n"
                     "sub %0, t0, sp\n"
                     "c.addi16sp sp, 496\n"
                     "c.addi16sp sp, 16\n"
                     "sub %1, t0, sp\n")
                 : "=&r"(c), "=&r"(u) : : "t0", "memory");
    CHECK_EQ(c, 512, "c.addi16sp sp, -512");
    CHECK_EQ(u, 0, "c.addi16sp sp, 496 then 16 restore sp");
    asm volatile(RVC("mv t0, sp\n"
                     "c.addi16sp sp, 32\n"
                     "sub %0, sp, t0\n"
                     "mv sp, t0\n")
                 : "=&r"(c) : : "t0", "memory");
    CHECK_EQ(c, 32, "c.addi16sp sp, 32");
}

static void test_control(void)
{
    uint64_t r, link, expected;

    test_section("c.j, c.beqz, c.bnez, c.jr, c.jalr");
    asm volatile(RVC("li %0, 0\n"
                     "c.j 2f\n"
                     "1: addi %0, %0, 10\n"
                     "c.j 3f\n"
                     "2: addi %0, %0, 1\n"
                     "c.j 1b\n"
                     "3:\n")
                 : "=&r"(r));
    CHECK_EQ(r, 11, "c.j forward then backward");

#define BRANCH(insn, val) ({                                            \
    register uint64_t v_ asm("a5") = (val);                             \
    uint64_t t_;                                                        \
    asm volatile(RVC("li %0, 1\n"                                       \
                     insn " %1, 1f\n"                                   \
                     "li %0, 0\n"                                       \
                     "1:\n")                                            \
                 : "=&r"(t_) : "r"(v_));                                \
    t_;                                                                 \
})
    CHECK_EQ(BRANCH("c.beqz", 0), 1, "c.beqz 0 is taken");
    CHECK_EQ(BRANCH("c.beqz", 0x100000000), 0, "c.beqz 1<<32 not taken");
    CHECK_EQ(BRANCH("c.bnez", 0x8000000000000000), 1, "c.bnez taken");
    CHECK_EQ(BRANCH("c.bnez", 0), 0, "c.bnez 0 not taken");
#undef BRANCH
    asm volatile(RVC("li %0, 3\n"
                     "li s0, 0\n"
                     "1: addi s0, s0, 1\n"
                     "addi %0, %0, -1\n"
                     "c.bnez %0, 1b\n"
                     "mv %0, s0\n")
                 : "=&r"(r) : : "s0");
    CHECK_EQ(r, 3, "c.bnez backward loop");

    asm volatile(RVC("lla t1, 1f\n"
                     "li %0, 0\n"
                     "c.jr t1\n"
                     "li %0, 1\n"
                     "1:\n")
                 : "=&r"(r) : : "t1");
    CHECK_EQ(r, 0, "c.jr skips to its target");
    asm volatile(RVC("mv t2, ra\n"
                     "lla t1, 1f\n"
                     "c.jalr t1\n"
                     "2: j 3f\n"
                     "1: mv %0, ra\n"
                     "lla %1, 2b\n"
                     "3: mv ra, t2\n")
                 : "=&r"(link), "=&r"(expected) : : "t1", "t2");
    CHECK_EQ(link, expected, "c.jalr links pc + 2");
}

static void test_alignment(void)
{
    uint64_t r;

    test_section("32-bit instructions at 2-mod-4 addresses");
    asm volatile(".balign 4\n"
                 RVC("li %0, 5\n"
                     "c.nop\n")
                 NORVC("addi %0, %0, 100\n"
                       "addi %0, %0, 1000\n")
                 RVC("c.addi %0, 1\n")
                 NORVC("addi %0, %0, 2000\n")
                 : "=&r"(r));
    CHECK_EQ(r, 3106, "mixed 16/32-bit sequence");
    asm volatile(".balign 4\n"
                 NORVC("lla t1, 1f\n"
                       "li %0, 0\n"
                       "jr t1\n"
                       "li %0, 1\n")
                 RVC("c.nop\n")
                 NORVC("1: addi %0, %0, 2\n")
                 : "=&r"(r) : : "t1");
    CHECK_EQ(r, 2, "jump to a 2-mod-4 target");
}

static uint16_t code[4] __attribute__((aligned(4)));

/* Runs one 16-bit instruction from a buffer, then c.jr ra */
static void run_16(uint16_t insn)
{
    code[0] = insn;
    code[1] = 0x8082;                   /* c.jr ra */
    fence_i();
    asm volatile("jalr ra, 0(%0)" : : "r"(code)
                 : "ra", "s0", "a0", "t0", "memory");
}

static void test_special(void)
{
    static const uint16_t hints[] = {
        0x0005,     /* c.nop 1 */
        0x0081,     /* c.addi x1, 0 */
        0x4015,     /* c.li x0, 5 */
        0x0006,     /* c.slli x0, 1 */
        0x802a,     /* c.mv x0, a0 */
        0x902a,     /* c.add x0, a0 */
        0x8001,     /* c.srli s0, 0 */
    };
    static const uint16_t illegal[] = {
        0x0000,     /* all zero: c.addi4spn with imm 0, defined illegal */
        0x2000,     /* c.fld f8, 0(s0): no D */
        0xa000,     /* c.fsd f8, 0(s0) */
        0x2082,     /* c.fldsp f1, 0(sp) */
        0xa002,     /* c.fsdsp f0, 0(sp) */
        0x6101,     /* c.addi16sp with imm 0: reserved */
        0x6501,     /* c.lui a0, 0: reserved */
        0x4002,     /* c.lwsp x0: reserved */
        0x6002,     /* c.ldsp x0: reserved */
        0x8002,     /* c.jr x0: reserved */
        0x2001,     /* c.addiw x0: reserved */
    };
    uint64_t epc;

    test_section("c.ebreak traps at itself");
    trap_expect();
    asm volatile(RVC("lla %0, 1f\n"
                     "1: c.ebreak\n")
                 : "=&r"(epc));
    CHECK_EQ(trap_last.count, 1, "c.ebreak trapped");
    CHECK_EQ(trap_last.cause, EXC_BREAKPOINT, "c.ebreak cause");
    CHECK_EQ(trap_last.epc, epc, "c.ebreak mepc");

    test_section("HINT encodings execute as no-ops");
    for (unsigned i = 0; i < ARRAY_SIZE(hints); i++) {
        trap_expect_return();
        run_16(hints[i]);
        CHECK_NO_TRAP("HINT 0x%04x trapped", hints[i]);
    }

    test_section("F/D and reserved encodings are illegal, mtval = bits");
    for (unsigned i = 0; i < ARRAY_SIZE(illegal); i++) {
        trap_expect_return();
        run_16(illegal[i]);
        CHECK_TRAP(EXC_ILLEGAL_INSN, illegal[i], "compressed 0x%04x",
                   illegal[i]);
        CHECK_EQ(trap_last.epc, (uintptr_t)code, "mepc of 0x%04x",
                 illegal[i]);
    }
}

int main(void)
{
    test_alu();
    test_memory();
    test_stores();
    test_sp_arith();
    test_control();
    test_alignment();
    test_special();
    return 0;
}
