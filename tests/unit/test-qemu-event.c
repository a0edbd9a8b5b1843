/*
 * QemuEvent (qemu/thread.h): set, reset, wait and timed wait, with real
 * sleepers, many waiters, a ping-pong that loses no wake-up, and waiters
 * that free the event as soon as they are woken.
 *
 * meson builds this file twice: against the configured backend, and
 * against the mutex+condvar backend compiled in from
 * util/qemu-thread-posix.c (QEMU_THREAD_NO_FUTEX), so that both are tested
 * in every build.
 */
#include "qemu/osdep.h"
#include "qemu/thread.h"
#include "qemu/atomic.h"

static void test_init_state(void)
{
    QemuEvent ev;

    qemu_event_init(&ev, true);
    qemu_event_wait(&ev);               /* set: returns at once */
    g_assert_true(qemu_event_timedwait(&ev, 0));
    qemu_event_reset(&ev);
    g_assert_false(qemu_event_timedwait(&ev, 0));
    qemu_event_destroy(&ev);

    qemu_event_init(&ev, false);
    g_assert_false(qemu_event_timedwait(&ev, 0));
    qemu_event_set(&ev);
    qemu_event_set(&ev);                /* setting a set event: no-op */
    qemu_event_wait(&ev);
    qemu_event_wait(&ev);               /* stays set until reset */
    qemu_event_reset(&ev);
    qemu_event_reset(&ev);              /* resetting a reset one: no-op */
    g_assert_false(qemu_event_timedwait(&ev, 0));
    qemu_event_destroy(&ev);
}

static void test_timedwait_timeout(void)
{
    QemuEvent ev;
    int64_t start;

    qemu_event_init(&ev, false);
    start = g_get_monotonic_time();
    g_assert_false(qemu_event_timedwait(&ev, 20));
    /* A lower bound only: the wait must really have waited. */
    g_assert_cmpint(g_get_monotonic_time() - start, >=, 20 * 1000);

    /* A timed-out waiter must not confuse the next set and wait. */
    qemu_event_set(&ev);
    g_assert_true(qemu_event_timedwait(&ev, 0));
    qemu_event_destroy(&ev);
}

typedef struct Sleeper {
    QemuEvent *ev;
    int *woken;
    bool timed;
} Sleeper;

static void *sleeper_thread(void *opaque)
{
    Sleeper *s = opaque;

    if (s->timed) {
        /* Generous: only a lost wake-up would reach the timeout. */
        g_assert_true(qemu_event_timedwait(s->ev, 20 * 1000));
    } else {
        qemu_event_wait(s->ev);
    }
    qatomic_inc(s->woken);
    return NULL;
}

/*
 * n threads wait on one event; one set must wake them all, even after a
 * reset that found them asleep.
 */
static void run_many_waiters(int n, bool timed)
{
    QemuEvent ev;
    QemuThread *threads = g_new(QemuThread, n);
    Sleeper s = { .ev = &ev, .timed = timed };
    int woken = 0;

    s.woken = &woken;
    qemu_event_init(&ev, false);
    for (int i = 0; i < n; i++) {
        qemu_thread_create(&threads[i], "event-waiter", sleeper_thread, &s,
                           QEMU_THREAD_JOINABLE);
    }
    /* Give them time to fall asleep; nothing can wake them but the set. */
    g_usleep(20 * 1000);
    g_assert_cmpint(qatomic_read(&woken), ==, 0);
    /* A reset while they sleep must not strand them. */
    qemu_event_reset(&ev);
    qemu_event_set(&ev);
    for (int i = 0; i < n; i++) {
        qemu_thread_join(&threads[i]);
    }
    g_assert_cmpint(woken, ==, n);
    qemu_event_destroy(&ev);
    g_free(threads);
}

static void test_many_waiters(void)
{
    run_many_waiters(8, false);
}

static void test_many_timed_waiters(void)
{
    run_many_waiters(8, true);
}

/*
 * Two threads hand a token back and forth, each sleeping on its own event
 * with the reset/check/wait pattern.  A lost wake-up hangs the test (and
 * meson's timeout turns that into a failure).
 */
typedef struct PingPong {
    QemuEvent ev[2];
    long turn;
    long rounds;
} PingPong;

