/*
 * Threads and the classic synchronisation objects, with QEMU's names.
 *
 * All of them abort with a message on an unexpected error from the host
 * (EINVAL, EDEADLK...): such an error means a broken invariant, not a
 * condition that a caller could handle.
 */
#ifndef QEMU_THREAD_H
#define QEMU_THREAD_H

#include "qemu/thread-posix.h"
#include "qemu/atomic.h"

typedef struct QemuMutex QemuMutex;
typedef struct QemuRecMutex QemuRecMutex;
typedef struct QemuCond QemuCond;
typedef struct QemuSemaphore QemuSemaphore;
typedef struct QemuEvent QemuEvent;
typedef struct QemuThread QemuThread;

#define QEMU_THREAD_JOINABLE 0
#define QEMU_THREAD_DETACHED 1

void qemu_mutex_init(QemuMutex *mutex);
void qemu_mutex_destroy(QemuMutex *mutex);
void qemu_mutex_lock(QemuMutex *mutex);
/* Returns 0 if the lock was taken, -EBUSY if it is held. */
int qemu_mutex_trylock(QemuMutex *mutex);
void qemu_mutex_unlock(QemuMutex *mutex);

void qemu_rec_mutex_init(QemuRecMutex *mutex);
void qemu_rec_mutex_destroy(QemuRecMutex *mutex);
void qemu_rec_mutex_lock(QemuRecMutex *mutex);
int qemu_rec_mutex_trylock(QemuRecMutex *mutex);
void qemu_rec_mutex_unlock(QemuRecMutex *mutex);

void qemu_cond_init(QemuCond *cond);
void qemu_cond_destroy(QemuCond *cond);
void qemu_cond_signal(QemuCond *cond);
void qemu_cond_broadcast(QemuCond *cond);
/* Atomically unlock mutex and wait; mutex is held again on return. */
void qemu_cond_wait(QemuCond *cond, QemuMutex *mutex);
/* As qemu_cond_wait for at most ms milliseconds; false on timeout. */
bool qemu_cond_timedwait(QemuCond *cond, QemuMutex *mutex, int ms);

void qemu_sem_init(QemuSemaphore *sem, int init);
void qemu_sem_destroy(QemuSemaphore *sem);
void qemu_sem_post(QemuSemaphore *sem);
void qemu_sem_wait(QemuSemaphore *sem);
/* 0 if the semaphore was taken, -1 after ms milliseconds without. */
int qemu_sem_timedwait(QemuSemaphore *sem, int ms);

/*
 * Events: a flag that threads can sleep on until another thread sets it.
 *
 * qemu_event_set sets the flag and wakes every waiter; setting a set event
 * does nothing, and when nobody is waiting a set makes no system call.
 * qemu_event_wait returns once the flag is set (at once if it is set
 * already).  qemu_event_reset clears it.  The usual pattern is
 *
 *     waiter:                            setter:
 *         qemu_event_reset(&ev);             condition = true;
 *         if (!condition) {                  qemu_event_set(&ev);
 *             qemu_event_wait(&ev);
 *         }
 *
 * which cannot miss the wake-up: set and reset both act as full barriers
 * for the condition around them.
 *
 * Only one thread resets a given event.  Several threads may take turns
 * (synchronize_rcu callers do, under a lock), but a thread that resets
 * the event keeps it until it returns from qemu_event_wait on it or sets
 * it itself, and no other thread may reset it meanwhile; debug builds
 * abort if one does.  Otherwise a second reset could erase a set before
 * the first resetter saw it, and the first would sleep through its
 * wake-up.  Any number of threads may set and wait.
 *
 * The setter touches the event for the last time when it changes the
 * flag, so a waiter may destroy the event (or free the memory holding it)
 * as soon as qemu_event_wait returns.
 */
void qemu_event_init(QemuEvent *ev, bool init);
void qemu_event_set(QemuEvent *ev);
void qemu_event_reset(QemuEvent *ev);
void qemu_event_wait(QemuEvent *ev);
/* As qemu_event_wait for at most ms milliseconds; false on timeout. */
bool qemu_event_timedwait(QemuEvent *ev, int ms);
void qemu_event_destroy(QemuEvent *ev);

/*
 * One-time initialisation, safe from any thread:
 *
 *     static QemuOnce once = QEMU_ONCE_INIT;
 *     ...
 *     qemu_once(&once, init_fn);
 *
 * The first caller runs init_fn; callers that arrive meanwhile sleep until
 * it returns.  When qemu_once returns, init_fn has completed and everything
 * it wrote is visible to the caller.  Once done, qemu_once is one
 * load-acquire.  init_fn must not call qemu_once on the same object
 * (that aborts with a message), and must return normally.  fork() while
 * another thread runs init_fn leaves the child's copy stuck; code that
 * forks resets its QemuOnce objects in the child (see rcu.c).
 */
typedef struct QemuOnce {
    unsigned state;             /* QEMU_ONCE_* below */
    uintptr_t runner;           /* identifies the thread running init_fn */
} QemuOnce;

#define QEMU_ONCE_INIT { 0, 0 }
#define QEMU_ONCE_DONE 3        /* see util/qemu-thread-posix.c */

void qemu_once_slow(QemuOnce *once, void (*init_fn)(void));

static inline void qemu_once(QemuOnce *once, void (*init_fn)(void))
{
    /* Pairs with the exchange that publishes QEMU_ONCE_DONE. */
    if (likely(qatomic_load_acquire(&once->state) == QEMU_ONCE_DONE)) {
        return;
    }
    qemu_once_slow(once, init_fn);
}

/*
 * Start fn(arg) on a new thread called name (truncated to the 15
 * characters that /proc/PID/task/TID/comm shows).  The new thread starts
 * with every signal blocked except the synchronous SIGSEGV, SIGFPE and
 * SIGILL, so asynchronous signals go to the main thread.
 */
void qemu_thread_create(QemuThread *thread, const char *name,
                        void *(*start_routine)(void *), void *arg, int mode);
void *qemu_thread_join(QemuThread *thread);
void qemu_thread_get_self(QemuThread *thread);
bool qemu_thread_is_self(QemuThread *thread);
QEMU_NORETURN void qemu_thread_exit(void *retval);

/*
 * Lock guards: hold mutex until the end of the enclosing scope.
 *   QEMU_LOCK_GUARD(&s->lock);
 *   WITH_QEMU_LOCK_GUARD(&s->lock) { ... }
 */
static inline void qemu_lock_guard_cleanup(QemuMutex **m)
{
    if (*m) {
        qemu_mutex_unlock(*m);
    }
}

#define QEMU_LOCK_GUARD_NAME(n) glue(qemu_lockguard_, n)
#define QEMU_LOCK_GUARD(m)                                              \
    QemuMutex *QEMU_LOCK_GUARD_NAME(__COUNTER__)                        \
        QEMU_CLEANUP(qemu_lock_guard_cleanup) QEMU_UNUSED =             \
        ({ qemu_mutex_lock(m); (m); })

#define WITH_QEMU_LOCK_GUARD_(m, var)                                   \
    for (QemuMutex *var QEMU_CLEANUP(qemu_lock_guard_cleanup) =         \
             ({ qemu_mutex_lock(m); (m); });                            \
         var; qemu_mutex_unlock(var), var = NULL)
#define WITH_QEMU_LOCK_GUARD(m) \
    WITH_QEMU_LOCK_GUARD_(m, QEMU_LOCK_GUARD_NAME(__COUNTER__))

#endif /* QEMU_THREAD_H */
