/*
 * virtio-mem (include/hw/virtio/virtio-mem.h).
 *
 * State.  The device region [addr, addr + region_size) is a container in
 * the machine's device memory area.  Block i covers
 * [addr + i * block_size, +block_size); blocks[i] is the RAM region that
 * maps it while it is plugged, NULL while it is not.  The guest may plug
 * and unplug only inside the usable region, [addr, addr +
 * usable_region_size), which grows with requested_size and shrinks only
 * on UNPLUG_ALL and system reset.  All of it is read and written under
 * the BQL: the requests run in the notify path (a vCPU's MMIO write, BQL
 * held by the dispatcher), the host's requested size comes from the
 * monitor, and reset from the main loop.
 *
 * Why a region of its own per block.  Plugging maps fresh RAM and
 * unplugging drops it, so every guest plug and unplug changes the RAM
 * block list and the FlatViews while the other vCPUs run: that is the
 * point of the device in Grace.  A block, not a whole plug request, is
 * the unit because the guest unplugs ranges that need not match what it
 * plugged (Linux plugs a memory block at a time and may give back any
 * sub-block of it); with a region per block an unplug is always a pure
 * removal, never a split that would have to copy live memory while
 * other vCPUs write it.  The price is one RAMBlock per block: 512 for
 * 1 GiB at the default 2 MiB (block-size=128M gives 8).
 *
 * Removal, and why it cannot free at once (virtio_mem_unplug_range).
 * Another vCPU may hold a TLB entry with a host pointer into the block
 * (TLB entries hold raw pointers), and a thread translating an address
 * may hold the old FlatView, which names the region.  Removal therefore
 *   1. takes the regions out of the container in one transaction: the
 *      commit publishes a FlatView without them and queues a TLB flush
 *      on every vCPU (the TCG listener's commit hook);
 *   2. drops the translated code made from the blocks: it can never run
 *      again (a ram_addr is never handed out twice) and would only take
 *      room in the TB cache;
 *   3. gives the pages back to the host (ram_block_discard_range): the
 *      RSS falls now.  The mapping stays, so a vCPU still using a stale
 *      TLB entry until its flush runs reads zeros or faults a page back
 *      in (the guest unplugged that memory and has no business there),
 *      instead of touching freed memory;
 *   4. hands each region to memory_region_free_rcu, which frees it and
 *      its RAMBlock after a grace period: by then no reader holds the old
 *      FlatView and no vCPU a TLB entry for it, since a vCPU reports a
 *      quiescent state only after its queued TLB flushes ran.  Step 4
 *      comes after the commit of step 1, so the grace period starts once
 *      the new FlatView is published and the flushes are queued.
 */
#include "qemu/osdep.h"
#include "qemu/bitops.h"
#include "qemu/cutils.h"
#include "qemu/log.h"
#include "qapi/error.h"
#include "exec/memory.h"
#include "exec/ramblock.h"
#include "exec/ram_addr.h"
#include "hw/mem/memory-device.h"
#include "hw/virtio/virtio-mem.h"
#include "sysemu/reset.h"

/* The usable region reaches this far beyond requested_size (two of
 * Linux's riscv64 memory blocks), so that the driver has a choice of
 * where to plug. */
#define VIRTIO_MEM_USABLE_EXTENT    (256 * MiB)

static QTAILQ_HEAD(, VirtIOMEM) virtio_mem_devices =
    QTAILQ_HEAD_INITIALIZER(virtio_mem_devices);
static unsigned anon_count;

static VirtIOMEM *to_vmem(VirtIODevice *vdev)
{
    return container_of(vdev, VirtIOMEM, parent_obj);
}

static void stq_le(uint8_t *p, uint64_t v)
{
    v = GUINT64_TO_LE(v);
    memcpy(p, &v, sizeof(v));
}

static void stw_le(uint8_t *p, uint16_t v)
{
    v = GUINT16_TO_LE(v);
    memcpy(p, &v, sizeof(v));
}

static uint64_t ldq_le(const uint8_t *p)
{
    uint64_t v;

    memcpy(&v, p, sizeof(v));
    return GUINT64_FROM_LE(v);
}

static uint16_t ldw_le(const uint8_t *p)
{
    uint16_t v;

    memcpy(&v, p, sizeof(v));
    return GUINT16_FROM_LE(v);
}

