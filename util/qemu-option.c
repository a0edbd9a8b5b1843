/*
 * "key=value,..." option strings (include/qemu/option.h).
 */
#include "qemu/osdep.h"
#include "qemu/option.h"
#include "qemu/cutils.h"
#include "qapi/error.h"

typedef struct QemuOpt {
    char *name;
    char *value;
} QemuOpt;

struct QemuOpts {
    GPtrArray *opts;        /* of QemuOpt, in command-line order */
};

static void qemu_opt_free(gpointer p)
{
    QemuOpt *opt = p;

    g_free(opt->name);
    g_free(opt->value);
    g_free(opt);
}

static QemuOpt *find_opt(QemuOpts *opts, const char *name)
{
    for (guint i = 0; i < opts->opts->len; i++) {
        QemuOpt *opt = g_ptr_array_index(opts->opts, i);

        if (!strcmp(opt->name, name)) {
            return opt;
        }
    }
    return NULL;
}

static void set_opt(QemuOpts *opts, char *name, char *value)
{
    QemuOpt *opt = find_opt(opts, name);

    if (opt) {
        g_free(opt->value);
        opt->value = value;
        g_free(name);
        return;
    }
    opt = g_new(QemuOpt, 1);
    opt->name = name;
    opt->value = value;
    g_ptr_array_add(opts->opts, opt);
}

/*
 * Copy from *p up to an unescaped delimiter (',' or, if eq, also '='),
 * turning ",," into ','.  Leaves *p at the delimiter or the end.
 */
static char *get_token(const char **p, bool eq)
{
    GString *s = g_string_new(NULL);
    const char *c = *p;

    for (; *c; c++) {
        if (*c == ',') {
            if (c[1] != ',') {
                break;
            }
            c++;
        } else if (eq && *c == '=') {
            break;
        }
        g_string_append_c(s, *c);
    }
    *p = c;
    return g_string_free(s, false);
}

QemuOpts *qemu_opts_parse(const char *params, const char *implied_key,
                          Error **errp)
{
    QemuOpts *opts = g_new0(QemuOpts, 1);
    const char *p = params;
    bool first = true;

    opts->opts = g_ptr_array_new_with_free_func(qemu_opt_free);
    while (*p) {
        char *key = get_token(&p, true);
        char *value;

        if (*p == '=') {
            p++;
            value = get_token(&p, false);
        } else if (first && implied_key) {
            value = key;
            key = g_strdup(implied_key);
        } else if (g_str_has_prefix(key, "no") && key[2]) {
            value = g_strdup("off");
            memmove(key, key + 2, strlen(key + 2) + 1);
        } else {
            value = g_strdup("on");
        }
        if (!*key) {
            error_setg(errp, "Invalid option string '%s': empty key", params);
            g_free(key);
            g_free(value);
            qemu_opts_del(opts);
            return NULL;
        }
        set_opt(opts, key, value);
        first = false;
        if (*p == ',') {
            p++;
        }
    }
    return opts;
}

void qemu_opts_del(QemuOpts *opts)
{
    if (opts) {
        g_ptr_array_free(opts->opts, true);
        g_free(opts);
    }
}

const char *qemu_opt_get(QemuOpts *opts, const char *name)
{
    QemuOpt *opt = find_opt(opts, name);

    return opt ? opt->value : NULL;
}

bool qemu_opt_has(QemuOpts *opts, const char *name)
{
    return find_opt(opts, name) != NULL;
}

const char *qemu_opts_id(QemuOpts *opts)
{
    return qemu_opt_get(opts, "id");
}

bool qemu_opt_get_bool(QemuOpts *opts, const char *name, bool defval,
                       bool *value, Error **errp)
{
    const char *v = qemu_opt_get(opts, name);

    if (!v) {
        *value = defval;
        return true;
    }
    return qapi_bool_parse(name, v, value, errp);
}

bool qemu_opt_get_number(QemuOpts *opts, const char *name, uint64_t defval,
                         uint64_t *value, Error **errp)
{
    const char *v = qemu_opt_get(opts, name);

    if (!v) {
        *value = defval;
        return true;
    }
    if (qemu_strtou64(v, NULL, 0, value) < 0) {
        error_setg(errp, "Parameter '%s' expects a number", name);
        return false;
    }
    return true;
}

bool qemu_opt_get_size(QemuOpts *opts, const char *name, uint64_t defval,
                       uint64_t *value, Error **errp)
{
    const char *v = qemu_opt_get(opts, name);

    if (!v) {
        *value = defval;
        return true;
    }
    if (qemu_strtosz(v, NULL, value) < 0) {
        error_setg(errp, "Parameter '%s' expects a size "
                   "(a number with an optional K, M, G, T suffix)", name);
        return false;
    }
    return true;
}

bool qemu_opts_check_known(QemuOpts *opts, const char *const *known,
                           Error **errp)
{
    for (guint i = 0; i < opts->opts->len; i++) {
        QemuOpt *opt = g_ptr_array_index(opts->opts, i);

        if (!g_strv_contains(known, opt->name)) {
            error_setg(errp, "Invalid parameter '%s'", opt->name);
            return false;
        }
    }
    return true;
}

bool qemu_opts_foreach_opt(QemuOpts *opts, QemuOptsIter *fn, void *opaque)
{
    for (guint i = 0; i < opts->opts->len; i++) {
        QemuOpt *opt = g_ptr_array_index(opts->opts, i);

        if (!fn(opt->name, opt->value, opaque)) {
            return false;
        }
    }
    return true;
}
