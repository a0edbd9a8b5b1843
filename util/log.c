/*
 * Debug logging (include/qemu/log.h).
 *
 * qemu_loglevel: written with qatomic_set by whoever changes the -d mask,
 * read with qatomic_read by every thread; a change takes effect at each
 * thread's next check.
 * log_file: read and written only under log_lock.  Every message is
 * printed under log_lock too, so the old file can be closed as soon as it
 * has been swapped out.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/thread.h"
#include "qapi/error.h"

int qemu_loglevel;
static FILE *log_file;
static GMutex log_lock;     /* GLib mutexes need no initialisation */

const QEMULogItem qemu_log_items[] = {
    { CPU_LOG_TB_OUT_ASM, "out_asm", "show generated host code" },
    { CPU_LOG_TB_IN_ASM, "in_asm", "show guest instructions as translated" },
    { CPU_LOG_TB_OP, "op", "show the operations generated for each block" },
    { CPU_LOG_INT, "int", "show interrupts and exceptions" },
    { CPU_LOG_EXEC, "exec", "show each translation block run" },
    { CPU_LOG_TB_CPU, "cpu", "show the CPU registers before each block" },
    { CPU_LOG_RESET, "cpu_reset", "show the CPU state on reset" },
    { CPU_LOG_MMU, "mmu", "log page-table walks" },
    { LOG_UNIMP, "unimp", "log unimplemented functionality" },
    { LOG_GUEST_ERROR, "guest_errors",
      "log when the guest does something invalid" },
    { 0, NULL, NULL },
};

static FILE *log_stream(void)
{
    return log_file ? log_file : stderr;
}

void qemu_log(const char *fmt, ...)
{
    va_list ap;
    FILE *f;

    g_mutex_lock(&log_lock);
    f = log_stream();
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    g_mutex_unlock(&log_lock);
}

FILE *qemu_log_trylock(void)
{
    g_mutex_lock(&log_lock);
    return log_stream();
}

void qemu_log_unlock(FILE *f)
{
    if (f) {
        fflush(f);
    }
    g_mutex_unlock(&log_lock);
}

int qemu_str_to_log_mask(const char *str, Error **errp)
{
    g_auto(GStrv) parts = g_strsplit(str, ",", 0);
    int mask = 0;

    for (char **p = parts; *p; p++) {
        const QEMULogItem *item;

        if (!strcmp(*p, "all")) {
            for (item = qemu_log_items; item->mask; item++) {
                mask |= item->mask;
            }
            continue;
        }
        for (item = qemu_log_items; item->mask; item++) {
            if (!strcmp(item->name, *p)) {
                mask |= item->mask;
                break;
            }
        }
        if (!item->mask) {
            error_setg(errp, "unknown log item '%s' (use -d help for a list)",
                       *p);
            return 0;
        }
    }
    return mask;
}

void qemu_set_log(int log_flags)
{
    qatomic_set(&qemu_loglevel, log_flags);
}

bool qemu_set_log_filename(const char *filename, Error **errp)
{
    FILE *f = NULL, *old;

    if (filename) {
        f = fopen(filename, "w");
        if (!f) {
            error_setg_errno(errp, errno, "cannot open log file '%s'",
                             filename);
            return false;
        }
        /* Line buffered, so a crash loses at most one line. */
        setvbuf(f, NULL, _IOLBF, 0);
    }
    g_mutex_lock(&log_lock);
    old = log_file;
    log_file = f;
    g_mutex_unlock(&log_lock);
    if (old) {
        fclose(old);
    }
    return true;
}

void qemu_print_log_usage(FILE *f)
{
    fprintf(f, "Log items (comma separated):\n");
    for (const QEMULogItem *item = qemu_log_items; item->mask; item++) {
        fprintf(f, "%-15s %s\n", item->name, item->help);
    }
    fprintf(f, "%-15s %s\n", "all", "everything above");
}
