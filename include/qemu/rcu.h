/*
 * Read-copy-update: readers walk shared data without locks, and writers
 * retire old versions only once no reader can hold them.
 *
 * Two kinds of reader share one RCU domain:
 *
 *  - ordinary threads bracket their reads with rcu_read_lock() and
 *    rcu_read_unlock(), which nest and cost a few instructions (no atomic
 *    read-modify-write, and no fence where the kernel has membarrier);
 *
 *  - QSBR threads (vCPUs, the main loop) call rcu_thread_online() once and
 *    are then readers all the time, at no cost per read.  They call
 *    rcu_quiescent_state() at points where they hold no RCU-protected
 *    pointer, and rcu_thread_offline()/rcu_thread_online() around anything
 *    that blocks.  An online thread behaves like one inside an outer
 *    read-side section that it leaves briefly at each quiescent state, so
 *    it may also use rcu_read_lock()/rcu_read_unlock() freely.
 *
 * A source file whose read-side sections all run on online QSBR threads
 * may say so by defining RCU_QSBR_ONLY before it includes any header, as
 * a liburcu user picks the qsbr flavour by the header it includes.  In
 * that file rcu_read_lock() and rcu_read_unlock() compile to nothing, as
 * liburcu's qsbr ones do; debug builds still count the sections, and
 * abort if the thread is not online.  Elsewhere they cost a test of a
 * thread-local word on an online thread, which in a loop of a few
 * instructions can halve its speed.
 *
 * synchronize_rcu() returns once every reader that could hold a pointer
 * retired before the call has let go of it: every thread that was inside
 * a read-side section has left it, and every online QSBR thread has
 * reported a quiescent state or gone offline.  call_rcu() runs a callback
 * after such a grace period, on a thread of its own, with the BQL held.
 *
 * Threads must register (rcu_register_thread) before reading, and
 * unregister before exiting; the main thread is registered at startup.  A
 * registered thread starts as an ordinary reader outside any read-side
 * section.  A thread that only updates (synchronize_rcu, call_rcu,
 * drain_call_rcu) need not register, as with QEMU and liburcu.
 *
 * docs/devel/rcu.rst has the concepts, the patterns and a review
 * checklist; util/rcu.c has the correctness argument.
 */
#ifndef QEMU_RCU_H
#define QEMU_RCU_H

#include "qemu/thread.h"
#include "qemu/queue.h"
#include "qemu/atomic.h"
#include "qemu/notify.h"

/*
 * A reader's ctr is 0 while it is quiescent (in no read-side section, and
 * offline), and otherwise holds the value of the grace-period counter when
 * its outermost section began, or, for an online QSBR thread, when it
 * went online or last reported a quiescent state (its "snapshot").
 * rcu_gp_ctr is always odd, so that no snapshot is 0.
 *
 * Where long has 64 bits, synchronize_rcu adds RCU_GP_CTR to rcu_gp_ctr
 * once per grace period, and the counter cannot wrap within any
 * reader's lifetime.  Where long has 32 bits it could, so the counter
 * is only a phase bit that each grace period flips twice (see util/rcu.c).
 */
#define RCU_GP_CTR      2UL

/* What rcu_reader_data.nest holds while the thread is online. */
#define RCU_NEST_ONLINE (1U << 31)

struct rcu_reader_data {
    /*
     * Written only by the owning thread, with release stores; read by
     * synchronize_rcu with load-acquires.  See util/rcu.c.  The owner
     * writes it when a section begins and ends and at quiescent states
     * only, so an online thread's reads leave its cache line alone.
     */
    unsigned long ctr;

    /*
     * Raised by synchronize_rcu, under rcu_registry_lock, when it is about
     * to sleep until this reader becomes quiescent.  Read by the owner
     * after each quiescent point; then the owner or synchronize_rcu takes
     * it down with an exchange, and whichever does counts the reader off
     * the readers that synchronize_rcu waits for (see util/rcu.c).
     */
    int waiting;

