/*
 * The memory API: rendering (priorities, aliases, containers, disabling),
 * translation, dispatch with access-size adjustment, copies across
 * regions, DMA mapping, listeners, and `info mtree`.
 */
#include "qemu/osdep.h"
#include "exec/memory.h"
#include "exec/ramblock.h"
#include "exec/ram_addr.h"
#include "qemu/main-loop.h"
#include "qemu/rcu.h"
#include "qemu/thread.h"
#include "qapi/error.h"

/*
 * A test device: 16 bytes of registers that it implements only as 4-byte
 * accesses, recording every call; the guest may use 1..8 bytes.
 */
typedef struct TestDev {
    MemoryRegion mr;
    uint8_t regs[16];
    int reads, writes;
    unsigned last_size;
} TestDev;

static uint64_t testdev_read(void *opaque, hwaddr addr, unsigned size)
{
    TestDev *d = opaque;
    uint32_t v;

    g_assert_cmpuint(size, ==, 4);
    g_assert_cmpuint(addr + size, <=, sizeof(d->regs));
    d->reads++;
    d->last_size = size;
    memcpy(&v, &d->regs[addr], 4);
    return v;
}

static void testdev_write(void *opaque, hwaddr addr, uint64_t data,
                          unsigned size)
{
    TestDev *d = opaque;
    uint32_t v = data;

    g_assert_cmpuint(size, ==, 4);
    g_assert_cmpuint(addr + size, <=, sizeof(d->regs));
    d->writes++;
    d->last_size = size;
    memcpy(&d->regs[addr], &v, 4);
}

