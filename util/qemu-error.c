/*
 * Human-readable messages (include/qemu/error-report.h).
 */
#include "qemu/osdep.h"
#include "qemu/error-report.h"

static const char *progname;

/* The location stack; only the main thread parses input that sets it. */
static Location std_loc = { .kind = LOC_NONE };
static Location *cur_loc = &std_loc;

static __thread ErrorSinkFunc *sink_fn;
static __thread void *sink_opaque;

void error_set_progname(const char *argv0)
{
    const char *p = strrchr(argv0, '/');

    progname = p ? p + 1 : argv0;
}

const char *error_get_progname(void)
{
    return progname;
}

void error_printf_set_sink(ErrorSinkFunc *fn, void *opaque)
{
    sink_fn = fn;
    sink_opaque = opaque;
}

void error_vprintf(const char *fmt, va_list ap)
{
    if (sink_fn) {
        char *msg = g_strdup_vprintf(fmt, ap);

        sink_fn(sink_opaque, msg);
        g_free(msg);
    } else {
        vfprintf(stderr, fmt, ap);
    }
}

void error_printf(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    error_vprintf(fmt, ap);
    va_end(ap);
}

Location *loc_push_restore(Location *loc)
{
    assert(!loc->prev);
    loc->prev = cur_loc;
    cur_loc = loc;
    return loc;
}

Location *loc_push_none(Location *loc)
{
    loc->kind = LOC_NONE;
    loc->prev = NULL;
    return loc_push_restore(loc);
}

Location *loc_pop(Location *loc)
{
    assert(cur_loc == loc && loc->prev);
    cur_loc = loc->prev;
    loc->prev = NULL;
    return loc;
}

void loc_set_none(void)
{
    cur_loc->kind = LOC_NONE;
}

void loc_set_cmdline(char **argv, int idx, int cnt)
{
    cur_loc->kind = LOC_CMDLINE;
    cur_loc->num = cnt;
    cur_loc->ptr = argv + idx;
}

/*
 * Format "progname: location: prefix message\n" and emit it with a single
 * write, so that messages from different threads do not interleave.
 */
static void vreport(const char *prefix, const char *fmt, va_list ap)
{
    GString *msg = g_string_new(NULL);
    char *const *argp;
    int i;

    /* With a sink (the monitor) the program name is noise. */
    if (progname && !sink_fn) {
        g_string_append_printf(msg, "%s: ", progname);
    }
    if (cur_loc->kind == LOC_CMDLINE) {
        argp = cur_loc->ptr;
        for (i = 0; i < cur_loc->num; i++) {
            g_string_append_printf(msg, "%s%s", i ? " " : "", argp[i]);
        }
        g_string_append(msg, ": ");
    }
    if (prefix) {
        g_string_append(msg, prefix);
    }
    g_string_append_vprintf(msg, fmt, ap);
    g_string_append_c(msg, '\n');
    error_printf("%s", msg->str);
    g_string_free(msg, true);
}

void error_vreport(const char *fmt, va_list ap)
{
    vreport(NULL, fmt, ap);
}

void warn_vreport(const char *fmt, va_list ap)
{
    vreport("warning: ", fmt, ap);
}

void info_vreport(const char *fmt, va_list ap)
{
    vreport(NULL, fmt, ap);
}

void error_report(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    error_vreport(fmt, ap);
    va_end(ap);
}

void warn_report(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    warn_vreport(fmt, ap);
    va_end(ap);
}

void info_report(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    info_vreport(fmt, ap);
    va_end(ap);
}
