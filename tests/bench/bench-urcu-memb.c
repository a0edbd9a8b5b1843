/*
 * The benchmarks of bench-rcu.h for liburcu's memb flavour (the one with
 * sys_membarrier), with its read side inlined (_LGPL_SOURCE).
 */
#define _LGPL_SOURCE
#include <urcu/urcu-memb.h>
#include <assert.h>
#include <semaphore.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>
#include "bench-rcu.h"

static int *memb_ptr = &bench_value;

static double memb_read_loop(long iters)
{
    int64_t start = bench_now_ns();
    long sum = 0;

    for (long i = 0; i < iters; i++) {
        urcu_memb_read_lock();
        sum += *rcu_dereference(memb_ptr);
        urcu_memb_read_unlock();
    }
    bench_sink = sum;
    return bench_now_ns() - start;
}

static void *memb_reader(void *opaque)
{
    BenchSyncRun *run = opaque;
    long sum = 0;

    urcu_memb_register_thread();
    __atomic_store_n(&run->ready, 1, __ATOMIC_RELEASE);
    if (run->kind == BENCH_READER_BUSY) {
        while (!__atomic_load_n(&run->stop, __ATOMIC_RELAXED)) {
            urcu_memb_read_lock();
            sum += *rcu_dereference(memb_ptr);
            urcu_memb_read_unlock();
        }
    } else {
        while (!__atomic_load_n(&run->stop, __ATOMIC_RELAXED)) {
            usleep(1000);
        }
    }
    bench_sink = sum;
    urcu_memb_unregister_thread();
    return NULL;
}

static void memb_sync(void)
{
    urcu_memb_synchronize_rcu();
}

static void memb_sync_latency(BenchReader kind, int n, double *ns,
                              double *cpu_ns)
{
    bench_time_sync(memb_reader, memb_sync, kind, n, ns, cpu_ns);
}

static long memb_cb_count;          /* liburcu's call_rcu thread only */

static void memb_count_cb(struct rcu_head *head)
{
    memb_cb_count++;
}

static double memb_call_rcu_loop(long n)
{
    struct rcu_head *heads = calloc(n, sizeof(*heads));
    int64_t start = bench_now_ns();

    memb_cb_count = 0;
    for (long i = 0; i < n; i++) {
        urcu_memb_call_rcu(&heads[i], memb_count_cb);
    }
    urcu_memb_barrier();
    start = bench_now_ns() - start;
    assert(memb_cb_count == n);
    free(heads);
    return start;
}

typedef struct TimedCb {
    struct rcu_head rcu;
    int64_t ran;
    sem_t done;
} TimedCb;

static void memb_timed_cb(struct rcu_head *head)
{
    TimedCb *t = (TimedCb *)((char *)head - offsetof(TimedCb, rcu));

    t->ran = bench_now_ns();
    sem_post(&t->done);
}

static void memb_call_rcu_latency(int n, double *ns)
{
    TimedCb t;

    sem_init(&t.done, 0, 0);
    for (int i = 0; i < n; i++) {
        int64_t start = bench_now_ns();

        urcu_memb_call_rcu(&t.rcu, memb_timed_cb);
        while (sem_wait(&t.done)) {
            /* EINTR */
        }
        ns[i] = t.ran - start;
    }
    sem_destroy(&t.done);
}

/* test_urcu */
static int *memb_loop_ptr;

static void *memb_loop_reader(void *opaque)
{
    BenchLoop *loop = opaque;
    long long reads = 0;

    urcu_memb_register_thread();
    bench_loop_ready(loop);
    for (;;) {
        int *p;

        urcu_memb_read_lock();
        p = rcu_dereference(memb_loop_ptr);
        if (p && *p != BENCH_LIVE) {
            bench_loop_bad_read("liburcu memb", *p);
        }
        urcu_memb_read_unlock();
        reads++;
        if (bench_loop_stopped(loop)) {
            break;
        }
    }
    urcu_memb_unregister_thread();
    bench_loop_add_reads(loop, reads);
    return NULL;
}

static void memb_urcu_loop(BenchLoop *loop)
{
    loop->ptr = &memb_loop_ptr;
    loop->sync = memb_sync;
    bench_run_loop(loop, memb_loop_reader);
}

const BenchOps bench_urcu_memb = {
    .name = "liburcu memb",
    .read_loop = memb_read_loop,
    .sync_latency = memb_sync_latency,
    .call_rcu_loop = memb_call_rcu_loop,
    .call_rcu_latency = memb_call_rcu_latency,
    .urcu_loop = memb_urcu_loop,
};
