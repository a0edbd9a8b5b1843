/*
 * test-sdtrig.c: the debug triggers (Sdtrig, mcontrol6), as guest
 * software that programs them for its own breakpoints sees them.
 * Enumeration through tselect and tinfo; the WARL rules of tdata1 (type,
 * action, chain, match, select, dmode, size); execute, load and store
 * triggers in M, S and U mode, each firing before its instruction or
 * access (cause 3, epc the instruction, tval the address or 0) and
 * only in the modes it names; the access sizes they select; AMOs and
 * LR; hit0; delegation of the breakpoint to S-mode; the rule that keeps
 * a trigger from firing in M-mode with MIE clear (and in S-mode with SIE
 * clear when breakpoints are delegated); and that S and U cannot reach
 * the trigger CSRs.
 *
 * The triggers used are 0 and 1: QEMU 7.2, the reference, has two.
 */
#include "runtime.h"

#define CSR_TSELECT 0x7a0
#define CSR_TDATA1  0x7a1
#define CSR_TDATA2  0x7a2
#define CSR_TDATA3  0x7a3
#define CSR_TINFO   0x7a4

#define TYPE_SHIFT      60
#define TYPE_MCONTROL6  (U64(6) << TYPE_SHIFT)
#define TYPE_DISABLED   (U64(15) << TYPE_SHIFT)
#define TYPE_MASK       (U64(15) << TYPE_SHIFT)
#define DMODE           (U64(1) << 59)
#define HIT1            (U64(1) << 25)
#define HIT0            (U64(1) << 22)
#define SELECT          (U64(1) << 21)
#define SIZE(n)         ((uint64_t)(n) << 16)
#define SIZE_MASK       SIZE(7)
#define ACTION(n)       ((uint64_t)(n) << 12)
#define CHAIN           (U64(1) << 11)
#define MATCH(n)        ((uint64_t)(n) << 7)
#define T_M             (U64(1) << 6)
#define T_S             (U64(1) << 4)
#define T_U             (U64(1) << 3)
#define T_EXEC          (U64(1) << 2)
#define T_STORE         (U64(1) << 1)
#define T_LOAD          (U64(1) << 0)

static const uint64_t mode_bit[4] = { T_U, T_S, 0, T_M };

/*
 * Code for execute triggers: exec_fn(a0) returns a0 + 2, or a0 + 1 if
 * the instruction at exec_insn32 (4 bytes) or exec_insn16 (2 bytes) was
 * skipped by a trap.
 */
asm(".pushsection .text\n"
    ".balign 4\n"
    ".globl exec_fn, exec_insn32, exec_insn16\n"
    "exec_fn:\n"
    ".option push\n"
    ".option norvc\n"
    "exec_insn32: addi a0, a0, 1\n"
    ".option rvc\n"
    "exec_insn16: c.addi a0, 1\n"
    ".option pop\n"
    "ret\n"
    ".popsection\n");
extern char exec_fn[], exec_insn32[], exec_insn16[];

static volatile uint64_t data[4] __attribute__((aligned(64)));

static void set_trigger(unsigned i, uint64_t tdata1, uint64_t tdata2)
{
    csr_write(0x7a0, i);
    /* Disabled while tdata2 changes, as a debugger does it. */
    csr_write(0x7a1, 0);
    csr_write(0x7a2, tdata2);
    csr_write(0x7a1, tdata1);
}

static uint64_t read_tdata1(unsigned i)
{
    csr_write(0x7a0, i);
    return csr_read(0x7a1);
}

static void clear_triggers(void)
{
    set_trigger(0, 0, 0);
    set_trigger(1, 0, 0);
}

/* QEMU 7.2 leaves tval 0 for some trigger hits; Grace gives the address */
static bool tval_ok(uint64_t want)
{
    return trap_last.tval == want ||
           (on_reference_qemu() && trap_last.tval == 0);
}

