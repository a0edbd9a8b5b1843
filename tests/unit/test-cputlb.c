/*
 * The softmmu TLB: fills, hits, flushes (whole, by page, superpages),
 * MMIO and ROM entries, single-use entries, page-crossing accesses, and
 * the TLB_NOTDIRTY protocol that keeps translated code coherent.
 */
#include "qemu/osdep.h"
#include "exec/exec-all.h"
#include "exec/cputlb.h"
#include "exec/ram_addr.h"
#include "exec/ramblock.h"
#include "qemu/bitmap.h"
#include "qemu/rcu.h"
#include "hw/core/tcg-cpu-ops.h"
#include "accel/tcg/internal.h"
#include "riscv-test-machine.h"

#define MMU     PRV_M
#define PAGE    (TM_RAM_BASE + 0x5000)

static CPUState *cs;

static CPUTLBEntry *entry(int mmu_idx, vaddr addr)
{
    return &cs->tlb.table[mmu_idx][tlb_index(addr)];
}

static uint8_t *ram_host(uint64_t addr)
{
    return (uint8_t *)memory_region_get_ram_ptr(&tm.ram) +
           (addr - TM_RAM_BASE);
}

static void test_fill_and_hit(void)
{
    CPUTLBEntry *e = entry(MMU, PAGE);
    void *host;

    tm_reset();
    g_assert_cmphex(e->addr_read, ==, (uint64_t)-1);
    host = probe_access(cs, PAGE + 8, 8, MMU_DATA_LOAD, MMU, NULL);
    g_assert_true(host == ram_host(PAGE + 8));
    /* An exact tag: the fast path's comparison hits. */
    g_assert_cmphex(e->addr_read, ==, PAGE);
    g_assert_cmphex(e->addr_write, ==, PAGE);
    g_assert_cmphex(e->addr_code, ==, PAGE);
    g_assert_true((uint8_t *)(uintptr_t)(PAGE + e->addend) ==
                  ram_host(PAGE));

    stq_le_phys(&address_space_memory, PAGE + 16, 0x1122334455667788ULL);
    g_assert_cmphex(cpu_ld_mmuidx(cs, PAGE + 16, MO_UQ, MMU, NULL), ==,
                    0x1122334455667788ULL);
    g_assert_cmphex(cpu_ld_mmuidx(cs, PAGE + 23, MO_SB, MMU, NULL), ==,
                    0x11);
    g_assert_cmphex(cpu_ld_mmuidx(cs, PAGE + 16, MO_SB, MMU, NULL), ==,
                    (uint64_t)(int8_t)0x88);
    cpu_st_mmuidx(cs, PAGE + 16, 0xabcd, MO_UW, MMU, NULL);
    g_assert_cmphex(ldq_le_phys(&address_space_memory, PAGE + 16), ==,
                    0x112233445566abcdULL);
}

static void test_flush(void)
{
    tm_reset();
    probe_access(cs, PAGE, 1, MMU_DATA_LOAD, MMU, NULL);
    probe_access(cs, PAGE + 0x1000, 1, MMU_DATA_LOAD, MMU, NULL);
    g_assert_cmphex(entry(MMU, PAGE)->addr_read, ==, PAGE);

    /* A page flush takes that page only. */
    tlb_flush_page(cs, PAGE + 0x123);
    g_assert_cmphex(entry(MMU, PAGE)->addr_read, ==, (uint64_t)-1);
    g_assert_cmphex(entry(MMU, PAGE + 0x1000)->addr_read, ==,
                    PAGE + 0x1000);

    /* A full flush takes everything, and the jump cache. */
    cs->tb_jmp_cache[7] = (TranslationBlock *)cs;
    tlb_flush(cs);
    g_assert_cmphex(entry(MMU, PAGE + 0x1000)->addr_read, ==, (uint64_t)-1);
    g_assert_null(cs->tb_jmp_cache[7]);
    g_assert_cmpuint(cs->tlb.used_mmu_mask, ==, 0);
}

