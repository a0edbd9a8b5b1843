/*
 * The RAM block lookup path: lookups per second by ram_addr, as a TLB
 * refill does them (qemu_map_ram_ptr), with 1 and 2 reader threads, 1 to
 * 64 blocks, with and without a writer that adds and removes a block over
 * and over.
 *
 * Beside Grace's lookup it measures the algorithm Grace used before the
 * RCU series, rebuilt here over the same blocks: one list under a mutex,
 * each hit moved to the front (most recently used first).  Same blocks,
 * same addresses, same threads, in the same run.
 *
 * Readers are QSBR threads, like the vCPUs: online, with a quiescent
 * state every BENCH_QS_PERIOD lookups.  Each reader draws addresses from
 * its own xorshift generator, uniformly over every block, so that the
 * most-recently-used hint helps only as much as chance allows (a vCPU
 * does better: its refills mostly hit one big block).
 *
 * Output: one line per configuration, then build/bench/ramlist.json
 * (rows of name, grace, peer, unit, ratio, p50, p99, max).
 *
 *   bench-ramlist [-t SECONDS-PER-RUN] [-r RUNS] [-o JSON]
 */
#include "qemu/osdep.h"
#include "qemu/rcu.h"
#include "qemu/thread.h"
#include "qemu/main-loop.h"
#include "exec/memory.h"
#include "exec/ramblock.h"
#include "qapi/error.h"

#define MAX_BLOCKS      64
#define BLOCK_SIZE      (2 * MiB)
#define QS_PERIOD       1024

/* The pre-series lookup: a mutex and a list in most-recently-used order. */
typedef struct OldBlock {
    ram_addr_t offset, length;
    uint8_t *host;
    QLIST_ENTRY(OldBlock) next;
} OldBlock;

static struct {
    QemuMutex lock;
    QLIST_HEAD(, OldBlock) blocks;
    OldBlock *mru;
} old_list;

static void *old_map_ram_ptr(ram_addr_t addr)
{
    OldBlock *b;
    void *p = NULL;

    qemu_mutex_lock(&old_list.lock);
    b = old_list.mru;
    if (!b || addr - b->offset >= b->length) {
        QLIST_FOREACH(b, &old_list.blocks, next) {
            if (addr - b->offset < b->length) {
                if (QLIST_FIRST(&old_list.blocks) != b) {
                    QLIST_REMOVE(b, next);
                    QLIST_INSERT_HEAD(&old_list.blocks, b, next);
                }
                old_list.mru = b;
                break;
            }
        }
    }
    if (b) {
        p = b->host + (addr - b->offset);
    }
    qemu_mutex_unlock(&old_list.lock);
    return p;
}

static void old_add(OldBlock *b)
{
    qemu_mutex_lock(&old_list.lock);
    QLIST_INSERT_HEAD(&old_list.blocks, b, next);
    old_list.mru = NULL;
    qemu_mutex_unlock(&old_list.lock);
}

static void old_remove(OldBlock *b)
{
    qemu_mutex_lock(&old_list.lock);
    QLIST_REMOVE(b, next);
    old_list.mru = NULL;
    qemu_mutex_unlock(&old_list.lock);
}

/* The blocks under test, and the run's parameters. */
static MemoryRegion regions[MAX_BLOCKS];
static OldBlock old_blocks[MAX_BLOCKS];
static ram_addr_t offsets[MAX_BLOCKS];
static int nblocks;
static bool use_old;
static bool stop;
static QemuSemaphore started;

static inline uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

typedef struct Reader {
    QemuThread thread;
    uint64_t seed;
    uint64_t lookups;
    uintptr_t sink;         /* keeps the lookups from being optimised out */
} Reader;

