/*
 * Guest RAM in the migration stream (migration/ram.h).
 *
 * The walk.  The migration thread reads the RAM block list and the
 * blocks' memory while the vCPUs run and write that memory, without
 * ram_list.mutex, in short RCU read-side sections:
 *
 *  W1. At setup it notes ram_list.version and, for each block on the
 *      list, its address, name and size.  It follows none of those
 *      pointers outside a read-side section.
 *  W2. Each section first loads ram_list.version with acquire (pairing
 *      with the store-release in physmem's ram_list_changed).  If the
 *      version is the one noted, no block has been added or removed
 *      since setup, and none of the noted blocks can be freed before
 *      the section ends: a block is freed only after a grace period
 *      that starts after its removal bumped the version, and a section
 *      that saw the old version started before that grace period (the
 *      argument of physmem's MRU hint).  The section then finds the
 *      block on the list (QLIST_FOREACH_RCU) and reads its pages.
 *  W3. If the version moved, memory was hot-plugged or unplugged: the
 *      migration fails (the source keeps running).
 *  W4. Sections are short: they read at most RAM_SECTION_BYTES of guest
 *      memory and do no I/O; records are written between sections.
 *  W5. Except with the vCPUs stopped (ram_save_complete): then a data
 *      page is not copied into the record but written from guest memory
 *      where it is, so the section that found the page also writes the
 *      record (in_place).  It may block on the stream; that only delays
 *      grace periods, and nothing needs one while the machine stops.
 *
 * The dirty pages.  Each noted block has a bitmap of pages still to
 * send (bmap, the migration thread's own).  Setup sets every bit.  A
 * sync ORs in the pages dirtied since the last sync (physmem takes the
 * DIRTY_MEMORY_MIGRATION bits and flags the vCPUs' write entries, see
 * accel/tcg/cputlb.c), then waits for a grace period: a vCPU's store
 * that missed its dirty bit because it was already past its TLB check
 * when the bits were taken happens between two of that vCPU's quiescent
 * states, so it has landed when the grace period ends, before any page
 * of this pass is read.  A page copied while the guest writes it may be
 * torn; the write set its dirty bit, so the next pass sends it again,
 * and the last pass runs with the vCPUs stopped.
 *
 * The destination writes each page through its block's host pointer in
 * a read-side section of the incoming thread, with the same version
 * check; nothing else touches guest RAM while a machine is incoming.
 *
 * A RAM_PAGES record's payload is a sequence of runs:
 *   u8 kind | u16 block | u64 first page | u32 pages | data
 * where kind is RAM_RUN_ZERO (no data: the pages read as zero) or
 * RAM_RUN_DATA (pages * TARGET_PAGE_SIZE bytes follow), and block is an
 * index into the RAM_BLOCKS record: u16 count, then per block
 *   str name | u64 used length | u64 pages
 */
#include "qemu/osdep.h"
#include "qemu/atomic.h"
#include "qemu/bitmap.h"
#include "qemu/rcu.h"
#include "qemu/rcu_queue.h"
#include "qemu/cutils.h"
#include "exec/memory.h"
#include "exec/ramblock.h"
#include "exec/ram_addr.h"
#include "migration/vmstate.h"
#include "migration/ram.h"

#define RAM_RUN_ZERO        0
#define RAM_RUN_DATA        1
#define RAM_RUN_HDR_SIZE    (1 + 2 + 8 + 4)

/* Guest memory read per read-side section (W4). */
#define RAM_SECTION_BYTES   (4 * MiB)
/* Page data per record, before compression. */
#define RAM_RECORD_BYTES    (512 * KiB)
#define RAM_MAX_BLOCKS      UINT16_MAX

typedef struct RAMBlockState {
    RAMBlock *block;            /* compared, followed only per W2 */
    char idstr[256];
    uint64_t pages;
    unsigned long *bmap;        /* pages still to send */
} RAMBlockState;

