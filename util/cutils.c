/*
 * String helpers and number parsers (include/qemu/cutils.h).
 */
#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qapi/error.h"

/*
 * Common tail of the integer parsers: ep is where strto*() stopped, err its
 * errno.  With no endptr the whole string must have been consumed.
 */
static int check_strtox_error(const char *nptr, const char *ep,
                              const char **endptr, int err)
{
    if (err == 0 && ep == nptr) {
        err = EINVAL;
    }
    if (err == 0 && !endptr && *ep) {
        err = EINVAL;
    }
    if (endptr) {
        *endptr = ep;
    }
    return -err;
}

/* strtoull accepts "-5" as 2^64 - 5; the unsigned parsers refuse a sign. */
static bool has_minus_sign(const char *nptr)
{
    while (g_ascii_isspace(*nptr)) {
        nptr++;
    }
    return *nptr == '-';
}

int qemu_strtoi64(const char *nptr, const char **endptr, int base,
                  int64_t *result)
{
    char *ep;
    long long val;
    int ret;

    if (!nptr) {
        if (endptr) {
            *endptr = nptr;
        }
        return -EINVAL;
    }
    errno = 0;
    val = strtoll(nptr, &ep, base);
    ret = check_strtox_error(nptr, ep, endptr, errno);
    if (ret == 0 || ret == -ERANGE) {
        *result = val;
    }
    return ret;
}

int qemu_strtou64(const char *nptr, const char **endptr, int base,
                  uint64_t *result)
{
    char *ep;
    unsigned long long val;
    int ret;

    if (!nptr || has_minus_sign(nptr)) {
        if (endptr) {
            *endptr = nptr;
        }
        return -EINVAL;
    }
    errno = 0;
    val = strtoull(nptr, &ep, base);
    ret = check_strtox_error(nptr, ep, endptr, errno);
    if (ret == 0 || ret == -ERANGE) {
        *result = val;
    }
    return ret;
}

int qemu_strtol(const char *nptr, const char **endptr, int base, long *result)
{
    int64_t val;
    int ret;

    QEMU_BUILD_BUG_ON(sizeof(long) != sizeof(int64_t));
    ret = qemu_strtoi64(nptr, endptr, base, &val);
    if (ret == 0 || ret == -ERANGE) {
        *result = val;
    }
    return ret;
}

int qemu_strtoul(const char *nptr, const char **endptr, int base,
                 unsigned long *result)
{
    uint64_t val;
    int ret;

    ret = qemu_strtou64(nptr, endptr, base, &val);
    if (ret == 0 || ret == -ERANGE) {
        *result = val;
    }
    return ret;
}

int qemu_strtoi(const char *nptr, const char **endptr, int base, int *result)
{
    int64_t val;
    int ret = qemu_strtoi64(nptr, endptr, base, &val);

    if (ret == -EINVAL) {
        return ret;
    }
    if (val > INT_MAX) {
        *result = INT_MAX;
        return -ERANGE;
    }
    if (val < INT_MIN) {
        *result = INT_MIN;
        return -ERANGE;
    }
    *result = val;
    return ret;
}

int qemu_strtoui(const char *nptr, const char **endptr, int base,
                 unsigned int *result)
{
    uint64_t val;
    int ret = qemu_strtou64(nptr, endptr, base, &val);

    if (ret == -EINVAL) {
        return ret;
    }
    if (val > UINT_MAX) {
        *result = UINT_MAX;
        return -ERANGE;
    }
    *result = val;
    return ret;
}

/* The multiplier for a size suffix, or 0 if c is not one. */
static uint64_t suffix_mul(char c, unsigned unit)
{
    uint64_t mul = 1;
    const char *suffixes = "KMGTPE";
    const char *p;

    c = g_ascii_toupper(c);
    if (c == 'B') {
        return 1;
    }
    p = strchr(suffixes, c);
    if (!c || !p) {
        return 0;
    }
    for (int i = 0; i <= p - suffixes; i++) {
        mul *= unit;
    }
    return mul;
}

/*
 * Parse "<integer>[.<fraction>][suffix]".  The fraction is allowed only in
 * decimal, and only where it scales to whole bytes with a suffix (or a
 * default unit) larger than a byte.
 */
