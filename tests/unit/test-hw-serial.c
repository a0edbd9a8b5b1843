/*
 * 16550A UART on a ringbuf chardev: the idle register values Linux and
 * OpenSBI rely on, THRE and IIR transitions, transmission, the receive
 * FIFO with its trigger levels and character timeout, overruns and line
 * status, loopback, the divisor latch, bad accesses and reset.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "chardev/char.h"
#include "hw/char/serial.h"
#include "sysemu/reset.h"
#include "sysemu/runstate.h"
#include "hw-test.h"
#include "vmstate-test.h"

#define UART_BASE   0x10000000
#define RBR         (UART_BASE + 0)
#define THR         (UART_BASE + 0)
#define IER         (UART_BASE + 1)
#define IIR         (UART_BASE + 2)
#define FCR         (UART_BASE + 2)
#define LCR         (UART_BASE + 3)
#define MCR         (UART_BASE + 4)
#define LSR         (UART_BASE + 5)
#define MSR         (UART_BASE + 6)
#define SCR         (UART_BASE + 7)

/* IIR values as read (FIFOs disabled / enabled). */
#define IIR_NONE        0x01
#define IIR_THRE        0x02
#define IIR_RX          0x04
#define IIR_LSR         0x06
#define IIR_TIMEOUT     0x0c
#define IIR_FIFO        0xc0

static Chardev *chr;
static HwtIrqs *irq;
static SerialMM *smm;

/* The chardev library's mux calls this on Ctrl-A x; never here. */
void qemu_system_shutdown_request(ShutdownCause reason)
{
    g_assert_not_reached();
}

static void uart_setup(void)
{
    qemu_devices_reset();
    g_free(qemu_chr_ringbuf_read(chr));
}

static void host_send(const char *s)
{
    qemu_chr_be_write(chr, (const uint8_t *)s, strlen(s));
}

static void test_reset_state(void)
{
    uart_setup();
    g_assert_cmphex(hwt_rd8(LSR), ==, 0x60);    /* THRE | TEMT */
    g_assert_cmphex(hwt_rd8(IIR), ==, IIR_NONE);
    g_assert_cmphex(hwt_rd8(MSR), ==, 0xb0);    /* DCD | DSR | CTS */
    g_assert_cmphex(hwt_rd8(IER), ==, 0);
    g_assert_cmphex(hwt_rd8(LCR), ==, 0);
    g_assert_cmphex(hwt_rd8(MCR), ==, 0);
    g_assert_cmpint(irq->levels[0], ==, 0);
    /* Reading MSR twice: no deltas to clear, same value. */
    g_assert_cmphex(hwt_rd8(MSR), ==, 0xb0);
}

static void test_transmit(void)
{
    g_autofree char *out = NULL;

    uart_setup();
    for (const char *p = "hello\n"; *p; p++) {
        hwt_wr8(THR, *p);
        /* The console polls for THRE | TEMT after every character. */
        g_assert_cmphex(hwt_rd8(LSR), ==, 0x60);
    }
    out = qemu_chr_ringbuf_read(chr);
    g_assert_cmpstr(out, ==, "hello\n");
    /* THR writes never raise anything with interrupts off. */
    g_assert_cmpint(irq->levels[0], ==, 0);
}

static void test_thre_interrupt(void)
{
    g_autofree char *out = NULL;

    uart_setup();
    /* Enabling the THRE interrupt with THR empty shows it at once. */
    hwt_wr8(IER, 0x02);
    g_assert_cmpint(irq->levels[0], ==, 1);
    g_assert_cmphex(hwt_rd8(IIR), ==, IIR_THRE);
    /* Reading IIR acknowledged it. */
    g_assert_cmpint(irq->levels[0], ==, 0);
    g_assert_cmphex(hwt_rd8(IIR), ==, IIR_NONE);

    /* Linux's THRE test: disable and re-enable, it comes back. */
    hwt_wr8(IER, 0x00);
    hwt_wr8(IER, 0x02);
    g_assert_cmphex(hwt_rd8(IIR), ==, IIR_THRE);
    /* Re-writing the same IER does not re-arm it. */
    hwt_wr8(IER, 0x02);
    g_assert_cmphex(hwt_rd8(IIR), ==, IIR_NONE);

    /* Each character written empties again at once: THRE again. */
    hwt_wr8(THR, 'x');
    g_assert_cmpint(irq->levels[0], ==, 1);
    g_assert_cmphex(hwt_rd8(IIR), ==, IIR_THRE);
    out = qemu_chr_ringbuf_read(chr);
    g_assert_cmpstr(out, ==, "x");

    /* Masking it drops the line without acknowledging. */
    hwt_wr8(THR, 'y');
    g_assert_cmpint(irq->levels[0], ==, 1);
    hwt_wr8(IER, 0x00);
    g_assert_cmpint(irq->levels[0], ==, 0);
    g_assert_cmphex(hwt_rd8(IIR), ==, IIR_NONE);
}

