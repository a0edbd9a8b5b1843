/*
 * test-clint.c: the CLINT.  mtime advances and is what the time CSR reads;
 * 32- and 64-bit accesses to mtime and mtimecmp; MTIP follows
 * mtime >= mtimecmp and a machine timer interrupt (mie.MTIE) is taken no
 * earlier than mtimecmp and stops when mtimecmp moves ahead; msip drives
 * MSIP and a machine software interrupt, keeps only bit 0, and clears.
 *
 * The waits are bounded by mtime so that a missing interrupt fails with a
 * message instead of hanging; no check depends on how fast anything runs
 * (mip may follow the CLINT a little later than the MMIO write).
 */
#include "runtime.h"

#define TICKS_PER_MS (CLINT_TIMEBASE_HZ / 1000)
#define GIVE_UP_TICKS (10 * CLINT_TIMEBASE_HZ)      /* 10 s of mtime */

static volatile struct {
    int count;
    uint64_t cause;
    uint64_t mtime;     /* mtime when the handler ran */
} irq;

static bool timer_or_soft(struct trap_frame *f, int level)
{
    if (f->cause == (CAUSE_INTERRUPT | IRQ_MTI)) {
        irq.mtime = mmio_read64(CLINT_MTIME);
        mmio_write64(CLINT_MTIMECMP(0), ~0ULL);
    } else if (f->cause == (CAUSE_INTERRUPT | IRQ_MSI)) {
        irq.mtime = mmio_read64(CLINT_MTIME);
        mmio_write32(CLINT_MSIP(0), 0);
    } else {
        return false;
    }
    irq.cause = f->cause;
    irq.count++;
    return true;
}

/* Spins until an interrupt was counted or mtime passed a deadline */
static bool wait_for_irq(void)
{
    uint64_t deadline = mmio_read64(CLINT_MTIME) + GIVE_UP_TICKS;

    while (irq.count == 0) {
        if (mmio_read64(CLINT_MTIME) > deadline) {
            return false;
        }
    }
    return true;
}

static void test_mtime(void)
{
    uint64_t t0, t1, t2, lo, hi, csr;

    test_section("mtime advances; time CSR reads mtime");
    t0 = mmio_read64(CLINT_MTIME);
    t1 = t0;
    for (int i = 0; i < 10000000 && t1 == t0; i++) {
        t1 = mmio_read64(CLINT_MTIME);
    }
    CHECK(t1 > t0, "mtime went from 0x%lx to 0x%lx", t0, t1);
    t0 = mmio_read64(CLINT_MTIME);
    csr = csr_read(time);
    t1 = mmio_read64(CLINT_MTIME);
    CHECK(t0 <= csr && csr <= t1, "time CSR 0x%lx outside [0x%lx, 0x%lx]",
          csr, t0, t1);
    do {
        hi = mmio_read32(CLINT_MTIME + 4);
        lo = mmio_read32(CLINT_MTIME);
    } while (mmio_read32(CLINT_MTIME + 4) != hi);
    t2 = mmio_read64(CLINT_MTIME);
    CHECK(t1 <= (hi << 32 | lo) && (hi << 32 | lo) <= t2,
          "32-bit mtime reads 0x%lx, outside [0x%lx, 0x%lx]", hi << 32 | lo,
          t1, t2);
}

static void test_mtimecmp(void)
{
    uint64_t now, target;

    test_section("mtimecmp: 32/64-bit access and MTIP");
    mmio_write64(CLINT_MTIMECMP(0), 0x123456789abcdef0);
    CHECK_EQ(mmio_read64(CLINT_MTIMECMP(0)), 0x123456789abcdef0,
             "mtimecmp 64-bit write");
    mmio_write32(CLINT_MTIMECMP(0) + 4, 0xffffffff);
    mmio_write32(CLINT_MTIMECMP(0), 0x55aa55aa);
    CHECK_EQ(mmio_read64(CLINT_MTIMECMP(0)), 0xffffffff55aa55aa,
             "mtimecmp 32-bit writes");
    CHECK_EQ(mmio_read32(CLINT_MTIMECMP(0) + 4), 0xffffffff,
             "mtimecmp high half");
    CHECK(wait_mip(MIP_MTIP, 0), "MTIP clear with mtimecmp ahead");
    mmio_write64(CLINT_MTIMECMP(0), 0);
    CHECK(wait_mip(MIP_MTIP, MIP_MTIP), "MTIP with mtimecmp = 0");
    mmio_write64(CLINT_MTIMECMP(0), ~0ULL);
    CHECK(wait_mip(MIP_MTIP, 0), "MTIP clears when mtimecmp moves ahead");

    test_section("machine timer interrupt at mtimecmp");
    irq.count = 0;
    csr_write(mie, MIP_MTIP);
    csr_set(mstatus, MSTATUS_MIE);
    now = mmio_read64(CLINT_MTIME);
    target = now + 5 * TICKS_PER_MS;
    mmio_write64(CLINT_MTIMECMP(0), target);
    CHECK(wait_for_irq(), "no timer interrupt within 10 s of mtime");
    csr_clear(mstatus, MSTATUS_MIE);
    CHECK_EQ(irq.count, 1, "one timer interrupt");
    CHECK_EQ(irq.cause, CAUSE_INTERRUPT | IRQ_MTI, "timer interrupt cause");
    CHECK(irq.mtime >= target, "timer interrupt at mtime 0x%lx, before "
          "mtimecmp 0x%lx", irq.mtime, target);
    CHECK(wait_mip(MIP_MTIP, 0), "MTIP clear after the handler");
    csr_write(mie, 0);
}

static void test_msip(void)
{
    test_section("msip: MSIP and the machine software interrupt");
    mmio_write32(CLINT_MSIP(0), 0xffffffff);
    CHECK_EQ(mmio_read32(CLINT_MSIP(0)), 1, "msip keeps only bit 0");
    CHECK(wait_mip(MIP_MSIP, MIP_MSIP), "MSIP follows msip");
    irq.count = 0;
    csr_write(mie, MIP_MSIP);
    csr_set(mstatus, MSTATUS_MIE);
    CHECK(wait_for_irq(), "no software interrupt");
    csr_clear(mstatus, MSTATUS_MIE);
    CHECK_EQ(irq.cause, CAUSE_INTERRUPT | IRQ_MSI, "software interrupt cause");
    CHECK_EQ(irq.count, 1, "one software interrupt");
    CHECK_EQ(mmio_read32(CLINT_MSIP(0)), 0, "msip cleared by the handler");
    CHECK(wait_mip(MIP_MSIP, 0), "MSIP clears with msip");
    csr_write(mie, 0);
}

int main(void)
{
    trap_set_handler(timer_or_soft);
    test_mtime();
    test_mtimecmp();
    test_msip();
    return 0;
}
