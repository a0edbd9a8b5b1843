/*
 * test-pmp.c: physical memory protection with 16 entries.  All pmpaddr
 * and pmpcfg fields hold their values; TOR (including entry 0's implicit
 * base of 0), NA4 and NAPOT regions of several sizes; R/W/X checked for
 * S and U with access faults of the right cause (1, 5, 7) and mtval; the
 * lowest-numbered matching entry wins; an access only partly inside an
 * entry fails; S/U accesses that match no entry fail while M's succeed;
 * MPRV makes M's loads obey S's rules; page-table walks are checked too;
 * locked entries bind M-mode and ignore writes to their CSRs (and to the
 * pmpaddr below a locked TOR entry).
 *
 * crt0 leaves entry 15 as "everything RWX" so that S and U can run; the
 * tests put their rules in lower entries, which take priority.  Locking
 * cannot be undone, so it comes last.
 */
#include "vm.h"

#define AREA_PAGES 16
#define LOAD ACCESS_LOAD
#define STORE ACCESS_STORE
#define EXEC ACCESS_EXEC

static uint8_t *area;   /* AREA_PAGES test pages, each starting with code */

static const uint64_t fault_cause[] = {
    EXC_LOAD_ACCESS, EXC_STORE_ACCESS, EXC_INSN_ACCESS,
};

#define PMPADDR_CASES(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) \
    X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)

static void pmpaddr_write(int i, uint64_t v)
{
#define WRITE_CASE(n) case n: csr_write(pmpaddr##n, v); break;
    switch (i) {
    PMPADDR_CASES(WRITE_CASE)
    default:
        FAIL("no pmpaddr%d", i);
    }
#undef WRITE_CASE
}

static uint64_t pmpaddr_read(int i)
{
#define READ_CASE(n) case n: return csr_read(pmpaddr##n);
    switch (i) {
    PMPADDR_CASES(READ_CASE)
    default:
        FAIL("no pmpaddr%d", i);
    }
#undef READ_CASE
}

static uint8_t pmpcfg_read(int i)
{
    uint64_t reg = i < 8 ? csr_read(pmpcfg0) : csr_read(pmpcfg2);

    return reg >> (8 * (i % 8));
}

static void pmpcfg_write(int i, uint8_t cfg)
{
    int shift = 8 * (i % 8);
    uint64_t reg = i < 8 ? csr_read(pmpcfg0) : csr_read(pmpcfg2);

    reg = (reg & ~(0xffULL << shift)) | (uint64_t)cfg << shift;
    if (i < 8) {
        csr_write(pmpcfg0, reg);
    } else {
        csr_write(pmpcfg2, reg);
    }
}

/* Sets entry i; then flushes, as the spec asks after PMP changes */
static void pmp_set(int i, uint8_t cfg, uint64_t pmpaddr)
{
    pmpcfg_write(i, 0);
    pmpaddr_write(i, pmpaddr);
    pmpcfg_write(i, cfg);
    sfence_vma();
}

static uint64_t napot(uintptr_t base, uint64_t size)
{
    return (base >> 2) | ((size >> 3) - 1);
}

/* Turns off entries first..14 and makes 15 "everything RWX" again */
static void pmp_reset(int first)
{
    for (int i = first; i < 15; i++) {
        pmp_set(i, PMP_OFF, 0);
    }
    pmp_set(15, PMP_NAPOT | PMP_R | PMP_W | PMP_X, ~0ULL);
}

static uint8_t *page(int n)
{
    return area + n * PAGE_SIZE;
}

static void expect_ok(int prv, int kind, uintptr_t addr, const char *what)
{
    probe_access(prv, kind, addr, 0);
    CHECK_NO_TRAP("%s: %s-mode %s at 0x%lx faulted", what, level_name[prv],
                  access_name[kind], addr);
}

static void expect_fault(int prv, int kind, uintptr_t addr, const char *what)
{
    probe_access(prv, kind, addr, 0);
    CHECK_TRAP(fault_cause[kind], addr, "%s: %s-mode %s at 0x%lx", what,
               level_name[prv], access_name[kind], addr);
}

