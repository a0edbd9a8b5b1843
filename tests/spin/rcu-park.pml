/*
 * Parked readers (util/rcu.c, "Parked readers"): a grace period that
 * clears a quiescent reader without a barrier, because an earlier grace
 * period parked it.
 *
 * Processes: an updater that runs a grace period of the usual kind, which
 * parks the reader (raises its flag, then issues the barrier), then removes
 * the object and runs a fast grace period: mark its start, smp_mb(), look
 * at the reader's ctr (acquire) and then its flag, and free the object if
 * the reader is quiescent and parked; and a reader that runs two read-side
 * sections, announcing each with a store of ctr and a compiler barrier
 * only (it relies on membarrier), then, if it finds its flag up, smp_mb()
 * and taking the flag down, before it reads the pointer and uses the
 * object.
 *
 * Memory as in rcu-gp.pml: every store goes through its thread's FIFO
 * store buffer and reaches memory at any later moment, at the thread's
 * full barrier, or at membarrier(), which drains every buffer.  Loads read
 * memory.  The updater's first grace period is modelled only as far as
 * parking goes: it sees the reader quiescent after the barrier, or waits
 * until it is.
 *
 * Checked: no use of the object after it is freed (assertion).
 *
 * Seeded bugs, each of which must be reported:
 *   BUG_PARK_AFTER_BARRIER  raise the flag after the barrier
 *   BUG_UNPARK_NO_MB        the parked reader skips its smp_mb()
 *   BUG_FAST_NO_MB          no smp_mb() between the fast grace period's
 *                           start mark and its look at the reader
 *
 * Loading the flag before ctr would be a bug only where loads may pass
 * each other (not under the x86-TSO model here): util/rcu.c loads ctr
 * with acquire first.
 */

#define UPDATER 0
#define READER  1
#define NTHREADS 2

/* Locations */
#define L_PTR    0
#define L_CTR    1
#define L_PARKED 2
#define L_SEQ    3
#define NLOC     4

#define OLD 1
#define NEW 2

byte mem[NLOC];
bit freed;
chan buf[NTHREADS] = [3] of { byte, byte };     /* (location, value) */

inline store(t, loc, val)
{
    buf[t] ! loc, val
}

inline drain(t)
{
    atomic {
        do
        :: nempty(buf[t]) -> buf[t] ? loc_, val_; mem[loc_] = val_
        :: empty(buf[t]) -> break
        od
    }
}

inline membarrier()
{
    atomic {
        drain(UPDATER);
        drain(READER)
    }
}

proctype reader()
{
    byte loc_, val_, p, i;

    for (i : 1 .. 2) {
        /* rcu_read_lock: announce, compiler barrier, look at the flag */
        store(READER, L_CTR, 1);
        if
        :: mem[L_PARKED] ->
#ifndef BUG_UNPARK_NO_MB
            drain(READER);              /* smp_mb() */
#endif
            store(READER, L_PARKED, 0)
        :: else -> skip
        fi;
        p = mem[L_PTR];
        assert(p != OLD || !freed);
        /* rcu_read_unlock (store-release: after the use above) */
        store(READER, L_CTR, 0)
    }
}

proctype updater()
{
    byte loc_, val_, ctr, parked;

    /* Grace period 1 parks the reader (if it looks quiescent). */
#ifndef BUG_PARK_AFTER_BARRIER
    if
    :: mem[L_CTR] == 0 -> store(UPDATER, L_PARKED, 1)
    :: else -> skip
    fi;
    membarrier();
#else
    membarrier();
    if
    :: mem[L_CTR] == 0 -> store(UPDATER, L_PARKED, 1)
    :: else -> skip
    fi;
#endif
    mem[L_CTR] == 0;                    /* it waits for the reader */

    /* The removal, then the fast grace period. */
    store(UPDATER, L_PTR, NEW);
    store(UPDATER, L_SEQ, 1);           /* rcu_seq_start */
#ifndef BUG_FAST_NO_MB
    drain(UPDATER);                     /* smp_mb() */
#endif
    ctr = mem[L_CTR];                   /* acquire */
    parked = mem[L_PARKED];
    if
    :: ctr == 0 && parked -> freed = 1  /* cleared without a barrier */
    :: else -> skip                     /* the usual grace period */
    fi
}

proctype memory()
{
    byte loc_, val_;

end_drain:
    do
    :: atomic { buf[UPDATER] ? loc_, val_ -> mem[loc_] = val_ }
    :: atomic { buf[READER] ? loc_, val_ -> mem[loc_] = val_ }
    od
}

init
{
    atomic {
        mem[L_PTR] = OLD;
        run updater();
        run reader();
        run memory()
    }
}
