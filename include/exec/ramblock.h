/*
 * RAM blocks: the host memory behind guest RAM and ROM regions.
 *
 * ram_list.blocks holds every RAMBlock, in ram_addr order, as an RCU
 * list (softmmu/physmem.c has the argument):
 *   - readers (TLB refills and slow paths on the vCPU threads, devices'
 *     DMA, the monitor) walk it and look blocks up inside an RCU
 *     read-side section, with no lock: a block found stays valid until
 *     the section ends.  The lookup functions below take a section of
 *     their own; a caller that keeps the block or a host pointer into it
 *     must be in a section itself (vCPU threads and the main loop always
 *     are, being online QSBR readers).
 *   - writers (blocks added and removed) hold ram_list.mutex and publish
 *     with the RCU list macros; a removed block is freed after a grace
 *     period.  Removing RAM from a running machine goes through
 *     memory_region_del_subregion first, which flushes every vCPU's TLB.
 * Block fields other than the list link are written before the block is
 * published and never change while it is there, except the dirty bitmaps,
 * which are atomics (see exec/ram_addr.h).
 */
#ifndef EXEC_RAMBLOCK_H
#define EXEC_RAMBLOCK_H

#include "exec/cpu-common.h"
#include "qemu/queue.h"
#include "qemu/thread.h"
#include "qemu/rcu.h"

typedef struct MemoryRegion MemoryRegion;

/* Dirty-memory clients, each with its own bitmap per block. */
#define DIRTY_MEMORY_VGA        0
#define DIRTY_MEMORY_CODE       1   /* set: page holds no translated code */
#define DIRTY_MEMORY_MIGRATION  2
#define DIRTY_MEMORY_NUM        3

#define RAM_READONLY    (1 << 0)    /* ROM */
#define RAM_SHARED      (1 << 1)    /* shared memory (MAP_SHARED) */

struct RAMBlock {
    struct rcu_head rcu;                /* first: call_rcu */
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
};

/*
 * ram_list.blocks as a two-level table by ram_addr, for lookups: see
 * softmmu/physmem.c.  One allocation: the leaves follow leaf[].
 */
#define RAM_INDEX_GRANULE_BITS  21      /* blocks are 2 MiB aligned */
#define RAM_INDEX_LEAF_BITS     30      /* a leaf covers 1 GiB */
#define RAM_INDEX_LEAF_SLOTS    (1u << (RAM_INDEX_LEAF_BITS - \
                                        RAM_INDEX_GRANULE_BITS))

typedef struct RAMBlockIndex {
    struct rcu_head rcu;
    ram_addr_t end;             /* no block at or above it */
    RAMBlock **leaf[];          /* per GiB of [0, end); NULL: no block */
} RAMBlockIndex;

typedef struct RAMList {
    QemuMutex mutex;
    QLIST_HEAD(, RAMBlock) blocks;      /* RCU; written under mutex */
    /* The same, for lookups: published with qatomic_rcu_set under mutex. */
    RAMBlockIndex *index;
    /*
     * Bumped (store-release, under mutex) after every add and remove;
     * read with a load-acquire by lookups, to validate their MRU hint.
     */
    uint64_t version;
    ram_addr_t next_offset;     /* where the next block goes: mutex */
} RAMList;

extern RAMList ram_list;

void qemu_mutex_lock_ramlist(void);
void qemu_mutex_unlock_ramlist(void);

/*
 * Allocate a block of size bytes for mr and add it to the list; NULL with
 * *errp if the host cannot provide the memory.  BQL held.
 */
RAMBlock *qemu_ram_alloc(ram_addr_t size, uint32_t flags, MemoryRegion *mr,
                         Error **errp);
/*
 * Unpublish block now, free it after a grace period.  Nothing may map
 * it any more (its region is out of every address space).  BQL held.
 */
void qemu_ram_free(RAMBlock *block);

/*
 * Give the host pages of [start, start + length) of block back to the
 * host (the range is in bytes from the block's start, host-page aligned
 * and inside the block): the RSS falls, and the range reads as zeros
 * afterwards.  The mapping stays, so a thread still holding a pointer
 * into the range (a vCPU's stale TLB entry) faults in a fresh zero page
 * rather than touching freed memory.  0, or -errno from the host.
 * Any thread; the caller owns the contents of the range.
 */
int ram_block_discard_range(RAMBlock *block, uint64_t start, size_t length);

/*
 * Let block's memory use transparent huge pages (on, the default for
 * private RAM) or, from now on, only small pages (off).  Nothing changes
 * for shared memory, which never asks for huge pages.  Any thread, with
 * the block kept alive (an RCU read-side section, say).
 */
void ram_block_set_hugepages(RAMBlock *block, bool on);

/* The block containing addr, or NULL.  No lock; see the top. */
RAMBlock *qemu_get_ram_block(ram_addr_t addr);
/*
 * Host pointer for addr, as in QEMU: addr is a ram_addr when block is
 * NULL (the block is looked up), else an offset in block.
 */
void *qemu_map_ram_ptr(RAMBlock *block, ram_addr_t addr);
/* The block whose memory contains host pointer ptr, or NULL; sets
 * *offset to ptr's offset in it.  No lock. */
RAMBlock *qemu_ram_block_from_host(void *ptr, bool round_offset,
                                   ram_addr_t *offset);
/* The ram_addr of host pointer ptr, or RAM_ADDR_MAX if not guest RAM. */
ram_addr_t qemu_ram_addr_from_host(void *ptr);

/* `info ramblock` */
void ram_block_info(GString *buf);

#endif /* EXEC_RAMBLOCK_H */
