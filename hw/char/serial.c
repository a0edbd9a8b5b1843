/*
 * 16550A UART (include/hw/char/serial.h), as found on PC-class boards and
 * on the RISC-V virt machine.
 *
 * Transmission is instantaneous: a byte written to THR is handed to the
 * chardev at once and the transmitter is idle again before the write
 * returns.  Reception goes through a 16-byte FIFO (a 1-byte holding
 * register when FIFOs are disabled) with the 16550's interrupt rules: RX
 * data once the FIFO reaches its trigger level, and a character timeout
 * when data has sat below the trigger level for four character times.
 * Loopback (MCR bit 4) routes THR to the receiver and MCR to MSR, as the
 * 8250 driver's probe expects.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qapi/error.h"
#include "hw/char/serial.h"
#include "sysemu/reset.h"
#include "migration/vmstate.h"

enum {
    UART_RBR_THR = 0,           /* DLL when LCR.DLAB */
    UART_IER = 1,               /* DLM when LCR.DLAB */
    UART_IIR_FCR = 2,
    UART_LCR = 3,
    UART_MCR = 4,
    UART_LSR = 5,
    UART_MSR = 6,
    UART_SCR = 7,
};

#define UART_LCR_DLAB   0x80
#define UART_LCR_SBC    0x40    /* set break */

#define UART_IER_RDI    0x01    /* receive data / timeout */
#define UART_IER_THRI   0x02    /* THR empty */
#define UART_IER_RLSI   0x04    /* receiver line status */
#define UART_IER_MSI    0x08    /* modem status */

#define UART_IIR_NO_INT 0x01
#define UART_IIR_MSI    0x00
#define UART_IIR_THRI   0x02
#define UART_IIR_RDI    0x04
#define UART_IIR_RLSI   0x06
#define UART_IIR_CTI    0x0C
#define UART_IIR_ID     0x0F
#define UART_IIR_FE     0xC0    /* FIFOs enabled */

#define UART_FCR_FE     0x01
#define UART_FCR_RFR    0x02    /* clear the RX FIFO */
#define UART_FCR_XFR    0x04    /* clear the TX FIFO */
#define UART_FCR_DMS    0x08
#define UART_FCR_ITL    0xC0

#define UART_MCR_DTR    0x01
#define UART_MCR_RTS    0x02
#define UART_MCR_OUT1   0x04
#define UART_MCR_OUT2   0x08
#define UART_MCR_LOOP   0x10

#define UART_LSR_DR     0x01
#define UART_LSR_OE     0x02
#define UART_LSR_PE     0x04
#define UART_LSR_FE     0x08
#define UART_LSR_BI     0x10
#define UART_LSR_THRE   0x20
#define UART_LSR_TEMT   0x40
#define UART_LSR_RXFE   0x80    /* an error is somewhere in the RX FIFO */
#define UART_LSR_INT_ANY (UART_LSR_OE | UART_LSR_PE | UART_LSR_FE | \
                          UART_LSR_BI)

#define UART_MSR_DCTS   0x01
#define UART_MSR_DDSR   0x02
#define UART_MSR_TERI   0x04
#define UART_MSR_DDCD   0x08
#define UART_MSR_CTS    0x10
#define UART_MSR_DSR    0x20
#define UART_MSR_RI     0x40
#define UART_MSR_DCD    0x80
#define UART_MSR_ANY_DELTA 0x0F

/* With nothing attached to the modem lines, the port looks connected. */
#define UART_MSR_IDLE   (UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS)

static const unsigned fifo_trigger_levels[4] = { 1, 4, 8, 14 };

static bool serial_fifo_enabled(SerialState *s)
{
    return s->fcr & UART_FCR_FE;
}

/* How many bytes the receiver can hold: the FIFO, or the lone RBR. */
static unsigned serial_rx_capacity(SerialState *s)
{
    return serial_fifo_enabled(s) ? UART_FIFO_LENGTH : 1;
}

