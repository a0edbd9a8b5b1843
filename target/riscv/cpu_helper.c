/*
 * The RISC-V MMU (Sv39/Sv48 walks, PMP), traps and interrupts.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "exec/exec-all.h"
#include "exec/cputlb.h"
#include "exec/memory.h"
#include "exec/ramblock.h"
#include "exec/ram_addr.h"
#include "target/riscv/internals.h"

typedef enum TranslateResult {
    TRANSLATE_SUCCESS,
    TRANSLATE_FAIL,         /* a page fault */
    TRANSLATE_ACCESS_FAIL,  /* an access fault (PMP, or no RAM) */
} TranslateResult;

void riscv_raise_exception(CPURISCVState *env, RISCVException cause,
                           uint64_t tval, const TCGOp *op)
{
    CPUState *cs = env_cpu(env);

    cs->exception_index = cause;
    env->badaddr = tval;
    cpu_loop_exit_restore(cs, op);
}

/*
 * The host address of the page table entry at pa, or NULL if not RAM;
 * *ram_addr is its ram_addr.
 */
static uint64_t *pte_host(hwaddr pa, bool *rom, ram_addr_t *ram_addr)
{
    hwaddr xlat, plen = sizeof(uint64_t);
    MemoryRegion *mr = address_space_translate(&address_space_memory, pa,
                                               &xlat, &plen, false,
                                               MEMTXATTRS_UNSPECIFIED);

    if (!mr || !memory_region_is_ram(mr) || plen < sizeof(uint64_t)) {
        return NULL;
    }
    *rom = memory_region_is_rom(mr);
    *ram_addr = memory_region_get_ram_addr(mr) + xlat;
    return qemu_map_ram_ptr(NULL, *ram_addr);
}

/* The permissions (PAGE_*) a valid leaf PTE gives to mode. */
static int pte_prot(CPURISCVState *env, uint64_t pte, int mode)
{
    bool mxr = get_field(env->mstatus, MSTATUS_MXR);
    bool sum = get_field(env->mstatus, MSTATUS_SUM);
    int prot = 0;

    if (mode == PRV_U ? !(pte & PTE_U) : (pte & PTE_U) && !sum) {
        return 0;
    }
    if ((pte & PTE_R) || (mxr && (pte & PTE_X))) {
        prot |= PAGE_READ;
    }
    if (pte & PTE_W) {
        prot |= PAGE_WRITE;
    }
    /* S-mode never executes user pages, whatever SUM says. */
    if ((pte & PTE_X) && (mode == PRV_U || !(pte & PTE_U))) {
        prot |= PAGE_EXEC;
    }
    return prot;
}

static int access_prot(MMUAccessType access_type)
{
    switch (access_type) {
    case MMU_DATA_LOAD:
        return PAGE_READ;
    case MMU_DATA_STORE:
        return PAGE_WRITE;
    default:
        return PAGE_EXEC;
    }
}

/*
 * Walk the page tables for addr in mode (an mmu index).  Sets the A bit,
 * and the D bit for stores, atomically; a page is writable in the TLB
 * only once D is set, so the first store after a load walks again.
 * With debug (a debugger's look), nothing is checked but the tables'
 * own validity, and nothing is written.
 */
