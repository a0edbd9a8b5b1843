/*
 * ACLINT (CLINT layout): msip, MTIP as a level of mtime >= mtimecmp,
 * mtime from the virtual clock and its offset, the crossing timer, 32- and
 * 64-bit accesses, lock-free reads of mtime from another thread, reset.
 *
 * The virtual clock is stopped except where a test starts it, so mtime
 * only moves when a test writes it and the expected values are exact.
 */
#include "qemu/osdep.h"
#include "qemu/thread.h"
#include "qapi/error.h"
#include "hw/intc/riscv_aclint.h"
#include "sysemu/reset.h"
#include "hw-test.h"
#include "vmstate-test.h"

#define CLINT_BASE      0x02000000
#define NUM_HARTS       2
#define TIMEBASE_FREQ   10000000

#define MSIP(h)         (CLINT_BASE + 4 * (h))
#define MTIMECMP(h)     (CLINT_BASE + 0x4000 + 8 * (h))
#define MTIME           (CLINT_BASE + 0xbff8)

static RISCVAclintState *clint;
static HwtIrqs *msip_irqs;
static HwtIrqs *mtip_irqs;

static void clint_setup(void)
{
    qemu_devices_reset();
}

/* mtime with the clock stopped: ticks of the frozen virtual time plus
 * the offset.  Reads through the bus and the CSR hook must agree. */
static uint64_t mtime(void)
{
    uint64_t bus = hwt_read(MTIME, 8);

    g_assert_cmphex(riscv_aclint_read_time(clint), ==, bus);
    return bus;
}

static void test_reset_state(void)
{
    clint_setup();
    g_assert_cmphex(mtime(), ==, 0);
    for (int h = 0; h < NUM_HARTS; h++) {
        g_assert_cmphex(hwt_read(MTIMECMP(h), 8), ==, 0);
        g_assert_cmphex(hwt_rd32(MSIP(h)), ==, 0);
        g_assert_cmpint(msip_irqs->levels[h], ==, 0);
        /* mtime = mtimecmp = 0: MTIP is pending out of reset. */
        g_assert_cmpint(mtip_irqs->levels[h], ==, 1);
    }
}

static void test_msip(void)
{
    clint_setup();
    hwt_wr32(MSIP(1), 1);
    g_assert_cmpint(msip_irqs->levels[1], ==, 1);
    g_assert_cmpint(msip_irqs->levels[0], ==, 0);
    g_assert_cmphex(hwt_rd32(MSIP(1)), ==, 1);
    g_assert_cmphex(hwt_rd32(MSIP(0)), ==, 0);
    /* Only bit 0 exists. */
    hwt_wr32(MSIP(1), 0xfffffffe);
    g_assert_cmpint(msip_irqs->levels[1], ==, 0);
    g_assert_cmphex(hwt_rd32(MSIP(1)), ==, 0);
    hwt_wr32(MSIP(0), 0xffffffff);
    g_assert_cmphex(hwt_rd32(MSIP(0)), ==, 1);
    g_assert_cmpint(msip_irqs->levels[0], ==, 1);
    /* A 64-bit access covers two harts' registers. */
    hwt_write(MSIP(0), 0x100000000ULL, 8);
    g_assert_cmpint(msip_irqs->levels[0], ==, 0);
    g_assert_cmpint(msip_irqs->levels[1], ==, 1);
    g_assert_cmphex(hwt_read(MSIP(0), 8), ==, 0x100000000ULL);
}

