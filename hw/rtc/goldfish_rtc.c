/*
 * Goldfish RTC (include/hw/rtc/goldfish_rtc.h).
 *
 * Linux reads TIME_LOW then TIME_HIGH (the low read latches the high
 * word, so the pair is consistent) and writes TIME_HIGH then TIME_LOW (the
 * low write commits both).  The alarm works the same way: ALARM_HIGH is
 * held until ALARM_LOW arms the alarm.
 *
 * The guest may set any 64-bit time, so the clock counts modulo 2^64 as
 * QEMU's does: host time plus the guest's offset, both taken as unsigned,
 * wraps instead of overflowing.  An alarm is due once the clock reaches
 * its time, so one at UINT64_MAX is in practice never.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "hw/rtc/goldfish_rtc.h"
#include "sysemu/reset.h"
#include "migration/vmstate.h"

enum {
    RTC_TIME_LOW = 0x00,
    RTC_TIME_HIGH = 0x04,
    RTC_ALARM_LOW = 0x08,
    RTC_ALARM_HIGH = 0x0c,
    RTC_IRQ_ENABLED = 0x10,
    RTC_CLEAR_ALARM = 0x14,
    RTC_ALARM_STATUS = 0x18,
    RTC_CLEAR_INTERRUPT = 0x1c,
};

/* Guest time at host time host_now. */
static uint64_t goldfish_rtc_count_at(GoldfishRTCState *s, int64_t host_now)
{
    return (uint64_t)host_now + s->tick_offset;
}

static uint64_t goldfish_rtc_get_count(GoldfishRTCState *s)
{
    return goldfish_rtc_count_at(s, qemu_clock_get_ns(QEMU_CLOCK_HOST));
}

static void goldfish_rtc_update(GoldfishRTCState *s)
{
    qemu_set_irq(s->irq, s->irq_pending & s->irq_enabled);
}

static void goldfish_rtc_alarm_fire(GoldfishRTCState *s)
{
    timer_del(s->timer);
    s->alarm_running = false;
    s->irq_pending = 1;
    goldfish_rtc_update(s);
}

/*
 * Fire the armed alarm if its time has come, else (re-)arm the host-clock
 * timer for it.  Also the timer's callback: the host clock can step back,
 * so the timer firing does not by itself mean the alarm is due.
 */
static void goldfish_rtc_check_alarm(GoldfishRTCState *s)
{
    int64_t host_now = qemu_clock_get_ns(QEMU_CLOCK_HOST);
    uint64_t now = goldfish_rtc_count_at(s, host_now);
    /* INT64_MAX - host_now, exact for any host_now, even a negative one. */
    uint64_t room = (uint64_t)INT64_MAX - (uint64_t)host_now;
    uint64_t wait;

    if (!s->alarm_running) {
        return;
    }
    if (now >= s->alarm_next) {
        goldfish_rtc_alarm_fire(s);
        return;
    }
    wait = s->alarm_next - now;
    /* Saturate at "never" rather than overflow the host deadline. */
    timer_mod_ns(s->timer, wait > room ? INT64_MAX
                                       : (int64_t)((uint64_t)host_now + wait));
}

static void goldfish_rtc_timer_cb(void *opaque)
{
    goldfish_rtc_check_alarm(opaque);
}

static uint64_t goldfish_rtc_read(void *opaque, hwaddr offset, unsigned size)
{
    GoldfishRTCState *s = opaque;
    uint64_t now;

    switch (offset) {
    case RTC_TIME_LOW:
        now = goldfish_rtc_get_count(s);
        s->time_high = now >> 32;
        return (uint32_t)now;
    case RTC_TIME_HIGH:
        return s->time_high;
    case RTC_ALARM_LOW:
        return (uint32_t)s->alarm_next;
    case RTC_ALARM_HIGH:
        return s->alarm_next >> 32;
    case RTC_IRQ_ENABLED:
        return s->irq_enabled;
    case RTC_ALARM_STATUS:
        return s->alarm_running;
    case RTC_CLEAR_ALARM:
    case RTC_CLEAR_INTERRUPT:
        qemu_log_mask(LOG_GUEST_ERROR, "goldfish_rtc: read of write-only "
                      "register 0x%" HWADDR_PRIx "\n", offset);
        return 0;
    default:
        qemu_log_mask(LOG_GUEST_ERROR, "goldfish_rtc: read of unknown "
                      "register 0x%" HWADDR_PRIx "\n", offset);
        return 0;
    }
}