#define CHECK_TRIGGER_TRAP(epc_, tval_, ...)                              \
    do {                                                                  \
        CHECK_EQ(trap_last.count, 1, __VA_ARGS__);                        \
        CHECK_EQ(trap_last.cause, EXC_BREAKPOINT, __VA_ARGS__);           \
        CHECK_EQ(trap_last.epc, (epc_), __VA_ARGS__);                     \
        CHECK(tval_ok(tval_), "tval 0x%lx, not 0x%lx",                    \
              trap_last.tval, (uint64_t)(tval_));                         \
    } while (0)

/* M-mode code runs with MIE set, mie clear: triggers may fire */
static void m_mode_may_fire(bool on)
{
    CHECK_EQ(csr_read(mie), 0, "no interrupt enabled");
    if (on) {
        csr_set(mstatus, MSTATUS_MIE);
    } else {
        csr_clear(mstatus, MSTATUS_MIE);
    }
}

static long call_exec_fn(long a0)
{
    trap_expect();
    return ((long (*)(long))exec_fn)(a0);
}

static long run_exec_fn(int prv)
{
    if (prv == PRV_M) {
        return call_exec_fn(0);
    }
    return run_in_mode(prv, call_exec_fn, 0);
}

/* csrr a0, csrno, run from a buffer: the value, or -1 if it trapped */
static long csr_probe(long csrno)
{
    long v = exec_insn(0x00002573 | (uint32_t)csrno << 20, 0);

    return trap_last.count ? -1 : v;
}

static void test_enumeration(void)
{
    unsigned n = 0;

    test_section("enumeration: tselect, tinfo, tdata1's type");
    /* The debug specification's algorithm. */
    for (unsigned i = 0; i < 64; i++) {
        long tinfo;

        csr_write(0x7a0, i);
        if (csr_read(0x7a0) != i) {
            break;
        }
        tinfo = csr_probe(CSR_TINFO);
        if (tinfo == -1) {
            CHECK(on_reference_qemu(), "tinfo is implemented");
            if ((csr_read(0x7a1) & TYPE_MASK) == 0) {
                break;
            }
        } else if ((tinfo & 0xffff) == 1) {
            break;
        } else {
            CHECK(tinfo & (1 << 6), "trigger %u supports mcontrol6 "
                  "(tinfo 0x%lx)", i, tinfo);
            if (!on_reference_qemu()) {
                CHECK_EQ(tinfo >> 24 & 0xff, 1, "tinfo.version");
                CHECK_EQ(tinfo & 0xffff, (1 << 6) | (1 << 15), "tinfo.info");
            }
        }
        n++;
    }
    CHECK(n >= 2, "at least 2 triggers, found %u", n);
    test_note("%u triggers", n);
    /* A tselect past the last trigger does not stick. */
    csr_write(0x7a0, 1);
    csr_write(0x7a0, n);
    CHECK(csr_read(0x7a0) != n || (read_tdata1(n) & TYPE_MASK) == 0,
          "tselect past the last trigger");
    csr_write(0x7a0, 0);
}

