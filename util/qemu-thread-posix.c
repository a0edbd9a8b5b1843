/*
 * Threads and synchronisation objects on POSIX threads, and QemuEvent on
 * Linux futexes (or, without them, on a mutex and condition variable).
 */
#include "qemu/osdep.h"
#include "qemu/thread.h"
#include "qemu/atomic.h"

/*
 * The futex backend can be compiled out even where the host has it, so
 * that one build can test both (tests/unit/meson.build does that).
 */
#if defined(CONFIG_FUTEX) && !defined(QEMU_THREAD_NO_FUTEX)
#define QEMU_USE_FUTEX 1
#include <linux/futex.h>
#include <sys/syscall.h>
#endif

/* A host error from pthreads here means a broken invariant: report, abort. */
static QEMU_NORETURN void error_exit(int err, const char *msg)
{
    fprintf(stderr, "qemu: %s: %s\n", msg, strerror(err));
    abort();
}

static void check(int err, const char *msg)
{
    if (unlikely(err)) {
        error_exit(err, msg);
    }
}

/* Absolute CLOCK_MONOTONIC deadline ms milliseconds from now. */
static void deadline_after_ms(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000;
    if (ts->tv_nsec >= 1000000000) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000;
    }
}

static void cond_init_monotonic(pthread_cond_t *cond)
{
    pthread_condattr_t attr;

    check(pthread_condattr_init(&attr), "pthread_condattr_init");
    check(pthread_condattr_setclock(&attr, CLOCK_MONOTONIC),
          "pthread_condattr_setclock");
    check(pthread_cond_init(cond, &attr), "pthread_cond_init");
    pthread_condattr_destroy(&attr);
}

/*
 * Mutexes.  Debug builds check that a thread never takes a mutex it holds
 * and never releases one it does not hold, and abort if it does.
 *
 * The owner is recorded here, as the address of a byte of the thread's
 * TLS, rather than left to PTHREAD_MUTEX_ERRORCHECK, because a forked
 * child keeps the forking thread's TLS at the same address but gives the
 * thread a new kernel thread id: an error-checking mutex taken before
 * fork (the BQL, say) would refuse to be released in the child.  owner is
 * written only by the thread that holds the mutex, just after taking it
 * and just before releasing it; other threads read it only to compare it
 * with their own tag, which it can equal only if they wrote it.
 *
 * QEMU_MUTEX_CHECK_OWNER turns the checks on outside debug builds too
 * (tests/unit/meson.build builds a test program that way).
 */
#if defined(CONFIG_DEBUG) && !defined(QEMU_MUTEX_CHECK_OWNER)
#define QEMU_MUTEX_CHECK_OWNER 1
#endif

#ifdef QEMU_MUTEX_CHECK_OWNER
static __thread char mutex_thread_tag;
#define MUTEX_SELF ((uintptr_t)&mutex_thread_tag)

/* The calling thread has just taken mutex. */
static void mutex_taken(QemuMutex *mutex)
{
    qatomic_set(&mutex->owner, MUTEX_SELF);
}

/* The calling thread is about to release mutex (or wait on it). */
static void mutex_releasing(QemuMutex *mutex, const char *fn)
{
    if (qatomic_read(&mutex->owner) != MUTEX_SELF) {
        error_exit(EPERM, fn);
    }
    qatomic_set(&mutex->owner, 0);
}
#else
static inline void mutex_taken(QemuMutex *mutex)
{
}

static inline void mutex_releasing(QemuMutex *mutex, const char *fn)
{
}
#endif

void qemu_mutex_init(QemuMutex *mutex)
{
    check(pthread_mutex_init(&mutex->lock, NULL), "pthread_mutex_init");
    mutex->owner = 0;
    mutex->initialized = true;
}

void qemu_mutex_destroy(QemuMutex *mutex)
{
    assert(mutex->initialized);
    mutex->initialized = false;
    check(pthread_mutex_destroy(&mutex->lock), "pthread_mutex_destroy");
}

