/*
 * test-smp-litmus.c: memory-model litmus tests between pairs of harts
 * (registered at -smp 2, 4 and 8; harts 2i and 2i+1 form pair i, and all
 * pairs run at once).
 *
 * Message passing (MP): one hart stores data = 1 and then flag = 1, the
 * other loads flag and then data.  Seeing flag = 1 but data = 0 is
 * forbidden by RVWMO once the writer orders its stores (fence rw,rw;
 * fence w,w; or a release AMO for the flag) and the reader its loads
 * (fence rw,rw; fence r,r; or an acquire AMO for the flag).
 *
 * Store buffering (SB): each hart stores 1 to its own word and then
 * loads the other's.  Both loads seeing 0 is forbidden once each hart
 * orders its store before its load: fence rw,rw, an AMO with aq and rl
 * as the store, or an LR with aq and rl as the load.
 *
 * Each pair runs each variant for a while.  In every iteration the two
 * harts meet at a barrier (spinning), wait for the same tick of mtime
 * and then a random few pauses, and run their halves on words of their
 * own for this iteration; hart 0 tallies the outcomes afterwards.
 * A forbidden outcome of a variant with orderings fails the test; the
 * variants without orderings only report how often the relaxed outcome
 * appeared, for information (it depends on the host and its load, and
 * may well be 0).
 */
#include "smp.h"

/*
 * A pair runs a variant for VARIANT_TICKS of mtime, and on for up to
 * twice that until it has MIN_ITERATIONS; at most MAX_ITERATIONS.  The
 * two harts spin at their barrier rather than sleep, so that they run
 * their halves while the host runs both at once: on a busy host that
 * happens now and then, and the iterations bunch up there.
 */
#define VARIANT_TICKS (CLINT_TIMEBASE_HZ / 10)          /* 100 ms */
#define MIN_ITERATIONS 500
#define MAX_ITERATIONS 20000
#define LINE __attribute__((aligned(64)))

/* Each half returns what it loaded (MP writer: 0) */
typedef uint64_t LitmusHalf(volatile uint64_t *a, volatile uint64_t *b);

/*
 * MP: a = data, b = flag.  The reader returns flag << 1 | data, so the
 * forbidden outcome is 2.
 */
#define MP_WRITER(name, order)                                          \
    static uint64_t name(volatile uint64_t *data, volatile uint64_t *flag) \
    {                                                                   \
        asm volatile("sd %2, 0(%0)\n" order "\nsd %2, 0(%1)"            \
                     : : "r"(data), "r"(flag), "r"(1) : "memory");     \
        return 0;                                                       \
    }
#define MP_READER(name, order)                                          \
    static uint64_t name(volatile uint64_t *data, volatile uint64_t *flag) \
    {                                                                   \
        uint64_t f, d;                                                  \
        asm volatile("ld %0, 0(%3)\n" order "\nld %1, 0(%2)"            \
                     : "=&r"(f), "=&r"(d) : "r"(data), "r"(flag)        \
                     : "memory");                                       \
        return f << 1 | d;                                              \
    }

MP_WRITER(mp_w_plain, "")
MP_READER(mp_r_plain, "")
MP_WRITER(mp_w_fence, "fence rw, rw")
MP_READER(mp_r_fence, "fence rw, rw")
MP_WRITER(mp_w_fence_ww, "fence w, w")
MP_READER(mp_r_fence_rr, "fence r, r")

/* Release: the flag stored by amoswap.d.rl; acquire: read by amoor.d.aq */
static uint64_t mp_w_release(volatile uint64_t *data, volatile uint64_t *flag)
{
    asm volatile("sd %2, 0(%0)\n"
                 "amoswap.d.rl zero, %2, (%1)"
                 : : "r"(data), "r"(flag), "r"(1) : "memory");
    return 0;
}

static uint64_t mp_r_acquire(volatile uint64_t *data, volatile uint64_t *flag)
{
    uint64_t f, d;

    asm volatile("amoor.d.aq %0, zero, (%3)\n"
                 "ld %1, 0(%2)"
                 : "=&r"(f), "=&r"(d) : "r"(data), "r"(flag) : "memory");
    return f << 1 | d;
}

/*
 * SB: a is this hart's word, b the other's; returns what it loaded.  The
 * outcome is first half's load << 1 | second half's: forbidden is 0.
 */
#define SB_HALF(name, store, order, load)                               \
    static uint64_t name(volatile uint64_t *mine, volatile uint64_t *other) \
    {                                                                   \
        uint64_t r;                                                     \
        asm volatile(store "\n" order "\n" load                         \
                     : "=&r"(r) : "r"(mine), "r"(other), "r"(1)         \
                     : "memory");                                       \
        return r;                                                       \
    }

SB_HALF(sb_plain, "sd %3, 0(%1)", "", "ld %0, 0(%2)")
SB_HALF(sb_fence, "sd %3, 0(%1)", "fence rw, rw", "ld %0, 0(%2)")
SB_HALF(sb_amo, "amoswap.d.aqrl zero, %3, (%1)", "", "ld %0, 0(%2)")
SB_HALF(sb_lr, "sd %3, 0(%1)", "", "lr.d.aqrl %0, (%2)")

enum { MP, SB };

