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

struct QemuThread {
    pthread_t thread;
};

#endif /* QEMU_THREAD_POSIX_H */
