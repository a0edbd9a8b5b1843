/*
 * The first header of every Grace .c file: the host configuration, the C
 * library, GLib and the helpers that everything assumes.
 */
#ifndef QEMU_OSDEP_H
#define QEMU_OSDEP_H

#include "config-host.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <glib-unix.h>

#include "qemu/compiler.h"

#ifndef MIN
#define MIN(a, b) (((a) < (b)) ? (a) : (b))
#endif
#ifndef MAX
#define MAX(a, b) (((a) > (b)) ? (a) : (b))
#endif

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(x) (sizeof(x) / sizeof((x)[0]))
#endif

/* Round n down/up to a multiple of d, which must be a power of 2. */
#define QEMU_ALIGN_DOWN(n, d)   ((n) / (d) * (d))
#define QEMU_ALIGN_UP(n, d)     QEMU_ALIGN_DOWN((n) + (d) - 1, (d))
#define QEMU_IS_ALIGNED(n, m)   (((n) % (m)) == 0)
#define ROUND_UP(n, d)          (((n) + (d) - 1) & -(0 ? (n) : (d)))
#define DIV_ROUND_UP(n, d)      (((n) + (d) - 1) / (d))

#define KiB     (INT64_C(1) << 10)
#define MiB     (INT64_C(1) << 20)
#define GiB     (INT64_C(1) << 30)
#define TiB     (INT64_C(1) << 40)

#define NANOSECONDS_PER_SECOND 1000000000LL
#define SCALE_MS 1000000
#define SCALE_US 1000
#define SCALE_NS 1

/* Allocate size bytes aligned to alignment (a power of 2); abort on OOM. */
void *qemu_memalign(size_t alignment, size_t size);
/* As qemu_memalign, but return NULL on failure. */
void *qemu_try_memalign(size_t alignment, size_t size);
void qemu_vfree(void *ptr);

/*
 * Anonymous, page-aligned, zeroed memory for guest RAM; NULL on failure.
 * The host allocates pages on first touch (MAP_NORESERVE).  With shared,
 * the pages are shared memory (MAP_SHARED): a child of fork sees the same
 * pages, and discarding them needs MADV_REMOVE rather than MADV_DONTNEED.
 */
void *qemu_anon_ram_alloc(size_t size);
void *qemu_anon_ram_alloc_shared(size_t size);
void qemu_anon_ram_free(void *ptr, size_t size);

/*
 * Let memory from qemu_anon_ram_alloc use transparent huge pages where
 * the host has them (on, as it was allocated), or only small pages from
 * now on (off; huge pages already there stay).  Advice only: nothing
 * happens on hosts without them.
 */
void qemu_anon_ram_set_hugepages(void *ptr, size_t size, bool on);

/* The host page size, computed once. */
size_t qemu_real_host_page_size(void);

/* The kernel's id of the calling thread (gettid on Linux). */
int qemu_get_thread_id(void);

/* Number of online host CPUs. */
int qemu_get_host_cpus(void);

/* Set O_NONBLOCK on fd. */
void qemu_set_nonblock(int fd);
void qemu_set_block(int fd);

/* Write all of buf, retrying on EINTR and short writes; -1 on error. */
ssize_t qemu_write_full(int fd, const void *buf, size_t count);

/*
 * Sleep for at least ms milliseconds of CLOCK_MONOTONIC time.  Signals do
 * not cut the sleep short: it resumes until the deadline.
 */
void qemu_msleep(unsigned ms);

#endif /* QEMU_OSDEP_H */
