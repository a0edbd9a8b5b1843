/*
 * Bitmaps: arrays of unsigned long addressed bit by bit.
 *
 * The plain functions are not atomic.  bitmap_set_atomic and
 * bitmap_test_and_clear_atomic may race with each other on the same words
 * (dirty tracking: many setters, one clearer).  Bits past nbits in the last
 * word are kept clear by the functions here.
 */
#ifndef QEMU_BITMAP_H
#define QEMU_BITMAP_H

#include "qemu/bitops.h"

#define BITMAP_FIRST_WORD_MASK(start) (~0UL << ((start) & (BITS_PER_LONG - 1)))
#define BITMAP_LAST_WORD_MASK(nbits) (~0UL >> (-(nbits) & (BITS_PER_LONG - 1)))

unsigned long *bitmap_new(long nbits);
void bitmap_zero(unsigned long *dst, long nbits);
void bitmap_fill(unsigned long *dst, long nbits);
void bitmap_copy(unsigned long *dst, const unsigned long *src, long nbits);
bool bitmap_empty(const unsigned long *src, long nbits);
bool bitmap_full(const unsigned long *src, long nbits);
bool bitmap_equal(const unsigned long *a, const unsigned long *b, long nbits);
long bitmap_count_one(const unsigned long *src, long nbits);
void bitmap_and(unsigned long *dst, const unsigned long *a,
                const unsigned long *b, long nbits);
void bitmap_or(unsigned long *dst, const unsigned long *a,
               const unsigned long *b, long nbits);
void bitmap_complement(unsigned long *dst, const unsigned long *src,
                       long nbits);

/* Set or clear nr bits starting at start. */
void bitmap_set(unsigned long *map, long start, long nr);
void bitmap_clear(unsigned long *map, long start, long nr);
void bitmap_set_atomic(unsigned long *map, long start, long nr);
/* Clear nr bits from start; true if any of them was set. */
bool bitmap_test_and_clear_atomic(unsigned long *map, long start, long nr);

/* Grow or shrink a bitmap from old_nbits to new_nbits; new bits are 0. */
unsigned long *bitmap_zero_extend(unsigned long *old, long old_nbits,
                                  long new_nbits);

#endif /* QEMU_BITMAP_H */
