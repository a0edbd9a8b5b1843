/*
 * RAM blocks: allocation, lookups, host pointer translation, dirty
 * bitmaps, the code-write hook, `info ramblock`, and a torture of
 * lock-free lookups while blocks come and go.
 */
#include "qemu/osdep.h"
#include "exec/memory.h"
#include "exec/ramblock.h"
#include "exec/ram_addr.h"
#include "qemu/main-loop.h"
#include "qemu/rcu.h"
#include "qemu/rcu_queue.h"
#include "qemu/thread.h"
#include "qapi/error.h"
#include <sys/mman.h>

static void test_lookup(void)
{
    MemoryRegion a, b, c;
    RAMBlock *ba, *bb, *bc;
    ram_addr_t off;

    memory_region_init_ram(&a, NULL, "blk-a", 3 * MiB, &error_abort);
    memory_region_init_ram(&b, NULL, "blk-b", 4096, &error_abort);
    memory_region_init_ram(&c, NULL, "blk-c", 64 * KiB, &error_abort);
    ba = a.ram_block;
    bb = b.ram_block;
    bc = c.ram_block;

    /* Blocks do not overlap in ram_addr space. */
    g_assert_cmpuint(bb->offset, >=, ba->offset + ba->max_length);
    g_assert_cmpuint(bc->offset, >=, bb->offset + bb->max_length);

    g_assert_true(qemu_get_ram_block(ba->offset + 100) == ba);
    g_assert_true(qemu_get_ram_block(bb->offset) == bb);
    /* The MRU hint must not answer for the wrong block. */
    g_assert_true(qemu_get_ram_block(ba->offset + ba->max_length - 1) == ba);
    g_assert_true(qemu_get_ram_block(bb->offset + 4095) == bb);
    /* Iteration sees ram_addr order, whatever the lookups did. */
    g_assert_true(QLIST_FIRST(&ram_list.blocks) == ba);
    g_assert_true(QLIST_NEXT(ba, next) == bb);
    g_assert_true(QLIST_NEXT(bb, next) == bc);
    g_assert_null(qemu_get_ram_block(bc->offset + bc->max_length));

    g_assert_true(qemu_map_ram_ptr(NULL, bc->offset + 10) == bc->host + 10);
    g_assert_true(qemu_map_ram_ptr(bc, 10) == bc->host + 10);
    g_assert_true(qemu_ram_block_from_host(ba->host + 5000, true, &off) == ba);
    g_assert_cmpuint(off, ==, 4096);
    g_assert_cmpuint(qemu_ram_addr_from_host(bb->host + 7), ==,
                     bb->offset + 7);
    g_assert_cmpuint(qemu_ram_addr_from_host(&off), ==, RAM_ADDR_MAX);
    off = bb->offset;
    memory_region_finalize(&a);
    memory_region_finalize(&b);
    memory_region_finalize(&c);
    /* Freed blocks are gone from the list. */
    g_assert_null(qemu_get_ram_block(off));
}

/* The block of ram_list containing addr, found by walking the list. */
static RAMBlock *walk_lookup(ram_addr_t addr)
{
    RAMBlock *block;

    RCU_READ_LOCK_GUARD();
    QLIST_FOREACH_RCU(block, &ram_list.blocks, next) {
        if (addr - block->offset < block->max_length) {
            return block;
        }
    }
    return NULL;
}

static void assert_lookup_agrees(ram_addr_t addr)
{
    RAMBlock *want = walk_lookup(addr);

    if (qemu_get_ram_block(addr) != want) {
        g_error("lookup of ram_addr 0x%" PRIx64 " found %s, not %s",
                (uint64_t)addr,
                qemu_get_ram_block(addr) ? qemu_get_ram_block(addr)->idstr
                                         : "nothing",
                want ? want->idstr : "nothing");
    }
}

/*
 * The lookup table (ram_list.index) against a walk of the list: at every
 * 2 MiB granule and at both edges of every block, with a block that
 * crosses a GiB boundary, blocks that end inside a granule, and a GiB of
 * ram_addr space left with no block in it by a removal.
 */
