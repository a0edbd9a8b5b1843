/*
 * The debug triggers of the RISC-V debug specification 1.0 (Sdtrig):
 * tselect, tdata1, tdata2, tdata3 and tinfo, with RISCV_NB_TRIGGERS
 * address-match triggers of type mcontrol6 for M, S and U mode.
 *
 * What a trigger does (the spec leaves these to the implementation):
 *  - types: 6 (mcontrol6) and 15 (disabled); writing any other type, or
 *    0, disables the trigger.  Reset: every trigger disabled.
 *  - mcontrol6: execute, load and store, address match (match = 0,
 *    select = 0), every size (0: any; 1, 2, 3, 5: accesses of 1, 2, 4,
 *    8 bytes, or instructions of 2 and 4 bytes for 2 and 3), action 0
 *    (a breakpoint exception).  hit0 is set when the trigger fires
 *    (hit = 1, "before").  Fields we do not have (dmode, vs, vu,
 *    uncertain, select = 1, chain, other matches and actions) read as
 *    0 whatever is written.
 *  - tdata3 (textra64): every field 0 (no context matching).
 *  - tinfo: version 1, types 6 and 15.  tcontrol is not implemented.
 *  - An access matches if any byte it touches is at tdata2 (the compare
 *    values are all its addresses, as the spec recommends).
 *  - Timing is "before": an execute trigger fires before its
 *    instruction executes, a load or store trigger before the access;
 *    epc is the instruction's address, tval the address that matched
 *    (the pc, or the access's address).
 *  - Reentrancy (the spec's first solution): a trigger does not fire in
 *    M-mode while mstatus.MIE is 0, nor in S-mode while mstatus.SIE is
 *    0 if breakpoints are delegated (medeleg bit 3), so that a trigger
 *    never fires inside the handler of its own exception.
 *  - Priority: a load or store trigger fires before any fault of the
 *    access (as the spec ranks it); an execute trigger fires after a
 *    fault in fetching its instruction (the spec ranks it before).
 *
 * An enabled trigger inserts a BP_CPU breakpoint (execute) or watchpoint
 * (load, store) at tdata2 in the hart's lists; the execution engine then
 * calls riscv_cpu_debug_breakpoint/watchpoint, which check the mode, the
 * size and the reentrancy rule, and raise the exception.  Trigger state
 * belongs to the hart (its CSR helpers, or the debugger while stopped).
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qapi/error.h"
#include "exec/exec-all.h"
#include "target/riscv/internals.h"

static int trigger_type(uint64_t tdata1)
{
    return get_field(tdata1, TDATA1_TYPE);
}

/* The bytes of an access that size (mcontrol6) selects; 0: any. */
static unsigned trigger_size_bytes(uint64_t tdata1)
{
    static const unsigned bytes[8] = { 0, 1, 2, 4, 6, 8, 16, 0 };

    return bytes[get_field(tdata1, MCONTROL6_SIZE)];
}

/* tdata1 as written, made legal (WARL). */
static uint64_t tdata1_legalize(uint64_t val)
{
    static const uint64_t kept = MCONTROL6_HIT1 | MCONTROL6_HIT0 |
                                 MCONTROL6_M | MCONTROL6_S | MCONTROL6_U |
                                 MCONTROL6_EXECUTE | MCONTROL6_STORE |
                                 MCONTROL6_LOAD;
    uint64_t t;
    int size;

    if (trigger_type(val) != TRIGGER_TYPE_MCONTROL6) {
        return set_field(0, TDATA1_TYPE, TRIGGER_TYPE_DISABLED);
    }
    t = set_field(val & kept, TDATA1_TYPE, TRIGGER_TYPE_MCONTROL6);
    size = get_field(val, MCONTROL6_SIZE);
    if (size == 1 || size == 2 || size == 3 || size == 5) {
        t = set_field(t, MCONTROL6_SIZE, size);
    }
    return t;
}

/* What decides where trigger i matches: not its hit bits. */
static uint64_t trigger_config(uint64_t tdata1)
{
    return tdata1 & ~(MCONTROL6_HIT0 | MCONTROL6_HIT1);
}

/* Put trigger i's breakpoint and watchpoint where its registers say. */
static void trigger_update(CPURISCVState *env, int i)
{
    RISCVTriggerState *trig = &env->trig;
    CPUState *cs = env_cpu(env);
    uint64_t t = trig->tdata1[i];
    int flags = BP_CPU;

    if (trig->bp[i]) {
        cpu_breakpoint_remove_by_ref(cs, trig->bp[i]);
        trig->bp[i] = NULL;
    }
    if (trig->wp[i]) {
        cpu_watchpoint_remove_by_ref(cs, trig->wp[i]);
        trig->wp[i] = NULL;
    }
    if (trigger_type(t) != TRIGGER_TYPE_MCONTROL6 ||
        !(t & (MCONTROL6_M | MCONTROL6_S | MCONTROL6_U))) {
        return;
    }
    if (t & MCONTROL6_EXECUTE) {
        cpu_breakpoint_insert(cs, trig->tdata2[i], BP_CPU, &trig->bp[i]);
    }
    flags |= (t & MCONTROL6_LOAD) ? BP_MEM_READ : 0;
    flags |= (t & MCONTROL6_STORE) ? BP_MEM_WRITE : 0;
    if (flags & BP_MEM_ACCESS) {
        /* Any access touching the byte at tdata2. */
        cpu_watchpoint_insert(cs, trig->tdata2[i], 1, flags, &trig->wp[i]);
    }
}

