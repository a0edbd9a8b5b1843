/*
 * test-rv64i.c: the RV64I base instructions: register and immediate
 * arithmetic, logic, comparisons and shifts (including the 32-bit W forms,
 * their shift-amount masking and sign extension), LUI/AUIPC, every load
 * and store width with sign or zero extension, the six branches, JAL/JALR
 * link values and target alignment, and writes to x0.
 *
 * Built without the C extension so that every instruction here is the
 * 32-bit encoding (test-rvc covers the compressed ones).
 */
#include "insn.h"

static void test_arith(void)
{
    test_section("add, sub, addi and their W forms");
    CHECK_RR("add", 1, 2, 3);
    CHECK_RR("add", 0x7fffffffffffffff, 1, 0x8000000000000000);
    CHECK_RR("add", -1, 1, 0);
    CHECK_RR("sub", 1, 2, -1);
    CHECK_RR("sub", 0x8000000000000000, 1, 0x7fffffffffffffff);
    CHECK_RI("addi", 10, -2048, 10 - 2048);
    CHECK_RI("addi", 10, 2047, 10 + 2047);
    CHECK_RI("addi", 0xffffffffffffffff, 1, 0);
    /* The W forms use the low 32 bits and sign-extend the 32-bit result */
    CHECK_RR("addw", 0x7fffffff, 1, 0xffffffff80000000);
    CHECK_RR("addw", 0x100000001, 0x200000002, 3);
    CHECK_RR("addw", 0xffffffff, 1, 0);
    CHECK_RR("subw", 0, 1, 0xffffffffffffffff);
    CHECK_RR("subw", 0x80000000, 1, 0x7fffffff);
    CHECK_RR("subw", 0x1234567800000000, 0, 0);
    CHECK_RI("addiw", 0x7fffffff, 1, 0xffffffff80000000);
    CHECK_RI("addiw", 0xdeadbeef00000005, -6, 0xffffffffffffffff);
    CHECK_RI("addiw", 0x123456789, 0, 0x23456789);    /* sext.w */
    CHECK_RI("addiw", 0x80000000, 0, 0xffffffff80000000);
}

static void test_logic(void)
{
    test_section("and, or, xor and their immediates (sign-extended)");
    CHECK_RR("and", 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0x0f000f000f000f00);
    CHECK_RR("or", 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xfff0fff0fff0fff0);
    CHECK_RR("xor", 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xf0f0f0f0f0f0f0f0);
    CHECK_RI("andi", 0x123456789abcdef0, -16, 0x123456789abcdef0);
    CHECK_RI("andi", 0x123456789abcdef7, 0x7ff, 0x6f7);
    CHECK_RI("andi", 0xffffffffffffffff, -2048, 0xfffffffffffff800);
    CHECK_RI("ori", 0x1000000000000000, -2048, 0xfffffffffffff800);
    CHECK_RI("ori", 0, 0x555, 0x555);
    CHECK_RI("xori", 0x00ff00ff00ff00ff, -1, 0xff00ff00ff00ff00);  /* not */
    CHECK_RI("xori", 0x0f, 0x7f0, 0x7ff);
}

static void test_compare(void)
{
    test_section("slt, sltu, slti, sltiu");
    CHECK_RR("slt", -1, 0, 1);
    CHECK_RR("slt", 0, -1, 0);
    CHECK_RR("slt", 5, 5, 0);
    CHECK_RR("slt", 0x8000000000000000, 0x7fffffffffffffff, 1);
    CHECK_RR("sltu", -1, 0, 0);
    CHECK_RR("sltu", 0, -1, 1);
    CHECK_RR("sltu", 0x7fffffffffffffff, 0x8000000000000000, 1);
    CHECK_RI("slti", -5, -4, 1);
    CHECK_RI("slti", -4, -4, 0);
    CHECK_RI("slti", 0x8000000000000000, -2048, 1);
    /* sltiu compares with the sign-extended immediate as unsigned */
    CHECK_RI("sltiu", 0xfffffffffffffffe, -1, 1);
    CHECK_RI("sltiu", 0xffffffffffffffff, -1, 0);
    CHECK_RI("sltiu", 0, 1, 1);                       /* seqz */
    CHECK_RI("sltiu", 7, 1, 0);
}

