/*
 * Helpers called from translated code (TCGHelperFn): CSR instructions,
 * system instructions and atomics.  Each gets the op that called it,
 * whose insn field holds the raw instruction.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "exec/exec-all.h"
#include "exec/cputlb.h"
#include "target/riscv/internals.h"

static inline CPURISCVState *helper_env(CPUState *cs)
{
    return &RISCV_CPU(cs)->env;
}

static inline int insn_rd(uint32_t insn)
{
    return (insn >> 7) & 31;
}

static inline int insn_rs1(uint32_t insn)
{
    return (insn >> 15) & 31;
}

static inline int insn_rs2(uint32_t insn)
{
    return (insn >> 20) & 31;
}

static inline int insn_funct3(uint32_t insn)
{
    return (insn >> 12) & 7;
}

static void set_rd(CPURISCVState *env, uint32_t insn, uint64_t val)
{
    if (insn_rd(insn)) {
        env->gpr[insn_rd(insn)] = val;
    }
}

static QEMU_NORETURN void raise_illegal(CPURISCVState *env, const TCGOp *op)
{
    /* mtval gets the instruction's bits (16 of them if compressed). */
    riscv_raise_exception(env, RISCV_EXCP_ILLEGAL_INST, op->insn, op);
}

void helper_illegal(CPUState *cs, const TCGOp *op)
{
    qemu_log_mask(LOG_GUEST_ERROR, "illegal instruction 0x%08x at 0x%"
                  PRIx64 "\n", op->insn, op->pc);
    raise_illegal(helper_env(cs), op);
}

void helper_csr(CPUState *cs, const TCGOp *op)
{
    CPURISCVState *env = helper_env(cs);
    uint32_t insn = op->insn;
    int rs1 = insn_rs1(insn), f3 = insn_funct3(insn);
    /* The I forms take rs1 as a 5-bit immediate. */
    uint64_t src = (f3 & 4) ? (uint64_t)rs1 : env->gpr[rs1];
    uint64_t old, value, mask;
    bool write;
    RISCVException r;

    switch (f3 & 3) {
    case 1:     /* csrrw: always writes */
        value = src;
        mask = UINT64_MAX;
        write = true;
        break;
    case 2:     /* csrrs: sets the bits of src; x0/0 only reads */
        value = UINT64_MAX;
        mask = src;
        write = rs1 != 0;
        break;
    default:    /* csrrc */
        value = 0;
        mask = src;
        write = rs1 != 0;
        break;
    }
    r = riscv_csrrw(env, insn >> 20, &old, value, mask, write, op);
    if (r != RISCV_EXCP_NONE) {
        raise_illegal(env, op);
    }
    set_rd(env, insn, old);
}

void helper_ecall(CPUState *cs, const TCGOp *op)
{
    CPURISCVState *env = helper_env(cs);
    RISCVException cause = env->priv == PRV_U ? RISCV_EXCP_U_ECALL :
                           env->priv == PRV_S ? RISCV_EXCP_S_ECALL :
                           RISCV_EXCP_M_ECALL;

    riscv_raise_exception(env, cause, 0, op);
}

void helper_ebreak(CPUState *cs, const TCGOp *op)
{
    riscv_raise_exception(helper_env(cs), RISCV_EXCP_BREAKPOINT, 0, op);
}

void helper_mret(CPUState *cs, const TCGOp *op)
{
    CPURISCVState *env = helper_env(cs);
    uint64_t s = env->mstatus;
    int prev;

    if (env->priv < PRV_M) {
        raise_illegal(env, op);
    }
    prev = get_field(s, MSTATUS_MPP);
    s = set_field(s, MSTATUS_MIE, get_field(s, MSTATUS_MPIE));
    s = set_field(s, MSTATUS_MPIE, 1);
    s = set_field(s, MSTATUS_MPP, PRV_U);
    if (prev != PRV_M) {
        s = set_field(s, MSTATUS_MPRV, 0);
    }
    env->mstatus = s;
    env->priv = prev;
    env->pc = env->mepc;
    env->load_res = -1;
}