void riscv_trigger_reset(CPURISCVState *env)
{
    RISCVTriggerState *trig = &env->trig;

    trig->tselect = 0;
    for (int i = 0; i < RISCV_NB_TRIGGERS; i++) {
        trig->tdata1[i] = set_field(0, TDATA1_TYPE, TRIGGER_TYPE_DISABLED);
        trig->tdata2[i] = 0;
        trigger_update(env, i);
    }
}

/*
 * After loading the registers from a migration stream: refuse values
 * the CSRs could not hold, then put each trigger's breakpoint and
 * watchpoint where its registers say.
 */
bool riscv_trigger_post_load(CPURISCVState *env, Error **errp)
{
    RISCVTriggerState *trig = &env->trig;

    for (int i = 0; i < RISCV_NB_TRIGGERS; i++) {
        if (tdata1_legalize(trig->tdata1[i]) != trig->tdata1[i]) {
            error_setg(errp, "trigger %d: tdata1 0x%" PRIx64 " is not a "
                       "value the hart can hold", i, trig->tdata1[i]);
            return false;
        }
    }
    for (int i = 0; i < RISCV_NB_TRIGGERS; i++) {
        trigger_update(env, i);
    }
    return true;
}

RISCVException riscv_trigger_read_csr(CPURISCVState *env, int csrno,
                                      uint64_t *val)
{
    RISCVTriggerState *trig = &env->trig;

    switch (csrno) {
    case CSR_TSELECT:
        *val = trig->tselect;
        break;
    case CSR_TDATA1:
        *val = trig->tdata1[trig->tselect];
        break;
    case CSR_TDATA2:
        *val = trig->tdata2[trig->tselect];
        break;
    case CSR_TDATA3:
        *val = 0;
        break;
    case CSR_TINFO:
        *val = TINFO_VERSION_1 | (1 << TRIGGER_TYPE_MCONTROL6) |
               (1 << TRIGGER_TYPE_DISABLED);
        break;
    default:
        g_assert_not_reached();
    }
    return RISCV_EXCP_NONE;
}

RISCVException riscv_trigger_write_csr(CPURISCVState *env, int csrno,
                                       uint64_t val)
{
    RISCVTriggerState *trig = &env->trig;
    int i = trig->tselect;
    uint64_t old;

    switch (csrno) {
    case CSR_TSELECT:
        /* Past the last trigger: ignored, as the spec allows. */
        if (val < RISCV_NB_TRIGGERS) {
            trig->tselect = val;
        }
        break;
    case CSR_TDATA1:
        old = trig->tdata1[i];
        trig->tdata1[i] = tdata1_legalize(val);
        if (trigger_config(old) != trigger_config(trig->tdata1[i])) {
            trigger_update(env, i);
        }
        break;
    case CSR_TDATA2:
        if (trig->tdata2[i] != val) {
            trig->tdata2[i] = val;
            trigger_update(env, i);
        }
        break;
    case CSR_TDATA3:
        /* textra64: no field implemented. */
        break;
    default:
        g_assert_not_reached();
    }
    return RISCV_EXCP_NONE;
}

/* May trigger t (action 0) fire in the hart's current mode and state? */
static bool trigger_may_fire(CPURISCVState *env, uint64_t t)
{
    switch (env->priv) {
    case PRV_M:
        return (t & MCONTROL6_M) && get_field(env->mstatus, MSTATUS_MIE);
    case PRV_S:
        return (t & MCONTROL6_S) &&
               (!(env->medeleg & (1 << RISCV_EXCP_BREAKPOINT)) ||
                get_field(env->mstatus, MSTATUS_SIE));
    default:
        return t & MCONTROL6_U;
    }
}

static QEMU_NORETURN void trigger_fire(CPURISCVState *env, int i,
                                       uint64_t tval, const TCGOp *op)
{
    env->trig.tdata1[i] = (env->trig.tdata1[i] & ~MCONTROL6_HIT1) |
                          MCONTROL6_HIT0;
    qemu_log_mask(CPU_LOG_INT, "trigger %d fired at 0x%" PRIx64 "\n", i,
                  tval);
    riscv_raise_exception(env, RISCV_EXCP_BREAKPOINT, tval, op);
}

void riscv_cpu_debug_breakpoint(CPUState *cs, const TCGOp *op)
{
    CPURISCVState *env = &RISCV_CPU(cs)->env;

    for (int i = 0; i < RISCV_NB_TRIGGERS; i++) {
        uint64_t t = env->trig.tdata1[i];
        unsigned size = trigger_size_bytes(t);

        if (env->trig.bp[i] && env->trig.bp[i]->pc == op->pc &&
            trigger_may_fire(env, t) && (!size || size == op->len)) {
            trigger_fire(env, i, op->pc, op);
        }
    }
}

void riscv_cpu_debug_watchpoint(CPUState *cs, CPUWatchpoint *wp, vaddr addr,
                                vaddr len, int flags, const TCGOp *op)
{
    CPURISCVState *env = &RISCV_CPU(cs)->env;

    for (int i = 0; i < RISCV_NB_TRIGGERS; i++) {
        uint64_t t = env->trig.tdata1[i];
        unsigned size = trigger_size_bytes(t);

        if (env->trig.wp[i] == wp && trigger_may_fire(env, t) &&
            (!size || size == len)) {
            trigger_fire(env, i, addr, op);
        }
    }
}
