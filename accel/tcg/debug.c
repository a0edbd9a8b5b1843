/*
 * Breakpoints, watchpoints and single-stepping (hw/core/cpu.h), for the
 * debugger (BP_GDB: EXCP_DEBUG stops) and for the guest's own debug
 * triggers (BP_CPU: guest exceptions, through TCGCPUOps).
 *
 * Why a breakpoint is never missed, and never fires where it was removed.
 * Each vCPU owns its lists: its thread writes them (a trigger CSR) or the
 * debugger does while the vCPU is stopped, and only the vCPU reads them
 * while it executes.  The translator cannot use them, since translated
 * code is shared by every vCPU; it uses the set of pcs where *some* vCPU
 * has a breakpoint (translate-all.c, under the TB lock), and puts a check
 * (tcg_debug_check_insn) first in each instruction at such a pc.  The
 * check looks at the executing vCPU's own list, so code translated for
 * one vCPU is right for all of them.
 *
 *  B1. Inserting or removing a breakpoint updates the set and drops every
 *      TB whose code covers the pc, in one hold of the TB lock: a
 *      translation either ran before and its TB is dropped, or runs
 *      after and sees the new set.
 *  B2. A dropped TB is never entered again: lookups and the jump cache
 *      check CF_INVALID, and the jumps chained to it are reset.
 *  B3. Nobody is inside a dropped TB when it matters.  The debugger
 *      changes breakpoints only with the vCPUs stopped, outside cpu_exec.
 *      A guest trigger is written by its vCPU in a CSR helper, and a CSR
 *      write ends the block; the other vCPUs may be inside the TB, but
 *      the breakpoint is not in their lists.
 *  B4. A stale check (a removed breakpoint whose TB survived) finds
 *      nothing in the list and costs one call.  B1 drops those too.
 *
 * Single-stepping (and the re-run of an access after a watchpoint hit)
 * translates one-instruction blocks with TB_FLAG_SINGLE_STEP in their
 * flags (exec-all.h), after which cpu_exec returns EXCP_DEBUG.  Nothing
 * here needs the execution backend's cooperation beyond running helper
 * calls and comparing flags, which every backend does anyway:
 * docs/devel/debugging.rst says what a new backend must keep.
 */
#include "qemu/osdep.h"
#include "exec/exec-all.h"
#include "exec/cputlb.h"
#include "hw/core/tcg-cpu-ops.h"
#include "internal.h"

/* Breakpoints */

int cpu_breakpoint_insert(CPUState *cpu, vaddr pc, int flags,
                          CPUBreakpoint **breakpoint)
{
    CPUBreakpoint *bp = g_new0(CPUBreakpoint, 1);

    assert(flags & BP_ANY);
    bp->pc = pc;
    bp->flags = flags;
    /* The debugger's first: its stops win over the guest's triggers. */
    if (flags & BP_GDB) {
        QTAILQ_INSERT_HEAD(&cpu->breakpoints, bp, entry);
    } else {
        QTAILQ_INSERT_TAIL(&cpu->breakpoints, bp, entry);
    }
    tb_debug_pc_ref(pc, 1);
    if (breakpoint) {
        *breakpoint = bp;
    }
    return 0;
}

void cpu_breakpoint_remove_by_ref(CPUState *cpu, CPUBreakpoint *bp)
{
    QTAILQ_REMOVE(&cpu->breakpoints, bp, entry);
    tb_debug_pc_ref(bp->pc, -1);
    g_free(bp);
}

int cpu_breakpoint_remove(CPUState *cpu, vaddr pc, int flags)
{
    CPUBreakpoint *bp;

    QTAILQ_FOREACH(bp, &cpu->breakpoints, entry) {
        if (bp->pc == pc && bp->flags == flags) {
            cpu_breakpoint_remove_by_ref(cpu, bp);
            return 0;
        }
    }
    return -ENOENT;
}

void cpu_breakpoint_remove_all(CPUState *cpu, int mask)
{
    CPUBreakpoint *bp, *next;

    QTAILQ_FOREACH_SAFE(bp, &cpu->breakpoints, entry, next) {
        if (bp->flags & mask) {
            cpu_breakpoint_remove_by_ref(cpu, bp);
        }
    }
}

bool cpu_breakpoint_test(CPUState *cpu, vaddr pc, int mask)
{
    CPUBreakpoint *bp;

    QTAILQ_FOREACH(bp, &cpu->breakpoints, entry) {
        if (bp->pc == pc && (bp->flags & mask)) {
            return true;
        }
    }
    return false;
}

void tcg_debug_check_insn(CPUState *cpu, const TCGOp *op)
{
    const TCGCPUOps *ops = cpu->cc->tcg_ops;
    bool gdb = false, guest = false;
    CPUBreakpoint *bp;

    QTAILQ_FOREACH(bp, &cpu->breakpoints, entry) {
        if (bp->pc == op->pc) {
            gdb |= bp->flags & BP_GDB;
            guest |= bp->flags & BP_CPU;
        }
    }
    /*
     * A single step goes past the debugger's breakpoints (that is how a
     * debugger steps off one), but not past the guest's: stepping into
     * the guest's breakpoint exception handler is what a user expects.
     */
    if (gdb && !cpu->singlestep_enabled) {
        cpu->exception_index = EXCP_DEBUG;
        cpu_loop_exit_restore(cpu, op);
    }
    if (guest && ops->debug_breakpoint) {
        ops->debug_breakpoint(cpu, op);
    }
}