static void test_warl(void)
{
    uint64_t t;

    test_section("tdata1 and tdata2: what sticks");
    set_trigger(0, TYPE_MCONTROL6 | T_M | T_LOAD, 0x1234);
    csr_write(0x7a0, 0);
    CHECK_EQ(csr_read(0x7a1), TYPE_MCONTROL6 | T_M | T_LOAD, "tdata1");
    CHECK_EQ(csr_read(0x7a2), 0x1234, "tdata2");
    CHECK_EQ(csr_read(0x7a3), 0, "tdata3");
    csr_write(0x7a3, ~U64(0));
    CHECK_EQ(csr_read(0x7a3), 0, "tdata3 has no writable field");
    csr_write(0x7a2, ~U64(0));
    CHECK_EQ(csr_read(0x7a2), ~U64(0), "tdata2 holds any address");

    /* What this hart does not have reads back as 0. */
    csr_write(0x7a1, TYPE_MCONTROL6 | DMODE | SELECT | ACTION(1) | CHAIN |
              MATCH(1) | T_S | T_STORE);
    t = csr_read(0x7a1);
    CHECK_EQ(t & TYPE_MASK, TYPE_MCONTROL6, "type stays 6");
    CHECK_EQ(t & (DMODE | SELECT | CHAIN | MATCH(15) | ACTION(15)), 0,
             "dmode, select, chain, match and action stay 0");
    CHECK_EQ(t & (T_S | T_STORE), T_S | T_STORE, "s and store kept");

    /* Sizes: any, 8, 16, 32 and 64 bits; others are not kept. */
    for (unsigned size = 0; size < 8; size++) {
        csr_write(0x7a1, TYPE_MCONTROL6 | SIZE(size) | T_M | T_LOAD);
        t = csr_read(0x7a1) & SIZE_MASK;
        if (size <= 3 || size == 5) {
            CHECK_EQ(t, SIZE(size), "size %u", size);
        } else if (!on_reference_qemu()) {
            CHECK_EQ(t, 0, "size %u not kept", size);
        }
    }

    /* 0 disables it; so does a type it does not have. */
    if (!on_reference_qemu()) {
        csr_write(0x7a1, 0);
        CHECK_EQ(csr_read(0x7a1) & TYPE_MASK, TYPE_DISABLED,
                 "tdata1 = 0: disabled (type 15)");
        csr_write(0x7a1, (U64(2) << TYPE_SHIFT) | T_M | T_EXEC);
        CHECK_EQ(csr_read(0x7a1), TYPE_DISABLED, "type 2: disabled");
    } else {
        test_note("QEMU 7.2 reference: a write of 0 or of another type "
                  "keeps the old type");
    }
    clear_triggers();
}

static void test_not_from_s_or_u(void)
{
    static const unsigned csrs[] = {
        CSR_TSELECT, CSR_TDATA1, CSR_TDATA2, CSR_TDATA3, CSR_TINFO,
    };

    test_section("S and U cannot reach the trigger CSRs");
    for (unsigned i = 0; i < ARRAY_SIZE(csrs); i++) {
        CHECK_EQ(run_in_mode(PRV_S, csr_probe, csrs[i]), -1,
                 "csr 0x%x from S", csrs[i]);
        CHECK_EQ(trap_last.cause, EXC_ILLEGAL_INSN, "csr 0x%x: cause",
                 csrs[i]);
        CHECK_EQ(run_in_mode(PRV_U, csr_probe, csrs[i]), -1,
                 "csr 0x%x from U", csrs[i]);
        CHECK_EQ(trap_last.cause, EXC_ILLEGAL_INSN, "csr 0x%x: cause",
                 csrs[i]);
    }
}

