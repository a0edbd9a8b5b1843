/*
 * Grace test guest: the /init of the Linux initramfs.
 *
 * It runs as PID 1 on the console of the virt board, mounts proc, sysfs
 * and devtmpfs, checks that the platform works as Linux sees it, and
 * reports each result on one line, so that a test reading the serial
 * console can tell what worked:
 *
 *   GRACE-INIT: start
 *   GRACE-INIT: mode check
 *   GRACE-INIT: check fork: PASS 4 children exited with codes 10..13
 *   GRACE-INIT: check cpus: PASS 4 harts in the device tree (0-3), ...
 *   GRACE-INIT: check hwrng: SKIP no hardware RNG
 *   GRACE-INIT: checks done: 7 passed, 0 failed, 2 skipped
 *   GRACE-INIT: powering off
 *
 * What it does next is chosen on the kernel command line (read from
 * /proc/cmdline: the kernel keeps parameters with a dot from init):
 *
 *   grace.mode=shell     (the default) run the checks, then a tiny shell
 *                        on the console: "GRACE-INIT: shell ready", then
 *                        the prompt "grace# " before each command
 *   grace.mode=check     run the checks, then power off
 *   grace.mode=poweroff  power off at once, without the checks (the boot
 *                        benchmark measures boot to init and back)
 *   grace.mode=smp-stress  run the checks, then the SMP stress of smp.c
 *                        (atomics, a fork storm and memory checksums on
 *                        every hart at once), then power off
 *   grace.mode=smp-bench run smp.c's CPU-bound workload on every hart,
 *                        print its elapsed time, power off (the SMP
 *                        scaling benchmark)
 *   grace.mode=migrate   the live migration workload (below): workers
 *                        write and verify memory until "stop" is typed
 *                        on the console, then check and power off
 *   grace.blkwrite=1     the virtio-blk check also writes sector 1 of
 *                        /dev/vda (only on a scratch disk!)
 *
 * The shell's memory commands are the memory hot-plug tests' workload:
 *
 *   memtotal             "GRACE-INIT: memtotal N kB" (from /proc/meminfo)
 *   memtest MIB          allocate MIB MiB, fill every word with a value
 *                        derived from its address, read it all back and
 *                        print "GRACE-INIT: memtest MIB MiB: PASS
 *                        checksum 0x..." (or FAIL with the first bad word)
 *   memload start MIB    one worker per online hart, pinned to it, each
 *                        mapping, filling, checking and unmapping MIB MiB
 *                        in a loop until "memload stop", which prints
 *                        "GRACE-INIT: memload: R rounds, E errors on H
 *                        harts"; a worker prints any bad word at once
 *   memwatch on|off      a watcher that prints "GRACE-INIT: memtotal N
 *                        kB" whenever MemTotal changes (polled every
 *                        millisecond), for the hot-plug latency benchmark
 *
 * Powering off is reboot(LINUX_REBOOT_CMD_POWER_OFF), which Linux on the
 * virt board turns into SBI SRST and OpenSBI into a write to the
 * sifive_test finisher: the emulator then exits with status 0.
 *
 * Built with the kernel's nolibc as a static rv64imac/lp64 program: the
 * test kernel has no FPU support, so there must be no float instruction.
 * Output goes out one write() per line so that kernel messages do not
 * land in the middle of a marker.
 */

#include "init.h"
#include <linux/rtc.h>

/* Largest prefix of /dev/vda that the virtio-blk check reads and hashes. */
#define BLK_READ_MAX (1024 * 1024)
/* What the write check puts at the start of sector 1. */
#define BLK_WRITE_TEXT "grace virtio-blk write check\n"

enum mode {
    MODE_SHELL,
    MODE_CHECK,
    MODE_POWEROFF,
    MODE_SMP_STRESS,
    MODE_SMP_BENCH,
    MODE_MIGRATE,
};

static const char *const result_names[] = {
    [RESULT_PASS] = "PASS",
    [RESULT_FAIL] = "FAIL",
    [RESULT_SKIP] = "SKIP",
};

static const char *const mode_names[] = {
    [MODE_SHELL] = "shell",
    [MODE_CHECK] = "check",
    [MODE_POWEROFF] = "poweroff",
    [MODE_SMP_STRESS] = "smp-stress",
    [MODE_SMP_BENCH] = "smp-bench",
    [MODE_MIGRATE] = "migrate",
};

static bool blk_write_enabled;
static char blk_buf[BLK_READ_MAX];

/* ------------------------------------------------------------------ */
/* Output: a small formatter into a buffer, one write per line */

struct buf {
    char *p;
    size_t size;
    size_t len;
};

static void buf_putc(struct buf *b, char c)
{
    if (b->len + 1 < b->size) {
        b->p[b->len++] = c;
    }
    b->p[b->len] = '\0';
}

static void buf_puts(struct buf *b, const char *s)
{
    while (*s) {
        buf_putc(b, *s++);
    }
}