static void virtio_mem_get_config(VirtIODevice *vdev, uint8_t *config)
{
    VirtIOMEM *vmem = to_vmem(vdev);

    memset(config, 0, VIRTIO_MEM_CFG_LEN);
    stq_le(config + VIRTIO_MEM_CFG_BLOCK_SIZE, vmem->block_size);
    stw_le(config + VIRTIO_MEM_CFG_NODE_ID, vmem->node);
    stq_le(config + VIRTIO_MEM_CFG_ADDR, vmem->addr);
    stq_le(config + VIRTIO_MEM_CFG_REGION_SIZE, vmem->region_size);
    stq_le(config + VIRTIO_MEM_CFG_USABLE_REGION_SIZE,
           vmem->usable_region_size);
    stq_le(config + VIRTIO_MEM_CFG_PLUGGED_SIZE, vmem->size);
    stq_le(config + VIRTIO_MEM_CFG_REQUESTED_SIZE, vmem->requested_size);
}

/*
 * The usable region for a requested size: requested plus the extent,
 * within the region, in whole blocks; nothing when nothing is requested.
 * It only grows, unless can_shrink (UNPLUG_ALL, system reset).
 */
static void virtio_mem_resize_usable_region(VirtIOMEM *vmem, bool can_shrink)
{
    uint64_t size = 0;

    if (vmem->requested_size) {
        size = MIN(vmem->region_size,
                   QEMU_ALIGN_UP(vmem->requested_size +
                                 VIRTIO_MEM_USABLE_EXTENT,
                                 vmem->block_size));
    }
    if (size > vmem->usable_region_size || can_shrink) {
        vmem->usable_region_size = size;
    }
}

static void virtio_mem_size_changed(VirtIOMEM *vmem)
{
    notifier_list_notify(&vmem->size_change_notifiers, vmem);
}

/*
 * The one way plugged memory leaves the guest: unmap the plugged blocks
 * in [first, first + n) and retire them.  Steps 1-4 of the comment at
 * the top of this file.  BQL held.
 */
static void virtio_mem_unplug_range(VirtIOMEM *vmem, uint64_t first,
                                    uint64_t n)
{
    uint64_t done = 0;

    /* 1: a FlatView without the blocks, and a TLB flush on every vCPU. */
    memory_region_transaction_begin();
    for (uint64_t i = first; i < first + n; i++) {
        if (vmem->blocks[i]) {
            memory_region_del_subregion(&vmem->mr, vmem->blocks[i]);
        }
    }
    memory_region_transaction_commit();

    for (uint64_t i = first; i < first + n; i++) {
        MemoryRegion *mr = vmem->blocks[i];
        int ret;

        if (!mr) {
            continue;
        }
        /* 2: no translated code from the block survives it. */
        cpu_physical_memory_invalidate_and_set_dirty(
            memory_region_get_ram_addr(mr), vmem->block_size);
        /* 3: the host gets the pages back now. */
        ret = ram_block_discard_range(mr->ram_block, 0, vmem->block_size);
        if (ret < 0) {
            /* The memory comes back when the region is freed. */
            qemu_log_mask(LOG_UNIMP, "%s: cannot discard block %" PRIu64
                          ": %s\n", vmem->name, i, strerror(-ret));
        }
        /* 4: freed once no reader and no TLB entry can refer to it. */
        memory_region_free_rcu(mr);
        vmem->blocks[i] = NULL;
        done++;
    }
    vmem->size -= done * vmem->block_size;
}

/* Map fresh RAM for the unplugged blocks [first, first + n).  False if
 * the host would not give the memory (then nothing is plugged). */
static bool virtio_mem_plug_range(VirtIOMEM *vmem, uint64_t first,
                                  uint64_t n)
{
    uint32_t flags = vmem->memdev->share ? RAM_SHARED : 0;
    Error *err = NULL;
    uint64_t i;

    memory_region_transaction_begin();
    for (i = first; i < first + n; i++) {
        MemoryRegion *mr = g_new0(MemoryRegion, 1);
        g_autofree char *name = g_strdup_printf("%s[%" PRIu64 "]",
                                                vmem->name, i);

        assert(!vmem->blocks[i]);
        if (!memory_region_init_ram_flags(mr, NULL, name, vmem->block_size,
                                          flags, &err)) {
            memory_region_finalize(mr);
            g_free(mr);
            break;
        }
        memory_region_add_subregion(&vmem->mr, i * vmem->block_size, mr);
        vmem->blocks[i] = mr;
        vmem->size += vmem->block_size;
    }
    memory_region_transaction_commit();
    if (err) {
        qemu_log_mask(LOG_UNIMP, "%s: plug of %" PRIu64 " blocks failed: "
                      "%s\n", vmem->name, n, error_get_pretty(err));
        error_free(err);
        /* The guest saw the blocks mapped for a moment: retire them. */
        virtio_mem_unplug_range(vmem, first, i - first);
        return false;
    }
    return true;
}