static void test_fifo_iir_bits(void)
{
    uart_setup();
    hwt_wr8(FCR, 0x01);
    g_assert_cmphex(hwt_rd8(IIR), ==, IIR_FIFO | IIR_NONE);
    hwt_wr8(IER, 0x02);
    g_assert_cmphex(hwt_rd8(IIR), ==, IIR_FIFO | IIR_THRE);
    hwt_wr8(FCR, 0x00);
    g_assert_cmphex(hwt_rd8(IIR), ==, IIR_NONE);
}

static void test_receive_no_fifo(void)
{
    uart_setup();
    host_send("a");
    g_assert_cmphex(hwt_rd8(LSR), ==, 0x61);    /* DR */
    g_assert_cmpint(irq->levels[0], ==, 0);
    hwt_wr8(IER, 0x01);
    g_assert_cmpint(irq->levels[0], ==, 1);
    g_assert_cmphex(hwt_rd8(IIR), ==, IIR_RX);
    /* Reading IIR does not acknowledge RX: only reading the data does. */
    g_assert_cmphex(hwt_rd8(IIR), ==, IIR_RX);
    g_assert_cmphex(hwt_rd8(RBR), ==, 'a');
    g_assert_cmphex(hwt_rd8(LSR), ==, 0x60);
    g_assert_cmphex(hwt_rd8(IIR), ==, IIR_NONE);
    g_assert_cmpint(irq->levels[0], ==, 0);
    /* Nothing waiting: RBR reads 0. */
    g_assert_cmphex(hwt_rd8(RBR), ==, 0);
}

static void test_rx_priority_over_thre(void)
{
    uart_setup();
    hwt_wr8(IER, 0x03);
    host_send("z");
    g_assert_cmphex(hwt_rd8(IIR), ==, IIR_RX);
    g_assert_cmphex(hwt_rd8(RBR), ==, 'z');
    g_assert_cmphex(hwt_rd8(IIR), ==, IIR_THRE);
    g_assert_cmphex(hwt_rd8(IIR), ==, IIR_NONE);
}

static void test_fifo_trigger_level(void)
{
    uart_setup();
    hwt_wr8(FCR, 0x81);         /* FIFO on, trigger at 8 bytes */
    hwt_wr8(IER, 0x01);
    host_send("1234567");
    g_assert_cmphex(hwt_rd8(LSR) & 0x01, ==, 0x01);
    /* Below the trigger level: no RX interrupt (only a timeout later). */
    g_assert_cmphex(hwt_rd8(IIR), ==, IIR_FIFO | IIR_NONE);
    g_assert_cmpint(irq->levels[0], ==, 0);
    host_send("8");
    g_assert_cmphex(hwt_rd8(IIR), ==, IIR_FIFO | IIR_RX);
    g_assert_cmpint(irq->levels[0], ==, 1);
    g_assert_cmphex(hwt_rd8(RBR), ==, '1');
    /* 7 left, below the trigger again. */
    g_assert_cmphex(hwt_rd8(IIR), ==, IIR_FIFO | IIR_NONE);
    for (const char *p = "2345678"; *p; p++) {
        g_assert_cmphex(hwt_rd8(LSR) & 0x01, ==, 0x01);
        g_assert_cmphex(hwt_rd8(RBR), ==, *p);
    }
    g_assert_cmphex(hwt_rd8(LSR), ==, 0x60);
}

static void test_fifo_clear(void)
{
    uart_setup();
    hwt_wr8(FCR, 0x01);
    host_send("abc");
    hwt_wr8(FCR, 0x03);         /* clear the RX FIFO */
    g_assert_cmphex(hwt_rd8(LSR), ==, 0x60);
    host_send("d");
    hwt_wr8(FCR, 0x00);         /* leaving FIFO mode empties it too */
    g_assert_cmphex(hwt_rd8(LSR), ==, 0x60);
}