static void buf_putnum(struct buf *b, unsigned long v, unsigned base,
                       unsigned width, bool negative)
{
    char digits[24];
    unsigned n = 0;

    do {
        digits[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    while (n < width && n < sizeof(digits)) {
        digits[n++] = '0';
    }
    if (negative) {
        buf_putc(b, '-');
    }
    while (n) {
        buf_putc(b, digits[--n]);
    }
}

/*
 * vformat: %s, %c, %d, %u, %x with an optional zero-padded width (%08x)
 * and an optional 'l' (long), which is all this program prints.
 */
static void vformat(struct buf *b, const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        unsigned width = 0;
        bool is_long = false;
        long sv;

        if (*fmt != '%') {
            buf_putc(b, *fmt);
            continue;
        }
        fmt++;
        while (*fmt >= '0' && *fmt <= '9') {
            width = width * 10 + (*fmt++ - '0');
        }
        if (*fmt == 'l') {
            is_long = true;
            fmt++;
        }
        switch (*fmt) {
        case 's':
            buf_puts(b, va_arg(ap, const char *));
            break;
        case 'c':
            buf_putc(b, (char)va_arg(ap, int));
            break;
        case 'd':
            sv = is_long ? va_arg(ap, long) : va_arg(ap, int);
            buf_putnum(b, sv < 0 ? -(unsigned long)sv : (unsigned long)sv,
                       10, width, sv < 0);
            break;
        case 'u':
            buf_putnum(b, is_long ? va_arg(ap, unsigned long)
                                  : va_arg(ap, unsigned int),
                       10, width, false);
            break;
        case 'x':
            buf_putnum(b, is_long ? va_arg(ap, unsigned long)
                                  : va_arg(ap, unsigned int),
                       16, width, false);
            break;
        case '%':
            buf_putc(b, '%');
            break;
        default:
            /* Not a format this program uses: show it as it is. */
            buf_putc(b, '%');
            if (!*fmt) {
                return;
            }
            buf_putc(b, *fmt);
            break;
        }
    }
}

void format(char *dst, size_t size, const char *fmt, ...)
{
    struct buf b = { dst, size, 0 };
    va_list ap;

    dst[0] = '\0';
    va_start(ap, fmt);
    vformat(&b, fmt, ap);
    va_end(ap);
}

static void write_all(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return;
        }
        p += n;
        len -= n;
    }
}

/* Print one line (a newline is added) with a single write. */
void say(const char *fmt, ...)
{
    char line[512];
    struct buf b = { line, sizeof(line) - 1, 0 };
    va_list ap;

    line[0] = '\0';
    va_start(ap, fmt);
    vformat(&b, fmt, ap);
    va_end(ap);
    line[b.len++] = '\n';
    write_all(1, line, b.len);
}

/* ------------------------------------------------------------------ */
/* Small helpers over system calls that nolibc does not wrap */

int clock_gettime_ns(int clock, unsigned long *ns)
{
    struct timespec ts;
    long ret = my_syscall2(__NR_clock_gettime, clock, &ts);

    if (ret < 0) {
        return -1;
    }
    *ns = (unsigned long)ts.tv_sec * 1000000000ul + ts.tv_nsec;
    return 0;
}

int sleep_ns(unsigned long ns)
{
    struct timespec ts = {
        .tv_sec = ns / 1000000000ul,
        .tv_nsec = ns % 1000000000ul,
    };

    return my_syscall2(__NR_nanosleep, &ts, NULL) < 0 ? -1 : 0;
}

static void sync_all(void)
{
    my_syscall0(__NR_sync);
}

/* Read len bytes, or fewer at end of file or on an error; the count. */
static size_t read_full(int fd, void *buf, size_t len)
{
    size_t got = 0;

    while (got < len) {
        ssize_t n = read(fd, (char *)buf + got, len - got);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        got += n;
    }
    return got;
}

/* Read a whole small file into buf (NUL-terminated); length or -1. */
long read_file(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY);
    size_t len;

    if (fd < 0) {
        return -1;
    }
    len = read_full(fd, buf, size - 1);
    close(fd);
    buf[len] = '\0';
    return len;
}

int for_each_dirent(const char *path, DirentFn *fn, void *opaque)
{
    char entries[1024];
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    int n, err;

    if (fd < 0) {
        return -errno;
    }
    while ((n = getdents64(fd, (struct linux_dirent64 *)entries,
                           sizeof(entries))) > 0) {
        int off = 0;

        while (off < n) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)
                                       (entries + off);

            off += d->d_reclen;
            if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0) {
                continue;
            }
            if (!fn(d->d_name, d->d_type, opaque)) {
                close(fd);
                return 0;
            }
        }
    }
    err = n < 0 ? -errno : 0;
    close(fd);
    return err;
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The first line of text that starts with prefix, or NULL. */
static char *find_line(char *text, const char *prefix)
{
    while (text && *text) {
        char *nl = strchr(text, '\n');

        if (starts_with(text, prefix)) {
            return text;
        }
        text = nl ? nl + 1 : NULL;
    }
    return NULL;
}

/* The value of NAME= on the kernel command line, copied into val. */
bool cmdline_get(const char *name, char *val, size_t size)
{
    char cmdline[1024];
    char *p = cmdline;
    size_t name_len = strlen(name);

    if (read_file("/proc/cmdline", cmdline, sizeof(cmdline)) < 0) {
        return false;
    }
    while (*p) {
        char *word = p;
        size_t len = 0;

        while (*p && *p != ' ' && *p != '\n') {
            p++;
        }
        if (strncmp(word, name, name_len) == 0 && word[name_len] == '=') {
            char *v = word + name_len + 1;

            while (v < p && len + 1 < size) {
                val[len++] = *v++;
            }
            val[len] = '\0';
            return true;
        }
        while (*p == ' ' || *p == '\n') {
            p++;
        }
    }
    return false;
}

static unsigned fnv1a(const unsigned char *p, size_t len)
{
    unsigned h = 0x811c9dc5u;

    while (len--) {
        h ^= *p++;
        h *= 0x01000193u;
    }
    return h;
}

/* ------------------------------------------------------------------ */
/* Checks: each fills detail with one line and returns its verdict */

