/*
 * RAM blocks: the host memory behind guest RAM and ROM regions.
 *
 * Two lists hold every RAMBlock:
 *   - ram_list.blocks, in ram_addr order, for walking them all (info
 *     ramblock, dirty tracking, migration); it changes only when blocks
 *     are added or removed;
 *   - ram_list.blocks_mru, most recently used first, for lookups by
 *     ram_addr or host pointer, which move the block they find to the
 *     front, so that the block the vCPUs are using stays first.
 *
 * Locking (the RCU series converts it):
 *   both lists, ram_list.mru_block and the list links: read and written
 *   under ram_list.mutex (qemu_mutex_lock_ramlist), by the vCPU threads
 *   on TLB refill and by the main thread when blocks are added or
 *   removed.  A lookup reorders blocks_mru, so even readers write it.
 *   Block fields other than the links are written before the block is
 *   published on the list and never change while it is there, except the
 *   dirty bitmaps, which are atomics (see exec/ram_addr.h).
 */
#ifndef EXEC_RAMBLOCK_H
#define EXEC_RAMBLOCK_H

#include "exec/cpu-common.h"
#include "qemu/queue.h"
#include "qemu/thread.h"

typedef struct MemoryRegion MemoryRegion;

/* Dirty-memory clients, each with its own bitmap per block. */
#define DIRTY_MEMORY_VGA        0
#define DIRTY_MEMORY_CODE       1   /* set: page holds no translated code */
#define DIRTY_MEMORY_MIGRATION  2
#define DIRTY_MEMORY_NUM        3

#define RAM_READONLY    (1 << 0)    /* ROM */

struct RAMBlock {
    MemoryRegion *mr;
    uint8_t *host;
    ram_addr_t offset;
    ram_addr_t used_length;
    ram_addr_t max_length;
    uint32_t flags;
    char idstr[256];
    /* One bit per target page, per dirty client; atomics. */
    unsigned long *dirty_bmap[DIRTY_MEMORY_NUM];
    QLIST_ENTRY(RAMBlock) next;         /* ram_list.blocks */
    QLIST_ENTRY(RAMBlock) next_mru;     /* ram_list.blocks_mru */
};

typedef struct RAMList {
    QemuMutex mutex;
    RAMBlock *mru_block;
    QLIST_HEAD(, RAMBlock) blocks;
    QLIST_HEAD(, RAMBlock) blocks_mru;
    uint32_t version;           /* bumped on every add/remove */
    ram_addr_t next_offset;     /* where the next block goes */
} RAMList;

extern RAMList ram_list;

void qemu_mutex_lock_ramlist(void);
void qemu_mutex_unlock_ramlist(void);

/*
 * Allocate a block of size bytes for mr and add it to the list; NULL with
 * *errp if the host cannot provide the memory.  Main thread, BQL held.
 */
RAMBlock *qemu_ram_alloc(ram_addr_t size, uint32_t flags, MemoryRegion *mr,
                         Error **errp);
void qemu_ram_free(RAMBlock *block);

/* The block containing addr, or NULL.  Takes ram_list.mutex. */
RAMBlock *qemu_get_ram_block(ram_addr_t addr);
/*
 * Host pointer for addr.  With block NULL, looks the block up (taking
 * ram_list.mutex); otherwise addr is relative to the block's offset... as
 * in QEMU: addr is a ram_addr when block is NULL, else an offset in block.
 */
void *qemu_map_ram_ptr(RAMBlock *block, ram_addr_t addr);
/* The block whose memory contains host pointer ptr, or NULL; sets
 * *offset to ptr's offset in it.  Takes ram_list.mutex. */
RAMBlock *qemu_ram_block_from_host(void *ptr, bool round_offset,
                                   ram_addr_t *offset);
/* The ram_addr of host pointer ptr, or RAM_ADDR_MAX if not guest RAM. */
ram_addr_t qemu_ram_addr_from_host(void *ptr);

/* `info ramblock` */
void ram_block_info(GString *buf);

#endif /* EXEC_RAMBLOCK_H */