static bool irq_raised(void *opaque)
{
    return irq->levels[0];
}

static void test_fifo_timeout(void)
{
    uart_setup();
    hwt_wr8(LCR, 0x80);
    hwt_wr8(THR, 1);            /* divisor 1: 230400 baud */
    hwt_wr8(LCR, 0x03);
    hwt_wr8(FCR, 0xc1);         /* trigger at 14 bytes */
    hwt_wr8(IER, 0x01);
    host_send("abc");
    g_assert_cmpint(irq->levels[0], ==, 0);

    /* Four character times of guest time later: a timeout interrupt. */
    cpu_enable_ticks();
    g_assert_true(hwt_run_until(irq_raised, NULL, 10 * 1000));
    g_assert_cmphex(hwt_rd8(IIR), ==, IIR_FIFO | IIR_TIMEOUT);
    /* Reading a byte clears it and restarts the timer. */
    g_assert_cmphex(hwt_rd8(RBR), ==, 'a');
    g_assert_cmphex(hwt_rd8(IIR), ==, IIR_FIFO | IIR_NONE);
    g_assert_true(hwt_run_until(irq_raised, NULL, 10 * 1000));
    g_assert_cmphex(hwt_rd8(IIR), ==, IIR_FIFO | IIR_TIMEOUT);
    g_assert_cmphex(hwt_rd8(RBR), ==, 'b');
    g_assert_cmphex(hwt_rd8(RBR), ==, 'c');
    cpu_disable_ticks();
    g_assert_cmphex(hwt_rd8(IIR), ==, IIR_FIFO | IIR_NONE);
    g_assert_cmphex(hwt_rd8(LSR), ==, 0x60);
}

static void test_loopback_overrun(void)
{
    g_autofree char *out = NULL;

    uart_setup();
    hwt_wr8(FCR, 0x01);
    hwt_wr8(MCR, 0x10);         /* loopback */
    hwt_wr8(IER, 0x04);         /* line status interrupts */
    for (int i = 0; i < 17; i++) {
        hwt_wr8(THR, 'A' + i);
    }
    /* Looped back, not sent. */
    out = qemu_chr_ringbuf_read(chr);
    g_assert_cmpstr(out, ==, "");
    /* The 17th byte overran the 16-byte FIFO. */
    g_assert_cmpint(irq->levels[0], ==, 1);
    g_assert_cmphex(hwt_rd8(IIR), ==, IIR_FIFO | IIR_LSR);
    g_assert_cmphex(hwt_rd8(LSR), ==, 0x63);    /* DR | OE */
    /* Reading LSR cleared OE and the interrupt. */
    g_assert_cmphex(hwt_rd8(LSR), ==, 0x61);
    g_assert_cmpint(irq->levels[0], ==, 0);
    for (int i = 0; i < 16; i++) {
        g_assert_cmphex(hwt_rd8(RBR), ==, 'A' + i);
    }
    g_assert_cmphex(hwt_rd8(LSR), ==, 0x60);
}

static void test_loopback_modem_lines(void)
{
    uart_setup();
    hwt_wr8(IER, 0x08);         /* modem status interrupts */
    /* Loopback with RTS and DTR: CTS and DSR stay, DCD drops. */
    hwt_wr8(MCR, 0x13);
    g_assert_cmpint(irq->levels[0], ==, 1);
    g_assert_cmphex(hwt_rd8(IIR), ==, 0x00);    /* modem status */
    g_assert_cmphex(hwt_rd8(MSR), ==, 0x30 | 0x08);
    g_assert_cmpint(irq->levels[0], ==, 0);
    g_assert_cmphex(hwt_rd8(MSR), ==, 0x30);
    /* OUT1 -> RI, OUT2 -> DCD; RI's delta is its trailing edge only. */
    hwt_wr8(MCR, 0x1f);
    g_assert_cmphex(hwt_rd8(MSR), ==, 0xf0 | 0x08);
    hwt_wr8(MCR, 0x1b);
    g_assert_cmphex(hwt_rd8(MSR), ==, 0xb0 | 0x04);
    /* Input from the host is not connected in loopback. */
    host_send("q");
    g_assert_cmphex(hwt_rd8(LSR) & 0x01, ==, 0);
}