static void serial_update_irq(SerialState *s)
{
    uint8_t iir = UART_IIR_NO_INT;
    int level;
    bool rx_ready = (s->lsr & UART_LSR_DR) &&
        (!serial_fifo_enabled(s) || s->recv_fifo_count >= s->recv_fifo_itl);

    /* In the 16550's priority order. */
    if ((s->ier & UART_IER_RLSI) && (s->lsr & UART_LSR_INT_ANY)) {
        iir = UART_IIR_RLSI;
    } else if ((s->ier & UART_IER_RDI) && s->timeout_ipending) {
        iir = UART_IIR_CTI;
    } else if ((s->ier & UART_IER_RDI) && rx_ready) {
        iir = UART_IIR_RDI;
    } else if ((s->ier & UART_IER_THRI) && s->thr_ipending) {
        iir = UART_IIR_THRI;
    } else if ((s->ier & UART_IER_MSI) && (s->msr & UART_MSR_ANY_DELTA)) {
        iir = UART_IIR_MSI;
    }
    s->iir = iir;

    level = iir != UART_IIR_NO_INT;
    if (level != s->last_irq_level) {
        s->last_irq_level = level;
        qemu_set_irq(s->irq, level);
    }
}

/* Four character times at the current line settings, in ns. */
static int64_t serial_char_timeout_ns(SerialState *s)
{
    int data_bits = 5 + (s->lcr & 3);
    int bits = 1 + data_bits + !!(s->lcr & 0x08) + ((s->lcr & 0x04) ? 2 : 1);
    uint64_t divisor = s->divider ? s->divider : 1;

    /* At most 12 * 65535 * 16 * 1e9: no overflow. */
    return 4 * (bits * divisor * 16 * NANOSECONDS_PER_SECOND / s->baudbase);
}

static void serial_rearm_timeout(SerialState *s)
{
    if (s->recv_fifo_count && serial_fifo_enabled(s)) {
        timer_mod_ns(s->fifo_timeout_timer,
                     qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) +
                     serial_char_timeout_ns(s));
    } else {
        timer_del(s->fifo_timeout_timer);
    }
}

static void serial_fifo_timeout(void *opaque)
{
    SerialState *s = opaque;

    if (s->recv_fifo_count) {
        s->timeout_ipending = true;
        serial_update_irq(s);
    }
}

static void serial_clear_rx(SerialState *s)
{
    s->recv_fifo_head = 0;
    s->recv_fifo_count = 0;
    s->timeout_ipending = false;
    s->lsr &= ~(UART_LSR_DR | UART_LSR_RXFE);
    timer_del(s->fifo_timeout_timer);
}

/* A byte arrives at the receiver (from the chardev or the loopback). */
static void serial_receive_byte(SerialState *s, uint8_t ch)
{
    unsigned cap = serial_rx_capacity(s);

    if (s->recv_fifo_count == cap) {
        s->lsr |= UART_LSR_OE;
        if (serial_fifo_enabled(s)) {
            /* The FIFO keeps its contents; the new byte is lost. */
            return;
        }
        /* Without FIFOs the new byte overwrites the holding register. */
        s->recv_fifo_count = 0;
    }
    s->recv_fifo[(s->recv_fifo_head + s->recv_fifo_count) %
                 UART_FIFO_LENGTH] = ch;
    s->recv_fifo_count++;
    s->lsr |= UART_LSR_DR;
}

static void serial_set_msr(SerialState *s, uint8_t lines)
{
    uint8_t changed = (s->msr ^ lines) & 0xF0;
    uint8_t delta = 0;

    if (changed & UART_MSR_CTS) {
        delta |= UART_MSR_DCTS;
    }
    if (changed & UART_MSR_DSR) {
        delta |= UART_MSR_DDSR;
    }
    if (changed & UART_MSR_DCD) {
        delta |= UART_MSR_DDCD;
    }
    if ((s->msr & UART_MSR_RI) && !(lines & UART_MSR_RI)) {
        delta |= UART_MSR_TERI;     /* trailing edge only */
    }
    s->msr = lines | (s->msr & UART_MSR_ANY_DELTA) | delta;
}

/* The modem inputs: wired to MCR in loopback, "connected" otherwise. */
static void serial_update_msr(SerialState *s)
{
    uint8_t lines = UART_MSR_IDLE;

    if (s->mcr & UART_MCR_LOOP) {
        lines = 0;
        if (s->mcr & UART_MCR_RTS) {
            lines |= UART_MSR_CTS;
        }
        if (s->mcr & UART_MCR_DTR) {
            lines |= UART_MSR_DSR;
        }
        if (s->mcr & UART_MCR_OUT1) {
            lines |= UART_MSR_RI;
        }
        if (s->mcr & UART_MCR_OUT2) {
            lines |= UART_MSR_DCD;
        }
    }
    serial_set_msr(s, lines);
}

