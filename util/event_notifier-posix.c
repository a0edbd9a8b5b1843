/*
 * Event notifiers on an eventfd or a pipe (include/qemu/event_notifier.h).
 */
#include "qemu/osdep.h"
#include "qemu/event_notifier.h"
#ifdef CONFIG_EVENTFD
#include <sys/eventfd.h>
#endif

int event_notifier_init(EventNotifier *e, int active)
{
    int fds[2];
    int ret;

#ifdef CONFIG_EVENTFD
    ret = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (ret >= 0) {
        e->rfd = e->wfd = ret;
        goto done;
    }
    /* Fall back to a pipe: the kernel may lack eventfd (ENOSYS). */
#endif
    if (!g_unix_open_pipe(fds, FD_CLOEXEC, NULL)) {
        return -errno;
    }
    qemu_set_nonblock(fds[0]);
    qemu_set_nonblock(fds[1]);
    e->rfd = fds[0];
    e->wfd = fds[1];
#ifdef CONFIG_EVENTFD
done:
#endif
    e->initialized = true;
    if (active) {
        ret = event_notifier_set(e);
        if (ret < 0) {
            event_notifier_cleanup(e);
            return ret;
        }
    }
    return 0;
}

void event_notifier_cleanup(EventNotifier *e)
{
    if (!e->initialized) {
        return;
    }
    if (e->rfd != e->wfd) {
        close(e->wfd);
    }
    close(e->rfd);
    e->rfd = e->wfd = -1;
    e->initialized = false;
}

int event_notifier_set(EventNotifier *e)
{
    /* An eventfd wants 8 bytes; a pipe takes any number. */
    static const uint64_t one = 1;
    ssize_t ret;

    assert(e->initialized);
    do {
        ret = write(e->wfd, &one, sizeof(one));
    } while (ret < 0 && errno == EINTR);

    /* EAGAIN: the pipe or counter is full, so it is readable already. */
    if (ret < 0 && errno != EAGAIN) {
        return -errno;
    }
    return 0;
}

int event_notifier_test_and_clear(EventNotifier *e)
{
    char buffer[512];
    ssize_t len;
    bool value = false;

    assert(e->initialized);
    /*
     * An eventfd is emptied by one read of 8 bytes; a pipe may hold many
     * sets, so read until it would block.
     */
    do {
        len = read(e->rfd, buffer, sizeof(buffer));
        value |= len > 0;
    } while ((len == -1 && errno == EINTR) || len == sizeof(buffer));

    return value;
}

int event_notifier_get_fd(const EventNotifier *e)
{
    return e->rfd;
}

int event_notifier_get_wfd(const EventNotifier *e)
{
    return e->wfd;
}
