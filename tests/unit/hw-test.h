/*
 * Helpers for the device tests (test-hw-*.c): guest-style accesses through
 * the system address space, interrupt lines that record their level, and
 * running the main loop until something happens.
 *
 * The tests run on the main thread holding the BQL, as the emulator's
 * main loop does; devices are created once per program on the system
 * memory map and put back into their power-on state with
 * qemu_devices_reset() before each test, so every test also checks that
 * reset really restores that state.
 */
#ifndef TESTS_UNIT_HW_TEST_H
#define TESTS_UNIT_HW_TEST_H

#include "exec/memory.h"
#include "hw/irq.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"

/*
 * One access of size bytes at addr, as a vCPU load or store makes it:
 * found in the system address space and dispatched whole to the region
 * (address_space_read would split it into aligned pieces).
 */
static inline MemTxResult hwt_access(hwaddr addr, uint64_t *val,
                                     unsigned size, bool is_write)
{
    hwaddr xlat, len = size;
    MemoryRegion *mr = address_space_translate(&address_space_memory, addr,
                                               &xlat, &len, is_write,
                                               MEMTXATTRS_UNSPECIFIED);

    g_assert_nonnull(mr);
    g_assert_cmpuint(len, ==, size);
    if (is_write) {
        return memory_region_dispatch_write(mr, xlat, *val, size_memop(size),
                                            MEMTXATTRS_UNSPECIFIED);
    }
    return memory_region_dispatch_read(mr, xlat, val, size_memop(size),
                                       MEMTXATTRS_UNSPECIFIED);
}

/* An access the device must accept. */
static inline uint64_t hwt_read(hwaddr addr, unsigned size)
{
    uint64_t val = 0;

    g_assert_cmpuint(hwt_access(addr, &val, size, false), ==, MEMTX_OK);
    return val;
}

static inline void hwt_write(hwaddr addr, uint64_t val, unsigned size)
{
    g_assert_cmpuint(hwt_access(addr, &val, size, true), ==, MEMTX_OK);
}

static inline uint32_t hwt_rd32(hwaddr addr)
{
    return hwt_read(addr, 4);
}

static inline void hwt_wr32(hwaddr addr, uint32_t val)
{
    hwt_write(addr, val, 4);
}

static inline uint8_t hwt_rd8(hwaddr addr)
{
    return hwt_read(addr, 1);
}

static inline void hwt_wr8(hwaddr addr, uint8_t val)
{
    hwt_write(addr, val, 1);
}

/* The bus result of an access, for accesses the device must refuse. */
static inline MemTxResult hwt_try_read(hwaddr addr, unsigned size)
{
    uint64_t val;

    return hwt_access(addr, &val, size, false);
}

static inline MemTxResult hwt_try_write(hwaddr addr, uint64_t val,
                                        unsigned size)
{
    return hwt_access(addr, &val, size, true);
}

/*
 * A guest poking at random: rounds accesses of random sizes (1 to 8
 * bytes, naturally aligned) and values at random offsets of [base, base
 * + size).  Whatever the device refuses or ignores, it must not crash;
 * the caller then checks that a reset brings it back.
 */
static inline void hwt_random_accesses(hwaddr base, hwaddr size, int rounds)
{
    for (int i = 0; i < rounds; i++) {
        unsigned len = 1u << g_test_rand_int_range(0, 4);
        hwaddr addr = base + (g_test_rand_int_range(0, size) & ~(len - 1));
        uint64_t val = ((uint64_t)g_test_rand_int() << 32) |
                       g_test_rand_int();

        if (g_test_rand_bit()) {
            /* Small values hit more of the interesting cases. */
            val &= 0xff;
        }
        if (g_test_rand_bit()) {
            hwt_access(addr, &val, len, true);
        } else {
            hwt_access(addr, &val, len, false);
        }
    }
}

/*
 * n interrupt lines whose last level lands in levels[i], and how many
 * times each was driven in changes[i] (only level changes count).
 */
typedef struct HwtIrqs {
    int n;
    int *levels;
    int *changes;
    qemu_irq *lines;
} HwtIrqs;

static inline void hwt_irq_handler(void *opaque, int n, int level)
{
    HwtIrqs *irqs = opaque;

    if (irqs->levels[n] != level) {
        irqs->changes[n]++;
    }
    irqs->levels[n] = level;
}

static inline HwtIrqs *hwt_irqs_new(int n)
{
    HwtIrqs *irqs = g_new0(HwtIrqs, 1);

    irqs->n = n;
    irqs->levels = g_new0(int, n);
    irqs->changes = g_new0(int, n);
    irqs->lines = qemu_allocate_irqs(hwt_irq_handler, irqs, n);
    return irqs;
}

/*
 * Run the main loop until cond(opaque) holds, for at most limit_ms of real
 * time (a generous bound that turns a hang into a failure, not a timing
 * assertion).  Returns whether cond held.
 */
static inline bool hwt_run_until(bool (*cond)(void *opaque), void *opaque,
                                 int64_t limit_ms)
{
    int64_t deadline = qemu_clock_get_ms(QEMU_CLOCK_REALTIME) + limit_ms;

    while (!cond(opaque)) {
        if (qemu_clock_get_ms(QEMU_CLOCK_REALTIME) > deadline) {
            return false;
        }
        main_loop_wait(false);
    }
    return true;
}

/* hwt_run_until condition: *(int *)opaque is non-zero. */
static inline bool hwt_int_set(void *opaque)
{
    return *(int *)opaque != 0;
}

#endif /* TESTS_UNIT_HW_TEST_H */
