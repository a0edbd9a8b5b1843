/*
 * virtio-mmio transport: a 0x200-byte register window (0x100 of
 * registers, then the device's config space) through which a driver finds
 * and drives one virtio device, interrupting on one level line.
 *
 * Version 2 (modern, the default) follows the virtio 1.x MMIO layout and
 * offers VIRTIO_F_VERSION_1.  Version 1 (legacy, the pre-1.0 layout:
 * GuestPageSize 0x28, QueueAlign 0x3C, QueuePFN 0x40) is chosen with
 * virtio_mmio_set_force_legacy(true) before the transports are created
 * (-global virtio-mmio.force-legacy=true).
 *
 * The board creates the transports empty (DeviceID 0); -device plugs
 * devices into them, highest address first, as QEMU does.
 *
 * Threads: BQL held for everything.
 */
#ifndef HW_VIRTIO_VIRTIO_MMIO_H
#define HW_VIRTIO_VIRTIO_MMIO_H

#include "hw/irq.h"
#include "hw/virtio/virtio.h"
#include "qemu/queue.h"

#define VIRTIO_MMIO_MAGIC_VALUE     0x74726976      /* "virt" */
#define VIRTIO_MMIO_VENDOR_ID       0x554D4551      /* "QEMU" */
#define VIRTIO_MMIO_CONFIG          0x100
#define VIRTIO_MMIO_SIZE            0x200

typedef struct VirtIOMMIOQueue {
    uint16_t num;
    bool enabled;
    uint32_t desc[2];
    uint32_t avail[2];
    uint32_t used[2];
    uint32_t align;             /* legacy QueueAlign */
    uint32_t pfn;               /* legacy QueuePFN */
} VirtIOMMIOQueue;

typedef struct VirtIOMMIOProxy {
    MemoryRegion iomem;
    hwaddr base;
    qemu_irq irq;
    bool legacy;
    VirtIODevice *vdev;         /* NULL: an empty slot */
    uint32_t host_features_sel;
    uint32_t guest_features_sel;
    uint32_t guest_features[2];
    uint32_t guest_page_shift;  /* legacy GuestPageSize, as a shift */
    uint32_t queue_sel;
    VirtIOMMIOQueue vqs[VIRTIO_QUEUE_MAX];
    QTAILQ_ENTRY(VirtIOMMIOProxy) link;
} VirtIOMMIOProxy;

/* Version of the transports created from now on (default: false, v2). */
void virtio_mmio_set_force_legacy(bool legacy);

/*
 * Create an empty transport at base in sysmem, interrupting on irq, and
 * add it to the transports -device can plug into.  Registers a reset
 * handler.
 */
VirtIOMMIOProxy *virtio_mmio_create(MemoryRegion *sysmem, hwaddr base,
                                    qemu_irq irq);
/* Put vdev behind proxy; false with *errp if proxy already has one. */
bool virtio_mmio_plug(VirtIOMMIOProxy *proxy, VirtIODevice *vdev,
                      Error **errp);
/* The empty transport with the highest address, or NULL. */
VirtIOMMIOProxy *virtio_mmio_find_free(void);

#endif /* HW_VIRTIO_VIRTIO_MMIO_H */
