/*
 * Threads and synchronisation objects.
 *
 * meson also builds this as test-thread-checked, against
 * util/qemu-thread-posix.c built with QEMU_MUTEX_CHECK_OWNER, so that the
 * debug builds' checks on mutex owners are tested in every build.
 */
#include "qemu/osdep.h"
#include "qemu/thread.h"
#include "qemu/atomic.h"
#include <sys/wait.h>

#if defined(CONFIG_DEBUG) || defined(QEMU_MUTEX_CHECK_OWNER)
#define MUTEX_OWNER_CHECKED 1
#endif

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

/*
 * A mutex held across fork stays held by the forking thread in the child,
 * which can release it (a debug build must not take the child's thread
 * for a stranger: it has a new thread id, and the same thread-local data).
 */
static void test_mutex_fork(void)
{
    QemuCond cond;
    QemuMutex m;
    int status;
    pid_t pid;

    qemu_mutex_init(&m);
    qemu_cond_init(&cond);
    qemu_mutex_lock(&m);
    pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        qemu_cond_timedwait(&cond, &m, 1);  /* releases and retakes */
        qemu_mutex_unlock(&m);
        qemu_mutex_lock(&m);
        qemu_mutex_unlock(&m);
        _exit(0);
    }
    qemu_mutex_unlock(&m);
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
    qemu_cond_destroy(&cond);
    qemu_mutex_destroy(&m);
}

/* Owner checks (debug builds): each misuse dies with a message. */
static QemuMutex misused;

static void *take_misused(void *opaque)
{
    qemu_mutex_lock(&misused);
    return NULL;
}

static void misuse_lock_twice(void)
{
    qemu_mutex_lock(&misused);
    qemu_mutex_lock(&misused);
}

static void misuse_unlock_unheld(void)
{
    qemu_mutex_unlock(&misused);
}

static void misuse_unlock_other(void)
{
    QemuThread t;

    qemu_thread_create(&t, "taker", take_misused, NULL, QEMU_THREAD_JOINABLE);
    qemu_thread_join(&t);
    qemu_mutex_unlock(&misused);
}

static void misuse_wait_unheld(void)
{
    QemuCond cond;

    qemu_cond_init(&cond);
    qemu_cond_timedwait(&cond, &misused, 1);
}

typedef struct MutexMisuse {
    const char *name;
    void (*fn)(void);
    const char *message;
} MutexMisuse;

static const MutexMisuse mutex_misuses[] = {
    { "lock-twice", misuse_lock_twice,
      "*qemu_mutex_lock: Resource deadlock avoided*" },
    { "unlock-unheld", misuse_unlock_unheld,
      "*qemu_mutex_unlock: Operation not permitted*" },
    { "unlock-other", misuse_unlock_other,
      "*qemu_mutex_unlock: Operation not permitted*" },
    { "wait-unheld", misuse_wait_unheld,
      "*qemu_cond_timedwait: Operation not permitted*" },
};

static void test_mutex_misuse(gconstpointer opaque)
{
    const MutexMisuse *m = opaque;

#ifndef MUTEX_OWNER_CHECKED
    g_test_skip("checked in debug builds (configure --enable-debug)");
    return;
#endif
    if (g_test_subprocess()) {
        qemu_mutex_init(&misused);
        m->fn();
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr(m->message);
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
    g_test_add_func("/thread/mutex-fork", test_mutex_fork);
    for (int i = 0; i < ARRAY_SIZE(mutex_misuses); i++) {
        char *path = g_strdup_printf("/thread/mutex-misuse/%s",
                                     mutex_misuses[i].name);

        g_test_add_data_func(path, &mutex_misuses[i], test_mutex_misuse);
        g_free(path);
    }
    return g_test_run();
}
