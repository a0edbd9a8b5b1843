/*
 * vCPU threads and their control: start, pause, resume, kick, and work
 * run on a vCPU's thread.
 *
 * Each vCPU runs on its own host thread ("CPU n/TCG"), executing guest
 * code without the BQL and taking it for device access.  Between slices
 * of execution it sleeps on its halt_cond under the BQL while it is
 * stopped, or halted (WFI) with nothing to do.
 */
#ifndef SYSEMU_CPUS_H
#define SYSEMU_CPUS_H

#include "hw/core/cpu.h"

/*
 * Start cpu's thread.  It comes up paused (cpu->stopped) and runs guest
 * code after resume_all_vcpus().  BQL held; returns once the thread is up.
 */
void qemu_init_vcpu(CPUState *cpu);

/*
 * Stop every vCPU and wait until all have stopped, dropping the BQL
 * while waiting (so vCPUs can finish MMIO).  BQL held.  From a vCPU
 * thread, that vCPU stops when it returns to its thread loop.
 */
void pause_all_vcpus(void);
/* Let every vCPU run.  BQL held. */
void resume_all_vcpus(void);
/*
 * Let one stopped vCPU run (a debugger stepping it while the others stay
 * stopped; see vm_prepare_start).  BQL held.
 */
void cpu_resume(CPUState *cpu);
/* True when every vCPU is stopped.  BQL held. */
bool all_vcpus_paused(void);

/* Stop the calling vCPU's thread and every other vCPU (e.g. a guest panic). */
void cpu_stop_current(void);

/*
 * Work on a vCPU's thread, between slices of guest execution.
 *  - run_on_cpu: run func(cpu, data) and wait for it (BQL held; the BQL
 *    is dropped while waiting).  On cpu's own thread it runs at once.
 *  - async_run_on_cpu: queue it and return.  Any thread.
 *  - async_safe_run_on_cpu: queue it to run while no vCPU executes guest
 *    code (an exclusive section).  Any thread.
 * Work queued on a vCPU that is stopped runs when it next resumes.
 */
void run_on_cpu(CPUState *cpu, run_on_cpu_func func, run_on_cpu_data data);
void async_run_on_cpu(CPUState *cpu, run_on_cpu_func func,
                      run_on_cpu_data data);
void async_safe_run_on_cpu(CPUState *cpu, run_on_cpu_func func,
                           run_on_cpu_data data);
/* Run cpu's queued work; its own thread, BQL held. */
void process_queued_cpu_work(CPUState *cpu);
bool cpu_work_list_empty(CPUState *cpu);

/*
 * Exclusive sections: between start_exclusive() and end_exclusive() no
 * other vCPU is inside cpu_exec.  vCPUs bracket guest execution with
 * cpu_exec_start/cpu_exec_end.  start_exclusive is called without the
 * BQL and without qemu_cpu_list_lock.
 */
void start_exclusive(void);
void end_exclusive(void);
void cpu_exec_start(CPUState *cpu);
void cpu_exec_end(CPUState *cpu);

/*
 * The vCPU thread's sleep: wait under the BQL while cpu is stopped or
 * idle (offline for RCU meanwhile), then report a quiescent state,
 * acknowledge stop requests and run queued work.  vCPU thread, BQL held,
 * online.
 */
void qemu_wait_io_event(CPUState *cpu);
/*
 * A vCPU thread between slices takes the BQL, offline for RCU while it
 * waits: the holder may keep it for a while, and grace periods need not
 * wait for that.  Back online, it must go through qemu_wait_io_event (or
 * report a quiescent state and run its work) before guest code.
 */
void cpu_thread_lock_iothread(void);
/*
 * What qemu_wait_io_event does once awake, without the quiescent state:
 * acknowledge a stop request and run queued work.  For threads that run
 * several vCPUs (which report their quiescent state first).  BQL held.
 */
void qemu_wait_io_event_common(CPUState *cpu);
/* True if no vCPU has anything to do (cpu_thread_is_idle for all). */
bool all_cpu_threads_idle(void);
/* True if the vCPU may execute guest code now.  BQL held. */
bool cpu_can_run(CPUState *cpu);
/* True if the vCPU has nothing to do (stopped, or halted without work). */
bool cpu_thread_is_idle(CPUState *cpu);

/*
 * A vCPU's thread got EXCP_DEBUG from cpu_exec (a breakpoint, a
 * watchpoint or the end of a single step, for the debugger): if the
 * debugger's handler takes the stop, the vCPU stops at once, before it
 * executes anything else, and the handler has the rest of the VM
 * stopped.  Otherwise (no debugger attached) the vCPU goes on.  vCPU
 * thread, BQL held.
 */
void cpu_handle_guest_debug(CPUState *cpu);
/*
 * Install the debugger's handler (the gdbstub's), called by
 * cpu_handle_guest_debug with the BQL held, on the vCPU's thread; it
 * returns whether it takes the stop.  Main thread, BQL held; NULL
 * removes it.
 */
void cpus_set_guest_debug_handler(bool (*fn)(CPUState *cpu));
/*
 * Register the virtual clock's migration section ("timer"); before any
 * device that reads the clock registers its own.  BQL held.
 */
void cpu_timers_init(void);

/*
 * From a new vCPU thread, with the BQL: it is up (sets cpu->created and
 * wakes qemu_init_vcpu).
 */
void cpu_thread_signal_created(CPUState *cpu);

#endif /* SYSEMU_CPUS_H */
