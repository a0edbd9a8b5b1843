/*
 * test-rv64m.c: the M extension.  Hand-picked edge cases from the spec
 * (division by zero and signed overflow give defined results and never
 * trap; the high-half multiplies of extreme operands; the W forms use the
 * low 32 bits and sign-extend), then pseudo-random operands checked
 * against a shift-and-add / shift-and-subtract model written here without
 * any multiply or divide.
 */
#include "insn.h"

#define INT64_MIN_ 0x8000000000000000ULL
#define INT64_MAX_ 0x7fffffffffffffffULL

static void test_division_edges(void)
{
    test_section("division by zero: quotient all ones, remainder = dividend");
    CHECK_RR("div", 42, 0, -1);
    CHECK_RR("div", -42, 0, -1);
    CHECK_RR("divu", 42, 0, 0xffffffffffffffff);
    CHECK_RR("rem", 42, 0, 42);
    CHECK_RR("rem", -42, 0, -42);
    CHECK_RR("remu", 0x8000000000000001, 0, 0x8000000000000001);
    CHECK_RR("divw", 42, 0, -1);
    CHECK_RR("divw", 42, 0xffffffff00000000, -1);     /* low half is 0 */
    CHECK_RR("divuw", 42, 0, 0xffffffffffffffff);
    CHECK_RR("remw", 0x1234567887654321, 0, 0xffffffff87654321);
    CHECK_RR("remw", 0x12345678, 0x500000000, 0x12345678);
    CHECK_RR("remuw", 0x1234567887654321, 0, 0xffffffff87654321);
    CHECK_RR("remuw", 0x7fffffff, 0, 0x7fffffff);

    test_section("signed overflow: MIN / -1 = MIN, MIN %% -1 = 0");
    CHECK_RR("div", INT64_MIN_, -1, INT64_MIN_);
    CHECK_RR("rem", INT64_MIN_, -1, 0);
    CHECK_RR("divw", 0x80000000, -1, 0xffffffff80000000);
    CHECK_RR("remw", 0x80000000, -1, 0);
    CHECK_RR("divw", 0xabcdef0080000000, 0xffffffff, 0xffffffff80000000);
    CHECK_RR("divu", INT64_MIN_, -1, 0);
    CHECK_RR("remu", INT64_MIN_, -1, INT64_MIN_);

    test_section("signed division truncates toward zero");
    CHECK_RR("div", -7, 2, -3);
    CHECK_RR("rem", -7, 2, -1);
    CHECK_RR("div", 7, -2, -3);
    CHECK_RR("rem", 7, -2, 1);
    CHECK_RR("div", -7, -2, 3);
    CHECK_RR("rem", -7, -2, -1);
    CHECK_RR("divu", -7, 2, 0x7ffffffffffffffc);
    CHECK_RR("remu", -7, 2, 1);
    CHECK_RR("divw", 0xfffffff9, 2, -3);
    CHECK_RR("remw", 0xfffffff9, 2, -1);
    CHECK_RR("divuw", 0xfffffff9, 2, 0x7ffffffc);
    CHECK_RR("remuw", 0xfffffff9, 2, 1);
    /* divuw's 32-bit quotient is sign-extended too */
    CHECK_RR("divuw", 0xffffffff, 1, 0xffffffffffffffff);
    CHECK_RR("divuw", 0x80000000, 1, 0xffffffff80000000);
    CHECK_RR("remuw", 0x80000000, 0x100000000 + 0x90000000, 0xffffffff80000000);
    CHECK_RR("divw", 0x100000006, 0x100000003, 2);
}

static void test_multiply_edges(void)
{
    test_section("mul, mulh, mulhsu, mulhu, mulw edge cases");
    CHECK_RR("mul", INT64_MAX_, 2, 0xfffffffffffffffe);
    CHECK_RR("mul", -1, -1, 1);
    CHECK_RR("mulh", -1, -1, 0);
    CHECK_RR("mulh", -1, 1, 0xffffffffffffffff);
    CHECK_RR("mulh", INT64_MIN_, INT64_MIN_, 0x4000000000000000);
    CHECK_RR("mulh", INT64_MIN_, -1, 0);
    CHECK_RR("mulh", INT64_MAX_, INT64_MAX_, 0x3fffffffffffffff);
    CHECK_RR("mulh", INT64_MIN_, INT64_MAX_, 0xc000000000000000);
    CHECK_RR("mulhu", -1, -1, 0xfffffffffffffffe);
    CHECK_RR("mulhu", INT64_MIN_, 2, 1);
    CHECK_RR("mulhu", 0xffffffff, 0xffffffff, 0);
    /* mulhsu: rs1 signed, rs2 unsigned */
    CHECK_RR("mulhsu", -1, 0xffffffffffffffff, 0xffffffffffffffff);
    CHECK_RR("mulhsu", -1, 1, 0xffffffffffffffff);
    CHECK_RR("mulhsu", 2, INT64_MIN_, 1);
    CHECK_RR("mulhsu", INT64_MIN_, 0xffffffffffffffff, 0x8000000000000000);
    CHECK_RR("mulhsu", INT64_MAX_, 0xffffffffffffffff, 0x7ffffffffffffffe);
    CHECK_RR("mulhsu", -2, 0x8000000000000000, 0xffffffffffffffff);
    CHECK_RR("mulhsu", 0, -1, 0);
    CHECK_RR("mulw", 0x7fffffff, 2, 0xfffffffffffffffe);
    CHECK_RR("mulw", 0x10000, 0x10000, 0);
    CHECK_RR("mulw", 0x123456700000003, 0xabcdef0000000005, 15);
    CHECK_RR("mulw", 0x8000, 0x10000, 0xffffffff80000000);
}

