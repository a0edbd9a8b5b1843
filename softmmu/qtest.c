/*
 * The qtest server (sysemu/qtest.h): QEMU's qtest line protocol on a
 * character device, so that a test program drives the machine's devices
 * as a guest would, without a guest.  docs/devel/qtest.rst lists the
 * commands and replies.
 *
 * A request is a line of words separated by spaces.  Each gets exactly
 * one reply line: "OK", "OK VALUE", "FAIL reason" (unknown command or
 * device, or a command the accelerator does not allow) or "ERR reason"
 * (a malformed or out-of-range argument: the request is refused, nothing
 * else happens).  Lines of intercepted interrupts, "IRQ raise N" and "IRQ
 * lower N", may come at any time, also before a reply (a write that makes
 * a device raise its line reports the IRQ, then OK).
 *
 * Memory accesses go through address_space_read/write, as QEMU's do: the
 * bytes reach the devices in the widths they accept, little-endian (the
 * target's byte order).  Reads of nothing give 0.
 *
 * Threads: everything here runs in the main loop thread with the BQL
 * held, the IRQ hooks included (devices change their lines under the
 * BQL; with -accel qtest no guest code runs at all).
 */
#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "chardev/char.h"
#include "chardev/char-fe.h"
#include "exec/memory.h"
#include "hw/irq.h"
#include "sysemu/qtest.h"

/* The most read, write and memset move at once. */
#define QTEST_MAX_XFER  (64 * MiB)

typedef struct QTestServer {
    CharBackend chr;
    GString *inbuf;             /* bytes of the line not yet complete */
    /* irq_intercept_in/out: the one device whose lines are watched. */
    char *intercepted;
    int *levels;                /* last level reported, per line */
    int nlevels;
} QTestServer;

static QTestServer *qtest_server;

static void qtest_send(QTestServer *s, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);
static void qtest_send(QTestServer *s, const char *fmt, ...)
{
    g_autofree char *line = NULL;
    va_list ap;

    va_start(ap, fmt);
    line = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    qemu_chr_fe_write_all(&s->chr, (const uint8_t *)line, strlen(line));
}

/* A numeric argument; false after replying ERR. */
static bool arg_u64(QTestServer *s, char **w, int i, const char *what,
                    uint64_t *v)
{
    if (qemu_strtou64(w[i], NULL, 0, v) < 0) {
        qtest_send(s, "ERR %s: invalid %s '%s'\n", w[0], what, w[i]);
        return false;
    }
    return true;
}

static bool arg_size(QTestServer *s, char **w, int i, uint64_t *v)
{
    if (!arg_u64(s, w, i, "size", v)) {
        return false;
    }
    if (*v > QTEST_MAX_XFER) {
        qtest_send(s, "ERR %s: size %" PRIu64 " is over the limit of %"
                   PRIu64 "\n", w[0], *v, (uint64_t)QTEST_MAX_XFER);
        return false;
    }
    return true;
}

static void qtest_write_mem(hwaddr addr, const void *buf, hwaddr len)
{
    address_space_write(&address_space_memory, addr, MEMTXATTRS_UNSPECIFIED,
                        buf, len);
}

static void qtest_read_mem(hwaddr addr, void *buf, hwaddr len)
{
    memset(buf, 0, len);
    address_space_read(&address_space_memory, addr, MEMTXATTRS_UNSPECIFIED,
                       buf, len);
}

/* readb/w/l/q ADDR -> OK 0x<16 hex digits> */
static void cmd_read_sized(QTestServer *s, char **w, unsigned size)
{
    uint64_t addr, value = 0;
    uint8_t buf[8];

    if (!arg_u64(s, w, 1, "address", &addr)) {
        return;
    }
    qtest_read_mem(addr, buf, size);
    for (unsigned i = size; i-- > 0;) {
        value = value << 8 | buf[i];
    }
    qtest_send(s, "OK 0x%016" PRIx64 "\n", value);
}

/* writeb/w/l/q ADDR VALUE; VALUE is truncated to the width, as QEMU does */
static void cmd_write_sized(QTestServer *s, char **w, unsigned size)
{
    uint64_t addr, value;
    uint8_t buf[8];

    if (!arg_u64(s, w, 1, "address", &addr) ||
        !arg_u64(s, w, 2, "value", &value)) {
        return;
    }
    for (unsigned i = 0; i < size; i++) {
        buf[i] = value >> (8 * i);
    }
    qtest_write_mem(addr, buf, size);
    qtest_send(s, "OK\n");
}

