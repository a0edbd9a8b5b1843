/*
 * The monitors' common part: the list of monitors, their output, and
 * creating them from the command line (-monitor, -qmp, -mon).
 */
#include "qemu/osdep.h"
#include "qemu/option.h"
#include "qemu/thread.h"
#include "qapi/error.h"
#include "chardev/char.h"
#include "monitor-internal.h"

/*
 * Every monitor with a chardev.  Added and removed in the main loop with
 * the BQL held and monitor_lock; walked under monitor_lock (events).
 */
static QTAILQ_HEAD(, Monitor) monitor_list =
    QTAILQ_HEAD_INITIALIZER(monitor_list);
static QemuMutex monitor_lock;
static bool monitor_globals_done;
static int compat_monitor_count;

/* The lock and the built-in commands, on first use of anything here. */
static void monitor_init_globals(void)
{
    if (!monitor_globals_done) {
        monitor_globals_done = true;
        qemu_mutex_init(&monitor_lock);
        monitor_register_builtins();
    }
}

void monitor_register_builtins(void)
{
    static bool done;

    if (!done) {
        done = true;
        qmp_register_builtins();
        hmp_register_builtins();
    }
}

Monitor *monitor_new(bool is_qmp)
{
    Monitor *mon = g_new0(Monitor, 1);

    monitor_init_globals();
    mon->is_qmp = is_qmp;
    mon->outbuf = g_string_new(NULL);
    mon->deferred_events = g_string_new(NULL);
    return mon;
}

void monitor_free(Monitor *mon)
{
    g_string_free(mon->outbuf, true);
    g_string_free(mon->deferred_events, true);
    g_free(mon);
}

void monitor_flush(Monitor *mon)
{
    if (!mon->has_chr || !mon->outbuf->len) {
        return;
    }
    /* Dropped if nobody is connected: the chardev says so by writing
     * everything. */
    qemu_chr_fe_write_all(&mon->chr, (const uint8_t *)mon->outbuf->str,
                          mon->outbuf->len);
    g_string_truncate(mon->outbuf, 0);
}

void monitor_puts(Monitor *mon, const char *str)
{
    for (const char *p = str; *p; p++) {
        if (*p == '\n') {
            g_string_append_c(mon->outbuf, '\r');
        }
        g_string_append_c(mon->outbuf, *p);
    }
    monitor_flush(mon);
}

void monitor_printf(Monitor *mon, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *str = NULL;

    va_start(ap, fmt);
    str = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    monitor_puts(mon, str);
}

void hmp_handle_error(Monitor *mon, Error *err)
{
    if (err) {
        monitor_printf(mon, "Error: %s\n", error_get_pretty(err));
        error_free(err);
    }
}

static void json_append_line(GString *out, JsonNode *json)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autofree char *text = NULL;

    json_generator_set_root(gen, json);
    text = json_generator_to_data(gen, NULL);
    g_string_append(out, text);
    g_string_append(out, "\r\n");
}

void monitor_send_json(Monitor *mon, JsonNode *json)
{
    json_append_line(mon->outbuf, json);
    monitor_flush(mon);
}

void monitor_qmp_send_event(Monitor *mon, JsonNode *event)
{
    if (mon->dispatching) {
        json_append_line(mon->deferred_events, event);
    } else {
        monitor_send_json(mon, event);
    }
}

void monitor_qmp_foreach_negotiated(void (*fn)(Monitor *mon, void *opaque),
                                    void *opaque)
{
    Monitor *mon;

    if (!monitor_globals_done) {
        return;
    }
    qemu_mutex_lock(&monitor_lock);
    QTAILQ_FOREACH(mon, &monitor_list, entry) {
        if (mon->is_qmp && mon->negotiated) {
            fn(mon, opaque);
        }
    }
    qemu_mutex_unlock(&monitor_lock);
}

static bool monitor_init(Chardev *chr, bool is_qmp, Error **errp)
{
    Monitor *mon = monitor_new(is_qmp);

    if (!qemu_chr_fe_init(&mon->chr, chr, errp)) {
        monitor_free(mon);
        return false;
    }
    mon->has_chr = true;
    qemu_mutex_lock(&monitor_lock);
    QTAILQ_INSERT_TAIL(&monitor_list, mon, entry);
    qemu_mutex_unlock(&monitor_lock);
    /* Installs the handlers; the backend may report "opened" at once. */
    if (is_qmp) {
        monitor_qmp_start(mon);
    } else {
        monitor_hmp_start(mon);
    }
    return true;
}

bool monitor_init_hmp(Chardev *chr, Error **errp)
{
    return monitor_init(chr, false, errp);
}

bool monitor_init_qmp(Chardev *chr, Error **errp)
{
    return monitor_init(chr, true, errp);
}

bool monitor_new_from_opts(const char *mon_optstr, Error **errp)
{
    static const char *const known[] = { "chardev", "mode", "id", NULL };
    g_autoptr(QemuOpts) opts = qemu_opts_parse(mon_optstr, "chardev", errp);
    const char *chardev, *mode;
    Chardev *chr;

    if (!opts || !qemu_opts_check_known(opts, known, errp)) {
        return false;
    }
    chardev = qemu_opt_get(opts, "chardev");
    if (!chardev || !*chardev) {
        error_setg(errp, "-mon: parameter 'chardev' is missing");
        return false;
    }
    chr = qemu_chr_find(chardev);
    if (!chr) {
        error_setg(errp, "chardev \"%s\" not found", chardev);
        return false;
    }
    mode = qemu_opt_get(opts, "mode");
    if (!mode || !strcmp(mode, "readline")) {
        return monitor_init_hmp(chr, errp);
    }
    if (!strcmp(mode, "control")) {
        return monitor_init_qmp(chr, errp);
    }
    error_setg(errp, "unknown monitor mode '%s' (use readline or control)",
               mode);
    return false;
}

bool monitor_new_from_legacy(const char *spec, bool qmp, Error **errp)
{
    g_autofree char *label = NULL;
    Chardev *chr;
    Error *local_err = NULL;

    if (!strcmp(spec, "none")) {
        return true;
    }
    label = g_strdup_printf("compat_monitor%d", compat_monitor_count);
    chr = qemu_chr_new(label, spec, &local_err);
    if (!chr) {
        error_propagate(errp, local_err);
        return false;
    }
    compat_monitor_count++;
    if (!monitor_init(chr, qmp, errp)) {
        /* A chardev made here and not used is removed again. */
        if (!strcmp(chr->label, label)) {
            qemu_chr_delete(chr);
        }
        return false;
    }
    return true;
}

void monitor_cleanup(void)
{
    Monitor *mon, *next;

    if (!monitor_globals_done) {
        return;
    }
    QTAILQ_FOREACH_SAFE(mon, &monitor_list, entry, next) {
        qemu_mutex_lock(&monitor_lock);
        QTAILQ_REMOVE(&monitor_list, mon, entry);
        qemu_mutex_unlock(&monitor_lock);
        monitor_flush(mon);
        qemu_chr_fe_deinit(&mon->chr, false);
        if (mon->is_qmp) {
            monitor_qmp_stop(mon);
        } else {
            monitor_hmp_stop(mon);
        }
        monitor_free(mon);
    }
}
