/*
 * Timers on the main loop: ordering, cancellation, cross-thread arming,
 * and the virtual clock stopping and resuming.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "qemu/thread.h"
#include "qapi/error.h"

static GString *fired;

static void record(void *opaque)
{
    g_string_append(fired, opaque);
}

/* Run the loop until cond() or a generous real-time limit. */
static bool run_until(bool (*cond)(void), int64_t limit_ms)
{
    int64_t deadline = qemu_clock_get_ms(QEMU_CLOCK_REALTIME) + limit_ms;

    while (!cond()) {
        if (qemu_clock_get_ms(QEMU_CLOCK_REALTIME) > deadline) {
            return false;
        }
        main_loop_wait(false);
    }
    return true;
}

static bool five_fired(void)
{
    return fired->len >= 5;
}

static void test_order(void)
{
    QEMUTimer *t[6];
    const char *names[6] = { "a", "b", "c", "d", "e", "x" };
    int64_t now = qemu_clock_get_ms(QEMU_CLOCK_REALTIME);
    /* Armed out of order; "x" is cancelled before it fires. */
    const int64_t at[6] = { 30, 10, 20, 50, 40, 15 };

    fired = g_string_new(NULL);
    for (int i = 0; i < 6; i++) {
        t[i] = timer_new_ms(QEMU_CLOCK_REALTIME, record, (void *)names[i]);
        timer_mod(t[i], now + at[i]);
        g_assert_true(timer_pending(t[i]));
    }
    timer_del(t[5]);
    g_assert_false(timer_pending(t[5]));

    g_assert_true(run_until(five_fired, 5000));
    g_assert_cmpstr(fired->str, ==, "bcaed");
    for (int i = 0; i < 6; i++) {
        g_assert_false(timer_pending(t[i]));
        timer_free(t[i]);
    }
    g_string_free(fired, true);
}

static void test_equal_deadlines_fifo(void)
{
    QEMUTimer *t[3];
    const char *names[3] = { "1", "2", "3" };
    int64_t when = qemu_clock_get_ns(QEMU_CLOCK_REALTIME) + 5 * SCALE_MS;

    fired = g_string_new(NULL);
    for (int i = 0; i < 3; i++) {
        t[i] = timer_new_ns(QEMU_CLOCK_REALTIME, record, (void *)names[i]);
        timer_mod_ns(t[i], when);
    }
    /* Re-arming moves a timer behind the others with the same expiry. */
    timer_mod_ns(t[0], when);
    while (fired->len < 3) {
        main_loop_wait(false);
    }
    g_assert_cmpstr(fired->str, ==, "231");
    for (int i = 0; i < 3; i++) {
        timer_free(t[i]);
    }
    g_string_free(fired, true);
}

/* A thread arms a timer far in the future, then pulls it in: the loop,
 * sleeping until the far deadline, must wake for the near one. */
static QEMUTimer *remote_timer;
static int remote_fired;

static void remote_cb(void *opaque)
{
    remote_fired++;
}

static void *remote_armer(void *arg)
{
    g_usleep(20 * 1000);
    timer_mod_ns(remote_timer, qemu_clock_get_ns(QEMU_CLOCK_REALTIME));
    return NULL;
}

static bool remote_done(void)
{
    return remote_fired > 0;
}

static void test_cross_thread_mod(void)
{
    QemuThread t;
    QEMUTimer *far = timer_new_ms(QEMU_CLOCK_REALTIME, remote_cb, NULL);

    /* Something far away for the loop to sleep towards. */
    timer_mod(far, qemu_clock_get_ms(QEMU_CLOCK_REALTIME) + 60 * 1000);
    remote_timer = timer_new_ns(QEMU_CLOCK_REALTIME, remote_cb, NULL);
    remote_fired = 0;
    qemu_thread_create(&t, "armer", remote_armer, NULL, QEMU_THREAD_JOINABLE);
    g_assert_true(run_until(remote_done, 10 * 1000));
    qemu_thread_join(&t);
    g_assert_true(timer_pending(far));
    timer_free(far);
    timer_free(remote_timer);
}

static int virt_fired;

static void virt_cb(void *opaque)
{
    virt_fired++;
}

static void test_virtual_clock_stop_resume(void)
{
    QEMUTimer *t = timer_new_ns(QEMU_CLOCK_VIRTUAL, virt_cb, NULL);
    int64_t v0, v1, v2;

    cpu_enable_ticks();
    v0 = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    g_usleep(2000);
    v1 = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    g_assert_cmpint(v1, >, v0);

    /* Stopped: time stands still and virtual timers do not fire. */
    cpu_disable_ticks();
    v1 = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    virt_fired = 0;
    timer_mod_ns(t, v1 + 1 * SCALE_MS);
    for (int i = 0; i < 5; i++) {
        g_usleep(2000);
        main_loop_wait(true);
    }
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), ==, v1);
    g_assert_cmpint(virt_fired, ==, 0);

    /* Resumed: time continues from where it stopped, and the timer fires. */
    cpu_enable_ticks();
    v2 = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    g_assert_cmpint(v2, >=, v1);
    g_assert_cmpint(v2 - v1, <, 1 * NANOSECONDS_PER_SECOND);
    while (!virt_fired) {
        main_loop_wait(false);
    }
    g_assert_cmpint(virt_fired, ==, 1);
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), >=, v1 + SCALE_MS);

    /* qemu_clock_enable(false) holds timers back without stopping time. */
    qemu_clock_enable(QEMU_CLOCK_VIRTUAL, false);
    timer_mod_ns(t, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL));
    main_loop_wait(true);
    g_assert_cmpint(virt_fired, ==, 1);
    qemu_clock_enable(QEMU_CLOCK_VIRTUAL, true);
    main_loop_wait(true);
    g_assert_cmpint(virt_fired, ==, 2);

    cpu_disable_ticks();
    timer_free(t);
}

