/*
 * Messages for humans, in the form "progname: location: message".
 *
 * The location says where the bad input came from: the command line option
 * being parsed ("-m foo: ...") or nothing.  Set it with loc_set_cmdline()
 * while processing an option and clear it with loc_set_none().
 */
#ifndef QEMU_ERROR_REPORT_H
#define QEMU_ERROR_REPORT_H

typedef struct Location {
    enum { LOC_NONE, LOC_CMDLINE } kind;
    int num;
    const void *ptr;
    struct Location *prev;
} Location;

Location *loc_push_restore(Location *loc);
Location *loc_push_none(Location *loc);
Location *loc_pop(Location *loc);
void loc_set_none(void);
/* The current location is argv[idx..idx+cnt-1]. */
void loc_set_cmdline(char **argv, int idx, int cnt);

void error_set_progname(const char *argv0);
const char *error_get_progname(void);

void error_vprintf(const char *fmt, va_list ap) G_GNUC_PRINTF(1, 0);
void error_printf(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

void error_vreport(const char *fmt, va_list ap) G_GNUC_PRINTF(1, 0);
void warn_vreport(const char *fmt, va_list ap) G_GNUC_PRINTF(1, 0);
void info_vreport(const char *fmt, va_list ap) G_GNUC_PRINTF(1, 0);

void error_report(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void warn_report(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void info_report(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* Report only the first time this call site runs. */
#define error_report_once(fmt, ...)                 \
    ({                                              \
        static bool print_once_;                    \
        if (!print_once_) {                         \
            print_once_ = true;                     \
            error_report(fmt, ##__VA_ARGS__);       \
        }                                           \
    })

#define warn_report_once(fmt, ...)                  \
    ({                                              \
        static bool print_once_;                    \
        if (!print_once_) {                         \
            print_once_ = true;                     \
            warn_report(fmt, ##__VA_ARGS__);        \
        }                                           \
    })

/*
 * Where this thread's messages go.  By default stderr; the monitor sends
 * them to its client while it runs a command, then restores the default
 * with error_printf_set_sink(NULL, NULL).  The setting is per thread, so a
 * vCPU thread's warnings never land in a monitor reply.
 */
typedef void ErrorSinkFunc(void *opaque, const char *msg);
void error_printf_set_sink(ErrorSinkFunc *fn, void *opaque);

#endif /* QEMU_ERROR_REPORT_H */
