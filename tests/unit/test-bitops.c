/*
 * Single-word bit helpers and bitmap searches.
 */
#include "qemu/osdep.h"
#include "qemu/bitmap.h"

static void test_extract_deposit(void)
{
    g_assert_cmpuint(extract32(0xabcd1234, 8, 8), ==, 0x12);
    g_assert_cmpuint(extract64(0xfedcba9876543210ULL, 60, 4), ==, 0xf);
    g_assert_cmpint(sextract32(0x80, 4, 4), ==, -8);
    g_assert_cmpint(sextract64(0xfff0000000000000ULL, 52, 12), ==, -1);
    g_assert_cmpuint(deposit32(0xffffffff, 4, 8, 0), ==, 0xfffff00f);
    g_assert_cmphex(deposit64(0, 32, 32, 0x1ffffffffULL), ==,
                    0xffffffff00000000ULL);
}

static void test_counting(void)
{
    g_assert_cmpint(clz64(0), ==, 64);
    g_assert_cmpint(clz64(1), ==, 63);
    g_assert_cmpint(ctz64(0), ==, 64);
    g_assert_cmpint(ctz64(0x100), ==, 8);
    g_assert_cmpint(ctpop64(0xf0f0), ==, 8);
    g_assert_true(is_power_of_2(4096));
    g_assert_false(is_power_of_2(0));
    g_assert_false(is_power_of_2(12));
    g_assert_cmpuint(pow2ceil(1000), ==, 1024);
    g_assert_cmpuint(pow2ceil(1024), ==, 1024);
    g_assert_cmpuint(pow2ceil(0), ==, 1);
}

static void test_find(void)
{
    unsigned long map[4] = { 0 };
    const unsigned long size = 4 * BITS_PER_LONG;

    g_assert_cmpuint(find_first_bit(map, size), ==, size);
    g_assert_cmpuint(find_last_bit(map, size), ==, size);
    set_bit(70, map);
    set_bit(200, map);
    g_assert_cmpuint(find_first_bit(map, size), ==, 70);
    g_assert_cmpuint(find_next_bit(map, size, 71), ==, 200);
    g_assert_cmpuint(find_next_bit(map, size, 201), ==, size);
    /* A limit inside a word must hide the bits past it. */
    g_assert_cmpuint(find_next_bit(map, 150, 71), ==, 150);
    g_assert_cmpuint(find_last_bit(map, size), ==, 200);
    g_assert_cmpuint(find_last_bit(map, 100), ==, 70);
    g_assert_cmpuint(find_first_zero_bit(map, size), ==, 0);
    memset(map, 0xff, sizeof(map));
    clear_bit(129, map);
    g_assert_cmpuint(find_first_zero_bit(map, size), ==, 129);
    g_assert_cmpuint(find_next_zero_bit(map, size, 130), ==, size);
    g_assert_true(test_and_clear_bit(5, map));
    g_assert_false(test_and_clear_bit(5, map));
    g_assert_false(test_and_set_bit(5, map));
    g_assert_true(test_bit(5, map));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/bitops/extract-deposit", test_extract_deposit);
    g_test_add_func("/bitops/counting", test_counting);
    g_test_add_func("/bitops/find", test_find);
    return g_test_run();
}