static int do_strtosz(const char *nptr, const char **end,
                      const char default_suffix, unsigned unit,
                      uint64_t *result)
{
    const char *endptr, *fracp = NULL;
    const char *digits = nptr + strspn(nptr, " \t\n");
    bool hex = g_str_has_prefix(digits, "0x") || g_str_has_prefix(digits, "0X");
    uint64_t val, mul;
    double fraction = 0.0;
    int ret;

    /* Decimal or 0x hex; a leading 0 does not mean octal here. */
    ret = qemu_strtou64(nptr, &endptr, hex ? 16 : 10, &val);
    if (ret) {
        goto out;
    }
    if (*endptr == '.') {
        char *fend;

        fracp = endptr;
        if (hex || !g_ascii_isdigit(fracp[1])) {
            ret = -EINVAL;
            goto out;
        }
        errno = 0;
        fraction = strtod(fracp, &fend);
        if (errno) {
            ret = -EINVAL;
            goto out;
        }
        endptr = fend;
    }

    mul = suffix_mul(*endptr, unit);
    if (mul) {
        endptr++;
    } else {
        mul = suffix_mul(default_suffix, unit);
        assert(mul);
    }
    if (mul == 1 && fraction != 0.0) {
        /* "1.5" bytes makes no sense */
        ret = -EINVAL;
        goto out;
    }
    if (val > UINT64_MAX / mul) {
        ret = -ERANGE;
        goto out;
    }
    val *= mul;
    if (fraction != 0.0) {
        uint64_t extra = (uint64_t)(fraction * (double)mul);

        if (val > UINT64_MAX - extra) {
            ret = -ERANGE;
            goto out;
        }
        val += extra;
    }
    if (!end && *endptr) {
        ret = -EINVAL;
        goto out;
    }
    *result = val;
    ret = 0;

out:
    if (end) {
        *end = endptr;
    }
    return ret;
}

int qemu_strtosz(const char *nptr, const char **end, uint64_t *result)
{
    return do_strtosz(nptr, end, 'B', 1024, result);
}

int qemu_strtosz_MiB(const char *nptr, const char **end, uint64_t *result)
{
    return do_strtosz(nptr, end, 'M', 1024, result);
}

int qemu_strtosz_metric(const char *nptr, const char **end, uint64_t *result)
{
    return do_strtosz(nptr, end, 'B', 1000, result);
}

char *size_to_str(uint64_t val)
{
    static const char *const units[] = {
        "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"
    };
    double d = val;
    unsigned i = 0;

    while (d >= 1024 && i < ARRAY_SIZE(units) - 1) {
        d /= 1024;
        i++;
    }
    if (i == 0) {
        return g_strdup_printf("%" PRIu64 " B", val);
    }
    /* Whole numbers print without a fraction: "256 MiB", "1.5 GiB". */
    if (d == (double)(uint64_t)d) {
        return g_strdup_printf("%" PRIu64 " %s", (uint64_t)d, units[i]);
    }
    return g_strdup_printf("%0.3g %s", d, units[i]);
}

void pstrcpy(char *buf, int buf_size, const char *str)
{
    if (buf_size <= 0) {
        return;
    }
    g_strlcpy(buf, str, buf_size);
}

int strstart(const char *str, const char *val, const char **ptr)
{
    size_t len = strlen(val);

    if (strncmp(str, val, len) != 0) {
        return 0;
    }
    if (ptr) {
        *ptr = str + len;
    }
    return 1;
}

bool qapi_bool_parse(const char *name, const char *value, bool *obj,
                     Error **errp)
{
    static const char *const yes[] = { "on", "yes", "true", "y" };
    static const char *const no[] = { "off", "no", "false", "n" };

    for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
        if (!strcmp(value, yes[i])) {
            *obj = true;
            return true;
        }
        if (!strcmp(value, no[i])) {
            *obj = false;
            return true;
        }
    }
    error_setg(errp, "Parameter '%s' expects 'on' or 'off'", name);
    return false;
}

bool id_wellformed(const char *id)
{
    if (!g_ascii_isalpha(id[0])) {
        return false;
    }
    for (const char *p = id + 1; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("-._", *p)) {
            return false;
        }
    }
    return true;
}