static void *reader_fn(void *arg)
{
    Reader *r = arg;
    uint64_t seed = r->seed;    /* local: readers[] share cache lines */
    uint64_t n = 0;
    uintptr_t sink = 0;

    rcu_register_thread();
    rcu_thread_online();
    qemu_sem_post(&started);
    while (!qatomic_read(&stop)) {
        for (int i = 0; i < QS_PERIOD; i++) {
            uint64_t x = xorshift(&seed);
            int b = x % nblocks;
            ram_addr_t addr = offsets[b] + ((x >> 32) % BLOCK_SIZE);

            sink += (uintptr_t)(use_old ? old_map_ram_ptr(addr)
                                        : qemu_map_ram_ptr(NULL, addr));
        }
        n += QS_PERIOD;
        rcu_quiescent_state();
    }
    rcu_thread_offline();
    rcu_unregister_thread();
    r->lookups = n;
    r->sink = sink;
    return NULL;
}

/* Adds and removes one more block, over and over; counts the cycles. */
static uint64_t writer_cycles;

static void *writer_fn(void *arg)
{
    MemoryRegion mr;
    OldBlock ob = { 0 };
    uint64_t n = 0;

    rcu_register_thread();
    qemu_sem_post(&started);
    while (!qatomic_read(&stop)) {
        if (use_old) {
            /* The same work as qemu_ram_alloc and qemu_ram_free. */
            ob.offset = offsets[nblocks - 1] + 64 * MiB;
            ob.length = BLOCK_SIZE;
            ob.host = qemu_anon_ram_alloc(BLOCK_SIZE);
            old_add(&ob);
            old_remove(&ob);
            qemu_anon_ram_free(ob.host, BLOCK_SIZE);
        } else {
            memory_region_init_ram(&mr, NULL, "bench-writer", BLOCK_SIZE,
                                   &error_abort);
            memory_region_finalize(&mr);
        }
        n++;
    }
    rcu_unregister_thread();
    writer_cycles = n;
    return NULL;
}