static void test_break(void)
{
    uart_setup();
    hwt_wr8(IER, 0x05);
    qemu_chr_be_event(chr, CHR_EVENT_BREAK);
    g_assert_cmphex(hwt_rd8(IIR), ==, IIR_LSR);
    g_assert_cmphex(hwt_rd8(LSR), ==, 0x71);    /* DR | BI | THRE | TEMT */
    g_assert_cmphex(hwt_rd8(IIR), ==, IIR_RX);
    g_assert_cmphex(hwt_rd8(RBR), ==, 0);
    g_assert_cmphex(hwt_rd8(LSR), ==, 0x60);
}

static void test_divisor_latch(void)
{
    g_autofree char *out = NULL;

    uart_setup();
    hwt_wr8(IER, 0x05);
    hwt_wr8(LCR, 0x83);
    hwt_wr8(THR, 0x18);         /* DLL: Linux's divisor 24 */
    hwt_wr8(IER, 0x00);         /* DLM */
    g_assert_cmphex(hwt_rd8(THR), ==, 0x18);
    g_assert_cmphex(hwt_rd8(IER), ==, 0x00);
    hwt_wr8(LCR, 0x03);
    g_assert_cmphex(hwt_rd8(IER), ==, 0x05);    /* IER untouched */
    hwt_wr8(THR, 'k');
    out = qemu_chr_ringbuf_read(chr);
    g_assert_cmpstr(out, ==, "k");
    hwt_wr8(SCR, 0x5a);
    g_assert_cmphex(hwt_rd8(SCR), ==, 0x5a);
}

static void test_bad_accesses(void)
{
    uart_setup();
    g_assert_cmpuint(hwt_try_read(UART_BASE, 8), !=, MEMTX_OK);
    g_assert_cmpuint(hwt_try_write(UART_BASE, 1, 8), !=, MEMTX_OK);
    /* Writes to the status registers change nothing. */
    hwt_wr8(LSR, 0x00);
    hwt_wr8(MSR, 0x00);
    g_assert_cmphex(hwt_rd8(LSR), ==, 0x60);
    g_assert_cmphex(hwt_rd8(MSR), ==, 0xb0);
    /* A 32-bit access reaches the register it starts at. */
    hwt_wr32(UART_BASE + 4, 0x0102);
    g_assert_cmphex(hwt_rd8(MCR), ==, 0x02);
}

static void test_reset(void)
{
    uart_setup();
    hwt_wr8(FCR, 0xc1);
    hwt_wr8(IER, 0x0f);
    hwt_wr8(LCR, 0x9b);
    hwt_wr8(THR, 0x33);
    hwt_wr8(MCR, 0x1f);
    hwt_wr8(SCR, 0x77);
    host_send("zz");
    g_assert_cmpint(irq->levels[0], ==, 1);

    qemu_devices_reset();
    g_assert_cmpint(irq->levels[0], ==, 0);
    g_assert_cmphex(hwt_rd8(LSR), ==, 0x60);
    g_assert_cmphex(hwt_rd8(IIR), ==, IIR_NONE);
    g_assert_cmphex(hwt_rd8(MSR), ==, 0xb0);
    g_assert_cmphex(hwt_rd8(IER), ==, 0);
    g_assert_cmphex(hwt_rd8(LCR), ==, 0);
    g_assert_cmphex(hwt_rd8(MCR), ==, 0);
    g_assert_cmphex(hwt_rd8(SCR), ==, 0);
    g_assert_cmphex(hwt_rd8(RBR), ==, 0);
}

static void test_random_accesses(void)
{
    uart_setup();
    host_send("input");
    hwt_random_accesses(UART_BASE, 8, g_test_quick() ? 20000 : 500000);
    host_send("more");
    test_reset_state();
}

static void reset_all(void *opaque)
{
    qemu_devices_reset();
}

/* Save the UART with one field changed by set, expect msg on load. */
static void serial_refused(void (*set)(SerialState *s), const char *msg)
{
    SerialState saved = smm->serial;
    g_autoptr(GByteArray) buf = NULL;

    set(&smm->serial);
    buf = vmt_save("serial", 0);
    smm->serial = saved;
    vmt_assert_refused(buf, msg);
    smm->serial = saved;
}

static void set_count_17(SerialState *s)
{
    s->recv_fifo_count = 17;
}

static void set_head_16(SerialState *s)
{
    s->recv_fifo_head = 16;
}

static void set_itl_4(SerialState *s)
{
    s->recv_fifo_itl = 4;
}