/* read ADDR SIZE -> OK 0x<hex bytes, in address order> */
static void cmd_read(QTestServer *s, char **w)
{
    uint64_t addr, len;
    g_autofree uint8_t *buf = NULL;
    g_autoptr(GString) hex = NULL;

    if (!arg_u64(s, w, 1, "address", &addr) || !arg_size(s, w, 2, &len)) {
        return;
    }
    if (!len) {
        qtest_send(s, "ERR read: size 0\n");
        return;
    }
    buf = g_malloc(len);
    qtest_read_mem(addr, buf, len);
    hex = g_string_sized_new(2 * len + 8);
    g_string_append(hex, "OK 0x");
    for (uint64_t i = 0; i < len; i++) {
        g_string_append_printf(hex, "%02x", buf[i]);
    }
    g_string_append_c(hex, '\n');
    qemu_chr_fe_write_all(&s->chr, (const uint8_t *)hex->str, hex->len);
}

static int hex_digit(char c)
{
    return g_ascii_xdigit_value(c);
}

/* write ADDR SIZE 0xDATA: DATA shorter than SIZE is zero-filled */
static void cmd_write(QTestServer *s, char **w)
{
    uint64_t addr, len;
    g_autofree uint8_t *buf = NULL;
    const char *data = w[3];
    size_t digits;

    if (!arg_u64(s, w, 1, "address", &addr) || !arg_size(s, w, 2, &len)) {
        return;
    }
    if (strncmp(data, "0x", 2) != 0) {
        qtest_send(s, "ERR write: data must start with 0x\n");
        return;
    }
    data += 2;
    digits = strlen(data);
    if (digits % 2) {
        qtest_send(s, "ERR write: odd number of hex digits\n");
        return;
    }
    buf = g_malloc0(len);
    for (size_t i = 0; i < digits / 2; i++) {
        int hi = hex_digit(data[2 * i]), lo = hex_digit(data[2 * i + 1]);

        if (hi < 0 || lo < 0) {
            qtest_send(s, "ERR write: '%.2s' is not a hex byte\n",
                       &data[2 * i]);
            return;
        }
        if (i < len) {
            buf[i] = hi << 4 | lo;
        }
    }
    qtest_write_mem(addr, buf, len);
    qtest_send(s, "OK\n");
}

/* b64read ADDR SIZE -> OK <base64> */
static void cmd_b64read(QTestServer *s, char **w)
{
    uint64_t addr, len;
    g_autofree uint8_t *buf = NULL;
    g_autofree char *b64 = NULL;

    if (!arg_u64(s, w, 1, "address", &addr) || !arg_size(s, w, 2, &len)) {
        return;
    }
    buf = g_malloc(len ? len : 1);
    qtest_read_mem(addr, buf, len);
    b64 = g_base64_encode(buf, len);
    qtest_send(s, "OK %s\n", b64);
}

/* b64write ADDR SIZE <base64>: decoded data shorter than SIZE is
 * zero-filled, longer is cut */
static void cmd_b64write(QTestServer *s, char **w)
{
    uint64_t addr, len;
    g_autofree uint8_t *buf = NULL;
    g_autofree guchar *decoded = NULL;
    gsize dlen;

    if (!arg_u64(s, w, 1, "address", &addr) || !arg_size(s, w, 2, &len)) {
        return;
    }
    decoded = g_base64_decode(w[3], &dlen);
    buf = g_malloc0(len ? len : 1);
    memcpy(buf, decoded, MIN(dlen, len));
    qtest_write_mem(addr, buf, len);
    qtest_send(s, "OK\n");
}

/* memset ADDR SIZE VALUE: SIZE may be 0 */
static void cmd_memset(QTestServer *s, char **w)
{
    uint64_t addr, len, value;
    g_autofree uint8_t *buf = NULL;

    if (!arg_u64(s, w, 1, "address", &addr) || !arg_size(s, w, 2, &len) ||
        !arg_u64(s, w, 3, "value", &value)) {
        return;
    }
    if (len) {
        buf = g_malloc(len);
        memset(buf, value, len);
        qtest_write_mem(addr, buf, len);
    }
    qtest_send(s, "OK\n");
}

/*
 * clock_step [NS]: forward by NS, or to the next virtual timer's deadline
 * (nowhere if none is armed); clock_set NS: forward to NS (nowhere if
 * the clock is past it).  Both reply with the clock's value.
 */
static void cmd_clock(QTestServer *s, char **w, int nwords, bool set)
{
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), dest = now, ns;

    if (!qtest_enabled()) {
        qtest_send(s, "FAIL %s needs -accel qtest\n", w[0]);
        return;
    }
    if (nwords > 1) {
        if (qemu_strtoi64(w[1], NULL, 0, &ns) < 0 || ns < 0) {
            qtest_send(s, "ERR %s: invalid time '%s'\n", w[0], w[1]);
            return;
        }
        if (set) {
            dest = ns;
        } else if (ns > INT64_MAX - now) {
            qtest_send(s, "ERR clock_step: %s ns would overflow the "
                       "clock\n", w[1]);
            return;
        } else {
            dest = now + ns;
        }
    } else {
        int64_t next = qemu_clock_next_expiry(QEMU_CLOCK_VIRTUAL);

        if (next > now) {
            dest = next;
        }
    }
    qtest_send(s, "OK %" PRIi64 "\n", qemu_clock_advance_virtual(dest));
}