/* Superpages: flushing any page of one drops the whole mmu index. */
static void test_large_page(void)
{
    vaddr va = 0x40000000, other = 0x40001000;

    tm_reset();
    tlb_set_page(cs, va, TM_RAM_BASE, MEMTXATTRS_UNSPECIFIED,
                 PAGE_READ, PRV_S, 2 * MiB);
    tlb_set_page(cs, other, TM_RAM_BASE + 0x1000, MEMTXATTRS_UNSPECIFIED,
                 PAGE_READ, PRV_S, 2 * MiB);
    tlb_set_page(cs, PAGE, PAGE, MEMTXATTRS_UNSPECIFIED, PAGE_READ, MMU,
                 TARGET_PAGE_SIZE);
    g_assert_cmphex(cs->tlb.d[PRV_S].large_page_mask, ==,
                    ~(vaddr)(2 * MiB - 1));
    tlb_flush_page(cs, va + 0x100000);
    g_assert_cmphex(entry(PRV_S, va)->addr_read, ==, (uint64_t)-1);
    g_assert_cmphex(entry(PRV_S, other)->addr_read, ==, (uint64_t)-1);
    /* Other mmu indexes keep their entries. */
    g_assert_cmphex(entry(MMU, PAGE)->addr_read, ==, PAGE);

    /* Two superpages far apart: the region widens to cover both. */
    tlb_set_page(cs, va, TM_RAM_BASE, MEMTXATTRS_UNSPECIFIED,
                 PAGE_READ, PRV_S, 2 * MiB);
    tlb_set_page(cs, va + 64 * MiB, TM_RAM_BASE, MEMTXATTRS_UNSPECIFIED,
                 PAGE_READ, PRV_S, 2 * MiB);
    g_assert_cmphex(cs->tlb.d[PRV_S].large_page_mask, ==,
                    ~(vaddr)(128 * MiB - 1));
}

static void test_prot(void)
{
    CPUTLBEntry *e = entry(PRV_S, 0x7000);

    tm_reset();
    tlb_set_page(cs, 0x7000, PAGE, MEMTXATTRS_UNSPECIFIED, PAGE_READ, PRV_S,
                 TARGET_PAGE_SIZE);
    g_assert_cmphex(e->addr_read, ==, 0x7000);
    g_assert_cmphex(e->addr_write, ==, (uint64_t)-1);
    g_assert_cmphex(e->addr_code, ==, (uint64_t)-1);
}

static void test_mmio_and_rom(void)
{
    CPUTLBEntry *dev = entry(MMU, TM_DEV_BASE);
    CPUTLBEntry *rom = entry(MMU, TM_ROM_BASE);

    tm_reset();
    g_assert_null(probe_access(cs, TM_DEV_BASE + 16, 4, MMU_DATA_LOAD, MMU,
                               NULL));
    g_assert_cmphex(dev->addr_read, ==, TM_DEV_BASE | TLB_MMIO);
    g_assert_cmpuint(cpu_ld_mmuidx(cs, TM_DEV_BASE + 16, MO_UL, MMU, NULL),
                     ==, 0x1234);

    /* ROM reads from RAM; its writes go to the dispatcher, which drops them. */
    g_assert_nonnull(probe_access(cs, TM_ROM_BASE, 4, MMU_DATA_LOAD, MMU,
                                  NULL));
    g_assert_cmphex(rom->addr_read, ==, TM_ROM_BASE);
    g_assert_cmphex(rom->addr_write, ==, TM_ROM_BASE | TLB_MMIO);
    cpu_st_mmuidx(cs, TM_ROM_BASE, 0xff, MO_UB, MMU, NULL);
    g_assert_cmpuint(ldub_phys(&address_space_memory, TM_ROM_BASE), ==, 0);
}

/* An entry for a sub-page mapping serves one access, then misses. */
static void test_single_use(void)
{
    CPUTLBEntry *e = entry(PRV_S, 0x9000);

    tm_reset();
    tlb_set_page(cs, 0x9000, PAGE, MEMTXATTRS_UNSPECIFIED, PAGE_READ, PRV_S,
                 4);
    g_assert_cmphex(e->addr_read, ==, 0x9000 | TLB_INVALID_MASK);
    g_assert_false(e->addr_read == (0x9000 & (TARGET_PAGE_MASK | 7)));
    g_assert_false(tlb_hit_page(e->addr_read, 0x9000));
}