/* Everything but stats belongs to the migration thread. */
struct RAMState {
    uint64_t version;           /* ram_list.version at setup (W1) */
    unsigned nblocks;
    RAMBlockState *blocks;
    unsigned cur_block;         /* where the walk resumes */
    uint64_t cur_page;
    uint64_t pending;           /* bits set in the bmaps */
    GByteArray *payload;        /* the record being built */
    size_t record_len;          /* its length (payload, or pieces) */
    /*
     * in_place (W5): the record is pieces, ranges of payload (the run
     * headers) and of guest memory (the data), in order; payload bytes
     * before mark are in pieces already.
     */
    bool in_place;
    GArray *pieces;             /* of RecordPiece */
    size_t mark;
    /* Written by the migration thread (qatomic_set), read by any. */
    RAMStats stats;
};

typedef struct RecordPiece {
    const uint8_t *host;        /* guest memory, or NULL: payload */
    size_t off;                 /* in payload, when host is NULL */
    size_t len;
} RecordPiece;

/* The run being appended to rs->payload, if any. */
typedef struct RunBuilder {
    int kind;                   /* -1: none */
    unsigned block;
    uint64_t next_page;         /* the page that would extend it */
    size_t count_at;            /* offset of its u32 page count */
    uint32_t count;
} RunBuilder;

/* ------------------------------------------------------------------ */
/* Reading guest memory that the vCPUs are writing */

/*
 * These two read a page that vCPUs may be writing at the same moment: a
 * data race by design (see "The dirty pages" above), with plain loads
 * that the compiler may widen (a torn or stale read only sends a page
 * that its dirty bit will send again).  ThreadSanitizer is told not to
 * report it.
 */
#ifdef QEMU_SANITIZE_THREAD
#define GUEST_RAM_READER __attribute__((no_sanitize_thread))
#else
#define GUEST_RAM_READER
#endif

static GUEST_RAM_READER bool page_is_zero(const uint8_t *host)
{
    const uint64_t *p = (const uint64_t *)host;

    /* A cache line at a time: the OR of eight words vectorises. */
    for (unsigned i = 0; i < TARGET_PAGE_SIZE / 8; i += 8) {
        uint64_t acc = 0;

        for (unsigned j = 0; j < 8; j++) {
            acc |= p[i + j];
        }
        if (acc) {
            return false;
        }
    }
    return true;
}

static GUEST_RAM_READER void page_copy(uint8_t *dst, const uint8_t *host)
{
#ifdef QEMU_SANITIZE_THREAD
    /* ThreadSanitizer checks memcpy itself, whatever the attribute says. */
    for (unsigned i = 0; i < TARGET_PAGE_SIZE / 8; i++) {
        ((uint64_t *)dst)[i] = qatomic_read(&((const uint64_t *)host)[i]);
    }
#else
    memcpy(dst, host, TARGET_PAGE_SIZE);
#endif
}

/* ------------------------------------------------------------------ */
/* Source */

uint64_t ram_bytes_total(void)
{
    RAMBlock *block;
    uint64_t total = 0;

    RCU_READ_LOCK_GUARD();
    QLIST_FOREACH_RCU(block, &ram_list.blocks, next) {
        total += block->used_length;
    }
    return total;
}

/*
 * The block noted as rs->blocks[i], or NULL if the block list changed
 * since setup (W2, W3).  Called from RCU critical section.
 */
static RAMBlock *ram_block_current(RAMState *rs, unsigned i)
{
    RAMBlock *block;

    /* Pairs with the store-release in ram_list_changed. */
    if (qatomic_load_acquire(&ram_list.version) != rs->version) {
        return NULL;
    }
    QLIST_FOREACH_RCU(block, &ram_list.blocks, next) {
        if (block == rs->blocks[i].block) {
            return block;
        }
    }
    return NULL;
}

static void ram_blocks_changed(Error **errp)
{
    error_setg(errp, "the RAM blocks changed during migration (memory was "
               "hot-plugged or unplugged)");
}

/*
 * Only the machine's own RAM (vmstate_register_ram) migrates: a block of
 * a memory backend may come and go while the migration runs, and the
 * devices that use one (virtio-mem) have no state description.  Called
 * from RCU critical section.
 */
static bool ram_block_check_migratable(RAMBlock *block, Error **errp)
{
    if (!vmstate_ram_is_migratable(block->mr)) {
        error_setg(errp, "RAM block '%s' cannot be migrated: hot-pluggable "
                   "memory (memory-backend objects, virtio-mem) is not "
                   "supported by migration", block->idstr);
        return false;
    }
    return true;
}

