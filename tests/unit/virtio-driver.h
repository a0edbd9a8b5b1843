/*
 * A virtio-mmio driver for the device tests, doing what Linux's does: the
 * v2 and legacy initialisation sequences, one split virtqueue in guest
 * RAM built with the memory API's ld/st helpers, requests made available
 * and completed, and the interrupt acknowledged.
 *
 * The including test defines RAM_BASE (the guest RAM the rings go in,
 * 1 MiB per transport from there) and a HwtIrqs *irqs with the
 * transports' interrupt lines, before including this file.
 */
#ifndef TESTS_UNIT_VIRTIO_DRIVER_H
#define TESTS_UNIT_VIRTIO_DRIVER_H

#include "qapi/error.h"
#include "hw/device-add.h"
#include "hw-test.h"

/* Register offsets, as a driver knows them. */
enum {
    R_MAGIC = 0x000, R_VERSION = 0x004, R_DEVICE_ID = 0x008,
    R_VENDOR = 0x00c, R_DEV_FEATURES = 0x010, R_DEV_FEATURES_SEL = 0x014,
    R_DRV_FEATURES = 0x020, R_DRV_FEATURES_SEL = 0x024,
    R_GUEST_PAGE_SIZE = 0x028, R_QUEUE_SEL = 0x030, R_QUEUE_NUM_MAX = 0x034,
    R_QUEUE_NUM = 0x038, R_QUEUE_ALIGN = 0x03c, R_QUEUE_PFN = 0x040,
    R_QUEUE_READY = 0x044, R_QUEUE_NOTIFY = 0x050, R_ISR = 0x060,
    R_ISR_ACK = 0x064, R_STATUS = 0x070, R_DESC_LO = 0x080,
    R_DESC_HI = 0x084, R_AVAIL_LO = 0x090, R_AVAIL_HI = 0x094,
    R_USED_LO = 0x0a0, R_USED_HI = 0x0a4, R_GENERATION = 0x0fc,
    R_CONFIG = 0x100,
};

#define S_ACK           0x01
#define S_DRIVER        0x02
#define S_DRIVER_OK     0x04
#define S_FEATURES_OK   0x08
#define S_NEEDS_RESET   0x40

/* A driver for one transport, with one queue in guest RAM. */
typedef struct Driver {
    hwaddr base;
    int irq;
    bool legacy;
    unsigned num;
    hwaddr desc, avail, used;
    unsigned align;             /* legacy QueueAlign */
    hwaddr data;                /* scratch buffers for requests */
    uint16_t avail_idx;
    uint16_t used_idx;
} Driver;

static inline uint32_t reg_read(Driver *d, hwaddr reg)
{
    return hwt_rd32(d->base + reg);
}

static inline void reg_write(Driver *d, hwaddr reg, uint32_t val)
{
    hwt_wr32(d->base + reg, val);
}

/* Each transport's rings and buffers get their own 1 MiB of RAM; align
 * is the legacy QueueAlign (unused for v2). */
static inline void driver_init(Driver *d, hwaddr base, int irq, bool legacy,
                               unsigned num, unsigned align)
{
    hwaddr area = RAM_BASE + (base & 0xf000) * 256;

    memset(d, 0, sizeof(*d));
    d->base = base;
    d->irq = irq;
    d->legacy = legacy;
    d->num = num;
    d->align = align;
    d->desc = area;
    if (legacy) {
        d->avail = d->desc + 16 * num;
        d->used = QEMU_ALIGN_UP(d->avail + 6 + 2 * num, align);
    } else {
        d->avail = area + 0x4000;
        d->used = area + 0x8000;
    }
    d->data = area + 0x10000;
    /* Fresh rings: zero everything the device may look at. */
    for (hwaddr a = area; a < d->data; a += 8) {
        stq_le_phys(&address_space_memory, a, 0);
    }
}