    /*
     * Set by a grace period, under rcu_registry_lock, on a reader that it
     * sees quiescent, just before the barrier that lets it clear the
     * reader; taken down by the owner when it next announces itself, after
     * a full barrier.  While it is up and ctr is 0, grace periods clear the
     * reader without a barrier (see util/rcu.c).  Without membarrier it is
     * up for good: every announcement takes a full barrier.
     */
    int parked;

    /*
     * Owner only, on a cache line that no other thread writes or polls,
     * so that nested sections cost no cache-line transfer: how many
     * sections the thread is in besides the one that ctr announces, plus
     * RCU_NEST_ONLINE while it is online (then ctr announces its being
     * online, and outside debug builds its sections are not counted at
     * all: see rcu_read_lock).
     */
    unsigned nest QEMU_ALIGNED(64);
    /*
     * A QSBR thread between rcu_thread_online and offline.  Written by the
     * owner (atomically, since statistics read it under the registry lock).
     */
    bool online;
    /* Owner only: between rcu_register_thread and rcu_unregister_thread. */
    bool registered;

    /*
     * The fields below are written by synchronize_rcu as it scans, so
     * they start a cache line of their own, away from the ones the owner
     * touches in every read-side section.
     *
     * The registry of readers; under rcu_registry_lock.
     */
    QLIST_ENTRY(rcu_reader_data) node QEMU_ALIGNED(64);

    /*
     * synchronize_rcu's, under rcu_registry_lock: how many passes in a row
     * have found this reader quiescent in the current wait, whether one
     * found it in a section, and whether one did in the last wait that
     * cleared it (a hint that it is busy rather than idle).
     */
    int gp_quiescent_scans;
    bool gp_seen_active;
    bool gp_busy;
    /* In the current wait: found in a section with an older snapshot. */
    bool gp_held;

    /*
     * Called by a grace period that this reader holds up, under
     * rcu_registry_lock; changed by the owner under the same lock.
     */
    NotifierList force_rcu;

    /*
     * Every registered reader, wherever a grace period has moved its node,
     * for statistics and stall warnings; under rcu_registry_lock.  The
     * thread's name and id are set by the owner when it registers, before
     * it joins the list.
     */
    QLIST_ENTRY(rcu_reader_data) all_node;
    char name[16];
    int tid;
} QEMU_ALIGNED(64);

/* The calling thread's reader state. */
extern __thread struct rcu_reader_data rcu_reader
    __attribute__((tls_model("initial-exec")));

static inline struct rcu_reader_data *get_ptr_rcu_reader(void)
{
    return &rcu_reader;
}

/*
 * The grace-period counter.  Written by synchronize_rcu under its lock,
 * with store-releases; read by readers, with load-acquires, when a section
 * starts or a quiescent state is reported.
 */
extern unsigned long rcu_gp_ctr;

/*
 * True if synchronize_rcu forces a full barrier on every running reader
 * with membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED), so that the read side
 * needs only compiler barriers.  Decided once, before main() runs.
 */
extern bool rcu_sys_membarrier;

/*
 * The read side's barrier: between announcing a section (or a quiescent
 * state) and reading shared data, and between announcing the end of a
 * section and looking for a waiting synchronize_rcu.  It pairs with the
 * barrier that synchronize_rcu issues on behalf of every reader (see
 * util/rcu.c): a compiler barrier when that is membarrier, smp_mb()
 * otherwise.
 */
static inline void rcu_read_side_barrier(void)
{
    if (likely(rcu_sys_membarrier)) {
        barrier();
    } else {
        smp_mb();
    }
}

/* Slow paths of the inline functions below. */
void rcu_wake_waiter(struct rcu_reader_data *p);
QEMU_NORETURN void rcu_read_unlock_unbalanced(void);
QEMU_NORETURN void rcu_read_lock_unregistered(void);
void rcu_check_qsbr(struct rcu_reader_data *p, const char *fn, bool online);
QEMU_NORETURN void rcu_qsbr_only_offline(const char *fn);
void rcu_unpark(struct rcu_reader_data *p);

/*
 * A quiescent point: store ctr (0, or a fresh snapshot), then wake a grace
 * period that waits for this reader.  The release keeps every read before
 * it: pairs with the load-acquire of ctr in util/rcu.c.  The barrier
 * orders the store before the load of "waiting": pairs with
 * rcu_sync_barrier() after synchronize_rcu sets it.
 */
