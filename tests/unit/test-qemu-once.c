/*
 * QemuOnce (qemu/thread.h): many threads racing into one initialisation
 * run it exactly once and all see its results; separate objects are
 * independent; an initialisation may use another QemuOnce; one that calls
 * its own aborts with a message.
 *
 * Built twice, like test-qemu-event: against the configured backend and
 * against the mutex+condvar one.
 */
#include "qemu/osdep.h"
#include "qemu/thread.h"
#include "qemu/atomic.h"

#define N_THREADS 8

static QemuOnce race_once;
static int race_calls;
static int *race_table;         /* written by the initialisation only */

static void race_init(void)
{
    int *table = g_new(int, 64);

    qatomic_inc(&race_calls);
    /* Keep the others waiting for a while, so that they really sleep. */
    g_usleep(20 * 1000);
    for (int i = 0; i < 64; i++) {
        table[i] = i * i;
    }
    /* Plain stores: qemu_once must publish them to every caller. */
    race_table = table;
}

static QemuSemaphore race_start;

static void *race_thread(void *opaque)
{
    qemu_sem_wait(&race_start);
    qemu_once(&race_once, race_init);
    for (int i = 0; i < 64; i++) {
        g_assert_cmpint(race_table[i], ==, i * i);
    }
    qemu_once(&race_once, race_init);   /* done: the fast path */
    return NULL;
}

static void test_race(void)
{
    QemuThread threads[N_THREADS];
    int rounds = g_test_quick() ? 3 : 50;

    qemu_sem_init(&race_start, 0);
    for (int r = 0; r < rounds; r++) {
        race_once = (QemuOnce)QEMU_ONCE_INIT;
        race_calls = 0;
        race_table = NULL;
        for (int i = 0; i < N_THREADS; i++) {
            qemu_thread_create(&threads[i], "once-racer", race_thread, NULL,
                               QEMU_THREAD_JOINABLE);
        }
        for (int i = 0; i < N_THREADS; i++) {
            qemu_sem_post(&race_start);
        }
        for (int i = 0; i < N_THREADS; i++) {
            qemu_thread_join(&threads[i]);
        }
        g_assert_cmpint(race_calls, ==, 1);
        g_free(race_table);
    }
    qemu_sem_destroy(&race_start);
}

static QemuOnce outer_once, inner_once;
static int outer_calls, inner_calls;

static void inner_init(void)
{
    inner_calls++;
}

static void outer_init(void)
{
    /* An initialisation may depend on another one. */
    qemu_once(&inner_once, inner_init);
    outer_calls++;
}

static void test_nested_objects(void)
{
    qemu_once(&outer_once, outer_init);
    qemu_once(&outer_once, outer_init);
    qemu_once(&inner_once, inner_init);
    g_assert_cmpint(outer_calls, ==, 1);
    g_assert_cmpint(inner_calls, ==, 1);
}

static QemuOnce self_once;

static void self_init(void)
{
    qemu_once(&self_once, self_init);
}

static void test_recursive_aborts(void)
{
    if (g_test_subprocess()) {
        qemu_once(&self_once, self_init);
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*called qemu_once on its own QemuOnce*");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qemu-once/race", test_race);
    g_test_add_func("/qemu-once/nested-objects", test_nested_objects);
    g_test_add_func("/qemu-once/recursive-aborts", test_recursive_aborts);
    return g_test_run();
}
