/*
 * Event notifiers: a file descriptor that becomes readable when someone
 * calls event_notifier_set(), so that a thread blocked in poll() (the main
 * loop) can be woken.  Several sets before a test_and_clear count as one.
 *
 * On Linux this is an eventfd; elsewhere, or if eventfd fails, a
 * non-blocking pipe whose read end is polled.
 */
#ifndef QEMU_EVENT_NOTIFIER_H
#define QEMU_EVENT_NOTIFIER_H

typedef struct EventNotifier {
    int rfd;            /* polled for readability; -1 when not initialised */
    int wfd;            /* written by event_notifier_set; == rfd for eventfd */
    bool initialized;
} EventNotifier;

/*
 * Create the descriptors, already set if active is non-zero.  Returns 0,
 * or -errno if no descriptor could be created (e is left uninitialised).
 */
int event_notifier_init(EventNotifier *e, int active);
void event_notifier_cleanup(EventNotifier *e);

/*
 * Make the notifier readable.  Safe from any thread and from signal
 * handlers.  Returns 0, or -errno on an unexpected write error.
 */
int event_notifier_set(EventNotifier *e);

/* Consume every pending set; returns true if there was one. */
int event_notifier_test_and_clear(EventNotifier *e);

/* The descriptor to poll for readability. */
int event_notifier_get_fd(const EventNotifier *e);
/* The descriptor that event_notifier_set writes. */
int event_notifier_get_wfd(const EventNotifier *e);

#endif /* QEMU_EVENT_NOTIFIER_H */
