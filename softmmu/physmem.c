/*
 * RAM blocks and dirty-memory tracking (include/exec/ramblock.h,
 * include/exec/ram_addr.h).
 *
 * ram_list.blocks holds every block in ram_addr order, as an RCU list.
 *   Writers (blocks coming and going: the main thread, or a vCPU thread
 *   serving a device) hold ram_list.mutex and publish with the RCU list
 *   macros; a removed block is unpublished, ram_list.version is bumped,
 *   and the block is reclaimed by call_rcu.
 *   Readers take no lock and do no atomic read-modify-write: the vCPUs
 *   on TLB refill and in slow paths (QSBR readers, online), devices
 *   translating DMA addresses, the monitor.  A block they find stays
 *   valid until the end of their read-side section.
 *
 * The lookup view.  A lookup by ram_addr reads ram_list.index, a table
 * that writers rebuild and publish (qatomic_rcu_set) after every change
 * and retire with g_free_rcu: for each 2 MiB granule of ram_addr space,
 * the block that covers it (blocks start 2 MiB aligned, so a granule has
 * at most one), in leaves of 1 GiB that exist only where there are
 * blocks.  A lookup is two loads and a bounds check, however many
 * blocks there are, and the table stays small however far hot-plug has
 * moved the blocks up the ram_addr space (8 bytes per GiB of it, and
 * 4 KiB per GiB that holds a block).
 *
 * A lookup by host address (rarer: address_space_unmap after DMA) first
 * tries the block the calling thread found last that way (ram_mru,
 * thread-local), then walks the list.  The hint is a pointer kept across
 * read-side sections, so it carries the ram_list.version it was taken at,
 * read inside the section, and is used only while the version has not
 * moved.  That is enough: a block is freed only
 * after a grace period that starts after the bump; a section that starts
 * after that grace period sees the bump (the grace period orders it), and
 * one that started before holds the grace period up, so the block is
 * still there.  (Before the RCU series the MRU view was a shared list that
 * every lookup reordered, under the mutex.)
 *
 * ram_addr_t space: each block gets [offset, offset + max_length), placed
 * after every block allocated before it, freed or not, and aligned to
 * 2 MiB, so that the dirty bitmaps of different blocks never share a
 * word.  A ram_addr is never handed out twice: translated code is found
 * by ram_addr, and code from a freed block must not be found again in a
 * new block that happens to take its place.
 *
 * Dirty bitmaps: one per block and client, one bit per target page,
 * changed with atomics by any thread; they live as long as the block.
 * global_dirty_log (migration's dirty logging) is written by the
 * migration thread and read with qatomic_read by the vCPUs' TLB fills;
 * docs/devel/migration.rst has the protocol it is part of.
 */
#include "qemu/osdep.h"
#include "exec/memory.h"
#include "exec/ramblock.h"
#include "exec/ram_addr.h"
#include "qemu/atomic.h"
#include "qemu/bitmap.h"
#include "qemu/cutils.h"
#include "qemu/rcu.h"
#include "qemu/rcu_queue.h"
#include "qapi/error.h"
#include <sys/mman.h>

RAMList ram_list;
static bool ram_list_initialised;
static CodeWriteHook *code_write_hook;
static DirtyLogClearHook *dirty_log_clear_hook;
static bool global_dirty_log;

/* The calling thread's MRU hint: see the comment at the top. */
static __thread struct {
    RAMBlock *block;
    uint64_t version;
} ram_mru;

static void ram_list_init(void)
{
    if (!ram_list_initialised) {
        qemu_mutex_init(&ram_list.mutex);
        QLIST_INIT(&ram_list.blocks);
        ram_list_initialised = true;
    }
}

void qemu_mutex_lock_ramlist(void)
{
    qemu_mutex_lock(&ram_list.mutex);
}

void qemu_mutex_unlock_ramlist(void)
{
    qemu_mutex_unlock(&ram_list.mutex);
}

/*
 * Append block to ram_list.blocks, which is in ram_addr order: block has
 * the highest offset yet.  Called with the mutex held.
 */
