/*
 * The softmmu TLB (exec/cputlb.h): filling, flushing and the slow paths
 * of guest memory accesses.
 *
 * Only a vCPU's own thread fills and flushes its TLB; other threads ask
 * for flushes with queued work.  The one cross-thread write is
 * TLB_NOTDIRTY: a thread that starts translating code from a RAM page
 * clears the page's DIRTY_MEMORY_CODE bit and then sets TLB_NOTDIRTY in
 * every write entry that maps the page (tlb_reset_dirty_page).  A vCPU
 * filling an entry concurrently reads the bit after installing the entry
 * and sets TLB_NOTDIRTY itself if the bit is clear: with a full barrier
 * on each side, either the translator sees the new entry or the filler
 * sees the cleared bit.
 *
 * Stores to a NOTDIRTY page take the slow path, which under the TB lock
 * invalidates the TBs overlapping the bytes written, performs the store,
 * and marks the page dirty (dropping TLB_NOTDIRTY) once no TB is left.
 * Holding the TB lock across the store orders it against translation:
 * a translator either reads the new bytes or has its TB invalidated.
 *
 * Migration uses the same flag.  While dirty logging is on, a page whose
 * DIRTY_MEMORY_MIGRATION bit is clear is "clean" too: the migration
 * thread clears the bits and then sets TLB_NOTDIRTY in every write entry
 * (tlb_reset_dirty_range_all), with the same barrier pairing as above,
 * and the slow path sets the bit.  A store that read a clean tag just
 * before the entry was marked may still land without setting the bit;
 * the migration thread waits for a grace period before it reads the
 * pages, and a vCPU's stores all happen between two of its quiescent
 * states.  docs/devel/migration.rst has the diagram.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/log.h"
#include "exec/memory.h"
#include "exec/ram_addr.h"
#include "hw/core/tcg-cpu-ops.h"
#include "sysemu/cpus.h"
#include "internal.h"

static inline CPUTLBEntry *tlb_entry(CPUState *cpu, int mmu_idx, vaddr addr)
{
    return &cpu->tlb.table[mmu_idx][tlb_index(addr)];
}

static inline CPUTLBEntryFull *tlb_full(CPUState *cpu, int mmu_idx,
                                        vaddr addr)
{
    return &cpu->tlb.full[mmu_idx][tlb_index(addr)];
}

/* Flushing */

/*
 * Empty an entry.  addr_write is stored atomically: a translating thread
 * may be scanning it (tlb_reset_dirty_page).
 */
static void tlb_entry_clear(CPUTLBEntry *e)
{
    e->addr_read = -1;
    qatomic_set(&e->addr_write, -1);
    e->addr_code = -1;
}

static void tlb_flush_one_mmuidx(CPUState *cpu, int mmu_idx)
{
    for (int i = 0; i < CPU_TLB_SIZE; i++) {
        tlb_entry_clear(&cpu->tlb.table[mmu_idx][i]);
    }
    cpu->tlb.d[mmu_idx].large_page_addr = -1;
    cpu->tlb.d[mmu_idx].large_page_mask = 0;
}

static void tlb_flush_by_mmuidx_local(CPUState *cpu, uint16_t idxmap)
{
    uint32_t todo = idxmap & cpu->tlb.used_mmu_mask;

    for (int i = 0; i < NB_MMU_MODES; i++) {
        if (todo & (1u << i)) {
            tlb_flush_one_mmuidx(cpu, i);
        }
    }
    cpu->tlb.used_mmu_mask &= ~idxmap;
    cpu->tlb.flush_count++;
    tb_jmp_cache_clear(cpu);
}

static void tlb_flush_by_mmuidx_work(CPUState *cpu, run_on_cpu_data data)
{
    tlb_flush_by_mmuidx_local(cpu, data.host_int);
}

/* May we touch cpu's TLB from this thread right now? */
static bool tlb_is_local(CPUState *cpu)
{
    return qemu_cpu_is_self(cpu) || !cpu->created;
}

