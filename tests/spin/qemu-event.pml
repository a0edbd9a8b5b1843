/*
 * QemuEvent (util/qemu-thread-posix.c) against its waiters.
 *
 * Processes: a resetter that uses the documented pattern
 *     reset; if (!cond) wait;
 * a second waiter that only waits, a setter that does
 *     cond = 1; set;
 * and a source of spurious wake-ups (EINTR).  A waiter that does not reset
 * is only promised to be woken by a set that finds it waiting (a set before
 * it starts may be erased by the resetter), so the setter starts once the
 * second waiter is asleep or has returned.  The futex is modelled as a
 * per-waiter "asleep" bit: futex_wait checks the value and goes to sleep
 * in one atomic step, futex_wake clears every bit.
 *
 * Memory: sequentially consistent except for the setter's store of cond,
 * which goes through a store buffer (x86-TSO): it reaches memory at an
 * arbitrary later moment, or at the setter's next full barrier or locked
 * instruction.  This is what smp_mb() in qemu_event_set is for.
 *
 * Checked: nobody sleeps forever (no invalid end state: a lost wake-up
 * leaves a waiter blocked), and the resetter never returns before the
 * condition is visible to it.
 *
 * Seeded bugs, each of which must be reported (see meson.build):
 *   BUG_SET_NO_MB      qemu_event_set reads value without smp_mb() first
 *   BUG_RESET_STORE    qemu_event_reset stores EV_FREE instead of OR-ing
 *   BUG_NO_RECHECK     qemu_event_wait returns after any wake-up
 *   BUG_WAIT_SET_BUSY  qemu_event_wait installs BUSY with a plain store
 */

#define EV_SET  0
#define EV_FREE 1
#define EV_BUSY 3

#define NWAITERS 2
#define RESETTER 0
#define WAITER   1

byte value;
bit cond;                       /* the condition, as memory holds it */
bit sb_cond;                    /* setter's store buffer: 1 = "cond = 1" pending */
bit asleep[NWAITERS];
bit waiter_done;

/* futex_wait(&value, EV_BUSY): sleep only if value is still EV_BUSY. */
inline futex_wait(me)
{
    atomic {
        if
        :: value == EV_BUSY -> asleep[me] = 1
        :: else -> skip
        fi
    }
    /* Blocks here until futex_wake (or a spurious wake-up) clears it. */
    asleep[me] == 0
}

inline futex_wake_all()
{
    atomic {
        asleep[0] = 0;
        asleep[1] = 0
    }
}

/* The setter's buffered store reaches memory (a locked op or smp_mb). */
inline flush_setter()
{
    atomic {
        if
        :: sb_cond -> cond = 1; sb_cond = 0
        :: else -> skip
        fi
    }
}

inline event_wait(me)
{
    byte v;

    v = value;
    if
    :: v == EV_SET -> goto woken
    :: v == EV_FREE ->
#ifdef BUG_WAIT_SET_BUSY
        value = EV_BUSY
#else
        atomic {
            if
            :: value == EV_FREE -> value = EV_BUSY
            :: value == EV_SET -> goto woken
            :: else -> skip
            fi
        }
#endif
    :: else -> skip
    fi;
    do
    :: value == EV_BUSY ->
        futex_wait(me);
#ifdef BUG_NO_RECHECK
        break
#endif
    :: else -> break
    od;
woken:
    skip
}

proctype resetter()
{
    /* qemu_event_reset: SET -> FREE, leaving FREE and BUSY alone. */
#ifdef BUG_RESET_STORE
    value = EV_FREE;
#else
    atomic { value = value | EV_FREE };
#endif
    /* smp_mb__after_rmw(): the resetter has no buffered stores. */
    if
    :: cond == 1 -> skip
    :: else -> event_wait(RESETTER)
    fi;
    /* Woken by the set: the condition must be visible now. */
    assert(cond == 1)
}

proctype waiter()
{
    event_wait(WAITER);
    waiter_done = 1
}

proctype setter()
{
    asleep[WAITER] == 1 || waiter_done == 1;
    sb_cond = 1;                /* cond = true, into the store buffer */
#ifndef BUG_SET_NO_MB
    flush_setter();             /* smp_mb() */
#endif
    if
    :: value == EV_SET -> skip  /* already set: no store at all */
    :: else ->
        /* The exchange is a locked instruction: it drains the buffer. */
        atomic {
            flush_setter();
            if
            :: value == EV_BUSY -> value = EV_SET; futex_wake_all()
            :: else -> value = EV_SET
            fi
        }
    fi
}

/* The store buffer drains at some arbitrary moment. */
proctype memory()
{
end_drain:
    do
    :: sb_cond -> flush_setter()
    od
}

/* One spurious wake-up, at any moment (EINTR, or a stale futex_wake). */
proctype spurious()
{
    if
    :: asleep[RESETTER] -> asleep[RESETTER] = 0
    :: asleep[WAITER] -> asleep[WAITER] = 0
    :: skip
    fi
}

/* The event starts either set or free; then everybody runs. */
init
{
    atomic {
        if
        :: value = EV_SET
        :: value = EV_FREE
        fi;
        run resetter();
        run waiter();
        run setter();
        run memory();
        run spurious()
    }
}
