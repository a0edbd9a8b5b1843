/*
 * The vCPU threads of TCG: one host thread per vCPU (MTTCG).
 *
 * Each thread alternates between executing guest code (cpu_exec, without
 * the BQL) and qemu_wait_io_event (with the BQL), where it acknowledges
 * stop requests, runs queued work and sleeps while stopped or halted.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "sysemu/cpus.h"
#include "exec/exec-all.h"

static int tcg_cpu_exec(CPUState *cpu)
{
    int ret;

    cpu_exec_start(cpu);
    ret = cpu_exec(cpu);
    cpu_exec_end(cpu);
    return ret;
}

static void *mttcg_cpu_thread_fn(void *arg)
{
    CPUState *cpu = arg;

    qemu_mutex_lock_iothread();
    qemu_thread_get_self(cpu->thread);
    cpu->thread_id = qemu_get_thread_id();
    current_cpu = cpu;
    cpu_thread_signal_created(cpu);

    for (;;) {
        if (cpu_can_run(cpu)) {
            qemu_mutex_unlock_iothread();
            /*
             * EXCP_HLT and EXCP_HALTED leave cpu->halted set, so the wait
             * below sleeps until there is work; EXCP_INTERRUPT only asks
             * us to look at the requests there.
             */
            tcg_cpu_exec(cpu);
            qemu_mutex_lock_iothread();
        }
        qatomic_set(&cpu->exit_request, 0);
        qemu_wait_io_event(cpu);
    }
    return NULL;
}

void tcg_start_vcpu_thread(CPUState *cpu)
{
    g_autofree char *name = g_strdup_printf("CPU %d/TCG", cpu->cpu_index);

    qemu_thread_create(cpu->thread, name, mttcg_cpu_thread_fn, cpu,
                       QEMU_THREAD_DETACHED);
}
