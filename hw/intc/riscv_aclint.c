/*
 * RISC-V ACLINT MSWI + MTIMER in the CLINT layout
 * (include/hw/intc/riscv_aclint.h).
 *
 * mtime is never stored: it is computed from the virtual clock and
 * time_delta, so it advances with guest time and stops with the VM.  Each
 * hart's MTIP is a level recomputed whenever its mtimecmp or mtime is
 * written, and otherwise by a virtual-clock timer armed for the instant
 * mtime reaches mtimecmp.
 */
#include "qemu/osdep.h"
#include "qemu/atomic.h"
#include "qemu/log.h"
#include "hw/intc/riscv_aclint.h"
#include "sysemu/reset.h"
#include "migration/vmstate.h"

/* Ticks of a freq-Hz counter elapsed in ns nanoseconds. */
static uint64_t ns_to_ticks(uint64_t ns, uint32_t freq)
{
    return (unsigned __int128)ns * freq / NANOSECONDS_PER_SECOND;
}

/* Nanoseconds until a freq-Hz counter has advanced by ticks (rounded up,
 * so a timer armed that far ahead never fires early), capped at
 * INT64_MAX. */
static uint64_t ticks_to_ns_ceil(uint64_t ticks, uint32_t freq)
{
    unsigned __int128 ns = ((unsigned __int128)ticks * NANOSECONDS_PER_SECOND
                            + freq - 1) / freq;

    return ns > INT64_MAX ? INT64_MAX : (uint64_t)ns;
}

static uint64_t aclint_mtime_at(RISCVAclintState *s, int64_t now_ns)
{
    return ns_to_ticks(now_ns, s->timebase_freq) +
           qatomic_read_u64(&s->time_delta);
}

uint64_t riscv_aclint_read_time(void *opaque)
{
    RISCVAclintState *s = opaque;

    return aclint_mtime_at(s, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL));
}

/* Recompute hart h's MTIP and re-arm its timer.  BQL held. */
static void aclint_update_mtip(RISCVAclintHart *h)
{
    RISCVAclintState *s = h->aclint;
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    uint64_t mtime = aclint_mtime_at(s, now);
    uint64_t wait_ns;

    if (mtime >= h->mtimecmp) {
        timer_del(&h->timer);
        qemu_irq_raise(s->mtip_irqs[h->hartid]);
        return;
    }
    qemu_irq_lower(s->mtip_irqs[h->hartid]);
    wait_ns = ticks_to_ns_ceil(h->mtimecmp - mtime, s->timebase_freq);
    timer_mod_ns(&h->timer,
                 wait_ns > (uint64_t)(INT64_MAX - now) ? INT64_MAX
                                                       : now + wait_ns);
}

static void aclint_timer_cb(void *opaque)
{
    /* Usually raises MTIP; re-arms if mtime was moved back meanwhile. */
    aclint_update_mtip(opaque);
}

static void aclint_set_mtime(RISCVAclintState *s, uint64_t value)
{
    uint64_t ticks = ns_to_ticks(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL),
                                 s->timebase_freq);

    qatomic_set_u64(&s->time_delta, value - ticks);
    for (unsigned h = 0; h < s->num_harts; h++) {
        aclint_update_mtip(&s->harts[h]);
    }
}

static void aclint_set_msip(RISCVAclintHart *h, uint32_t value)
{
    h->msip = value & 1;
    qemu_set_irq(h->aclint->msip_irqs[h->hartid], h->msip);
}

/* Replace the bytes of old selected by a size-byte access at offset. */
static uint64_t deposit_access(uint64_t old, unsigned offset, unsigned size,
                               uint64_t value)
{
    uint64_t mask = size == 8 ? UINT64_MAX : ((1ULL << (size * 8)) - 1);
    unsigned shift = offset * 8;

    return (old & ~(mask << shift)) | ((value & mask) << shift);
}

/*
 * Return the hart whose register at addr an access falls in, with *off
 * its offset in that register (a 4-byte msip or 8-byte mtimecmp), or
 * NULL if the address is not a register of an existing hart.
 */
static RISCVAclintHart *aclint_decode(RISCVAclintState *s, hwaddr addr,
                                      bool *is_msip, unsigned *off)
{
    unsigned hartid;

    if (addr < RISCV_ACLINT_SWI_SIZE) {
        hartid = addr / 4;
        *off = addr % 4;
        *is_msip = true;
    } else if (addr < RISCV_ACLINT_MTIME_OFFSET) {
        hartid = (addr - RISCV_ACLINT_MTIMECMP_BASE) / 8;
        *off = (addr - RISCV_ACLINT_MTIMECMP_BASE) % 8;
        *is_msip = false;
    } else {
        return NULL;
    }
    return hartid < s->num_harts ? &s->harts[hartid] : NULL;
}

static bool aclint_is_mtime(hwaddr addr)
{
    return addr >= RISCV_ACLINT_MTIME_OFFSET &&
           addr < RISCV_ACLINT_MTIME_OFFSET + 8;
}

/* One naturally aligned access of 4 or 8 bytes within one register. */
static uint64_t aclint_read_reg(RISCVAclintState *s, hwaddr addr,
                                unsigned size)
{
    RISCVAclintHart *h;
    unsigned off;
    bool is_msip;

    if (aclint_is_mtime(addr)) {
        uint64_t mtime = riscv_aclint_read_time(s);

        return mtime >> ((addr - RISCV_ACLINT_MTIME_OFFSET) * 8);
    }
    h = aclint_decode(s, addr, &is_msip, &off);
    if (!h) {
        qemu_log_mask(LOG_GUEST_ERROR, "aclint: read of unknown register "
                      "at 0x%" HWADDR_PRIx "\n", addr);
        return 0;
    }
    if (is_msip) {
        return h->msip;
    }
    return h->mtimecmp >> (off * 8);
}

