/*
 * Debugging support in the execution engine: breakpoints (the
 * debugger's and the guest's), single-stepping and watchpoints, driven
 * through the hw/core/cpu.h API on the CPU test machine, each checked
 * for what cpu_exec returns, where the hart stopped and how many
 * instructions it retired.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "exec/exec-all.h"
#include "sysemu/cpus.h"
#include "target/riscv/internals.h"
#include "riscv-test-machine.h"

#define CODE        TM_RAM_BASE
#define HANDLER     (TM_RAM_BASE + 0x10000)
#define DATA        (TM_RAM_BASE + 0x100000)

static CPUState *hart(int n)
{
    return CPU(tm.cpu[n]);
}

static CPURISCVState *env_of(int n)
{
    return &tm.cpu[n]->env;
}

/* An M-mode trap handler that reports mcause to the test device. */
static void load_handler(void)
{
    Asm h;

    asm_init(&h, HANDLER);
    a32(&h, CSRR(T0, CSR_MCAUSE));
    tm_asm_finish(&h, T0);
    tm_load(&h);
}

static void begin(Asm *a)
{
    tm_reset();
    load_handler();
    asm_init(a, CODE);
    asm_li(a, T0, HANDLER);
    a32(a, CSRW(CSR_MTVEC, T0));
}

/*
 * Run hart n from where it is until cpu_exec returns something other
 * than a request to look at queued work, or the guest finished.
 */
static int run(int n)
{
    CPUState *cs = hart(n);
    int r;

    for (;;) {
        r = cpu_exec(cs);
        if (r != EXCP_INTERRUPT || tm_finished()) {
            return r;
        }
        qemu_mutex_lock_iothread();
        process_queued_cpu_work(cs);
        qemu_mutex_unlock_iothread();
    }
}

static int run_from(int n, uint64_t pc)
{
    env_of(n)->pc = pc;
    return run(n);
}

/*
 * The loop most tests use:
 *     a0 = 0; a1 = 100
 *   loop:
 *     a0 += 1
 *     a2 += 2                 <- loop + 4
 *     if (a0 < a1) goto loop  <- loop + 8
 *   done:                     <- loop + 12
 *     finish(a0)
 * Returns loop's address.
 */
static uint64_t emit_loop(Asm *a)
{
    uint64_t loop;

    a32(a, ADDI(A0, X0, 0));
    a32(a, ADDI(A1, X0, 100));
    a32(a, ADDI(A2, X0, 0));
    loop = asm_pc(a);
    a32(a, ADDI(A0, A0, 1));
    a32(a, ADDI(A2, A2, 2));
    a32(a, BLT(A0, A1, -8));
    tm_asm_finish(a, A0);
    return loop;
}

static void test_breakpoint_stops(void)
{
    CPUState *cs = hart(0);
    uint64_t pc;
    Asm a;

    begin(&a);
    a32(&a, ADDI(A0, X0, 0));
    a32(&a, ADDI(A0, A0, 1));
    pc = asm_pc(&a);
    a32(&a, ADDI(A0, A0, 1));
    a32(&a, ADDI(A0, A0, 1));
    tm_asm_finish(&a, A0);
    tm_load(&a);

    cpu_breakpoint_insert(cs, pc, BP_GDB, NULL);
    g_assert_cmpint(run_from(0, CODE), ==, EXCP_DEBUG);
    g_assert_cmphex(env_of(0)->pc, ==, pc);
    g_assert_cmpuint(env_of(0)->gpr[A0], ==, 1);
    /* Everything before pc (4-byte insns) has retired, nothing after. */
    g_assert_cmpuint(cs->insn_count, ==, (pc - CODE) / 4);
    g_assert_false(tm_finished());

    /* Still there: running again stops again, without progress. */
    g_assert_cmpint(run(0), ==, EXCP_DEBUG);
    g_assert_cmphex(env_of(0)->pc, ==, pc);
    g_assert_cmpuint(cs->insn_count, ==, (pc - CODE) / 4);

    /* Removed: the code runs to its end. */
    g_assert_cmpint(cpu_breakpoint_remove(cs, pc, BP_GDB), ==, 0);
    g_assert_cmpint(cpu_breakpoint_remove(cs, pc, BP_GDB), ==, -ENOENT);
    run(0);
    g_assert_true(tm_finished());
    g_assert_cmpuint(tm.result, ==, 3);
}

