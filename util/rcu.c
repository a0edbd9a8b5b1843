/*
 * Read-copy-update (include/qemu/rcu.h): the registry of readers and the
 * grace-period machinery.  The read side is inline in the header.
 *
 * Why a reader can never see freed memory
 * ---------------------------------------
 * An updater makes an object unreachable (one pointer store, "removal"),
 * calls synchronize_rcu(), and frees the object when it returns.  The
 * grace period goes:
 *
 *   G1  smp_mb(), then rcu_gp_ctr advances, with a store-release, to a
 *       value no reader has ever taken a snapshot of (where long has 64
 *       bits; see "32-bit hosts" below).
 *   G2  for each registered reader, load-acquire its ctr until the reader
 *       is cleared, in one of two ways:
 *       (a) it carries the new snapshot;
 *       (b) it is quiescent (ctr zero) in a load made after
 *           rcu_sync_barrier(): a full barrier on the updater and, with
 *           membarrier, on every thread of the process that is running.
 *       A reader in a section with an older snapshot is not cleared.
 *
 * A reader's outermost section goes:
 *
 *   R1  ctr = snapshot (a load-acquire of rcu_gp_ctr, stored with a
 *       store-release)
 *   R2  a compiler barrier; smp_mb() where readers have no membarrier,
 *       or if the reader is parked (see below)
 *   R3  reads of shared data
 *   R4  ctr = 0 (store-release)
 *
 * Nested sections only count in the reader's private nest count: they are
 * part of the outermost one, and ctr keeps its snapshot until R4.
 *
 * Take a reader that reads the object at R3, and the way G2 cleared it.
 *
 * (a) G2 saw the new snapshot, stored at the R1 of a section whose
 *     load-acquire read the value stored at G1; that pairs with G1's
 *     store-release, so from that section on the reader sees the removal.
 *     Every earlier section's R3 came before that R1, whose store-release
 *     keeps it there: it was over by the time G2's load-acquire returned.
 *
 * (b) G2 saw the reader quiescent after the barrier.  Either R3 comes
 *     after the barrier point in that reader (for a thread that is not
 *     running, the context switch is the barrier point), and then it sees
 *     the removal, made before the barrier; or R3 comes before it, and
 *     then so does R1, since R2 keeps R1 before R3 (with membarrier R2
 *     need only stop the compiler: the barrier is the CPU barrier).  Then
 *     the store at R1 is visible to G2's load after the barrier, so the
 *     zero that load read was written later, at that section's R4 or
 *     after: R4's release keeps R3 before it, so R3 was over.
 *
 * Either way the reader is done with the object before the updater's
 * load-acquire returns, so before the free.
 *
 * A QSBR thread is a reader whose R1 is rcu_thread_online() and whose R4
 * is rcu_thread_offline(); rcu_quiescent_state() is an R4 immediately
 * followed by an R1 (one store-release of a fresh snapshot).  An online
 * thread is never quiescent, so (a) clears it: at its next quiescent
 * state.  The thread calling synchronize_rcu is outside any section and
 * has no other order to keep than its own program order; it is cleared
 * at once.  So a thread that never reads need not register to call it:
 * it is not in the registry, and nothing waits for it.
 *
 * Parked readers
 * --------------
 * A grace period that finds every other reader quiescent still needs (b),
 * hence the barrier, which costs a system call even when no CPU needs
 * interrupting.  A reader that stays quiescent for a while (a thread
 * asleep in a poll, the main thread of a program whose work is elsewhere)
 * would cost every grace period that system call.  So a grace period that
 * issues the barrier first "parks" the readers that look quiescent: it
 * raises their "parked" flag, then issues the barrier.  A reader that
 * starts a section (R1, or rcu_thread_online) and then finds its flag up
 * runs smp_mb() before its reads (R2 becomes a full barrier), and only
 * then takes the flag down.  A later grace period may clear a reader that
 * it sees quiescent and parked (ctr loaded first, with acquire, then the
 * flag) without a barrier, after a full barrier of its own between
 * marking its start (rcu_seq_start) and looking:
 *
 *  - a section whose R1 came before the barrier point of the parking
 *    grace period is visible to every later look, so the reader does not
 *    look quiescent until R4 (store-release) has followed its reads;
 *  - a section whose R1 came after it found the flag up, since the flag
 *    was raised before the barrier: its R2 is a full barrier, and with the
 *    grace period's own, either the look sees R1 (not quiescent), or the
 *    reads see the removal (store buffering, full barriers on both sides);
 *  - a section after the reader took the flag down: the flag went down
 *    before R4 of the section that took it down (a store-release), so a
 *    look that sees that R4, or anything later, finds the flag down.
 *
 * tests/spin/rcu-park.pml checks this against store buffers, and finds
 * the protocol broken without either full barrier or with the flag raised
 * after the barrier.
 *
 * A grace period whose every other reader is quiescent and parked has no
 * reader to wait for: synchronize_rcu tries one first, under
 * rcu_registry_lock alone, and it costs about what taking a mutex does
 * (liburcu's synchronize_rcu returns at once only when no thread is
 * registered at all).  The usual grace period clears parked readers the
 * same way, so that an idle thread costs it no barrier either.  Where
 * readers use smp_mb() (no membarrier) every quiescent reader is as good
 * as parked.
 *
 * The barrier is the expensive step: membarrier interrupts every CPU
 * that runs a thread of the process, which costs about 17 us on a virtual
 * machine whose other vCPU runs a reader.  Busy readers are cleared by
 * (a) within nanoseconds, so G2 polls first, and issues the barrier (at
 * most once per grace period) only for readers that polling cannot clear:
 * those that keep looking quiescent, which are mostly idle threads whose
 * CPUs membarrier need not interrupt, and those in long sections.
 *
 * Sleeping without missing a wake-up
 * ----------------------------------
 * A grace period that finds a reader still in an old section polls it
 * for up to 20 us: sections are short, and a reader that leaves while
 * polled costs nobody a system call.  If readers remain, the grace period
 * sleeps on rcu_gp_event until they leave.  It counts them into
 * rcu_gp_pending, raises each one's "waiting" flag, runs
 * rcu_sync_barrier(), and looks at ctr again before it sleeps; a reader
 * stores ctr at R4 (or at a quiescent state), runs
 * rcu_read_side_barrier(), and looks at "waiting".  This is the
 * store-buffering pattern with a full barrier on both sides (membarrier
 * on the waiter's side supplies the reader's), so either the waiter sees
 * the reader quiescent, or the reader sees the flag, or both; an exchange
 * on the flag decides which of them counts the reader off rcu_gp_pending,
 * and whoever brings it to zero sets the event (so the waiter is woken
 * once, by the last reader, and not at all if it counted everyone off
 * itself).  rcu_gp_event is reset before the flags go up, so a set cannot
 * be lost, and only the thread holding rcu_sync_lock resets it
 * (QemuEvent's one-resetter rule, taken in turns under that lock).  A set
 * may arrive late, from the last reader of an earlier grace period that
 * was preempted between its count and its set, so a wake-up only says
 * "look again": the waiter resets the event after every wake-up and looks
 * at rcu_gp_pending before it sleeps again, and it kicks the readers by
 * the clock (tests/spin/rcu-gp-wait.pml checks this loop).
 *
 * 32-bit hosts
 * ------------
 * (a) relies on a reader's snapshot never equalling a value installed
 * later.  A reader may read rcu_gp_ctr, be preempted before storing its
 * snapshot at R1, and store it much later: with 48 bits of count that
 * takes 2^48 grace periods to alias, which cannot happen, but with 16 it
 * could.  So where long has 32 bits rcu_gp_ctr is a phase bit, and a
 * grace period issues the barrier first, then flips the phase and waits
 * twice, clearing readers that are quiescent or carry the current phase.
 * A reader whose R3 came before the barrier point stored its snapshot
 * before it too; that snapshot, however stale, carries one of the two
 * phases, and the wait after the flip that installs the other phase
 * waits for the section to end.  RCU_FORCE_TWO_PHASE selects this scheme
 * on 64-bit hosts too, for testing.
 *
 * Deferred reclamation
 * --------------------
 * call_rcu1 pushes its rcu_head on a lock-free stack (compare-and-swap)
 * and wakes the call_rcu thread only if the stack was empty.  The thread
 * takes the whole stack with one exchange, reverses it (so callbacks run
 * in the order they were queued), waits for a grace period, and runs the
 * batch under the BQL.  Every callback in a batch was pushed before the
 * exchange, which comes before synchronize_rcu, so its grace period
 * started after the push.  drain_call_rcu queues a callback that sets an
 * event: since batches run in order, when it runs everything queued
 * before it has run.  fork() waits until no callback is running, so a
 * child finds each callback its parent queued either run (before the
 * fork) or still to run: on the stack, or taken by the parent's thread;
 * the child's own call_rcu thread runs the latter first.
 *
 * Readers that stay in a section, or online, for long would hold grace
 * periods up without limit (a vCPU running a guest loop).  A grace period
 * that sleeps therefore calls the force-RCU notifiers of the readers it
 * waits for: at once when someone is in drain_call_rcu, otherwise after
 * RCU_FORCE_MS, and every RCU_FORCE_MS after that.
 *
 * Locks
 * -----
 * rcu_sync_lock serialises the usual grace periods (G1-G2, and the
 * counter).  rcu_registry_lock protects the registry of readers, their
 * force-RCU notifier lists and the statistics; a grace period holds it
 * while it scans, and drops it while it sleeps; the fast grace period
 * runs under it alone.  rcu_call_lock keeps the call_rcu thread's batch
 * consistent for fork (see call_rcu below).  Order: BQL, rcu_call_lock,
 * rcu_sync_lock, rcu_registry_lock; the call_rcu thread waits for grace
 * periods with none of them held.
 */
