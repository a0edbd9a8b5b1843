/*
 * The RISC-V CPU running guest code: arithmetic, memory, traps, CSRs,
 * interrupts, WFI, address translation, PMP, atomics, self-modifying
 * code and the vCPU threads, each checked against the architecture.
 */
#include "qemu/osdep.h"
#include "qemu/rcu.h"
#include "qemu/main-loop.h"
#include "exec/exec-all.h"
#include "exec/ram_addr.h"
#include "exec/ramblock.h"
#include "qemu/bitmap.h"
#include "sysemu/cpus.h"
#include "sysemu/cpu-throttle.h"
#include "target/riscv/internals.h"
#include "riscv-test-machine.h"
#include "vmstate-test.h"

#define CODE        TM_RAM_BASE
#define HANDLER     (TM_RAM_BASE + 0x10000)
#define SCODE       (TM_RAM_BASE + 0x20000)
#define DATA        (TM_RAM_BASE + 0x100000)
#define REPORT      (TM_RAM_BASE + 0x200000)
#define PT_ROOT     (TM_RAM_BASE + 0x300000)

#define REPORT_EPC      (REPORT + 0)
#define REPORT_TVAL     (REPORT + 8)
#define REPORT_STATUS   (REPORT + 16)

#define INT_BIT     (1ULL << 63)

/* An M-mode trap handler: records mepc, mtval, mstatus, ends with mcause. */
static void load_handler(void)
{
    Asm h;

    asm_init(&h, HANDLER);
    a32(&h, CSRR(T0, CSR_MCAUSE));
    a32(&h, CSRR(T1, CSR_MEPC));
    a32(&h, CSRR(T2, CSR_MTVAL));
    a32(&h, CSRR(T3, CSR_MSTATUS));
    asm_li(&h, T4, REPORT);
    a32(&h, SD(T1, T4, 0));
    a32(&h, SD(T2, T4, 8));
    a32(&h, SD(T3, T4, 16));
    tm_asm_finish(&h, T0);
    tm_load(&h);
}

static void emit_set_mtvec(Asm *a, uint64_t addr)
{
    asm_li(a, T0, addr);
    a32(a, CSRW(CSR_MTVEC, T0));
}

/* PMP entry 0: all of memory, RWX, so that S and U may run. */
static void emit_pmp_allow_all(Asm *a)
{
    a32(a, ADDI(T0, X0, -1));
    a32(a, CSRW(CSR_PMPADDR0, T0));
    a32(a, ADDI(T0, X0, 0x1f));
    a32(a, CSRW(CSR_PMPCFG0, T0));
}

/* mret to target in mode. */
static void emit_enter(Asm *a, int mode, uint64_t target)
{
    asm_li(a, T0, MSTATUS_MPP);
    a32(a, CSRRC(X0, CSR_MSTATUS, T0));
    if (mode) {
        asm_li(a, T0, (uint64_t)mode << 11);
        a32(a, CSRRS(X0, CSR_MSTATUS, T0));
    }
    asm_li(a, T0, target);
    a32(a, CSRW(CSR_MEPC, T0));
    a32(a, MRET());
}

/* Start a test: reset, handler loaded, code buffer at CODE. */
static void begin(Asm *a)
{
    tm_reset();
    load_handler();
    asm_init(a, CODE);
}

static uint64_t run_code(Asm *a)
{
    tm_load(a);
    return tm_run(CODE);
}

static void test_arith_loop(void)
{
    Asm a;

    begin(&a);
    a32(&a, ADDI(A0, X0, 0));
    a32(&a, ADDI(A1, X0, 100));
    a32(&a, ADD(A0, A0, A1));
    a32(&a, ADDI(A1, A1, -1));
    a32(&a, BNE(A1, X0, -8));
    a32(&a, CSRR(A2, CSR_MINSTRET));
    a32(&a, CSRR(A3, CSR_INSTRET));
    asm_li(&a, T0, DATA);
    a32(&a, SD(A2, T0, 0));
    a32(&a, SD(A3, T0, 8));
    tm_asm_finish(&a, A0);
    g_assert_cmpuint(run_code(&a), ==, 5050);
    /* Two li, 100 loop iterations of three instructions. */
    g_assert_cmpuint(tm_read64(DATA), ==, 302);
    g_assert_cmpuint(tm_read64(DATA + 8), ==, 303);
}

typedef struct AluCase {
    uint32_t insn;              /* with rd = a0, rs1 = a1, rs2 = a2 */
    uint64_t a, b, expect;
} AluCase;

static const AluCase alu_cases[] = {
    { DIV(A0, A1, A2), 7, 0, UINT64_MAX },
    { DIVU(A0, A1, A2), 7, 0, UINT64_MAX },
    { REM(A0, A1, A2), 7, 0, 7 },
    { REMU(A0, A1, A2), 7, 0, 7 },
    { DIV(A0, A1, A2), 1ULL << 63, -1, 1ULL << 63 },
    { REM(A0, A1, A2), 1ULL << 63, -1, 0 },
    { DIV(A0, A1, A2), -7, 2, -3 },
    { REM(A0, A1, A2), -7, 2, -1 },
    { DIVU(A0, A1, A2), -7, 2, 0x7ffffffffffffffcULL },
    { DIVW(A0, A1, A2), 0x80000000, -1, 0xffffffff80000000ULL },
    { REMW(A0, A1, A2), 0x80000000, -1, 0 },
    { DIVW(A0, A1, A2), 5, 0, UINT64_MAX },
    { DIVUW(A0, A1, A2), 5, 0x100000000ULL, UINT64_MAX },
    { REMUW(A0, A1, A2), 0x80000005, 0, 0xffffffff80000005ULL },
    { REMW(A0, A1, A2), -7, 2, -1 },
    { MULH(A0, A1, A2), -1, -1, 0 },
    { MULHU(A0, A1, A2), -1, -1, 0xfffffffffffffffeULL },
    { MULHSU(A0, A1, A2), -1, -1, UINT64_MAX },
    { MULHSU(A0, A1, A2), 2, -1, 1 },
    { MUL(A0, A1, A2), 0x100000001ULL, 0x100000001ULL, 0x200000001ULL },
    { MULW(A0, A1, A2), 0x7fffffff, 2, (uint64_t)-2 },
    { ADDW(A0, A1, A2), 0x7fffffff, 1, 0xffffffff80000000ULL },
    { SUBW(A0, A1, A2), 0, 0x80000000, 0xffffffff80000000ULL },
    { SRAW(A0, A1, A2), 0x80000000, 4, 0xfffffffff8000000ULL },
    { SRLW(A0, A1, A2), 0xffffffff80000000ULL, 4, 0x08000000 },
    { SLLW(A0, A1, A2), 1, 33, 2 },
    { SRA(A0, A1, A2), -16, 2, (uint64_t)-4 },
    { SRL(A0, A1, A2), -16, 60, 0xf },
    { SLL(A0, A1, A2), 1, 67, 8 },
    { SLT(A0, A1, A2), -1, 1, 1 },
    { SLTU(A0, A1, A2), -1, 1, 0 },
    { SUB(A0, A1, A2), 0, 1, UINT64_MAX },
    { XOR(A0, A1, A2), 0xff00, 0x0ff0, 0xf0f0 },
    { SRAIW(A0, A1, 31), 0x80000000, 0, UINT64_MAX },
    { SRLIW(A0, A1, 31), 0x80000000, 0, 1 },
    { SLLIW(A0, A1, 31), 1, 0, 0xffffffff80000000ULL },
    { ADDIW(A0, A1, -1), 0x80000000, 0, 0x7fffffff },
    { SRAI(A0, A1, 63), 1ULL << 63, 0, UINT64_MAX },
    { SLTIU(A0, A1, -1), 5, 0, 1 },
    { SLTI(A0, A1, -1), 5, 0, 0 },
    { ANDI(A0, A1, -16), 0x1234, 0, 0x1230 },
};

static void test_alu(void)
{
    Asm a;

    begin(&a);
    asm_li(&a, T5, DATA);
    for (int i = 0; i < ARRAY_SIZE(alu_cases); i++) {
        asm_li(&a, A1, alu_cases[i].a);
        asm_li(&a, A2, alu_cases[i].b);
        a32(&a, alu_cases[i].insn);
        a32(&a, SD(A0, T5, 8 * i));
    }
    tm_asm_finish(&a, X0);
    g_assert_cmpuint(run_code(&a), ==, 0);
    for (int i = 0; i < ARRAY_SIZE(alu_cases); i++) {
        g_test_message("case %d: insn 0x%08x", i, alu_cases[i].insn);
        g_assert_cmphex(tm_read64(DATA + 8 * i), ==, alu_cases[i].expect);
    }
}