static void ram_block_insert_last(RAMBlock *block)
{
    RAMBlock *last = QLIST_FIRST(&ram_list.blocks);

    if (!last) {
        QLIST_INSERT_HEAD_RCU(&ram_list.blocks, block, next);
        return;
    }
    while (QLIST_NEXT(last, next)) {
        last = QLIST_NEXT(last, next);
    }
    QLIST_INSERT_AFTER_RCU(last, block, next);
}

/* The first and one past the last GiB of ram_addr space block covers. */
static uint64_t ram_block_first_leaf(RAMBlock *block)
{
    return block->offset >> RAM_INDEX_LEAF_BITS;
}

static uint64_t ram_block_end_leaf(RAMBlock *block)
{
    return ((block->offset + block->max_length - 1) >>
            RAM_INDEX_LEAF_BITS) + 1;
}

/* The lookup table of ram_list.blocks (see the top).  Mutex held. */
static RAMBlockIndex *ram_index_build(void)
{
    g_autofree unsigned long *used = NULL;
    RAMBlockIndex *idx;
    RAMBlock **slots;
    RAMBlock *block;
    uint64_t n_leaves = 0, n_used = 0;

    QLIST_FOREACH(block, &ram_list.blocks, next) {
        n_leaves = MAX(n_leaves, ram_block_end_leaf(block));
    }
    used = bitmap_new(n_leaves);
    QLIST_FOREACH(block, &ram_list.blocks, next) {
        for (uint64_t l = ram_block_first_leaf(block);
             l < ram_block_end_leaf(block); l++) {
            set_bit(l, used);
        }
    }
    n_used = bitmap_count_one(used, n_leaves);

    idx = g_malloc0(sizeof(*idx) + n_leaves * sizeof(idx->leaf[0]) +
                    n_used * RAM_INDEX_LEAF_SLOTS * sizeof(RAMBlock *));
    idx->end = n_leaves << RAM_INDEX_LEAF_BITS;
    slots = (RAMBlock **)&idx->leaf[n_leaves];
    for (uint64_t l = 0; l < n_leaves; l++) {
        if (test_bit(l, used)) {
            idx->leaf[l] = slots;
            slots += RAM_INDEX_LEAF_SLOTS;
        }
    }
    QLIST_FOREACH(block, &ram_list.blocks, next) {
        ram_addr_t end = block->offset + block->max_length;

        for (ram_addr_t a = block->offset; a < end;
             a += 1ull << RAM_INDEX_GRANULE_BITS) {
            idx->leaf[a >> RAM_INDEX_LEAF_BITS]
                     [(a >> RAM_INDEX_GRANULE_BITS) &
                      (RAM_INDEX_LEAF_SLOTS - 1)] = block;
        }
    }
    return idx;
}

/*
 * After a change of ram_list.blocks: publish a new lookup index for it,
 * and invalidate every thread's MRU hint.  Before any grace period that
 * frees what the change removed.  Mutex held.
 */
static void ram_list_changed(void)
{
    RAMBlockIndex *old = ram_list.index, *idx = ram_index_build();

    /* Pairs with the qatomic_rcu_read in ram_block_lookup. */
    qatomic_rcu_set(&ram_list.index, idx);
    if (old) {
        g_free_rcu(old, rcu);
    }
    /* Pairs with the load-acquire in ram_block_lookup. */
    qatomic_store_release(&ram_list.version, ram_list.version + 1);
}

RAMBlock *qemu_ram_alloc(ram_addr_t size, uint32_t flags, MemoryRegion *mr,
                         Error **errp)
{
    RAMBlock *block;
    unsigned long pages;

    ram_list_init();
    if (size == 0) {
        error_setg(errp, "cannot allocate an empty RAM block '%s'", mr->name);
        return NULL;
    }
    block = g_new0(RAMBlock, 1);
    block->mr = mr;
    block->flags = flags;
    block->used_length = size;
    block->max_length = TARGET_PAGE_ALIGN(size);
    pstrcpy(block->idstr, sizeof(block->idstr), mr->name);
    block->host = flags & RAM_SHARED ?
                  qemu_anon_ram_alloc_shared(block->max_length) :
                  qemu_anon_ram_alloc(block->max_length);
    if (!block->host) {
        g_autofree char *sz = size_to_str(size);

        error_setg_errno(errp, errno, "cannot allocate %s of RAM for '%s'",
                         sz, mr->name);
        g_free(block);
        return NULL;
    }
    /* Everything starts dirty: no page holds translated code yet. */
    pages = block->max_length >> TARGET_PAGE_BITS;
    for (int i = 0; i < DIRTY_MEMORY_NUM; i++) {
        block->dirty_bmap[i] = bitmap_new(pages);
        bitmap_set(block->dirty_bmap[i], 0, pages);
    }

    qemu_mutex_lock_ramlist();
    block->offset = ram_list.next_offset;
    ram_list.next_offset = QEMU_ALIGN_UP(block->offset + block->max_length,
                                         2 * MiB);
    /* Complete before it is published: the insert is a release. */
    ram_block_insert_last(block);
    ram_list_changed();
    qemu_mutex_unlock_ramlist();
    return block;
}