bool ram_check_migratable(Error **errp)
{
    RAMBlock *block;

    RCU_READ_LOCK_GUARD();
    QLIST_FOREACH_RCU(block, &ram_list.blocks, next) {
        if (!ram_block_check_migratable(block, errp)) {
            return false;
        }
    }
    return true;
}

RAMState *ram_save_setup(QEMUFile *f, Error **errp)
{
    RAMState *rs = g_new0(RAMState, 1);
    g_autoptr(GByteArray) rec = g_byte_array_new();
    GArray *blocks = g_array_new(false, true, sizeof(RAMBlockState));
    RAMBlock *block;
    Error *err = NULL;
    uint64_t newly;

    WITH_RCU_READ_LOCK_GUARD() {
        /* Pairs with the store-release in ram_list_changed. */
        rs->version = qatomic_load_acquire(&ram_list.version);
        QLIST_FOREACH_RCU(block, &ram_list.blocks, next) {
            RAMBlockState b = {
                .block = block,
                .pages = block->used_length >> TARGET_PAGE_BITS,
            };

            if (!ram_block_check_migratable(block, &err)) {
                break;
            }
            pstrcpy(b.idstr, sizeof(b.idstr), block->idstr);
            g_array_append_val(blocks, b);
        }
    }
    if (!err && blocks->len > RAM_MAX_BLOCKS) {
        error_setg(&err, "too many RAM blocks to migrate");
    }
    if (err) {
        error_propagate(errp, err);
        g_array_free(blocks, true);
        g_free(rs);
        return NULL;
    }
    rs->nblocks = blocks->len;
    rs->blocks = (RAMBlockState *)g_array_free(blocks, false);
    rs->payload = g_byte_array_sized_new(RAM_RECORD_BYTES + 4096);
    rs->pieces = g_array_new(false, false, sizeof(RecordPiece));

    mig_put_le16(rec, rs->nblocks);
    for (unsigned i = 0; i < rs->nblocks; i++) {
        RAMBlockState *b = &rs->blocks[i];

        b->bmap = bitmap_new(b->pages);
        bitmap_set(b->bmap, 0, b->pages);
        rs->pending += b->pages;
        mig_put_str(rec, b->idstr);
        mig_put_le64(rec, b->pages << TARGET_PAGE_BITS);
        mig_put_le64(rec, b->pages);
    }
    qatomic_set(&rs->stats.total, rs->pending << TARGET_PAGE_BITS);
    qemu_file_put_record(f, MIG_REC_RAM_BLOCKS, rec->data, rec->len, -1);

    /*
     * From here every write marks its page; the first pass sends every
     * page anyway, so the bits taken now only start the tracking.
     */
    memory_global_dirty_log_start();
    if (!ram_sync(rs, true, &newly, errp)) {
        memory_global_dirty_log_stop();
        ram_save_cleanup(rs);
        return NULL;
    }
    return rs;
}

uint64_t ram_pages_pending(RAMState *rs)
{
    return rs->pending;
}

bool ram_sync(RAMState *rs, bool vcpus_running, uint64_t *newly,
              Error **errp)
{
    uint64_t n = 0;

    WITH_RCU_READ_LOCK_GUARD() {
        for (unsigned i = 0; i < rs->nblocks; i++) {
            RAMBlock *block = ram_block_current(rs, i);

            if (!block) {
                ram_blocks_changed(errp);
                return false;
            }
            n += cpu_physical_memory_sync_dirty_bitmap(block,
                                                       rs->blocks[i].bmap);
        }
    }
    if (vcpus_running) {
        /* See "The dirty pages" at the top. */
        synchronize_rcu();
    }
    rs->pending += n;
    *newly = n;
    qatomic_set(&rs->stats.sync_count, rs->stats.sync_count + 1);
    qatomic_set(&rs->stats.dirty_pages_period, n);
    qatomic_set(&rs->stats.remaining, rs->pending << TARGET_PAGE_BITS);
    return true;
}

static void run_end(RAMState *rs, RunBuilder *run)
{
    if (run->kind >= 0) {
        uint8_t *p = rs->payload->data + run->count_at;

        for (int i = 0; i < 4; i++) {
            p[i] = run->count >> (8 * i);
        }
        run->kind = -1;
    }
}