static void test_loads_stores(void)
{
    uint64_t page_end = DATA + 0x2000;
    Asm a;

    begin(&a);
    asm_li(&a, T5, DATA);
    asm_li(&a, T0, 0x8070605040302010ULL);
    a32(&a, SD(T0, T5, 0));
    a32(&a, ADDI(T0, X0, 0x11));
    a32(&a, SB(T0, T5, 8));
    a32(&a, LB(A0, T5, 7));
    a32(&a, SD(A0, T5, 16));
    a32(&a, LBU(A0, T5, 7));
    a32(&a, SD(A0, T5, 24));
    a32(&a, LH(A0, T5, 6));
    a32(&a, SD(A0, T5, 32));
    a32(&a, LHU(A0, T5, 6));
    a32(&a, SD(A0, T5, 40));
    a32(&a, LW(A0, T5, 4));
    a32(&a, SD(A0, T5, 48));
    a32(&a, LWU(A0, T5, 4));
    a32(&a, SD(A0, T5, 56));
    /* Misaligned: performed, no trap (mtvec would catch one). */
    a32(&a, LD(A0, T5, 1));
    a32(&a, SD(A0, T5, 64));
    a32(&a, LW(A0, T5, 3));
    a32(&a, SD(A0, T5, 72));
    /* Misaligned across a page boundary, both ways. */
    asm_li(&a, T4, page_end - 3);
    asm_li(&a, T0, 0x0102030405060708ULL);
    a32(&a, SD(T0, T4, 0));
    a32(&a, LD(A0, T4, 0));
    a32(&a, SD(A0, T5, 80));
    /* A device register, and x0 as a load target. */
    asm_li(&a, T4, TM_DEV_BASE);
    a32(&a, LW(A0, T4, 16));
    a32(&a, SD(A0, T5, 88));
    a32(&a, LD(X0, T5, 0));
    a32(&a, SD(X0, T5, 96));
    tm_asm_finish(&a, X0);
    tm_write64(DATA + 96, 0xdead);

    g_assert_cmpuint(run_code(&a), ==, 0);
    g_assert_cmphex(tm_read64(DATA + 16), ==, (uint64_t)-128);
    g_assert_cmphex(tm_read64(DATA + 24), ==, 0x80);
    g_assert_cmphex(tm_read64(DATA + 32), ==, 0xffffffffffff8070ULL);
    g_assert_cmphex(tm_read64(DATA + 40), ==, 0x8070);
    g_assert_cmphex(tm_read64(DATA + 48), ==, 0xffffffff80706050ULL);
    g_assert_cmphex(tm_read64(DATA + 56), ==, 0x80706050);
    g_assert_cmphex(tm_read64(DATA + 64), ==, 0x1180706050403020ULL);
    g_assert_cmphex(tm_read64(DATA + 72), ==, 0x0000000070605040ULL);
    g_assert_cmphex(tm_read64(page_end - 3), ==, 0x0102030405060708ULL);
    g_assert_cmphex(tm_read64(DATA + 80), ==, 0x0102030405060708ULL);
    g_assert_cmphex(tm_read64(DATA + 88), ==, 0x1234);
    g_assert_cmphex(tm_read64(DATA + 96), ==, 0);
}

static void test_compressed(void)
{
    Asm a;

    begin(&a);
    asm_li(&a, SP, DATA + 0x100);
    asm_li(&a, T5, DATA);
    a16(&a, 0x4515);            /* c.li a0, 5 */
    a16(&a, 0x0505);            /* c.addi a0, 1           a0 = 6 */
    a16(&a, 0x85aa);            /* c.mv a1, a0            a1 = 6 */
    a16(&a, 0x952e);            /* c.add a0, a1           a0 = 12 */
    a16(&a, 0x050a);            /* c.slli a0, 2           a0 = 48 */
    a16(&a, 0x8105);            /* c.srli a0, 1           a0 = 24 */
    a16(&a, 0x8d0d);            /* c.sub a0, a1           a0 = 18 */
    a16(&a, 0x357d);            /* c.addiw a0, -1         a0 = 17 */
    a16(&a, 0xec2a);            /* c.sdsp a0, 24(sp) */
    a16(&a, 0x6562);            /* c.ldsp a0, 24(sp) */
    a16(&a, 0x6121);            /* c.addi16sp sp, 64 */
    a16(&a, 0x0808);            /* c.addi4spn a0, sp, 16  a0 = sp + 16 */
    a32(&a, SD(A0, T5, 0x300));
    asm_li(&a, A1, DATA + 0x1fc);
    a16(&a, 0x41c8);            /* c.lw a0, 4(a1) */
    tm_asm_finish(&a, A0);
    tm_write32(DATA + 0x200, 0xfffffff0);

    g_assert_cmphex(run_code(&a), ==, (uint64_t)-16);
    g_assert_cmpuint(tm_read64(DATA + 0x100 + 24), ==, 17);
    g_assert_cmpuint(tm_read64(DATA + 0x300), ==, DATA + 0x100 + 64 + 16);
}

static void test_trap_illegal(void)
{
    Asm a;
    uint64_t at;

    /* The all-zero 16-bit instruction. */
    begin(&a);
    emit_set_mtvec(&a, HANDLER);
    at = asm_pc(&a);
    a16(&a, 0x0000);
    g_assert_cmpuint(run_code(&a), ==, RISCV_EXCP_ILLEGAL_INST);
    g_assert_cmphex(tm_read64(REPORT_EPC), ==, at);
    g_assert_cmphex(tm_read64(REPORT_TVAL), ==, 0);

    /* A 32-bit one: mtval holds its bits. */
    begin(&a);
    emit_set_mtvec(&a, HANDLER);
    a32(&a, ADDI(A0, X0, 1));
    at = asm_pc(&a);
    a32(&a, 0xffffffff);
    g_assert_cmpuint(run_code(&a), ==, RISCV_EXCP_ILLEGAL_INST);
    g_assert_cmphex(tm_read64(REPORT_EPC), ==, at);
    g_assert_cmphex(tm_read64(REPORT_TVAL), ==, 0xffffffff);
    /* The instruction before it retired; the faulting one did not. */
    g_assert_cmpuint(tm_env()->gpr[A0], ==, 1);
}

static void test_ecall_and_ebreak(void)
{
    static const struct {
        int mode;
        uint64_t cause;
    } modes[] = {
        { PRV_U, RISCV_EXCP_U_ECALL },
        { PRV_S, RISCV_EXCP_S_ECALL },
        { PRV_M, RISCV_EXCP_M_ECALL },
    };
    Asm a, s;

    for (int i = 0; i < ARRAY_SIZE(modes); i++) {
        begin(&a);
        emit_set_mtvec(&a, HANDLER);
        emit_pmp_allow_all(&a);
        emit_enter(&a, modes[i].mode, SCODE);
        asm_init(&s, SCODE);
        a32(&s, ECALL());
        tm_load(&s);
        g_assert_cmpuint(run_code(&a), ==, modes[i].cause);
        g_assert_cmphex(tm_read64(REPORT_EPC), ==, SCODE);
        g_assert_cmpuint(get_field(tm_read64(REPORT_STATUS), MSTATUS_MPP),
                         ==, modes[i].mode);
        g_assert_cmpuint(tm_read64(REPORT_TVAL), ==, 0);
    }

    begin(&a);
    emit_set_mtvec(&a, HANDLER);
    a16(&a, 0x9002);            /* c.ebreak */
    g_assert_cmpuint(run_code(&a), ==, RISCV_EXCP_BREAKPOINT);
    g_assert_cmphex(tm_read64(REPORT_EPC), ==, asm_pc(&a) - 2);
}

static void test_csr_rules(void)
{
    Asm a, s;
    uint32_t insn = CSRR(A0, CSR_MSTATUS);

    /* S-mode may not touch M CSRs: illegal, mtval = the instruction. */
    begin(&a);
    emit_set_mtvec(&a, HANDLER);
    emit_pmp_allow_all(&a);
    emit_enter(&a, PRV_S, SCODE);
    asm_init(&s, SCODE);
    a32(&s, insn);
    tm_load(&s);
    g_assert_cmpuint(run_code(&a), ==, RISCV_EXCP_ILLEGAL_INST);
    g_assert_cmphex(tm_read64(REPORT_TVAL), ==, insn);

    /* Writing a read-only CSR is illegal... */
    begin(&a);
    emit_set_mtvec(&a, HANDLER);
    a32(&a, CSRW(CSR_MHARTID, X0));
    g_assert_cmpuint(run_code(&a), ==, RISCV_EXCP_ILLEGAL_INST);

    /* ...and so is an unimplemented one; reading with csrrs x0 is not. */
    begin(&a);
    emit_set_mtvec(&a, HANDLER);
    asm_li(&a, T5, DATA);
    a32(&a, CSRR(A0, CSR_MHARTID));
    a32(&a, CSRRS(A1, CSR_MISA, X0));
    a32(&a, SD(A1, T5, 0));
    a32(&a, CSRR(A1, CSR_MSTATUS));
    a32(&a, SD(A1, T5, 8));
    /* satp: mode 10 is ignored entirely, mode 8 accepted. */
    asm_li(&a, T0, (8ULL << 60) | 0x123);
    a32(&a, CSRW(CSR_SATP, T0));
    asm_li(&a, T0, (10ULL << 60) | 0x456);
    a32(&a, CSRW(CSR_SATP, T0));
    a32(&a, CSRR(A1, CSR_SATP));
    a32(&a, SD(A1, T5, 16));
    /* mcountinhibit reads 0 and ignores writes; misa ignores writes. */
    a32(&a, CSRRWI(A1, CSR_MCOUNTINHIBIT, 7));
    a32(&a, CSRR(A1, CSR_MCOUNTINHIBIT));
    a32(&a, SD(A1, T5, 24));
    a32(&a, CSRW(CSR_MISA, X0));
    /* mepc drops bit 0; mtvec mode 2 is refused. */
    a32(&a, CSRRWI(X0, CSR_MEPC, 3));
    a32(&a, CSRR(A1, CSR_MEPC));
    a32(&a, SD(A1, T5, 32));
    a32(&a, CSRRWI(X0, CSR_MTVEC, 2));
    a32(&a, CSRR(A1, CSR_MTVEC));
    a32(&a, SD(A1, T5, 40));
    a32(&a, CSRR(A1, 0xb03));   /* mhpmcounter3: not implemented */
    g_assert_cmpuint(run_code(&a), ==, RISCV_EXCP_ILLEGAL_INST);
    g_assert_cmphex(tm_read64(DATA), ==, 0x8000000000141105ULL);
    g_assert_cmphex(tm_read64(DATA + 8), ==, 0xa00000000ULL);
    g_assert_cmphex(tm_read64(DATA + 16), ==, (8ULL << 60) | 0x123);
    g_assert_cmphex(tm_read64(DATA + 24), ==, 0);
    g_assert_cmphex(tm_read64(DATA + 32), ==, 2);
    g_assert_cmphex(tm_read64(DATA + 40), ==, HANDLER);
    g_assert_cmphex(tm_read64(REPORT_TVAL), ==, CSRR(A1, 0xb03));
}

