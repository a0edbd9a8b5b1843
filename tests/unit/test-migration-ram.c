/*
 * RAM migration (migration/ram.c).  The destination's side: runs of
 * zero pages and of data land where they should, whatever the memory
 * held before, and the block's huge pages are off while the load runs
 * and on again afterwards.  Both sides: a block saved through a stream
 * (copied into records while "live", written in place as when the
 * vCPUs are stopped, or compressed) loads back byte for byte, every
 * record passing its checksum.
 */
#include "qemu/osdep.h"
#include "exec/memory.h"
#include "exec/ramblock.h"
#include "exec/ram_addr.h"
#include "migration/qemu-file.h"
#include "migration/vmstate.h"
#include "migration/ram.h"
#include "qapi/error.h"

#define BLOCK_PAGES     1024            /* 4 MiB: two huge pages */
#define PAGE            TARGET_PAGE_SIZE

static uint8_t fill_byte(uint64_t page)
{
    return 0x40 + page % 64;
}

static void put_run(GByteArray *b, uint8_t kind, uint64_t first,
                    uint32_t count)
{
    mig_put_u8(b, kind);
    mig_put_le16(b, 0);
    mig_put_le64(b, first);
    mig_put_le32(b, count);
    for (uint32_t i = 0; kind == 1 && i < count; i++) {
        uint8_t page[PAGE];

        memset(page, fill_byte(first + i), PAGE);
        g_byte_array_append(b, page, PAGE);
    }
}

/* Pages and what they must hold after the load: 0, or fill_byte(page). */
static const struct {
    uint8_t kind;
    uint64_t first;
    uint32_t count;
} runs[] = {
    { 0, 0, 3 },            /* short: checked page by page */
    { 1, 3, 2 },
    { 0, 5, 700 },          /* whole chunks discarded, ends checked */
    { 1, 705, 1 },
    { 0, 706, 64 },         /* one unaligned chunk's worth: no whole chunk */
    { 0, 770, 254 },        /* up to the end of the block */
};

/* The VmFlags of the mapping that holds addr. */
static char *vm_flags(const void *addr)
{
    g_autofree char *smaps = NULL;
    char **lines;
    char *flags = NULL;
    bool in = false;

    if (!g_file_get_contents("/proc/self/smaps", &smaps, NULL, NULL)) {
        return NULL;
    }
    lines = g_strsplit(smaps, "\n", -1);
    for (char **l = lines; *l && !flags; l++) {
        unsigned long lo, hi;

        if (sscanf(*l, "%lx-%lx ", &lo, &hi) == 2 && strchr(*l, ' ')) {
            in = lo <= (uintptr_t)addr && (uintptr_t)addr < hi;
        } else if (in && g_str_has_prefix(*l, "VmFlags:")) {
            flags = g_strdup(*l);
        }
    }
    g_strfreev(lines);
    return flags;
}

static void test_load_runs(void)
{
    MemoryRegion mr;
    RAMBlock *block;
    g_autoptr(GByteArray) blocks = g_byte_array_new();
    g_autoptr(GByteArray) pages = g_byte_array_new();
    bool thp = g_file_test("/sys/kernel/mm/transparent_hugepage/enabled",
                           G_FILE_TEST_EXISTS);
    RAMLoadState *ls;
    MigReader r;

    memory_region_init_ram(&mr, NULL, "test.ram", BLOCK_PAGES * PAGE,
                           &error_abort);
    vmstate_register_ram(&mr);
    block = mr.ram_block;
    /* What was there before: nothing of it may survive. */
    memset(block->host, 0xee, BLOCK_PAGES * PAGE);

    mig_put_le16(blocks, 1);
    mig_put_str(blocks, block->idstr);
    mig_put_le64(blocks, BLOCK_PAGES * PAGE);
    mig_put_le64(blocks, BLOCK_PAGES);
    for (size_t i = 0; i < G_N_ELEMENTS(runs); i++) {
        put_run(pages, runs[i].kind, runs[i].first, runs[i].count);
    }

    ls = ram_load_new();
    mig_reader_init(&r, blocks->data, blocks->len);
    g_assert_true(ram_load_blocks(ls, &r, &error_abort));
    if (thp) {
        g_autofree char *flags = vm_flags(block->host);

        g_assert_nonnull(strstr(flags, " nh"));
    }
    mig_reader_init(&r, pages->data, pages->len);
    g_assert_true(ram_load_pages(ls, &r, &error_abort));
    g_assert_cmpuint(ram_load_pages_count(ls), ==, BLOCK_PAGES);
    ram_load_free(ls);
    if (thp) {
        g_autofree char *flags = vm_flags(block->host);

        g_assert_nonnull(strstr(flags, " hg"));
        g_assert_null(strstr(flags, " nh"));
    }

    for (size_t i = 0; i < G_N_ELEMENTS(runs); i++) {
        for (uint64_t p = runs[i].first; p < runs[i].first + runs[i].count;
             p++) {
            uint8_t want = runs[i].kind ? fill_byte(p) : 0;
            const uint8_t *host = block->host + p * PAGE;

            for (unsigned j = 0; j < PAGE; j++) {
                if (host[j] != want) {
                    g_error("page %" PRIu64 " byte %u: 0x%02x, not 0x%02x",
                            p, j, host[j], want);
                }
            }
        }
    }
    memory_region_finalize(&mr);
}

