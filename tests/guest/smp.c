/*
 * Grace test guest: the SMP checks of /init.
 *
 * check_cpus (one of the platform checks, in every mode) compares the
 * harts the device tree lists with the CPUs Linux brought online.
 *
 * grace.mode=smp-stress then works every online hart at once, with one
 * process pinned to each (sched_setaffinity), in three checks:
 *
 *   atomics     counters in a MAP_SHARED page, incremented by every hart
 *               with amoadd.d, amoadd.w, compare-and-swap loops built on
 *               lr.d/sc.d and lr.w/sc.w, and a plain counter under an
 *               amoswap spinlock; the totals must be exact, and each hart
 *               must see the values its own atomics return increase
 *   fork-storm  one spawner per hart forks many short-lived children
 *               that move to another hart, check the copy-on-write pages
 *               they inherited and write them; every child is reaped
 *               with the exit code it was given, and the spawner's own
 *               pages are unchanged
 *   memory      each hart fills its own pages of a MAP_SHARED region
 *               (with 8-, 4-, 2- and 1-byte stores in turn), then checks
 *               the pages of every other hart
 *
 * and prints one line per check and round, then a summary:
 *
 *   GRACE-INIT: smp-stress: 4 harts, iters 20000, forks 32, pages 16, ...
 *   GRACE-INIT: smp atomics: PASS round 1: 4 workers x 20000: ...
 *   GRACE-INIT: smp fork-storm: PASS round 1: 4 spawners x 32 children ...
 *   GRACE-INIT: smp memory: PASS round 1: 4 workers x 16 pages ...
 *   GRACE-INIT: smp-stress done: 1 rounds, 3 passed, 0 failed
 *
 * Parameters (kernel command line, all optional):
 *
 *   grace.stress.iters=N    increments of each counter per hart (20000)
 *   grace.stress.forks=N    children per spawner (32)
 *   grace.stress.pages=N    pages per hart in the memory check (16)
 *   grace.stress.rounds=N   rounds of the three checks (1)
 *   grace.stress.seconds=N  keep starting rounds until N seconds have
 *                           passed since the first (0)
 *
 * grace.mode=smp-bench runs the SMP scaling benchmark's workload: a fixed
 * number of independent CPU-bound work units (grace.bench.units=N, 64 by
 * default), shared out between one pinned process per hart, and prints
 * the workload's own elapsed CLOCK_MONOTONIC time from before the first
 * fork to after the last worker was reaped, and a checksum of the
 * results, which must not depend on the number of harts:
 *
 *   GRACE-INIT: smp-bench: start 2 workers, 64 units
 *   GRACE-INIT: smp-bench: PASS 2 workers, 64 units in 2734000000 ns,
 *               checksum 0123456789abcdef
 *
 * With grace.bench.tlb=N (1 to 16), each unit instead stores to and then
 * loads from every page of a private buffer of 2^N pages, in a scattered
 * order: the TLB-miss workload, where the emulator's TLB refills (page
 * walks, RAM block lookups) dominate.  Its checksum is checked only for
 * agreement between runs.
 *
 * With grace.bench.fault=N (1 to 12), each unit maps a fresh anonymous
 * buffer of 2^N pages, stores to each page (a page fault each), makes a
 * system call per page (getppid), reads the pages back and unmaps the
 * buffer: the userland workload of system calls and page faults, where
 * the guest kernel's trap entry and exit, its page allocator and the
 * emulator's TLB flushes dominate.  Its checksum, too, is checked only
 * for agreement.
 *
 * Workers are children of init and report back through their exit
 * status and a message slot in shared memory.  If one dies, init raises
 * the shared abort flag and wakes the barrier, so the others stop and
 * the check fails with a message instead of hanging.
 */

#include "init.h"
#include <linux/futex.h>

/* Harts one check can use (the test kernel itself stops at 8). */
#define MAX_HARTS 64
#define PAGE_SIZE 4096ul

/* Exit codes of the workers. */
#define WORKER_OK 0
#define WORKER_FAILED 1
#define WORKER_ABORTED 2

#define MSG_SIZE 160

/* The logical CPUs that are online, in increasing order. */
struct harts {
    unsigned n;
    unsigned cpu[MAX_HARTS];
};

/*
 * The MAP_SHARED region that init and the workers share.  Init clears it
 * before it forks the workers of a check and reads the results only
 * after it has reaped them all (fork and waitpid order those accesses).
 * While the workers run, they change the counters only with the atomics
 * under test (lock_owner and locked_count under lock), each writes only
 * its own msg slot, and the barrier words and abort are accessed with
 * atomic operations by everyone.
 */
struct shared {
    /* Barrier: arrivals in this generation, and the futex word. */
    uint32_t bar_count;
    uint32_t bar_gen;
    /* Set by init when a worker died: the others give up. */
    uint32_t abort;

    /* atomics: amo_w and cas_w share one doubleword on purpose */
    uint64_t amo_d;
    uint32_t amo_w;
    uint32_t cas_w;
    uint64_t cas_d;
    uint32_t lock;
    uint32_t lock_owner;        /* plain accesses, under lock */
    uint64_t locked_count;      /* plain accesses, under lock */
    uint64_t cas_retries;

    /* What went wrong in worker w (empty if nothing did). */
    char msg[MAX_HARTS][MSG_SIZE];
};

struct stress {
    struct harts harts;
    unsigned long iters;
    unsigned long forks;
    unsigned long pages;
    unsigned long round;
    unsigned long units;        /* smp-bench only */
    unsigned long tlb_pages;    /* smp-bench: TLB-miss units, if not 0 */
    unsigned long fault_pages;  /* smp-bench: page-fault units, if not 0 */
    struct shared *sh;
    uint64_t *mem;              /* MAP_SHARED: the memory check's
                                 * harts.n * pages pages, or smp-bench's
                                 * results, one per unit */
};

