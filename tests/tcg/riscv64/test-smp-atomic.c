/*
 * test-smp-atomic.c: AMOs and LR/SC between every hart at once
 * (registered at -smp 2, 4 and 8).
 *
 * AMOs: all harts hammer shared words with amoadd, amoswap, amoor/amoand,
 * amoxor and amomin/amomax (signed and unsigned), in .w and .d, each hart
 * cycling through the four aq/rl encodings out of step with the others.
 * The final values must be exact, and so must what the AMOs returned:
 * amoadd hands out every old value exactly once, tokens passed around with
 * amoswap are neither duplicated nor lost, a hart's own bit in a word
 * everybody writes reads back as that hart left it, a running maximum
 * never goes down as one hart sees it, and the neighbours of a .w word
 * are never written.
 *
 * LR/SC: fetch-and-add loops (.w and .d) and a compare-and-swap built
 * from LR/SC that hands out slots of a log, each of which must be taken
 * exactly once and in each hart's order; an SC after another hart's
 * store to the reserved word fails (every ordered pair of harts); an SC
 * without a reservation (none, already used, another address) fails and
 * writes nothing.
 */
#include "smp.h"

/*
 * Each section runs ROUNDS timed rounds of ROUND_TICKS of mtime (smp.h's
 * SMP_FOR_ROUNDS), so that the harts overlap even on a busy host, and
 * stops early at MAX_ITERATIONS per hart.  The checks use the counts each
 * hart reached.
 */
#define ROUNDS 4
#define ROUND_TICKS (CLINT_TIMEBASE_HZ / 40)        /* 25 ms */
#define MAX_ITERATIONS 100000                       /* per hart */

/* An AMO whose aq/rl bits are chosen by k: none, aq, rl, aqrl */
#define AMO_ASM(insn, p, v)                                             \
    ({                                                                  \
        uint64_t old_;                                                  \
        asm volatile(insn " %0, %2, (%1)"                               \
                     : "=&r"(old_) : "r"(p), "r"((uint64_t)(v))         \
                     : "memory");                                       \
        old_;                                                           \
    })
#define AMO(op, k, p, v)                                                \
    ({                                                                  \
        uint64_t r_;                                                    \
        switch ((k) & 3) {                                              \
        case 0:                                                         \
            r_ = AMO_ASM(op, p, v);                                     \
            break;                                                      \
        case 1:                                                         \
            r_ = AMO_ASM(op ".aq", p, v);                               \
            break;                                                      \
        case 2:                                                         \
            r_ = AMO_ASM(op ".rl", p, v);                               \
            break;                                                      \
        default:                                                        \
            r_ = AMO_ASM(op ".aqrl", p, v);                             \
            break;                                                      \
        }                                                               \
        r_;                                                             \
    })

#define SEXT32(x) ((uint64_t)(int64_t)(int32_t)(x))

/* Shared words, each on its own line; hart 0 sets them up between runs */
#define LINE __attribute__((aligned(64)))
static struct {
    LINE uint64_t add_d;
    LINE uint32_t add_w[4];     /* the counter is [1]; the rest are guards */
    LINE uint64_t swap_d;
    LINE uint32_t swap_w[2];    /* [0]; [1] is a guard */
    LINE uint64_t bits_d;
    LINE uint32_t bits_w[2];
    LINE uint64_t flip_d;       /* bit h: hart h's, flipped with amoxor */
    LINE uint32_t xor_w[2];     /* random patterns xored in */
    LINE int64_t max_d, min_d;
    LINE uint64_t maxu_d, minu_d;
    LINE int32_t max_w, min_w;
    LINE uint32_t maxu_w, minu_w;
} amo;

#define GUARD 0x5a5a5a5au

/*
 * Each hart's running state and what it saw; written by that hart, read
 * by hart 0 afterwards.
 */