static void test_execute(int prv)
{
    test_section("execute triggers in %s-mode", level_name[prv]);
    if (prv == PRV_M) {
        m_mode_may_fire(true);
    }
    /* No trigger: nothing skipped. */
    CHECK_EQ(run_exec_fn(prv), 2, "no trigger");
    CHECK_NO_TRAP("no trigger");

    /* Before the instruction: it does not run, epc is its address. */
    set_trigger(0, TYPE_MCONTROL6 | mode_bit[prv] | T_EXEC,
                (uintptr_t)exec_insn32);
    CHECK_EQ(run_exec_fn(prv), 1, "the instruction was skipped");
    CHECK_TRIGGER_TRAP((uintptr_t)exec_insn32, (uintptr_t)exec_insn32,
                       "execute trigger");
    CHECK_EQ(trap_last.level, PRV_M, "taken in M-mode (no delegation)");
    if (!on_reference_qemu()) {
        CHECK(read_tdata1(0) & HIT0, "hit0 set");
        CHECK(!(read_tdata1(0) & HIT1), "hit1 clear (fired before)");
    }

    /* Only in the modes it names. */
    for (int other = PRV_U; other <= PRV_M; other++) {
        if (other == 2 || other == prv) {
            continue;
        }
        set_trigger(0, TYPE_MCONTROL6 | mode_bit[other] | T_EXEC,
                    (uintptr_t)exec_insn32);
        CHECK_EQ(run_exec_fn(prv), 2, "a %s-mode trigger in %s-mode",
                 level_name[other], level_name[prv]);
        CHECK_NO_TRAP("no trap");
    }

    /* On the compressed instruction, trigger 1. */
    clear_triggers();
    set_trigger(1, TYPE_MCONTROL6 | T_M | T_S | T_U | T_EXEC,
                (uintptr_t)exec_insn16);
    CHECK_EQ(run_exec_fn(prv), 1, "the compressed insn was skipped");
    CHECK_TRIGGER_TRAP((uintptr_t)exec_insn16, (uintptr_t)exec_insn16,
                       "trigger 1 on a compressed instruction");

    /* Sizes: 16-bit or 32-bit instructions only. */
    if (!on_reference_qemu()) {
        set_trigger(1, TYPE_MCONTROL6 | SIZE(2) | mode_bit[prv] | T_EXEC,
                    (uintptr_t)exec_insn16);
        CHECK_EQ(run_exec_fn(prv), 1, "size 16-bit on a 16-bit insn");
        CHECK_TRIGGER_TRAP((uintptr_t)exec_insn16, (uintptr_t)exec_insn16,
                           "size 16-bit");
        set_trigger(1, TYPE_MCONTROL6 | SIZE(3) | mode_bit[prv] | T_EXEC,
                    (uintptr_t)exec_insn16);
        CHECK_EQ(run_exec_fn(prv), 2, "size 32-bit on a 16-bit insn");
        CHECK_NO_TRAP("size 32-bit on a 16-bit insn");
        set_trigger(1, TYPE_MCONTROL6 | SIZE(3) | mode_bit[prv] | T_EXEC,
                    (uintptr_t)exec_insn32);
        CHECK_EQ(run_exec_fn(prv), 1, "size 32-bit on a 32-bit insn");
        CHECK_TRIGGER_TRAP((uintptr_t)exec_insn32, (uintptr_t)exec_insn32,
                           "size 32-bit");
    } else {
        test_note("QEMU 7.2 reference: execute triggers ignore size");
    }

    /* Disabled, or naming no mode: nothing. */
    set_trigger(1, TYPE_MCONTROL6 | T_EXEC, (uintptr_t)exec_insn32);
    CHECK_EQ(run_exec_fn(prv), 2, "no mode bit");
    CHECK_NO_TRAP("no mode bit");
    clear_triggers();
    CHECK_EQ(run_exec_fn(prv), 2, "cleared");
    CHECK_NO_TRAP("cleared");
    if (prv == PRV_M) {
        m_mode_may_fire(false);
    }
}

