/*
 * virtio-mmio transport (include/hw/virtio/virtio-mmio.h).
 *
 * Queue setup is staged here and handed to the core when the driver
 * enables the queue: for version 2 by writing QueueReady = 1 after the
 * size and the three ring addresses, for legacy by writing QueuePFN (the
 * rings then sit in one block, laid out from the queue size, QueueAlign
 * and GuestPageSize).
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qapi/error.h"
#include "hw/virtio/virtio-mmio.h"
#include "sysemu/reset.h"
#include "migration/blocker.h"
#include "migration/vmstate.h"

enum {
    VIRTIO_MMIO_MAGIC = 0x000,
    VIRTIO_MMIO_VERSION = 0x004,
    VIRTIO_MMIO_DEVICE_ID = 0x008,
    VIRTIO_MMIO_VENDOR = 0x00c,
    VIRTIO_MMIO_DEVICE_FEATURES = 0x010,
    VIRTIO_MMIO_DEVICE_FEATURES_SEL = 0x014,
    VIRTIO_MMIO_DRIVER_FEATURES = 0x020,
    VIRTIO_MMIO_DRIVER_FEATURES_SEL = 0x024,
    VIRTIO_MMIO_GUEST_PAGE_SIZE = 0x028,        /* legacy */
    VIRTIO_MMIO_QUEUE_SEL = 0x030,
    VIRTIO_MMIO_QUEUE_NUM_MAX = 0x034,
    VIRTIO_MMIO_QUEUE_NUM = 0x038,
    VIRTIO_MMIO_QUEUE_ALIGN = 0x03c,            /* legacy */
    VIRTIO_MMIO_QUEUE_PFN = 0x040,              /* legacy */
    VIRTIO_MMIO_QUEUE_READY = 0x044,
    VIRTIO_MMIO_QUEUE_NOTIFY = 0x050,
    VIRTIO_MMIO_INTERRUPT_STATUS = 0x060,
    VIRTIO_MMIO_INTERRUPT_ACK = 0x064,
    VIRTIO_MMIO_STATUS = 0x070,
    VIRTIO_MMIO_QUEUE_DESC_LOW = 0x080,
    VIRTIO_MMIO_QUEUE_DESC_HIGH = 0x084,
    VIRTIO_MMIO_QUEUE_AVAIL_LOW = 0x090,
    VIRTIO_MMIO_QUEUE_AVAIL_HIGH = 0x094,
    VIRTIO_MMIO_QUEUE_USED_LOW = 0x0a0,
    VIRTIO_MMIO_QUEUE_USED_HIGH = 0x0a4,
    VIRTIO_MMIO_CONFIG_GENERATION = 0x0fc,
};

#define VIRTIO_MMIO_DEFAULT_ALIGN   4096

/* Written by vl.c while parsing the command line, before any transport
 * exists; read when transports are created.  Main thread only. */
static bool force_legacy;

/* Every transport, in creation order.  BQL held. */
static QTAILQ_HEAD(, VirtIOMMIOProxy) transports =
    QTAILQ_HEAD_INITIALIZER(transports);

void virtio_mmio_set_force_legacy(bool legacy)
{
    force_legacy = legacy;
}

VirtIOMMIOProxy *virtio_mmio_find_free(void)
{
    VirtIOMMIOProxy *proxy, *best = NULL;

    QTAILQ_FOREACH(proxy, &transports, link) {
        if (!proxy->vdev && (!best || proxy->base > best->base)) {
            best = proxy;
        }
    }
    return best;
}

static void virtio_mmio_update_irq(void *opaque)
{
    VirtIOMMIOProxy *proxy = opaque;

    qemu_set_irq(proxy->irq, proxy->vdev && proxy->vdev->isr);
}

static const VirtioBusOps virtio_mmio_bus_ops = {
    .notify = virtio_mmio_update_irq,
};

/* The selected queue's staging state, or NULL if it does not exist. */
static VirtIOMMIOQueue *virtio_mmio_queue(VirtIOMMIOProxy *proxy)
{
    if (!virtio_queue_exists(proxy->vdev, proxy->queue_sel)) {
        return NULL;
    }
    return &proxy->vqs[proxy->queue_sel];
}

