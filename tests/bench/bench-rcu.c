/*
 * RCU micro-benchmarks: Grace's RCU side by side with liburcu's memb and
 * qsbr flavours, in the same process and run, interleaved repetition by
 * repetition so that machine noise hits every implementation alike.
 * Each figure is the median over the repetitions; latencies are the median
 * (p50) within a repetition first.  The ratio is the median of the
 * per-repetition ratios Grace/peer, each from two runs back to back.
 *
 *   bench-rcu [--reps N] [--quick] [--grace-only] [MEASURE...]
 *
 * MEASURE names are printed in the table's first column; by default every
 * measure runs.  --grace-only leaves liburcu out, so that a system-call
 * count (perf stat, strace -c) covers Grace alone.  Nothing here asserts on time: the targets are printed
 * next to the figures, for people to read.
 */
#include "qemu/osdep.h"
#include "qemu/rcu.h"
#include "qemu/thread.h"
#include "qemu/atomic.h"
#include "bench-rcu.h"

int bench_value = 42;
volatile long bench_sink;

/* The pointer every read loop follows. */
static int *bench_ptr = &bench_value;

/*
 * Grace.
 */
static double grace_read_loop(long iters)
{
    int64_t start = bench_now_ns();
    long sum = 0;

    for (long i = 0; i < iters; i++) {
        rcu_read_lock();
        sum += *qatomic_rcu_read(&bench_ptr);
        rcu_read_unlock();
    }
    bench_sink = sum;
    return bench_now_ns() - start;
}

/*
 * Reads on an online thread, with a quiescent state every BENCH_QS_PERIOD,
 * each read inside rcu_read_lock/unlock if with_lock.  Always inlined with
 * a constant with_lock, so each caller gets its own loop.
 */
static inline QEMU_ALWAYS_INLINE double grace_online_loop(long iters,
                                                          bool with_lock)
{
    int64_t start;
    long sum = 0;

    rcu_thread_online();
    start = bench_now_ns();
    for (long i = 0; i < iters; i += BENCH_QS_PERIOD) {
        for (int j = 0; j < BENCH_QS_PERIOD; j++) {
            if (with_lock) {
                rcu_read_lock();
            }
            sum += *qatomic_rcu_read(&bench_ptr);
            if (with_lock) {
                rcu_read_unlock();
            }
        }
        rcu_quiescent_state();
    }
    bench_sink = sum;
    start = bench_now_ns() - start;
    rcu_thread_offline();
    return start;
}

static double grace_online_read_loop(long iters)
{
    return grace_online_loop(iters, false);
}

static double grace_online_lock_loop(long iters)
{
    return grace_online_loop(iters, true);
}

/* The reads alone: what "costs nothing" means. */
static double empty_online_loop(long iters)
{
    int64_t start = bench_now_ns();
    long sum = 0;

    for (long i = 0; i < iters; i += BENCH_QS_PERIOD) {
        for (int j = 0; j < BENCH_QS_PERIOD; j++) {
            sum += *qatomic_rcu_read(&bench_ptr);
        }
        barrier();
    }
    bench_sink = sum;
    return bench_now_ns() - start;
}

/*
 * Timing synchronize_rcu against one reader thread: the scaffolding is
 * shared with the peers' files, the reader loop and the call are each
 * implementation's.
 */
static void *grace_reader(void *opaque)
{
    BenchSyncRun *run = opaque;
    long sum = 0;

    rcu_register_thread();
    qatomic_set(&run->ready, 1);
    switch (run->kind) {
    case BENCH_READER_IDLE:
        while (!qatomic_read(&run->stop)) {
            g_usleep(1000);
        }
        break;
    case BENCH_READER_BUSY:
        while (!qatomic_read(&run->stop)) {
            rcu_read_lock();
            sum += *qatomic_rcu_read(&bench_ptr);
            rcu_read_unlock();
        }
        break;
    case BENCH_READER_BUSY_QSBR:
        rcu_thread_online();
        while (!qatomic_read(&run->stop)) {
            for (int j = 0; j < 16; j++) {
                sum += *qatomic_rcu_read(&bench_ptr);
            }
            rcu_quiescent_state();
        }
        rcu_thread_offline();
        break;
    }
    bench_sink = sum;
    rcu_unregister_thread();
    return NULL;
}

void bench_time_sync(void *(*reader)(void *), void (*sync)(void),
                     BenchReader kind, int n, double *ns)
{
    BenchSyncRun run = { .kind = kind };
    QemuThread thread;

    qemu_thread_create(&thread, "bench-reader", reader, &run,
                       QEMU_THREAD_JOINABLE);
    while (!qatomic_read(&run.ready)) {
        g_usleep(100);
    }
    /* Let the reader get going. */
    g_usleep(2000);
    for (int i = 0; i < n; i++) {
        int64_t start = bench_now_ns();

        sync();
        ns[i] = bench_now_ns() - start;
    }
    qatomic_set(&run.stop, 1);
    qemu_thread_join(&thread);
}

