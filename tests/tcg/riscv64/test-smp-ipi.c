/*
 * test-smp-ipi.c: inter-processor interrupts through the CLINT's MSWI
 * (registered at -smp 2, 4 and 8).
 *
 * An IPI is a message and a doorbell, as operating systems do it: the
 * sender sets its bit in the receiver's pending word (amoor) and then
 * writes 1 to the receiver's msip; the receiver's machine software
 * interrupt handler clears its msip, takes the pending word (amoswap)
 * and counts one IPI per bit.  The runtime rings the same doorbells to
 * wake harts from its waits, so an interrupt with no bits is expected
 * (and counted, for information); a message that never gets its
 * interrupt is what fails.
 *
 * - msip: every hart's register reads back what any hart wrote, and
 *   raises mip.MSIP on its own hart;
 * - all to all: in every round each hart sends one IPI to every other
 *   hart and waits, with interrupts enabled, until it has received one
 *   from every other; then each (sender, receiver) count is exactly the
 *   number of rounds and nobody received from itself;
 * - to a sleeping hart: one hart at a time waits for its IPIs (in WFI
 *   after a short spin) while the others wait until it is about to
 *   sleep, pause for 0.5 ms of mtime, and send to it.
 */
#include "smp.h"

#define ROUNDS 50
#define LINE __attribute__((aligned(64)))

static struct mailbox {
    LINE volatile uint64_t pending;         /* senders' bits, amoor'd */
    uint64_t received[MAX_HARTS];           /* owner's handler only */
    uint64_t total;                         /* owner's handler only */
    uint64_t empty;                         /* interrupts with no bits */
    uint64_t slept;                         /* sleeper rounds in WFI */
    volatile uint32_t about_to_sleep;       /* owner, for the senders */
} mbox[MAX_HARTS];

static bool ipi_handler(struct trap_frame *f, int level)
{
    unsigned me = smp_hart_id();
    struct mailbox *m = &mbox[me];
    uint64_t bits;

    if (level != PRV_M || f->cause != (CAUSE_INTERRUPT | IRQ_MSI)) {
        return false;
    }
    /* Clear the doorbell before taking the messages; pairs with the
     * fence in send_ipi() (the same argument as the runtime's waits) */
    mmio_write32(CLINT_MSIP(me), 0);
    asm volatile("fence iorw, iorw" : : : "memory");
    bits = __atomic_exchange_n(&m->pending, 0, __ATOMIC_ACQUIRE);
    if (!bits) {
        m->empty++;
    }
    for (unsigned h = 0; bits; h++, bits >>= 1) {
        if (bits & 1) {
            m->received[h]++;
            m->total++;
        }
    }
    return true;
}

static void send_ipi(unsigned to)
{
    __atomic_fetch_or(&mbox[to].pending, 1ULL << smp_hart_id(),
                      __ATOMIC_RELEASE);
    smp_wake(to);       /* fence iorw, iorw; msip[to] = 1 */
}

/*
 * msip registers and mip.MSIP, with interrupts off.  The barriers are the
 * quiet ones, which ring no doorbells.
 */
static void msip_body(unsigned me, void *unused)
{
    /* Once hart 0 is here it has rung everybody for this job */
    smp_sync_quiet();
    mmio_write32(CLINT_MSIP(me), 0);
    for (unsigned t = 0; t < smp_harts; t++) {
        smp_sync_quiet();
        if (me == (t + 1) % smp_harts) {
            mmio_write32(CLINT_MSIP(t), 1);
        }
        smp_sync_quiet();
        CHECK_EQ(mmio_read32(CLINT_MSIP(t)), 1,
                 "msip of hart %u, as hart %u reads it", t, me);
        if (me == t) {
            CHECK(wait_mip(MIP_MSIP, MIP_MSIP),
                  "mip.MSIP not set by hart %u's write to msip",
                  (t + 1) % smp_harts);
        } else {
            CHECK_EQ(csr_read(mip) & MIP_MSIP, 0, "hart %u's mip.MSIP "
                     "while only hart %u's msip is set", me, t);
        }
        smp_sync_quiet();
        if (me == t) {
            mmio_write32(CLINT_MSIP(t), 0);
        }
        smp_sync_quiet();
        CHECK_EQ(mmio_read32(CLINT_MSIP(t)), 0,
                 "msip of hart %u after it cleared it", t);
    }
}

