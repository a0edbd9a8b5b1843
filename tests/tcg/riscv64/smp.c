/*
 * smp.c: starting, running and synchronising several harts (smp.h).
 *
 * Shared state, who writes it, and what orders it:
 *
 * - boot_done: set once by hart 0 in smp_release(), after a fence rw,w;
 *   the secondaries read it in crt0 and fence r,rw before going on.
 * - smp_harts: written by hart 0 before boot_done, constant afterwards.
 * - harts[h].started: set once by hart h, read by hart 0 (started_count
 *   is the AMO'd total hart 0 waits on).
 * - job.fn, job.arg, job.finished: written by hart 0 before it bumps
 *   job.gen with a release store; a secondary reads them after its
 *   acquire load of job.gen.  Each secondary increments job.finished
 *   (AMO, acquire and release) after fn returned, and hart 0 waits for
 *   the total with acquire loads, so fn's writes on every hart happen
 *   before smp_run() returns.
 * - struct smp_barrier: see smp_barrier_wait(); struct smp_rounds: see
 *   smp_next_round().
 * - harts[h].watchdog*: hart h only (its waits and its trap handler).
 * - job.running is read by secondaries (smp_sync) only inside fn, while
 *   hart 0 keeps it set.
 *
 * Doorbells.  smp_wake() executes fence iorw,iorw and then sets the
 * target's msip; a sleeping wait clears its own msip, executes fence
 * iorw,iorw and then evaluates its condition again before WFI.  msip is
 * one location, so either the ring comes after the clear in its order,
 * and stays pending for the WFI, or it comes before, and then the write
 * that made the condition true precedes (fence) the ring, which precedes
 * (coherence) the clear, which precedes (fence) the waiter's look: the
 * look sees the condition true.  The two fences pair with each other.
 * While mstatus.MIE is set the interrupt handler does the clearing and
 * must fence the same way before anything it reads (smp_doorbell_trap
 * does).
 */
#include "smp.h"

/* Spins of a wait before it sleeps: enough for a partner hart that runs */
#define SPIN_LIMIT 256

unsigned smp_harts = 1;

/* In .data, not .bss: the secondaries read it before .bss is cleared */
uint32_t boot_done __attribute__((section(".data")));

static struct hart_state {
    volatile uint32_t started;      /* the hart, once: it checked in */
    volatile uint32_t done_gen;     /* the hart: last job it finished */
    uint64_t watchdog;              /* the hart: its sleeping wait's deadline */
    bool watchdog_expired;          /* the hart's trap handler saw it pass */
    uint64_t sleeps;                /* the hart: WFIs its waits executed */
} __attribute__((aligned(64))) harts[MAX_HARTS];

static volatile uint32_t started_count;

static struct {
    SmpFunc *fn;
    void *arg;
    volatile uint32_t gen;          /* hart 0: bumped (release) per job */
    volatile uint32_t finished;     /* secondaries: AMO'd when fn returned */
    bool running;                   /* hart 0 only: inside smp_run() */
    bool booted;                    /* hart 0 only: every hart checked in */
} job;

static struct smp_barrier all_harts, all_harts_quiet;

static inline void fence_io_mem(void)
{
    asm volatile("fence iorw, iorw" : : : "memory");
}

void smp_init(unsigned harts_in_fdt)
{
    if (harts_in_fdt > MAX_HARTS) {
        printf("note: the device tree lists %u harts; the runtime uses "
               "the first %u\n", harts_in_fdt, MAX_HARTS);
        harts_in_fdt = MAX_HARTS;
    }
    smp_harts = harts_in_fdt ? harts_in_fdt : 1;
}

void smp_release(void)
{
    /* Pairs with crt0's fence r,rw after the secondaries see boot_done */
    asm volatile("fence rw, w" : : : "memory");
    boot_done = 1;
    smp_wake_mask(SMP_ALL_HARTS_MASK & ~1ULL);
}

void smp_wake(unsigned hart)
{
    /* Pairs with the fence after the clear in smp_wait_step() */
    fence_io_mem();
    mmio_write32(CLINT_MSIP(hart), 1);
}

void smp_wake_mask(uint64_t mask)
{
    fence_io_mem();
    for (unsigned h = 0; mask; h++, mask >>= 1) {
        if (mask & 1) {
            mmio_write32(CLINT_MSIP(h), 1);
        }
    }
}

/* The waits */

enum { WAIT_SPIN, WAIT_CLEAR, WAIT_SLEEP };

/* Arms this hart's timer for its wait: the watchdog, or the next poll */
static void arm_timer(unsigned me, uint64_t when)
{
    mmio_write64(CLINT_MTIMECMP(me), when);
}