void helper_sret(CPUState *cs, const TCGOp *op)
{
    CPURISCVState *env = helper_env(cs);
    uint64_t s = env->mstatus;

    if (env->priv < PRV_S ||
        (env->priv == PRV_S && get_field(s, MSTATUS_TSR))) {
        raise_illegal(env, op);
    }
    env->priv = get_field(s, MSTATUS_SPP);
    s = set_field(s, MSTATUS_SIE, get_field(s, MSTATUS_SPIE));
    s = set_field(s, MSTATUS_SPIE, 1);
    s = set_field(s, MSTATUS_SPP, PRV_U);
    /* sret never returns to M-mode. */
    s = set_field(s, MSTATUS_MPRV, 0);
    env->mstatus = s;
    env->pc = env->sepc;
    env->load_res = -1;
}

void helper_wfi(CPUState *cs, const TCGOp *op)
{
    CPURISCVState *env = helper_env(cs);

    if (env->priv == PRV_U ||
        (env->priv == PRV_S && get_field(env->mstatus, MSTATUS_TW))) {
        raise_illegal(env, op);
    }
    if (riscv_cpu_mip(env) & env->mie) {
        return;     /* already something to do */
    }
    /* WFI retires; sleep until an interrupt is pending (has_work). */
    env->pc = op->pc + op->len;
    cs->insn_count += op->idx + 1;
    qatomic_set(&cs->halted, 1);
    cs->exception_index = EXCP_HLT;
    cpu_loop_exit(cs);
}

void helper_sfence_vma(CPUState *cs, const TCGOp *op)
{
    CPURISCVState *env = helper_env(cs);
    int rs1 = insn_rs1(op->insn);

    if (env->priv == PRV_U ||
        (env->priv == PRV_S && get_field(env->mstatus, MSTATUS_TVM))) {
        raise_illegal(env, op);
    }
    /* We do not tag the TLB with ASIDs: rs2 does not narrow anything. */
    if (rs1) {
        tlb_flush_page(cs, env->gpr[rs1]);
    } else {
        tlb_flush(cs);
    }
}

void helper_fence_i(CPUState *cs, const TCGOp *op)
{
    tb_invalidate_dirty_code(cs);
}

/*
 * The host address of an aligned size-byte atomic access at addr, which
 * must be RAM; raises the guest's exception otherwise.
 */
static void *atomic_host(CPURISCVState *env, vaddr addr, int size,
                         MMUAccessType access_type, const TCGOp *op)
{
    bool load = access_type == MMU_DATA_LOAD;
    void *host;

    if (addr & (size - 1)) {
        riscv_raise_exception(env, load ? RISCV_EXCP_LOAD_ADDR_MIS
                                        : RISCV_EXCP_STORE_AMO_ADDR_MIS,
                              addr, op);
    }
    host = probe_access(env_cpu(env), addr, size, access_type,
                        riscv_cpu_mmu_index(env, false), op);
    if (!host) {
        /* Devices do not do atomics. */
        riscv_raise_exception(env, load ? RISCV_EXCP_LOAD_ACCESS_FAULT
                                        : RISCV_EXCP_STORE_AMO_ACCESS_FAULT,
                              addr, op);
    }
    return host;
}

static int amo_width(uint32_t insn)
{
    return insn_funct3(insn) == 2 ? 4 : 8;
}

/*
 * The aq and rl bits of LR, SC and AMOs (see docs/devel/multi-thread-
 * tcg.rst).  SC and AMOs are host read-modify-writes, a full barrier on
 * x86 and made one elsewhere by smp_mb__before/after_rmw; with a guest
 * plain load or store on either side, that gives aq, rl and aqrl.  LR is
 * a host load: acquire comes free on a TSO host, but rl must keep earlier
 * stores from passing it, which takes a full barrier.
 */
#define INSN_AQ(insn)   (((insn) >> 26) & 1)
#define INSN_RL(insn)   (((insn) >> 25) & 1)

static void amo_barrier_before(uint32_t insn)
{
    if (INSN_RL(insn)) {
        smp_mb__before_rmw();
    }
}

static void amo_barrier_after(uint32_t insn)
{
    if (INSN_AQ(insn)) {
        smp_mb__after_rmw();
    }
}

void helper_lr(CPUState *cs, const TCGOp *op)
{
    CPURISCVState *env = helper_env(cs);
    uint32_t insn = op->insn;
    vaddr addr = env->gpr[insn_rs1(insn)];
    int width = amo_width(insn);
    void *host = atomic_host(env, addr, width, MMU_DATA_LOAD, op);
    uint64_t val;

    if (INSN_RL(insn)) {
        smp_mb();
    }
    if (width == 4) {
        val = (int64_t)(int32_t)__atomic_load_n((uint32_t *)host,
                                                __ATOMIC_SEQ_CST);
    } else {
        val = __atomic_load_n((uint64_t *)host, __ATOMIC_SEQ_CST);
    }
    env->load_res = addr;
    env->load_val = val;
    set_rd(env, insn, val);
}