static const struct {
    const char *type;
    const char *dir;
} mounts[] = {
    { "proc", "/proc" },
    { "sysfs", "/sys" },
    { "devtmpfs", "/dev" },
};

static bool mounts_ok;

static enum result check_mounts(char *detail, size_t size)
{
    format(detail, size, "%s", mounts_ok ? "proc, sysfs, devtmpfs"
                                          : "see the mount errors above");
    return mounts_ok ? RESULT_PASS : RESULT_FAIL;
}

static enum result check_memory(char *detail, size_t size)
{
    char meminfo[2048];
    char *p;

    if (read_file("/proc/meminfo", meminfo, sizeof(meminfo)) < 0) {
        format(detail, size, "cannot read /proc/meminfo");
        return RESULT_FAIL;
    }
    p = find_line(meminfo, "MemTotal:");
    if (!p) {
        format(detail, size, "no MemTotal in /proc/meminfo");
        return RESULT_FAIL;
    }
    p += strlen("MemTotal:");
    while (*p == ' ') {
        p++;
    }
    if (atol(p) <= 0) {
        format(detail, size, "MemTotal is not a positive number");
        return RESULT_FAIL;
    }
    format(detail, size, "MemTotal %ld kB", atol(p));
    return RESULT_PASS;
}

#define FORK_CHILDREN 4

static enum result check_fork(char *detail, size_t size)
{
    pid_t pids[FORK_CHILDREN];
    pid_t self = getpid();
    int i;

    for (i = 0; i < FORK_CHILDREN; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            /* The child proves it is a new process, then exits. */
            exit(getpid() != self ? 10 + i : 99);
        }
        if (pids[i] < 0) {
            format(detail, size, "fork %d failed, errno %d", i, errno);
            while (--i >= 0) {
                waitpid(pids[i], NULL, 0);
            }
            return RESULT_FAIL;
        }
    }
    /* Reap in reverse order, to show waitpid picks the right child. */
    for (i = FORK_CHILDREN - 1; i >= 0; i--) {
        int status = 0;
        pid_t got = waitpid(pids[i], &status, 0);

        if (got != pids[i]) {
            format(detail, size, "waitpid(%d) returned %d", pids[i], got);
            return RESULT_FAIL;
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 10 + i) {
            format(detail, size, "child %d: status 0x%x, expected exit %d",
                   i, status, 10 + i);
            return RESULT_FAIL;
        }
    }
    format(detail, size, "%d children exited with codes 10..%d",
           FORK_CHILDREN, 10 + FORK_CHILDREN - 1);
    return RESULT_PASS;
}

#define CLOCK_SLEEP_NS 20000000ul

static enum result check_clock(char *detail, size_t size)
{
    unsigned long t0, t1, real;

    if (clock_gettime_ns(CLOCK_MONOTONIC, &t0) < 0 ||
        sleep_ns(CLOCK_SLEEP_NS) < 0 ||
        clock_gettime_ns(CLOCK_MONOTONIC, &t1) < 0 ||
        clock_gettime_ns(CLOCK_REALTIME, &real) < 0) {
        format(detail, size, "clock_gettime or nanosleep failed");
        return RESULT_FAIL;
    }
    if (t1 < t0 + CLOCK_SLEEP_NS) {
        format(detail, size, "monotonic advanced %lu us across a %lu us sleep",
               (t1 - t0) / 1000, CLOCK_SLEEP_NS / 1000);
        return RESULT_FAIL;
    }
    format(detail, size,
           "monotonic advanced %lu us across a %lu us sleep, realtime %lu s",
           (t1 - t0) / 1000, CLOCK_SLEEP_NS / 1000, real / 1000000000ul);
    return RESULT_PASS;
}

static enum result check_rtc(char *detail, size_t size)
{
    struct rtc_time tm;
    int fd = open("/dev/rtc0", O_RDONLY);
    int ret;

    if (fd < 0) {
        format(detail, size, "no /dev/rtc0");
        return RESULT_SKIP;
    }
    memset(&tm, 0, sizeof(tm));
    ret = ioctl(fd, RTC_RD_TIME, &tm);
    close(fd);
    if (ret < 0) {
        format(detail, size, "RTC_RD_TIME failed, errno %d", errno);
        return RESULT_FAIL;
    }
    format(detail, size, "%d-%02d-%02d %02d:%02d:%02d UTC",
           tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
           tm.tm_hour, tm.tm_min, tm.tm_sec);
    /* The RTC tells the host's time, which is later than this program. */
    return tm.tm_year + 1900 >= 2023 ? RESULT_PASS : RESULT_FAIL;
}

/* Read len bytes of randomness; false if short or obviously not random. */
static bool read_random(const char *path, unsigned char *p, size_t len,
                        char *detail, size_t size)
{
    int fd = open(path, O_RDONLY);
    size_t got, i, same = 0;

    if (fd < 0) {
        format(detail, size, "cannot open %s, errno %d", path, errno);
        return false;
    }
    got = read_full(fd, p, len);
    close(fd);
    if (got != len) {
        format(detail, size, "read %lu of %lu bytes from %s",
               (unsigned long)got, (unsigned long)len, path);
        return false;
    }
    for (i = 1; i < len; i++) {
        same += p[i] == p[0];
    }
    if (same == len - 1) {
        format(detail, size, "%lu bytes from %s all equal 0x%02x",
               (unsigned long)len, path, p[0]);
        return false;
    }
    return true;
}

static enum result check_urandom(char *detail, size_t size)
{
    unsigned char bytes[32];

