/*
 * The qtest server (softmmu/qtest.c), spoken to through a ringbuf
 * chardev: every command's reply, the byte order and widths of memory
 * accesses, the clock commands on manual virtual time, interrupt lines
 * intercepted and driven, and every malformed request refused with ERR or
 * FAIL while the next one still works.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "chardev/char.h"
#include "exec/memory.h"
#include "hw/irq.h"
#include "sysemu/qtest.h"
#include "sysemu/runstate.h"

#define RAM_BASE    0x80000000
#define RAM_SIZE    (64 * KiB)
#define DEV_BASE    0x10000000

/* The test double of accel/qtest's: the clock commands' switch. */
static bool accel_qtest = true;

bool qtest_enabled(void)
{
    return accel_qtest;
}

/* The chardev library's mux asks for this on Ctrl-A x: no mux here. */
void qemu_system_shutdown_request(ShutdownCause reason)
{
    g_assert_not_reached();
}

static Chardev *chr;
static MemoryRegion ram;

/*
 * A device with one 32-bit register that takes 4-byte accesses only, and
 * two output lines: writing 1 << i raises line i, 0 lowers them; and an
 * input line that records its level in the register's top byte.
 */
static struct {
    MemoryRegion mr;
    uint32_t reg;
    int accesses;
    qemu_irq out[2];
    qemu_irq *in;
    int sink_level[2];
} dev;

static uint64_t dev_read(void *opaque, hwaddr addr, unsigned size)
{
    dev.accesses++;
    return dev.reg;
}

static void dev_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    dev.accesses++;
    dev.reg = val;
    for (int i = 0; i < 2; i++) {
        qemu_set_irq(dev.out[i], (val >> i) & 1);
    }
}

static const MemoryRegionOps dev_ops = {
    .read = dev_read,
    .write = dev_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
};

static void sink_handler(void *opaque, int n, int level)
{
    dev.sink_level[n] = level;
}

static void dev_in_handler(void *opaque, int n, int level)
{
    dev.reg = (dev.reg & 0x00ffffff) | (uint32_t)(level & 0xff) << 24;
}

/* Send one request, run the handlers, return everything sent back. */
static char *ask(const char *request)
{
    g_autofree char *line = g_strdup_printf("%s\n", request);

    g_free(qemu_chr_ringbuf_read(chr));
    qemu_chr_be_write(chr, (const uint8_t *)line, strlen(line));
    return qemu_chr_ringbuf_read(chr);
}

#define ASK(request, reply)                                             \
    do {                                                                \
        g_autofree char *got_ = ask(request);                           \
        g_assert_cmpstr(got_, ==, reply);                               \
    } while (0)

/* The reply starts with prefix (for messages that name things). */
#define ASK_PREFIX(request, prefix)                                     \
    do {                                                                \
        g_autofree char *got_ = ask(request);                           \
        if (!g_str_has_prefix(got_, prefix)) {                          \
            g_test_message("'%s' -> '%s'", request, got_);              \
            g_assert_not_reached();                                     \
        }                                                               \
        g_assert_cmpint(strchr(got_, '\n') - got_ + 1, ==, strlen(got_)); \
    } while (0)

static void test_memory(void)
{
    ASK("writeq 0x80000000 0x0807060504030201", "OK\n");
    ASK("readb 0x80000000", "OK 0x0000000000000001\n");
    ASK("readw 0x80000001", "OK 0x0000000000000302\n");
    ASK("readl 0x80000004", "OK 0x0000000008070605\n");
    ASK("readq 0x80000000", "OK 0x0807060504030201\n");
    /* Values wider than the access are cut, as QEMU does. */
    ASK("writeb 0x80000000 0x1ff", "OK\n");
    ASK("writew 2147483650 0xabcd", "OK\n");      /* decimal address */
    ASK("readl 0x80000000", "OK 0x00000000abcd02ff\n");
    ASK("writel 0x80000004 037777777777", "OK\n"); /* octal */
    ASK("readl 0x80000004", "OK 0x00000000ffffffff\n");

    ASK("write 0x80000010 3 0xa1b2c3", "OK\n");
    ASK("read 0x80000010 4", "OK 0xa1b2c300\n");
    /* Short data is zero-filled; longer is cut to SIZE. */
    ASK("write 0x80000010 4 0x11", "OK\n");
    ASK("read 0x80000010 4", "OK 0x11000000\n");
    ASK("write 0x80000010 1 0x2233", "OK\n");
    ASK("read 0x80000010 2", "OK 0x2200\n");
    ASK("memset 0x80000020 5 0x5a", "OK\n");
    ASK("memset 0x80000020 0 0x11", "OK\n");
    ASK("read 0x8000001f 7", "OK 0x005a5a5a5a5a00\n");
    ASK("b64write 0x80000030 3 AQID", "OK\n");
    ASK("b64read 0x80000030 4", "OK AQIDAA==\n");
    /* Nothing mapped: reads give 0, writes vanish. */
    ASK("writel 0x40000000 1", "OK\n");
    ASK("readl 0x40000000", "OK 0x0000000000000000\n");
    ASK("endianness", "OK little\n");
}