static inline void rcu_reader_quiescent(struct rcu_reader_data *p,
                                        unsigned long ctr)
{
    qatomic_store_release(&p->ctr, ctr);
    rcu_read_side_barrier();
#ifndef RCU_BUG_LOST_WAKEUP     /* seeded bug: see tests/unit/meson.build */
    if (unlikely(qatomic_read(&p->waiting))) {
        rcu_wake_waiter(p);
    }
#endif
}

/*
 * Announce a section (or being online) with a snapshot of the counter.
 * The load-acquire pairs with the store-release that advances it: a
 * section that reads a new value sees what was removed before.  The
 * store-release keeps the previous section's reads before it, for a grace
 * period that sees the new snapshot.
 */
static inline void rcu_reader_announce(struct rcu_reader_data *p)
{
    qatomic_store_release(&p->ctr, qatomic_load_acquire(&rcu_gp_ctr));
    /*
     * Announce, then read: pairs with rcu_sync_barrier() in util/rcu.c.
     * A compiler barrier when that is membarrier, unless this reader is
     * parked (then, as always without membarrier, smp_mb()).
     */
#ifndef RCU_BUG_READER_NO_BARRIER       /* seeded bug: tests/unit/meson.build */
    if (unlikely(qatomic_read(&p->parked))) {
        rcu_unpark(p);
    } else {
        barrier();
    }
#endif
}

/*
 * True if fn (rcu_read_lock or rcu_read_unlock) has nothing to do because
 * this file was built with RCU_QSBR_ONLY: the thread is online by
 * contract.  Debug builds check the contract, and go on to count sections.
 */
static inline bool rcu_qsbr_only(struct rcu_reader_data *p, const char *fn)
{
#if defined(RCU_QSBR_ONLY) && defined(CONFIG_DEBUG)
    if (!(p->nest & RCU_NEST_ONLINE)) {
        rcu_qsbr_only_offline(fn);
    }
    return false;
#elif defined(RCU_QSBR_ONLY)
    return true;
#else
    return false;
#endif
}

/*
 * Enter a read-side section.  Sections nest.
 *
 * The outermost section of an ordinary thread announces itself in ctr;
 * the others only count in nest.  An online thread is announced already,
 * and stays so until it goes offline, which it must not do inside a
 * section: outside debug builds its sections need no bookkeeping at all,
 * as with liburcu's QSBR flavour.  Debug builds count them anyway, to
 * catch a stray rcu_read_unlock or a synchronize_rcu inside one.  Under
 * RCU_QSBR_ONLY the thread is online by contract, and the test goes too.
 */
static inline void rcu_read_lock(void)
{
    struct rcu_reader_data *p = get_ptr_rcu_reader();

    if (rcu_qsbr_only(p, "rcu_read_lock")) {
        return;
    }
#ifndef CONFIG_DEBUG
    if (p->nest == RCU_NEST_ONLINE) {
        return;
    }
#endif
    /* (likely: lay the common path of ordinary threads out straight) */
    if (likely(!qatomic_read(&p->ctr))) {
#ifdef CONFIG_DEBUG
        /* No grace period would wait for this section. */
        if (!p->registered) {
            rcu_read_lock_unregistered();
        }
#endif
        rcu_reader_announce(p);
    } else {
#ifdef RCU_BUG_NESTED_REFRESH   /* seeded bug: see tests/unit/meson.build */
        rcu_reader_announce(p);
#endif
        p->nest++;
    }
}

/* Leave a read-side section. */
static inline void rcu_read_unlock(void)
{
    struct rcu_reader_data *p = get_ptr_rcu_reader();
    unsigned nest;

    if (rcu_qsbr_only(p, "rcu_read_unlock")) {
        return;
    }
    nest = p->nest;
    if (nest == RCU_NEST_ONLINE) {
#ifdef CONFIG_DEBUG
        /* Online and in no section (debug builds count sections). */
        rcu_read_unlock_unbalanced();
#endif
        return;
    }
    if (likely(!nest)) {
#ifdef CONFIG_DEBUG
        /* Elsewhere a stray unlock only stores 0 again: harmless. */
        if (!qatomic_read(&p->ctr)) {
            rcu_read_unlock_unbalanced();
        }
#endif
        rcu_reader_quiescent(p, 0);
    } else {
        p->nest = nest - 1;
    }
}

