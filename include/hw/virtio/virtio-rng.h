/*
 * virtio-rng: entropy for the guest (device ID 4) from the host's random
 * source (getrandom).  One queue; each request is a set of writable
 * buffers that the device fills completely.
 */
#ifndef HW_VIRTIO_VIRTIO_RNG_H
#define HW_VIRTIO_VIRTIO_RNG_H

#include "hw/virtio/virtio.h"

#define VIRTIO_RNG_QUEUE_SIZE   8

typedef struct VirtIORNG {
    VirtIODevice parent_obj;
    VirtQueue *vq;
} VirtIORNG;

/* A new virtio-rng device.  BQL held. */
VirtIODevice *virtio_rng_new(Error **errp);

#endif /* HW_VIRTIO_VIRTIO_RNG_H */
