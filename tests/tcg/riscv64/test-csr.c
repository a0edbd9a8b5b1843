/*
 * test-csr.c: Zicsr and the CSR access rules.  The six CSR instructions'
 * read/modify/write semantics; misa = RV64IMACSU; the mstatus WARL fields
 * (SXL = UXL = 2, MPP never 2) and the sstatus/sie/sip views; illegal
 * instruction (mtval = the instruction) for unimplemented CSRs, for S/U
 * accessing higher-level CSRs and for writes to read-only CSRs, while
 * reads of read-only CSRs with rs1 = x0 or uimm = 0 are legal;
 * mcounteren/scounteren gating cycle, time and instret in S and U; and
 * mstatus.TVM (satp, sfence.vma), TW (wfi) and TSR (sret) in S-mode.
 */
#include "runtime.h"

enum { CSRRW = 1, CSRRS = 2, CSRRC = 3, CSRRWI = 5, CSRRSI = 6, CSRRCI = 7 };
#define REG_A0 10

/* csrrX a0, csr, rs1 (or uimm) */
static uint32_t csr_insn(int funct3, int csr, int rs1)
{
    return (uint32_t)csr << 20 | rs1 << 15 | funct3 << 12 | REG_A0 << 7 |
           0x73;
}

#define CSR_READ(csr) csr_insn(CSRRS, (csr), 0)          /* csrr a0, csr */
#define CSR_WRITE(csr) csr_insn(CSRRW, (csr), REG_A0)    /* csrrw a0,csr,a0 */

enum {
    CSR_SSTATUS = 0x100, CSR_SIE = 0x104, CSR_SSCRATCH = 0x140,
    CSR_SATP = 0x180, CSR_STIMECMP = 0x14d,
    CSR_MSTATUS = 0x300, CSR_MISA = 0x301, CSR_MEDELEG = 0x302,
    CSR_MTVEC = 0x305, CSR_MSCRATCH = 0x340, CSR_MEPC = 0x341,
    CSR_PMPCFG0 = 0x3a0, CSR_PMPADDR0 = 0x3b0,
    CSR_MCYCLE = 0xb00, CSR_MINSTRET = 0xb02,
    CSR_CYCLE = 0xc00, CSR_TIME = 0xc01, CSR_INSTRET = 0xc02,
    CSR_MVENDORID = 0xf11, CSR_MARCHID = 0xf12, CSR_MIMPID = 0xf13,
    CSR_MHARTID = 0xf14,
};

/* Runs insn (a0 = arg) in the current mode; returns the trap count */
static long try_insn(long insn)
{
    exec_insn(insn, 0);
    return trap_last.count;
}

/* Runs insn in level prv (M runs it directly) */
static long try_insn_in(int prv, uint32_t insn)
{
    if (prv == PRV_M) {
        return try_insn(insn);
    }
    return run_in_mode(prv, try_insn, insn);
}

#define CHECK_ILLEGAL(prv, insn, what)                                   \
    do {                                                                \
        uint32_t insn_ = (insn);                                        \
        try_insn_in(prv, insn_);                                        \
        CHECK_TRAP(EXC_ILLEGAL_INSN, insn_, "%s in %s-mode (0x%08x)",   \
                   what, level_name[prv], insn_);                       \
    } while (0)

#define CHECK_LEGAL(prv, insn, what)                                     \
    do {                                                                \
        uint32_t insn_ = (insn);                                        \
        CHECK_EQ(try_insn_in(prv, insn_), 0, "%s in %s-mode trapped",   \
                 what, level_name[prv]);                                \
    } while (0)