static struct hart_amo {
    unsigned count;             /* iterations done */
    uint64_t seed;              /* its random values */
    uint64_t swap_d, swap_w;    /* the token it holds */
    uint64_t xor_w;             /* xor of the patterns it applied */
    uint64_t prev_add;          /* its last amoadd.d old value */
    int64_t max_d, min_d;       /* extremes of its own values */
    uint64_t maxu_d, minu_d;
    int32_t max_w, min_w;
    uint32_t maxu_w, minu_w;
    int64_t seen_max, seen_min; /* the shared extremes as it last saw them */
    uint64_t seen_maxu, seen_minu;
    uint64_t interleaved;       /* amoadd.d steps past another hart's */
    const char *bad;            /* first broken expectation, or NULL */
    uint64_t bad_i, bad_got, bad_want;
} LINE seen[MAX_HARTS];

/* amoadd.d's old values, one bit each: set with amoor, never twice */
static uint64_t *handed_out;

static struct smp_rounds amo_rounds, add_rounds, cas_rounds;

static uint64_t seed_of(unsigned hart)
{
    return 0x9e3779b97f4a7c15ULL * (hart + 1);
}

static void note_bad(struct hart_amo *s, const char *what, uint64_t i,
                     uint64_t got, uint64_t want)
{
    if (!s->bad) {
        s->bad = what;
        s->bad_i = i;
        s->bad_got = got;
        s->bad_want = want;
    }
}

/* Iteration i of hart's AMOs */
static void amo_step(unsigned hart, struct hart_amo *s, unsigned i)
{
    uint64_t bit = 1ULL << hart;
    uint32_t bit_w = 1u << (hart % 32);
    unsigned k = i + hart;
    uint64_t v = smp_rand(&s->seed), old;
    int32_t vw = (int32_t)v;

    /* amoadd: every old value once, increasing for one hart */
    old = AMO("amoadd.d", k, &amo.add_d, 1);
    if (i && old <= s->prev_add) {
        note_bad(s, "amoadd.d old values not increasing", i, old,
                 s->prev_add + 1);
    }
    s->interleaved += i && old != s->prev_add + 1;
    s->prev_add = old;
    if (old < smp_harts * MAX_ITERATIONS &&
        AMO("amoor.d", k, &handed_out[old / 64], 1ULL << (old % 64)) &
        (1ULL << (old % 64))) {
        note_bad(s, "amoadd.d handed out an old value twice", i, old,
                 ~0ULL);
    }
    old = AMO("amoadd.w", k, &amo.add_w[1], 0x10001);
    if (old != SEXT32(old)) {
        note_bad(s, "amoadd.w result not sign-extended", i, old,
                 SEXT32(old));
    }

    /* amoswap: pass tokens around */
    s->swap_d = AMO("amoswap.d", k, &amo.swap_d, s->swap_d);
    s->swap_w = AMO("amoswap.w", k, &amo.swap_w[0], s->swap_w);

    /* amoor/amoand: my bit, set then cleared, in a shared word */
    old = AMO("amoor.d", k, &amo.bits_d, bit);
    if (old & bit) {
        note_bad(s, "amoor.d: my bit already set", i, old, 0);
    }
    old = AMO("amoand.d", k + 1, &amo.bits_d, ~bit);
    if (!(old & bit)) {
        note_bad(s, "amoand.d: my bit lost", i, old, bit);
    }
    if (hart < 32) {
        old = AMO("amoor.w", k + 2, &amo.bits_w[0], bit_w);
        if (old & bit_w) {
            note_bad(s, "amoor.w: my bit already set", i, old, 0);
        }
        old = AMO("amoand.w", k + 3, &amo.bits_w[0], ~bit_w);
        if (!(old & bit_w)) {
            note_bad(s, "amoand.w: my bit lost", i, old, bit_w);
        }
    }

    /* amoxor: flip my bit; random patterns into a shared .w word */
    old = AMO("amoxor.d", k, &amo.flip_d, bit);
    if (!!(old & bit) != (i & 1)) {
        note_bad(s, "amoxor.d: my bit not as I left it", i, old & bit,
                 (i & 1) ? bit : 0);
    }
    AMO("amoxor.w", k + 1, &amo.xor_w[0], v >> 32);
    s->xor_w ^= (uint32_t)(v >> 32);

    /* amomax/amomin: never going back, as I see them */
    old = AMO("amomax.d", k, &amo.max_d, v);
    if ((int64_t)old < s->seen_max) {
        note_bad(s, "amomax.d went down", i, old, s->seen_max);
    }
    s->seen_max = (int64_t)old > (int64_t)v ? (int64_t)old : (int64_t)v;
    old = AMO("amomin.d", k + 1, &amo.min_d, v);
    if ((int64_t)old > s->seen_min) {
        note_bad(s, "amomin.d went up", i, old, s->seen_min);
    }
    s->seen_min = (int64_t)old < (int64_t)v ? (int64_t)old : (int64_t)v;
    old = AMO("amomaxu.d", k + 2, &amo.maxu_d, v);
    if (old < s->seen_maxu) {
        note_bad(s, "amomaxu.d went down", i, old, s->seen_maxu);
    }
    s->seen_maxu = old > v ? old : v;
    old = AMO("amominu.d", k + 3, &amo.minu_d, v);
    if (old > s->seen_minu) {
        note_bad(s, "amominu.d went up", i, old, s->seen_minu);
    }
    s->seen_minu = old < v ? old : v;
    AMO("amomax.w", k, &amo.max_w, (int64_t)vw);
    AMO("amomin.w", k + 1, &amo.min_w, (int64_t)vw);
    AMO("amomaxu.w", k + 2, &amo.maxu_w, (int64_t)vw);
    AMO("amominu.w", k + 3, &amo.minu_w, (int64_t)vw);

    /* What the shared extremes must end at */
    s->max_d = (int64_t)v > s->max_d ? (int64_t)v : s->max_d;
    s->min_d = (int64_t)v < s->min_d ? (int64_t)v : s->min_d;
    s->maxu_d = v > s->maxu_d ? v : s->maxu_d;
    s->minu_d = v < s->minu_d ? v : s->minu_d;
    s->max_w = vw > s->max_w ? vw : s->max_w;
    s->min_w = vw < s->min_w ? vw : s->min_w;
    s->maxu_w = (uint32_t)vw > s->maxu_w ? (uint32_t)vw : s->maxu_w;
    s->minu_w = (uint32_t)vw < s->minu_w ? (uint32_t)vw : s->minu_w;
}

