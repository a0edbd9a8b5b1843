/*
 * Threads and synchronisation objects on POSIX threads.
 */
#include "qemu/osdep.h"
#include "qemu/thread.h"

/* A host error from pthreads here means a broken invariant: report, abort. */
static QEMU_NORETURN void error_exit(int err, const char *msg)
{
    fprintf(stderr, "qemu: %s: %s\n", msg, strerror(err));
    abort();
}

static void check(int err, const char *msg)
{
    if (unlikely(err)) {
        error_exit(err, msg);
    }
}

/* Absolute CLOCK_MONOTONIC deadline ms milliseconds from now. */
static void deadline_after_ms(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000;
    if (ts->tv_nsec >= 1000000000) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000;
    }
}

static void cond_init_monotonic(pthread_cond_t *cond)
{
    pthread_condattr_t attr;

    check(pthread_condattr_init(&attr), "pthread_condattr_init");
    check(pthread_condattr_setclock(&attr, CLOCK_MONOTONIC),
          "pthread_condattr_setclock");
    check(pthread_cond_init(cond, &attr), "pthread_cond_init");
    pthread_condattr_destroy(&attr);
}

/*
 * Mutexes.  Debug builds use error-checking mutexes, so that a double lock
 * or an unlock by the wrong thread aborts instead of corrupting state.
 */
void qemu_mutex_init(QemuMutex *mutex)
{
    pthread_mutexattr_t attr;

    check(pthread_mutexattr_init(&attr), "pthread_mutexattr_init");
#ifdef CONFIG_DEBUG
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
#endif
    check(pthread_mutex_init(&mutex->lock, &attr), "pthread_mutex_init");
    pthread_mutexattr_destroy(&attr);
    mutex->initialized = true;
}

void qemu_mutex_destroy(QemuMutex *mutex)
{
    assert(mutex->initialized);
    mutex->initialized = false;
    check(pthread_mutex_destroy(&mutex->lock), "pthread_mutex_destroy");
}

void qemu_mutex_lock(QemuMutex *mutex)
{
    assert(mutex->initialized);
    check(pthread_mutex_lock(&mutex->lock), "pthread_mutex_lock");
}

int qemu_mutex_trylock(QemuMutex *mutex)
{
    int err;

    assert(mutex->initialized);
    err = pthread_mutex_trylock(&mutex->lock);
    if (err == EBUSY) {
        return -EBUSY;
    }
    check(err, "pthread_mutex_trylock");
    return 0;
}

void qemu_mutex_unlock(QemuMutex *mutex)
{
    assert(mutex->initialized);
    check(pthread_mutex_unlock(&mutex->lock), "pthread_mutex_unlock");
}

void qemu_rec_mutex_init(QemuRecMutex *mutex)
{
    pthread_mutexattr_t attr;

    check(pthread_mutexattr_init(&attr), "pthread_mutexattr_init");
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    check(pthread_mutex_init(&mutex->lock, &attr), "pthread_mutex_init");
    pthread_mutexattr_destroy(&attr);
    mutex->initialized = true;
}

void qemu_rec_mutex_destroy(QemuRecMutex *mutex)
{
    assert(mutex->initialized);
    mutex->initialized = false;
    check(pthread_mutex_destroy(&mutex->lock), "pthread_mutex_destroy");
}

void qemu_rec_mutex_lock(QemuRecMutex *mutex)
{
    assert(mutex->initialized);
    check(pthread_mutex_lock(&mutex->lock), "pthread_mutex_lock");
}

int qemu_rec_mutex_trylock(QemuRecMutex *mutex)
{
    int err;

    assert(mutex->initialized);
    err = pthread_mutex_trylock(&mutex->lock);
    if (err == EBUSY) {
        return -EBUSY;
    }
    check(err, "pthread_mutex_trylock");
    return 0;
}

void qemu_rec_mutex_unlock(QemuRecMutex *mutex)
{
    assert(mutex->initialized);
    check(pthread_mutex_unlock(&mutex->lock), "pthread_mutex_unlock");
}

/*
 * Condition variables, timed on CLOCK_MONOTONIC so that a change of the
 * wall clock cannot stretch or cut a timeout.
 */
void qemu_cond_init(QemuCond *cond)
{
    cond_init_monotonic(&cond->cond);
    cond->initialized = true;
}

void qemu_cond_destroy(QemuCond *cond)
{
    assert(cond->initialized);
    cond->initialized = false;
    check(pthread_cond_destroy(&cond->cond), "pthread_cond_destroy");
}

void qemu_cond_signal(QemuCond *cond)
{
    assert(cond->initialized);
    check(pthread_cond_signal(&cond->cond), "pthread_cond_signal");
}

void qemu_cond_broadcast(QemuCond *cond)
{
    assert(cond->initialized);
    check(pthread_cond_broadcast(&cond->cond), "pthread_cond_broadcast");
}

void qemu_cond_wait(QemuCond *cond, QemuMutex *mutex)
{
    assert(cond->initialized);
    check(pthread_cond_wait(&cond->cond, &mutex->lock), "pthread_cond_wait");
}

