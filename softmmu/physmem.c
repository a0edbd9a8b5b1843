/*
 * RAM blocks and dirty-memory tracking (include/exec/ramblock.h,
 * include/exec/ram_addr.h).
 *
 * Two lists hold every block.  ram_list.blocks is in ram_addr order and
 * changes only when blocks come and go: walking it (info ramblock, dirty
 * tracking, migration) sees a stable order.  ram_list.blocks_mru is the
 * lookups' view, most recently used first: every lookup moves the block
 * it finds to the front, so lookups write it.  Everything here holds
 * ram_list.mutex: the vCPU threads on TLB refill, devices translating
 * host pointers, the main thread when blocks come and go.
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
 */
#include "qemu/osdep.h"
#include "exec/memory.h"
#include "exec/ramblock.h"
#include "exec/ram_addr.h"
#include "qemu/atomic.h"
#include "qemu/bitmap.h"
#include "qemu/cutils.h"
#include "qapi/error.h"

RAMList ram_list;
static bool ram_list_initialised;
static CodeWriteHook *code_write_hook;

static void ram_list_init(void)
{
    if (!ram_list_initialised) {
        qemu_mutex_init(&ram_list.mutex);
        QLIST_INIT(&ram_list.blocks);
        QLIST_INIT(&ram_list.blocks_mru);
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
        QLIST_INSERT_HEAD(&ram_list.blocks, block, next);
        return;
    }
    while (QLIST_NEXT(last, next)) {
        last = QLIST_NEXT(last, next);
    }
    QLIST_INSERT_AFTER(last, block, next);
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
    block->host = qemu_anon_ram_alloc(block->max_length);
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
    ram_block_insert_last(block);
    QLIST_INSERT_HEAD(&ram_list.blocks_mru, block, next_mru);
    ram_list.mru_block = NULL;
    ram_list.version++;
    qemu_mutex_unlock_ramlist();
    return block;
}

void qemu_ram_free(RAMBlock *block)
{
    if (!block) {
        return;
    }
    qemu_mutex_lock_ramlist();
    QLIST_REMOVE(block, next);
    QLIST_REMOVE(block, next_mru);
    ram_list.mru_block = NULL;
    ram_list.version++;
    qemu_mutex_unlock_ramlist();
    qemu_anon_ram_free(block->host, block->max_length);
    for (int i = 0; i < DIRTY_MEMORY_NUM; i++) {
        g_free(block->dirty_bmap[i]);
    }
    g_free(block);
}

/* Move block to the front of the MRU view.  Called with the mutex held. */
static void ram_block_make_mru(RAMBlock *block)
{
    if (QLIST_FIRST(&ram_list.blocks_mru) != block) {
        QLIST_REMOVE(block, next_mru);
        QLIST_INSERT_HEAD(&ram_list.blocks_mru, block, next_mru);
    }
    ram_list.mru_block = block;
}

/* Called with the mutex held. */
static RAMBlock *ram_block_lookup_locked(ram_addr_t addr)
{
    RAMBlock *block = ram_list.mru_block;

    if (block && addr - block->offset < block->max_length) {
        return block;
    }
    QLIST_FOREACH(block, &ram_list.blocks_mru, next_mru) {
        if (addr - block->offset < block->max_length) {
            ram_block_make_mru(block);
            return block;
        }
    }
    return NULL;
}

RAMBlock *qemu_get_ram_block(ram_addr_t addr)
{
    RAMBlock *block;

    qemu_mutex_lock_ramlist();
    block = ram_block_lookup_locked(addr);
    qemu_mutex_unlock_ramlist();
    return block;
}

void *qemu_map_ram_ptr(RAMBlock *block, ram_addr_t addr)
{
    if (!block) {
        block = qemu_get_ram_block(addr);
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

    qemu_mutex_lock_ramlist();
    QLIST_FOREACH(block, &ram_list.blocks_mru, next_mru) {
        if (host - block->host >= 0 &&
            (ram_addr_t)(host - block->host) < block->max_length) {
            ram_block_make_mru(block);
            break;
        }
    }
    qemu_mutex_unlock_ramlist();
    if (block) {
        *offset = host - block->host;
        if (round_offset) {
            *offset &= TARGET_PAGE_MASK;
        }
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
 * works within the block containing start and asserts the range fits.
 */
static RAMBlock *dirty_block(ram_addr_t start, ram_addr_t length,
                             unsigned long *first, unsigned long *npages)
{
    RAMBlock *block = qemu_get_ram_block(start);

    assert(block);
    assert(length <= block->max_length - (start - block->offset));
    *first = (start - block->offset) >> TARGET_PAGE_BITS;
    *npages = length ? (((start + length - 1) >> TARGET_PAGE_BITS) -
                        (start >> TARGET_PAGE_BITS) + 1) : 0;
    return block;
}

bool cpu_physical_memory_get_dirty_flag(ram_addr_t addr, unsigned client)
{
    unsigned long first, npages;
    RAMBlock *block = dirty_block(addr, 1, &first, &npages);

    return (qatomic_read(&block->dirty_bmap[client][BIT_WORD(first)]) &
            BIT_MASK(first)) != 0;
}

void cpu_physical_memory_set_dirty_flag(ram_addr_t addr, unsigned client)
{
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
    block = dirty_block(start, length, &first, &npages);
    return bitmap_test_and_clear_atomic(block->dirty_bmap[client], first,
                                        npages);
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
    qemu_mutex_lock_ramlist();
    QLIST_FOREACH(block, &ram_list.blocks, next) {
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
    qemu_mutex_unlock_ramlist();
}