static void amo_body(unsigned hart, void *unused)
{
    struct hart_amo *s = &seen[hart];

    memset(s, 0, sizeof(*s));
    s->seed = seed_of(hart);
    s->swap_d = s->swap_w = hart + 1;
    s->max_d = s->seen_max = INT64_MIN;
    s->min_d = s->seen_min = INT64_MAX;
    s->minu_d = s->seen_minu = ~0ULL;
    s->max_w = INT32_MIN;
    s->min_w = INT32_MAX;
    s->minu_w = ~0u;
    SMP_FOR_ROUNDS(&amo_rounds, &s->count, MAX_ITERATIONS,
                   amo_step(hart, s, s->count));
}

/* Each of the values 0..harts (the tokens and the slot's 0) exactly once */
static void check_tokens(const char *what, uint64_t slot, int field)
{
    static uint8_t count[MAX_HARTS + 1];
    uint64_t v;

    memset(count, 0, sizeof(count));
    for (unsigned h = 0; h <= smp_harts; h++) {
        v = h == smp_harts ? slot
                           : field ? seen[h].swap_w : seen[h].swap_d;
        CHECK(v <= smp_harts, "%s: a token %lu that nobody had", what, v);
        count[v]++;
    }
    for (unsigned t = 0; t <= smp_harts; t++) {
        CHECK_EQ(count[t], 1, "%s: copies of token %u", what, t);
    }
}