static void test_lookup_index(void)
{
    MemoryRegion big, small, gone, far;
    RAMBlock *block;
    ram_addr_t end = 0;

    memory_region_init_ram(&big, NULL, "idx-big", 1 * GiB + 3 * MiB,
                           &error_abort);
    memory_region_init_ram(&small, NULL, "idx-small", 4096, &error_abort);
    memory_region_init_ram(&gone, NULL, "idx-gone", 2 * GiB, &error_abort);
    memory_region_init_ram(&far, NULL, "idx-far", 64 * KiB, &error_abort);
    memory_region_finalize(&gone);

    QLIST_FOREACH(block, &ram_list.blocks, next) {
        assert_lookup_agrees(block->offset - 1);
        assert_lookup_agrees(block->offset);
        assert_lookup_agrees(block->offset + block->max_length - 1);
        assert_lookup_agrees(block->offset + block->max_length);
        end = MAX(end, block->offset + block->max_length);
    }
    g_assert_true(qemu_get_ram_block(far.ram_block->offset + 100) ==
                  far.ram_block);
    for (ram_addr_t a = 0; a < end + 4 * GiB; a += 2 * MiB) {
        assert_lookup_agrees(a);
        assert_lookup_agrees(a + 2 * MiB - 1);
    }
    assert_lookup_agrees(RAM_ADDR_MAX);
    memory_region_finalize(&big);
    memory_region_finalize(&small);
    memory_region_finalize(&far);
    g_assert_null(qemu_get_ram_block(0));
}

/*
 * A freed block's ram_addr range is never handed out again, even when it
 * was the last one: translated code is found by ram_addr.
 */
static void test_offsets_not_reused(void)
{
    MemoryRegion a, b, c;
    ram_addr_t b_end;

    memory_region_init_ram(&a, NULL, "reuse-a", 64 * KiB, &error_abort);
    memory_region_init_ram(&b, NULL, "reuse-b", 64 * KiB, &error_abort);
    b_end = b.ram_block->offset + b.ram_block->max_length;
    memory_region_finalize(&b);
    memory_region_init_ram(&c, NULL, "reuse-c", 64 * KiB, &error_abort);
    g_assert_cmpuint(c.ram_block->offset, >=, b_end);
    memory_region_finalize(&a);
    memory_region_finalize(&c);
}

static ram_addr_t hooked_start, hooked_len;
static int hook_calls;

static void code_hook(ram_addr_t start, ram_addr_t len)
{
    hook_calls++;
    hooked_start = start;
    hooked_len = len;
    /* As the accelerator does: the code is gone, the pages are dirty. */
    cpu_physical_memory_set_dirty_range(start, len, 1 << DIRTY_MEMORY_CODE);
}

static void test_dirty_and_hook(void)
{
    MemoryRegion r;
    ram_addr_t base;

    memory_region_init_ram(&r, NULL, "blk-dirty", 16 * TARGET_PAGE_SIZE,
                           &error_abort);
    base = memory_region_get_ram_addr(&r);
    cpu_physical_memory_set_code_write_hook(code_hook);

    /* Fresh memory is dirty for every client. */
    g_assert_true(cpu_physical_memory_get_dirty_flag(base, DIRTY_MEMORY_CODE));
    g_assert_true(cpu_physical_memory_test_and_clear_dirty(
        base + 3 * TARGET_PAGE_SIZE, 2 * TARGET_PAGE_SIZE, DIRTY_MEMORY_CODE));
    g_assert_false(cpu_physical_memory_get_dirty_flag(
        base + 4 * TARGET_PAGE_SIZE, DIRTY_MEMORY_CODE));
    g_assert_true(cpu_physical_memory_get_dirty_flag(
        base + 5 * TARGET_PAGE_SIZE, DIRTY_MEMORY_CODE));

    /* A write that misses the code pages does not call the hook... */
    hook_calls = 0;
    cpu_physical_memory_invalidate_and_set_dirty(base, TARGET_PAGE_SIZE);
    g_assert_cmpint(hook_calls, ==, 0);
    /* ...one that touches them does, and leaves them dirty. */
    cpu_physical_memory_invalidate_and_set_dirty(
        base + 4 * TARGET_PAGE_SIZE + 8, 4);
    g_assert_cmpint(hook_calls, ==, 1);
    g_assert_cmpuint(hooked_start, ==, base + 4 * TARGET_PAGE_SIZE + 8);
    g_assert_cmpuint(hooked_len, ==, 4);
    g_assert_true(cpu_physical_memory_get_dirty_flag(
        base + 4 * TARGET_PAGE_SIZE, DIRTY_MEMORY_CODE));
    cpu_physical_memory_set_code_write_hook(NULL);

    g_assert_true(cpu_physical_memory_test_and_clear_dirty(
        base, 16 * TARGET_PAGE_SIZE, DIRTY_MEMORY_MIGRATION));
    g_assert_false(cpu_physical_memory_test_and_clear_dirty(
        base, 16 * TARGET_PAGE_SIZE, DIRTY_MEMORY_MIGRATION));
    cpu_physical_memory_set_dirty_flag(base + TARGET_PAGE_SIZE,
                                       DIRTY_MEMORY_MIGRATION);
    g_assert_true(cpu_physical_memory_get_dirty_flag(
        base + TARGET_PAGE_SIZE, DIRTY_MEMORY_MIGRATION));
    memory_region_finalize(&r);
}

