/*
 * Grace test guest: what init.c (the platform checks, the shell, main)
 * and smp.c (the SMP checks, the SMP stress and the scaling workload)
 * share.
 *
 * Both files are compiled against the kernel's nolibc, which is all
 * static or weak functions: each translation unit has its own copy of
 * the system call wrappers and, with them, its own errno.  So errno is
 * read in the file that made the call.
 */

#ifndef GRACE_GUEST_INIT_H
#define GRACE_GUEST_INIT_H

#include <stdbool.h>
#include "nolibc.h"

/* The prefix of every line a test reads. */
#define MARK "GRACE-INIT: "

enum result {
    RESULT_PASS,
    RESULT_FAIL,
    RESULT_SKIP,
};

/* A check fills detail with one line and returns its verdict. */
typedef enum result (*CheckFn)(char *detail, size_t size);

/* init.c: output, one write() per line so kernel messages stay apart */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void format(char *dst, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* init.c: files, clocks and the kernel command line */
long read_file(const char *path, char *buf, size_t size);
int clock_gettime_ns(int clock, unsigned long *ns);
int sleep_ns(unsigned long ns);
bool cmdline_get(const char *name, char *val, size_t size);

/*
 * Call fn for each entry of the directory path except "." and "..",
 * with the entry's name and d_type, until fn returns false.  Returns 0,
 * or a negative errno.
 */
typedef bool DirentFn(const char *name, unsigned type, void *opaque);
int for_each_dirent(const char *path, DirentFn *fn, void *opaque);

/* smp.c */
enum result check_cpus(char *detail, size_t size);
int run_smp_stress(void);
int run_smp_bench(void);

#endif