static const struct variant {
    const char *name;
    int shape;
    bool ordered;               /* the relaxed outcome is forbidden */
    LitmusHalf *first, *second; /* MP: writer, reader */
} variants[] = {
    { "MP", MP, false, mp_w_plain, mp_r_plain },
    { "MP+fence.rw.rw", MP, true, mp_w_fence, mp_r_fence },
    { "MP+fence.w.w+fence.r.r", MP, true, mp_w_fence_ww, mp_r_fence_rr },
    { "MP+amoswap.rl+amoor.aq", MP, true, mp_w_release, mp_r_acquire },
    { "SB", SB, false, sb_plain, sb_plain },
    { "SB+fence.rw.rw", SB, true, sb_fence, sb_fence },
    { "SB+amoswap.aqrl", SB, true, sb_amo, sb_amo },
    { "SB+lr.aqrl", SB, true, sb_lr, sb_lr },
};

/*
 * A pair's words: iteration i uses a[i] and b[i], zero until then, so
 * nobody has to reset them between iterations, and leaves what each half
 * loaded in result[role][i]; hart 0 tallies them after the run.  The
 * pair's first hart sets start[i], the mtime at which both halves of
 * iteration i begin (0: the run is over), before the barrier that opens
 * the iteration, and counts the iterations in done.
 */
static struct pair {
    volatile uint64_t *a, *b, *result[2], *start;
    unsigned done;
    struct smp_barrier barrier;
} pairs[MAX_HARTS / 2];

/*
 * How far ahead of the first hart's arrival at the barrier an iteration
 * starts: long enough for both harts to leave the barrier when both are
 * running, so that they start within a tick of mtime of each other.
 */
#define START_TICKS 40              /* 4 us */

static const struct variant *current;

static void litmus_body(unsigned me, void *unused)
{
    struct pair *p = &pairs[me / 2];
    const struct variant *v = current;
    uint64_t seed = 0x853c49e6748fea9bULL * (me + 1) + 1;
    uint64_t start = read_time();

    if (me / 2 >= smp_harts / 2) {
        return;                 /* an odd hart out */
    }
    for (unsigned i = 0; ; i++) {
        /* Who runs which half alternates, so both harts do both */
        unsigned role = (me ^ i) & 1;
        unsigned delay = smp_rand(&seed) % 8;
        volatile uint64_t *a = &p->a[i], *b = &p->b[i];

        if (me % 2 == 0) {
            uint64_t now = read_time();
            bool more = i < MAX_ITERATIONS &&
                        (now - start < VARIANT_TICKS ||
                         (i < MIN_ITERATIONS &&
                          now - start < 2 * VARIANT_TICKS));

            p->start[i] = more ? now + START_TICKS : 0;
            p->done = i;
        }
        smp_barrier_wait(&p->barrier);
        if (!p->start[i]) {
            break;
        }
        while (read_time() < p->start[i]) {
            /* both halves leave this loop at the same tick */
        }
        while (delay--) {
            cpu_relax();
        }
        if (v->shape == MP) {
            p->result[role][i] = (role ? v->second : v->first)(a, b);
        } else {
            /* Each half stores its own word and loads the other's */
            p->result[role][i] = role ? v->second(b, a) : v->first(a, b);
        }
    }
}

/* Outcome counts of the run that just ended, over every pair */
static void tally(const struct variant *v, unsigned npairs,
                  uint64_t total[4])
{
    for (unsigned k = 0; k < npairs; k++) {
        struct pair *p = &pairs[k];

        for (unsigned i = 0; i < p->done; i++) {
            uint64_t r0 = p->result[0][i], r1 = p->result[1][i];

            total[(v->shape == MP ? r1 : r0 << 1 | r1) & 3]++;
        }
    }
}

static const char *const outcome_names[2][4] = {
    [MP] = { "flag=0 data=0", "flag=0 data=1", "flag=1 data=0",
             "flag=1 data=1" },
    [SB] = { "0,0", "0,1", "1,0", "1,1" },
};

int main(void)
{
    unsigned npairs, n = MAX_ITERATIONS + 1;

    smp_require(2);
    npairs = smp_harts / 2;
    for (unsigned k = 0; k < npairs; k++) {
        volatile uint64_t *w = page_alloc((5 * n * 8 + PAGE_SIZE - 1)
                                          / PAGE_SIZE);

        pairs[k].a = w;
        pairs[k].b = w + n;
        pairs[k].result[0] = w + 2 * n;
        pairs[k].result[1] = w + 3 * n;
        pairs[k].start = w + 4 * n;
        smp_barrier_init(&pairs[k].barrier, 3ULL << (2 * k),
                         SMP_WAKE_NEVER);
    }
    for (unsigned k = 0; k < ARRAY_SIZE(variants); k++) {
        const struct variant *v = &variants[k];
        uint64_t total[4] = { 0 }, forbidden, runs;
        unsigned bad = v->shape == MP ? 2 : 0;

        for (unsigned i = 0; i < npairs; i++) {
            memset((void *)pairs[i].a, 0, 4 * n * 8);
        }
        current = v;
        smp_run(litmus_body, NULL);
        tally(v, npairs, total);
        forbidden = total[bad];
        runs = total[0] + total[1] + total[2] + total[3];
        test_section("%s: %lu runs in %u pairs: %s %lu, %s %lu, %s %lu, "
                     "%s %lu", v->name, runs, npairs,
                     outcome_names[v->shape][0], total[0],
                     outcome_names[v->shape][1], total[1],
                     outcome_names[v->shape][2], total[2],
                     outcome_names[v->shape][3], total[3]);
        CHECK(runs > 0, "%s: no run counted", v->name);
        if (v->ordered) {
            CHECK_EQ(forbidden, 0, "%s: the forbidden outcome %s",
                     v->name, outcome_names[v->shape][bad]);
        } else {
            test_note("%s without orderings: the relaxed outcome %s in "
                      "%lu of %lu (for information)", v->name,
                      outcome_names[v->shape][bad], forbidden, runs);
        }
    }
    return 0;
}
