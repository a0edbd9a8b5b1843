/*
 * RCU micro-benchmarks: the interface between the harness (bench-rcu.c)
 * and each implementation measured, Grace's and liburcu's flavours.
 *
 * Each implementation lives in a file of its own, with only its own
 * headers, so that its read side is inlined into the measuring loops as
 * its users would get it.  This header is plain C, shared by all.
 */
#ifndef BENCH_RCU_H
#define BENCH_RCU_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* Reads between two quiescent states in the QSBR loops. */
#define BENCH_QS_PERIOD 1024

/* What a reader thread does while synchronize_rcu is being timed. */
typedef enum BenchReader {
    BENCH_READER_IDLE,      /* registered, outside any section, asleep */
    BENCH_READER_BUSY,      /* lock, read, unlock, over and over */
    BENCH_READER_BUSY_QSBR, /* online: reads, quiescent state every 16 */
} BenchReader;

typedef struct BenchOps {
    const char *name;
    /* ns taken by iters read-side sections (lock, one read, unlock). */
    double (*read_loop)(long iters);
    /*
     * ns taken by iters reads on an online QSBR thread, with a quiescent
     * state every BENCH_QS_PERIOD reads; NULL where there is no QSBR.
     */
    double (*online_read_loop)(long iters);
    /* Time n synchronize_rcu calls (ns each) against one such reader. */
    void (*sync_latency)(BenchReader reader, int n, double *ns);
    /* ns taken by one thread queueing n callbacks until all have run. */
    double (*call_rcu_loop)(long n);
    /* Delay (ns) from call_rcu to the callback, for n lone callbacks. */
    void (*call_rcu_latency)(int n, double *ns);
} BenchOps;

/*
 * Time n calls of sync (ns each) while reader, started on a thread of its
 * own with a BenchSyncRun, loads the implementation as kind says.  The
 * reader sets ready once registered and returns soon after stop is set.
 */
typedef struct BenchSyncRun {
    BenchReader kind;
    int ready;
    int stop;
} BenchSyncRun;

void bench_time_sync(void *(*reader)(void *), void (*sync)(void),
                     BenchReader kind, int n, double *ns);

extern const BenchOps bench_grace;
#ifdef HAVE_URCU
extern const BenchOps bench_urcu_memb;
extern const BenchOps bench_urcu_qsbr;
#endif

/* The shared object that every read loop dereferences. */
extern int bench_value;
/* Reads are summed here so that the compiler keeps them. */
extern volatile long bench_sink;

static inline int64_t bench_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#endif /* BENCH_RCU_H */