static TranslateResult get_physical_address(CPURISCVState *env,
                                            hwaddr *physical, int *prot,
                                            vaddr addr,
                                            MMUAccessType access_type,
                                            int mode, uint64_t *page_size,
                                            bool debug)
{
    int vm = get_field(env->satp, SATP_MODE);
    int levels, va_bits;
    hwaddr base;

    *page_size = TARGET_PAGE_SIZE;
    if (mode == PRV_M || vm == VM_1_10_MBARE) {
        *physical = addr;
        *prot = PAGE_READ | PAGE_WRITE | PAGE_EXEC;
        return TRANSLATE_SUCCESS;
    }
    levels = vm == VM_1_10_SV39 ? 3 : 4;
    va_bits = TARGET_PAGE_BITS + 9 * levels;
    /* The upper bits must all equal bit va_bits - 1. */
    if ((vaddr)((int64_t)(addr << (64 - va_bits)) >> (64 - va_bits)) != addr) {
        return TRANSLATE_FAIL;
    }

    base = (env->satp & SATP_PPN) << TARGET_PAGE_BITS;
    for (int level = levels - 1; level >= 0; level--) {
        int shift = TARGET_PAGE_BITS + 9 * level;
        hwaddr pte_addr = base + ((addr >> shift) & 511) * sizeof(uint64_t);
        uint64_t *ptep, pte, updated, ppn;
        ram_addr_t pte_ram_addr;
        bool rom = false;

        /* The walk's own accesses are checked as S-mode ones. */
        if (!debug &&
            !pmp_hart_has_privs(env, pte_addr, 8, PAGE_READ, PRV_S)) {
            return TRANSLATE_ACCESS_FAIL;
        }
        ptep = pte_host(pte_addr, &rom, &pte_ram_addr);
        if (!ptep) {
            return TRANSLATE_ACCESS_FAIL;
        }
        pte = qatomic_read_u64(ptep);
        for (;;) {
            if (!(pte & PTE_V) || (!(pte & PTE_R) && (pte & PTE_W)) ||
                (pte & PTE_RESERVED)) {
                return TRANSLATE_FAIL;
            }
            ppn = (pte & PTE_PPN_MASK) >> PTE_PPN_SHIFT;
            if (!(pte & (PTE_R | PTE_X))) {
                break;      /* a pointer to the next level */
            }
            if (level > 0 && (ppn & ((1ULL << (9 * level)) - 1))) {
                return TRANSLATE_FAIL;      /* a misaligned superpage */
            }
            *prot = pte_prot(env, pte, mode);
            if (!debug && !(*prot & access_prot(access_type))) {
                return TRANSLATE_FAIL;
            }
            updated = pte | PTE_A |
                      (access_type == MMU_DATA_STORE ? PTE_D : 0);
            if (updated != pte && !debug) {
                uint64_t seen;

                if (rom || !pmp_hart_has_privs(env, pte_addr, 8, PAGE_WRITE,
                                               PRV_S)) {
                    return TRANSLATE_ACCESS_FAIL;
                }
                seen = qatomic_cmpxchg__nocheck(ptep, pte, updated);
                if (seen != pte) {
                    pte = seen;     /* changed under us: check it again */
                    continue;
                }
                /*
                 * A write that bypassed the TLB: tell migration (in the
                 * same slice, see accel/tcg/cputlb.c).  Not the code
                 * hook, which takes the TB lock that a walk made for
                 * translation already holds; code in a page table is
                 * the guest's problem.
                 */
                cpu_physical_memory_set_dirty_range(pte_ram_addr,
                                                    sizeof(uint64_t),
                                                    DIRTY_CLIENTS_NOCODE);
                pte = updated;
            }
            if (!(pte & PTE_D)) {
                *prot &= ~PAGE_WRITE;
            }
            *physical = (ppn << TARGET_PAGE_BITS) |
                        (addr & ((1ULL << shift) - 1));
            *page_size = 1ULL << shift;
            return TRANSLATE_SUCCESS;
        }
        if (level == 0) {
            return TRANSLATE_FAIL;
        }
        base = ppn << TARGET_PAGE_BITS;
    }
    return TRANSLATE_FAIL;
}

static RISCVException fault_cause(MMUAccessType access_type, bool page_fault)
{
    switch (access_type) {
    case MMU_INST_FETCH:
        return page_fault ? RISCV_EXCP_INST_PAGE_FAULT
                          : RISCV_EXCP_INST_ACCESS_FAULT;
    case MMU_DATA_LOAD:
        return page_fault ? RISCV_EXCP_LOAD_PAGE_FAULT
                          : RISCV_EXCP_LOAD_ACCESS_FAULT;
    default:
        return page_fault ? RISCV_EXCP_STORE_PAGE_FAULT
                          : RISCV_EXCP_STORE_AMO_ACCESS_FAULT;
    }
}