#include "qemu/osdep.h"
#include "qemu/rcu.h"
#include "qemu/atomic.h"
#include "qemu/thread.h"
#include "qemu/queue.h"
#include "qemu/main-loop.h"
#include "qemu/error-report.h"
#include <pthread.h>
#ifdef CONFIG_LINUX
#include <linux/membarrier.h>
#include <sys/syscall.h>
#endif

#if ULONG_MAX == UINT32_MAX || defined(RCU_FORCE_TWO_PHASE)
#define RCU_TWO_PHASE 1
#endif

/* Odd, so that no snapshot is 0 (quiescent): RCU_GP_CTR keeps it odd. */
QEMU_BUILD_BUG_ON(RCU_GP_CTR & 1);

/*
 * The grace-period counter: written by synchronize_rcu with rcu_sync_lock
 * held, read by every reader.  On a cache line of its own, since readers
 * load it all the time and nothing else should invalidate it.
 */
unsigned long rcu_gp_ctr QEMU_ALIGNED(64) = 1;

/* Written once by rcu_init(), before main(); read by every reader. */
bool rcu_sys_membarrier;

__thread struct rcu_reader_data rcu_reader
    __attribute__((tls_model("initial-exec")));

/* Serialises grace periods. */
static QemuMutex rcu_sync_lock;

/*
 * The grace-period sequence: twice the number of grace periods completed,
 * plus one while one is in progress.  Written with rcu_registry_lock held
 * (and rcu_sync_lock, except by the fast path of synchronize_rcu, which
 * starts and ends a grace period within one hold of rcu_registry_lock);
 * read without locks by synchronize_rcu and the polling API, to find out
 * whether a grace period that started after some point has completed.
 */
static uint64_t rcu_gp_seq;

static uint64_t rcu_seq_read(void)
{
    uint64_t seq = qatomic_read_u64(&rcu_gp_seq);

    /* Pairs with smp_mb_release() in rcu_seq_end. */
    smp_mb_acquire();
    return seq;
}

/*
 * A grace period starts: mark it, then look at the readers.  The barrier
 * keeps the caller's removals, and the mark, before every look at a
 * reader, so that a thread that read the sequence before the mark may
 * count on this grace period.  Called with rcu_registry_lock held.
 */
static void rcu_seq_start(void)
{
    qatomic_set_u64(&rcu_gp_seq, rcu_gp_seq + 1);
    smp_mb();
}

/* It ends: what it saw of the readers comes before the count. */
static void rcu_seq_end(void)
{
    smp_mb_release();
    qatomic_set_u64(&rcu_gp_seq, rcu_gp_seq + 1);
}

/*
 * The sequence value at which a grace period that starts after the
 * caller read seq will have completed: the next even value, or the one
 * after it if a grace period (which may have started earlier) is in
 * progress.
 */
static uint64_t rcu_seq_target(uint64_t seq)
{
    return (seq + 3) & ~(uint64_t)1;
}

/* The registered readers; under rcu_registry_lock. */
typedef QLIST_HEAD(, rcu_reader_data) ReaderList;
static QemuMutex rcu_registry_lock;
static ReaderList registry = QLIST_HEAD_INITIALIZER(registry);

/*
 * For statistics and stall warnings, under rcu_registry_lock: every
 * registered reader (linked by all_node, wherever a grace period has
 * moved its node); when the grace period that waits for readers started
 * (0: none waits), and when it next warns of a stall; how many grace
 * periods waited for a reader (found one in a section or online with an
 * older snapshot), and whether the current one does; the last such reader
 * cleared, and the one that the last grace period that waited waited for
 * last, with how long that took; wake-ups that a timeout found missing;
 * stall warnings logged.
 */
static ReaderList rcu_all_readers = QLIST_HEAD_INITIALIZER(rcu_all_readers);
static int64_t rcu_gp_start_us;
static int64_t rcu_stall_warn_us;
static uint64_t rcu_gp_waited;
static bool rcu_gp_held;
static char rcu_cleared_name[16];
static int rcu_cleared_tid;
/*
 * The reader whose claim last brought rcu_gp_pending to zero: set by it
 * (atomically, without a lock), taken by the grace period it woke, or, if
 * the reader unregisters first, noted by rcu_unregister_reader; both under
 * rcu_registry_lock.  A reader unregisters only under that lock, so a
 * non-NULL value seen under it points to a registered reader.
 */
static struct rcu_reader_data *rcu_waker;
static char rcu_holdout_name[16];
static int rcu_holdout_tid;
static int64_t rcu_holdout_us;
static uint64_t rcu_wakeups_rescued;
static uint64_t rcu_stall_warnings;

/* rcu_set_stall_timeout's; read by grace periods. */
static int rcu_stall_timeout_ms = 10 * 1000;

/*
 * A grace period sleeps on it; readers set it.  Reset only by the holder of
 * rcu_sync_lock.
 */