/*
 * A breakpoint set in code that already ran, translated into a block
 * that chains to itself, still stops the hart: inserting it drops the
 * blocks that cover it.
 */
static void test_breakpoint_in_translated_code(void)
{
    CPUState *cs = hart(0);
    uint64_t loop, done;
    Asm a;

    begin(&a);
    loop = emit_loop(&a);
    done = loop + 12;
    tm_load(&a);

    cpu_breakpoint_insert(cs, done, BP_GDB, NULL);
    g_assert_cmpint(run_from(0, CODE), ==, EXCP_DEBUG);
    g_assert_cmphex(env_of(0)->pc, ==, done);
    g_assert_cmpuint(env_of(0)->gpr[A0], ==, 100);

    /* Again from the top, with a breakpoint inside the loop's block. */
    cpu_breakpoint_insert(cs, loop + 4, BP_GDB, NULL);
    g_assert_cmpint(run_from(0, CODE), ==, EXCP_DEBUG);
    g_assert_cmphex(env_of(0)->pc, ==, loop + 4);
    g_assert_cmpuint(env_of(0)->gpr[A0], ==, 1);
    g_assert_cmpuint(env_of(0)->gpr[A2], ==, 0);

    /* Gone again: the loop runs to the breakpoint after it. */
    g_assert_cmpint(cpu_breakpoint_remove(cs, loop + 4, BP_GDB), ==, 0);
    env_of(0)->gpr[A0] = 50;
    g_assert_cmpint(run(0), ==, EXCP_DEBUG);
    g_assert_cmphex(env_of(0)->pc, ==, done);
    g_assert_cmpuint(env_of(0)->gpr[A0], ==, 100);
    cpu_breakpoint_remove_all(cs, BP_ANY);
    g_assert_false(cpu_breakpoint_test(cs, done, BP_ANY));
}

/* Translated code is shared, breakpoints are not. */
static void test_breakpoint_per_hart(void)
{
    uint64_t loop;
    Asm a;

    begin(&a);
    loop = emit_loop(&a);
    tm_load(&a);

    cpu_breakpoint_insert(hart(1), loop + 4, BP_GDB, NULL);
    /* Hart 0 runs (and translates) the code with the check in it... */
    run_from(0, CODE);
    g_assert_true(tm_finished());
    g_assert_cmpuint(tm.result, ==, 100);
    /* ...which stops hart 1 only. */
    env_of(1)->mtvec = HANDLER;
    g_assert_cmpint(run_from(1, CODE), ==, EXCP_DEBUG);
    g_assert_cmphex(env_of(1)->pc, ==, loop + 4);
    g_assert_cmpuint(env_of(1)->gpr[A0], ==, 1);
    cpu_breakpoint_remove_all(hart(1), BP_GDB);
}

/*
 * Step hart 0 once: one instruction, then EXCP_DEBUG.  It retires,
 * unless it traps.
 */
static void step_retiring(int retired)
{
    uint64_t count = hart(0)->insn_count;

    g_assert_cmpint(run(0), ==, EXCP_DEBUG);
    g_assert_cmpuint(hart(0)->insn_count, ==, count + retired);
}

static void step(void)
{
    step_retiring(1);
}

