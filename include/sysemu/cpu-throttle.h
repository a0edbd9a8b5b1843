/*
 * vCPU throttling (QEMU's auto-converge): make every vCPU sleep for a
 * share of its time, so that a guest dirtying memory faster than
 * migration can send it slows down until migration catches up.
 *
 * At pct percent, each vCPU runs for CPU_THROTTLE_TIMESLICE_NS and then
 * sleeps for pct / (100 - pct) times that.  The sleep is work queued on
 * the vCPU's thread; it holds no lock, is offline for RCU, and ends
 * early when the vCPU is asked to stop (pause_all_vcpus does not wait
 * out a throttle) or the throttle is lifted.  With -accel
 * tcg,thread=single the one thread sleeps for each vCPU in turn.
 *
 * Any thread may set, read or stop the throttle; the main loop applies
 * the change.
 */
#ifndef SYSEMU_CPU_THROTTLE_H
#define SYSEMU_CPU_THROTTLE_H

#define CPU_THROTTLE_PCT_MIN        1
#define CPU_THROTTLE_PCT_MAX        99
#define CPU_THROTTLE_TIMESLICE_NS   10000000
#define CPU_THROTTLE_MAX_CPUS       256

/* Start throttling, or change the percentage (clamped to 1..99). */
void cpu_throttle_set(int new_throttle_pct);
void cpu_throttle_stop(void);
bool cpu_throttle_active(void);
/* The current percentage, 0 when inactive. */
int cpu_throttle_get_percentage(void);
/* Sleeps the vCPUs have taken so far (for tests and statistics). */
uint64_t cpu_throttle_sleeps(void);

#endif /* SYSEMU_CPU_THROTTLE_H */
