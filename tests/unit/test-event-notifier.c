/*
 * Event notifiers (include/qemu/event_notifier.h): readable after a set,
 * cleared by test_and_clear, several sets counting as one, and a set from
 * another thread waking a poll().
 */
#include "qemu/osdep.h"
#include "qemu/event_notifier.h"
#include "qemu/thread.h"
#include <poll.h>

/* True if the notifier's fd is readable within timeout_ms. */
static bool readable(EventNotifier *e, int timeout_ms)
{
    struct pollfd pfd = {
        .fd = event_notifier_get_fd(e),
        .events = POLLIN,
    };
    int ret;

    do {
        ret = poll(&pfd, 1, timeout_ms);
    } while (ret < 0 && errno == EINTR);
    g_assert_cmpint(ret, >=, 0);
    return ret == 1 && (pfd.revents & POLLIN);
}

static void test_set_clear(void)
{
    EventNotifier e;

    g_assert_cmpint(event_notifier_init(&e, false), ==, 0);
    g_assert_cmpint(event_notifier_get_fd(&e), >=, 0);
    g_assert_cmpint(event_notifier_get_wfd(&e), >=, 0);
    g_assert_false(readable(&e, 0));
    g_assert_false(event_notifier_test_and_clear(&e));

    g_assert_cmpint(event_notifier_set(&e), ==, 0);
    g_assert_true(readable(&e, 0));
    g_assert_true(event_notifier_test_and_clear(&e));
    g_assert_false(readable(&e, 0));
    g_assert_false(event_notifier_test_and_clear(&e));

    /* Many sets before a clear are consumed by one clear. */
    for (int i = 0; i < 1000; i++) {
        g_assert_cmpint(event_notifier_set(&e), ==, 0);
    }
    g_assert_true(event_notifier_test_and_clear(&e));
    g_assert_false(readable(&e, 0));

    event_notifier_cleanup(&e);
    g_assert_cmpint(event_notifier_get_fd(&e), ==, -1);
    /* A second cleanup is harmless. */
    event_notifier_cleanup(&e);
}

static void test_init_active(void)
{
    EventNotifier e;

    g_assert_cmpint(event_notifier_init(&e, true), ==, 0);
    g_assert_true(readable(&e, 0));
    g_assert_true(event_notifier_test_and_clear(&e));
    g_assert_false(readable(&e, 0));
    event_notifier_cleanup(&e);
}

static void *setter(void *opaque)
{
    EventNotifier *e = opaque;

    g_usleep(20 * 1000);
    g_assert_cmpint(event_notifier_set(e), ==, 0);
    return NULL;
}

static void test_wakes_poll(void)
{
    EventNotifier e;
    QemuThread thread;

    g_assert_cmpint(event_notifier_init(&e, false), ==, 0);
    for (int i = 0; i < 3; i++) {
        qemu_thread_create(&thread, "notifier-set", setter, &e,
                           QEMU_THREAD_JOINABLE);
        /* A generous timeout only turns a lost wake-up into a failure. */
        g_assert_true(readable(&e, 10000));
        g_assert_true(event_notifier_test_and_clear(&e));
        qemu_thread_join(&thread);
    }
    event_notifier_cleanup(&e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/event-notifier/set-clear", test_set_clear);
    g_test_add_func("/event-notifier/init-active", test_init_active);
    g_test_add_func("/event-notifier/wakes-poll", test_wakes_poll);
    return g_test_run();
}