void qemu_mutex_lock(QemuMutex *mutex)
{
    assert(mutex->initialized);
#ifdef QEMU_MUTEX_CHECK_OWNER
    if (qatomic_read(&mutex->owner) == MUTEX_SELF) {
        error_exit(EDEADLK, "qemu_mutex_lock");
    }
#endif
    check(pthread_mutex_lock(&mutex->lock), "pthread_mutex_lock");
    mutex_taken(mutex);
}

int qemu_mutex_trylock(QemuMutex *mutex)
{
    int err;

    assert(mutex->initialized);
    err = pthread_mutex_trylock(&mutex->lock);
    if (err == EBUSY) {
        return -EBUSY;
    }
    check(err, "pthread_mutex_trylock");
    mutex_taken(mutex);
    return 0;
}

void qemu_mutex_unlock(QemuMutex *mutex)
{
    assert(mutex->initialized);
    mutex_releasing(mutex, "qemu_mutex_unlock");
    check(pthread_mutex_unlock(&mutex->lock), "pthread_mutex_unlock");
}

void qemu_rec_mutex_init(QemuRecMutex *mutex)
{
    pthread_mutexattr_t attr;

    check(pthread_mutexattr_init(&attr), "pthread_mutexattr_init");
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    check(pthread_mutex_init(&mutex->lock, &attr), "pthread_mutex_init");
    pthread_mutexattr_destroy(&attr);
    mutex->initialized = true;
}

void qemu_rec_mutex_destroy(QemuRecMutex *mutex)
{
    assert(mutex->initialized);
    mutex->initialized = false;
    check(pthread_mutex_destroy(&mutex->lock), "pthread_mutex_destroy");
}

void qemu_rec_mutex_lock(QemuRecMutex *mutex)
{
    assert(mutex->initialized);
    check(pthread_mutex_lock(&mutex->lock), "pthread_mutex_lock");
}

int qemu_rec_mutex_trylock(QemuRecMutex *mutex)
{
    int err;

    assert(mutex->initialized);
    err = pthread_mutex_trylock(&mutex->lock);
    if (err == EBUSY) {
        return -EBUSY;
    }
    check(err, "pthread_mutex_trylock");
    return 0;
}

void qemu_rec_mutex_unlock(QemuRecMutex *mutex)
{
    assert(mutex->initialized);
    check(pthread_mutex_unlock(&mutex->lock), "pthread_mutex_unlock");
}

/*
 * Condition variables, timed on CLOCK_MONOTONIC so that a change of the
 * wall clock cannot stretch or cut a timeout.
 */
void qemu_cond_init(QemuCond *cond)
{
    cond_init_monotonic(&cond->cond);
    cond->initialized = true;
}

void qemu_cond_destroy(QemuCond *cond)
{
    assert(cond->initialized);
    cond->initialized = false;
    check(pthread_cond_destroy(&cond->cond), "pthread_cond_destroy");
}

void qemu_cond_signal(QemuCond *cond)
{
    assert(cond->initialized);
    check(pthread_cond_signal(&cond->cond), "pthread_cond_signal");
}

void qemu_cond_broadcast(QemuCond *cond)
{
    assert(cond->initialized);
    check(pthread_cond_broadcast(&cond->cond), "pthread_cond_broadcast");
}

void qemu_cond_wait(QemuCond *cond, QemuMutex *mutex)
{
    assert(cond->initialized);
    mutex_releasing(mutex, "qemu_cond_wait");
    check(pthread_cond_wait(&cond->cond, &mutex->lock), "pthread_cond_wait");
    mutex_taken(mutex);
}

bool qemu_cond_timedwait(QemuCond *cond, QemuMutex *mutex, int ms)
{
    struct timespec ts;
    int err;

    assert(cond->initialized);
    deadline_after_ms(&ts, ms);
    mutex_releasing(mutex, "qemu_cond_timedwait");
    err = pthread_cond_timedwait(&cond->cond, &mutex->lock, &ts);
    mutex_taken(mutex);
    if (err == ETIMEDOUT) {
        return false;
    }
    check(err, "pthread_cond_timedwait");
    return true;
}

/*
 * Semaphores.  count is read and written only under sem->mutex.
 */
void qemu_sem_init(QemuSemaphore *sem, int init)
{
    assert(init >= 0);
    check(pthread_mutex_init(&sem->mutex, NULL), "pthread_mutex_init");
    cond_init_monotonic(&sem->cond);
    sem->count = init;
    sem->initialized = true;
}