static void test_amo(void)
{
    uint64_t n = 0, w, xor_w = 0, interleaved = 0, flips = 0;
    int64_t max_d = INT64_MIN, min_d = INT64_MAX;
    uint64_t maxu_d = 0, minu_d = ~0ULL;
    int32_t max_w = INT32_MIN, min_w = INT32_MAX;
    uint32_t maxu_w = 0, minu_w = ~0u;

    test_section("AMOs from every hart, every aq/rl encoding");
    w = smp_harts * MAX_ITERATIONS;
    handed_out = page_alloc((w / 64 * 8 + PAGE_SIZE - 1) / PAGE_SIZE + 1);
    amo.add_w[0] = amo.add_w[2] = amo.add_w[3] = GUARD;
    amo.swap_w[1] = amo.bits_w[1] = amo.xor_w[1] = GUARD;
    amo.max_d = INT64_MIN;
    amo.min_d = INT64_MAX;
    amo.minu_d = ~0ULL;
    amo.max_w = INT32_MIN;
    amo.min_w = INT32_MAX;
    amo.minu_w = ~0u;
    smp_rounds_init(&amo_rounds, ROUNDS, ROUND_TICKS);
    smp_run(amo_body, NULL);

    for (unsigned h = 0; h < smp_harts; h++) {
        struct hart_amo *s = &seen[h];

        CHECK(!s->bad, "%s, seen by hart %u at its iteration %lu: 0x%lx, "
              "expected 0x%lx", s->bad, h, s->bad_i, s->bad_got,
              s->bad_want);
        n += s->count;
        flips |= (uint64_t)(s->count & 1) << h;
        xor_w ^= s->xor_w;
        interleaved += s->interleaved;
        max_d = s->max_d > max_d ? s->max_d : max_d;
        min_d = s->min_d < min_d ? s->min_d : min_d;
        maxu_d = s->maxu_d > maxu_d ? s->maxu_d : maxu_d;
        minu_d = s->minu_d < minu_d ? s->minu_d : minu_d;
        max_w = s->max_w > max_w ? s->max_w : max_w;
        min_w = s->min_w < min_w ? s->min_w : min_w;
        maxu_w = s->maxu_w > maxu_w ? s->maxu_w : maxu_w;
        minu_w = s->minu_w < minu_w ? s->minu_w : minu_w;
    }
    CHECK_EQ(amo.add_d, n, "amoadd.d total");
    for (w = 0; w < n && (handed_out[w / 64] >> (w % 64) & 1); w++) {
        /* find the first old value never handed out */
    }
    CHECK_EQ(w, n, "the first old value amoadd.d never returned");
    CHECK_EQ(amo.add_w[1], (uint32_t)(n * 0x10001), "amoadd.w total");
    CHECK_EQ(amo.add_w[0], GUARD, "word below the amoadd.w counter");
    CHECK_EQ(amo.add_w[2], GUARD, "word above the amoadd.w counter");
    check_tokens("amoswap.d", amo.swap_d, 0);
    check_tokens("amoswap.w", amo.swap_w[0], 1);
    CHECK_EQ(amo.swap_w[1], GUARD, "word above the amoswap.w slot");
    CHECK_EQ(amo.bits_d, 0, "amoor.d/amoand.d bits all cleared");
    CHECK_EQ(amo.bits_w[0], 0, "amoor.w/amoand.w bits all cleared");
    CHECK_EQ(amo.bits_w[1], GUARD, "word above the amoor.w word");
    CHECK_EQ(amo.flip_d, flips, "amoxor.d flipped bits");
    CHECK_EQ(amo.xor_w[0], (uint32_t)xor_w, "amoxor.w patterns");
    CHECK_EQ(amo.xor_w[1], GUARD, "word above the amoxor.w word");
    CHECK_EQ(amo.max_d, max_d, "amomax.d");
    CHECK_EQ(amo.min_d, min_d, "amomin.d");
    CHECK_EQ(amo.maxu_d, maxu_d, "amomaxu.d");
    CHECK_EQ(amo.minu_d, minu_d, "amominu.d");
    CHECK_EQ((uint32_t)amo.max_w, (uint32_t)max_w, "amomax.w");
    CHECK_EQ((uint32_t)amo.min_w, (uint32_t)min_w, "amomin.w");
    CHECK_EQ(amo.maxu_w, maxu_w, "amomaxu.w");
    CHECK_EQ(amo.minu_w, minu_w, "amominu.w");
    test_note("%lu iterations; %lu of the amoadd.d found another hart's "
              "increment since the hart's previous one (for information)",
              n, interleaved);
}

