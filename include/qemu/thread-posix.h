/*
 * POSIX layouts of the objects declared in qemu/thread.h.  Callers treat
 * the fields as private.
 */
#ifndef QEMU_THREAD_POSIX_H
#define QEMU_THREAD_POSIX_H

#include <pthread.h>
#include <semaphore.h>

struct QemuMutex {
    pthread_mutex_t lock;
    bool initialized;
    uintptr_t owner;            /* owner checks: see qemu_mutex_lock */
};

struct QemuRecMutex {
    pthread_mutex_t lock;
    bool initialized;
};

struct QemuCond {
    pthread_cond_t cond;
    bool initialized;
};

/*
 * A counting semaphore built from a mutex and a condition variable, so that
 * timed waits use CLOCK_MONOTONIC.
 */
struct QemuSemaphore {
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    unsigned int count;
    bool initialized;
};

/*
 * See util/qemu-thread-posix.c for the states of value.  lock and cond
 * serve only the mutex+condvar build; they are always present so that the
 * layout does not depend on the backend.
 */
struct QemuEvent {
    unsigned value;
    bool initialized;
    uintptr_t resetter;         /* debug builds: see qemu_event_reset */
    pthread_mutex_t lock;
    pthread_cond_t cond;
};

struct QemuThread {
    pthread_t thread;
};

#endif /* QEMU_THREAD_POSIX_H */
