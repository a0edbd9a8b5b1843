/*
 * Virtio devices: the transport-independent core (device status, feature
 * negotiation, config space) and split virtqueues in guest memory.
 *
 * A device model embeds a VirtIODevice first in its state, fills a
 * VirtioDeviceClass and calls virtio_init and virtio_add_queue.  A
 * transport (virtio-mmio) binds it with virtio_bind_transport and forwards
 * the driver's register accesses to the functions below.  Devices take
 * requests with virtqueue_pop, complete them with virtqueue_push and
 * interrupt the driver with virtio_notify.  Descriptors are mapped with
 * address_space_map on address_space_memory; ring fields are read and
 * written with the little-endian ld/st helpers.
 *
 * Guest mistakes in the rings (an index out of range, a descriptor loop,
 * an address that is not RAM...) do not crash anything: virtio_error logs
 * them under -d guest_errors and marks the device broken, which stops all
 * processing until the driver resets it.  With VERSION_1 the driver also
 * sees DEVICE_NEEDS_RESET in the status and a config interrupt.
 *
 * Threads: everything here runs with the BQL held (MMIO from a vCPU, the
 * device's handlers called from the notify path, system reset).
 */
#ifndef HW_VIRTIO_VIRTIO_H
#define HW_VIRTIO_VIRTIO_H

#include <sys/uio.h>
#include "exec/memory.h"

/* Device status (the driver's progress), virtio 1.x section 2.1. */
#define VIRTIO_CONFIG_S_ACKNOWLEDGE     0x01
#define VIRTIO_CONFIG_S_DRIVER          0x02
#define VIRTIO_CONFIG_S_DRIVER_OK       0x04
#define VIRTIO_CONFIG_S_FEATURES_OK     0x08
#define VIRTIO_CONFIG_S_NEEDS_RESET     0x40
#define VIRTIO_CONFIG_S_FAILED          0x80

/* Transport feature bits. */
#define VIRTIO_RING_F_INDIRECT_DESC     28
#define VIRTIO_RING_F_EVENT_IDX         29
#define VIRTIO_F_VERSION_1              32

/* Interrupt status bits. */
#define VIRTIO_ISR_VQ                   0x1
#define VIRTIO_ISR_CONFIG               0x2

/* Device IDs. */
#define VIRTIO_ID_NONE                  0
#define VIRTIO_ID_BLOCK                 2
#define VIRTIO_ID_CONSOLE               3
#define VIRTIO_ID_RNG                   4

/* Split rings. */
#define VRING_DESC_F_NEXT               1
#define VRING_DESC_F_WRITE              2
#define VRING_DESC_F_INDIRECT           4
#define VRING_AVAIL_F_NO_INTERRUPT      1
#define VRING_USED_F_NO_NOTIFY          1
#define VRING_DESC_SIZE                 16
#define VRING_USED_ELEM_SIZE            8

/* Queues per device, and the largest queue a device may offer. */
#define VIRTIO_QUEUE_MAX                8
#define VIRTQUEUE_MAX_SIZE              1024

typedef struct VirtIODevice VirtIODevice;
typedef struct VirtQueue VirtQueue;

/*
 * A request taken from a queue: the head descriptor's index and the
 * chain's buffers mapped into host memory, device-readable (out) first,
 * then device-writable (in).
 */
typedef struct VirtQueueElement {
    unsigned int index;
    unsigned int out_num;
    unsigned int in_num;
    struct iovec *out_sg;
    struct iovec *in_sg;
} VirtQueueElement;

typedef void VirtIOHandleOutput(VirtIODevice *vdev, VirtQueue *vq);

typedef struct VMStateDescription VMStateDescription;

/* What a device model provides; any hook may be NULL. */
typedef struct VirtioDeviceClass {
    const char *name;           /* "virtio-blk", for messages */
    uint16_t device_id;
    /*
     * The device's section (its name is the section's), registered when
     * the device is plugged; it embeds vmstate_virtio_device.  NULL: the
     * device cannot be migrated, and its presence blocks migration.
     */
    const VMStateDescription *vmsd;
    /* Fill config (config_len bytes) from the device's state. */
    void (*get_config)(VirtIODevice *vdev, uint8_t *config);
    /* The driver wrote config; take what the device allows. */
    void (*set_config)(VirtIODevice *vdev, const uint8_t *config);
    /* Back to the power-on state (queues are reset by the core). */
    void (*reset)(VirtIODevice *vdev);
} VirtioDeviceClass;

/* How the core reaches the transport it is plugged into. */
typedef struct VirtioBusOps {
    /* The interrupt status changed: update the interrupt line. */
    void (*notify)(void *opaque);
} VirtioBusOps;

struct VirtIODevice {
    const VirtioDeviceClass *vdc;
    uint8_t status;
    uint8_t isr;                /* VIRTIO_ISR_* not yet acknowledged */
    uint64_t host_features;     /* offered: the device's and transport's */
    uint64_t guest_features;    /* accepted by the driver */
    size_t config_len;
    uint8_t *config;            /* staging copy for config accesses */
    uint32_t generation;        /* bumped when the device changes config */
    bool broken;                /* a guest error stopped the device */
    VirtQueue *vq;              /* [VIRTIO_QUEUE_MAX] */
    const VirtioBusOps *bus_ops;
    void *bus_opaque;
};