static void test_single_step(void)
{
    CPUState *cs = hart(0);
    uint64_t loop, start, target;
    Asm a;

    begin(&a);
    start = asm_pc(&a);
    a32(&a, ADDI(A0, X0, 5));
    a32(&a, BEQ(X0, X0, 8));            /* taken: skips the next */
    a32(&a, ADDI(A0, X0, 99));
    target = asm_pc(&a);
    a16(&a, 0x0505);                    /* c.addi a0, 1 */
    a32(&a, JAL(RA, 8));
    a32(&a, ADDI(A0, X0, 98));
    a32(&a, ECALL());
    tm_load(&a);

    /* Run the mtvec setup, then step. */
    cpu_breakpoint_insert(cs, start, BP_GDB, NULL);
    g_assert_cmpint(run_from(0, CODE), ==, EXCP_DEBUG);
    cpu_single_step(cs, SSTEP_ENABLE | SSTEP_NOIRQ);
    /* A breakpoint where the step starts does not hold it. */
    step();
    g_assert_cmphex(env_of(0)->pc, ==, start + 4);
    g_assert_cmpuint(env_of(0)->gpr[A0], ==, 5);
    step();
    g_assert_cmphex(env_of(0)->pc, ==, target);
    step();
    g_assert_cmphex(env_of(0)->pc, ==, target + 2);
    g_assert_cmpuint(env_of(0)->gpr[A0], ==, 6);
    step();
    g_assert_cmphex(env_of(0)->pc, ==, target + 10);
    g_assert_cmphex(env_of(0)->gpr[RA], ==, target + 6);
    /* The ecall traps: the step ends on the handler's first insn. */
    step_retiring(0);
    g_assert_cmphex(env_of(0)->pc, ==, HANDLER);
    g_assert_cmpuint(env_of(0)->mcause, ==, RISCV_EXCP_M_ECALL);
    cpu_single_step(cs, 0);
    cpu_breakpoint_remove_all(cs, BP_GDB);
    run(0);
    g_assert_cmpuint(tm.result, ==, RISCV_EXCP_M_ECALL);

    /* Steps through a loop whose block chains to itself. */
    begin(&a);
    loop = emit_loop(&a);
    tm_load(&a);
    cpu_breakpoint_insert(cs, loop + 12, BP_GDB, NULL);
    g_assert_cmpint(run_from(0, CODE), ==, EXCP_DEBUG);
    env_of(0)->gpr[A0] = 0;
    env_of(0)->pc = loop;
    cpu_single_step(cs, SSTEP_ENABLE);
    for (int i = 0; i < 6; i++) {
        step();
        g_assert_cmphex(env_of(0)->pc, ==, loop + 4 * ((i + 1) % 3));
    }
    g_assert_cmpuint(env_of(0)->gpr[A0], ==, 2);
    cpu_single_step(cs, 0);
    cpu_breakpoint_remove_all(cs, BP_GDB);
}

/* A pending interrupt waits while stepping with SSTEP_NOIRQ. */
static void test_single_step_noirq(void)
{
    CPUState *cs = hart(0);
    uint64_t start;
    Asm a;

    begin(&a);
    asm_li(&a, T0, MIP_MSIP);
    a32(&a, CSRW(CSR_MIE, T0));
    a32(&a, CSRRSI(X0, CSR_MSTATUS, MSTATUS_MIE));
    start = asm_pc(&a);
    a32(&a, ADDI(A0, X0, 1));
    a32(&a, ADDI(A0, X0, 2));
    tm_asm_finish(&a, A0);
    tm_load(&a);

    cpu_breakpoint_insert(cs, start, BP_GDB, NULL);
    g_assert_cmpint(run_from(0, CODE), ==, EXCP_DEBUG);
    cpu_breakpoint_remove_all(cs, BP_GDB);
    qemu_mutex_lock_iothread();
    qemu_set_irq(riscv_cpu_irq(tm.cpu[0], IRQ_M_SOFT), 1);
    qemu_mutex_unlock_iothread();

    cpu_single_step(cs, SSTEP_ENABLE | SSTEP_NOIRQ);
    step();
    g_assert_cmphex(env_of(0)->pc, ==, start + 4);
    /* Without NOIRQ the interrupt is taken, and the step ends there. */
    cpu_single_step(cs, SSTEP_ENABLE);
    step_retiring(0);
    g_assert_cmphex(env_of(0)->pc, ==, HANDLER);
    cpu_single_step(cs, 0);
    run(0);
    g_assert_cmphex(tm.result, ==, (1ULL << 63) | IRQ_M_SOFT);
    qemu_mutex_lock_iothread();
    qemu_set_irq(riscv_cpu_irq(tm.cpu[0], IRQ_M_SOFT), 0);
    qemu_mutex_unlock_iothread();
}

