/*
 * The main loop (include/qemu/main-loop.h).
 *
 * One iteration: gather the fds to poll (our iohandlers, and the sources
 * of GLib's default context, which chardevs and the monitor may use),
 * compute the timeout from the nearest timer, drop the BQL, poll, retake
 * the BQL, then dispatch: GLib sources, fd handlers, bottom halves, timers.
 *
 * Other threads wake the loop with qemu_notify_event(), which sets the
 * wake-up notifier: an EventNotifier (an eventfd, or a pipe) whose read
 * side is one of the polled fds.  Anything a thread changes before
 * notifying is seen by the iteration that the notification wakes, since
 * the write and the poll are system calls and so full barriers.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/atomic.h"
#include "qemu/event_notifier.h"
#include "qemu/thread.h"
#include "qemu/timer.h"
#include "qemu/rcu.h"
#include "qapi/error.h"
#include "main-loop-internal.h"
#include <poll.h>

/* The BQL, and whether this thread holds it. */
static QemuMutex qemu_global_mutex;
static __thread bool iothread_locked;

/*
 * The wake-up notifier.  Set up once by qemu_init_main_loop before other
 * threads can call qemu_notify_event; main_loop_notifier_ready says so.
 */
static EventNotifier main_loop_notifier;
static bool main_loop_notifier_ready;

static GArray *gpollfds;
static bool main_loop_initialised;

/*
 * The BQL exists from the start: the call_rcu thread takes it around
 * callbacks, which may run before qemu_init_main_loop (or without it, in
 * tests and tools).
 */
static void __attribute__((constructor)) qemu_bql_init(void)
{
    qemu_mutex_init(&qemu_global_mutex);
}

void qemu_mutex_lock_iothread(void)
{
    assert(!iothread_locked);
    qemu_mutex_lock(&qemu_global_mutex);
    iothread_locked = true;
}

void qemu_mutex_unlock_iothread(void)
{
    assert(iothread_locked);
    iothread_locked = false;
    qemu_mutex_unlock(&qemu_global_mutex);
}

bool qemu_mutex_iothread_locked(void)
{
    return iothread_locked;
}

void qemu_cond_wait_iothread(QemuCond *cond)
{
    assert(iothread_locked);
    iothread_locked = false;
    qemu_cond_wait(cond, &qemu_global_mutex);
    iothread_locked = true;
}

bool qemu_cond_timedwait_iothread(QemuCond *cond, int ms)
{
    bool ret;

    assert(iothread_locked);
    iothread_locked = false;
    ret = qemu_cond_timedwait(cond, &qemu_global_mutex, ms);
    iothread_locked = true;
    return ret;
}

/* Drain the notifier; the wake-up has done its job by now. */
static void main_loop_notifier_read(void *opaque)
{
    event_notifier_test_and_clear(&main_loop_notifier);
}

static int main_loop_notifier_init(void)
{
    int ret = event_notifier_init(&main_loop_notifier, false);

    if (ret < 0) {
        return ret;
    }
    qemu_set_fd_handler(event_notifier_get_fd(&main_loop_notifier),
                        main_loop_notifier_read, NULL, NULL);
    qatomic_store_release(&main_loop_notifier_ready, true);
    return 0;
}

void qemu_notify_event(void)
{
    int ret;

    /* Pairs with the store-release in main_loop_notifier_init. */
    if (!qatomic_load_acquire(&main_loop_notifier_ready)) {
        return;
    }
    ret = event_notifier_set(&main_loop_notifier);
    /* Only a broken descriptor fails here, and nobody could handle it. */
    if (ret < 0) {
        g_error("cannot wake the main loop: %s", strerror(-ret));
    }
}

int qemu_init_main_loop(Error **errp)
{
    int ret;

    if (main_loop_initialised) {
        return 0;
    }
    init_clocks();
    iohandler_init();
    bh_init();

    ret = main_loop_notifier_init();
    if (ret < 0) {
        error_setg_errno(errp, -ret, "cannot create the main loop notifier");
        return -1;
    }
    gpollfds = g_array_new(false, false, sizeof(GPollFD));
    /* The main loop owns GLib's default context from now on. */
    g_main_context_acquire(g_main_context_default());
    main_loop_initialised = true;
    return 0;
}

/* Poll with a nanosecond timeout (-1: forever). */
static int qemu_poll_ns(GPollFD *fds, guint nfds, int64_t timeout)
{
    struct timespec ts, *tsp = NULL;

    QEMU_BUILD_BUG_ON(sizeof(GPollFD) != sizeof(struct pollfd));
    if (timeout >= 0) {
        ts.tv_sec = timeout / NANOSECONDS_PER_SECOND;
        ts.tv_nsec = timeout % NANOSECONDS_PER_SECOND;
        tsp = &ts;
    }
    return ppoll((struct pollfd *)fds, nfds, tsp, NULL);
}

/* The smaller of two timeouts where -1 means "none". */
static int64_t min_timeout(int64_t a, int64_t b)
{
    if (a < 0) {
        return b;
    }
    if (b < 0) {
        return a;
    }
    return MIN(a, b);
}

void main_loop_wait(int nonblocking)
{
    GMainContext *context = g_main_context_default();
    bool rcu_online = get_ptr_rcu_reader()->online;
    int64_t timeout_ns;
    gint max_priority, glib_timeout_ms, glib_n, glib_max;
    int ret;

    assert(main_loop_initialised && iothread_locked);

    /* GLib's fds go first; grow the array until they all fit. */
    g_main_context_prepare(context, &max_priority);
    glib_max = 8;
    for (;;) {
        g_array_set_size(gpollfds, glib_max);
        glib_n = g_main_context_query(context, max_priority, &glib_timeout_ms,
                                      (GPollFD *)gpollfds->data, glib_max);
        if (glib_n <= glib_max) {
            break;
        }
        glib_max = glib_n;
    }
    g_array_set_size(gpollfds, glib_n);
    iohandler_fill(gpollfds);

    if (nonblocking || qemu_bh_any_scheduled()) {
        timeout_ns = 0;
    } else {
        timeout_ns = qemu_clock_deadline_ns_all();
        if (glib_timeout_ms >= 0) {
            timeout_ns = min_timeout(timeout_ns, glib_timeout_ms * SCALE_MS);
        }
    }

    /*
     * The emulator's main thread is an online QSBR reader (qemu_main_loop):
     * quiescent once per iteration, here where it holds no RCU-protected
     * pointer, and offline while it polls, which may last long.
     */
    if (rcu_online) {
        rcu_quiescent_state();
        rcu_thread_offline();
    }
    qemu_mutex_unlock_iothread();
    ret = qemu_poll_ns((GPollFD *)gpollfds->data, gpollfds->len, timeout_ns);
    qemu_mutex_lock_iothread();
    if (rcu_online) {
        rcu_thread_online();
    }

    if (ret < 0 && errno != EINTR) {
        /* Only a bug (a bad fd left registered) gets here. */
        g_error("main loop poll failed: %s", strerror(errno));
    }
    if (g_main_context_check(context, max_priority,
                             (GPollFD *)gpollfds->data, glib_n)) {
        g_main_context_dispatch(context);
    }
    if (ret < 0) {
        /* EINTR: revents are meaningless; clear them for dispatch. */
        for (guint i = 0; i < gpollfds->len; i++) {
            g_array_index(gpollfds, GPollFD, i).revents = 0;
        }
    }
    iohandler_dispatch(gpollfds);
    qemu_bh_poll();
    qemu_clock_run_all_timers();
}