static void qtest_irq_hook(void *opaque, int n, int level)
{
    QTestServer *s = opaque;

    level = !!level;
    if (s->levels[n] != level) {
        s->levels[n] = level;
        qtest_send(s, "IRQ %s %d\n", level ? "raise" : "lower", n);
    }
}

/* irq_intercept_in PATH / irq_intercept_out PATH */
static void cmd_irq_intercept(QTestServer *s, char **w, bool out)
{
    const qemu_irq *lines;
    int n;

    if (s->intercepted) {
        if (strcmp(s->intercepted, w[1]) != 0) {
            qtest_send(s, "FAIL IRQ intercept already enabled\n");
        } else {
            qtest_send(s, "OK\n");
        }
        return;
    }
    lines = qemu_irq_find_published(w[1], out, &n);
    if (!lines) {
        if (qemu_irq_find_published(w[1], !out, &n)) {
            qtest_send(s, "FAIL %s has no %s lines\n", w[1],
                       out ? "output" : "input");
        } else {
            qtest_send(s, "FAIL Unknown device\n");
        }
        return;
    }
    s->intercepted = g_strdup(w[1]);
    s->levels = g_new0(int, n);
    s->nlevels = n;
    for (int i = 0; i < n; i++) {
        if (lines[i]) {
            qemu_irq_intercept(lines[i], qtest_irq_hook, s, i);
        }
    }
    qtest_send(s, "OK\n");
}

/* set_irq_in PATH unnamed-gpio-in NUM LEVEL: drive a device's input */
static void cmd_set_irq_in(QTestServer *s, char **w)
{
    const qemu_irq *lines;
    uint64_t num;
    int64_t level;
    int n;

    if (!arg_u64(s, w, 3, "line", &num)) {
        return;
    }
    if (qemu_strtoi64(w[4], NULL, 0, &level) < 0) {
        qtest_send(s, "ERR set_irq_in: invalid level '%s'\n", w[4]);
        return;
    }
    if (strcmp(w[2], "unnamed-gpio-in") != 0) {
        qtest_send(s, "FAIL no line list '%s' (only unnamed-gpio-in)\n",
                   w[2]);
        return;
    }
    lines = qemu_irq_find_published(w[1], false, &n);
    if (!lines) {
        qtest_send(s, "FAIL Unknown device\n");
        return;
    }
    if (num >= n || !lines[num]) {
        qtest_send(s, "FAIL %s has no input line %" PRIu64 "\n", w[1], num);
        return;
    }
    qemu_set_irq(lines[num], level);
    qtest_send(s, "OK\n");
}

typedef struct QTestCommand {
    const char *name;
    int min_args, max_args;     /* words after the name */
    void (*fn)(QTestServer *s, char **w, int nwords);
} QTestCommand;

#define SIZED(name, fn, size)                                           \
    static void name(QTestServer *s, char **w, int nwords)              \
    {                                                                   \
        fn(s, w, size);                                                 \
    }
SIZED(do_readb, cmd_read_sized, 1)
SIZED(do_readw, cmd_read_sized, 2)
SIZED(do_readl, cmd_read_sized, 4)
SIZED(do_readq, cmd_read_sized, 8)
SIZED(do_writeb, cmd_write_sized, 1)
SIZED(do_writew, cmd_write_sized, 2)
SIZED(do_writel, cmd_write_sized, 4)
SIZED(do_writeq, cmd_write_sized, 8)
SIZED(do_irq_intercept_in, cmd_irq_intercept, false)
SIZED(do_irq_intercept_out, cmd_irq_intercept, true)
#undef SIZED

static void do_read(QTestServer *s, char **w, int nwords)
{
    cmd_read(s, w);
}

static void do_write(QTestServer *s, char **w, int nwords)
{
    cmd_write(s, w);
}

static void do_b64read(QTestServer *s, char **w, int nwords)
{
    cmd_b64read(s, w);
}

static void do_b64write(QTestServer *s, char **w, int nwords)
{
    cmd_b64write(s, w);
}

static void do_memset(QTestServer *s, char **w, int nwords)
{
    cmd_memset(s, w);
}

static void do_clock_step(QTestServer *s, char **w, int nwords)
{
    cmd_clock(s, w, nwords, false);
}

static void do_clock_set(QTestServer *s, char **w, int nwords)
{
    cmd_clock(s, w, nwords, true);
}

