/*
 * Goldfish RTC: host time in ns, the TIME_HIGH latch, setting the time,
 * the alarm and its interrupt, and reset.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "hw/rtc/goldfish_rtc.h"
#include "sysemu/reset.h"
#include "hw-test.h"
#include "vmstate-test.h"

#define RTC_BASE            0x101000
#define TIME_LOW            (RTC_BASE + 0x00)
#define TIME_HIGH           (RTC_BASE + 0x04)
#define ALARM_LOW           (RTC_BASE + 0x08)
#define ALARM_HIGH          (RTC_BASE + 0x0c)
#define IRQ_ENABLED         (RTC_BASE + 0x10)
#define CLEAR_ALARM         (RTC_BASE + 0x14)
#define ALARM_STATUS        (RTC_BASE + 0x18)
#define CLEAR_INTERRUPT     (RTC_BASE + 0x1c)

static HwtIrqs *irq;

/* As Linux reads it: LOW (latching HIGH), then HIGH. */
static uint64_t rtc_time(void)
{
    uint32_t low = hwt_rd32(TIME_LOW);

    return ((uint64_t)hwt_rd32(TIME_HIGH) << 32) | low;
}

/* As Linux writes it: HIGH, then LOW. */
static void rtc_set_time(uint64_t ns)
{
    hwt_wr32(TIME_HIGH, ns >> 32);
    hwt_wr32(TIME_LOW, ns);
}

static void rtc_set_alarm(uint64_t ns)
{
    hwt_wr32(ALARM_HIGH, ns >> 32);
    hwt_wr32(ALARM_LOW, ns);
}

static void test_host_time(void)
{
    int64_t before, after;
    uint64_t t;

    qemu_devices_reset();
    before = qemu_clock_get_ns(QEMU_CLOCK_HOST);
    t = rtc_time();
    after = qemu_clock_get_ns(QEMU_CLOCK_HOST);
    g_assert_cmpuint(t, >=, before);
    g_assert_cmpuint(t, <=, after);
}

static void test_high_latch(void)
{
    qemu_devices_reset();
    /* 1 ms before a 2^32 ns boundary: LOW wraps, the latch does not. */
    rtc_set_time(0x5fff00000ULL);
    uint32_t low = hwt_rd32(TIME_LOW);
    g_usleep(10 * 1000);
    uint32_t high = hwt_rd32(TIME_HIGH);
    if (low >= 0xfff00000) {
        /* Read before the boundary: HIGH is the latched word... */
        g_assert_cmphex(high, ==, 5);
    } else {
        /* ...or the boundary passed before the LOW read (slow host). */
        g_assert_cmphex(high, ==, 6);
    }
    /* A later LOW read latches the new high word. */
    hwt_rd32(TIME_LOW);
    g_assert_cmphex(hwt_rd32(TIME_HIGH), ==, 6);
}

static void test_set_time(void)
{
    const uint64_t set = 0x123400000000ULL;
    int64_t before, after;
    uint64_t t;

    qemu_devices_reset();
    before = qemu_clock_get_ns(QEMU_CLOCK_HOST);
    rtc_set_time(set);
    t = rtc_time();
    after = qemu_clock_get_ns(QEMU_CLOCK_HOST);
    g_assert_cmpuint(t, >=, set);
    g_assert_cmpuint(t, <=, set + (after - before));
    /* Writing TIME_HIGH alone changes nothing until LOW is written. */
    hwt_wr32(TIME_HIGH, 0x9999);
    t = rtc_time();
    g_assert_cmphex(t >> 32, ==, set >> 32);
}

/*
 * The guest may set any 64-bit time; the clock then counts on modulo 2^64,
 * as QEMU's does.  Setting INT64_MAX or more once overflowed a signed sum
 * with the host clock (undefined behaviour, reported by UBSan).  Set to
 * UINT64_MAX, the clock wraps at once, and so does the alarm 2 ms later.
 */
static void test_any_time(void)
{
    static const uint64_t times[] = {
        0, 1, INT64_MAX - 1, INT64_MAX, (uint64_t)INT64_MAX + 1,
        UINT64_MAX - NANOSECONDS_PER_SECOND, UINT64_MAX,
    };

    for (size_t i = 0; i < ARRAY_SIZE(times); i++) {
        uint64_t set = times[i], when = set + 2 * SCALE_MS;
        int64_t before, after;
        uint64_t t;

        qemu_devices_reset();
        before = qemu_clock_get_ns(QEMU_CLOCK_HOST);
        rtc_set_time(set);
        t = rtc_time();
        after = qemu_clock_get_ns(QEMU_CLOCK_HOST);
        /* Modulo 2^64: set <= t <= set + elapsed, even across the wrap. */
        g_assert_cmpuint(t - set, <=, (uint64_t)(after - before));

        /* An alarm 2 ms later fires, also when it lies past the wrap. */
        hwt_wr32(IRQ_ENABLED, 1);
        rtc_set_alarm(when);
        g_assert_true(hwt_run_until(hwt_int_set, &irq->levels[0], 10 * 1000));
        g_assert_cmpuint(rtc_time() - set, >=, 2 * SCALE_MS);
        g_assert_cmpuint(hwt_rd32(ALARM_STATUS), ==, 0);
    }
}

