/*
 * Clocks and timers (include/qemu/timer.h).
 *
 * Each clock has one QEMUTimerList: the armed timers sorted by expiry,
 * singly linked from active_timers.
 *   active_timers, QEMUTimer.next, QEMUTimer.expire_time: read and written
 *     under the list's lock, by any thread (timer_mod/timer_del) and by the
 *     main loop (running timers).
 *   enabled: written by qemu_clock_enable (main thread, BQL), read by the
 *     main loop; a plain flag is enough since both run under the BQL.
 *
 * The virtual clock reads host monotonic time plus cpu_clock_offset while
 * ticks are enabled, and the frozen cpu_clock_offset while they are not.
 * In manual mode (qtest, fuzzers) it always reads cpu_clock_offset, which
 * only qemu_clock_advance_virtual moves.  Its state is written under
 * timers_state.lock inside the seqlock, so that readers on any thread (the
 * vCPUs' time CSR) never block and never see a half-updated set.
 */
#include "qemu/osdep.h"
#include "qemu/timer.h"
#include "qemu/thread.h"
#include "qemu/seqlock.h"
#include "qemu/main-loop.h"

struct QEMUTimerList {
    QEMUClockType type;
    QemuMutex lock;
    QEMUTimer *active_timers;
    bool enabled;
};

static QEMUTimerList timer_lists[QEMU_CLOCK_MAX];

static struct {
    QemuMutex lock;             /* serialises writers of the fields below */
    QemuSeqLock seqlock;
    int64_t cpu_clock_offset;   /* frozen virtual time when !enabled */
    bool cpu_ticks_enabled;
    bool manual;                /* virtual time is cpu_clock_offset */
} timers_state;

static bool clocks_initialised;

int64_t get_clock(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * NANOSECONDS_PER_SECOND + ts.tv_nsec;
}

int64_t get_clock_realtime(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec * NANOSECONDS_PER_SECOND + ts.tv_nsec;
}

void init_clocks(void)
{
    if (clocks_initialised) {
        return;
    }
    for (int type = 0; type < QEMU_CLOCK_MAX; type++) {
        QEMUTimerList *tl = &timer_lists[type];

        tl->type = type;
        tl->enabled = true;
        qemu_mutex_init(&tl->lock);
    }
    qemu_mutex_init(&timers_state.lock);
    seqlock_init(&timers_state.seqlock);
    clocks_initialised = true;
}

/* Does virtual time follow the host clock?  timers_state.lock held. */
static bool virtual_clock_runs_locked(void)
{
    return timers_state.cpu_ticks_enabled && !timers_state.manual;
}

static int64_t cpu_get_clock(void)
{
    int64_t offset;
    bool runs;
    unsigned seq;

    do {
        seq = seqlock_read_begin(&timers_state.seqlock);
        offset = qatomic_read(&timers_state.cpu_clock_offset);
        runs = qatomic_read(&timers_state.cpu_ticks_enabled) &&
               !qatomic_read(&timers_state.manual);
    } while (seqlock_read_retry(&timers_state.seqlock, seq));

    return runs ? get_clock() + offset : offset;
}

/*
 * Change the clock's mode to (enabled, manual) without a jump in virtual
 * time: the offset goes from "frozen value" to "value - host" as the clock
 * starts following the host, and back as it stops.
 */
static void virtual_clock_set_mode(bool enabled, bool manual)
{
    int64_t offset;

    qemu_mutex_lock(&timers_state.lock);
    seqlock_write_begin(&timers_state.seqlock);
    offset = timers_state.cpu_clock_offset;
    if (virtual_clock_runs_locked()) {
        offset += get_clock();          /* now the frozen value */
    }
    if (enabled && !manual) {
        offset -= get_clock();          /* virtual = host + offset */
    }
    qatomic_set(&timers_state.cpu_clock_offset, offset);
    qatomic_set(&timers_state.cpu_ticks_enabled, enabled);
    qatomic_set(&timers_state.manual, manual);
    seqlock_write_end(&timers_state.seqlock);
    qemu_mutex_unlock(&timers_state.lock);
}

void cpu_enable_ticks(void)
{
    virtual_clock_set_mode(true, qatomic_read(&timers_state.manual));
    /* Virtual deadlines are live again. */
    qemu_notify_event();
}

void cpu_disable_ticks(void)
{
    virtual_clock_set_mode(false, qatomic_read(&timers_state.manual));
}

