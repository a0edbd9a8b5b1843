/*
 * smp.h: several harts in the bare-metal guest tests.
 *
 * Every hart enters crt0.  Hart 0 runs main(); the others sleep until
 * hart 0's runtime_init() releases them, check in, and then park in WFI
 * until hart 0 gives them work.  A test calls smp_require(n) first, then
 * smp_run(fn, arg): fn(hart, arg) runs on every hart at once, hart 0
 * included, and smp_run() returns once all of them have returned.  Inside
 * fn the harts meet at barriers (smp_sync(), smp_barrier_wait()) and wait
 * for conditions with SMP_WAIT_UNTIL().  All of this is for M-mode.
 *
 * How many harts: the device tree's /cpus/cpu@N nodes (smp_harts), at
 * most MAX_HARTS.
 *
 * Waiting.  With more harts than host CPUs, a hart that spins takes time
 * from the hart it waits for.  So a wait spins briefly with pause hints,
 * then sleeps in WFI until its doorbell rings: the hart's CLINT msip, set
 * by smp_wake().  Whoever makes a condition true that another hart may be
 * waiting for rings that hart's doorbell afterwards, unconditionally (a
 * doorbell nobody needed costs one spurious wake-up later).  A sleeping
 * wait clears its own msip and only then looks at its condition again, so
 * a ring that comes after the look is still pending when WFI runs.
 *
 * The doorbell is consumed by the wait itself while mstatus.MIE is
 * clear; while MIE is set, by the M-mode interrupt handler: the test's
 * (trap_set_handler) if it claims the machine software interrupt,
 * otherwise the runtime's, which just clears msip.  A test that counts
 * software interrupts must therefore expect doorbells it did not send.
 * (A wait with MIE set looks at its condition with MIE clear and opens
 * it after each WFI, so that no handler runs between the look and the
 * WFI.)
 *
 * Tests of msip itself cannot have the runtime ring doorbells: they use
 * smp_sync_quiet(), a barrier whose waits never touch any msip and sleep
 * on their own hart's timer instead, waking every SMP_POLL_TICKS.
 *
 * Watchdog.  A wait that sleeps arms its own hart's mtimecmp for
 * SMP_WAIT_TICKS of mtime ahead (the polling waits: at most that far),
 * so that a lost wake-up fails the test with what it waited for instead
 * of hanging.  A test must not wait while it has its own timer armed;
 * after a wait that slept, mtimecmp is ~0 and mie is as before.
 */
#ifndef TCG_SMP_H
#define TCG_SMP_H

#include "runtime.h"

/* Harts listed in the device tree (at most MAX_HARTS); set before main */
extern unsigned smp_harts;

/* A mask with a bit for every hart */
#define SMP_ALL_HARTS_MASK \
    (smp_harts >= 64 ? ~0ULL : (1ULL << smp_harts) - 1)

/*
 * Fails the test unless at least min harts are listed, then waits until
 * every listed hart has checked in and prints "smp: N harts".
 */
void smp_require(unsigned min);

/*
 * Runs fn(hart, arg) on every hart at once (hart 0 on its own stack, the
 * others on theirs) and returns when all have returned.  Hart 0 only, not
 * nested.  Everything hart 0 wrote before the call is visible to fn on
 * every hart, and everything fn wrote on any hart is visible to hart 0
 * afterwards.
 */
typedef void SmpFunc(unsigned hart, void *arg);
void smp_run(SmpFunc *fn, void *arg);

/*
 * A barrier for a set of harts.  Writes before a member's arrival are
 * visible to every member after it leaves.  May be reused at once.  The
 * last hart to arrive rings only the members that went to sleep, so a
 * barrier between harts that are all running costs no MMIO.
 *
 * A barrier whose harts never sleep (SMP_WAKE_NEVER) is for harts that
 * must run at the same instant, such as the two sides of a litmus test:
 * a sleeping hart's thread is off the host CPU, and most iterations
 * would then run one side after the other.  Spinning costs host CPU
 * time, so only short, time-bounded loops use it; it is watched by
 * polling mtime.
 */
enum smp_wake_how {
    SMP_WAKE_DOORBELL,          /* sleep until the doorbell rings */
    SMP_WAKE_POLL,              /* leave msip alone: poll on the timer */
    SMP_WAKE_NEVER,             /* never sleep: spin (see below) */
};

struct smp_barrier {
    uint64_t members;           /* constant after init: a bit per hart */
    uint32_t count;             /* constant after init: popcount(members) */
    enum smp_wake_how how;      /* constant after init */
    volatile uint32_t arrived;  /* amoadd by arrivals; reset by the last */
    volatile uint32_t phase;    /* AMO'd (aq, rl) by the last arrival */
    volatile uint64_t sleepers; /* AMO'd by the waiters that sleep */
};
void smp_barrier_init(struct smp_barrier *b, uint64_t members,
                      enum smp_wake_how how);
void smp_barrier_wait(struct smp_barrier *b);

/* A barrier of every hart; only inside smp_run() */
void smp_sync(void);
/* The same, touching no msip (for tests of msip and software interrupts) */
void smp_sync_quiet(void);