void qemu_sem_destroy(QemuSemaphore *sem)
{
    assert(sem->initialized);
    sem->initialized = false;
    check(pthread_cond_destroy(&sem->cond), "pthread_cond_destroy");
    check(pthread_mutex_destroy(&sem->mutex), "pthread_mutex_destroy");
}

void qemu_sem_post(QemuSemaphore *sem)
{
    assert(sem->initialized);
    check(pthread_mutex_lock(&sem->mutex), "pthread_mutex_lock");
    if (sem->count == UINT_MAX) {
        error_exit(EINVAL, "qemu_sem_post: count overflow");
    }
    sem->count++;
    check(pthread_cond_signal(&sem->cond), "pthread_cond_signal");
    check(pthread_mutex_unlock(&sem->mutex), "pthread_mutex_unlock");
}

int qemu_sem_timedwait(QemuSemaphore *sem, int ms)
{
    struct timespec ts;
    int err = 0;

    assert(sem->initialized);
    deadline_after_ms(&ts, ms);
    check(pthread_mutex_lock(&sem->mutex), "pthread_mutex_lock");
    /* Loop: a wake-up may be spurious or taken by another waiter. */
    while (sem->count == 0) {
        err = pthread_cond_timedwait(&sem->cond, &sem->mutex, &ts);
        if (err == ETIMEDOUT) {
            break;
        }
        check(err, "pthread_cond_timedwait");
    }
    if (sem->count > 0) {
        sem->count--;
        err = 0;
    }
    check(pthread_mutex_unlock(&sem->mutex), "pthread_mutex_unlock");
    return err ? -1 : 0;
}

void qemu_sem_wait(QemuSemaphore *sem)
{
    assert(sem->initialized);
    check(pthread_mutex_lock(&sem->mutex), "pthread_mutex_lock");
    while (sem->count == 0) {
        check(pthread_cond_wait(&sem->cond, &sem->mutex), "pthread_cond_wait");
    }
    sem->count--;
    check(pthread_mutex_unlock(&sem->mutex), "pthread_mutex_unlock");
}

/*
 * QemuEvent
 *
 * The whole state is one word, ev->value, which takes three values:
 *
 *   EV_SET   the event is set: qemu_event_wait returns at once.
 *   EV_FREE  not set, and nobody sleeps on it: qemu_event_set need not
 *            wake anyone, so it makes no system call.
 *   EV_BUSY  not set, and waiters may be asleep (or about to sleep) on the
 *            word: qemu_event_set must wake them.
 *
 * Transitions, each a single atomic operation:
 *
 *   FREE -> SET, BUSY -> SET   qemu_event_set (exchange).  From BUSY it then
 *                              wakes every sleeper.
 *   SET -> FREE                qemu_event_reset (OR with EV_FREE).
 *   FREE -> BUSY               qemu_event_wait, before it sleeps
 *                              (compare-and-swap).
 *
 * Two transitions cannot happen, and the code is shaped so that they
 * cannot:
 *
 *   BUSY -> FREE   would leave sleepers that the next set does not wake.
 *                  reset is an OR with EV_FREE, and EV_BUSY already has that
 *                  bit, so a reset racing with a waiter leaves BUSY alone.
 *   SET -> BUSY    a waiter only installs BUSY by compare-and-swap from
 *                  FREE, so it never hides a set; seen from outside this is
 *                  SET -> FREE -> BUSY, a reset followed by a wait.
 *
 * Why a waiter cannot miss a wake-up: it sleeps only in
 * futex_wait(&value, EV_BUSY), which the kernel enters only if value is
 * still EV_BUSY when the waiter is queued, atomically with respect to
 * futex_wake on the same word.  A set changes value to EV_SET before it
 * calls futex_wake.  If the change comes first, futex_wait returns at once;
 * if the waiter is queued first, futex_wake finds it.  After any wake-up
 * (including spurious ones and EINTR) the waiter looks at value again and
 * sleeps again only if it is still EV_BUSY.  Finding EV_FREE there means a
 * set and then a reset happened while it slept, so it returns: it was woken
 * by a set.
 *
 * Why the condition in the usual pattern (see qemu/thread.h) cannot be
 * missed: set starts with smp_mb() and reset ends with smp_mb__after_rmw().
 * The setter stores the condition, then reads value; the resetter writes
 * value, then reads the condition.  With a full barrier on each side (the
 * store-buffering pattern), either the setter sees the reset (value is not
 * EV_SET, so it exchanges and wakes) or the resetter sees the condition
 * (and does not wait).
 *
 * Only one thread resets a given event (see qemu/thread.h).  The state
 * machine itself would survive concurrent resets, but the pattern above
 * would not: thread A resets and starts waiting, a set arrives, and thread
 * B's reset clears it before A looks; A then sleeps through the set meant
 * for it.  Debug builds record the resetting thread in ev->resetter; the
 * claim ends when that thread sets the event or returns from a wait on it,
 * and a reset by any other thread while the claim stands aborts.
 *
 * After the exchange in qemu_event_set, the setter uses the event only as
 * an address for futex_wake.  A waiter that sees EV_SET may therefore
 * destroy and free the event immediately; a late futex_wake on reused
 * memory can at most cause a spurious wake-up, which every futex user here
 * tolerates.
 *
 * Without futexes (configure --disable-futex, or hosts other than Linux)
 * the same state machine runs, and "futex_wait" and "futex_wake" are
 * emulated with ev->lock and ev->cond: the emulated wait checks value under
 * the lock before sleeping on the condition variable, and the setter
 * changes value and broadcasts under the same lock, which gives the same
 * atomicity.  There the whole set runs under the lock, and destroy takes
 * the lock once before destroying it, so that destroy-after-wait stays safe.
 */