static void test_shifts(void)
{
    const uint64_t x = 0x8765432112345678;

    test_section("64-bit shifts use 6 bits of the shift amount");
    CHECK_RR("sll", x, 4, 0x7654321123456780);
    CHECK_RR("sll", x, 63, 0);
    CHECK_RR("sll", 1, 63, 0x8000000000000000);
    CHECK_RR("sll", x, 64, x);                        /* amount & 63 == 0 */
    CHECK_RR("sll", x, 0xffffffffffffff44, 0x7654321123456780);
    CHECK_RR("srl", x, 4, 0x0876543211234567);
    CHECK_RR("srl", x, 63, 1);
    CHECK_RR("srl", x, 65, 0x43b2a190891a2b3c);
    CHECK_RR("sra", x, 4, 0xf876543211234567);
    CHECK_RR("sra", x, 63, 0xffffffffffffffff);
    CHECK_RR("sra", 0x7000000000000000, 62, 1);
    CHECK_RI("slli", x, 32, 0x1234567800000000);
    CHECK_RI("slli", x, 63, 0);
    CHECK_RI("srli", x, 32, 0x87654321);
    CHECK_RI("srli", x, 0, x);
    CHECK_RI("srai", x, 32, 0xffffffff87654321);
    CHECK_RI("srai", x, 63, 0xffffffffffffffff);

    test_section("32-bit shifts use 5 bits and sign-extend the result");
    CHECK_RR("sllw", 0x12345678, 4, 0x23456780);
    CHECK_RR("sllw", 0x12345678, 32, 0x12345678);     /* amount & 31 == 0 */
    CHECK_RR("sllw", 0x12345678, 33, 0x2468acf0);
    CHECK_RR("sllw", 1, 31, 0xffffffff80000000);
    CHECK_RR("sllw", 0xffffffff00000001, 63, 0xffffffff80000000);
    CHECK_RR("srlw", 0xffffffff80000000, 0, 0xffffffff80000000);
    CHECK_RR("srlw", 0xffffffff80000000, 1, 0x40000000);
    CHECK_RR("srlw", 0x80000000, 31, 1);
    CHECK_RR("srlw", 0x1234567880000000, 32, 0xffffffff80000000);
    CHECK_RR("srlw", 0x80000000, 36, 0x08000000);
    CHECK_RR("sraw", 0x80000000, 4, 0xfffffffff8000000);
    CHECK_RR("sraw", 0x7fffffff80000000, 31, 0xffffffffffffffff);
    CHECK_RR("sraw", 0x40000000, 32, 0x40000000);
    CHECK_RR("sraw", 0xffffffff40000000, 62, 1);
    CHECK_RI("slliw", 0x12345678, 8, 0x34567800);
    CHECK_RI("slliw", 0x1, 31, 0xffffffff80000000);
    CHECK_RI("slliw", 0xabcdef0012345678, 0, 0x12345678);
    CHECK_RI("srliw", 0xffffffff80000000, 1, 0x40000000);
    CHECK_RI("srliw", 0x00000000f0000000, 0, 0xfffffffff0000000);
    CHECK_RI("srliw", 0xff, 31, 0);
    CHECK_RI("sraiw", 0x80000000, 31, 0xffffffffffffffff);
    CHECK_RI("sraiw", 0x7fffffff, 30, 1);
    CHECK_RI("sraiw", 0x1234567880000001, 0, 0xffffffff80000001);
}

static void test_upper(void)
{
    uint64_t v, here, label;

    test_section("lui and auipc");
    asm volatile("lui %0, 0x80000" : "=r"(v));
    CHECK_EQ(v, 0xffffffff80000000, "lui 0x80000 sign-extends");
    asm volatile("lui %0, 0x7ffff" : "=r"(v));
    CHECK_EQ(v, 0x7ffff000, "lui 0x7ffff");
    asm volatile("lui %0, 0xfffff" : "=r"(v));
    CHECK_EQ(v, 0xfffffffffffff000, "lui 0xfffff");
    asm volatile("lui %0, 0" : "=r"(v));
    CHECK_EQ(v, 0, "lui 0");

    asm volatile("1: auipc %0, 0\n"
                 "   lla %1, 1b\n"
                 : "=r"(here), "=r"(label));
    CHECK_EQ(here, label, "auipc 0 gives its own address");
    asm volatile("1: auipc %0, 1\n"
                 "   lla %1, 1b\n"
                 : "=r"(here), "=r"(label));
    CHECK_EQ(here, label + 0x1000, "auipc 1 adds 4 KiB");
    asm volatile("1: auipc %0, 0xfffff\n"
                 "   lla %1, 1b\n"
                 : "=r"(here), "=r"(label));
    CHECK_EQ(here, label - 0x1000, "auipc -1 subtracts 4 KiB");
}

