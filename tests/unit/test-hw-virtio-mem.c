/*
 * virtio-mem, driven the way Linux's driver drives it: the config space,
 * PLUG, UNPLUG, UNPLUG_ALL and STATE requests through a real virtqueue,
 * the answers for each kind of bad request, the host changing the
 * requested size, system reset, the -device properties and errors, and
 * the properties qom-get and qom-set reach.
 *
 * Plugged memory must be real RAM: the test checks that each plugged
 * block is a RAM block in the system address space, that unplugging
 * takes it out of the guest's view, drops translated code made from it,
 * gives its pages back to the host and leaves the RAM list after a grace
 * period, and (with threads reading the device region all the while)
 * that nothing is freed under a reader: under ASan, a removal that freed
 * at once fails here.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/rcu.h"
#include "qemu/thread.h"
#include "exec/memory.h"
#include "exec/ram_addr.h"
#include "hw/device-add.h"
#include "hw/mem/memory-device.h"
#include "hw/virtio/virtio-mem.h"
#include "hw/virtio/virtio-mmio.h"
#include "sysemu/hostmem.h"
#include "sysemu/reset.h"
#include "hw-test.h"
#include "ramlist-test.h"
#include <sys/mman.h>

#define RAM_BASE        0x80000000ULL
#define RAM_SIZE        (16 * MiB)
#define MMIO_BASE(i)    (0x10001000 + 0x1000 * (i))
#define NUM_MMIO        4
#define DEVMEM_BASE     0x100000000ULL
#define DEVMEM_SIZE     (4 * GiB)
#define DEVMEM_ALIGN    (128 * MiB)

/* vm0: 64 MiB backend in 1 MiB blocks, in the highest transport. */
#define VM0_SLOT        (NUM_MMIO - 1)
#define BS              (1 * MiB)
#define REGION_SIZE     (64 * MiB)

static HwtIrqs *irqs;
#include "virtio-driver.h"

static VirtIOMEM *vm0;

#define REQ_ADDR(d)     ((d)->data)
#define RESP_ADDR(d)    ((d)->data + 0x100)

static uint64_t cfg64(Driver *d, unsigned off)
{
    /* As Linux reads it: two 32-bit halves, low first. */
    return reg_read(d, R_CONFIG + off) |
           (uint64_t)reg_read(d, R_CONFIG + off + 4) << 32;
}

/* The driver set up on vm0, with features accepted. */
static void driver_start(Driver *d)
{
    driver_init(d, MMIO_BASE(VM0_SLOT), VM0_SLOT, false, 16, 0);
    driver_setup_v2(d, (1ULL << 32) |
                    (1ULL << VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE));
}

/* Send one request and return the response type (and *state). */
static uint16_t request(Driver *d, uint16_t type, uint64_t addr,
                        uint16_t nb_blocks, uint16_t *state)
{
    AddressSpace *as = &address_space_memory;
    Buf bufs[2] = {
        { REQ_ADDR(d), VIRTIO_MEM_REQ_SIZE, false },
        { RESP_ADDR(d), VIRTIO_MEM_RESP_SIZE, true },
    };

    /* A config change the test made: the driver would re-read it. */
    if (reg_read(d, R_ISR) & 2) {
        reg_write(d, R_ISR_ACK, 2);
    }
    for (int i = 0; i < VIRTIO_MEM_REQ_SIZE; i += 8) {
        stq_le_phys(as, REQ_ADDR(d) + i, 0);
    }
    stw_le_phys(as, REQ_ADDR(d), type);
    stq_le_phys(as, REQ_ADDR(d) + 8, addr);
    stw_le_phys(as, REQ_ADDR(d) + 16, nb_blocks);
    stq_le_phys(as, RESP_ADDR(d), ~0ULL);
    stw_le_phys(as, RESP_ADDR(d) + 8, 0xffff);
    driver_add(d, 0, bufs, 2);
    driver_kick(d);
    driver_complete(d, 0, VIRTIO_MEM_RESP_SIZE);
    if (state) {
        *state = lduw_le_phys(as, RESP_ADDR(d) + 8);
    }
    return lduw_le_phys(as, RESP_ADDR(d));
}

static uint64_t blk_addr(uint64_t i)
{
    return vm0->addr + i * BS;
}