/* Append page (kind) to the current run, or start a new one. */
static void run_add(RAMState *rs, RunBuilder *run, int kind, unsigned block,
                    uint64_t page)
{
    if (run->kind != kind || run->block != block ||
        run->next_page != page || run->count == UINT32_MAX) {
        run_end(rs, run);
        mig_put_u8(rs->payload, kind);
        mig_put_le16(rs->payload, block);
        mig_put_le64(rs->payload, page);
        run->count_at = rs->payload->len;
        mig_put_le32(rs->payload, 0);
        rs->record_len += RAM_RUN_HDR_SIZE;
        run->kind = kind;
        run->block = block;
        run->count = 0;
    }
    run->count++;
    run->next_page = page + 1;
}

/* in_place: payload bytes from mark on become a piece. */
static void pieces_close_payload(RAMState *rs)
{
    if (rs->payload->len > rs->mark) {
        RecordPiece p = { NULL, rs->mark, rs->payload->len - rs->mark };

        g_array_append_val(rs->pieces, p);
        rs->mark = rs->payload->len;
    }
}

/*
 * Add the data page at host to the record, after its run header: a copy
 * in payload, or in_place a piece (which the next page of the same run
 * extends).
 */
static void record_add_page(RAMState *rs, const uint8_t *host)
{
    RecordPiece *last;
    size_t at;

    rs->record_len += TARGET_PAGE_SIZE;
    if (!rs->in_place) {
        at = rs->payload->len;
        g_byte_array_set_size(rs->payload, at + TARGET_PAGE_SIZE);
        page_copy(rs->payload->data + at, host);
        return;
    }
    pieces_close_payload(rs);
    last = rs->pieces->len ?
        &g_array_index(rs->pieces, RecordPiece, rs->pieces->len - 1) : NULL;
    if (last && last->host) {
        /* The run's previous page: the header comes between runs. */
        assert(last->host + last->len == host);
        last->len += TARGET_PAGE_SIZE;
    } else {
        RecordPiece p = { host, 0, TARGET_PAGE_SIZE };

        g_array_append_val(rs->pieces, p);
    }
}

/*
 * Add pages still to send to the record, from the cursor, until it is
 * full or RAM_SECTION_BYTES have been read.  The caller holds the
 * read-side section (W2).  false with *errp if the blocks changed.
 */
static bool ram_fill_section(RAMState *rs, RunBuilder *run, Error **errp)
{
    uint64_t budget = RAM_SECTION_BYTES >> TARGET_PAGE_BITS;

    while (rs->pending && budget && rs->record_len < RAM_RECORD_BYTES) {
        RAMBlockState *b = &rs->blocks[rs->cur_block];
        RAMBlock *block = ram_block_current(rs, rs->cur_block);
        uint64_t page;

        if (!block) {
            ram_blocks_changed(errp);
            return false;
        }
        page = find_next_bit(b->bmap, b->pages, rs->cur_page);
        if (page >= b->pages) {
            rs->cur_block = (rs->cur_block + 1) % rs->nblocks;
            rs->cur_page = 0;
            continue;
        }
        for (; page < b->pages && budget &&
               rs->record_len < RAM_RECORD_BYTES; page++) {
            const uint8_t *host;

            if (!test_bit(page, b->bmap)) {
                continue;
            }
            clear_bit(page, b->bmap);
            rs->pending--;
            budget--;
            host = block->host + (page << TARGET_PAGE_BITS);
            if (page_is_zero(host)) {
                run_add(rs, run, RAM_RUN_ZERO, rs->cur_block, page);
                qatomic_set(&rs->stats.zero_pages, rs->stats.zero_pages + 1);
            } else {
                run_add(rs, run, RAM_RUN_DATA, rs->cur_block, page);
                record_add_page(rs, host);
                qatomic_set(&rs->stats.normal_pages,
                            rs->stats.normal_pages + 1);
            }
        }
        rs->cur_page = page;
    }
    return true;
}