static void test_mtip_level(void)
{
    clint_setup();
    hwt_write(MTIME, 1000, 8);
    g_assert_cmphex(mtime(), ==, 1000);
    g_assert_cmpint(mtip_irqs->levels[0], ==, 1);

    hwt_write(MTIMECMP(0), 2000, 8);
    g_assert_cmpint(mtip_irqs->levels[0], ==, 0);
    g_assert_cmpint(mtip_irqs->levels[1], ==, 1);  /* its own mtimecmp */
    hwt_write(MTIMECMP(0), 1000, 8);                /* equal counts */
    g_assert_cmpint(mtip_irqs->levels[0], ==, 1);
    hwt_write(MTIMECMP(0), 1001, 8);
    g_assert_cmpint(mtip_irqs->levels[0], ==, 0);

    /* Moving mtime re-evaluates every hart. */
    hwt_write(MTIMECMP(1), 1500, 8);
    g_assert_cmpint(mtip_irqs->levels[1], ==, 0);
    hwt_write(MTIME, 1600, 8);
    g_assert_cmpint(mtip_irqs->levels[0], ==, 1);
    g_assert_cmpint(mtip_irqs->levels[1], ==, 1);
    hwt_write(MTIME, 0, 8);
    g_assert_cmpint(mtip_irqs->levels[0], ==, 0);
    g_assert_cmpint(mtip_irqs->levels[1], ==, 0);

    /* What OpenSBI does first: all ones means "never". */
    hwt_write(MTIME, 0xfffffffffffffff0ULL, 8);
    hwt_write(MTIMECMP(0), UINT64_MAX, 8);
    g_assert_cmpint(mtip_irqs->levels[0], ==, 0);
}

static void test_32bit_halves(void)
{
    clint_setup();
    hwt_write(MTIMECMP(1), 0x1122334455667788ULL, 8);
    g_assert_cmphex(hwt_rd32(MTIMECMP(1)), ==, 0x55667788);
    g_assert_cmphex(hwt_rd32(MTIMECMP(1) + 4), ==, 0x11223344);
    hwt_wr32(MTIMECMP(1) + 4, 0);
    g_assert_cmphex(hwt_read(MTIMECMP(1), 8), ==, 0x55667788);
    hwt_wr32(MTIMECMP(1), 0x10);
    g_assert_cmphex(hwt_read(MTIMECMP(1), 8), ==, 0x10);
    g_assert_cmpint(mtip_irqs->levels[1], ==, 0);   /* mtime is 0 */

    hwt_wr32(MTIME + 4, 0xabcd);
    g_assert_cmphex(mtime(), ==, 0xabcd00000000ULL);
    hwt_wr32(MTIME, 0x1234);
    g_assert_cmphex(mtime(), ==, 0xabcd00001234ULL);
    g_assert_cmphex(hwt_rd32(MTIME), ==, 0x1234);
    g_assert_cmphex(hwt_rd32(MTIME + 4), ==, 0xabcd);
    g_assert_cmpint(mtip_irqs->levels[1], ==, 1);
}

static void test_mtime_follows_virtual_clock(void)
{
    int64_t v0, v1;
    uint64_t t1;

    clint_setup();
    hwt_write(MTIME, 5000000, 8);
    v0 = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    cpu_enable_ticks();
    g_usleep(2000);
    cpu_disable_ticks();
    v1 = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    g_assert_cmpint(v1, >, v0);
    /* ticks = virtual ns * 10 MHz / 1e9, i.e. ns / 100, plus the offset. */
    t1 = mtime();
    g_assert_cmphex(t1, ==, 5000000 + v1 / 100 - v0 / 100);
}

static void test_timer_fires(void)
{
    uint64_t deadline;

    clint_setup();
    hwt_write(MTIMECMP(0), UINT64_MAX, 8);
    deadline = mtime() + TIMEBASE_FREQ / 1000;     /* 1 ms of guest time */
    hwt_write(MTIMECMP(1), deadline, 8);
    g_assert_cmpint(mtip_irqs->levels[1], ==, 0);

    cpu_enable_ticks();
    g_assert_true(hwt_run_until(hwt_int_set, &mtip_irqs->levels[1],
                                10 * 1000));
    cpu_disable_ticks();
    /* Never early. */
    g_assert_cmphex(riscv_aclint_read_time(clint), >=, deadline);
    g_assert_cmpint(mtip_irqs->levels[0], ==, 0);
}