static NORETURN void wait_failed(uint64_t ticks, const char *file, int line,
                                 const char *fmt, va_list ap)
{
    fail_begin(file, line);
    printf("waited %lu s for ", ticks / CLINT_TIMEBASE_HZ);
    vprintf(fmt, ap);
    printf("\n");
    exit(1);
}

static bool wait_expired(struct smp_waiter *w, uint64_t now)
{
    return w->deadline &&
           (harts[smp_hart_id()].watchdog_expired || now >= w->deadline);
}

/*
 * While mstatus.MIE is set, a handler may run between the caller's look
 * at its condition and the WFI, and consume the very interrupt that
 * should have ended the sleep.  So from the first sleep on, the caller
 * looks with MIE clear; WFI wakes on the pending interrupt all the same,
 * and MIE is set for a moment after it so that the handler runs.
 */
static void mie_off(struct smp_waiter *w)
{
    if (csr_read(mstatus) & MSTATUS_MIE) {
        csr_clear(mstatus, MSTATUS_MIE);
        w->mie_off = true;
    }
}

static void take_interrupts(struct smp_waiter *w)
{
    if (w->mie_off) {
        csr_set(mstatus, MSTATUS_MIE);
        csr_clear(mstatus, MSTATUS_MIE);
    }
}

void smp_wait_step(struct smp_waiter *w, uint64_t ticks, const char *file,
                   int line, const char *fmt, ...)
{
    unsigned me = smp_hart_id();
    struct hart_state *self = &harts[me];
    uint64_t now, next;
    va_list ap;

    switch (w->state) {
    case WAIT_SPIN:
        if (++w->spins < SPIN_LIMIT) {
            cpu_relax();
            return;
        }
        if (w->how == SMP_WAKE_NEVER) {
            /* Go on spinning; look at the time every SPIN_LIMIT spins */
            now = read_time();
            if (!w->deadline) {
                w->deadline = ticks ? now + ticks : ~0ULL;
            } else if (now >= w->deadline) {
                va_start(ap, fmt);
                wait_failed(ticks, file, line, fmt, ap);
            }
            w->spins = 0;
            return;
        }
        w->saved_mie = csr_read(mie);
        w->deadline = ticks ? read_time() + ticks : 0;
        self->watchdog_expired = false;
        mie_off(w);
        if (w->how == SMP_WAKE_POLL) {
            /* Woken by the timer only; the caller looks, then we sleep */
            self->watchdog = w->deadline ? w->deadline : ~0ULL;
            csr_write(mie, MIP_MTIP);
            w->state = WAIT_SLEEP;
            return;
        }
        if (w->deadline) {
            self->watchdog = w->deadline;
            arm_timer(me, w->deadline);
            csr_set(mie, MIP_MTIP);
        }
        csr_set(mie, MIP_MSIP);
        /* fall through */
    case WAIT_CLEAR:
        /* With the test's handler on, the handler takes the doorbell */
        if (!w->mie_off) {
            mmio_write32(CLINT_MSIP(me), 0);
        }
        /* Pairs with the fence in smp_wake(): the caller looks next */
        fence_io_mem();
        if (w->sleepers && !w->registered) {
            /*
             * Ordered after the clear by the fence, before the caller's
             * look by aq; pairs with the AMO that makes the condition
             * true before the waker reads *sleepers (smp_barrier_wait).
             */
            __atomic_fetch_or(w->sleepers, 1ULL << me, __ATOMIC_SEQ_CST);
            w->registered = true;
        }
        w->state = WAIT_SLEEP;
        return;
    case WAIT_SLEEP:
        now = read_time();
        if (wait_expired(w, now)) {
            va_start(ap, fmt);
            wait_failed(ticks, file, line, fmt, ap);
        }
        if (w->how == SMP_WAKE_POLL) {
            next = now + SMP_POLL_TICKS;
            arm_timer(me, w->deadline && next > w->deadline ? w->deadline
                                                             : next);
        }
        asm volatile("wfi" : : : "memory");
        self->sleeps++;
        take_interrupts(w);
        w->state = w->how == SMP_WAKE_POLL ? WAIT_SLEEP : WAIT_CLEAR;
        return;
    }
}

void smp_wait_done(struct smp_waiter *w, uint64_t ticks, const char *file,
                   int line, const char *fmt, ...)
{
    unsigned me = smp_hart_id();
    va_list ap;

    if (w->state == WAIT_SPIN) {
        return;         /* never slept (SMP_WAKE_NEVER waits stay here) */
    }
    if (w->registered) {
        __atomic_fetch_and(w->sleepers, ~(1ULL << me), __ATOMIC_RELAXED);
    }
    /* The condition may have come true only because the watchdog woke us */
    if (wait_expired(w, read_time())) {
        va_start(ap, fmt);
        wait_failed(ticks, file, line, fmt, ap);
    }
    if (harts[me].watchdog) {
        harts[me].watchdog = 0;
        arm_timer(me, ~0ULL);
    }
    csr_write(mie, w->saved_mie);
    if (w->mie_off) {
        csr_set(mstatus, MSTATUS_MIE);
    }
}

