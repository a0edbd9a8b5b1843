/*
 * The main loop: file descriptor handlers, bottom halves and timers, run
 * by one thread (the main thread) that holds the BQL except while it polls.
 *
 * Everything here may be called from any thread unless it says otherwise;
 * callbacks always run in the main loop thread with the BQL held.
 */
#ifndef QEMU_MAIN_LOOP_H
#define QEMU_MAIN_LOOP_H

typedef struct Error Error;

/* Set up the loop, its clocks and its wake-up notifier; -1 on failure. */
int qemu_init_main_loop(Error **errp);

/*
 * Run one iteration: poll the fds (blocking until the nearest timer unless
 * nonblocking), then dispatch ready handlers, bottom halves and expired
 * timers.  Main thread only, BQL held; it drops the BQL while polling.
 */
void main_loop_wait(int nonblocking);

/* Wake the main loop so that it re-examines its fds, BHs and timers. */
void qemu_notify_event(void);

/*
 * File descriptor handlers.  fd_read runs when fd is readable (or hung
 * up), fd_write when it is writable.  Passing NULL for both removes fd's
 * handler.  Any thread may call it; the change is seen from the main
 * loop's next iteration.  A handler may remove itself from its callback.
 * A callback the main loop is running, or about to run, may still run
 * after a removal from another thread returns: such a caller frees opaque
 * with call_rcu.  Callbacks run inside an RCU read-side section, so they
 * must not call synchronize_rcu or drain_call_rcu.
 */
typedef void IOHandler(void *opaque);
void qemu_set_fd_handler(int fd, IOHandler *fd_read, IOHandler *fd_write,
                         void *opaque);

/*
 * Bottom halves: callbacks scheduled to run soon in the main loop.
 * Scheduling one that is already scheduled is a no-op.  A deleted BH is
 * never run again; its memory is reclaimed by the main loop.
 */
typedef void QEMUBHFunc(void *opaque);
typedef struct QEMUBH QEMUBH;
QEMUBH *qemu_bh_new(QEMUBHFunc *cb, void *opaque);
void qemu_bh_schedule(QEMUBH *bh);
void qemu_bh_cancel(QEMUBH *bh);
void qemu_bh_delete(QEMUBH *bh);

/*
 * The big QEMU lock (BQL): serialises the main loop, device emulation and
 * every other state not protected by a finer lock.  Not recursive.
 */
void qemu_mutex_lock_iothread(void);
void qemu_mutex_unlock_iothread(void);
bool qemu_mutex_iothread_locked(void);

/* Wait on cond, releasing the BQL meanwhile (the BQL must be held). */
typedef struct QemuCond QemuCond;
void qemu_cond_wait_iothread(QemuCond *cond);
bool qemu_cond_timedwait_iothread(QemuCond *cond, int ms);

#define QEMU_IOTHREAD_LOCK_GUARD() \
    g_autoptr(IOThreadLockAuto) _iothread_lock_auto = \
        qemu_iothread_auto_lock(__FILE__, __LINE__)

typedef struct IOThreadLockAuto IOThreadLockAuto;
static inline IOThreadLockAuto *qemu_iothread_auto_lock(const char *file,
                                                        int line)
{
    if (qemu_mutex_iothread_locked()) {
        return NULL;
    }
    qemu_mutex_lock_iothread();
    /* Anything non-NULL will do: the cleanup only needs to know to unlock. */
    return (IOThreadLockAuto *)(uintptr_t)1;
}

static inline void qemu_iothread_auto_unlock(IOThreadLockAuto *l)
{
    qemu_mutex_unlock_iothread();
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(IOThreadLockAuto, qemu_iothread_auto_unlock)

#endif /* QEMU_MAIN_LOOP_H */
