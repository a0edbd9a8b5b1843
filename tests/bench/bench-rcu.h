/*
 * RCU micro-benchmarks: the interface between the harness (bench-rcu.c)
 * and each implementation measured, Grace's and liburcu's flavours.
 *
 * Each implementation lives in a file of its own, with only its own
 * headers, so that its read side is inlined into the measuring loops as
 * its users would get it.  This header is plain C, shared by all; the
 * scaffolding that starts and times threads is in bench-rcu.c.
 */
#ifndef BENCH_RCU_H
#define BENCH_RCU_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* Reads between two quiescent states in the QSBR loops (as test_urcu_qsbr). */
#define BENCH_QS_PERIOD 1024

/* What a reader thread does while synchronize_rcu is being timed. */
typedef enum BenchReader {
    BENCH_READER_NONE,      /* no reader thread at all */
    BENCH_READER_IDLE,      /* registered, outside any section, asleep */
    BENCH_READER_BUSY,      /* lock, read, unlock, over and over */
    BENCH_READER_BUSY_QSBR, /* online: reads, quiescent state every 16 */
} BenchReader;

/*
 * liburcu's test_urcu and test_urcu_qsbr (tests/benchmark in its source),
 * written again here: readers, one loop per implementation, loop on lock,
 * dereference, check, unlock (the QSBR ones report a quiescent state
 * every BENCH_QS_PERIOD reads and are online all along); writers, one
 * loop for all (bench-rcu.c), never register and loop on malloc, exchange
 * the pointer, synchronize_rcu, poison and free the old object.  Readers
 * check what they read, so a broken grace period shows up as an abort.
 */
typedef struct BenchLoop {
    /* Set by the caller. */
    int n_readers;
    int n_writers;
    bool qsbr;
    /*
     * Grace only: QSBR readers use the rcu_read_lock that every thread
     * shares, rather than RCU_QSBR_ONLY's (bench-rcu-qsbr.c).
     */
    bool qsbr_generic;
    int duration_ms;

    /* Set by the implementation: the pointer its readers follow. */
    int **ptr;
    void (*sync)(void);

    /* Results: totals over the threads, and the writers' CPU time. */
    long long reads;
    long long writes;
    double writer_cpu_ns;

    /* Scaffolding (bench_run_loop). */
    int started;
    int go;
    int stop;
} BenchLoop;

typedef struct BenchOps {
    const char *name;
    /* ns taken by iters read-side sections (lock, one read, unlock). */
    double (*read_loop)(long iters);
    /*
     * ns taken by iters reads on an online QSBR thread, with a quiescent
     * state every BENCH_QS_PERIOD reads; NULL where there is no QSBR.
     */
    double (*online_read_loop)(long iters);
    /*
     * Time n synchronize_rcu calls (ns each) against one such reader;
     * *cpu_ns: the CPU time the calling thread used for all n.
     */
    void (*sync_latency)(BenchReader reader, int n, double *ns,
                         double *cpu_ns);
    /* ns taken by one thread queueing n callbacks until all have run. */
    double (*call_rcu_loop)(long n);
    /*
     * Delay (ns) from call_rcu to the callback, for n lone callbacks,
     * each queued as soon as the previous one ran.
     */
    void (*call_rcu_latency)(int n, double *ns);
    /* test_urcu (or, if loop->qsbr, test_urcu_qsbr). */
    void (*urcu_loop)(BenchLoop *loop);
} BenchOps;

/*
 * Scaffolding shared by the implementations, in bench-rcu.c.
 *
 * bench_time_sync: time n calls of sync (ns each) while reader, started on
 * a thread of its own with a BenchSyncRun, loads the implementation as
 * kind says (no thread for BENCH_READER_NONE).  The reader sets ready once
 * registered and returns soon after stop is set.
 *
 * bench_run_loop: run loop's readers (reader takes the BenchLoop) and
 * writers for its duration, then free what loop->ptr points to.  Each
 * reader calls bench_loop_ready when it is ready to start, polls
 * bench_loop_stopped after each read, and adds its count with
 * bench_loop_add_reads when it stops.
 */
typedef struct BenchSyncRun {
    BenchReader kind;
    int ready;
    int stop;
} BenchSyncRun;

void bench_time_sync(void *(*reader)(void *), void (*sync)(void),
                     BenchReader kind, int n, double *ns, double *cpu_ns);

void bench_run_loop(BenchLoop *loop, void *(*reader)(void *));
void bench_loop_ready(BenchLoop *loop);
void bench_loop_add_reads(BenchLoop *loop, long long reads);

static inline bool bench_loop_stopped(BenchLoop *loop)
{
    return __atomic_load_n(&loop->stop, __ATOMIC_RELAXED);
}

extern const BenchOps bench_grace;
/* Grace's test_urcu pointer, and its RCU_QSBR_ONLY reader. */
extern int *grace_loop_ptr;
void *grace_loop_qsbr_only_reader(void *opaque);
#ifdef HAVE_URCU
extern const BenchOps bench_urcu_memb;
extern const BenchOps bench_urcu_qsbr;
#endif

/* The shared object that every read loop dereferences. */
extern int bench_value;
/* Reads are summed here so that the compiler keeps them. */
extern volatile long bench_sink;
/* The value that the loops' objects hold while they are live. */
#define BENCH_LIVE 8

/* A reader of a BenchLoop found an object that was not live: abort. */
void bench_loop_bad_read(const char *impl, int value);

static inline int64_t bench_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* CPU time used so far by the calling thread. */
static inline int64_t bench_thread_cpu_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#endif /* BENCH_RCU_H */