/* The region the guest sees at addr, or NULL for a hole. */
static MemoryRegion *mapped_at(hwaddr addr)
{
    hwaddr xlat, len = 1;

    return address_space_translate(&address_space_memory, addr, &xlat, &len,
                                   false, MEMTXATTRS_UNSPECIFIED);
}

static int size_changes;

static void count_size_change(Notifier *n, void *data)
{
    g_assert_true(data == vm0);
    size_changes++;
}

static Notifier size_change_notifier = { .notify = count_size_change };

static void set_requested(uint64_t size)
{
    g_assert_true(virtio_mem_set_requested_size(vm0, size, &error_abort));
}

/* Tests */

static void test_config(void)
{
    Driver d;
    uint64_t features;

    qemu_devices_reset();
    driver_init(&d, MMIO_BASE(VM0_SLOT), VM0_SLOT, false, 16, 0);
    g_assert_cmphex(reg_read(&d, R_DEVICE_ID), ==, VIRTIO_ID_MEM);
    features = driver_setup_v2(&d, ~0ULL);
    g_assert_cmphex(features, ==, (1ULL << 32) |
                    (1ULL << VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE));

    g_assert_cmphex(cfg64(&d, VIRTIO_MEM_CFG_BLOCK_SIZE), ==, BS);
    g_assert_cmphex(reg_read(&d, R_CONFIG + VIRTIO_MEM_CFG_NODE_ID), ==, 0);
    /* Placed in the device memory area, aligned to a memory block. */
    g_assert_cmphex(cfg64(&d, VIRTIO_MEM_CFG_ADDR), ==, vm0->addr);
    g_assert_cmphex(vm0->addr % DEVMEM_ALIGN, ==, 0);
    g_assert_cmphex(vm0->addr, >=, DEVMEM_BASE);
    g_assert_cmphex(cfg64(&d, VIRTIO_MEM_CFG_REGION_SIZE), ==, REGION_SIZE);
    g_assert_cmphex(cfg64(&d, VIRTIO_MEM_CFG_USABLE_REGION_SIZE), ==, 0);
    g_assert_cmphex(cfg64(&d, VIRTIO_MEM_CFG_PLUGGED_SIZE), ==, 0);
    g_assert_cmphex(cfg64(&d, VIRTIO_MEM_CFG_REQUESTED_SIZE), ==, 0);
    /* Nothing is mapped while nothing is plugged. */
    g_assert_null(mapped_at(vm0->addr));

    /* The host asks for more: a config interrupt, a new generation. */
    {
        uint32_t gen = reg_read(&d, R_GENERATION);

        set_requested(8 * MiB);
        g_assert_cmphex(reg_read(&d, R_ISR), ==, 2);
        g_assert_cmpint(irqs->levels[VM0_SLOT], ==, 1);
        g_assert_cmpuint(reg_read(&d, R_GENERATION), !=, gen);
        reg_write(&d, R_ISR_ACK, 2);
        g_assert_cmpint(irqs->levels[VM0_SLOT], ==, 0);
    }
    g_assert_cmphex(cfg64(&d, VIRTIO_MEM_CFG_REQUESTED_SIZE), ==, 8 * MiB);
    /* Requested plus the extent, within the region. */
    g_assert_cmphex(cfg64(&d, VIRTIO_MEM_CFG_USABLE_REGION_SIZE), ==,
                    REGION_SIZE);
    /* Config space is the device's to write. */
    reg_write(&d, R_CONFIG + VIRTIO_MEM_CFG_REQUESTED_SIZE, 0);
    g_assert_cmphex(cfg64(&d, VIRTIO_MEM_CFG_REQUESTED_SIZE), ==, 8 * MiB);
    set_requested(0);
}