/* Write the record built so far, if any.  Returns the bytes it took. */
static uint64_t ram_flush_record(RAMState *rs, QEMUFile *f, RunBuilder *run,
                                 int compress_level)
{
    uint64_t before = qemu_file_transferred(f);

    run_end(rs, run);
    if (!rs->record_len) {
        return 0;
    }
    if (rs->in_place) {
        struct iovec iov[QEMU_FILE_MAX_PIECES];

        pieces_close_payload(rs);
        assert(rs->pieces->len <= QEMU_FILE_MAX_PIECES);
        for (unsigned i = 0; i < rs->pieces->len; i++) {
            RecordPiece *p = &g_array_index(rs->pieces, RecordPiece, i);

            iov[i].iov_base = (void *)(p->host ? p->host
                                               : rs->payload->data + p->off);
            iov[i].iov_len = p->len;
        }
        qemu_file_put_record_iov(f, MIG_REC_RAM_PAGES, iov, rs->pieces->len);
        g_array_set_size(rs->pieces, 0);
        rs->mark = 0;
    } else {
        qemu_file_put_record(f, MIG_REC_RAM_PAGES, rs->payload->data,
                             rs->payload->len, compress_level);
    }
    qatomic_set(&rs->stats.raw_bytes, rs->stats.raw_bytes + rs->record_len);
    g_byte_array_set_size(rs->payload, 0);
    rs->record_len = 0;
    return qemu_file_transferred(f) - before;
}

int64_t ram_save_iterate(RAMState *rs, QEMUFile *f, uint64_t max_bytes,
                         int compress_level, Error **errp)
{
    RunBuilder run = { .kind = -1 };
    uint64_t sent = 0;

    while (rs->pending && sent < max_bytes) {
        bool ok;

        WITH_RCU_READ_LOCK_GUARD() {
            ok = ram_fill_section(rs, &run, errp);
            if (ok && rs->in_place) {
                /* W5: the record reads the pages found in this section. */
                sent += ram_flush_record(rs, f, &run, compress_level);
            }
        }
        if (!ok) {
            return -1;
        }
        if (rs->record_len >= RAM_RECORD_BYTES || !rs->pending) {
            sent += ram_flush_record(rs, f, &run, compress_level);
        }
        if (qemu_file_get_error(f)) {
            qemu_file_error_message(f, errp);
            return -1;
        }
    }
    sent += ram_flush_record(rs, f, &run, compress_level);
    qatomic_set(&rs->stats.remaining, rs->pending << TARGET_PAGE_BITS);
    if (qemu_file_get_error(f)) {
        qemu_file_error_message(f, errp);
        return -1;
    }
    return sent;
}

bool ram_save_complete(RAMState *rs, QEMUFile *f, int compress_level,
                       Error **errp)
{
    uint64_t newly;
    bool ok = true;

    if (!ram_sync(rs, false, &newly, errp)) {
        return false;
    }
    /* W5: nothing writes guest memory now; compression needs a copy. */
    rs->in_place = compress_level < 0;
    while (ok && rs->pending) {
        ok = ram_save_iterate(rs, f, UINT64_MAX, compress_level, errp) >= 0;
    }
    rs->in_place = false;
    return ok;
}

void ram_save_cleanup(RAMState *rs)
{
    if (!rs) {
        return;
    }
    for (unsigned i = 0; i < rs->nblocks; i++) {
        g_free(rs->blocks[i].bmap);
    }
    g_free(rs->blocks);
    g_byte_array_unref(rs->payload);
    g_array_free(rs->pieces, true);
    g_free(rs);
}

void ram_get_stats(RAMState *rs, RAMStats *stats)
{
    stats->total = qatomic_read(&rs->stats.total);
    stats->remaining = qatomic_read(&rs->stats.remaining);
    stats->zero_pages = qatomic_read(&rs->stats.zero_pages);
    stats->normal_pages = qatomic_read(&rs->stats.normal_pages);
    stats->sync_count = qatomic_read(&rs->stats.sync_count);
    stats->dirty_pages_period = qatomic_read(&rs->stats.dirty_pages_period);
    stats->raw_bytes = qatomic_read(&rs->stats.raw_bytes);
}

/* ------------------------------------------------------------------ */
/* Destination */

typedef struct RAMLoadBlock {
    RAMBlock *block;            /* followed only per W2 */
    uint64_t pages;
} RAMLoadBlock;

struct RAMLoadState {
    uint64_t version;
    unsigned nblocks;
    RAMLoadBlock *blocks;       /* by the stream's block index */
    uint64_t pages;
    bool small_pages;           /* the blocks' huge pages are off */
};