typedef int (*WorkerFn)(struct stress *s, unsigned w);

/* ------------------------------------------------------------------ */
/* System calls that nolibc does not wrap */

static int pin_to_cpu(unsigned cpu)
{
    unsigned long mask = 1ul << cpu;

    return my_syscall3(__NR_sched_setaffinity, 0, sizeof(mask), &mask) < 0
           ? -1 : 0;
}

/* The number of CPUs this process may run on, or -1. */
static int affinity_count(void)
{
    unsigned long mask[MAX_HARTS / 64];
    int i, count = 0;
    long ret;

    memset(mask, 0, sizeof(mask));
    ret = my_syscall3(__NR_sched_getaffinity, 0, sizeof(mask), mask);
    if (ret < 0) {
        return -1;
    }
    for (i = 0; i < MAX_HARTS; i++) {
        count += (mask[i / 64] >> (i % 64)) & 1;
    }
    return count;
}

static int current_cpu(void)
{
    unsigned cpu = ~0u;

    if (my_syscall3(__NR_getcpu, &cpu, NULL, NULL) < 0) {
        return -1;
    }
    return cpu;
}

/* Not FUTEX_PRIVATE: the word is in memory shared between processes. */
static void futex_wait(uint32_t *word, uint32_t val)
{
    /* EAGAIN (the word changed) and EINTR: the caller looks again. */
    my_syscall6(__NR_futex, word, FUTEX_WAIT, val, NULL, NULL, 0);
}

static void futex_wake_all(uint32_t *word)
{
    my_syscall6(__NR_futex, word, FUTEX_WAKE, 0x7fffffff, NULL, NULL, 0);
}

static unsigned long now_ns(void)
{
    unsigned long ns = 0;

    clock_gettime_ns(CLOCK_MONOTONIC, &ns);
    return ns;
}

/* ------------------------------------------------------------------ */
/* The atomics under test, spelled out so that the instructions are known */

static inline uint64_t amoadd_d(uint64_t *p, uint64_t v)
{
    uint64_t old;

    asm volatile("amoadd.d.aqrl %0, %2, %1"
                 : "=r"(old), "+A"(*p) : "r"(v) : "memory");
    return old;
}

static inline uint32_t amoadd_w(uint32_t *p, uint32_t v)
{
    uint32_t old;

    asm volatile("amoadd.w.aqrl %0, %2, %1"
                 : "=r"(old), "+A"(*p) : "r"(v) : "memory");
    return old;
}

/*
 * Compare-and-swap built on LR/SC: store desired if *p holds expected;
 * returns the value found.  An SC that fails without the value having
 * changed (the reservation was lost) is retried inside.
 */
static inline uint64_t cas_d(uint64_t *p, uint64_t expected,
                             uint64_t desired)
{
    uint64_t found;
    unsigned long fail;

    asm volatile("1: lr.d.aqrl %0, %2\n"
                 "   bne %0, %3, 2f\n"
                 "   sc.d.rl %1, %4, %2\n"
                 "   bnez %1, 1b\n"
                 "2:"
                 : "=&r"(found), "=&r"(fail), "+A"(*p)
                 : "r"(expected), "r"(desired)
                 : "memory");
    return found;
}

static inline uint32_t cas_w(uint32_t *p, uint32_t expected,
                             uint32_t desired)
{
    /* lr.w sign-extends: compare with a sign-extended expected value. */
    long want = (int32_t)expected;
    long found;
    unsigned long fail;

    asm volatile("1: lr.w.aqrl %0, %2\n"
                 "   bne %0, %3, 2f\n"
                 "   sc.w.rl %1, %4, %2\n"
                 "   bnez %1, 1b\n"
                 "2:"
                 : "=&r"(found), "=&r"(fail), "+A"(*p)
                 : "r"(want), "r"(desired)
                 : "memory");
    return (uint32_t)found;
}

/* Increment through cas_d; the old value goes to *old, the CAS failures
 * (another hart got in between) are returned. */
static unsigned long cas_inc_d(uint64_t *p, uint64_t *old)
{
    uint64_t expected = *(volatile uint64_t *)p;
    unsigned long retries = 0;

    for (;;) {
        uint64_t found = cas_d(p, expected, expected + 1);

        if (found == expected) {
            *old = expected;
            return retries;
        }
        expected = found;
        retries++;
    }
}

static unsigned long cas_inc_w(uint32_t *p, uint32_t *old)
{
    uint32_t expected = *(volatile uint32_t *)p;
    unsigned long retries = 0;

    for (;;) {
        uint32_t found = cas_w(p, expected, expected + 1);

        if (found == expected) {
            *old = expected;
            return retries;
        }
        expected = found;
        retries++;
    }
}

/* A test-and-test-and-set lock: amoswap.w.aq takes it, amoswap.w.rl
 * gives it back. */
static inline void spin_lock(uint32_t *lock)
{
    uint32_t old;

    for (;;) {
        asm volatile("amoswap.w.aq %0, %2, %1"
                     : "=r"(old), "+A"(*lock) : "r"(1) : "memory");
        if (!old) {
            return;
        }
        while (*(volatile uint32_t *)lock) {
            continue;
        }
    }
}

static inline void spin_unlock(uint32_t *lock)
{
    asm volatile("amoswap.w.rl zero, zero, %0" : "+A"(*lock) : : "memory");
}

/* ------------------------------------------------------------------ */
/* Helpers */

/* A 64-bit mixer (the splitmix64 finaliser): patterns and work. */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

/* A decimal number at p (nolibc has no strtoul); *end is where it
 * stops, p itself if there is no digit. */
static unsigned long scan_ulong(const char *p, const char **end)
{
    unsigned long v = 0;

    while (*p >= '0' && *p <= '9') {
        v = v * 10 + (*p++ - '0');
    }
    *end = p;
    return v;
}

