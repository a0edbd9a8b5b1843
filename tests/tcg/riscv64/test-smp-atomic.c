/*
 * test-smp-atomic.c: atomics between two harts (run with -smp 2).  Both
 * harts add to shared counters at the same time, with an LR/SC loop, with
 * amoadd.d, with amoadd.w and under an amoswap spinlock (acquire/release)
 * around plain loads and stores; every counter must end at exactly twice
 * the per-hart count.  Then a store by the other hart between an LR and
 * its SC must make the SC fail.
 *
 * Hart 1 reports through shared flags; if it never starts (no -smp 2),
 * hart 0 gives up after 10 s of mtime and says so.
 */
#include "runtime.h"

#define ITERATIONS 20000
#define GIVE_UP_TICKS (10 * CLINT_TIMEBASE_HZ)

static volatile uint64_t counter_lrsc;
static volatile uint64_t counter_amo;
static volatile uint32_t counter_amo_w;
static volatile uint64_t counter_locked;
static volatile uint32_t lock;

/* Hart 1's state; each field written by one hart only */
static volatile struct {
    uint32_t ready;         /* hart 1: it is waiting for go */
    uint32_t go;            /* hart 0: start the counting */
    uint32_t done;          /* hart 1: counting finished */
    uint64_t hartid;        /* hart 1: its a0 */
    uint64_t mhartid;       /* hart 1: its mhartid */
    uint32_t store_now;     /* hart 0: store to the reservation */
    uint32_t stored;        /* hart 1: it has */
} shared;

static volatile uint64_t reserved_word;

static void count_all(void)
{
    for (int i = 0; i < ITERATIONS; i++) {
        uint64_t old, fail;

        asm volatile("1: lr.d %0, (%2)\n"
                     "addi %0, %0, 1\n"
                     "sc.d %1, %0, (%2)\n"
                     "bnez %1, 1b\n"
                     : "=&r"(old), "=&r"(fail) : "r"(&counter_lrsc)
                     : "memory");
        asm volatile("amoadd.d zero, %1, (%0)" : : "r"(&counter_amo),
                     "r"(1ULL) : "memory");
        asm volatile("amoadd.w zero, %1, (%0)" : : "r"(&counter_amo_w),
                     "r"(1ULL) : "memory");

        /* Spinlock: amoswap.w.aq to take, amoswap.w.rl to release */
        asm volatile("1: amoswap.w.aq %0, %1, (%2)\n"
                     "bnez %0, 1b\n"
                     : "=&r"(old) : "r"(1ULL), "r"(&lock) : "memory");
        counter_locked = counter_locked + 1;
        asm volatile("amoswap.w.rl zero, zero, (%0)" : : "r"(&lock)
                     : "memory");
    }
}

void secondary_main(uint64_t hartid);

void secondary_main(uint64_t hartid)
{
    if (hartid != 1) {
        return;
    }
    shared.hartid = hartid;
    shared.mhartid = csr_read(mhartid);
    asm volatile("fence rw, rw" : : : "memory");
    shared.ready = 1;
    while (!shared.go) {
        /* wait for hart 0 */
    }
    asm volatile("fence rw, rw" : : : "memory");
    count_all();
    asm volatile("fence rw, rw" : : : "memory");
    shared.done = 1;

    /* Store into hart 0's reservation when asked */
    while (!shared.store_now) {
        /* wait */
    }
    asm volatile("fence rw, rw" : : : "memory");
    reserved_word = 0xdead;
    asm volatile("fence rw, rw" : : : "memory");
    shared.stored = 1;
}

/* Spins until *flag is set or mtime passes the deadline */
static bool wait_flag(volatile uint32_t *flag, uint64_t deadline)
{
    while (!*flag) {
        if (mmio_read64(CLINT_MTIME) > deadline) {
            return false;
        }
    }
    asm volatile("fence rw, rw" : : : "memory");
    return true;
}

int main(void)
{
    uint64_t loaded, rc;

    test_section("hart 1 starts");
    CHECK(wait_flag(&shared.ready, mmio_read64(CLINT_MTIME) + GIVE_UP_TICKS),
          "hart 1 never started: run with -smp 2");
    CHECK_EQ(shared.hartid, 1, "hart 1's a0 at entry");
    CHECK_EQ(shared.mhartid, 1, "hart 1's mhartid");
    CHECK_EQ(csr_read(mhartid), 0, "hart 0's mhartid");

    test_section("two harts count %d times each", ITERATIONS);
    shared.go = 1;
    count_all();
    CHECK(wait_flag(&shared.done, mmio_read64(CLINT_MTIME) + GIVE_UP_TICKS),
          "hart 1 did not finish counting");
    CHECK_EQ(counter_lrsc, 2 * ITERATIONS, "LR/SC counter");
    CHECK_EQ(counter_amo, 2 * ITERATIONS, "amoadd.d counter");
    CHECK_EQ(counter_amo_w, 2 * ITERATIONS, "amoadd.w counter");
    CHECK_EQ(counter_locked, 2 * ITERATIONS, "spinlocked counter");

    test_section("another hart's store between LR and SC fails the SC");
    reserved_word = 1;
    asm volatile("lr.d %0, (%1)" : "=r"(loaded) : "r"(&reserved_word)
                 : "memory");
    shared.store_now = 1;
    CHECK(wait_flag(&shared.stored, mmio_read64(CLINT_MTIME) + GIVE_UP_TICKS),
          "hart 1 did not store");
    asm volatile("sc.d %0, %2, (%1)" : "=&r"(rc) : "r"(&reserved_word),
                 "r"(loaded + 1) : "memory");
    CHECK_EQ(loaded, 1, "lr.d value");
    CHECK(rc != 0, "sc.d after hart 1's store succeeded");
    CHECK_EQ(reserved_word, 0xdead, "hart 1's store survives");
    return 0;
}
