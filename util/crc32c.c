/*
 * CRC-32C: see include/qemu/crc32c.h.
 *
 * The table is built once, by a constructor, before main() runs and
 * before any thread can use it; after that it is only read.  The choice
 * of implementation is made there too.
 */
#include "qemu/osdep.h"
#include "qemu/crc32c.h"

/* The polynomial, bit-reversed (least significant bit first). */
#define CRC32C_POLY_REV 0x82f63b78u

/* Bytes per lane of the three-lane loop (crc32c_sse42). */
#define CRC32C_LANE     1024

static uint32_t crc32c_table[256];
static bool crc32c_have_sse42;

/*
 * Running a CRC register over n zero bytes is a linear map of the
 * register, which these tables apply a byte of the register at a time:
 * for n = CRC32C_LANE (shift1) and 2 * CRC32C_LANE (shift2).
 */
static uint32_t crc32c_shift1[4][256], crc32c_shift2[4][256];

/* The register after n zero bytes, the slow way. */
static uint32_t crc32c_zeros(uint32_t reg, unsigned n)
{
    while (n--) {
        reg = crc32c_table[reg & 0xff] ^ (reg >> 8);
    }
    return reg;
}

static void crc32c_shift_init(uint32_t t[4][256], unsigned n)
{
    uint32_t basis[32];

    for (int i = 0; i < 32; i++) {
        basis[i] = crc32c_zeros(1u << i, n);
    }
    for (int b = 0; b < 4; b++) {
        for (int v = 0; v < 256; v++) {
            uint32_t x = 0;

            for (int i = 0; i < 8; i++) {
                if (v & (1 << i)) {
                    x ^= basis[8 * b + i];
                }
            }
            t[b][v] = x;
        }
    }
}

static inline uint32_t crc32c_shift(uint32_t t[4][256], uint32_t reg)
{
    return t[0][reg & 0xff] ^ t[1][(reg >> 8) & 0xff] ^
           t[2][(reg >> 16) & 0xff] ^ t[3][reg >> 24];
}

static void __attribute__((constructor)) crc32c_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;

        for (int k = 0; k < 8; k++) {
            c = c & 1 ? (c >> 1) ^ CRC32C_POLY_REV : c >> 1;
        }
        crc32c_table[i] = c;
    }
    crc32c_shift_init(crc32c_shift1, CRC32C_LANE);
    crc32c_shift_init(crc32c_shift2, 2 * CRC32C_LANE);
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    crc32c_have_sse42 = __builtin_cpu_supports("sse4.2");
#endif
}

uint32_t crc32c_sw(uint32_t crc, const uint8_t *data, unsigned int length)
{
    while (length--) {
        crc = crc32c_table[(crc ^ *data++) & 0xff] ^ (crc >> 8);
    }
    return ~crc;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
/*
 * Eight bytes per instruction.  The instruction's latency (3 cycles) is
 * three times its issue rate, so one dependency chain would use a third
 * of it: blocks of three lanes run as three chains, the second and third
 * from a zero register, and are then joined.  Running a register r over
 * bytes X gives run(r, X) = zeros(r, |X|) ^ run(0, X), so for lanes
 * A, B, C of CRC32C_LANE bytes
 *     run(r, ABC) = zeros(run(r, A), 2 lanes) ^ zeros(run(0, B), 1 lane)
 *                   ^ run(0, C),
 * with zeros() from the tables.  One chain does the rest.
 */
static uint32_t __attribute__((target("sse4.2")))
crc32c_sse42(uint32_t crc, const uint8_t *data, unsigned int length)
{
    uint64_t c = crc;

    for (; length && ((uintptr_t)data & 7); length--) {
        c = __builtin_ia32_crc32qi(c, *data++);
    }
    for (; length >= 3 * CRC32C_LANE;
         length -= 3 * CRC32C_LANE, data += 3 * CRC32C_LANE) {
        uint64_t a = c, b = 0, d = 0;

        for (unsigned i = 0; i < CRC32C_LANE; i += 8) {
            uint64_t wa, wb, wd;

            memcpy(&wa, data + i, 8);
            memcpy(&wb, data + CRC32C_LANE + i, 8);
            memcpy(&wd, data + 2 * CRC32C_LANE + i, 8);
            a = __builtin_ia32_crc32di(a, wa);
            b = __builtin_ia32_crc32di(b, wb);
            d = __builtin_ia32_crc32di(d, wd);
        }
        c = crc32c_shift(crc32c_shift2, a) ^ crc32c_shift(crc32c_shift1, b) ^
            d;
    }
    for (; length >= 8; length -= 8, data += 8) {
        uint64_t word;

        memcpy(&word, data, 8);     /* little-endian, as the CRC wants */
        c = __builtin_ia32_crc32di(c, word);
    }
    for (; length; length--) {
        c = __builtin_ia32_crc32qi(c, *data++);
    }
    return ~(uint32_t)c;
}
#endif

uint32_t crc32c(uint32_t crc, const uint8_t *data, unsigned int length)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (likely(crc32c_have_sse42)) {
        return crc32c_sse42(crc, data, length);
    }
#endif
    return crc32c_sw(crc, data, length);
}