/*
 * QSBR: report that the calling online thread holds no RCU-protected
 * pointer at this point.  Costs two loads and a compare unless a grace
 * period has started since the last report.  Not inside rcu_read_lock.
 */
static inline void rcu_quiescent_state(void)
{
    struct rcu_reader_data *p = get_ptr_rcu_reader();
    /* Acquire: as in rcu_read_lock. */
    unsigned long gp = qatomic_load_acquire(&rcu_gp_ctr);

#ifdef CONFIG_DEBUG
    rcu_check_qsbr(p, "rcu_quiescent_state", true);
#endif
    /*
     * If the snapshot is current, no grace period waits for this thread
     * (and none will without changing rcu_gp_ctr first).
     */
    if (qatomic_read(&p->ctr) != gp) {
        rcu_reader_quiescent(p, gp);
    }
}

/*
 * QSBR: stop being a reader (before blocking, or before a long stretch
 * without quiescent states).  The thread must be online.
 */
static inline void rcu_thread_offline(void)
{
    struct rcu_reader_data *p = get_ptr_rcu_reader();

#ifdef CONFIG_DEBUG
    rcu_check_qsbr(p, "rcu_thread_offline", true);
#endif
    qatomic_set(&p->online, false);
    p->nest = 0;
    rcu_reader_quiescent(p, 0);
}

/*
 * QSBR: become a reader that needs no rcu_read_lock, until the next
 * rcu_thread_offline.  The thread must be registered, offline and outside
 * any read-side section.
 */
static inline void rcu_thread_online(void)
{
    struct rcu_reader_data *p = get_ptr_rcu_reader();

#ifdef CONFIG_DEBUG
    rcu_check_qsbr(p, "rcu_thread_online", false);
#endif
    qatomic_set(&p->online, true);
    p->nest = RCU_NEST_ONLINE;
    rcu_reader_announce(p);
}

/*
 * True inside a read-side section, and on an online QSBR thread (which is
 * a reader all the time), as liburcu's rcu_read_ongoing.
 */
static inline bool rcu_read_ongoing(void)
{
    return qatomic_read(&get_ptr_rcu_reader()->ctr) != 0;
}

/*
 * Wait for a grace period.  Not inside a read-side section; an online QSBR
 * thread is taken offline for the wait.  Any thread may call it,
 * registered or not.  Concurrent callers share grace periods.  Never call
 * it with the BQL held where a reader may need the BQL to make progress.
 */
void synchronize_rcu(void);

/*
 * Make the calling thread known to synchronize_rcu, as a reader outside any
 * read-side section.  Every thread that reads does this first, except the
 * main thread, which is registered at startup.
 */
void rcu_register_thread(void);
/*
 * The reverse, before the thread exits; an online thread goes offline
 * first.  Not inside a read-side section.  A thread that exits while
 * registered is unregistered by a thread-exit hook.
 */
void rcu_unregister_thread(void);

/*
 * fork() support.  By default the child of a fork has working RCU: the
 * registry holds only the forking thread, and locks and events are fresh.
 * Callbacks queued in the parent and not yet run there run in the child
 * too, once it queues a callback or drains (fork waits for a running
 * callback to return).  The forking thread must not be inside a
 * read-side section (it may be online), nor in an RCU callback.
 * rcu_disable_atfork() turns this off for programs whose child only calls
 * exec or _exit, so that fork never waits for a grace period.
 */
void rcu_enable_atfork(void);
void rcu_disable_atfork(void);