/* Are the blocks [first, first + n) all in state plugged? */
static bool virtio_mem_range_is(VirtIOMEM *vmem, uint64_t first, uint64_t n,
                                bool plugged)
{
    for (uint64_t i = first; i < first + n; i++) {
        if ((vmem->blocks[i] != NULL) != plugged) {
            return false;
        }
    }
    return true;
}

/* The blocks a request names: inside the usable region, aligned, at
 * least one.  False for a malformed range. */
static bool virtio_mem_request_range(VirtIOMEM *vmem, uint64_t gpa,
                                     uint16_t nb_blocks, uint64_t *first)
{
    uint64_t offset = gpa - vmem->addr;

    if (!nb_blocks || gpa < vmem->addr ||
        !QEMU_IS_ALIGNED(offset, vmem->block_size) ||
        offset >= vmem->usable_region_size ||
        nb_blocks > (vmem->usable_region_size - offset) / vmem->block_size) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: request for %u blocks at 0x%"
                      PRIx64 " outside the usable region [0x%" PRIx64
                      ", 0x%" PRIx64 ") or not aligned to 0x%" PRIx64 "\n",
                      vmem->name, nb_blocks, gpa, vmem->addr,
                      vmem->addr + vmem->usable_region_size,
                      vmem->block_size);
        return false;
    }
    *first = offset / vmem->block_size;
    return true;
}

static uint16_t virtio_mem_plug(VirtIOMEM *vmem, uint64_t gpa,
                                uint16_t nb_blocks)
{
    uint64_t first, old_size = vmem->size;

    if (!virtio_mem_request_range(vmem, gpa, nb_blocks, &first)) {
        return VIRTIO_MEM_RESP_ERROR;
    }
    if (vmem->size + nb_blocks * vmem->block_size > vmem->requested_size) {
        return VIRTIO_MEM_RESP_NACK;
    }
    if (!virtio_mem_range_is(vmem, first, nb_blocks, false)) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: plug of 0x%" PRIx64 " + %u "
                      "blocks: some are plugged already\n", vmem->name, gpa,
                      nb_blocks);
        return VIRTIO_MEM_RESP_ERROR;
    }
    if (!virtio_mem_plug_range(vmem, first, nb_blocks)) {
        /* The host is short of memory: the driver tries again later. */
        return VIRTIO_MEM_RESP_BUSY;
    }
    if (vmem->size != old_size) {
        virtio_mem_size_changed(vmem);
    }
    return VIRTIO_MEM_RESP_ACK;
}

static uint16_t virtio_mem_unplug(VirtIOMEM *vmem, uint64_t gpa,
                                  uint16_t nb_blocks)
{
    uint64_t first;

    if (!virtio_mem_request_range(vmem, gpa, nb_blocks, &first)) {
        return VIRTIO_MEM_RESP_ERROR;
    }
    if (!virtio_mem_range_is(vmem, first, nb_blocks, true)) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: unplug of 0x%" PRIx64 " + %u "
                      "blocks: some are not plugged\n", vmem->name, gpa,
                      nb_blocks);
        return VIRTIO_MEM_RESP_ERROR;
    }
    virtio_mem_unplug_range(vmem, first, nb_blocks);
    virtio_mem_size_changed(vmem);
    return VIRTIO_MEM_RESP_ACK;
}

/* UNPLUG_ALL and system reset: nothing plugged, the usable region back
 * to what the requested size needs. */
static void virtio_mem_unplug_all(VirtIOMEM *vmem)
{
    uint64_t old_size = vmem->size;

    virtio_mem_unplug_range(vmem, 0, vmem->nb_blocks);
    assert(vmem->size == 0);
    virtio_mem_resize_usable_region(vmem, true);
    if (old_size) {
        virtio_mem_size_changed(vmem);
    }
}

static uint16_t virtio_mem_state(VirtIOMEM *vmem, uint64_t gpa,
                                 uint16_t nb_blocks, uint16_t *state)
{
    uint64_t first;

    if (!virtio_mem_request_range(vmem, gpa, nb_blocks, &first)) {
        return VIRTIO_MEM_RESP_ERROR;
    }
    if (virtio_mem_range_is(vmem, first, nb_blocks, true)) {
        *state = VIRTIO_MEM_STATE_PLUGGED;
    } else if (virtio_mem_range_is(vmem, first, nb_blocks, false)) {
        *state = VIRTIO_MEM_STATE_UNPLUGGED;
    } else {
        *state = VIRTIO_MEM_STATE_MIXED;
    }
    return VIRTIO_MEM_RESP_ACK;
}