/* LR/SC */

static LINE volatile uint64_t lrsc_d;
static LINE volatile uint32_t lrsc_w[2];
static LINE volatile uint64_t log_next;
static uint64_t *log_slots;
static struct {
    unsigned adds, slots;       /* iterations done */
    uint64_t sc_failures;
} LINE lrsc_seen[MAX_HARTS];

/*
 * Fetch-and-add with an LR/SC loop that counts the SCs that failed:
 * lrsc_add_d (lr.d.aq/sc.d.rl) and lrsc_add_w (lr.w/sc.w, addw).
 */
#define LRSC_ADD(name, type, lr, add, sc)                               \
    static uint64_t name(volatile type *p, uint64_t inc,                \
                         uint64_t *failures)                            \
    {                                                                   \
        uint64_t old, tmp;                                              \
                                                                        \
        asm volatile("1: " lr " %0, (%3)\n"                             \
                     "   " add " %1, %0, %4\n"                          \
                     "   " sc " %1, %1, (%3)\n"                         \
                     "   beqz %1, 2f\n"                                 \
                     "   addi %2, %2, 1\n"                              \
                     "   j 1b\n"                                        \
                     "2:\n"                                             \
                     : "=&r"(old), "=&r"(tmp), "+r"(*failures)          \
                     : "r"(p), "r"(inc) : "memory");                    \
        return old;                                                     \
    }

LRSC_ADD(lrsc_add_d, uint64_t, "lr.d.aq", "add", "sc.d.rl")
LRSC_ADD(lrsc_add_w, uint32_t, "lr.w", "addw", "sc.w")

/* Compare-and-swap from LR/SC: returns what *p held; stored if expected */
static uint64_t cas_d(volatile uint64_t *p, uint64_t expected,
                      uint64_t desired)
{
    uint64_t found, rc;

    asm volatile("1: lr.d.aqrl %0, (%2)\n"
                 "   bne %0, %3, 2f\n"
                 "   sc.d.rl %1, %4, (%2)\n"
                 "   bnez %1, 1b\n"
                 "2:\n"
                 : "=&r"(found), "=&r"(rc)
                 : "r"(p), "r"(expected), "r"(desired) : "memory");
    return found;
}

static void lrsc_add_step(uint64_t *failures, uint64_t *prev, unsigned i)
{
    uint64_t old = lrsc_add_d(&lrsc_d, 3, failures);

    if (i && old <= *prev) {
        FAIL("LR/SC fetch-add: old value 0x%lx after 0x%lx", old, *prev);
    }
    *prev = old;
    old = lrsc_add_w(&lrsc_w[0], 0x10001, failures);
    if (old != SEXT32(old)) {
        FAIL("lr.w result 0x%lx not sign-extended", old);
    }
}

/* Takes the next log slot with the CAS and writes who took it */
static void cas_step(unsigned hart, unsigned i)
{
    uint64_t old = __atomic_load_n(&log_next, __ATOMIC_RELAXED), found;

    while ((found = cas_d(&log_next, old, old + 1)) != old) {
        old = found;
    }
    log_slots[old] = (uint64_t)(hart + 1) << 32 | i;
}

static void lrsc_body(unsigned hart, void *unused)
{
    uint64_t failures = 0, prev = 0;

    SMP_FOR_ROUNDS(&add_rounds, &lrsc_seen[hart].adds, MAX_ITERATIONS,
                   lrsc_add_step(&failures, &prev, lrsc_seen[hart].adds));
    lrsc_seen[hart].sc_failures = failures;
    SMP_FOR_ROUNDS(&cas_rounds, &lrsc_seen[hart].slots, MAX_ITERATIONS,
                   cas_step(hart, lrsc_seen[hart].slots));
}