/*
 * Deferred reclamation.
 *
 * call_rcu1(head, func) queues func(head) to run after a grace period that
 * starts after the call.  Callbacks run in the order they were queued, on
 * the call_rcu thread, with the BQL held; they must not block for long nor
 * call synchronize_rcu or drain_call_rcu.  call_rcu1 may be called from
 * any thread, registered or not, at any time, including before the main
 * loop or any vCPU exists: the call_rcu thread starts on first use.  It
 * never blocks and makes no system call unless the call_rcu thread is
 * asleep.
 */
struct rcu_head;
typedef void RCUCBFunc(struct rcu_head *head);

struct rcu_head {
    struct rcu_head *next;
    RCUCBFunc *func;
};

void call_rcu1(struct rcu_head *head, RCUCBFunc *func);

/*
 * The call_rcu thread's batching policy.  With ms > 0 the thread waits ms
 * milliseconds after it finds callbacks queued, before it takes them, so
 * that more of them share one grace period, at the cost of that much
 * latency; liburcu's call_rcu thread waits 10 ms.  With 0, the default,
 * it takes them at once, and naps 1 ms only to merge a trickle of small
 * batches.  Takes effect from the next batch.
 */
void call_rcu_set_batch_delay(int ms);

/*
 * call_rcu(obj, func, field): func(obj) after a grace period.  field is
 * the struct rcu_head member of *obj, which must come first (so that the
 * callback's argument is obj itself), and func must take a pointer to
 * obj's type.  Both are checked at compile time.
 */
#define call_rcu(obj, func, field)                                          \
    call_rcu1(&(obj)->field +                                               \
              QEMU_BUILD_BUG_ON_ZERO(offsetof(typeof(*(obj)), field) != 0) + \
              QEMU_BUILD_BUG_ON_ZERO(!__builtin_types_compatible_p(         \
                  typeof(&*(func)), void (*)(typeof(obj)))),                \
              (RCUCBFunc *)(func))

/* g_free(obj) after a grace period; field as for call_rcu. */
void rcu_g_free_cb(struct rcu_head *head);
#define g_free_rcu(obj, field)                                              \
    call_rcu1(&(obj)->field +                                               \
              QEMU_BUILD_BUG_ON_ZERO(offsetof(typeof(*(obj)), field) != 0), \
              rcu_g_free_cb)

/*
 * Wait until every callback queued before the call has run.  If the
 * caller holds the BQL, it is released while waiting and taken again, so
 * that the callbacks can run; an online QSBR caller goes offline for the
 * wait.  Not inside a read-side section, not from a callback.  While a
 * drain waits, grace periods call the force-RCU notifiers of the readers
 * that hold them up.
 */
void drain_call_rcu(void);

/* liburcu's name for drain_call_rcu. */
static inline void rcu_barrier(void)
{
    drain_call_rcu();
}

/*
 * Polling for a grace period, with liburcu's names and meaning:
 *
 *     struct urcu_gp_poll_state s = start_poll_synchronize_rcu();
 *     ...
 *     if (poll_state_synchronize_rcu(s)) {
 *         free what was removed before start_poll_synchronize_rcu
 *     }
 *
 * start_poll_synchronize_rcu returns at once, having made sure that a
 * grace period starts after the call; poll_state_synchronize_rcu returns
 * true once such a grace period has ended.  Neither blocks; both may be
 * called from any thread, registered or not, and inside a read-side
 * section.  The handle is opaque.
 */
struct urcu_gp_poll_state {
    uint64_t grace_period_id;
};

struct urcu_gp_poll_state start_poll_synchronize_rcu(void);
bool poll_state_synchronize_rcu(struct urcu_gp_poll_state state);

/*
 * What RCU is doing, for 'info rcu' and 'x-query-rcu' (a snapshot: the
 * figures are read one after the other, not all at one instant).
 */
typedef struct RcuStats {
    uint64_t gp_completed;      /* grace periods completed */
    uint64_t gp_waited;         /* of those, the ones that waited for a reader */
    int64_t gp_age_us;          /* age of the grace period waiting, or -1 */
    uint64_t cb_queued;         /* callbacks queued by call_rcu, ever */
    uint64_t cb_run;            /* callbacks that have run */
    uint64_t cb_pending;        /* queued and not yet run */
    int readers;                /* registered threads */
    int readers_online;         /* of those, online QSBR threads */
    int readers_in_section;     /* of those, in rcu_read_lock */
    char holdout[16];           /* the thread that the last grace period that */
    int holdout_tid;            /* waited waited for last ("" and 0: none) */
    int64_t holdout_us;         /* and how long that grace period took */
    uint64_t wakeups_rescued;   /* readers counted off after a timeout */
    int stall_timeout_ms;       /* rcu_set_stall_timeout (0: off) */
    uint64_t stall_warnings;    /* stall warnings logged */
} RcuStats;