bool riscv_cpu_tlb_fill(CPUState *cs, vaddr addr, int size,
                        MMUAccessType access_type, int mmu_idx, bool probe,
                        const TCGOp *op)
{
    CPURISCVState *env = &RISCV_CPU(cs)->env;
    int needed = access_prot(access_type);
    int prot = 0, pmp_prot;
    uint64_t page_size;
    hwaddr pa = 0;
    TranslateResult ret;

    ret = get_physical_address(env, &pa, &prot, addr, access_type, mmu_idx,
                               &page_size, false);
    qemu_log_mask(CPU_LOG_MMU, "%s: hart %d addr 0x%" VADDR_PRIx " type %d "
                  "mmu %d -> %s 0x%" HWADDR_PRIx " prot %d\n", __func__,
                  cs->cpu_index, addr, access_type, mmu_idx,
                  ret == TRANSLATE_SUCCESS ? "pa" : "fault", pa, prot);
    if (ret == TRANSLATE_SUCCESS) {
        if (pmp_page_prot(env, pa, mmu_idx, &pmp_prot)) {
            if (pmp_prot & needed) {
                tlb_set_page(cs, addr, pa, MEMTXATTRS_UNSPECIFIED,
                             prot & pmp_prot, mmu_idx, page_size);
                return true;
            }
        } else if (pmp_hart_has_privs(env, pa, size, needed, mmu_idx)) {
            /* PMP splits this page: good for this one access only. */
            tlb_set_page(cs, addr, pa, MEMTXATTRS_UNSPECIFIED, needed,
                         mmu_idx, 1);
            return true;
        }
        ret = TRANSLATE_ACCESS_FAIL;
    }
    if (probe) {
        return false;
    }
    riscv_raise_exception(env, fault_cause(access_type,
                                           ret == TRANSLATE_FAIL),
                          addr, op);
}

hwaddr riscv_cpu_get_phys_page_debug(CPUState *cs, vaddr addr)
{
    CPURISCVState *env = &RISCV_CPU(cs)->env;
    uint64_t page_size;
    hwaddr pa;
    int prot;

    /* What the hart's loads would see: MPRV applies. */
    if (get_physical_address(env, &pa, &prot, addr, MMU_DATA_LOAD,
                             riscv_cpu_mmu_index(env, false), &page_size,
                             true) != TRANSLATE_SUCCESS) {
        return -1;
    }
    return pa & TARGET_PAGE_MASK;
}

void riscv_cpu_do_transaction_failed(CPUState *cs, hwaddr physaddr,
                                     vaddr addr, unsigned size,
                                     MMUAccessType access_type, int mmu_idx,
                                     MemTxAttrs attrs, MemTxResult response,
                                     const TCGOp *op)
{
    riscv_raise_exception(&RISCV_CPU(cs)->env,
                          fault_cause(access_type, false), addr, op);
}

void riscv_cpu_get_tb_cpu_state(CPUState *cs, vaddr *pc, uint32_t *flags)
{
    CPURISCVState *env = &RISCV_CPU(cs)->env;

    *pc = env->pc;
    *flags = env->priv |
             (riscv_cpu_mmu_index(env, false) << TB_FLAGS_MEM_IDX_SHIFT);
}

