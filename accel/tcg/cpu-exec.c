/*
 * The execution loop of a vCPU.
 *
 *   cpu_exec:
 *     leave at once if halted with nothing to do
 *     loop:
 *       deliver a pending exception; leave on EXCP_INTERRUPT/HLT/DEBUG
 *       loop:
 *         take a pending interrupt; leave if asked to (exit_request)
 *         find the block for the current pc and state, or translate it
 *         link the previous block's exit to it when allowed
 *         run blocks until one leaves to us
 *
 * Guest exceptions raised while running or translating come back here
 * through cpu_loop_exit (siglongjmp), with cpu->exception_index set.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "exec/memory.h"
#include "hw/core/tcg-cpu-ops.h"
#include "sysemu/cpus.h"
#include "internal.h"

/* The memory map changed: no TLB may keep a stale host address. */
static void tcg_commit(MemoryListener *listener)
{
    tlb_flush_all_cpus();
}

static MemoryListener tcg_memory_listener = {
    .commit = tcg_commit,
};

void tcg_cpu_init(CPUState *cpu)
{
    static bool listening;

    /* Before the vCPU is visible to anyone: plain stores are fine. */
    memset(cpu->tlb.table, -1, sizeof(cpu->tlb.table));
    for (int i = 0; i < NB_MMU_MODES; i++) {
        cpu->tlb.d[i].large_page_addr = -1;
        cpu->tlb.d[i].large_page_mask = 0;
    }
    cpu->tlb.used_mmu_mask = 0;
    cpu->tb_jmp_cache = g_new0(TranslationBlock *, TB_JMP_CACHE_SIZE);

    /* CPUs are created with the BQL held, one at a time. */
    if (!listening) {
        get_system_memory();    /* sets up address_space_memory */
        memory_listener_register(&tcg_memory_listener, &address_space_memory);
        listening = true;
    }
}

void cpu_loop_exit(CPUState *cpu)
{
    siglongjmp(cpu->jmp_env, 1);
}

void cpu_restore_state(CPUState *cpu, const TCGOp *op)
{
    if (op) {
        cpu->insn_count += op->idx;
        cpu->cc->set_pc(cpu, op->pc);
    }
}

void cpu_loop_exit_restore(CPUState *cpu, const TCGOp *op)
{
    cpu_restore_state(cpu, op);
    cpu_loop_exit(cpu);
}

/*
 * Does the debugger want one instruction only (exec-all.h,
 * TB_FLAG_SINGLE_STEP), and no interrupt before it?
 */
static inline bool cpu_debug_step(CPUState *cpu)
{
    /* An access that hit a watchpoint runs again as a step. */
    return cpu->singlestep_enabled || cpu->watchpoint_hit;
}

static inline bool cpu_debug_noirq(CPUState *cpu)
{
    return (cpu->singlestep_enabled & SSTEP_NOIRQ) || cpu->watchpoint_hit;
}

static bool cpu_handle_halt(CPUState *cpu)
{
    if (qatomic_read(&cpu->halted)) {
        /* A step completes the WFI, which the architecture allows. */
        if (!cpu_has_work(cpu) && !cpu_debug_step(cpu)) {
            return true;
        }
        qatomic_set(&cpu->halted, 0);
    }
    return false;
}

/* Deliver a pending exception; true (with *ret) if cpu_exec must return. */
static bool cpu_handle_exception(CPUState *cpu, int *ret)
{
    if (cpu->exception_index < 0) {
        return false;
    }
    if (cpu->exception_index >= EXCP_INTERRUPT) {
        *ret = cpu->exception_index;
        cpu->exception_index = -1;
        if (*ret == EXCP_HLT && cpu_debug_step(cpu)) {
            /* A step over WFI ends right after it, not asleep. */
            qatomic_set(&cpu->halted, 0);
            *ret = EXCP_DEBUG;
        }
        return true;
    }
    cpu->cc->tcg_ops->do_interrupt(cpu);
    cpu->exception_index = -1;
    if (cpu_debug_step(cpu)) {
        /* The step's instruction trapped: it ends at the handler. */
        *ret = EXCP_DEBUG;
        return true;
    }
    return false;
}