/* What page p holds for the round trip: zero, or a pattern of its own. */
static bool page_has_data(uint64_t p)
{
    /* Runs of data and of zeros of varying lengths, both block ends data */
    return p == 0 || p == BLOCK_PAGES - 1 || (p * 7 / 5) % 3 != 0;
}

static void fill_page(uint8_t *host, uint64_t p)
{
    if (!page_has_data(p)) {
        memset(host, 0, PAGE);
        return;
    }
    for (unsigned j = 0; j < PAGE; j++) {
        host[j] = p * 31 + j * 7 + (j >> 8);
    }
}

typedef enum { SAVE_ITERATE, SAVE_COMPLETE, SAVE_COMPRESSED } SaveMode;

/* Save the block into a stream, wipe it, load the stream back. */
static void round_trip(SaveMode mode)
{
    MemoryRegion mr;
    RAMBlock *block;
    g_autofree char *path = NULL;
    int fd = g_file_open_tmp("test-migration-ram-XXXXXX", &path, NULL);
    QEMUFile *f;
    RAMState *rs;
    RAMLoadState *ls;
    MigRecordType type;
    MigReader r;
    unsigned records = 0;

    g_assert_cmpint(fd, >=, 0);
    memory_region_init_ram(&mr, NULL, "test.ram", BLOCK_PAGES * PAGE,
                           &error_abort);
    vmstate_register_ram(&mr);
    block = mr.ram_block;
    for (uint64_t p = 0; p < BLOCK_PAGES; p++) {
        fill_page(block->host + p * PAGE, p);
    }

    f = qemu_file_new_output(fd);
    qemu_file_put_header(f);
    rs = ram_save_setup(f, &error_abort);
    g_assert_nonnull(rs);
    if (mode == SAVE_ITERATE) {
        while (ram_pages_pending(rs)) {
            g_assert_cmpint(ram_save_iterate(rs, f, 256 * KiB, -1,
                                             &error_abort), >, 0);
        }
    } else {
        g_assert_true(ram_save_complete(rs, f,
                                        mode == SAVE_COMPRESSED ? 6 : -1,
                                        &error_abort));
    }
    memory_global_dirty_log_stop();
    ram_save_cleanup(rs);
    g_assert_cmpint(qemu_file_close(f), ==, 0);

    memset(block->host, 0xee, BLOCK_PAGES * PAGE);
    f = qemu_file_new_input(open(path, O_RDONLY));
    g_assert_true(qemu_file_get_header(f, &error_abort));
    g_assert_true(qemu_file_get_record(f, &type, &r, &error_abort));
    g_assert_cmpint(type, ==, MIG_REC_RAM_BLOCKS);
    ls = ram_load_new();
    g_assert_true(ram_load_blocks(ls, &r, &error_abort));
    while (ram_load_pages_count(ls) < BLOCK_PAGES) {
        /* Each record's checksum is checked as it is read. */
        g_assert_true(qemu_file_get_record(f, &type, &r, &error_abort));
        g_assert_cmpint(type, ==, MIG_REC_RAM_PAGES);
        g_assert_true(ram_load_pages(ls, &r, &error_abort));
        records++;
    }
    ram_load_free(ls);
    qemu_file_close(f);
    unlink(path);
    /* 1 MiB of data at most 512 KiB a record */
    g_assert_cmpuint(records, >=, 2);

    for (uint64_t p = 0; p < BLOCK_PAGES; p++) {
        uint8_t want[PAGE];

        fill_page(want, p);
        if (memcmp(block->host + p * PAGE, want, PAGE)) {
            g_error("page %" PRIu64 " differs after the round trip", p);
        }
    }
    memory_region_finalize(&mr);
}

static void test_round_trip_iterate(void)
{
    round_trip(SAVE_ITERATE);
}

static void test_round_trip_in_place(void)
{
    round_trip(SAVE_COMPLETE);
}

static void test_round_trip_compressed(void)
{
    round_trip(SAVE_COMPRESSED);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/migration/ram/load-runs", test_load_runs);
    g_test_add_func("/migration/ram/round-trip/iterate",
                    test_round_trip_iterate);
    g_test_add_func("/migration/ram/round-trip/in-place",
                    test_round_trip_in_place);
    g_test_add_func("/migration/ram/round-trip/compressed",
                    test_round_trip_compressed);
    return g_test_run();
}
