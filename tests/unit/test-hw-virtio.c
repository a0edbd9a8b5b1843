/*
 * virtio-mmio, virtio-blk and virtio-rng, driven the way Linux drives
 * them: the v2 (and legacy v1) initialisation sequences, requests through
 * real split virtqueues in guest RAM against temporary image files, the
 * interrupt protocol, guest mistakes the device must survive, reset, and
 * -device plugging.
 *
 * The test is the driver: it builds descriptors and rings in guest RAM
 * with the memory API's ld/st helpers and kicks the device through its
 * registers, holding the BQL as a vCPU doing MMIO would.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "hw/device-add.h"
#include "hw/virtio/virtio-blk.h"
#include "hw/virtio/virtio-mmio.h"
#include "hw/virtio/virtio-rng.h"
#include "sysemu/block-backend.h"
#include "sysemu/reset.h"
#include "hw-test.h"
#include "vmstate-test.h"
#include "migration/blocker.h"

#define RAM_BASE        0x80000000ULL
#define RAM_SIZE        (16 * MiB)
#define MMIO_BASE(i)    (0x10001000 + 0x1000 * (i))     /* i = 0..7 */
#define NUM_MMIO        8
#define LEGACY_BASE     0x10000800
#define LEGACY_IRQ      NUM_MMIO

/* Transport use: fixed devices on some, -device fills the rest. */
#define BLK_SLOT        1       /* read-write image */
#define RO_BLK_SLOT     2       /* read-only image */
#define RNG_SLOT        3
#define EMPTY_SLOT      0       /* until the device-add tests */

#define DISK_SECTORS    64
#define ODD_IMAGE_SIZE  (8 * 512 + 100)

static HwtIrqs *irqs;
#include "virtio-driver.h"

static char *disk_path, *ro_disk_path, *legacy_disk_path, *odd_disk_path;

/* virtio-blk requests */

static hwaddr blk_header(Driver *d, uint32_t type, uint64_t sector)
{
    hwaddr hdr = d->data;

    stl_le_phys(&address_space_memory, hdr, type);
    stl_le_phys(&address_space_memory, hdr + 4, 0);
    stq_le_phys(&address_space_memory, hdr + 8, sector);
    return hdr;
}

#define STATUS_ADDR(d)  ((d)->data + 0x10)
#define DATA_ADDR(d)    ((d)->data + 0x1000)

/* Send one request with the data as one buffer; returns the status. */
static uint8_t blk_request(Driver *d, uint32_t type, uint64_t sector,
                           hwaddr data, uint32_t len, bool data_in,
                           uint32_t expect_written)
{
    Buf bufs[3];
    int n = 0;

    bufs[n++] = (Buf) { blk_header(d, type, sector), 16, false };
    if (len) {
        bufs[n++] = (Buf) { data, len, data_in };
    }
    bufs[n++] = (Buf) { STATUS_ADDR(d), 1, true };
    stb_phys(&address_space_memory, STATUS_ADDR(d), 0xff);
    driver_add(d, 0, bufs, n);
    driver_kick(d);
    driver_complete(d, 0, expect_written);
    return ldub_phys(&address_space_memory, STATUS_ADDR(d));
}

static void fill_pattern(uint8_t *buf, size_t len, uint8_t seed)
{
    for (size_t i = 0; i < len; i++) {
        buf[i] = seed + i * 7 + (i >> 9);
    }
}

static char *make_image(size_t size, uint8_t seed)
{
    g_autoptr(GError) err = NULL;
    g_autofree uint8_t *buf = g_malloc(size);
    char *path;
    int fd = g_file_open_tmp("grace-virtio-XXXXXX.img", &path, &err);

    g_assert_no_error(err);
    fill_pattern(buf, size, seed);
    g_assert_cmpint(qemu_write_full(fd, buf, size), ==, size);
    close(fd);
    return path;
}

static void file_read(const char *path, off_t off, void *buf, size_t len)
{
    int fd = open(path, O_RDONLY);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(pread(fd, buf, len, off), ==, len);
    close(fd);
}

#define BLK_FEATURES    ((1ULL << 32) | (1 << 9) | (1 << 2) | (1 << 6))

/* Tests: the transport */

static void test_empty_slot(void)
{
    hwaddr base = MMIO_BASE(EMPTY_SLOT);

    qemu_devices_reset();
    g_assert_cmphex(hwt_rd32(base + R_MAGIC), ==, 0x74726976);
    g_assert_cmphex(hwt_rd32(base + R_VERSION), ==, 2);
    g_assert_cmphex(hwt_rd32(base + R_DEVICE_ID), ==, 0);
    g_assert_cmphex(hwt_rd32(base + R_VENDOR), ==, 0x554d4551);
    hwt_wr32(base + R_STATUS, S_ACK);
    hwt_wr32(base + R_QUEUE_NOTIFY, 0);
    g_assert_cmphex(hwt_rd32(base + R_STATUS), ==, 0);
    g_assert_cmphex(hwt_rd32(base + R_QUEUE_NUM_MAX), ==, 0);
    g_assert_cmpint(irqs->levels[EMPTY_SLOT], ==, 0);
}

static void test_v2_init(void)
{
    Driver d;
    uint64_t features;

    qemu_devices_reset();
    driver_init(&d, MMIO_BASE(BLK_SLOT), BLK_SLOT, false, 16, 0);
    g_assert_cmphex(reg_read(&d, R_VERSION), ==, 2);
    g_assert_cmphex(reg_read(&d, R_DEVICE_ID), ==, 2);
    features = driver_setup_v2(&d, BLK_FEATURES);
    /* VERSION_1 is offered, with FLUSH and SEG_MAX; not RO here. */
    g_assert_cmphex(features & (1ULL << 32), !=, 0);
    g_assert_cmphex(features & (1 << 9), !=, 0);
    g_assert_cmphex(features & (1 << 2), !=, 0);
    g_assert_cmphex(features & (1 << 5), ==, 0);
    /* Nothing beyond the second feature word. */
    reg_write(&d, R_DEV_FEATURES_SEL, 2);
    g_assert_cmphex(reg_read(&d, R_DEV_FEATURES), ==, 0);
    /* Queue 1 does not exist. */
    reg_write(&d, R_QUEUE_SEL, 1);
    g_assert_cmpuint(reg_read(&d, R_QUEUE_NUM_MAX), ==, 0);
    g_assert_cmpuint(reg_read(&d, R_QUEUE_READY), ==, 0);
    g_assert_cmphex(reg_read(&d, R_STATUS), ==, 0x0f);
    g_assert_cmphex(reg_read(&d, R_ISR), ==, 0);
    /* Status 0 resets: queue not ready any more. */
    reg_write(&d, R_STATUS, 0);
    g_assert_cmphex(reg_read(&d, R_STATUS), ==, 0);
    reg_write(&d, R_QUEUE_SEL, 0);
    g_assert_cmpuint(reg_read(&d, R_QUEUE_READY), ==, 0);
}