/* Take interrupts; true if cpu_exec must leave (exception_index set). */
static bool cpu_handle_interrupt(CPUState *cpu, TranslationBlock **last_tb)
{
    uint32_t request;

    /*
     * Clear the entry check before reading the requests: pairs with the
     * full barrier in cpu_interrupt and cpu_exit, which set the request
     * before the check.
     */
    qatomic_set(&cpu->tcg_exit_req, 0);
    smp_mb();
    request = qatomic_read(&cpu->interrupt_request);
    if (unlikely(request)) {
        if (request & CPU_INTERRUPT_EXITTB) {
            cpu_reset_interrupt(cpu, CPU_INTERRUPT_EXITTB);
            *last_tb = NULL;
        }
        if ((request & CPU_INTERRUPT_HARD) && !cpu_debug_noirq(cpu) &&
            cpu->cc->tcg_ops->cpu_exec_interrupt(cpu, request)) {
            *last_tb = NULL;
            if (cpu_debug_step(cpu)) {
                /* The step ends before the handler's first insn. */
                cpu->exception_index = EXCP_DEBUG;
                return true;
            }
        }
    }
    if (unlikely(qatomic_read(&cpu->exit_request))) {
        qatomic_set(&cpu->exit_request, 0);
        if (cpu->exception_index == -1) {
            cpu->exception_index = EXCP_INTERRUPT;
        }
        return true;
    }
    return false;
}

static void cpu_log_tb(CPUState *cpu, TranslationBlock *tb)
{
    if (qemu_loglevel_mask(CPU_LOG_TB_CPU)) {
        g_autoptr(GString) buf = g_string_new(NULL);

        g_string_append_printf(buf, "CPU #%d:\n", cpu->cpu_index);
        cpu_dump_state(cpu, buf, 0);
        qemu_log("%s", buf->str);
    }
    if (qemu_loglevel_mask(CPU_LOG_EXEC)) {
        qemu_log("Trace %d: %p [%016" VADDR_PRIx "/%08x]\n", cpu->cpu_index,
                 (void *)tb, tb->pc, tb->flags);
    }
}

/* Run from tb; false if it left at its entry without executing. */
static bool cpu_loop_exec_tb(CPUState *cpu, TranslationBlock *tb,
                             TranslationBlock **last_tb, int *slot)
{
    TBExitInfo info;

    if (unlikely(qemu_loglevel_mask(CPU_LOG_EXEC | CPU_LOG_TB_CPU))) {
        cpu_log_tb(cpu, tb);
    }
    switch (tcg_backend->exec(cpu, tb, &info)) {
    case TB_EXIT_CHAIN:
        cpu->cc->set_pc(cpu, info.pc);
        *last_tb = info.last_tb;
        *slot = info.slot;
        break;
    case TB_EXIT_PC:
        cpu->cc->set_pc(cpu, info.pc);
        *last_tb = NULL;
        /* tb_enter's exit request check leaves with no last_tb. */
        return info.last_tb != NULL;
    case TB_EXIT_PCSET:
        *last_tb = NULL;
        break;
    }
    return true;
}

int cpu_exec(CPUState *cpu)
{
    const TCGCPUOps *ops = cpu->cc->tcg_ops;
    int ret;

    current_cpu = cpu;
    if (cpu_handle_halt(cpu)) {
        return EXCP_HALTED;
    }

    if (sigsetjmp(cpu->jmp_env, 0) != 0) {
        /* Back from cpu_loop_exit: drop what the unwound code held. */
        tb_lock_reset();
        if (qemu_mutex_iothread_locked()) {
            qemu_mutex_unlock_iothread();
        }
    }

    while (!cpu_handle_exception(cpu, &ret)) {
        TranslationBlock *last_tb = NULL;
        int slot = -1;

        while (!cpu_handle_interrupt(cpu, &last_tb)) {
            TranslationBlock *tb;
            vaddr pc;
            uint32_t flags;
            bool step = cpu_debug_step(cpu);

            ops->get_tb_cpu_state(cpu, &pc, &flags);
            assert(!(flags & TB_FLAG_SINGLE_STEP));
            if (unlikely(step)) {
                flags |= TB_FLAG_SINGLE_STEP;
            }
            tb = tb_lookup(cpu, pc, flags);
            if (last_tb) {
                tb_add_jump(last_tb, slot, tb);
            }
            if (cpu_loop_exec_tb(cpu, tb, &last_tb, &slot) &&
                unlikely(step)) {
                /* Its one instruction ran: stop for the debugger. */
                cpu->exception_index = EXCP_DEBUG;
                break;
            }
        }
    }
    return ret;
}
