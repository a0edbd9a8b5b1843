/*
 * Debug logging selected with -d and sent to -D (stderr by default).
 *
 * qemu_log_mask(mask, ...) prints only if one of the mask's bits was asked
 * for.  Safe from any thread: each call is written as one block.
 */
#ifndef QEMU_LOG_H
#define QEMU_LOG_H

#include "qemu/atomic.h"

#define CPU_LOG_TB_OUT_ASM  (1 << 0)
#define CPU_LOG_TB_IN_ASM   (1 << 1)
#define CPU_LOG_TB_OP       (1 << 2)
#define CPU_LOG_INT         (1 << 4)
#define CPU_LOG_EXEC        (1 << 5)
#define CPU_LOG_TB_CPU      (1 << 8)
#define CPU_LOG_RESET       (1 << 9)
#define LOG_UNIMP           (1 << 10)
#define LOG_GUEST_ERROR     (1 << 11)
#define CPU_LOG_MMU         (1 << 12)

/* The current mask; read it with qemu_loglevel_mask(). */
extern int qemu_loglevel;

static inline bool qemu_loglevel_mask(int mask)
{
    return (qatomic_read(&qemu_loglevel) & mask) != 0;
}

void qemu_log(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

#define qemu_log_mask(MASK, FMT, ...)                   \
    do {                                                \
        if (unlikely(qemu_loglevel_mask(MASK))) {       \
            qemu_log(FMT, ## __VA_ARGS__);              \
        }                                               \
    } while (0)

/*
 * Hold the log for a multi-line message: qemu_log_trylock() returns the
 * FILE to print to (or NULL if logging is off); qemu_log_unlock() ends it.
 */
FILE *qemu_log_trylock(void);
void qemu_log_unlock(FILE *f);

typedef struct QEMULogItem {
    int mask;
    const char *name;
    const char *help;
} QEMULogItem;

extern const QEMULogItem qemu_log_items[];

/* Parse "in_asm,int,..." into a mask; 0 and *errp set if a name is bad. */
typedef struct Error Error;
int qemu_str_to_log_mask(const char *str, Error **errp);
void qemu_set_log(int log_flags);
/* Send the log to filename (NULL: stderr); false with *errp on failure. */
bool qemu_set_log_filename(const char *filename, Error **errp);
/* Print the list of -d items to f. */
void qemu_print_log_usage(FILE *f);

#endif /* QEMU_LOG_H */
