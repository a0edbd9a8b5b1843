/*
 * The grace period (synchronize_rcu in util/rcu.c) against the read side
 * (rcu_read_lock/unlock, rcu_quiescent_state, rcu_thread_offline in
 * include/qemu/rcu.h).
 *
 * Processes: an updater that removes the old object, runs synchronize_rcu
 * and frees it; a reader that runs a read-side section; and a QSBR
 * thread that is online, reports a quiescent state, and goes offline.
 * Both readers use the object they find between announcing themselves
 * and announcing that they are done.
 *
 * Memory: sequentially consistent except that every store goes through
 * its thread's FIFO store buffer (x86-TSO) and reaches memory at an
 * arbitrary later moment, at the thread's own full barrier, or before
 * its locked instructions.  Loads read memory (no thread here re-reads a
 * location it has just stored to, so store forwarding does not matter).
 * membarrier() drains every thread's buffer at once.  By default the
 * read side relies on membarrier (its barriers only stop the compiler);
 * -DNO_MEMBARRIER gives the readers smp_mb() and the updater a plain
 * smp_mb().  QemuEvent is a bit here (tests/spin/qemu-event.pml checks
 * the real thing): reset clears it, set sets it, wait blocks until set.
 *
 * Checked: no reader uses the object after it is freed (assertion), and
 * the grace period always ends (a lost wake-up leaves the updater blocked,
 * an invalid end state).
 *
 * Seeded bugs, each of which must be reported:
 *   BUG_NO_G1            no barrier between the removal and the scan
 *   BUG_NO_FLAG_BARRIER  no barrier between setting "waiting" and the
 *                        re-check of the counters
 *   BUG_NO_RECHECK       sleep after setting "waiting" without re-checking
 *   BUG_RESET_LATE       reset the event after the re-check, just before
 *                        sleeping
 *   BUG_READER_NO_MB     (with NO_MEMBARRIER) no smp_mb() between a
 *                        reader's quiescent store and its load of "waiting"
 */

#define NTHREADS 3
#define UPDATER  0
#define READER   1
#define QSBR     2

/* Locations */
#define L_PTR      0
#define L_GP       1
#define L_WAIT_R   2
#define L_WAIT_Q   3
#define L_CTR_R    4
#define L_CTR_Q    5
#define NLOC       6

#define OLD 1
#define NEW 2

byte mem[NLOC];
bit freed;
bit ev;                         /* rcu_gp_event */
chan buf[NTHREADS] = [3] of { byte, byte };     /* (location, value) */

inline store(t, loc, val)
{
    buf[t] ! loc, val
}

/* Drain thread t's buffer: a full barrier, or a locked instruction. */
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
        drain(READER);
        drain(QSBR)
    }
}

/* The updater's rcu_sync_barrier(). */
inline sync_barrier()
{
#ifdef NO_MEMBARRIER
    drain(UPDATER)
#else
    membarrier()
#endif
}

/* A reader's rcu_read_side_barrier(). */
inline read_side_barrier(t)
{
#ifdef NO_MEMBARRIER
    drain(t)
#else
    skip
#endif
}

/* rcu_wake_waiter: clear the flag; qemu_event_set starts with smp_mb(). */
inline wake_waiter(t, wloc)
{
    store(t, wloc, 0);
    drain(t);
    ev = 1
}

/* Use the object found at ptr. */
inline use(p)
{
    assert(p != OLD || !freed)
}

/* A reader's quiescent store, then the check for a waiting grace period. */
inline quiescent(t, cloc, wloc, val)
{
    store(t, cloc, val);
#ifndef BUG_READER_NO_MB
    read_side_barrier(t);
#endif
    if
    :: mem[wloc] -> wake_waiter(t, wloc)
    :: else -> skip
    fi
}

proctype reader()
{
    byte loc_, val_, p;

    /* rcu_read_lock */
    store(READER, L_CTR_R, mem[L_GP]);
    read_side_barrier(READER);
    p = mem[L_PTR];
    use(p);
    /* rcu_read_unlock */
    quiescent(READER, L_CTR_R, L_WAIT_R, 0)
}

proctype qsbr()
{
    byte loc_, val_, p, g, ctr;

    /* rcu_thread_online */
    ctr = mem[L_GP];
    store(QSBR, L_CTR_Q, ctr);
    read_side_barrier(QSBR);
    p = mem[L_PTR];
    use(p);
    /* rcu_quiescent_state: nothing to do if the snapshot is current. */
    g = mem[L_GP];
    if
    :: g != ctr -> ctr = g; quiescent(QSBR, L_CTR_Q, L_WAIT_Q, g)
    :: else -> skip
    fi;
    p = mem[L_PTR];
    use(p);
    /* rcu_thread_offline */
    quiescent(QSBR, L_CTR_Q, L_WAIT_Q, 0)
}

/* rcu_reader_blocks_gp: in a section, with a snapshot older than gp. */
#define BLOCKS(cloc) (mem[cloc] != 0 && mem[cloc] != NEW)

/* Clear pend for a reader that no longer blocks the grace period. */
inline scan(pend, cloc, wloc, clear)
{
    if
    :: pend && !BLOCKS(cloc) ->
        pend = 0;
        if
        :: clear -> store(UPDATER, wloc, 0)
        :: else -> skip
        fi
    :: else -> skip
    fi
}

proctype updater()
{
    byte loc_, val_;
    bit pend_r = 1, pend_q = 1;

    store(UPDATER, L_PTR, NEW);         /* the removal */

    /* synchronize_rcu */
#ifndef BUG_NO_G1
    sync_barrier();                     /* G1 */
#endif
    store(UPDATER, L_GP, NEW);          /* G2 */

    /* G3: wait_for_readers.  First look without disturbing anyone. */
    scan(pend_r, L_CTR_R, L_WAIT_R, 0);
    scan(pend_q, L_CTR_Q, L_WAIT_Q, 0);
    do
    :: !pend_r && !pend_q -> break
    :: else ->
#ifndef BUG_RESET_LATE
        atomic { drain(UPDATER); ev = 0 };      /* qemu_event_reset */
#endif
        if
        :: pend_r -> store(UPDATER, L_WAIT_R, 1)
        :: else -> skip
        fi;
        if
        :: pend_q -> store(UPDATER, L_WAIT_Q, 1)
        :: else -> skip
        fi;
#ifndef BUG_NO_FLAG_BARRIER
        sync_barrier();
#endif
#ifndef BUG_NO_RECHECK
        scan(pend_r, L_CTR_R, L_WAIT_R, 1);
        scan(pend_q, L_CTR_Q, L_WAIT_Q, 1);
#endif
#ifdef BUG_RESET_LATE
        atomic { drain(UPDATER); ev = 0 };
#endif
        if
        :: !pend_r && !pend_q -> break
        :: else -> ev == 1              /* qemu_event_wait */
        fi
    od;

    freed = 1
}

/* Buffered stores reach memory at arbitrary moments. */
proctype memory()
{
    byte loc_, val_;

end_drain:
    do
    :: atomic { buf[UPDATER] ? loc_, val_ -> mem[loc_] = val_ }
    :: atomic { buf[READER] ? loc_, val_ -> mem[loc_] = val_ }
    :: atomic { buf[QSBR] ? loc_, val_ -> mem[loc_] = val_ }
    od
}

init
{
    atomic {
        mem[L_PTR] = OLD;
        mem[L_GP] = OLD;
        run updater();
        run reader();
        run qsbr();
        run memory()
    }
}