void tlb_flush_by_mmuidx(CPUState *cpu, uint16_t idxmap)
{
    if (tlb_is_local(cpu)) {
        tlb_flush_by_mmuidx_local(cpu, idxmap);
    } else {
        async_run_on_cpu(cpu, tlb_flush_by_mmuidx_work,
                         RUN_ON_CPU_HOST_INT(idxmap));
    }
}

void tlb_flush(CPUState *cpu)
{
    tlb_flush_by_mmuidx(cpu, (1u << NB_MMU_MODES) - 1);
}

void tlb_flush_all_cpus(void)
{
    CPUState *cpu;

    CPU_FOREACH(cpu) {
        tlb_flush(cpu);
    }
}

static void tlb_flush_page_local(CPUState *cpu, vaddr addr)
{
    vaddr page = addr & TARGET_PAGE_MASK;
    bool whole = false;

    for (int i = 0; i < NB_MMU_MODES; i++) {
        CPUTLBDesc *d = &cpu->tlb.d[i];
        CPUTLBEntry *e;

        if (!(cpu->tlb.used_mmu_mask & (1u << i))) {
            continue;
        }
        if (d->large_page_mask && (page & d->large_page_mask) ==
            d->large_page_addr) {
            /* Part of a superpage: its other pages share the PTE. */
            tlb_flush_one_mmuidx(cpu, i);
            whole = true;
            continue;
        }
        e = tlb_entry(cpu, i, page);
        if (tlb_hit_page(e->addr_read, page) ||
            tlb_hit_page(qatomic_read(&e->addr_write), page) ||
            tlb_hit_page(e->addr_code, page)) {
            tlb_entry_clear(e);
        }
    }
    /* After a superpage's flush, other pages may map elsewhere too. */
    if (whole) {
        tb_jmp_cache_clear(cpu);
    } else {
        tb_jmp_cache_clear_page(cpu, page);
    }
}

static void tlb_flush_page_work(CPUState *cpu, run_on_cpu_data data)
{
    tlb_flush_page_local(cpu, data.target_ptr);
}

void tlb_flush_page(CPUState *cpu, vaddr addr)
{
    if (tlb_is_local(cpu)) {
        tlb_flush_page_local(cpu, addr);
    } else {
        async_run_on_cpu(cpu, tlb_flush_page_work,
                         RUN_ON_CPU_TARGET_PTR(addr));
    }
}

/* Filling */

static void tlb_add_large_page(CPUState *cpu, int mmu_idx, vaddr addr,
                               uint64_t size)
{
    CPUTLBDesc *d = &cpu->tlb.d[mmu_idx];
    vaddr mask = ~(vaddr)(size - 1);

    if (d->large_page_mask) {
        /* Widen the region until it covers both the old one and addr. */
        mask &= d->large_page_mask;
        while ((d->large_page_addr ^ addr) & mask) {
            mask <<= 1;
        }
    }
    d->large_page_addr = addr & mask;
    d->large_page_mask = mask;
}