/* Lookups per second over seconds, with nthreads readers. */
static double run_once(int nthreads, bool writer, double seconds)
{
    Reader readers[2];
    QemuThread wt;
    uint64_t total = 0;
    int64_t t0, t1;

    qatomic_set(&stop, false);
    for (int i = 0; i < nthreads; i++) {
        readers[i].seed = 0x9e3779b97f4a7c15ull * (i + 1) + nblocks;
        qemu_thread_create(&readers[i].thread, "bench-reader", reader_fn,
                           &readers[i], QEMU_THREAD_JOINABLE);
    }
    if (writer) {
        qemu_thread_create(&wt, "bench-writer", writer_fn, NULL,
                           QEMU_THREAD_JOINABLE);
    }
    for (int i = 0; i < nthreads + writer; i++) {
        qemu_sem_wait(&started);
    }
    t0 = g_get_monotonic_time();
    g_usleep(seconds * G_USEC_PER_SEC);
    qatomic_set(&stop, true);
    for (int i = 0; i < nthreads; i++) {
        qemu_thread_join(&readers[i].thread);
        total += readers[i].lookups;
    }
    t1 = g_get_monotonic_time();
    if (writer) {
        qemu_thread_join(&wt);
    }
    return total / ((t1 - t0) / 1e6);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

typedef struct Stats {
    double p50, p99, max, min;
} Stats;

/* Throughputs: p50 is the median; p99 and max are of the slow side, as
 * times would be, so "p99" is the 1st percentile of throughput. */
static Stats stats(double *v, int n)
{
    Stats s;

    qsort(v, n, sizeof(*v), cmp_double);
    s.p50 = v[n / 2];
    s.p99 = v[(n - 1) / 100];
    s.min = v[0];
    s.max = v[n - 1];
    return s;
}

int main(int argc, char **argv)
{
    static const int block_counts[] = { 1, 4, 16, 64 };
    double seconds = 0.3;
    int runs = 7;
    const char *json_path = "bench/ramlist.json";
    g_autoptr(GString) json = g_string_new("[\n");
    int opt;

    while ((opt = getopt(argc, argv, "t:r:o:")) != -1) {
        switch (opt) {
        case 't':
            seconds = g_ascii_strtod(optarg, NULL);
            break;
        case 'r':
            runs = atoi(optarg);
            break;
        case 'o':
            json_path = optarg;
            break;
        default:
            fprintf(stderr, "usage: %s [-t SECONDS] [-r RUNS] [-o JSON]\n",
                    argv[0]);
            return 1;
        }
    }
    if (seconds <= 0 || runs < 1) {
        fprintf(stderr, "bench-ramlist: -t and -r must be positive\n");
        return 1;
    }

    qemu_init_main_loop(&error_abort);
    qemu_sem_init(&started, 0);
    qemu_mutex_init(&old_list.lock);
    QLIST_INIT(&old_list.blocks);

    printf("RAM block lookups (qemu_map_ram_ptr by ram_addr), millions per "
           "second, median of %d runs of %.1f s\n", runs, seconds);
    printf("%-34s %10s %10s %8s %10s %10s\n", "configuration", "grace",
           "pre-RCU", "ratio", "grace min", "pre min");
    for (size_t bc = 0; bc < G_N_ELEMENTS(block_counts); bc++) {
        /* Grow the set of blocks to block_counts[bc]. */
        while (nblocks < block_counts[bc]) {
            int i = nblocks++;
            g_autofree char *name = g_strdup_printf("bench-%d", i);

            memory_region_init_ram(&regions[i], NULL, name, BLOCK_SIZE,
                                   &error_abort);
            offsets[i] = regions[i].ram_block->offset;
            old_blocks[i].offset = offsets[i];
            old_blocks[i].length = BLOCK_SIZE;
            old_blocks[i].host = regions[i].ram_block->host;
            old_add(&old_blocks[i]);
        }
        for (int threads = 1; threads <= 2; threads++) {
            for (int writer = 0; writer <= 1; writer++) {
                g_autofree double *g = g_new(double, runs);
                g_autofree double *o = g_new(double, runs);
                Stats gs, os;
                g_autofree char *name = g_strdup_printf(
                    "%d block%s, %d thread%s%s", nblocks,
                    nblocks > 1 ? "s" : "", threads, threads > 1 ? "s" : "",
                    writer ? ", writer" : "");

                /* Alternate, so that both see the same machine load. */
                for (int r = 0; r < runs; r++) {
                    use_old = false;
                    g[r] = run_once(threads, writer, seconds) / 1e6;
                    use_old = true;
                    o[r] = run_once(threads, writer, seconds) / 1e6;
                }
                gs = stats(g, runs);
                os = stats(o, runs);
                printf("%-34s %10.2f %10.2f %7.2fx %10.2f %10.2f\n", name,
                       gs.p50, os.p50, gs.p50 / os.p50, gs.min, os.min);
                fflush(stdout);
                g_string_append_printf(json,
                    "%s  {\"name\": \"ramlist lookups: %s\", \"grace\": %.3f, "
                    "\"peer\": %.3f, \"peer_name\": \"pre-RCU mutex+MRU\", "
                    "\"unit\": \"M lookups/s\", \"ratio\": %.3f, "
                    "\"p50\": %.3f, \"p99\": %.3f, \"max\": %.3f, "
                    "\"higher_is_better\": true}",
                    json->len > 2 ? ",\n" : "", name, gs.p50, os.p50,
                    gs.p50 / os.p50, gs.p50, gs.p99, gs.max);
            }
        }
    }
    g_string_append(json, "\n]\n");
    {
        g_autofree char *dir = g_path_get_dirname(json_path);

        g_mkdir_with_parents(dir, 0755);
    }
    if (!g_file_set_contents(json_path, json->str, -1, NULL)) {
        fprintf(stderr, "bench-ramlist: cannot write %s\n", json_path);
        return 1;
    }
    printf("written: %s\n", json_path);
    return 0;
}