/* Parse a CPU list such as "0-3" or "0,2-5\n" into ids[]; the count or
 * -1 if it is not one. */
static int parse_cpu_list(const char *p, unsigned *ids, unsigned max)
{
    unsigned n = 0;

    while (*p && *p != '\n') {
        unsigned long lo, hi;
        const char *end;

        lo = scan_ulong(p, &end);
        if (end == p) {
            return -1;
        }
        hi = lo;
        p = end;
        if (*p == '-') {
            p++;
            hi = scan_ulong(p, &end);
            if (end == p || hi < lo) {
                return -1;
            }
            p = end;
        }
        for (; lo <= hi; lo++) {
            if (n == max) {
                return -1;
            }
            ids[n++] = lo;
        }
        if (*p == ',') {
            p++;
        }
    }
    return n;
}

/* Write ids[] (increasing) as a CPU list: "0-3", "0,2-5". */
static void format_cpu_list(char *dst, size_t size, const unsigned *ids,
                            unsigned n)
{
    size_t len = 0;
    unsigned i = 0;

    dst[0] = '\0';
    while (i < n && len + 24 < size) {
        unsigned j = i;

        while (j + 1 < n && ids[j + 1] == ids[j] + 1) {
            j++;
        }
        if (j == i) {
            format(dst + len, size - len, "%s%u", i ? "," : "", ids[i]);
        } else {
            format(dst + len, size - len, "%s%u-%u", i ? "," : "", ids[i],
                   ids[j]);
        }
        len = strlen(dst);
        i = j + 1;
    }
}

static void sort_ids(unsigned *ids, unsigned n)
{
    unsigned i, j;

    for (i = 1; i < n; i++) {
        unsigned v = ids[i];

        for (j = i; j > 0 && ids[j - 1] > v; j--) {
            ids[j] = ids[j - 1];
        }
        ids[j] = v;
    }
}

static bool online_cpus(struct harts *h)
{
    char text[256];
    int n;

    if (read_file("/sys/devices/system/cpu/online", text, sizeof(text)) <= 0) {
        return false;
    }
    n = parse_cpu_list(text, h->cpu, MAX_HARTS);
    if (n <= 0) {
        return false;
    }
    h->n = n;
    return true;
}

/* ------------------------------------------------------------------ */
/* check_cpus: every hart of the device tree came online */

#define DT_CPUS "/sys/firmware/devicetree/base/cpus"

/* Is the device-tree node DT_CPUS/name an enabled CPU?  Its hart id. */
static bool dt_cpu_hart(const char *name, unsigned *hart)
{
    char path[128];
    unsigned char prop[16];
    long len;

    format(path, sizeof(path), "%s/%s/device_type", DT_CPUS, name);
    if (read_file(path, (char *)prop, sizeof(prop)) < 0 ||
        strcmp((char *)prop, "cpu") != 0) {
        return false;
    }
    format(path, sizeof(path), "%s/%s/status", DT_CPUS, name);
    if (read_file(path, (char *)prop, sizeof(prop)) >= 0 &&
        strcmp((char *)prop, "okay") != 0 && strcmp((char *)prop, "ok") != 0) {
        return false;
    }
    /* reg: the hart id, one or two big-endian cells. */
    format(path, sizeof(path), "%s/%s/reg", DT_CPUS, name);
    len = read_file(path, (char *)prop, sizeof(prop));
    if (len == 4) {
        *hart = prop[0] << 24 | prop[1] << 16 | prop[2] << 8 | prop[3];
    } else if (len == 8) {
        *hart = prop[4] << 24 | prop[5] << 16 | prop[6] << 8 | prop[7];
    } else {
        return false;
    }
    return true;
}

struct dt_scan {
    unsigned *harts;
    unsigned max;
    int count;          /* -1 once there were more than max */
};

static bool dt_scan_node(const char *name, unsigned type, void *opaque)
{
    struct dt_scan *scan = opaque;
    unsigned hart;

    if (strncmp(name, "cpu@", 4) != 0 || !dt_cpu_hart(name, &hart)) {
        return true;
    }
    if ((unsigned)scan->count == scan->max) {
        scan->count = -1;
        return false;
    }
    scan->harts[scan->count++] = hart;
    return true;
}

/* The hart ids of the enabled CPU nodes, sorted; the count or -1. */
static int dt_harts(unsigned *harts, unsigned max)
{
    struct dt_scan scan = { harts, max, 0 };

    if (for_each_dirent(DT_CPUS, dt_scan_node, &scan) < 0 || scan.count < 0) {
        return -1;
    }
    sort_ids(harts, scan.count);
    return scan.count;
}

/* The hart ids of the CPUs that /proc/cpuinfo lists, sorted. */
static int cpuinfo_harts(unsigned *harts, unsigned max)
{
    static char text[16384];
    char *p = text;
    int count = 0;

    if (read_file("/proc/cpuinfo", text, sizeof(text)) <= 0) {
        return -1;
    }
    while (p && *p) {
        char *nl = strchr(p, '\n');
        const char *key_end = p;

        /* "hart\t\t: 3", not Linux 6.12's "hart isa\t: rv64imac..." */
        if (strncmp(p, "hart", 4) == 0) {
            key_end = p + 4;
            while (*key_end == ' ' || *key_end == '\t') {
                key_end++;
            }
        }
        if (key_end > p + 4 && *key_end == ':') {
            const char *colon = strchr(p, ':');
            const char *end;

            if (!colon || (unsigned)count == max) {
                return -1;
            }
            colon++;
            while (*colon == ' ') {
                colon++;
            }
            harts[count++] = scan_ulong(colon, &end);
            if (end == colon) {
                return -1;
            }
        }
        p = nl ? nl + 1 : NULL;
    }
    sort_ids(harts, count);
    return count;
}

