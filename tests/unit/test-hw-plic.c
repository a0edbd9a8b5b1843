/*
 * SiFive PLIC: priorities, claim order, level gateways, thresholds,
 * contexts, completion rules, bad accesses and reset.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "hw/intc/sifive_plic.h"
#include "sysemu/reset.h"
#include "hw-test.h"
#include "vmstate-test.h"

#define PLIC_BASE       0x0c000000
#define NUM_SOURCES     96
#define NUM_CONTEXTS    4       /* two harts, M and S each */

static SiFivePLICState *plic;
static HwtIrqs *ctx_irqs;

static hwaddr prio_reg(unsigned src)
{
    return PLIC_BASE + 4 * src;
}

static hwaddr pending_reg(unsigned word)
{
    return PLIC_BASE + 0x1000 + 4 * word;
}

static hwaddr enable_reg(unsigned ctx, unsigned word)
{
    return PLIC_BASE + 0x2000 + 0x80 * ctx + 4 * word;
}

static hwaddr threshold_reg(unsigned ctx)
{
    return PLIC_BASE + 0x200000 + 0x1000 * ctx;
}

static hwaddr claim_reg(unsigned ctx)
{
    return threshold_reg(ctx) + 4;
}

static void set_source(unsigned src, int level)
{
    qemu_set_irq(sifive_plic_get_source(plic, src), level);
}

static void enable_source(unsigned ctx, unsigned src)
{
    hwaddr reg = enable_reg(ctx, src / 32);

    hwt_wr32(reg, hwt_rd32(reg) | (1u << (src % 32)));
}

static void disable_source(unsigned ctx, unsigned src)
{
    hwaddr reg = enable_reg(ctx, src / 32);

    hwt_wr32(reg, hwt_rd32(reg) & ~(1u << (src % 32)));
}

static bool is_pending(unsigned src)
{
    return hwt_rd32(pending_reg(src / 32)) & (1u << (src % 32));
}

/* Every test starts from a freshly reset PLIC with all lines low. */
static void plic_setup(void)
{
    for (unsigned src = 1; src <= NUM_SOURCES; src++) {
        set_source(src, 0);
    }
    qemu_devices_reset();
}

static void test_reset_state(void)
{
    plic_setup();
    for (unsigned src = 0; src <= NUM_SOURCES; src++) {
        g_assert_cmpuint(hwt_rd32(prio_reg(src)), ==, 0);
    }
    for (unsigned ctx = 0; ctx < NUM_CONTEXTS; ctx++) {
        for (unsigned w = 0; w < 4; w++) {
            g_assert_cmpuint(hwt_rd32(enable_reg(ctx, w)), ==, 0);
        }
        g_assert_cmpuint(hwt_rd32(threshold_reg(ctx)), ==, 0);
        g_assert_cmpuint(hwt_rd32(claim_reg(ctx)), ==, 0);
        g_assert_cmpint(ctx_irqs->levels[ctx], ==, 0);
    }
    for (unsigned w = 0; w < 4; w++) {
        g_assert_cmpuint(hwt_rd32(pending_reg(w)), ==, 0);
    }
}

static void test_priority_register(void)
{
    plic_setup();
    /* Three bits of priority; source 0 does not exist. */
    hwt_wr32(prio_reg(5), 0xffffffff);
    g_assert_cmpuint(hwt_rd32(prio_reg(5)), ==, 7);
    hwt_wr32(prio_reg(5), 3);
    g_assert_cmpuint(hwt_rd32(prio_reg(5)), ==, 3);
    hwt_wr32(prio_reg(0), 5);
    g_assert_cmpuint(hwt_rd32(prio_reg(0)), ==, 0);
    /* riscv,ndev = 96: source 96 is real. */
    hwt_wr32(prio_reg(NUM_SOURCES), 2);
    g_assert_cmpuint(hwt_rd32(prio_reg(NUM_SOURCES)), ==, 2);
}