/* A 4-byte register reached with other widths goes through the memory
 * API's rules; a 4-byte access is one device access. */
static void test_device_access(void)
{
    dev.accesses = 0;
    ASK("writel 0x10000000 0x12345678", "OK\n");
    ASK("readl 0x10000000", "OK 0x0000000012345678\n");
    g_assert_cmpint(dev.accesses, ==, 2);
}

static void test_bad_requests(void)
{
    ASK("frobnicate 1 2", "FAIL Unknown command 'frobnicate'\n");
    ASK("READL 0x0", "FAIL Unknown command 'READL'\n");
    ASK_PREFIX("readl", "ERR readl takes 1 argument, got 0");
    ASK_PREFIX("readl 1 2", "ERR readl takes 1 argument, got 2");
    ASK_PREFIX("writel 0x80000000", "ERR writel takes 2 arguments");
    ASK_PREFIX("clock_step 1 2", "ERR clock_step takes 0 to 1 arguments");
    ASK_PREFIX("readl zz", "ERR readl: invalid address 'zz'");
    ASK_PREFIX("readl 0x", "ERR readl: invalid address");
    ASK_PREFIX("readl -1", "ERR readl: invalid address");
    ASK_PREFIX("readl 0x10000000000000000", "ERR readl: invalid address");
    ASK_PREFIX("writel 0 nope", "ERR writel: invalid value 'nope'");
    ASK_PREFIX("read 0x80000000 0", "ERR read: size 0");
    ASK_PREFIX("read 0x80000000 0x10000000", "ERR read: size 268435456 is "
               "over the limit");
    ASK_PREFIX("memset 0x80000000 0x10000000 0", "ERR memset: size");
    ASK_PREFIX("write 0x80000000 2 1234", "ERR write: data must start "
               "with 0x");
    ASK_PREFIX("write 0x80000000 2 0x123", "ERR write: odd number");
    ASK_PREFIX("write 0x80000000 2 0x12zz", "ERR write: 'zz' is not a hex "
               "byte");
    ASK_PREFIX("clock_step -5", "ERR clock_step: invalid time '-5'");
    ASK_PREFIX("clock_set x", "ERR clock_set: invalid time 'x'");
    ASK_PREFIX("set_irq_in /soc/dev@10000000 unnamed-gpio-in x 1",
               "ERR set_irq_in: invalid line 'x'");
    /* Nothing happened: RAM and the device keep their contents. */
    ASK("write 0x80000040 2 0xbeef", "OK\n");
    ASK("write 0x80000040 2 0x12zz", "ERR write: 'zz' is not a hex byte\n");
    ASK("read 0x80000040 2", "OK 0xbeef\n");
    /* Blank lines are no requests; runs of blanks and a CR are fine. */
    ASK("", "");
    ASK("  readb   0x80000040 \r", "OK 0x00000000000000be\n");
}

/* Requests split over several writes, and several in one. */
static void test_framing(void)
{
    g_autofree char *reply = NULL;

    g_free(qemu_chr_ringbuf_read(chr));
    qemu_chr_be_write(chr, (const uint8_t *)"rea", 3);
    reply = qemu_chr_ringbuf_read(chr);
    g_assert_cmpstr(reply, ==, "");
    g_free(reply);
    qemu_chr_be_write(chr, (const uint8_t *)"db 0x80000040\nendian", 20);
    qemu_chr_be_write(chr, (const uint8_t *)"ness\nreadb 0x80000041\n", 22);
    reply = qemu_chr_ringbuf_read(chr);
    g_assert_cmpstr(reply, ==, "OK 0x00000000000000be\nOK little\n"
                    "OK 0x00000000000000ef\n");
}

static int fired;
static int64_t fired_at[4];

static void timer_cb(void *opaque)
{
    fired_at[fired++] = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
}