static uint64_t mem[4] __attribute__((aligned(16)));

#define LOAD(insn, base, off) ({                                        \
    uint64_t rd_;                                                       \
    asm volatile(insn " %0, %2(%1)"                                     \
                 : "=r"(rd_) : "r"(base), "i"(off) : "memory");         \
    rd_;                                                                \
})

#define STORE(insn, val, base, off)                                     \
    asm volatile(insn " %0, %2(%1)"                                     \
                 : : "r"((uint64_t)(val)), "r"(base), "i"(off)          \
                 : "memory")

static void test_loads(void)
{
    uint8_t *p = (uint8_t *)mem;
    uintptr_t far = (uintptr_t)p + 2048;

    test_section("loads sign- or zero-extend, offsets -2048..2047");
    mem[0] = 0x8182838485868788;
    mem[1] = 0x7172737475767778;
    CHECK_EQ(LOAD("lb", p, 0), 0xffffffffffffff88, "lb");
    CHECK_EQ(LOAD("lbu", p, 0), 0x88, "lbu");
    CHECK_EQ(LOAD("lb", p, 8), 0x78, "lb positive");
    CHECK_EQ(LOAD("lh", p, 6), 0xffffffffffff8182, "lh");
    CHECK_EQ(LOAD("lhu", p, 6), 0x8182, "lhu");
    CHECK_EQ(LOAD("lh", p, 14), 0x7172, "lh positive");
    CHECK_EQ(LOAD("lw", p, 4), 0xffffffff81828384, "lw");
    CHECK_EQ(LOAD("lwu", p, 4), 0x81828384, "lwu");
    CHECK_EQ(LOAD("lw", p, 12), 0x71727374, "lw positive");
    CHECK_EQ(LOAD("ld", p, 0), 0x8182838485868788, "ld");
    CHECK_EQ(LOAD("ld", p, 8), 0x7172737475767778, "ld 8");
    CHECK_EQ(LOAD("ld", far, -2048), 0x8182838485868788, "ld -2048");
    CHECK_EQ(LOAD("lbu", (uintptr_t)p - 2047, 2047), 0x88, "lbu 2047");

    test_section("stores write exactly their width");
    mem[2] = 0;
    STORE("sb", 0x1234567890abcdef, p, 16);
    CHECK_EQ(mem[2], 0xef, "sb");
    STORE("sh", 0x1234567890abcdef, p, 18);
    CHECK_EQ(mem[2], 0xcdef00ef, "sh");
    STORE("sw", 0x1234567890abcdef, p, 20);
    CHECK_EQ(mem[2], 0x90abcdefcdef00ef, "sw");
    STORE("sd", 0x0102030405060708, p, 16);
    CHECK_EQ(mem[2], 0x0102030405060708, "sd");
    CHECK_EQ(mem[1], 0x7172737475767778, "sd left its neighbour alone");
    STORE("sb", 0xaa, (uintptr_t)p + 2048 + 24, -2048);
    CHECK_EQ(mem[3] & 0xff, 0xaa, "sb -2048");
    STORE("sd", 0x55, (uintptr_t)p + 24 - 2047, 2047);
    CHECK_EQ(*(volatile uint64_t *)((uintptr_t)p + 24), 0x55, "sd 2047");
}

/* 1 if "insn a, b, target" branches */
#define BRANCH(insn, a, b) ({                                           \
    uint64_t taken_;                                                    \
    asm volatile("li %0, 1\n"                                           \
                 insn " %1, %2, 1f\n"                                   \
                 "li %0, 0\n"                                           \
                 "1:\n"                                                 \
                 : "=&r"(taken_) : "r"((uint64_t)(a)), "r"((uint64_t)(b))); \
    taken_;                                                             \
})

#define CHECK_BRANCH(insn, a, b, taken)                                 \
    CHECK_EQ(BRANCH(insn, a, b), taken, "%s 0x%lx, 0x%lx", insn,        \
             (uint64_t)(a), (uint64_t)(b))