static void grace_sync_latency(BenchReader kind, int n, double *ns)
{
    bench_time_sync(grace_reader, synchronize_rcu, kind, n, ns);
}

/* call_rcu: callbacks that count, or that time themselves. */
static long grace_cb_count;         /* the call_rcu thread only */

static void grace_count_cb(struct rcu_head *head)
{
    grace_cb_count++;
}

static double grace_call_rcu_loop(long n)
{
    struct rcu_head *heads = g_new(struct rcu_head, n);
    int64_t start = bench_now_ns();

    grace_cb_count = 0;
    for (long i = 0; i < n; i++) {
        call_rcu1(&heads[i], grace_count_cb);
    }
    drain_call_rcu();
    start = bench_now_ns() - start;
    /* drain_call_rcu orders the callbacks' writes before this read. */
    assert(grace_cb_count == n);
    g_free(heads);
    return start;
}

typedef struct TimedCb {
    struct rcu_head rcu;
    int64_t ran;
    QemuSemaphore done;
} TimedCb;

static void grace_timed_cb(struct rcu_head *head)
{
    TimedCb *t = container_of(head, TimedCb, rcu);

    t->ran = bench_now_ns();
    qemu_sem_post(&t->done);
}

static void grace_call_rcu_latency(int n, double *ns)
{
    TimedCb t;

    qemu_sem_init(&t.done, 0);
    for (int i = 0; i < n; i++) {
        int64_t start = bench_now_ns();

        call_rcu1(&t.rcu, grace_timed_cb);
        qemu_sem_wait(&t.done);
        ns[i] = t.ran - start;
    }
    qemu_sem_destroy(&t.done);
}

const BenchOps bench_grace = {
    .name = "Grace",
    .read_loop = grace_read_loop,
    .online_read_loop = grace_online_read_loop,
    .sync_latency = grace_sync_latency,
    .call_rcu_loop = grace_call_rcu_loop,
    .call_rcu_latency = grace_call_rcu_latency,
};

/*
 * The harness.
 */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One figure of one implementation for one repetition. */
typedef double MeasureFn(const BenchOps *ops, bool quick);

static double m_read_side(const BenchOps *ops, bool quick)
{
    long iters = quick ? 5000000 : 50000000;

    return ops->read_loop(iters) / iters;
}

static double m_online(const BenchOps *ops, bool quick)
{
    long iters = quick ? 5000000 : 50000000;

    return ops->online_read_loop(iters) / iters;
}

static double m_empty(const BenchOps *ops, bool quick)
{
    long iters = quick ? 5000000 : 50000000;

    return empty_online_loop(iters) / iters;
}

static double m_online_lock(const BenchOps *ops, bool quick)
{
    long iters = quick ? 5000000 : 50000000;

    return grace_online_lock_loop(iters) / iters;
}

static double sync_p50(const BenchOps *ops, BenchReader kind, int n)
{
    double *ns = g_new(double, n);
    double p50;

    ops->sync_latency(kind, n, ns);
    p50 = median(ns, n);
    g_free(ns);
    return p50 / 1000;
}

static double m_sync_idle(const BenchOps *ops, bool quick)
{
    return sync_p50(ops, BENCH_READER_IDLE, quick ? 200 : 2000);
}

static double m_sync_busy(const BenchOps *ops, bool quick)
{
    return sync_p50(ops, BENCH_READER_BUSY, quick ? 100 : 1000);
}

static double m_sync_busy_qsbr(const BenchOps *ops, bool quick)
{
    return sync_p50(ops, BENCH_READER_BUSY_QSBR, quick ? 100 : 1000);
}

/* Millions of callbacks queued and run per second. */
static double m_call_rate(const BenchOps *ops, bool quick)
{
    long n = quick ? 200000 : 1000000;

    return n / ops->call_rcu_loop(n) * 1000;
}

static double m_call_latency(const BenchOps *ops, bool quick)
{
    int n = quick ? 10 : 40;
    double *ns = g_new(double, n);
    double p50;

    ops->call_rcu_latency(n, ns);
    p50 = median(ns, n);
    g_free(ns);
    return p50 / 1e6;
}

/*
 * A row of the table: Grace's figure and its peer's, with the target
 * as text.  peer NULL: Grace alone, or against the empty loop.
 */
typedef struct Row {
    const char *name;           /* MEASURE on the command line */
    const char *what;
    const char *unit;
    MeasureFn *grace;
    MeasureFn *peer;
    const BenchOps *peer_ops;   /* NULL: the peer is Grace's own baseline */
    const char *peer_name;
    const char *target;
} Row;

