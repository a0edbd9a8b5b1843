/*
 * test-smp-spinlock.c: locks built from AMOs keep plain loads and stores
 * of shared data exclusive (registered at -smp 2, 4 and 8).
 *
 * A ticket lock (amoadd.w takes a ticket, the holder hands over with a
 * release store of now_serving) and a test-and-set lock (amoswap.w.aq to
 * take, amoswap.w.rl to release) each protect a critical section that
 * reads and writes shared data with plain loads and stores, slowly enough
 * that two harts inside at once would lose updates: a counter incremented
 * as load, delay, store; two words that must stay equal; and an owner
 * word that must be free on entry and still ours on exit.  The final
 * counts must be exact.  The ticket lock must also serve tickets in
 * order: the holder of ticket t finds the counter at t.
 *
 * Waiting for the lock spins briefly and then sleeps (SMP_WAIT_UNTIL);
 * whoever releases rings every other hart's doorbell.
 */
#include "smp.h"

/*
 * Each lock is taken in ROUNDS timed rounds of ROUND_TICKS of mtime
 * (SMP_FOR_ROUNDS), so that the harts contend even on a busy host, at
 * most MAX_ACQUIRES times per hart.
 */
#define ROUNDS 4
#define ROUND_TICKS (CLINT_TIMEBASE_HZ / 40)        /* 25 ms */
#define MAX_ACQUIRES 100000

#define LINE __attribute__((aligned(64)))

static struct {
    LINE volatile uint32_t next_ticket;     /* amoadd by takers */
    LINE volatile uint32_t now_serving;     /* the holder: release store */
    LINE volatile uint32_t taken;           /* the test-and-set lock */
} lock;

/* Protected by the lock under test; plain accesses only */
static struct {
    LINE uint64_t counter;
    uint64_t a, b;              /* always equal outside the lock */
    uint64_t owner;             /* hart + 1 while held, else 0 */
} data;

static struct {
    unsigned acquired;
    const char *bad;
    uint64_t got, want;
} LINE seen[MAX_HARTS];

static struct smp_rounds rounds;

static void note_bad(unsigned hart, const char *what, uint64_t got,
                     uint64_t want)
{
    if (!seen[hart].bad) {
        seen[hart].bad = what;
        seen[hart].got = got;
        seen[hart].want = want;
    }
}

static uint32_t ticket_lock(void)
{
    uint32_t ticket = __atomic_fetch_add(&lock.next_ticket, 1,
                                         __ATOMIC_RELAXED);

    /* Pairs with the release store in ticket_unlock() */
    SMP_WAIT_UNTIL(__atomic_load_n(&lock.now_serving, __ATOMIC_ACQUIRE) ==
                   ticket, "ticket %u (now serving %u)", ticket,
                   lock.now_serving);
    return ticket;
}

static void ticket_unlock(uint32_t ticket)
{
    __atomic_store_n(&lock.now_serving, ticket + 1, __ATOMIC_RELEASE);
    smp_wake_mask(SMP_ALL_HARTS_MASK & ~(1ULL << smp_hart_id()));
}

static void tas_lock(void)
{
    uint64_t old;

    for (;;) {
        asm volatile("amoswap.w.aq %0, %1, (%2)"
                     : "=r"(old) : "r"(1), "r"(&lock.taken) : "memory");
        if (!old) {
            return;
        }
        SMP_WAIT_UNTIL(!lock.taken, "the test-and-set lock");
    }
}

static void tas_unlock(void)
{
    asm volatile("amoswap.w.rl zero, zero, (%0)" : : "r"(&lock.taken)
                 : "memory");
    smp_wake_mask(SMP_ALL_HARTS_MASK & ~(1ULL << smp_hart_id()));
}

/*
 * The critical section: plain accesses, with room for another hart.
 * index is the counter value the holder must find, or ~0 if unknown.
 */
static void critical(unsigned hart, uint64_t *rand_state, uint64_t index)
{
    volatile uint64_t *c = &data.counter;
    uint64_t v, spin = smp_rand(rand_state) % 16;

    if (data.owner != 0) {
        note_bad(hart, "lock held by another hart on entry", data.owner, 0);
    }
    data.owner = hart + 1;
    if (data.a != data.b) {
        note_bad(hart, "protected words differ on entry", data.a, data.b);
    }
    v = *c;
    if (index != ~0ULL && v != index) {
        note_bad(hart, "ticket served out of order", index, v);
    }
    data.a++;
    while (spin--) {
        cpu_relax();
    }
    *c = v + 1;
    data.b++;
    if (data.owner != hart + 1) {
        note_bad(hart, "another hart took the lock meanwhile", data.owner,
                 hart + 1);
    }
    data.owner = 0;
}

static void ticket_step(unsigned hart, uint64_t *state)
{
    uint32_t ticket = ticket_lock();

    critical(hart, state, ticket);
    ticket_unlock(ticket);
}

static void tas_step(unsigned hart, uint64_t *state)
{
    tas_lock();
    critical(hart, state, ~0ULL);
    tas_unlock();
}

static void ticket_body(unsigned hart, void *unused)
{
    uint64_t state = 0x2545f4914f6cdd1dULL * (hart + 1);

    seen[hart].acquired = 0;
    SMP_FOR_ROUNDS(&rounds, &seen[hart].acquired, MAX_ACQUIRES,
                   ticket_step(hart, &state));
}

static void tas_body(unsigned hart, void *unused)
{
    uint64_t state = 0x2545f4914f6cdd1dULL * (hart + 1);

    seen[hart].acquired = 0;
    SMP_FOR_ROUNDS(&rounds, &seen[hart].acquired, MAX_ACQUIRES,
                   tas_step(hart, &state));
}

/* Checks a run; returns how many times the lock was taken */
static uint64_t check_run(const char *name)
{
    uint64_t n = 0;

    for (unsigned h = 0; h < smp_harts; h++) {
        CHECK(!seen[h].bad, "%s: %s, seen by hart %u: 0x%lx, expected "
              "0x%lx", name, seen[h].bad, h, seen[h].got, seen[h].want);
        n += seen[h].acquired;
    }
    CHECK_EQ(data.counter, n, "%s: the protected counter", name);
    CHECK_EQ(data.a, n, "%s: the first protected word", name);
    CHECK_EQ(data.b, n, "%s: the second protected word", name);
    CHECK_EQ(data.owner, 0, "%s: the owner word", name);
    test_note("taken %lu times", n);
    return n;
}

int main(void)
{
    uint64_t n;

    smp_require(2);

    test_section("ticket lock, every hart");
    smp_rounds_init(&rounds, ROUNDS, ROUND_TICKS);
    smp_run(ticket_body, NULL);
    n = check_run("ticket lock");
    CHECK_EQ(lock.next_ticket, (uint32_t)n, "tickets taken");
    CHECK_EQ(lock.now_serving, (uint32_t)n, "tickets served");

    test_section("test-and-set lock (amoswap.w.aq/.rl), every hart");
    memset(&data, 0, sizeof(data));
    smp_rounds_init(&rounds, ROUNDS, ROUND_TICKS);
    smp_run(tas_body, NULL);
    check_run("test-and-set lock");
    CHECK_EQ(lock.taken, 0, "test-and-set lock free at the end");
    return 0;
}
