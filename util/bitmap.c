/*
 * Bitmaps (include/qemu/bitmap.h).
 */
#include "qemu/osdep.h"
#include "qemu/bitmap.h"

unsigned long *bitmap_new(long nbits)
{
    return g_new0(unsigned long, BITS_TO_LONGS(nbits));
}

void bitmap_zero(unsigned long *dst, long nbits)
{
    memset(dst, 0, BITS_TO_LONGS(nbits) * sizeof(unsigned long));
}

void bitmap_fill(unsigned long *dst, long nbits)
{
    long words = BITS_TO_LONGS(nbits);

    if (words == 0) {
        return;
    }
    memset(dst, 0xff, words * sizeof(unsigned long));
    dst[words - 1] = BITMAP_LAST_WORD_MASK(nbits);
}

void bitmap_copy(unsigned long *dst, const unsigned long *src, long nbits)
{
    memcpy(dst, src, BITS_TO_LONGS(nbits) * sizeof(unsigned long));
}

/* Loop over the words of an nbits-long bitmap. */
#define FOR_EACH_WORD(k, nbits, lim)                            \
    for (long k = 0, lim = BITS_TO_LONGS(nbits); k < lim; k++)

static inline unsigned long word_mask(long k, long nbits)
{
    return (k == BIT_WORD(nbits - 1)) ? BITMAP_LAST_WORD_MASK(nbits) : ~0UL;
}

bool bitmap_empty(const unsigned long *src, long nbits)
{
    FOR_EACH_WORD(k, nbits, lim) {
        if (src[k] & word_mask(k, nbits)) {
            return false;
        }
    }
    return true;
}

bool bitmap_full(const unsigned long *src, long nbits)
{
    FOR_EACH_WORD(k, nbits, lim) {
        unsigned long mask = word_mask(k, nbits);

        if ((src[k] & mask) != mask) {
            return false;
        }
    }
    return true;
}

bool bitmap_equal(const unsigned long *a, const unsigned long *b, long nbits)
{
    FOR_EACH_WORD(k, nbits, lim) {
        if ((a[k] ^ b[k]) & word_mask(k, nbits)) {
            return false;
        }
    }
    return true;
}

long bitmap_count_one(const unsigned long *src, long nbits)
{
    long count = 0;

    FOR_EACH_WORD(k, nbits, lim) {
        count += __builtin_popcountl(src[k] & word_mask(k, nbits));
    }
    return count;
}

void bitmap_and(unsigned long *dst, const unsigned long *a,
                const unsigned long *b, long nbits)
{
    FOR_EACH_WORD(k, nbits, lim) {
        dst[k] = a[k] & b[k];
    }
}

void bitmap_or(unsigned long *dst, const unsigned long *a,
               const unsigned long *b, long nbits)
{
    FOR_EACH_WORD(k, nbits, lim) {
        dst[k] = a[k] | b[k];
    }
}

void bitmap_complement(unsigned long *dst, const unsigned long *src,
                       long nbits)
{
    FOR_EACH_WORD(k, nbits, lim) {
        dst[k] = ~src[k] & word_mask(k, nbits);
    }
}

/*
 * Call op(word, mask) for each word covered by bits [start, start + nr),
 * with mask selecting the bits of the range in that word.
 */
typedef bool RangeOp(unsigned long *word, unsigned long mask);

static bool range_op(unsigned long *map, long start, long nr, RangeOp *op)
{
    unsigned long *p = map + BIT_WORD(start);
    long end = start + nr;
    unsigned long mask = BITMAP_FIRST_WORD_MASK(start);
    bool ret = false;

    if (nr <= 0) {
        return false;
    }
    while (p < map + BIT_WORD(end - 1)) {
        ret |= op(p++, mask);
        mask = ~0UL;
    }
    return op(p, mask & BITMAP_LAST_WORD_MASK(end)) | ret;
}

static bool op_set(unsigned long *p, unsigned long mask)
{
    *p |= mask;
    return false;
}

static bool op_clear(unsigned long *p, unsigned long mask)
{
    *p &= ~mask;
    return false;
}

static bool op_set_atomic(unsigned long *p, unsigned long mask)
{
    /* Skip the locked instruction when the bits are set already: the
     * common case for dirty tracking, and it keeps the line shared. */
    if ((qatomic_read(p) & mask) != mask) {
        qatomic_or(p, mask);
    }
    return false;
}

static bool op_test_and_clear_atomic(unsigned long *p, unsigned long mask)
{
    return (qatomic_read(p) & mask) && (qatomic_fetch_and(p, ~mask) & mask);
}

void bitmap_set(unsigned long *map, long start, long nr)
{
    range_op(map, start, nr, op_set);
}

void bitmap_clear(unsigned long *map, long start, long nr)
{
    range_op(map, start, nr, op_clear);
}

void bitmap_set_atomic(unsigned long *map, long start, long nr)
{
    range_op(map, start, nr, op_set_atomic);
}

bool bitmap_test_and_clear_atomic(unsigned long *map, long start, long nr)
{
    return range_op(map, start, nr, op_test_and_clear_atomic);
}

unsigned long *bitmap_zero_extend(unsigned long *old, long old_nbits,
                                  long new_nbits)
{
    long new_len = BITS_TO_LONGS(new_nbits) * sizeof(unsigned long);
    unsigned long *new = g_realloc(old, new_len);

    if (new_nbits > old_nbits) {
        bitmap_clear(new, old_nbits, new_nbits - old_nbits);
    }
    return new;
}
