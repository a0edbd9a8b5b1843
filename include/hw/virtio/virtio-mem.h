/*
 * virtio-mem (device ID 24): memory the guest plugs and unplugs in
 * blocks, within a device region of the machine's device memory area, to
 * follow a size the host requests.
 *
 *   -object memory-backend-ram,id=vmem0,size=2G
 *   -device virtio-mem-device,id=vm0,memdev=vmem0,requested-size=0
 *   (QMP) qom-set vm0 requested-size 1073741824
 *
 * The backend's size is the device region's size (region_size); the
 * guest's driver plugs blocks of block_size until the plugged size
 * reaches requested_size, and unplugs them again when it is lowered.
 *
 * Plugged memory is RAM of its own: each plugged block is a RAM
 * MemoryRegion with its own RAMBlock (MAP_NORESERVE anonymous memory,
 * shared if the backend has share=on), a subregion of the device's
 * container region.  Unplugging removes the region from the guest's view
 * and gives its pages back to the host at once; the region itself is
 * freed after an RCU grace period, once no TLB entry can point into it
 * (see virtio-mem.c).
 *
 * Threads: everything runs with the BQL held.  Requests are served in
 * the notify path, on the vCPU thread whose MMIO write kicked the queue,
 * while the other vCPUs keep running: they see the RAM list and the
 * FlatViews change under them.
 */
#ifndef HW_VIRTIO_VIRTIO_MEM_H
#define HW_VIRTIO_VIRTIO_MEM_H

#include "hw/virtio/virtio.h"
#include "qemu/notify.h"
#include "qemu/queue.h"
#include "sysemu/hostmem.h"

#define VIRTIO_ID_MEM                       24
#define TYPE_VIRTIO_MEM                     "virtio-mem-device"

/* Feature bits. */
#define VIRTIO_MEM_F_ACPI_PXM               0
#define VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE 1

/* Requests (struct virtio_mem_req: le16 type, 6 bytes of padding, then
 * le64 addr, le16 nb_blocks and 6 bytes of padding: 24 bytes). */
#define VIRTIO_MEM_REQ_PLUG                 0
#define VIRTIO_MEM_REQ_UNPLUG               1
#define VIRTIO_MEM_REQ_UNPLUG_ALL           2
#define VIRTIO_MEM_REQ_STATE                3
#define VIRTIO_MEM_REQ_SIZE                 24

/* Responses (le16 type, 6 bytes of padding, le16 state: 10 bytes). */
#define VIRTIO_MEM_RESP_ACK                 0
#define VIRTIO_MEM_RESP_NACK                1
#define VIRTIO_MEM_RESP_BUSY                2
#define VIRTIO_MEM_RESP_ERROR               3
#define VIRTIO_MEM_RESP_SIZE                10

#define VIRTIO_MEM_STATE_PLUGGED            0
#define VIRTIO_MEM_STATE_UNPLUGGED          1
#define VIRTIO_MEM_STATE_MIXED              2

/* Config space: offsets of the le fields (virtio 1.2, 5.15.4). */
enum {
    VIRTIO_MEM_CFG_BLOCK_SIZE = 0,          /* le64 */
    VIRTIO_MEM_CFG_NODE_ID = 8,             /* le16, then 6 bytes padding */
    VIRTIO_MEM_CFG_ADDR = 16,               /* le64 */
    VIRTIO_MEM_CFG_REGION_SIZE = 24,        /* le64 */
    VIRTIO_MEM_CFG_USABLE_REGION_SIZE = 32, /* le64 */
    VIRTIO_MEM_CFG_PLUGGED_SIZE = 40,       /* le64 */
    VIRTIO_MEM_CFG_REQUESTED_SIZE = 48,     /* le64 */
    VIRTIO_MEM_CFG_LEN = 56,
};

#define VIRTIO_MEM_QUEUE_SIZE               128
/* QEMU's default and smallest block size. */
#define VIRTIO_MEM_DEFAULT_BLOCK_SIZE       (2 * MiB)
#define VIRTIO_MEM_MIN_BLOCK_SIZE           (1 * MiB)

/* -device virtio-mem-device properties. */
typedef struct VirtIOMEMOptions {
    const char *id;             /* NULL: the device has none */
    const char *memdev;         /* the backend's id */
    uint64_t requested_size;
    uint64_t block_size;        /* 0: VIRTIO_MEM_DEFAULT_BLOCK_SIZE */
    bool has_addr;              /* memaddr given */
    uint64_t addr;
    uint32_t node;
} VirtIOMEMOptions;

typedef struct VirtIOMEM {
    VirtIODevice parent_obj;
    VirtQueue *vq;

    /* Set at creation, constant afterwards. */
    char *name;                 /* the id, or virtio-mem<N> without one */
    bool has_id;
    HostMemoryBackend *memdev;  /* claimed by this device */
    MemoryRegion mr;            /* container: the device region */
    uint64_t addr;              /* the region's guest physical address */
    uint64_t region_size;
    uint64_t block_size;
    uint64_t nb_blocks;
    uint32_t node;

    /* BQL: */
    uint64_t requested_size;
    uint64_t usable_region_size;
    uint64_t size;              /* plugged */
    MemoryRegion **blocks;      /* [nb_blocks]: the RAM of a plugged block */
    NotifierList size_change_notifiers;
    QTAILQ_ENTRY(VirtIOMEM) next;
} VirtIOMEM;

/*
 * A new device on the memory backend opts->memdev, mapped in the
 * machine's device memory area.  NULL with *errp for a missing, unknown
 * or busy memdev, a block size that is not a power of two of at least
 * 1 MiB dividing the backend's size, a requested size that is not a
 * multiple of it or exceeds the backend, a node other than 0, or a
 * memaddr that is unaligned, outside the area or overlapping.
 */
VirtIODevice *virtio_mem_new(const VirtIOMEMOptions *opts, Error **errp);

/*
 * The host asks for a new plugged size (qom-set requested-size): a
 * multiple of the block size, at most the region size.  The driver is
 * told with a config interrupt.  False with *errp.
 */
bool virtio_mem_set_requested_size(VirtIOMEM *vmem, uint64_t size,
                                   Error **errp);

/*
 * n is called (BQL held; on a vCPU thread, from the request that changed
 * it, or in a system reset) after each change of the plugged size, with
 * the VirtIOMEM as data.
 */
void virtio_mem_add_size_change_notifier(VirtIOMEM *vmem, Notifier *n);

/* The device after prev in creation order (the first with NULL). */
VirtIOMEM *virtio_mem_next(VirtIOMEM *prev);

#endif /* HW_VIRTIO_VIRTIO_MEM_H */
