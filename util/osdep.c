/*
 * Host helpers (include/qemu/osdep.h).
 */
#include "qemu/osdep.h"
#include <sys/mman.h>
#include <sys/syscall.h>
#include "qemu/atomic.h"
#include "qemu/bitops.h"

void *qemu_try_memalign(size_t alignment, size_t size)
{
    void *ptr;

    if (alignment < sizeof(void *)) {
        alignment = sizeof(void *);
    }
    assert(is_power_of_2(alignment));
    if (posix_memalign(&ptr, alignment, size ? size : 1)) {
        return NULL;
    }
    return ptr;
}

void *qemu_memalign(size_t alignment, size_t size)
{
    void *ptr = qemu_try_memalign(alignment, size);

    if (!ptr) {
        fprintf(stderr, "qemu_memalign: failed to allocate %zu bytes: %s\n",
                size, strerror(errno));
        abort();
    }
    return ptr;
}

void qemu_vfree(void *ptr)
{
    free(ptr);
}

/* Guest RAM is aligned to this, so that it can use huge pages. */
#define QEMU_VMALLOC_ALIGN  (2 * 1024 * 1024)

void *qemu_anon_ram_alloc(size_t size)
{
    size_t total = size + QEMU_VMALLOC_ALIGN;
    uint8_t *ptr = mmap(NULL, total, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    uint8_t *aligned;

    if (ptr == MAP_FAILED) {
        return NULL;
    }
    /* Keep the aligned part, give the slack on either side back. */
    aligned = (uint8_t *)QEMU_ALIGN_UP((uintptr_t)ptr, QEMU_VMALLOC_ALIGN);
    if (aligned > ptr) {
        munmap(ptr, aligned - ptr);
    }
    munmap(aligned + size, ptr + total - (aligned + size));
    /*
     * As QEMU does: transparent huge pages where the host offers them.
     * Fewer TLB misses for the host, and untouched memory reads as the
     * huge zero page, one fault per 2 MiB (migration reads it all).
     */
    qemu_anon_ram_set_hugepages(aligned, size, true);
    return aligned;
}

void qemu_anon_ram_set_hugepages(void *ptr, size_t size, bool on)
{
#ifdef MADV_HUGEPAGE
    if (size >= QEMU_VMALLOC_ALIGN) {
        madvise(ptr, size, on ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
    }
#endif
}

void *qemu_anon_ram_alloc_shared(size_t size)
{
    void *ptr = mmap(NULL, size, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

    return ptr == MAP_FAILED ? NULL : ptr;
}

void qemu_anon_ram_free(void *ptr, size_t size)
{
    if (ptr) {
        munmap(ptr, size);
    }
}

size_t qemu_real_host_page_size(void)
{
    static size_t page_size;

    if (!page_size) {
        qatomic_set(&page_size, (size_t)sysconf(_SC_PAGESIZE));
    }
    return qatomic_read(&page_size);
}

int qemu_get_thread_id(void)
{
#ifdef CONFIG_LINUX
    return syscall(SYS_gettid);
#else
    return getpid();
#endif
}

int qemu_get_host_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    return n > 0 ? n : 1;
}

void qemu_set_nonblock(int fd)
{
    int flags = fcntl(fd, F_GETFL);

    assert(flags != -1);
    if (!(flags & O_NONBLOCK)) {
        fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    }
}

void qemu_set_block(int fd)
{
    int flags = fcntl(fd, F_GETFL);

    assert(flags != -1);
    if (flags & O_NONBLOCK) {
        fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    }
}

ssize_t qemu_write_full(int fd, const void *buf, size_t count)
{
    size_t done = 0;

    while (done < count) {
        ssize_t ret = write(fd, (const char *)buf + done, count - done);

        if (ret < 0) {
            if (errno == EINTR) {
                continue;
            }
            return done ? (ssize_t)done : -1;
        }
        done += ret;
    }
    return done;
}

void qemu_msleep(unsigned ms)
{
    struct timespec deadline;
    int err;

    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += ms / 1000;
    deadline.tv_nsec += (long)(ms % 1000) * 1000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    /* An absolute deadline, so that a signal does not restart the count. */
    do {
        err = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL);
    } while (err == EINTR);
    assert(err == 0);
}