#define EV_SET  0u
#define EV_FREE 1u
#define EV_BUSY 3u

QEMU_BUILD_BUG_ON((EV_BUSY & EV_FREE) != EV_FREE);
QEMU_BUILD_BUG_ON((EV_SET | EV_FREE) != EV_FREE);

#ifdef CONFIG_DEBUG
/* A cheap identity for the calling thread: the address of a TLS byte. */
static __thread char event_thread_tag;
#define EV_SELF ((uintptr_t)&event_thread_tag)
#endif

#ifdef QEMU_USE_FUTEX
/* Wake every thread sleeping in futex_wait on addr. */
static void futex_wake_all(unsigned *addr)
{
    long ret = syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, INT_MAX,
                       NULL, NULL, 0);

    /* EFAULT: the waiter freed the memory already (see QemuEvent). */
    if (ret < 0 && errno != EFAULT) {
        error_exit(errno, "futex_wake");
    }
}

/*
 * Sleep while *addr == val, until woken, for at most *timeout (forever if
 * timeout is NULL).  Returns 0 when woken or when *addr differed, and
 * -ETIMEDOUT on timeout.  EINTR and spurious wake-ups count as woken: every
 * caller looks at *addr again anyway.
 */
static int futex_wait(unsigned *addr, unsigned val,
                      const struct timespec *timeout)
{
    long ret = syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val,
                       timeout, NULL, 0);

    if (ret == 0) {
        return 0;
    }
    switch (errno) {
    case EAGAIN:        /* *addr was not val any more */
    case EINTR:         /* a signal; look again */
        return 0;
    case ETIMEDOUT:
        return -ETIMEDOUT;
    default:
        error_exit(errno, "futex_wait");
    }
}

static void event_wake_all(QemuEvent *ev)
{
    futex_wake_all(&ev->value);
}

/*
 * Sleep on ev->value while it is val, until woken or until *deadline (in
 * g_get_monotonic_time microseconds; forever if deadline is NULL).
 */
static void event_sleep(QemuEvent *ev, unsigned val, const int64_t *deadline)
{
    struct timespec ts, *tsp = NULL;

    if (deadline) {
        int64_t left = MAX(*deadline - g_get_monotonic_time(), 0);

        ts.tv_sec = left / G_USEC_PER_SEC;
        ts.tv_nsec = (left % G_USEC_PER_SEC) * 1000;
        tsp = &ts;
    }
    futex_wait(&ev->value, val, tsp);
}
#else
/* The emulated futex_wake: the caller holds ev->lock (see qemu_event_set). */
static void event_wake_all(QemuEvent *ev)
{
    check(pthread_cond_broadcast(&ev->cond), "pthread_cond_broadcast");
}