static void ping_pong_player(PingPong *pp, int me)
{
    for (long round = 0; round < pp->rounds; round++) {
        long mine = 2 * round + me;

        for (;;) {
            qemu_event_reset(&pp->ev[me]);
            if (qatomic_read(&pp->turn) == mine) {
                break;
            }
            qemu_event_wait(&pp->ev[me]);
        }
        qatomic_set(&pp->turn, mine + 1);
        qemu_event_set(&pp->ev[!me]);
    }
}

static void *ping_pong_thread(void *opaque)
{
    ping_pong_player(opaque, 1);
    return NULL;
}

static void test_ping_pong(void)
{
    PingPong pp = { .rounds = g_test_quick() ? 20000 : 500000 };
    QemuThread thread;

    qemu_event_init(&pp.ev[0], false);
    qemu_event_init(&pp.ev[1], false);
    qemu_thread_create(&thread, "event-pong", ping_pong_thread, &pp,
                       QEMU_THREAD_JOINABLE);
    ping_pong_player(&pp, 0);
    qemu_thread_join(&thread);
    g_assert_cmpint(pp.turn, ==, 2 * pp.rounds);
    qemu_event_destroy(&pp.ev[0]);
    qemu_event_destroy(&pp.ev[1]);
}

/*
 * The waiter frees the event as soon as its wait returns, while the setter
 * may still be inside qemu_event_set.  Under AddressSanitizer any access
 * to the event after the waiter could see it set is reported.
 */
typedef struct Handoff {
    QemuEvent ev;
    QemuSemaphore armed;
} Handoff;

static void *handoff_waiter(void *opaque)
{
    Handoff *h = opaque;

    qemu_sem_post(&h->armed);
    qemu_event_wait(&h->ev);
    qemu_event_destroy(&h->ev);
    qemu_sem_destroy(&h->armed);
    g_free(h);
    return NULL;
}

static void test_destroy_after_wait(void)
{
    int rounds = g_test_quick() ? 2000 : 50000;

    for (int i = 0; i < rounds; i++) {
        Handoff *h = g_new0(Handoff, 1);
        QemuThread thread;

        qemu_event_init(&h->ev, false);
        qemu_sem_init(&h->armed, 0);
        qemu_thread_create(&thread, "event-handoff", handoff_waiter, h,
                           QEMU_THREAD_JOINABLE);
        qemu_sem_wait(&h->armed);
        /* h may be freed from the moment the set is visible. */
        qemu_event_set(&h->ev);
        qemu_thread_join(&thread);
    }
}

/* Debug builds catch a second thread resetting a claimed event. */
static void *second_resetter(void *opaque)
{
    qemu_event_reset(opaque);
    return NULL;
}

static void test_second_resetter(void)
{
#ifdef CONFIG_DEBUG
    if (g_test_subprocess()) {
        QemuEvent ev;
        QemuThread thread;

        qemu_event_init(&ev, true);
        qemu_event_reset(&ev);          /* this thread now owns the reset */
        qemu_thread_create(&thread, "event-reset2", second_resetter, &ev,
                           QEMU_THREAD_JOINABLE);
        qemu_thread_join(&thread);
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*only one thread resets a given QemuEvent*");
#else
    g_test_skip("the check is in debug builds (configure --enable-debug)");
#endif
}

/* A reset/wait cycle that ended lets another thread reset in turn. */
static void test_resetters_take_turns(void)
{
    QemuEvent ev;
    QemuThread thread;

    qemu_event_init(&ev, false);
    qemu_event_reset(&ev);
    qemu_event_set(&ev);                /* the resetter's own set */
    qemu_thread_create(&thread, "event-reset2", second_resetter, &ev,
                       QEMU_THREAD_JOINABLE);
    qemu_thread_join(&thread);
    g_assert_false(qemu_event_timedwait(&ev, 0));
    qemu_event_destroy(&ev);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qemu-event/init-state", test_init_state);
    g_test_add_func("/qemu-event/timedwait-timeout", test_timedwait_timeout);
    g_test_add_func("/qemu-event/many-waiters", test_many_waiters);
    g_test_add_func("/qemu-event/many-timed-waiters",
                    test_many_timed_waiters);
    g_test_add_func("/qemu-event/ping-pong", test_ping_pong);
    g_test_add_func("/qemu-event/destroy-after-wait",
                    test_destroy_after_wait);
    g_test_add_func("/qemu-event/second-resetter", test_second_resetter);
    g_test_add_func("/qemu-event/resetters-take-turns",
                    test_resetters_take_turns);
    return g_test_run();
}