static const Row rows[] = {
    { "read-side", "read-side lock+unlock", "ns",
      m_read_side, m_read_side, NULL, "liburcu memb",
      "<= 1.0x liburcu memb" },
    { "qsbr-online", "QSBR-online read side", "ns/read",
      m_online, m_empty, &bench_grace, "empty loop",
      "~1.0x an empty loop" },
    { "qsbr-online-lock", "lock+unlock while online", "ns",
      m_online_lock, m_empty, &bench_grace, "empty loop",
      "(for information)" },
    { "qsbr-peer", "QSBR-online read side", "ns/read",
      m_online, m_online, NULL, "liburcu qsbr",
      "(for information)" },
    { "sync-idle", "synchronize_rcu, 1 idle reader", "us p50",
      m_sync_idle, m_sync_idle, NULL, "liburcu memb",
      "<= 1.0x liburcu memb" },
    { "sync-busy", "synchronize_rcu, 1 busy reader", "us p50",
      m_sync_busy, m_sync_busy, NULL, "liburcu memb",
      "<= 10 us" },
    { "sync-busy-qsbr", "synchronize_rcu, 1 busy QSBR reader", "us p50",
      m_sync_busy_qsbr, m_sync_busy_qsbr, NULL, "liburcu qsbr",
      "(for information)" },
    { "call-rcu-rate", "call_rcu throughput", "M/s",
      m_call_rate, m_call_rate, NULL, "liburcu memb",
      ">= 1.0x liburcu memb" },
    { "call-rcu-latency", "call_rcu latency", "ms p50",
      m_call_latency, m_call_latency, NULL, "liburcu memb",
      "<= 1 ms" },
};

/* Which liburcu flavour a row compares with. */
static const BenchOps *row_peer(const Row *row)
{
    if (row->peer_ops) {
        return row->peer_ops;
    }
#ifdef HAVE_URCU
    if (strstr(row->peer_name, "qsbr")) {
        return &bench_urcu_qsbr;
    }
    return &bench_urcu_memb;
#else
    return NULL;
#endif
}

/*
 * Run a row reps times, Grace and its peer back to back each time, and
 * print the medians and the median of the per-repetition ratios: on a
 * noisy machine the two halves of a pair see about the same noise.
 */
static void run_row(const Row *row, int reps, bool quick, bool grace_only)
{
    const BenchOps *peer = grace_only ? NULL : row_peer(row);
    double *g = g_new(double, reps), *p = g_new(double, reps);
    double *ratio = g_new(double, reps);

    for (int r = 0; r < reps; r++) {
        /* Alternate who goes first, so that neither gets a warmer cache. */
        if (r % 2 == 0) {
            g[r] = row->grace(&bench_grace, quick);
        }
        if (peer) {
            p[r] = row->peer(peer, quick);
        }
        if (r % 2 == 1) {
            g[r] = row->grace(&bench_grace, quick);
        }
        ratio[r] = peer ? g[r] / p[r] : 0;
    }
    if (peer) {
        printf("%-16s %-36s %-7s %9.3f %9.3f  %-13s %6.3gx  %s\n",
               row->name, row->what, row->unit, median(g, reps),
               median(p, reps), row->peer_name, median(ratio, reps),
               row->target);
    } else {
        printf("%-16s %-36s %-7s %9.3f %9s  %-13s %7s  %s\n",
               row->name, row->what, row->unit, median(g, reps), "-",
               row->peer_name, "-", row->target);
    }
    fflush(stdout);
    g_free(g);
    g_free(p);
    g_free(ratio);
}

int main(int argc, char **argv)
{
    int reps = 7;
    bool quick = false, grace_only = false;
    int first_measure = argc;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) {
            quick = true;
        } else if (!strcmp(argv[i], "--grace-only")) {
            grace_only = true;
        } else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
            reps = atoi(argv[++i]);
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "usage: %s [--reps N] [--quick] [--grace-only] "
                    "[MEASURE...]\n", argv[0]);
            return 2;
        } else {
            first_measure = i;
            break;
        }
    }
    if (reps < 1) {
        fprintf(stderr, "bench-rcu: --reps needs a positive number\n");
        return 2;
    }
    for (int j = first_measure; j < argc; j++) {
        bool known = false;

        for (int i = 0; i < ARRAY_SIZE(rows); i++) {
            known |= !strcmp(argv[j], rows[i].name);
        }
        if (!known) {
            fprintf(stderr, "bench-rcu: unknown measure '%s'\n", argv[j]);
            return 2;
        }
    }

    printf("RCU micro-benchmarks: median of %d repetitions%s; membarrier %s\n",
           reps, quick ? " (quick)" : "",
           rcu_sys_membarrier ? "in use" : "not available");
#ifndef HAVE_URCU
    printf("liburcu was not found at build time: Grace's figures only\n");
#endif
    printf("%-16s %-36s %-7s %9s %9s  %-13s %7s  %s\n", "measure", "",
           "unit", "Grace", "peer", "peer is", "ratio", "target");

    for (int i = 0; i < ARRAY_SIZE(rows); i++) {
        bool wanted = first_measure == argc;

        for (int j = first_measure; j < argc; j++) {
            wanted |= !strcmp(argv[j], rows[i].name);
        }
        if (wanted) {
            run_row(&rows[i], reps, quick, grace_only);
        }
    }
    return 0;
}
