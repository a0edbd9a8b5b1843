/*
 * vm.h: building Sv39/Sv48 page tables for the bare-metal tests.  Levels
 * count from 0 (4 KiB leaves) up to levels - 1 (the root); a leaf at
 * level 1 maps 2 MiB, at level 2 1 GiB, at level 3 512 GiB.
 */
#ifndef TCG_VM_H
#define TCG_VM_H

#include "runtime.h"

#define LEVEL_SIZE(level) (1ULL << (PAGE_SHIFT + 9 * (level)))

static inline uint64_t pte_make(uint64_t pa, uint64_t flags)
{
    return (pa >> PAGE_SHIFT) << PTE_PPN_SHIFT | flags;
}

static inline uint64_t satp_make(uint64_t mode, const uint64_t *root)
{
    return mode << SATP_MODE_SHIFT | (uintptr_t)root >> PAGE_SHIFT;
}

/* A zeroed page-table page */
uint64_t *pt_alloc(void);

/*
 * Maps va to pa with a leaf at the given level, allocating the tables on
 * the way; returns the leaf PTE.  flags gets PTE_V added.
 */
uint64_t *pt_map(uint64_t *root, int levels, uint64_t va, uint64_t pa,
                 int level, uint64_t flags);

/* The PTE that translates va at the given level, or NULL if not reached */
uint64_t *pt_entry(uint64_t *root, int levels, uint64_t va, int level);

#endif /* TCG_VM_H */