enum result check_cpus(char *detail, size_t size)
{
    unsigned dt[MAX_HARTS], info[MAX_HARTS];
    char dt_list[128], online_list[128];
    struct harts online;
    int n_dt, n_info, n_aff;

    n_dt = dt_harts(dt, MAX_HARTS);
    if (n_dt <= 0) {
        format(detail, size, "no CPU in %s", DT_CPUS);
        return RESULT_FAIL;
    }
    format_cpu_list(dt_list, sizeof(dt_list), dt, n_dt);
    if (!online_cpus(&online)) {
        format(detail, size, "cannot read /sys/devices/system/cpu/online");
        return RESULT_FAIL;
    }
    format_cpu_list(online_list, sizeof(online_list), online.cpu, online.n);
    n_info = cpuinfo_harts(info, MAX_HARTS);
    n_aff = affinity_count();

    format(detail, size, "%d harts in the device tree (%s), %u online "
           "(cpus %s), %d in /proc/cpuinfo, init may run on %d",
           n_dt, dt_list, online.n, online_list, n_info, n_aff);
    if ((int)online.n != n_dt || n_info != n_dt || n_aff != n_dt ||
        memcmp(dt, info, n_dt * sizeof(dt[0])) != 0) {
        return RESULT_FAIL;
    }
    return RESULT_PASS;
}

/* ------------------------------------------------------------------ */
/* Workers: one process pinned to each online hart */

static bool aborted(struct shared *sh)
{
    return __atomic_load_n(&sh->abort, __ATOMIC_ACQUIRE);
}

/*
 * Wait until all n workers have arrived; false if init raised the abort
 * flag.  The acquire-release amoadd on the count and the release
 * increment of the generation, paired with the waiters' acquire load of
 * it, order what each worker wrote before the barrier before what the
 * others read after it.
 */
static bool barrier_wait(struct shared *sh, unsigned n)
{
    uint32_t gen = __atomic_load_n(&sh->bar_gen, __ATOMIC_ACQUIRE);

    if (__atomic_add_fetch(&sh->bar_count, 1, __ATOMIC_ACQ_REL) == n) {
        /* Nobody arrives again before seeing the new generation. */
        __atomic_store_n(&sh->bar_count, 0, __ATOMIC_RELAXED);
        __atomic_fetch_add(&sh->bar_gen, 1, __ATOMIC_RELEASE);
        futex_wake_all(&sh->bar_gen);
    } else {
        /*
         * abort_workers() sets the flag before it changes the generation:
         * either the flag is seen here, or the futex finds the word
         * changed (or is woken).
         */
        while (!aborted(sh) &&
               __atomic_load_n(&sh->bar_gen, __ATOMIC_ACQUIRE) == gen) {
            futex_wait(&sh->bar_gen, gen);
        }
    }
    return !aborted(sh);
}

static void abort_workers(struct shared *sh)
{
    __atomic_store_n(&sh->abort, 1, __ATOMIC_RELEASE);
    __atomic_fetch_add(&sh->bar_gen, 1, __ATOMIC_RELEASE);
    futex_wake_all(&sh->bar_gen);
}

static int worker_main(struct stress *s, WorkerFn fn, unsigned w)
{
    unsigned cpu = s->harts.cpu[w];
    int ret;

    if (pin_to_cpu(cpu) < 0) {
        format(s->sh->msg[w], MSG_SIZE, "cannot pin to cpu %u", cpu);
        return WORKER_FAILED;
    }
    ret = fn(s, w);
    if (ret == WORKER_OK && current_cpu() != (int)cpu) {
        format(s->sh->msg[w], MSG_SIZE, "pinned to cpu %u, ended on cpu %d",
               cpu, current_cpu());
        return WORKER_FAILED;
    }
    return ret;
}

/*
 * Fork one worker per online hart running fn, and reap them all.  True
 * if every one exited with WORKER_OK; otherwise detail says what the
 * first failure was.
 */
static bool run_workers(struct stress *s, WorkerFn fn, char *detail,
                        size_t size)
{
    struct shared *sh = s->sh;
    pid_t pids[MAX_HARTS];
    unsigned started, left, w;
    bool ok = true;

    for (started = 0; started < s->harts.n; started++) {
        pid_t pid = fork();

        if (pid == 0) {
            exit(worker_main(s, fn, started));
        }
        if (pid < 0) {
            format(detail, size, "fork of worker %u failed, errno %d",
                   started, errno);
            ok = false;
            abort_workers(sh);
            break;
        }
        pids[started] = pid;
    }
    for (left = started; left > 0; ) {
        int status = 0;
        pid_t pid = waitpid(-1, &status, 0);

        if (pid < 0) {
            format(detail, size, "waitpid failed, errno %d, %u of %u "
                   "workers not reaped", errno, left, started);
            return false;
        }
        for (w = 0; w < started && pids[w] != pid; w++) {
            continue;
        }
        if (w == started) {
            /* An orphan that init, as PID 1, inherited: not a worker. */
            continue;
        }
        left--;
        if (WIFEXITED(status) && WEXITSTATUS(status) == WORKER_OK) {
            continue;
        }
        /* The first failure is the interesting one; aborted workers
         * only followed it. */
        if (ok) {
            if (!WIFEXITED(status)) {
                format(detail, size, "worker %u (cpu %u) died, status 0x%x",
                       w, s->harts.cpu[w], status);
            } else {
                format(detail, size, "worker %u (cpu %u): %s", w,
                       s->harts.cpu[w], sh->msg[w][0] ? sh->msg[w]
                       : "failed without a message");
            }
            ok = false;
        }
        abort_workers(sh);
    }
    return ok;
}

static void reset_shared(struct shared *sh)
{
    memset(sh, 0, sizeof(*sh));
}