static void test_info(void)
{
    MemoryRegion r;
    GString *out = g_string_new(NULL);
    ram_addr_t base;

    memory_region_init_ram(&r, NULL, "blk-info", 8 * TARGET_PAGE_SIZE,
                           &error_abort);
    base = memory_region_get_ram_addr(&r);
    cpu_physical_memory_test_and_clear_dirty(base, 3 * TARGET_PAGE_SIZE,
                                             DIRTY_MEMORY_CODE);
    ram_block_info(out);
    g_assert_nonnull(strstr(out->str, "Block Name"));
    /* 8 pages, of which 3 hold code. */
    g_assert_nonnull(strstr(out->str, "blk-info"));
    g_assert_nonnull(strstr(out->str,
                            "0x0000000000008000 0x0000000000008000            3"));
    g_string_free(out, true);
    memory_region_finalize(&r);
}

static void test_alloc_errors(void)
{
    MemoryRegion r;
    Error *err = NULL;

    g_assert_false(memory_region_init_ram(&r, NULL, "empty", 0, &err));
    g_assert_nonnull(err);
    error_free(err);
    memory_region_finalize(&r);
    err = NULL;
    /* 2^62 bytes cannot be mapped on any current host. */
    g_assert_false(memory_region_init_ram(&r, NULL, "huge", 1ULL << 62, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "huge"));
    error_free(err);
    memory_region_finalize(&r);
}

/*
 * Torture: reader threads, QSBR readers as the vCPUs are, look up
 * addresses in blocks that a writer adds and removes all the time, and
 * read the memory they find.  The writer stamps every page of a new block
 * with its own ram_addr; a reader that finds a block checks the stamp of
 * the page it looked up until its next quiescent state.  A block freed
 * too early has had its memory unmapped (the reader faults) or reused by
 * another block (the stamp is wrong); its RAMBlock is poisoned (the
 * reader's range check fails, or ASan reports it).  A build that frees
 * without a grace period must fail this (test-ramblock-skipgrace).
 */
#define TORTURE_SLOTS   64
#define TORTURE_READERS 2
#define TORTURE_BLOCK   (64 * KiB)
#define NO_BLOCK        RAM_ADDR_MAX

static struct {
    MemoryRegion mr;                    /* names the blocks */
    RAMBlock *block[TORTURE_SLOTS];     /* writer only */
    ram_addr_t offset[TORTURE_SLOTS];   /* published once stamped */
    bool stop;
    uint64_t lookups, found, cycles;
} rt;

static void *torture_reader(void *arg)
{
    uint64_t seed = GPOINTER_TO_UINT(arg) | 1, lookups = 0, found = 0;

    rcu_register_thread();
    rcu_thread_online();
    while (!qatomic_read(&rt.stop)) {
        for (int i = 0; i < 64; i++) {
            ram_addr_t off, addr, page;
            RAMBlock *b;

            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            /* Pairs with the store-release after the writer's stamps. */
            off = qatomic_load_acquire(&rt.offset[seed % TORTURE_SLOTS]);
            if (off == NO_BLOCK) {
                continue;
            }
            addr = off + (seed >> 40) % TORTURE_BLOCK;
            lookups++;
            b = qemu_get_ram_block(addr);
            if (!b) {
                continue;       /* removed meanwhile: fine */
            }
            found++;
            g_assert_cmpuint(addr - b->offset, <, b->max_length);
            page = (addr - b->offset) & TARGET_PAGE_MASK;
            g_assert_cmphex(*(uint64_t *)(b->host + page), ==,
                            b->offset + page);
        }
        rcu_quiescent_state();
    }
    rcu_thread_offline();
    rcu_unregister_thread();
    qatomic_add(&rt.lookups, lookups);
    qatomic_add(&rt.found, found);
    return NULL;
}

