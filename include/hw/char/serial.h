/*
 * 16550A UART.
 *
 * Eight byte-wide registers (spaced 1 << regshift bytes apart), a 16-byte
 * receive FIFO fed by the chardev, and one level interrupt line.  Bytes
 * written to THR go straight to the chardev, so the transmitter is always
 * idle again by the time the guest looks: LSR reads THRE | TEMT (0x60)
 * whenever no input is waiting.
 *
 * All state is accessed with the BQL held: MMIO from vCPUs, the chardev
 * handlers and the receive-timeout timer from the main loop.
 */
#ifndef HW_CHAR_SERIAL_H
#define HW_CHAR_SERIAL_H

#include "exec/memory.h"
#include "hw/irq.h"
#include "chardev/char-fe.h"
#include "qemu/timer.h"

#define UART_FIFO_LENGTH 16

typedef struct SerialState {
    uint16_t divider;           /* DLM:DLL */
    uint8_t rbr;                /* receive buffer, without FIFOs */
    uint8_t ier;
    uint8_t iir;                /* the interrupt being reported */
    uint8_t lcr;
    uint8_t mcr;
    uint8_t lsr;
    uint8_t msr;
    uint8_t scr;
    uint8_t fcr;                /* FIFO control as last written */
    /* THRE interrupt pending; cleared by reading IIR or writing THR. */
    bool thr_ipending;
    /* Receive timeout: the FIFO held data for 4 character times. */
    bool timeout_ipending;
    int last_irq_level;

    uint8_t recv_fifo[UART_FIFO_LENGTH];
    unsigned recv_fifo_head;    /* index of the oldest byte */
    unsigned recv_fifo_count;
    unsigned recv_fifo_itl;     /* RX trigger level, from FCR bits 7:6 */
    QEMUTimer *fifo_timeout_timer;  /* QEMU_CLOCK_VIRTUAL */

    int baudbase;               /* input clock in Hz */
    qemu_irq irq;
    CharBackend chr;
} SerialState;

typedef struct SerialMM {
    SerialState serial;
    MemoryRegion io;
    int regshift;
    enum device_endian endianness;
} SerialMM;

/*
 * Create a UART at base in address_space, its registers 1 << regshift
 * bytes apart, interrupting on irq, clocked at baudbase Hz, talking to chr
 * (NULL: output dropped, no input).  Exits with a message if chr already
 * serves another front end.  Registers a reset handler.
 */
SerialMM *serial_mm_init(MemoryRegion *address_space, hwaddr base,
                         int regshift, qemu_irq irq, int baudbase,
                         Chardev *chr, enum device_endian end);

#endif /* HW_CHAR_SERIAL_H */
