/*
 * vCPU throttling (include/sysemu/cpu-throttle.h).
 *
 * throttle_percentage: written by any thread (set, stop) with
 *   qatomic_set, read with qatomic_read by the timer and the sleepers.
 * The ticker: a realtime timer in the main loop (BQL) that, every
 *   timeslice / (1 - pct), queues one sleep on each vCPU that has none
 *   queued yet (throttle_pending, per vCPU index, an atomic flag cleared
 *   by the sleeper when it is done).  It re-arms itself while the
 *   throttle is active and stops when it finds it inactive.  set and
 *   stop reach the main loop through a bottom half.
 * The sleep: runs on the vCPU's thread with the BQL, as queued work, and
 *   waits on the vCPU's halt_cond with the BQL dropped and RCU offline.
 *   Kicks wake it early; it sleeps on unless the vCPU must stop or the
 *   throttle was lifted.
 */
#include "qemu/osdep.h"
#include "qemu/atomic.h"
#include "qemu/main-loop.h"
#include "qemu/rcu.h"
#include "qemu/timer.h"
#include "sysemu/cpus.h"
#include "sysemu/cpu-throttle.h"

static int throttle_percentage;
static uint64_t throttle_sleeps;
static QEMUTimer *throttle_timer;       /* main loop */
static QEMUBH *throttle_changed_bh;
static QemuMutex throttle_lock;         /* creating the two above */
static bool throttle_pending[CPU_THROTTLE_MAX_CPUS];    /* atomic */

static void __attribute__((constructor)) cpu_throttle_init(void)
{
    qemu_mutex_init(&throttle_lock);
}

static double throttle_ratio(int pct)
{
    return pct / 100.0 / (1 - pct / 100.0);
}

static void cpu_throttle_sleep(CPUState *cpu, run_on_cpu_data data)
{
    int pct = qatomic_read(&throttle_percentage);
    int64_t end;

    if (pct) {
        end = qemu_clock_get_ns(QEMU_CLOCK_REALTIME) +
              (int64_t)(throttle_ratio(pct) * CPU_THROTTLE_TIMESLICE_NS);
        qatomic_inc(&throttle_sleeps);
        rcu_thread_offline();
        while (!cpu->stop && qatomic_read(&throttle_percentage)) {
            int64_t left = end - qemu_clock_get_ns(QEMU_CLOCK_REALTIME);

            if (left <= 0) {
                break;
            }
            /* Kicks (interrupts, stop requests) wake us: look again. */
            qemu_cond_timedwait_iothread(cpu->halt_cond,
                                         DIV_ROUND_UP(left, SCALE_MS));
        }
        rcu_thread_online();
    }
    qatomic_set(&throttle_pending[cpu->cpu_index], false);
}

static void cpu_throttle_tick(void *opaque)
{
    int pct = qatomic_read(&throttle_percentage);
    CPUState *cpu;

    if (!pct) {
        return;
    }
    CPU_FOREACH(cpu) {
        assert(cpu->cpu_index < CPU_THROTTLE_MAX_CPUS);
        if (cpu->created &&
            !qatomic_xchg(&throttle_pending[cpu->cpu_index], true)) {
            async_run_on_cpu(cpu, cpu_throttle_sleep, RUN_ON_CPU_NULL);
        }
    }
    timer_mod_ns(throttle_timer, qemu_clock_get_ns(QEMU_CLOCK_REALTIME) +
                 CPU_THROTTLE_TIMESLICE_NS / (1 - pct / 100.0));
}

/*
 * The percentage changed: start the ticker if it is not running, or,
 * if the throttle was lifted, wake the sleepers.  Main loop, BQL held;
 * a sleeper checks the percentage with the BQL held before it waits, so
 * the broadcast cannot fall between its check and its wait.
 */
static void cpu_throttle_changed(void *opaque)
{
    CPUState *cpu;

    if (qatomic_read(&throttle_percentage)) {
        if (!timer_pending(throttle_timer)) {
            cpu_throttle_tick(NULL);
        }
        return;
    }
    CPU_FOREACH(cpu) {
        if (cpu->halt_cond) {
            qemu_cond_broadcast(cpu->halt_cond);
        }
    }
}

void cpu_throttle_set(int new_throttle_pct)
{
    new_throttle_pct = MAX(MIN(new_throttle_pct, CPU_THROTTLE_PCT_MAX),
                           CPU_THROTTLE_PCT_MIN);
    qemu_mutex_lock(&throttle_lock);
    if (!throttle_timer) {
        throttle_timer = timer_new_ns(QEMU_CLOCK_REALTIME,
                                      cpu_throttle_tick, NULL);
        throttle_changed_bh = qemu_bh_new(cpu_throttle_changed, NULL);
    }
    qemu_mutex_unlock(&throttle_lock);
    if (qatomic_xchg(&throttle_percentage, new_throttle_pct) == 0) {
        qemu_bh_schedule(throttle_changed_bh);
    }
}

void cpu_throttle_stop(void)
{
    if (qatomic_xchg(&throttle_percentage, 0) != 0) {
        qemu_bh_schedule(throttle_changed_bh);
    }
}

bool cpu_throttle_active(void)
{
    return qatomic_read(&throttle_percentage) != 0;
}

int cpu_throttle_get_percentage(void)
{
    return qatomic_read(&throttle_percentage);
}

uint64_t cpu_throttle_sleeps(void)
{
    return qatomic_read(&throttle_sleeps);
}