RAMLoadState *ram_load_new(void)
{
    return g_new0(RAMLoadState, 1);
}

/*
 * Huge pages off, then on again, for every block of the stream, while the
 * destination writes the pages.  With transparent huge pages, the first
 * write into a 2 MiB region makes the host allocate and zero all of it,
 * and the pages a stream carries are sparse: an idle 1 GiB guest sends
 * about 20 MiB of data, spread over most of its memory.  The kernel's
 * page zeroing was then three quarters of the incoming thread's time,
 * and it made the destination lag the source by tens of milliseconds at
 * the switch-over.  With small pages it zeroes only what it receives.
 * Once the load is over, new memory gets huge pages again, and the
 * host may collapse the small ones (khugepaged).
 */
static void ram_load_set_hugepages(RAMLoadState *ls, bool on)
{
    RCU_READ_LOCK_GUARD();
    /* W2, on the destination; pairs with ram_list_changed. */
    if (qatomic_load_acquire(&ram_list.version) != ls->version) {
        return;     /* the load fails: the blocks changed */
    }
    for (unsigned i = 0; i < ls->nblocks; i++) {
        ram_block_set_hugepages(ls->blocks[i].block, on);
    }
    ls->small_pages = !on;
}

void ram_load_free(RAMLoadState *ls)
{
    if (ls) {
        if (ls->small_pages) {
            ram_load_set_hugepages(ls, true);
        }
        g_free(ls->blocks);
        g_free(ls);
    }
}

uint64_t ram_load_pages_count(RAMLoadState *ls)
{
    return ls->pages;
}

bool ram_load_blocks(RAMLoadState *ls, MigReader *r, Error **errp)
{
    uint16_t n;
    RAMBlock *block;

    if (ls->blocks) {
        error_setg(errp, "the stream describes its RAM blocks twice");
        return false;
    }
    if (!mig_get_le16(r, &n)) {
        error_setg(errp, "the RAM blocks record is too short");
        return false;
    }
    ls->nblocks = n;
    ls->blocks = g_new0(RAMLoadBlock, n);

    RCU_READ_LOCK_GUARD();
    /* Pairs with the store-release in ram_list_changed. */
    ls->version = qatomic_load_acquire(&ram_list.version);
    for (unsigned i = 0; i < n; i++) {
        char name[256];
        uint64_t len, pages;

        if (!mig_get_str(r, name, sizeof(name)) || !mig_get_le64(r, &len) ||
            !mig_get_le64(r, &pages)) {
            error_setg(errp, "the RAM blocks record is too short for its "
                       "%u blocks", n);
            return false;
        }
        QLIST_FOREACH_RCU(block, &ram_list.blocks, next) {
            if (!strcmp(block->idstr, name)) {
                break;
            }
        }
        if (!block) {
            error_setg(errp, "RAM block '%s' is in the stream but not on "
                       "this machine", name);
            return false;
        }
        if (len != block->used_length || pages != len >> TARGET_PAGE_BITS) {
            error_setg(errp, "RAM block '%s' has %" PRIu64 " bytes in the "
                       "stream, %" PRIu64 " on this machine (is -m the "
                       "same?)", name, len, (uint64_t)block->used_length);
            return false;
        }
        for (unsigned j = 0; j < i; j++) {
            if (ls->blocks[j].block == block) {
                error_setg(errp, "RAM block '%s' appears twice in the "
                           "stream", name);
                return false;
            }
        }
        ls->blocks[i].block = block;
        ls->blocks[i].pages = pages;
    }
    if (mig_reader_left(r)) {
        error_setg(errp, "the RAM blocks record has %zu bytes too many",
                   mig_reader_left(r));
        return false;
    }
    QLIST_FOREACH_RCU(block, &ram_list.blocks, next) {
        bool found = false;

        for (unsigned i = 0; i < n && !found; i++) {
            found = ls->blocks[i].block == block;
        }
        if (!found && !ram_block_check_migratable(block, errp)) {
            return false;
        }
        if (!found) {
            error_setg(errp, "this machine's RAM block '%s' is not in the "
                       "stream", block->idstr);
            return false;
        }
    }
    ram_load_set_hugepages(ls, false);
    return true;
}