static QemuEvent rcu_gp_event;

/* Unregisters threads that exit while registered. */
static pthread_key_t rcu_thread_key;

/*
 * A sleeping grace period kicks the readers it waits for after this long,
 * and again this often.
 */
#define RCU_FORCE_MS 5

/*
 * Threads inside drain_call_rcu: changed by them with atomic increments
 * and decrements, read by grace periods (kick readers at once) and by the
 * call_rcu thread (no naps).
 */
static int rcu_drain_pending;

/* True on the call_rcu thread, and there while it runs callbacks. */
static __thread bool rcu_in_call_thread;
static __thread bool rcu_in_callback;

static QEMU_NORETURN QEMU_COLD void rcu_abort(const char *msg)
{
    fprintf(stderr, "qemu: RCU: %s\n", msg);
    abort();
}

void rcu_read_unlock_unbalanced(void)
{
    rcu_abort("rcu_read_unlock without a matching rcu_read_lock");
}

void rcu_read_lock_unregistered(void)
{
    rcu_abort("rcu_read_lock called by a thread that is not registered "
              "(rcu_register_thread): grace periods would not wait for it");
}

void rcu_qsbr_only_offline(const char *fn)
{
    rcu_abort(g_strdup_printf("%s called by a thread that is not online, in "
                              "code built with RCU_QSBR_ONLY: grace periods "
                              "would not wait for it", fn));
}

void rcu_check_qsbr(struct rcu_reader_data *p, const char *fn, bool online)
{
    char *msg;

    if (!p->registered) {
        msg = g_strdup_printf("%s called by a thread that is not registered "
                              "(rcu_register_thread)", fn);
    } else if (p->online != online) {
        msg = g_strdup_printf("%s called while the thread is %s", fn,
                              p->online ? "online" : "offline");
    } else if (online ? p->nest != RCU_NEST_ONLINE
                      : p->nest || qatomic_read(&p->ctr)) {
        msg = g_strdup_printf("%s called inside an RCU read-side critical "
                              "section", fn);
    } else {
        return;
    }
    rcu_abort(msg);
}

/* True if p is inside rcu_read_lock (being online does not count). */
static bool rcu_reader_in_section(struct rcu_reader_data *p)
{
    if (p->online) {
        return p->nest > RCU_NEST_ONLINE;   /* debug builds count them */
    }
    return qatomic_read(&p->ctr) != 0;
}

/*
 * The updater's side of every barrier pairing with the read side: a full
 * barrier here, and with membarrier one on every running thread of the
 * process too, which turns the readers' compiler barriers into full ones.
 */
static void rcu_sync_barrier(void)
{
#ifdef CONFIG_LINUX
    if (rcu_sys_membarrier) {
        if (syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0)) {
            /* It worked at startup; failing now breaks the read side. */
            rcu_abort("membarrier failed");
        }
        return;
    }
#endif
    smp_mb();
}