static void test_plug_unplug(void)
{
    Driver d;
    unsigned blocks_before;
    uint16_t state;
    uint8_t *host;
    uint64_t pattern;

    qemu_devices_reset();
    drain_call_rcu();
    blocks_before = ramlist_test_count();
    driver_start(&d);
    set_requested(16 * MiB);
    size_changes = 0;

    g_assert_cmpuint(request(&d, VIRTIO_MEM_REQ_PLUG, blk_addr(4), 8, NULL),
                     ==, VIRTIO_MEM_RESP_ACK);
    g_assert_cmpuint(vm0->size, ==, 8 * MiB);
    g_assert_cmphex(cfg64(&d, VIRTIO_MEM_CFG_PLUGGED_SIZE), ==, 8 * MiB);
    g_assert_cmpint(size_changes, ==, 1);
    /* Eight new RAM blocks, each mapped where the guest plugged it. */
    g_assert_cmpuint(ramlist_test_count(), ==, blocks_before + 8);
    for (int i = 0; i < 12; i++) {
        MemoryRegion *mr = mapped_at(blk_addr(i) + BS / 2);

        if (i < 4) {
            g_assert_null(mr);
        } else {
            g_assert_nonnull(mr);
            g_assert_true(memory_region_is_ram(mr));
            g_assert_true(mr == vm0->blocks[i]);
        }
    }
    /* It is memory: what the guest writes, it reads back. */
    for (int i = 4; i < 12; i++) {
        stq_le_phys(&address_space_memory, blk_addr(i) + 8 * i, 0x1234 + i);
    }
    for (int i = 4; i < 12; i++) {
        g_assert_cmphex(ldq_le_phys(&address_space_memory,
                                    blk_addr(i) + 8 * i), ==, 0x1234 + i);
    }

    g_assert_cmpuint(request(&d, VIRTIO_MEM_REQ_STATE, blk_addr(4), 8,
                             &state), ==, VIRTIO_MEM_RESP_ACK);
    g_assert_cmpuint(state, ==, VIRTIO_MEM_STATE_PLUGGED);
    g_assert_cmpuint(request(&d, VIRTIO_MEM_REQ_STATE, blk_addr(0), 4,
                             &state), ==, VIRTIO_MEM_RESP_ACK);
    g_assert_cmpuint(state, ==, VIRTIO_MEM_STATE_UNPLUGGED);
    g_assert_cmpuint(request(&d, VIRTIO_MEM_REQ_STATE, blk_addr(2), 4,
                             &state), ==, VIRTIO_MEM_RESP_ACK);
    g_assert_cmpuint(state, ==, VIRTIO_MEM_STATE_MIXED);

    /* Unplug the middle of what was plugged in one request. */
    host = memory_region_get_ram_ptr(vm0->blocks[6]);
    pattern = 0x1234 + 6;
    g_assert_cmpmem(host + 8 * 6, 8, &pattern, 8);
    g_assert_cmpuint(request(&d, VIRTIO_MEM_REQ_UNPLUG, blk_addr(6), 2,
                             NULL), ==, VIRTIO_MEM_RESP_ACK);
    g_assert_cmpuint(vm0->size, ==, 6 * MiB);
    g_assert_cmpint(size_changes, ==, 2);
    g_assert_null(mapped_at(blk_addr(6)));
    g_assert_null(mapped_at(blk_addr(7) + BS - 1));
    g_assert_nonnull(mapped_at(blk_addr(5)));
    g_assert_nonnull(mapped_at(blk_addr(8)));
    /* The neighbours keep their contents. */
    g_assert_cmphex(ldq_le_phys(&address_space_memory, blk_addr(5) + 40), ==,
                    0x1234 + 5);
    g_assert_cmphex(ldq_le_phys(&address_space_memory, blk_addr(8) + 64), ==,
                    0x1234 + 8);
    /* The unplugged block's pages went back to the host at once, while
     * its mapping stays for a vCPU that might still use a stale TLB. */
    {
        unsigned char vec;

        g_assert_cmpint(mincore(host, qemu_real_host_page_size(), &vec), ==,
                        0);
        g_assert_cmpuint(vec & 1, ==, 0);
        g_assert_cmpuint(host[8 * 6], ==, 0);
    }
    g_assert_cmpuint(request(&d, VIRTIO_MEM_REQ_STATE, blk_addr(4), 8,
                             &state), ==, VIRTIO_MEM_RESP_ACK);
    g_assert_cmpuint(state, ==, VIRTIO_MEM_STATE_MIXED);

    /* Plug the hole again: fresh (zeroed) memory. */
    g_assert_cmpuint(request(&d, VIRTIO_MEM_REQ_PLUG, blk_addr(6), 2, NULL),
                     ==, VIRTIO_MEM_RESP_ACK);
    g_assert_cmphex(ldq_le_phys(&address_space_memory, blk_addr(6) + 48), ==,
                    0);
    g_assert_cmpuint(vm0->size, ==, 8 * MiB);
    g_assert_cmpuint(request(&d, VIRTIO_MEM_REQ_UNPLUG, blk_addr(4), 8,
                             NULL), ==, VIRTIO_MEM_RESP_ACK);
    g_assert_cmpuint(vm0->size, ==, 0);
    g_assert_cmpint(size_changes, ==, 4);
    for (int i = 0; i < 12; i++) {
        g_assert_null(mapped_at(blk_addr(i)));
    }
    /* Out of the RAM list once a grace period has passed. */
    drain_call_rcu();
    g_assert_cmpuint(ramlist_test_count(), ==, blocks_before);
}

