/*
 * virtio-blk: a disk (device ID 2) backed by a BlockBackend.
 *
 * One request queue.  Requests are a 16-byte header (type, reserved,
 * sector), the data, and a status byte; the device serves read, write,
 * flush and get-id, and answers anything else "unsupported".
 */
#ifndef HW_VIRTIO_VIRTIO_BLK_H
#define HW_VIRTIO_VIRTIO_BLK_H

#include "hw/virtio/virtio.h"
#include "sysemu/block-backend.h"

/* Feature bits. */
#define VIRTIO_BLK_F_SEG_MAX        2
#define VIRTIO_BLK_F_RO             5
#define VIRTIO_BLK_F_BLK_SIZE       6
#define VIRTIO_BLK_F_FLUSH          9

/* Request types. */
#define VIRTIO_BLK_T_IN             0
#define VIRTIO_BLK_T_OUT            1
#define VIRTIO_BLK_T_FLUSH          4
#define VIRTIO_BLK_T_GET_ID         8
#define VIRTIO_BLK_T_BARRIER        0x80000000u     /* legacy, ignored */

/* Request status. */
#define VIRTIO_BLK_S_OK             0
#define VIRTIO_BLK_S_IOERR          1
#define VIRTIO_BLK_S_UNSUPP         2

#define VIRTIO_BLK_ID_BYTES         20
#define VIRTIO_BLK_SECTOR_SIZE      512
#define VIRTIO_BLK_QUEUE_SIZE       256

/* Config space offsets. */
#define VIRTIO_BLK_CFG_CAPACITY     0       /* le64, in 512-byte sectors */
#define VIRTIO_BLK_CFG_SIZE_MAX     8       /* le32 */
#define VIRTIO_BLK_CFG_SEG_MAX      12      /* le32 */
#define VIRTIO_BLK_CFG_GEOMETRY     16      /* u16 cylinders, u8, u8 */
#define VIRTIO_BLK_CFG_BLK_SIZE     20      /* le32 */
#define VIRTIO_BLK_CFG_LEN          24

typedef struct VirtIOBlock {
    VirtIODevice parent_obj;
    VirtQueue *vq;
    BlockBackend *blk;
    uint64_t capacity;          /* sectors */
    char serial[VIRTIO_BLK_ID_BYTES];   /* zero-padded, not terminated */
} VirtIOBlock;

/*
 * A virtio-blk device on blk, which it attaches (failing if another device
 * holds it).  serial (may be NULL) is what get-id returns, truncated to 20
 * bytes.  An image whose size is not a multiple of 512 bytes is rounded
 * down, with a warning.  BQL held.
 */
VirtIODevice *virtio_blk_new(BlockBackend *blk, const char *serial,
                             Error **errp);

#endif /* HW_VIRTIO_VIRTIO_BLK_H */