/*
 * Checks a load and a store at addr + DATA_OFF and a call of the code at
 * addr: ok is like "r-x"
 */
#define DATA_OFF 16

static void expect_access(int prv, uintptr_t addr, const char *ok,
                          const char *what)
{
    for (int kind = LOAD; kind <= EXEC; kind++) {
        uintptr_t a = kind == EXEC ? addr : addr + DATA_OFF;

        if (ok[kind] != '-') {
            expect_ok(prv, kind, a, what);
        } else {
            expect_fault(prv, kind, a, what);
        }
    }
}

static void test_csrs(void)
{
    test_section("pmpaddr0-15 and pmpcfg0/2 hold their values");
    for (int i = 0; i < 16; i++) {
        uint64_t v = 0x0012345678900000ULL + i * 0x1111;

        pmpcfg_write(i, PMP_OFF | (i & 7));
        pmpaddr_write(i, v);
    }
    for (int i = 0; i < 16; i++) {
        CHECK_EQ(pmpaddr_read(i), 0x0012345678900000ULL + i * 0x1111,
                 "pmpaddr%d", i);
        CHECK_EQ(pmpcfg_read(i), i & 7, "pmpcfg byte %d", i);
    }
    trap_expect();
    exec_insn(0x3a102573, 0);                       /* csrr a0, pmpcfg1 */
    CHECK_TRAP(EXC_ILLEGAL_INSN, 0x3a102573, "pmpcfg1 does not exist");
    trap_expect();
    exec_insn(0x3a302573, 0);                       /* csrr a0, pmpcfg3 */
    CHECK_TRAP(EXC_ILLEGAL_INSN, 0x3a302573, "pmpcfg3 does not exist");
    pmp_reset(0);
}

static void test_napot(void)
{
    test_section("NAPOT 4 KiB: R only for S and U, not M");
    pmp_set(0, PMP_NAPOT | PMP_R, napot((uintptr_t)page(0), PAGE_SIZE));
    expect_access(PRV_S, (uintptr_t)page(0), "r--", "NAPOT R");
    expect_access(PRV_U, (uintptr_t)page(0), "r--", "NAPOT R");
    expect_fault(PRV_S, STORE, (uintptr_t)page(0) + PAGE_SIZE - 8,
                 "NAPOT R, last word");
    expect_access(PRV_S, (uintptr_t)page(1), "rwx", "past the NAPOT region");
    expect_access(PRV_M, (uintptr_t)page(0), "rwx", "unlocked, for M");

    test_section("NAPOT 8 bytes and 16 KiB");
    pmp_set(0, PMP_NAPOT, napot((uintptr_t)page(1) + 0x40, 8));
    expect_fault(PRV_S, LOAD, (uintptr_t)page(1) + 0x40, "NAPOT 8");
    expect_ok(PRV_S, LOAD, (uintptr_t)page(1) + 0x38, "below NAPOT 8");
    expect_ok(PRV_S, LOAD, (uintptr_t)page(1) + 0x48, "above NAPOT 8");
    pmp_set(1, PMP_NAPOT | PMP_X, napot((uintptr_t)page(4), 4 * PAGE_SIZE));
    expect_access(PRV_S, (uintptr_t)page(4), "--x", "NAPOT 16K X");
    expect_access(PRV_U, (uintptr_t)page(7), "--x", "NAPOT 16K X, end");
    expect_access(PRV_U, (uintptr_t)page(8), "rwx", "past NAPOT 16K");
    pmp_reset(0);
}

static void test_tor(void)
{
    test_section("TOR: [pmpaddr(i-1), pmpaddr(i))");
    pmp_set(2, PMP_OFF, (uintptr_t)page(2) >> 2);
    pmp_set(3, PMP_TOR | PMP_R, (uintptr_t)page(3) >> 2);
    expect_access(PRV_S, (uintptr_t)page(2), "r--", "TOR R");
    expect_fault(PRV_U, STORE, (uintptr_t)page(3) - 8, "TOR R, top word");
    expect_ok(PRV_U, STORE, (uintptr_t)page(3), "just above TOR");
    expect_ok(PRV_U, STORE, (uintptr_t)page(2) - 8, "just below TOR");
    pmp_reset(0);

    test_section("TOR in entry 0: from address 0");
    pmp_set(0, PMP_TOR, VIRT_DRAM_BASE >> 2);
    expect_fault(PRV_S, LOAD, CLINT_MTIME, "TOR from 0");
    expect_ok(PRV_S, LOAD, (uintptr_t)page(0), "above TOR from 0");
    expect_ok(PRV_M, LOAD, CLINT_MTIME, "TOR from 0, M");
    pmp_reset(0);
}

