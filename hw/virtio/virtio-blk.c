/*
 * virtio-blk (include/hw/virtio/virtio-blk.h).
 *
 * Requests are served synchronously in the notify path: the vCPU that
 * kicked the queue does the host I/O with the BQL held, and the request
 * is complete (used ring written, interrupt raised) when its MMIO write
 * returns.  That is simple and correct, but a slow disk stalls the vCPU
 * and everything else waiting for the BQL; asynchronous I/O can replace
 * it without changing the guest-visible behaviour.
 */
#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qemu/log.h"
#include "qapi/error.h"
#include "hw/virtio/virtio-blk.h"
#include "migration/vmstate.h"

#define VIRTIO_BLK_HDR_SIZE 16

static uint64_t ld_le(const uint8_t *p, unsigned size)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

static void st_le(uint8_t *p, unsigned size, uint64_t v)
{
    for (unsigned i = 0; i < size; i++) {
        p[i] = v >> (8 * i);
    }
}

static VirtIOBlock *to_virtio_blk(VirtIODevice *vdev)
{
    return container_of(vdev, VirtIOBlock, parent_obj);
}

/* Is [sector, sector + bytes) a whole number of sectors on the disk? */
static bool virtio_blk_range_ok(VirtIOBlock *s, uint64_t sector,
                                size_t bytes)
{
    uint64_t nsect = bytes / VIRTIO_BLK_SECTOR_SIZE;

    return bytes % VIRTIO_BLK_SECTOR_SIZE == 0 &&
           sector <= s->capacity && nsect <= s->capacity - sector;
}

/*
 * Transfer bytes bytes between the disk at offset and the buffers iov,
 * starting skip bytes into them.  0 or -errno.
 */
static int virtio_blk_do_rw(VirtIOBlock *s, uint64_t offset,
                            const struct iovec *iov, unsigned int cnt,
                            size_t skip, size_t bytes, bool is_write)
{
    for (unsigned int i = 0; i < cnt && bytes; i++) {
        uint8_t *base = iov[i].iov_base;
        size_t len = iov[i].iov_len;
        int ret;

        if (skip >= len) {
            skip -= len;
            continue;
        }
        base += skip;
        len = MIN(len - skip, bytes);
        skip = 0;
        ret = is_write ? blk_pwrite(s->blk, offset, len, base, 0)
                       : blk_pread(s->blk, offset, len, base, 0);
        if (ret < 0) {
            return ret;
        }
        offset += len;
        bytes -= len;
    }
    return 0;
}

/*
 * Serve a read into elem's in buffers (bar the status byte) or a write
 * from its out buffers (after the header) of bytes bytes at sector.
 * Returns the request's status.
 */
static uint8_t virtio_blk_rw(VirtIOBlock *s, VirtQueueElement *elem,
                             uint64_t sector, size_t bytes, bool is_write)
{
    int ret;

    if (is_write && blk_is_read_only(s->blk)) {
        return VIRTIO_BLK_S_IOERR;
    }
    if (!virtio_blk_range_ok(s, sector, bytes)) {
        qemu_log_mask(LOG_GUEST_ERROR, "virtio-blk: %s of %zu bytes at "
                      "sector %" PRIu64 " is outside the %" PRIu64
                      "-sector disk or not whole sectors\n",
                      is_write ? "write" : "read", bytes, sector,
                      s->capacity);
        return VIRTIO_BLK_S_IOERR;
    }
    if (is_write) {
        ret = virtio_blk_do_rw(s, sector * VIRTIO_BLK_SECTOR_SIZE,
                               elem->out_sg, elem->out_num,
                               VIRTIO_BLK_HDR_SIZE, bytes, true);
    } else {
        ret = virtio_blk_do_rw(s, sector * VIRTIO_BLK_SECTOR_SIZE,
                               elem->in_sg, elem->in_num, 0, bytes, false);
    }
    return ret < 0 ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
}

/*
 * Serve one request and return it to the driver.  False if the request
 * is malformed beyond answering (then the device is broken).
 */