bool qemu_cond_timedwait(QemuCond *cond, QemuMutex *mutex, int ms)
{
    struct timespec ts;
    int err;

    assert(cond->initialized);
    deadline_after_ms(&ts, ms);
    err = pthread_cond_timedwait(&cond->cond, &mutex->lock, &ts);
    if (err == ETIMEDOUT) {
        return false;
    }
    check(err, "pthread_cond_timedwait");
    return true;
}

/*
 * Semaphores.  count is read and written only under sem->mutex.
 */
void qemu_sem_init(QemuSemaphore *sem, int init)
{
    assert(init >= 0);
    check(pthread_mutex_init(&sem->mutex, NULL), "pthread_mutex_init");
    cond_init_monotonic(&sem->cond);
    sem->count = init;
    sem->initialized = true;
}

void qemu_sem_destroy(QemuSemaphore *sem)
{
    assert(sem->initialized);
    sem->initialized = false;
    check(pthread_cond_destroy(&sem->cond), "pthread_cond_destroy");
    check(pthread_mutex_destroy(&sem->mutex), "pthread_mutex_destroy");
}

void qemu_sem_post(QemuSemaphore *sem)
{
    assert(sem->initialized);
    check(pthread_mutex_lock(&sem->mutex), "pthread_mutex_lock");
    if (sem->count == UINT_MAX) {
        error_exit(EINVAL, "qemu_sem_post: count overflow");
    }
    sem->count++;
    check(pthread_cond_signal(&sem->cond), "pthread_cond_signal");
    check(pthread_mutex_unlock(&sem->mutex), "pthread_mutex_unlock");
}

int qemu_sem_timedwait(QemuSemaphore *sem, int ms)
{
    struct timespec ts;
    int err = 0;

    assert(sem->initialized);
    deadline_after_ms(&ts, ms);
    check(pthread_mutex_lock(&sem->mutex), "pthread_mutex_lock");
    /* Loop: a wake-up may be spurious or taken by another waiter. */
    while (sem->count == 0) {
        err = pthread_cond_timedwait(&sem->cond, &sem->mutex, &ts);
        if (err == ETIMEDOUT) {
            break;
        }
        check(err, "pthread_cond_timedwait");
    }
    if (sem->count > 0) {
        sem->count--;
        err = 0;
    }
    check(pthread_mutex_unlock(&sem->mutex), "pthread_mutex_unlock");
    return err ? -1 : 0;
}

void qemu_sem_wait(QemuSemaphore *sem)
{
    assert(sem->initialized);
    check(pthread_mutex_lock(&sem->mutex), "pthread_mutex_lock");
    while (sem->count == 0) {
        check(pthread_cond_wait(&sem->cond, &sem->mutex), "pthread_cond_wait");
    }
    sem->count--;
    check(pthread_mutex_unlock(&sem->mutex), "pthread_mutex_unlock");
}

/*
 * Threads.  The name is applied by the new thread itself, before it runs
 * any user code, so that it is visible from the first instant.
 */
typedef struct QemuThreadArgs {
    void *(*start_routine)(void *);
    void *arg;
    char *name;
} QemuThreadArgs;

static void *qemu_thread_start(void *args)
{
    QemuThreadArgs *qargs = args;
    void *(*start_routine)(void *) = qargs->start_routine;
    void *arg = qargs->arg;

    if (qargs->name) {
        char comm[16];

        /* The kernel keeps 15 characters plus the NUL. */
        g_strlcpy(comm, qargs->name, sizeof(comm));
        pthread_setname_np(pthread_self(), comm);
    }
    g_free(qargs->name);
    g_free(qargs);
    return start_routine(arg);
}

void qemu_thread_create(QemuThread *thread, const char *name,
                        void *(*start_routine)(void *), void *arg, int mode)
{
    sigset_t set, oldset;
    pthread_attr_t attr;
    QemuThreadArgs *qargs;
    int err;

    check(pthread_attr_init(&attr), "pthread_attr_init");
    if (mode == QEMU_THREAD_DETACHED) {
        check(pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED),
              "pthread_attr_setdetachstate");
    }

    /* The new thread inherits this mask; restore ours afterwards. */
    sigfillset(&set);
    sigdelset(&set, SIGSEGV);
    sigdelset(&set, SIGFPE);
    sigdelset(&set, SIGILL);
    pthread_sigmask(SIG_SETMASK, &set, &oldset);

    qargs = g_new0(QemuThreadArgs, 1);
    qargs->start_routine = start_routine;
    qargs->arg = arg;
    qargs->name = g_strdup(name);

    err = pthread_create(&thread->thread, &attr, qemu_thread_start, qargs);
    if (err) {
        error_exit(err, "pthread_create");
    }

    pthread_sigmask(SIG_SETMASK, &oldset, NULL);
    pthread_attr_destroy(&attr);
}

void *qemu_thread_join(QemuThread *thread)
{
    void *ret;

    check(pthread_join(thread->thread, &ret), "pthread_join");
    return ret;
}

void qemu_thread_get_self(QemuThread *thread)
{
    thread->thread = pthread_self();
}

bool qemu_thread_is_self(QemuThread *thread)
{
    return pthread_equal(pthread_self(), thread->thread);
}

void qemu_thread_exit(void *retval)
{
    pthread_exit(retval);
}