static void serial_write_thr(SerialState *s, uint8_t val)
{
    if (s->mcr & UART_MCR_LOOP) {
        serial_receive_byte(s, val);
        serial_rearm_timeout(s);
    } else if (!(s->lcr & UART_LCR_SBC)) {
        /* Nothing to retry with: a failed backend loses the byte, as a
         * disconnected cable would. */
        qemu_chr_fe_write_all(&s->chr, &val, 1);
    }
    /* The byte is gone already: THR and the shifter are empty again. */
    s->lsr |= UART_LSR_THRE | UART_LSR_TEMT;
    s->thr_ipending = true;
}

static void serial_write_fcr(SerialState *s, uint8_t val)
{
    if ((val ^ s->fcr) & UART_FCR_FE) {
        /* Switching FIFO mode empties both FIFOs. */
        serial_clear_rx(s);
    }
    if (!(val & UART_FCR_FE)) {
        /* The other bits are ignored unless bit 0 is set. */
        s->fcr = 0;
        return;
    }
    if (val & UART_FCR_RFR) {
        serial_clear_rx(s);
    }
    /* UART_FCR_XFR: the transmitter never holds anything. */
    s->fcr = val & (UART_FCR_FE | UART_FCR_DMS | UART_FCR_ITL);
    s->recv_fifo_itl = fifo_trigger_levels[val >> 6];
}

static uint8_t serial_read_rbr(SerialState *s)
{
    uint8_t ret = 0;

    if (s->recv_fifo_count) {
        ret = s->recv_fifo[s->recv_fifo_head];
        s->recv_fifo_head = (s->recv_fifo_head + 1) % UART_FIFO_LENGTH;
        s->recv_fifo_count--;
    }
    if (!s->recv_fifo_count) {
        s->lsr &= ~(UART_LSR_DR | UART_LSR_RXFE);
    }
    s->timeout_ipending = false;
    serial_rearm_timeout(s);
    return ret;
}

static uint64_t serial_ioport_read(SerialState *s, unsigned reg)
{
    uint8_t ret = 0;

    switch (reg) {
    case UART_RBR_THR:
        if (s->lcr & UART_LCR_DLAB) {
            ret = s->divider & 0xff;
            break;
        }
        ret = serial_read_rbr(s);
        serial_update_irq(s);
        if (!(s->mcr & UART_MCR_LOOP)) {
            qemu_chr_fe_accept_input(&s->chr);
        }
        break;
    case UART_IER:
        ret = (s->lcr & UART_LCR_DLAB) ? s->divider >> 8 : s->ier;
        break;
    case UART_IIR_FCR:
        ret = s->iir | (serial_fifo_enabled(s) ? UART_IIR_FE : 0);
        if ((s->iir & UART_IIR_ID) == UART_IIR_THRI) {
            /* Reporting a THRE interrupt acknowledges it. */
            s->thr_ipending = false;
            serial_update_irq(s);
        }
        break;
    case UART_LCR:
        ret = s->lcr;
        break;
    case UART_MCR:
        ret = s->mcr;
        break;
    case UART_LSR:
        ret = s->lsr;
        s->lsr &= ~(UART_LSR_INT_ANY | UART_LSR_RXFE);
        serial_update_irq(s);
        break;
    case UART_MSR:
        ret = s->msr;
        s->msr &= ~UART_MSR_ANY_DELTA;
        serial_update_irq(s);
        break;
    case UART_SCR:
        ret = s->scr;
        break;
    default:
        qemu_log_mask(LOG_GUEST_ERROR, "serial: read of register %u\n", reg);
        break;
    }
    return ret;
}

