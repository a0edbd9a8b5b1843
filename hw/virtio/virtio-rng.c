/*
 * virtio-rng (include/hw/virtio/virtio-rng.h).
 *
 * Requests are filled synchronously in the notify path, with the BQL
 * held; getrandom does not block once the host's pool is initialised.
 */
#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qapi/error.h"
#include "hw/virtio/virtio-rng.h"
#include "migration/vmstate.h"

#include <sys/random.h>

/* Fill buf from the host's random source; false on a host error. */
static bool virtio_rng_fill(void *buf, size_t len)
{
    uint8_t *p = buf;

    while (len) {
        ssize_t n = getrandom(p, len, 0);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            error_report_once("virtio-rng: getrandom failed: %s",
                              strerror(errno));
            return false;
        }
        p += n;
        len -= n;
    }
    return true;
}

static void virtio_rng_handle_output(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtQueueElement *elem;
    bool completed = false;

    while ((elem = virtqueue_pop(vq, sizeof(VirtQueueElement)))) {
        size_t len = 0;

        for (unsigned int i = 0; i < elem->in_num; i++) {
            if (!virtio_rng_fill(elem->in_sg[i].iov_base,
                                 elem->in_sg[i].iov_len)) {
                break;
            }
            len += elem->in_sg[i].iov_len;
        }
        /* Device-readable buffers carry nothing for us: ignored. */
        virtqueue_push(vq, elem, len);
        g_free(elem);
        completed = true;
    }
    if (completed) {
        virtio_notify(vdev, vq);
    }
}

static const VMStateDescription vmstate_virtio_rng = {
    .name = "virtio-rng",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT(parent_obj, VirtIORNG, vmstate_virtio_device,
                       VirtIODevice),
        VMSTATE_END_OF_LIST()
    },
};

static const VirtioDeviceClass virtio_rng_class = {
    .name = "virtio-rng",
    .device_id = VIRTIO_ID_RNG,
    .vmsd = &vmstate_virtio_rng,
};

VirtIODevice *virtio_rng_new(Error **errp)
{
    VirtIORNG *s = g_new0(VirtIORNG, 1);

    virtio_init(&s->parent_obj, &virtio_rng_class, 0, 0);
    s->vq = virtio_add_queue(&s->parent_obj, VIRTIO_RNG_QUEUE_SIZE,
                             virtio_rng_handle_output);
    return &s->parent_obj;
}