static void test_nack(void)
{
    Driver d;

    qemu_devices_reset();
    driver_start(&d);
    set_requested(4 * MiB);
    g_assert_cmpuint(request(&d, VIRTIO_MEM_REQ_PLUG, blk_addr(0), 3, NULL),
                     ==, VIRTIO_MEM_RESP_ACK);
    /* Past the requested size: denied, nothing changes. */
    g_assert_cmpuint(request(&d, VIRTIO_MEM_REQ_PLUG, blk_addr(8), 2, NULL),
                     ==, VIRTIO_MEM_RESP_NACK);
    g_assert_null(mapped_at(blk_addr(8)));
    g_assert_cmpuint(vm0->size, ==, 3 * MiB);
    g_assert_cmpuint(request(&d, VIRTIO_MEM_REQ_PLUG, blk_addr(8), 1, NULL),
                     ==, VIRTIO_MEM_RESP_ACK);
    /* The host lowers the request: plugging is denied, the rest stays. */
    set_requested(2 * MiB);
    g_assert_cmpuint(request(&d, VIRTIO_MEM_REQ_PLUG, blk_addr(9), 1, NULL),
                     ==, VIRTIO_MEM_RESP_NACK);
    g_assert_cmpuint(vm0->size, ==, 4 * MiB);
    set_requested(0);
}

static void test_bad_requests(void)
{
    Driver d;
    uint16_t state;
    uint64_t usable;

    qemu_devices_reset();
    driver_start(&d);
    set_requested(8 * MiB);
    usable = vm0->usable_region_size;
    g_assert_cmpuint(request(&d, VIRTIO_MEM_REQ_PLUG, blk_addr(0), 2, NULL),
                     ==, VIRTIO_MEM_RESP_ACK);

    /* Misaligned, before the region, zero blocks, past the usable end. */
    g_assert_cmpuint(request(&d, VIRTIO_MEM_REQ_PLUG, blk_addr(2) + 4096, 1,
                             NULL), ==, VIRTIO_MEM_RESP_ERROR);
    g_assert_cmpuint(request(&d, VIRTIO_MEM_REQ_PLUG, vm0->addr - BS, 1,
                             NULL), ==, VIRTIO_MEM_RESP_ERROR);
    g_assert_cmpuint(request(&d, VIRTIO_MEM_REQ_PLUG, blk_addr(2), 0, NULL),
                     ==, VIRTIO_MEM_RESP_ERROR);
    g_assert_cmpuint(request(&d, VIRTIO_MEM_REQ_PLUG, vm0->addr + usable - BS,
                             2, NULL), ==, VIRTIO_MEM_RESP_ERROR);
    g_assert_cmpuint(request(&d, VIRTIO_MEM_REQ_PLUG, 0, 1, NULL), ==,
                     VIRTIO_MEM_RESP_ERROR);
    g_assert_cmpuint(request(&d, VIRTIO_MEM_REQ_UNPLUG, ~0ULL & ~(BS - 1),
                             0xffff, NULL), ==, VIRTIO_MEM_RESP_ERROR);
    /* Plugging plugged blocks, unplugging unplugged ones. */
    g_assert_cmpuint(request(&d, VIRTIO_MEM_REQ_PLUG, blk_addr(1), 2, NULL),
                     ==, VIRTIO_MEM_RESP_ERROR);
    g_assert_cmpuint(request(&d, VIRTIO_MEM_REQ_UNPLUG, blk_addr(1), 2,
                             NULL), ==, VIRTIO_MEM_RESP_ERROR);
    g_assert_cmpuint(request(&d, VIRTIO_MEM_REQ_STATE, blk_addr(0),
                             usable / BS + 1, &state), ==,
                     VIRTIO_MEM_RESP_ERROR);
    /* An unknown request type. */
    g_assert_cmpuint(request(&d, 77, blk_addr(0), 1, NULL), ==,
                     VIRTIO_MEM_RESP_ERROR);

    /* None of that changed anything, and the device still works. */
    g_assert_cmpuint(vm0->size, ==, 2 * MiB);
    g_assert_nonnull(mapped_at(blk_addr(1)));
    g_assert_null(mapped_at(blk_addr(2)));
    g_assert_cmphex(reg_read(&d, R_STATUS) & S_NEEDS_RESET, ==, 0);
    g_assert_cmpuint(request(&d, VIRTIO_MEM_REQ_UNPLUG, blk_addr(0), 2,
                             NULL), ==, VIRTIO_MEM_RESP_ACK);
    set_requested(0);
}

