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

static uint32_t crc32c_table[256];
static bool crc32c_have_sse42;

static void __attribute__((constructor)) crc32c_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;

        for (int k = 0; k < 8; k++) {
            c = c & 1 ? (c >> 1) ^ CRC32C_POLY_REV : c >> 1;
        }
        crc32c_table[i] = c;
    }
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
 * Eight bytes per instruction.  One dependency chain: the instruction's
 * latency (3 cycles) bounds it at about 8 bytes per 3 cycles, 2.3 times
 * zlib's CRC-32 here; interleaving three chains would need a way to
 * combine them, and this is fast enough for the migration stream.
 */
static uint32_t __attribute__((target("sse4.2")))
crc32c_sse42(uint32_t crc, const uint8_t *data, unsigned int length)
{
    uint64_t c = crc;

    for (; length && ((uintptr_t)data & 7); length--) {
        c = __builtin_ia32_crc32qi(c, *data++);
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