static void test_cross_page(void)
{
    uint64_t addr = PAGE + TARGET_PAGE_SIZE - 3;

    tm_reset();
    cpu_st_mmuidx(cs, addr, 0x0807060504030201ULL, MO_UQ, MMU, NULL);
    for (int i = 0; i < 8; i++) {
        g_assert_cmpuint(ldub_phys(&address_space_memory, addr + i), ==,
                         i + 1);
    }
    g_assert_cmphex(cpu_ld_mmuidx(cs, addr, MO_UQ, MMU, NULL), ==,
                    0x0807060504030201ULL);
    g_assert_cmphex(cpu_ld_mmuidx(cs, addr + 1, MO_SL, MMU, NULL), ==,
                    0x05040302);
}

/*
 * Translating code from a page clears its CODE dirty bit and marks the
 * write entries TLB_NOTDIRTY; a store there invalidates the code it hits
 * and, once no code is left, the page is dirty and fast again.
 */
static void test_notdirty(void)
{
    CPUTLBEntry *e = entry(MMU, PAGE);
    ram_addr_t ram_addr = memory_region_get_ram_addr(&tm.ram) +
                          (PAGE - TM_RAM_BASE);
    TranslationBlock *tb;
    Asm a;

    tm_reset();
    asm_init(&a, PAGE + 0x100);
    a32(&a, ADDI(A0, A0, 1));
    a32(&a, JAL(X0, 0));
    tm_load(&a);
    probe_access(cs, PAGE, 8, MMU_DATA_STORE, MMU, NULL);
    g_assert_cmphex(e->addr_write, ==, PAGE);
    g_assert_true(cpu_physical_memory_get_dirty_flag(ram_addr,
                                                     DIRTY_MEMORY_CODE));

    tb = tb_gen_code(cs, PAGE + 0x100, PRV_M | (PRV_M << 2));
    g_assert_false(cpu_physical_memory_get_dirty_flag(ram_addr,
                                                      DIRTY_MEMORY_CODE));
    g_assert_cmphex(e->addr_write, ==, PAGE | TLB_NOTDIRTY);
    /* A fresh fill sees the clear bit too. */
    tlb_flush(cs);
    probe_access(cs, PAGE, 8, MMU_DATA_LOAD, MMU, NULL);
    g_assert_cmphex(e->addr_write, ==, PAGE | TLB_NOTDIRTY);

    /* A store next to the code leaves it alone... */
    cpu_st_mmuidx(cs, PAGE + 0x200, 1, MO_UQ, MMU, NULL);
    g_assert_false(tb_is_invalid(tb));
    g_assert_cmphex(e->addr_write, ==, PAGE | TLB_NOTDIRTY);
    /* ...a store into it invalidates it and frees the page. */
    cpu_st_mmuidx(cs, PAGE + 0x104, 0, MO_UB, MMU, NULL);
    g_assert_true(tb_is_invalid(tb));
    g_assert_true(cpu_physical_memory_get_dirty_flag(ram_addr,
                                                     DIRTY_MEMORY_CODE));
    g_assert_cmphex(e->addr_write, ==, PAGE);
    g_assert_cmpuint(ldub_phys(&address_space_memory, PAGE + 0x104), ==, 0);
}

/* Take the migration bits of the test RAM (and flag the TLB entries). */
static void take_migration_bits(void)
{
    RCU_READ_LOCK_GUARD();
    RAMBlock *rb = qemu_get_ram_block(memory_region_get_ram_addr(&tm.ram));
    unsigned long *scratch = bitmap_new(TM_RAM_SIZE >> TARGET_PAGE_BITS);

    cpu_physical_memory_sync_dirty_bitmap(rb, scratch);
    g_free(scratch);
}

/*
 * Migration's dirty logging shares TLB_NOTDIRTY with the code protocol:
 * a page migration has not seen written is flagged, whether its entry
 * was filled before or after the bits were taken; the first store sets
 * the bit and unflags the entry, unless the page also holds code.
 */