void tlb_set_page(CPUState *cpu, vaddr addr, hwaddr paddr, MemTxAttrs attrs,
                  int prot, int mmu_idx, uint64_t size)
{
    vaddr page = addr & TARGET_PAGE_MASK;
    hwaddr ppage = paddr & TARGET_PAGE_MASK;
    CPUTLBEntry *e = tlb_entry(cpu, mmu_idx, page);
    CPUTLBEntryFull *full = tlb_full(cpu, mmu_idx, page);
    uint64_t flags = 0, write_flags = 0, data_flags = 0;
    ram_addr_t ram_addr = RAM_ADDR_MAX;
    uintptr_t addend = 0;
    hwaddr xlat, plen = TARGET_PAGE_SIZE;
    MemoryRegion *mr;

    assert(mmu_idx >= 0 && mmu_idx < NB_MMU_MODES);
    if (size > TARGET_PAGE_SIZE) {
        tlb_add_large_page(cpu, mmu_idx, page, size);
    } else if (size < TARGET_PAGE_SIZE) {
        flags |= TLB_INVALID_MASK;
    }

    mr = address_space_translate(&address_space_memory, ppage, &xlat, &plen,
                                 false, attrs);
    if (mr && memory_region_is_ram(mr) && plen >= TARGET_PAGE_SIZE) {
        ram_addr = memory_region_get_ram_addr(mr) + xlat;
        addend = (uintptr_t)qemu_map_ram_ptr(NULL, ram_addr) - page;
        if (memory_region_is_rom(mr)) {
            /* The dispatcher drops (and logs) writes to ROM. */
            write_flags = TLB_MMIO;
        }
    } else {
        /* Devices, holes, and pages shared by several regions. */
        flags |= TLB_MMIO;
    }

    /* Accesses to a watched page take the slow path, which checks them. */
    if (cpu_watchpoint_address_matches(cpu, page, TARGET_PAGE_SIZE)) {
        data_flags = TLB_WATCHPOINT;
    }

    full->phys_addr = ppage;
    /* Read by tlb_reset_dirty_page on other threads. */
    qatomic_set(&full->ram_addr, ram_addr);
    full->attrs = attrs;
    full->prot = prot;

    e->addend = addend;
    e->addr_read = (prot & PAGE_READ) ? page | flags | data_flags : -1;
    e->addr_code = (prot & PAGE_EXEC) ? page | flags : -1;
    if (!(prot & PAGE_WRITE)) {
        qatomic_set(&e->addr_write, -1);
    } else if (write_flags || (flags & TLB_MMIO)) {
        qatomic_set(&e->addr_write, page | flags | write_flags | data_flags);
    } else {
        qatomic_set(&e->addr_write, page | flags | data_flags);
        /*
         * Pairs with the smp_mb in tlb_reset_dirty_range_all and, for
         * migration, in cpu_physical_memory_sync_dirty_bitmap.
         */
        smp_mb();
        if (cpu_physical_memory_is_clean(ram_addr)) {
            qatomic_or(&e->addr_write, TLB_NOTDIRTY);
        }
    }
    cpu->tlb.used_mmu_mask |= 1u << mmu_idx;
}

void tlb_reset_dirty_range_all(ram_addr_t start, ram_addr_t length)
{
    CPUState *cpu;

    /* Order the caller's clearing of the dirty bits before our reads. */
    smp_mb();
    CPU_FOREACH(cpu) {
        for (int i = 0; i < NB_MMU_MODES; i++) {
            for (int j = 0; j < CPU_TLB_SIZE; j++) {
                CPUTLBEntry *e = &cpu->tlb.table[i][j];
                uint64_t tag = qatomic_read(&e->addr_write);
                ram_addr_t ram_addr =
                    qatomic_read(&cpu->tlb.full[i][j].ram_addr);

                if (ram_addr - start < length &&
                    !(tag & (TLB_MMIO | TLB_NOTDIRTY)) &&
                    (tag & TLB_INVALID_MASK) == 0) {
                    qatomic_or(&e->addr_write, TLB_NOTDIRTY);
                }
            }
        }
    }
}

void tlb_reset_dirty_page(ram_addr_t ram_addr)
{
    tlb_reset_dirty_range_all(ram_addr & TARGET_PAGE_MASK, TARGET_PAGE_SIZE);
}

/*
 * The page of the current entry is dirty for every client now: let
 * writes to it take the fast path, unless a translator has claimed it or
 * migration has taken its bit meanwhile.
 */
static void tlb_set_dirty(CPUTLBEntry *e, ram_addr_t ram_addr)
{
    qatomic_and(&e->addr_write, ~(uint64_t)TLB_NOTDIRTY);
    /* Pairs with the smp_mb in tlb_reset_dirty_range_all. */
    smp_mb();
    if (cpu_physical_memory_is_clean(ram_addr)) {
        qatomic_or(&e->addr_write, TLB_NOTDIRTY);
    }
}

static void tlb_fill(CPUState *cpu, vaddr addr, int size,
                     MMUAccessType access_type, int mmu_idx, const TCGOp *op)
{
    bool ok = cpu->cc->tcg_ops->tlb_fill(cpu, addr, size, access_type,
                                         mmu_idx, false, op);
    /* Without probe, tlb_fill raises the guest exception on failure. */
    assert(ok);
}

