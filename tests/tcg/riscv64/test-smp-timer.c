/*
 * test-smp-timer.c: one machine timer per hart (registered at -smp 2, 4
 * and 8).
 *
 * - Own timers: every hart sets its own mtimecmp a little further ahead
 *   than the hart before it and sleeps in WFI until its timer interrupt;
 *   the interrupt must come no earlier than its own mtimecmp (another
 *   hart's earlier timer raising this hart's MTIP would show as an early
 *   interrupt), exactly once, and on the hart that armed it.
 * - Remote timers: every hart programs the next hart's mtimecmp; the
 *   interrupt comes to that hart, not to the one that wrote the register.
 * - MTIP levels: one hart at a time has mtimecmp = 0 (MTIP pending at
 *   once, interrupts off); its mip.MTIP is set and every other hart's is
 *   clear.
 *
 * Hart 0's timer is the earliest, so that when another hart's interrupt
 * never comes, hart 0, already done, is the one whose watchdog (in the
 * barrier after the timers) reports it.  A hart waits for its own timer
 * in WFI with no watchdog of its own: the runtime's would take its timer.
 */
#include "smp.h"

#define TICKS_PER_MS (CLINT_TIMEBASE_HZ / 1000)
#define LINE __attribute__((aligned(64)))

/* Each hart's record; written by its own handler, read after a barrier */
static struct {
    uint64_t deadline;      /* the mtimecmp this hart's interrupt is for */
    uint64_t count;         /* timer interrupts taken */
    uint64_t at;            /* mtime when the handler ran */
    uint64_t wrong_hart;    /* hartid in the handler if not this entry's */
} LINE timers[MAX_HARTS];

static volatile uint64_t base;      /* hart 0: mtime all deadlines count from */
static volatile uint32_t timers_ready[MAX_HARTS];
static volatile uint32_t level_owner;
static volatile uint32_t level_acks;

/*
 * An early interrupt fails at once: its MTIP may be another hart's,
 * which this hart cannot lower, and would come back forever.
 */
static bool timer_handler(struct trap_frame *f, int level)
{
    unsigned me = smp_hart_id();
    uint64_t now = read_time();

    if (level != PRV_M || f->cause != (CAUSE_INTERRUPT | IRQ_MTI)) {
        return false;
    }
    if (now < timers[me].deadline) {
        FAIL("timer interrupt at mtime 0x%lx, before this hart's mtimecmp "
             "0x%lx (another hart's timer?)", now, timers[me].deadline);
    }
    if (csr_read(mhartid) != me) {
        timers[me].wrong_hart = csr_read(mhartid) + 1;
    }
    timers[me].at = now;
    timers[me].count++;
    mmio_write64(CLINT_MTIMECMP(me), ~0ULL);
    return true;
}

/*
 * Sleeps until this hart's timer interrupt was counted; with no watchdog,
 * which would take this hart's timer.
 */
static void wait_own_timer(unsigned me, uint64_t count)
{
    csr_set(mie, MIP_MTIP);
    csr_set(mstatus, MSTATUS_MIE);
    SMP_WAIT_FOREVER(((volatile uint64_t *)&timers[me].count)[0] >= count,
                     "the timer interrupt");
    csr_clear(mstatus, MSTATUS_MIE);
    csr_clear(mie, MIP_MTIP);
}

static void check_timer(unsigned me, uint64_t count, const char *what)
{
    CHECK_EQ(timers[me].wrong_hart, 0, "%s: hart %u's handler ran on "
             "another hart (mhartid + 1)", what, me);
    CHECK_EQ(timers[me].count, count, "%s: timer interrupts on hart %u",
             what, me);
    CHECK(timers[me].at >= timers[me].deadline, "%s: hart %u's timer "
          "interrupt at mtime 0x%lx, before its mtimecmp 0x%lx", what, me,
          timers[me].at, timers[me].deadline);
}

static void own_body(unsigned me, void *unused)
{
    timers[me].deadline = base + (me + 2) * TICKS_PER_MS;
    smp_sync();
    mmio_write64(CLINT_MTIMECMP(me), timers[me].deadline);
    wait_own_timer(me, 1);
    smp_sync();
    check_timer(me, 1, "own timer");
}

/*
 * A runtime wait with a watchdog writes its own hart's mtimecmp, also
 * when it ends: the next hart may write ours only once we have said we
 * are past such waits, and we wait for that without a watchdog.
 */
static void remote_body(unsigned me, void *unused)
{
    unsigned next = (me + 1) % smp_harts;

    /* Everybody's deadline is known to everybody before anyone arms */
    timers[me].deadline = base + (me + 2) * TICKS_PER_MS;
    smp_sync();
    __atomic_store_n(&timers_ready[me], 1, __ATOMIC_RELEASE);
    smp_wake_mask(SMP_ALL_HARTS_MASK & ~(1ULL << me));
    SMP_WAIT_FOREVER(__atomic_load_n(&timers_ready[next], __ATOMIC_ACQUIRE),
                     "hart %u to be ready", next);
    mmio_write64(CLINT_MTIMECMP(next), timers[next].deadline);
    wait_own_timer(me, 2);
    smp_sync();
    check_timer(me, 2, "timer armed by another hart");
}

/*
 * Interrupts off; one hart at a time sets mtimecmp = 0.  Hart t cannot
 * use a runtime wait while its timer is pending, so it spins on the
 * others' acknowledgements with a deadline of its own.
 */
static void level_body(unsigned me, void *unused)
{
    for (unsigned t = 0; t < smp_harts; t++) {
        smp_sync();
        if (me == t) {
            uint64_t until;

            mmio_write64(CLINT_MTIMECMP(me), 0);
            CHECK(wait_mip(MIP_MTIP, MIP_MTIP),
                  "hart %u's MTIP with its mtimecmp = 0", me);
            level_acks = 0;
            __atomic_store_n(&level_owner, t + 1, __ATOMIC_RELEASE);
            smp_wake_mask(SMP_ALL_HARTS_MASK & ~(1ULL << me));
            until = read_time() + SMP_WAIT_TICKS;
            while (__atomic_load_n(&level_acks, __ATOMIC_ACQUIRE) <
                   smp_harts - 1) {
                if (read_time() >= until) {
                    FAIL("the others did not look at their MTIP within "
                         "10 s");
                }
                cpu_relax();
            }
            mmio_write64(CLINT_MTIMECMP(me), ~0ULL);
            CHECK(wait_mip(MIP_MTIP, 0), "hart %u's MTIP after mtimecmp "
                  "= ~0", me);
        } else {
            SMP_WAIT_UNTIL(__atomic_load_n(&level_owner, __ATOMIC_ACQUIRE)
                           == t + 1, "hart %u's mtimecmp = 0", t);
            CHECK_EQ(csr_read(mip) & MIP_MTIP, 0, "hart %u's MTIP while "
                     "only hart %u's timer is due", me, t);
            __atomic_fetch_add(&level_acks, 1, __ATOMIC_RELEASE);
        }
    }
}

int main(void)
{
    smp_require(2);
    trap_set_handler(timer_handler);

    test_section("each hart's own timer, 1 ms apart");
    base = read_time();
    smp_run(own_body, NULL);

    test_section("each hart arms the next hart's timer");
    base = read_time();
    smp_run(remote_body, NULL);

    test_section("MTIP on one hart only");
    smp_run(level_body, NULL);
    return 0;
}