static void test_malformed(void)
{
    Driver d;
    Buf short_req[2] = {
        { 0, 8, false },
        { 0, VIRTIO_MEM_RESP_SIZE, true },
    };
    Buf no_resp[1] = { { 0, VIRTIO_MEM_REQ_SIZE, false } };

    qemu_devices_reset();
    driver_start(&d);
    short_req[0].addr = REQ_ADDR(&d);
    short_req[1].addr = RESP_ADDR(&d);
    driver_add(&d, 0, short_req, 2);
    driver_kick(&d);
    assert_broken(&d);

    /* Broken until the driver resets it; then it serves again. */
    qemu_devices_reset();
    driver_start(&d);
    no_resp[0].addr = REQ_ADDR(&d);
    driver_add(&d, 0, no_resp, 1);
    driver_kick(&d);
    assert_broken(&d);
    reg_write(&d, R_STATUS, 0);
    driver_start(&d);
    g_assert_cmpuint(request(&d, VIRTIO_MEM_REQ_STATE, vm0->addr, 1, NULL),
                     ==, VIRTIO_MEM_RESP_ERROR);
    set_requested(2 * MiB);
    g_assert_cmpuint(request(&d, VIRTIO_MEM_REQ_STATE, vm0->addr, 1, NULL),
                     ==, VIRTIO_MEM_RESP_ACK);
    set_requested(0);
}

static void test_unplug_all_and_reset(void)
{
    Driver d;
    unsigned blocks_before;

    qemu_devices_reset();
    drain_call_rcu();
    blocks_before = ramlist_test_count();
    driver_start(&d);
    set_requested(32 * MiB);
    g_assert_cmpuint(vm0->usable_region_size, ==, REGION_SIZE);
    g_assert_cmpuint(request(&d, VIRTIO_MEM_REQ_PLUG, blk_addr(40), 16,
                             NULL), ==, VIRTIO_MEM_RESP_ACK);
    set_requested(0);
    /* Lowering the request does not shrink the usable region... */
    g_assert_cmpuint(vm0->usable_region_size, ==, REGION_SIZE);
    size_changes = 0;
    g_assert_cmpuint(request(&d, VIRTIO_MEM_REQ_UNPLUG_ALL, 0, 0, NULL), ==,
                     VIRTIO_MEM_RESP_ACK);
    g_assert_cmpuint(vm0->size, ==, 0);
    g_assert_cmpint(size_changes, ==, 1);
    g_assert_null(mapped_at(blk_addr(40)));
    /* ...UNPLUG_ALL does, to what the request needs: nothing here. */
    g_assert_cmpuint(vm0->usable_region_size, ==, 0);
    g_assert_cmpuint(request(&d, VIRTIO_MEM_REQ_STATE, blk_addr(0), 1,
                             NULL), ==, VIRTIO_MEM_RESP_ERROR);
    set_requested(4 * MiB);
    g_assert_cmpuint(vm0->usable_region_size, ==, REGION_SIZE);

    /* A driver reset keeps plugged memory; a system reset does not. */
    g_assert_cmpuint(request(&d, VIRTIO_MEM_REQ_PLUG, blk_addr(1), 4, NULL),
                     ==, VIRTIO_MEM_RESP_ACK);
    reg_write(&d, R_STATUS, 0);
    g_assert_cmpuint(vm0->size, ==, 4 * MiB);
    g_assert_nonnull(mapped_at(blk_addr(1)));
    driver_start(&d);
    g_assert_cmphex(cfg64(&d, VIRTIO_MEM_CFG_PLUGGED_SIZE), ==, 4 * MiB);
    qemu_devices_reset();
    g_assert_cmpuint(vm0->size, ==, 0);
    g_assert_null(mapped_at(blk_addr(1)));
    drain_call_rcu();
    g_assert_cmpuint(ramlist_test_count(), ==, blocks_before);
    /* The requested size survives a reset: the guest plugs it again. */
    g_assert_cmpuint(vm0->requested_size, ==, 4 * MiB);
    set_requested(0);
}