    if (!read_random("/dev/urandom", bytes, sizeof(bytes), detail, size)) {
        return RESULT_FAIL;
    }
    format(detail, size, "%lu bytes, first %02x%02x%02x%02x",
           (unsigned long)sizeof(bytes), bytes[0], bytes[1], bytes[2],
           bytes[3]);
    return RESULT_PASS;
}

static enum result check_hwrng(char *detail, size_t size)
{
    char current[64];
    unsigned char bytes[32];
    char *nl;

    if (read_file("/sys/class/misc/hw_random/rng_current", current,
                  sizeof(current)) <= 0 ||
        starts_with(current, "none")) {
        format(detail, size, "no hardware RNG");
        return RESULT_SKIP;
    }
    nl = strchr(current, '\n');
    if (nl) {
        *nl = '\0';
    }
    if (!read_random("/dev/hwrng", bytes, sizeof(bytes), detail, size)) {
        return RESULT_FAIL;
    }
    format(detail, size, "%s: %lu bytes, first %02x%02x%02x%02x", current,
           (unsigned long)sizeof(bytes), bytes[0], bytes[1], bytes[2],
           bytes[3]);
    return RESULT_PASS;
}

/* Write sector 1 and flush it to the device (grace.blkwrite=1 only). */
static bool blk_write_sector1(int fd, char *detail, size_t size)
{
    char sector[512];

    memset(sector, 0, sizeof(sector));
    memcpy(sector, BLK_WRITE_TEXT, strlen(BLK_WRITE_TEXT));
    if (lseek(fd, 512, SEEK_SET) != 512 ||
        write(fd, sector, sizeof(sector)) != (ssize_t)sizeof(sector)) {
        format(detail, size, "cannot write sector 1, errno %d", errno);
        return false;
    }
    if (fsync(fd) < 0) {
        format(detail, size, "fsync after the write failed, errno %d", errno);
        return false;
    }
    return true;
}

static enum result check_virtio_blk(char *detail, size_t size)
{
    char text[64];
    unsigned long sectors, want;
    size_t got;
    int fd;

    if (read_file("/sys/block/vda/size", text, sizeof(text)) <= 0) {
        format(detail, size, "no virtio-blk disk");
        return RESULT_SKIP;
    }
    sectors = atol(text);
    want = sectors * 512 < BLK_READ_MAX ? sectors * 512 : BLK_READ_MAX;
    fd = open("/dev/vda", blk_write_enabled ? O_RDWR : O_RDONLY);
    if (fd < 0) {
        format(detail, size, "cannot open /dev/vda, errno %d", errno);
        return RESULT_FAIL;
    }
    got = read_full(fd, blk_buf, want);
    if (got != want) {
        format(detail, size, "read %lu of %lu bytes, errno %d",
               (unsigned long)got, want, errno);
        close(fd);
        return RESULT_FAIL;
    }
    if (blk_write_enabled && !blk_write_sector1(fd, detail, size)) {
        close(fd);
        return RESULT_FAIL;
    }
    close(fd);
    format(detail, size, "vda %lu sectors, fnv1a of the first %lu bytes"
           " 0x%08x%s", sectors, want, fnv1a((unsigned char *)blk_buf, want),
           blk_write_enabled ? ", wrote sector 1" : "");
    return RESULT_PASS;
}

static const struct {
    const char *name;
    CheckFn fn;
} checks[] = {
    { "mounts", check_mounts },
    { "memory", check_memory },
    { "cpus", check_cpus },
    { "fork", check_fork },
    { "clock", check_clock },
    { "rtc", check_rtc },
    { "urandom", check_urandom },
    { "hwrng", check_hwrng },
    { "virtio-blk", check_virtio_blk },
};

/* Run every check; returns the number that failed. */
static int run_checks(void)
{
    unsigned counts[3] = { 0, 0, 0 };
    size_t i;

    for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
        char detail[256];
        enum result r = checks[i].fn(detail, sizeof(detail));

        counts[r]++;
        say(MARK "check %s: %s %s", checks[i].name, result_names[r], detail);
    }
    say(MARK "checks done: %u passed, %u failed, %u skipped",
        counts[RESULT_PASS], counts[RESULT_FAIL], counts[RESULT_SKIP]);
    return counts[RESULT_FAIL];
}

/* ------------------------------------------------------------------ */
/* Memory: the memory hot-plug tests' workload */

#define MIB (1024ul * 1024ul)

/* MemTotal in kB, or -1. */
static long memtotal_kb(void)
{
    char meminfo[2048];
    char *p;

    if (read_file("/proc/meminfo", meminfo, sizeof(meminfo)) < 0) {
        return -1;
    }
    p = find_line(meminfo, "MemTotal:");
    if (!p) {
        return -1;
    }
    p += strlen("MemTotal:");
    while (*p == ' ') {
        p++;
    }
    return atol(p);
}

/* What word i of a fill with seed holds: no two words alike. */
static unsigned long mem_pattern(unsigned long i, unsigned long seed)
{
    unsigned long x = (i + 1) * 0x9e3779b97f4a7c15ul ^ seed;

    return x ^ (x >> 29);
}

/*
 * Map len bytes, fill them, read them back: 0 and the checksum in *sum,
 * or -1 (no memory) or the 1 + index of the first bad word in *bad.
 */
static int mem_fill_check(unsigned long len, unsigned long seed,
                          unsigned long *sum, unsigned long *bad)
{
    unsigned long n = len / sizeof(unsigned long), s = 0;
    unsigned long *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    *bad = 0;
    if (p == MAP_FAILED) {
        return -1;
    }
    for (unsigned long i = 0; i < n; i++) {
        p[i] = mem_pattern(i, seed);
    }
    for (unsigned long i = 0; i < n; i++) {
        if (p[i] != mem_pattern(i, seed)) {
            *bad = i + 1;
            break;
        }
        s = s * 31 + p[i];
    }
    munmap(p, len);
    *sum = s;
    return 0;
}