static uint64_t tlb_read_tag(CPUTLBEntry *e, MMUAccessType access_type)
{
    switch (access_type) {
    case MMU_DATA_LOAD:
        return e->addr_read;
    case MMU_DATA_STORE:
        return qatomic_read(&e->addr_write);
    default:
        return e->addr_code;
    }
}

/* The tag for an access to addr, filling the entry if needed. */
static uint64_t tlb_lookup_fill(CPUState *cpu, vaddr addr, int size,
                                MMUAccessType access_type, int mmu_idx,
                                const TCGOp *op)
{
    CPUTLBEntry *e = tlb_entry(cpu, mmu_idx, addr);
    uint64_t tag = tlb_read_tag(e, access_type);

    if (!tlb_hit_page(tag, addr)) {
        tlb_fill(cpu, addr, size, access_type, mmu_idx, op);
        tag = tlb_read_tag(e, access_type);
    }
    return tag;
}

/* MMIO */

static MemTxResult io_access(CPUState *cpu, CPUTLBEntryFull *full,
                             vaddr addr, uint64_t *val, MemOp mop,
                             bool is_write)
{
    hwaddr paddr = full->phys_addr | (addr & ~TARGET_PAGE_MASK);
    unsigned size = memop_size(mop);
    hwaddr xlat, plen = size;
    bool locked = qemu_mutex_iothread_locked();
    MemoryRegion *mr;
    MemTxResult r;

    if (!locked) {
        qemu_mutex_lock_iothread();
    }
    /* Translate each access: the page may hold several regions. */
    mr = address_space_translate(&address_space_memory, paddr, &xlat, &plen,
                                 is_write, full->attrs);
    if (!mr || plen < size) {
        r = MEMTX_DECODE_ERROR;
    } else if (is_write) {
        r = memory_region_dispatch_write(mr, xlat, *val, mop & MO_SIZE,
                                         full->attrs);
    } else {
        r = memory_region_dispatch_read(mr, xlat, val, mop & MO_SIZE,
                                        full->attrs);
    }
    if (!locked) {
        qemu_mutex_unlock_iothread();
    }
    return r;
}

static void io_failed(CPUState *cpu, CPUTLBEntryFull *full, vaddr addr,
                      unsigned size, MMUAccessType access_type, int mmu_idx,
                      MemTxResult r, const TCGOp *op)
{
    hwaddr paddr = full->phys_addr | (addr & ~TARGET_PAGE_MASK);

    cpu->cc->tcg_ops->do_transaction_failed(cpu, paddr, addr, size,
                                            access_type, mmu_idx,
                                            full->attrs, r, op);
    g_assert_not_reached();
}

/* Loads and stores within one page */

static uint64_t load_page(CPUState *cpu, vaddr addr, MemOp mop, int mmu_idx,
                          const TCGOp *op)
{
    unsigned size = memop_size(mop);
    uint64_t tag = tlb_lookup_fill(cpu, addr, size, MMU_DATA_LOAD, mmu_idx,
                                   op);
    CPUTLBEntry *e = tlb_entry(cpu, mmu_idx, addr);
    uint64_t val = 0;

    if (tag & TLB_MMIO) {
        CPUTLBEntryFull *full = tlb_full(cpu, mmu_idx, addr);
        MemTxResult r = io_access(cpu, full, addr, &val, mop, false);

        if (r != MEMTX_OK) {
            io_failed(cpu, full, addr, size, MMU_DATA_LOAD, mmu_idx, r, op);
        }
        return val;
    }
    return ldn_host((void *)(uintptr_t)(addr + e->addend), size);
}

/*
 * A write of size bytes at addr through entry e, whose tag has
 * TLB_NOTDIRTY: the page holds code, or migration has not seen it
 * written since it last took the page's dirty bit.  Invalidate the code
 * the bytes overlap, store *val if val is not NULL (probe_access's
 * callers store afterwards, in the same slice), mark the page dirty for
 * migration, and once nothing holds the flag, let writes take the fast
 * path again.
 */