static const MemoryRegionOps testdev_ops = {
    .read = testdev_read,
    .write = testdev_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

/* A device that allows only aligned 4-byte accesses. */
static const MemoryRegionOps strict_ops = {
    .read = testdev_read,
    .write = testdev_write,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
};

static MemoryRegion root;
static AddressSpace as;

/* The regions the current test created, to finalize in teardown. */
static GPtrArray *regions;

static void setup_as(void)
{
    regions = g_ptr_array_new();
    memory_region_init(&root, NULL, "root", UINT64_MAX);
    address_space_init(&as, &root, "test");
}

/* Remember mr (initialised by the test) and map it at offset in root. */
static void add(hwaddr offset, MemoryRegion *mr)
{
    g_ptr_array_add(regions, mr);
    memory_region_add_subregion(&root, offset, mr);
}

static void add_overlap(hwaddr offset, MemoryRegion *mr, int priority)
{
    g_ptr_array_add(regions, mr);
    memory_region_add_subregion_overlap(&root, offset, mr, priority);
}

/* Each test builds its tree on its stack: take it apart before the
 * regions go out of scope. */
static void teardown_as(void)
{
    for (guint i = regions->len; i-- > 0;) {
        MemoryRegion *mr = g_ptr_array_index(regions, i);

        memory_region_del_subregion(&root, mr);
        memory_region_finalize(mr);
    }
    g_ptr_array_free(regions, true);
    address_space_destroy(&as);
    memory_region_finalize(&root);
}

static MemoryRegion *lookup(hwaddr addr, hwaddr *xlat, hwaddr *len)
{
    return address_space_translate(&as, addr, xlat, len, false,
                                   MEMTXATTRS_UNSPECIFIED);
}

static void test_priority_and_alias(void)
{
    MemoryRegion ram, low, high, alias;
    hwaddr xlat, len;

    setup_as();
    memory_region_init_ram(&ram, NULL, "ram", 0x10000, &error_abort);
    add(0x100000, &ram);
    /* Two overlapping I/O regions inside the RAM: high covers part of low. */
    memory_region_init_io(&low, NULL, &testdev_ops, NULL, "low", 0x2000);
    memory_region_init_io(&high, NULL, &testdev_ops, NULL, "high", 0x1000);
    add_overlap(0x101000, &low, 1);
    add_overlap(0x101800, &high, 2);

    len = 0x10000;
    g_assert_true(lookup(0x100010, &xlat, &len) == &ram);
    g_assert_cmphex(xlat, ==, 0x10);
    g_assert_cmphex(len, ==, 0x1000 - 0x10);   /* stops where low begins */
    len = 0x10000;
    g_assert_true(lookup(0x101000, &xlat, &len) == &low);
    g_assert_cmphex(len, ==, 0x800);
    len = 4;
    g_assert_true(lookup(0x101900, &xlat, &len) == &high);
    g_assert_cmphex(xlat, ==, 0x100);
    len = 4;
    g_assert_true(lookup(0x102900, &xlat, &len) == &low);
    g_assert_cmphex(xlat, ==, 0x1900);
    len = 4;
    g_assert_true(lookup(0x103000, &xlat, &len) == &ram);
    g_assert_cmphex(xlat, ==, 0x3000);

    /* Disabling high uncovers low. */
    memory_region_set_enabled(&high, false);
    len = 4;
    g_assert_true(lookup(0x101900, &xlat, &len) == &low);
    memory_region_set_enabled(&high, true);

    /* An alias shows ram from offset 0x8000 at 0x200000. */
    memory_region_init_alias(&alias, NULL, "alias", &ram, 0x8000, 0x1000);
    add(0x200000, &alias);
    len = 0x10000;
    g_assert_true(lookup(0x200010, &xlat, &len) == &ram);
    g_assert_cmphex(xlat, ==, 0x8010);
    g_assert_cmphex(len, ==, 0x1000 - 0x10);

    /* A hole: NULL, with the distance to the next mapping. */
    len = 0x1000000;
    g_assert_null(lookup(0x1ff000, &xlat, &len));
    g_assert_cmphex(len, ==, 0x1000);
    teardown_as();
}

static void test_dispatch_sizes(void)
{
    TestDev d = { 0 };
    MemoryRegion strict;
    uint64_t v;

    setup_as();
    memory_region_init_io(&d.mr, NULL, &testdev_ops, &d, "dev", 16);
    add(0x1000, &d.mr);
    memory_region_init_io(&strict, NULL, &strict_ops, &d, "strict", 16);
    add(0x2000, &strict);

    /* An 8-byte write becomes two 4-byte device writes, little-endian. */
    g_assert_cmpint(memory_region_dispatch_write(&d.mr, 0, 0x1122334455667788,
                                                 MO_64,
                                                 MEMTXATTRS_UNSPECIFIED),
                    ==, MEMTX_OK);
    g_assert_cmpint(d.writes, ==, 2);
    g_assert_cmphex(d.regs[0], ==, 0x88);
    g_assert_cmphex(d.regs[7], ==, 0x11);
    /* A 1-byte read is widened to a 4-byte device read and masked. */
    g_assert_cmpint(memory_region_dispatch_read(&d.mr, 0, &v, MO_8,
                                                MEMTXATTRS_UNSPECIFIED),
                    ==, MEMTX_OK);
    g_assert_cmphex(v, ==, 0x88);
    g_assert_cmpint(memory_region_dispatch_read(&d.mr, 0, &v, MO_SB,
                                                MEMTXATTRS_UNSPECIFIED),
                    ==, MEMTX_OK);
    g_assert_cmphex(v, ==, 0xffffffffffffff88ULL);
    g_assert_cmpint(d.last_size, ==, 4);

    /* The strict device refuses 1-byte and misaligned accesses outright. */
    d.reads = 0;
    g_assert_cmpint(memory_region_dispatch_read(&strict, 0, &v, MO_8,
                                                MEMTXATTRS_UNSPECIFIED),
                    ==, MEMTX_DECODE_ERROR);
    g_assert_cmpint(memory_region_dispatch_read(&strict, 2, &v, MO_32,
                                                MEMTXATTRS_UNSPECIFIED),
                    ==, MEMTX_DECODE_ERROR);
    g_assert_cmpint(d.reads, ==, 0);
    g_assert_cmpint(address_space_ldl_le(&as, 0x2004, MEMTXATTRS_UNSPECIFIED,
                                         NULL), ==, 0x11223344);
    g_assert_cmpint(d.reads, ==, 1);
    teardown_as();
}

static void test_rw_across_regions(void)
{
    MemoryRegion ram, rom;
    TestDev d = { 0 };
    uint8_t buf[0x30], out[0x30];
    MemTxResult r;

    setup_as();
    memory_region_init_ram(&ram, NULL, "ram2", 0x1000, &error_abort);
    memory_region_init_rom(&rom, NULL, "rom", 0x1000, &error_abort);
    memory_region_init_io(&d.mr, NULL, &testdev_ops, &d, "dev", 16);
    add(0x0000, &ram);
    add(0x1000, &d.mr);
    add(0x2000, &rom);

    for (int i = 0; i < sizeof(buf); i++) {
        buf[i] = i + 1;
    }
    /* RAM tail, the whole device, then a hole: the hole is an error. */
    r = address_space_write(&as, 0xff0, MEMTXATTRS_UNSPECIFIED, buf, 0x30);
    g_assert_cmpint(r, ==, MEMTX_DECODE_ERROR);
    memset(out, 0xee, sizeof(out));
    r = address_space_read(&as, 0xff0, MEMTXATTRS_UNSPECIFIED, out, 0x30);
    g_assert_cmpint(r, ==, MEMTX_DECODE_ERROR);
    g_assert_cmpmem(out, 0x20, buf, 0x20);         /* RAM + device */
    for (int i = 0x20; i < 0x30; i++) {
        g_assert_cmpint(out[i], ==, 0);             /* the hole reads 0 */
    }

    /* ROM ignores normal writes but takes loader writes. */
    address_space_write(&as, 0x2000, MEMTXATTRS_UNSPECIFIED, buf, 4);
    g_assert_cmpint(ldl_le_phys(&as, 0x2000), ==, 0);
    address_space_write_rom(&as, 0x2000, MEMTXATTRS_UNSPECIFIED, buf, 4);
    g_assert_cmphex(ldl_le_phys(&as, 0x2000), ==, 0x04030201);

    stq_le_phys(&as, 0x100, 0x0123456789abcdefULL);
    g_assert_cmphex(ldq_le_phys(&as, 0x100), ==, 0x0123456789abcdefULL);
    g_assert_cmphex(lduw_le_phys(&as, 0x102), ==, 0x89ab);
    g_assert_cmphex(ldub_phys(&as, 0x107), ==, 0x01);
    teardown_as();
}

static void test_map(void)
{
    MemoryRegion ram;
    TestDev d = { 0 };
    hwaddr len;
    uint8_t *p;

    setup_as();
    memory_region_init_ram(&ram, NULL, "ram3", 0x1000, &error_abort);
    memory_region_init_io(&d.mr, NULL, &testdev_ops, &d, "dev", 16);
    add(0x10000, &ram);
    add(0x11000, &d.mr);

    len = 0x2000;
    p = address_space_map(&as, 0x10800, &len, true, MEMTXATTRS_UNSPECIFIED);
    g_assert_nonnull(p);
    g_assert_cmphex(len, ==, 0x800);    /* shortened at the end of RAM */
    p[0] = 0x5a;
    address_space_unmap(&as, p, len, true, 1);
    g_assert_cmphex(ldub_phys(&as, 0x10800), ==, 0x5a);

    len = 4;
    g_assert_null(address_space_map(&as, 0x11000, &len, false,
                                    MEMTXATTRS_UNSPECIFIED));
    teardown_as();
}

static int commits;

static void count_commit(MemoryListener *l)
{
    commits++;
}

static void test_listener_and_mtree(void)
{
    MemoryListener listener = { .commit = count_commit };
    MemoryRegion ram, sub;
    GString *out = g_string_new(NULL);

    setup_as();
    memory_listener_register(&listener, &as);
    commits = 0;
    memory_region_init_ram(&ram, NULL, "board.ram", 0x4000, &error_abort);
    add(0x80000000, &ram);
    g_assert_cmpint(commits, ==, 1);
    memory_region_init(&sub, NULL, "empty-container", 0x1000);
    add(0x1000, &sub);
    memory_region_set_enabled(&sub, false);
    g_assert_cmpint(commits, ==, 3);

    /* A transaction renders once, at its outermost commit. */
    memory_region_transaction_begin();
    memory_region_set_enabled(&sub, true);
    memory_region_transaction_begin();
    memory_region_set_enabled(&sub, false);
    memory_region_transaction_commit();
    memory_region_set_enabled(&sub, true);
    g_assert_cmpint(commits, ==, 3);
    memory_region_transaction_commit();
    g_assert_cmpint(commits, ==, 4);
    /* An empty one renders nothing. */
    memory_region_transaction_begin();
    memory_region_transaction_commit();
    g_assert_cmpint(commits, ==, 4);
    memory_listener_unregister(&listener);

    mtree_info(out);
    teardown_as();
    g_assert_nonnull(strstr(out->str, "address-space: test"));
    g_assert_nonnull(strstr(out->str,
        "0000000080000000-0000000080003fff (prio 0, ram): board.ram"));
    g_assert_nonnull(strstr(out->str, "(prio 0, container): empty-container"));
    g_string_free(out, true);
}

/*
 * Readers translate and read an address while the main thread maps and
 * unmaps RAM there, retiring each region with memory_region_free_rcu.  A
 * reader in its read-side section may see the old map or the new one,
 * but whatever region it finds stays intact until the section ends.
 */
#define CHURN_BASE      0x40000000
#define CHURN_SIZE      (64 * KiB)
#define CHURN_READERS   2

static bool churn_stop;

static void *churn_reader(void *arg)
{
    uint64_t *seen = arg;

    rcu_register_thread();
    while (!qatomic_read(&churn_stop)) {
        hwaddr xlat, len = 8;
        MemoryRegion *mr;
        uint64_t v;

        rcu_read_lock();
        mr = address_space_translate(&address_space_memory,
                                     CHURN_BASE + 0x100, &xlat, &len, false,
                                     MEMTXATTRS_UNSPECIFIED);
        if (mr) {
            g_assert_cmpstr(mr->name, ==, "churn");
            g_assert_true(mr->ram);
            v = *(uint64_t *)((uint8_t *)memory_region_get_ram_ptr(mr) +
                              xlat);
            g_assert_cmphex(v, ==, memory_region_get_ram_addr(mr));
            (*seen)++;
        }
        /* The same through the copying path. */
        address_space_read(&address_space_memory, CHURN_BASE + 0x100,
                           MEMTXATTRS_UNSPECIFIED, &v, 8);
        rcu_read_unlock();
    }
    rcu_unregister_thread();
    return NULL;
}

static void test_rcu_map_churn(void)
{
    MemoryRegion *sysmem = get_system_memory();
    QemuThread t[CHURN_READERS];
    uint64_t seen[CHURN_READERS] = { 0 };
    int rounds = g_test_quick() ? 2000 : 20000;
    MemoryRegion *old = NULL;

    for (int i = 0; i < CHURN_READERS; i++) {
        qemu_thread_create(&t[i], "map-reader", churn_reader, &seen[i],
                           QEMU_THREAD_JOINABLE);
    }
    /* Each new region goes over the old one, which then goes. */
    for (int i = 0; i <= rounds; i++) {
        MemoryRegion *mr = NULL;

        if (i < rounds) {
            mr = g_new0(MemoryRegion, 1);
            memory_region_init_ram(mr, NULL, "churn", CHURN_SIZE,
                                   &error_abort);
            *(uint64_t *)((uint8_t *)memory_region_get_ram_ptr(mr) + 0x100) =
                memory_region_get_ram_addr(mr);
        }
        qemu_mutex_lock_iothread();
        if (mr) {
            memory_region_add_subregion_overlap(sysmem, CHURN_BASE, mr,
                                                1 + (i & 1));
        }
        if (old) {
            memory_region_del_subregion(sysmem, old);
            memory_region_free_rcu(old);
        }
        qemu_mutex_unlock_iothread();
        old = mr;
    }
    qatomic_set(&churn_stop, true);
    for (int i = 0; i < CHURN_READERS; i++) {
        qemu_thread_join(&t[i]);
    }
    drain_call_rcu();
    g_test_message("%d maps and unmaps; the readers found RAM %" PRIu64
                   " and %" PRIu64 " times", rounds, seen[0], seen[1]);
    g_assert_cmpuint(seen[0] + seen[1], >, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qemu_init_main_loop(&error_abort);
    g_test_add_func("/memory/priority-and-alias", test_priority_and_alias);
    g_test_add_func("/memory/dispatch-sizes", test_dispatch_sizes);
    g_test_add_func("/memory/rw-across-regions", test_rw_across_regions);
    g_test_add_func("/memory/map", test_map);
    g_test_add_func("/memory/listener-and-mtree", test_listener_and_mtree);
    g_test_add_func("/memory/rcu-map-churn", test_rcu_map_churn);
    return g_test_run();
}
