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
 * The grace period advances the counter (after a full barrier on its own
 * thread), then clears readers: a reader that carries the new snapshot is
 * cleared at once; one that looks quiescent only in a look made after
 * the barrier (membarrier) that the grace period issues when it needs
 * to; one in a section with the old snapshot is waited for.  It looks,
 * polls once more, issues the barrier if needed, and sleeps: it counts the
 * readers still in its way into "pending", raises their "waiting" flags,
 * runs the barrier, and looks again, claiming (by exchange) the flag of
 * each reader it now clears.  A reader that finds its flag up claims it
 * too; whoever claims a flag counts the reader off "pending", and whoever
 * brings it to zero sets the event.  After each wake-up it resets the
 * event and looks at "pending" again; once that is zero it looks at the
 * readers again, and starts over if one is still not cleared.  Timeouts,
 * kicks and wake-ups that arrive late, from an earlier grace period, are
 * in tests/spin/rcu-gp-wait.pml.
 *
 * Memory: sequentially consistent except that every store goes through
 * its thread's FIFO store buffer (x86-TSO) and reaches memory at an
 * arbitrary later moment, at the thread's own full barrier, or before
 * its locked instructions (which are atomic).  Loads read memory (no
 * thread here re-reads a location it has just stored to, so store
 * forwarding does not matter).  membarrier() drains every thread's buffer
 * at once.  By default the read side relies on membarrier (its barriers
 * only stop the compiler); -DNO_MEMBARRIER gives the readers smp_mb() and
 * the updater a plain smp_mb().  QemuEvent is a bit here
 * (tests/spin/qemu-event.pml checks the real thing): reset clears it, set
 * sets it, wait blocks until set.
 *
 * Checked: no reader uses the object after it is freed (assertion), and
 * the grace period always ends (a lost wake-up leaves the updater blocked,
 * an invalid end state).
 *
 * Seeded bugs, each of which must be reported:
 *   BUG_QUIESCENT_NO_BARRIER  clear a reader that looks quiescent without
 *                          the barrier
 *   BUG_NO_FLAG_BARRIER    no barrier between raising the flags and the
 *                          re-check of the counters
 *   BUG_NO_RECHECK         sleep after raising the flags without looking
 *   BUG_WAIT_ANYWAY        sleep without checking "pending" first, so
 *                          that a grace period that counted every reader
 *                          off itself waits for a set that never comes
 *   BUG_READER_NO_MB       (with NO_MEMBARRIER) no smp_mb() between a
 *                          reader's quiescent store and its load of
 *                          "waiting"
 *   BUG_PENDING_LATE       count the readers into "pending" after raising
 *                          their flags
 *   BUG_CLEAR_NOT_CLAIM    the grace period takes flags down with a plain
 *                          store, counting the reader off even if the
 *                          reader claimed it too
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
#define L_PENDING  6
#define NLOC       7

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

/*
 * rcu_wake_waiter: claim the flag (an exchange); if this claim counts the
 * last reader off "pending", set the event.
 */
inline wake_waiter(t, wloc)
{
    atomic {
        drain(t);
        old_ = mem[wloc];
        mem[wloc] = 0
    };
    if
    :: old_ ->
        atomic {
            drain(t);
            mem[L_PENDING] = mem[L_PENDING] - 1;
            old_ = (mem[L_PENDING] == 0)
        };
        if
        :: old_ -> ev = 1
        :: else -> skip
        fi
    :: else -> skip
    fi
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
    byte loc_, val_, old_, p;

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
    byte loc_, val_, old_, p, g, ctr;

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

/* Cleared: carries the new snapshot, or quiescent after the barrier. */
#ifdef BUG_QUIESCENT_NO_BARRIER
#define CLEARED(cloc) (mem[cloc] == NEW || mem[cloc] == 0)
#else
#define CLEARED(cloc) (mem[cloc] == NEW || (mem[cloc] == 0 && barrier_done))
#endif

/* Drop a cleared reader from pend. */
inline scan(pend, cloc)
{
    if
    :: pend && CLEARED(cloc) -> pend = 0
    :: else -> skip
    fi
}

/* The same after the flags went up: claim the flag of a quiescent reader. */
inline claim_scan(pend, cloc, wloc)
{
    if
    :: pend && CLEARED(cloc) ->
        pend = 0;
#ifdef BUG_CLEAR_NOT_CLAIM
        store(UPDATER, wloc, 0);
        claimed++
#else
        atomic {
            drain(UPDATER);
            old_ = mem[wloc];
            mem[wloc] = 0
        };
        if
        :: old_ -> claimed++
        :: else -> skip
        fi
#endif
    :: else -> skip
    fi
}

inline raise_flags()
{
    if
    :: pend_r -> store(UPDATER, L_WAIT_R, 1)
    :: else -> skip
    fi;
    if
    :: pend_q -> store(UPDATER, L_WAIT_Q, 1)
    :: else -> skip
    fi
}

proctype updater()
{
    byte loc_, val_, old_, claimed;
    bit pend_r = 1, pend_q = 1, barrier_done = 0;

    store(UPDATER, L_PTR, NEW);         /* the removal */

    /* synchronize_rcu: G1 */
    drain(UPDATER);                     /* smp_mb() */
    store(UPDATER, L_GP, NEW);          /* store-release */

    /* G2: look, poll once more, barrier if needed, then sleep; again
     * until everyone is cleared. */
    scan(pend_r, L_CTR_R);
    scan(pend_q, L_CTR_Q);
    do
    :: !pend_r && !pend_q -> break
    :: else ->
        /* Polling is optional: the heuristics may skip it. */
        if
        :: scan(pend_r, L_CTR_R); scan(pend_q, L_CTR_Q)
        :: skip
        fi;
        if
        :: !pend_r && !pend_q -> break
        :: else -> skip
        fi;
        if
        :: !barrier_done ->
            sync_barrier();
            barrier_done = 1;
            scan(pend_r, L_CTR_R);
            scan(pend_q, L_CTR_Q);
            if
            :: !pend_r && !pend_q -> break
            :: else -> skip
            fi
        :: else -> skip
        fi;
        atomic { drain(UPDATER); ev = 0 };      /* qemu_event_reset */
#ifdef BUG_PENDING_LATE
        raise_flags();
        store(UPDATER, L_PENDING, pend_r + pend_q);
#else
        store(UPDATER, L_PENDING, pend_r + pend_q);
        raise_flags();
#endif
#ifndef BUG_NO_FLAG_BARRIER
        sync_barrier();
#endif
#ifndef BUG_NO_RECHECK
        claimed = 0;
        claim_scan(pend_r, L_CTR_R, L_WAIT_R);
        claim_scan(pend_q, L_CTR_Q, L_WAIT_Q);
        if
        :: claimed ->
            atomic {
                drain(UPDATER);
                mem[L_PENDING] = mem[L_PENDING] - claimed
            }
        :: else -> skip
        fi;
#endif
#ifdef BUG_WAIT_ANYWAY
        ev == 1;
#endif
        do
        :: mem[L_PENDING] == 0 -> break
        :: else ->
            ev == 1;                    /* qemu_event_wait */
            atomic { drain(UPDATER); ev = 0 }   /* re-arm */
        od;
        scan(pend_r, L_CTR_R);
        scan(pend_q, L_CTR_Q)
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