static void notdirty_write(CPUTLBEntry *e, CPUTLBEntryFull *full,
                           vaddr addr, unsigned size, const uint64_t *val)
{
    ram_addr_t ram_addr = full->ram_addr | (addr & ~TARGET_PAGE_MASK);
    void *host = (void *)(uintptr_t)(addr + e->addend);

    if (!cpu_physical_memory_get_dirty_flag(ram_addr, DIRTY_MEMORY_CODE)) {
        bool empty;

        tb_lock();
        empty = tb_invalidate_phys_page_range_locked(ram_addr, size);
        if (val) {
            stn_host(host, *val, size);
        }
        if (empty) {
            cpu_physical_memory_set_dirty_flag(ram_addr, DIRTY_MEMORY_CODE);
        }
        tb_unlock();
    } else if (val) {
        /*
         * Flagged for migration only.  A translator claiming the page
         * meanwhile races with this store exactly as with a fast-path
         * store made just before it marked the entry.
         */
        stn_host(host, *val, size);
    }
    cpu_physical_memory_set_dirty_range(ram_addr, size, DIRTY_CLIENTS_NOCODE);
    if (!cpu_physical_memory_is_clean(ram_addr)) {
        tlb_set_dirty(e, ram_addr);
    }
}

static void store_page(CPUState *cpu, vaddr addr, uint64_t val, MemOp mop,
                       int mmu_idx, const TCGOp *op)
{
    unsigned size = memop_size(mop);
    uint64_t tag = tlb_lookup_fill(cpu, addr, size, MMU_DATA_STORE, mmu_idx,
                                   op);
    CPUTLBEntry *e = tlb_entry(cpu, mmu_idx, addr);
    CPUTLBEntryFull *full = tlb_full(cpu, mmu_idx, addr);

    if (tag & TLB_MMIO) {
        MemTxResult r = io_access(cpu, full, addr, &val, mop, true);

        if (r != MEMTX_OK) {
            io_failed(cpu, full, addr, size, MMU_DATA_STORE, mmu_idx, r, op);
        }
    } else if (tag & TLB_NOTDIRTY) {
        notdirty_write(e, full, addr, size, &val);
    } else {
        stn_host((void *)(uintptr_t)(addr + e->addend), val, size);
    }
}

static bool crosses_page(vaddr addr, unsigned size)
{
    return (addr & ~TARGET_PAGE_MASK) + size > TARGET_PAGE_SIZE;
}

uint64_t tcg_ld_slow(CPUState *cpu, vaddr addr, MemOp mop, int mmu_idx,
                     const TCGOp *op)
{
    unsigned size = memop_size(mop);
    uint64_t val = 0;

    /*
     * Watchpoints first, as the debug specification ranks address
     * triggers above page faults; TLB_WATCHPOINT brought watched pages
     * here.
     */
    cpu_check_watchpoint(cpu, addr, size, BP_MEM_READ, op);
    if (unlikely(crosses_page(addr, size))) {
        /* Byte by byte, so each part faults with its own address. */
        for (unsigned i = 0; i < size; i++) {
            val |= load_page(cpu, addr + i, MO_8, mmu_idx, op) << (8 * i);
        }
    } else {
        val = load_page(cpu, addr, mop & MO_SIZE, mmu_idx, op);
    }
    return memop_extend(val, mop);
}

void tcg_st_slow(CPUState *cpu, vaddr addr, uint64_t val, MemOp mop,
                 int mmu_idx, const TCGOp *op)
{
    unsigned size = memop_size(mop);

    cpu_check_watchpoint(cpu, addr, size, BP_MEM_WRITE, op);
    if (unlikely(crosses_page(addr, size))) {
        vaddr second = (addr + size - 1) & TARGET_PAGE_MASK;

        /* Fault on either page before writing anything. */
        tlb_lookup_fill(cpu, addr, 1, MMU_DATA_STORE, mmu_idx, op);
        tlb_lookup_fill(cpu, second, 1, MMU_DATA_STORE, mmu_idx, op);
        for (unsigned i = 0; i < size; i++) {
            store_page(cpu, addr + i, val >> (8 * i), MO_8, mmu_idx, op);
        }
    } else {
        store_page(cpu, addr, val, mop & MO_SIZE, mmu_idx, op);
    }
}

