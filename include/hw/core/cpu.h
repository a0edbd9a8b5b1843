/*
 * The generic vCPU: CPUState, the CPU ops table (CPUClass) and the CPU
 * list.  A target embeds CPUState as the first member of its CPU object
 * (RISCVCPU) and fills a CPUClass; accel/tcg and the rest of the system
 * reach the target only through that table.
 *
 * Threads and locks, per field group below:
 *  - "const": set before the vCPU thread starts, read-only afterwards.
 *  - "BQL": read and written with the BQL held.
 *  - "atomic": any thread, with qatomic_* (each says what it pairs with).
 *  - "vCPU": only the vCPU's own thread, or anyone while it is paused
 *    (stopped, or inside an exclusive section, see sysemu/cpus.h).
 */
#ifndef HW_CORE_CPU_H
#define HW_CORE_CPU_H

#include <setjmp.h>
#include "qemu/queue.h"
#include "qemu/thread.h"
#include "qemu/notify.h"
#include "exec/cpu-defs.h"

typedef struct CPUState CPUState;
typedef struct CPUClass CPUClass;
typedef struct TCGCPUOps TCGCPUOps;
typedef struct TranslationBlock TranslationBlock;
typedef struct TBJmpCache TBJmpCache;

/* interrupt_request bits */
#define CPU_INTERRUPT_HARD      0x0002  /* the target has an interrupt pending */
#define CPU_INTERRUPT_EXITTB    0x0004  /* leave the current block chain */

/* cpu_exec() results and special exception_index values */
#define EXCP_INTERRUPT  0x10000     /* exit_request: back to the thread loop */
#define EXCP_HLT        0x10001     /* the guest halted (WFI) */
#define EXCP_DEBUG      0x10002
#define EXCP_HALTED     0x10003     /* halted on entry, nothing to do */

/* cpu_dump_state flags */
#define CPU_DUMP_CODE   0x00010000

/*
 * Breakpoints and watchpoints (QEMU's flags).  BP_GDB ones belong to the
 * debugger (the gdbstub), which sees them as EXCP_DEBUG stops; BP_CPU
 * ones are the guest's own (debug triggers), which the target turns into
 * guest exceptions (TCGCPUOps.debug_breakpoint/debug_watchpoint).
 */
#define BP_MEM_READ             0x01
#define BP_MEM_WRITE            0x02
#define BP_MEM_ACCESS           (BP_MEM_READ | BP_MEM_WRITE)
#define BP_STOP_BEFORE_ACCESS   0x04
#define BP_GDB                  0x10
#define BP_CPU                  0x20
#define BP_ANY                  (BP_GDB | BP_CPU)
#define BP_WATCHPOINT_HIT_READ  0x40
#define BP_WATCHPOINT_HIT_WRITE 0x80
#define BP_WATCHPOINT_HIT       (BP_WATCHPOINT_HIT_READ | \
                                 BP_WATCHPOINT_HIT_WRITE)

typedef struct CPUBreakpoint {
    vaddr pc;
    int flags;                  /* BP_GDB or BP_CPU */
    QTAILQ_ENTRY(CPUBreakpoint) entry;
} CPUBreakpoint;

typedef struct CPUWatchpoint {
    vaddr vaddr;
    vaddr len;
    vaddr hitaddr;              /* where the access hit it (BP_GDB) */
    int flags;                  /* BP_MEM_*, BP_GDB or BP_CPU, BP_*_HIT_* */
    QTAILQ_ENTRY(CPUWatchpoint) entry;
} CPUWatchpoint;

/* cpu->singlestep_enabled: SSTEP_ENABLE, and what else a step does */
#define SSTEP_ENABLE    0x1     /* one instruction, then EXCP_DEBUG */
#define SSTEP_NOIRQ     0x2     /* take no interrupt while stepping */
#define SSTEP_NOTIMER   0x4     /* accepted for QEMU's gdb protocol; no-op */

/*
 * The CPU ops table.  Everything is required unless marked optional.
 */
struct CPUClass {
    const char *name;
    /* Back to the power-on state; the vCPU is not running. */
    void (*reset)(CPUState *cpu);
    /* True if a halted vCPU should wake (an interrupt is pending). */
    bool (*has_work)(CPUState *cpu);
    /* Registers for `info registers` and -d cpu. */
    void (*dump_state)(CPUState *cpu, GString *buf, int flags);
    void (*set_pc)(CPUState *cpu, vaddr pc);
    vaddr (*get_pc)(CPUState *cpu);
    /* The TCG half of the table (hw/core/tcg-cpu-ops.h). */
    const TCGCPUOps *tcg_ops;