static void test_alarm_fires(void)
{
    uint64_t when;

    qemu_devices_reset();
    hwt_wr32(IRQ_ENABLED, 1);
    g_assert_cmpuint(hwt_rd32(IRQ_ENABLED), ==, 1);
    when = rtc_time() + 2 * SCALE_MS;
    rtc_set_alarm(when);
    g_assert_cmpuint(hwt_rd32(ALARM_STATUS), ==, 1);
    g_assert_cmphex(hwt_rd32(ALARM_LOW), ==, (uint32_t)when);
    g_assert_cmphex(hwt_rd32(ALARM_HIGH), ==, when >> 32);
    g_assert_cmpint(irq->levels[0], ==, 0);

    g_assert_true(hwt_run_until(hwt_int_set, &irq->levels[0], 10 * 1000));
    g_assert_cmpuint(rtc_time(), >=, when);
    g_assert_cmpuint(hwt_rd32(ALARM_STATUS), ==, 0);

    hwt_wr32(CLEAR_INTERRUPT, 1);
    g_assert_cmpint(irq->levels[0], ==, 0);
}

static void test_alarm_in_past(void)
{
    qemu_devices_reset();
    /* Disabled interrupt: the alarm goes off, the line stays low... */
    rtc_set_alarm(rtc_time() - 1);
    g_assert_cmpuint(hwt_rd32(ALARM_STATUS), ==, 0);
    g_assert_cmpint(irq->levels[0], ==, 0);
    /* ...until the guest enables it. */
    hwt_wr32(IRQ_ENABLED, 1);
    g_assert_cmpint(irq->levels[0], ==, 1);
    hwt_wr32(IRQ_ENABLED, 0);
    g_assert_cmpint(irq->levels[0], ==, 0);
}

static void test_clear_alarm(void)
{
    int changes;

    qemu_devices_reset();
    changes = irq->changes[0];
    hwt_wr32(IRQ_ENABLED, 1);
    rtc_set_alarm(rtc_time() + 3 * SCALE_MS);
    hwt_wr32(CLEAR_ALARM, 1);
    g_assert_cmpuint(hwt_rd32(ALARM_STATUS), ==, 0);
    /* Moving the clock past the old alarm does not wake it either. */
    rtc_set_time(rtc_time() + NANOSECONDS_PER_SECOND);
    for (int i = 0; i < 5; i++) {
        main_loop_wait(true);
    }
    g_assert_cmpint(irq->changes[0], ==, changes);
}

static void test_alarm_follows_time(void)
{
    qemu_devices_reset();
    hwt_wr32(IRQ_ENABLED, 1);
    rtc_set_alarm(rtc_time() + 3600 * NANOSECONDS_PER_SECOND);
    g_assert_cmpuint(hwt_rd32(ALARM_STATUS), ==, 1);
    /* The guest sets its clock past the alarm: it is due at once. */
    rtc_set_time(rtc_time() + 7200 * NANOSECONDS_PER_SECOND);
    g_assert_cmpint(irq->levels[0], ==, 1);
    g_assert_cmpuint(hwt_rd32(ALARM_STATUS), ==, 0);
}

static void test_far_alarm(void)
{
    qemu_devices_reset();
    hwt_wr32(IRQ_ENABLED, 1);
    /* The largest alarm must neither overflow into the past nor spin. */
    rtc_set_alarm(UINT64_MAX);
    for (int i = 0; i < 5; i++) {
        main_loop_wait(true);
    }
    g_assert_cmpuint(hwt_rd32(ALARM_STATUS), ==, 1);
    g_assert_cmpint(irq->levels[0], ==, 0);
}

static void test_bad_accesses(void)
{
    qemu_devices_reset();
    g_assert_cmpuint(hwt_try_read(TIME_LOW, 1), !=, MEMTX_OK);
    g_assert_cmpuint(hwt_try_read(TIME_LOW, 8), !=, MEMTX_OK);
    g_assert_cmpuint(hwt_try_write(IRQ_ENABLED, 1, 2), !=, MEMTX_OK);
    g_assert_cmpuint(hwt_rd32(IRQ_ENABLED), ==, 0);
    g_assert_cmpuint(hwt_rd32(RTC_BASE + 0x20), ==, 0);
    g_assert_cmpuint(hwt_rd32(CLEAR_ALARM), ==, 0);
    hwt_wr32(ALARM_STATUS, 1);
    g_assert_cmpuint(hwt_rd32(ALARM_STATUS), ==, 0);
    hwt_wr32(RTC_BASE + 0xffc, 1);
    g_assert_cmpint(irq->levels[0], ==, 0);
}