static void test_zicsr(void)
{
    uint64_t saved = csr_read(mscratch), old, now;

    test_section("csrrw/csrrs/csrrc and their immediate forms");
    /* mscratch holds the trap stack: no trap may happen until restored */
    asm volatile("li t0, 0x00ff00ff00ff00ff\n"
                 "csrrw %0, mscratch, t0\n"
                 "li t0, 0x0f0f\n"
                 "csrrs %0, mscratch, t0\n"
                 "csrr %1, mscratch\n"
                 : "=&r"(old), "=&r"(now) : : "t0");
    csr_write(mscratch, saved);
    CHECK_EQ(old, 0x00ff00ff00ff00ff, "csrrs returns the old value");
    CHECK_EQ(now, 0x00ff00ff00ff0fff, "csrrs sets bits");
    asm volatile("li t0, 0xffff0000000000ff\n"
                 "csrw mscratch, t0\n"
                 "li t0, 0xff000000000000f0\n"
                 "csrrc %0, mscratch, t0\n"
                 "csrr %1, mscratch\n"
                 : "=&r"(old), "=&r"(now) : : "t0");
    csr_write(mscratch, saved);
    CHECK_EQ(old, 0xffff0000000000ff, "csrrc returns the old value");
    CHECK_EQ(now, 0x00ff00000000000f, "csrrc clears bits");
    asm volatile("csrwi mscratch, 31\n"
                 "csrrsi %0, mscratch, 0x10\n"
                 "csrrci %0, mscratch, 0x3\n"
                 "csrr %1, mscratch\n"
                 : "=&r"(old), "=&r"(now));
    csr_write(mscratch, saved);
    CHECK_EQ(old, 31, "csrrci returns the old value");
    CHECK_EQ(now, 28, "csrwi/csrrsi/csrrci use a zero-extended uimm");
    asm volatile("li t0, -1\n"
                 "csrw mscratch, t0\n"
                 "csrrwi %0, mscratch, 5\n"
                 "csrr %1, mscratch\n"
                 : "=&r"(old), "=&r"(now) : : "t0");
    csr_write(mscratch, saved);
    CHECK_EQ(old, ~0ULL, "csrrwi returns the old value");
    CHECK_EQ(now, 5, "csrrwi writes the whole register");
    asm volatile("csrrw %0, sscratch, %0" : "=r"(old) : "0"(0x1234ULL));
    now = csr_swap(sscratch, old);
    CHECK_EQ(now, 0x1234, "csrrw with rd == rs1 writes the old rs1");
}