void rcu_get_stats(RcuStats *stats);

/*
 * Stall warnings.  A grace period that has waited ms milliseconds for a
 * reader logs which threads hold it up, and in what state (in a read-side
 * section, or online without a quiescent state); it logs again after 2ms,
 * 4ms, and so on, as long as it lasts.  0 turns the warnings off.  The
 * default is 10 s, or GRACE_RCU_STALL_TIMEOUT_MS from the environment at
 * startup.
 */
void rcu_set_stall_timeout(int ms);

/*
 * Force-RCU notifiers.  A thread that can hold up grace periods for long
 * (a vCPU running guest code between quiescent states) registers one; a
 * grace period that waits for that thread calls it, from the waiting
 * thread, with rcu_registry_lock held, when drain_call_rcu is waiting or
 * once the grace period has lasted more than a few milliseconds, and again
 * every few milliseconds after that.  The notifier must make the thread
 * reach a quiescent state soon (kick it out of guest code) without
 * blocking and without calling into RCU.  Both calls apply to the calling
 * thread, which must be registered.
 */
void rcu_add_force_rcu_notifier(Notifier *n);
void rcu_remove_force_rcu_notifier(Notifier *n);

/*
 * Scope guards: a read-side section until the end of the enclosing scope,
 * or of the following block.  Early returns and breaks unlock.
 *
 *     RCU_READ_LOCK_GUARD();
 *     WITH_RCU_READ_LOCK_GUARD() { ... }
 */
static inline void rcu_read_guard_cleanup(bool *locked)
{
    if (*locked) {
        rcu_read_unlock();
    }
}

#define RCU_READ_GUARD_NAME(n) glue(rcu_read_guard_, n)

#define RCU_READ_LOCK_GUARD()                                           \
    bool RCU_READ_GUARD_NAME(__COUNTER__)                               \
        QEMU_CLEANUP(rcu_read_guard_cleanup) QEMU_UNUSED =              \
        ({ rcu_read_lock(); true; })

#define WITH_RCU_READ_LOCK_GUARD_(var)                                  \
    for (bool var QEMU_CLEANUP(rcu_read_guard_cleanup) =                \
             ({ rcu_read_lock(); true; });                              \
         var; rcu_read_unlock(), var = false)
#define WITH_RCU_READ_LOCK_GUARD() \
    WITH_RCU_READ_LOCK_GUARD_(RCU_READ_GUARD_NAME(__COUNTER__))

/*
 * QEMU's g_autoptr form of the guard, for code that spells it out:
 *
 *     g_autoptr(RCUReadAuto) guard = rcu_read_auto_lock();
 *
 * The pointer only says "unlock at the end of the scope"; it is never
 * dereferenced.
 */
typedef void RCUReadAuto;

static inline RCUReadAuto *rcu_read_auto_lock(void)
{
    rcu_read_lock();
    return (RCUReadAuto *)(uintptr_t)1;
}

static inline void rcu_read_auto_unlock(RCUReadAuto *r)
{
    rcu_read_unlock();
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(RCUReadAuto, rcu_read_auto_unlock)

/*
 * rcu_assert(cond): assert(cond) in debug builds (configure --enable-debug,
 * or DEBUG_RCU defined before this header, as in QEMU); elsewhere cond is
 * not evaluated, though the variables in it count as used.
 */
#if defined(CONFIG_DEBUG) || defined(DEBUG_RCU)
#define rcu_assert(...)     assert(__VA_ARGS__)
#else
#define rcu_assert(...)     ((void)sizeof(!(__VA_ARGS__)))
#endif

#endif /* QEMU_RCU_H */