/* A positive number of MiB from a shell word, or 0. */
static unsigned long parse_mib(const char *word)
{
    long v = atol(word);

    return v > 0 && v < (1l << 20) ? (unsigned long)v : 0;
}

static void cmd_memtotal(int argc, char **argv)
{
    say(MARK "memtotal %ld kB", memtotal_kb());
}

static void cmd_memtest(int argc, char **argv)
{
    unsigned long mib = argc == 2 ? parse_mib(argv[1]) : 0;
    unsigned long sum, bad, t0, t1;

    if (!mib) {
        say("memtest: usage: memtest MIB");
        return;
    }
    clock_gettime_ns(CLOCK_MONOTONIC, &t0);
    if (mem_fill_check(mib * MIB, mib, &sum, &bad) < 0) {
        say(MARK "memtest %lu MiB: FAIL cannot map it, errno %d", mib, errno);
        return;
    }
    clock_gettime_ns(CLOCK_MONOTONIC, &t1);
    if (bad) {
        say(MARK "memtest %lu MiB: FAIL word %lu reads back wrong", mib,
            bad - 1);
        return;
    }
    say(MARK "memtest %lu MiB: PASS checksum 0x%lx in %lu ms", mib, sum,
        (t1 - t0) / 1000000ul);
}

/* The online harts (from "0-3" or "0,2-3"), as a bit mask. */
static unsigned long online_harts(void)
{
    char buf[128];
    unsigned long mask = 0;
    char *p = buf;

    if (read_file("/sys/devices/system/cpu/online", buf, sizeof(buf)) < 0) {
        return 1;
    }
    while (*p >= '0' && *p <= '9') {
        long lo = atol(p), hi;

        while (*p >= '0' && *p <= '9') {
            p++;
        }
        hi = lo;
        if (*p == '-') {
            hi = atol(++p);
            while (*p >= '0' && *p <= '9') {
                p++;
            }
        }
        for (long h = lo; h <= hi && h < 64; h++) {
            mask |= 1ul << h;
        }
        if (*p == ',') {
            p++;
        }
    }
    return mask ? mask : 1;
}

#define MEMLOAD_MAX 64

/* Shared with the workers: what each has done. */
struct memload_stats {
    unsigned long rounds[MEMLOAD_MAX];
    unsigned long errors[MEMLOAD_MAX];
};

static struct memload_stats *memload_stats;
static pid_t memload_pids[MEMLOAD_MAX];
static int memload_workers;
static pid_t memwatch_pid;

/* A worker: pinned to hart, fill and check mib MiB until killed. */
static void memload_worker(int slot, int hart, unsigned long mib)
{
    unsigned long mask = 1ul << hart;
    unsigned long sum, bad;

    if (my_syscall3(__NR_sched_setaffinity, 0, sizeof(mask), &mask) < 0) {
        say(MARK "memload hart %d: FAIL cannot pin, errno %d", hart, errno);
    }
    for (unsigned long round = 0;; round++) {
        if (mem_fill_check(mib * MIB, round * 64 + hart, &sum, &bad) < 0 ||
            bad) {
            __atomic_add_fetch(&memload_stats->errors[slot], 1,
                               __ATOMIC_RELAXED);
            say(MARK "memload hart %d: FAIL round %lu: %s %lu", hart, round,
                bad ? "bad word" : "no memory, errno", bad ? bad - 1
                                                           : (unsigned long)
                                                             errno);
        }
        __atomic_add_fetch(&memload_stats->rounds[slot], 1,
                           __ATOMIC_RELAXED);
    }
}

static void memload_stop(void)
{
    unsigned long rounds = 0, errors = 0;

    for (int i = 0; i < memload_workers; i++) {
        kill(memload_pids[i], SIGKILL);
        waitpid(memload_pids[i], NULL, 0);
        rounds += memload_stats->rounds[i];
        errors += memload_stats->errors[i];
    }
    say(MARK "memload: %lu rounds, %lu errors on %d harts", rounds, errors,
        memload_workers);
    memload_workers = 0;
}

