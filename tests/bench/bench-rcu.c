/*
 * RCU micro-benchmarks: Grace's RCU side by side with liburcu's memb and
 * qsbr flavours (Debian's liburcu-dev), in the same process and run,
 * interleaved repetition by repetition so that machine noise hits every
 * implementation alike.  Nothing here asserts on time: figures are
 * printed and written as JSON (--json), for people and for
 * tests/bench/bench-summary.py, which makes the table and the plots of
 * 'make bench'.
 *
 *   bench-rcu [--reps N] [--quick] [--grace-only] [--json FILE] [EXPERIMENT...]
 *
 * Each experiment runs on an idle machine and again under load (one
 * busy-looping thread per CPU in this process, registered with nobody),
 * and gives one or more figures: latencies as p50, p99 and max over the
 * samples of every repetition; the CPU time that the updater spends per
 * grace period; throughputs and the readers' slowdown as the median over
 * the repetitions.  A row's ratio is Grace's figure over the peer's
 * (for medians, the median of the per-repetition ratios).  EXPERIMENT
 * names are printed in the first column; by default every one runs.
 * --grace-only leaves liburcu out, so that a system-call count (perf stat,
 * strace -c) covers Grace alone.
 */
#include "qemu/osdep.h"
#include "qemu/rcu.h"
#include "qemu/thread.h"
#include "qemu/atomic.h"
#include "bench-rcu.h"
#include <math.h>
#include <glib/gstdio.h>

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