/* The emulated futex_wait: check value and sleep atomically under lock. */
static void event_sleep(QemuEvent *ev, unsigned val, const int64_t *deadline)
{
    check(pthread_mutex_lock(&ev->lock), "pthread_mutex_lock");
    if (qatomic_read(&ev->value) == val) {
        if (deadline) {
            /* g_get_monotonic_time and ev->cond both use CLOCK_MONOTONIC. */
            struct timespec ts = {
                .tv_sec = *deadline / G_USEC_PER_SEC,
                .tv_nsec = (*deadline % G_USEC_PER_SEC) * 1000,
            };
            int err = pthread_cond_timedwait(&ev->cond, &ev->lock, &ts);

            if (err != ETIMEDOUT) {
                check(err, "pthread_cond_timedwait");
            }
        } else {
            check(pthread_cond_wait(&ev->cond, &ev->lock),
                  "pthread_cond_wait");
        }
    }
    check(pthread_mutex_unlock(&ev->lock), "pthread_mutex_unlock");
}
#endif

void qemu_event_init(QemuEvent *ev, bool init)
{
#ifndef QEMU_USE_FUTEX
    check(pthread_mutex_init(&ev->lock, NULL), "pthread_mutex_init");
    cond_init_monotonic(&ev->cond);
#endif
    ev->value = init ? EV_SET : EV_FREE;
    ev->resetter = 0;
    ev->initialized = true;
}

void qemu_event_destroy(QemuEvent *ev)
{
    assert(ev->initialized);
    ev->initialized = false;
#ifndef QEMU_USE_FUTEX
    /* Let a setter that is still broadcasting finish first. */
    check(pthread_mutex_lock(&ev->lock), "pthread_mutex_lock");
    check(pthread_mutex_unlock(&ev->lock), "pthread_mutex_unlock");
    check(pthread_cond_destroy(&ev->cond), "pthread_cond_destroy");
    check(pthread_mutex_destroy(&ev->lock), "pthread_mutex_destroy");
#endif
}

void qemu_event_set(QemuEvent *ev)
{
    assert(ev->initialized);

#ifdef CONFIG_DEBUG
    /* A set ends the resetter's ownership, when the resetter sets it. */
    if (qatomic_read(&ev->resetter) == EV_SELF) {
        qatomic_set(&ev->resetter, 0);
    }
#endif

    /*
     * Order the caller's stores (the condition) before reading value.
     * Pairs with smp_mb__after_rmw() in qemu_event_reset.
     */
    smp_mb();
    if (qatomic_read(&ev->value) == EV_SET) {
        return;
    }
#ifdef QEMU_USE_FUTEX
    if (qatomic_xchg(&ev->value, EV_SET) == EV_BUSY) {
        /* There may be sleepers: wake them all. */
        event_wake_all(ev);
    }
#else
    check(pthread_mutex_lock(&ev->lock), "pthread_mutex_lock");
    if (qatomic_xchg(&ev->value, EV_SET) == EV_BUSY) {
        event_wake_all(ev);
    }
    check(pthread_mutex_unlock(&ev->lock), "pthread_mutex_unlock");
#endif
}

void qemu_event_reset(QemuEvent *ev)
{
    assert(ev->initialized);

#ifdef CONFIG_DEBUG
    {
        uintptr_t owner = qatomic_cmpxchg(&ev->resetter, 0, EV_SELF);

        if (owner != 0 && owner != EV_SELF) {
            fprintf(stderr, "qemu_event_reset: another thread has reset "
                    "this event and not yet waited for it or set it; only "
                    "one thread resets a given QemuEvent\n");
            abort();
        }
    }
#endif

    /*
     * SET -> FREE; FREE and BUSY are left alone, since EV_BUSY contains
     * EV_FREE.  A plain store of EV_FREE could turn BUSY into FREE and strand
     * the sleepers.
     */
    qatomic_or(&ev->value, EV_FREE);

    /*
     * Order the reset before the caller's read of the condition.  Pairs
     * with smp_mb() in qemu_event_set.
     */
    smp_mb__after_rmw();
}