/* A fake TB cache: which ram_addr ranges the code hook dropped. */
static ram_addr_t code_dropped;
static int code_drops;

static void code_hook(ram_addr_t start, ram_addr_t len)
{
    code_drops++;
    code_dropped = start;
    cpu_physical_memory_set_dirty_range(start, len, 1 << DIRTY_MEMORY_CODE);
}

static void test_unplug_drops_code(void)
{
    Driver d;
    ram_addr_t page;

    qemu_devices_reset();
    driver_start(&d);
    set_requested(2 * MiB);
    g_assert_cmpuint(request(&d, VIRTIO_MEM_REQ_PLUG, blk_addr(3), 2, NULL),
                     ==, VIRTIO_MEM_RESP_ACK);
    /* "Translate" code from a page of block 4. */
    page = memory_region_get_ram_addr(vm0->blocks[4]) + 5 * 4096;
    cpu_physical_memory_test_and_clear_dirty(page, 4096, DIRTY_MEMORY_CODE);
    cpu_physical_memory_set_code_write_hook(code_hook);
    code_drops = 0;
    g_assert_cmpuint(request(&d, VIRTIO_MEM_REQ_UNPLUG, blk_addr(3), 2,
                             NULL), ==, VIRTIO_MEM_RESP_ACK);
    cpu_physical_memory_set_code_write_hook(NULL);
    g_assert_cmpint(code_drops, ==, 1);
    g_assert_cmpuint(code_dropped, ==, page - 5 * 4096);
    set_requested(0);
}

static void test_requested_size_errors(void)
{
    Error *err = NULL;

    qemu_devices_reset();
    g_assert_false(virtio_mem_set_requested_size(vm0, BS + 4096, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "multiple of"));
    error_free(err);
    err = NULL;
    g_assert_false(virtio_mem_set_requested_size(vm0, REGION_SIZE + BS,
                                                 &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "cannot exceed"));
    error_free(err);
    g_assert_cmpuint(vm0->requested_size, ==, 0);
    set_requested(REGION_SIZE);
    g_assert_cmpuint(vm0->usable_region_size, ==, REGION_SIZE);
    set_requested(0);
}

/*
 * Readers on other threads, as vCPUs and DMA would be, copy from the
 * device region all the time, while the guest plugs and unplugs blocks
 * under them.  Every word they read is zero (unplugged, or not yet
 * filled) or the block's own pattern, never another block's; and nothing
 * they use is freed under them (ASan would say).
 */
typedef struct Reader {
    QemuThread thread;
    bool stop;
    unsigned long reads;
    unsigned long bad;
} Reader;

static void *reader_fn(void *opaque)
{
    Reader *r = opaque;
    uint64_t buf[64];

    /* address_space_read takes its own read-side sections. */
    rcu_register_thread();
    while (!qatomic_read(&r->stop)) {
        unsigned i = g_random_int_range(0, 16);
        hwaddr a = blk_addr(i) + 4096;

        address_space_read(&address_space_memory, a, MEMTXATTRS_UNSPECIFIED,
                           buf, sizeof(buf));
        for (int k = 0; k < 64; k++) {
            if (buf[k] != 0 && buf[k] != 0x5500 + i) {
                r->bad++;
            }
        }
        qatomic_set(&r->reads, r->reads + 1);
    }
    rcu_unregister_thread();
    return NULL;
}

