/*
 * Bitmaps: range operations at word boundaries, counting, atomics.
 */
#include "qemu/osdep.h"
#include "qemu/bitmap.h"
#include "qemu/thread.h"

#define NBITS (3 * BITS_PER_LONG + 17)

/* Compare a range operation against setting bits one at a time. */
static void test_set_clear_ranges(void)
{
    unsigned long *map = bitmap_new(NBITS), *ref = bitmap_new(NBITS);

    for (long start = 0; start < NBITS; start += 7) {
        for (long nr = 0; start + nr <= NBITS; nr += 13) {
            bitmap_zero(map, NBITS);
            bitmap_zero(ref, NBITS);
            bitmap_set(map, start, nr);
            for (long i = start; i < start + nr; i++) {
                set_bit(i, ref);
            }
            g_assert_true(bitmap_equal(map, ref, NBITS));
            g_assert_cmpint(bitmap_count_one(map, NBITS), ==, nr);

            bitmap_fill(map, NBITS);
            bitmap_clear(map, start, nr);
            bitmap_complement(ref, ref, NBITS);
            g_assert_true(bitmap_equal(map, ref, NBITS));
        }
    }
    g_free(map);
    g_free(ref);
}

static void test_empty_full(void)
{
    unsigned long *map = bitmap_new(NBITS);

    g_assert_true(bitmap_empty(map, NBITS));
    bitmap_fill(map, NBITS);
    g_assert_true(bitmap_full(map, NBITS));
    g_assert_cmpint(bitmap_count_one(map, NBITS), ==, NBITS);
    clear_bit(NBITS - 1, map);
    g_assert_false(bitmap_full(map, NBITS));
    bitmap_zero(map, NBITS);
    set_bit(NBITS - 1, map);
    g_assert_false(bitmap_empty(map, NBITS));
    /* Growing keeps old bits and zeroes the new ones. */
    map = bitmap_zero_extend(map, NBITS, NBITS * 2);
    g_assert_cmpint(bitmap_count_one(map, NBITS * 2), ==, 1);
    g_assert_true(test_bit(NBITS - 1, map));
    g_free(map);
}

static void test_test_and_clear(void)
{
    unsigned long *map = bitmap_new(NBITS);

    bitmap_set_atomic(map, 60, 10);
    g_assert_false(bitmap_test_and_clear_atomic(map, 0, 60));
    g_assert_true(bitmap_test_and_clear_atomic(map, 50, 15));
    g_assert_cmpint(bitmap_count_one(map, NBITS), ==, 5);
    g_assert_true(bitmap_test_and_clear_atomic(map, 0, NBITS));
    g_assert_true(bitmap_empty(map, NBITS));
    g_free(map);
}

/* Two threads setting disjoint bits of the same words lose none. */
static unsigned long *shared_map;

static void *setter(void *arg)
{
    long parity = (long)arg;

    for (long i = parity; i < NBITS; i += 2) {
        bitmap_set_atomic(shared_map, i, 1);
    }
    return NULL;
}

static void test_set_atomic_threads(void)
{
    QemuThread t[2];

    for (int round = 0; round < 100; round++) {
        shared_map = bitmap_new(NBITS);
        qemu_thread_create(&t[0], "setter0", setter, (void *)0L,
                           QEMU_THREAD_JOINABLE);
        qemu_thread_create(&t[1], "setter1", setter, (void *)1L,
                           QEMU_THREAD_JOINABLE);
        qemu_thread_join(&t[0]);
        qemu_thread_join(&t[1]);
        g_assert_true(bitmap_full(shared_map, NBITS));
        g_free(shared_map);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/bitmap/set-clear-ranges", test_set_clear_ranges);
    g_test_add_func("/bitmap/empty-full", test_empty_full);
    g_test_add_func("/bitmap/test-and-clear", test_test_and_clear);
    g_test_add_func("/bitmap/set-atomic-threads", test_set_atomic_threads);
    return g_test_run();
}