static void test_load_store(int prv)
{
    uintptr_t addr = (uintptr_t)&data[1];
    uint64_t v;

    test_section("load and store triggers in %s-mode", level_name[prv]);
    if (prv == PRV_M) {
        m_mode_may_fire(true);
    }
    data[1] = 0x1111;
    data[2] = 0x2222;

    /* A load trigger: the load does not happen (the register keeps 7). */
    set_trigger(0, TYPE_MCONTROL6 | mode_bit[prv] | T_LOAD, addr);
    v = probe_access(prv, ACCESS_LOAD, addr, 7);
    CHECK_EQ(v, 7, "the triggering load did not load");
    CHECK_EQ(trap_last.count, 1, "load trigger");
    CHECK_EQ(trap_last.cause, EXC_BREAKPOINT, "load trigger: cause");
    CHECK(tval_ok(addr), "load trigger: tval 0x%lx", trap_last.tval);
    /*
     * Not on stores, nor on the next word.  (The test's own loads from
     * addr would hit it too: the store is checked further down.)
     */
    probe_access(prv, ACCESS_STORE, addr, 0x3333);
    CHECK_NO_TRAP("a store under a load trigger");
    CHECK_EQ(probe_access(prv, ACCESS_LOAD, addr + 8, 0), 0x2222,
             "the next word");
    CHECK_NO_TRAP("the next word");

    /* A store trigger: the store does not happen. */
    set_trigger(0, TYPE_MCONTROL6 | mode_bit[prv] | T_STORE, addr);
    probe_access(prv, ACCESS_STORE, addr, 0x4444);
    CHECK_EQ(trap_last.count, 1, "store trigger");
    CHECK_EQ(trap_last.cause, EXC_BREAKPOINT, "store trigger: cause");
    CHECK(tval_ok(addr), "store trigger: tval 0x%lx", trap_last.tval);
    CHECK_EQ(data[1], 0x3333, "the triggering store did not store");
    CHECK_EQ(probe_access(prv, ACCESS_LOAD, addr, 0), 0x3333,
             "a load under a store trigger (and the earlier store)");
    CHECK_NO_TRAP("a load under a store trigger");

    /* Both, in trigger 1, and not in another mode. */
    clear_triggers();
    set_trigger(1, TYPE_MCONTROL6 | mode_bit[prv] | T_LOAD | T_STORE, addr);
    probe_access(prv, ACCESS_LOAD, addr, 0);
    CHECK_EQ(trap_last.cause, EXC_BREAKPOINT, "load, trigger 1");
    probe_access(prv, ACCESS_STORE, addr, 0);
    CHECK_EQ(trap_last.cause, EXC_BREAKPOINT, "store, trigger 1");
    set_trigger(1, TYPE_MCONTROL6 | (mode_bit[prv] == T_U ? T_S : T_U) |
                T_LOAD | T_STORE, addr);
    probe_access(prv, ACCESS_LOAD, addr, 0);
    CHECK_NO_TRAP("another mode's trigger");
    clear_triggers();
    if (prv == PRV_M) {
        m_mode_may_fire(false);
    }
}

/* An access of a given size at addr, in M-mode; returns the trap count */
static int access_sized(int size, uintptr_t addr)
{
    uint64_t v = 0;

    trap_expect();
    switch (size) {
    case 1:
        asm volatile("lbu %0, 0(%1)" : "=r"(v) : "r"(addr) : "memory");
        break;
    case 4:
        asm volatile("lwu %0, 0(%1)" : "=r"(v) : "r"(addr) : "memory");
        break;
    default:
        asm volatile("ld %0, 0(%1)" : "=r"(v) : "r"(addr) : "memory");
        break;
    }
    return trap_last.count;
}

