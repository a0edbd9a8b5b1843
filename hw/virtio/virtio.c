/*
 * Virtio core and split virtqueues (include/hw/virtio/virtio.h).
 *
 * Ring layout (virtio 1.x section 2.7), all little-endian in guest RAM:
 *   descriptor table  num x { u64 addr; u32 len; u16 flags; u16 next }
 *   available ring    u16 flags; u16 idx; u16 ring[num]
 *   used ring         u16 flags; u16 idx; { u32 id; u32 len } ring[num]
 * The driver publishes requests by writing avail->ring and then
 * avail->idx; the device returns them by writing used->ring and then
 * used->idx.  The driver runs on other vCPUs concurrently, so each side
 * orders its accesses with barriers, named below with their partners.
 */
#include "qemu/osdep.h"
#include "qemu/atomic.h"
#include "qemu/log.h"
#include "hw/virtio/virtio.h"
#include "migration/vmstate.h"

struct VirtQueue {
    VirtIODevice *vdev;
    unsigned int num_max;       /* 0: the queue does not exist */
    unsigned int num;           /* entries, set by the driver */
    hwaddr desc;                /* 0: not enabled */
    hwaddr avail;
    hwaddr used;
    uint16_t last_avail_idx;    /* next avail->ring entry to take */
    uint16_t used_idx;          /* our copy of used->idx */
    unsigned int inuse;         /* popped, not yet pushed */
    VirtIOHandleOutput *handle_output;
};

typedef struct VRingDesc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
} VRingDesc;

#define DMA_ATTRS MEMTXATTRS_UNSPECIFIED

/* Copy bytes between iov (from byte offset) and buf, either way. */
static size_t iov_copy(const struct iovec *iov, unsigned int iov_cnt,
                       size_t offset, uint8_t *buf, size_t bytes,
                       bool to_iov)
{
    size_t done = 0;

    for (unsigned int i = 0; i < iov_cnt && done < bytes; i++) {
        if (offset >= iov[i].iov_len) {
            offset -= iov[i].iov_len;
            continue;
        }
        size_t n = MIN(iov[i].iov_len - offset, bytes - done);
        uint8_t *p = (uint8_t *)iov[i].iov_base + offset;

        if (to_iov) {
            memcpy(p, buf + done, n);
        } else {
            memcpy(buf + done, p, n);
        }
        done += n;
        offset = 0;
    }
    return done;
}

size_t iov_to_buf(const struct iovec *iov, unsigned int iov_cnt,
                  size_t offset, void *buf, size_t bytes)
{
    return iov_copy(iov, iov_cnt, offset, buf, bytes, false);
}

size_t iov_from_buf(const struct iovec *iov, unsigned int iov_cnt,
                    size_t offset, const void *buf, size_t bytes)
{
    /* iov_copy only reads buf when copying to the iov. */
    return iov_copy(iov, iov_cnt, offset, (uint8_t *)buf, bytes, true);
}

size_t iov_size(const struct iovec *iov, unsigned int iov_cnt)
{
    size_t len = 0;

    for (unsigned int i = 0; i < iov_cnt; i++) {
        len += iov[i].iov_len;
    }
    return len;
}

/* Device life cycle */

void virtio_init(VirtIODevice *vdev, const VirtioDeviceClass *vdc,
                 size_t config_len, uint64_t features)
{
    vdev->vdc = vdc;
    vdev->config_len = config_len;
    vdev->config = g_malloc0(config_len);
    vdev->host_features = features;
    vdev->vq = g_new0(VirtQueue, VIRTIO_QUEUE_MAX);
    for (int i = 0; i < VIRTIO_QUEUE_MAX; i++) {
        vdev->vq[i].vdev = vdev;
    }
}

VirtQueue *virtio_add_queue(VirtIODevice *vdev, int queue_size,
                            VirtIOHandleOutput *handler)
{
    int i;

    assert(queue_size > 0 && queue_size <= VIRTQUEUE_MAX_SIZE);
    for (i = 0; i < VIRTIO_QUEUE_MAX; i++) {
        if (!vdev->vq[i].num_max) {
            break;
        }
    }
    assert(i < VIRTIO_QUEUE_MAX);
    vdev->vq[i].num_max = queue_size;
    vdev->vq[i].num = queue_size;
    vdev->vq[i].handle_output = handler;
    return &vdev->vq[i];
}