static void test_reset(void)
{
    int64_t before;

    qemu_devices_reset();
    rtc_set_time(42);
    hwt_wr32(IRQ_ENABLED, 1);
    rtc_set_alarm(50);
    g_assert_cmpint(irq->levels[0], ==, 1);

    before = qemu_clock_get_ns(QEMU_CLOCK_HOST);
    qemu_devices_reset();
    g_assert_cmpint(irq->levels[0], ==, 0);
    g_assert_cmpuint(hwt_rd32(IRQ_ENABLED), ==, 0);
    g_assert_cmpuint(hwt_rd32(ALARM_STATUS), ==, 0);
    g_assert_cmpuint(hwt_rd32(ALARM_LOW), ==, 0);
    g_assert_cmpuint(rtc_time(), >=, before);
}

static void test_random_accesses(void)
{
    qemu_devices_reset();
    hwt_random_accesses(RTC_BASE, 0x20, g_test_quick() ? 20000 : 500000);
    hwt_random_accesses(RTC_BASE, GOLDFISH_RTC_SIZE, 1000);
    qemu_devices_reset();
    g_assert_cmpint(irq->levels[0], ==, 0);
    g_assert_cmpuint(hwt_rd32(ALARM_STATUS), ==, 0);
    g_assert_cmpuint(hwt_rd32(IRQ_ENABLED), ==, 0);
    test_host_time();
}

static void reset_all(void *opaque)
{
    qemu_devices_reset();
}

/*
 * Migration: the guest's time (an offset from the host clock, which the
 * destination shares), the armed alarm and the interrupt come back.
 */
static void test_vmstate(void)
{
    g_autoptr(GByteArray) buf = NULL;
    /* Where irq_enabled is in the section: header, then 8+8+4+1+4. */
    size_t irq_enabled_at = 1 + strlen("goldfish_rtc") + 4 + 4 + 25;
    uint64_t when, t;

    qemu_devices_reset();
    rtc_set_time(1700000000ULL * NANOSECONDS_PER_SECOND);
    hwt_wr32(IRQ_ENABLED, 1);
    when = rtc_time() + 20 * SCALE_MS;
    rtc_set_alarm(when);

    buf = vmt_round_trip("goldfish_rtc", 0, reset_all, NULL);
    t = rtc_time();
    g_assert_cmpuint(t, >=, 1700000000ULL * NANOSECONDS_PER_SECOND);
    g_assert_cmpuint(t, <, when);
    g_assert_cmpuint(hwt_rd32(ALARM_STATUS), ==, 1);
    g_assert_cmpint(irq->levels[0], ==, 0);
    /* The host timer behind the alarm was re-armed. */
    g_assert_true(hwt_run_until(hwt_int_set, &irq->levels[0], 10 * 1000));
    g_assert_cmpuint(rtc_time(), >=, when);

    /* Loading a pending, enabled interrupt raises the line. */
    {
        g_autoptr(GByteArray) fired = vmt_save("goldfish_rtc", 0);

        qemu_devices_reset();
        g_assert_cmpint(irq->levels[0], ==, 0);
        g_assert_true(vmt_load(fired, &error_abort));
        g_assert_cmpint(irq->levels[0], ==, 1);
    }

    g_assert_cmpuint(buf->data[irq_enabled_at], ==, 1);
    buf->data[irq_enabled_at] = 2;
    vmt_assert_refused(buf, "goldfish_rtc: field irq_enabled = 2 is outside "
                       "[0, 1]");
    qemu_devices_reset();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qemu_init_main_loop(&error_abort);
    qemu_mutex_lock_iothread();

    irq = hwt_irqs_new(1);
    goldfish_rtc_create(get_system_memory(), RTC_BASE, irq->lines[0]);

    g_test_add_func("/goldfish-rtc/host-time", test_host_time);
    g_test_add_func("/goldfish-rtc/high-latch", test_high_latch);
    g_test_add_func("/goldfish-rtc/set-time", test_set_time);
    g_test_add_func("/goldfish-rtc/any-time", test_any_time);
    g_test_add_func("/goldfish-rtc/alarm-fires", test_alarm_fires);
    g_test_add_func("/goldfish-rtc/alarm-in-past", test_alarm_in_past);
    g_test_add_func("/goldfish-rtc/clear-alarm", test_clear_alarm);
    g_test_add_func("/goldfish-rtc/alarm-follows-time",
                    test_alarm_follows_time);
    g_test_add_func("/goldfish-rtc/far-alarm", test_far_alarm);
    g_test_add_func("/goldfish-rtc/bad-accesses", test_bad_accesses);
    g_test_add_func("/goldfish-rtc/reset", test_reset);
    g_test_add_func("/goldfish-rtc/random-accesses", test_random_accesses);
    g_test_add_func("/goldfish-rtc/vmstate", test_vmstate);
    return g_test_run();
}