static void do_set_irq_in(QTestServer *s, char **w, int nwords)
{
    cmd_set_irq_in(s, w);
}

static void do_endianness(QTestServer *s, char **w, int nwords)
{
    qtest_send(s, "OK little\n");
}

static const QTestCommand qtest_commands[] = {
    { "readb", 1, 1, do_readb },
    { "readw", 1, 1, do_readw },
    { "readl", 1, 1, do_readl },
    { "readq", 1, 1, do_readq },
    { "writeb", 2, 2, do_writeb },
    { "writew", 2, 2, do_writew },
    { "writel", 2, 2, do_writel },
    { "writeq", 2, 2, do_writeq },
    { "read", 2, 2, do_read },
    { "write", 3, 3, do_write },
    { "b64read", 2, 2, do_b64read },
    { "b64write", 3, 3, do_b64write },
    { "memset", 3, 3, do_memset },
    { "clock_step", 0, 1, do_clock_step },
    { "clock_set", 1, 1, do_clock_set },
    { "irq_intercept_in", 1, 1, do_irq_intercept_in },
    { "irq_intercept_out", 1, 1, do_irq_intercept_out },
    { "set_irq_in", 4, 4, do_set_irq_in },
    { "endianness", 0, 0, do_endianness },
};

static void qtest_process_line(QTestServer *s, const char *line)
{
    g_auto(GStrv) w = g_strsplit_set(line, " \t\r", -1);
    int nwords = 0;

    /* Runs of blanks separate words too: drop the empty ones. */
    for (int i = 0; w[i]; i++) {
        if (*w[i]) {
            char *word = w[i];

            w[i] = NULL;
            w[nwords++] = word;
        } else {
            g_free(w[i]);
            w[i] = NULL;
        }
    }
    if (!nwords) {
        return;                 /* an empty line is no request */
    }
    for (size_t i = 0; i < ARRAY_SIZE(qtest_commands); i++) {
        const QTestCommand *c = &qtest_commands[i];

        if (strcmp(w[0], c->name) != 0) {
            continue;
        }
        if (nwords - 1 < c->min_args || nwords - 1 > c->max_args) {
            if (c->min_args == c->max_args) {
                qtest_send(s, "ERR %s takes %d argument%s, got %d\n",
                           c->name, c->min_args,
                           c->min_args == 1 ? "" : "s", nwords - 1);
            } else {
                qtest_send(s, "ERR %s takes %d to %d arguments, got %d\n",
                           c->name, c->min_args, c->max_args, nwords - 1);
            }
            return;
        }
        c->fn(s, w, nwords);
        return;
    }
    qtest_send(s, "FAIL Unknown command '%s'\n", w[0]);
}

static int qtest_can_read(void *opaque)
{
    return 4096;
}

static void qtest_read(void *opaque, const uint8_t *buf, int size)
{
    QTestServer *s = opaque;
    char *nl;

    g_string_append_len(s->inbuf, (const char *)buf, size);
    while ((nl = memchr(s->inbuf->str, '\n', s->inbuf->len))) {
        g_autofree char *line = g_strndup(s->inbuf->str, nl - s->inbuf->str);

        g_string_erase(s->inbuf, 0, nl - s->inbuf->str + 1);
        qtest_process_line(s, line);
    }
}

static void qtest_event(void *opaque, QEMUChrEvent event)
{
    QTestServer *s = opaque;

    switch (event) {
    case CHR_EVENT_OPENED:
        /* A new client: levels start low, and no half line is left. */
        if (s->levels) {
            memset(s->levels, 0, s->nlevels * sizeof(int));
        }
        g_string_truncate(s->inbuf, 0);
        break;
    case CHR_EVENT_CLOSED:
        g_string_truncate(s->inbuf, 0);
        break;
    default:
        break;
    }
}

bool qtest_server_init_chardev(Chardev *chr, Error **errp)
{
    QTestServer *s;

    if (qtest_server) {
        error_setg(errp, "only one qtest server is supported");
        return false;
    }
    s = g_new0(QTestServer, 1);
    if (!qemu_chr_fe_init(&s->chr, chr, errp)) {
        g_free(s);
        return false;
    }
    s->inbuf = g_string_new(NULL);
    qemu_chr_fe_set_handlers(&s->chr, qtest_can_read, qtest_read,
                             qtest_event, NULL, s, NULL, true);
    qtest_server = s;
    return true;
}

bool qtest_server_init(const char *spec, Error **errp)
{
    Chardev *chr = qemu_chr_new("qtest", spec, errp);

    if (!chr) {
        if (errp && !*errp) {
            error_setg(errp, "qtest needs a character device, not '%s'",
                       spec);
        }
        return false;
    }
    return qtest_server_init_chardev(chr, errp);
}
