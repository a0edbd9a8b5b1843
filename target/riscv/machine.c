/*
 * The hart's state for migration and snapshots: section "cpu", one
 * instance per hart (its cpu_index).
 *
 * Everything architectural is here; what is derived is rebuilt after
 * loading (the PMP rules, the interrupt request, the TLB, the debug
 * triggers' breakpoints and watchpoints), and the LR/SC reservation is
 * dropped, which the architecture allows at any time.  Version 2 added
 * the debug triggers; a version 1 stream leaves them as they are (off,
 * on a destination that has not run).
 * The bounds are the CSRs' WARL rules: a value the hart could not hold
 * is refused rather than loaded.
 */
#include "qemu/osdep.h"
#include "exec/cputlb.h"
#include "migration/vmstate.h"
#include "target/riscv/internals.h"

/* mstatus bits that never change: UXL and SXL say RV64. */
#define MSTATUS_FIXED   (set_field(set_field(0, MSTATUS_SXL, MXL_RV64), \
                                   MSTATUS_UXL, MXL_RV64))

static bool riscv_cpu_post_load(void *opaque, int version_id, Error **errp)
{
    RISCVCPU *cpu = opaque;
    CPURISCVState *env = &cpu->env;
    uint64_t satp_mode = get_field(env->satp, SATP_MODE);

    if (env->gpr[0] != 0) {
        error_setg(errp, "x0 = 0x%" PRIx64 ", not 0", env->gpr[0]);
        return false;
    }
    if (env->pc & 1) {
        error_setg(errp, "pc 0x%" PRIx64 " is not 2-byte aligned", env->pc);
        return false;
    }
    if (env->priv == 2) {
        error_setg(errp, "privilege level 2 does not exist");
        return false;
    }
    if ((env->mstatus & ~MSTATUS_WRITABLE) != MSTATUS_FIXED ||
        get_field(env->mstatus, MSTATUS_MPP) == 2) {
        error_setg(errp, "mstatus 0x%" PRIx64 " is not a value the hart "
                   "can hold", env->mstatus);
        return false;
    }
    if (satp_mode != VM_1_10_MBARE && satp_mode != VM_1_10_SV39 &&
        satp_mode != VM_1_10_SV48) {
        error_setg(errp, "satp mode %" PRIu64 " is not supported",
                   satp_mode);
        return false;
    }

    if (!riscv_trigger_post_load(env, errp)) {
        return false;
    }

    env->load_res = -1;
    env->badaddr = 0;
    CPU(cpu)->exception_index = -1;
    pmp_update_rules(env);
    riscv_cpu_update_interrupt_request(env);
    tlb_flush(CPU(cpu));
    return true;
}

/* Sdtrig's registers; tdata1's WARL rule is checked in post_load. */
static const VMStateDescription vmstate_riscv_triggers = {
    .name = "cpu/triggers",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64_MAX(tselect, RISCVTriggerState, RISCV_NB_TRIGGERS - 1),
        VMSTATE_UINT64_ARRAY(tdata1, RISCVTriggerState, RISCV_NB_TRIGGERS),
        VMSTATE_UINT64_ARRAY(tdata2, RISCVTriggerState, RISCV_NB_TRIGGERS),
        VMSTATE_END_OF_LIST()
    },
};

const VMStateDescription vmstate_riscv_cpu = {
    .name = "cpu",
    .version_id = 2,
    .minimum_version_id = 1,
    .post_load = riscv_cpu_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32_MAX(parent_obj.halted, RISCVCPU, 1),
        VMSTATE_UINT64(parent_obj.insn_count, RISCVCPU),
        VMSTATE_UINT64_ARRAY(env.gpr, RISCVCPU, RISCV_NB_REGS),
        VMSTATE_UINT64(env.pc, RISCVCPU),
        VMSTATE_UINT64_MAX(env.priv, RISCVCPU, PRV_M),
        VMSTATE_UINT64_EQUAL(env.mhartid, RISCVCPU),
        VMSTATE_UINT64(env.mstatus, RISCVCPU),
        VMSTATE_UINT64_EQUAL(env.misa, RISCVCPU),
        VMSTATE_UINT64_MASK(env.medeleg, RISCVCPU, DELEGABLE_EXCPS),
        VMSTATE_UINT64_MASK(env.mideleg, RISCVCPU, S_MODE_INTERRUPTS),
        /* Vector modes 2 and 3 are reserved. */
        VMSTATE_UINT64_MASK(env.mtvec, RISCVCPU, ~(uint64_t)2),
        VMSTATE_UINT64_MASK(env.stvec, RISCVCPU, ~(uint64_t)2),
        VMSTATE_UINT64_MASK(env.mepc, RISCVCPU, ~(uint64_t)1),
        VMSTATE_UINT64_MASK(env.sepc, RISCVCPU, ~(uint64_t)1),
        VMSTATE_UINT64(env.mcause, RISCVCPU),
        VMSTATE_UINT64(env.scause, RISCVCPU),
        VMSTATE_UINT64(env.mtval, RISCVCPU),
        VMSTATE_UINT64(env.stval, RISCVCPU),
        VMSTATE_UINT64(env.mscratch, RISCVCPU),
        VMSTATE_UINT64(env.sscratch, RISCVCPU),
        VMSTATE_UINT64(env.satp, RISCVCPU),
        VMSTATE_UINT64_MASK(env.menvcfg, RISCVCPU, ENVCFG_FIOM),
        VMSTATE_UINT64_MASK(env.senvcfg, RISCVCPU, ENVCFG_FIOM),
        VMSTATE_UINT64_MASK(env.mcounteren, RISCVCPU, UINT32_MAX),
        VMSTATE_UINT64_MASK(env.scounteren, RISCVCPU, UINT32_MAX),
        VMSTATE_UINT64(env.cycle_delta, RISCVCPU),
        VMSTATE_UINT64(env.instret_delta, RISCVCPU),
        VMSTATE_UINT32_MASK(env.mip, RISCVCPU, ALL_INTERRUPTS),
        VMSTATE_UINT32_MAX(env.external_seip, RISCVCPU, 1),
        VMSTATE_UINT32_MASK(env.mie, RISCVCPU, ALL_INTERRUPTS),
        VMSTATE_UINT8_ARRAY_MASK(env.pmp.cfg, RISCVCPU, RISCV_PMP_ENTRIES,
                                 PMP_CFG_MASK),
        VMSTATE_UINT64_ARRAY_MASK(env.pmp.addr, RISCVCPU, RISCV_PMP_ENTRIES,
                                  PMP_ADDR_MASK),
        VMSTATE_STRUCT_V(env.trig, RISCVCPU, 2, vmstate_riscv_triggers,
                         RISCVTriggerState),
        VMSTATE_END_OF_LIST()
    },
};