    /*
     * For the debugger (gdbstub/), optional as a group.  The vCPU is
     * stopped whenever these are called (BQL held).
     *
     * gdb_target_xml: gdb's target description of the registers, numbered
     * 0 to gdb_num_regs - 1; 'g' packets carry the first
     * gdb_num_core_regs of them.
     * gdb_read_register: append register n to buf in target byte order;
     * the bytes appended, 0 if there is no such register.
     * gdb_write_register: set register n from the len bytes at buf; the
     * bytes used, 0 if there is no such register or it cannot be written.
     * get_phys_page_debug: the guest physical page that virtual addr maps
     * to in the vCPU's current data translation, without side effects
     * (no accessed bits set, no permission checked); -1 if unmapped.
     */
    const char *(*gdb_target_xml)(CPUState *cpu);
    int gdb_num_core_regs;
    int (*gdb_num_regs)(CPUState *cpu);
    int (*gdb_read_register)(CPUState *cpu, GByteArray *buf, int n);
    int (*gdb_write_register)(CPUState *cpu, const uint8_t *buf, int len,
                              int n);
    hwaddr (*get_phys_page_debug)(CPUState *cpu, vaddr addr);
};

typedef union {
    int host_int;
    unsigned long host_ulong;
    void *host_ptr;
    vaddr target_ptr;
} run_on_cpu_data;

#define RUN_ON_CPU_HOST_PTR(p)    ((run_on_cpu_data){ .host_ptr = (p) })
#define RUN_ON_CPU_HOST_INT(i)    ((run_on_cpu_data){ .host_int = (i) })
#define RUN_ON_CPU_TARGET_PTR(v)  ((run_on_cpu_data){ .target_ptr = (v) })
#define RUN_ON_CPU_NULL           RUN_ON_CPU_HOST_PTR(NULL)

typedef void (*run_on_cpu_func)(CPUState *cpu, run_on_cpu_data data);
struct qemu_work_item;

struct CPUState {
    /* const */
    const CPUClass *cc;
    int cpu_index;
    void *env_ptr;              /* the target's architectural state */
    uint64_t *tcg_regs;         /* the register file ops index */
    QemuThread *thread;
    QemuCond *halt_cond;        /* waited on with the BQL; set with thread
                                 * by the accelerator (accel-ops.h) */
    int thread_id;

    /* BQL */
    bool created;               /* the vCPU thread is up */
    bool stop;                  /* asked to stop (pause_all_vcpus) */
    bool stopped;               /* has stopped; resume_all_vcpus clears */
    bool unplug;                /* the thread should exit */

    /*
     * halted: the guest executed WFI.  Written by the vCPU thread (and by
     * cpu_reset while the vCPU is paused), read by others under the BQL.
     */
    uint32_t halted;

    /*
     * atomic.  interrupt_request: CPU_INTERRUPT_* bits, set by
     * cpu_interrupt from any thread, cleared by the vCPU.  exit_request:
     * leave cpu_exec at the next block boundary.  tcg_exit_req: checked
     * by the interpreter at every block entry; cpu_interrupt/cpu_exit set
     * it after setting the request it announces, and cpu_exec clears it
     * before reading the requests (smp_mb between, pairing with the
     * setter's full barrier), so no request is lost.
     */
    uint32_t interrupt_request;
    uint32_t exit_request;
    uint32_t tcg_exit_req;

    /* vCPU */
    int exception_index;        /* pending exception, -1 if none */
    sigjmp_buf jmp_env;         /* cpu_loop_exit lands in cpu_exec */
    uint64_t insn_count;        /* guest instructions retired */
    bool in_exclusive_context;  /* running a safe work item */

    /* Under qemu_cpu_list_lock (sysemu/cpus.h: exclusive sections). */
    bool running;               /* inside cpu_exec */
    bool has_waiter;            /* an exclusive section waits for it */

    /* vCPU (and any thread while all vCPUs are paused) */
    CPUTLB tlb;
    TranslationBlock **tb_jmp_cache;    /* TB_JMP_CACHE_SIZE entries */
    /* Lookups it missed; written by the vCPU, read by `info jit`. */
    uint64_t tb_jmp_cache_misses;

    /*
     * Debugging (accel/tcg/debug.c): vCPU, written by the vCPU's own
     * thread (the guest's debug triggers) or by the debugger while the
     * vCPU is stopped; read by the vCPU while it executes.
     *  - breakpoints, watchpoints: the debugger's first, then the
     *    guest's;
     *  - singlestep_enabled: SSTEP_* flags, 0 when not stepping;
     *  - watchpoint_hit: the debugger's watchpoint an access hit.  The
     *    instruction runs again alone, then cpu_exec returns EXCP_DEBUG;
     *    it stays set for the debugger to read until the vCPU resumes.
     */
    QTAILQ_HEAD(, CPUBreakpoint) breakpoints;
    QTAILQ_HEAD(, CPUWatchpoint) watchpoints;
    int singlestep_enabled;
    CPUWatchpoint *watchpoint_hit;