static void virtio_mmio_reset_queues(VirtIOMMIOProxy *proxy)
{
    for (int i = 0; i < VIRTIO_QUEUE_MAX; i++) {
        VirtIOMMIOQueue *q = &proxy->vqs[i];

        memset(q, 0, sizeof(*q));
        q->num = proxy->vdev ? virtio_queue_get_max_num(proxy->vdev, i) : 0;
        q->align = VIRTIO_MMIO_DEFAULT_ALIGN;
    }
}

/* Driver-initiated reset (Status = 0): the device and the registers the
 * driver programs during setup.  GuestPageSize, which a legacy driver
 * writes once before resetting, survives. */
static void virtio_mmio_soft_reset(VirtIOMMIOProxy *proxy)
{
    proxy->host_features_sel = 0;
    proxy->guest_features_sel = 0;
    proxy->guest_features[0] = proxy->guest_features[1] = 0;
    proxy->queue_sel = 0;
    virtio_mmio_reset_queues(proxy);
    if (proxy->vdev) {
        virtio_reset(proxy->vdev);
    }
    virtio_mmio_update_irq(proxy);
}

static void virtio_mmio_reset(void *opaque)
{
    VirtIOMMIOProxy *proxy = opaque;

    proxy->guest_page_shift = 0;
    virtio_mmio_soft_reset(proxy);
}

/* Legacy: the rings are one block at QueuePFN pages, laid out by num. */
static void virtio_mmio_legacy_set_rings(VirtIOMMIOProxy *proxy)
{
    VirtIOMMIOQueue *q = &proxy->vqs[proxy->queue_sel];
    hwaddr desc, avail, used;

    if (!q->pfn) {
        virtio_queue_set_rings(proxy->vdev, proxy->queue_sel, q->num,
                               0, 0, 0);
        return;
    }
    desc = (hwaddr)q->pfn << proxy->guest_page_shift;
    avail = desc + (hwaddr)q->num * VRING_DESC_SIZE;
    /* avail: flags, idx, ring[num], used_event */
    used = QEMU_ALIGN_UP(avail + 2 * (3 + (hwaddr)q->num), q->align);
    virtio_queue_set_rings(proxy->vdev, proxy->queue_sel, q->num, desc,
                           avail, used);
}

static void virtio_mmio_set_ready(VirtIOMMIOProxy *proxy,
                                  VirtIOMMIOQueue *q, bool ready)
{
    hwaddr desc = ((uint64_t)q->desc[1] << 32) | q->desc[0];
    hwaddr avail = ((uint64_t)q->avail[1] << 32) | q->avail[0];
    hwaddr used = ((uint64_t)q->used[1] << 32) | q->used[0];

    if (ready && !desc) {
        qemu_log_mask(LOG_GUEST_ERROR, "virtio-mmio@0x%" HWADDR_PRIx
                      ": queue %u made ready without a descriptor table\n",
                      proxy->base, proxy->queue_sel);
        return;
    }
    q->enabled = ready;
    virtio_queue_set_rings(proxy->vdev, proxy->queue_sel, q->num,
                           ready ? desc : 0, avail, used);
}

