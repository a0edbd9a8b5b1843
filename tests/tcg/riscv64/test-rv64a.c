/*
 * test-rv64a.c: the A extension on one hart.  Every AMO, in .w and .d and
 * with each of the four aq/rl encodings, returns the old value
 * (sign-extended for .w) and leaves op(old, rs2) in memory, touching only
 * its own bytes; rd = x0 and rd = rs2 work.  LR/SC: a matching pair
 * succeeds; SC fails with no reservation, after another SC, and on an
 * address outside the reservation set; LR.W sign-extends.
 */
#include "insn.h"

enum AmoOp { SWAP, ADD, XOR, AND, OR, MIN, MAX, MINU, MAXU };

static uint64_t amo_model(enum AmoOp op, uint64_t m, uint64_t v, bool word)
{
    if (word) {
        m = (uint64_t)(int64_t)(int32_t)m;
        v = (uint64_t)(int64_t)(int32_t)v;
    }
    switch (op) {
    case SWAP:
        return v;
    case ADD:
        return m + v;
    case XOR:
        return m ^ v;
    case AND:
        return m & v;
    case OR:
        return m | v;
    case MIN:
        return (int64_t)m < (int64_t)v ? m : v;
    case MAX:
        return (int64_t)m > (int64_t)v ? m : v;
    case MINU:
        if (word) {
            return (uint32_t)m < (uint32_t)v ? m : v;
        }
        return m < v ? m : v;
    case MAXU:
        if (word) {
            return (uint32_t)m > (uint32_t)v ? m : v;
        }
        return m > v ? m : v;
    }
    FAIL("bad AMO op %d", op);
}

/* Memory around the AMO target, to catch writes outside its bytes */
static volatile uint64_t cell[3] __attribute__((aligned(16)));

#define GUARD 0x5a5a5a5a5a5a5a5aULL

#define AMO(insn, addr, v) ({                                           \
    uint64_t old_;                                                      \
    asm volatile(insn " %0, %2, (%1)"                                   \
                 : "=&r"(old_) : "r"(addr), "r"((uint64_t)(v))          \
                 : "memory");                                           \
    old_;                                                               \
})

/* Runs one AMO and checks rd, the memory result and the guard bytes */
#define CHECK_AMO(insn, op, word, m, v) do {                            \
    uint64_t m_ = (m), v_ = (v), old_, want_;                           \
    cell[0] = GUARD;                                                    \
    cell[2] = GUARD;                                                    \
    cell[1] = word ? (GUARD & ~0xffffffffULL) | (uint32_t)m_ : m_;      \
    old_ = AMO(insn, &cell[1], v_);                                     \
    want_ = amo_model(op, m_, v_, word);                                \
    if (word) {                                                         \
        CHECK_EQ(old_, (uint64_t)(int64_t)(int32_t)m_,                  \
                 "%s rd, m=0x%lx v=0x%lx", insn, m_, v_);               \
        CHECK_EQ(cell[1], (GUARD & ~0xffffffffULL) | (uint32_t)want_,   \
                 "%s memory, m=0x%lx v=0x%lx", insn, m_, v_);           \
    } else {                                                            \
        CHECK_EQ(old_, m_, "%s rd, m=0x%lx v=0x%lx", insn, m_, v_);     \
        CHECK_EQ(cell[1], want_, "%s memory, m=0x%lx v=0x%lx",          \
                 insn, m_, v_);                                         \
    }                                                                   \
    CHECK(cell[0] == GUARD && cell[2] == GUARD,                         \
          "%s wrote outside its bytes", insn);                          \
} while (0)

/* The four ordering encodings of one AMO */
#define CHECK_AMO_ORDERS(name, op, word, m, v) do {                     \
    CHECK_AMO(name, op, word, m, v);                                    \
    CHECK_AMO(name ".aq", op, word, m, v);                              \
    CHECK_AMO(name ".rl", op, word, m, v);                              \
    CHECK_AMO(name ".aqrl", op, word, m, v);                            \
} while (0)

#define CHECK_AMO_BOTH(name, op, m, v) do {                             \
    CHECK_AMO_ORDERS("amo" name ".w", op, true, m, v);                  \
    CHECK_AMO_ORDERS("amo" name ".d", op, false, m, v);                 \
} while (0)

static const uint64_t operands[][2] = {
    { 5, 3 },
    { 3, 5 },
    { -1ULL, 1 },
    { 1, -1ULL },
    { 0x80000000, 0x7fffffff },               /* .w signs differ from .d */
    { 0x7fffffff, 0x1 },                      /* .w add overflows */
    { 0x8000000000000000, 0x7fffffffffffffff },
    { 0x123456789abcdef0, 0xfedcba9876543210 },
    { 0xffffffff00000001, 0x00000001ffffffff }, /* .w ignores high bits */
};

static void test_amos(void)
{
    test_section("AMOs: .w and .d, all ops, all aq/rl encodings");
    for (unsigned i = 0; i < ARRAY_SIZE(operands); i++) {
        uint64_t m = operands[i][0], v = operands[i][1];

        CHECK_AMO_BOTH("swap", SWAP, m, v);
        CHECK_AMO_BOTH("add", ADD, m, v);
        CHECK_AMO_BOTH("xor", XOR, m, v);
        CHECK_AMO_BOTH("and", AND, m, v);
        CHECK_AMO_BOTH("or", OR, m, v);
        CHECK_AMO_BOTH("min", MIN, m, v);
        CHECK_AMO_BOTH("max", MAX, m, v);
        CHECK_AMO_BOTH("minu", MINU, m, v);
        CHECK_AMO_BOTH("maxu", MAXU, m, v);
    }
}