void virtio_bind_transport(VirtIODevice *vdev, const VirtioBusOps *ops,
                           void *opaque, uint64_t transport_features)
{
    assert(!vdev->bus_ops);
    vdev->bus_ops = ops;
    vdev->bus_opaque = opaque;
    vdev->host_features |= transport_features;
}

static void virtio_update_irq(VirtIODevice *vdev)
{
    if (vdev->bus_ops) {
        vdev->bus_ops->notify(vdev->bus_opaque);
    }
}

void virtio_reset(VirtIODevice *vdev)
{
    if (vdev->vdc->reset) {
        vdev->vdc->reset(vdev);
    }
    vdev->status = 0;
    vdev->guest_features = 0;
    vdev->broken = false;
    vdev->isr = 0;
    for (int i = 0; i < VIRTIO_QUEUE_MAX; i++) {
        VirtQueue *vq = &vdev->vq[i];

        /* Requests are completed before their notify returns. */
        assert(vq->inuse == 0);
        vq->num = vq->num_max;
        vq->desc = vq->avail = vq->used = 0;
        vq->last_avail_idx = 0;
        vq->used_idx = 0;
    }
    virtio_update_irq(vdev);
}

void virtio_set_status(VirtIODevice *vdev, uint8_t status)
{
    vdev->status = status;
}

bool virtio_set_features(VirtIODevice *vdev, uint64_t features)
{
    if (features & ~vdev->host_features) {
        return false;
    }
    vdev->guest_features = features;
    return true;
}

void virtio_error(VirtIODevice *vdev, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    qemu_log_mask(LOG_GUEST_ERROR, "%s: %s; the device stops until the "
                  "driver resets it\n", vdev->vdc->name, msg);
    g_free(msg);

    vdev->broken = true;
    if (virtio_vdev_has_feature(vdev, VIRTIO_F_VERSION_1)) {
        vdev->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
        virtio_notify_config(vdev);
    }
}

/* Config space */

uint32_t virtio_config_read(VirtIODevice *vdev, uint32_t addr,
                            unsigned size)
{
    uint32_t val = 0;

    if (size > 4 || addr > vdev->config_len ||
        size > vdev->config_len - addr) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: config read of %u bytes at "
                      "0x%x, beyond its %zu bytes\n", vdev->vdc->name, size,
                      addr, vdev->config_len);
        return UINT32_MAX;
    }
    if (vdev->vdc->get_config) {
        vdev->vdc->get_config(vdev, vdev->config);
    }
    for (unsigned i = 0; i < size; i++) {
        val |= (uint32_t)vdev->config[addr + i] << (8 * i);
    }
    return val;
}

void virtio_config_write(VirtIODevice *vdev, uint32_t addr, unsigned size,
                         uint32_t value)
{
    if (size > 4 || addr > vdev->config_len ||
        size > vdev->config_len - addr) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: config write of %u bytes at "
                      "0x%x, beyond its %zu bytes\n", vdev->vdc->name, size,
                      addr, vdev->config_len);
        return;
    }
    if (vdev->vdc->get_config) {
        vdev->vdc->get_config(vdev, vdev->config);
    }
    for (unsigned i = 0; i < size; i++) {
        vdev->config[addr + i] = value >> (8 * i);
    }
    if (vdev->vdc->set_config) {
        vdev->vdc->set_config(vdev, vdev->config);
    }
}

void virtio_notify_config(VirtIODevice *vdev)
{
    if (!(vdev->status & VIRTIO_CONFIG_S_DRIVER_OK)) {
        return;
    }
    vdev->generation++;
    vdev->isr |= VIRTIO_ISR_CONFIG;
    virtio_update_irq(vdev);
}

void virtio_isr_ack(VirtIODevice *vdev, uint8_t bits)
{
    vdev->isr &= ~bits;
    virtio_update_irq(vdev);
}

/* Queues as the transport sees them */

bool virtio_queue_exists(VirtIODevice *vdev, unsigned n)
{
    return n < VIRTIO_QUEUE_MAX && vdev->vq[n].num_max;
}

unsigned virtio_queue_get_max_num(VirtIODevice *vdev, unsigned n)
{
    return n < VIRTIO_QUEUE_MAX ? vdev->vq[n].num_max : 0;
}

unsigned virtio_queue_get_num(VirtIODevice *vdev, unsigned n)
{
    return virtio_queue_exists(vdev, n) ? vdev->vq[n].num : 0;
}