/* Stepping over WFI does not put the hart to sleep. */
static void test_single_step_wfi(void)
{
    CPUState *cs = hart(0);
    uint64_t start;
    Asm a;

    begin(&a);
    start = asm_pc(&a);
    a32(&a, WFI());
    a32(&a, ADDI(A0, X0, 7));
    tm_asm_finish(&a, A0);
    tm_load(&a);

    cpu_breakpoint_insert(cs, start, BP_GDB, NULL);
    g_assert_cmpint(run_from(0, CODE), ==, EXCP_DEBUG);
    cpu_breakpoint_remove_all(cs, BP_GDB);
    cpu_single_step(cs, SSTEP_ENABLE | SSTEP_NOIRQ);
    step();
    g_assert_cmphex(env_of(0)->pc, ==, start + 4);
    g_assert_false(cs->halted);

    /* A hart already asleep in WFI steps on too. */
    env_of(0)->pc = start;
    cpu_single_step(cs, 0);
    g_assert_cmpint(run(0), ==, EXCP_HLT);
    g_assert_true(cs->halted);
    cpu_single_step(cs, SSTEP_ENABLE | SSTEP_NOIRQ);
    step();
    g_assert_false(cs->halted);
    g_assert_cmphex(env_of(0)->pc, ==, start + 8);
    g_assert_cmpuint(env_of(0)->gpr[A0], ==, 7);
    cpu_single_step(cs, 0);
}

/*
 * Stop hart 0 at start (the code before it ran, filling the TLB), with
 * nothing left behind by earlier tests.
 */
static void run_to(uint64_t start)
{
    cpu_breakpoint_insert(hart(0), start, BP_GDB, NULL);
    g_assert_cmpint(run_from(0, CODE), ==, EXCP_DEBUG);
    g_assert_cmphex(env_of(0)->pc, ==, start);
    cpu_breakpoint_remove_all(hart(0), BP_GDB);
}

/* Let hart 0 go on after a stop, as the debugger does. */
static void resume(void)
{
    qemu_mutex_lock_iothread();
    cpu_resume(hart(0));
    qemu_mutex_unlock_iothread();
}