static void cmd_memload(int argc, char **argv)
{
    unsigned long harts = online_harts();
    unsigned long mib = argc == 3 ? parse_mib(argv[2]) : 0;

    if (argc == 2 && strcmp(argv[1], "stop") == 0) {
        if (!memload_workers) {
            say("memload: not running");
            return;
        }
        memload_stop();
        return;
    }
    if (argc != 3 || strcmp(argv[1], "start") != 0 || !mib) {
        say("memload: usage: memload start MIB | memload stop");
        return;
    }
    if (memload_workers) {
        say("memload: already running");
        return;
    }
    if (!memload_stats) {
        memload_stats = mmap(NULL, sizeof(*memload_stats),
                             PROT_READ | PROT_WRITE,
                             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (memload_stats == MAP_FAILED) {
            memload_stats = NULL;
            say(MARK "memload: FAIL no shared page, errno %d", errno);
            return;
        }
    }
    memset(memload_stats, 0, sizeof(*memload_stats));
    for (int hart = 0; hart < MEMLOAD_MAX; hart++) {
        pid_t pid;

        if (!(harts & (1ul << hart))) {
            continue;
        }
        pid = fork();
        if (pid == 0) {
            memload_worker(memload_workers, hart, mib);
        }
        if (pid < 0) {
            say(MARK "memload: FAIL fork, errno %d", errno);
            break;
        }
        memload_pids[memload_workers++] = pid;
    }
    say(MARK "memload: %d workers of %lu MiB", memload_workers, mib);
}

/* The watcher: prints MemTotal when it changes, until killed. */
static void memwatch(void)
{
    long last = -1;

    for (;;) {
        long kb = memtotal_kb();

        if (kb != last) {
            say(MARK "memtotal %ld kB", kb);
            last = kb;
        }
        sleep_ns(1000000ul);
    }
}

static void cmd_memwatch(int argc, char **argv)
{
    bool on = argc == 2 && strcmp(argv[1], "on") == 0;

    if (argc != 2 || (!on && strcmp(argv[1], "off") != 0)) {
        say("memwatch: usage: memwatch on|off");
        return;
    }
    if (memwatch_pid) {
        kill(memwatch_pid, SIGKILL);
        waitpid(memwatch_pid, NULL, 0);
        memwatch_pid = 0;
    }
    if (on) {
        memwatch_pid = fork();
        if (memwatch_pid == 0) {
            memwatch();
        }
        if (memwatch_pid < 0) {
            say("memwatch: fork failed, errno %d", errno);
            memwatch_pid = 0;
        }
    }
}

/* ------------------------------------------------------------------ */
/* Power */

static void power(int cmd, const char *what)
{
    say(MARK "%s", what);
    sync_all();
    reboot(cmd);
    /* Still here: the kernel refused.  PID 1 must not exit, so go on. */
    say(MARK "reboot(0x%x) failed, errno %d", cmd, errno);
}

/* ------------------------------------------------------------------ */
/* The shell */

#define SHELL_MAX_ARGS 16

typedef void (*CommandFn)(int argc, char **argv);

static void cmd_help(int argc, char **argv);

static void cmd_echo(int argc, char **argv)
{
    char line[512];
    struct buf b = { line, sizeof(line), 0 };
    int i;

    line[0] = '\0';
    for (i = 1; i < argc; i++) {
        if (i > 1) {
            buf_putc(&b, ' ');
        }
        buf_puts(&b, argv[i]);
    }
    say("%s", line);
}

static void cmd_cat(int argc, char **argv)
{
    char chunk[512];
    int i;

    if (argc < 2) {
        say("cat: usage: cat FILE...");
        return;
    }
    for (i = 1; i < argc; i++) {
        int fd = open(argv[i], O_RDONLY);
        ssize_t n;

        if (fd < 0) {
            say("cat: %s: cannot open, errno %d", argv[i], errno);
            continue;
        }
        while ((n = read(fd, chunk, sizeof(chunk))) > 0 ||
               (n < 0 && errno == EINTR)) {
            if (n > 0) {
                write_all(1, chunk, n);
            }
        }
        if (n < 0) {
            say("cat: %s: read error, errno %d", argv[i], errno);
        }
        close(fd);
    }
}

static bool print_dirent(const char *name, unsigned type, void *opaque)
{
    say("%s%s", name, type == DT_DIR ? "/" : "");
    return true;
}

static void list_dir(const char *path)
{
    int err = for_each_dirent(path, print_dirent, NULL);

    if (err < 0) {
        say("ls: %s: cannot list, errno %d", path, -err);
    }
}

static void cmd_ls(int argc, char **argv)
{
    int i;

    if (argc < 2) {
        list_dir(".");
        return;
    }
    for (i = 1; i < argc; i++) {
        if (argc > 2) {
            say("%s:", argv[i]);
        }
        list_dir(argv[i]);
    }
}

static void cmd_checks(int argc, char **argv)
{
    run_checks();
}

static void cmd_poweroff(int argc, char **argv)
{
    power(LINUX_REBOOT_CMD_POWER_OFF, "powering off");
}

static void cmd_reboot(int argc, char **argv)
{
    power(LINUX_REBOOT_CMD_RESTART, "rebooting");
}

static const struct {
    const char *name;
    CommandFn fn;
    const char *help;
} commands[] = {
    { "help", cmd_help, "list the commands" },
    { "echo", cmd_echo, "echo [WORD...]: print the words" },
    { "cat", cmd_cat, "cat FILE...: print files" },
    { "ls", cmd_ls, "ls [DIR...]: list directories" },
    { "checks", cmd_checks, "run the platform checks again" },
    { "memtotal", cmd_memtotal, "print MemTotal" },
    { "memtest", cmd_memtest, "memtest MIB: fill and check MIB MiB" },
    { "memload", cmd_memload, "memload start MIB | stop: fill and check "
      "MIB MiB on every hart until stopped" },
    { "memwatch", cmd_memwatch, "memwatch on|off: print MemTotal when it "
      "changes" },
    { "poweroff", cmd_poweroff, "power the machine off" },
    { "reboot", cmd_reboot, "reset the machine" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void cmd_help(int argc, char **argv)
{
    size_t i;

    for (i = 0; i < N_COMMANDS; i++) {
        say("  %s - %s", commands[i].name, commands[i].help);
    }
}

/* Split line into words separated by blanks; returns the word count. */
static int split_words(char *line, char **argv, int max)
{
    int argc = 0;
    char *p = line;

    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
            *p++ = '\0';
        }
        if (!*p) {
            return argc;
        }
        if (argc == max) {
            return -1;
        }
        argv[argc++] = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') {
            p++;
        }
    }
}