static void test_claim_order(void)
{
    const unsigned ctx = 1;     /* hart 0, S mode */

    plic_setup();
    hwt_wr32(prio_reg(5), 1);
    hwt_wr32(prio_reg(10), 3);
    hwt_wr32(prio_reg(7), 3);
    hwt_wr32(prio_reg(40), 2);
    for (unsigned src = 1; src <= NUM_SOURCES; src++) {
        enable_source(ctx, src);
    }
    g_assert_cmpint(ctx_irqs->levels[ctx], ==, 0);

    set_source(10, 1);
    set_source(5, 1);
    set_source(40, 1);
    set_source(7, 1);
    g_assert_true(is_pending(5) && is_pending(7) && is_pending(10) &&
                  is_pending(40));
    g_assert_cmpint(ctx_irqs->levels[ctx], ==, 1);
    /* Only this context enabled them. */
    g_assert_cmpint(ctx_irqs->levels[0], ==, 0);
    g_assert_cmpint(ctx_irqs->levels[2], ==, 0);
    g_assert_cmpint(ctx_irqs->levels[3], ==, 0);

    /* Highest priority first, lowest ID among equals; claim clears the
     * pending bit. */
    g_assert_cmpuint(hwt_rd32(claim_reg(ctx)), ==, 7);
    g_assert_false(is_pending(7));
    g_assert_cmpuint(hwt_rd32(claim_reg(ctx)), ==, 10);
    g_assert_cmpuint(hwt_rd32(claim_reg(ctx)), ==, 40);
    g_assert_cmpint(ctx_irqs->levels[ctx], ==, 1);
    g_assert_cmpuint(hwt_rd32(claim_reg(ctx)), ==, 5);
    g_assert_cmpint(ctx_irqs->levels[ctx], ==, 0);
    g_assert_cmpuint(hwt_rd32(claim_reg(ctx)), ==, 0);
}

static void test_level_repend(void)
{
    const unsigned ctx = 0;

    plic_setup();
    hwt_wr32(prio_reg(10), 1);
    enable_source(ctx, 10);
    set_source(10, 1);
    g_assert_cmpint(ctx_irqs->levels[ctx], ==, 1);

    g_assert_cmpuint(hwt_rd32(claim_reg(ctx)), ==, 10);
    g_assert_false(is_pending(10));
    g_assert_cmpint(ctx_irqs->levels[ctx], ==, 0);
    /* In service: the still-high line does not re-pend it yet. */
    set_source(10, 1);
    g_assert_false(is_pending(10));
    g_assert_cmpuint(hwt_rd32(claim_reg(ctx)), ==, 0);

    /* Completed with the line still high: pending again. */
    hwt_wr32(claim_reg(ctx), 10);
    g_assert_true(is_pending(10));
    g_assert_cmpint(ctx_irqs->levels[ctx], ==, 1);
    g_assert_cmpuint(hwt_rd32(claim_reg(ctx)), ==, 10);

    /* The device is serviced before completion: no new interrupt. */
    set_source(10, 0);
    hwt_wr32(claim_reg(ctx), 10);
    g_assert_false(is_pending(10));
    g_assert_cmpint(ctx_irqs->levels[ctx], ==, 0);
    g_assert_cmpuint(hwt_rd32(claim_reg(ctx)), ==, 0);
}

static void test_line_drops_before_claim(void)
{
    plic_setup();
    hwt_wr32(prio_reg(3), 1);
    enable_source(1, 3);
    set_source(3, 1);
    g_assert_true(is_pending(3));
    g_assert_cmpint(ctx_irqs->levels[1], ==, 1);
    set_source(3, 0);
    g_assert_false(is_pending(3));
    g_assert_cmpint(ctx_irqs->levels[1], ==, 0);
    g_assert_cmpuint(hwt_rd32(claim_reg(1)), ==, 0);
}