static void serial_ioport_write(SerialState *s, unsigned reg, uint8_t val)
{
    switch (reg) {
    case UART_RBR_THR:
        if (s->lcr & UART_LCR_DLAB) {
            s->divider = (s->divider & 0xff00) | val;
            break;
        }
        serial_write_thr(s, val);
        serial_update_irq(s);
        break;
    case UART_IER:
        if (s->lcr & UART_LCR_DLAB) {
            s->divider = (s->divider & 0x00ff) | (val << 8);
            break;
        }
        /* Enabling the THRE interrupt with THR empty raises it at once. */
        if ((val & ~s->ier & UART_IER_THRI) && (s->lsr & UART_LSR_THRE)) {
            s->thr_ipending = true;
        }
        s->ier = val & 0x0f;
        serial_update_irq(s);
        break;
    case UART_IIR_FCR:
        serial_write_fcr(s, val);
        serial_update_irq(s);
        break;
    case UART_LCR:
        s->lcr = val;
        break;
    case UART_MCR:
        s->mcr = val & 0x1f;
        serial_update_msr(s);
        serial_update_irq(s);
        if (!(s->mcr & UART_MCR_LOOP)) {
            qemu_chr_fe_accept_input(&s->chr);
        }
        break;
    case UART_SCR:
        s->scr = val;
        break;
    case UART_LSR:
    case UART_MSR:
        qemu_log_mask(LOG_GUEST_ERROR,
                      "serial: write 0x%02x to read-only register %u\n",
                      val, reg);
        break;
    default:
        qemu_log_mask(LOG_GUEST_ERROR,
                      "serial: write 0x%02x to register %u\n", val, reg);
        break;
    }
}

/* Chardev handlers: main loop, BQL held. */

static int serial_can_receive(void *opaque)
{
    SerialState *s = opaque;

    if (s->mcr & UART_MCR_LOOP) {
        return 0;       /* the line is disconnected in loopback */
    }
    return serial_rx_capacity(s) - s->recv_fifo_count;
}

static void serial_receive(void *opaque, const uint8_t *buf, int size)
{
    SerialState *s = opaque;

    if (s->mcr & UART_MCR_LOOP) {
        return;         /* can_receive said 0: the line is disconnected */
    }
    for (int i = 0; i < size; i++) {
        serial_receive_byte(s, buf[i]);
    }
    serial_rearm_timeout(s);
    serial_update_irq(s);
}

static void serial_event(void *opaque, QEMUChrEvent event)
{
    SerialState *s = opaque;

    if (event != CHR_EVENT_BREAK) {
        return;
    }
    /* A break delivers a NUL character flagged BI. */
    serial_receive_byte(s, 0);
    s->lsr |= UART_LSR_BI;
    if (serial_fifo_enabled(s)) {
        s->lsr |= UART_LSR_RXFE;
    }
    serial_rearm_timeout(s);
    serial_update_irq(s);
}

static void serial_reset(void *opaque)
{
    SerialState *s = opaque;

    s->divider = 0;
    s->ier = 0;
    s->lcr = 0;
    s->mcr = 0;
    s->lsr = UART_LSR_THRE | UART_LSR_TEMT;
    s->msr = UART_MSR_IDLE;
    s->scr = 0;
    s->fcr = 0;
    s->recv_fifo_itl = 1;
    s->thr_ipending = false;
    serial_clear_rx(s);
    serial_update_irq(s);
}

/* Migration: the registers and the receive FIFO. */

static bool serial_post_load(void *opaque, int version_id, Error **errp)
{
    SerialState *s = opaque;
    unsigned itl = serial_fifo_enabled(s) ? fifo_trigger_levels[s->fcr >> 6]
                                          : 1;

    if (s->recv_fifo_count > serial_rx_capacity(s)) {
        error_setg(errp, "%u bytes in a receiver that holds %u",
                   s->recv_fifo_count, serial_rx_capacity(s));
        return false;
    }
    if (s->recv_fifo_itl != itl) {
        error_setg(errp, "trigger level %u does not match FCR 0x%02x",
                   s->recv_fifo_itl, s->fcr);
        return false;
    }
    serial_rearm_timeout(s);
    /* Drive the line afresh; this also recomputes IIR. */
    s->last_irq_level = -1;
    serial_update_irq(s);
    return true;
}