/* Counters from S and U: gated by mcounteren and scounteren. */
static void test_counter_enables(void)
{
    static const struct {
        int mode;
        uint32_t mcounteren, scounteren;
        bool legal;
    } cases[] = {
        { PRV_S, 0, 7, false },
        { PRV_S, 4, 0, true },
        { PRV_U, 4, 0, false },
        { PRV_U, 4, 4, true },
    };
    Asm a, s;

    for (int i = 0; i < ARRAY_SIZE(cases); i++) {
        begin(&a);
        emit_set_mtvec(&a, HANDLER);
        emit_pmp_allow_all(&a);
        a32(&a, CSRRWI(X0, CSR_MCOUNTEREN, cases[i].mcounteren));
        a32(&a, CSRRWI(X0, CSR_SCOUNTEREN, cases[i].scounteren));
        emit_enter(&a, cases[i].mode, SCODE);
        asm_init(&s, SCODE);
        a32(&s, CSRR(A0, CSR_INSTRET));
        a32(&s, ECALL());
        tm_load(&s);
        g_assert_cmpuint(run_code(&a), ==,
                         cases[i].legal ? (cases[i].mode == PRV_U ?
                                           RISCV_EXCP_U_ECALL :
                                           RISCV_EXCP_S_ECALL)
                                        : RISCV_EXCP_ILLEGAL_INST);
    }
}

static void set_irq(int irq, int level)
{
    qemu_mutex_lock_iothread();
    qemu_set_irq(riscv_cpu_irq(tm.cpu[0], irq), level);
    qemu_mutex_unlock_iothread();
}

static void test_interrupt(void)
{
    Asm a;

    begin(&a);
    emit_set_mtvec(&a, HANDLER);
    asm_li(&a, T0, MIP_MTIP);
    a32(&a, CSRW(CSR_MIE, T0));
    a32(&a, CSRRSI(X0, CSR_MSTATUS, MSTATUS_MIE));
    a32(&a, JAL(X0, 0));
    set_irq(IRQ_M_TIMER, 1);
    g_assert_cmphex(run_code(&a), ==, INT_BIT | IRQ_M_TIMER);
    set_irq(IRQ_M_TIMER, 0);

    /* Priority: MEI > MSI > MTI, whatever order they came in. */
    begin(&a);
    emit_set_mtvec(&a, HANDLER);
    asm_li(&a, T0, MIP_MTIP | MIP_MSIP | MIP_MEIP);
    a32(&a, CSRW(CSR_MIE, T0));
    a32(&a, CSRRSI(X0, CSR_MSTATUS, MSTATUS_MIE));
    a32(&a, JAL(X0, 0));
    set_irq(IRQ_M_TIMER, 1);
    set_irq(IRQ_M_SOFT, 1);
    set_irq(IRQ_M_EXT, 1);
    g_assert_cmphex(run_code(&a), ==, INT_BIT | IRQ_M_EXT);
    set_irq(IRQ_M_EXT, 0);
    g_assert_cmphex(tm_run(CODE), ==, INT_BIT | IRQ_M_SOFT);
    set_irq(IRQ_M_SOFT, 0);
    set_irq(IRQ_M_TIMER, 0);
}

/* A delegated interrupt is never taken in M-mode, but is in S-mode. */
static void test_interrupt_delegated(void)
{
    Asm a, s;

    begin(&a);
    emit_set_mtvec(&a, HANDLER);
    emit_pmp_allow_all(&a);
    asm_li(&a, T0, MIP_SSIP);
    a32(&a, CSRW(CSR_MIDELEG, T0));
    a32(&a, CSRW(CSR_MIE, T0));
    a32(&a, CSRW(CSR_MIP, T0));             /* raise SSIP */
    a32(&a, CSRRSI(X0, CSR_MSTATUS, MSTATUS_MIE));
    asm_li(&a, T0, SCODE + 0x100);
    a32(&a, CSRW(CSR_STVEC, T0));
    a32(&a, ADDI(A0, X0, 1));
    emit_enter(&a, PRV_S, SCODE);
    asm_init(&s, SCODE);
    a32(&s, CSRRSI(X0, CSR_SSTATUS, MSTATUS_SIE));
    a32(&s, JAL(X0, 0));
    s.len = 0x100;
    a32(&s, CSRR(A1, CSR_SCAUSE));
    tm_asm_finish(&s, A1);
    tm_load(&s);
    g_assert_cmphex(run_code(&a), ==, INT_BIT | IRQ_S_SOFT);
    /* It waited for S-mode: a0 = 1 ran in M-mode with MIE set. */
    g_assert_cmpuint(tm_env()->gpr[A0], ==, 1);
    g_assert_cmpuint(tm_env()->priv, ==, PRV_S);
}

static void test_wfi(void)
{
    CPUState *cs = CPU(tm.cpu[0]);
    Asm a, s;

    /* Nothing pending: the hart halts after the WFI... */
    begin(&a);
    emit_set_mtvec(&a, HANDLER);
    asm_li(&a, T0, MIP_MSIP);
    a32(&a, CSRW(CSR_MIE, T0));
    a32(&a, WFI());
    a32(&a, ADDI(A0, X0, 42));
    tm_asm_finish(&a, A0);
    g_assert_cmpuint(run_code(&a), ==, UINT64_MAX);
    g_assert_true(cs->halted);
    g_assert_false(cpu_has_work(cs));

    /* ...and wakes on mip & mie, with mstatus.MIE clear: no trap. */
    set_irq(IRQ_M_SOFT, 1);
    g_assert_true(cpu_has_work(cs));
    g_assert_cmpuint(tm_run(tm_env()->pc), ==, 42);
    g_assert_false(cs->halted);
    set_irq(IRQ_M_SOFT, 0);

    /* WFI is illegal in U-mode, and in S-mode with TW. */
    begin(&a);
    emit_set_mtvec(&a, HANDLER);
    emit_pmp_allow_all(&a);
    emit_enter(&a, PRV_U, SCODE);
    asm_init(&s, SCODE);
    a32(&s, WFI());
    tm_load(&s);
    g_assert_cmpuint(run_code(&a), ==, RISCV_EXCP_ILLEGAL_INST);

    begin(&a);
    emit_set_mtvec(&a, HANDLER);
    emit_pmp_allow_all(&a);
    asm_li(&a, T0, MSTATUS_TW);
    a32(&a, CSRRS(X0, CSR_MSTATUS, T0));
    emit_enter(&a, PRV_S, SCODE);
    tm_load(&s);
    g_assert_cmpuint(run_code(&a), ==, RISCV_EXCP_ILLEGAL_INST);
}

/* Page tables */

static uint64_t pte_leaf(uint64_t pa, uint64_t flags)
{
    return ((pa >> 12) << PTE_PPN_SHIFT) | flags | PTE_V;
}

static uint64_t pte_ptr(uint64_t table)
{
    return ((table >> 12) << PTE_PPN_SHIFT) | PTE_V;
}

static uint64_t sv39_satp(uint64_t root)
{
    return (8ULL << 60) | (root >> 12);
}

#define PT_L1   (PT_ROOT + 0x1000)
#define PT_L0   (PT_ROOT + 0x2000)
#define PT_L1B  (PT_ROOT + 0x3000)
#define RWAD    (PTE_R | PTE_W | PTE_A | PTE_D)

static void build_sv39_tables(void)
{
    tm_write64(PT_ROOT + 8 * 1, pte_ptr(PT_L1));
    tm_write64(PT_L1 + 8 * 0, pte_ptr(PT_L0));
    /* VA 0x40000000: RW, A and D left to the hardware. */
    tm_write64(PT_L0 + 8 * 0, pte_leaf(0x80400000, PTE_R | PTE_W));
    /* VA 0x40001000: read-only. */
    tm_write64(PT_L0 + 8 * 1, pte_leaf(0x80401000, PTE_R | PTE_A));
    /* VA 0x40002000: a user page. */
    tm_write64(PT_L0 + 8 * 2, pte_leaf(0x80402000, RWAD | PTE_U));
    /* VA 0x40004000: execute-only. */
    tm_write64(PT_L0 + 8 * 4, pte_leaf(0x80404000, PTE_X | PTE_A));
    /* VA 0x80000000: a 1 GiB identity superpage. */
    tm_write64(PT_ROOT + 8 * 2, pte_leaf(0x80000000, RWAD | PTE_X));
    /* VA 0xc0000000: a misaligned 1 GiB superpage. */
    tm_write64(PT_ROOT + 8 * 3, pte_leaf(0x80200000, RWAD));
    /* VA 0x100200000: a 2 MiB superpage. */
    tm_write64(PT_ROOT + 8 * 4, pte_ptr(PT_L1B));
    tm_write64(PT_L1B + 8 * 1, pte_leaf(0x80600000, RWAD));
}

/* M-mode code whose data accesses go through Sv39 as S-mode (MPRV). */
static void begin_sv39(Asm *a, uint64_t extra_mstatus)
{
    begin(a);
    build_sv39_tables();
    emit_set_mtvec(a, HANDLER);
    emit_pmp_allow_all(a);
    asm_li(a, T0, sv39_satp(PT_ROOT));
    a32(a, CSRW(CSR_SATP, T0));
    asm_li(a, T0, MSTATUS_MPP);
    a32(a, CSRRC(X0, CSR_MSTATUS, T0));
    asm_li(a, T0, MSTATUS_MPRV | ((uint64_t)PRV_S << 11) | extra_mstatus);
    a32(a, CSRRS(X0, CSR_MSTATUS, T0));
}

static void test_sv39(void)
{
    Asm a;

    begin_sv39(&a, 0);
    asm_li(&a, T1, 0x40000008);
    a32(&a, ADDI(T2, X0, 42));
    a32(&a, SD(T2, T1, 0));
    asm_li(&a, T1, 0x100201234);
    a32(&a, ADDI(T2, X0, 7));
    a32(&a, SD(T2, T1, 0));
    asm_li(&a, T1, 0x40001010);
    a32(&a, LD(A0, T1, 0));
    tm_write64(0x80401010, 0x5a5a);
    /* The device is not mapped: leave MPRV first. */
    asm_li(&a, T0, MSTATUS_MPRV);
    a32(&a, CSRRC(X0, CSR_MSTATUS, T0));
    tm_asm_finish(&a, A0);

    g_assert_cmphex(run_code(&a), ==, 0x5a5a);
    g_assert_cmpuint(tm_read64(0x80400008), ==, 42);
    g_assert_cmpuint(tm_read64(0x80601234), ==, 7);
    /* The hardware set A and D. */
    g_assert_cmphex(tm_read64(PT_L0) & (PTE_A | PTE_D), ==, PTE_A | PTE_D);
}