/*
 * Wait until set, or until the deadline if there is one; false on timeout.
 */
static bool qemu_event_wait_deadline(QemuEvent *ev, const int64_t *deadline)
{
    unsigned value;

    assert(ev->initialized);

    /* Pairs with the exchange in qemu_event_set (a release). */
    value = qatomic_load_acquire(&ev->value);
    if (value != EV_SET) {
        if (value == EV_FREE) {
            /*
             * Announce a sleeper.  If a set got in first, the compare-and-
             * swap fails with EV_SET and there is nothing to wait for.
             * Failing with EV_BUSY means another waiter announced itself.
             */
            if (qatomic_cmpxchg(&ev->value, EV_FREE, EV_BUSY) == EV_SET) {
                goto done;
            }
        }

        /*
         * Sleep until value leaves EV_BUSY.  EV_SET: the set we waited
         * for.  EV_FREE: a set and then a reset happened meanwhile.
         */
        while (qatomic_load_acquire(&ev->value) == EV_BUSY) {
            if (deadline && g_get_monotonic_time() >= *deadline) {
                return false;
            }
            event_sleep(ev, EV_BUSY, deadline);
        }
    }

done:
#ifdef CONFIG_DEBUG
    /* The resetter has seen its set: its ownership ends. */
    if (qatomic_read(&ev->resetter) == EV_SELF) {
        qatomic_set(&ev->resetter, 0);
    }
#endif
    return true;
}

void qemu_event_wait(QemuEvent *ev)
{
    qemu_event_wait_deadline(ev, NULL);
}

bool qemu_event_timedwait(QemuEvent *ev, int ms)
{
    int64_t deadline = g_get_monotonic_time() + (int64_t)ms * 1000;

    return qemu_event_wait_deadline(ev, &deadline);
}

/*
 * QemuOnce
 *
 * once->state goes NEW -> RUNNING [-> WAITED] -> DONE and never back:
 *
 *   NEW       nobody has started init_fn.
 *   RUNNING   the thread that won the compare-and-swap from NEW runs it.
 *   WAITED    as RUNNING, and some thread may be asleep waiting for it.
 *   DONE      init_fn has returned.
 *
 * The runner publishes DONE with an exchange (a release, after init_fn's
 * stores) and wakes sleepers only if the old state was WAITED, so the
 * uncontended case makes no system call.  A waiter moves RUNNING to WAITED
 * by compare-and-swap and sleeps only while the state is WAITED, so, as for
 * QemuEvent, it cannot miss the wake-up.  Without futexes the sleep and the
 * wake use one process-wide mutex and condition variable, with the state
 * re-read under the mutex.
 */
#define QEMU_ONCE_NEW       0
#define QEMU_ONCE_RUNNING   1
#define QEMU_ONCE_WAITED    2

QEMU_BUILD_BUG_ON(QEMU_ONCE_DONE == QEMU_ONCE_NEW ||
                  QEMU_ONCE_DONE == QEMU_ONCE_RUNNING ||
                  QEMU_ONCE_DONE == QEMU_ONCE_WAITED);

/* The address of a TLS byte tells the threads apart cheaply. */
static __thread char once_thread_tag;
#define ONCE_SELF ((uintptr_t)&once_thread_tag)

#ifdef QEMU_USE_FUTEX
static void once_wake_all(QemuOnce *once)
{
    futex_wake_all(&once->state);
}

static void once_sleep(QemuOnce *once)
{
    futex_wait(&once->state, QEMU_ONCE_WAITED, NULL);
}
#else
static pthread_mutex_t once_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t once_cond = PTHREAD_COND_INITIALIZER;

static void once_wake_all(QemuOnce *once)
{
    check(pthread_mutex_lock(&once_lock), "pthread_mutex_lock");
    check(pthread_cond_broadcast(&once_cond), "pthread_cond_broadcast");
    check(pthread_mutex_unlock(&once_lock), "pthread_mutex_unlock");
}