uint64_t cpu_ld_mmuidx(CPUState *cpu, vaddr addr, MemOp mop, int mmu_idx,
                       const TCGOp *op)
{
    unsigned size = memop_size(mop);
    CPUTLBEntry *e = tlb_entry(cpu, mmu_idx, addr);

    if (likely(e->addr_read == (addr & (TARGET_PAGE_MASK | (size - 1))))) {
        return memop_extend(ldn_host((void *)(uintptr_t)(addr + e->addend),
                                     size), mop);
    }
    return tcg_ld_slow(cpu, addr, mop, mmu_idx, op);
}

void cpu_st_mmuidx(CPUState *cpu, vaddr addr, uint64_t val, MemOp mop,
                   int mmu_idx, const TCGOp *op)
{
    unsigned size = memop_size(mop);
    CPUTLBEntry *e = tlb_entry(cpu, mmu_idx, addr);

    if (likely(qatomic_read(&e->addr_write) ==
               (addr & (TARGET_PAGE_MASK | (size - 1))))) {
        stn_host((void *)(uintptr_t)(addr + e->addend), val, size);
        return;
    }
    tcg_st_slow(cpu, addr, val, mop, mmu_idx, op);
}

void *probe_access(CPUState *cpu, vaddr addr, int size,
                   MMUAccessType access_type, int mmu_idx, const TCGOp *op)
{
    uint64_t tag;
    CPUTLBEntry *e = tlb_entry(cpu, mmu_idx, addr);

    assert(!crosses_page(addr, size));
    cpu_check_watchpoint(cpu, addr, size,
                         access_type == MMU_DATA_STORE ? BP_MEM_WRITE
                                                       : BP_MEM_READ, op);
    tag = tlb_lookup_fill(cpu, addr, size, access_type, mmu_idx, op);
    if (tag & TLB_MMIO) {
        return NULL;
    }
    if (access_type == MMU_DATA_STORE && (tag & TLB_NOTDIRTY)) {
        notdirty_write(e, tlb_full(cpu, mmu_idx, addr), addr, size, NULL);
    }
    return (void *)(uintptr_t)(addr + e->addend);
}

/* Code */

ram_addr_t get_page_addr_code_hostp(CPUState *cpu, vaddr pc, void **hostp,
                                    bool *uniform)
{
    int mmu_idx = cpu->cc->tcg_ops->mmu_index_code(cpu);
    uint64_t tag = tlb_lookup_fill(cpu, pc, 1, MMU_INST_FETCH, mmu_idx, NULL);
    CPUTLBEntry *e = tlb_entry(cpu, mmu_idx, pc);
    CPUTLBEntryFull *full = tlb_full(cpu, mmu_idx, pc);

    if (tag & TLB_MMIO) {
        /* We only run code from RAM and ROM. */
        io_failed(cpu, full, pc, 1, MMU_INST_FETCH, mmu_idx,
                  MEMTX_DECODE_ERROR, NULL);
    }
    if (hostp) {
        *hostp = (void *)(uintptr_t)(pc + e->addend);
    }
    if (uniform) {
        *uniform = !(tag & TLB_INVALID_MASK);
    }
    return full->ram_addr | (pc & ~TARGET_PAGE_MASK);
}

ram_addr_t probe_page_addr_code(CPUState *cpu, vaddr pc)
{
    int mmu_idx = cpu->cc->tcg_ops->mmu_index_code(cpu);
    CPUTLBEntry *e = tlb_entry(cpu, mmu_idx, pc);
    CPUTLBEntryFull *full = tlb_full(cpu, mmu_idx, pc);
    uint64_t tag = e->addr_code;

    if (!tlb_hit_page(tag, pc)) {
        if (!cpu->cc->tcg_ops->tlb_fill(cpu, pc, 1, MMU_INST_FETCH, mmu_idx,
                                        true, NULL)) {
            return RAM_ADDR_MAX;
        }
        tag = e->addr_code;
    }
    if (tag & TLB_MMIO) {
        return RAM_ADDR_MAX;
    }
    return full->ram_addr | (pc & ~TARGET_PAGE_MASK);
}