/* The debugger's translation: no checks, no side effects. */
static void test_debug_translation(void)
{
    CPUState *cs = CPU(tm.cpu[0]);
    CPURISCVState *env = tm_env();
    static const struct {
        uint64_t va, page;
    } cases[] = {
        { 0x40000008, 0x80400000 },
        { 0x40001fff, 0x80401000 },
        { 0x40002000, 0x80402000 },     /* a user page: SUM is not needed */
        { 0x40004000, 0x80404000 },     /* execute-only: readable here */
        { 0x40003000, -1 },             /* invalid PTE */
        { 0x0000008000000000ULL, -1 },  /* not canonical */
        { 0xc0000000, -1 },             /* misaligned superpage */
        { 0x100201234, 0x80601000 },    /* in a 2 MiB superpage */
        { 0x80123456, 0x80123000 },     /* in a 1 GiB superpage */
    };

    tm_reset();
    build_sv39_tables();
    env->satp = sv39_satp(PT_ROOT);
    env->priv = PRV_S;
    for (int i = 0; i < ARRAY_SIZE(cases); i++) {
        g_assert_cmphex(cs->cc->get_phys_page_debug(cs, cases[i].va), ==,
                        cases[i].page);
    }
    /* Nothing was written: A and D are still clear. */
    g_assert_cmphex(tm_read64(PT_L0) & (PTE_A | PTE_D), ==, 0);

    /* M-mode sees physical addresses, unless MPRV says otherwise. */
    env->priv = PRV_M;
    g_assert_cmphex(cs->cc->get_phys_page_debug(cs, 0x40000008), ==,
                    0x40000000);
    env->mstatus |= MSTATUS_MPRV | ((uint64_t)PRV_S << 11);
    g_assert_cmphex(cs->cc->get_phys_page_debug(cs, 0x40000008), ==,
                    0x80400000);
    env->satp = 0;
    g_assert_cmphex(cs->cc->get_phys_page_debug(cs, 0x40000008), ==,
                    0x40000000);
}

/* Registers as the gdbstub reads and writes them. */
static uint64_t gdb_get(CPUState *cs, int n)
{
    g_autoptr(GByteArray) buf = g_byte_array_new();
    uint64_t v = 0;

    g_assert_cmpint(cs->cc->gdb_read_register(cs, buf, n), ==, 8);
    g_assert_cmpuint(buf->len, ==, 8);
    for (int i = 0; i < 8; i++) {
        v |= (uint64_t)buf->data[i] << (8 * i);
    }
    return v;
}

static int gdb_set(CPUState *cs, int n, uint64_t v)
{
    uint8_t b[8];

    for (int i = 0; i < 8; i++) {
        b[i] = v >> (8 * i);
    }
    return cs->cc->gdb_write_register(cs, b, 8, n);
}

/* The register number of a CSR in the target description. */
static int gdb_regnum(CPUState *cs, const char *name)
{
    const char *xml = cs->cc->gdb_target_xml(cs);
    g_autofree char *key = g_strdup_printf("<reg name=\"%s\"", name);
    const char *p = strstr(xml, key), *num;

    g_assert_nonnull(p);
    num = strstr(p, "regnum=\"");
    g_assert_nonnull(num);
    return atoi(num + strlen("regnum=\""));
}

static void test_gdb_registers(void)
{
    CPUState *cs = CPU(tm.cpu[0]);
    CPURISCVState *env = tm_env();
    const char *xml = cs->cc->gdb_target_xml(cs);
    int n = cs->cc->gdb_num_regs(cs);
    g_autoptr(GByteArray) buf = g_byte_array_new();

    tm_reset();
    g_assert_nonnull(strstr(xml, "<architecture>riscv:rv64</architecture>"));
    g_assert_nonnull(strstr(xml, "org.gnu.gdb.riscv.cpu"));
    g_assert_cmpint(cs->cc->gdb_num_core_regs, ==, 33);
    g_assert_cmpint(gdb_regnum(cs, "zero"), ==, 0);
    g_assert_cmpint(gdb_regnum(cs, "a0"), ==, 10);
    g_assert_cmpint(gdb_regnum(cs, "pc"), ==, 32);
    g_assert_cmpint(gdb_regnum(cs, "priv"), ==, n - 1);

    env->gpr[A0] = 0x1122334455667788ULL;
    env->pc = 0x80001234;
    g_assert_cmphex(gdb_get(cs, A0), ==, 0x1122334455667788ULL);
    g_assert_cmphex(gdb_get(cs, 32), ==, 0x80001234);
    g_assert_cmpint(gdb_set(cs, A1, 42), ==, 8);
    g_assert_cmpuint(env->gpr[A1], ==, 42);
    g_assert_cmpint(gdb_set(cs, 0, 42), ==, 8);
    g_assert_cmpuint(gdb_get(cs, 0), ==, 0);
    g_assert_cmpint(gdb_set(cs, 32, 0x80002001), ==, 8);
    g_assert_cmphex(env->pc, ==, 0x80002000);

    /* CSRs: writable ones keep their WARL rules, read-only ones refuse. */
    g_assert_cmpint(gdb_set(cs, gdb_regnum(cs, "mscratch"), 77), ==, 8);
    g_assert_cmpuint(env->mscratch, ==, 77);
    g_assert_cmpint(gdb_set(cs, gdb_regnum(cs, "mepc"), 0x1003), ==, 8);
    g_assert_cmphex(env->mepc, ==, 0x1002);
    env->mhartid = 0;
    g_assert_cmpint(gdb_set(cs, gdb_regnum(cs, "mhartid"), 5), ==, 0);
    g_assert_cmpuint(gdb_get(cs, gdb_regnum(cs, "mhartid")), ==, 0);
    g_assert_cmphex(gdb_get(cs, gdb_regnum(cs, "misa")), ==, MISA_VALUE);

    /* priv: 0, 1 and 3 only. */
    g_assert_cmpuint(gdb_get(cs, n - 1), ==, PRV_M);
    g_assert_cmpint(gdb_set(cs, n - 1, PRV_S), ==, 8);
    g_assert_cmpuint(env->priv, ==, PRV_S);
    g_assert_cmpint(gdb_set(cs, n - 1, 2), ==, 0);
    g_assert_cmpuint(env->priv, ==, PRV_S);

    /* Past the last register, and short buffers: nothing. */
    g_assert_cmpint(cs->cc->gdb_read_register(cs, buf, n), ==, 0);
    g_assert_cmpint(cs->cc->gdb_read_register(cs, buf, -1), ==, 0);
    g_assert_cmpuint(buf->len, ==, 0);
    g_assert_cmpint(gdb_set(cs, n, 1), ==, 0);
    g_assert_cmpint(cs->cc->gdb_write_register(cs, (uint8_t *)"abc", 3, 1),
                    ==, 0);
}

/* Take the migration dirty bits of the test RAM into dest. */
static void take_dirty(unsigned long *dest)
{
    RCU_READ_LOCK_GUARD();
    RAMBlock *rb = qemu_get_ram_block(memory_region_get_ram_addr(&tm.ram));

    bitmap_zero(dest, TM_RAM_SIZE >> TARGET_PAGE_BITS);
    cpu_physical_memory_sync_dirty_bitmap(rb, dest);
}

static bool page_dirty(const unsigned long *bmap, uint64_t pa)
{
    return test_bit((pa - TM_RAM_BASE) >> TARGET_PAGE_BITS, bmap);
}

/*
 * Dirty logging for migration: with it on, every way a hart writes RAM
 * sets the page's DIRTY_MEMORY_MIGRATION bit, also through TLB entries
 * that were filled before the bits were taken, and the page-table walk's
 * A/D updates.
 */
static void test_dirty_log(void)
{
    unsigned long *dirty = bitmap_new(TM_RAM_SIZE >> TARGET_PAGE_BITS);
    uint64_t phase2;
    Asm a;

    begin_sv39(&a, 0);
    /* Phase 1: a store through a fresh PTE (A/D set), an AMO. */
    asm_li(&a, T1, 0x40000008);
    a32(&a, ADDI(T2, X0, 42));
    a32(&a, SD(T2, T1, 0));
    asm_li(&a, T5, DATA);
    a32(&a, ADDI(T2, X0, 1));
    a32(&a, AMO(0x00, 3, X0, T5, T2));  /* amoadd.d */
    asm_li(&a, T0, MSTATUS_MPRV);
    a32(&a, CSRRC(X0, CSR_MSTATUS, T0));
    tm_asm_finish(&a, X0);
    /* Phase 2: the same again, through the TLB entries phase 1 left. */
    phase2 = asm_pc(&a);
    asm_li(&a, T0, MSTATUS_MPRV);
    a32(&a, CSRRS(X0, CSR_MSTATUS, T0));
    asm_li(&a, T1, 0x40000010);
    a32(&a, SD(T2, T1, 0));
    asm_li(&a, T5, DATA);
    a32(&a, AMO(0x00, 3, X0, T5, T2));
    asm_li(&a, T0, MSTATUS_MPRV);
    a32(&a, CSRRC(X0, CSR_MSTATUS, T0));
    tm_asm_finish(&a, X0);
    tm_load(&a);

    memory_global_dirty_log_start();
    take_dirty(dirty);
    g_assert_cmpuint(tm_run(CODE), ==, 0);
    take_dirty(dirty);
    g_assert_true(page_dirty(dirty, 0x80400000));
    g_assert_true(page_dirty(dirty, DATA));
    /* The walker set A and D in the leaf PTE, in page PT_L0. */
    g_assert_cmphex(tm_read64(PT_L0) & (PTE_A | PTE_D), ==, PTE_A | PTE_D);
    g_assert_true(page_dirty(dirty, PT_L0));
    g_assert_false(page_dirty(dirty, PT_ROOT));
    g_assert_false(page_dirty(dirty, 0x80401000));

    /* The entries phase 1 filled are still there, now flagged. */
    g_assert_cmpuint(tm_run(phase2), ==, 0);
    take_dirty(dirty);
    g_assert_true(page_dirty(dirty, 0x80400000));
    g_assert_true(page_dirty(dirty, DATA));
    g_assert_false(page_dirty(dirty, PT_L0));
    g_assert_cmpuint(tm_read64(0x80400010), ==, 1);
    g_assert_cmpuint(tm_read64(DATA), ==, 2);

    /* Off: nothing is flagged for migration, writes are fast again. */
    memory_global_dirty_log_stop();
    g_assert_cmpuint(tm_run(phase2), ==, 0);
    g_assert_cmpuint(tm_read64(DATA), ==, 3);
    g_assert_false(cpu_physical_memory_is_clean(
        memory_region_get_ram_addr(&tm.ram) + (DATA - TM_RAM_BASE)));
    g_free(dirty);
}