static void test_misa_mstatus(void)
{
    uint64_t s, old = csr_read(mstatus);

    test_section("misa: RV64 IMACSU");
    CHECK_EQ(csr_read(misa), MISA_MXL_64 | MISA_EXT('I') | MISA_EXT('M') |
             MISA_EXT('A') | MISA_EXT('C') | MISA_EXT('S') | MISA_EXT('U'),
             "misa");

    test_section("mstatus: SXL = UXL = 2, MPP is WARL");
    CHECK_EQ(old & (MSTATUS_SXL | MSTATUS_UXL),
             2ULL << MSTATUS_SXL_SHIFT | 2ULL << MSTATUS_UXL_SHIFT,
             "SXL and UXL read 2");
    csr_clear(mstatus, MSTATUS_SXL | MSTATUS_UXL);
    CHECK_EQ(csr_read(mstatus) & (MSTATUS_SXL | MSTATUS_UXL),
             2ULL << MSTATUS_SXL_SHIFT | 2ULL << MSTATUS_UXL_SHIFT,
             "SXL and UXL stay 2 after writing 0");
    if (on_reference_qemu()) {
        /* QEMU 7.2 stores any non-zero UXL and a reserved MPP of 2 */
        test_note("QEMU 7.2 reference: UXL = 1 and MPP = 2 not checked");
    } else {
        csr_set(mstatus, 1ULL << MSTATUS_UXL_SHIFT | 1ULL << MSTATUS_SXL_SHIFT);
        s = csr_read(mstatus);
        csr_write(mstatus, old);
        CHECK_EQ(s & (MSTATUS_SXL | MSTATUS_UXL),
                 2ULL << MSTATUS_SXL_SHIFT | 2ULL << MSTATUS_UXL_SHIFT,
                 "SXL and UXL stay 2 after writing 3");
        csr_clear(mstatus, MSTATUS_MPP);
        csr_set(mstatus, 2ULL << MSTATUS_MPP_SHIFT);
        s = csr_read(mstatus);
        csr_write(mstatus, old);
        CHECK((s & MSTATUS_MPP) != 2ULL << MSTATUS_MPP_SHIFT,
              "MPP holds the reserved value 2");
    }
    for (int prv = 0; prv < 4; prv += prv == PRV_S ? 2 : 1) {
        csr_clear(mstatus, MSTATUS_MPP);
        csr_set(mstatus, (uint64_t)prv << MSTATUS_MPP_SHIFT);
        s = csr_read(mstatus);
        CHECK_EQ((s & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT, prv,
                 "MPP holds %s", level_name[prv]);
    }
    csr_write(mstatus, old);

    static const struct {
        uint64_t bit;
        const char *name;
    } writable[] = {
        { MSTATUS_SIE, "SIE" }, { MSTATUS_SPIE, "SPIE" },
        { MSTATUS_MPIE, "MPIE" }, { MSTATUS_SPP, "SPP" },
        { MSTATUS_MPRV, "MPRV" }, { MSTATUS_SUM, "SUM" },
        { MSTATUS_MXR, "MXR" }, { MSTATUS_TVM, "TVM" },
        { MSTATUS_TW, "TW" }, { MSTATUS_TSR, "TSR" },
    };
    for (unsigned i = 0; i < ARRAY_SIZE(writable); i++) {
        csr_set(mstatus, writable[i].bit);
        s = csr_read(mstatus);
        csr_write(mstatus, old);
        CHECK_EQ(s & writable[i].bit, writable[i].bit,
                 "mstatus.%s is writable", writable[i].name);
        CHECK_EQ(csr_read(mstatus) & writable[i].bit, old & writable[i].bit,
                 "mstatus.%s restored", writable[i].name);
    }

    test_section("sstatus is a view of mstatus");
    csr_write(sstatus, ~0ULL);
    s = csr_read(mstatus);
    csr_write(mstatus, old);
    CHECK_EQ(s & (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SUM |
                  MSTATUS_MXR),
             MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SUM |
             MSTATUS_MXR, "sstatus writes SIE, SPIE, SPP, SUM, MXR");
    CHECK_EQ(s & (MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_MPRV |
                  MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR),
             old & (MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_MPRV |
                    MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR),
             "sstatus cannot write M fields");
    csr_set(mstatus, MSTATUS_MPIE | MSTATUS_TSR | MSTATUS_SPIE);
    s = csr_read(sstatus);
    csr_write(mstatus, old);
    CHECK_EQ(s & (MSTATUS_MPIE | MSTATUS_TSR | MSTATUS_MPP), 0,
             "sstatus hides M fields");
    CHECK_EQ(s & MSTATUS_SPIE, MSTATUS_SPIE, "sstatus shows SPIE");
    CHECK_EQ(s & MSTATUS_UXL, 2ULL << MSTATUS_UXL_SHIFT, "sstatus.UXL = 2");

    test_section("sie and sip show only delegated interrupts");
    csr_write(mideleg, 0);
    csr_write(mie, 0);
    csr_write(sie, ~0ULL);
    CHECK_EQ(csr_read(mie), 0, "sie writes nothing when nothing is delegated");
    csr_write(mideleg, MIP_SSIP | MIP_STIP | MIP_SEIP);
    csr_write(sie, ~0ULL);
    CHECK_EQ(csr_read(mie), MIP_SSIP | MIP_STIP | MIP_SEIP,
             "sie writes the delegated enables only");
    CHECK_EQ(csr_read(sie), MIP_SSIP | MIP_STIP | MIP_SEIP, "sie reads them");
    csr_write(sip, MIP_SSIP);
    CHECK_EQ(csr_read(mip) & MIP_SSIP, MIP_SSIP, "sip writes SSIP");
    csr_write(mideleg, MIP_STIP);
    CHECK_EQ(csr_read(sip) & MIP_SSIP, 0, "undelegated SSIP hidden in sip");
    CHECK_EQ(csr_read(sie) & MIP_SSIP, 0, "undelegated SSIE hidden in sie");
    csr_write(mip, 0);
    csr_write(mie, 0);
    csr_write(mideleg, 0);
}

static void test_access_rules(void)
{
    static const uint16_t unimplemented[] = {
        0x003,          /* fcsr: no F */
        0x0ff,          /* unallocated */
        CSR_STIMECMP,   /* no Sstc */
        0x600,          /* hstatus: no H */
        0x5ff,          /* unallocated */
        0xdc0,          /* unallocated */
        0xfb0,          /* mtopi: no AIA */
    };
    static const uint16_t m_csrs[] = {
        CSR_MSTATUS, CSR_MISA, CSR_MEDELEG, CSR_MTVEC, CSR_MSCRATCH,
        CSR_MEPC, CSR_PMPCFG0, CSR_PMPADDR0, CSR_MCYCLE, CSR_MHARTID,
    };
    static const uint16_t s_csrs[] = {
        CSR_SSTATUS, CSR_SIE, CSR_SSCRATCH, CSR_SATP,
    };
    static const uint16_t read_only[] = {
        CSR_MVENDORID, CSR_MARCHID, CSR_MIMPID, CSR_MHARTID,
        CSR_CYCLE, CSR_TIME, CSR_INSTRET,
    };

    test_section("unimplemented CSRs are illegal");
    for (unsigned i = 0; i < ARRAY_SIZE(unimplemented); i++) {
        CHECK_ILLEGAL(PRV_M, CSR_READ(unimplemented[i]), "csrr");
        CHECK_ILLEGAL(PRV_M, CSR_WRITE(unimplemented[i]), "csrw");
    }

    test_section("lower levels cannot reach higher-level CSRs");
    for (unsigned i = 0; i < ARRAY_SIZE(m_csrs); i++) {
        CHECK_ILLEGAL(PRV_S, CSR_READ(m_csrs[i]), "csrr M CSR");
        CHECK_ILLEGAL(PRV_U, CSR_READ(m_csrs[i]), "csrr M CSR");
    }
    for (unsigned i = 0; i < ARRAY_SIZE(s_csrs); i++) {
        CHECK_LEGAL(PRV_S, CSR_READ(s_csrs[i]), "csrr S CSR");
        CHECK_ILLEGAL(PRV_U, CSR_READ(s_csrs[i]), "csrr S CSR");
    }

    test_section("read-only CSRs: writes are illegal, pure reads are not");
    /*
     * The spec counts csrrs/csrrc with rs1 != x0 as a write even when the
     * register holds 0; QEMU 7.2 looks at the value and lets them through.
     */
    if (on_reference_qemu()) {
        test_note("QEMU 7.2 reference: csrrs/csrrc with a zero rs1 value "
                  "not checked");
    }
    csr_write(mcounteren, 7);
    for (unsigned i = 0; i < ARRAY_SIZE(read_only); i++) {
        int csr = read_only[i];

        CHECK_ILLEGAL(PRV_M, csr_insn(CSRRW, csr, REG_A0), "csrrw");
        CHECK_ILLEGAL(PRV_M, csr_insn(CSRRW, csr, 0), "csrrw from x0");
        if (!on_reference_qemu()) {
            CHECK_ILLEGAL(PRV_M, csr_insn(CSRRS, csr, REG_A0),
                          "csrrs with rs1 != x0 (value 0)");
            CHECK_ILLEGAL(PRV_M, csr_insn(CSRRC, csr, REG_A0),
                          "csrrc with rs1 != x0 (value 0)");
        }
        CHECK_ILLEGAL(PRV_M, csr_insn(CSRRWI, csr, 0), "csrrwi 0");
        CHECK_ILLEGAL(PRV_M, csr_insn(CSRRSI, csr, 1), "csrrsi 1");
        CHECK_LEGAL(PRV_M, csr_insn(CSRRS, csr, 0), "csrrs rd, ro, x0");
        CHECK_LEGAL(PRV_M, csr_insn(CSRRC, csr, 0), "csrrc rd, ro, x0");
        CHECK_LEGAL(PRV_M, csr_insn(CSRRSI, csr, 0), "csrrsi rd, ro, 0");
        CHECK_LEGAL(PRV_M, csr_insn(CSRRCI, csr, 0), "csrrci rd, ro, 0");
    }
    CHECK_EQ(exec_insn(CSR_READ(CSR_MHARTID), -1), 0, "mhartid reads 0");
}

static void test_counteren(void)
{
    static const struct {
        int csr;
        const char *name;
    } counters[] = {
        { CSR_CYCLE, "cycle" }, { CSR_TIME, "time" },
        { CSR_INSTRET, "instret" },
    };

    test_section("mcounteren/scounteren gate cycle, time, instret");
    for (unsigned i = 0; i < ARRAY_SIZE(counters); i++) {
        uint32_t rd = CSR_READ(counters[i].csr);
        uint64_t bit = 1ULL << i;

        csr_write(mcounteren, 0);
        csr_write(scounteren, 7);
        CHECK_ILLEGAL(PRV_S, rd, counters[i].name);
        CHECK_ILLEGAL(PRV_U, rd, counters[i].name);
        csr_write(mcounteren, bit);
        CHECK_LEGAL(PRV_S, rd, counters[i].name);
        CHECK_LEGAL(PRV_U, rd, counters[i].name);
        csr_write(scounteren, 7 & ~bit);
        CHECK_LEGAL(PRV_S, rd, counters[i].name);
        CHECK_ILLEGAL(PRV_U, rd, counters[i].name);
        csr_write(mcounteren, 7 & ~bit);
        csr_write(scounteren, 7);
        CHECK_ILLEGAL(PRV_S, rd, counters[i].name);
        CHECK_ILLEGAL(PRV_U, rd, counters[i].name);
        CHECK_LEGAL(PRV_M, rd, counters[i].name);
    }
    csr_write(mcounteren, 0);
    csr_write(scounteren, 0);
}

#define INSN_SFENCE_VMA 0x12000073
#define INSN_WFI 0x10500073
#define INSN_SRET 0x10200073

/* In S: SRET to the instruction after it (or a trap if TSR forbids it) */
static long sret_in_s(long unused)
{
    trap_expect();
    csr_set(sstatus, MSTATUS_SPP);
    asm volatile("lla t0, 1f\n"
                 "csrw sepc, t0\n"
                 "sret\n"
                 "1:\n" : : : "t0", "memory");
    return trap_last.count;
}

static void test_trap_bits(void)
{
    uint64_t old = csr_read(mstatus);

    test_section("mstatus.TVM: satp and sfence.vma trap in S");
    csr_set(mstatus, MSTATUS_TVM);
    CHECK_ILLEGAL(PRV_S, CSR_READ(CSR_SATP), "csrr satp with TVM");
    CHECK_ILLEGAL(PRV_S, csr_insn(CSRRW, CSR_SATP, 0), "csrw satp with TVM");
    CHECK_ILLEGAL(PRV_S, INSN_SFENCE_VMA, "sfence.vma with TVM");
    CHECK_LEGAL(PRV_M, CSR_READ(CSR_SATP), "csrr satp with TVM");
    CHECK_LEGAL(PRV_M, INSN_SFENCE_VMA, "sfence.vma with TVM");
    csr_clear(mstatus, MSTATUS_TVM);
    CHECK_LEGAL(PRV_S, CSR_READ(CSR_SATP), "csrr satp without TVM");
    CHECK_LEGAL(PRV_S, csr_insn(CSRRW, CSR_SATP, 0), "csrw satp without TVM");
    CHECK_LEGAL(PRV_S, INSN_SFENCE_VMA, "sfence.vma without TVM");
    CHECK_ILLEGAL(PRV_U, INSN_SFENCE_VMA, "sfence.vma");

    test_section("mstatus.TW: wfi traps in S and U");
    /* With TW set wfi traps at once; nothing is pending that could wake it */
    csr_set(mstatus, MSTATUS_TW);
    CHECK_ILLEGAL(PRV_S, INSN_WFI, "wfi with TW");
    CHECK_ILLEGAL(PRV_U, INSN_WFI, "wfi with TW");
    csr_clear(mstatus, MSTATUS_TW);
    /* A pending, enabled interrupt (masked in S by SIE) lets wfi finish */
    csr_write(mideleg, MIP_SSIP);
    csr_write(mie, MIP_SSIP);
    csr_set(mip, MIP_SSIP);
    CHECK_LEGAL(PRV_S, INSN_WFI, "wfi without TW");
    CHECK_LEGAL(PRV_M, INSN_WFI, "wfi without TW");
    csr_write(mip, 0);
    csr_write(mie, 0);
    csr_write(mideleg, 0);

    test_section("mstatus.TSR: sret traps in S");
    csr_set(mstatus, MSTATUS_TSR);
    run_in_mode(PRV_S, sret_in_s, 0);
    CHECK_TRAP(EXC_ILLEGAL_INSN, INSN_SRET, "sret in S with TSR");
    CHECK_EQ(trap_last.level, PRV_M, "sret with TSR trapped to M");
    csr_clear(mstatus, MSTATUS_TSR);
    CHECK_EQ(run_in_mode(PRV_S, sret_in_s, 0), 0, "sret in S without TSR");
    csr_write(mstatus, old);
}

int main(void)
{
    test_zicsr();
    test_misa_mstatus();
    test_access_rules();
    test_counteren();
    test_trap_bits();
    return 0;
}
