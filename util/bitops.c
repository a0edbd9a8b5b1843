/*
 * Searching bitmaps (include/qemu/bitops.h).
 */
#include "qemu/osdep.h"
#include "qemu/bitmap.h"

/*
 * Find the first word, at or after offset's, in which (word ^ invert) has a
 * set bit at or after offset; invert is 0 to look for ones, ~0 for zeros.
 */
static unsigned long find_next(const unsigned long *addr, unsigned long size,
                               unsigned long offset, unsigned long invert)
{
    unsigned long idx, word;

    if (offset >= size) {
        return size;
    }
    idx = BIT_WORD(offset);
    word = (addr[idx] ^ invert) & BITMAP_FIRST_WORD_MASK(offset);
    while (!word) {
        idx++;
        if (idx * BITS_PER_LONG >= size) {
            return size;
        }
        word = addr[idx] ^ invert;
    }
    return MIN(size, idx * BITS_PER_LONG + __builtin_ctzl(word));
}

unsigned long find_next_bit(const unsigned long *addr, unsigned long size,
                            unsigned long offset)
{
    return find_next(addr, size, offset, 0);
}

unsigned long find_next_zero_bit(const unsigned long *addr,
                                 unsigned long size, unsigned long offset)
{
    return find_next(addr, size, offset, ~0UL);
}

unsigned long find_last_bit(const unsigned long *addr, unsigned long size)
{
    unsigned long words = BITS_TO_LONGS(size);

    while (words-- > 0) {
        unsigned long word = addr[words];

        if (words == BIT_WORD(size - 1) && size % BITS_PER_LONG) {
            word &= BITMAP_LAST_WORD_MASK(size);
        }
        if (word) {
            return words * BITS_PER_LONG + BITS_PER_LONG - 1 -
                   __builtin_clzl(word);
        }
    }
    return size;
}