/* BQL held. */
static void reset_hart0(void *opaque)
{
    cpu_reset(CPU(tm.cpu[0]));
}

/* Save the hart with one field changed by set, and expect msg on load. */
static void cpu_section_refused(void (*set)(CPURISCVState *env),
                                const char *msg)
{
    CPURISCVState saved = *tm_env();
    g_autoptr(GByteArray) buf = NULL;

    set(tm_env());
    buf = vmt_save("cpu", 0);
    *tm_env() = saved;
    vmt_assert_refused(buf, msg);
    /* A refused section may have been partly loaded. */
    *tm_env() = saved;
}

static void set_priv_2(CPURISCVState *env)
{
    env->priv = 2;
}

static void set_hartid_5(CPURISCVState *env)
{
    env->mhartid = 5;
}

static void set_mstatus_sxl(CPURISCVState *env)
{
    env->mstatus = set_field(env->mstatus, MSTATUS_SXL, 1);
}

static void set_satp_sv57(CPURISCVState *env)
{
    env->satp = 10ULL << 60;
}

static void set_pmpcfg_reserved(CPURISCVState *env)
{
    env->pmp.cfg[3] = 0x20;
}

static void set_x0(CPURISCVState *env)
{
    env->gpr[0] = 1;
}

/* mcontrol6 size 4 is reserved: the hart would not hold it. */
static void set_tdata1_reserved_size(CPURISCVState *env)
{
    env->trig.tdata1[1] = set_field(set_field(0, TDATA1_TYPE,
                                              TRIGGER_TYPE_MCONTROL6),
                                    MCONTROL6_SIZE, 4) | MCONTROL6_M;
}

/* The hart's breakpoint at pc from its triggers, or NULL. */
static CPUBreakpoint *trigger_breakpoint(CPUState *cs, vaddr pc)
{
    CPUBreakpoint *bp;

    QTAILQ_FOREACH(bp, &cs->breakpoints, entry) {
        if (bp->pc == pc && (bp->flags & BP_CPU)) {
            return bp;
        }
    }
    return NULL;
}

/* The hart's section: every architectural field, and its WARL bounds. */
static void test_vmstate(void)
{
    CPURISCVState *env = tm_env();
    CPUState *cs = CPU(tm.cpu[0]);
    g_autoptr(GByteArray) buf = NULL;
    RISCVPMPState pmp;

    tm_reset();
    for (int i = 1; i < 32; i++) {
        env->gpr[i] = 0x1111111111111111ULL * i;
    }
    env->pc = 0x80001234;
    env->priv = PRV_S;
    env->mstatus |= MSTATUS_SUM | MSTATUS_SPP | MSTATUS_MPIE |
                    set_field(0, MSTATUS_MPP, PRV_S);
    env->satp = sv39_satp(PT_ROOT);
    env->medeleg = 1 << 8;
    env->mideleg = MIP_SSIP;
    env->stvec = 0x80002001;
    env->sscratch = 77;
    env->mcounteren = 7;
    env->instret_delta = 12345;
    cs->insn_count = 999;
    env->pmp.cfg[0] = PMP_R | PMP_W | (3 << 3);  /* NAPOT */
    env->pmp.addr[0] = 0x1fffffff;
    pmp_update_rules(env);
    qatomic_set(&env->mie, MIP_MTIP);
    qatomic_set(&env->mip, MIP_MTIP);
    qatomic_set(&cs->halted, 1);
    pmp = env->pmp;
    /* An execute trigger (Sdtrig) in M-mode, as a guest would set it. */
    riscv_trigger_write_csr(env, CSR_TSELECT, 2);
    riscv_trigger_write_csr(env, CSR_TDATA2, 0x80000100);
    riscv_trigger_write_csr(env, CSR_TDATA1,
                            set_field(0, TDATA1_TYPE, TRIGGER_TYPE_MCONTROL6) |
                            MCONTROL6_M | MCONTROL6_EXECUTE);

    qemu_mutex_lock_iothread();
    buf = vmt_round_trip("cpu", 0, reset_hart0, NULL);
    qemu_mutex_unlock_iothread();
    g_assert_cmphex(env->gpr[17], ==, 0x1111111111111111ULL * 17);
    g_assert_cmphex(env->pc, ==, 0x80001234);
    g_assert_cmpuint(env->priv, ==, PRV_S);
    g_assert_cmpuint(cs->insn_count, ==, 999);
    g_assert_cmpuint(qatomic_read(&cs->halted), ==, 1);
    g_assert_cmpint(env->load_res, ==, -1);
    /* What is derived was rebuilt: PMP rules, the pending interrupt. */
    g_assert_cmpmem(&env->pmp, sizeof(pmp), &pmp, sizeof(pmp));
    g_assert_cmpuint(qatomic_read(&cs->interrupt_request) &
                     CPU_INTERRUPT_HARD, !=, 0);
    /* The trigger came back, and with it its breakpoint (only one). */
    g_assert_cmpuint(env->trig.tselect, ==, 2);
    g_assert_cmphex(env->trig.tdata2[2], ==, 0x80000100);
    g_assert_true(env->trig.tdata1[2] & MCONTROL6_EXECUTE);
    g_assert_nonnull(trigger_breakpoint(cs, 0x80000100));
    g_assert_true(QTAILQ_NEXT(trigger_breakpoint(cs, 0x80000100), entry) ==
                  NULL);

    cpu_section_refused(set_priv_2, "cpu: privilege level 2 does not exist");
    cpu_section_refused(set_hartid_5, "cpu: field env.mhartid = 5 in the "
                        "stream, 0 on this machine");
    cpu_section_refused(set_mstatus_sxl, "is not a value the hart can hold");
    cpu_section_refused(set_satp_sv57, "satp mode 10 is not supported");
    cpu_section_refused(set_pmpcfg_reserved, "field env.pmp.cfg[3] = 0x20 "
                        "has bits outside the mask 0x9f");
    cpu_section_refused(set_x0, "x0 = 0x1, not 0");
    cpu_section_refused(set_tdata1_reserved_size, "trigger 1: tdata1 "
                        "0x6000000000040040 is not a value the hart can hold");
    qemu_mutex_lock_iothread();
    cpu_reset(cs);
    qemu_mutex_unlock_iothread();
}

typedef struct FaultCase {
    const char *name;
    uint64_t mstatus;           /* SUM, MXR */
    bool store;
    uint64_t va;
    uint64_t cause;             /* 0: no fault, the load value instead */
} FaultCase;

static const FaultCase sv39_faults[] = {
    { "user-page-without-sum", 0, false, 0x40002000,
      RISCV_EXCP_LOAD_PAGE_FAULT },
    { "user-page-with-sum", MSTATUS_SUM, false, 0x40002000, 0 },
    { "store-read-only", 0, true, 0x40001000, RISCV_EXCP_STORE_PAGE_FAULT },
    { "misaligned-superpage", 0, false, 0xc0000000,
      RISCV_EXCP_LOAD_PAGE_FAULT },
    { "invalid-pte", 0, false, 0x40003000, RISCV_EXCP_LOAD_PAGE_FAULT },
    { "non-canonical", 0, false, 0x0000008000000000ULL,
      RISCV_EXCP_LOAD_PAGE_FAULT },
    { "exec-only-without-mxr", 0, false, 0x40004000,
      RISCV_EXCP_LOAD_PAGE_FAULT },
    { "exec-only-with-mxr", MSTATUS_MXR, false, 0x40004000, 0 },
};

static void test_sv39_fault(gconstpointer data)
{
    const FaultCase *f = data;
    Asm a;

    begin_sv39(&a, f->mstatus);
    asm_li(&a, T1, f->va);
    a32(&a, f->store ? SD(X0, T1, 0) : LD(A0, T1, 0));
    asm_li(&a, T0, MSTATUS_MPRV);
    a32(&a, CSRRC(X0, CSR_MSTATUS, T0));
    a32(&a, ADDI(A0, X0, 0));
    tm_asm_finish(&a, A0);
    g_assert_cmpuint(run_code(&a), ==, f->cause);
    if (f->cause) {
        g_assert_cmphex(tm_read64(REPORT_TVAL), ==, f->va);
    }
}

/*
 * Linux's MMU switch: stvec points at a virtual address, then a satp
 * write while running at a physical pc that the new tables do not map.
 * The very next fetch must fault, into the virtual handler.
 */
#define PT_ROOT2    (PT_ROOT + 0x10000)
#define KVA(pa)     ((pa) - TM_RAM_BASE + 0xffffffc000000000ULL)