static void test_concurrent_readers(void)
{
    Reader readers[2] = { 0 };
    Driver d;
    int rounds = g_test_quick() ? 10000 : 100000;

    qemu_devices_reset();
    driver_start(&d);
    set_requested(16 * MiB);
    for (int i = 0; i < 2; i++) {
        qemu_thread_create(&readers[i].thread, "reader", reader_fn,
                           &readers[i], QEMU_THREAD_JOINABLE);
    }
    /* Both really run before the guest starts (a loaded host is slow to
     * schedule them); a generous bound turns a hang into a failure. */
    for (int i = 0, waited = 0; i < 2; i++) {
        while (!qatomic_read(&readers[i].reads)) {
            g_assert_cmpint(waited++, <, 10000);
            g_usleep(1000);
        }
    }
    for (int round = 0; round < rounds; round++) {
        unsigned i = g_test_rand_int_range(0, 16);

        if (!vm0->blocks[i]) {
            g_assert_cmpuint(request(&d, VIRTIO_MEM_REQ_PLUG, blk_addr(i), 1,
                                     NULL), ==, VIRTIO_MEM_RESP_ACK);
#ifndef QEMU_SANITIZE_THREAD
            /*
             * Like a vCPU storing to RAM that a device reads by DMA, this
             * races with the readers by design: guest memory has no lock.
             * ThreadSanitizer rightly calls that a data race, so its build
             * leaves the pattern out; there the test checks what TSan is run
             * for, that no reader touches a block after it is freed.
             */
            uint64_t fill[64];

            for (int k = 0; k < 64; k++) {
                fill[k] = 0x5500 + i;
            }
            memcpy((uint8_t *)memory_region_get_ram_ptr(vm0->blocks[i]) +
                   4096, fill, sizeof(fill));
#endif
        } else {
            g_assert_cmpuint(request(&d, VIRTIO_MEM_REQ_UNPLUG, blk_addr(i),
                                     1, NULL), ==, VIRTIO_MEM_RESP_ACK);
        }
    }
    for (int i = 0; i < 2; i++) {
        qatomic_set(&readers[i].stop, true);
        qemu_thread_join(&readers[i].thread);
        g_assert_cmpuint(readers[i].reads, >, 0);
        g_assert_cmpuint(readers[i].bad, ==, 0);
    }
    g_test_message("%lu + %lu reads over %d plug/unplug rounds",
                   readers[0].reads, readers[1].reads, rounds);
    qemu_devices_reset();
    drain_call_rcu();
    set_requested(0);
}

static void test_device_add_errors(void)
{
    HostMemoryBackend *b;
    unsigned blocks_before;

    host_memory_backend_create(TYPE_MEMORY_BACKEND_RAM, "spare", true,
                               96 * MiB, false, &error_abort);
    blocks_before = ramlist_test_count();
    expect_device_error("virtio-mem-device,id=x", "'memdev' property is "
                        "not set");
    expect_device_error("virtio-mem-device,memdev=nope", "can't find value "
                        "'nope'");
    expect_device_error("virtio-mem-device,memdev=vmem0", "already in use "
                        "by device 'vm0'");
    expect_device_error("virtio-mem-device,memdev=spare,requested-size=1G",
                        "cannot exceed");
    expect_device_error("virtio-mem-device,memdev=spare,requested-size=3M",
                        "multiple of 'block-size'");
    expect_device_error("virtio-mem-device,memdev=spare,requested-size=-2M",
                        "expects a size");
    expect_device_error("virtio-mem-device,memdev=spare,block-size=3M",
                        "power of two");
    expect_device_error("virtio-mem-device,memdev=spare,block-size=512K",
                        "power of two of at least 1 MiB");
    expect_device_error("virtio-mem-device,memdev=spare,block-size=64M",
                        "must be a multiple of 'block-size'");
    expect_device_error("virtio-mem-device,memdev=spare,node=1",
                        "'node' must be 0");
    expect_device_error("virtio-mem-device,memdev=spare,size=2M",
                        "read-only");
    expect_device_error("virtio-mem-device,memdev=spare,memaddr=0x100001000",
                        "multiple of 'block-size'");
    expect_device_error("virtio-mem-device,memdev=spare,memaddr=0x80000000",
                        "outside the device memory area");
    expect_device_error("virtio-mem-device,memdev=spare,memaddr=0x4ffe00000",
                        "outside the device memory area");
    {
        g_autofree char *overlap = g_strdup_printf(
            "virtio-mem-device,memdev=spare,memaddr=0x%" PRIx64,
            vm0->addr + 16 * MiB);

        expect_device_error(overlap, "overlaps 'vm0'");
    }
    expect_device_error("virtio-mem-device,memdev=spare,id=vm0",
                        "Duplicate ID 'vm0'");
    expect_device_error("virtio-mem-device,memdev=spare,id=9lives",
                        "Invalid device ID");
    expect_device_error("virtio-mem-device,memdev=spare,bogus=1",
                        "'virtio-mem-device.bogus' not found");

    /* The spare backend is free again and nothing was mapped. */
    b = host_memory_backend_find("spare");
    g_assert_null(b->user);
    g_assert_cmpuint(ramlist_test_count(), ==, blocks_before);
    g_assert_true(virtio_mem_next(vm0) == NULL);
    g_assert_true(object_del("spare", &error_abort));
}

