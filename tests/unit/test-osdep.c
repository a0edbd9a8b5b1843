/*
 * Host helpers (include/qemu/osdep.h).
 */
#include "qemu/osdep.h"
#include "qemu/thread.h"
#include "qemu/atomic.h"

/* Lower bounds only: a sleep may be late, never early. */
static void test_msleep(void)
{
    int64_t start = g_get_monotonic_time();

    qemu_msleep(0);
    qemu_msleep(30);
    g_assert_cmpint(g_get_monotonic_time() - start, >=, 30 * 1000);

    start = g_get_monotonic_time();
    qemu_msleep(1500);              /* whole seconds and the rest */
    g_assert_cmpint(g_get_monotonic_time() - start, >=, 1500 * 1000);
}

static int signals_seen;

static void on_sigusr1(int sig)
{
    qatomic_inc(&signals_seen);
}

static void *interrupter(void *opaque)
{
    pthread_t *sleeper = opaque;

    for (int i = 0; i < 5; i++) {
        g_usleep(20 * 1000);
        pthread_kill(*sleeper, SIGUSR1);
    }
    return NULL;
}

/* Signals with handlers interrupt the sleep; it must carry on. */
static void test_msleep_signals(void)
{
    struct sigaction sa = { .sa_handler = on_sigusr1 }, old;
    pthread_t self = pthread_self();
    QemuThread thread;
    int64_t start;

    /* No SA_RESTART: the sleep really is interrupted. */
    sigemptyset(&sa.sa_mask);
    g_assert_cmpint(sigaction(SIGUSR1, &sa, &old), ==, 0);
    signals_seen = 0;
    qemu_thread_create(&thread, "interrupter", interrupter, &self,
                       QEMU_THREAD_JOINABLE);
    start = g_get_monotonic_time();
    qemu_msleep(300);
    g_assert_cmpint(g_get_monotonic_time() - start, >=, 300 * 1000);
    qemu_thread_join(&thread);
    /*
     * The handler ran (signals sent while one is pending merge, which
     * happens under ThreadSanitizer, so do not count on all five).
     */
    g_assert_cmpint(qatomic_read(&signals_seen), >=, 1);
    sigaction(SIGUSR1, &old, NULL);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/osdep/msleep", test_msleep);
    g_test_add_func("/osdep/msleep-signals", test_msleep_signals);
    return g_test_run();
}