static void test_dirty_log(void)
{
    CPUTLBEntry *e = entry(MMU, PAGE);
    ram_addr_t ram_addr = memory_region_get_ram_addr(&tm.ram) +
                          (PAGE - TM_RAM_BASE);
    TranslationBlock *tb;
    Asm a;

    tm_reset();
    probe_access(cs, PAGE, 8, MMU_DATA_LOAD, MMU, NULL);
    g_assert_cmphex(e->addr_write, ==, PAGE);
    /* Off: a clear migration bit is nobody's business. */
    take_migration_bits();
    g_assert_cmphex(e->addr_write, ==, PAGE);
    tlb_flush(cs);
    probe_access(cs, PAGE, 8, MMU_DATA_LOAD, MMU, NULL);
    g_assert_cmphex(e->addr_write, ==, PAGE);

    memory_global_dirty_log_start();
    /* The entry filled before the bits were taken is flagged... */
    take_migration_bits();
    g_assert_cmphex(e->addr_write, ==, PAGE | TLB_NOTDIRTY);
    /* ...and so is a fresh one. */
    tlb_flush(cs);
    probe_access(cs, PAGE, 8, MMU_DATA_LOAD, MMU, NULL);
    g_assert_cmphex(e->addr_write, ==, PAGE | TLB_NOTDIRTY);
    cpu_st_mmuidx(cs, PAGE + 8, 0x55, MO_UB, MMU, NULL);
    g_assert_true(cpu_physical_memory_get_dirty_flag(ram_addr,
                                                     DIRTY_MEMORY_MIGRATION));
    g_assert_cmphex(e->addr_write, ==, PAGE);
    g_assert_cmpuint(ldub_phys(&address_space_memory, PAGE + 8), ==, 0x55);

    /* Code and migration: the store does both jobs. */
    asm_init(&a, PAGE + 0x100);
    a32(&a, JAL(X0, 0));
    tm_load(&a);
    tb = tb_gen_code(cs, PAGE + 0x100, PRV_M | (PRV_M << 2));
    take_migration_bits();
    g_assert_cmphex(e->addr_write, ==, PAGE | TLB_NOTDIRTY);
    /* The atomics' way in (probe_access) counts as a write. */
    probe_access(cs, PAGE + 0x100, 4, MMU_DATA_STORE, MMU, NULL);
    g_assert_true(tb_is_invalid(tb));
    g_assert_true(cpu_physical_memory_get_dirty_flag(ram_addr,
                                                     DIRTY_MEMORY_CODE));
    g_assert_true(cpu_physical_memory_get_dirty_flag(ram_addr,
                                                     DIRTY_MEMORY_MIGRATION));
    g_assert_cmphex(e->addr_write, ==, PAGE);

    /* Code left on the page keeps the flag after migration's bit is set. */
    tb = tb_gen_code(cs, PAGE + 0x100, PRV_M | (PRV_M << 2));
    take_migration_bits();
    cpu_st_mmuidx(cs, PAGE + 0x800, 1, MO_UB, MMU, NULL);
    g_assert_false(tb_is_invalid(tb));
    g_assert_true(cpu_physical_memory_get_dirty_flag(ram_addr,
                                                     DIRTY_MEMORY_MIGRATION));
    g_assert_cmphex(e->addr_write, ==, PAGE | TLB_NOTDIRTY);

    /* Off again: the next write unflags a page that holds no code. */
    cpu_st_mmuidx(cs, PAGE + 0x100, 0, MO_UB, MMU, NULL);
    g_assert_true(tb_is_invalid(tb));
    take_migration_bits();
    g_assert_cmphex(e->addr_write, ==, PAGE | TLB_NOTDIRTY);
    memory_global_dirty_log_stop();
    cpu_st_mmuidx(cs, PAGE + 0x200, 0, MO_UB, MMU, NULL);
    g_assert_cmphex(e->addr_write, ==, PAGE);
    g_assert_false(cpu_physical_memory_is_clean(ram_addr));
}