/* Serve one request (req: its VIRTIO_MEM_REQ_SIZE bytes) into resp. */
static void virtio_mem_request(VirtIOMEM *vmem, const uint8_t *req,
                               uint8_t *resp)
{
    uint16_t type = ldw_le(req);
    uint64_t gpa = ldq_le(req + 8);
    uint16_t nb_blocks = ldw_le(req + 16);
    uint16_t state = 0, ret;

    switch (type) {
    case VIRTIO_MEM_REQ_PLUG:
        ret = virtio_mem_plug(vmem, gpa, nb_blocks);
        break;
    case VIRTIO_MEM_REQ_UNPLUG:
        ret = virtio_mem_unplug(vmem, gpa, nb_blocks);
        break;
    case VIRTIO_MEM_REQ_UNPLUG_ALL:
        virtio_mem_unplug_all(vmem);
        ret = VIRTIO_MEM_RESP_ACK;
        break;
    case VIRTIO_MEM_REQ_STATE:
        ret = virtio_mem_state(vmem, gpa, nb_blocks, &state);
        break;
    default:
        qemu_log_mask(LOG_GUEST_ERROR, "%s: unknown request type %u\n",
                      vmem->name, type);
        ret = VIRTIO_MEM_RESP_ERROR;
        break;
    }
    memset(resp, 0, VIRTIO_MEM_RESP_SIZE);
    stw_le(resp, ret);
    stw_le(resp + 8, state);
}

static void virtio_mem_handle_request(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIOMEM *vmem = to_vmem(vdev);
    VirtQueueElement *elem;
    bool completed = false;

    while ((elem = virtqueue_pop(vq, sizeof(VirtQueueElement)))) {
        uint8_t req[VIRTIO_MEM_REQ_SIZE];
        uint8_t resp[VIRTIO_MEM_RESP_SIZE];

        if (iov_to_buf(elem->out_sg, elem->out_num, 0, req, sizeof(req)) <
            sizeof(req) ||
            iov_size(elem->in_sg, elem->in_num) < sizeof(resp)) {
            virtio_error(vdev, "request of %zu bytes with room for a %zu "
                         "byte response (want %d and %d)",
                         iov_size(elem->out_sg, elem->out_num),
                         iov_size(elem->in_sg, elem->in_num),
                         VIRTIO_MEM_REQ_SIZE, VIRTIO_MEM_RESP_SIZE);
            virtqueue_detach_element(vq, elem);
            g_free(elem);
            break;
        }
        virtio_mem_request(vmem, req, resp);
        iov_from_buf(elem->in_sg, elem->in_num, 0, resp, sizeof(resp));
        virtqueue_push(vq, elem, sizeof(resp));
        g_free(elem);
        completed = true;
    }
    if (completed) {
        virtio_notify(vdev, vq);
    }
}

/*
 * System reset: all memory unplugged, as a machine powering on has none.
 * A driver resetting the device (status 0) keeps the plugged memory: it
 * asks for UNPLUG_ALL itself when it finds some at probe.
 */
static void virtio_mem_system_reset(void *opaque)
{
    virtio_mem_unplug_all(opaque);
}

bool virtio_mem_set_requested_size(VirtIOMEM *vmem, uint64_t size,
                                   Error **errp)
{
    if (!QEMU_IS_ALIGNED(size, vmem->block_size)) {
        error_setg(errp, "'requested-size' must be a multiple of "
                   "'block-size' (0x%" PRIx64 "), not 0x%" PRIx64,
                   vmem->block_size, size);
        return false;
    }
    if (size > vmem->region_size) {
        error_setg(errp, "'requested-size' (0x%" PRIx64 ") cannot exceed "
                   "the size of memdev '%s' (0x%" PRIx64 ")", size,
                   vmem->memdev->id, vmem->region_size);
        return false;
    }
    if (size != vmem->requested_size) {
        vmem->requested_size = size;
        virtio_mem_resize_usable_region(vmem, false);
        virtio_notify_config(&vmem->parent_obj);
    }
    return true;
}

static const VirtioDeviceClass virtio_mem_class = {
    .name = "virtio-mem",
    .device_id = VIRTIO_ID_MEM,
    .get_config = virtio_mem_get_config,
};