static void test_features_refused(void)
{
    Driver d;

    qemu_devices_reset();
    driver_init(&d, MMIO_BASE(BLK_SLOT), BLK_SLOT, false, 16, 0);
    /* A driver without VERSION_1 on a modern transport. */
    reg_write(&d, R_STATUS, S_ACK | S_DRIVER);
    reg_write(&d, R_DRV_FEATURES_SEL, 0);
    reg_write(&d, R_DRV_FEATURES, 1 << 9);
    reg_write(&d, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
    g_assert_cmphex(reg_read(&d, R_STATUS), ==, S_ACK | S_DRIVER);
    /* Features that were not offered. */
    reg_write(&d, R_DRV_FEATURES_SEL, 1);
    reg_write(&d, R_DRV_FEATURES, 1);
    reg_write(&d, R_DRV_FEATURES_SEL, 0);
    reg_write(&d, R_DRV_FEATURES, 1 << 28);     /* INDIRECT_DESC */
    reg_write(&d, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
    g_assert_cmphex(reg_read(&d, R_STATUS), ==, S_ACK | S_DRIVER);
    /* The proper set is accepted. */
    reg_write(&d, R_DRV_FEATURES, 1 << 9);
    reg_write(&d, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
    g_assert_cmphex(reg_read(&d, R_STATUS), ==,
                    S_ACK | S_DRIVER | S_FEATURES_OK);
}

static void test_register_misuse(void)
{
    Driver d;
    hwaddr base = MMIO_BASE(BLK_SLOT);

    qemu_devices_reset();
    driver_init(&d, base, BLK_SLOT, false, 16, 0);
    driver_setup_v2(&d, BLK_FEATURES);
    /* Registers are 32-bit: narrower accesses read 0 and do nothing. */
    g_assert_cmphex(hwt_rd8(base + R_STATUS), ==, 0);
    hwt_wr8(base + R_STATUS, 0);
    g_assert_cmphex(reg_read(&d, R_STATUS), ==, 0x0f);
    g_assert_cmpuint(hwt_try_read(base + R_MAGIC, 8), !=, MEMTX_OK);
    /* Read-only registers ignore writes; legacy ones do not exist. */
    reg_write(&d, R_MAGIC, 0);
    reg_write(&d, R_QUEUE_NUM_MAX, 0);
    reg_write(&d, R_QUEUE_PFN, 0x1234);
    g_assert_cmphex(reg_read(&d, R_MAGIC), ==, 0x74726976);
    g_assert_cmphex(reg_read(&d, R_QUEUE_PFN), ==, 0);
    g_assert_cmphex(reg_read(&d, R_QUEUE_NUM_MAX), ==,
                    VIRTIO_BLK_QUEUE_SIZE);
    /* Live queues keep their size and addresses. */
    reg_write(&d, R_QUEUE_NUM, 4);
    reg_write(&d, R_DESC_LO, 0);
    g_assert_cmpuint(reg_read(&d, R_QUEUE_READY), ==, 1);
    /* Config space ends where the device's does. */
    g_assert_cmphex(hwt_rd32(base + R_CONFIG + VIRTIO_BLK_CFG_LEN), ==,
                    0xffffffff);
    g_assert_cmphex(hwt_rd32(base + 0x1fc), ==, 0xffffffff);
    /* Unknown register. */
    g_assert_cmphex(reg_read(&d, 0x0c0), ==, 0);
    reg_write(&d, 0x0c0, 1);

    /* The device still works after all that. */
    g_assert_cmpuint(blk_request(&d, VIRTIO_BLK_T_FLUSH, 0, 0, 0, false, 1),
                     ==, VIRTIO_BLK_S_OK);
}

static void test_bad_queue_setup(void)
{
    Driver d;

    qemu_devices_reset();
    driver_init(&d, MMIO_BASE(BLK_SLOT), BLK_SLOT, false, 16, 0);
    reg_write(&d, R_STATUS, S_ACK | S_DRIVER);
    reg_write(&d, R_QUEUE_SEL, 0);
    /* Sizes beyond the maximum or 0 are refused. */
    reg_write(&d, R_QUEUE_NUM, VIRTIO_BLK_QUEUE_SIZE + 1);
    reg_write(&d, R_QUEUE_NUM, 0);
    /* Ready without a descriptor table stays not ready. */
    reg_write(&d, R_QUEUE_READY, 1);
    g_assert_cmpuint(reg_read(&d, R_QUEUE_READY), ==, 0);
    /* Kicking a queue that is not ready, or does not exist: ignored. */
    reg_write(&d, R_QUEUE_NOTIFY, 0);
    reg_write(&d, R_QUEUE_NOTIFY, 5);
    reg_write(&d, R_QUEUE_NOTIFY, 0xffff);
    g_assert_cmphex(reg_read(&d, R_STATUS), ==, S_ACK | S_DRIVER);
    g_assert_cmphex(reg_read(&d, R_ISR), ==, 0);
}

static void test_config_space(void)
{
    Driver d;
    hwaddr cfg = MMIO_BASE(BLK_SLOT) + R_CONFIG;

    qemu_devices_reset();
    driver_init(&d, MMIO_BASE(BLK_SLOT), BLK_SLOT, false, 16, 0);
    driver_setup_v2(&d, BLK_FEATURES);
    /* capacity (le64), as Linux reads it: two 32-bit halves. */
    g_assert_cmpuint(hwt_rd32(cfg + VIRTIO_BLK_CFG_CAPACITY), ==,
                     DISK_SECTORS);
    g_assert_cmpuint(hwt_rd32(cfg + VIRTIO_BLK_CFG_CAPACITY + 4), ==, 0);
    g_assert_cmpuint(hwt_rd32(cfg + VIRTIO_BLK_CFG_BLK_SIZE), ==, 512);
    g_assert_cmpuint(hwt_rd32(cfg + VIRTIO_BLK_CFG_SEG_MAX), ==,
                     VIRTIO_BLK_QUEUE_SIZE - 2);
    /* Byte and half-word reads too. */
    g_assert_cmpuint(hwt_rd8(cfg + VIRTIO_BLK_CFG_CAPACITY), ==,
                     DISK_SECTORS);
    g_assert_cmpuint(hwt_read(cfg + VIRTIO_BLK_CFG_BLK_SIZE, 2), ==, 512);
    /* The generation does not move while nothing changes. */
    g_assert_cmpuint(reg_read(&d, R_GENERATION), ==,
                     reg_read(&d, R_GENERATION));
    /* The capacity is not the driver's to change. */
    hwt_wr32(cfg + VIRTIO_BLK_CFG_CAPACITY, 1);
    g_assert_cmpuint(hwt_rd32(cfg + VIRTIO_BLK_CFG_CAPACITY), ==,
                     DISK_SECTORS);
}

/* Tests: virtio-blk */

static void test_blk_read(void)
{
    Driver d;
    uint8_t expect[1024], got[1024];

    qemu_devices_reset();
    driver_init(&d, MMIO_BASE(BLK_SLOT), BLK_SLOT, false, 16, 0);
    driver_setup_v2(&d, BLK_FEATURES);
    g_assert_cmpuint(blk_request(&d, VIRTIO_BLK_T_IN, 2, DATA_ADDR(&d),
                                 1024, true, 1025), ==, VIRTIO_BLK_S_OK);
    file_read(disk_path, 2 * 512, expect, sizeof(expect));
    guest_read(DATA_ADDR(&d), got, sizeof(got));
    g_assert_cmpmem(got, sizeof(got), expect, sizeof(expect));
}

static void test_blk_write_scattered(void)
{
    Driver d;
    uint8_t data[1536], back[1536];
    Buf bufs[5];

    qemu_devices_reset();
    driver_init(&d, MMIO_BASE(BLK_SLOT), BLK_SLOT, false, 16, 0);
    driver_setup_v2(&d, BLK_FEATURES);
    fill_pattern(data, sizeof(data), 0x5a);
    /* Three sectors from three pieces of RAM, not sector-aligned. */
    guest_write(DATA_ADDR(&d), data, 100);
    guest_write(DATA_ADDR(&d) + 0x800, data + 100, 1000);
    guest_write(DATA_ADDR(&d) + 0x2001, data + 1100, 436);
    bufs[0] = (Buf) { blk_header(&d, VIRTIO_BLK_T_OUT, 5), 16, false };
    bufs[1] = (Buf) { DATA_ADDR(&d), 100, false };
    bufs[2] = (Buf) { DATA_ADDR(&d) + 0x800, 1000, false };
    bufs[3] = (Buf) { DATA_ADDR(&d) + 0x2001, 436, false };
    bufs[4] = (Buf) { STATUS_ADDR(&d), 1, true };
    driver_add(&d, 3, bufs, 5);     /* a chain starting mid-table */
    driver_kick(&d);
    driver_complete(&d, 3, 1);
    g_assert_cmpuint(ldub_phys(&address_space_memory, STATUS_ADDR(&d)), ==,
                     VIRTIO_BLK_S_OK);
    file_read(disk_path, 5 * 512, back, sizeof(back));
    g_assert_cmpmem(back, sizeof(back), data, sizeof(data));

    /* And back through the device into a scattered read. */
    bufs[0] = (Buf) { blk_header(&d, VIRTIO_BLK_T_IN, 5), 16, false };
    bufs[1] = (Buf) { DATA_ADDR(&d) + 0x4000, 512, true };
    bufs[2] = (Buf) { DATA_ADDR(&d) + 0x5003, 1024, true };
    bufs[3] = (Buf) { STATUS_ADDR(&d), 1, true };
    driver_add(&d, 10, bufs, 4);
    driver_kick(&d);
    driver_complete(&d, 10, 1537);
    guest_read(DATA_ADDR(&d) + 0x4000, back, 512);
    guest_read(DATA_ADDR(&d) + 0x5003, back + 512, 1024);
    g_assert_cmpmem(back, sizeof(back), data, sizeof(data));
}

static void test_blk_any_layout(void)
{
    Driver d;
    uint8_t data[512], back[512], hdr[16] = { VIRTIO_BLK_T_OUT };
    Buf bufs[2];

    qemu_devices_reset();
    driver_init(&d, MMIO_BASE(BLK_SLOT), BLK_SLOT, false, 16, 0);
    driver_setup_v2(&d, BLK_FEATURES);
    /* Header and data in one buffer: the device must not assume framing. */
    hdr[8] = 9;                 /* sector 9 */
    fill_pattern(data, sizeof(data), 0xc3);
    guest_write(DATA_ADDR(&d), hdr, sizeof(hdr));
    guest_write(DATA_ADDR(&d) + 16, data, sizeof(data));
    bufs[0] = (Buf) { DATA_ADDR(&d), 16 + 512, false };
    bufs[1] = (Buf) { STATUS_ADDR(&d), 1, true };
    driver_add(&d, 0, bufs, 2);
    driver_kick(&d);
    driver_complete(&d, 0, 1);
    g_assert_cmpuint(ldub_phys(&address_space_memory, STATUS_ADDR(&d)), ==,
                     VIRTIO_BLK_S_OK);
    file_read(disk_path, 9 * 512, back, sizeof(back));
    g_assert_cmpmem(back, sizeof(back), data, sizeof(data));
}

static void test_blk_batch(void)
{
    Driver d;
    const int n = 6;

    qemu_devices_reset();
    driver_init(&d, MMIO_BASE(BLK_SLOT), BLK_SLOT, false, 32, 0);
    driver_setup_v2(&d, BLK_FEATURES);
    /* Several requests in one kick, each with its own header/status. */
    for (int i = 0; i < n; i++) {
        hwaddr hdr = d.data + 0x100 * i;
        Buf bufs[3] = {
            { hdr, 16, false },
            { DATA_ADDR(&d) + 0x200 * i, 512, true },
            { hdr + 0x20, 1, true },
        };

        stl_le_phys(&address_space_memory, hdr, VIRTIO_BLK_T_IN);
        stq_le_phys(&address_space_memory, hdr + 8, i);
        driver_add(&d, 3 * i, bufs, 3);
    }
    driver_kick(&d);
    g_assert_cmpuint(lduw_le_phys(&address_space_memory, d.used + 2), ==, n);
    for (int i = 0; i < n; i++) {
        hwaddr elem = d.used + 4 + 8 * i;
        uint8_t expect[512], got[512];

        g_assert_cmpuint(ldl_le_phys(&address_space_memory, elem), ==, 3 * i);
        g_assert_cmpuint(ldl_le_phys(&address_space_memory, elem + 4), ==,
                         513);
        g_assert_cmpuint(ldub_phys(&address_space_memory,
                                   d.data + 0x100 * i + 0x20), ==, 0);
        file_read(disk_path, 512 * i, expect, 512);
        guest_read(DATA_ADDR(&d) + 0x200 * i, got, 512);
        g_assert_cmpmem(got, 512, expect, 512);
    }
    /* One interrupt for the batch. */
    g_assert_cmpint(irqs->levels[BLK_SLOT], ==, 1);
    reg_write(&d, R_ISR_ACK, 1);
    g_assert_cmpint(irqs->levels[BLK_SLOT], ==, 0);
}

static void test_blk_flush_and_id(void)
{
    Driver d;
    uint8_t id[20], expect[20] = "grace-disk-0";

    qemu_devices_reset();
    driver_init(&d, MMIO_BASE(BLK_SLOT), BLK_SLOT, false, 16, 0);
    driver_setup_v2(&d, BLK_FEATURES);
    g_assert_cmpuint(blk_request(&d, VIRTIO_BLK_T_FLUSH, 0, 0, 0, false, 1),
                     ==, VIRTIO_BLK_S_OK);
    memset(id, 0xee, sizeof(id));
    guest_write(DATA_ADDR(&d), id, sizeof(id));
    g_assert_cmpuint(blk_request(&d, VIRTIO_BLK_T_GET_ID, 0, DATA_ADDR(&d),
                                 20, true, 21), ==, VIRTIO_BLK_S_OK);
    guest_read(DATA_ADDR(&d), id, sizeof(id));
    g_assert_cmpmem(id, sizeof(id), expect, sizeof(expect));
}

static void test_blk_errors(void)
{
    Driver d;
    uint8_t before[512], after[512];

    qemu_devices_reset();
    driver_init(&d, MMIO_BASE(BLK_SLOT), BLK_SLOT, false, 16, 0);
    driver_setup_v2(&d, BLK_FEATURES);
    /* Past the end, straddling the end, not whole sectors. */
    g_assert_cmpuint(blk_request(&d, VIRTIO_BLK_T_IN, DISK_SECTORS,
                                 DATA_ADDR(&d), 512, true, 1), ==,
                     VIRTIO_BLK_S_IOERR);
    g_assert_cmpuint(blk_request(&d, VIRTIO_BLK_T_OUT, DISK_SECTORS - 1,
                                 DATA_ADDR(&d), 1024, false, 1), ==,
                     VIRTIO_BLK_S_IOERR);
    g_assert_cmpuint(blk_request(&d, VIRTIO_BLK_T_IN, UINT64_MAX,
                                 DATA_ADDR(&d), 512, true, 1), ==,
                     VIRTIO_BLK_S_IOERR);
    g_assert_cmpuint(blk_request(&d, VIRTIO_BLK_T_IN, 0, DATA_ADDR(&d), 100,
                                 true, 1), ==, VIRTIO_BLK_S_IOERR);
    /* Unknown request types. */
    g_assert_cmpuint(blk_request(&d, 99, 0, DATA_ADDR(&d), 512, true, 1), ==,
                     VIRTIO_BLK_S_UNSUPP);
    g_assert_cmpuint(blk_request(&d, 11, 0, 0, 0, false, 1), ==,
                     VIRTIO_BLK_S_UNSUPP);
    g_assert_cmpuint(blk_request(&d, 0x100 | VIRTIO_BLK_T_IN, 0,
                                 DATA_ADDR(&d), 512, true, 1), ==,
                     VIRTIO_BLK_S_UNSUPP);
    /* The legacy barrier flag is ignored. */
    g_assert_cmpuint(blk_request(&d, VIRTIO_BLK_T_BARRIER | VIRTIO_BLK_T_IN,
                                 0, DATA_ADDR(&d), 512, true, 513), ==,
                     VIRTIO_BLK_S_OK);
    /* None of that touched the disk's last sector. */
    file_read(disk_path, (DISK_SECTORS - 1) * 512, before, 512);
    g_assert_cmpuint(blk_request(&d, VIRTIO_BLK_T_IN, DISK_SECTORS - 1,
                                 DATA_ADDR(&d), 512, true, 513), ==,
                     VIRTIO_BLK_S_OK);
    guest_read(DATA_ADDR(&d), after, 512);
    g_assert_cmpmem(after, 512, before, 512);
}

static void test_blk_read_only(void)
{
    Driver d;
    uint8_t before[512], after[512], junk[512];
    uint64_t features;

    qemu_devices_reset();
    driver_init(&d, MMIO_BASE(RO_BLK_SLOT), RO_BLK_SLOT, false, 16, 0);
    features = driver_setup_v2(&d, BLK_FEATURES | (1 << 5));
    g_assert_cmphex(features & (1 << 5), !=, 0);
    file_read(ro_disk_path, 0, before, 512);
    memset(junk, 0x11, sizeof(junk));
    guest_write(DATA_ADDR(&d), junk, sizeof(junk));
    g_assert_cmpuint(blk_request(&d, VIRTIO_BLK_T_OUT, 0, DATA_ADDR(&d), 512,
                                 false, 1), ==, VIRTIO_BLK_S_IOERR);
    file_read(ro_disk_path, 0, after, 512);
    g_assert_cmpmem(after, 512, before, 512);
    g_assert_cmpuint(blk_request(&d, VIRTIO_BLK_T_IN, 0, DATA_ADDR(&d), 512,
                                 true, 513), ==, VIRTIO_BLK_S_OK);
    g_assert_cmpuint(blk_request(&d, VIRTIO_BLK_T_FLUSH, 0, 0, 0, false, 1),
                     ==, VIRTIO_BLK_S_OK);
}

static void test_interrupt_suppression(void)
{
    Driver d;

    qemu_devices_reset();
    driver_init(&d, MMIO_BASE(BLK_SLOT), BLK_SLOT, false, 16, 0);
    driver_setup_v2(&d, BLK_FEATURES);
    stw_le_phys(&address_space_memory, d.avail, 1);     /* NO_INTERRUPT */
    blk_header(&d, VIRTIO_BLK_T_FLUSH, 0);
    driver_add(&d, 0, (Buf[]) { { d.data, 16, false },
                                { STATUS_ADDR(&d), 1, true } }, 2);
    driver_kick(&d);
    /* Completed, but silently. */
    g_assert_cmpuint(lduw_le_phys(&address_space_memory, d.used + 2), ==, 1);
    g_assert_cmphex(reg_read(&d, R_ISR), ==, 0);
    g_assert_cmpint(irqs->levels[BLK_SLOT], ==, 0);
}

/* A guest mistake, then the driver resets the device and it works. */
typedef void MistakeFn(Driver *d);

static void check_survives(MistakeFn *mistake)
{
    Driver d;
    uint8_t expect[512], got[512];

    qemu_devices_reset();
    driver_init(&d, MMIO_BASE(BLK_SLOT), BLK_SLOT, false, 16, 0);
    driver_setup_v2(&d, BLK_FEATURES);
    mistake(&d);
    assert_broken(&d);
    /* Further kicks do nothing while broken. */
    driver_kick(&d);
    g_assert_cmpuint(lduw_le_phys(&address_space_memory, d.used + 2), ==,
                     d.used_idx);

    driver_init(&d, MMIO_BASE(BLK_SLOT), BLK_SLOT, false, 16, 0);
    driver_setup_v2(&d, BLK_FEATURES);
    g_assert_cmpint(irqs->levels[BLK_SLOT], ==, 0);
    g_assert_cmpuint(blk_request(&d, VIRTIO_BLK_T_IN, 1, DATA_ADDR(&d), 512,
                                 true, 513), ==, VIRTIO_BLK_S_OK);
    file_read(disk_path, 512, expect, 512);
    guest_read(DATA_ADDR(&d), got, 512);
    g_assert_cmpmem(got, 512, expect, 512);
}

/*
 * The out-of-range mistakes place a well-formed request where the bad
 * index points (past the end of the table), so that a device missing the
 * check would serve it instead of breaking.
 */
static void put_desc(Driver *d, unsigned index, hwaddr addr, uint32_t len,
                     uint16_t flags, uint16_t next)
{
    hwaddr desc = d->desc + 16 * index;

    stq_le_phys(&address_space_memory, desc, addr);
    stl_le_phys(&address_space_memory, desc + 8, len);
    stw_le_phys(&address_space_memory, desc + 12, flags);
    stw_le_phys(&address_space_memory, desc + 14, next);
}

static void mistake_head_out_of_range(Driver *d)
{
    /* Header past the table, chaining back to a status inside it. */
    put_desc(d, d->num + 3, blk_header(d, VIRTIO_BLK_T_FLUSH, 0), 16, 1, 1);
    put_desc(d, 1, STATUS_ADDR(d), 1, 2, 0);
    stw_le_phys(&address_space_memory, d->avail + 4, d->num + 3);
    stw_le_phys(&address_space_memory, d->avail + 2, ++d->avail_idx);
    driver_kick(d);
}

static void mistake_next_out_of_range(Driver *d)
{
    Buf bufs[2] = {
        { blk_header(d, VIRTIO_BLK_T_FLUSH, 0), 16, false },
        { STATUS_ADDR(d), 1, true },
    };

    driver_add(d, 0, bufs, 2);
    put_desc(d, d->num + 1, STATUS_ADDR(d), 1, 2, 0);
    stw_le_phys(&address_space_memory, d->desc + 14, d->num + 1);
    driver_kick(d);
}

static void mistake_loop(Driver *d)
{
    Buf bufs[2] = {
        { blk_header(d, VIRTIO_BLK_T_FLUSH, 0), 16, false },
        { d->data + 0x100, 16, false },
    };

    driver_add(d, 0, bufs, 2);
    /* Descriptor 1 chains back to 0. */
    stw_le_phys(&address_space_memory, d->desc + 16 + 12, 1);
    stw_le_phys(&address_space_memory, d->desc + 16 + 14, 0);
    driver_kick(d);
}

static void mistake_not_ram(Driver *d)
{
    Buf bufs[3] = {
        { blk_header(d, VIRTIO_BLK_T_IN, 0), 16, false },
        { 0x40000000, 512, true },              /* nothing there */
        { STATUS_ADDR(d), 1, true },
    };

    driver_add(d, 0, bufs, 3);
    driver_kick(d);
}

static void mistake_mmio_buffer(Driver *d)
{
    Buf bufs[3] = {
        { blk_header(d, VIRTIO_BLK_T_IN, 0), 16, false },
        { MMIO_BASE(BLK_SLOT), 512, true },     /* device registers */
        { STATUS_ADDR(d), 1, true },
    };

    driver_add(d, 0, bufs, 3);
    driver_kick(d);
}

static void mistake_past_ram_end(Driver *d)
{
    Buf bufs[3] = {
        { blk_header(d, VIRTIO_BLK_T_IN, 0), 16, false },
        { RAM_BASE + RAM_SIZE - 256, 512, true },
        { STATUS_ADDR(d), 1, true },
    };

    driver_add(d, 0, bufs, 3);
    driver_kick(d);
}

static void mistake_wrapping_buffer(Driver *d)
{
    Buf bufs[3] = {
        { blk_header(d, VIRTIO_BLK_T_IN, 0), 16, false },
        { UINT64_MAX - 100, 512, true },
        { STATUS_ADDR(d), 1, true },
    };

    driver_add(d, 0, bufs, 3);
    driver_kick(d);
}

static void mistake_avail_jump(Driver *d)
{
    Buf bufs[2] = {
        { blk_header(d, VIRTIO_BLK_T_FLUSH, 0), 16, false },
        { STATUS_ADDR(d), 1, true },
    };

    /* A good request, then an index more than a ring ahead. */
    for (unsigned i = 0; i < d->num; i++) {
        driver_add(d, 0, bufs, 2);
    }
    stw_le_phys(&address_space_memory, d->avail + 2, d->num + 1);
    driver_kick(d);
}

static void mistake_no_header(Driver *d)
{
    Buf bufs[2] = {
        { blk_header(d, VIRTIO_BLK_T_IN, 0), 8, false },
        { STATUS_ADDR(d), 1, true },
    };

    driver_add(d, 0, bufs, 2);
    driver_kick(d);
}

static void mistake_no_status(Driver *d)
{
    Buf bufs[1] = {
        { blk_header(d, VIRTIO_BLK_T_FLUSH, 0), 16, false },
    };

    driver_add(d, 0, bufs, 1);
    driver_kick(d);
}

static void mistake_order(Driver *d)
{
    Buf bufs[3] = {
        { STATUS_ADDR(d), 1, true },
        { blk_header(d, VIRTIO_BLK_T_FLUSH, 0), 16, false },
        { STATUS_ADDR(d), 1, true },
    };

    driver_add(d, 0, bufs, 3);
    driver_kick(d);
}

static void mistake_indirect(Driver *d)
{
    Buf bufs[2] = {
        { blk_header(d, VIRTIO_BLK_T_FLUSH, 0), 16, false },
        { STATUS_ADDR(d), 1, true },
    };

    driver_add(d, 0, bufs, 2);
    stw_le_phys(&address_space_memory, d->desc + 12, 1 | 4);
    driver_kick(d);
}

static void mistake_zero_length(Driver *d)
{
    Buf bufs[3] = {
        { blk_header(d, VIRTIO_BLK_T_IN, 0), 16, false },
        { DATA_ADDR(d), 0, true },
        { STATUS_ADDR(d), 1, true },
    };

    driver_add(d, 0, bufs, 3);
    driver_kick(d);
}

static void test_survives(gconstpointer data)
{
    check_survives((MistakeFn *)data);
}

/*
 * A driver writing garbage: random ring contents (often pointing into
 * RAM, sometimes at the rings themselves), random register writes and
 * kicks.  The device must neither crash nor wedge: after a reset it
 * serves requests again.
 */
static void test_random_driver(void)
{
    Driver d;
    int rounds = g_test_quick() ? 3000 : 100000;
    uint8_t expect[512], got[512];

    qemu_devices_reset();
    driver_init(&d, MMIO_BASE(BLK_SLOT), BLK_SLOT, false, 16, 0);
    driver_setup_v2(&d, BLK_FEATURES);
    for (int i = 0; i < rounds; i++) {
        hwaddr where = d.desc + (g_test_rand_int_range(0, 0xa000) & ~3);
        uint32_t val = g_test_rand_int();

        switch (g_test_rand_int_range(0, 7)) {
        case 0:
            stl_le_phys(&address_space_memory, where, val);
            break;
        case 1:
            /* A plausible buffer address or a small length/index. */
            stl_le_phys(&address_space_memory, where,
                        g_test_rand_bit() ? d.desc + (val & 0xfffff)
                                          : val & 0x1f);
            break;
        case 2:
            stl_le_phys(&address_space_memory, where + 4,
                        g_test_rand_bit() ? RAM_BASE >> 32 : 0);
            break;
        case 3:
            hwt_random_accesses(d.base, VIRTIO_MMIO_SIZE, 1);
            break;
        case 4:
            /* Now and then, start over (the device may be broken). */
            if (g_test_rand_int_range(0, 20) == 0) {
                driver_setup_v2(&d, BLK_FEATURES);
            }
            break;
        default:
            driver_kick(&d);
            break;
        }
    }

    driver_init(&d, MMIO_BASE(BLK_SLOT), BLK_SLOT, false, 16, 0);
    driver_setup_v2(&d, BLK_FEATURES);
    g_assert_cmpint(irqs->levels[BLK_SLOT], ==, 0);
    g_assert_cmpuint(blk_request(&d, VIRTIO_BLK_T_IN, 3, DATA_ADDR(&d), 512,
                                 true, 513), ==, VIRTIO_BLK_S_OK);
    file_read(disk_path, 3 * 512, expect, 512);
    guest_read(DATA_ADDR(&d), got, 512);
    g_assert_cmpmem(got, 512, expect, 512);
}

/* Tests: legacy transport */

static void test_legacy(void)
{
    Driver d;
    uint32_t features;
    uint8_t expect[512], got[512];
    hwaddr cfg = LEGACY_BASE + R_CONFIG;

    qemu_devices_reset();
    driver_init(&d, LEGACY_BASE, LEGACY_IRQ, true, 16, 4);
    g_assert_cmphex(reg_read(&d, R_VERSION), ==, 1);
    g_assert_cmphex(reg_read(&d, R_DEVICE_ID), ==, 2);
    features = driver_setup_legacy(&d);
    g_assert_cmphex(features & (1 << 9), !=, 0);
    /* No VERSION_1 on a legacy transport. */
    reg_write(&d, R_DEV_FEATURES_SEL, 1);
    g_assert_cmphex(reg_read(&d, R_DEV_FEATURES), ==, 0);
    /* v2-only registers do nothing. */
    g_assert_cmpuint(reg_read(&d, R_QUEUE_READY), ==, 0);
    reg_write(&d, R_QUEUE_READY, 0);
    reg_write(&d, R_DESC_LO, 0);
    g_assert_cmpuint(reg_read(&d, R_GENERATION), ==, 0);
    /* Byte-wise config reads, as a legacy driver does them. */
    g_assert_cmpuint(hwt_rd8(cfg), ==, ODD_IMAGE_SIZE / 512);
    g_assert_cmpuint(hwt_rd8(cfg + 1), ==, 0);

    g_assert_cmpuint(blk_request(&d, VIRTIO_BLK_T_IN, 7, DATA_ADDR(&d), 512,
                                 true, 513), ==, VIRTIO_BLK_S_OK);
    file_read(legacy_disk_path, 7 * 512, expect, 512);
    guest_read(DATA_ADDR(&d), got, 512);
    g_assert_cmpmem(got, 512, expect, 512);
    /* The 100-byte tail beyond the last whole sector is not reachable. */
    g_assert_cmpuint(blk_request(&d, VIRTIO_BLK_T_IN, 8, DATA_ADDR(&d), 512,
                                 true, 1), ==, VIRTIO_BLK_S_IOERR);

    /* A legacy device does not announce NEEDS_RESET, but still stops. */
    mistake_loop(&d);
    g_assert_cmphex(reg_read(&d, R_STATUS) & S_NEEDS_RESET, ==, 0);
    g_assert_cmpuint(lduw_le_phys(&address_space_memory, d.used + 2), ==,
                     d.used_idx);

    /* QueuePFN 0 takes the queue away; Status 0 resets. */
    reg_write(&d, R_QUEUE_PFN, 0);
    g_assert_cmpuint(reg_read(&d, R_QUEUE_PFN), ==, 0);
    reg_write(&d, R_STATUS, 0);
    g_assert_cmphex(reg_read(&d, R_STATUS), ==, 0);
}

/* Tests: virtio-rng */

static void test_rng(void)
{
    Driver d;
    uint8_t a[64], b[64], zero[64] = { 0 };

    qemu_devices_reset();
    driver_init(&d, MMIO_BASE(RNG_SLOT), RNG_SLOT, false, 8, 0);
    g_assert_cmphex(reg_read(&d, R_DEVICE_ID), ==, 4);
    driver_setup_v2(&d, 1ULL << 32);
    reg_write(&d, R_QUEUE_SEL, 0);
    g_assert_cmpuint(reg_read(&d, R_QUEUE_NUM_MAX), ==,
                     VIRTIO_RNG_QUEUE_SIZE);

    guest_write(DATA_ADDR(&d), zero, sizeof(zero));
    guest_write(DATA_ADDR(&d) + 0x100, zero, sizeof(zero));
    /* Two buffers in one request, both filled. */
    driver_add(&d, 0, (Buf[]) { { DATA_ADDR(&d), 40, true },
                                { DATA_ADDR(&d) + 40, 24, true } }, 2);
    driver_kick(&d);
    driver_complete(&d, 0, 64);
    driver_add(&d, 2, (Buf[]) { { DATA_ADDR(&d) + 0x100, 64, true } }, 1);
    driver_kick(&d);
    driver_complete(&d, 2, 64);
    guest_read(DATA_ADDR(&d), a, sizeof(a));
    guest_read(DATA_ADDR(&d) + 0x100, b, sizeof(b));
    /* 2^-512 chances of a false failure. */
    g_assert_true(memcmp(a, zero, sizeof(a)) != 0);
    g_assert_true(memcmp(b, zero, sizeof(b)) != 0);
    g_assert_true(memcmp(a, b, sizeof(a)) != 0);
    /* No config space. */
    g_assert_cmphex(hwt_rd32(MMIO_BASE(RNG_SLOT) + R_CONFIG), ==,
                    0xffffffff);
}

/* Tests: migration */

static VirtIOMMIOProxy *blk_proxy;

static VirtIOBlock *blk_dev(void)
{
    return container_of(blk_proxy->vdev, VirtIOBlock, parent_obj);
}

/* Save both sections of the disk's slot: the transport, then the disk. */
static GByteArray *save_slot(int slot, const char *dev)
{
    g_autoptr(GByteArray) mmio = vmt_save("virtio-mmio", MMIO_BASE(slot));
    GByteArray *both = vmt_save(dev, MMIO_BASE(slot));

    /* Length-prefixed pair, for load_slot. */
    g_byte_array_prepend(both, mmio->data, mmio->len);
    g_byte_array_prepend(both, (const guint8 *)&mmio->len,
                         sizeof(mmio->len));
    return both;
}

static bool load_slot(GByteArray *both, Error **errp)
{
    guint len;
    MigReader r;

    memcpy(&len, both->data, sizeof(len));
    qemu_loadvm_state_begin();
    mig_reader_init(&r, both->data + sizeof(len), len);
    if (!qemu_loadvm_section(&r, errp)) {
        return false;
    }
    mig_reader_init(&r, both->data + sizeof(len) + len,
                    both->len - sizeof(len) - len);
    return qemu_loadvm_section(&r, errp);
}

static void expect_slot_refused(GByteArray *both, const char *msg)
{
    Error *err = NULL;

    g_assert_false(load_slot(both, &err));
    if (!strstr(error_get_pretty(err), msg)) {
        g_error("expected '%s' in: %s", msg, error_get_pretty(err));
    }
    error_free(err);
}

/*
 * Migration of a disk in use: the driver's setup, the queue and its
 * indices, a pending interrupt; requests go on after the load as if
 * nothing had happened.
 */
static void test_blk_vmstate(void)
{
    Driver d;
    uint8_t expect[512], got[512];
    g_autoptr(GByteArray) both = NULL;
    g_autoptr(GByteArray) again = NULL;

    qemu_devices_reset();
    driver_init(&d, MMIO_BASE(BLK_SLOT), BLK_SLOT, false, 16, 0);
    driver_setup_v2(&d, BLK_FEATURES);
    for (int i = 0; i < 3; i++) {
        g_assert_cmpuint(blk_request(&d, VIRTIO_BLK_T_IN, i, DATA_ADDR(&d),
                                     512, true, 513), ==, VIRTIO_BLK_S_OK);
    }
    /* One more completed, its interrupt not yet acknowledged. */
    driver_add(&d, 0, (Buf[]) {
        { blk_header(&d, VIRTIO_BLK_T_IN, 5), 16, false },
        { DATA_ADDR(&d), 512, true },
        { STATUS_ADDR(&d), 1, true } }, 3);
    driver_kick(&d);
    g_assert_cmpint(irqs->levels[BLK_SLOT], ==, 1);

    both = save_slot(BLK_SLOT, "virtio-blk");
    qemu_devices_reset();
    g_assert_cmpuint(reg_read(&d, R_STATUS), ==, 0);
    g_assert_cmpint(irqs->levels[BLK_SLOT], ==, 0);
    g_assert_true(load_slot(both, &error_abort));
    again = save_slot(BLK_SLOT, "virtio-blk");
    g_assert_cmpmem(again->data, again->len, both->data, both->len);

    g_assert_cmphex(reg_read(&d, R_STATUS), ==,
                    S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    g_assert_cmpint(irqs->levels[BLK_SLOT], ==, 1);
    driver_complete(&d, 0, 513);
    reg_write(&d, R_QUEUE_SEL, 0);
    g_assert_cmpuint(reg_read(&d, R_QUEUE_READY), ==, 1);
    g_assert_cmpuint(blk_request(&d, VIRTIO_BLK_T_IN, 9, DATA_ADDR(&d),
                                 512, true, 513), ==, VIRTIO_BLK_S_OK);
    file_read(disk_path, 9 * 512, expect, sizeof(expect));
    guest_read(DATA_ADDR(&d), got, sizeof(got));
    g_assert_cmpmem(got, sizeof(got), expect, sizeof(expect));

    /* A destination with another disk size refuses the section. */
    blk_dev()->capacity++;
    expect_slot_refused(both, "virtio-blk: field capacity = 64 in the "
                        "stream, 65 on this machine");
    blk_dev()->capacity--;
    /* Features the device never offered: refused. */
    {
        VirtIODevice *vdev = blk_proxy->vdev;
        g_autoptr(GByteArray) bad = NULL;

        vdev->guest_features |= 1ULL << 40;
        bad = save_slot(BLK_SLOT, "virtio-blk");
        vdev->guest_features &= ~(1ULL << 40);
        expect_slot_refused(bad, "virtio-blk: parent_obj: the driver "
                            "accepted features");
    }
    qemu_devices_reset();
}

static void test_rng_vmstate(void)
{
    Driver d;
    g_autoptr(GByteArray) both = NULL;

    qemu_devices_reset();
    driver_init(&d, MMIO_BASE(RNG_SLOT), RNG_SLOT, false, 8, 0);
    driver_setup_v2(&d, 1ULL << 32);
    driver_add(&d, 0, (Buf[]) { { DATA_ADDR(&d), 16, true } }, 1);
    driver_kick(&d);
    driver_complete(&d, 0, 16);
    both = save_slot(RNG_SLOT, "virtio-rng");
    qemu_devices_reset();
    g_assert_true(load_slot(both, &error_abort));
    driver_add(&d, 1, (Buf[]) { { DATA_ADDR(&d), 16, true } }, 1);
    driver_kick(&d);
    driver_complete(&d, 1, 16);
    qemu_devices_reset();
}

/* A device without a description blocks migration, saying which. */
static const VirtioDeviceClass unmigratable_class = {
    .name = "virtio-unmigratable",
    .device_id = 42,
};

static void test_blocker(void)
{
    VirtIODevice *vdev = g_new0(VirtIODevice, 1);
    VirtIOMMIOProxy *proxy;
    Error *err = NULL;

    g_assert_true(migration_check_blockers(&error_abort));
    virtio_init(vdev, &unmigratable_class, 0, 0);
    proxy = virtio_mmio_create(get_system_memory(), 0x10000400,
                               irqs->lines[LEGACY_IRQ]);
    g_assert_true(virtio_mmio_plug(proxy, vdev, &error_abort));
    g_assert_false(migration_check_blockers(&err));
    g_assert_cmpstr(error_get_pretty(err), ==, "device virtio-unmigratable "
                    "at 0x10000400 cannot be migrated");
    error_free(err);
}

/*
 * Chains going one way only: device-writable buffers alone (what a
 * virtio-rng driver sends) and device-readable ones alone (nothing for
 * the rng to fill: returned with 0 bytes written).  Either leaves one of
 * virtqueue_pop's iovec arrays empty, which it once copied from a NULL
 * pointer (undefined even for zero bytes; UBSan aborts on it).
 */
static void test_rng_one_direction(void)
{
    Driver d;

    qemu_devices_reset();
    driver_init(&d, MMIO_BASE(RNG_SLOT), RNG_SLOT, false, 8, 0);
    driver_setup_v2(&d, 1ULL << 32);
    driver_add(&d, 0, (Buf[]) { { DATA_ADDR(&d), 16, true } }, 1);
    driver_kick(&d);
    driver_complete(&d, 0, 16);
    driver_add(&d, 1, (Buf[]) { { DATA_ADDR(&d), 16, false },
                                { DATA_ADDR(&d) + 16, 16, false } }, 2);
    driver_kick(&d);
    driver_complete(&d, 1, 0);
    g_assert_cmphex(reg_read(&d, R_STATUS) & S_NEEDS_RESET, ==, 0);
}

/* Tests: -device */

static bool slot_used(int slot)
{
    return hwt_rd32(MMIO_BASE(slot) + R_DEVICE_ID) != 0;
}

static void test_device_add_errors(void)
{
    BlockBackend *blk;

    expect_device_error("nonsense-device", "not a valid device model name");
    expect_device_error("virtio-blk-device", "drive property not set");
    expect_device_error("virtio-blk-device,drive=nope", "can't find value");
    expect_device_error("virtio-blk-device,drive=hd0,bogus=1",
                        "'virtio-blk-device.bogus' not found");
    expect_device_error("virtio-rng-device,drive=hd0",
                        "'virtio-rng-device.drive' not found");
    expect_device_error("driver=", "not a valid device model name");
    /* hd0 is attached to the device in BLK_SLOT already. */
    expect_device_error("virtio-blk-device,drive=hd0", "in use");
    blk = blk_by_name("hd0");
    g_assert_nonnull(blk_get_attached_dev(blk));
    /* None of that plugged anything. */
    for (int i = 4; i < NUM_MMIO; i++) {
        g_assert_false(slot_used(i));
    }
}

static void test_device_add_help(void)
{
    if (g_test_subprocess()) {
        g_assert_true(qdev_device_help("help"));
        g_assert_true(qdev_device_help("virtio-blk-device,help"));
        g_assert_false(qdev_device_help("virtio-blk-device,drive=x"));
        g_assert_false(qdev_device_help("nonsense,help"));
        g_assert_true(device_add_from_str("?", &error_abort));
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_passed();
    g_test_trap_assert_stdout("*virtio-blk-device*virtio-rng-device*"
                              "virtio-blk-device options:*drive=*serial=*"
                              "virtio-blk-device*");
}

static void test_device_add_order(void)
{
    BlockBackend *blk;
    Error *err = NULL;

    /* QEMU's quirk: the highest free address first. */
    g_assert_true(device_add_from_str("virtio-rng-device", &error_abort));
    g_assert_cmphex(hwt_rd32(MMIO_BASE(7) + R_DEVICE_ID), ==, 4);
    blk = blk_new_open(odd_disk_path, true, &error_abort);
    g_assert_true(monitor_add_blk(blk, "hd9", &error_abort));
    g_assert_true(device_add_from_str("virtio-blk-device,drive=hd9,"
                                      "serial=xyz", &error_abort));
    g_assert_cmphex(hwt_rd32(MMIO_BASE(6) + R_DEVICE_ID), ==, 2);
    g_assert_cmphex(hwt_rd32(MMIO_BASE(6) + R_CONFIG), ==,
                    ODD_IMAGE_SIZE / 512);
    g_assert_true(device_add_from_str("driver=virtio-rng-device,id=rng1",
                                      &error_abort));
    g_assert_cmphex(hwt_rd32(MMIO_BASE(5) + R_DEVICE_ID), ==, 4);
    g_assert_true(device_add_from_str("virtio-rng-device", &error_abort));
    g_assert_cmphex(hwt_rd32(MMIO_BASE(4) + R_DEVICE_ID), ==, 4);
    /* Slots 1-3 and the legacy transport hold the fixed devices: slot 0
     * is the last free one. */
    g_assert_true(device_add_from_str("virtio-rng-device", &error_abort));
    g_assert_cmphex(hwt_rd32(MMIO_BASE(0) + R_DEVICE_ID), ==, 4);
    expect_device_error("virtio-rng-device", "No free virtio-mmio transport");
    g_assert_false(device_add_from_str("virtio-rng-device", &err));
    error_free(err);
}

/* Setup */

static void plug(VirtIOMMIOProxy *proxy, VirtIODevice *vdev)
{
    g_assert_nonnull(vdev);
    g_assert_true(virtio_mmio_plug(proxy, vdev, &error_abort));
}

static VirtIODevice *new_blk(const char *path, const char *id, bool ro,
                             const char *serial)
{
    BlockBackend *blk = blk_new_open(path, ro, &error_abort);

    /* The name keeps the opening reference, as for -drive. */
    g_assert_true(monitor_add_blk(blk, id, &error_abort));
    return virtio_blk_new(blk, serial, &error_abort);
}

int main(int argc, char **argv)
{
    VirtIOMMIOProxy *proxies[NUM_MMIO], *legacy;
    MemoryRegion *ram = g_new0(MemoryRegion, 1);
    int ret;

    g_test_init(&argc, &argv, NULL);
    qemu_init_main_loop(&error_abort);
    qemu_mutex_lock_iothread();

    g_assert_true(memory_region_init_ram(ram, NULL, "ram", RAM_SIZE,
                                         &error_abort));
    memory_region_add_subregion(get_system_memory(), RAM_BASE, ram);
    irqs = hwt_irqs_new(NUM_MMIO + 1);
    for (int i = 0; i < NUM_MMIO; i++) {
        proxies[i] = virtio_mmio_create(get_system_memory(), MMIO_BASE(i),
                                        irqs->lines[i]);
    }
    virtio_mmio_set_force_legacy(true);
    legacy = virtio_mmio_create(get_system_memory(), LEGACY_BASE,
                                irqs->lines[LEGACY_IRQ]);
    virtio_mmio_set_force_legacy(false);

    disk_path = make_image(DISK_SECTORS * 512, 1);
    ro_disk_path = make_image(DISK_SECTORS * 512, 2);
    legacy_disk_path = make_image(ODD_IMAGE_SIZE, 3);
    odd_disk_path = make_image(ODD_IMAGE_SIZE, 4);
    plug(proxies[BLK_SLOT], new_blk(disk_path, "hd0", false,
                                    "grace-disk-0"));
    blk_proxy = proxies[BLK_SLOT];
    plug(proxies[RO_BLK_SLOT], new_blk(ro_disk_path, "hd1", true, NULL));
    plug(proxies[RNG_SLOT], virtio_rng_new(&error_abort));
    plug(legacy, new_blk(legacy_disk_path, "hd2", false, NULL));

    g_test_add_func("/virtio-mmio/empty-slot", test_empty_slot);
    g_test_add_func("/virtio-mmio/v2-init", test_v2_init);
    g_test_add_func("/virtio-mmio/features-refused", test_features_refused);
    g_test_add_func("/virtio-mmio/register-misuse", test_register_misuse);
    g_test_add_func("/virtio-mmio/bad-queue-setup", test_bad_queue_setup);
    g_test_add_func("/virtio-mmio/interrupt-suppression",
                    test_interrupt_suppression);
    g_test_add_func("/virtio-mmio/legacy", test_legacy);
    g_test_add_func("/virtio-blk/config-space", test_config_space);
    g_test_add_func("/virtio-blk/read", test_blk_read);
    g_test_add_func("/virtio-blk/write-scattered", test_blk_write_scattered);
    g_test_add_func("/virtio-blk/any-layout", test_blk_any_layout);
    g_test_add_func("/virtio-blk/batch", test_blk_batch);
    g_test_add_func("/virtio-blk/flush-and-id", test_blk_flush_and_id);
    g_test_add_func("/virtio-blk/errors", test_blk_errors);
    g_test_add_func("/virtio-blk/read-only", test_blk_read_only);
#define ADD_MISTAKE(name) \
    g_test_add_data_func("/virtio-blk/survives/" #name, \
                         (gconstpointer)mistake_##name, test_survives)
    ADD_MISTAKE(head_out_of_range);
    ADD_MISTAKE(next_out_of_range);
    ADD_MISTAKE(loop);
    ADD_MISTAKE(not_ram);
    ADD_MISTAKE(mmio_buffer);
    ADD_MISTAKE(past_ram_end);
    ADD_MISTAKE(wrapping_buffer);
    ADD_MISTAKE(avail_jump);
    ADD_MISTAKE(no_header);
    ADD_MISTAKE(no_status);
    ADD_MISTAKE(order);
    ADD_MISTAKE(indirect);
    ADD_MISTAKE(zero_length);
    g_test_add_func("/virtio-blk/random-driver", test_random_driver);
    g_test_add_func("/virtio-rng/one-direction", test_rng_one_direction);
    g_test_add_func("/virtio-rng/fill", test_rng);
    g_test_add_func("/virtio-blk/vmstate", test_blk_vmstate);
    g_test_add_func("/virtio-rng/vmstate", test_rng_vmstate);
    g_test_add_func("/device-add/errors", test_device_add_errors);
    g_test_add_func("/device-add/help", test_device_add_help);
    /* Last: it fills every transport. */
    g_test_add_func("/device-add/order", test_device_add_order);
    g_test_add_func("/migration/blocker", test_blocker);
    ret = g_test_run();

    unlink(disk_path);
    unlink(ro_disk_path);
    unlink(legacy_disk_path);
    unlink(odd_disk_path);
    return ret;
}
