/*
 * Grace test guest: the SMP checks of /init.
 *
 * check_cpus (one of the platform checks, in every mode) compares the
 * harts the device tree lists with the CPUs Linux brought online.
 */

#include "init.h"

/* Harts one check can use (the test kernel itself stops at 8). */
#define MAX_HARTS 64

/* The logical CPUs that are online, in increasing order. */
struct harts {
    unsigned n;
    unsigned cpu[MAX_HARTS];
};

/* ------------------------------------------------------------------ */
/* System calls that nolibc does not wrap */

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

/* ------------------------------------------------------------------ */
/* Helpers */

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

        /* "hart\t\t: 3" */
        if (strncmp(p, "hart", 4) == 0 && (p[4] == ' ' || p[4] == '\t')) {
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