/* Zero pages: leave pages that read as zero alone (no need to map them). */
static void page_make_zero(uint8_t *host)
{
    if (!page_is_zero(host)) {
        memset(host, 0, TARGET_PAGE_SIZE);
    }
}

/* Whole chunks of this many pages of a zero run are discarded. */
#define RAM_ZERO_CHUNK_PAGES    64

/*
 * A run of zero pages.  Most of them read as zero already, the
 * destination's memory being fresh; but checking a page reads it, and so
 * maps it, one fault per 4 KiB with small pages (ram_load_set_hugepages).
 * So the run's whole chunks are discarded instead, which leaves them
 * reading as zero without touching them, and only its ends are checked
 * page by page.
 */
static void ram_load_zero_run(RAMBlock *block, uint64_t first,
                              uint64_t count)
{
    uint64_t end = first + count;
    uint64_t lo = QEMU_ALIGN_UP(first, RAM_ZERO_CHUNK_PAGES);
    uint64_t hi = QEMU_ALIGN_DOWN(end, RAM_ZERO_CHUNK_PAGES);
    size_t host_page = qemu_real_host_page_size();

    if (lo >= hi ||
        (RAM_ZERO_CHUNK_PAGES << TARGET_PAGE_BITS) % host_page ||
        ram_block_discard_range(block, lo << TARGET_PAGE_BITS,
                                (hi - lo) << TARGET_PAGE_BITS) < 0) {
        lo = hi = end;          /* nothing discarded: check them all */
    }
    for (uint64_t p = first; p < lo; p++) {
        page_make_zero(block->host + (p << TARGET_PAGE_BITS));
    }
    for (uint64_t p = hi; p < end; p++) {
        page_make_zero(block->host + (p << TARGET_PAGE_BITS));
    }
}

/* A run of pages whose data follows in r; false if r ends first. */
static bool ram_load_data_run(RAMBlock *block, uint64_t first,
                              uint64_t count, MigReader *r)
{
    for (uint64_t p = first; p < first + count; p++) {
        const uint8_t *data = mig_get_bytes(r, TARGET_PAGE_SIZE);

        if (!data) {
            return false;
        }
        memcpy(block->host + (p << TARGET_PAGE_BITS), data,
               TARGET_PAGE_SIZE);
    }
    return true;
}

bool ram_load_pages(RAMLoadState *ls, MigReader *r, Error **errp)
{
    if (!ls->blocks) {
        error_setg(errp, "RAM pages come before the RAM blocks record");
        return false;
    }
    RCU_READ_LOCK_GUARD();
    /* W2, on the destination. */
    if (qatomic_load_acquire(&ram_list.version) != ls->version) {
        error_setg(errp, "the RAM blocks changed during the incoming "
                   "migration");
        return false;
    }
    while (mig_reader_left(r)) {
        uint8_t kind;
        uint16_t index;
        uint64_t first;
        uint32_t count;
        RAMLoadBlock *b;

        if (!mig_get_u8(r, &kind) || !mig_get_le16(r, &index) ||
            !mig_get_le64(r, &first) || !mig_get_le32(r, &count)) {
            error_setg(errp, "a run of RAM pages is cut short");
            return false;
        }
        if (kind != RAM_RUN_ZERO && kind != RAM_RUN_DATA) {
            error_setg(errp, "a run of RAM pages has unknown kind %u", kind);
            return false;
        }
        if (index >= ls->nblocks) {
            error_setg(errp, "a run of RAM pages names block %u of %u",
                       index, ls->nblocks);
            return false;
        }
        b = &ls->blocks[index];
        if (first > b->pages || count > b->pages - first) {
            error_setg(errp, "pages %" PRIu64 "..%" PRIu64 " are beyond "
                       "the end of RAM block '%s' (%" PRIu64 " pages)",
                       first, first + count - 1, b->block->idstr, b->pages);
            return false;
        }
        if (kind == RAM_RUN_ZERO) {
            ram_load_zero_run(b->block, first, count);
        } else if (!ram_load_data_run(b->block, first, count, r)) {
            error_setg(errp, "a run of RAM pages of block '%s' ends before "
                       "its data", b->block->idstr);
            return false;
        }
        ls->pages += count;
    }
    return true;
}