static void virtio_mmio_write_status(VirtIOMMIOProxy *proxy, uint32_t value)
{
    VirtIODevice *vdev = proxy->vdev;
    uint8_t status = value & 0xff;

    if (status == 0) {
        virtio_mmio_soft_reset(proxy);
        return;
    }
    if (!proxy->legacy && (status & VIRTIO_CONFIG_S_FEATURES_OK) &&
        !(vdev->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
        uint64_t features = ((uint64_t)proxy->guest_features[1] << 32) |
                            proxy->guest_features[0];

        /* Refuse FEATURES_OK; the driver reads Status back and sees. */
        if (!(features & (1ULL << VIRTIO_F_VERSION_1))) {
            qemu_log_mask(LOG_GUEST_ERROR, "virtio-mmio@0x%" HWADDR_PRIx
                          ": driver did not accept VIRTIO_F_VERSION_1\n",
                          proxy->base);
            status &= ~VIRTIO_CONFIG_S_FEATURES_OK;
        } else if (!virtio_set_features(vdev, features)) {
            qemu_log_mask(LOG_GUEST_ERROR, "virtio-mmio@0x%" HWADDR_PRIx
                          ": driver accepted features 0x%" PRIx64
                          " that were not offered (0x%" PRIx64 ")\n",
                          proxy->base, features, vdev->host_features);
            status &= ~VIRTIO_CONFIG_S_FEATURES_OK;
        }
    }
    /* A device that needs reset keeps saying so. */
    status |= vdev->status & VIRTIO_CONFIG_S_NEEDS_RESET;
    virtio_set_status(vdev, status);
}

static bool virtio_mmio_is_config(hwaddr offset)
{
    return offset >= VIRTIO_MMIO_CONFIG;
}

static uint64_t virtio_mmio_read(void *opaque, hwaddr offset, unsigned size)
{
    VirtIOMMIOProxy *proxy = opaque;
    VirtIODevice *vdev = proxy->vdev;
    VirtIOMMIOQueue *q;

    if (vdev && virtio_mmio_is_config(offset)) {
        return virtio_config_read(vdev, offset - VIRTIO_MMIO_CONFIG, size);
    }
    if (size != 4) {
        qemu_log_mask(LOG_GUEST_ERROR, "virtio-mmio@0x%" HWADDR_PRIx
                      ": %u-byte read of register 0x%" HWADDR_PRIx "\n",
                      proxy->base, size, offset);
        return 0;
    }

    /* Identification: all an empty slot has, enough to be skipped. */
    switch (offset) {
    case VIRTIO_MMIO_MAGIC:
        return VIRTIO_MMIO_MAGIC_VALUE;
    case VIRTIO_MMIO_VERSION:
        return proxy->legacy ? 1 : 2;
    case VIRTIO_MMIO_DEVICE_ID:
        return vdev ? vdev->vdc->device_id : VIRTIO_ID_NONE;
    case VIRTIO_MMIO_VENDOR:
        return VIRTIO_MMIO_VENDOR_ID;
    default:
        if (!vdev) {
            return 0;
        }
        break;
    }

    switch (offset) {
    case VIRTIO_MMIO_DEVICE_FEATURES:
        if (proxy->host_features_sel > (proxy->legacy ? 0 : 1)) {
            return 0;
        }
        return vdev->host_features >> (32 * proxy->host_features_sel);
    case VIRTIO_MMIO_QUEUE_NUM_MAX:
        return virtio_queue_get_max_num(vdev, proxy->queue_sel);
    case VIRTIO_MMIO_QUEUE_PFN:
        if (!proxy->legacy) {
            break;
        }
        q = virtio_mmio_queue(proxy);
        return q ? q->pfn : 0;
    case VIRTIO_MMIO_QUEUE_READY:
        if (proxy->legacy) {
            break;
        }
        q = virtio_mmio_queue(proxy);
        return q ? q->enabled : 0;
    case VIRTIO_MMIO_INTERRUPT_STATUS:
        return vdev->isr;
    case VIRTIO_MMIO_STATUS:
        return vdev->status;
    case VIRTIO_MMIO_CONFIG_GENERATION:
        if (proxy->legacy) {
            break;
        }
        return vdev->generation;
    case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
    case VIRTIO_MMIO_DRIVER_FEATURES:
    case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
    case VIRTIO_MMIO_GUEST_PAGE_SIZE:
    case VIRTIO_MMIO_QUEUE_SEL:
    case VIRTIO_MMIO_QUEUE_NUM:
    case VIRTIO_MMIO_QUEUE_ALIGN:
    case VIRTIO_MMIO_QUEUE_NOTIFY:
    case VIRTIO_MMIO_INTERRUPT_ACK:
    case VIRTIO_MMIO_QUEUE_DESC_LOW:
    case VIRTIO_MMIO_QUEUE_DESC_HIGH:
    case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
    case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
    case VIRTIO_MMIO_QUEUE_USED_LOW:
    case VIRTIO_MMIO_QUEUE_USED_HIGH:
        qemu_log_mask(LOG_GUEST_ERROR, "virtio-mmio@0x%" HWADDR_PRIx
                      ": read of write-only register 0x%" HWADDR_PRIx "\n",
                      proxy->base, offset);
        return 0;
    default:
        break;
    }
    qemu_log_mask(LOG_GUEST_ERROR, "virtio-mmio@0x%" HWADDR_PRIx ": read of "
                  "unknown register 0x%" HWADDR_PRIx " (version %d)\n",
                  proxy->base, offset, proxy->legacy ? 1 : 2);
    return 0;
}

/* Store the v2 ring address half at offset; not while the queue is live. */
static void virtio_mmio_set_addr(VirtIOMMIOProxy *proxy, VirtIOMMIOQueue *q,
                                 hwaddr offset, uint32_t value)
{
    uint32_t *addr = offset < VIRTIO_MMIO_QUEUE_AVAIL_LOW ? q->desc :
                     offset < VIRTIO_MMIO_QUEUE_USED_LOW ? q->avail : q->used;

    if (q->enabled) {
        qemu_log_mask(LOG_GUEST_ERROR, "virtio-mmio@0x%" HWADDR_PRIx
                      ": queue %u address changed while ready: ignored\n",
                      proxy->base, proxy->queue_sel);
        return;
    }
    addr[(offset & 4) ? 1 : 0] = value;
}

static void virtio_mmio_write_queue(VirtIOMMIOProxy *proxy, hwaddr offset,
                                    uint32_t value)
{
    VirtIOMMIOQueue *q = virtio_mmio_queue(proxy);

    if (!q) {
        qemu_log_mask(LOG_GUEST_ERROR, "virtio-mmio@0x%" HWADDR_PRIx
                      ": write to register 0x%" HWADDR_PRIx " for queue %u,"
                      " which does not exist\n", proxy->base, offset,
                      proxy->queue_sel);
        return;
    }
    switch (offset) {
    case VIRTIO_MMIO_QUEUE_NUM:
        if (value == 0 ||
            value > virtio_queue_get_max_num(proxy->vdev, proxy->queue_sel)) {
            qemu_log_mask(LOG_GUEST_ERROR, "virtio-mmio@0x%" HWADDR_PRIx
                          ": queue %u size %u out of range\n", proxy->base,
                          proxy->queue_sel, value);
            return;
        }
        if (q->enabled) {
            qemu_log_mask(LOG_GUEST_ERROR, "virtio-mmio@0x%" HWADDR_PRIx
                          ": queue %u resized while ready: ignored\n",
                          proxy->base, proxy->queue_sel);
            return;
        }
        q->num = value;
        if (proxy->legacy && q->pfn) {
            virtio_mmio_legacy_set_rings(proxy);
        }
        return;
    case VIRTIO_MMIO_QUEUE_ALIGN:
        if (!value || (value & (value - 1))) {
            qemu_log_mask(LOG_GUEST_ERROR, "virtio-mmio@0x%" HWADDR_PRIx
                          ": QueueAlign %u is not a power of 2\n",
                          proxy->base, value);
            return;
        }
        q->align = value;
        return;
    case VIRTIO_MMIO_QUEUE_PFN:
        /* 0 deactivates the queue. */
        q->pfn = value;
        virtio_mmio_legacy_set_rings(proxy);
        return;
    case VIRTIO_MMIO_QUEUE_READY:
        virtio_mmio_set_ready(proxy, q, value & 1);
        return;
    case VIRTIO_MMIO_QUEUE_DESC_LOW:
    case VIRTIO_MMIO_QUEUE_DESC_HIGH:
    case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
    case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
    case VIRTIO_MMIO_QUEUE_USED_LOW:
    case VIRTIO_MMIO_QUEUE_USED_HIGH:
        virtio_mmio_set_addr(proxy, q, offset, value);
        return;
    default:
        g_assert_not_reached();
    }
}

static void virtio_mmio_write(void *opaque, hwaddr offset, uint64_t value,
                              unsigned size)
{
    VirtIOMMIOProxy *proxy = opaque;
    VirtIODevice *vdev = proxy->vdev;

    if (!vdev) {
        qemu_log_mask(LOG_GUEST_ERROR, "virtio-mmio@0x%" HWADDR_PRIx
                      ": write to an empty slot at 0x%" HWADDR_PRIx "\n",
                      proxy->base, offset);
        return;
    }
    if (virtio_mmio_is_config(offset)) {
        virtio_config_write(vdev, offset - VIRTIO_MMIO_CONFIG, size, value);
        return;
    }
    if (size != 4) {
        qemu_log_mask(LOG_GUEST_ERROR, "virtio-mmio@0x%" HWADDR_PRIx
                      ": %u-byte write of register 0x%" HWADDR_PRIx "\n",
                      proxy->base, size, offset);
        return;
    }

    switch (offset) {
    case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
        proxy->host_features_sel = value;
        return;
    case VIRTIO_MMIO_DRIVER_FEATURES:
        if (proxy->legacy) {
            /* No FEATURES_OK handshake: take the bits as they come. */
            if (proxy->guest_features_sel == 0) {
                virtio_set_features(vdev, value & vdev->host_features);
            }
        } else if (proxy->guest_features_sel < 2) {
            proxy->guest_features[proxy->guest_features_sel] = value;
        }
        return;
    case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
        proxy->guest_features_sel = value;
        return;
    case VIRTIO_MMIO_GUEST_PAGE_SIZE:
        if (!proxy->legacy) {
            break;
        }
        if (!value || (value & (value - 1))) {
            qemu_log_mask(LOG_GUEST_ERROR, "virtio-mmio@0x%" HWADDR_PRIx
                          ": GuestPageSize %" PRIu64 " is not a power of "
                          "2\n", proxy->base, value);
            return;
        }
        proxy->guest_page_shift = ctz32(value);
        return;
    case VIRTIO_MMIO_QUEUE_SEL:
        proxy->queue_sel = value;
        return;
    case VIRTIO_MMIO_QUEUE_NUM:
        virtio_mmio_write_queue(proxy, offset, value);
        return;
    case VIRTIO_MMIO_QUEUE_ALIGN:
    case VIRTIO_MMIO_QUEUE_PFN:
        if (!proxy->legacy) {
            break;
        }
        virtio_mmio_write_queue(proxy, offset, value);
        return;
    case VIRTIO_MMIO_QUEUE_READY:
    case VIRTIO_MMIO_QUEUE_DESC_LOW:
    case VIRTIO_MMIO_QUEUE_DESC_HIGH:
    case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
    case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
    case VIRTIO_MMIO_QUEUE_USED_LOW:
    case VIRTIO_MMIO_QUEUE_USED_HIGH:
        if (proxy->legacy) {
            break;
        }
        virtio_mmio_write_queue(proxy, offset, value);
        return;
    case VIRTIO_MMIO_QUEUE_NOTIFY:
        virtio_queue_notify(vdev, value & 0xffff);
        return;
    case VIRTIO_MMIO_INTERRUPT_ACK:
        virtio_isr_ack(vdev, value & (VIRTIO_ISR_VQ | VIRTIO_ISR_CONFIG));
        return;
    case VIRTIO_MMIO_STATUS:
        virtio_mmio_write_status(proxy, value);
        return;
    case VIRTIO_MMIO_MAGIC:
    case VIRTIO_MMIO_VERSION:
    case VIRTIO_MMIO_DEVICE_ID:
    case VIRTIO_MMIO_VENDOR:
    case VIRTIO_MMIO_DEVICE_FEATURES:
    case VIRTIO_MMIO_QUEUE_NUM_MAX:
    case VIRTIO_MMIO_INTERRUPT_STATUS:
    case VIRTIO_MMIO_CONFIG_GENERATION:
        qemu_log_mask(LOG_GUEST_ERROR, "virtio-mmio@0x%" HWADDR_PRIx
                      ": write to read-only register 0x%" HWADDR_PRIx "\n",
                      proxy->base, offset);
        return;
    default:
        break;
    }
    qemu_log_mask(LOG_GUEST_ERROR, "virtio-mmio@0x%" HWADDR_PRIx ": write of "
                  "0x%" PRIx64 " to unknown register 0x%" HWADDR_PRIx
                  " (version %d)\n", proxy->base, value, offset,
                  proxy->legacy ? 1 : 2);
}

static const MemoryRegionOps virtio_mmio_ops = {
    .read = virtio_mmio_read,
    .write = virtio_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 1,
        .max_access_size = 4,
    },
    .impl = {
        .min_access_size = 1,
        .max_access_size = 4,
    },
};