static void test_lrsc_counters(void)
{
    uint64_t n_add = 0, n_cas = 0, failures = 0;
    uint32_t next[MAX_HARTS] = { 0 };

    test_section("LR/SC: fetch-and-add loops and a CAS");
    log_slots = page_alloc((smp_harts * MAX_ITERATIONS * 8 + PAGE_SIZE - 1)
                           / PAGE_SIZE);
    lrsc_w[1] = GUARD;
    smp_rounds_init(&add_rounds, ROUNDS, ROUND_TICKS);
    smp_rounds_init(&cas_rounds, ROUNDS, ROUND_TICKS);
    smp_run(lrsc_body, NULL);
    for (unsigned h = 0; h < smp_harts; h++) {
        n_add += lrsc_seen[h].adds;
        n_cas += lrsc_seen[h].slots;
        failures += lrsc_seen[h].sc_failures;
    }
    CHECK_EQ(lrsc_d, 3 * n_add, "lr.d/sc.d fetch-add total");
    CHECK_EQ(lrsc_w[0], (uint32_t)(0x10001 * n_add),
             "lr.w/sc.w fetch-add total");
    CHECK_EQ(lrsc_w[1], GUARD, "word above the lr.w/sc.w counter");
    CHECK_EQ(log_next, n_cas, "CAS counter");
    for (uint64_t i = 0; i < n_cas; i++) {
        uint64_t e = log_slots[i];
        unsigned h = (e >> 32) - 1;

        if (h >= smp_harts || (uint32_t)e != next[h]) {
            FAIL("log slot %lu holds 0x%lx: not the next slot of any hart "
                 "(a CAS handed it out twice or out of order)", i, e);
        }
        next[h]++;
    }
    for (unsigned h = 0; h < smp_harts; h++) {
        CHECK_EQ(next[h], lrsc_seen[h].slots, "log slots taken by hart %u",
                 h);
    }
    test_note("%lu fetch-adds, %lu CAS slots; %lu of the fetch-add SCs "
              "failed and were retried (for information)", n_add, n_cas,
              failures);
}

/* Raw LR and SC on one word: lr_d/sc_d and lr_w/sc_w */
#define LR_SC(sfx, type)                                                \
    static uint64_t lr_##sfx(volatile type *p)                          \
    {                                                                   \
        uint64_t v;                                                     \
                                                                        \
        asm volatile("lr." #sfx " %0, (%1)" : "=r"(v) : "r"(p)          \
                     : "memory");                                       \
        return v;                                                       \
    }                                                                   \
    static uint64_t sc_##sfx(volatile type *p, uint64_t v)              \
    {                                                                   \
        uint64_t rc;                                                    \
                                                                        \
        asm volatile("sc." #sfx " %0, %2, (%1)" : "=&r"(rc)             \
                     : "r"(p), "r"(v) : "memory");                      \
        return rc;                                                      \
    }

LR_SC(d, uint64_t)
LR_SC(w, uint32_t)

/* words[r][s]: reserved by hart r, stored to by hart s */
static LINE volatile uint64_t pair_words[MAX_HARTS][MAX_HARTS];
static LINE volatile uint64_t own_words[MAX_HARTS][8];
static volatile uint32_t aba_succeeded;

#define PAIR_INIT(r, s) (0x1000 + (r) * 0x100 + (s))
#define PAIR_STORED(r, s) (0x2000 + (r) * 0x100 + (s))

