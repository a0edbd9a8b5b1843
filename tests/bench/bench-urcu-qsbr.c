/*
 * The benchmarks of bench-rcu.h for liburcu's qsbr flavour, with its read
 * side inlined (_LGPL_SOURCE).
 */
#define _LGPL_SOURCE
#include <urcu/urcu-qsbr.h>
#include <stdlib.h>
#include <unistd.h>
#include "bench-rcu.h"

static int *qsbr_ptr = &bench_value;

static double qsbr_online_read_loop(long iters)
{
    int64_t start;
    long sum = 0;

    urcu_qsbr_register_thread();        /* registered threads are online */
    start = bench_now_ns();
    for (long i = 0; i < iters; i += BENCH_QS_PERIOD) {
        for (int j = 0; j < BENCH_QS_PERIOD; j++) {
            sum += *rcu_dereference(qsbr_ptr);
        }
        urcu_qsbr_quiescent_state();
    }
    bench_sink = sum;
    start = bench_now_ns() - start;
    urcu_qsbr_unregister_thread();
    return start;
}

static void *qsbr_reader(void *opaque)
{
    BenchSyncRun *run = opaque;
    long sum = 0;

    urcu_qsbr_register_thread();
    __atomic_store_n(&run->ready, 1, __ATOMIC_RELEASE);
    if (run->kind == BENCH_READER_IDLE) {
        urcu_qsbr_thread_offline();
        while (!__atomic_load_n(&run->stop, __ATOMIC_RELAXED)) {
            usleep(1000);
        }
        urcu_qsbr_thread_online();
    } else {
        while (!__atomic_load_n(&run->stop, __ATOMIC_RELAXED)) {
            for (int j = 0; j < 16; j++) {
                sum += *rcu_dereference(qsbr_ptr);
            }
            urcu_qsbr_quiescent_state();
        }
    }
    bench_sink = sum;
    urcu_qsbr_unregister_thread();
    return NULL;
}

static void qsbr_sync(void)
{
    urcu_qsbr_synchronize_rcu();
}

static void qsbr_sync_latency(BenchReader kind, int n, double *ns,
                              double *cpu_ns)
{
    bench_time_sync(qsbr_reader, qsbr_sync, kind, n, ns, cpu_ns);
}

/* test_urcu_qsbr */
static int *qsbr_loop_ptr;

static void *qsbr_loop_reader(void *opaque)
{
    BenchLoop *loop = opaque;
    long long reads = 0;

    urcu_qsbr_register_thread();
    bench_loop_ready(loop);
    for (;;) {
        int *p;

        urcu_qsbr_read_lock();
        p = rcu_dereference(qsbr_loop_ptr);
        if (p && *p != BENCH_LIVE) {
            bench_loop_bad_read("liburcu qsbr", *p);
        }
        urcu_qsbr_read_unlock();
        reads++;
        if ((reads & (BENCH_QS_PERIOD - 1)) == 0) {
            urcu_qsbr_quiescent_state();
        }
        if (bench_loop_stopped(loop)) {
            break;
        }
    }
    urcu_qsbr_unregister_thread();
    bench_loop_add_reads(loop, reads);
    return NULL;
}

static void qsbr_urcu_loop(BenchLoop *loop)
{
    loop->ptr = &qsbr_loop_ptr;
    loop->sync = qsbr_sync;
    bench_run_loop(loop, qsbr_loop_reader);
}

const BenchOps bench_urcu_qsbr = {
    .name = "liburcu qsbr",
    .online_read_loop = qsbr_online_read_loop,
    .sync_latency = qsbr_sync_latency,
    .urcu_loop = qsbr_urcu_loop,
};