/* Migration: the transport's registers (the device has its own section). */

static bool virtio_mmio_post_load(void *opaque, int version_id,
                                  Error **errp)
{
    VirtIOMMIOProxy *proxy = opaque;

    for (int i = 0; i < VIRTIO_QUEUE_MAX; i++) {
        uint32_t align = proxy->vqs[i].align;

        if (!align || (align & (align - 1))) {
            error_setg(errp, "queue %d: QueueAlign %" PRIu32 " is not a "
                       "power of 2", i, align);
            return false;
        }
    }
    virtio_mmio_update_irq(proxy);
    return true;
}

static const VMStateDescription vmstate_virtio_mmio_queue = {
    .name = "virtio-mmio-queue",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT16_MAX(num, VirtIOMMIOQueue, VIRTQUEUE_MAX_SIZE),
        VMSTATE_BOOL(enabled, VirtIOMMIOQueue),
        VMSTATE_UINT32_ARRAY(desc, VirtIOMMIOQueue, 2),
        VMSTATE_UINT32_ARRAY(avail, VirtIOMMIOQueue, 2),
        VMSTATE_UINT32_ARRAY(used, VirtIOMMIOQueue, 2),
        VMSTATE_UINT32(align, VirtIOMMIOQueue),
        VMSTATE_UINT32(pfn, VirtIOMMIOQueue),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_virtio_mmio = {
    .name = "virtio-mmio",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = virtio_mmio_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_BOOL_EQUAL(legacy, VirtIOMMIOProxy),
        VMSTATE_UINT32_MAX(host_features_sel, VirtIOMMIOProxy, 1),
        VMSTATE_UINT32_MAX(guest_features_sel, VirtIOMMIOProxy, 1),
        VMSTATE_UINT32_ARRAY(guest_features, VirtIOMMIOProxy, 2),
        VMSTATE_UINT32_MAX(guest_page_shift, VirtIOMMIOProxy, 31),
        VMSTATE_UINT32(queue_sel, VirtIOMMIOProxy),
        VMSTATE_STRUCT_ARRAY(vqs, VirtIOMMIOProxy, VIRTIO_QUEUE_MAX,
                             vmstate_virtio_mmio_queue, VirtIOMMIOQueue),
        VMSTATE_END_OF_LIST()
    },
};