static const VMStateDescription vmstate_serial = {
    .name = "serial",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = serial_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT16(divider, SerialState),
        VMSTATE_UINT8_MASK(ier, SerialState, 0x0f),
        VMSTATE_UINT8(lcr, SerialState),
        VMSTATE_UINT8_MASK(mcr, SerialState, 0x1f),
        VMSTATE_UINT8(lsr, SerialState),
        VMSTATE_UINT8(msr, SerialState),
        VMSTATE_UINT8(scr, SerialState),
        VMSTATE_UINT8_MASK(fcr, SerialState,
                           UART_FCR_FE | UART_FCR_DMS | UART_FCR_ITL),
        VMSTATE_BOOL(thr_ipending, SerialState),
        VMSTATE_BOOL(timeout_ipending, SerialState),
        VMSTATE_UINT8_ARRAY(recv_fifo, SerialState, UART_FIFO_LENGTH),
        VMSTATE_UINT32_MAX(recv_fifo_head, SerialState,
                           UART_FIFO_LENGTH - 1),
        VMSTATE_UINT32_MAX(recv_fifo_count, SerialState, UART_FIFO_LENGTH),
        VMSTATE_UINT32_MAX(recv_fifo_itl, SerialState, 14),
        VMSTATE_END_OF_LIST()
    },
};

static void serial_realize(SerialState *s, Chardev *chr)
{
    s->fifo_timeout_timer = timer_new_ns(QEMU_CLOCK_VIRTUAL,
                                         serial_fifo_timeout, s);
    s->last_irq_level = 0;
    qemu_chr_fe_init(&s->chr, chr, &error_fatal);
    qemu_chr_fe_set_handlers(&s->chr, serial_can_receive, serial_receive,
                             serial_event, NULL, s, NULL, true);
    qemu_register_reset(serial_reset, s);
    serial_reset(s);
    vmstate_register(&vmstate_serial, 0, s);
}

/* Memory-mapped access: one register per 1 << regshift bytes. */

/* The register at addr, or false (logged) between registers. */
static bool serial_mm_decode(SerialMM *smm, hwaddr addr, unsigned *reg,
                             bool is_write)
{
    if (addr & ((1u << smm->regshift) - 1)) {
        qemu_log_mask(LOG_GUEST_ERROR, "serial: %s at offset 0x%"
                      HWADDR_PRIx ", between registers\n",
                      is_write ? "write" : "read", addr);
        return false;
    }
    *reg = addr >> smm->regshift;
    return true;
}

static uint64_t serial_mm_swap(SerialMM *smm, uint64_t val, unsigned size)
{
    if (smm->endianness != DEVICE_BIG_ENDIAN) {
        return val;
    }
    switch (size) {
    case 2:
        return GUINT16_SWAP_LE_BE(val);
    case 4:
        return GUINT32_SWAP_LE_BE(val);
    default:
        return val;
    }
}

static uint64_t serial_mm_read(void *opaque, hwaddr addr, unsigned size)
{
    SerialMM *smm = opaque;
    unsigned reg;

    if (!serial_mm_decode(smm, addr, &reg, false)) {
        return 0;
    }
    return serial_mm_swap(smm, serial_ioport_read(&smm->serial, reg), size);
}

static void serial_mm_write(void *opaque, hwaddr addr, uint64_t value,
                            unsigned size)
{
    SerialMM *smm = opaque;
    unsigned reg;

    if (!serial_mm_decode(smm, addr, &reg, true)) {
        return;
    }
    value = serial_mm_swap(smm, value, size);
    serial_ioport_write(&smm->serial, reg, value & 0xff);
}

static const MemoryRegionOps serial_mm_ops = {
    .read = serial_mm_read,
    .write = serial_mm_write,
    .endianness = DEVICE_NATIVE_ENDIAN,
    .valid = {
        .min_access_size = 1,
        .max_access_size = 4,
    },
    .impl = {
        .min_access_size = 1,
        .max_access_size = 4,
    },
};

SerialMM *serial_mm_init(MemoryRegion *address_space, hwaddr base,
                         int regshift, qemu_irq irq, int baudbase,
                         Chardev *chr, enum device_endian end)
{
    SerialMM *smm = g_new0(SerialMM, 1);

    assert(regshift >= 0 && regshift <= 3 && baudbase > 0);
    smm->regshift = regshift;
    smm->endianness = end;
    smm->serial.irq = irq;
    smm->serial.baudbase = baudbase;
    serial_realize(&smm->serial, chr);

    memory_region_init_io(&smm->io, NULL, &serial_mm_ops, smm, "serial",
                          8 << regshift);
    memory_region_add_subregion(address_space, base, &smm->io);
    return smm;
}