void virtio_queue_set_rings(VirtIODevice *vdev, unsigned n, unsigned num,
                            hwaddr desc, hwaddr avail, hwaddr used)
{
    VirtQueue *vq = &vdev->vq[n];

    assert(virtio_queue_exists(vdev, n));
    assert(num > 0 && num <= vq->num_max);
    vq->num = num;
    vq->desc = desc;
    vq->avail = desc ? avail : 0;
    vq->used = desc ? used : 0;
    vq->last_avail_idx = 0;
    vq->used_idx = 0;
}

bool virtio_queue_enabled(VirtIODevice *vdev, unsigned n)
{
    return virtio_queue_exists(vdev, n) && vdev->vq[n].desc;
}

hwaddr virtio_queue_get_desc_addr(VirtIODevice *vdev, unsigned n)
{
    return virtio_queue_exists(vdev, n) ? vdev->vq[n].desc : 0;
}

void virtio_queue_notify(VirtIODevice *vdev, unsigned n)
{
    if (!virtio_queue_enabled(vdev, n)) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: notify of queue %u, which %s\n",
                      vdev->vdc->name, n,
                      virtio_queue_exists(vdev, n) ? "is not ready"
                                                   : "does not exist");
        return;
    }
    if (vdev->broken) {
        return;
    }
    vdev->vq[n].handle_output(vdev, &vdev->vq[n]);
}

VirtIODevice *virtio_queue_get_vdev(VirtQueue *vq)
{
    return vq->vdev;
}

/* Split rings */

static uint16_t vring_avail_idx(VirtQueue *vq)
{
    return address_space_lduw_le(&address_space_memory, vq->avail + 2,
                                 DMA_ATTRS, NULL);
}

static uint16_t vring_avail_flags(VirtQueue *vq)
{
    return address_space_lduw_le(&address_space_memory, vq->avail,
                                 DMA_ATTRS, NULL);
}

static uint16_t vring_avail_ring(VirtQueue *vq, unsigned i)
{
    return address_space_lduw_le(&address_space_memory,
                                 vq->avail + 4 + 2 * i, DMA_ATTRS, NULL);
}

static void vring_read_desc(VirtQueue *vq, unsigned i, VRingDesc *desc)
{
    hwaddr pa = vq->desc + (hwaddr)i * VRING_DESC_SIZE;
    AddressSpace *as = &address_space_memory;

    desc->addr = address_space_ldq_le(as, pa, DMA_ATTRS, NULL);
    desc->len = address_space_ldl_le(as, pa + 8, DMA_ATTRS, NULL);
    desc->flags = address_space_lduw_le(as, pa + 12, DMA_ATTRS, NULL);
    desc->next = address_space_lduw_le(as, pa + 14, DMA_ATTRS, NULL);
}

/* Mapped buffers of a chain being collected by virtqueue_pop. */
typedef struct SGList {
    GArray *out;                /* of struct iovec */
    GArray *in;
} SGList;

static void sg_unmap(GArray *iovs, bool is_write)
{
    for (guint i = 0; i < iovs->len; i++) {
        struct iovec *iov = &g_array_index(iovs, struct iovec, i);

        address_space_unmap(&address_space_memory, iov->iov_base,
                            iov->iov_len, is_write, 0);
    }
}

/* Map one descriptor's buffer, in as many pieces as the memory map needs. */
static bool virtqueue_map_desc(VirtQueue *vq, GArray *iovs, hwaddr addr,
                               uint32_t len, bool is_write)
{
    VirtIODevice *vdev = vq->vdev;

    if (!len) {
        virtio_error(vdev, "zero-sized buffer at 0x%" HWADDR_PRIx, addr);
        return false;
    }
    if (addr + len < addr) {
        virtio_error(vdev, "buffer at 0x%" HWADDR_PRIx " of %u bytes wraps "
                     "around", addr, len);
        return false;
    }
    while (len) {
        hwaddr plen = len;
        void *p;

        if (iovs->len >= VIRTQUEUE_MAX_SIZE) {
            virtio_error(vdev, "request needs more than %d buffers",
                         VIRTQUEUE_MAX_SIZE);
            return false;
        }
        p = address_space_map(&address_space_memory, addr, &plen, is_write,
                              DMA_ATTRS);
        if (!p || !plen) {
            virtio_error(vdev, "buffer at 0x%" HWADDR_PRIx " (%u bytes) is "
                         "not in RAM", addr, len);
            return false;
        }
        struct iovec iov = { .iov_base = p, .iov_len = plen };
        g_array_append_val(iovs, iov);
        addr += plen;
        len -= plen;
    }
    return true;
}