VirtIOMMIOProxy *virtio_mmio_create(MemoryRegion *sysmem, hwaddr base,
                                    qemu_irq irq)
{
    VirtIOMMIOProxy *proxy = g_new0(VirtIOMMIOProxy, 1);

    proxy->base = base;
    proxy->irq = irq;
    proxy->legacy = force_legacy;
    memory_region_init_io(&proxy->iomem, NULL, &virtio_mmio_ops, proxy,
                          "virtio-mmio", VIRTIO_MMIO_SIZE);
    memory_region_add_subregion(sysmem, base, &proxy->iomem);
    QTAILQ_INSERT_TAIL(&transports, proxy, link);
    qemu_register_reset(virtio_mmio_reset, proxy);
    virtio_mmio_reset(proxy);
    /* Instance: the address, which tells the transports apart. */
    vmstate_register(&vmstate_virtio_mmio, base, proxy);
    return proxy;
}

bool virtio_mmio_plug(VirtIOMMIOProxy *proxy, VirtIODevice *vdev,
                      Error **errp)
{
    if (proxy->vdev) {
        error_setg(errp, "virtio-mmio transport at 0x%" HWADDR_PRIx
                   " already holds a %s device", proxy->base,
                   proxy->vdev->vdc->name);
        return false;
    }
    proxy->vdev = vdev;
    virtio_bind_transport(vdev, &virtio_mmio_bus_ops, proxy,
                          proxy->legacy ? 0 : 1ULL << VIRTIO_F_VERSION_1);
    virtio_mmio_reset(proxy);
    if (vdev->vdc->vmsd) {
        vmstate_register(vdev->vdc->vmsd, proxy->base, vdev);
    } else {
        Error *reason = NULL;

        error_setg(&reason, "device %s at 0x%" HWADDR_PRIx " cannot be "
                   "migrated", vdev->vdc->name, proxy->base);
        migrate_add_blocker(reason);
    }
    return true;
}
