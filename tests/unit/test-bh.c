/*
 * Bottom halves scheduled from other threads.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/thread.h"
#include "qemu/atomic.h"
#include "qemu/timer.h"
#include "qapi/error.h"

static int runs;

static void count_cb(void *opaque)
{
    runs++;
    if (opaque) {
        qemu_sem_post(opaque);
    }
}

static void test_schedule_coalesces(void)
{
    QEMUBH *bh = qemu_bh_new(count_cb, NULL);

    runs = 0;
    qemu_bh_schedule(bh);
    qemu_bh_schedule(bh);
    main_loop_wait(true);
    g_assert_cmpint(runs, ==, 1);
    main_loop_wait(true);
    g_assert_cmpint(runs, ==, 1);

    qemu_bh_schedule(bh);
    qemu_bh_cancel(bh);
    main_loop_wait(true);
    g_assert_cmpint(runs, ==, 1);

    qemu_bh_schedule(bh);
    qemu_bh_delete(bh);
    main_loop_wait(true);
    g_assert_cmpint(runs, ==, 1);
}

static QEMUBH *self_bh;
static int self_runs;

/* A BH that reschedules itself runs again on the next iteration. */
static void self_cb(void *opaque)
{
    if (++self_runs < 3) {
        qemu_bh_schedule(self_bh);
    } else {
        qemu_bh_delete(self_bh);
    }
}

static void test_reschedule_from_callback(void)
{
    self_bh = qemu_bh_new(self_cb, NULL);
    self_runs = 0;
    qemu_bh_schedule(self_bh);
    for (int i = 0; i < 6; i++) {
        main_loop_wait(true);
    }
    g_assert_cmpint(self_runs, ==, 3);
}

/*
 * A thread schedules a BH and waits for it to run, many times.  The loop
 * blocks in poll with no timers, so every schedule must wake it.
 */
typedef struct Pinger {
    QEMUBH *bh;
    QemuSemaphore ran;
    int rounds;
    int done;
} Pinger;

static void *pinger(void *arg)
{
    Pinger *p = arg;

    for (int i = 0; i < p->rounds; i++) {
        qemu_bh_schedule(p->bh);
        qemu_sem_wait(&p->ran);
    }
    qatomic_set(&p->done, 1);
    qemu_notify_event();
    return NULL;
}

static void test_cross_thread_schedule(void)
{
    Pinger p = { .rounds = g_test_quick() ? 1000 : 20000 };
    QemuThread t;
    int64_t deadline = qemu_clock_get_ms(QEMU_CLOCK_REALTIME) + 30000;

    qemu_sem_init(&p.ran, 0);
    p.bh = qemu_bh_new(count_cb, &p.ran);
    runs = 0;
    qemu_thread_create(&t, "bh-pinger", pinger, &p, QEMU_THREAD_JOINABLE);
    while (!qatomic_read(&p.done)) {
        g_assert_cmpint(qemu_clock_get_ms(QEMU_CLOCK_REALTIME), <, deadline);
        main_loop_wait(false);
    }
    qemu_thread_join(&t);
    g_assert_cmpint(runs, ==, p.rounds);
    qemu_bh_delete(p.bh);
    qemu_sem_destroy(&p.ran);
}

/*
 * Threads create, schedule and delete BHs while the loop runs them.  Each
 * BH is scheduled once, so it runs at most once; the ones deleted only
 * after they ran must have run exactly once.  The ASan and TSan builds
 * check that no freed BH is touched.
 */
#define CHURNERS 2

typedef struct ChurnBH {
    int ran;
} ChurnBH;

static int churners_done;

static void churn_cb(void *opaque)
{
    ChurnBH *c = opaque;

    qatomic_inc(&c->ran);
}

static void *bh_churner(void *arg)
{
    int rounds = g_test_quick() ? 300 : 3000;
    ChurnBH *c = g_new0(ChurnBH, rounds);

    for (int i = 0; i < rounds; i++) {
        QEMUBH *bh = qemu_bh_new(churn_cb, &c[i]);

        qemu_bh_schedule(bh);
        if (i & 1) {
            /* Wait for it to run, then delete. */
            while (!qatomic_read(&c[i].ran)) {
                g_usleep(10);
            }
        }
        qemu_bh_delete(bh);
    }
    /* Deleted BHs never run again; let the loop iterate, then check. */
    g_usleep(20000);
    for (int i = 0; i < rounds; i++) {
        g_assert_cmpint(qatomic_read(&c[i].ran), <=, 1);
        if (i & 1) {
            g_assert_cmpint(qatomic_read(&c[i].ran), ==, 1);
        }
    }
    g_free(c);
    qatomic_inc(&churners_done);
    qemu_notify_event();
    return NULL;
}

static void test_churn(void)
{
    QemuThread t[CHURNERS];
    int64_t deadline = qemu_clock_get_ms(QEMU_CLOCK_REALTIME) + 60000;

    churners_done = 0;
    for (int i = 0; i < CHURNERS; i++) {
        qemu_thread_create(&t[i], "bh-churn", bh_churner, NULL,
                           QEMU_THREAD_JOINABLE);
    }
    while (qatomic_read(&churners_done) < CHURNERS) {
        g_assert_cmpint(qemu_clock_get_ms(QEMU_CLOCK_REALTIME), <, deadline);
        main_loop_wait(false);
    }
    for (int i = 0; i < CHURNERS; i++) {
        qemu_thread_join(&t[i]);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qemu_init_main_loop(&error_abort);
    qemu_mutex_lock_iothread();
    g_test_add_func("/bh/schedule-coalesces", test_schedule_coalesces);
    g_test_add_func("/bh/reschedule-from-callback",
                    test_reschedule_from_callback);
    g_test_add_func("/bh/cross-thread-schedule", test_cross_thread_schedule);
    g_test_add_func("/bh/churn", test_churn);
    return g_test_run();
}