static void shell_command(char *line)
{
    char *argv[SHELL_MAX_ARGS + 1];
    int argc = split_words(line, argv, SHELL_MAX_ARGS);
    size_t i;

    if (argc < 0) {
        say("grace-sh: too many words (at most %d)", SHELL_MAX_ARGS);
        return;
    }
    if (argc == 0) {
        return;
    }
    argv[argc] = NULL;
    for (i = 0; i < N_COMMANDS; i++) {
        if (strcmp(argv[0], commands[i].name) == 0) {
            commands[i].fn(argc, argv);
            return;
        }
    }
    say("grace-sh: %s: unknown command (try help)", argv[0]);
}

static void shell(void)
{
    char line[256];

    say(MARK "shell ready");
    for (;;) {
        ssize_t n;

        write_all(1, "grace# ", 7);
        /* The console is in canonical mode: one read, one line. */
        n = read(0, line, sizeof(line) - 1);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            /* No console input (EOF or error): wait rather than spin. */
            sleep_ns(1000000000ul);
            continue;
        }
        line[n] = '\0';
        if (line[n - 1] != '\n' && n == sizeof(line) - 1) {
            say("grace-sh: line too long (at most %u bytes)",
                (unsigned)sizeof(line) - 2);
            /* Drop the rest of the line. */
            while ((n = read(0, line, sizeof(line) - 1)) > 0 &&
                   line[n - 1] != '\n') {
                continue;
            }
            continue;
        }
        shell_command(line);
    }
}

/* ------------------------------------------------------------------ */
/* The live migration workload */

/*
 * One worker per CPU (pinned), each owning a region of memory it sweeps
 * page by page: every 8-byte word of a page must hold the value of the
 * current generation before the worker writes the next one, so a page
 * that migration lost or sent stale is caught at the next sweep.  Every
 * page a worker finishes also counts in a shared counter with an atomic
 * add (an AMO), and in the worker's own counter: at the end both must
 * agree.  The parent prints a tick line every second until "stop" comes
 * on the console; then each worker checks its whole region once more
 * and exits, and the parent prints the verdict and powers off:
 *
 *   GRACE-INIT: migrate ready: 4 workers, 8 MiB each, rate slow
 *   GRACE-INIT: migrate tick 3: counter 123456
 *   GRACE-INIT: migrate verify: PASS counter 234567, 4 workers ...
 *
 * grace.migrate_mb=N sets each region's size (default 8), and
 * grace.migrate_rate=fast makes the workers write without pause (slow,
 * the default, sleeps 20 ms after each sweep).
 */

#define MIGRATE_MAX_WORKERS 64
#define MIGRATE_PAGE        4096

struct migrate_shared {
    unsigned long counter;                  /* AMO-incremented */
    unsigned long pages[MIGRATE_MAX_WORKERS];   /* each worker's own */
    unsigned long sweeps[MIGRATE_MAX_WORKERS];
    int stop;
    int errors;
    char error[256];
};

/* Generation 0 is the zero page a fresh mapping starts with. */
static unsigned long migrate_word(unsigned w, unsigned long page,
                                  unsigned i, unsigned long gen)
{
    unsigned long x = ((unsigned long)w << 56) ^ (page << 24) ^
                      ((unsigned long)i << 12) ^ gen;

    if (!gen) {
        return 0;
    }
    x ^= x >> 29;
    x *= 0x9e3779b97f4a7c15ul;
    return x ^ (x >> 32);
}

/* Check page p holds generation gen; record the first mismatch. */
static bool migrate_check_page(struct migrate_shared *sh, unsigned w,
                               const unsigned long *page, unsigned long p,
                               unsigned long gen)
{
    for (unsigned i = 0; i < MIGRATE_PAGE / 8; i++) {
        unsigned long want = migrate_word(w, p, i, gen);

        if (page[i] != want) {
            if (__atomic_fetch_add(&sh->errors, 1, __ATOMIC_SEQ_CST) == 0) {
                format(sh->error, sizeof(sh->error), "worker %u page %lu "
                       "word %u: 0x%lx, expected 0x%lx (generation %lu)",
                       w, p, i, page[i], want, gen);
            }
            return false;
        }
    }
    return true;
}

static void migrate_worker(struct migrate_shared *sh, unsigned w,
                           unsigned long npages, bool fast)
{
    unsigned long mask[16] = { 0 };
    unsigned long *mem;
    unsigned long gen = 0;

    /* Pinned, so that every CPU of the guest writes memory. */
    mask[w / 64] = 1ul << (w % 64);
    my_syscall3(__NR_sched_setaffinity, 0, sizeof(mask), mask);
    mem = mmap(NULL, npages * MIGRATE_PAGE, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) {
        format(sh->error, sizeof(sh->error), "worker %u: mmap failed, "
               "errno %d", w, errno);
        __atomic_fetch_add(&sh->errors, 1, __ATOMIC_SEQ_CST);
        exit(1);
    }
    for (;;) {
        for (unsigned long p = 0; p < npages; p++) {
            unsigned long *page = mem + p * (MIGRATE_PAGE / 8);

            if (__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE)) {
                /* Pages before p hold gen + 1, the rest gen. */
                for (unsigned long q = 0; q < npages; q++) {
                    if (!migrate_check_page(sh, w, mem + q *
                                            (MIGRATE_PAGE / 8), q,
                                            q < p ? gen + 1 : gen)) {
                        exit(1);
                    }
                }
                exit(0);
            }
            if (!migrate_check_page(sh, w, page, p, gen)) {
                exit(1);
            }
            for (unsigned i = 0; i < MIGRATE_PAGE / 8; i++) {
                page[i] = migrate_word(w, p, i, gen + 1);
            }
            __atomic_fetch_add(&sh->counter, 1, __ATOMIC_RELAXED);
            __atomic_store_n(&sh->pages[w], sh->pages[w] + 1,
                             __ATOMIC_RELAXED);
        }
        gen++;
        __atomic_store_n(&sh->sweeps[w], gen, __ATOMIC_RELAXED);
        if (!fast) {
            sleep_ns(20000000ul);
        }
    }
}

