/*
 * The sleeping part of a grace period (rcu_sleep_for_readers in
 * util/rcu.c), over two grace periods in a row, with wake-ups that come
 * late and waits that time out.
 *
 * Grace period 1 waits for reader R, which leaves its section at some
 * point, claims its "waiting" flag, counts itself off "pending" and sets
 * the event; R may be delayed for any time between the count and the set,
 * so that its set lands in grace period 2.  Grace period 2 waits for S, an
 * online QSBR thread that reports a quiescent state only when its
 * force-RCU notifier kicks it (a vCPU running guest code).
 *
 * Memory is sequentially consistent here; tests/spin/rcu-gp.pml checks
 * the same protocol, for one grace period, against store buffers.  The
 * event is a bit: reset clears it, set sets it, a wait returns when it is
 * set or when its timeout expires.  Time is not modelled: a wait that is
 * not woken may time out whenever, and a timeout that reaches the kick
 * deadline kicks.
 *
 * Checked (pan -l -f): every grace period ends, and S reports, in every
 * weakly fair run: no cycle without progress.  Also that a grace period
 * ends only once its reader is quiescent (assertion).
 *
 * Seeded bug, which must be reported:
 *   BUG_NO_REARM  the loop of the seed: never reset the event inside the
 *                 loop, and kick only after a wait that timed out.  A late
 *                 set leaves the event set, every wait returns at once,
 *                 and S is never kicked.
 */

bit ev;                 /* rcu_gp_event */
byte pending;           /* rcu_gp_pending */
bit wait_r, wait_s;     /* the readers' "waiting" flags */
bit r_quiescent;        /* R has left its section */
bit s_quiescent;        /* S has reported a quiescent state */
bit kicked;             /* S's force-RCU notifier ran */

/* rcu_wake_waiter: claim the flag; the claim that counts the last one off sets. */
inline wake_waiter(wflag)
{
    atomic { old = wflag; wflag = 0 };
    if
    :: old ->
        atomic { pending--; last = (pending == 0) };
        if
        :: last -> ev = 1       /* may come any time later: a late set */
        :: else -> skip
        fi
    :: else -> skip
    fi
}

proctype reader_r()
{
    bit old, last;

    /* rcu_read_unlock: quiescent, then look at the flag. */
    r_quiescent = 1;
    if
    :: wait_r -> wake_waiter(wait_r)
    :: else -> skip
    fi
}

proctype qsbr_s()
{
    bit old, last;

    kicked;                     /* online until kicked */
progress_s:
    s_quiescent = 1;
    if
    :: wait_s -> wake_waiter(wait_s)
    :: else -> skip
    fi
}

/* The updater claims the flag of a reader it sees quiescent. */
inline rescan(qflag, wflag)
{
    if
    :: qflag ->
        atomic { old = wflag; wflag = 0 };
        if
        :: old -> pending--
        :: else -> skip
        fi
    :: else -> skip
    fi
}

inline kick(s_is_waited)
{
    if
    :: s_is_waited -> kicked = 1
    :: else -> skip
    fi
}

/* Sleep until the one reader of this grace period is quiescent. */
inline sleep_for(qflag, wflag, s_is_waited)
{
    ev = 0;                     /* qemu_event_reset */
    pending = 1;
    wflag = 1;
    rescan(qflag, wflag);
#ifdef BUG_NO_REARM
    waited_long = 0;
    do
    :: pending == 0 -> break
    :: else ->
        if
        :: waited_long -> kick(s_is_waited)
        :: else -> skip
        fi;
        if
        :: ev -> skip           /* returns at once while set */
        :: !ev -> waited_long = 1       /* timed out */
        fi
    od
#else
    do
    :: pending == 0 -> break
    :: else ->
        if
        :: ev -> skip           /* woken, maybe by a late set */
        :: !ev ->               /* the kick deadline passed */
            kick(s_is_waited);
            rescan(qflag, wflag)
        fi;
        ev = 0                  /* re-arm, then look at pending again */
    od
#endif
}

proctype updater()
{
    bit old, waited_long;

    /* Grace period 1: R is in a section that began before it. */
    run reader_r();
    sleep_for(r_quiescent, wait_r, 0);
    assert(r_quiescent);

    /* Grace period 2: S is online with a snapshot from before it. */
    run qsbr_s();
    sleep_for(s_quiescent, wait_s, 1);
    assert(s_quiescent);
progress_done:
    skip
}

init
{
    run updater()
}