static void once_sleep(QemuOnce *once)
{
    check(pthread_mutex_lock(&once_lock), "pthread_mutex_lock");
    if (qatomic_read(&once->state) == QEMU_ONCE_WAITED) {
        check(pthread_cond_wait(&once_cond, &once_lock), "pthread_cond_wait");
    }
    check(pthread_mutex_unlock(&once_lock), "pthread_mutex_unlock");
}
#endif

void qemu_once_slow(QemuOnce *once, void (*init_fn)(void))
{
    unsigned state = qatomic_cmpxchg(&once->state, QEMU_ONCE_NEW,
                                     QEMU_ONCE_RUNNING);

    if (state == QEMU_ONCE_NEW) {
        qatomic_set(&once->runner, ONCE_SELF);
        init_fn();
        qatomic_set(&once->runner, 0);
        /* Publishes init_fn's stores; pairs with the acquire in qemu_once. */
        if (qatomic_xchg(&once->state, QEMU_ONCE_DONE) == QEMU_ONCE_WAITED) {
            once_wake_all(once);
        }
        return;
    }

    /* Only this thread could have stored its own tag. */
    if (qatomic_read(&once->runner) == ONCE_SELF) {
        fprintf(stderr, "qemu_once: the initialisation function called "
                "qemu_once on its own QemuOnce\n");
        abort();
    }
    while (state != QEMU_ONCE_DONE) {
        if (state == QEMU_ONCE_RUNNING) {
            state = qatomic_cmpxchg(&once->state, QEMU_ONCE_RUNNING,
                                    QEMU_ONCE_WAITED);
            if (state == QEMU_ONCE_DONE) {
                break;
            }
        }
        once_sleep(once);
        state = qatomic_load_acquire(&once->state);
    }
}

/*
 * Threads.  The name is applied by the new thread itself, before it runs
 * any user code, so that it is visible from the first instant.
 */
typedef struct QemuThreadArgs {
    void *(*start_routine)(void *);
    void *arg;
    char *name;
} QemuThreadArgs;

static void *qemu_thread_start(void *args)
{
    QemuThreadArgs *qargs = args;
    void *(*start_routine)(void *) = qargs->start_routine;
    void *arg = qargs->arg;

    if (qargs->name) {
        char comm[16];

        /* The kernel keeps 15 characters plus the NUL. */
        g_strlcpy(comm, qargs->name, sizeof(comm));
        pthread_setname_np(pthread_self(), comm);
    }
    g_free(qargs->name);
    g_free(qargs);
    return start_routine(arg);
}

void qemu_thread_create(QemuThread *thread, const char *name,
                        void *(*start_routine)(void *), void *arg, int mode)
{
    sigset_t set, oldset;
    pthread_attr_t attr;
    QemuThreadArgs *qargs;
    int err;

    check(pthread_attr_init(&attr), "pthread_attr_init");
    if (mode == QEMU_THREAD_DETACHED) {
        check(pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED),
              "pthread_attr_setdetachstate");
    }

    /* The new thread inherits this mask; restore ours afterwards. */
    sigfillset(&set);
    sigdelset(&set, SIGSEGV);
    sigdelset(&set, SIGFPE);
    sigdelset(&set, SIGILL);
    pthread_sigmask(SIG_SETMASK, &set, &oldset);

    qargs = g_new0(QemuThreadArgs, 1);
    qargs->start_routine = start_routine;
    qargs->arg = arg;
    qargs->name = g_strdup(name);

    err = pthread_create(&thread->thread, &attr, qemu_thread_start, qargs);
    if (err) {
        error_exit(err, "pthread_create");
    }

    pthread_sigmask(SIG_SETMASK, &oldset, NULL);
    pthread_attr_destroy(&attr);
}

void *qemu_thread_join(QemuThread *thread)
{
    void *ret;

    check(pthread_join(thread->thread, &ret), "pthread_join");
    return ret;
}

void qemu_thread_get_self(QemuThread *thread)
{
    thread->thread = pthread_self();
}

bool qemu_thread_is_self(QemuThread *thread)
{
    return pthread_equal(pthread_self(), thread->thread);
}

void qemu_thread_exit(void *retval)
{
    pthread_exit(retval);
}
