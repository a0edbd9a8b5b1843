/*
 * Error objects: how a function tells its caller what went wrong.
 *
 * A function that can fail takes "Error **errp" last and, on failure,
 * calls error_setg(errp, "...") and returns a failure value.  The caller
 * passes
 *   - &local_err (initialised to NULL) to inspect the error, then
 *     error_propagate() or error_free() it;
 *   - NULL to ignore it;
 *   - &error_fatal to report it and exit(1): for configuration errors;
 *   - &error_abort to report it and abort(): when failure is a bug.
 * Setting an error on an errp that already holds one is a bug.
 */
#ifndef QAPI_ERROR_H
#define QAPI_ERROR_H

typedef struct Error Error;

/* The error classes of QMP, which the monitor reports as "class". */
typedef enum ErrorClass {
    ERROR_CLASS_GENERIC_ERROR,
    ERROR_CLASS_COMMAND_NOT_FOUND,
    ERROR_CLASS_DEVICE_NOT_ACTIVE,
    ERROR_CLASS_DEVICE_NOT_FOUND,
    ERROR_CLASS_KVM_MISSING_CAP,
    ERROR_CLASS__MAX,
} ErrorClass;

extern Error *error_abort;
extern Error *error_fatal;

const char *error_get_pretty(const Error *err);
ErrorClass error_get_class(const Error *err);
const char *error_class_name(ErrorClass cls);

#define error_setg(errp, fmt, ...)                                      \
    error_setg_internal((errp), __FILE__, __LINE__, __func__,           \
                        ERROR_CLASS_GENERIC_ERROR, (fmt), ## __VA_ARGS__)
#define error_set(errp, err_class, fmt, ...)                            \
    error_setg_internal((errp), __FILE__, __LINE__, __func__,           \
                        (err_class), (fmt), ## __VA_ARGS__)
/* As error_setg, with ": strerror(os_errno)" appended. */
#define error_setg_errno(errp, os_errno, fmt, ...)                      \
    error_setg_errno_internal((errp), __FILE__, __LINE__, __func__,     \
                              (os_errno), (fmt), ## __VA_ARGS__)

void error_setg_internal(Error **errp, const char *src, int line,
                         const char *func, ErrorClass err_class,
                         const char *fmt, ...)
    G_GNUC_PRINTF(6, 7);
void error_setg_errno_internal(Error **errp, const char *src, int line,
                               const char *func, int os_errno,
                               const char *fmt, ...)
    G_GNUC_PRINTF(6, 7);

/*
 * Move local_err to dst_errp: report it if dst_errp is &error_fatal or
 * &error_abort, free it if dst_errp is NULL or already holds an error.
 */
void error_propagate(Error **dst_errp, Error *local_err);

/* Prefix the message of *errp with the formatted string, if *errp is set. */
void error_prepend(Error **errp, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Add a hint, printed on its own line after the message. */
void error_append_hint(Error *const *errp, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

Error *error_copy(const Error *err);
void error_free(Error *err);
/* Free *errp if set, and reset it to NULL. */
void error_free_or_abort(Error **errp);

/* Print err with error_report() and free it. */
void error_report_err(Error *err);
/* Print err with warn_report() and free it. */
void warn_report_err(Error *err);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Error, error_free)

#endif /* QAPI_ERROR_H */