static void test_na4_and_partial(void)
{
    uintptr_t p = (uintptr_t)page(8);

    test_section("NA4 and accesses partly inside an entry");
    pmp_set(0, PMP_NA4, (p + 0x104) >> 2);
    expect_fault(PRV_S, LOAD, p + 0x100, "ld overlapping a no-access NA4");
    expect_ok(PRV_S, LOAD, p + 0x108, "ld above NA4");
    expect_ok(PRV_S, LOAD, p + 0xf8, "ld below NA4");
    pmp_set(0, PMP_NA4 | PMP_R | PMP_W | PMP_X, (p + 0x200) >> 2);
    expect_fault(PRV_S, LOAD, p + 0x200, "ld half inside an RWX NA4");
    expect_fault(PRV_U, STORE, p + 0x200, "sd half inside an RWX NA4");
    pmp_reset(0);
}

static void test_priority(void)
{
    uintptr_t p = (uintptr_t)page(9);

    test_section("the lowest-numbered matching entry wins");
    pmp_set(0, PMP_NAPOT, napot(p, PAGE_SIZE));
    pmp_set(1, PMP_NAPOT | PMP_R | PMP_W | PMP_X, napot(p, PAGE_SIZE));
    expect_access(PRV_S, p, "---", "entry 0 denies, entry 1 allows");
    pmp_set(0, PMP_NAPOT | PMP_R, napot(p, PAGE_SIZE));
    pmp_set(1, PMP_NAPOT, napot(p, PAGE_SIZE));
    expect_access(PRV_S, p, "r--", "entry 0 allows R, entry 1 denies");
    pmp_set(0, PMP_OFF, napot(p, PAGE_SIZE));
    expect_access(PRV_S, p, "---", "entry 0 off: entry 1 decides");
    pmp_reset(0);
}

static void test_no_match(void)
{
    uintptr_t p = (uintptr_t)page(10);

    test_section("S/U accesses matching no entry fail, M's succeed");
    /* Only the image and what comes before the test area stay usable */
    pmp_set(13, PMP_OFF, VIRT_DRAM_BASE >> 2);
    pmp_set(14, PMP_TOR | PMP_R | PMP_W | PMP_X, (uintptr_t)area >> 2);
    pmp_set(15, PMP_OFF, 0);
    expect_access(PRV_S, p, "---", "no entry");
    expect_access(PRV_U, p, "---", "no entry");
    expect_fault(PRV_S, LOAD, CLINT_MTIME, "no entry (MMIO)");
    expect_access(PRV_M, p, "rwx", "no entry, M");
    pmp_reset(0);
}

static void test_mprv(void)
{
    uintptr_t p = (uintptr_t)page(11);

    test_section("MPRV: M-mode loads and stores checked as MPP's level");
    pmp_set(0, PMP_NAPOT, napot(p, PAGE_SIZE));
    probe_mprv(PRV_S, LOAD, p + 16, 0);
    CHECK_TRAP(EXC_LOAD_ACCESS, p + 16, "MPRV, MPP = S");
    probe_mprv(PRV_U, STORE, p + 24, 0);
    CHECK_TRAP(EXC_STORE_ACCESS, p + 24, "MPRV, MPP = U");
    probe_mprv(PRV_M, LOAD, p + 32, 0);
    CHECK_NO_TRAP("MPRV, MPP = M: load faulted");
    pmp_reset(0);
}