/*
 * Watchpoints.  A vCPU's TLB marks the pages its watchpoints overlap
 * TLB_WATCHPOINT when it fills them, so accesses to them take the slow
 * path, which checks them before performing them (cpu_check_watchpoint).
 * Inserting or removing a watchpoint flushes those pages from that vCPU's
 * TLB: at once on its own thread, else as queued work that it runs
 * before executing again (the debugger's vCPUs are stopped meanwhile).
 *
 * The guest's watchpoints fire before the access, as a guest exception.
 * The debugger's report after it (gdb compares the old and new values):
 * the hit is recorded in cpu->watchpoint_hit, the instruction restarts
 * as a single step, whose access then goes through, and cpu_exec returns
 * EXCP_DEBUG after it.  The instruction has done nothing before its
 * access (a RISC-V instruction accesses memory once, or checks all of a
 * split access first), so running it again changes nothing else.
 */

/* Flush the pages of [addr, addr + len) from cpu's TLB. */
static void tlb_flush_range(CPUState *cpu, vaddr addr, vaddr len)
{
    vaddr first = addr & TARGET_PAGE_MASK;
    vaddr last = (addr + len - 1) & TARGET_PAGE_MASK;

    if (last - first >= 16 * TARGET_PAGE_SIZE) {
        tlb_flush(cpu);
        return;
    }
    for (vaddr page = first;; page += TARGET_PAGE_SIZE) {
        tlb_flush_page(cpu, page);
        if (page == last) {
            break;
        }
    }
}

static bool watchpoint_overlaps(const CPUWatchpoint *wp, vaddr addr,
                                vaddr len)
{
    /* Compare last bytes: a range may end at the top of the space. */
    vaddr wp_last = wp->vaddr + wp->len - 1, last = addr + len - 1;

    return addr <= wp_last && wp->vaddr <= last;
}

int cpu_watchpoint_insert(CPUState *cpu, vaddr addr, vaddr len, int flags,
                          CPUWatchpoint **watchpoint)
{
    CPUWatchpoint *wp;

    if (len == 0 || addr + len - 1 < addr) {
        return -EINVAL;
    }
    assert((flags & BP_ANY) && (flags & BP_MEM_ACCESS));
    wp = g_new0(CPUWatchpoint, 1);
    wp->vaddr = addr;
    wp->len = len;
    wp->flags = flags;
    if (flags & BP_GDB) {
        QTAILQ_INSERT_HEAD(&cpu->watchpoints, wp, entry);
    } else {
        QTAILQ_INSERT_TAIL(&cpu->watchpoints, wp, entry);
    }
    tlb_flush_range(cpu, addr, len);
    if (watchpoint) {
        *watchpoint = wp;
    }
    return 0;
}

void cpu_watchpoint_remove_by_ref(CPUState *cpu, CPUWatchpoint *wp)
{
    QTAILQ_REMOVE(&cpu->watchpoints, wp, entry);
    if (cpu->watchpoint_hit == wp) {
        cpu->watchpoint_hit = NULL;
    }
    tlb_flush_range(cpu, wp->vaddr, wp->len);
    g_free(wp);
}

int cpu_watchpoint_remove(CPUState *cpu, vaddr addr, vaddr len, int flags)
{
    CPUWatchpoint *wp;

    QTAILQ_FOREACH(wp, &cpu->watchpoints, entry) {
        if (wp->vaddr == addr && wp->len == len &&
            (wp->flags & ~BP_WATCHPOINT_HIT) == flags) {
            cpu_watchpoint_remove_by_ref(cpu, wp);
            return 0;
        }
    }
    return -ENOENT;
}

void cpu_watchpoint_remove_all(CPUState *cpu, int mask)
{
    CPUWatchpoint *wp, *next;

    QTAILQ_FOREACH_SAFE(wp, &cpu->watchpoints, entry, next) {
        if (wp->flags & mask) {
            cpu_watchpoint_remove_by_ref(cpu, wp);
        }
    }
}

bool cpu_watchpoint_address_matches(CPUState *cpu, vaddr addr, vaddr len)
{
    CPUWatchpoint *wp;

    QTAILQ_FOREACH(wp, &cpu->watchpoints, entry) {
        if (watchpoint_overlaps(wp, addr, len)) {
            return true;
        }
    }
    return false;
}

void cpu_check_watchpoint(CPUState *cpu, vaddr addr, vaddr len, int flags,
                          const TCGOp *op)
{
    const TCGCPUOps *ops = cpu->cc->tcg_ops;
    CPUWatchpoint *wp;

    if (likely(QTAILQ_EMPTY(&cpu->watchpoints))) {
        return;
    }
    /* The guest's first: they stop the access itself. */
    if (ops->debug_watchpoint) {
        QTAILQ_FOREACH(wp, &cpu->watchpoints, entry) {
            if ((wp->flags & BP_CPU) && (wp->flags & flags) &&
                watchpoint_overlaps(wp, addr, len)) {
                ops->debug_watchpoint(cpu, wp, addr, len, flags, op);
            }
        }
    }
    if (cpu->watchpoint_hit) {
        /* The re-run of the access that hit: let it through. */
        return;
    }
    QTAILQ_FOREACH(wp, &cpu->watchpoints, entry) {
        if ((wp->flags & BP_GDB) && (wp->flags & flags) &&
            watchpoint_overlaps(wp, addr, len)) {
            wp->hitaddr = MAX(addr, wp->vaddr);
            wp->flags |= flags & BP_MEM_READ ? BP_WATCHPOINT_HIT_READ
                                             : BP_WATCHPOINT_HIT_WRITE;
            cpu->watchpoint_hit = wp;
            /* Guest accesses always come from an op. */
            assert(op);
            cpu->exception_index = -1;
            cpu_loop_exit_restore(cpu, op);
        }
    }
}

/* Single-stepping: cpu_exec reads the flags (exec-all.h). */

void cpu_single_step(CPUState *cpu, int enabled)
{
    cpu->singlestep_enabled = enabled;
}