/* Reference model: plain shifts, adds and compares only */

typedef struct U128 {
    uint64_t hi, lo;
} U128;

static U128 umul_model(uint64_t a, uint64_t b)
{
    U128 r = { 0, 0 };
    uint64_t ahi = 0, alo = a;

    for (int i = 0; i < 64; i++) {
        if ((b >> i) & 1) {
            uint64_t lo = r.lo + alo;

            r.hi += ahi + (lo < r.lo);
            r.lo = lo;
        }
        ahi = (ahi << 1) | (alo >> 63);
        alo <<= 1;
    }
    return r;
}

static U128 neg128(U128 x)
{
    U128 r = { ~x.hi, ~x.lo };

    r.lo++;
    if (r.lo == 0) {
        r.hi++;
    }
    return r;
}

static uint64_t mulh_model(uint64_t a, uint64_t b, bool a_signed, bool b_signed)
{
    bool neg = false;
    U128 r;

    if (a_signed && (int64_t)a < 0) {
        a = -a;
        neg = !neg;
    }
    if (b_signed && (int64_t)b < 0) {
        b = -b;
        neg = !neg;
    }
    r = umul_model(a, b);
    return neg ? neg128(r).hi : r.hi;
}

static void udiv_model(uint64_t n, uint64_t d, uint64_t *q, uint64_t *r)
{
    uint64_t quot = 0, rem = 0;

    if (d == 0) {
        *q = ~0ULL;
        *r = n;
        return;
    }
    for (int i = 63; i >= 0; i--) {
        bool carry = rem >> 63;

        rem = (rem << 1) | ((n >> i) & 1);
        if (carry || rem >= d) {
            rem -= d;
            quot |= 1ULL << i;
        }
    }
    *q = quot;
    *r = rem;
}

static void sdiv_model(int64_t n, int64_t d, uint64_t *q, uint64_t *r)
{
    uint64_t uq, ur;

    if (d == 0) {
        *q = ~0ULL;
        *r = n;
        return;
    }
    if ((uint64_t)n == INT64_MIN_ && d == -1) {
        *q = n;
        *r = 0;
        return;
    }
    udiv_model(n < 0 ? -(uint64_t)n : (uint64_t)n,
               d < 0 ? -(uint64_t)d : (uint64_t)d, &uq, &ur);
    *q = (n < 0) != (d < 0) ? -uq : uq;
    *r = n < 0 ? -ur : ur;
}

static uint64_t sext32(uint64_t x)
{
    return (uint64_t)(int64_t)(int32_t)(uint32_t)x;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t xorshift(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Random operands, biased toward the interesting edges */
static uint64_t random_operand(void)
{
    static const uint64_t edges[] = {
        0, 1, 2, -1ULL, -2ULL, INT64_MIN_, INT64_MAX_, 0x80000000,
        0x7fffffff, 0xffffffff, 0xffffffff80000000, 0x100000000,
    };
    uint64_t r = xorshift();

    switch (r & 7) {
    case 0:
        return edges[(r >> 8) % ARRAY_SIZE(edges)];
    case 1:
        return (r >> 3) & 0xffff;                    /* small */
    case 2:
        return -((r >> 3) & 0xffff);                 /* small negative */
    case 3:
        return r >> (r & 63);                        /* any magnitude */
    default:
        return xorshift();
    }
}

static void check_pair(uint64_t a, uint64_t b)
{
    uint64_t q, r;
    U128 p = umul_model(a, b);

    CHECK_RR("mul", a, b, p.lo);
    CHECK_RR("mulhu", a, b, p.hi);
    CHECK_RR("mulh", a, b, mulh_model(a, b, true, true));
    CHECK_RR("mulhsu", a, b, mulh_model(a, b, true, false));
    CHECK_RR("mulw", a, b, sext32(umul_model(a & 0xffffffff,
                                             b & 0xffffffff).lo));
    udiv_model(a, b, &q, &r);
    CHECK_RR("divu", a, b, q);
    CHECK_RR("remu", a, b, r);
    sdiv_model(a, b, &q, &r);
    CHECK_RR("div", a, b, q);
    CHECK_RR("rem", a, b, r);
    udiv_model(a & 0xffffffff, b & 0xffffffff, &q, &r);
    CHECK_RR("divuw", a, b, (b & 0xffffffff) ? sext32(q) : ~0ULL);
    CHECK_RR("remuw", a, b, sext32(r));
    sdiv_model(sext32(a), sext32(b), &q, &r);
    if ((uint32_t)a == 0x80000000 && (uint32_t)b == 0xffffffff) {
        q = sext32(a);                               /* 32-bit overflow */
        r = 0;
    }
    CHECK_RR("divw", a, b, sext32(q));
    CHECK_RR("remw", a, b, sext32(r));
}

static void test_random(void)
{
    test_section("random operands against a shift-and-add model");
    for (int i = 0; i < 400; i++) {
        check_pair(random_operand(), random_operand());
    }
}

int main(void)
{
    test_division_edges();
    test_multiply_edges();
    test_random();
    return 0;
}