/* Linux's v2 sequence; returns the device's features. */
static inline uint64_t driver_setup_v2(Driver *d, uint64_t accept)
{
    uint64_t features;

    reg_write(d, R_STATUS, 0);
    g_assert_cmphex(reg_read(d, R_STATUS), ==, 0);
    reg_write(d, R_STATUS, S_ACK);
    reg_write(d, R_STATUS, S_ACK | S_DRIVER);

    reg_write(d, R_DEV_FEATURES_SEL, 1);
    features = (uint64_t)reg_read(d, R_DEV_FEATURES) << 32;
    reg_write(d, R_DEV_FEATURES_SEL, 0);
    features |= reg_read(d, R_DEV_FEATURES);
    accept &= features;
    reg_write(d, R_DRV_FEATURES_SEL, 1);
    reg_write(d, R_DRV_FEATURES, accept >> 32);
    reg_write(d, R_DRV_FEATURES_SEL, 0);
    reg_write(d, R_DRV_FEATURES, accept);
    reg_write(d, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
    g_assert_cmphex(reg_read(d, R_STATUS), ==,
                    S_ACK | S_DRIVER | S_FEATURES_OK);

    reg_write(d, R_QUEUE_SEL, 0);
    g_assert_cmpuint(reg_read(d, R_QUEUE_READY), ==, 0);
    g_assert_cmpuint(reg_read(d, R_QUEUE_NUM_MAX), >=, d->num);
    reg_write(d, R_QUEUE_NUM, d->num);
    reg_write(d, R_DESC_LO, d->desc);
    reg_write(d, R_DESC_HI, d->desc >> 32);
    reg_write(d, R_AVAIL_LO, d->avail);
    reg_write(d, R_AVAIL_HI, d->avail >> 32);
    reg_write(d, R_USED_LO, d->used);
    reg_write(d, R_USED_HI, d->used >> 32);
    reg_write(d, R_QUEUE_READY, 1);
    g_assert_cmpuint(reg_read(d, R_QUEUE_READY), ==, 1);

    reg_write(d, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    return features;
}

/* The legacy (v1) sequence. */
static inline uint32_t driver_setup_legacy(Driver *d)
{
    uint32_t features;

    reg_write(d, R_GUEST_PAGE_SIZE, 4096);
    reg_write(d, R_STATUS, 0);
    reg_write(d, R_STATUS, S_ACK);
    reg_write(d, R_STATUS, S_ACK | S_DRIVER);
    reg_write(d, R_DEV_FEATURES_SEL, 0);
    features = reg_read(d, R_DEV_FEATURES);
    reg_write(d, R_DRV_FEATURES_SEL, 0);
    reg_write(d, R_DRV_FEATURES, features);
    reg_write(d, R_QUEUE_SEL, 0);
    g_assert_cmpuint(reg_read(d, R_QUEUE_PFN), ==, 0);
    g_assert_cmpuint(reg_read(d, R_QUEUE_NUM_MAX), >=, d->num);
    reg_write(d, R_QUEUE_NUM, d->num);
    reg_write(d, R_QUEUE_ALIGN, d->align);
    reg_write(d, R_QUEUE_PFN, d->desc >> 12);
    g_assert_cmphex(reg_read(d, R_QUEUE_PFN), ==, d->desc >> 12);
    reg_write(d, R_STATUS, S_ACK | S_DRIVER | S_DRIVER_OK);
    return features;
}

typedef struct Buf {
    hwaddr addr;
    uint32_t len;
    bool writable;
} Buf;

/* Chain bufs from descriptor first, publish the chain, don't kick. */
static inline void driver_add(Driver *d, unsigned first, const Buf *bufs,
                              int n)
{
    for (int i = 0; i < n; i++) {
        hwaddr desc = d->desc + 16 * ((first + i) % d->num);
        uint16_t flags = (bufs[i].writable ? 2 : 0) | (i + 1 < n ? 1 : 0);

        stq_le_phys(&address_space_memory, desc, bufs[i].addr);
        stl_le_phys(&address_space_memory, desc + 8, bufs[i].len);
        stw_le_phys(&address_space_memory, desc + 12, flags);
        stw_le_phys(&address_space_memory, desc + 14, (first + i + 1) %
                    d->num);
    }
    stw_le_phys(&address_space_memory,
                d->avail + 4 + 2 * (d->avail_idx % d->num), first);
    d->avail_idx++;
    stw_le_phys(&address_space_memory, d->avail + 2, d->avail_idx);
}

static inline void driver_kick(Driver *d)
{
    reg_write(d, R_QUEUE_NOTIFY, 0);
}

/*
 * Expect the device to have returned the chain at head with len bytes
 * written, with an interrupt; acknowledge it.
 */
static inline void driver_complete(Driver *d, unsigned head,
                                   uint32_t len)
{
    hwaddr elem = d->used + 4 + 8 * (d->used_idx % d->num);

    g_assert_cmpuint(lduw_le_phys(&address_space_memory, d->used + 2), ==,
                     (uint16_t)(d->used_idx + 1));
    g_assert_cmpuint(ldl_le_phys(&address_space_memory, elem), ==, head);
    g_assert_cmpuint(ldl_le_phys(&address_space_memory, elem + 4), ==, len);
    d->used_idx++;
    g_assert_cmphex(reg_read(d, R_ISR), ==, 1);
    g_assert_cmpint(irqs->levels[d->irq], ==, 1);
    reg_write(d, R_ISR_ACK, 1);
    g_assert_cmphex(reg_read(d, R_ISR), ==, 0);
    g_assert_cmpint(irqs->levels[d->irq], ==, 0);
}

/* The device broke on a guest mistake: it says so, with a config
 * interrupt, and returns nothing. */
static inline void assert_broken(Driver *d)
{
    g_assert_cmphex(reg_read(d, R_STATUS) & S_NEEDS_RESET, ==,
                    S_NEEDS_RESET);
    g_assert_cmphex(reg_read(d, R_ISR) & 2, ==, 2);
    g_assert_cmpint(irqs->levels[d->irq], ==, 1);
    g_assert_cmpuint(lduw_le_phys(&address_space_memory, d->used + 2), ==,
                     d->used_idx);
}

static inline void guest_read(hwaddr addr, void *buf, size_t len)
{
    g_assert_cmpuint(address_space_read(&address_space_memory, addr,
                                        MEMTXATTRS_UNSPECIFIED, buf, len),
                     ==, MEMTX_OK);
}

static inline void guest_write(hwaddr addr, const void *buf, size_t len)
{
    g_assert_cmpuint(address_space_write(&address_space_memory, addr,
                                         MEMTXATTRS_UNSPECIFIED, buf, len),
                     ==, MEMTX_OK);
}

/* -device must refuse optstr with a message containing msg. */
static inline void expect_device_error(const char *optstr, const char *msg)
{
    Error *err = NULL;

    g_assert_false(device_add_from_str(optstr, &err));
    g_assert_nonnull(err);
    if (!strstr(error_get_pretty(err), msg)) {
        g_test_message("'%s': got '%s', expected '%s'", optstr,
                       error_get_pretty(err), msg);
        g_assert_not_reached();
    }
    error_free(err);
}

#endif /* TESTS_UNIT_VIRTIO_DRIVER_H */