/*
 * Timed rounds, for work that should overlap between harts.  A host with
 * fewer CPUs than harts, or a busy one, runs the harts' threads at the
 * same time only now and then: a fixed amount of work would often run
 * one hart after the other and test nothing.  So such loops run in
 * rounds of mtime instead: every hart calls smp_next_round() before each
 * round (it contains a barrier), which returns false after r->rounds
 * rounds, and works while smp_round_going() says the round's time is
 * not over (SMP_FOR_ROUNDS does both).  How much work each hart did is
 * the test's to count.
 */
struct smp_rounds {
    unsigned rounds;            /* constant during the run */
    uint64_t ticks;             /* constant during the run */
    volatile uint64_t end[2];   /* hart 0: round k ends at end[k & 1] */
};
void smp_rounds_init(struct smp_rounds *r, unsigned rounds, uint64_t ticks);
bool smp_next_round(struct smp_rounds *r, unsigned *round);

static inline bool smp_round_going(struct smp_rounds *r, unsigned round)
{
    return csr_read(time) < r->end[round & 1];
}

/*
 * SMP_FOR_ROUNDS(r, count, max, body): on every hart, runs body again and
 * again, incrementing *count (this hart's own) after each, in every round
 * of r until the round's time is over or *count reaches max (a multiple
 * of 16: the time is read every 16 runs).
 */
#define SMP_FOR_ROUNDS(r, count, max, body)                             \
    for (unsigned round_ = 0; smp_next_round(r, &round_); ) {           \
        while (*(count) < (max) && smp_round_going(r, round_)) {        \
            for (unsigned end_ = *(count) + 16; *(count) < end_;        \
                 ++*(count)) {                                          \
                body;                                                   \
            }                                                           \
        }                                                               \
    }

/* Rings a hart's doorbell (its msip), after all earlier memory accesses */
void smp_wake(unsigned hart);
void smp_wake_mask(uint64_t harts);

/* Zihintpause's PAUSE (a FENCE W,0: a no-op where it is not known) */
static inline void cpu_relax(void)
{
    asm volatile(".insn i 0x0f, 0, x0, x0, 0x010" : : : "memory");
}

static inline uint64_t read_time(void)
{
    return csr_read(time);
}

/*
 * SMP_WAIT_UNTIL(cond, fmt, ...) evaluates cond until it is true,
 * spinning and then sleeping as described above; cond must read shared
 * memory with __atomic loads or volatile.  After SMP_WAIT_TICKS of mtime
 * asleep it fails the test: "FAIL file:line hart N: waited S s for fmt",
 * also when cond turned true only after that (a wake-up was lost).
 * SMP_WAIT_HOW takes how to sleep and the ticks to give up after (0:
 * never).
 */
#define SMP_WAIT_TICKS (10 * CLINT_TIMEBASE_HZ)
#define SMP_POLL_TICKS (CLINT_TIMEBASE_HZ / 10000)  /* 100 us */

/* One wait's state, on the waiting hart's stack */
struct smp_waiter {
    enum smp_wake_how how;
    volatile uint64_t *sleepers;    /* registers here before sleeping */
    bool registered;
    bool mie_off;                   /* cleared mstatus.MIE, to restore */
    unsigned spins;
    int state;
    uint64_t deadline;              /* mtime it fails at; 0: none */
    uint64_t saved_mie;
};

#define SMP_WAIT_HOW(how_, ticks, cond, ...)                              \
    do {                                                                  \
        struct smp_waiter w_ = { .how = (how_) };                         \
        while (!(cond)) {                                                 \
            smp_wait_step(&w_, (ticks), __FILE__, __LINE__, __VA_ARGS__); \
        }                                                                 \
        smp_wait_done(&w_, (ticks), __FILE__, __LINE__, __VA_ARGS__);     \
    } while (0)
#define SMP_WAIT_UNTIL(cond, ...) \
    SMP_WAIT_HOW(SMP_WAKE_DOORBELL, SMP_WAIT_TICKS, cond, __VA_ARGS__)
/* No watchdog: leaves this hart's timer alone (another hart may set it) */
#define SMP_WAIT_FOREVER(cond, ...) \
    SMP_WAIT_HOW(SMP_WAKE_DOORBELL, 0, cond, __VA_ARGS__)

/* How many times this hart's waits have executed WFI */
uint64_t smp_sleeps(void);

void smp_wait_step(struct smp_waiter *w, uint64_t ticks, const char *file,
                   int line, const char *fmt, ...) PRINTF_FMT(5, 6);
void smp_wait_done(struct smp_waiter *w, uint64_t ticks, const char *file,
                   int line, const char *fmt, ...) PRINTF_FMT(5, 6);

/* A hart's own pseudo-random numbers (xorshift64; *state must not be 0) */
static inline uint64_t smp_rand(uint64_t *state)
{
    uint64_t x = *state;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return x;
}

/* Runtime internals (crt0 and runtime.c) */
void smp_init(unsigned harts_in_fdt);
void smp_release(void);
NORETURN void smp_secondary_entry(unsigned hart);
bool smp_watchdog_trap(struct trap_frame *f);
bool smp_doorbell_trap(struct trap_frame *f);

#endif /* TCG_SMP_H */