static void test_qom_props(void)
{
    VirtIODevice *vdev;
    const QomProp *p;
    uint64_t u = 0;
    char *str = NULL;
    Error *err = NULL;
    g_autofree char *path = qdev_path(&vm0->parent_obj);

    qemu_devices_reset();
    g_assert_cmpstr(path, ==, "/machine/peripheral/vm0");
    g_assert_cmpstr(qdev_id(&vm0->parent_obj), ==, "vm0");
    p = qom_find_property("/machine/peripheral/vm0", "requested-size", &vdev,
                          &error_abort);
    g_assert_true(vdev == &vm0->parent_obj);
    g_assert_nonnull(p->set);
    g_assert_true(p->set(vdev, 6 * MiB, &error_abort));
    p->get(vdev, &u, &str);
    g_assert_cmpuint(u, ==, 6 * MiB);
    g_assert_false(p->set(vdev, 6 * MiB + 1, &err));
    error_free(err);
    err = NULL;
    g_assert_cmpuint(vm0->requested_size, ==, 6 * MiB);

    p = qom_find_property("vm0", "size", &vdev, &error_abort);
    g_assert_null(p->set);
    g_assert_cmpint(p->type, ==, QOM_PROP_SIZE);
    p = qom_find_property("vm0", "memdev", &vdev, &error_abort);
    g_assert_cmpint(p->type, ==, QOM_PROP_STR);
    p->get(vdev, &u, &str);
    g_assert_cmpstr(str, ==, "/objects/vmem0");
    g_free(str);
    p = qom_find_property("vm0", "block-size", &vdev, &error_abort);
    p->get(vdev, &u, &str);
    g_assert_cmpuint(u, ==, BS);

    g_assert_null(qom_find_property("vm9", "size", &vdev, &err));
    g_assert_cmpint(error_get_class(err), ==, ERROR_CLASS_DEVICE_NOT_FOUND);
    error_free(err);
    err = NULL;
    g_assert_null(qom_find_property("vm0", "colour", &vdev, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Property 'virtio-mem-device.colour' not found");
    error_free(err);
    set_requested(0);
}

int main(int argc, char **argv)
{
    MemoryRegion *ram = g_new0(MemoryRegion, 1);

    g_test_init(&argc, &argv, NULL);
    qemu_init_main_loop(&error_abort);
    qemu_mutex_lock_iothread();

    g_assert_true(memory_region_init_ram(ram, NULL, "ram", RAM_SIZE,
                                         &error_abort));
    memory_region_add_subregion(get_system_memory(), RAM_BASE, ram);
    machine_device_memory_init(get_system_memory(), DEVMEM_BASE, DEVMEM_SIZE,
                               DEVMEM_ALIGN);
    irqs = hwt_irqs_new(NUM_MMIO);
    for (int i = 0; i < NUM_MMIO; i++) {
        virtio_mmio_create(get_system_memory(), MMIO_BASE(i), irqs->lines[i]);
    }
    g_assert_true(object_add_from_str("memory-backend-ram,id=vmem0,size=64M",
                                      &error_abort));
    g_assert_true(device_add_from_str("virtio-mem-device,id=vm0,"
                                      "memdev=vmem0,block-size=1M",
                                      &error_abort));
    vm0 = virtio_mem_next(NULL);
    g_assert_nonnull(vm0);
    virtio_mem_add_size_change_notifier(vm0, &size_change_notifier);

    g_test_add_func("/virtio-mem/config", test_config);
    g_test_add_func("/virtio-mem/plug-unplug", test_plug_unplug);
    g_test_add_func("/virtio-mem/nack", test_nack);
    g_test_add_func("/virtio-mem/bad-requests", test_bad_requests);
    g_test_add_func("/virtio-mem/malformed", test_malformed);
    g_test_add_func("/virtio-mem/unplug-all-and-reset",
                    test_unplug_all_and_reset);
    g_test_add_func("/virtio-mem/unplug-drops-code", test_unplug_drops_code);
    g_test_add_func("/virtio-mem/requested-size-errors",
                    test_requested_size_errors);
    g_test_add_func("/virtio-mem/concurrent-readers",
                    test_concurrent_readers);
    g_test_add_func("/virtio-mem/device-add-errors", test_device_add_errors);
    g_test_add_func("/virtio-mem/qom-props", test_qom_props);
    return g_test_run();
}