static void test_timer_moved_away(void)
{
    int changes;

    clint_setup();
    hwt_write(MTIMECMP(0), mtime() + TIMEBASE_FREQ / 1000, 8);
    hwt_write(MTIMECMP(1), mtime() + TIMEBASE_FREQ / 500, 8);
    /* Pushed far away before it fires: the old timer must not fire. */
    hwt_write(MTIMECMP(0), UINT64_MAX, 8);
    changes = mtip_irqs->changes[0];
    cpu_enable_ticks();
    g_assert_true(hwt_run_until(hwt_int_set, &mtip_irqs->levels[1],
                                10 * 1000));
    cpu_disable_ticks();
    g_assert_cmpint(mtip_irqs->levels[0], ==, 0);
    g_assert_cmpint(mtip_irqs->changes[0], ==, changes);
}

/* A vCPU reads mtime with no lock while the guest rewrites it. */
static bool reader_stop;

static void *time_reader(void *arg)
{
    uint64_t *bad = arg;

    while (!qatomic_read(&reader_stop)) {
        uint64_t t = riscv_aclint_read_time(clint);

        if (t != 0x0123456789abcdefULL && t != 0xfedcba9876543210ULL) {
            *bad = t;
        }
    }
    return NULL;
}

static void test_read_time_lockfree(void)
{
    QemuThread thread;
    uint64_t bad = 0;
    int rounds = g_test_quick() ? 20000 : 500000;

    clint_setup();
    hwt_write(MTIME, 0x0123456789abcdefULL, 8);
    qatomic_set(&reader_stop, false);
    qemu_thread_create(&thread, "time-reader", time_reader, &bad,
                       QEMU_THREAD_JOINABLE);
    for (int i = 0; i < rounds; i++) {
        hwt_write(MTIME, i & 1 ? 0x0123456789abcdefULL
                               : 0xfedcba9876543210ULL, 8);
    }
    qatomic_set(&reader_stop, true);
    qemu_thread_join(&thread);
    g_assert_cmphex(bad, ==, 0);
}

static void test_bad_accesses(void)
{
    clint_setup();
    hwt_write(MTIMECMP(0), 77, 8);
    /* 32- and 64-bit only, naturally aligned. */
    g_assert_cmpuint(hwt_try_read(MTIMECMP(0), 1), !=, MEMTX_OK);
    g_assert_cmpuint(hwt_try_write(MTIMECMP(0), 5, 2), !=, MEMTX_OK);
    g_assert_cmpuint(hwt_try_write(MTIMECMP(0) + 4, 5, 8), !=, MEMTX_OK);
    g_assert_cmphex(hwt_read(MTIMECMP(0), 8), ==, 77);

    /* Harts that do not exist, and holes, read 0 and ignore writes. */
    hwt_wr32(MSIP(NUM_HARTS), 1);
    g_assert_cmphex(hwt_rd32(MSIP(NUM_HARTS)), ==, 0);
    hwt_write(MTIMECMP(NUM_HARTS), 5, 8);
    g_assert_cmphex(hwt_read(MTIMECMP(NUM_HARTS), 8), ==, 0);
    g_assert_cmphex(hwt_rd32(CLINT_BASE + 0xc000), ==, 0);
    g_assert_cmphex(hwt_rd32(CLINT_BASE + 0xfffc), ==, 0);
    for (int h = 0; h < NUM_HARTS; h++) {
        g_assert_cmpint(msip_irqs->levels[h], ==, 0);
    }
}

static void test_reset(void)
{
    clint_setup();
    hwt_wr32(MSIP(0), 1);
    hwt_write(MTIME, 123456, 8);
    hwt_write(MTIMECMP(0), 999999, 8);
    hwt_write(MTIMECMP(1), 999999, 8);
    g_assert_cmpint(mtip_irqs->levels[1], ==, 0);

    qemu_devices_reset();
    g_assert_cmphex(mtime(), ==, 0);
    g_assert_cmphex(hwt_read(MTIMECMP(0), 8), ==, 0);
    g_assert_cmphex(hwt_read(MTIMECMP(1), 8), ==, 0);
    g_assert_cmpint(msip_irqs->levels[0], ==, 0);
    g_assert_cmpint(mtip_irqs->levels[0], ==, 1);
    g_assert_cmpint(mtip_irqs->levels[1], ==, 1);
}