static void test_mmu_enable_fault(void)
{
    Asm a, s;
    uint64_t fault_pc, handler_pa;

    begin(&a);
    tm_write64(PT_ROOT2 + 8 * 0, pte_leaf(0, RWAD));
    tm_write64(PT_ROOT2 + 8 * 256, pte_leaf(TM_RAM_BASE, RWAD | PTE_X));
    emit_set_mtvec(&a, HANDLER);
    emit_pmp_allow_all(&a);
    asm_li(&a, T0, 1 << RISCV_EXCP_INST_PAGE_FAULT);
    a32(&a, CSRW(CSR_MEDELEG, T0));
    emit_enter(&a, PRV_S, SCODE);

    handler_pa = SCODE + 0x100;
    asm_init(&s, SCODE);
    asm_li(&s, T0, KVA(handler_pa));
    a32(&s, CSRW(CSR_STVEC, T0));
    asm_li(&s, T0, sv39_satp(PT_ROOT2));
    a32(&s, CSRW(CSR_SATP, T0));
    fault_pc = asm_pc(&s);
    a32(&s, ADDI(A0, X0, 99));
    s.len = handler_pa - SCODE;
    a32(&s, CSRR(A0, CSR_SCAUSE));
    a32(&s, CSRR(A1, CSR_SEPC));
    a32(&s, CSRR(A2, CSR_STVAL));
    asm_li(&s, T0, KVA(REPORT));
    a32(&s, SD(A1, T0, 0));
    a32(&s, SD(A2, T0, 8));
    tm_asm_finish(&s, A0);
    tm_load(&s);

    g_assert_cmpuint(run_code(&a), ==, RISCV_EXCP_INST_PAGE_FAULT);
    g_assert_cmphex(tm_read64(REPORT_EPC), ==, fault_pc);
    g_assert_cmphex(tm_read64(REPORT_TVAL), ==, fault_pc);
}

/* A 4-byte instruction across a page whose second half faults. */
#define PT_ROOT3    (PT_ROOT + 0x20000)
#define PT_L1C      (PT_ROOT3 + 0x1000)
#define PT_L0C      (PT_ROOT3 + 0x2000)

static void test_fetch_page_cross(void)
{
    uint64_t va = 0x40000000, code = SCODE;
    Asm a, s;

    begin(&a);
    tm_write64(PT_ROOT3 + 8 * 1, pte_ptr(PT_L1C));
    tm_write64(PT_L1C, pte_ptr(PT_L0C));
    tm_write64(PT_L0C, pte_leaf(code, PTE_R | PTE_X | PTE_A));
    emit_set_mtvec(&a, HANDLER);
    emit_pmp_allow_all(&a);
    asm_li(&a, T0, sv39_satp(PT_ROOT3));
    a32(&a, CSRW(CSR_SATP, T0));
    emit_enter(&a, PRV_S, va + 0xffc);
    asm_init(&s, code + 0xffc);
    a16(&s, 0x0001);                    /* c.nop */
    a32(&s, ADDI(A0, X0, 5));           /* straddles */
    a32(&s, ECALL());
    tm_load(&s);

    g_assert_cmpuint(run_code(&a), ==, RISCV_EXCP_INST_PAGE_FAULT);
    g_assert_cmphex(tm_read64(REPORT_EPC), ==, va + 0xffe);
    g_assert_cmphex(tm_read64(REPORT_TVAL), ==, va + 0x1000);

    /* Map the second page: the instruction now runs. */
    tm_write64(PT_L0C + 8, pte_leaf(code + 0x1000, PTE_R | PTE_X | PTE_A));
    cpu_reset(CPU(tm.cpu[0]));
    g_assert_cmpuint(tm_run(CODE), ==, RISCV_EXCP_S_ECALL);
    g_assert_cmpuint(tm_env()->gpr[A0], ==, 5);
}

/* Self-modifying code */

/* Overwrite the next instruction of the running block. */
static void test_smc_same_block(void)
{
    uint64_t fixup, target;
    Asm a;

    begin(&a);
    fixup = asm_pc(&a);
    a32(&a, AUIPC(T0, 0));
    a32(&a, ADDI(T0, T0, 0));           /* patched: t0 = target */
    asm_li(&a, T1, ADDI(A0, X0, 2));
    a32(&a, SW(T1, T0, 0));
    target = asm_pc(&a);
    a32(&a, ADDI(A0, X0, 1));
    tm_asm_finish(&a, A0);
    asm_patch(&a, fixup + 4, ADDI(T0, T0, target - fixup));
    g_assert_cmpuint(run_code(&a), ==, 2);
}

/* Rewrite a function that already ran, with and without FENCE.I. */
static void test_smc_function(gconstpointer data)
{
    bool fence = GPOINTER_TO_INT(data);
    uint64_t func = CODE + 0x800;
    Asm a, f;

    begin(&a);
    asm_init(&f, func);
    a32(&f, ADDI(S0, S0, 1));
    a32(&f, JALR(X0, RA, 0));
    tm_load(&f);

    a32(&a, ADDI(S0, X0, 0));
    asm_li(&a, T0, func);
    a32(&a, JALR(RA, T0, 0));
    asm_li(&a, T0, func);
    asm_li(&a, T1, ADDI(S0, S0, 10));
    a32(&a, SW(T1, T0, 0));
    if (fence) {
        a32(&a, FENCE_I());
    }
    a32(&a, JALR(RA, T0, 0));
    tm_asm_finish(&a, S0);
    g_assert_cmpuint(run_code(&a), ==, 11);
}

/* A write by a device (DMA) to code that was translated. */
static void test_smc_dma(void)
{
    uint64_t func = CODE + 0x2000;
    Asm a, f;

    begin(&a);
    asm_init(&f, func);
    a32(&f, ADDI(A0, X0, 1));
    tm_asm_finish(&f, A0);
    tm_load(&f);
    g_assert_cmpuint(tm_run(func), ==, 1);
    /* The page now holds code: its CODE dirty bit is clear. */
    tm_write32(func, ADDI(A0, X0, 3));
    g_assert_cmpuint(tm_run(func), ==, 3);
}

static void test_lrsc_amo(void)
{
    Asm a;

    begin(&a);
    emit_set_mtvec(&a, HANDLER);
    asm_li(&a, T5, DATA);
    asm_li(&a, S1, DATA + 0x100);       /* results */
    a32(&a, ADDI(T0, X0, 5));
    a32(&a, SD(T0, T5, 0));
    a32(&a, LR_D(A0, T5));
    a32(&a, SD(A0, S1, 0));             /* 5 */
    a32(&a, ADDI(T1, X0, 9));
    a32(&a, SC_D(A0, T5, T1));
    a32(&a, SD(A0, S1, 8));             /* 0: success */
    a32(&a, SC_D(A0, T5, T1));
    a32(&a, SD(A0, S1, 16));            /* 1: no reservation */
    a32(&a, ADDI(T1, X0, 3));
    a32(&a, AMO(0x00, 3, A0, T5, T1));  /* amoadd.d */
    a32(&a, SD(A0, S1, 24));            /* 9; memory 12 */
    /* .w forms sign-extend the old value. */
    a32(&a, ADDI(T2, T5, 16));
    asm_li(&a, T0, -16);
    a32(&a, SW(T0, T2, 0));
    a32(&a, AMO(0x14, 2, A0, T2, T1));  /* amomax.w: max(-16, 3) */
    a32(&a, SD(A0, S1, 32));            /* -16; memory 3 */
    a32(&a, AMO(0x1c, 2, A0, T2, T0));  /* amomaxu.w: max(3, 0xfffffff0) */
    a32(&a, SD(A0, S1, 40));            /* 3; memory 0xfffffff0 */
    a32(&a, AMO(0x18, 2, A0, T2, T1));  /* amominu.w */
    a32(&a, SD(A0, S1, 48));            /* -16; memory 3 */
    a32(&a, AMO(0x10, 2, A0, T2, T0));  /* amomin.w */
    a32(&a, SD(A0, S1, 56));            /* 3; memory -16 */
    a32(&a, AMO(0x01, 2, A0, T2, T1));  /* amoswap.w */
    a32(&a, AMO(0x0c, 2, X0, T2, X0));  /* amoand.w with zero */
    a32(&a, ADDI(T0, X0, 0x30));
    a32(&a, AMO(0x08, 2, X0, T2, T0));  /* amoor.w */
    a32(&a, AMO(0x04, 2, A0, T2, T0));  /* amoxor.w */
    a32(&a, SD(A0, S1, 64));            /* 0x30; memory 0 */
    a32(&a, LR_W(A0, T2));
    a32(&a, SW(T1, T2, 0));             /* our own store changes it */
    a32(&a, SC_W(A0, T2, T0));
    a32(&a, SD(A0, S1, 72));            /* 1: failed */
    tm_asm_finish(&a, X0);

    g_assert_cmpuint(run_code(&a), ==, 0);
    g_assert_cmpint(tm_read64(DATA + 0x100), ==, 5);
    g_assert_cmpint(tm_read64(DATA + 0x108), ==, 0);
    g_assert_cmpint(tm_read64(DATA + 0x110), ==, 1);
    g_assert_cmpint(tm_read64(DATA + 0x118), ==, 9);
    g_assert_cmpint(tm_read64(DATA), ==, 12);
    g_assert_cmpint(tm_read64(DATA + 0x120), ==, -16);
    g_assert_cmpint(tm_read64(DATA + 0x128), ==, 3);
    g_assert_cmpint(tm_read64(DATA + 0x130), ==, -16);
    g_assert_cmpint(tm_read64(DATA + 0x138), ==, 3);
    g_assert_cmpint(tm_read64(DATA + 0x140), ==, 0x30);
    g_assert_cmpint(tm_read64(DATA + 0x148), ==, 1);
    g_assert_cmpint(tm_read32(DATA + 16), ==, 3);
}

static void test_atomic_faults(void)
{
    static const struct {
        uint32_t insn;
        uint64_t cause;
    } cases[] = {
        { LR_W(A0, T5), RISCV_EXCP_LOAD_ADDR_MIS },
        { SC_D(A0, T5, T1), RISCV_EXCP_STORE_AMO_ADDR_MIS },
        { AMO(0x00, 3, A0, T5, T1), RISCV_EXCP_STORE_AMO_ADDR_MIS },
    };
    Asm a;

    for (int i = 0; i < ARRAY_SIZE(cases); i++) {
        begin(&a);
        emit_set_mtvec(&a, HANDLER);
        asm_li(&a, T5, DATA + 2);
        a32(&a, cases[i].insn);
        tm_asm_finish(&a, X0);
        g_assert_cmpuint(run_code(&a), ==, cases[i].cause);
        g_assert_cmphex(tm_read64(REPORT_TVAL), ==, DATA + 2);
    }

    /* Devices do not do atomics. */
    begin(&a);
    emit_set_mtvec(&a, HANDLER);
    asm_li(&a, T5, TM_DEV_BASE + 16);
    a32(&a, AMO(0x00, 2, A0, T5, X0));
    g_assert_cmpuint(run_code(&a), ==, RISCV_EXCP_STORE_AMO_ACCESS_FAULT);
}