static void test_watchpoint_write(void)
{
    CPUState *cs = hart(0);
    CPUWatchpoint *wp;
    uint64_t start, store, store2;
    Asm a;

    begin(&a);
    asm_li(&a, T1, DATA);
    asm_li(&a, A0, 5);
    /* Fill the TLB for the page before the watchpoint exists. */
    a32(&a, SD(X0, T1, 0x100));
    start = asm_pc(&a);
    a32(&a, LD(A1, T1, 0));             /* a load: no write watch */
    a32(&a, SD(A0, T1, 16));            /* beside it: no hit */
    store = asm_pc(&a);
    a32(&a, SW(A0, T1, 4));             /* overlaps its end */
    a32(&a, ADDI(A0, A0, 1));
    store2 = asm_pc(&a);
    a32(&a, SD(A0, T1, 0));
    a32(&a, ADDI(A0, A0, 1));
    tm_asm_finish(&a, A0);
    tm_load(&a);
    tm_write64(DATA, 0);
    run_to(start);

    g_assert_cmpint(cpu_watchpoint_insert(cs, DATA, 8, BP_GDB | BP_MEM_WRITE,
                                          &wp), ==, 0);
    g_assert_cmpint(run(0), ==, EXCP_DEBUG);
    /* It stops after the store, which happened. */
    g_assert_cmphex(env_of(0)->pc, ==, store + 4);
    g_assert_cmphex(tm_read64(DATA), ==, 5ULL << 32);
    g_assert_true(cs->watchpoint_hit == wp);
    g_assert_cmphex(wp->hitaddr, ==, DATA + 4);
    g_assert_cmphex(wp->flags & BP_WATCHPOINT_HIT, ==,
                    BP_WATCHPOINT_HIT_WRITE);
    g_assert_cmpuint(cs->insn_count, ==, (store + 4 - CODE) / 4);

    resume();
    g_assert_null(cs->watchpoint_hit);
    g_assert_cmpint(run(0), ==, EXCP_DEBUG);
    g_assert_cmphex(env_of(0)->pc, ==, store2 + 4);
    g_assert_cmphex(tm_read64(DATA), ==, 6);
    g_assert_cmphex(wp->hitaddr, ==, DATA);

    /* Removed: nothing stops the rest. */
    resume();
    g_assert_cmpint(cpu_watchpoint_remove(cs, DATA, 8, BP_GDB | BP_MEM_WRITE),
                    ==, 0);
    run(0);
    g_assert_true(tm_finished());
    g_assert_cmpuint(tm.result, ==, 7);
}

static void test_watchpoint_read_access(void)
{
    CPUState *cs = hart(0);
    CPUWatchpoint *wp;
    uint64_t start, load, store;
    Asm a;

    begin(&a);
    asm_li(&a, T1, DATA);
    a32(&a, SD(X0, T1, 0x100));
    start = asm_pc(&a);
    a32(&a, SD(X0, T1, 8));             /* a store: no read watch */
    load = asm_pc(&a);
    a32(&a, LBU(A0, T1, 9));
    store = asm_pc(&a);
    a32(&a, SB(A0, T1, 10));
    tm_asm_finish(&a, A0);
    tm_load(&a);
    tm_write64(DATA + 8, 0x00000000002a0000ULL);
    run_to(start);
    tm_write64(DATA + 8, 0x0000000000002a00ULL);

    cpu_watchpoint_insert(cs, DATA + 9, 1, BP_GDB | BP_MEM_READ, &wp);
    g_assert_cmpint(run(0), ==, EXCP_DEBUG);
    /* The store ran, and the load with it, whose value is there. */
    g_assert_cmphex(env_of(0)->pc, ==, load + 4);
    g_assert_cmpuint(env_of(0)->gpr[A0], ==, 0);
    g_assert_cmphex(wp->flags & BP_WATCHPOINT_HIT, ==,
                    BP_WATCHPOINT_HIT_READ);
    cpu_watchpoint_remove_by_ref(cs, wp);
    g_assert_null(cs->watchpoint_hit);

    /* An access watchpoint sees the store too. */
    cpu_watchpoint_insert(cs, DATA + 9, 2, BP_GDB | BP_MEM_ACCESS, &wp);
    g_assert_cmpint(run(0), ==, EXCP_DEBUG);
    g_assert_cmphex(env_of(0)->pc, ==, store + 4);
    g_assert_cmphex(wp->hitaddr, ==, DATA + 10);
    g_assert_cmphex(wp->flags & BP_WATCHPOINT_HIT, ==,
                    BP_WATCHPOINT_HIT_WRITE);
    resume();
    cpu_watchpoint_remove_all(cs, BP_GDB);
    run(0);
    g_assert_true(tm_finished());
}