void helper_sc(CPUState *cs, const TCGOp *op)
{
    CPURISCVState *env = helper_env(cs);
    uint32_t insn = op->insn;
    vaddr addr = env->gpr[insn_rs1(insn)];
    uint64_t src = env->gpr[insn_rs2(insn)];
    int width = amo_width(insn);
    bool ok = false;

    if (addr & (width - 1)) {
        riscv_raise_exception(env, RISCV_EXCP_STORE_AMO_ADDR_MIS, addr, op);
    }
    if (env->load_res == addr) {
        void *host = atomic_host(env, addr, width, MMU_DATA_STORE, op);

        amo_barrier_before(insn);
        /*
         * Succeed if memory still holds what LR read: another hart's
         * store of a different value breaks the reservation.
         */
        if (width == 4) {
            uint32_t expected = env->load_val;

            ok = __atomic_compare_exchange_n((uint32_t *)host, &expected,
                                             (uint32_t)src, false,
                                             __ATOMIC_SEQ_CST,
                                             __ATOMIC_SEQ_CST);
        } else {
            uint64_t expected = env->load_val;

            ok = __atomic_compare_exchange_n((uint64_t *)host, &expected,
                                             src, false, __ATOMIC_SEQ_CST,
                                             __ATOMIC_SEQ_CST);
        }
    }
    amo_barrier_after(insn);
    env->load_res = -1;
    set_rd(env, insn, !ok);
}

/* The new memory value of AMO funct5 f5 for old value a and operand b. */
static uint64_t amo_compute(int f5, uint64_t a, uint64_t b, bool word)
{
    int64_t sa = word ? (int32_t)a : (int64_t)a;
    int64_t sb = word ? (int32_t)b : (int64_t)b;
    uint64_t ua = word ? (uint32_t)a : a;
    uint64_t ub = word ? (uint32_t)b : b;

    switch (f5) {
    case 0x00:
        return a + b;
    case 0x01:
        return b;
    case 0x04:
        return a ^ b;
    case 0x08:
        return a | b;
    case 0x0c:
        return a & b;
    case 0x10:
        return sa < sb ? a : b;
    case 0x14:
        return sa > sb ? a : b;
    case 0x18:
        return ua < ub ? a : b;
    default:    /* 0x1c, amomaxu: the decoder admits nothing else */
        return ua > ub ? a : b;
    }
}

/*
 * AMO funct5 f5 on the type-sized word at p: a compare-and-swap loop, one
 * shape for every operation.  Evaluates to the old value.
 */
#define AMO_CAS_LOOP(type, p, f5, src)                                      \
    ({                                                                      \
        type *p_ = (p), old_ = __atomic_load_n(p_, __ATOMIC_RELAXED);       \
        while (!__atomic_compare_exchange_n(                                \
                   p_, &old_,                                               \
                   amo_compute(f5, old_, src, sizeof(type) == 4),           \
                   false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {            \
            /* old_ now holds the current value: try again. */             \
        }                                                                   \
        old_;                                                               \
    })

void helper_amo(CPUState *cs, const TCGOp *op)
{
    CPURISCVState *env = helper_env(cs);
    uint32_t insn = op->insn;
    vaddr addr = env->gpr[insn_rs1(insn)];
    uint64_t src = env->gpr[insn_rs2(insn)];
    int f5 = insn >> 27;
    int width = amo_width(insn);
    void *host;
    uint64_t old;

    /* An AMO reads too; probe_access sees the store. */
    cpu_check_watchpoint(cs, addr, width, BP_MEM_READ, op);
    host = atomic_host(env, addr, width, MMU_DATA_STORE, op);

    amo_barrier_before(insn);
    if (width == 4) {
        old = (int64_t)(int32_t)AMO_CAS_LOOP(uint32_t, host, f5, src);
    } else {
        old = AMO_CAS_LOOP(uint64_t, host, f5, src);
    }
    amo_barrier_after(insn);
    set_rd(env, insn, old);
}