static void aclint_write_reg(RISCVAclintState *s, hwaddr addr,
                             uint64_t value, unsigned size)
{
    RISCVAclintHart *h;
    unsigned off;
    bool is_msip;

    if (aclint_is_mtime(addr)) {
        uint64_t mtime = riscv_aclint_read_time(s);

        aclint_set_mtime(s, deposit_access(mtime,
                                           addr - RISCV_ACLINT_MTIME_OFFSET,
                                           size, value));
        return;
    }
    h = aclint_decode(s, addr, &is_msip, &off);
    if (!h) {
        qemu_log_mask(LOG_GUEST_ERROR, "aclint: write of 0x%" PRIx64
                      " to unknown register at 0x%" HWADDR_PRIx "\n",
                      value, addr);
        return;
    }
    if (is_msip) {
        aclint_set_msip(h, value);
        return;
    }
    h->mtimecmp = deposit_access(h->mtimecmp, off, size, value);
    aclint_update_mtip(h);
}

/*
 * The dispatcher hands us aligned 4- and 8-byte accesses.  An 8-byte
 * access to the 4-byte msip registers covers two of them.
 */
static uint64_t aclint_read(void *opaque, hwaddr addr, unsigned size)
{
    RISCVAclintState *s = opaque;

    if (size == 8 && addr < RISCV_ACLINT_SWI_SIZE) {
        return aclint_read_reg(s, addr, 4) |
               (aclint_read_reg(s, addr + 4, 4) << 32);
    }
    return aclint_read_reg(s, addr, size);
}

static void aclint_write(void *opaque, hwaddr addr, uint64_t value,
                         unsigned size)
{
    RISCVAclintState *s = opaque;

    if (size == 8 && addr < RISCV_ACLINT_SWI_SIZE) {
        aclint_write_reg(s, addr, (uint32_t)value, 4);
        aclint_write_reg(s, addr + 4, value >> 32, 4);
        return;
    }
    aclint_write_reg(s, addr, value, size);
}

static const MemoryRegionOps aclint_ops = {
    .read = aclint_read,
    .write = aclint_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 4,
        .max_access_size = 8,
    },
    .impl = {
        .min_access_size = 4,
        .max_access_size = 8,
    },
};

static void aclint_reset(void *opaque)
{
    RISCVAclintState *s = opaque;

    for (unsigned h = 0; h < s->num_harts; h++) {
        aclint_set_msip(&s->harts[h], 0);
        s->harts[h].mtimecmp = 0;
    }
    /* mtime = 0 too; this re-evaluates every hart's MTIP (now pending). */
    aclint_set_mtime(s, 0);
}

/* Migration: the harts' registers and the mtime offset. */

static uint32_t aclint_num_harts(const void *opaque)
{
    return ((const RISCVAclintState *)opaque)->num_harts;
}

static bool aclint_post_load(void *opaque, int version_id, Error **errp)
{
    RISCVAclintState *s = opaque;

    /* Lines and timers follow the registers (virtual time is loaded). */
    for (unsigned h = 0; h < s->num_harts; h++) {
        qemu_set_irq(s->msip_irqs[h], s->harts[h].msip);
        aclint_update_mtip(&s->harts[h]);
    }
    return true;
}

static const VMStateDescription vmstate_aclint_hart = {
    .name = "riscv-aclint-hart",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(mtimecmp, RISCVAclintHart),
        VMSTATE_BOOL(msip, RISCVAclintHart),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_aclint = {
    .name = "riscv-aclint",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = aclint_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32_EQUAL(timebase_freq, RISCVAclintState),
        VMSTATE_UINT64(time_delta, RISCVAclintState),
        VMSTATE_STRUCT_VARRAY(harts, RISCVAclintState, aclint_num_harts,
                              vmstate_aclint_hart, RISCVAclintHart),
        VMSTATE_END_OF_LIST()
    },
};

RISCVAclintState *riscv_aclint_create(MemoryRegion *sysmem, hwaddr base,
                                      int num_harts, qemu_irq *msip,
                                      qemu_irq *mtip,
                                      uint32_t timebase_freq)
{
    RISCVAclintState *s = g_new0(RISCVAclintState, 1);

    assert(num_harts > 0 && num_harts <= RISCV_ACLINT_MAX_HARTS);
    assert(timebase_freq > 0);
    s->num_harts = num_harts;
    s->timebase_freq = timebase_freq;
    s->msip_irqs = msip;
    s->mtip_irqs = mtip;
    s->harts = g_new0(RISCVAclintHart, num_harts);
    for (int h = 0; h < num_harts; h++) {
        s->harts[h].aclint = s;
        s->harts[h].hartid = h;
        timer_init(&s->harts[h].timer, QEMU_CLOCK_VIRTUAL, SCALE_NS,
                   aclint_timer_cb, &s->harts[h]);
    }

    memory_region_init_io(&s->mmio, NULL, &aclint_ops, s, "riscv.aclint",
                          RISCV_ACLINT_DEFAULT_SIZE);
    memory_region_add_subregion(sysmem, base, &s->mmio);
    qemu_register_reset(aclint_reset, s);
    aclint_reset(s);
    vmstate_register(&vmstate_aclint, 0, s);
    return s;
}