static void test_access_faults(void)
{
    Asm a;

    /* Nothing at 0x20000000. */
    begin(&a);
    emit_set_mtvec(&a, HANDLER);
    asm_li(&a, T0, 0x20000000);
    a32(&a, LD(A0, T0, 0));
    g_assert_cmpuint(run_code(&a), ==, RISCV_EXCP_LOAD_ACCESS_FAULT);
    g_assert_cmphex(tm_read64(REPORT_TVAL), ==, 0x20000000);

    /* No code runs from a device. */
    begin(&a);
    emit_set_mtvec(&a, HANDLER);
    asm_li(&a, T0, TM_DEV_BASE);
    a32(&a, JALR(X0, T0, 0));
    g_assert_cmpuint(run_code(&a), ==, RISCV_EXCP_INST_ACCESS_FAULT);
    g_assert_cmphex(tm_read64(REPORT_EPC), ==, TM_DEV_BASE);

    /* Writes to ROM are dropped, as on hardware. */
    begin(&a);
    emit_set_mtvec(&a, HANDLER);
    asm_li(&a, T0, TM_ROM_BASE);
    a32(&a, ADDI(T1, X0, -1));
    a32(&a, SD(T1, T0, 0));
    a32(&a, LD(A0, T0, 0));
    tm_asm_finish(&a, A0);
    g_assert_cmpuint(run_code(&a), ==, 0);
}

static void test_pmp(void)
{
    uint64_t napot_4k = (DATA >> 2) | ((4096 / 8) - 1);
    Asm a, s;

    /* S-mode with no matching entry cannot even fetch. */
    begin(&a);
    emit_set_mtvec(&a, HANDLER);
    emit_enter(&a, PRV_S, SCODE);
    g_assert_cmpuint(run_code(&a), ==, RISCV_EXCP_INST_ACCESS_FAULT);
    g_assert_cmphex(tm_read64(REPORT_EPC), ==, SCODE);

    /* Entry 0: DATA's page read-only; entry 1: everything. */
    begin(&a);
    emit_set_mtvec(&a, HANDLER);
    asm_li(&a, T0, napot_4k);
    a32(&a, CSRW(CSR_PMPADDR0, T0));
    a32(&a, ADDI(T0, X0, -1));
    a32(&a, CSRW(CSR_PMPADDR0 + 1, T0));
    asm_li(&a, T0, 0x1f19);
    a32(&a, CSRW(CSR_PMPCFG0, T0));
    /* M-mode is not bound by an unlocked entry. */
    asm_li(&a, T5, DATA);
    a32(&a, SD(T5, T5, 8));
    emit_enter(&a, PRV_S, SCODE);
    asm_init(&s, SCODE);
    asm_li(&s, T5, DATA);
    a32(&s, LD(A0, T5, 8));
    a32(&s, SD(A0, T5, 16));
    tm_load(&s);
    g_assert_cmpuint(run_code(&a), ==, RISCV_EXCP_STORE_AMO_ACCESS_FAULT);
    g_assert_cmphex(tm_read64(REPORT_TVAL), ==, DATA + 16);
    g_assert_cmphex(tm_env()->gpr[A0], ==, DATA);

    /* A 4-byte entry splits a page: its neighbours stay accessible. */
    begin(&a);
    emit_set_mtvec(&a, HANDLER);
    asm_li(&a, T0, (DATA + 8) >> 2);
    a32(&a, CSRW(CSR_PMPADDR0, T0));
    a32(&a, ADDI(T0, X0, -1));
    a32(&a, CSRW(CSR_PMPADDR0 + 1, T0));
    asm_li(&a, T0, 0x1f10);             /* entry 0 NA4, no access */
    a32(&a, CSRW(CSR_PMPCFG0, T0));
    emit_enter(&a, PRV_S, SCODE);
    asm_init(&s, SCODE);
    asm_li(&s, T5, DATA);
    a32(&s, SD(T5, T5, 0));
    a32(&s, LW(A0, T5, 12));
    a32(&s, LW(A0, T5, 4));
    a32(&s, LW(A0, T5, 8));
    tm_load(&s);
    g_assert_cmpuint(run_code(&a), ==, RISCV_EXCP_LOAD_ACCESS_FAULT);
    g_assert_cmphex(tm_read64(REPORT_TVAL), ==, DATA + 8);
    g_assert_cmphex(tm_read64(DATA), ==, DATA);

    /* A locked entry binds M-mode too, and cannot be changed. */
    begin(&a);
    emit_set_mtvec(&a, HANDLER);
    asm_li(&a, T0, napot_4k);
    a32(&a, CSRW(CSR_PMPADDR0, T0));
    a32(&a, ADDI(T0, X0, 0x99));        /* L, NAPOT, R */
    a32(&a, CSRW(CSR_PMPCFG0, T0));
    a32(&a, CSRW(CSR_PMPCFG0, X0));     /* ignored */
    a32(&a, CSRR(A1, CSR_PMPCFG0));
    asm_li(&a, T5, DATA);
    a32(&a, SD(T5, T5, 0));
    g_assert_cmpuint(run_code(&a), ==, RISCV_EXCP_STORE_AMO_ACCESS_FAULT);
    g_assert_cmphex(tm_env()->gpr[A1], ==, 0x99);
}

static uint64_t fake_time(void *opaque)
{
    return *(uint64_t *)opaque;
}

/* Counters count retired instructions, and minstret is writable. */
static void test_counters(void)
{
    static uint64_t now = 123456789;
    Asm a;

    begin(&a);
    emit_set_mtvec(&a, HANDLER);
    asm_li(&a, T0, 1000);
    a32(&a, CSRW(CSR_MINSTRET, T0));
    a32(&a, CSRR(A0, CSR_MINSTRET));    /* 1000 */
    a32(&a, ADDI(X0, X0, 0));
    a32(&a, CSRR(A1, CSR_MINSTRET));    /* 1002 */
    a32(&a, CSRR(A2, CSR_MCYCLE));
    a32(&a, CSRR(A3, CSR_MCYCLE));
    a32(&a, SUB(A3, A3, A2));           /* 1 */
    a32(&a, CSRR(A4, CSR_TIME));        /* no time source: illegal */
    g_assert_cmpuint(run_code(&a), ==, RISCV_EXCP_ILLEGAL_INST);
    g_assert_cmpuint(tm_env()->gpr[A0], ==, 1000);
    g_assert_cmpuint(tm_env()->gpr[A1], ==, 1002);
    g_assert_cmpuint(tm_env()->gpr[A3], ==, 1);

    riscv_cpu_set_rdtime_fn(tm_env(), fake_time, &now);
    begin(&a);
    a32(&a, CSRR(A0, CSR_TIME));
    tm_asm_finish(&a, A0);
    g_assert_cmpuint(run_code(&a), ==, now);
    riscv_cpu_set_rdtime_fn(tm_env(), NULL, NULL);
}

/* A guest needing more code than the buffer holds: flushes, goes on. */
static void test_code_buffer_full(void)
{
    const int blocks = 1500;
    uint64_t flushes;
    Asm a;

    begin(&a);
    a32(&a, ADDI(A0, X0, 0));
    for (int i = 0; i < blocks; i++) {
        a32(&a, ADDI(A0, A0, 1));
        a32(&a, JAL(X0, 4));            /* ends a block */
    }
    tm_asm_finish(&a, A0);
    tcg_set_tb_size(64 * KiB);
    tb_flush_all_stopped();
    flushes = tb_flush_count();
    g_assert_cmpuint(run_code(&a), ==, blocks);
    g_assert_cmpuint(tb_flush_count(), >, flushes + 1);
    tcg_set_tb_size(0);
    tb_flush_all_stopped();
}

/* vCPU threads */

static void note_thread(CPUState *cs, run_on_cpu_data data)
{
    *(bool *)data.host_ptr = qemu_cpu_is_self(cs);
}

/* Wait (without the BQL) up to a generous limit for *flag. */
static bool wait_for_flag(uint32_t *flag)
{
    for (int i = 0; i < 30000 && !qatomic_read(flag); i++) {
        tm_wait(1);
    }
    return qatomic_read(flag);
}

static void test_vcpu_thread(void)
{
    CPUState *cs = CPU(tm.cpu[1]);
    uint64_t code = CODE + 0x40000;
    bool on_self = false;
    Asm a;

    tm_reset();
    asm_init(&a, code);
    asm_li(&a, T0, MIP_MSIP);
    a32(&a, CSRW(CSR_MIE, T0));
    a32(&a, WFI());
    a32(&a, ADDI(A0, X0, 77));
    tm_asm_finish(&a, A0);
    tm_load(&a);
    tm.cpu[1]->env.pc = code;

    qemu_mutex_lock_iothread();
    qemu_init_vcpu(cs);
    g_assert_true(cs->created);
    g_assert_true(all_vcpus_paused());
    /* Work runs on the vCPU's own thread, even while it is paused. */
    run_on_cpu(cs, note_thread, RUN_ON_CPU_HOST_PTR(&on_self));
    g_assert_true(on_self);
    resume_all_vcpus();
    g_assert_false(all_vcpus_paused());
    qemu_mutex_unlock_iothread();

    /* It reaches the WFI and sleeps there... */
    g_assert_true(wait_for_flag(&cs->halted));
    g_assert_false(tm_finished());

    /* ...until an interrupt line rises. */
    qemu_mutex_lock_iothread();
    qemu_set_irq(riscv_cpu_irq(tm.cpu[1], IRQ_M_SOFT), 1);
    qemu_mutex_unlock_iothread();
    for (int i = 0; i < 30000 && !tm_finished(); i++) {
        tm_wait(1);
    }
    g_assert_true(tm_finished());
    g_assert_cmpuint(tm.result, ==, 77);

    /*
     * The guest now spins in a loop.  Give it time to be well inside its
     * block chain: pausing must kick it out of there.
     */
    tm_wait(50);
    qemu_mutex_lock_iothread();
    pause_all_vcpus();
    g_assert_true(all_vcpus_paused());
    qemu_set_irq(riscv_cpu_irq(tm.cpu[1], IRQ_M_SOFT), 0);
    qemu_mutex_unlock_iothread();
}