/* ------------------------------------------------------------------ */
/* atomics */

static int atomics_worker(struct stress *s, unsigned w)
{
    struct shared *sh = s->sh;
    uint64_t last_amo_d = 0, last_cas_d = 0;
    uint32_t last_amo_w = 0, last_cas_w = 0;
    unsigned long i, retries = 0;

    if (!barrier_wait(sh, s->harts.n)) {
        return WORKER_ABORTED;
    }
    for (i = 0; i < s->iters; i++) {
        uint64_t old_d;
        uint32_t old_w;

        /*
         * Coherence: the values one hart's own atomics return on one
         * location can only grow.
         */
        old_d = amoadd_d(&sh->amo_d, 1);
        if (i && old_d <= last_amo_d) {
            format(sh->msg[w], MSG_SIZE, "amoadd.d returned %lu after %lu",
                   (unsigned long)old_d, (unsigned long)last_amo_d);
            return WORKER_FAILED;
        }
        last_amo_d = old_d;

        old_w = amoadd_w(&sh->amo_w, 1);
        if (i && old_w <= last_amo_w) {
            format(sh->msg[w], MSG_SIZE, "amoadd.w returned %u after %u",
                   old_w, last_amo_w);
            return WORKER_FAILED;
        }
        last_amo_w = old_w;

        retries += cas_inc_d(&sh->cas_d, &old_d);
        if (i && old_d <= last_cas_d) {
            format(sh->msg[w], MSG_SIZE, "lr.d/sc.d CAS saw %lu after %lu",
                   (unsigned long)old_d, (unsigned long)last_cas_d);
            return WORKER_FAILED;
        }
        last_cas_d = old_d;

        retries += cas_inc_w(&sh->cas_w, &old_w);
        if (i && old_w <= last_cas_w) {
            format(sh->msg[w], MSG_SIZE, "lr.w/sc.w CAS saw %u after %u",
                   old_w, last_cas_w);
            return WORKER_FAILED;
        }
        last_cas_w = old_w;

        spin_lock(&sh->lock);
        *(volatile uint32_t *)&sh->lock_owner = w + 1;
        (*(volatile uint64_t *)&sh->locked_count)++;
        if (*(volatile uint32_t *)&sh->lock_owner != w + 1) {
            format(sh->msg[w], MSG_SIZE, "worker %u was inside the lock "
                   "with this one", *(volatile uint32_t *)&sh->lock_owner - 1);
            spin_unlock(&sh->lock);
            return WORKER_FAILED;
        }
        *(volatile uint32_t *)&sh->lock_owner = 0;
        spin_unlock(&sh->lock);
    }
    amoadd_d(&sh->cas_retries, retries);
    return WORKER_OK;
}

static enum result stress_atomics(struct stress *s, char *detail, size_t size)
{
    struct shared *sh = s->sh;
    unsigned long want = s->iters * s->harts.n;
    static const char *const names[] = {
        "amoadd.d", "amoadd.w", "lr.d/sc.d CAS", "lr.w/sc.w CAS", "spinlock",
    };
    unsigned long got[5];
    unsigned i;

    reset_shared(sh);
    if (!run_workers(s, atomics_worker, detail, size)) {
        return RESULT_FAIL;
    }
    got[0] = sh->amo_d;
    got[1] = sh->amo_w;
    got[2] = sh->cas_d;
    got[3] = sh->cas_w;
    got[4] = sh->locked_count;
    for (i = 0; i < 5; i++) {
        if (got[i] != want) {
            format(detail, size, "%s counted %lu, expected %u workers x %lu"
                   " = %lu", names[i], got[i], s->harts.n, s->iters, want);
            return RESULT_FAIL;
        }
    }
    format(detail, size, "%u workers x %lu: amoadd.d, amoadd.w, lr.d/sc.d "
           "CAS, lr.w/sc.w CAS and spinlock counters all %lu, %lu CAS "
           "retries", s->harts.n, s->iters, want,
           (unsigned long)sh->cas_retries);
    return RESULT_PASS;
}

/* ------------------------------------------------------------------ */
/* fork-storm */

/* Children the spawner has running at once. */
#define FORK_BATCH 4
#define FORK_BUF_WORDS (2 * PAGE_SIZE / sizeof(uint64_t))

/* The spawner's private pages: copy-on-write in its children. */
static uint64_t fork_buf[FORK_BUF_WORDS];

static uint64_t fork_pattern(unsigned w, unsigned long round,
                             unsigned long child, unsigned long i)
{
    return mix64(((uint64_t)w << 56) ^ (round << 40) ^ (child << 20) ^ i);
}

static void fork_buf_fill(unsigned w, unsigned long round,
                          unsigned long child)
{
    unsigned long i;

    for (i = 0; i < FORK_BUF_WORDS; i++) {
        fork_buf[i] = fork_pattern(w, round, child, i);
    }
}

/* Index of the first word that differs, or -1. */
static long fork_buf_check(unsigned w, unsigned long round,
                           unsigned long child)
{
    unsigned long i;

    for (i = 0; i < FORK_BUF_WORDS; i++) {
        if (fork_buf[i] != fork_pattern(w, round, child, i)) {
            return i;
        }
    }
    return -1;
}

/* The exit code child i of a spawner is told to exit with. */
static int fork_child_code(unsigned long i)
{
    return 10 + i % 100;
}

/* Exit codes of a child that found something wrong. */
enum {
    CHILD_PIN_FAILED = 120,
    CHILD_INHERITED_BAD,
    CHILD_WRITE_BAD,
};

/* Child i of spawner w: move to another hart, check what was inherited,
 * write over it (breaking copy-on-write) and read it back. */