static bool virtio_blk_handle_request(VirtIOBlock *s, VirtQueue *vq,
                                      VirtQueueElement *elem)
{
    VirtIODevice *vdev = &s->parent_obj;
    size_t out_size = iov_size(elem->out_sg, elem->out_num);
    size_t in_size = iov_size(elem->in_sg, elem->in_num);
    uint8_t hdr[VIRTIO_BLK_HDR_SIZE];
    uint32_t type;
    uint64_t sector;
    size_t data_in, data_out, written = 0;
    struct iovec *last;
    uint8_t status;

    if (out_size < VIRTIO_BLK_HDR_SIZE || in_size < 1) {
        virtio_error(vdev, "request %u lacks a header or a status byte",
                     elem->index);
        virtqueue_detach_element(vq, elem);
        return false;
    }
    iov_to_buf(elem->out_sg, elem->out_num, 0, hdr, sizeof(hdr));
    type = ld_le(hdr, 4) & ~VIRTIO_BLK_T_BARRIER;
    sector = ld_le(hdr + 8, 8);
    data_out = out_size - VIRTIO_BLK_HDR_SIZE;
    data_in = in_size - 1;          /* the last byte is the status */

    switch (type) {
    case VIRTIO_BLK_T_IN:
        status = virtio_blk_rw(s, elem, sector, data_in, false);
        written = status == VIRTIO_BLK_S_OK ? data_in : 0;
        break;
    case VIRTIO_BLK_T_OUT:
        status = virtio_blk_rw(s, elem, sector, data_out, true);
        break;
    case VIRTIO_BLK_T_FLUSH:
        status = blk_flush(s->blk) < 0 ? VIRTIO_BLK_S_IOERR
                                       : VIRTIO_BLK_S_OK;
        break;
    case VIRTIO_BLK_T_GET_ID:
        written = iov_from_buf(elem->in_sg, elem->in_num, 0, s->serial,
                               MIN(data_in, VIRTIO_BLK_ID_BYTES));
        status = VIRTIO_BLK_S_OK;
        break;
    default:
        status = VIRTIO_BLK_S_UNSUPP;
        break;
    }

    last = &elem->in_sg[elem->in_num - 1];
    ((uint8_t *)last->iov_base)[last->iov_len - 1] = status;
    virtqueue_push(vq, elem, written + 1);
    return true;
}

static void virtio_blk_handle_output(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIOBlock *s = to_virtio_blk(vdev);
    VirtQueueElement *elem;
    bool completed = false;

    while ((elem = virtqueue_pop(vq, sizeof(VirtQueueElement)))) {
        bool ok = virtio_blk_handle_request(s, vq, elem);

        g_free(elem);
        if (!ok) {
            break;
        }
        completed = true;
    }
    if (completed) {
        virtio_notify(vdev, vq);
    }
}

static void virtio_blk_get_config(VirtIODevice *vdev, uint8_t *config)
{
    VirtIOBlock *s = to_virtio_blk(vdev);

    memset(config, 0, VIRTIO_BLK_CFG_LEN);
    st_le(config + VIRTIO_BLK_CFG_CAPACITY, 8, s->capacity);
    st_le(config + VIRTIO_BLK_CFG_SEG_MAX, 4, VIRTIO_BLK_QUEUE_SIZE - 2);
    st_le(config + VIRTIO_BLK_CFG_BLK_SIZE, 4, VIRTIO_BLK_SECTOR_SIZE);
}

/* The disk itself is shared storage: the destination opens the same. */
static const VMStateDescription vmstate_virtio_blk = {
    .name = "virtio-blk",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT(parent_obj, VirtIOBlock, vmstate_virtio_device,
                       VirtIODevice),
        VMSTATE_UINT64_EQUAL(capacity, VirtIOBlock),
        VMSTATE_END_OF_LIST()
    },
};

static const VirtioDeviceClass virtio_blk_class = {
    .name = "virtio-blk",
    .device_id = VIRTIO_ID_BLOCK,
    .vmsd = &vmstate_virtio_blk,
    .get_config = virtio_blk_get_config,
};

VirtIODevice *virtio_blk_new(BlockBackend *blk, const char *serial,
                             Error **errp)
{
    VirtIOBlock *s = g_new0(VirtIOBlock, 1);
    int64_t len = blk_getlength(blk);
    uint64_t features;

    if (blk_attach_dev(blk, s) < 0) {
        error_setg(errp, "Drive '%s' is already in use by another device",
                   blk_name(blk));
        g_free(s);
        return NULL;
    }
    s->blk = blk;
    if (len % VIRTIO_BLK_SECTOR_SIZE) {
        warn_report("Image '%s' is %" PRId64 " bytes, not a multiple of %d:"
                    " the guest will not see its last %" PRId64 " bytes",
                    blk_filename(blk), len, VIRTIO_BLK_SECTOR_SIZE,
                    len % VIRTIO_BLK_SECTOR_SIZE);
    }
    s->capacity = len / VIRTIO_BLK_SECTOR_SIZE;
    if (serial) {
        memcpy(s->serial, serial, strnlen(serial, sizeof(s->serial)));
    }

    features = (1ULL << VIRTIO_BLK_F_SEG_MAX) |
               (1ULL << VIRTIO_BLK_F_BLK_SIZE) |
               (1ULL << VIRTIO_BLK_F_FLUSH);
    if (blk_is_read_only(blk)) {
        features |= 1ULL << VIRTIO_BLK_F_RO;
    }
    virtio_init(&s->parent_obj, &virtio_blk_class, VIRTIO_BLK_CFG_LEN,
                features);
    s->vq = virtio_add_queue(&s->parent_obj, VIRTIO_BLK_QUEUE_SIZE,
                             virtio_blk_handle_output);
    return &s->parent_obj;
}
