/*
 * Threads and synchronisation objects.
 */
#include "qemu/osdep.h"
#include "qemu/thread.h"
#include "qemu/atomic.h"

#define N_THREADS 4

static QemuMutex mutex;
static long counter;

static void *mutex_worker(void *arg)
{
    long iters = (long)arg;

    for (long i = 0; i < iters; i++) {
        qemu_mutex_lock(&mutex);
        counter++;
        qemu_mutex_unlock(&mutex);
    }
    return (void *)iters;
}

static void test_mutex_counts(void)
{
    QemuThread t[N_THREADS];
    long iters = g_test_quick() ? 20000 : 200000;
    long total = 0;

    qemu_mutex_init(&mutex);
    counter = 0;
    for (int i = 0; i < N_THREADS; i++) {
        qemu_thread_create(&t[i], "mutex-worker", mutex_worker,
                           (void *)iters, QEMU_THREAD_JOINABLE);
    }
    for (int i = 0; i < N_THREADS; i++) {
        total += (long)qemu_thread_join(&t[i]);
    }
    g_assert_cmpint(counter, ==, total);
    g_assert_cmpint(total, ==, N_THREADS * iters);

    g_assert_cmpint(qemu_mutex_trylock(&mutex), ==, 0);
    g_assert_cmpint(qemu_mutex_trylock(&mutex), ==, -EBUSY);
    qemu_mutex_unlock(&mutex);
    qemu_mutex_destroy(&mutex);
}

static void test_rec_mutex(void)
{
    QemuRecMutex rec;

    qemu_rec_mutex_init(&rec);
    qemu_rec_mutex_lock(&rec);
    qemu_rec_mutex_lock(&rec);
    g_assert_cmpint(qemu_rec_mutex_trylock(&rec), ==, 0);
    qemu_rec_mutex_unlock(&rec);
    qemu_rec_mutex_unlock(&rec);
    qemu_rec_mutex_unlock(&rec);
    qemu_rec_mutex_destroy(&rec);
}

static QemuCond cond;
static int stage;

static void *cond_worker(void *arg)
{
    qemu_mutex_lock(&mutex);
    while (stage == 0) {
        qemu_cond_wait(&cond, &mutex);
    }
    stage = 2;
    qemu_cond_broadcast(&cond);
    qemu_mutex_unlock(&mutex);
    return NULL;
}

static void test_cond(void)
{
    QemuThread t;

    qemu_mutex_init(&mutex);
    qemu_cond_init(&cond);
    stage = 0;
    qemu_thread_create(&t, "cond-worker", cond_worker, NULL,
                       QEMU_THREAD_JOINABLE);
    qemu_mutex_lock(&mutex);
    /* Nobody signals yet: the timed wait must time out. */
    g_assert_false(qemu_cond_timedwait(&cond, &mutex, 10));
    stage = 1;
    qemu_cond_signal(&cond);
    while (stage != 2) {
        qemu_cond_wait(&cond, &mutex);
    }
    qemu_mutex_unlock(&mutex);
    qemu_thread_join(&t);
    qemu_cond_destroy(&cond);
    qemu_mutex_destroy(&mutex);
}

static QemuSemaphore sem;

static void *sem_poster(void *arg)
{
    for (int i = 0; i < 1000; i++) {
        qemu_sem_post(&sem);
    }
    return NULL;
}

static void test_semaphore(void)
{
    QemuThread t;
    gint64 start;

    qemu_sem_init(&sem, 1);
    g_assert_cmpint(qemu_sem_timedwait(&sem, 0), ==, 0);
    start = g_get_monotonic_time();
    g_assert_cmpint(qemu_sem_timedwait(&sem, 50), ==, -1);
    /* The timeout really waited (a lower bound only: no upper bound). */
    g_assert_cmpint(g_get_monotonic_time() - start, >=, 45000);

    qemu_thread_create(&t, "sem-poster", sem_poster, NULL,
                       QEMU_THREAD_JOINABLE);
    for (int i = 0; i < 1000; i++) {
        qemu_sem_wait(&sem);
    }
    qemu_thread_join(&t);
    g_assert_cmpint(qemu_sem_timedwait(&sem, 0), ==, -1);
    qemu_sem_destroy(&sem);
}