static void test_threshold(void)
{
    const unsigned ctx = 3;     /* hart 1, S mode */

    plic_setup();
    hwt_wr32(prio_reg(20), 3);
    enable_source(ctx, 20);
    hwt_wr32(threshold_reg(ctx), 3);
    g_assert_cmpuint(hwt_rd32(threshold_reg(ctx)), ==, 3);
    set_source(20, 1);
    g_assert_true(is_pending(20));
    /* Priority must exceed the threshold, to interrupt or be claimed. */
    g_assert_cmpint(ctx_irqs->levels[ctx], ==, 0);
    g_assert_cmpuint(hwt_rd32(claim_reg(ctx)), ==, 0);
    g_assert_true(is_pending(20));

    hwt_wr32(threshold_reg(ctx), 2);
    g_assert_cmpint(ctx_irqs->levels[ctx], ==, 1);
    hwt_wr32(threshold_reg(ctx), 7);
    g_assert_cmpint(ctx_irqs->levels[ctx], ==, 0);
    hwt_wr32(threshold_reg(ctx), 0xffffffff);
    g_assert_cmpuint(hwt_rd32(threshold_reg(ctx)), ==, 7);

    /* Priority 0 never interrupts, even with threshold 0. */
    hwt_wr32(threshold_reg(ctx), 0);
    g_assert_cmpint(ctx_irqs->levels[ctx], ==, 1);
    hwt_wr32(prio_reg(20), 0);
    g_assert_cmpint(ctx_irqs->levels[ctx], ==, 0);
    g_assert_cmpuint(hwt_rd32(claim_reg(ctx)), ==, 0);
}

static void test_complete_needs_enable(void)
{
    const unsigned ctx = 1;

    plic_setup();
    hwt_wr32(prio_reg(33), 1);
    enable_source(ctx, 33);
    set_source(33, 1);
    g_assert_cmpuint(hwt_rd32(claim_reg(ctx)), ==, 33);

    /* Completing a source the context has disabled is ignored... */
    disable_source(ctx, 33);
    hwt_wr32(claim_reg(ctx), 33);
    enable_source(ctx, 33);
    g_assert_false(is_pending(33));
    g_assert_cmpuint(hwt_rd32(claim_reg(ctx)), ==, 0);
    /* ...so Linux re-enables it to complete. */
    hwt_wr32(claim_reg(ctx), 33);
    g_assert_true(is_pending(33));
    g_assert_cmpuint(hwt_rd32(claim_reg(ctx)), ==, 33);

    /* Bogus completions change nothing. */
    hwt_wr32(claim_reg(ctx), 0);
    hwt_wr32(claim_reg(ctx), NUM_SOURCES + 1);
    hwt_wr32(claim_reg(ctx), 0xffffffff);
    hwt_wr32(claim_reg(ctx), 34);
    g_assert_false(is_pending(33));
    g_assert_cmpuint(hwt_rd32(claim_reg(ctx)), ==, 0);
}

static void test_shared_source(void)
{
    plic_setup();
    hwt_wr32(prio_reg(8), 1);
    enable_source(0, 8);
    enable_source(3, 8);
    set_source(8, 1);
    g_assert_cmpint(ctx_irqs->levels[0], ==, 1);
    g_assert_cmpint(ctx_irqs->levels[3], ==, 1);
    g_assert_cmpint(ctx_irqs->levels[1], ==, 0);
    /* One context claims it: the other loses it too. */
    g_assert_cmpuint(hwt_rd32(claim_reg(3)), ==, 8);
    g_assert_cmpint(ctx_irqs->levels[0], ==, 0);
    g_assert_cmpuint(hwt_rd32(claim_reg(0)), ==, 0);
    hwt_wr32(claim_reg(3), 8);
    g_assert_cmpint(ctx_irqs->levels[0], ==, 1);
}

static void test_enable_bits(void)
{
    plic_setup();
    /* ID 0 is hard-wired off; IDs above 96 do not exist. */
    hwt_wr32(enable_reg(2, 0), 0xffffffff);
    g_assert_cmpuint(hwt_rd32(enable_reg(2, 0)), ==, 0xfffffffe);
    hwt_wr32(enable_reg(2, 3), 0xffffffff);
    g_assert_cmpuint(hwt_rd32(enable_reg(2, 3)), ==, 0x1);
    /* Other contexts are unaffected. */
    g_assert_cmpuint(hwt_rd32(enable_reg(1, 0)), ==, 0);
    g_assert_cmpuint(hwt_rd32(enable_reg(3, 3)), ==, 0);
}