static int fork_child(struct stress *s, unsigned w, unsigned long i)
{
    unsigned n = s->harts.n;

    if (pin_to_cpu(s->harts.cpu[(w + 1 + i) % n]) < 0) {
        return CHILD_PIN_FAILED;
    }
    if (fork_buf_check(w, s->round, 0) >= 0) {
        return CHILD_INHERITED_BAD;
    }
    fork_buf_fill(w, s->round, i + 1);
    if (fork_buf_check(w, s->round, i + 1) >= 0) {
        return CHILD_WRITE_BAD;
    }
    return fork_child_code(i);
}

/* Reap the children pids[0..count) of this spawner. */
static bool fork_reap(struct stress *s, unsigned w, const pid_t *pids,
                      const unsigned long *index, unsigned count)
{
    unsigned k;

    for (k = 0; k < count; k++) {
        int status = 0;
        pid_t got = waitpid(pids[k], &status, 0);

        if (got != pids[k]) {
            format(s->sh->msg[w], MSG_SIZE, "waitpid(%d) returned %d, "
                   "errno %d", pids[k], got, errno);
            return false;
        }
        if (!WIFEXITED(status) ||
            WEXITSTATUS(status) != fork_child_code(index[k])) {
            format(s->sh->msg[w], MSG_SIZE, "child %lu: status 0x%x, "
                   "expected exit %d (120: pin failed, 121: inherited "
                   "pages wrong, 122: own write wrong)", index[k], status,
                   fork_child_code(index[k]));
            return false;
        }
    }
    return true;
}

static int fork_storm_worker(struct stress *s, unsigned w)
{
    pid_t pids[FORK_BATCH];
    unsigned long index[FORK_BATCH];
    unsigned long i = 0;
    long bad;

    fork_buf_fill(w, s->round, 0);
    if (!barrier_wait(s->sh, s->harts.n)) {
        return WORKER_ABORTED;
    }
    while (i < s->forks) {
        unsigned k = 0;

        for (; k < FORK_BATCH && i < s->forks; k++, i++) {
            pid_t pid = fork();

            if (pid == 0) {
                exit(fork_child(s, w, i));
            }
            if (pid < 0) {
                format(s->sh->msg[w], MSG_SIZE, "fork of child %lu failed,"
                       " errno %d", i, errno);
                fork_reap(s, w, pids, index, k);
                return WORKER_FAILED;
            }
            pids[k] = pid;
            index[k] = i;
        }
        if (!fork_reap(s, w, pids, index, k)) {
            return WORKER_FAILED;
        }
    }
    if (waitpid(-1, NULL, WNOHANG) != -1 || errno != ECHILD) {
        format(s->sh->msg[w], MSG_SIZE, "a child is left after reaping "
               "all %lu", s->forks);
        return WORKER_FAILED;
    }
    bad = fork_buf_check(w, s->round, 0);
    if (bad >= 0) {
        format(s->sh->msg[w], MSG_SIZE, "own page word %ld changed after "
               "the children wrote theirs", bad);
        return WORKER_FAILED;
    }
    return WORKER_OK;
}

static enum result stress_fork_storm(struct stress *s, char *detail,
                                     size_t size)
{
    reset_shared(s->sh);
    if (!run_workers(s, fork_storm_worker, detail, size)) {
        return RESULT_FAIL;
    }
    format(detail, size, "%u spawners x %lu children (%lu in all), each "
           "moved to another hart, checked and wrote its copy-on-write "
           "pages, exited with its own code and was reaped; the spawners' "
           "pages unchanged", s->harts.n, s->forks, s->harts.n * s->forks);
    return RESULT_PASS;
}

/* ------------------------------------------------------------------ */
/* memory */

/* Passes per round; pass p stores with 8 >> (p % 4) bytes per store. */
#define MEMORY_PASSES 4
#define WORDS_PER_PAGE (PAGE_SIZE / sizeof(uint64_t))

static uint64_t memory_pattern(unsigned owner, unsigned long page,
                               unsigned long word, unsigned long salt)
{
    return mix64(((uint64_t)owner << 48) ^ ((uint64_t)page << 32) ^
                 (word << 8) ^ salt);
}

static uint64_t *worker_pages(struct stress *s, unsigned w)
{
    return s->mem + w * s->pages * WORDS_PER_PAGE;
}

/* Store v at p with stores of the given width (the compiler must not
 * merge them: volatile). */
static void store_width(uint64_t *p, uint64_t v, unsigned width)
{
    unsigned i;

    switch (width) {
    case 8:
        *(volatile uint64_t *)p = v;
        break;
    case 4:
        for (i = 0; i < 2; i++) {
            ((volatile uint32_t *)p)[i] = v >> (32 * i);
        }
        break;
    case 2:
        for (i = 0; i < 4; i++) {
            ((volatile uint16_t *)p)[i] = v >> (16 * i);
        }
        break;
    default:
        for (i = 0; i < 8; i++) {
            ((volatile uint8_t *)p)[i] = v >> (8 * i);
        }
        break;
    }
}

static void memory_fill(struct stress *s, unsigned w, unsigned long salt,
                        unsigned width)
{
    uint64_t *p = worker_pages(s, w);
    unsigned long page, word;

    for (page = 0; page < s->pages; page++) {
        for (word = 0; word < WORDS_PER_PAGE; word++) {
            store_width(&p[page * WORDS_PER_PAGE + word],
                        memory_pattern(w, page, word, salt), width);
        }
    }
}

/* Check owner's pages; on a mismatch, say where in msg and fail. */
static bool memory_verify(struct stress *s, unsigned owner,
                          unsigned long salt, char *msg)
{
    const volatile uint64_t *p = worker_pages(s, owner);
    unsigned long page, word;

    for (page = 0; page < s->pages; page++) {
        for (word = 0; word < WORDS_PER_PAGE; word++) {
            uint64_t want = memory_pattern(owner, page, word, salt);
            uint64_t got = p[page * WORDS_PER_PAGE + word];

            if (got != want) {
                format(msg, MSG_SIZE, "page %lu of cpu %u, word %lu: "
                       "%016lx, expected %016lx (salt %lu)", page,
                       s->harts.cpu[owner], word, (unsigned long)got,
                       (unsigned long)want, salt);
                return false;
            }
        }
    }
    return true;
}