/* Map the chain starting at head into sg.  False if the device broke. */
static bool virtqueue_map_chain(VirtQueue *vq, unsigned head, SGList *sg)
{
    VirtIODevice *vdev = vq->vdev;
    unsigned i = head;
    VRingDesc desc;

    for (unsigned count = 0;; count++) {
        if (count >= vq->num) {
            virtio_error(vdev, "descriptor chain from %u loops", head);
            return false;
        }
        vring_read_desc(vq, i, &desc);
        if (desc.flags & VRING_DESC_F_INDIRECT) {
            virtio_error(vdev, "indirect descriptor %u, a feature that was "
                         "not offered", i);
            return false;
        }
        if (desc.flags & VRING_DESC_F_WRITE) {
            if (!virtqueue_map_desc(vq, sg->in, desc.addr, desc.len, true)) {
                return false;
            }
        } else {
            if (sg->in->len) {
                virtio_error(vdev, "device-readable descriptor %u after a "
                             "writable one", i);
                return false;
            }
            if (!virtqueue_map_desc(vq, sg->out, desc.addr, desc.len,
                                    false)) {
                return false;
            }
        }
        if (!(desc.flags & VRING_DESC_F_NEXT)) {
            return true;
        }
        i = desc.next;
        if (i >= vq->num) {
            virtio_error(vdev, "descriptor %u chains to %u, beyond the "
                         "queue's %u entries", head, i, vq->num);
            return false;
        }
    }
}

void *virtqueue_pop(VirtQueue *vq, size_t sz)
{
    VirtIODevice *vdev = vq->vdev;
    uint16_t avail_idx, pending;
    unsigned head;
    SGList sg;
    VirtQueueElement *elem;
    size_t hdr;

    assert(sz >= sizeof(VirtQueueElement));
    if (vdev->broken || !vq->desc) {
        return NULL;
    }
    avail_idx = vring_avail_idx(vq);
    pending = avail_idx - vq->last_avail_idx;
    if (pending > vq->num) {
        virtio_error(vdev, "driver moved avail index from %u to %u, more "
                     "than the queue's %u entries", vq->last_avail_idx,
                     avail_idx, vq->num);
        return NULL;
    }
    if (!pending) {
        return NULL;
    }
    /*
     * Read the ring entry only after seeing the index that publishes it.
     * Pairs with the driver's write barrier between filling avail->ring
     * (and the descriptors) and storing avail->idx.
     */
    smp_rmb();

    head = vring_avail_ring(vq, vq->last_avail_idx % vq->num);
    if (head >= vq->num) {
        virtio_error(vdev, "driver made descriptor %u available, beyond "
                     "the queue's %u entries", head, vq->num);
        return NULL;
    }
    vq->last_avail_idx++;

    sg.out = g_array_new(false, false, sizeof(struct iovec));
    sg.in = g_array_new(false, false, sizeof(struct iovec));
    if (!virtqueue_map_chain(vq, head, &sg)) {
        sg_unmap(sg.out, false);
        sg_unmap(sg.in, true);
        g_array_free(sg.out, true);
        g_array_free(sg.in, true);
        return NULL;
    }

    /* One block: the caller's struct, then the out and in iovecs. */
    hdr = QEMU_ALIGN_UP(sz, __alignof__(struct iovec));
    elem = g_malloc0(hdr + (sg.out->len + sg.in->len) * sizeof(struct iovec));
    elem->index = head;
    elem->out_num = sg.out->len;
    elem->in_num = sg.in->len;
    elem->out_sg = (struct iovec *)((uint8_t *)elem + hdr);
    elem->in_sg = elem->out_sg + elem->out_num;
    /* An empty GArray's data is NULL, which memcpy may not be given. */
    if (elem->out_num) {
        memcpy(elem->out_sg, sg.out->data, sg.out->len * sizeof(struct iovec));
    }
    if (elem->in_num) {
        memcpy(elem->in_sg, sg.in->data, sg.in->len * sizeof(struct iovec));
    }
    g_array_free(sg.out, true);
    g_array_free(sg.in, true);
    vq->inuse++;
    return elem;
}

/* Unmap elem's buffers; len bytes were written into the in buffers. */
static void virtqueue_unmap_sg(const VirtQueueElement *elem, unsigned len)
{
    for (unsigned i = 0; i < elem->in_num; i++) {
        size_t size = MIN(len, elem->in_sg[i].iov_len);

        address_space_unmap(&address_space_memory, elem->in_sg[i].iov_base,
                            elem->in_sg[i].iov_len, true, size);
        len -= size;
    }
    for (unsigned i = 0; i < elem->out_num; i++) {
        address_space_unmap(&address_space_memory,
                            elem->out_sg[i].iov_base,
                            elem->out_sg[i].iov_len, false,
                            elem->out_sg[i].iov_len);
    }
}

