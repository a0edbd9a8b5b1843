/*
 * test-wfi.c: WFI wakes up when (mip & mie) != 0 whatever mstatus.MIE
 * and SIE say, and then does not trap; with the interrupt enabled it is
 * taken with mepc at the instruction after the wfi, in M-mode and from
 * S-mode (an M-level timer interrupt); a delegated interrupt masked by
 * SIE only wakes S-mode's wfi.
 *
 * A WFI that never wakes hangs the test until the runner's timeout; one
 * that returns at once is legal (WFI is a hint), so nothing here depends
 * on how long it waited.  A timer interrupt meant to arrive during a wfi
 * may come before it on a loaded host: then the attempt is repeated with
 * a longer delay.
 */
#include "runtime.h"

#define TICKS_PER_MS (CLINT_TIMEBASE_HZ / 1000)

static volatile struct {
    int count;
    uint64_t cause;
    uint64_t epc;
    int level;
} irq;

static bool count_interrupt(struct trap_frame *f, int level)
{
    if (!(f->cause & CAUSE_INTERRUPT)) {
        return false;
    }
    irq.count++;
    irq.cause = f->cause;
    irq.epc = f->epc;
    irq.level = level;
    if (f->cause == (CAUSE_INTERRUPT | IRQ_MTI)) {
        mmio_write64(CLINT_MTIMECMP(0), ~0ULL);
    } else if (f->cause == (CAUSE_INTERRUPT | IRQ_MSI)) {
        mmio_write32(CLINT_MSIP(0), 0);
    } else if (level == PRV_S) {
        csr_clear(sie, 1ULL << (f->cause & 63));
    } else {
        csr_clear(mie, 1ULL << (f->cause & 63));
    }
    return true;
}

static void timer_in(uint64_t ticks)
{
    mmio_write64(CLINT_MTIMECMP(0), mmio_read64(CLINT_MTIME) + ticks);
}

/* One wfi at a fixed place, so that the address after it is known */
asm(".pushsection .text\n"
    ".option push\n"
    ".option norvc\n"
    ".balign 4\n"
    "wfi_once:\n"
    "wfi\n"
    "wfi_after:\n"
    "ret\n"
    ".option pop\n"
    ".popsection\n");
void wfi_once(void);
extern const char wfi_after[];

/* wfi until an interrupt was taken */
static long wfi_until_interrupt(long unused)
{
    while (irq.count == 0) {
        wfi_once();
    }
    return irq.count;
}

/*
 * Arms the timer and waits in wfi (in M with MIE set, or in S) until its
 * interrupt is taken, retrying with longer delays while the interrupt
 * comes before the wfi is reached.  Returns whether it came right after
 * a wfi.
 */
static bool timer_interrupts_wfi(int prv)
{
    static const uint64_t delays_ms[] = { 2, 20, 200, 2000 };

    csr_write(mie, MIP_MTIP);
    for (unsigned i = 0; i < ARRAY_SIZE(delays_ms); i++) {
        irq.count = 0;
        irq.epc = 0;
        timer_in(delays_ms[i] * TICKS_PER_MS);
        if (prv == PRV_M) {
            csr_set(mstatus, MSTATUS_MIE);
            wfi_until_interrupt(0);
            csr_clear(mstatus, MSTATUS_MIE);
        } else {
            run_in_mode(prv, wfi_until_interrupt, 0);
        }
        if (irq.epc == (uintptr_t)wfi_after) {
            break;
        }
        test_note("the timer came before the wfi; retrying");
    }
    csr_write(mie, 0);
    return irq.epc == (uintptr_t)wfi_after;
}

static void test_wfi_m(void)
{
    test_section("wfi with MIE = 0 wakes on a pending timer, no trap");
    irq.count = 0;
    csr_write(mie, MIP_MTIP);
    timer_in(2 * TICKS_PER_MS);
    while (!(csr_read(mip) & MIP_MTIP)) {
        wfi_once();
    }
    CHECK_EQ(irq.count, 0, "no interrupt taken with MIE = 0");
    mmio_write64(CLINT_MTIMECMP(0), ~0ULL);
    CHECK(wait_mip(MIP_MTIP, 0), "MTIP cleared");

    test_section("wfi with MIE = 0 and an interrupt already pending");
    mmio_write32(CLINT_MSIP(0), 1);
    csr_write(mie, MIP_MSIP);
    CHECK(wait_mip(MIP_MSIP, MIP_MSIP), "MSIP pending");
    wfi_once();
    CHECK_EQ(irq.count, 0, "no interrupt taken with MIE = 0");
    mmio_write32(CLINT_MSIP(0), 0);
    csr_write(mie, 0);

    test_section("wfi with MIE = 1: the interrupt is taken after it");
    CHECK(timer_interrupts_wfi(PRV_M), "timer interrupt at 0x%lx, not "
          "right after a wfi (%p)", irq.epc, wfi_after);
    CHECK_EQ(irq.cause, CAUSE_INTERRUPT | IRQ_MTI, "interrupt cause");
    CHECK_EQ(irq.count, 1, "one interrupt");
}

/* In S: wfi at least once, until sip & sip_mask */
static long wfi_until_sip(long sip_mask)
{
    do {
        wfi_once();
    } while (!(csr_read(sip) & sip_mask));
    return irq.count;
}

static void test_wfi_s(void)
{
    test_section("wfi in S: an M timer interrupt wakes it and traps to M");
    CHECK(timer_interrupts_wfi(PRV_S), "timer interrupt at 0x%lx, not "
          "right after a wfi (%p)", irq.epc, wfi_after);
    CHECK_EQ(irq.count, 1, "one interrupt");
    CHECK_EQ(irq.cause, CAUSE_INTERRUPT | IRQ_MTI, "cause");
    CHECK_EQ(irq.level, PRV_M, "taken in M");

    test_section("wfi in S with SIE = 0 wakes on a delegated interrupt");
    irq.count = 0;
    csr_write(mideleg, MIP_SSIP);
    csr_write(mie, MIP_SSIP);
    csr_set(mip, MIP_SSIP);
    CHECK_EQ(run_in_mode(PRV_S, wfi_until_sip, MIP_SSIP), 0,
             "no interrupt taken");
    csr_write(mip, 0);
    csr_write(mie, 0);
    csr_write(mideleg, 0);
}

int main(void)
{
    mmio_write64(CLINT_MTIMECMP(0), ~0ULL);
    trap_set_handler(count_interrupt);
    test_wfi_m();
    test_wfi_s();
    return 0;
}