/*
 * After the grace period that follows qemu_ram_free.  call_rcu thread.
 * The memory is unmapped and the RAMBlock poisoned, so that a reader
 * still holding either faults or fails its checks.
 */
static void reclaim_ramblock(RAMBlock *block)
{
    qemu_anon_ram_free(block->host, block->max_length);
    for (int i = 0; i < DIRTY_MEMORY_NUM; i++) {
        g_free(block->dirty_bmap[i]);
    }
    memset(block, 0x6b, sizeof(*block));
    g_free(block);
}

void qemu_ram_free(RAMBlock *block)
{
    if (!block) {
        return;
    }
    qemu_mutex_lock_ramlist();
    QLIST_REMOVE_RCU(block, next);
    ram_list_changed();
    qemu_mutex_unlock_ramlist();
#ifdef RAM_LIST_BROKEN_SKIP_GRACE
    /* Only for test-ramblock-skipgrace, which must fail: no grace period. */
    reclaim_ramblock(block);
#else
    call_rcu(block, reclaim_ramblock, rcu);
#endif
}

int ram_block_discard_range(RAMBlock *block, uint64_t start, size_t length)
{
    size_t page = qemu_real_host_page_size();
    /* Shared memory keeps its pages in the shmem object: punch them out. */
    int advice = block->flags & RAM_SHARED ? MADV_REMOVE : MADV_DONTNEED;

    assert(QEMU_IS_ALIGNED(start, page) && QEMU_IS_ALIGNED(length, page));
    assert(start <= block->max_length &&
           length <= block->max_length - start);
    if (length && madvise(block->host + start, length, advice) < 0) {
        return -errno;
    }
    return 0;
}

void ram_block_set_hugepages(RAMBlock *block, bool on)
{
    if (!(block->flags & RAM_SHARED)) {
        qemu_anon_ram_set_hugepages(block->host, block->max_length, on);
    }
}

/* The block containing addr, or NULL.  Called from RCU critical section. */
static RAMBlock *ram_block_lookup(ram_addr_t addr)
{
    /* Pairs with the qatomic_rcu_set in ram_list_changed. */
    RAMBlockIndex *idx = qatomic_rcu_read(&ram_list.index);
    RAMBlock **leaf;
    RAMBlock *block;

    if (!idx || addr >= idx->end) {
        return NULL;
    }
    leaf = idx->leaf[addr >> RAM_INDEX_LEAF_BITS];
    if (!leaf) {
        return NULL;
    }
    block = leaf[(addr >> RAM_INDEX_GRANULE_BITS) & (RAM_INDEX_LEAF_SLOTS - 1)];
    /* The granule's tail may lie past its block's end. */
    if (!block || addr - block->offset >= block->max_length) {
        return NULL;
    }
    return block;
}

RAMBlock *qemu_get_ram_block(ram_addr_t addr)
{
    RCU_READ_LOCK_GUARD();

    return ram_block_lookup(addr);
}

void *qemu_map_ram_ptr(RAMBlock *block, ram_addr_t addr)
{
    RCU_READ_LOCK_GUARD();

    if (!block) {
        block = ram_block_lookup(addr);
        /* Callers pass ram_addrs they got from a region: a miss is a bug. */
        assert(block);
        addr -= block->offset;
    }
    assert(addr < block->max_length);
    return block->host + addr;
}