static void test_branches(void)
{
    uint64_t n;

    test_section("branches: signed and unsigned, taken and not");
    CHECK_BRANCH("beq", 5, 5, 1);
    CHECK_BRANCH("beq", 5, 0x100000005, 0);
    CHECK_BRANCH("bne", 5, 0x100000005, 1);
    CHECK_BRANCH("bne", -1, -1, 0);
    CHECK_BRANCH("blt", -1, 0, 1);
    CHECK_BRANCH("blt", 0, -1, 0);
    CHECK_BRANCH("blt", 3, 3, 0);
    CHECK_BRANCH("bge", 3, 3, 1);
    CHECK_BRANCH("bge", -1, 0, 0);
    CHECK_BRANCH("bge", 0x7fffffffffffffff, 0x8000000000000000, 1);
    CHECK_BRANCH("bltu", 0, -1, 1);
    CHECK_BRANCH("bltu", -1, 0, 0);
    CHECK_BRANCH("bltu", 3, 3, 0);
    CHECK_BRANCH("bgeu", -1, 0, 1);
    CHECK_BRANCH("bgeu", 3, 3, 1);
    CHECK_BRANCH("bgeu", 0x7fffffffffffffff, 0x8000000000000000, 0);

    /* A backward branch: count down from 10 */
    asm volatile("li %0, 0\n"
                 "li t0, 10\n"
                 "1: addi %0, %0, 1\n"
                 "addi t0, t0, -1\n"
                 "bnez t0, 1b\n"
                 : "=&r"(n) : : "t0");
    CHECK_EQ(n, 10, "backward branch loop count");
}

static void test_jumps(void)
{
    uint64_t link, expected, target;

    test_section("jal and jalr: link values and targets");
    asm volatile("jal %0, 1f\n"
                 "2: j 3f\n"
                 "1: lla %1, 2b\n"
                 "3:\n"
                 : "=r"(link), "=r"(expected));
    CHECK_EQ(link, expected, "jal links the next instruction");

    asm volatile("lla t0, 1f\n"
                 "jalr %0, 0(t0)\n"
                 "2: li %1, 0\n"
                 "j 3f\n"
                 "1: lla %1, 2b\n"
                 "3:\n"
                 : "=r"(link), "=r"(expected) : : "t0");
    CHECK_EQ(link, expected, "jalr links the next instruction");

    /* The target's low bit is cleared; rs1 is read before rd is written */
    asm volatile("lla %0, 1f\n"
                 "addi %0, %0, -3\n"
                 "jalr %0, 4(%0)\n"
                 "li %1, 0\n"
                 "j 2f\n"
                 "1: li %1, 1\n"
                 "2:\n"
                 : "=&r"(link), "=r"(target));
    CHECK_EQ(target, 1, "jalr to an odd address clears bit 0");
    asm volatile("lla %0, 1f\n"
                 "jalr %0, 0(%0)\n"
                 "2: j 3f\n"
                 "1: lla %1, 2b\n"
                 "3:\n"
                 : "=&r"(link), "=r"(expected));
    CHECK_EQ(link, expected, "jalr with rd == rs1");
    asm volatile(".option push\n"
                 ".option norvc\n"        /* -4 is one 32-bit instruction */
                 "li %0, 0\n"
                 "lla t0, 1f\n"
                 "jalr x0, -4(t0)\n"
                 "li %0, 2\n"
                 "addi %0, %0, 1\n"
                 "1:\n"
                 ".option pop\n"
                 : "=&r"(target) : : "t0");
    CHECK_EQ(target, 1, "jalr with a negative offset");
}

static void test_x0(void)
{
    uint64_t v;

    test_section("x0 reads 0 and ignores writes");
    asm volatile("li t0, 123\n"
                 "add x0, t0, t0\n"
                 "addi x0, t0, 5\n"
                 "lui x0, 0x12345\n"
                 "ld x0, 0(%1)\n"
                 "mv %0, x0\n"
                 : "=r"(v) : "r"(mem) : "t0");
    CHECK_EQ(v, 0, "x0 after writes");
    asm volatile("addi %0, x0, -1" : "=r"(v));
    CHECK_EQ(v, 0xffffffffffffffff, "addi rd, x0, -1");

    test_section("fence variants execute");
    asm volatile("fence\n"
                 "fence rw, rw\n"
                 "fence r, r\n"
                 "fence w, w\n"
                 "fence iorw, iorw\n"
                 "fence.tso\n"
                 ".4byte 0x0100000f\n"       /* pause (fence w, 0) */
                 "li %0, 7\n"
                 : "=r"(v) : : "memory");
    CHECK_EQ(v, 7, "execution continues after the fences");
}

int main(void)
{
    test_arith();
    test_logic();
    test_compare();
    test_shifts();
    test_upper();
    test_loads();
    test_branches();
    test_jumps();
    test_x0();
    return 0;
}