void qemu_clock_set_virtual_manual(bool manual)
{
    /* The accelerator chooses this before the main loop is set up. */
    init_clocks();
    virtual_clock_set_mode(qatomic_read(&timers_state.cpu_ticks_enabled),
                           manual);
    qemu_notify_event();
}

/* Set the frozen virtual clock to ns.  It must not be running. */
static void virtual_clock_set(int64_t ns)
{
    qemu_mutex_lock(&timers_state.lock);
    assert(!virtual_clock_runs_locked());
    seqlock_write_begin(&timers_state.seqlock);
    qatomic_set(&timers_state.cpu_clock_offset, ns);
    seqlock_write_end(&timers_state.seqlock);
    qemu_mutex_unlock(&timers_state.lock);
}

void cpu_set_virtual_clock_stopped(int64_t ns)
{
    qemu_mutex_lock(&timers_state.lock);
    /* Only a stopped clock may be moved: a running one would jump. */
    assert(!timers_state.cpu_ticks_enabled);
    seqlock_write_begin(&timers_state.seqlock);
    qatomic_set(&timers_state.cpu_clock_offset, ns);
    seqlock_write_end(&timers_state.seqlock);
    qemu_mutex_unlock(&timers_state.lock);
}

int64_t qemu_clock_get_ns(QEMUClockType type)
{
    switch (type) {
    case QEMU_CLOCK_REALTIME:
        return get_clock();
    case QEMU_CLOCK_VIRTUAL:
        return cpu_get_clock();
    case QEMU_CLOCK_HOST:
        return get_clock_realtime();
    default:
        g_assert_not_reached();
    }
}

void qemu_clock_enable(QEMUClockType type, bool enabled)
{
    QEMUTimerList *tl = &timer_lists[type];
    bool old = tl->enabled;

    tl->enabled = enabled;
    if (enabled && !old) {
        qemu_notify_event();
    }
}

void timer_init(QEMUTimer *ts, QEMUClockType type, int scale,
                QEMUTimerCB *cb, void *opaque)
{
    assert(clocks_initialised);
    assert(type >= 0 && type < QEMU_CLOCK_MAX && scale > 0);
    ts->timer_list = &timer_lists[type];
    ts->cb = cb;
    ts->opaque = opaque;
    ts->scale = scale;
    ts->expire_time = -1;
    ts->next = NULL;
}

QEMUTimer *timer_new(QEMUClockType type, int scale,
                     QEMUTimerCB *cb, void *opaque)
{
    QEMUTimer *ts = g_new0(QEMUTimer, 1);

    timer_init(ts, type, scale, cb, opaque);
    return ts;
}

/* Unlink ts if armed.  Called with the list's lock held. */
static void timer_del_locked(QEMUTimerList *tl, QEMUTimer *ts)
{
    QEMUTimer **pt;

    ts->expire_time = -1;
    for (pt = &tl->active_timers; *pt; pt = &(*pt)->next) {
        if (*pt == ts) {
            *pt = ts->next;
            break;
        }
    }
    ts->next = NULL;
}

void timer_del(QEMUTimer *ts)
{
    QEMUTimerList *tl = ts->timer_list;

    qemu_mutex_lock(&tl->lock);
    timer_del_locked(tl, ts);
    qemu_mutex_unlock(&tl->lock);
}

void timer_free(QEMUTimer *ts)
{
    if (ts) {
        timer_del(ts);
        g_free(ts);
    }
}

void timer_mod_ns(QEMUTimer *ts, int64_t expire_time)
{
    QEMUTimerList *tl = ts->timer_list;
    QEMUTimer **pt;
    bool first;

    qemu_mutex_lock(&tl->lock);
    timer_del_locked(tl, ts);
    /* Keep the list sorted; equal expiries fire in the order armed. */
    expire_time = MAX(expire_time, 0);
    for (pt = &tl->active_timers; *pt; pt = &(*pt)->next) {
        if ((*pt)->expire_time > expire_time) {
            break;
        }
    }
    ts->expire_time = expire_time;
    ts->next = *pt;
    *pt = ts;
    first = pt == &tl->active_timers;
    qemu_mutex_unlock(&tl->lock);

    /* A new earliest deadline: the main loop must shorten its poll. */
    if (first) {
        qemu_notify_event();
    }
}

void timer_mod(QEMUTimer *ts, int64_t expire_time)
{
    int64_t ns;

    /* Saturate instead of overflowing for "never" values like INT64_MAX. */
    if (expire_time > INT64_MAX / ts->scale) {
        ns = INT64_MAX;
    } else {
        ns = expire_time * ts->scale;
    }
    timer_mod_ns(ts, ns);
}

