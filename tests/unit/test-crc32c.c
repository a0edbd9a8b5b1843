/*
 * CRC-32C: known values, and the instruction-based path against the table
 * on every length and alignment that the former treats differently.
 */
#include "qemu/osdep.h"
#include "qemu/crc32c.h"

static void test_known(void)
{
    static const struct {
        const char *data;
        uint32_t crc;
    } known[] = {
        /* The standard check value (Castagnoli, reflected, inverted). */
        { "123456789", 0xe3069283 },
        { "", 0x00000000 },
        { "a", 0xc1d04330 },
    };
    uint8_t ones[32];

    for (size_t i = 0; i < G_N_ELEMENTS(known); i++) {
        const uint8_t *d = (const uint8_t *)known[i].data;
        unsigned n = strlen(known[i].data);

        g_assert_cmphex(crc32c(0xffffffff, d, n), ==, known[i].crc);
        g_assert_cmphex(crc32c_sw(0xffffffff, d, n), ==, known[i].crc);
    }
    /* RFC 3720 (iSCSI), B.4: 32 bytes of 0xff. */
    memset(ones, 0xff, sizeof(ones));
    g_assert_cmphex(crc32c(0xffffffff, ones, sizeof(ones)), ==, 0x62a8ab43);
}

/* Chaining: the result, inverted, carries on over more data. */
static void test_chained(void)
{
    const uint8_t *d = (const uint8_t *)"123456789";
    uint32_t part = crc32c(0xffffffff, d, 4);

    g_assert_cmphex(crc32c(~part, d + 4, 5), ==, 0xe3069283);
}

static void test_paths_agree(void)
{
    /* Past three lanes of the instruction path (3 KiB), several times. */
    uint8_t buf[16384 + 64];
    GRand *rand = g_rand_new_with_seed(42);

    for (size_t i = 0; i < sizeof(buf); i++) {
        buf[i] = g_rand_int(rand);
    }
    for (unsigned start = 0; start < 16; start++) {
        for (unsigned len = 0; len + start <= 80; len++) {
            g_assert_cmphex(crc32c(0xffffffff, buf + start, len), ==,
                            crc32c_sw(0xffffffff, buf + start, len));
        }
    }
    /* Each side of every multiple of three lanes, and random lengths. */
    for (unsigned len = 3072 - 9; len + 9 < sizeof(buf); len += 3072) {
        for (unsigned d = 0; d < 18; d++) {
            g_assert_cmphex(crc32c(0xffffffff, buf + 3, len + d), ==,
                            crc32c_sw(0xffffffff, buf + 3, len + d));
        }
    }
    for (int i = 0; i < 200; i++) {
        unsigned start = g_rand_int_range(rand, 0, 64);
        unsigned len = g_rand_int_range(rand, 0, sizeof(buf) - start);

        g_assert_cmphex(crc32c(0x12345678, buf + start, len), ==,
                        crc32c_sw(0x12345678, buf + start, len));
    }
    g_rand_free(rand);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/crc32c/known", test_known);
    g_test_add_func("/crc32c/chained", test_chained);
    g_test_add_func("/crc32c/paths-agree", test_paths_agree);
    return g_test_run();
}