static void test_clock(void)
{
    QEMUTimer *a = timer_new_ns(QEMU_CLOCK_VIRTUAL, timer_cb, NULL);
    QEMUTimer *b = timer_new_ns(QEMU_CLOCK_VIRTUAL, timer_cb, NULL);
    int64_t t0 = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    g_autofree char *expect = NULL;

    fired = 0;
    timer_mod_ns(a, t0 + 1000);
    timer_mod_ns(b, t0 + 2500);
    /* No argument: to the next deadline. */
    expect = g_strdup_printf("OK %" PRIi64 "\n", t0 + 1000);
    ASK("clock_step", expect);
    g_assert_cmpint(fired, ==, 1);
    g_assert_cmpint(fired_at[0], ==, t0 + 1000);
    g_free(expect);
    expect = g_strdup_printf("OK %" PRIi64 "\n", t0 + 3000);
    ASK("clock_step 2000", expect);
    g_assert_cmpint(fired, ==, 2);
    g_assert_cmpint(fired_at[1], ==, t0 + 2500);
    /* Nothing armed: clock_step stays; clock_set never goes back. */
    ASK("clock_step", expect);
    ASK("clock_set 0", expect);
    g_free(expect);
    expect = g_strdup_printf("OK %" PRIi64 "\n", t0 + 10000);
    {
        g_autofree char *req = g_strdup_printf("clock_set %" PRIi64,
                                               t0 + 10000);
        ASK(req, expect);
    }
    ASK_PREFIX("clock_step 0x7fffffffffffffff", "ERR clock_step: ");
    /* Without -accel qtest, the clock is not the test's. */
    accel_qtest = false;
    ASK("clock_step 10", "FAIL clock_step needs -accel qtest\n");
    ASK("clock_set 10", "FAIL clock_set needs -accel qtest\n");
    accel_qtest = true;
    timer_free(a);
    timer_free(b);
}

/* Runs last: an intercept lasts for the life of the process. */
static void test_irq(void)
{
    ASK("irq_intercept_in /soc/none", "FAIL Unknown device\n");
    ASK("irq_intercept_in /soc/sink@0", "FAIL /soc/sink@0 has no input "
        "lines\n");
    ASK("irq_intercept_out /soc/dev@10000000", "OK\n");
    ASK("irq_intercept_out /soc/dev@10000000", "OK\n");
    ASK("irq_intercept_in /soc/other@0",
        "FAIL IRQ intercept already enabled\n");
    /* Reported on changes only, before the reply; the wire still works. */
    ASK("writel 0x10000000 2", "IRQ raise 1\nOK\n");
    g_assert_cmpint(dev.sink_level[1], ==, 1);
    ASK("writel 0x10000000 3", "IRQ raise 0\nOK\n");
    ASK("writel 0x10000000 3", "OK\n");
    ASK("writel 0x10000000 0", "IRQ lower 0\nIRQ lower 1\nOK\n");
    g_assert_cmpint(dev.sink_level[0], ==, 0);
    g_assert_cmpint(dev.sink_level[1], ==, 0);

    /* Driving an input line. */
    ASK("set_irq_in /soc/dev@10000000 unnamed-gpio-in 0 0x42", "OK\n");
    ASK("readl 0x10000000", "OK 0x0000000042000000\n");
    ASK("set_irq_in /soc/dev@10000000 unnamed-gpio-in 1 1",
        "FAIL /soc/dev@10000000 has no input line 1\n");
    ASK("set_irq_in /soc/dev@10000000 named 0 1",
        "FAIL no line list 'named' (only unnamed-gpio-in)\n");
    ASK("set_irq_in /soc/none unnamed-gpio-in 0 1", "FAIL Unknown device\n");
}

int main(int argc, char **argv)
{
    qemu_irq sink[2];

    g_test_init(&argc, &argv, NULL);
    qemu_init_main_loop(&error_abort);
    qemu_mutex_lock_iothread();
    qemu_clock_set_virtual_manual(true);

    g_assert_true(memory_region_init_ram(&ram, NULL, "ram", RAM_SIZE,
                                         &error_abort));
    memory_region_add_subregion(get_system_memory(), RAM_BASE, &ram);
    memory_region_init_io(&dev.mr, NULL, &dev_ops, NULL, "dev", 4);
    memory_region_add_subregion(get_system_memory(), DEV_BASE, &dev.mr);

    sink[0] = qemu_allocate_irq(sink_handler, NULL, 0);
    sink[1] = qemu_allocate_irq(sink_handler, NULL, 1);
    dev.out[0] = sink[0];
    dev.out[1] = sink[1];
    dev.in = qemu_allocate_irqs(dev_in_handler, NULL, 1);
    qemu_irq_publish("/soc/dev@10000000", true, dev.out, 2);
    qemu_irq_publish("/soc/dev@10000000", false, dev.in, 1);
    qemu_irq_publish("/soc/sink@0", true, sink, 1);
    qemu_irq_publish("/soc/other@0", true, sink, 1);

    chr = qemu_chardev_new_from_spec("ringbuf,id=qtest,size=1M",
                                     &error_abort);
    g_assert_true(qtest_server_init_chardev(chr, &error_abort));
    {
        Error *err = NULL;

        g_assert_false(qtest_server_init("null", &err));
        g_assert_nonnull(err);
        error_free(err);
    }

    g_test_add_func("/qtest/memory", test_memory);
    g_test_add_func("/qtest/device-access", test_device_access);
    g_test_add_func("/qtest/bad-requests", test_bad_requests);
    g_test_add_func("/qtest/framing", test_framing);
    g_test_add_func("/qtest/clock", test_clock);
    g_test_add_func("/qtest/irq", test_irq);
    return g_test_run();
}