static void test_bad_accesses(void)
{
    plic_setup();
    hwt_wr32(prio_reg(4), 2);
    /* Registers are 32-bit only. */
    g_assert_cmpuint(hwt_try_read(prio_reg(4), 1), !=, MEMTX_OK);
    g_assert_cmpuint(hwt_try_write(prio_reg(4), 1, 2), !=, MEMTX_OK);
    g_assert_cmpuint(hwt_try_read(prio_reg(4), 8), !=, MEMTX_OK);
    g_assert_cmpuint(hwt_rd32(prio_reg(4)), ==, 2);

    /* Pending is read-only. */
    hwt_wr32(pending_reg(0), 0xffffffff);
    g_assert_cmpuint(hwt_rd32(pending_reg(0)), ==, 0);

    /* Holes and non-existent contexts read 0 and ignore writes. */
    hwt_wr32(prio_reg(NUM_SOURCES + 1), 5);
    g_assert_cmpuint(hwt_rd32(prio_reg(NUM_SOURCES + 1)), ==, 0);
    g_assert_cmpuint(hwt_rd32(pending_reg(4)), ==, 0);
    hwt_wr32(enable_reg(NUM_CONTEXTS, 0), 0xffffffff);
    g_assert_cmpuint(hwt_rd32(enable_reg(NUM_CONTEXTS, 0)), ==, 0);
    hwt_wr32(threshold_reg(NUM_CONTEXTS), 1);
    g_assert_cmpuint(hwt_rd32(threshold_reg(NUM_CONTEXTS)), ==, 0);
    g_assert_cmpuint(hwt_rd32(claim_reg(NUM_CONTEXTS)), ==, 0);
    g_assert_cmpuint(hwt_rd32(threshold_reg(0) + 8), ==, 0);
    g_assert_cmpuint(hwt_rd32(PLIC_BASE + 0x5ffffc), ==, 0);
}

static void test_reset(void)
{
    plic_setup();
    hwt_wr32(prio_reg(11), 4);
    enable_source(1, 11);
    enable_source(1, 12);
    hwt_wr32(prio_reg(12), 4);
    hwt_wr32(threshold_reg(1), 1);
    set_source(11, 1);
    set_source(12, 1);
    g_assert_cmpuint(hwt_rd32(claim_reg(1)), ==, 11);
    g_assert_cmpint(ctx_irqs->levels[1], ==, 1);

    qemu_devices_reset();
    g_assert_cmpuint(hwt_rd32(prio_reg(11)), ==, 0);
    g_assert_cmpuint(hwt_rd32(enable_reg(1, 0)), ==, 0);
    g_assert_cmpuint(hwt_rd32(threshold_reg(1)), ==, 0);
    g_assert_cmpint(ctx_irqs->levels[1], ==, 0);
    /* Nothing is in service any more; lines still high are pending. */
    g_assert_true(is_pending(11));
    g_assert_true(is_pending(12));
    hwt_wr32(prio_reg(11), 1);
    enable_source(1, 11);
    g_assert_cmpuint(hwt_rd32(claim_reg(1)), ==, 11);
}

static void test_random_accesses(void)
{
    int rounds = g_test_quick() ? 5000 : 200000;

    plic_setup();
    set_source(3, 1);
    set_source(50, 1);
    /* Where the registers are, then anywhere. */
    hwt_random_accesses(PLIC_BASE, 0x200, rounds);
    hwt_random_accesses(PLIC_BASE + 0x1000, 0x10, rounds);
    hwt_random_accesses(PLIC_BASE + 0x2000, 0x200, rounds);
    hwt_random_accesses(PLIC_BASE + 0x200000, 0x4000, rounds);
    hwt_random_accesses(PLIC_BASE, SIFIVE_PLIC_SIZE, rounds);
    set_source(3, 0);
    set_source(50, 0);
    test_reset_state();
}

