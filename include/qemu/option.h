/*
 * "key=value,key=value" option strings, as on QEMU's command line.
 *
 * A literal comma inside a value is written ",,".  The first element may
 * omit its key when the caller names an implied key ("virt,dumpdtb=f"
 * with implied key "type").  A key without "=value" means "on", and
 * "nokey" means "off" (QEMU's legacy boolean forms: "server,nowait").
 * Keys keep their command-line order; a repeated key keeps the last value.
 */
#ifndef QEMU_OPTION_H
#define QEMU_OPTION_H

typedef struct QemuOpts QemuOpts;
typedef struct Error Error;

/* Parse params; NULL with *errp on a syntax error. */
QemuOpts *qemu_opts_parse(const char *params, const char *implied_key,
                          Error **errp);
void qemu_opts_del(QemuOpts *opts);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QemuOpts, qemu_opts_del)

/* The value of name, or NULL if absent. */
const char *qemu_opt_get(QemuOpts *opts, const char *name);
bool qemu_opt_has(QemuOpts *opts, const char *name);
/* "id", or NULL. */
const char *qemu_opts_id(QemuOpts *opts);

/*
 * Typed getters: return true and store the value (or defval if absent);
 * false with *errp naming the option if the value does not parse.
 */
bool qemu_opt_get_bool(QemuOpts *opts, const char *name, bool defval,
                       bool *value, Error **errp);
bool qemu_opt_get_number(QemuOpts *opts, const char *name, uint64_t defval,
                         uint64_t *value, Error **errp);
/* Sizes take suffixes: "256M"; a bare number is bytes. */
bool qemu_opt_get_size(QemuOpts *opts, const char *name, uint64_t defval,
                       uint64_t *value, Error **errp);

/* False with "Invalid parameter 'x'" if opts has a key not in known. */
bool qemu_opts_check_known(QemuOpts *opts, const char *const *known,
                           Error **errp);

/* Call fn(name, value, opaque) for each option in order; stops and
 * returns false when fn does. */
typedef bool QemuOptsIter(const char *name, const char *value, void *opaque);
bool qemu_opts_foreach_opt(QemuOpts *opts, QemuOptsIter *fn, void *opaque);

#endif /* QEMU_OPTION_H */
