/*
 * Character devices: the registry of chardevs, their creation from
 * -chardev specs and from the legacy short forms of -serial/-monitor/-qmp,
 * and the back-end side of the front-end interface (be_can_write,
 * be_write, be_event).
 *
 * The registry is used by the main thread with the BQL held.
 */
#include "qemu/osdep.h"
#include "chardev/char.h"
#include "chardev-internal.h"
#include "qemu/option.h"
#include "qemu/cutils.h"
#include "qapi/error.h"

/* Every chardev, in creation order (BQL). */
static GPtrArray *chardevs;

static const ChardevClass *const drivers[] = {
    &char_null_driver,
    &char_file_driver,
    &char_stdio_driver,
    &char_socket_driver,
    &char_ringbuf_driver,
};

/* Options every -chardev accepts, whatever the backend. */
static const char *const common_options[] = { "backend", "id", "mux", NULL };

static const ChardevClass *find_driver(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(drivers); i++) {
        if (!strcmp(drivers[i]->name, name)) {
            return drivers[i];
        }
    }
    return NULL;
}

Chardev *qemu_chr_find(const char *label)
{
    if (!chardevs) {
        return NULL;
    }
    for (guint i = 0; i < chardevs->len; i++) {
        Chardev *chr = g_ptr_array_index(chardevs, i);

        if (!strcmp(chr->label, label)) {
            return chr;
        }
    }
    return NULL;
}