static void test_page_walk(void)
{
    uint64_t *root = pt_alloc(), *l0 = pt_alloc();
    uint64_t *l1;
    uintptr_t target = (uintptr_t)page(13);
    const uint64_t va = 0x40000000;

    test_section("page-table walks are checked by PMP");
    /*
     * Identity gigapages for the runtime; GiB 1 through a level-1 table in
     * the test area, which PMP then hides from S
     */
    pt_map(root, 3, 0, 0, 2, PTE_R | PTE_W | PTE_A | PTE_D);
    pt_map(root, 3, VIRT_DRAM_BASE, VIRT_DRAM_BASE, 2,
           PTE_R | PTE_W | PTE_X | PTE_A | PTE_D);
    l1 = (uint64_t *)page(12);
    memset(l1, 0, PAGE_SIZE);
    root[1] = pte_make((uintptr_t)l1, PTE_V);
    l1[0] = pte_make((uintptr_t)l0, PTE_V);
    l0[0] = pte_make(target, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D);
    write_return_code((void *)target, 7);
    csr_write(satp, SATP_MODE_SV39 << SATP_MODE_SHIFT |
                    (uintptr_t)root >> PAGE_SHIFT);
    sfence_vma();
    CHECK_EQ(probe_access(PRV_S, EXEC, va, 0), 7, "4 KiB page through l1");
    CHECK_NO_TRAP("walk through an allowed table faulted");
    /* Now the level-1 table cannot be read by S */
    pmp_set(0, PMP_NAPOT, napot((uintptr_t)l1, PAGE_SIZE));
    expect_fault(PRV_S, LOAD, va + 8, "walk through a denied table");
    expect_fault(PRV_S, STORE, va + 8, "walk through a denied table");
    expect_fault(PRV_S, EXEC, va, "walk through a denied table");
    csr_write(satp, 0);
    sfence_vma();
    pmp_reset(0);
}

static void test_locked(void)
{
    uintptr_t tor = (uintptr_t)page(14), nap = (uintptr_t)page(15);
    uint8_t cfg14;
    uint64_t addr13, addr14;

    test_section("locked entries bind M-mode");
    pmp_set(0, PMP_NAPOT, napot((uintptr_t)page(0), PAGE_SIZE));
    pmp_set(12, PMP_NAPOT | PMP_L | PMP_R | PMP_W, napot(nap, PAGE_SIZE));
    pmp_set(13, PMP_OFF, tor >> 2);
    pmp_set(14, PMP_TOR | PMP_L | PMP_R, (tor + PAGE_SIZE) >> 2);
    expect_access(PRV_M, tor, "r--", "locked TOR R");
    expect_access(PRV_M, nap, "rw-", "locked NAPOT RW");
    expect_access(PRV_S, tor, "r--", "locked TOR R");
    expect_access(PRV_M, (uintptr_t)page(0), "rwx", "unlocked, for M");

    test_section("locked entries ignore writes");
    cfg14 = pmpcfg_read(14);
    addr13 = pmpaddr_read(13);
    addr14 = pmpaddr_read(14);
    pmpcfg_write(14, PMP_NAPOT | PMP_R | PMP_W | PMP_X);
    pmpaddr_write(14, 0);
    pmpaddr_write(13, 0);
    pmpcfg_write(12, PMP_OFF);
    sfence_vma();
    CHECK_EQ(pmpcfg_read(14), cfg14, "locked pmpcfg byte 14");
    CHECK_EQ(pmpaddr_read(14), addr14, "locked pmpaddr14");
    CHECK_EQ(pmpaddr_read(13), addr13, "pmpaddr13 below a locked TOR");
    CHECK_EQ(pmpcfg_read(12), PMP_NAPOT | PMP_L | PMP_R | PMP_W,
             "locked pmpcfg byte 12");
    expect_access(PRV_M, tor, "r--", "locked TOR after the writes");
    pmp_set(0, PMP_OFF, 0);
    CHECK_EQ(pmpcfg_read(0), PMP_OFF, "unlocked entry 0 still writable");
}

int main(void)
{
    area = page_alloc_aligned(AREA_PAGES, 16 * PAGE_SIZE);
    for (int i = 0; i < AREA_PAGES; i++) {
        write_return_code(page(i), i);
    }
    test_csrs();
    test_napot();
    test_tor();
    test_na4_and_partial();
    test_priority();
    test_no_match();
    test_mprv();
    test_page_walk();
    test_locked();
    return 0;
}