/* Check opts against the backend; the block size to use, or 0. */
static uint64_t virtio_mem_check_options(const VirtIOMEMOptions *opts,
                                         HostMemoryBackend *memdev,
                                         Error **errp)
{
    uint64_t bs = opts->block_size ? opts->block_size
                                   : VIRTIO_MEM_DEFAULT_BLOCK_SIZE;

    if (!is_power_of_2(bs) || bs < VIRTIO_MEM_MIN_BLOCK_SIZE) {
        error_setg(errp, "'block-size' must be a power of two of at least "
                   "1 MiB, not 0x%" PRIx64, bs);
        return 0;
    }
    if (!QEMU_IS_ALIGNED(memdev->size, bs)) {
        error_setg(errp, "the size of memdev '%s' (0x%" PRIx64 ") must be "
                   "a multiple of 'block-size' (0x%" PRIx64 ")", memdev->id,
                   memdev->size, bs);
        return 0;
    }
    if (memdev->size / bs > UINT32_MAX) {
        error_setg(errp, "memdev '%s' has too many blocks of 0x%" PRIx64
                   " bytes; use a larger 'block-size'", memdev->id, bs);
        return 0;
    }
    if (opts->node != 0) {
        error_setg(errp, "'node' must be 0: the machine has a single NUMA "
                   "node");
        return 0;
    }
    if (opts->has_addr && !QEMU_IS_ALIGNED(opts->addr, bs)) {
        error_setg(errp, "'memaddr' (0x%" PRIx64 ") must be a multiple of "
                   "'block-size' (0x%" PRIx64 ")", opts->addr, bs);
        return 0;
    }
    return bs;
}

VirtIODevice *virtio_mem_new(const VirtIOMEMOptions *opts, Error **errp)
{
    HostMemoryBackend *memdev;
    VirtIOMEM *vmem;
    g_autofree char *name = NULL;
    uint64_t bs;
    hwaddr addr = opts->addr;

    if (!opts->memdev) {
        error_setg(errp, TYPE_VIRTIO_MEM ": 'memdev' property is not set "
                   "(give memdev=ID of an -object memory-backend-ram)");
        return NULL;
    }
    memdev = host_memory_backend_find(opts->memdev);
    if (!memdev) {
        error_setg(errp, "Property '" TYPE_VIRTIO_MEM ".memdev' can't find "
                   "value '%s': there is no memory backend with that id",
                   opts->memdev);
        return NULL;
    }
    bs = virtio_mem_check_options(opts, memdev, errp);
    if (!bs) {
        return NULL;
    }
    name = opts->id ? g_strdup(opts->id)
                    : g_strdup_printf("virtio-mem%u", anon_count);

    vmem = g_new0(VirtIOMEM, 1);
    vmem->memdev = memdev;
    vmem->block_size = bs;
    vmem->region_size = memdev->size;
    vmem->nb_blocks = memdev->size / bs;
    vmem->node = opts->node;
    vmem->name = g_steal_pointer(&name);
    vmem->has_id = opts->id != NULL;
    memory_region_init(&vmem->mr, NULL, vmem->name, vmem->region_size);
    if (!virtio_mem_set_requested_size(vmem, opts->requested_size, errp) ||
        !host_memory_backend_claim(memdev, vmem->name, errp)) {
        goto fail;
    }
    if (!memory_device_plug(&vmem->mr, bs, opts->has_addr, &addr, errp)) {
        host_memory_backend_release(memdev);
        goto fail;
    }
    vmem->addr = addr;
    vmem->blocks = g_new0(MemoryRegion *, vmem->nb_blocks);
    notifier_list_init(&vmem->size_change_notifiers);
    if (!opts->id) {
        anon_count++;
    }

    virtio_init(&vmem->parent_obj, &virtio_mem_class, VIRTIO_MEM_CFG_LEN,
                1ULL << VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE);
    vmem->vq = virtio_add_queue(&vmem->parent_obj, VIRTIO_MEM_QUEUE_SIZE,
                                virtio_mem_handle_request);
    qemu_register_reset(virtio_mem_system_reset, vmem);
    QTAILQ_INSERT_TAIL(&virtio_mem_devices, vmem, next);
    return &vmem->parent_obj;

fail:
    memory_region_finalize(&vmem->mr);
    g_free(vmem->name);
    g_free(vmem);
    return NULL;
}

void virtio_mem_add_size_change_notifier(VirtIOMEM *vmem, Notifier *n)
{
    notifier_list_add(&vmem->size_change_notifiers, n);
}

VirtIOMEM *virtio_mem_next(VirtIOMEM *prev)
{
    return prev ? QTAILQ_NEXT(prev, next) : QTAILQ_FIRST(&virtio_mem_devices);
}