static void goldfish_rtc_write(void *opaque, hwaddr offset, uint64_t value,
                               unsigned size)
{
    GoldfishRTCState *s = opaque;
    uint64_t new_time;

    switch (offset) {
    case RTC_TIME_LOW:
        new_time = ((uint64_t)s->time_high << 32) | (uint32_t)value;
        s->tick_offset = new_time -
                         (uint64_t)qemu_clock_get_ns(QEMU_CLOCK_HOST);
        /* An armed alarm is in guest time: it moves with the clock. */
        goldfish_rtc_check_alarm(s);
        break;
    case RTC_TIME_HIGH:
        s->time_high = value;
        break;
    case RTC_ALARM_LOW:
        s->alarm_next = ((uint64_t)s->alarm_high << 32) | (uint32_t)value;
        s->alarm_running = true;
        goldfish_rtc_check_alarm(s);
        break;
    case RTC_ALARM_HIGH:
        s->alarm_high = value;
        break;
    case RTC_IRQ_ENABLED:
        s->irq_enabled = value & 1;
        goldfish_rtc_update(s);
        break;
    case RTC_CLEAR_ALARM:
        timer_del(s->timer);
        s->alarm_running = false;
        break;
    case RTC_CLEAR_INTERRUPT:
        s->irq_pending = 0;
        goldfish_rtc_update(s);
        break;
    case RTC_ALARM_STATUS:
        qemu_log_mask(LOG_GUEST_ERROR, "goldfish_rtc: write to read-only "
                      "register 0x%" HWADDR_PRIx "\n", offset);
        break;
    default:
        qemu_log_mask(LOG_GUEST_ERROR, "goldfish_rtc: write of 0x%" PRIx64
                      " to unknown register 0x%" HWADDR_PRIx "\n",
                      value, offset);
        break;
    }
}

static const MemoryRegionOps goldfish_rtc_ops = {
    .read = goldfish_rtc_read,
    .write = goldfish_rtc_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 4,
        .max_access_size = 4,
    },
    .impl = {
        .min_access_size = 4,
        .max_access_size = 4,
    },
};

static void goldfish_rtc_reset(void *opaque)
{
    GoldfishRTCState *s = opaque;

    timer_del(s->timer);
    s->tick_offset = 0;
    s->alarm_next = 0;
    s->alarm_high = 0;
    s->alarm_running = false;
    s->irq_pending = 0;
    s->irq_enabled = 0;
    s->time_high = 0;
    goldfish_rtc_update(s);
}

/* Migration: guest time as an offset from the host's, and the alarm. */

static bool goldfish_rtc_post_load(void *opaque, int version_id,
                                   Error **errp)
{
    GoldfishRTCState *s = opaque;

    timer_del(s->timer);
    goldfish_rtc_check_alarm(s);
    goldfish_rtc_update(s);
    return true;
}

static const VMStateDescription vmstate_goldfish_rtc = {
    .name = "goldfish_rtc",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = goldfish_rtc_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(tick_offset, GoldfishRTCState),
        VMSTATE_UINT64(alarm_next, GoldfishRTCState),
        VMSTATE_UINT32(alarm_high, GoldfishRTCState),
        VMSTATE_BOOL(alarm_running, GoldfishRTCState),
        VMSTATE_UINT32_MAX(irq_pending, GoldfishRTCState, 1),
        VMSTATE_UINT32_MAX(irq_enabled, GoldfishRTCState, 1),
        VMSTATE_UINT32(time_high, GoldfishRTCState),
        VMSTATE_END_OF_LIST()
    },
};

void goldfish_rtc_create(MemoryRegion *sysmem, hwaddr base, qemu_irq irq)
{
    GoldfishRTCState *s = g_new0(GoldfishRTCState, 1);

    s->irq = irq;
    s->timer = timer_new_ns(QEMU_CLOCK_HOST, goldfish_rtc_timer_cb, s);
    memory_region_init_io(&s->iomem, NULL, &goldfish_rtc_ops, s,
                          "goldfish_rtc", GOLDFISH_RTC_SIZE);
    memory_region_add_subregion(sysmem, base, &s->iomem);
    qemu_register_reset(goldfish_rtc_reset, s);
    goldfish_rtc_reset(s);
    vmstate_register(&vmstate_goldfish_rtc, 0, s);
}