typedef struct ThreadInfo {
    int tid;
    sigset_t mask;
    QemuSemaphore ready, done;
} ThreadInfo;

static void *info_worker(void *arg)
{
    ThreadInfo *info = arg;

    info->tid = qemu_get_thread_id();
    pthread_sigmask(SIG_SETMASK, NULL, &info->mask);
    qemu_sem_post(&info->ready);
    qemu_sem_wait(&info->done);
    return NULL;
}

static void test_thread_name_and_signals(void)
{
    ThreadInfo info;
    QemuThread t;
    g_autofree char *path = NULL, *comm = NULL;

    qemu_sem_init(&info.ready, 0);
    qemu_sem_init(&info.done, 0);
    qemu_thread_create(&t, "grace-worker-with-long-name", info_worker, &info,
                       QEMU_THREAD_JOINABLE);
    qemu_sem_wait(&info.ready);

    path = g_strdup_printf("/proc/self/task/%d/comm", info.tid);
    g_assert_true(g_file_get_contents(path, &comm, NULL, NULL));
    g_assert_cmpstr(comm, ==, "grace-worker-wi\n");

    g_assert_true(sigismember(&info.mask, SIGINT));
    g_assert_true(sigismember(&info.mask, SIGTERM));
    g_assert_true(sigismember(&info.mask, SIGUSR1));
    g_assert_false(sigismember(&info.mask, SIGSEGV));
    g_assert_false(sigismember(&info.mask, SIGFPE));
    g_assert_false(sigismember(&info.mask, SIGILL));

    qemu_sem_post(&info.done);
    qemu_thread_join(&t);
    g_assert_false(qemu_thread_is_self(&t));
    qemu_thread_get_self(&t);
    g_assert_true(qemu_thread_is_self(&t));
    qemu_sem_destroy(&info.ready);
    qemu_sem_destroy(&info.done);
}

static int guarded(bool early)
{
    QEMU_LOCK_GUARD(&mutex);

    if (early) {
        return 1;
    }
    return 2;
}

static void test_lock_guard(void)
{
    qemu_mutex_init(&mutex);
    g_assert_cmpint(guarded(true), ==, 1);
    g_assert_cmpint(qemu_mutex_trylock(&mutex), ==, 0);
    qemu_mutex_unlock(&mutex);
    g_assert_cmpint(guarded(false), ==, 2);
    WITH_QEMU_LOCK_GUARD(&mutex) {
        g_assert_cmpint(qemu_mutex_trylock(&mutex), ==, -EBUSY);
    }
    g_assert_cmpint(qemu_mutex_trylock(&mutex), ==, 0);
    qemu_mutex_unlock(&mutex);
    qemu_mutex_destroy(&mutex);
}

static int detached_ran;

static void *detached_worker(void *arg)
{
    qatomic_set(&detached_ran, 1);
    qemu_sem_post(&sem);
    return NULL;
}

static void test_detached(void)
{
    QemuThread t;

    qemu_sem_init(&sem, 0);
    qemu_thread_create(&t, "detached", detached_worker, NULL,
                       QEMU_THREAD_DETACHED);
    qemu_sem_wait(&sem);
    g_assert_cmpint(qatomic_read(&detached_ran), ==, 1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/thread/mutex-counts", test_mutex_counts);
    g_test_add_func("/thread/rec-mutex", test_rec_mutex);
    g_test_add_func("/thread/cond", test_cond);
    g_test_add_func("/thread/semaphore", test_semaphore);
    g_test_add_func("/thread/name-and-signals", test_thread_name_and_signals);
    g_test_add_func("/thread/lock-guard", test_lock_guard);
    g_test_add_func("/thread/detached", test_detached);
    return g_test_run();
}