/* Records the virtual time at which each of its timers fired. */
typedef struct StepLog {
    int64_t at[8];
    int order[8];
    int n;
} StepLog;

typedef struct StepTimer {
    QEMUTimer timer;
    StepLog *log;
    int id;
    int64_t rearm;      /* > 0: fire again that many ns later, once */
} StepTimer;

static void step_cb(void *opaque)
{
    StepTimer *st = opaque;
    StepLog *log = st->log;

    g_assert_cmpint(log->n, <, G_N_ELEMENTS(log->at));
    log->at[log->n] = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    log->order[log->n++] = st->id;
    if (st->rearm > 0) {
        timer_mod_ns(&st->timer, log->at[log->n - 1] + st->rearm);
        st->rearm = 0;
    }
}

/*
 * Manual virtual time (qtest's clock_step): the clock stands still even
 * with ticks enabled, and qemu_clock_advance_virtual runs each timer that
 * falls due on the way with the clock at its expiry, in order, including
 * one a callback re-arms inside the step; the clock never goes back.
 */
static void test_virtual_manual(void)
{
    StepLog log = { .n = 0 };
    StepTimer st[3];
    int64_t v0, v;

    cpu_enable_ticks();
    qemu_clock_set_virtual_manual(true);
    v0 = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    g_usleep(2000);
    main_loop_wait(true);
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), ==, v0);

    for (int i = 0; i < 3; i++) {
        st[i] = (StepTimer) { .log = &log, .id = i };
        timer_init(&st[i].timer, QEMU_CLOCK_VIRTUAL, SCALE_NS, step_cb,
                   &st[i]);
    }
    g_assert_cmpint(qemu_clock_next_expiry(QEMU_CLOCK_VIRTUAL), ==, -1);
    timer_mod_ns(&st[0].timer, v0 + 300);
    timer_mod_ns(&st[1].timer, v0 + 100);
    timer_mod_ns(&st[2].timer, v0 + 5000);
    st[1].rearm = 150;                  /* fires again at v0 + 250 */
    g_assert_cmpint(qemu_clock_next_expiry(QEMU_CLOCK_VIRTUAL), ==, v0 + 100);

    v = qemu_clock_advance_virtual(v0 + 1000);
    g_assert_cmpint(v, ==, v0 + 1000);
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), ==, v0 + 1000);
    g_assert_cmpint(log.n, ==, 3);
    g_assert_cmpint(log.order[0], ==, 1);
    g_assert_cmpint(log.at[0], ==, v0 + 100);
    g_assert_cmpint(log.order[1], ==, 1);
    g_assert_cmpint(log.at[1], ==, v0 + 250);
    g_assert_cmpint(log.order[2], ==, 0);
    g_assert_cmpint(log.at[2], ==, v0 + 300);
    g_assert_true(timer_pending(&st[2].timer));
    g_assert_cmpint(qemu_clock_next_expiry(QEMU_CLOCK_VIRTUAL), ==,
                    v0 + 5000);

    /* Backwards: nothing moves, nothing fires. */
    v = qemu_clock_advance_virtual(v0);
    g_assert_cmpint(v, ==, v0 + 1000);
    g_assert_cmpint(log.n, ==, 3);

    /* Exactly to a deadline: it fires. */
    v = qemu_clock_advance_virtual(v0 + 5000);
    g_assert_cmpint(log.n, ==, 4);
    g_assert_cmpint(log.at[3], ==, v0 + 5000);

    /* Leaving manual mode keeps the value; then time follows the host. */
    qemu_clock_set_virtual_manual(false);
    v = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    g_assert_cmpint(v, >=, v0 + 5000);
    g_assert_cmpint(v - (v0 + 5000), <, NANOSECONDS_PER_SECOND);
    g_usleep(2000);
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), >, v);
    cpu_disable_ticks();
    for (int i = 0; i < 3; i++) {
        timer_del(&st[i].timer);
    }
}

static void test_clocks_monotonic(void)
{
    int64_t a = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);
    int64_t b = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);
    int64_t host = qemu_clock_get_ns(QEMU_CLOCK_HOST);

    g_assert_cmpint(b, >=, a);
    /* The host clock is wall-clock time: after 2020-01-01. */
    g_assert_cmpint(host / NANOSECONDS_PER_SECOND, >, 1577836800);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qemu_init_main_loop(&error_abort);
    qemu_mutex_lock_iothread();
    g_test_add_func("/timer/order", test_order);
    g_test_add_func("/timer/equal-deadlines-fifo", test_equal_deadlines_fifo);
    g_test_add_func("/timer/cross-thread-mod", test_cross_thread_mod);
    g_test_add_func("/timer/virtual-clock-stop-resume",
                    test_virtual_clock_stop_resume);
    g_test_add_func("/timer/virtual-manual", test_virtual_manual);
    g_test_add_func("/timer/clocks-monotonic", test_clocks_monotonic);
    return g_test_run();
}