static int memory_worker(struct stress *s, unsigned w)
{
    unsigned n = s->harts.n;
    unsigned pass, other;

    for (pass = 0; pass < MEMORY_PASSES; pass++) {
        unsigned long salt = s->round * MEMORY_PASSES + pass;

        memory_fill(s, w, salt, 8 >> (pass % 4));
        /* Everyone has written their pages... */
        if (!barrier_wait(s->sh, n)) {
            return WORKER_ABORTED;
        }
        for (other = 1; other < n; other++) {
            if (!memory_verify(s, (w + other) % n, salt, s->sh->msg[w])) {
                return WORKER_FAILED;
            }
        }
        /* ...and everyone has read the others' before anyone rewrites. */
        if (!barrier_wait(s->sh, n)) {
            return WORKER_ABORTED;
        }
    }
    return WORKER_OK;
}

static enum result stress_memory(struct stress *s, char *detail, size_t size)
{
    reset_shared(s->sh);
    if (!run_workers(s, memory_worker, detail, size)) {
        return RESULT_FAIL;
    }
    format(detail, size, "%u workers x %lu pages, %u passes (8-, 4-, 2- "
           "and 1-byte stores), every page checked by the %u other "
           "harts", s->harts.n, s->pages, MEMORY_PASSES, s->harts.n - 1);
    return RESULT_PASS;
}

/* ------------------------------------------------------------------ */
/* The stress */

/* An unsigned decimal parameter in [min, max]; false if it is set to
 * something else (after saying so). */
static bool param(const char *name, unsigned long def, unsigned long min,
                  unsigned long max, unsigned long *val)
{
    char text[32];
    const char *end;

    *val = def;
    if (!cmdline_get(name, text, sizeof(text))) {
        return true;
    }
    *val = scan_ulong(text, &end);
    if (end == text || *end || end - text > 9 || *val < min || *val > max) {
        say(MARK "%s=%s: expected a number from %lu to %lu", name, text,
            min, max);
        *val = def;
        return false;
    }
    return true;
}

static const struct {
    const char *name;
    enum result (*fn)(struct stress *s, char *detail, size_t size);
} stress_checks[] = {
    { "atomics", stress_atomics },
    { "fork-storm", stress_fork_storm },
    { "memory", stress_memory },
};

#define N_STRESS_CHECKS (sizeof(stress_checks) / sizeof(stress_checks[0]))

static void *map_shared(size_t size)
{
    return mmap(NULL, size, PROT_READ | PROT_WRITE,
                MAP_SHARED | MAP_ANONYMOUS, -1, 0);
}

/* Run the stress; returns the number of failed checks. */
int run_smp_stress(void)
{
    struct stress s;
    unsigned long rounds, seconds, start;
    unsigned passed = 0, failed = 0;
    bool ok = true;
    size_t i;

    memset(&s, 0, sizeof(s));
    /* Every counter of the atomics check must fit in 32 bits. */
    ok &= param("grace.stress.iters", 20000, 1, 1000000, &s.iters);
    ok &= param("grace.stress.forks", 32, 1, 100000, &s.forks);
    ok &= param("grace.stress.pages", 16, 1, 4096, &s.pages);
    ok &= param("grace.stress.rounds", 1, 1, 1000000, &rounds);
    ok &= param("grace.stress.seconds", 0, 0, 1000000, &seconds);
    if (!online_cpus(&s.harts)) {
        say(MARK "smp-stress: cannot read the online CPUs");
        ok = false;
    }
    s.sh = map_shared(sizeof(*s.sh));
    s.mem = map_shared(s.harts.n * s.pages * PAGE_SIZE);
    if (s.sh == MAP_FAILED || s.mem == MAP_FAILED) {
        say(MARK "smp-stress: mmap failed, errno %d", errno);
        ok = false;
    }
    if (!ok) {
        say(MARK "smp-stress done: 0 rounds, 0 passed, 1 failed");
        return 1;
    }

    say(MARK "smp-stress: %u harts, iters %lu, forks %lu, pages %lu, "
        "rounds %lu, seconds %lu", s.harts.n, s.iters, s.forks, s.pages,
        rounds, seconds);
    start = now_ns();
    for (s.round = 1; ; s.round++) {
        for (i = 0; i < N_STRESS_CHECKS; i++) {
            char detail[256];
            unsigned long t0 = now_ns();
            enum result r = stress_checks[i].fn(&s, detail, sizeof(detail));
            unsigned long ms = (now_ns() - t0) / 1000000;

            if (r == RESULT_PASS) {
                passed++;
            } else {
                failed++;
            }
            say(MARK "smp %s: %s round %lu: %s (%lu ms)",
                stress_checks[i].name, r == RESULT_PASS ? "PASS" : "FAIL",
                s.round, detail, ms);
        }
        if (s.round >= rounds &&
            now_ns() - start >= seconds * 1000000000ul) {
            break;
        }
    }
    say(MARK "smp-stress done: %lu rounds, %u passed, %u failed", s.round,
        passed, failed);
    munmap(s.mem, s.harts.n * s.pages * PAGE_SIZE);
    munmap(s.sh, sizeof(*s.sh));
    return failed;
}

/* ------------------------------------------------------------------ */
/* smp-bench: the scaling benchmark's workload */

#define UNIT_WORDS 512
#define UNIT_ROUNDS 64

/*
 * One unit of work, CPU-bound and independent of every other: integer
 * arithmetic, multiplies, loads and stores in a 2 KiB table on the stack,
 * and a data-dependent branch.  tests/functional/guestinit.py has the
 * same computation in Python, to check the checksum.
 */