static void set_count_2_no_fifo(SerialState *s)
{
    s->fcr = 0;
    s->recv_fifo_itl = 1;
    s->recv_fifo_count = 2;
}

/*
 * Migration: registers, the bytes waiting in the FIFO (wrapped round),
 * the pending interrupts and the character timeout come back.
 */
static void test_vmstate(void)
{
    g_autoptr(GByteArray) buf = NULL;

    uart_setup();
    hwt_wr8(LCR, 0x80);
    hwt_wr8(THR, 1);            /* divisor 1 */
    hwt_wr8(LCR, 0x03);
    hwt_wr8(SCR, 0x5a);
    hwt_wr8(FCR, 0x81);         /* FIFO on, trigger at 8 */
    hwt_wr8(IER, 0x01);
    /* Move the FIFO's head so that the saved bytes wrap round. */
    host_send("0123456789ab");
    for (int i = 0; i < 12; i++) {
        hwt_rd8(RBR);
    }
    host_send("migrate");
    g_assert_cmpint(irq->levels[0], ==, 0);

    buf = vmt_round_trip("serial", 0, reset_all, NULL);
    g_assert_cmphex(hwt_rd8(SCR), ==, 0x5a);
    g_assert_cmphex(hwt_rd8(LCR), ==, 0x03);
    g_assert_cmphex(hwt_rd8(IIR), ==, IIR_FIFO | IIR_NONE);
    /* One more byte reaches the trigger level. */
    host_send("!");
    g_assert_cmpint(irq->levels[0], ==, 1);
    for (const char *p = "migrate!"; *p; p++) {
        g_assert_cmphex(hwt_rd8(RBR), ==, *p);
    }
    g_assert_cmpint(irq->levels[0], ==, 0);

    /* The character timeout was re-armed by the load. */
    host_send("xy");
    g_autoptr(GByteArray) waiting = vmt_save("serial", 0);
    uart_setup();
    g_assert_true(vmt_load(waiting, &error_abort));
    cpu_enable_ticks();
    g_assert_true(hwt_run_until(irq_raised, NULL, 10 * 1000));
    cpu_disable_ticks();
    g_assert_cmphex(hwt_rd8(IIR), ==, IIR_FIFO | IIR_TIMEOUT);

    serial_refused(set_count_17, "serial: field recv_fifo_count = 17 is "
                   "outside [0, 16]");
    serial_refused(set_head_16, "serial: field recv_fifo_head = 16 is "
                   "outside [0, 15]");
    serial_refused(set_itl_4, "serial: trigger level 4 does not match FCR "
                   "0x81");
    serial_refused(set_count_2_no_fifo, "serial: 2 bytes in a receiver that "
                   "holds 1");
    uart_setup();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qemu_init_main_loop(&error_abort);
    qemu_mutex_lock_iothread();

    irq = hwt_irqs_new(1);
    chr = qemu_chardev_new_from_spec("ringbuf,id=serial0", &error_abort);
    smm = serial_mm_init(get_system_memory(), UART_BASE, 0, irq->lines[0],
                         3686400, chr, DEVICE_LITTLE_ENDIAN);

    g_test_add_func("/serial/reset-state", test_reset_state);
    g_test_add_func("/serial/transmit", test_transmit);
    g_test_add_func("/serial/thre-interrupt", test_thre_interrupt);
    g_test_add_func("/serial/fifo-iir-bits", test_fifo_iir_bits);
    g_test_add_func("/serial/receive-no-fifo", test_receive_no_fifo);
    g_test_add_func("/serial/rx-priority-over-thre",
                    test_rx_priority_over_thre);
    g_test_add_func("/serial/fifo-trigger-level", test_fifo_trigger_level);
    g_test_add_func("/serial/fifo-clear", test_fifo_clear);
    g_test_add_func("/serial/fifo-timeout", test_fifo_timeout);
    g_test_add_func("/serial/loopback-overrun", test_loopback_overrun);
    g_test_add_func("/serial/loopback-modem-lines",
                    test_loopback_modem_lines);
    g_test_add_func("/serial/break", test_break);
    g_test_add_func("/serial/divisor-latch", test_divisor_latch);
    g_test_add_func("/serial/bad-accesses", test_bad_accesses);
    g_test_add_func("/serial/reset", test_reset);
    g_test_add_func("/serial/random-accesses", test_random_accesses);
    g_test_add_func("/serial/vmstate", test_vmstate);
    return g_test_run();
}