void virtqueue_detach_element(VirtQueue *vq, const VirtQueueElement *elem)
{
    assert(vq->inuse > 0);
    vq->inuse--;
    virtqueue_unmap_sg(elem, 0);
}

void virtqueue_push(VirtQueue *vq, const VirtQueueElement *elem,
                    unsigned int len)
{
    AddressSpace *as = &address_space_memory;
    hwaddr entry;

    virtqueue_detach_element(vq, elem);
    if (vq->vdev->broken || !vq->desc) {
        return;
    }
    entry = vq->used + 4 + (hwaddr)(vq->used_idx % vq->num) *
            VRING_USED_ELEM_SIZE;
    address_space_stl_le(as, entry, elem->index, DMA_ATTRS, NULL);
    address_space_stl_le(as, entry + 4, len, DMA_ATTRS, NULL);
    /*
     * Publish the entry (and the data written into the buffers) before
     * the index.  Pairs with the driver's read barrier between loading
     * used->idx and reading used->ring.
     */
    smp_wmb();
    vq->used_idx++;
    address_space_stw_le(as, vq->used + 2, vq->used_idx, DMA_ATTRS, NULL);
}

void virtio_notify(VirtIODevice *vdev, VirtQueue *vq)
{
    if (!vq->desc) {
        return;
    }
    /*
     * Order the used->idx store before the avail->flags load.  Pairs with
     * the driver's full barrier between clearing NO_INTERRUPT and
     * re-reading used->idx: either we see the flag clear, or it sees our
     * new index.
     */
    smp_mb();
    if (vring_avail_flags(vq) & VRING_AVAIL_F_NO_INTERRUPT) {
        return;
    }
    vdev->isr |= VIRTIO_ISR_VQ;
    virtio_update_irq(vdev);
}

/* Migration: the core's part of a device's section */

static bool virtqueue_post_load(void *opaque, int version_id, Error **errp)
{
    VirtQueue *vq = opaque;

    if (vq->num > vq->num_max) {
        error_setg(errp, "%u entries in a queue of at most %u", vq->num,
                   vq->num_max);
        return false;
    }
    if (vq->desc && !vq->num) {
        error_setg(errp, "an enabled queue with no entries");
        return false;
    }
    return true;
}

static const VMStateDescription vmstate_virtqueue = {
    .name = "virtqueue",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = virtqueue_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32_EQUAL(num_max, VirtQueue),
        VMSTATE_UINT32_MAX(num, VirtQueue, VIRTQUEUE_MAX_SIZE),
        VMSTATE_UINT64(desc, VirtQueue),
        VMSTATE_UINT64(avail, VirtQueue),
        VMSTATE_UINT64(used, VirtQueue),
        VMSTATE_UINT16(last_avail_idx, VirtQueue),
        VMSTATE_UINT16(used_idx, VirtQueue),
        /* Requests complete before their kick returns: none in flight. */
        VMSTATE_UINT32_MAX(inuse, VirtQueue, 0),
        VMSTATE_END_OF_LIST()
    },
};

static bool virtio_device_post_load(void *opaque, int version_id,
                                    Error **errp)
{
    VirtIODevice *vdev = opaque;

    if (vdev->guest_features & ~vdev->host_features) {
        error_setg(errp, "the driver accepted features 0x%" PRIx64
                   " that this device does not offer (0x%" PRIx64 ")",
                   vdev->guest_features, vdev->host_features);
        return false;
    }
    virtio_update_irq(vdev);
    return true;
}

const VMStateDescription vmstate_virtio_device = {
    .name = "virtio",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = virtio_device_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(status, VirtIODevice),
        VMSTATE_UINT8_MASK(isr, VirtIODevice,
                           VIRTIO_ISR_VQ | VIRTIO_ISR_CONFIG),
        VMSTATE_UINT64_EQUAL(host_features, VirtIODevice),
        VMSTATE_UINT64(guest_features, VirtIODevice),
        VMSTATE_UINT32(generation, VirtIODevice),
        VMSTATE_BOOL(broken, VirtIODevice),
        VMSTATE_STRUCT_ARRAY_POINTER(vq, VirtIODevice, VIRTIO_QUEUE_MAX,
                                     vmstate_virtqueue, VirtQueue),
        VMSTATE_END_OF_LIST()
    },
};