/* The jump cache and hash table find a block; invalidation hides it. */
static void test_tb_lookup(void)
{
    TranslationBlock *tb, *again;
    uint32_t flags = PRV_M | (PRV_M << 2);
    uint64_t misses;
    Asm a;

    tm_reset();
    asm_init(&a, PAGE);
    a32(&a, JAL(X0, 0));
    tm_load(&a);
    misses = cs->tb_jmp_cache_misses;
    tb = tb_lookup(cs, PAGE, flags);
    g_assert_true(tb_lookup(cs, PAGE, flags) == tb);
    g_assert_true(cs->tb_jmp_cache[tb_jmp_cache_hash(PAGE)] == tb);
    /* The first lookup missed (`info jit` counts it), the second hit. */
    g_assert_cmpuint(cs->tb_jmp_cache_misses, ==, misses + 1);
    /* Another state is another block. */
    g_assert_true(tb_lookup(cs, PAGE, flags ^ 4) != tb);

    /* From the hash table after the jump cache is gone. */
    tb_jmp_cache_clear(cs);
    g_assert_true(tb_lookup(cs, PAGE, flags) == tb);

    /* A DMA write drops it; the next lookup translates anew. */
    stl_le_phys(&address_space_memory, PAGE, JAL(X0, 0));
    g_assert_true(tb_is_invalid(tb));
    again = tb_lookup(cs, PAGE, flags);
    g_assert_true(again != tb);
    g_assert_false(tb_is_invalid(again));
}

/*
 * A page flush clears the jump cache entries of the blocks that may run
 * code from the page, those starting on it or on the page before, and
 * keeps the rest; a superpage's flush clears it all.
 */
static void test_jmp_cache_page(void)
{
    TranslationBlock *mark = (TranslationBlock *)cs;
    const vaddr on = PAGE + 0x2a6, before = PAGE - 2, after = PAGE + 0x1000;
    vaddr va = 0x40000000;

    tm_reset();
    /* Every pc of a page hashes into its page's group. */
    for (vaddr pc = PAGE; pc < PAGE + TARGET_PAGE_SIZE; pc += 2) {
        g_assert_cmpuint(tb_jmp_cache_hash(pc) / TB_JMP_GROUP_SIZE, ==,
                         tb_jmp_cache_hash(PAGE) / TB_JMP_GROUP_SIZE);
    }
    cs->tb_jmp_cache[tb_jmp_cache_hash(on)] = mark;
    cs->tb_jmp_cache[tb_jmp_cache_hash(before)] = mark;
    cs->tb_jmp_cache[tb_jmp_cache_hash(after)] = mark;
    tlb_flush_page(cs, PAGE + 0x123);
    g_assert_null(cs->tb_jmp_cache[tb_jmp_cache_hash(on)]);
    g_assert_null(cs->tb_jmp_cache[tb_jmp_cache_hash(before)]);
    g_assert_true(cs->tb_jmp_cache[tb_jmp_cache_hash(after)] == mark);

    tlb_set_page(cs, va, TM_RAM_BASE, MEMTXATTRS_UNSPECIFIED, PAGE_READ,
                 PRV_S, 2 * MiB);
    tlb_flush_page(cs, va + 0x5000);
    g_assert_null(cs->tb_jmp_cache[tb_jmp_cache_hash(after)]);
}

/*
 * FENCE.I catches the one window the write paths leave: a block
 * translated from a page that a device wrote, before physmem marked the
 * page dirty.
 */
static void test_fence_i(void)
{
    ram_addr_t ram_addr = memory_region_get_ram_addr(&tm.ram) +
                          (PAGE - TM_RAM_BASE);
    uint32_t flags = PRV_M | (PRV_M << 2);
    TranslationBlock *tb;
    Asm a;

    tm_reset();
    asm_init(&a, PAGE);
    a32(&a, JAL(X0, 0));
    tm_load(&a);
    tb = tb_gen_code(cs, PAGE, flags);

    /* A device writes elsewhere in the page: the whole page's code goes. */
    stl_le_phys(&address_space_memory, PAGE + 0x800, 0);
    g_assert_true(tb_is_invalid(tb));

    /* The window: new code, then the dirty bit set behind its back. */
    tb = tb_gen_code(cs, PAGE, flags);
    cpu_physical_memory_set_dirty_flag(ram_addr, DIRTY_MEMORY_CODE);
    tb_invalidate_dirty_code(cs);
    g_assert_true(tb_is_invalid(tb));

    /* Nothing written since: FENCE.I leaves good code alone. */
    tb = tb_gen_code(cs, PAGE, flags);
    tb_invalidate_dirty_code(cs);
    g_assert_false(tb_is_invalid(tb));
}

