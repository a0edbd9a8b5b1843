/*
 * Sequence locks: readers that never block writers and never write shared
 * memory, for small data read far more often than written.
 *
 * The writer (one at a time: the caller serialises writers with a lock of
 * its own) makes the sequence odd, updates the data, and makes it even
 * again.  A reader samples the sequence, reads the data, and retries if the
 * sequence was odd or has changed.  The data must be read with
 * qatomic_read and written with qatomic_set, since readers race with the
 * writer by design.
 */
#ifndef QEMU_SEQLOCK_H
#define QEMU_SEQLOCK_H

#include "qemu/atomic.h"

typedef struct QemuSeqLock {
    unsigned sequence;
} QemuSeqLock;

static inline void seqlock_init(QemuSeqLock *sl)
{
    sl->sequence = 0;
}

static inline void seqlock_write_begin(QemuSeqLock *sl)
{
    qatomic_set(&sl->sequence, sl->sequence + 1);
    /* Orders the odd sequence before the data stores; pairs with the
     * smp_rmb in seqlock_read_retry. */
    smp_wmb();
}

static inline void seqlock_write_end(QemuSeqLock *sl)
{
    /* Orders the data stores before the even sequence; pairs with the
     * smp_rmb in seqlock_read_begin. */
    smp_wmb();
    qatomic_set(&sl->sequence, sl->sequence + 1);
}

/* Returns the sequence to pass to seqlock_read_retry (odd means "busy"). */
static inline unsigned seqlock_read_begin(const QemuSeqLock *sl)
{
    unsigned ret = qatomic_read(&sl->sequence);

    /* Orders the sequence load before the data loads; pairs with the
     * smp_wmb in seqlock_write_end. */
    smp_rmb();
    return ret;
}

static inline bool seqlock_read_retry(const QemuSeqLock *sl, unsigned start)
{
    /* Orders the data loads before the second sequence load; pairs with
     * the smp_wmb in seqlock_write_begin. */
    smp_rmb();
    return unlikely((start & 1) || qatomic_read(&sl->sequence) != start);
}

#endif /* QEMU_SEQLOCK_H */