    /*
     * On the RCU registry of the vCPU's thread: a grace period that this
     * vCPU holds up calls it to kick the vCPU out of guest code.
     */
    Notifier force_rcu;

    /* Queued work (sysemu/cpus.h): under work_mutex. */
    QemuMutex work_mutex;
    QSIMPLEQ_HEAD(, qemu_work_item) work_list;

    /* The CPU list (below). */
    QTAILQ_ENTRY(CPUState) node;
};

/*
 * The CPU list, in cpu_index order.  Appended by cpu_list_add under
 * qemu_cpu_list_lock with the BQL held; CPUs are never removed.  Readers
 * hold either lock, or run once the machine is built (the list no longer
 * changes then).
 */
QTAILQ_HEAD(CPUTailQ, CPUState);
extern union CPUTailQ cpus;
#define first_cpu           QTAILQ_FIRST(&cpus)
#define CPU_NEXT(cpu)       QTAILQ_NEXT(cpu, node)
#define CPU_FOREACH(cpu)    QTAILQ_FOREACH(cpu, &cpus, node)

extern QemuMutex qemu_cpu_list_lock;

/* The vCPU whose thread is calling, or NULL. */
extern __thread CPUState *current_cpu;

/*
 * Set up the generic part of a new CPU (cc, env, register file) and add
 * it to the list; assigns cpu_index.  BQL held.
 */
void cpu_exec_realizefn(CPUState *cpu, const CPUClass *cc, void *env,
                        uint64_t *regs);

/*
 * Back to the power-on state.  The vCPU must not be running (paused or
 * never started); BQL held if it has a thread.
 */
void cpu_reset(CPUState *cpu);

/* Registers for `info registers` (flags: CPU_DUMP_*). */
void cpu_dump_state(CPUState *cpu, GString *buf, int flags);

/*
 * Raise interrupt request bits in mask and get the vCPU to look at them
 * soon: it leaves its block chain and, if halted, wakes.  Any thread.
 */
void cpu_interrupt(CPUState *cpu, int mask);
/* Clear request bits; any thread (the target re-raises what is still due). */
void cpu_reset_interrupt(CPUState *cpu, int mask);

/* Leave cpu_exec at the next block boundary.  Any thread. */
void cpu_exit(CPUState *cpu);

/* Wake the vCPU thread (from WFI, or out of its block chain).  Any thread. */
void qemu_cpu_kick(CPUState *cpu);

bool qemu_cpu_is_self(CPUState *cpu);

/*
 * Breakpoints, watchpoints and single-stepping (accel/tcg/debug.c).  On
 * the vCPU's own thread, or by anyone with the BQL while the vCPU is
 * stopped: the lists are the vCPU's own (see CPUState).  A breakpoint is
 * a guest virtual pc: it fires when the vCPU is about to execute the
 * instruction there, in any address space.  A watchpoint fires on a
 * guest load (BP_MEM_READ) or store (BP_MEM_WRITE) that overlaps
 * [addr, addr + len).  Inserting or removing a breakpoint drops the
 * translated code that covers its pc.
 */
int cpu_breakpoint_insert(CPUState *cpu, vaddr pc, int flags,
                          CPUBreakpoint **breakpoint);
/* -ENOENT if there is no breakpoint at pc with exactly flags. */
int cpu_breakpoint_remove(CPUState *cpu, vaddr pc, int flags);
void cpu_breakpoint_remove_by_ref(CPUState *cpu, CPUBreakpoint *bp);
/* Remove those whose flags intersect mask (BP_GDB, BP_CPU or BP_ANY). */
void cpu_breakpoint_remove_all(CPUState *cpu, int mask);
bool cpu_breakpoint_test(CPUState *cpu, vaddr pc, int mask);

/* -EINVAL if the range is empty or wraps around. */
int cpu_watchpoint_insert(CPUState *cpu, vaddr addr, vaddr len, int flags,
                          CPUWatchpoint **watchpoint);
/* -ENOENT if there is none with exactly addr, len and flags. */
int cpu_watchpoint_remove(CPUState *cpu, vaddr addr, vaddr len, int flags);
void cpu_watchpoint_remove_by_ref(CPUState *cpu, CPUWatchpoint *wp);
void cpu_watchpoint_remove_all(CPUState *cpu, int mask);

/* Start (SSTEP_* flags) or stop (0) single-stepping. */
void cpu_single_step(CPUState *cpu, int enabled);

static inline bool cpu_has_work(CPUState *cpu)
{
    return cpu->cc->has_work(cpu);
}

static inline CPUState *qemu_get_cpu(int index)
{
    CPUState *cpu;

    CPU_FOREACH(cpu) {
        if (cpu->cpu_index == index) {
            return cpu;
        }
    }
    return NULL;
}

#endif /* HW_CORE_CPU_H */