static void test_random_accesses(void)
{
    int rounds = g_test_quick() ? 5000 : 200000;

    clint_setup();
    hwt_random_accesses(CLINT_BASE, 0x10, rounds);
    hwt_random_accesses(CLINT_BASE + 0x4000, 0x20, rounds);
    hwt_random_accesses(CLINT_BASE + 0xbff8, 8, rounds);
    hwt_random_accesses(CLINT_BASE, RISCV_ACLINT_DEFAULT_SIZE, rounds);
    test_reset_state();
}

static void reset_all(void *opaque)
{
    qemu_devices_reset();
}

/*
 * Migration: mtimecmp, msip and the mtime offset come back, and so do
 * the lines and the timer they drive.
 */
static void test_vmstate(void)
{
    g_autoptr(GByteArray) buf = NULL;
    uint64_t deadline;

    clint_setup();
    hwt_write(MTIME, 5000000, 8);
    hwt_wr32(MSIP(1), 1);
    hwt_write(MTIMECMP(0), 4000000, 8);     /* in the past: MTIP */
    deadline = mtime() + TIMEBASE_FREQ / 1000;
    hwt_write(MTIMECMP(1), deadline, 8);    /* in the future */
    g_assert_cmpint(mtip_irqs->levels[0], ==, 1);
    g_assert_cmpint(mtip_irqs->levels[1], ==, 0);

    buf = vmt_round_trip("riscv-aclint", 0, reset_all, NULL);
    g_assert_cmphex(mtime(), ==, 5000000);
    g_assert_cmphex(hwt_read(MTIMECMP(1), 8), ==, deadline);
    g_assert_cmpint(msip_irqs->levels[1], ==, 1);
    g_assert_cmpint(msip_irqs->levels[0], ==, 0);
    g_assert_cmpint(mtip_irqs->levels[0], ==, 1);
    g_assert_cmpint(mtip_irqs->levels[1], ==, 0);
    /* The crossing timer was re-armed: hart 1's MTIP comes on time. */
    cpu_enable_ticks();
    g_assert_true(hwt_run_until(hwt_int_set, &mtip_irqs->levels[1],
                                10 * 1000));
    cpu_disable_ticks();
    g_assert_cmphex(riscv_aclint_read_time(clint), >=, deadline);

    /* A machine with another timebase or number of harts refuses it. */
    clint->timebase_freq++;
    vmt_assert_refused(buf, "riscv-aclint: field timebase_freq = 10000000 "
                       "in the stream, 10000001 on this machine");
    clint->timebase_freq--;
    clint->num_harts--;
    vmt_assert_refused(buf, "riscv-aclint: field harts has 2 elements in "
                       "the stream, 1 on this machine");
    clint->num_harts++;
    g_assert_true(vmt_load(buf, &error_abort));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qemu_init_main_loop(&error_abort);
    qemu_mutex_lock_iothread();

    msip_irqs = hwt_irqs_new(NUM_HARTS);
    mtip_irqs = hwt_irqs_new(NUM_HARTS);
    clint = riscv_aclint_create(get_system_memory(), CLINT_BASE, NUM_HARTS,
                                msip_irqs->lines, mtip_irqs->lines,
                                TIMEBASE_FREQ);

    g_test_add_func("/aclint/reset-state", test_reset_state);
    g_test_add_func("/aclint/msip", test_msip);
    g_test_add_func("/aclint/mtip-level", test_mtip_level);
    g_test_add_func("/aclint/32bit-halves", test_32bit_halves);
    g_test_add_func("/aclint/mtime-follows-virtual-clock",
                    test_mtime_follows_virtual_clock);
    g_test_add_func("/aclint/timer-fires", test_timer_fires);
    g_test_add_func("/aclint/timer-moved-away", test_timer_moved_away);
    g_test_add_func("/aclint/read-time-lockfree", test_read_time_lockfree);
    g_test_add_func("/aclint/bad-accesses", test_bad_accesses);
    g_test_add_func("/aclint/reset", test_reset);
    g_test_add_func("/aclint/random-accesses", test_random_accesses);
    g_test_add_func("/aclint/vmstate", test_vmstate);
    return g_test_run();
}