/* How many CPUs this process may run on. */
static unsigned online_cpus(void)
{
    unsigned long mask[16] = { 0 };
    long n = my_syscall3(__NR_sched_getaffinity, 0, sizeof(mask), mask);
    unsigned count = 0;

    /* Bit by bit: libgcc's popcount is hard-float, we are soft-float. */
    for (long i = 0; n > 0 && i < n * 8; i++) {
        count += (mask[i / 64] >> (i % 64)) & 1;
    }
    return count ? count : 1;
}

/* Did a line saying "stop" arrive on the console within ms? */
static bool console_says_stop(int ms)
{
    struct pollfd pfd = { .fd = 0, .events = POLLIN };
    char line[64];
    ssize_t n;

    if (poll(&pfd, 1, ms) <= 0) {
        return false;
    }
    n = read(0, line, sizeof(line) - 1);
    if (n <= 0) {
        sleep_ns((unsigned long)ms * 1000000ul);
        return false;
    }
    line[n] = '\0';
    return starts_with(line, "stop");
}

static void migrate_workload(void)
{
    struct migrate_shared *sh;
    pid_t pids[MIGRATE_MAX_WORKERS];
    unsigned workers = online_cpus(), mb = 8, failed = 0;
    unsigned long total_pages = 0, sweeps = 0;
    char val[16];
    bool fast = false;
    unsigned tick = 0;

    if (cmdline_get("grace.migrate_mb", val, sizeof(val))) {
        mb = atoi(val);
        mb = mb ? mb : 1;
    }
    if (cmdline_get("grace.migrate_rate", val, sizeof(val))) {
        fast = strcmp(val, "fast") == 0;
    }
    workers = workers > MIGRATE_MAX_WORKERS ? MIGRATE_MAX_WORKERS : workers;
    sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
              MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
        say(MARK "migrate verify: FAIL cannot map shared memory, errno %d",
            errno);
        return;
    }
    for (unsigned w = 0; w < workers; w++) {
        pids[w] = fork();
        if (pids[w] == 0) {
            migrate_worker(sh, w, (unsigned long)mb * 1048576 / MIGRATE_PAGE,
                           fast);
        }
    }
    say(MARK "migrate ready: %u workers, %u MiB each, rate %s", workers, mb,
        fast ? "fast" : "slow");
    while (!console_says_stop(1000)) {
        say(MARK "migrate tick %u: counter %lu", ++tick,
            __atomic_load_n(&sh->counter, __ATOMIC_RELAXED));
    }
    __atomic_store_n(&sh->stop, 1, __ATOMIC_RELEASE);
    for (unsigned w = 0; w < workers; w++) {
        int status = 0;

        if (waitpid(pids[w], &status, 0) != pids[w] || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0) {
            failed++;
        }
        total_pages += sh->pages[w];
        sweeps += sh->sweeps[w];
    }
    if (failed || sh->errors) {
        say(MARK "migrate verify: FAIL %u workers failed: %s", failed,
            sh->error[0] ? sh->error : "(no detail)");
    } else if (total_pages != sh->counter) {
        say(MARK "migrate verify: FAIL counter %lu, but the workers wrote "
            "%lu pages", sh->counter, total_pages);
    } else {
        say(MARK "migrate verify: PASS counter %lu, %u workers, %lu sweeps",
            sh->counter, workers, sweeps);
    }
}

/* ------------------------------------------------------------------ */

static void mount_all(void)
{
    size_t i;

    mounts_ok = true;
    for (i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++) {
        mkdir(mounts[i].dir, 0755);
        if (mount(mounts[i].type, mounts[i].dir, mounts[i].type, 0, NULL) < 0
            && errno != EBUSY) {
            say(MARK "mount %s on %s failed, errno %d", mounts[i].type,
                mounts[i].dir, errno);
            mounts_ok = false;
        }
    }
}

static enum mode read_mode(void)
{
    char val[32];
    size_t i;

    if (!cmdline_get("grace.mode", val, sizeof(val))) {
        return MODE_SHELL;
    }
    for (i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
        if (strcmp(val, mode_names[i]) == 0) {
            return i;
        }
    }
    say(MARK "unknown grace.mode=%s, using shell", val);
    return MODE_SHELL;
}

int main(int argc, char **argv, char **envp)
{
    char val[8];
    enum mode mode;

    say(MARK "start");
    mount_all();
    mode = read_mode();
    blk_write_enabled = cmdline_get("grace.blkwrite", val, sizeof(val)) &&
                        strcmp(val, "1") == 0;
    say(MARK "mode %s", mode_names[mode]);

    switch (mode) {
    case MODE_POWEROFF:
        break;
    case MODE_CHECK:
        run_checks();
        break;
    case MODE_SHELL:
        run_checks();
        shell();
        break;
    case MODE_SMP_STRESS:
        run_checks();
        run_smp_stress();
        break;
    case MODE_SMP_BENCH:
        run_smp_bench();
        break;
    case MODE_MIGRATE:
        migrate_workload();
        break;
    }
    for (;;) {
        power(LINUX_REBOOT_CMD_POWER_OFF, "powering off");
        sleep_ns(1000000000ul);
    }
}