int riscv_cpu_pending_irq(CPURISCVState *env)
{
    /* Highest priority first. */
    static const int order[] = {
        IRQ_M_EXT, IRQ_M_SOFT, IRQ_M_TIMER, IRQ_S_EXT, IRQ_S_SOFT,
        IRQ_S_TIMER,
    };
    uint64_t pending = riscv_cpu_mip(env) & env->mie;
    bool m_enabled = env->priv < PRV_M ||
                     get_field(env->mstatus, MSTATUS_MIE);
    bool s_enabled = env->priv < PRV_S ||
                     (env->priv == PRV_S &&
                      get_field(env->mstatus, MSTATUS_SIE));
    uint64_t irqs;

    /* M-level interrupts go first; delegated ones never trap to M. */
    irqs = m_enabled ? pending & ~env->mideleg : 0;
    if (!irqs && s_enabled) {
        irqs = pending & env->mideleg;
    }
    for (int i = 0; i < ARRAY_SIZE(order); i++) {
        if (irqs & (1ULL << order[i])) {
            return order[i];
        }
    }
    return -1;
}

bool riscv_cpu_exec_interrupt(CPUState *cs, int interrupt_request)
{
    CPURISCVState *env = &RISCV_CPU(cs)->env;
    int irq;

    if (!(interrupt_request & CPU_INTERRUPT_HARD)) {
        return false;
    }
    irq = riscv_cpu_pending_irq(env);
    if (irq < 0) {
        return false;
    }
    cs->exception_index = RISCV_EXCP_INT_FLAG | irq;
    riscv_cpu_do_interrupt(cs);
    cs->exception_index = -1;
    return true;
}

static const char *const riscv_excp_names[16] = {
    "misaligned_fetch", "fault_fetch", "illegal_instruction", "breakpoint",
    "misaligned_load", "fault_load", "misaligned_store", "fault_store",
    "user_ecall", "supervisor_ecall", "reserved_10", "machine_ecall",
    "exec_page_fault", "load_page_fault", "reserved_14", "store_page_fault",
};

static const char *const riscv_intr_names[12] = {
    "u_software", "s_software", "reserved_2", "m_software",
    "u_timer", "s_timer", "reserved_6", "m_timer",
    "u_external", "s_external", "reserved_10", "m_external",
};

void riscv_cpu_do_interrupt(CPUState *cs)
{
    CPURISCVState *env = &RISCV_CPU(cs)->env;
    bool async = cs->exception_index & RISCV_EXCP_INT_FLAG;
    uint64_t cause = cs->exception_index & RISCV_EXCP_INT_MASK;
    uint64_t tval = async ? 0 : env->badaddr;
    uint64_t deleg = async ? env->mideleg : env->medeleg;
    uint64_t s = env->mstatus;
    uint64_t tvec;

    qemu_log_mask(CPU_LOG_INT, "riscv_cpu_do_interrupt: hart:%" PRIu64
                  ", async:%d, cause:%016" PRIx64 ", epc:0x%016" PRIx64
                  ", tval:0x%016" PRIx64 ", desc=%s\n", env->mhartid, async,
                  cause, env->pc, tval,
                  async ? (cause < 12 ? riscv_intr_names[cause] : "?")
                        : (cause < 16 ? riscv_excp_names[cause] : "?"));

    if (env->priv <= PRV_S && cause < 64 && ((deleg >> cause) & 1)) {
        env->scause = cause | ((uint64_t)async << 63);
        env->sepc = env->pc;
        env->stval = tval;
        s = set_field(s, MSTATUS_SPIE, get_field(s, MSTATUS_SIE));
        s = set_field(s, MSTATUS_SPP, env->priv);
        s = set_field(s, MSTATUS_SIE, 0);
        tvec = env->stvec;
        env->priv = PRV_S;
    } else {
        env->mcause = cause | ((uint64_t)async << 63);
        env->mepc = env->pc;
        env->mtval = tval;
        s = set_field(s, MSTATUS_MPIE, get_field(s, MSTATUS_MIE));
        s = set_field(s, MSTATUS_MPP, env->priv);
        s = set_field(s, MSTATUS_MIE, 0);
        tvec = env->mtvec;
        env->priv = PRV_M;
    }
    env->mstatus = s;
    env->pc = (tvec & ~(uint64_t)3) +
              ((async && (tvec & 3) == 1) ? 4 * cause : 0);
    /* A trap breaks any LR/SC sequence. */
    env->load_res = -1;
}