/* A store split over two pages stops once, having written every byte. */
static void test_watchpoint_split_and_amo(void)
{
    CPUState *cs = hart(0);
    uint64_t page2 = DATA + TARGET_PAGE_SIZE, start, store, amo;
    Asm a;

    begin(&a);
    asm_li(&a, T1, page2);
    asm_li(&a, A0, -1);
    a32(&a, SD(X0, T1, 0));
    a32(&a, SD(X0, T1, -8));
    start = asm_pc(&a);
    store = asm_pc(&a);
    a32(&a, SD(A0, T1, -4));
    amo = asm_pc(&a);
    a32(&a, AMO(0x00, 3, A1, T1, A0));  /* amoadd.d a1, a0, (t1) */
    tm_asm_finish(&a, A1);
    tm_load(&a);
    run_to(start);

    cpu_watchpoint_insert(cs, page2 + 2, 1, BP_GDB | BP_MEM_WRITE, NULL);
    g_assert_cmpint(run(0), ==, EXCP_DEBUG);
    g_assert_cmphex(env_of(0)->pc, ==, store + 4);
    g_assert_cmphex(tm_read64(page2 - 8), ==, 0xffffffff00000000ULL);
    g_assert_cmphex(tm_read64(page2), ==, 0x00000000ffffffffULL);
    cpu_watchpoint_remove_all(cs, BP_GDB);
    resume();

    /* An AMO is a load for a read watchpoint, and done once. */
    cpu_watchpoint_insert(cs, page2, 8, BP_GDB | BP_MEM_READ, NULL);
    g_assert_cmpint(run(0), ==, EXCP_DEBUG);
    g_assert_cmphex(env_of(0)->pc, ==, amo + 4);
    g_assert_cmphex(env_of(0)->gpr[A1], ==, 0x00000000ffffffffULL);
    g_assert_cmphex(tm_read64(page2), ==, 0x00000000fffffffeULL);
    cpu_watchpoint_remove_all(cs, BP_GDB);
    resume();
}

/* Bad ranges are refused. */
static void test_watchpoint_bad_range(void)
{
    g_assert_cmpint(cpu_watchpoint_insert(hart(0), DATA, 0,
                                          BP_GDB | BP_MEM_READ, NULL),
                    ==, -EINVAL);
    g_assert_cmpint(cpu_watchpoint_insert(hart(0), -4ULL, 8,
                                          BP_GDB | BP_MEM_READ, NULL),
                    ==, -EINVAL);
    g_assert_cmpint(cpu_watchpoint_insert(hart(0), -4ULL, 4,
                                          BP_GDB | BP_MEM_READ, NULL),
                    ==, 0);
    g_assert_cmpint(cpu_watchpoint_remove(hart(0), -4ULL, 4, BP_GDB),
                    ==, -ENOENT);
    cpu_watchpoint_remove_all(hart(0), BP_ANY);
    g_assert_true(QTAILQ_EMPTY(&hart(0)->watchpoints));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    tm_init(2);

    g_test_add_func("/tcg/debug/breakpoint/stops", test_breakpoint_stops);
    g_test_add_func("/tcg/debug/breakpoint/translated-code",
                    test_breakpoint_in_translated_code);
    g_test_add_func("/tcg/debug/breakpoint/per-hart",
                    test_breakpoint_per_hart);
    g_test_add_func("/tcg/debug/single-step/insns", test_single_step);
    g_test_add_func("/tcg/debug/single-step/noirq", test_single_step_noirq);
    g_test_add_func("/tcg/debug/single-step/wfi", test_single_step_wfi);
    g_test_add_func("/tcg/debug/watchpoint/write", test_watchpoint_write);
    g_test_add_func("/tcg/debug/watchpoint/read-access",
                    test_watchpoint_read_access);
    g_test_add_func("/tcg/debug/watchpoint/split-and-amo",
                    test_watchpoint_split_and_amo);
    g_test_add_func("/tcg/debug/watchpoint/bad-range",
                    test_watchpoint_bad_range);
    return g_test_run();
}