static void test_amo_registers(void)
{
    uint64_t r;

    test_section("AMO with rd = x0 and with rd = rs2");
    cell[1] = 40;
    asm volatile("li t0, 2\n"
                 "amoadd.d x0, t0, (%0)\n"
                 : : "r"(&cell[1]) : "t0", "memory");
    CHECK_EQ(cell[1], 42, "amoadd.d x0 still updates memory");
    cell[1] = 7;
    r = 9;
    asm volatile("amoswap.d %0, %0, (%1)" : "+r"(r) : "r"(&cell[1])
                 : "memory");
    CHECK_EQ(r, 7, "amoswap.d rd == rs2 returns the old value");
    CHECK_EQ(cell[1], 9, "amoswap.d rd == rs2 stores rs2's old value");
    cell[1] = 0xfffffffe;
    r = 1;
    asm volatile("amoadd.w %0, %0, (%1)" : "+r"(r) : "r"(&cell[1])
                 : "memory");
    CHECK_EQ(r, 0xfffffffffffffffe, "amoadd.w rd == rs2");
    CHECK_EQ(cell[1], 0xffffffff, "amoadd.w rd == rs2 memory");
}

/* lr then sc of v at the addresses given; returns sc's rd */
#define LR_SC(lr, sc, lr_addr, sc_addr, v, loaded) ({                   \
    uint64_t rc_;                                                       \
    asm volatile(lr " %1, (%2)\n"                                       \
                 sc " %0, %4, (%3)\n"                                   \
                 : "=&r"(rc_), "=&r"(loaded)                            \
                 : "r"(lr_addr), "r"(sc_addr), "r"((uint64_t)(v))       \
                 : "memory");                                           \
    rc_;                                                                \
})

#define SC(sc, addr, v) ({                                              \
    uint64_t rc_;                                                       \
    asm volatile(sc " %0, %2, (%1)"                                     \
                 : "=&r"(rc_) : "r"(addr), "r"((uint64_t)(v))           \
                 : "memory");                                           \
    rc_;                                                                \
})

static volatile uint64_t far_cell[16] __attribute__((aligned(64)));

static void test_lr_sc(void)
{
    uint64_t loaded, rc;

    test_section("LR/SC: a matching pair succeeds");
    cell[1] = 100;
    rc = LR_SC("lr.d", "sc.d", &cell[1], &cell[1], 101, loaded);
    CHECK_EQ(loaded, 100, "lr.d value");
    CHECK_EQ(rc, 0, "sc.d after lr.d succeeds");
    CHECK_EQ(cell[1], 101, "sc.d stored");
    rc = LR_SC("lr.d.aq", "sc.d.rl", &cell[1], &cell[1], 102, loaded);
    CHECK_EQ(rc, 0, "sc.d.rl after lr.d.aq succeeds");
    rc = LR_SC("lr.d.rl", "sc.d.aq", &cell[1], &cell[1], 104, loaded);
    CHECK_EQ(rc, 0, "sc.d.aq after lr.d.rl succeeds");
    rc = LR_SC("lr.d.aqrl", "sc.d.aqrl", &cell[1], &cell[1], 103, loaded);
    CHECK_EQ(rc, 0, "sc.d.aqrl after lr.d.aqrl succeeds");
    CHECK_EQ(cell[1], 103, "sc.d.aqrl stored");

    cell[0] = GUARD;
    cell[2] = GUARD;
    cell[1] = 0x1111111180000000;
    rc = LR_SC("lr.w", "sc.w", &cell[1], &cell[1], 0xaaaaaaaa12345678,
               loaded);
    CHECK_EQ(loaded, 0xffffffff80000000, "lr.w sign-extends");
    CHECK_EQ(rc, 0, "sc.w after lr.w succeeds");
    CHECK_EQ(cell[1], 0x1111111112345678, "sc.w stores 32 bits");
    CHECK(cell[0] == GUARD && cell[2] == GUARD, "sc.w wrote outside");
    rc = LR_SC("lr.w.aq", "sc.w.rl", &cell[1], &cell[1], 5, loaded);
    CHECK_EQ(loaded, 0x12345678, "lr.w.aq value");
    CHECK_EQ(rc, 0, "sc.w.rl after lr.w.aq succeeds");

    test_section("LR/SC: SC fails without a reservation");
    cell[1] = 200;
    rc = LR_SC("lr.d", "sc.d", &cell[1], &cell[1], 201, loaded);
    CHECK_EQ(rc, 0, "first sc.d succeeds");
    rc = SC("sc.d", &cell[1], 202);
    CHECK(rc != 0, "second sc.d with no lr.d fails");
    CHECK_EQ(cell[1], 201, "failed sc.d stores nothing");
    rc = SC("sc.w", &cell[1], 203);
    CHECK(rc != 0, "sc.w with no reservation fails");
    CHECK_EQ(cell[1], 201, "failed sc.w stores nothing");

    test_section("LR/SC: SC fails after another SC");
    far_cell[0] = 1;
    far_cell[8] = 2;
    asm volatile("lr.d %0, (%1)" : "=r"(loaded) : "r"(&far_cell[0])
                 : "memory");
    rc = SC("sc.d", &far_cell[8], 3);
    CHECK(rc != 0, "sc.d to another cache line than the lr.d fails");
    CHECK_EQ(far_cell[8], 2, "that sc.d stores nothing");
    rc = SC("sc.d", &far_cell[0], 4);
    CHECK(rc != 0, "sc.d after an intervening sc.d fails");
    CHECK_EQ(far_cell[0], 1, "that sc.d stores nothing");
}

int main(void)
{
    test_amos();
    test_amo_registers();
    test_lr_sc();
    return 0;
}