static void all_to_all_body(unsigned me, void *unused)
{
    struct mailbox *m = &mbox[me];

    csr_set(mie, MIP_MSIP);
    csr_set(mstatus, MSTATUS_MIE);
    for (unsigned r = 1; r <= ROUNDS; r++) {
        smp_sync();
        for (unsigned k = 1; k < smp_harts; k++) {
            send_ipi((me + k) % smp_harts);
        }
        SMP_WAIT_UNTIL(((volatile uint64_t *)&m->total)[0] ==
                       (uint64_t)r * (smp_harts - 1),
                       "IPIs of round %u (have %lu of %lu)", r, m->total,
                       (uint64_t)r * (smp_harts - 1));
    }
    smp_sync();
    csr_clear(mstatus, MSTATUS_MIE);
}

static void sleeper_body(unsigned me, void *unused)
{
    struct mailbox *m = &mbox[me];

    csr_set(mie, MIP_MSIP);
    csr_set(mstatus, MSTATUS_MIE);
    for (unsigned t = 0; t < smp_harts; t++) {
        uint64_t want = m->total + smp_harts - 1;

        smp_sync();
        if (me == t) {
            uint64_t sleeps = smp_sleeps();

            __atomic_store_n(&m->about_to_sleep, 1, __ATOMIC_RELEASE);
            smp_wake_mask(SMP_ALL_HARTS_MASK & ~(1ULL << me));
            /* Spins a little, then sleeps in WFI until the IPIs came */
            SMP_WAIT_UNTIL(((volatile uint64_t *)&m->total)[0] >= want,
                           "IPIs while asleep (have %lu of %lu)", m->total,
                           want);
            m->slept += smp_sleeps() != sleeps;
            m->about_to_sleep = 0;
        } else {
            uint64_t until;

            SMP_WAIT_UNTIL(__atomic_load_n(&mbox[t].about_to_sleep,
                                           __ATOMIC_ACQUIRE),
                           "hart %u to go to sleep", t);
            /* Give it time to reach the WFI (not needed to pass) */
            until = read_time() + CLINT_TIMEBASE_HZ / 2000;
            while (read_time() < until) {
                cpu_relax();
            }
            send_ipi(t);
        }
    }
    smp_sync();
    csr_clear(mstatus, MSTATUS_MIE);
}

int main(void)
{
    uint64_t empty = 0, slept = 0, total = 0;

    smp_require(2);
    trap_set_handler(ipi_handler);

    test_section("msip: every hart's register, seen from every hart");
    smp_run(msip_body, NULL);

    test_section("%d rounds: each of %u harts sends an IPI to every other",
                 ROUNDS, smp_harts);
    smp_run(all_to_all_body, NULL);
    for (unsigned to = 0; to < smp_harts; to++) {
        for (unsigned from = 0; from < smp_harts; from++) {
            CHECK_EQ(mbox[to].received[from], to == from ? 0 : ROUNDS,
                     "IPIs from hart %u received by hart %u", from, to);
        }
        total += mbox[to].total;
    }

    test_section("IPIs to a hart asleep in WFI, one hart at a time");
    smp_run(sleeper_body, NULL);
    for (unsigned to = 0; to < smp_harts; to++) {
        for (unsigned from = 0; from < smp_harts; from++) {
            CHECK_EQ(mbox[to].received[from], to == from ? 0 : ROUNDS + 1,
                     "IPIs from hart %u received by hart %u", from, to);
        }
        CHECK_EQ(mbox[to].pending, 0, "hart %u's pending IPIs at the end",
                 to);
        empty += mbox[to].empty;
        slept += mbox[to].slept;
        total += smp_harts - 1;
    }
    test_note("%lu IPIs; %lu software interrupts without a message (the "
              "runtime's wake-ups); %lu of %u sleepers went to WFI before "
              "their IPIs came (for information)", total, empty, slept,
              smp_harts);
    return 0;
}