RAMBlock *qemu_ram_block_from_host(void *ptr, bool round_offset,
                                   ram_addr_t *offset)
{
    RAMBlock *block;
    uint8_t *host = ptr;
    uint64_t version;

    RCU_READ_LOCK_GUARD();
    /*
     * Inside the section (see the top).  Pairs with the store-release in
     * ram_list_changed.
     */
    version = qatomic_load_acquire(&ram_list.version);
    block = ram_mru.block;
    if (block && ram_mru.version == version &&
        host - block->host >= 0 &&
        (ram_addr_t)(host - block->host) < block->max_length) {
        goto found;
    }
    QLIST_FOREACH_RCU(block, &ram_list.blocks, next) {
        if (host - block->host >= 0 &&
            (ram_addr_t)(host - block->host) < block->max_length) {
            ram_mru.block = block;
            ram_mru.version = version;
            goto found;
        }
    }
    return NULL;

found:
    *offset = host - block->host;
    if (round_offset) {
        *offset &= TARGET_PAGE_MASK;
    }
    return block;
}

ram_addr_t qemu_ram_addr_from_host(void *ptr)
{
    ram_addr_t offset;
    RAMBlock *block = qemu_ram_block_from_host(ptr, false, &offset);

    return block ? block->offset + offset : RAM_ADDR_MAX;
}

/*
 * Dirty bitmaps.  Ranges may span blocks only by mistake; each helper
 * works within the block containing start and asserts the range fits,
 * inside a read-side section of its own.
 */
static RAMBlock *dirty_block(ram_addr_t start, ram_addr_t length,
                             unsigned long *first, unsigned long *npages)
{
    RAMBlock *block = ram_block_lookup(start);

    assert(block);
    assert(length <= block->max_length - (start - block->offset));
    *first = (start - block->offset) >> TARGET_PAGE_BITS;
    *npages = length ? (((start + length - 1) >> TARGET_PAGE_BITS) -
                        (start >> TARGET_PAGE_BITS) + 1) : 0;
    return block;
}

void cpu_physical_memory_set_dirty_flag(ram_addr_t addr, unsigned client)
{
    RCU_READ_LOCK_GUARD();
    unsigned long first, npages;
    RAMBlock *block = dirty_block(addr, 1, &first, &npages);

    set_bit_atomic(first, block->dirty_bmap[client]);
}

void cpu_physical_memory_set_dirty_range(ram_addr_t start, ram_addr_t length,
                                         uint8_t mask)
{
    unsigned long first, npages;
    RAMBlock *block;

    if (!length) {
        return;
    }
    RCU_READ_LOCK_GUARD();
    block = dirty_block(start, length, &first, &npages);
    for (int client = 0; client < DIRTY_MEMORY_NUM; client++) {
        if (mask & (1 << client)) {
            bitmap_set_atomic(block->dirty_bmap[client], first, npages);
        }
    }
}

bool cpu_physical_memory_test_and_clear_dirty(ram_addr_t start,
                                              ram_addr_t length,
                                              unsigned client)
{
    unsigned long first, npages;
    RAMBlock *block;

    if (!length) {
        return false;
    }
    RCU_READ_LOCK_GUARD();
    block = dirty_block(start, length, &first, &npages);
    return bitmap_test_and_clear_atomic(block->dirty_bmap[client], first,
                                        npages);
}

static bool dirty_bit(RAMBlock *block, unsigned client, unsigned long page)
{
    return (qatomic_read(&block->dirty_bmap[client][BIT_WORD(page)]) &
            BIT_MASK(page)) != 0;
}

bool cpu_physical_memory_get_dirty_flag(ram_addr_t addr, unsigned client)
{
    RCU_READ_LOCK_GUARD();
    unsigned long first, npages;
    RAMBlock *block = dirty_block(addr, 1, &first, &npages);

    return dirty_bit(block, client, first);
}

bool cpu_physical_memory_is_clean(ram_addr_t addr)
{
    RCU_READ_LOCK_GUARD();
    unsigned long first, npages;
    RAMBlock *block = dirty_block(addr, 1, &first, &npages);

    if (!dirty_bit(block, DIRTY_MEMORY_CODE, first)) {
        return true;
    }
    return qatomic_read(&global_dirty_log) &&
           !dirty_bit(block, DIRTY_MEMORY_MIGRATION, first);
}