static void test_sizes_and_atomics(void)
{
    uintptr_t addr = (uintptr_t)&data[1];
    uint64_t v;

    test_section("access sizes, AMOs and LR");
    m_mode_may_fire(true);
    set_trigger(0, TYPE_MCONTROL6 | T_M | T_LOAD, addr + 4);
    CHECK_EQ(access_sized(8, addr), 1, "an 8-byte load covering tdata2");
    CHECK_EQ(access_sized(4, addr + 4), 1, "a 4-byte load at tdata2");
    if (!on_reference_qemu()) {
        CHECK_EQ(access_sized(4, addr), 0, "a 4-byte load before tdata2");
        CHECK_EQ(access_sized(1, addr + 5), 0, "a byte after tdata2");
        set_trigger(0, TYPE_MCONTROL6 | SIZE(3) | T_M | T_LOAD, addr + 4);
        CHECK_EQ(access_sized(4, addr + 4), 1, "size 32-bit, lwu");
        CHECK_EQ(access_sized(8, addr), 0, "size 32-bit, ld");
        set_trigger(0, TYPE_MCONTROL6 | SIZE(5) | T_M | T_LOAD, addr + 4);
        CHECK_EQ(access_sized(8, addr), 1, "size 64-bit, ld");
        CHECK_EQ(access_sized(4, addr + 4), 0, "size 64-bit, lwu");
    } else {
        test_note("QEMU 7.2 reference: load triggers match 8 bytes from "
                  "tdata2, whatever the access size");
    }

    /* AMOs store (and load); LR loads. */
    data[1] = 5;
    set_trigger(0, TYPE_MCONTROL6 | T_M | T_STORE, addr);
    trap_expect();
    asm volatile("amoadd.d %0, %1, (%2)" : "=r"(v) : "r"(1), "r"(addr)
                 : "memory");
    CHECK_EQ(trap_last.count, 1, "amoadd under a store trigger");
    CHECK_EQ(trap_last.cause, EXC_BREAKPOINT, "amoadd: cause");
    CHECK_EQ(data[1], 5, "the amoadd did not happen");
    set_trigger(0, TYPE_MCONTROL6 | T_M | T_LOAD, addr);
    trap_expect();
    asm volatile("lr.d %0, (%1)" : "=r"(v) : "r"(addr) : "memory");
    CHECK_EQ(trap_last.count, 1, "lr under a load trigger");
    CHECK_EQ(trap_last.cause, EXC_BREAKPOINT, "lr: cause");
    clear_triggers();
    m_mode_may_fire(false);
}

static void test_reentrancy_and_delegation(void)
{
    test_section("no trigger in M with MIE clear; delegation to S");
    set_trigger(0, TYPE_MCONTROL6 | T_M | T_EXEC, (uintptr_t)exec_insn32);
    m_mode_may_fire(false);
    if (!on_reference_qemu()) {
        CHECK_EQ(run_exec_fn(PRV_M), 2, "M-mode, MIE clear: no trigger");
        CHECK_NO_TRAP("M-mode, MIE clear");
    } else {
        test_note("QEMU 7.2 reference: triggers fire in M-mode with MIE "
                  "clear");
    }
    m_mode_may_fire(true);
    CHECK_EQ(run_exec_fn(PRV_M), 1, "M-mode, MIE set: trigger");
    m_mode_may_fire(false);

    /* Delegated: S-mode takes its own breakpoint, with SIE set only. */
    set_trigger(0, TYPE_MCONTROL6 | T_S | T_EXEC, (uintptr_t)exec_insn32);
    csr_set(medeleg, 1 << EXC_BREAKPOINT);
    CHECK_EQ(csr_read(sie), 0, "no S interrupt enabled");
    csr_set(sstatus, MSTATUS_SIE);
    CHECK_EQ(run_exec_fn(PRV_S), 1, "S-mode, delegated, SIE set");
    CHECK_TRIGGER_TRAP((uintptr_t)exec_insn32, (uintptr_t)exec_insn32,
                       "delegated trigger");
    CHECK_EQ(trap_last.level, PRV_S, "taken in S-mode");
    csr_clear(sstatus, MSTATUS_SIE);
    if (!on_reference_qemu()) {
        CHECK_EQ(run_exec_fn(PRV_S), 2, "S-mode, delegated, SIE clear");
        CHECK_NO_TRAP("S-mode, delegated, SIE clear");
    }
    csr_clear(medeleg, 1 << EXC_BREAKPOINT);
    /* Not delegated, SIE clear: it fires, to M. */
    CHECK_EQ(run_exec_fn(PRV_S), 1, "S-mode, not delegated");
    CHECK_EQ(trap_last.level, PRV_M, "taken in M-mode");
    clear_triggers();
}

int main(void)
{
    test_enumeration();
    test_warl();
    test_not_from_s_or_u();
    for (int prv = PRV_U; prv <= PRV_M; prv++) {
        if (prv != 2) {
            test_execute(prv);
            test_load_store(prv);
        }
    }
    test_sizes_and_atomics();
    test_reentrancy_and_delegation();
    return 0;
}
