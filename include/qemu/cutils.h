/*
 * String helpers and number parsers.
 *
 * The parsers take the string, an optional end pointer and the result.
 * They return 0 on success, -EINVAL if nptr holds no number (or, with a
 * NULL endptr, has trailing characters), or -ERANGE if the value does not
 * fit; *result is set only on success, except that -ERANGE stores the
 * clamped value as strtol does.  Leading white space is allowed; a minus
 * sign is rejected by the unsigned parsers (unlike strtoul, which wraps).
 */
#ifndef QEMU_CUTILS_H
#define QEMU_CUTILS_H

int qemu_strtoi(const char *nptr, const char **endptr, int base, int *result);
int qemu_strtoui(const char *nptr, const char **endptr, int base,
                 unsigned int *result);
int qemu_strtol(const char *nptr, const char **endptr, int base, long *result);
int qemu_strtoul(const char *nptr, const char **endptr, int base,
                 unsigned long *result);
int qemu_strtoi64(const char *nptr, const char **endptr, int base,
                  int64_t *result);
int qemu_strtou64(const char *nptr, const char **endptr, int base,
                  uint64_t *result);

/*
 * Sizes: a number (decimal, or hex with 0x), optionally fractional, and an
 * optional suffix B, K, M, G, T, P or E (powers of 1024; lower case too).
 * qemu_strtosz takes bytes as the default unit, qemu_strtosz_MiB takes
 * MiB (so "-m 256" means 256 MiB), and qemu_strtosz_metric uses powers of
 * 1000.  Negative numbers, overflow beyond 2^64 - 1 and an unknown suffix
 * are errors.
 */
int qemu_strtosz(const char *nptr, const char **end, uint64_t *result);
int qemu_strtosz_MiB(const char *nptr, const char **end, uint64_t *result);
int qemu_strtosz_metric(const char *nptr, const char **end, uint64_t *result);

/* A human-readable size: "256 MiB", "1.5 GiB", "512 B". Free with g_free. */
char *size_to_str(uint64_t val);

/* Copy at most buf_size - 1 characters of str and NUL-terminate buf. */
void pstrcpy(char *buf, int buf_size, const char *str);
/* If str starts with val, set *ptr past it and return 1; else 0. */
int strstart(const char *str, const char *val, const char **ptr);

/*
 * Is id a valid object or device id?  QEMU's rule: a letter, then
 * letters, digits, '-', '.' and '_'.
 */
bool id_wellformed(const char *id);

/* Parse "on"/"off"/"yes"/"no"/"true"/"false"; false with *errp on error. */
typedef struct Error Error;
bool qapi_bool_parse(const char *name, const char *value, bool *obj,
                     Error **errp);

#endif /* QEMU_CUTILS_H */