uint64_t smp_sleeps(void)
{
    return harts[smp_hart_id()].sleeps;
}

/*
 * Before the test's handler, while a wait has this hart's timer (only
 * when the wait runs with mstatus.MIE set): the poll tick or the
 * watchdog.  Puts the timer back on the deadline, or off once it passed;
 * the wait looks at the deadline itself when the WFI returns.
 */
bool smp_watchdog_trap(struct trap_frame *f)
{
    unsigned me = smp_hart_id();
    struct hart_state *self = &harts[me];

    if (f->cause != (CAUSE_INTERRUPT | IRQ_MTI) || !self->watchdog) {
        return false;
    }
    if (read_time() >= self->watchdog) {
        self->watchdog_expired = true;
        arm_timer(me, ~0ULL);
    } else {
        arm_timer(me, self->watchdog);
    }
    return true;
}

/* After the test's handler: a doorbell nobody claimed */
bool smp_doorbell_trap(struct trap_frame *f)
{
    if (smp_harts < 2 || f->cause != (CAUSE_INTERRUPT | IRQ_MSI)) {
        return false;
    }
    mmio_write32(CLINT_MSIP(smp_hart_id()), 0);
    /* Pairs with the fence in smp_wake(), as a sleeping wait's clear */
    fence_io_mem();
    return true;
}

/* Barriers */

void smp_barrier_init(struct smp_barrier *b, uint64_t members,
                      enum smp_wake_how how)
{
    b->members = members;
    b->how = how;
    b->count = 0;
    for (; members; members &= members - 1) {
        b->count++;     /* no libgcc here for __builtin_popcountll */
    }
    b->arrived = 0;
    b->phase = 0;
    b->sleepers = 0;
}

/*
 * The last hart to arrive (the AMO's result tells it) resets arrived and
 * bumps phase; the others wait for phase to move with acquire loads.
 * The arrival AMO is acquire-release, so every member's writes before
 * arriving happen before the last arrival's bump, and so before any
 * member leaves.  A member reads phase before it arrives: it cannot move
 * until this member has arrived, and this hart has already seen (or
 * made) the previous bump.  arrived is reset before the bump (a release),
 * and a hart arrives again only after its acquire of the new phase, so
 * it always finds arrived reset.
 *
 * Doorbells: the bump is an amoadd.aqrl and is followed by the read of
 * sleepers; a waiter's registration in sleepers is an amoor.aqrl followed
 * by its look at phase.  With both AMOs aq and rl, at least one of the
 * two reads sees the other's AMO (the store-buffering shape): either the
 * waiter sees the new phase and does not sleep, or the last arrival sees
 * its bit and rings it.  The waiter cleared its msip before registering
 * (smp_wait_step), so that ring is not lost.
 */
void smp_barrier_wait(struct smp_barrier *b)
{
    unsigned me = smp_hart_id();
    uint32_t phase = __atomic_load_n(&b->phase, __ATOMIC_RELAXED);
    struct smp_waiter w = { .how = b->how };

    if (!(b->members >> me & 1)) {
        FAIL("hart %u waits at barrier %p, which it is not a member of",
             me, b);
    }
    if (__atomic_add_fetch(&b->arrived, 1, __ATOMIC_ACQ_REL) == b->count) {
        __atomic_store_n(&b->arrived, 0, __ATOMIC_RELAXED);
        __atomic_fetch_add(&b->phase, 1, __ATOMIC_SEQ_CST);
        if (b->how == SMP_WAKE_DOORBELL) {
            uint64_t ring = __atomic_load_n(&b->sleepers, __ATOMIC_RELAXED);

            ring &= b->members & ~(1ULL << me);
            if (ring) {
                smp_wake_mask(ring);
            }
        }
        return;
    }
    if (b->how == SMP_WAKE_DOORBELL) {
        w.sleepers = &b->sleepers;
    }
    while (__atomic_load_n(&b->phase, __ATOMIC_ACQUIRE) == phase) {
        smp_wait_step(&w, SMP_WAIT_TICKS, __FILE__, __LINE__,
                      "barrier %p (%u of %u harts arrived)", b, b->arrived,
                      b->count);
    }
    smp_wait_done(&w, SMP_WAIT_TICKS, __FILE__, __LINE__,
                  "barrier %p (%u of %u harts arrived)", b, b->arrived,
                  b->count);
}

