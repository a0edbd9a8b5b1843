/*
 * RAM blocks: allocation, lookups and their MRU order, host pointer
 * translation, dirty bitmaps, the code-write hook, `info ramblock`.
 */
#include "qemu/osdep.h"
#include "exec/memory.h"
#include "exec/ramblock.h"
#include "exec/ram_addr.h"
#include "qemu/main-loop.h"
#include "qapi/error.h"

static void test_lookup_mru(void)
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
    g_assert_true(QLIST_FIRST(&ram_list.blocks_mru) == ba);
    g_assert_true(qemu_get_ram_block(bb->offset) == bb);
    g_assert_true(QLIST_FIRST(&ram_list.blocks_mru) == bb);
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

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qemu_init_main_loop(&error_abort);
    g_test_add_func("/ramblock/lookup-mru", test_lookup_mru);
    g_test_add_func("/ramblock/dirty-and-hook", test_dirty_and_hook);
    g_test_add_func("/ramblock/info", test_info);
    g_test_add_func("/ramblock/alloc-errors", test_alloc_errors);
    g_test_add_func("/ramblock/offsets-not-reused", test_offsets_not_reused);
    return g_test_run();
}