static bool throttle_slept(uint64_t n)
{
    for (int i = 0; i < 30000 && cpu_throttle_sleeps() < n; i++) {
        tm_wait(1);
    }
    return cpu_throttle_sleeps() >= n;
}

/*
 * Auto-converge's throttle: a running vCPU is made to sleep again and
 * again, still makes progress, can be paused at any time, and sleeps no
 * more once the throttle is lifted.
 */
static void test_throttle(void)
{
    uint64_t code = CODE + 0x40000, before, sleeps;
    Asm a;

    tm_reset();
    asm_init(&a, code);
    asm_li(&a, T0, DATA);
    a32(&a, ADDI(T1, T1, 1));
    a32(&a, SD(T1, T0, 0));
    a32(&a, JAL(X0, -8));
    tm_load(&a);
    tm.cpu[1]->env.pc = code;

    qemu_mutex_lock_iothread();
    resume_all_vcpus();
    qemu_mutex_unlock_iothread();
    before = cpu_throttle_sleeps();
    cpu_throttle_set(50);
    g_assert_true(cpu_throttle_active());
    g_assert_cmpint(cpu_throttle_get_percentage(), ==, 50);
    g_assert_true(throttle_slept(before + 5));

    /*
     * The counter is read only while the vCPU is paused: its stores are
     * plain guest stores, and pausing orders them before our read.
     */
    qemu_mutex_lock_iothread();
    pause_all_vcpus();
    g_assert_true(all_vcpus_paused());
    qemu_mutex_unlock_iothread();
    g_assert_cmpuint(tm_read64(DATA), >, 0);

    cpu_throttle_stop();
    g_assert_false(cpu_throttle_active());
    g_assert_cmpint(cpu_throttle_get_percentage(), ==, 0);
    qemu_mutex_lock_iothread();
    resume_all_vcpus();
    qemu_mutex_unlock_iothread();
    tm_wait(50);
    sleeps = cpu_throttle_sleeps();
    qemu_mutex_lock_iothread();
    pause_all_vcpus();
    before = tm_read64(DATA);
    resume_all_vcpus();
    qemu_mutex_unlock_iothread();
    tm_wait(200);
    g_assert_cmpuint(cpu_throttle_sleeps(), ==, sleeps);

    qemu_mutex_lock_iothread();
    pause_all_vcpus();
    qemu_mutex_unlock_iothread();
    g_assert_cmpuint(tm_read64(DATA), >, before);
}

static unsigned device_writes(void)
{
    unsigned n;

    qemu_mutex_lock_iothread();
    n = tm.writes;
    qemu_mutex_unlock_iothread();
    return n;
}

/*
 * Both harts on their own threads increment two shared counters, one
 * with amoadd.w and one with an lr.w/sc.w loop: no increment may be lost.
 */
static void test_smp_atomics(void)
{
    const int n = 200000;
    uint64_t code = CODE + 0x50000;
    uint64_t loop, retry;
    Asm a;

    tm_reset();
    asm_init(&a, code);
    asm_li(&a, T1, DATA);
    a32(&a, ADDI(T5, T1, 8));
    asm_li(&a, T2, n);
    loop = asm_pc(&a);
    a32(&a, ADDI(T3, X0, 1));
    a32(&a, AMO(0x00, 2, X0, T1, T3));      /* amoadd.w */
    retry = asm_pc(&a);
    a32(&a, LR_W(T4, T5));
    a32(&a, ADDI(T4, T4, 1));
    a32(&a, SC_W(T6, T5, T4));
    a32(&a, BNE(T6, X0, retry - asm_pc(&a)));
    a32(&a, ADDI(T2, T2, -1));
    a32(&a, BNE(T2, X0, loop - asm_pc(&a)));
    /* Count ourselves done on the test device, then spin. */
    asm_li(&a, T0, TM_DEV_BASE);
    a32(&a, SD(X0, T0, 8));
    a32(&a, JAL(X0, 0));
    tm_load(&a);
    for (int i = 0; i < 2; i++) {
        tm.cpu[i]->env.pc = code;
    }

    qemu_mutex_lock_iothread();
    for (int i = 0; i < 2; i++) {
        if (!CPU(tm.cpu[i])->created) {
            qemu_init_vcpu(CPU(tm.cpu[i]));
        }
    }
    /* One thread per vCPU, or one for all of them. */
    g_assert_true((CPU(tm.cpu[0])->thread == CPU(tm.cpu[1])->thread) ==
                  tm.single_thread);
    resume_all_vcpus();
    qemu_mutex_unlock_iothread();
    for (int i = 0; i < 30000 && device_writes() < 2; i++) {
        tm_wait(1);
    }
    qemu_mutex_lock_iothread();
    pause_all_vcpus();
    qemu_mutex_unlock_iothread();

    g_assert_cmpuint(device_writes(), ==, 2);
    g_assert_cmpuint(tm_read32(DATA), ==, 2 * n);
    g_assert_cmpuint(tm_read32(DATA + 8), ==, 2 * n);
}

static void *synchronize_rcu_thread(void *arg)
{
    rcu_register_thread();
    synchronize_rcu();
    rcu_unregister_thread();
    qatomic_store_release((bool *)arg, true);
    return NULL;
}

/*
 * vCPU threads are QSBR readers that report quiescent states only between
 * slices: harts spinning in guest code would hold a grace period up
 * forever, but the grace period kicks them (their force-RCU notifier) and
 * ends.  Stopped harts are offline and hold nothing up.
 */
static void test_rcu_grace_period(void)
{
    uint64_t code = CODE + 0x60000;
    QemuThread thread;
    bool done = false;
    Asm a;

    tm_reset();
    asm_init(&a, code);
    a32(&a, JAL(X0, 0));
    tm_load(&a);
    qemu_mutex_lock_iothread();
    for (int i = 0; i < 2; i++) {
        tm.cpu[i]->env.pc = code;
        if (!CPU(tm.cpu[i])->created) {
            qemu_init_vcpu(CPU(tm.cpu[i]));
        }
    }
    resume_all_vcpus();
    qemu_mutex_unlock_iothread();
    /* Well inside their block chains. */
    tm_wait(20);

    for (int round = 0; round < 20; round++) {
        done = false;
        qemu_thread_create(&thread, "sync-rcu", synchronize_rcu_thread, &done,
                           QEMU_THREAD_JOINABLE);
        for (int i = 0; i < 30000 && !qatomic_load_acquire(&done); i++) {
            tm_wait(1);
        }
        g_assert_true(qatomic_load_acquire(&done));
        qemu_thread_join(&thread);
    }

    qemu_mutex_lock_iothread();
    pause_all_vcpus();
    qemu_mutex_unlock_iothread();
    /* Paused: a grace period needs no kick at all. */
    synchronize_rcu();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    tm_init(2);

    g_test_add_func("/riscv/exec/arith-loop", test_arith_loop);
    g_test_add_func("/riscv/exec/alu", test_alu);
    g_test_add_func("/riscv/exec/loads-stores", test_loads_stores);
    g_test_add_func("/riscv/exec/compressed", test_compressed);
    g_test_add_func("/riscv/exec/trap-illegal", test_trap_illegal);
    g_test_add_func("/riscv/exec/ecall-ebreak", test_ecall_and_ebreak);
    g_test_add_func("/riscv/exec/csr-rules", test_csr_rules);
    g_test_add_func("/riscv/exec/counter-enables", test_counter_enables);
    g_test_add_func("/riscv/exec/counters", test_counters);
    g_test_add_func("/riscv/exec/interrupt", test_interrupt);
    g_test_add_func("/riscv/exec/interrupt-delegated",
                    test_interrupt_delegated);
    g_test_add_func("/riscv/exec/wfi", test_wfi);
    g_test_add_func("/riscv/exec/sv39", test_sv39);
    g_test_add_func("/riscv/exec/debug-translation", test_debug_translation);
    g_test_add_func("/riscv/exec/gdb-registers", test_gdb_registers);
    for (int i = 0; i < ARRAY_SIZE(sv39_faults); i++) {
        g_autofree char *path = g_strdup_printf("/riscv/exec/sv39-fault-%s",
                                                sv39_faults[i].name);

        g_test_add_data_func(path, &sv39_faults[i], test_sv39_fault);
    }
    g_test_add_func("/riscv/exec/mmu-enable-fault", test_mmu_enable_fault);
    g_test_add_func("/riscv/exec/fetch-page-cross", test_fetch_page_cross);
    g_test_add_func("/riscv/exec/smc-same-block", test_smc_same_block);
    g_test_add_data_func("/riscv/exec/smc-function", GINT_TO_POINTER(false),
                         test_smc_function);
    g_test_add_data_func("/riscv/exec/smc-function-fence-i",
                         GINT_TO_POINTER(true), test_smc_function);
    g_test_add_func("/riscv/exec/smc-dma", test_smc_dma);
    g_test_add_func("/riscv/exec/lrsc-amo", test_lrsc_amo);
    g_test_add_func("/riscv/exec/dirty-log", test_dirty_log);
    g_test_add_func("/riscv/exec/atomic-faults", test_atomic_faults);
    g_test_add_func("/riscv/exec/access-faults", test_access_faults);
    g_test_add_func("/riscv/exec/pmp", test_pmp);
    g_test_add_func("/riscv/exec/code-buffer-full", test_code_buffer_full);
    g_test_add_func("/riscv/exec/vmstate", test_vmstate);
    /* Last: the harts' threads outlive the tests. */
    g_test_add_func("/riscv/exec/vcpu-thread", test_vcpu_thread);
    g_test_add_func("/riscv/exec/throttle", test_throttle);
    g_test_add_func("/riscv/exec/smp-atomics", test_smp_atomics);
    g_test_add_func("/riscv/exec/rcu-grace-period", test_rcu_grace_period);
    return g_test_run();
}