static void remote_store_body(unsigned me, void *unused)
{
    volatile uint64_t *own = own_words[me];
    uint64_t loaded = 0;

    /* Every ordered pair (r, s): r reserves, s stores, r's SC fails */
    for (unsigned r = 0; r < smp_harts; r++) {
        for (unsigned s = 0; s < smp_harts; s++) {
            volatile uint64_t *w = &pair_words[r][s];

            if (r == s) {
                continue;
            }
            if (me == r) {
                *w = PAIR_INIT(r, s);
                loaded = lr_d(w);
            }
            smp_sync();
            if (me == s) {
                *w = PAIR_STORED(r, s);
            }
            smp_sync();
            if (me == r) {
                CHECK_EQ(loaded, PAIR_INIT(r, s), "lr.d of word [%u][%u]",
                         r, s);
                CHECK(sc_d(w, loaded + 1) != 0,
                      "sc.d succeeded after hart %u stored to the reserved "
                      "word", s);
                CHECK_EQ(*w, PAIR_STORED(r, s), "hart %u's store to the "
                         "reserved word", s);
            }
        }
    }

    /*
     * The control: with nobody storing, the same sequence's SC succeeds.
     * The architecture allows it to fail; Grace and QEMU keep the
     * reservation, and without this a broken SC that always fails would
     * pass the checks above.
     */
    own[0] = 7;
    loaded = lr_d(&own[0]);
    smp_sync();
    smp_sync();
    CHECK_EQ(sc_d(&own[0], loaded + 1), 0,
             "sc.d without any store in between");
    CHECK_EQ(own[0], 8, "sc.d's store");

    /* The ABA case, for information: another hart stores the same value */
    if (me == 0) {
        own[1] = 5;
        loaded = lr_d(&own[1]);
    }
    smp_sync();
    if (me == 1) {
        own_words[0][1] = 5;
    }
    smp_sync();
    if (me == 0 && sc_d(&own[1], loaded + 1) == 0) {
        aba_succeeded = 1;
    }
}

static void no_reservation_body(unsigned me, void *unused)
{
    volatile uint64_t *own = own_words[me];
    volatile uint32_t *own_w = (volatile uint32_t *)&own[4];
    uint64_t v;

    /* Reserve the same offsets everywhere, at the same time */
    own[2] = 10;
    own[3] = 20;
    smp_sync();

    /*
     * The word is put back to what the LR read, so that an SC comparing
     * values (as Grace's and QEMU's do) would succeed if the reservation
     * had survived the first SC.
     */
    v = lr_d(&own[2]);
    CHECK_EQ(sc_d(&own[2], v + 1), 0, "sc.d after lr.d");
    own[2] = v;
    CHECK(sc_d(&own[2], 99) != 0, "a second sc.d on a used reservation "
          "succeeded");
    CHECK_EQ(own[2], 10, "the word after the second sc.d");

    v = lr_d(&own[2]);
    CHECK(sc_d(&own[3], 99) != 0, "sc.d to another address than lr.d's "
          "succeeded");
    CHECK_EQ(own[3], 20, "the other word after the failed sc.d");
    CHECK(sc_d(&own[2], 99) != 0, "sc.d after a failed sc.d succeeded");
    CHECK_EQ(own[2], 10, "the reserved word after the failed sc.d's");

    own_w[0] = 30;
    own_w[1] = GUARD;
    v = lr_w(own_w);
    CHECK_EQ(sc_w(own_w, v + 1), 0, "sc.w after lr.w");
    own_w[0] = v;
    CHECK(sc_w(own_w, 99) != 0, "a second sc.w succeeded");
    CHECK_EQ(own_w[0], 30, "the word after the second sc.w");
    CHECK_EQ(own_w[1], GUARD, "the word above it");
    smp_sync();
}

int main(void)
{
    smp_require(2);

    test_amo();
    test_lrsc_counters();

    test_section("another hart's store between LR and SC fails the SC "
                 "(%u pairs)", smp_harts * (smp_harts - 1));
    smp_run(remote_store_body, NULL);
    test_note("sc.d after another hart stored the value it already held "
              "%s (for information: the architecture says it fails; an "
              "SC that compares values succeeds)",
              aba_succeeded ? "succeeded" : "failed");

    test_section("an SC without a reservation fails and writes nothing");
    smp_run(no_reservation_body, NULL);
    return 0;
}