void chardev_set_filename(Chardev *chr, const char *fmt, ...)
{
    va_list ap;

    g_free(chr->filename);
    va_start(ap, fmt);
    chr->filename = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

static void chardev_free(Chardev *chr)
{
    if (chr->driver->finalize) {
        chr->driver->finalize(chr);
    }
    qemu_mutex_destroy(&chr->chr_write_lock);
    g_free(chr->label);
    g_free(chr->filename);
    g_free(chr);
}

Chardev *chardev_new(const ChardevClass *drv, const char *label,
                     QemuOpts *opts, Error **errp)
{
    Chardev *chr;

    assert(drv->instance_size >= sizeof(Chardev));
    if (qemu_chr_find(label)) {
        error_setg(errp, "Duplicate ID '%s' for chardev", label);
        return NULL;
    }
    chr = g_malloc0(drv->instance_size);
    chr->driver = drv;
    chr->label = g_strdup(label);
    chr->filename = g_strdup(drv->name);
    qemu_mutex_init(&chr->chr_write_lock);
    if (!drv->open(chr, opts, errp)) {
        /* open cleans up after itself; finalize must cope with a
         * half-opened instance all the same. */
        chardev_free(chr);
        return NULL;
    }
    if (!chardevs) {
        chardevs = g_ptr_array_new();
    }
    g_ptr_array_add(chardevs, chr);
    return chr;
}

void qemu_chr_delete(Chardev *chr)
{
    /* Deleting a chardev that a front end still uses is a bug: detach
     * first with qemu_chr_fe_deinit. */
    assert(!chr->be);
    if (chardevs) {
        g_ptr_array_remove(chardevs, chr);
    }
    chardev_free(chr);
}

/* Check opts against the common options and drv's own. */
static bool check_options(const ChardevClass *drv, QemuOpts *opts,
                          Error **errp)
{
    g_autoptr(GPtrArray) known = g_ptr_array_new();

    for (const char *const *o = common_options; *o; o++) {
        g_ptr_array_add(known, (gpointer)*o);
    }
    for (const char *const *o = drv->options; o && *o; o++) {
        g_ptr_array_add(known, (gpointer)*o);
    }
    g_ptr_array_add(known, NULL);
    return qemu_opts_check_known(opts, (const char *const *)known->pdata,
                                 errp);
}

/*
 * Create the chardev that opts describe, labelled label; with mux=on (or
 * force_mux), the backend is labelled "LABEL-base" and a mux labelled
 * label sits on top of it.
 */
static Chardev *chardev_new_from_opts(QemuOpts *opts, const char *label,
                                      bool force_mux, Error **errp)
{
    const char *backend = qemu_opt_get(opts, "backend");
    const ChardevClass *drv;
    g_autofree char *base_label = NULL;
    Chardev *base, *mux_chr;
    bool mux;

    if (!backend || !*backend) {
        error_setg(errp, "chardev: no backend given");
        return NULL;
    }
    drv = find_driver(backend);
    if (!drv) {
        error_setg(errp, "'%s' is not a valid char driver name", backend);
        return NULL;
    }
    if (!check_options(drv, opts, errp) ||
        !qemu_opt_get_bool(opts, "mux", false, &mux, errp)) {
        return NULL;
    }
    if (!mux && !force_mux) {
        return chardev_new(drv, label, opts, errp);
    }
    if (qemu_chr_find(label)) {
        error_setg(errp, "Duplicate ID '%s' for chardev", label);
        return NULL;
    }
    base_label = g_strdup_printf("%s-base", label);
    base = chardev_new(drv, base_label, opts, errp);
    if (!base) {
        return NULL;
    }
    mux_chr = mux_chr_new(label, base, errp);
    if (!mux_chr) {
        qemu_chr_delete(base);
    }
    return mux_chr;
}

Chardev *qemu_chardev_new_from_spec(const char *spec, Error **errp)
{
    g_autoptr(QemuOpts) opts = qemu_opts_parse(spec, "backend", errp);
    const char *id;

    if (!opts) {
        return NULL;
    }
    id = qemu_opts_id(opts);
    if (!id || !*id) {
        error_setg(errp, "chardev: \"%s\" has no id", spec);
        return NULL;
    }
    return chardev_new_from_opts(opts, id, false, errp);
}

/* Append ",key=value" to s with value's commas doubled. */
static void append_opt(GString *s, const char *key, const char *value)
{
    g_string_append_printf(s, ",%s=", key);
    for (const char *p = value; *p; p++) {
        if (*p == ',') {
            g_string_append_c(s, ',');
        }
        g_string_append_c(s, *p);
    }
}

/*
 * Turn a legacy short form into the equivalent -chardev option string
 * (without id), or NULL with *errp.
 */
static char *legacy_to_spec(const char *filename, Error **errp)
{
    g_autoptr(GString) s = g_string_new(NULL);
    const char *rest;

    if (!strcmp(filename, "stdio") || !strcmp(filename, "null")) {
        g_string_append(s, filename);
    } else if (strstart(filename, "file:", &rest)) {
        if (!*rest) {
            error_setg(errp, "file: needs a path");
            return NULL;
        }
        g_string_append(s, "file");
        append_opt(s, "path", rest);
    } else if (strstart(filename, "unix:", &rest)) {
        const char *comma = strchr(rest, ',');
        g_autofree char *path = g_strndup(rest, comma ? comma - rest
                                                      : strlen(rest));

        if (!*path) {
            error_setg(errp, "unix: needs a path");
            return NULL;
        }
        g_string_append(s, "socket");
        append_opt(s, "path", path);
        if (comma) {
            g_string_append(s, comma);
        }
    } else if (strstart(filename, "tcp:", &rest)) {
        const char *comma = strchr(rest, ',');
        g_autofree char *addr = g_strndup(rest, comma ? comma - rest
                                                      : strlen(rest));
        char *colon = strrchr(addr, ':');

        if (!colon) {
            error_setg(errp, "tcp: expects HOST:PORT, got '%s'", addr);
            return NULL;
        }
        *colon = '\0';
        g_string_append(s, "socket");
        append_opt(s, "host", addr);
        append_opt(s, "port", colon + 1);
        if (comma) {
            g_string_append(s, comma);
        }
    } else {
        error_setg(errp, "'%s' is not a valid char driver", filename);
        return NULL;
    }
    return g_string_free(g_steal_pointer(&s), false);
}

Chardev *qemu_chr_new(const char *label, const char *filename, Error **errp)
{
    g_autofree char *spec = NULL;
    g_autoptr(QemuOpts) opts = NULL;
    const char *rest;
    bool mux = false;

    if (!strcmp(filename, "none")) {
        return NULL;
    }
    if (strstart(filename, "chardev:", &rest)) {
        Chardev *chr = qemu_chr_find(rest);

        if (!chr) {
            error_setg(errp, "chardev '%s' not found", rest);
        }
        return chr;
    }
    if (strstart(filename, "mon:", &rest)) {
        mux = true;
        filename = rest;
    }
    spec = legacy_to_spec(filename, errp);
    if (!spec) {
        return NULL;
    }
    opts = qemu_opts_parse(spec, "backend", errp);
    if (!opts) {
        return NULL;
    }
    if (qemu_opt_has(opts, "id") || qemu_opt_has(opts, "mux")) {
        error_setg(errp, "'%s': id and mux cannot be given here", filename);
        return NULL;
    }
    return chardev_new_from_opts(opts, label, mux, errp);
}

int qemu_chr_be_can_write(Chardev *s)
{
    CharBackend *be = s->be;

    if (!be || !be->chr_can_read) {
        return 0;
    }
    return be->chr_can_read(be->opaque);
}

void qemu_chr_be_write(Chardev *s, const uint8_t *buf, int len)
{
    CharBackend *be = s->be;

    if (be && be->chr_read && len > 0) {
        be->chr_read(be->opaque, buf, len);
    }
}

void qemu_chr_be_event(Chardev *s, QEMUChrEvent event)
{
    CharBackend *be = s->be;

    switch (event) {
    case CHR_EVENT_OPENED:
        s->be_open = 1;
        break;
    case CHR_EVENT_CLOSED:
        s->be_open = 0;
        break;
    default:
        break;
    }
    if (be && be->chr_event) {
        be->chr_event(be->opaque, event);
    }
}

void qemu_chr_info(GString *buf)
{
    if (!chardevs) {
        return;
    }
    for (guint i = 0; i < chardevs->len; i++) {
        Chardev *chr = g_ptr_array_index(chardevs, i);

        g_string_append_printf(buf, "%s: filename=%s\n", chr->label,
                               chr->filename);
    }
}
