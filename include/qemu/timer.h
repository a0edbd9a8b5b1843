/*
 * Clocks and timers.
 *
 *  QEMU_CLOCK_REALTIME  host monotonic time; runs even when the VM is
 *                       stopped (monitor timeouts, UI).
 *  QEMU_CLOCK_VIRTUAL   guest time: advances only while the VM runs
 *                       (cpu_enable_ticks), starting from 0, or when
 *                       qtest moves it (manual mode).  Devices' timers
 *                       (CLINT, UART timeouts) use it.
 *  QEMU_CLOCK_HOST      host wall-clock time (CLOCK_REALTIME); can jump.
 *
 * Timer callbacks run in the main loop thread with the BQL held.
 * timer_mod, timer_del and the clock reads are safe from any thread; a
 * timer's owner must not free it while another thread may be modifying it.
 */
#ifndef QEMU_TIMER_H
#define QEMU_TIMER_H

typedef enum QEMUClockType {
    QEMU_CLOCK_REALTIME = 0,
    QEMU_CLOCK_VIRTUAL = 1,
    QEMU_CLOCK_HOST = 2,
    QEMU_CLOCK_MAX
} QEMUClockType;

typedef void QEMUTimerCB(void *opaque);
typedef struct QEMUTimerList QEMUTimerList;
typedef struct QEMUTimer QEMUTimer;

struct QEMUTimer {
    int64_t expire_time;        /* in ns; -1 when not pending */
    QEMUTimerList *timer_list;
    QEMUTimerCB *cb;
    void *opaque;
    QEMUTimer *next;
    int scale;                  /* ns per unit of timer_mod's argument */
};

/* Host monotonic time in ns. */
int64_t get_clock(void);
/* Host wall-clock time in ns since the epoch. */
int64_t get_clock_realtime(void);

int64_t qemu_clock_get_ns(QEMUClockType type);

static inline int64_t qemu_clock_get_ms(QEMUClockType type)
{
    return qemu_clock_get_ns(type) / SCALE_MS;
}

static inline int64_t qemu_clock_get_us(QEMUClockType type)
{
    return qemu_clock_get_ns(type) / SCALE_US;
}

/* Allow or forbid running type's timers (they stay armed meanwhile). */
void qemu_clock_enable(QEMUClockType type, bool enabled);

/* Start and stop the virtual clock (vm_start / vm_stop). */
void cpu_enable_ticks(void);
void cpu_disable_ticks(void);
/*
 * Set the stopped virtual clock to ns (migration loads the source's
 * time); cpu_enable_ticks resumes from there.  The clock must be
 * stopped.
 */
void cpu_set_virtual_clock_stopped(int64_t ns);

/*
 * Manual virtual time, for qtest and the device fuzzer: while on, the
 * virtual clock stands still whether or not ticks are enabled, and only
 * qemu_clock_advance_virtual moves it.  Switching either way keeps the
 * clock's current value.  May come before the main loop is set up.
 */
void qemu_clock_set_virtual_manual(bool manual);

/*
 * Move the virtual clock forward to dest ns, running each virtual timer
 * that falls due on the way with the clock at its expiry, in order (as
 * QEMU's qtest clock_step does).  The clock must stand still (manual
 * mode, or ticks disabled); it never moves back: a dest in the past runs
 * only the timers already due.  Returns the clock's new value.  BQL held
 * (the timers' callbacks run here).
 */
int64_t qemu_clock_advance_virtual(int64_t dest);

/* When type's earliest armed timer expires (ns), or -1 if none is armed. */
int64_t qemu_clock_next_expiry(QEMUClockType type);

void timer_init(QEMUTimer *ts, QEMUClockType type, int scale,
                QEMUTimerCB *cb, void *opaque);
QEMUTimer *timer_new(QEMUClockType type, int scale,
                     QEMUTimerCB *cb, void *opaque);

static inline QEMUTimer *timer_new_ns(QEMUClockType type, QEMUTimerCB *cb,
                                      void *opaque)
{
    return timer_new(type, SCALE_NS, cb, opaque);
}

static inline QEMUTimer *timer_new_us(QEMUClockType type, QEMUTimerCB *cb,
                                      void *opaque)
{
    return timer_new(type, SCALE_US, cb, opaque);
}

static inline QEMUTimer *timer_new_ms(QEMUClockType type, QEMUTimerCB *cb,
                                      void *opaque)
{
    return timer_new(type, SCALE_MS, cb, opaque);
}

/* Arm ts to fire when its clock reaches expire_time (in its scale). */
void timer_mod(QEMUTimer *ts, int64_t expire_time);
void timer_mod_ns(QEMUTimer *ts, int64_t expire_time);
void timer_del(QEMUTimer *ts);
/* Delete and free a timer from timer_new. */
void timer_free(QEMUTimer *ts);
bool timer_pending(QEMUTimer *ts);
bool timer_expired(QEMUTimer *ts, int64_t current_time);
/* The expiry in ns, or -1 if not pending. */
int64_t timer_expire_time_ns(QEMUTimer *ts);

/* Main-loop internals: the nearest deadline in ns (-1: none), and
 * running the expired timers (true if any ran). */
int64_t qemu_clock_deadline_ns_all(void);
bool qemu_clock_run_timers(QEMUClockType type);
bool qemu_clock_run_all_timers(void);
void init_clocks(void);

#endif /* QEMU_TIMER_H */