/* Reads on an online thread, with a quiescent state every BENCH_QS_PERIOD. */
static double grace_online_read_loop(long iters)
{
    int64_t start;
    long sum = 0;

    rcu_thread_online();
    start = bench_now_ns();
    for (long i = 0; i < iters; i += BENCH_QS_PERIOD) {
        for (int j = 0; j < BENCH_QS_PERIOD; j++) {
            sum += *qatomic_rcu_read(&bench_ptr);
        }
        rcu_quiescent_state();
    }
    bench_sink = sum;
    start = bench_now_ns() - start;
    rcu_thread_offline();
    return start;
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

static void *grace_reader(void *opaque)
{
    BenchSyncRun *run = opaque;
    long sum = 0;

    rcu_register_thread();
    qatomic_set(&run->ready, 1);
    switch (run->kind) {
    case BENCH_READER_NONE:
        g_assert_not_reached();
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

static void grace_sync_latency(BenchReader kind, int n, double *ns,
                               double *cpu_ns)
{
    bench_time_sync(grace_reader, synchronize_rcu, kind, n, ns, cpu_ns);
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

/* test_urcu and test_urcu_qsbr */
int *grace_loop_ptr;

#include "bench-rcu-loop.h"

static void *grace_loop_reader(void *opaque)
{
    grace_loop_read(opaque, false);
    return NULL;
}

/* QSBR readers with the shared rcu_read_lock (see bench-rcu-qsbr.c). */
static void *grace_loop_qsbr_reader(void *opaque)
{
    grace_loop_read(opaque, true);
    return NULL;
}

static void grace_urcu_loop(BenchLoop *loop)
{
    loop->ptr = &grace_loop_ptr;
    loop->sync = synchronize_rcu;
    if (!loop->qsbr) {
        bench_run_loop(loop, grace_loop_reader);
    } else if (loop->qsbr_generic) {
        bench_run_loop(loop, grace_loop_qsbr_reader);
    } else {
        bench_run_loop(loop, grace_loop_qsbr_only_reader);
    }
}

const BenchOps bench_grace = {
    .name = "Grace",
    .read_loop = grace_read_loop,
    .online_read_loop = grace_online_read_loop,
    .sync_latency = grace_sync_latency,
    .call_rcu_loop = grace_call_rcu_loop,
    .call_rcu_latency = grace_call_rcu_latency,
    .urcu_loop = grace_urcu_loop,
};

/* The empty loop, as a peer for the QSBR read side. */
static const BenchOps bench_empty = {
    .name = "empty loop",
    .online_read_loop = empty_online_loop,
};

/*
 * Scaffolding shared with the peers' files.
 */
void bench_time_sync(void *(*reader)(void *), void (*sync)(void),
                     BenchReader kind, int n, double *ns, double *cpu_ns)
{
    BenchSyncRun run = { .kind = kind };
    QemuThread thread;
    int64_t cpu;

    if (kind != BENCH_READER_NONE) {
        qemu_thread_create(&thread, "bench-reader", reader, &run,
                           QEMU_THREAD_JOINABLE);
        while (!qatomic_read(&run.ready)) {
            g_usleep(100);
        }
        /* Let the reader get going. */
        g_usleep(2000);
    }
    cpu = bench_thread_cpu_ns();
    for (int i = 0; i < n; i++) {
        int64_t start = bench_now_ns();

        sync();
        ns[i] = bench_now_ns() - start;
    }
    *cpu_ns = bench_thread_cpu_ns() - cpu;
    if (kind != BENCH_READER_NONE) {
        qatomic_set(&run.stop, 1);
        qemu_thread_join(&thread);
    }
}

void bench_loop_ready(BenchLoop *loop)
{
    qatomic_inc(&loop->started);
    while (!qatomic_load_acquire(&loop->go)) {
        g_usleep(100);
    }
}

void bench_loop_add_reads(BenchLoop *loop, long long reads)
{
    qatomic_add(&loop->reads, reads);
}

/* test_urcu's writer: it does not register. */
static void *bench_loop_writer(void *opaque)
{
    BenchLoop *loop = opaque;
    long long writes = 0;

    bench_loop_ready(loop);
    for (;;) {
        int *new = malloc(sizeof(int)), *old;

        *new = BENCH_LIVE;
        old = qatomic_xchg(loop->ptr, new);
        loop->sync();
        if (old) {
            *old = 0;
        }
        free(old);
        writes++;
        if (bench_loop_stopped(loop)) {
            break;
        }
    }
    qatomic_add(&loop->writes, writes);
    return NULL;
}

void bench_loop_bad_read(const char *impl, int value)
{
    fprintf(stderr, "bench-rcu: %s: a reader found an object holding %d: "
            "it was freed during its read-side section\n", impl, value);
    abort();
}

/* Loop threads run under this wrapper, which measures their CPU time. */
typedef struct LoopThread {
    BenchLoop *loop;
    void *(*fn)(void *);
    bool writer;
    double cpu_ns;
} LoopThread;

static void *loop_thread(void *opaque)
{
    LoopThread *t = opaque;
    int64_t cpu = bench_thread_cpu_ns();

    t->fn(t->loop);
    t->cpu_ns = bench_thread_cpu_ns() - cpu;
    return NULL;
}

void bench_run_loop(BenchLoop *loop, void *(*reader)(void *))
{
    int n = loop->n_readers + loop->n_writers;
    QemuThread *threads = g_new(QemuThread, n);
    LoopThread *args = g_new0(LoopThread, n);

    loop->reads = loop->writes = 0;
    loop->writer_cpu_ns = 0;
    loop->started = loop->go = loop->stop = 0;
    for (int i = 0; i < n; i++) {
        args[i].loop = loop;
        args[i].writer = i >= loop->n_readers;
        args[i].fn = args[i].writer ? bench_loop_writer : reader;
        qemu_thread_create(&threads[i], args[i].writer ? "bench-w" : "bench-r",
                           loop_thread, &args[i], QEMU_THREAD_JOINABLE);
    }
    while (qatomic_read(&loop->started) < n) {
        g_usleep(100);
    }
    qatomic_store_release(&loop->go, 1);
    g_usleep(loop->duration_ms * 1000);
    qatomic_set(&loop->stop, 1);
    for (int i = 0; i < n; i++) {
        qemu_thread_join(&threads[i]);
        if (args[i].writer) {
            loop->writer_cpu_ns += args[i].cpu_ns;
        }
    }
    free(qatomic_xchg(loop->ptr, NULL));
    g_free(threads);
    g_free(args);
}

/*
 * Load: one thread per CPU that spins, outside RCU, so that readers and
 * updaters compete for the CPUs as they do on a busy host.
 */
static int load_stop;
static QemuThread *load_threads;
static int load_n;

static void *load_thread(void *opaque)
{
    volatile unsigned long spins = 0;

    while (!qatomic_read(&load_stop)) {
        spins++;
    }
    return NULL;
}

static void load_start(void)
{
    load_n = qemu_get_host_cpus();
    load_threads = g_new(QemuThread, load_n);
    qatomic_set(&load_stop, 0);
    for (int i = 0; i < load_n; i++) {
        qemu_thread_create(&load_threads[i], "bench-load", load_thread, NULL,
                           QEMU_THREAD_JOINABLE);
    }
}

static void load_stop_all(void)
{
    qatomic_set(&load_stop, 1);
    for (int i = 0; i < load_n; i++) {
        qemu_thread_join(&load_threads[i]);
    }
    g_free(load_threads);
    load_threads = NULL;
}

/*
 * The harness.
 *
 * An experiment runs once per repetition for one implementation and
 * fills a Run: its scalar figures (named by the experiment) and, for
 * latencies, the samples.
 */
#define MAX_FIGURES 8

typedef struct Run {
    double fig[MAX_FIGURES];
    GArray *samples;            /* of double, in the experiment's unit */
} Run;

typedef struct Figure {
    const char *key;
    const char *what;
    const char *unit;
    bool higher_is_better;
} Figure;

typedef enum PeerKind {
    PEER_MEMB,                  /* liburcu memb */
    PEER_QSBR,                  /* liburcu qsbr */
    PEER_EMPTY,                 /* the empty loop: Grace's own baseline */
} PeerKind;

typedef struct Experiment {
    const char *name;
    const char *title;
    PeerKind peer;
    /* Latency samples: their unit, and the figures p50/p99/max come first. */
    const char *sample_unit;
    int n_figures;              /* scalar figures after the percentiles */
    Figure figures[MAX_FIGURES];
    void (*run)(const struct Experiment *e, const BenchOps *ops, bool quick,
                Run *out);
    int arg;                    /* the BenchReader, or test_urcu readers */
    const char *note;           /* how the peer's policy differs, if it does */
    const char *target;
    int grace_batch_delay;      /* call_rcu_set_batch_delay for Grace's runs */
    bool qsbr_generic;          /* BenchLoop.qsbr_generic for Grace's runs */
} Experiment;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* The q-quantile (0..1) of n sorted values, nearest rank. */
static double quantile(const double *sorted, int n, double q)
{
    int i = (int)ceil(q * n) - 1;

    return sorted[MAX(0, MIN(i, n - 1))];
}

static double median(double *v, int n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Experiments. */
static void x_read_side(const Experiment *e, const BenchOps *ops, bool quick,
                        Run *out)
{
    long iters = quick ? 5000000 : 50000000;

    out->fig[0] = ops->read_loop(iters) / iters;
}

static void x_online(const Experiment *e, const BenchOps *ops, bool quick,
                     Run *out)
{
    long iters = quick ? 5000000 : 50000000;

    out->fig[0] = ops->online_read_loop(iters) / iters;
}

static void x_sync(const Experiment *e, const BenchOps *ops, bool quick,
                   Run *out)
{
    int n = e->arg == BENCH_READER_NONE ? (quick ? 20000 : 200000)
                                        : (quick ? 200 : 2000);
    double *ns = g_new(double, n), cpu_ns;

    ops->sync_latency(e->arg, n, ns, &cpu_ns);
    for (int i = 0; i < n; i++) {
        double us = ns[i] / 1000;

        g_array_append_val(out->samples, us);
    }
    out->fig[0] = cpu_ns / n / 1000;
    g_free(ns);
}

static void x_call_rate(const Experiment *e, const BenchOps *ops, bool quick,
                        Run *out)
{
    long n = quick ? 200000 : 1000000;

    out->fig[0] = n / ops->call_rcu_loop(n) * 1000;
}

static void x_call_latency(const Experiment *e, const BenchOps *ops,
                           bool quick, Run *out)
{
    int n = quick ? 10 : 40;
    double *ns = g_new(double, n);

    ops->call_rcu_latency(n, ns);
    for (int i = 0; i < n; i++) {
        double ms = ns[i] / 1e6;

        g_array_append_val(out->samples, ms);
    }
    g_free(ns);
}

/*
 * test_urcu with e->arg readers (negative: QSBR readers) and one writer:
 * updates/s, reads/s per reader, the writer's CPU time per update, and
 * the readers' throughput relative to the same readers without a writer.
 */
static void x_urcu(const Experiment *e, const BenchOps *ops, bool quick,
                   Run *out)
{
    int ms = quick ? 200 : 1000;
    BenchLoop loop = {
        .n_readers = abs(e->arg), .n_writers = 1, .qsbr = e->arg < 0,
        .qsbr_generic = e->qsbr_generic, .duration_ms = ms,
    };
    BenchLoop alone = loop;

    ops->urcu_loop(&loop);
    out->fig[0] = loop.writes * 1000.0 / ms;
    out->fig[1] = loop.writes ? loop.writer_cpu_ns / loop.writes / 1000 : 0;
    if (loop.n_readers) {
        out->fig[2] = loop.reads * 1000.0 / ms / loop.n_readers;
        alone.n_writers = 0;
        ops->urcu_loop(&alone);
        out->fig[3] = (double)loop.reads / MAX(alone.reads, 1);
    }
}

#define SYNC_FIGURES(sample)                                            \
    { { "p50", sample ", p50", "us" }, { "p99", sample ", p99", "us" },   \
      { "max", sample ", max", "us" },                                    \
      { "cpu", sample ": updater CPU per grace period", "us" } }

static const Experiment experiments[] = {
    { "read-side", "read-side lock+unlock", PEER_MEMB, NULL, 1,
      { { "ns", "read-side lock+unlock", "ns" } }, x_read_side,
      .target = "<= 1.0x" },
    { "qsbr-online", "QSBR-online read side", PEER_EMPTY, NULL, 1,
      { { "ns", "QSBR-online read side", "ns/read" } }, x_online,
      .target = "~1.0x" },
    { "qsbr-peer", "QSBR-online read side", PEER_QSBR, NULL, 1,
      { { "ns", "QSBR-online read side", "ns/read" } }, x_online },
    { "sync-none", "synchronize_rcu, no reader thread", PEER_MEMB, "us", 1,
      SYNC_FIGURES("synchronize_rcu, no reader thread"), x_sync,
      BENCH_READER_NONE, .target = "<= 1.0x" },
    { "sync-idle", "synchronize_rcu, 1 idle reader", PEER_MEMB, "us", 1,
      SYNC_FIGURES("synchronize_rcu, 1 idle reader"), x_sync,
      BENCH_READER_IDLE, .target = "<= 1.0x" },
    { "sync-busy", "synchronize_rcu, 1 busy reader", PEER_MEMB, "us", 1,
      SYNC_FIGURES("synchronize_rcu, 1 busy reader"), x_sync,
      BENCH_READER_BUSY, .target = "p50 <= 10 us" },
    { "sync-busy-qsbr", "synchronize_rcu, 1 busy QSBR reader", PEER_QSBR,
      "us", 1, SYNC_FIGURES("synchronize_rcu, 1 busy QSBR reader"), x_sync,
      BENCH_READER_BUSY_QSBR },
    { "urcu-0r1w", "test_urcu loop, 0 readers, 1 writer", PEER_MEMB, NULL, 2,
      { { "updates", "test_urcu 0 readers 1 writer: updates/s", "/s", true },
        { "cpu", "test_urcu 0 readers 1 writer: writer CPU per update",
          "us" } }, x_urcu, 0, .target = ">= 1.0x" },
    { "urcu-1r1w", "test_urcu loop, 1 reader, 1 writer", PEER_MEMB, NULL, 4,
      { { "updates", "test_urcu 1 reader 1 writer: updates/s", "/s", true },
        { "cpu", "test_urcu 1 reader 1 writer: writer CPU per update",
          "us" },
        { "reads", "test_urcu 1 reader 1 writer: reads/s", "/s", true },
        { "slowdown", "test_urcu 1 reader 1 writer: reads vs no writer",
          "x", true } }, x_urcu, 1 },
    { "urcu-qsbr-1r1w", "test_urcu_qsbr loop, 1 reader, 1 writer", PEER_QSBR,
      NULL, 4,
      { { "updates", "test_urcu_qsbr 1 reader 1 writer: updates/s", "/s",
          true },
        { "cpu", "test_urcu_qsbr 1 reader 1 writer: writer CPU per update",
          "us" },
        { "reads", "test_urcu_qsbr 1 reader 1 writer: reads/s", "/s", true },
        { "slowdown", "test_urcu_qsbr 1 reader 1 writer: reads vs no writer",
          "x", true } }, x_urcu, -1, .target = ">= 1.0x, reads >= 1.0x",
      .note = "equal policy: Grace's readers are built with RCU_QSBR_ONLY, "
              "so their rcu_read_lock is empty, as liburcu qsbr's is" },
    { "urcu-qsbr-generic-1r1w",
      "test_urcu_qsbr loop, 1 reader, 1 writer, shared rcu_read_lock",
      PEER_QSBR, NULL, 4,
      { { "updates", "test_urcu_qsbr 1r 1w, shared lock: updates/s", "/s",
          true },
        { "cpu", "test_urcu_qsbr 1r 1w, shared lock: writer CPU per update",
          "us" },
        { "reads", "test_urcu_qsbr 1r 1w, shared lock: reads/s", "/s", true },
        { "slowdown", "test_urcu_qsbr 1r 1w, shared lock: reads vs no writer",
          "x", true } }, x_urcu, -1, .qsbr_generic = true,
      .note = "policies differ: Grace's readers use the rcu_read_lock that "
              "every kind of thread shares, which tests whether the thread "
              "is online; liburcu qsbr's is empty" },
    { "call-rcu-rate", "call_rcu throughput", PEER_MEMB, NULL, 1,
      { { "rate", "call_rcu throughput", "M/s", true } }, x_call_rate,
      .target = ">= 1.0x" },
    { "call-rcu-latency", "call_rcu latency, back to back", PEER_MEMB, "ms",
      0, { { "p50", "call_rcu latency back to back, p50", "ms" },
           { "p99", "call_rcu latency back to back, p99", "ms" },
           { "max", "call_rcu latency back to back, max", "ms" } },
      x_call_latency,
      .note = "policies differ: liburcu's call_rcu thread sleeps 10 ms "
              "after each batch on purpose; Grace's does not" },
    { "call-rcu-rate-10ms", "call_rcu throughput, equal policy", PEER_MEMB,
      NULL, 1, { { "rate", "call_rcu throughput, 10 ms per batch", "M/s",
                   true } }, x_call_rate, .grace_batch_delay = 10,
      .note = "equal policy: Grace's call_rcu thread set to wait 10 ms "
              "per batch (call_rcu_set_batch_delay), as liburcu's does" },
    { "call-rcu-latency-10ms", "call_rcu latency, equal policy", PEER_MEMB,
      "ms", 0, { { "p50", "call_rcu latency, 10 ms per batch, p50", "ms" },
                 { "p99", "call_rcu latency, 10 ms per batch, p99", "ms" },
                 { "max", "call_rcu latency, 10 ms per batch, max", "ms" } },
      x_call_latency, .grace_batch_delay = 10,
      .note = "equal policy: Grace's call_rcu thread set to wait 10 ms "
              "per batch (call_rcu_set_batch_delay), as liburcu's does" },
};

/* The scaling curves: test_urcu's loops with more readers. */
static const int curve_readers[] = { 1, 2, 4 };

/* Output: the text table as we go, and the JSON at the end. */
static GString *json_rows, *json_dists, *json_curves;
static int rows_printed;

static void json_sep(GString *s)
{
    if (s->len) {
        g_string_append(s, ",\n");
    }
}

/* A comma unless this is the first member of an object or array. */
static void json_comma(GString *s)
{
    char last = s->len ? s->str[s->len - 1] : '{';

    if (last != '{' && last != '[' && last != ' ' && last != '\n') {
        g_string_append(s, ", ");
    }
}

static void json_str(GString *s, const char *key, const char *val)
{
    g_autofree char *esc = g_strescape(val ? val : "", NULL);

    json_comma(s);
    g_string_append_printf(s, "\"%s\": \"%s\"", key, esc);
}

static void json_num(GString *s, const char *key, double v)
{
    json_comma(s);
    if (isfinite(v)) {
        g_string_append_printf(s, "\"%s\": %.6g", key, v);
    } else {
        g_string_append_printf(s, "\"%s\": null", key);
    }
}

static void print_header(void)
{
    printf("%-20s %-4s %-9s %-7s %11s %11s  %-12s %9s\n", "experiment",
           "load", "figure", "unit", "Grace", "peer", "peer is", "ratio");
}

static void emit_row(const Experiment *e, const Figure *f, bool loaded,
                     double grace, double peer, double ratio,
                     const char *peer_name)
{
    if (rows_printed++ % 40 == 0) {
        print_header();
    }
    printf("%-20s %-4s %-9s %-7s %11.4g %11.4g  %-12s %9.3g\n", e->name,
           loaded ? "load" : "idle", f->key, f->unit, grace, peer,
           peer_name ? peer_name : "-", ratio);
    fflush(stdout);

    json_sep(json_rows);
    g_string_append(json_rows, "    {");
    json_str(json_rows, "id", e->name);
    json_str(json_rows, "figure", f->key);
    json_str(json_rows, "what", f->what);
    json_str(json_rows, "condition", loaded ? "load" : "idle");
    json_str(json_rows, "unit", f->unit);
    json_str(json_rows, "better", f->higher_is_better ? "higher" : "lower");
    json_num(json_rows, "value", grace);
    json_num(json_rows, "peer", peer);
    json_str(json_rows, "peer_name", peer_name);
    json_num(json_rows, "ratio", ratio);
    if (e->note) {
        json_str(json_rows, "note", e->note);
    }
    if (e->target) {
        json_str(json_rows, "target", e->target);
    }
    g_string_append(json_rows, "}");
}

static void json_samples(GString *s, const char *name, GArray *v)
{
    json_comma(s);
    g_string_append_printf(s, "\"%s\": [", name);
    for (guint i = 0; i < v->len; i++) {
        g_string_append_printf(s, "%s%.4g", i ? ", " : "",
                               g_array_index(v, double, i));
    }
    g_string_append(s, "]");
}

static const BenchOps *peer_ops(PeerKind kind)
{
    switch (kind) {
    case PEER_EMPTY:
        return &bench_empty;
#ifdef HAVE_URCU
    case PEER_MEMB:
        return &bench_urcu_memb;
    case PEER_QSBR:
        return &bench_urcu_qsbr;
#endif
    default:
        return NULL;
    }
}

/*
 * Run an experiment reps times, Grace and its peer back to back each time
 * (alternating who goes first, so that neither gets a warmer cache), and
 * emit its rows.
 */
static void run_experiment(const Experiment *e, int reps, bool quick,
                           bool grace_only, bool loaded)
{
    const BenchOps *peer = peer_ops(e->peer);
    const BenchOps *impls[2];
    int n_impls;
    Run *runs[2];
    GArray *pooled[2];
    int nf = e->sample_unit ? 3 : 0;

    if (grace_only && e->peer != PEER_EMPTY) {
        peer = NULL;
    }
    impls[0] = &bench_grace;
    impls[1] = peer;
    n_impls = peer ? 2 : 1;
    for (int k = 0; k < n_impls; k++) {
        runs[k] = g_new0(Run, reps);
        pooled[k] = g_array_new(false, false, sizeof(double));
    }
    if (loaded) {
        load_start();
    }
    for (int r = 0; r < reps; r++) {
        for (int j = 0; j < n_impls; j++) {
            int k = (r % 2) ? n_impls - 1 - j : j;

            runs[k][r].samples = pooled[k];
            if (impls[k] == &bench_grace) {
                call_rcu_set_batch_delay(e->grace_batch_delay);
            }
            e->run(e, impls[k], quick, &runs[k][r]);
            call_rcu_set_batch_delay(0);
        }
    }
    if (loaded) {
        load_stop_all();
    }

    /* Latencies: percentiles of the pooled samples. */
    if (nf) {
        static const double q[3] = { 0.5, 0.99, 1.0 };
        double v[2][3];

        for (int k = 0; k < n_impls; k++) {
            g_array_sort(pooled[k], cmp_double);
            for (int i = 0; i < 3; i++) {
                v[k][i] = quantile(&g_array_index(pooled[k], double, 0),
                                   pooled[k]->len, q[i]);
            }
        }
        for (int i = 0; i < 3; i++) {
            double p = n_impls > 1 ? v[1][i] : NAN;

            emit_row(e, &e->figures[i], loaded, v[0][i], p, v[0][i] / p,
                     n_impls > 1 ? peer->name : NULL);
        }
        json_sep(json_dists);
        g_string_append(json_dists, "    {");
        json_str(json_dists, "id", e->name);
        json_str(json_dists, "title", e->title);
        json_str(json_dists, "condition", loaded ? "load" : "idle");
        json_str(json_dists, "unit", e->sample_unit);
        json_comma(json_dists);
        g_string_append(json_dists, "\"samples\": {");
        for (int k = 0; k < n_impls; k++) {
            json_samples(json_dists, impls[k]->name, pooled[k]);
        }
        g_string_append(json_dists, "}}");
    }

    /* Scalar figures: medians over the repetitions. */
    for (int i = 0; i < e->n_figures; i++) {
        double *g = g_new(double, reps), *p = g_new(double, reps);
        double *ratio = g_new(double, reps);

        for (int r = 0; r < reps; r++) {
            g[r] = runs[0][r].fig[i];
            p[r] = n_impls > 1 ? runs[1][r].fig[i] : NAN;
            ratio[r] = g[r] / p[r];
        }
        emit_row(e, &e->figures[nf + i], loaded, median(g, reps),
                 n_impls > 1 ? median(p, reps) : NAN,
                 n_impls > 1 ? median(ratio, reps) : NAN,
                 n_impls > 1 ? peer->name : NULL);
        g_free(g);
        g_free(p);
        g_free(ratio);
    }

    for (int k = 0; k < n_impls; k++) {
        g_free(runs[k]);
        g_array_free(pooled[k], true);
    }
}

/* Scaling: reads/s per reader and updates/s against the number of readers. */
#define N_CURVE ARRAY_SIZE(curve_readers)

static void json_curve(const char *id, const char *title, const char *y,
                       const BenchOps **impls, double (*v)[N_CURVE])
{
    json_sep(json_curves);
    g_string_append(json_curves, "    {");
    json_str(json_curves, "id", id);
    json_str(json_curves, "title", title);
    json_str(json_curves, "x", "readers");
    json_str(json_curves, "y", y);
    json_comma(json_curves);
    g_string_append(json_curves, "\"series\": {");
    for (int k = 0; k < 2 && impls[k]; k++) {
        json_comma(json_curves);
        g_string_append_printf(json_curves, "\"%s\": [", impls[k]->name);
        for (int i = 0; i < N_CURVE; i++) {
            g_string_append_printf(json_curves, "%s[%d, %.6g]",
                                   i ? ", " : "", curve_readers[i], v[k][i]);
        }
        g_string_append(json_curves, "]");
    }
    g_string_append(json_curves, "}}");
}

static void run_curves(bool qsbr, bool quick, bool grace_only)
{
    const char *id = qsbr ? "scaling-qsbr" : "scaling-memb";
    const char *title = qsbr ? "test_urcu_qsbr loop, 1 writer"
                             : "test_urcu loop, 1 writer";
    const BenchOps *impls[2] = {
        &bench_grace, grace_only ? NULL : peer_ops(qsbr ? PEER_QSBR : PEER_MEMB)
    };
    double reads[2][N_CURVE], updates[2][N_CURVE];

    for (int i = 0; i < N_CURVE; i++) {
        for (int k = 0; k < 2 && impls[k]; k++) {
            BenchLoop loop = {
                .n_readers = curve_readers[i], .n_writers = 1,
                .qsbr = qsbr, .duration_ms = quick ? 200 : 1000,
            };

            impls[k]->urcu_loop(&loop);
            reads[k][i] = loop.reads * 1000.0 / loop.duration_ms /
                          loop.n_readers;
            updates[k][i] = loop.writes * 1000.0 / loop.duration_ms;
            printf("%-20s %-4s %d reader(s), 1 writer, %-12s: %10.4g "
                   "reads/s per reader, %10.4g updates/s\n", id, "idle",
                   curve_readers[i], impls[k]->name, reads[k][i],
                   updates[k][i]);
            fflush(stdout);
        }
    }
    json_curve(qsbr ? "scaling-qsbr-reads" : "scaling-memb-reads", title,
               "reads/s per reader", impls, reads);
    json_curve(qsbr ? "scaling-qsbr-updates" : "scaling-memb-updates", title,
               "updates/s", impls, updates);
}

static bool write_json(const char *path, int reps, bool quick)
{
    double load[3] = { NAN, NAN, NAN };
    g_autoptr(GString) s = g_string_new("{\n");
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = g_path_get_dirname(path);

    if (getloadavg(load, 3) < 0) {
        load[0] = load[1] = load[2] = NAN;
    }
    g_string_append(s, "  ");
    json_str(s, "bench", "rcu");
    g_string_append(s, ",\n  ");
    json_str(s, "title", "RCU: Grace against liburcu (Debian's liburcu-dev)");
    g_string_append_printf(s, ",\n  \"reps\": %d, \"quick\": %s, "
                           "\"cpus\": %d, \"membarrier\": %s, ", reps,
                           quick ? "true" : "false", qemu_get_host_cpus(),
                           rcu_sys_membarrier ? "true" : "false");
    json_num(s, "loadavg_at_end", load[0]);
    g_string_append(s, ",\n  ");
    json_str(s, "notes", "test_urcu and test_urcu_qsbr are liburcu's "
             "benchmark loops (tests/benchmark), written again in "
             "tests/bench for each implementation and linked against "
             "both libraries; the writer does not register.");
    g_string_append_printf(s, ",\n  \"rows\": [\n%s\n  ],\n"
                           "  \"distributions\": [\n%s\n  ],\n"
                           "  \"curves\": [\n%s\n  ]\n}\n", json_rows->str,
                           json_dists->str, json_curves->str);
    if (g_mkdir_with_parents(dir, 0777) < 0 ||
        !g_file_set_contents(path, s->str, s->len, &err)) {
        fprintf(stderr, "bench-rcu: cannot write %s: %s\n", path,
                err ? err->message : g_strerror(errno));
        return false;
    }
    return true;
}

static bool wanted(const char *name, char **names, int n)
{
    if (!n) {
        return true;
    }
    for (int i = 0; i < n; i++) {
        if (!strcmp(names[i], name)) {
            return true;
        }
    }
    return false;
}

int main(int argc, char **argv)
{
    int reps = 5, first = argc;
    bool quick = false, grace_only = false;
    const char *json = NULL;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) {
            quick = true;
        } else if (!strcmp(argv[i], "--grace-only")) {
            grace_only = true;
        } else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
            reps = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--json") && i + 1 < argc) {
            json = argv[++i];
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "usage: %s [--reps N] [--quick] [--grace-only] "
                    "[--json FILE] [EXPERIMENT...]\n", argv[0]);
            return 2;
        } else {
            first = i;
            break;
        }
    }
    if (reps < 1) {
        fprintf(stderr, "bench-rcu: --reps needs a positive number\n");
        return 2;
    }
    for (int j = first; j < argc; j++) {
        bool known = !strcmp(argv[j], "scaling");

        for (int i = 0; i < ARRAY_SIZE(experiments); i++) {
            known |= !strcmp(argv[j], experiments[i].name);
        }
        if (!known) {
            fprintf(stderr, "bench-rcu: unknown experiment '%s'\n", argv[j]);
            return 2;
        }
    }

    json_rows = g_string_new(NULL);
    json_dists = g_string_new(NULL);
    json_curves = g_string_new(NULL);
    printf("RCU micro-benchmarks: %d repetitions%s, %d CPUs; membarrier %s; "
           "'load' runs with %d busy threads.  Experiments:\n", reps,
           quick ? " (quick)" : "", qemu_get_host_cpus(),
           rcu_sys_membarrier ? "in use" : "not available",
           qemu_get_host_cpus());
#ifndef HAVE_URCU
    printf("liburcu was not found at build time: Grace's figures only\n");
    grace_only = true;
#endif
    for (int i = 0; i < ARRAY_SIZE(experiments); i++) {
        if (wanted(experiments[i].name, argv + first, argc - first)) {
            printf("  %-20s %s\n", experiments[i].name, experiments[i].title);
        }
    }

    for (int i = 0; i < ARRAY_SIZE(experiments); i++) {
        const Experiment *e = &experiments[i];

        if (wanted(e->name, argv + first, argc - first)) {
            run_experiment(e, reps, quick, grace_only, false);
            run_experiment(e, reps, quick, grace_only, true);
        }
    }
    if (wanted("scaling", argv + first, argc - first)) {
        run_curves(false, quick, grace_only);
        run_curves(true, quick, grace_only);
    }
    for (int i = 0; i < ARRAY_SIZE(experiments); i++) {
        if (experiments[i].note &&
            wanted(experiments[i].name, argv + first, argc - first)) {
            printf("note: %s: %s\n", experiments[i].name,
                   experiments[i].note);
        }
    }
    if (json && !write_json(json, reps, quick)) {
        return 1;
    }
    return 0;
}