void memory_global_dirty_log_start(void)
{
    qatomic_set(&global_dirty_log, true);
}

void memory_global_dirty_log_stop(void)
{
    /*
     * Entries marked for migration lose TLB_NOTDIRTY at their next write
     * (the slow path sees the page is no longer clean).
     */
    qatomic_set(&global_dirty_log, false);
}

bool memory_global_dirty_log_active(void)
{
    return qatomic_read(&global_dirty_log);
}

void cpu_physical_memory_set_dirty_log_clear_hook(DirtyLogClearHook *hook)
{
    qatomic_set(&dirty_log_clear_hook, hook);
}

uint64_t cpu_physical_memory_sync_dirty_bitmap(RAMBlock *block,
                                               unsigned long *dest)
{
    unsigned long *bmap = block->dirty_bmap[DIRTY_MEMORY_MIGRATION];
    unsigned long words = BITS_TO_LONGS(block->max_length >>
                                        TARGET_PAGE_BITS);
    DirtyLogClearHook *hook = qatomic_read(&dirty_log_clear_hook);
    uint64_t newly = 0;

    for (unsigned long i = 0; i < words; i++) {
        unsigned long bits;

        /* Cheap test first: most words of an idle guest stay clear. */
        if (!qatomic_read(&bmap[i])) {
            continue;
        }
        bits = qatomic_xchg(&bmap[i], 0);
        newly += ctpop64(bits & ~dest[i]);
        dest[i] |= bits;
    }
    /*
     * The bits are clear before we look at the TLBs: pairs with the
     * smp_mb between installing a write entry and testing the page in
     * the accelerator's TLB fill.
     */
    smp_mb();
    if (hook && qatomic_read(&global_dirty_log)) {
        hook(block->offset, block->max_length);
    }
    return newly;
}

void cpu_physical_memory_set_code_write_hook(CodeWriteHook *hook)
{
    qatomic_set(&code_write_hook, hook);
}

void cpu_physical_memory_invalidate_and_set_dirty(ram_addr_t start,
                                                  ram_addr_t length)
{
    unsigned long first, npages;
    RAMBlock *block;
    CodeWriteHook *hook;

    if (!length) {
        return;
    }
    RCU_READ_LOCK_GUARD();
    block = dirty_block(start, length, &first, &npages);
    hook = qatomic_read(&code_write_hook);
    /* Some page of the range holds code: let the accelerator drop it. */
    if (hook && find_next_zero_bit(block->dirty_bmap[DIRTY_MEMORY_CODE],
                                   first + npages, first) < first + npages) {
        hook(start, length);
    }
    cpu_physical_memory_set_dirty_range(start, length, DIRTY_CLIENTS_ALL);
}

/*
 * info ramblock
 */
void ram_block_info(GString *buf)
{
    RAMBlock *block;

    g_string_append_printf(buf, "%24s %8s %18s %18s %18s %12s\n",
                           "Block Name", "PSize", "Offset", "Used", "Total",
                           "Code pages");
    RCU_READ_LOCK_GUARD();
    QLIST_FOREACH_RCU(block, &ram_list.blocks, next) {
        unsigned long pages = block->max_length >> TARGET_PAGE_BITS;
        unsigned long *code_bmap = block->dirty_bmap[DIRTY_MEMORY_CODE];
        long code = 0;

        /* A clear CODE bit marks a page with translated code on it. */
        for (unsigned long i = 0; i < BITS_TO_LONGS(pages); i++) {
            unsigned long word = qatomic_read(&code_bmap[i]);

            if (i == BIT_WORD(pages - 1)) {
                word |= ~BITMAP_LAST_WORD_MASK(pages);
            }
            code += ctpop64(~word);
        }

        g_string_append_printf(buf, "%24s %8s 0x%016" PRIx64 " 0x%016" PRIx64
                               " 0x%016" PRIx64 " %12ld\n",
                               block->idstr, "4 KiB", block->offset,
                               block->used_length, block->max_length, code);
    }
}