/* Ask for MEMBARRIER_CMD_PRIVATE_EXPEDITED; true if it may be used. */
static bool rcu_membarrier_register(void)
{
#ifdef CONFIG_LINUX
    return syscall(__NR_membarrier,
                   MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
#else
    return false;
#endif
}

/*
 * How long a grace period polls the readers it waits for before going to
 * sleep.  Read-side sections are usually much shorter, and a reader that
 * leaves while the grace period polls costs neither side a system call.
 * But a reader that is not running will not leave, and polling for it
 * only keeps it off the CPU when the host is overcommitted; so the budget
 * adapts.  It doubles (up to RCU_SPIN_MAX_US, about what a futex sleep and
 * wake-up cost here) when polling was enough, and halves (down to
 * RCU_SPIN_MIN_US) when it was not.  Written under rcu_sync_lock.
 */
#define RCU_SPIN_MIN_US 1
#define RCU_SPIN_MAX_US 20
static int rcu_spin_us = RCU_SPIN_MAX_US;

/*
 * Flags raised by the sleeping grace period and not yet claimed: set by
 * it (rcu_sync_lock held) before it raises them, counted down by whoever
 * claims one.  The claim that brings it to zero sets rcu_gp_event.
 */
static int rcu_gp_pending;

#ifdef RCU_TEST_HOOKS
/*
 * Test programs built with RCU_TEST_HOOKS (tests/unit/meson.build) set
 * these to widen the races they want to hit.  Called, when set:
 *   rcu_test_hook_before_gp_set: by the reader whose claim brought
 *       rcu_gp_pending to zero, before it sets rcu_gp_event.
 */
void (*rcu_test_hook_before_gp_set)(void);
#endif

static inline void rcu_cpu_relax(void)
{
#if defined(__i386__) || defined(__x86_64__)
    asm volatile("pause" ::: "memory");
#elif defined(__aarch64__)
    asm volatile("yield" ::: "memory");
#else
    barrier();
#endif
}

/*
 * Take down p's "waiting" flag; true if this call did.  Both the reader
 * (as it becomes quiescent) and the grace period (when it sees it
 * quiescent) try, and the exchange makes exactly one of them count it off
 * rcu_gp_pending.
 *
 * A reader that saw the flag of one grace period may be slow enough to
 * claim the flag raised by the next one.  That is still right: it claims
 * from inside a quiescent point, before reading anything new, and its
 * exchange reads a flag stored after that grace period's G1 and G2 (and
 * smp_wmb), so what it reads next sees that grace period's removals.
 */
static bool rcu_claim_waiting(struct rcu_reader_data *p)
{
    return qatomic_xchg(&p->waiting, false);
}

/*
 * A reader that found its "waiting" flag up after becoming quiescent: the
 * last one the grace period waits for wakes it.
 */
void rcu_wake_waiter(struct rcu_reader_data *p)
{
    if (rcu_claim_waiting(p) && qatomic_dec_fetch(&rcu_gp_pending) == 0) {
        qatomic_set(&rcu_waker, p);
#ifdef RCU_TEST_HOOKS
        if (rcu_test_hook_before_gp_set) {
            rcu_test_hook_before_gp_set();
        }
#endif
        qemu_event_set(&rcu_gp_event);
    }
}

/*
 * True if ctr, loaded with acquire from p->ctr, says p is quiescent, and
 * p is parked or reads with smp_mb(): a grace period that has started
 * (rcu_seq_start) before the load may clear it without a barrier (see
 * "Parked readers" at the top of the file).  The flag is loaded after ctr.
 */
static bool rcu_quiescent_and_parked(struct rcu_reader_data *p,
                                     unsigned long ctr)
{
#ifdef RCU_BUG_QUIESCENT_NO_BARRIER
    /* Seeded bug (tests/unit/meson.build): any quiescent reader will do. */
    return !ctr;
#endif
    return !ctr && (qatomic_read(&p->parked) || !rcu_sys_membarrier);
}

/* p is the last reader cleared so far.  Called with rcu_registry_lock held. */
static void rcu_note_cleared(struct rcu_reader_data *p)
{
    memcpy(rcu_cleared_name, p->name, sizeof(p->name));
    rcu_cleared_tid = p->tid;
}

/*
 * One pass over the registry: move the readers that G2 clears (see the top
 * of the file) to qsreaders, and claim their "waiting" flags if up.
 * Returns the number of flags claimed.  A reader that looks quiescent is
 * cleared only if barrier_done, that is if this pass comes after
 * rcu_sync_barrier(), or if it is parked.  Also keeps the hints that
 * decide when to issue the barrier (see rcu_only_idle_left).  Called with
 * rcu_registry_lock held.
 */
static int rcu_scan_readers(ReaderList *qsreaders, bool barrier_done)
{
    struct rcu_reader_data *self = get_ptr_rcu_reader();
    unsigned long gp = qatomic_read(&rcu_gp_ctr);
    struct rcu_reader_data *p, *next;
    int claimed = 0;

    QLIST_FOREACH_SAFE(p, &registry, node, next) {
        /* Pairs with the store-releases of ctr on the read side. */
        unsigned long ctr = qatomic_load_acquire(&p->ctr);
        bool cleared;

        if (p == self) {
            cleared = true;
        } else if (!ctr) {
            cleared = barrier_done || rcu_quiescent_and_parked(p, ctr);
            p->gp_quiescent_scans++;
        } else {
            cleared = ctr == gp;
            p->gp_quiescent_scans = 0;
            p->gp_seen_active = true;
            if (!cleared) {
                p->gp_held = true;
                rcu_gp_held = true;
            }
        }
        if (cleared) {
            if (p->gp_held) {
                rcu_note_cleared(p);
            }
            p->gp_busy = p->gp_seen_active;
            if (qatomic_read(&p->waiting) && rcu_claim_waiting(p)) {
                claimed++;
            }
            QLIST_REMOVE(p, node);
            QLIST_INSERT_HEAD(qsreaders, p, node);
        }
    }
    return claimed;
}

/*
 * True if polling will not clear the readers left and the barrier will:
 * each has looked quiescent in the last two passes, and looks idle (it
 * was in no section in the last wait that cleared it, nor in this one).
 * An idle thread is usually asleep, so the barrier does not interrupt its
 * CPU and costs little.  A busy reader can look quiescent for a while
 * (between two sections, while its load of rcu_gp_ctr misses in the
 * cache), and it is usually running, so that the barrier would interrupt
 * it; but it will show the new snapshot soon, so keep polling for it.
 */
static bool rcu_only_idle_left(void)
{
    struct rcu_reader_data *p;

    QLIST_FOREACH(p, &registry, node) {
        if (p->gp_busy || p->gp_seen_active || p->gp_quiescent_scans < 2) {
            return false;
        }
    }
    return true;
}

/*
 * Poll for rcu_spin_us at most; true once every reader is cleared.  Gives
 * up at once, without touching the budget, if no barrier has been issued
 * and only idle readers are left.
 */
static bool rcu_spin_for_readers(ReaderList *qsreaders, bool barrier_done)
{
    int64_t deadline = g_get_monotonic_time() + rcu_spin_us;

    for (int i = 1; !QLIST_EMPTY(&registry); i++) {
        if (!barrier_done && rcu_only_idle_left()) {
            return false;
        }
        rcu_cpu_relax();
        rcu_scan_readers(qsreaders, barrier_done);
        if (i % 16 == 0 && g_get_monotonic_time() >= deadline &&
            !QLIST_EMPTY(&registry)) {
            rcu_spin_us = MAX(rcu_spin_us / 2, RCU_SPIN_MIN_US);
            return false;
        }
    }
    rcu_spin_us = MIN(rcu_spin_us * 2, RCU_SPIN_MAX_US);
    return true;
}

/*
 * A grace period waits for readers: if it has waited long enough, say who
 * holds it up, and when to say it again.  Called with rcu_registry_lock
 * held, by rcu_sleep_for_readers each time it kicks the readers.
 */
static void rcu_check_stall(int64_t now)
{
    int64_t age = now - rcu_gp_start_us;
    struct rcu_reader_data *p;

    if (!qatomic_read(&rcu_stall_timeout_ms) || age < rcu_stall_warn_us) {
        return;
    }
    QLIST_FOREACH(p, &registry, node) {
        warn_report("RCU grace period stalled for %.3f s by thread %d (%s): "
                    "%s", age / 1e6, p->tid, p->name,
                    qatomic_read(&p->online) ?
                    "online, and no quiescent state since it started" :
                    "inside a read-side critical section");
    }
    rcu_stall_warnings++;
    rcu_stall_warn_us = 2 * age;
}

/*
 * Sleep until every reader left in the registry has become quiescent.
 * The readers are counted in rcu_gp_pending before their flags go up, so
 * that a reader claiming its flag at once finds it counted; the last
 * claim wakes this thread, so there is one wake-up however many readers
 * there are.  Called with rcu_registry_lock held; drops it while asleep.
 *
 * A wake-up proves nothing: the set that caused it may be a late one from
 * an earlier grace period, whose last reader counted itself off and was
 * preempted before its qemu_event_set.  So the loop re-arms after every
 * wake-up (reset, then look at rcu_gp_pending again: the usual QemuEvent
 * pattern), and decides when to kick the readers by the clock, not by
 * whether the wait timed out.  Each time it kicks it also rescans, which
 * counts off readers whose wake-up went missing.
 */
static void rcu_sleep_for_readers(ReaderList *qsreaders)
{
    struct rcu_reader_data *p, *waker;
    int64_t now, kick_at;
    int n = 0, claimed;

    /* Reset before the flags go up, so that no set can be lost. */
    qemu_event_reset(&rcu_gp_event);
    QLIST_FOREACH(p, &registry, node) {
        n++;
    }
    qatomic_set(&rcu_gp_pending, n);
    /* Count, then flags: pairs with the exchange in rcu_claim_waiting. */
    smp_wmb();
    QLIST_FOREACH(p, &registry, node) {
        qatomic_set(&p->waiting, true);
    }

    /*
     * Flags up, then look at ctr again: pairs with rcu_read_side_barrier()
     * between a reader's quiescent store and its load of "waiting".
     * Either this scan sees a reader quiescent, or the reader sees its
     * flag; the exchange in rcu_claim_waiting settles who counts it.
     */
    rcu_sync_barrier();
    claimed = rcu_scan_readers(qsreaders, true);
    if (claimed) {
        qatomic_sub(&rcu_gp_pending, claimed);
    }

    /* Kick at once while someone drains, else after RCU_FORCE_MS. */
    now = g_get_monotonic_time();
    kick_at = now;
    if (!qatomic_read(&rcu_drain_pending)) {
        kick_at += RCU_FORCE_MS * 1000;
    }
    /* The condition: pairs with the decrement in rcu_wake_waiter. */
    while (qatomic_read(&rcu_gp_pending)) {
        now = g_get_monotonic_time();
        if (now >= kick_at) {
            rcu_check_stall(now);
            QLIST_FOREACH(p, &registry, node) {
                notifier_list_notify(&p->force_rcu, NULL);
            }
            kick_at = now + RCU_FORCE_MS * 1000;
            /*
             * A flag that this thread claims here belonged to a reader that
             * left without seeing it, or has not yet looked: nearly always
             * a lost wake-up (the reader-side barrier missing, say).
             */
            claimed = rcu_scan_readers(qsreaders, true);
            if (claimed) {
                rcu_wakeups_rescued += claimed;
                qatomic_sub(&rcu_gp_pending, claimed);
            }
            continue;
        }

        /* Readers can unregister while the lock is dropped. */
        qemu_mutex_unlock(&rcu_registry_lock);
        qemu_event_timedwait(&rcu_gp_event,
                             (kick_at - now + 999) / 1000);
        qemu_mutex_lock(&rcu_registry_lock);
        /* Re-arm; the loop condition then looks at the count again. */
        qemu_event_reset(&rcu_gp_event);
    }

    /* The reader that woke this thread, if one did, was the last. */
    waker = qatomic_xchg(&rcu_waker, NULL);
    if (waker) {
        rcu_note_cleared(waker);
    }

    /* End this thread's reset claim on the event (see QemuEvent). */
    qemu_event_set(&rcu_gp_event);
}

/*
 * Park the readers in the registry that look quiescent, just before the
 * barrier that will let this grace period clear them: the next grace
 * periods may then clear them without one, for as long as they stay
 * quiescent (see "Parked readers" at the top of the file).  Called with
 * rcu_registry_lock held.
 */
static void rcu_park_quiescent(void)
{
    struct rcu_reader_data *self = get_ptr_rcu_reader();
    struct rcu_reader_data *p;

    QLIST_FOREACH(p, &registry, node) {
        if (p != self && !qatomic_read(&p->ctr) &&
            !qatomic_read(&p->parked)) {
            qatomic_set(&p->parked, true);
        }
    }
}

void rcu_unpark(struct rcu_reader_data *p)
{
#ifndef RCU_BUG_UNPARK_NO_FENCE         /* seeded bug: tests/unit/meson.build */
    /*
     * Announce, then read: pairs with the smp_mb() in rcu_seq_start, and
     * without membarrier with rcu_sync_barrier() too.
     */
    smp_mb();
#endif
    /* Before the next store of ctr, which is a store-release. */
    if (rcu_sys_membarrier) {
        qatomic_set(&p->parked, false);
    }
}

/*
 * G2: wait until every reader in the registry is cleared: look, poll for a
 * while, issue the barrier if some reader still needs it, and only then
 * sleep.  barrier_done: the caller issued the barrier after G1 already.
 * Called with rcu_sync_lock and rcu_registry_lock held.  Cleared readers
 * move to a private list, so each is looked at until it is cleared once;
 * threads that register meanwhile go to the registry and are quiescent.
 *
 * After a sleep every reader that was flagged has been quiescent, but one
 * whose flag this thread claimed may already have started a new section
 * with a snapshot read before the counter moved: harmless (its reads come
 * after the barrier that made this thread look), but it is not cleared,
 * so look, poll and sleep again until none is left.
 */
static void wait_for_readers(bool barrier_done)
{
    ReaderList qsreaders = QLIST_HEAD_INITIALIZER(qsreaders);
    struct rcu_reader_data *p;

    QLIST_FOREACH(p, &registry, node) {
        p->gp_quiescent_scans = 0;
        p->gp_seen_active = false;
        p->gp_held = false;
    }
    rcu_scan_readers(&qsreaders, barrier_done);
    while (!QLIST_EMPTY(&registry)) {
        if (rcu_spin_for_readers(&qsreaders, barrier_done)) {
            break;
        }
        if (!barrier_done) {
            rcu_park_quiescent();
            rcu_sync_barrier();
            barrier_done = true;
            rcu_scan_readers(&qsreaders, true);
            if (QLIST_EMPTY(&registry)) {
                break;
            }
        }
        rcu_sleep_for_readers(&qsreaders);
        rcu_scan_readers(&qsreaders, true);
    }
    QLIST_SWAP(&registry, &qsreaders, node);
}

/* G1 and G2; called with rcu_sync_lock and rcu_registry_lock held. */
static void rcu_advance_and_wait(void)
{
#ifdef RCU_BUG_SKIP_WAIT
    /* Seeded bug (tests/unit/meson.build): grace periods end at once. */
    qatomic_store_release(&rcu_gp_ctr, rcu_gp_ctr + RCU_GP_CTR);
    return;
#endif

#ifdef RCU_TWO_PHASE
    /*
     * The barrier first, then flip the phase and wait, twice.  The
     * load-acquires of the first wait keep the second flip after them.
     */
    rcu_park_quiescent();
    rcu_sync_barrier();
    for (int i = 0; i < 2; i++) {
        qatomic_store_release(&rcu_gp_ctr, rcu_gp_ctr ^ RCU_GP_CTR);
        wait_for_readers(true);
    }
#else
    /* The caller's smp_mb() orders the removals before this. */
    qatomic_store_release(&rcu_gp_ctr, rcu_gp_ctr + RCU_GP_CTR);
    wait_for_readers(false);
#endif
}

/* The slow path of synchronize_rcu, G1 and G2 with the bookkeeping. */
static void rcu_wait_gp(void)
{
    int timeout = qatomic_read(&rcu_stall_timeout_ms);

    rcu_seq_start();
    rcu_gp_start_us = g_get_monotonic_time();
    rcu_stall_warn_us = (int64_t)timeout * 1000;
    rcu_gp_held = false;
    rcu_advance_and_wait();                             /* G1, G2 */
    if (rcu_gp_held) {
        rcu_gp_waited++;
        memcpy(rcu_holdout_name, rcu_cleared_name, sizeof(rcu_holdout_name));
        rcu_holdout_tid = rcu_cleared_tid;
        rcu_holdout_us = g_get_monotonic_time() - rcu_gp_start_us;
    }
    rcu_gp_start_us = 0;
    rcu_seq_end();
}

/*
 * True if no registered reader can be in the way of a grace period that
 * has started (rcu_seq_start) before this look: each one but the caller is
 * quiescent and parked.  Called with rcu_registry_lock held.
 */
static bool rcu_all_parked(void)
{
    struct rcu_reader_data *self = get_ptr_rcu_reader();
    struct rcu_reader_data *p;

    QLIST_FOREACH(p, &registry, node) {
        /* Pairs with the store-releases of ctr on the read side. */
        if (p != self &&
            !rcu_quiescent_and_parked(p, qatomic_load_acquire(&p->ctr))) {
            return false;
        }
    }
    return true;
}

/*
 * The fast path: a grace period with no reader in its way is over as soon
 * as it has looked.  True if it was; otherwise nothing has changed.
 */
static bool rcu_try_quick_gp(void)
{
    bool done = false;

    qemu_mutex_lock(&rcu_registry_lock);
    if (!(rcu_gp_seq & 1)) {
        rcu_seq_start();
        done = rcu_all_parked();
        if (done) {
            rcu_seq_end();
        } else {
            /*
             * Take the mark back: a thread that read it waits for a later
             * grace period than it needs, which is harmless.
             */
            qatomic_set_u64(&rcu_gp_seq, rcu_gp_seq - 1);
        }
    }
    qemu_mutex_unlock(&rcu_registry_lock);
    return done;
}

void synchronize_rcu(void)
{
    struct rcu_reader_data *p = get_ptr_rcu_reader();
    bool was_online = p->online;
    uint64_t target;

    if (rcu_reader_in_section(p)) {
        rcu_abort("synchronize_rcu called inside an RCU read-side "
                  "critical section");
    }
    /* It would stall every later callback, and it holds the BQL. */
    if (rcu_in_callback) {
        rcu_abort("synchronize_rcu called from an RCU callback");
    }
#ifdef CONFIG_DEBUG
    /*
     * A vCPU inside guest code may be waiting for the BQL, and holds up
     * the grace period until it gets it (use call_rcu, or drop the BQL as
     * drain_call_rcu does).
     */
    if (qemu_mutex_iothread_locked()) {
        rcu_abort("synchronize_rcu called with the BQL held");
    }
#endif
    /* An online thread would wait for itself. */
    if (was_online) {
        rcu_thread_offline();
    }

    if (!rcu_try_quick_gp()) {
        /*
         * G1's smp_mb().  It also orders the caller's removals before the
         * load of rcu_gp_seq: a grace period that starts after this load
         * starts after the removals, so it is good enough for this caller.
         */
        smp_mb();
        target = rcu_seq_target(rcu_seq_read());

        qemu_mutex_lock(&rcu_sync_lock);
        qemu_mutex_lock(&rcu_registry_lock);
        if (rcu_gp_seq < target) {
            rcu_wait_gp();
        }
        qemu_mutex_unlock(&rcu_registry_lock);
        qemu_mutex_unlock(&rcu_sync_lock);
    }

    if (was_online) {
        rcu_thread_online();
    }
}

void rcu_register_thread(void)
{
    struct rcu_reader_data *p = get_ptr_rcu_reader();

    if (p->registered) {
        rcu_abort("rcu_register_thread called twice (the main thread is "
                  "registered at startup)");
    }
    assert(p->ctr == 0 && !p->online && p->nest == 0);
    notifier_list_init(&p->force_rcu);
    p->registered = true;
    /* Without membarrier, readers always take a full barrier. */
    p->parked = !rcu_sys_membarrier;
    p->tid = qemu_get_thread_id();
    if (pthread_getname_np(pthread_self(), p->name, sizeof(p->name))) {
        g_strlcpy(p->name, "?", sizeof(p->name));
    }
    pthread_setspecific(rcu_thread_key, p);

    qemu_mutex_lock(&rcu_registry_lock);
    QLIST_INSERT_HEAD(&registry, p, node);
    QLIST_INSERT_HEAD(&rcu_all_readers, p, all_node);
    qemu_mutex_unlock(&rcu_registry_lock);
}

static void rcu_unregister_reader(struct rcu_reader_data *p, const char *why)
{
    if (rcu_reader_in_section(p)) {
        rcu_abort(why);
    }
    if (p->online) {
        rcu_thread_offline();
    }

    qemu_mutex_lock(&rcu_registry_lock);
    QLIST_REMOVE(p, node);
    QLIST_REMOVE(p, all_node);
    /* A grace period may be asleep waiting for this reader. */
    if (qatomic_read(&p->waiting)) {
        rcu_wake_waiter(p);
    }
    /* Its grace period would not find it in the registry any more. */
    if (qatomic_read(&rcu_waker) == p) {
        rcu_note_cleared(p);
        qatomic_set(&rcu_waker, NULL);
    }
    qemu_mutex_unlock(&rcu_registry_lock);
    p->registered = false;
}

void rcu_unregister_thread(void)
{
    struct rcu_reader_data *p = get_ptr_rcu_reader();

    if (!p->registered) {
        rcu_abort("rcu_unregister_thread called by a thread that is not "
                  "registered");
    }
    pthread_setspecific(rcu_thread_key, NULL);
    rcu_unregister_reader(p, "rcu_unregister_thread called inside an RCU "
                          "read-side critical section");
}

/*
 * A thread is exiting while registered.  Key destructors run before the
 * thread's TLS goes away, and on the exiting thread, so this is the same
 * as the thread calling rcu_unregister_thread itself.
 */
static void rcu_thread_exit(void *opaque)
{
    struct rcu_reader_data *p = opaque;

    assert(p == get_ptr_rcu_reader());
    rcu_unregister_reader(p, "a thread exited inside an RCU read-side "
                          "critical section");
}

void rcu_add_force_rcu_notifier(Notifier *n)
{
    assert(get_ptr_rcu_reader()->registered);
    qemu_mutex_lock(&rcu_registry_lock);
    notifier_list_add(&get_ptr_rcu_reader()->force_rcu, n);
    qemu_mutex_unlock(&rcu_registry_lock);
}

void rcu_remove_force_rcu_notifier(Notifier *n)
{
    qemu_mutex_lock(&rcu_registry_lock);
    notifier_remove(n);
    qemu_mutex_unlock(&rcu_registry_lock);
}

/*
 * call_rcu
 *
 * rcu_call_stack: pushed by call_rcu1 on any thread (compare-and-swap),
 * emptied by the call_rcu thread (exchange).  rcu_call_ready_event: set by
 * the push that finds the stack empty; reset only by the call_rcu thread.
 *
 * rcu_call_batch: the callbacks that the call_rcu thread has taken from
 * the stack and not yet started, in queueing order.  Written by that
 * thread with rcu_call_lock held, which it also holds while it runs
 * callbacks; fork's prepare handler takes the lock, so that the child
 * finds every callback either run or in rcu_call_batch, and runs the
 * latter itself (see rcu_atfork_child).  rcu_call_lock nests inside the
 * BQL and outside rcu_sync_lock.
 */
static struct rcu_head *rcu_call_stack;
static struct rcu_head *rcu_call_batch;
static QemuMutex rcu_call_lock;
/* Callbacks taken from the stack and run, ever; under rcu_call_lock. */
static uint64_t rcu_call_taken;
static uint64_t rcu_call_run;
static QemuEvent rcu_call_ready_event;
static QemuOnce rcu_call_once = QEMU_ONCE_INIT;

/*
 * A batch smaller than this, with more callbacks queued by the time it has
 * run, makes the thread nap RCU_CALL_NAP_MS so that the next batch shares
 * its grace period with more callbacks.  No nap while a drain waits.
 */
#define RCU_CALL_MIN_BATCH 16
#define RCU_CALL_NAP_MS 1

/* Callbacks run under one hold of the BQL, at most. */
#define RCU_CALL_BQL_CHUNK 1000

/* call_rcu_set_batch_delay's; read by the call_rcu thread. */
static int rcu_call_delay_ms;

void call_rcu_set_batch_delay(int ms)
{
    assert(ms >= 0);
    qatomic_set(&rcu_call_delay_ms, ms);
}

void rcu_g_free_cb(struct rcu_head *head)
{
    g_free(head);
}

/* Reverse a batch taken from the stack into queueing order; count it. */
static struct rcu_head *rcu_call_reverse(struct rcu_head *head, long *n)
{
    struct rcu_head *prev = NULL, *next;

    for (*n = 0; head; (*n)++) {
        next = head->next;
        head->next = prev;
        prev = head;
        head = next;
    }
    return prev;
}

/* Wait until the stack has something on it; call_rcu thread only. */
static void rcu_call_wait_for_work(void)
{
    while (!qatomic_read(&rcu_call_stack)) {
        /* This thread is the event's only resetter. */
        qemu_event_reset(&rcu_call_ready_event);
        if (qatomic_read(&rcu_call_stack)) {
            break;
        }
        qemu_event_wait(&rcu_call_ready_event);
    }
}

/* Take everything queued so far into rcu_call_batch; returns how many. */
static long rcu_call_take(void)
{
    long n;

    qemu_mutex_lock(&rcu_call_lock);
    rcu_call_batch = rcu_call_reverse(qatomic_xchg(&rcu_call_stack, NULL),
                                      &n);
    rcu_call_taken += n;
    qemu_mutex_unlock(&rcu_call_lock);
    return n;
}

static void *call_rcu_thread(void *opaque)
{
    rcu_register_thread();
    rcu_in_call_thread = true;

    for (;;) {
        long n = 0;

        /* A child of fork may start with its parent's batch. */
        if (!rcu_call_batch) {
            int delay;

            rcu_call_wait_for_work();
            delay = qatomic_read(&rcu_call_delay_ms);
            if (delay) {
                qemu_msleep(delay);
            }
            n = rcu_call_take();
        }
        /*
         * The exchange in rcu_call_take comes before this grace period, so
         * every callback's grace period starts after it was queued.
         */
#ifndef RCU_BUG_RECLAIM_EARLY
        synchronize_rcu();
#endif

        while (rcu_call_batch) {
            qemu_mutex_lock_iothread();
            qemu_mutex_lock(&rcu_call_lock);
            rcu_in_callback = true;
            for (int i = 0; rcu_call_batch && i < RCU_CALL_BQL_CHUNK; i++) {
                struct rcu_head *head = rcu_call_batch;

                /* The callback may free head. */
                rcu_call_batch = head->next;
                head->func(head);
                rcu_call_run++;
            }
            rcu_in_callback = false;
            qemu_mutex_unlock(&rcu_call_lock);
            qemu_mutex_unlock_iothread();
        }

#ifdef RCU_BUG_RECLAIM_EARLY
        /* Seeded bug (tests/unit/meson.build): the wait after the batch. */
        synchronize_rcu();
#endif
        if (n < RCU_CALL_MIN_BATCH && qatomic_read(&rcu_call_stack) &&
            !qatomic_read(&rcu_drain_pending)) {
            qemu_msleep(RCU_CALL_NAP_MS);
        }
    }
    return NULL;
}

static void rcu_call_start(void)
{
    QemuThread thread;

    qemu_event_init(&rcu_call_ready_event, false);
    qemu_thread_create(&thread, "call_rcu", call_rcu_thread, NULL,
                       QEMU_THREAD_DETACHED);
}

void call_rcu1(struct rcu_head *head, RCUCBFunc *func)
{
    struct rcu_head *old, *seen;

    qemu_once(&rcu_call_once, rcu_call_start);
    head->func = func;
    old = qatomic_read(&rcu_call_stack);
    for (;;) {
        head->next = old;
        /* A full barrier: publishes head and the caller's removals. */
        seen = qatomic_cmpxchg(&rcu_call_stack, old, head);
        if (seen == old) {
            break;
        }
        old = seen;
    }
    /* Only the first push after the thread emptied the stack wakes it. */
    if (!old) {
        qemu_event_set(&rcu_call_ready_event);
    }
}

typedef struct RcuDrain {
    struct rcu_head rcu;
    QemuEvent done;
} RcuDrain;

static void drain_rcu_callback(struct rcu_head *head)
{
    RcuDrain *drain = container_of(head, RcuDrain, rcu);

    /* The drainer may free drain as soon as this is visible. */
    qemu_event_set(&drain->done);
}

void drain_call_rcu(void)
{
    struct rcu_reader_data *p = get_ptr_rcu_reader();
    bool bql = qemu_mutex_iothread_locked();
    bool online = p->online;
    RcuDrain drain;

    if (rcu_in_call_thread) {
        rcu_abort("drain_call_rcu called from an RCU callback");
    }
    if (rcu_reader_in_section(p)) {
        rcu_abort("drain_call_rcu called inside an RCU read-side critical "
                  "section");
    }

    qemu_event_init(&drain.done, false);
    qatomic_inc(&rcu_drain_pending);
    call_rcu1(&drain.rcu, drain_rcu_callback);

    /* The call_rcu thread's grace period and the callbacks need these. */
    if (online) {
        rcu_thread_offline();
    }
    if (bql) {
        qemu_mutex_unlock_iothread();
    }
    qemu_event_wait(&drain.done);
    if (bql) {
        qemu_mutex_lock_iothread();
    }
    if (online) {
        rcu_thread_online();
    }

    qatomic_dec(&rcu_drain_pending);
    qemu_event_destroy(&drain.done);
}

/*
 * Polling for a grace period (liburcu's API).  A handle is the sequence
 * value at which a grace period that started after the call has ended.
 * start_poll_synchronize_rcu makes sure that one will: it queues
 * rcu_poll_head, whose callback runs after a grace period that started
 * after the push and queues itself again if a later handle needs one more.
 *
 * rcu_poll_want: the largest handle given out; raised with compare-and-
 * swap.  rcu_poll_queued: rcu_poll_head is queued; set by whoever queues
 * it (exchange), cleared by its callback.  The callback clears the flag
 * before it looks at rcu_poll_want and start_poll raises rcu_poll_want
 * before it looks at the flag (all sequentially consistent), so either the
 * callback sees the new handle or start_poll sees the flag down and
 * queues the head itself.
 */
static uint64_t rcu_poll_want;
static bool rcu_poll_queued;
static struct rcu_head rcu_poll_head;

static void rcu_poll_cb(struct rcu_head *head)
{
    qatomic_xchg(&rcu_poll_queued, false);
    if (rcu_seq_read() < qatomic_read_u64(&rcu_poll_want) &&
        !qatomic_xchg(&rcu_poll_queued, true)) {
        call_rcu1(&rcu_poll_head, rcu_poll_cb);
    }
}

struct urcu_gp_poll_state start_poll_synchronize_rcu(void)
{
    struct urcu_gp_poll_state state;
    uint64_t want;

    /* As in synchronize_rcu: the caller's removals come first. */
    smp_mb();
    state.grace_period_id = rcu_seq_target(rcu_seq_read());

    want = qatomic_read_u64(&rcu_poll_want);
    while (want < state.grace_period_id) {
        uint64_t seen = qatomic_cmpxchg__nocheck(&rcu_poll_want, want,
                                                 state.grace_period_id);
        if (seen == want) {
            break;
        }
        want = seen;
    }
    if (!qatomic_xchg(&rcu_poll_queued, true)) {
        call_rcu1(&rcu_poll_head, rcu_poll_cb);
    }
    return state;
}

bool poll_state_synchronize_rcu(struct urcu_gp_poll_state state)
{
    return rcu_seq_read() >= state.grace_period_id;
}

void rcu_set_stall_timeout(int ms)
{
    assert(ms >= 0);
    qatomic_set(&rcu_stall_timeout_ms, ms);
}

void rcu_get_stats(RcuStats *st)
{
    int64_t now = g_get_monotonic_time();
    struct rcu_reader_data *p;
    struct rcu_head *head;
    uint64_t stacked = 0;

    memset(st, 0, sizeof(*st));

    /*
     * Nothing leaves the stack while rcu_call_lock is held, and a pushed
     * node's link does not change until then, so the walk is safe.  The
     * acquire pairs with the compare-and-swap in call_rcu1.
     */
    qemu_mutex_lock(&rcu_call_lock);
    for (head = qatomic_load_acquire(&rcu_call_stack); head;
         head = head->next) {
        stacked++;
    }
    st->cb_queued = rcu_call_taken + stacked;
    st->cb_run = rcu_call_run;
    qemu_mutex_unlock(&rcu_call_lock);
    st->cb_pending = st->cb_queued - st->cb_run;

    qemu_mutex_lock(&rcu_registry_lock);
    st->gp_completed = rcu_gp_seq / 2;
    st->gp_waited = rcu_gp_waited;
    st->gp_age_us = rcu_gp_start_us ? now - rcu_gp_start_us : -1;
    QLIST_FOREACH(p, &rcu_all_readers, all_node) {
        bool online = qatomic_read(&p->online);

        st->readers++;
        st->readers_online += online;
        st->readers_in_section += !online && qatomic_read(&p->ctr);
    }
    memcpy(st->holdout, rcu_holdout_name, sizeof(st->holdout));
    st->holdout_tid = rcu_holdout_tid;
    st->holdout_us = rcu_holdout_us;
    st->wakeups_rescued = rcu_wakeups_rescued;
    st->stall_warnings = rcu_stall_warnings;
    qemu_mutex_unlock(&rcu_registry_lock);
    st->stall_timeout_ms = qatomic_read(&rcu_stall_timeout_ms);
}

/*
 * fork() support.  rcu_atfork_enabled: set by rcu_enable/disable_atfork,
 * read by the prepare handler.
 *
 * The other two carry the forking thread's state from the prepare handler
 * to the parent or child handler, so they are per thread: two threads may
 * fork at once, and the second runs its prepare handler (which would
 * overwrite a global before blocking on rcu_sync_lock) while the first is
 * between its own handlers.  In the child the forking thread is the only
 * thread, with its own copy of them.
 */
static bool rcu_atfork_enabled = true;
static __thread bool rcu_atfork_locked;
static __thread bool rcu_atfork_was_online;

void rcu_enable_atfork(void)
{
    qatomic_set(&rcu_atfork_enabled, true);
}

void rcu_disable_atfork(void)
{
    qatomic_set(&rcu_atfork_enabled, false);
}

static void rcu_atfork_prepare(void)
{
    struct rcu_reader_data *p = get_ptr_rcu_reader();

    if (!qatomic_read(&rcu_atfork_enabled)) {
        return;
    }
    /* A grace period may be waiting for this very section: deadlock. */
    if (rcu_reader_in_section(p)) {
        rcu_abort("fork() called inside an RCU read-side critical section");
    }
    /* It holds rcu_call_lock, which it is about to take. */
    if (rcu_in_call_thread) {
        rcu_abort("fork() called from an RCU callback");
    }
    rcu_atfork_was_online = p->online;
    if (p->online) {
        rcu_thread_offline();
    }
    /*
     * No callback running and rcu_call_batch up to date; no grace period
     * in progress; nobody in the registry.
     */
    qemu_mutex_lock(&rcu_call_lock);
    qemu_mutex_lock(&rcu_sync_lock);
    qemu_mutex_lock(&rcu_registry_lock);
    rcu_atfork_locked = true;
}

static void rcu_atfork_parent(void)
{
    if (!rcu_atfork_locked) {
        return;
    }
    rcu_atfork_locked = false;
    qemu_mutex_unlock(&rcu_registry_lock);
    qemu_mutex_unlock(&rcu_sync_lock);
    qemu_mutex_unlock(&rcu_call_lock);
    if (rcu_atfork_was_online) {
        rcu_thread_online();
    }
}

static void rcu_atfork_child(void)
{
    struct rcu_reader_data *p = get_ptr_rcu_reader();

    if (!rcu_atfork_locked) {
        return;
    }
    rcu_atfork_locked = false;

    /*
     * The child is a new process as far as membarrier is concerned: ask
     * again.  Should that fail, fall back to smp_mb() readers, which is
     * safe to decide now that this is the only thread.
     */
    if (rcu_sys_membarrier && !rcu_membarrier_register()) {
        rcu_sys_membarrier = false;
        p->parked = true;
    }

    /*
     * Only this thread exists in the child.  The others' reader state is
     * still in memory but will never change, so it must leave the
     * registry.  The locks are this thread's, as the prepare handler
     * took them (pthread_self and the TLS that qemu_mutex_unlock checks
     * the owner against are unchanged by fork), so release them; making
     * new ones instead would leave ThreadSanitizer, which copied the
     * parent's view, believing this thread holds them for the rest of
     * its life, and reporting every later lock as nested inside them.
     */
    QLIST_INIT(&registry);
    QLIST_INIT(&rcu_all_readers);
    if (p->registered) {
        QLIST_INSERT_HEAD(&registry, p, node);
        QLIST_INSERT_HEAD(&rcu_all_readers, p, all_node);
        p->waiting = false;
        p->tid = qemu_get_thread_id();
    }
    rcu_gp_start_us = 0;
    rcu_waker = NULL;
    qemu_event_init(&rcu_gp_event, false);

    /*
     * No call_rcu thread either: the next call_rcu1 or drain starts one.
     * It runs first the batch that the parent's thread had taken and not
     * yet started (rcu_call_batch: none of it ran in this process), then
     * what the parent had queued and not yet taken, in order, so that a
     * drain in the child covers both.  Nobody is draining in the child.
     */
    rcu_call_once = (QemuOnce)QEMU_ONCE_INIT;
    rcu_drain_pending = 0;
    rcu_gp_pending = 0;

    qemu_mutex_unlock(&rcu_registry_lock);
    qemu_mutex_unlock(&rcu_sync_lock);
    qemu_mutex_unlock(&rcu_call_lock);
    if (rcu_atfork_was_online) {
        rcu_thread_online();
    }
}

/* Is membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) usable? */
static bool rcu_init_membarrier(void)
{
#ifdef CONFIG_LINUX
    const char *env = getenv("GRACE_RCU_MEMBARRIER");
    long cmds;

    /* A debugging knob: GRACE_RCU_MEMBARRIER=0 forces smp_mb readers. */
    if (env && !strcmp(env, "0")) {
        return false;
    }
    cmds = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    if (cmds < 0 || !(cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED)) {
        return false;
    }
    return rcu_membarrier_register();
#else
    return false;
#endif
}

/*
 * Runs before main(), while the process has one thread: the read side's
 * barrier kind must not change once readers exist.
 */
/* GRACE_RCU_STALL_TIMEOUT_MS, a number of milliseconds; 0 turns it off. */
static void rcu_init_stall_timeout(void)
{
    const char *env = getenv("GRACE_RCU_STALL_TIMEOUT_MS");
    char *end;
    long long ms;

    if (!env) {
        return;
    }
    errno = 0;
    ms = g_ascii_strtoll(env, &end, 10);
    if (errno || end == env || *end || ms < 0 || ms > INT_MAX) {
        fprintf(stderr, "qemu: RCU: ignoring GRACE_RCU_STALL_TIMEOUT_MS=%s: "
                "not a number of milliseconds from 0 to %d\n", env, INT_MAX);
        return;
    }
    rcu_stall_timeout_ms = ms;
}

static void __attribute__((constructor)) rcu_init(void)
{
    rcu_sys_membarrier = rcu_init_membarrier();
    rcu_init_stall_timeout();
    qemu_mutex_init(&rcu_sync_lock);
    qemu_mutex_init(&rcu_registry_lock);
    qemu_mutex_init(&rcu_call_lock);
    qemu_event_init(&rcu_gp_event, false);
    if (pthread_key_create(&rcu_thread_key, rcu_thread_exit)) {
        rcu_abort("cannot create the thread-exit key");
    }
    pthread_atfork(rcu_atfork_prepare, rcu_atfork_parent, rcu_atfork_child);
    rcu_register_thread();
}