void smp_sync(void)
{
    if (!job.running) {
        FAIL("smp_sync() outside smp_run()");
    }
    smp_barrier_wait(&all_harts);
}

void smp_sync_quiet(void)
{
    if (!job.running) {
        FAIL("smp_sync_quiet() outside smp_run()");
    }
    smp_barrier_wait(&all_harts_quiet);
}

/* Rounds */

void smp_rounds_init(struct smp_rounds *r, unsigned rounds, uint64_t ticks)
{
    r->rounds = rounds;
    r->ticks = ticks;
}

/*
 * *round counts this hart's rounds (start it at 0).  Hart 0 sets round
 * k's end before the barrier that opens it, in end[k & 1]: it writes that
 * slot again for round k + 2 only after the barrier of round k + 1, which
 * every hart reaches only after it is done with round k.
 */
bool smp_next_round(struct smp_rounds *r, unsigned *round)
{
    unsigned k = ++*round;

    if (smp_hart_id() == 0) {
        r->end[k & 1] = read_time() + r->ticks;
    }
    smp_sync();
    return k <= r->rounds;
}

/* Starting and running */

static uint64_t harts_missing(void)
{
    uint64_t mask = 0;

    for (unsigned h = 1; h < smp_harts; h++) {
        if (!harts[h].started) {
            mask |= 1ULL << h;
        }
    }
    return mask;
}

static uint64_t harts_unfinished(uint32_t gen)
{
    uint64_t mask = 0;

    for (unsigned h = 1; h < smp_harts; h++) {
        if (harts[h].done_gen != gen) {
            mask |= 1ULL << h;
        }
    }
    return mask;
}

void smp_require(unsigned min)
{
    if (smp_hart_id() != 0) {
        FAIL("smp_require() on hart %u: hart 0 only", smp_hart_id());
    }
    if (smp_harts < min) {
        FAIL("this test needs at least %u harts, the device tree lists %u "
             "(run it with -smp %u)", min, smp_harts, min);
    }
    if (job.booted) {
        return;
    }
    SMP_WAIT_UNTIL(__atomic_load_n(&started_count, __ATOMIC_ACQUIRE) ==
                   smp_harts - 1,
                   "every hart to start (missing: mask 0x%lx)",
                   harts_missing());
    smp_barrier_init(&all_harts, SMP_ALL_HARTS_MASK, SMP_WAKE_DOORBELL);
    smp_barrier_init(&all_harts_quiet, SMP_ALL_HARTS_MASK, SMP_WAKE_POLL);
    job.booted = true;
    printf("smp: %u harts\n", smp_harts);
}

void smp_run(SmpFunc *fn, void *arg)
{
    uint32_t gen;

    if (smp_hart_id() != 0 || job.running) {
        FAIL("smp_run() from hart %u%s: hart 0 only, not nested",
             smp_hart_id(), job.running ? " inside smp_run()" : "");
    }
    smp_require(1);
    job.running = true;
    job.fn = fn;
    job.arg = arg;
    job.finished = 0;
    gen = job.gen + 1;
    /* Pairs with the acquire load of job.gen in smp_secondary_entry() */
    __atomic_store_n(&job.gen, gen, __ATOMIC_RELEASE);
    smp_wake_mask(SMP_ALL_HARTS_MASK & ~1ULL);

    fn(0, arg);

    /* Pairs with the secondaries' increments of job.finished */
    SMP_WAIT_UNTIL(__atomic_load_n(&job.finished, __ATOMIC_ACQUIRE) ==
                   smp_harts - 1,
                   "the other harts to return (still running: mask 0x%lx)",
                   harts_unfinished(gen));
    job.running = false;
}

void smp_secondary_entry(unsigned hart)
{
    uint32_t seen = 0;

    if (hart >= smp_harts) {
        /* Not in the device tree: nobody will give it work */
        for (;;) {
            asm volatile("wfi");
        }
    }
    harts[hart].started = 1;
    /* Pairs with the acquire load of started_count in smp_require() */
    __atomic_fetch_add(&started_count, 1, __ATOMIC_RELEASE);
    smp_wake(0);
    for (;;) {
        /* Idle: no watchdog, hart 0 may run alone for as long as it likes */
        SMP_WAIT_HOW(SMP_WAKE_DOORBELL, 0,
                     __atomic_load_n(&job.gen, __ATOMIC_ACQUIRE) != seen,
                     "work");
        seen = job.gen;
        job.fn(hart, job.arg);
        harts[hart].done_gen = seen;
        if (__atomic_add_fetch(&job.finished, 1, __ATOMIC_ACQ_REL) ==
            smp_harts - 1) {
            smp_wake(0);
        }
    }
}