static ram_addr_t ram_addr_of(uint64_t addr)
{
    return memory_region_get_ram_addr(&tm.ram) + (addr - TM_RAM_BASE);
}

/*
 * Chained jumps: linked only to a valid block, reset when their
 * destination is invalidated, and dropped from the destination's list
 * when their own block goes.
 */
static void test_jump_unlink(void)
{
    uint32_t flags = PRV_M | (PRV_M << 2);
    uint64_t b_pc = PAGE + 0x100;
    TranslationBlock *a, *b, *a2;
    Asm as;

    tm_reset();
    asm_init(&as, PAGE);
    a32(&as, ADDI(T0, X0, 1));
    a32(&as, JAL(X0, b_pc - asm_pc(&as)));
    tm_load(&as);
    asm_init(&as, b_pc);
    a32(&as, JAL(X0, 0));
    tm_load(&as);

    a = tb_gen_code(cs, PAGE, flags);
    b = tb_gen_code(cs, b_pc, flags);
    g_assert_cmpint(a->nb_jmp, ==, 1);
    tb_add_jump(a, 0, b);
    g_assert_true(*tb_jmp_slot(a, 0) == b);
    g_assert_true(b->jmp_incoming == tb_jump(a, 0));

    /* B's code is rewritten: the jump into it is reset. */
    tb_invalidate_phys_range(ram_addr_of(b_pc), ram_addr_of(b_pc) + 4);
    g_assert_true(tb_is_invalid(b));
    g_assert_null(*tb_jmp_slot(a, 0));
    g_assert_null(b->jmp_incoming);

    /* Never linked to an invalid block. */
    tb_add_jump(a, 0, b);
    g_assert_null(*tb_jmp_slot(a, 0));

    /* A goes: it leaves the list of the block it chained to. */
    b = tb_gen_code(cs, b_pc, flags);
    tb_add_jump(a, 0, b);
    g_assert_true(b->jmp_incoming == tb_jump(a, 0));
    tb_invalidate_phys_range(ram_addr_of(PAGE), ram_addr_of(PAGE) + 4);
    g_assert_true(tb_is_invalid(a));
    g_assert_false(tb_is_invalid(b));
    g_assert_null(b->jmp_incoming);

    /* A fresh A links again. */
    a2 = tb_gen_code(cs, PAGE, flags);
    g_assert_true(a2 != a);
    tb_add_jump(a2, 0, b);
    g_assert_true(*tb_jmp_slot(a2, 0) == b);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    tm_init(1);
    cs = CPU(tm.cpu[0]);

    g_test_add_func("/cputlb/fill-and-hit", test_fill_and_hit);
    g_test_add_func("/cputlb/flush", test_flush);
    g_test_add_func("/cputlb/large-page", test_large_page);
    g_test_add_func("/cputlb/prot", test_prot);
    g_test_add_func("/cputlb/mmio-and-rom", test_mmio_and_rom);
    g_test_add_func("/cputlb/single-use", test_single_use);
    g_test_add_func("/cputlb/cross-page", test_cross_page);
    g_test_add_func("/cputlb/notdirty", test_notdirty);
    g_test_add_func("/cputlb/dirty-log", test_dirty_log);
    g_test_add_func("/cputlb/tb-lookup", test_tb_lookup);
    g_test_add_func("/cputlb/jmp-cache-page", test_jmp_cache_page);
    g_test_add_func("/cputlb/fence-i", test_fence_i);
    g_test_add_func("/cputlb/jump-unlink", test_jump_unlink);
    return g_test_run();
}