static void reset_all(void *opaque)
{
    qemu_devices_reset();
}

/*
 * Migration: priorities, enables, thresholds, the gateways' state (a
 * source in service stays claimed, a pending one pends) and the outputs.
 */
static void test_vmstate(void)
{
    g_autoptr(GByteArray) buf = NULL;

    qemu_devices_reset();
    hwt_wr32(prio_reg(5), 3);
    hwt_wr32(prio_reg(40), 6);
    hwt_wr32(prio_reg(41), 1);
    enable_source(1, 5);
    enable_source(1, 40);
    enable_source(3, 41);
    hwt_wr32(threshold_reg(3), 2);
    set_source(5, 1);
    set_source(40, 1);
    set_source(41, 1);
    /* Context 1 claims 40; 5 still pends for it; 41 is below context
     * 3's threshold. */
    g_assert_cmpuint(hwt_rd32(claim_reg(1)), ==, 40);
    g_assert_cmpint(ctx_irqs->levels[1], ==, 1);
    g_assert_cmpint(ctx_irqs->levels[3], ==, 0);

    buf = vmt_round_trip("riscv.sifive.plic", 0, reset_all, NULL);
    g_assert_cmpint(ctx_irqs->levels[1], ==, 1);
    g_assert_cmpint(ctx_irqs->levels[3], ==, 0);
    g_assert_cmpuint(hwt_rd32(threshold_reg(3)), ==, 2);
    g_assert_cmpuint(hwt_rd32(claim_reg(1)), ==, 5);
    /* 40 is still in service: completing it re-pends it (line high). */
    hwt_wr32(claim_reg(1), 40);
    g_assert_cmpuint(hwt_rd32(claim_reg(1)), ==, 40);
    set_source(5, 0);
    set_source(40, 0);
    set_source(41, 0);

    /* Bounds: a priority above 7, bits for sources that do not exist. */
    plic->source_priority[7] = 8;
    {
        g_autoptr(GByteArray) bad = vmt_save("riscv.sifive.plic", 0);

        plic->source_priority[7] = 0;
        vmt_assert_refused(bad, "field source_priority[7] = 8 is outside "
                           "[0, 7]");
    }
    plic->pending[3] = 1u << 31;    /* ID 127 > 96 */
    {
        g_autoptr(GByteArray) bad = vmt_save("riscv.sifive.plic", 0);

        plic->pending[3] = 0;
        vmt_assert_refused(bad, "names sources that do not exist");
    }
    qemu_devices_reset();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qemu_init_main_loop(&error_abort);
    qemu_mutex_lock_iothread();

    ctx_irqs = hwt_irqs_new(NUM_CONTEXTS);
    plic = sifive_plic_create(get_system_memory(), PLIC_BASE, NUM_SOURCES,
                              NUM_CONTEXTS, ctx_irqs->lines);

    g_test_add_func("/plic/reset-state", test_reset_state);
    g_test_add_func("/plic/priority-register", test_priority_register);
    g_test_add_func("/plic/claim-order", test_claim_order);
    g_test_add_func("/plic/level-repend", test_level_repend);
    g_test_add_func("/plic/line-drops-before-claim",
                    test_line_drops_before_claim);
    g_test_add_func("/plic/threshold", test_threshold);
    g_test_add_func("/plic/complete-needs-enable",
                    test_complete_needs_enable);
    g_test_add_func("/plic/shared-source", test_shared_source);
    g_test_add_func("/plic/enable-bits", test_enable_bits);
    g_test_add_func("/plic/bad-accesses", test_bad_accesses);
    g_test_add_func("/plic/reset", test_reset);
    g_test_add_func("/plic/random-accesses", test_random_accesses);
    g_test_add_func("/plic/vmstate", test_vmstate);
    return g_test_run();
}