static uint64_t bench_unit(unsigned long u)
{
    uint32_t table[UNIT_WORDS];
    uint64_t x = mix64(u + 1), h = 0;
    unsigned r, j;

    for (j = 0; j < UNIT_WORDS; j++) {
        table[j] = mix64(x + j);
    }
    for (r = 0; r < UNIT_ROUNDS; r++) {
        for (j = 0; j < UNIT_WORDS; j++) {
            uint32_t k = table[(j * 7 + r) % UNIT_WORDS];

            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            table[j] = table[j] * 2654435761u + (uint32_t)x + k;
            if (table[j] & 1) {
                h += table[j];
            } else {
                h ^= (uint64_t)table[j] << 7;
            }
        }
    }
    return h;
}

/*
 * One unit of the TLB-miss workload: a store to every page of a private
 * buffer of n pages, then a load from every page, each pass in an order
 * of its own (a stride coprime with n), so that almost every access is
 * to a page the emulator's TLB does not hold.  The result depends only
 * on u.
 */
static uint64_t bench_unit_tlb(unsigned long u, uint64_t *buf, unsigned long n)
{
    const unsigned long words = 4096 / sizeof(uint64_t);
    unsigned long stride = 2 * (mix64(u) % (n / 2)) + 1, p = u % n, i;
    uint64_t h = 0;

    /* n is a power of two, so an odd stride visits every page once. */
    for (i = 0; i < n; i++, p = (p + stride) & (n - 1)) {
        buf[p * words + (p & (words - 1))] = mix64(u ^ p);
    }
    stride = 2 * (mix64(u + 1) % (n / 2)) + 1;
    for (i = 0; i < n; i++, p = (p + stride) & (n - 1)) {
        h = mix64(h ^ buf[p * words + (p & (words - 1))]);
    }
    return h;
}

/*
 * The page-fault and system-call unit u over a fresh buffer of n pages;
 * false if the buffer cannot be mapped.
 */
static bool bench_unit_fault(unsigned long u, unsigned long n, uint64_t *res)
{
    const unsigned long words = 4096 / sizeof(uint64_t);
    uint64_t *buf, h = 0;
    unsigned long p;

    buf = mmap(NULL, n * 4096, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) {
        return false;
    }
    for (p = 0; p < n; p++) {
        buf[p * words + (p & (words - 1))] = mix64(u ^ p);
        /* The worker's parent is init: the same answer every time. */
        h = mix64(h ^ (uint64_t)getppid());
    }
    for (p = 0; p < n; p++) {
        h = mix64(h ^ buf[p * words + (p & (words - 1))]);
    }
    *res = h;
    return munmap(buf, n * 4096) == 0;
}

static int bench_worker(struct stress *s, unsigned w)
{
    uint64_t *results = s->mem, *buf = NULL;
    unsigned long u;

    if (s->tlb_pages) {
        buf = mmap(NULL, s->tlb_pages * 4096, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (buf == MAP_FAILED) {
            return WORKER_FAILED;
        }
    }
    for (u = w; u < s->units; u += s->harts.n) {
        if (s->fault_pages) {
            if (!bench_unit_fault(u, s->fault_pages, &results[u])) {
                return WORKER_FAILED;
            }
        } else {
            results[u] = buf ? bench_unit_tlb(u, buf, s->tlb_pages)
                             : bench_unit(u);
        }
    }
    return WORKER_OK;
}

/* Run the workload; 0 on success. */
int run_smp_bench(void)
{
    struct stress s;
    unsigned long start, elapsed, u;
    uint64_t checksum = 0;
    char detail[256];
    bool ok;

    memset(&s, 0, sizeof(s));
    ok = param("grace.bench.units", 64, 1, 100000, &s.units);
    /* grace.bench.tlb=N: the TLB-miss workload over 2^N pages per hart. */
    ok &= param("grace.bench.tlb", 0, 0, 16, &s.tlb_pages);
    s.tlb_pages = s.tlb_pages ? 1UL << s.tlb_pages : 0;
    /* grace.bench.fault=N: system calls and page faults over 2^N pages. */
    ok &= param("grace.bench.fault", 0, 0, 12, &s.fault_pages);
    s.fault_pages = s.fault_pages ? 1UL << s.fault_pages : 0;
    if (s.tlb_pages && s.fault_pages) {
        say(MARK "smp-bench: grace.bench.tlb and grace.bench.fault exclude "
            "each other");
        ok = false;
    }
    if (!online_cpus(&s.harts)) {
        say(MARK "smp-bench: cannot read the online CPUs");
        ok = false;
    }
    s.sh = map_shared(sizeof(*s.sh));
    s.mem = map_shared(s.units * sizeof(uint64_t));
    if (s.sh == MAP_FAILED || s.mem == MAP_FAILED) {
        say(MARK "smp-bench: mmap failed, errno %d", errno);
        ok = false;
    }
    if (!ok) {
        say(MARK "smp-bench: FAIL bad parameters or no memory");
        return 1;
    }

    say(MARK "smp-bench: start %u workers, %lu units", s.harts.n, s.units);
    start = now_ns();
    ok = run_workers(&s, bench_worker, detail, sizeof(detail));
    elapsed = now_ns() - start;
    if (!ok) {
        say(MARK "smp-bench: FAIL %s", detail);
        return 1;
    }
    /* The units' results in order: the same whoever computed them. */
    for (u = 0; u < s.units; u++) {
        checksum = mix64(checksum ^ s.mem[u]);
    }
    say(MARK "smp-bench: PASS %u workers, %lu units in %lu ns, checksum "
        "%016lx", s.harts.n, s.units, elapsed, (unsigned long)checksum);
    return 0;
}