/*
 * The core's state of a device (status, features, queues), for device
 * descriptions to embed: VMSTATE_STRUCT(parent_obj, VirtIOBlock,
 * vmstate_virtio_device, VirtIODevice).  Requests are completed before
 * the kick that made them returns, so none is ever in flight.
 */
extern const VMStateDescription vmstate_virtio_device;

/* Set up vdev for a device whose config space has config_len bytes and
 * whose own feature bits are features. */
void virtio_init(VirtIODevice *vdev, const VirtioDeviceClass *vdc,
                 size_t config_len, uint64_t features);
/* Add the next queue, of at most queue_size entries, served by handler. */
VirtQueue *virtio_add_queue(VirtIODevice *vdev, int queue_size,
                            VirtIOHandleOutput *handler);
/* Attach vdev to a transport; transport_features are ORed into the
 * device's offer (VERSION_1 for a modern transport). */
void virtio_bind_transport(VirtIODevice *vdev, const VirtioBusOps *ops,
                           void *opaque, uint64_t transport_features);

/* Back to the state before the driver touched it (status 0). */
void virtio_reset(VirtIODevice *vdev);
void virtio_set_status(VirtIODevice *vdev, uint8_t status);
/* Accept the driver's features; false (and none taken) if it asks for
 * bits that were not offered. */
bool virtio_set_features(VirtIODevice *vdev, uint64_t features);
static inline bool virtio_vdev_has_feature(const VirtIODevice *vdev,
                                           unsigned bit)
{
    return vdev->guest_features & (1ULL << bit);
}

/* Log a guest error and stop the device until it is reset. */
void virtio_error(VirtIODevice *vdev, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

/* Config space accesses of 1, 2 or 4 bytes at addr (little-endian). */
uint32_t virtio_config_read(VirtIODevice *vdev, uint32_t addr,
                            unsigned size);
void virtio_config_write(VirtIODevice *vdev, uint32_t addr, unsigned size,
                         uint32_t value);
/* The device changed its config: bump the generation, interrupt. */
void virtio_notify_config(VirtIODevice *vdev);

/* Interrupt status: acknowledge bits; the transport reads vdev->isr. */
void virtio_isr_ack(VirtIODevice *vdev, uint8_t bits);

/* Queue n as the transport sees it (n < VIRTIO_QUEUE_MAX). */
bool virtio_queue_exists(VirtIODevice *vdev, unsigned n);
/* 0 if queue n does not exist. */
unsigned virtio_queue_get_max_num(VirtIODevice *vdev, unsigned n);
unsigned virtio_queue_get_num(VirtIODevice *vdev, unsigned n);
/* Enable queue n with num entries at the given guest addresses (the
 * transport has checked num).  desc == 0 disables it. */
void virtio_queue_set_rings(VirtIODevice *vdev, unsigned n, unsigned num,
                            hwaddr desc, hwaddr avail, hwaddr used);
bool virtio_queue_enabled(VirtIODevice *vdev, unsigned n);
hwaddr virtio_queue_get_desc_addr(VirtIODevice *vdev, unsigned n);
/* The driver kicked queue n: run its handler. */
void virtio_queue_notify(VirtIODevice *vdev, unsigned n);

/*
 * Take the next available request, or NULL if there is none (or the ring
 * is bad: then the device is broken).  The result is a g_malloc'ed block
 * of at least sz bytes starting with the VirtQueueElement (so a device can
 * embed the element first in its request struct), with the iovec arrays
 * after it; g_free it after virtqueue_push.
 */
void *virtqueue_pop(VirtQueue *vq, size_t sz);
/* Return elem to the driver with len bytes written into its in buffers,
 * unmapping its buffers.  Does not interrupt: see virtio_notify. */
void virtqueue_push(VirtQueue *vq, const VirtQueueElement *elem,
                    unsigned int len);
/* Drop elem without returning it (the device is broken). */
void virtqueue_detach_element(VirtQueue *vq, const VirtQueueElement *elem);
/* Interrupt for vq's used buffers, unless the driver asked not to. */
void virtio_notify(VirtIODevice *vdev, VirtQueue *vq);
VirtIODevice *virtio_queue_get_vdev(VirtQueue *vq);

/* Scatter-gather helpers: copy between iov (from byte offset) and buf;
 * return the bytes copied. */
size_t iov_to_buf(const struct iovec *iov, unsigned int iov_cnt,
                  size_t offset, void *buf, size_t bytes);
size_t iov_from_buf(const struct iovec *iov, unsigned int iov_cnt,
                    size_t offset, const void *buf, size_t bytes);
size_t iov_size(const struct iovec *iov, unsigned int iov_cnt);

#endif /* HW_VIRTIO_VIRTIO_H */
