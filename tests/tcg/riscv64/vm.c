/*
 * vm.c: page-table construction for the bare-metal tests (see vm.h).
 */
#include "vm.h"

static int vpn(uint64_t va, int level)
{
    return (va >> (PAGE_SHIFT + 9 * level)) & 511;
}

uint64_t *pt_alloc(void)
{
    return page_alloc(1);
}

static uint64_t *next_table(uint64_t pte)
{
    return (uint64_t *)((pte >> PTE_PPN_SHIFT) << PAGE_SHIFT);
}

static bool is_table(uint64_t pte)
{
    return (pte & PTE_V) && !(pte & (PTE_R | PTE_W | PTE_X));
}

uint64_t *pt_map(uint64_t *root, int levels, uint64_t va, uint64_t pa,
                 int level, uint64_t flags)
{
    uint64_t *table = root;

    for (int l = levels - 1; l > level; l--) {
        uint64_t *pte = &table[vpn(va, l)];

        if (!is_table(*pte)) {
            if (*pte & PTE_V) {
                FAIL("pt_map: 0x%lx already mapped by a level-%d leaf", va, l);
            }
            *pte = pte_make((uintptr_t)pt_alloc(), PTE_V);
        }
        table = next_table(*pte);
    }
    table[vpn(va, level)] = pte_make(pa, flags | PTE_V);
    return &table[vpn(va, level)];
}

uint64_t *pt_entry(uint64_t *root, int levels, uint64_t va, int level)
{
    uint64_t *table = root;

    for (int l = levels - 1; l > level; l--) {
        uint64_t pte = table[vpn(va, l)];

        if (!is_table(pte)) {
            return NULL;
        }
        table = next_table(pte);
    }
    return &table[vpn(va, level)];
}
