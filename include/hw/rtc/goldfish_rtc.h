/*
 * Goldfish RTC: a nanosecond clock since the epoch and one alarm.
 *
 *   0x00 TIME_LOW        read: latches TIME_HIGH; write: sets the time
 *                        to TIME_HIGH:value
 *   0x04 TIME_HIGH       the latched high word / the high word to set
 *   0x08 ALARM_LOW       write arms the alarm at ALARM_HIGH:value
 *   0x0C ALARM_HIGH
 *   0x10 IRQ_ENABLED
 *   0x14 CLEAR_ALARM     write: disarm
 *   0x18 ALARM_STATUS    1 while armed
 *   0x1C CLEAR_INTERRUPT write: drop the interrupt
 *
 * The clock is QEMU_CLOCK_HOST plus the offset the guest sets by writing
 * the time, modulo 2^64 (any time may be set).  32-bit accesses.  BQL
 * held throughout.
 */
#ifndef HW_RTC_GOLDFISH_RTC_H
#define HW_RTC_GOLDFISH_RTC_H

#include "exec/memory.h"
#include "hw/irq.h"
#include "qemu/timer.h"

#define GOLDFISH_RTC_SIZE   0x1000

typedef struct GoldfishRTCState {
    MemoryRegion iomem;
    QEMUTimer *timer;           /* QEMU_CLOCK_HOST, fires the alarm */
    qemu_irq irq;
    uint64_t tick_offset;       /* guest time - host time, in ns, mod 2^64 */
    uint64_t alarm_next;        /* guest time of the alarm, in ns */
    uint32_t alarm_high;        /* ALARM_HIGH as written */
    bool alarm_running;
    uint32_t irq_pending;
    uint32_t irq_enabled;
    uint32_t time_high;         /* latched by TIME_LOW reads; set by writes */
} GoldfishRTCState;

/* Create the RTC at base in sysmem, interrupting on irq.  BQL held. */
void goldfish_rtc_create(MemoryRegion *sysmem, hwaddr base, qemu_irq irq);

#endif /* HW_RTC_GOLDFISH_RTC_H */