static void test_torture(void)
{
    QemuThread readers[TORTURE_READERS];
    int64_t end = g_get_monotonic_time() +
                  (g_test_quick() ? 1 : 10) * G_USEC_PER_SEC;
    uint64_t seed = g_test_rand_int() | 1;

    memory_region_init(&rt.mr, NULL, "torture", 0);
    for (int i = 0; i < TORTURE_SLOTS; i++) {
        rt.offset[i] = NO_BLOCK;
    }
    for (int i = 0; i < TORTURE_READERS; i++) {
        qemu_thread_create(&readers[i], "ram-reader", torture_reader,
                           GUINT_TO_POINTER(g_test_rand_int()),
                           QEMU_THREAD_JOINABLE);
    }
    while (g_get_monotonic_time() < end) {
        int i;

        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        i = seed % TORTURE_SLOTS;
        if (rt.block[i]) {
            qatomic_set(&rt.offset[i], NO_BLOCK);
            qemu_ram_free(rt.block[i]);
            rt.block[i] = NULL;
        } else {
            RAMBlock *b = qemu_ram_alloc(TORTURE_BLOCK, 0, &rt.mr,
                                         &error_abort);

            for (ram_addr_t p = 0; p < TORTURE_BLOCK; p += TARGET_PAGE_SIZE) {
                *(uint64_t *)(b->host + p) = b->offset + p;
            }
            rt.block[i] = b;
            qatomic_store_release(&rt.offset[i], b->offset);
        }
        rt.cycles++;
    }
    qatomic_set(&rt.stop, true);
    for (int i = 0; i < TORTURE_READERS; i++) {
        qemu_thread_join(&readers[i]);
    }
    for (int i = 0; i < TORTURE_SLOTS; i++) {
        qemu_ram_free(rt.block[i]);
    }
    drain_call_rcu();
    g_test_message("%" PRIu64 " adds and removes, %" PRIu64 " lookups, %"
                   PRIu64 " found", rt.cycles, rt.lookups, rt.found);
    g_assert_cmpuint(rt.found, >, 0);
    memory_region_finalize(&rt.mr);
}

/* How many of the npages host pages at p are resident. */
static unsigned resident_pages(void *p, unsigned npages)
{
    g_autofree unsigned char *vec = g_malloc(npages);
    unsigned n = 0;

    g_assert_cmpint(mincore(p, npages * qemu_real_host_page_size(), vec),
                    ==, 0);
    for (unsigned i = 0; i < npages; i++) {
        n += vec[i] & 1;
    }
    return n;
}

/*
 * Discarding gives the pages back (they are no longer resident) and the
 * range reads as zeros; the rest of the block keeps its contents.  Both
 * kinds of memory: private (MADV_DONTNEED) and shared (MADV_REMOVE).
 */
static void test_discard(gconstpointer data)
{
    uint32_t flags = GPOINTER_TO_UINT(data);
    size_t page = qemu_real_host_page_size();
    MemoryRegion r;
    uint8_t *host;

    g_assert_true(memory_region_init_ram_flags(&r, NULL, "blk-discard",
                                               16 * page, flags,
                                               &error_abort));
    g_assert_cmpuint(r.ram_block->flags, ==, flags);
    host = memory_region_get_ram_ptr(&r);
    /* Allocated lazily: nothing is resident before the first touch. */
    g_assert_cmpuint(resident_pages(host, 16), ==, 0);
    memset(host, 0xa5, 16 * page);
    g_assert_cmpuint(resident_pages(host, 16), ==, 16);

    g_assert_cmpint(ram_block_discard_range(r.ram_block, 4 * page,
                                            8 * page), ==, 0);
    g_assert_cmpuint(resident_pages(host, 16), ==, 8);
    for (size_t i = 0; i < 16 * page; i += 512) {
        bool discarded = i >= 4 * page && i < 12 * page;

        g_assert_cmpuint(host[i], ==, discarded ? 0 : 0xa5);
    }
    /* The mapping stays: the range can be written again. */
    host[5 * page] = 1;
    g_assert_cmpuint(host[5 * page], ==, 1);
    g_assert_cmpint(ram_block_discard_range(r.ram_block, 0, 0), ==, 0);
    g_assert_cmpint(ram_block_discard_range(r.ram_block, 0, 16 * page),
                    ==, 0);
    g_assert_cmpuint(resident_pages(host, 16), ==, 0);
    memory_region_finalize(&r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qemu_init_main_loop(&error_abort);
    g_test_add_func("/ramblock/lookup", test_lookup);
    g_test_add_func("/ramblock/lookup-index", test_lookup_index);
    g_test_add_func("/ramblock/dirty-and-hook", test_dirty_and_hook);
    g_test_add_func("/ramblock/info", test_info);
    g_test_add_func("/ramblock/alloc-errors", test_alloc_errors);
    g_test_add_func("/ramblock/offsets-not-reused", test_offsets_not_reused);
    g_test_add_func("/ramblock/torture", test_torture);
    g_test_add_data_func("/ramblock/discard/private", GUINT_TO_POINTER(0),
                         test_discard);
    g_test_add_data_func("/ramblock/discard/shared",
                         GUINT_TO_POINTER(RAM_SHARED), test_discard);
    return g_test_run();
}