bool timer_pending(QEMUTimer *ts)
{
    return timer_expire_time_ns(ts) != -1;
}

bool timer_expired(QEMUTimer *ts, int64_t current_time)
{
    int64_t expire = timer_expire_time_ns(ts);

    return expire != -1 && expire <= current_time * ts->scale;
}

int64_t timer_expire_time_ns(QEMUTimer *ts)
{
    QEMUTimerList *tl = ts->timer_list;
    int64_t ret;

    qemu_mutex_lock(&tl->lock);
    ret = ts->expire_time;
    qemu_mutex_unlock(&tl->lock);
    return ret;
}

/* Nanoseconds until tl's first timer, 0 if due, -1 if none can fire. */
static int64_t timerlist_deadline_ns(QEMUTimerList *tl)
{
    int64_t expire, now;

    if (!tl->enabled) {
        return -1;
    }
    /* Virtual time does not pass while the VM is stopped or time is
     * manual: nothing to wake up for. */
    if (tl->type == QEMU_CLOCK_VIRTUAL &&
        (!qatomic_read(&timers_state.cpu_ticks_enabled) ||
         qatomic_read(&timers_state.manual))) {
        return -1;
    }
    qemu_mutex_lock(&tl->lock);
    expire = tl->active_timers ? tl->active_timers->expire_time : -1;
    qemu_mutex_unlock(&tl->lock);
    if (expire == -1 || expire == INT64_MAX) {
        return -1;
    }
    now = qemu_clock_get_ns(tl->type);
    return expire <= now ? 0 : expire - now;
}

int64_t qemu_clock_deadline_ns_all(void)
{
    int64_t deadline = -1;

    for (int type = 0; type < QEMU_CLOCK_MAX; type++) {
        int64_t d = timerlist_deadline_ns(&timer_lists[type]);

        if (d != -1 && (deadline == -1 || d < deadline)) {
            deadline = d;
        }
    }
    return deadline;
}

bool qemu_clock_run_timers(QEMUClockType type)
{
    QEMUTimerList *tl = &timer_lists[type];
    bool progress = false;
    int64_t now;

    if (!tl->enabled) {
        return false;
    }
    now = qemu_clock_get_ns(type);
    qemu_mutex_lock(&tl->lock);
    for (;;) {
        QEMUTimer *ts = tl->active_timers;
        QEMUTimerCB *cb;
        void *opaque;

        if (!ts || ts->expire_time > now) {
            break;
        }
        /* Unlink before the callback, which may re-arm or free ts. */
        tl->active_timers = ts->next;
        ts->next = NULL;
        ts->expire_time = -1;
        cb = ts->cb;
        opaque = ts->opaque;
        qemu_mutex_unlock(&tl->lock);
        cb(opaque);
        progress = true;
        qemu_mutex_lock(&tl->lock);
    }
    qemu_mutex_unlock(&tl->lock);
    return progress;
}

bool qemu_clock_run_all_timers(void)
{
    bool progress = false;

    for (int type = 0; type < QEMU_CLOCK_MAX; type++) {
        progress |= qemu_clock_run_timers(type);
    }
    return progress;
}

int64_t qemu_clock_next_expiry(QEMUClockType type)
{
    QEMUTimerList *tl = &timer_lists[type];
    int64_t expire;

    qemu_mutex_lock(&tl->lock);
    expire = tl->active_timers ? tl->active_timers->expire_time : -1;
    qemu_mutex_unlock(&tl->lock);
    return expire;
}

int64_t qemu_clock_advance_virtual(int64_t dest)
{
    QEMUTimerList *tl = &timer_lists[QEMU_CLOCK_VIRTUAL];

    for (;;) {
        int64_t now = cpu_get_clock(), next = dest;

        if (tl->enabled) {
            qemu_mutex_lock(&tl->lock);
            if (tl->active_timers && tl->active_timers->expire_time < dest) {
                next = tl->active_timers->expire_time;
            }
            qemu_mutex_unlock(&tl->lock);
        }
        if (next > now) {
            virtual_clock_set(next);
        }
        /* Runs what is due at next (even a timer armed for the past). */
        qemu_clock_run_timers(QEMU_CLOCK_VIRTUAL);
        if (next >= dest) {
            return MAX(now, dest);
        }
    }
}
