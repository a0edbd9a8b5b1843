/*
 * Control and status registers.
 *
 * Each implemented CSR has an entry in csr_ops: a predicate for access
 * rules beyond the number's own (counter enables, TVM), a read function,
 * and a write function that receives the complete new value (CSRs
 * without one ignore writes: their fields are read-only WARL).  The
 * number itself encodes the lowest privilege allowed and whether the CSR
 * is read-only; riscv_csrrw checks those first.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "exec/exec-all.h"
#include "exec/cputlb.h"
#include "target/riscv/internals.h"

typedef RISCVException CSRPredicate(CPURISCVState *env, int csrno);
typedef RISCVException CSRRead(CPURISCVState *env, int csrno, uint64_t *val,
                               const TCGOp *op);
typedef RISCVException CSRWrite(CPURISCVState *env, int csrno, uint64_t val,
                                const TCGOp *op);

typedef struct CSROps {
    const char *name;
    CSRPredicate *pred;
    CSRRead *read;
    CSRWrite *write;
    /* The value a read-modify-write starts from, if not what read gives. */
    CSRRead *read_rmw;
} CSROps;

#define SSTATUS_WRITABLE    (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | \
                             MSTATUS_SUM | MSTATUS_MXR)
#define SSTATUS_VISIBLE     (SSTATUS_WRITABLE | MSTATUS_UBE | MSTATUS_VS | \
                             MSTATUS_FS | MSTATUS_XS | MSTATUS_UXL | \
                             MSTATUS_SD)

/* Predicates */

static RISCVException pred_counter(CPURISCVState *env, int csrno)
{
    int bit = csrno & 31;

    if (csrno == CSR_TIME && !env->rdtime_fn) {
        return RISCV_EXCP_ILLEGAL_INST;
    }
    if (env->priv < PRV_M && !((env->mcounteren >> bit) & 1)) {
        return RISCV_EXCP_ILLEGAL_INST;
    }
    if (env->priv < PRV_S && !((env->scounteren >> bit) & 1)) {
        return RISCV_EXCP_ILLEGAL_INST;
    }
    return RISCV_EXCP_NONE;
}

static RISCVException pred_satp(CPURISCVState *env, int csrno)
{
    if (env->priv == PRV_S && get_field(env->mstatus, MSTATUS_TVM)) {
        return RISCV_EXCP_ILLEGAL_INST;
    }
    return RISCV_EXCP_NONE;
}

/* Generic storage */

static uint64_t *csr_storage(CPURISCVState *env, int csrno)
{
    switch (csrno) {
    case CSR_MSCRATCH:
        return &env->mscratch;
    case CSR_SSCRATCH:
        return &env->sscratch;
    case CSR_MCAUSE:
        return &env->mcause;
    case CSR_SCAUSE:
        return &env->scause;
    case CSR_MTVAL:
        return &env->mtval;
    case CSR_STVAL:
        return &env->stval;
    case CSR_MEPC:
        return &env->mepc;
    case CSR_SEPC:
        return &env->sepc;
    case CSR_MTVEC:
        return &env->mtvec;
    case CSR_STVEC:
        return &env->stvec;
    case CSR_MEDELEG:
        return &env->medeleg;
    case CSR_MIDELEG:
        return &env->mideleg;
    case CSR_MENVCFG:
        return &env->menvcfg;
    case CSR_SENVCFG:
        return &env->senvcfg;
    case CSR_SATP:
        return &env->satp;
    case CSR_MHARTID:
        return &env->mhartid;
    case CSR_MISA:
        return &env->misa;
    case CSR_MCOUNTEREN:
        return &env->mcounteren;
    case CSR_SCOUNTEREN:
        return &env->scounteren;
    default:
        g_assert_not_reached();
    }
}

static RISCVException read_plain(CPURISCVState *env, int csrno,
                                 uint64_t *val, const TCGOp *op)
{
    *val = *csr_storage(env, csrno);
    return RISCV_EXCP_NONE;
}

static RISCVException write_plain(CPURISCVState *env, int csrno,
                                  uint64_t val, const TCGOp *op)
{
    *csr_storage(env, csrno) = val;
    return RISCV_EXCP_NONE;
}

static RISCVException read_zero(CPURISCVState *env, int csrno, uint64_t *val,
                                const TCGOp *op)
{
    *val = 0;
    return RISCV_EXCP_NONE;
}

static RISCVException write_epc(CPURISCVState *env, int csrno, uint64_t val,
                                const TCGOp *op)
{
    /* IALIGN is 16: bit 0 is always zero. */
    return write_plain(env, csrno, val & ~(uint64_t)1, op);
}

static RISCVException write_tvec(CPURISCVState *env, int csrno, uint64_t val,
                                 const TCGOp *op)
{
    /* Modes 2 and 3 are reserved: ignore such a write. */
    if ((val & 3) >= 2) {
        qemu_log_mask(LOG_UNIMP, "%s: reserved mode %d ignored\n",
                      riscv_csr_name(csrno), (int)(val & 3));
        return RISCV_EXCP_NONE;
    }
    return write_plain(env, csrno, val, op);
}

static RISCVException write_medeleg(CPURISCVState *env, int csrno,
                                    uint64_t val, const TCGOp *op)
{
    env->medeleg = val & DELEGABLE_EXCPS;
    return RISCV_EXCP_NONE;
}

static RISCVException write_mideleg(CPURISCVState *env, int csrno,
                                    uint64_t val, const TCGOp *op)
{
    env->mideleg = val & S_MODE_INTERRUPTS;
    return RISCV_EXCP_NONE;
}

static RISCVException write_envcfg(CPURISCVState *env, int csrno,
                                   uint64_t val, const TCGOp *op)
{
    return write_plain(env, csrno, val & ENVCFG_FIOM, op);
}

static RISCVException write_counteren(CPURISCVState *env, int csrno,
                                      uint64_t val, const TCGOp *op)
{
    return write_plain(env, csrno, (uint32_t)val, op);
}

/* Counters: cycle counts retired instructions, like instret. */

static uint64_t *counter_delta(CPURISCVState *env, int csrno)
{
    return (csrno & 0xff) == (CSR_CYCLE & 0xff) ? &env->cycle_delta
                                                : &env->instret_delta;
}

static RISCVException read_counter(CPURISCVState *env, int csrno,
                                   uint64_t *val, const TCGOp *op)
{
    *val = cpu_insn_count(env_cpu(env), op) + *counter_delta(env, csrno);
    return RISCV_EXCP_NONE;
}

static RISCVException write_counter(CPURISCVState *env, int csrno,
                                    uint64_t val, const TCGOp *op)
{
    /* The next instruction reads val: this one's increment is replaced. */
    *counter_delta(env, csrno) = val - cpu_insn_count(env_cpu(env), op) - 1;
    return RISCV_EXCP_NONE;
}

static RISCVException read_time(CPURISCVState *env, int csrno, uint64_t *val,
                                const TCGOp *op)
{
    *val = env->rdtime_fn(env->rdtime_arg);
    return RISCV_EXCP_NONE;
}

/* Status */

static RISCVException read_mstatus(CPURISCVState *env, int csrno,
                                   uint64_t *val, const TCGOp *op)
{
    *val = env->mstatus;
    return RISCV_EXCP_NONE;
}

static void set_mstatus(CPURISCVState *env, uint64_t mask, uint64_t val)
{
    uint64_t old = env->mstatus;

    env->mstatus = (old & ~mask) | (val & mask);
    if ((old ^ env->mstatus) & (MSTATUS_MXR | MSTATUS_SUM)) {
        /* The TLB holds permissions computed with the old bits. */
        tlb_flush(env_cpu(env));
    }
}

static RISCVException write_mstatus(CPURISCVState *env, int csrno,
                                    uint64_t val, const TCGOp *op)
{
    if (get_field(val, MSTATUS_MPP) == 2) {
        /* Not a privilege level we have (WARL): keep the old one. */
        val = set_field(val, MSTATUS_MPP,
                        get_field(env->mstatus, MSTATUS_MPP));
    }
    set_mstatus(env, MSTATUS_WRITABLE, val);
    return RISCV_EXCP_NONE;
}

static RISCVException read_sstatus(CPURISCVState *env, int csrno,
                                   uint64_t *val, const TCGOp *op)
{
    *val = env->mstatus & SSTATUS_VISIBLE;
    return RISCV_EXCP_NONE;
}

static RISCVException write_sstatus(CPURISCVState *env, int csrno,
                                    uint64_t val, const TCGOp *op)
{
    set_mstatus(env, SSTATUS_WRITABLE, val);
    return RISCV_EXCP_NONE;
}

/* Interrupts */

static RISCVException read_mie(CPURISCVState *env, int csrno, uint64_t *val,
                               const TCGOp *op)
{
    *val = env->mie;
    if (csrno == CSR_SIE) {
        *val &= env->mideleg;
    }
    return RISCV_EXCP_NONE;
}

static RISCVException write_mie(CPURISCVState *env, int csrno, uint64_t val,
                                const TCGOp *op)
{
    uint64_t mask = csrno == CSR_SIE ? env->mideleg : ALL_INTERRUPTS;

    qatomic_set(&env->mie, (env->mie & ~mask) | (val & mask));
    riscv_cpu_update_interrupt_request(env);
    return RISCV_EXCP_NONE;
}

static RISCVException read_mip(CPURISCVState *env, int csrno, uint64_t *val,
                               const TCGOp *op)
{
    *val = riscv_cpu_mip(env);
    if (csrno == CSR_SIP) {
        *val &= env->mideleg;
    }
    return RISCV_EXCP_NONE;
}

/* csrrs/csrrc start from the software SEIP bit, not from the line. */
static RISCVException read_mip_rmw(CPURISCVState *env, int csrno,
                                   uint64_t *val, const TCGOp *op)
{
    *val = qatomic_read(&env->mip);
    if (csrno == CSR_SIP) {
        *val &= env->mideleg;
    }
    return RISCV_EXCP_NONE;
}

static RISCVException write_mip(CPURISCVState *env, int csrno, uint64_t val,
                                const TCGOp *op)
{
    uint64_t mask = csrno == CSR_SIP ? env->mideleg & MIP_SSIP
                                     : S_MODE_INTERRUPTS;

    riscv_cpu_update_mip(env_archcpu(env), mask, val);
    return RISCV_EXCP_NONE;
}

/* Address translation */

static RISCVException write_satp(CPURISCVState *env, int csrno, uint64_t val,
                                 const TCGOp *op)
{
    uint64_t mode = get_field(val, SATP_MODE);

    if (mode != VM_1_10_MBARE && mode != VM_1_10_SV39 &&
        mode != VM_1_10_SV48) {
        /* An unsupported mode makes the whole write ignored. */
        return RISCV_EXCP_NONE;
    }
    val &= SATP_MODE | SATP_ASID | SATP_PPN;
    if (val != env->satp) {
        env->satp = val;
        tlb_flush(env_cpu(env));
    }
    return RISCV_EXCP_NONE;
}

static RISCVException read_pmp(CPURISCVState *env, int csrno, uint64_t *val,
                               const TCGOp *op)
{
    return pmp_read_csr(env, csrno, val);
}

static RISCVException write_pmp(CPURISCVState *env, int csrno, uint64_t val,
                                const TCGOp *op)
{
    return pmp_write_csr(env, csrno, val);
}

static RISCVException read_trigger(CPURISCVState *env, int csrno,
                                   uint64_t *val, const TCGOp *op)
{
    return riscv_trigger_read_csr(env, csrno, val);
}

static RISCVException write_trigger(CPURISCVState *env, int csrno,
                                    uint64_t val, const TCGOp *op)
{
    return riscv_trigger_write_csr(env, csrno, val);
}

#define CSR(num, n, ...) [num] = { .name = n, __VA_ARGS__ }
#define PLAIN(num, n) CSR(num, n, .read = read_plain, .write = write_plain)
#define PMPADDR(i) \
    CSR(CSR_PMPADDR0 + i, "pmpaddr" #i, .read = read_pmp, .write = write_pmp)

static const CSROps csr_ops[4096] = {
    /* Unprivileged counters */
    CSR(CSR_CYCLE, "cycle", .pred = pred_counter, .read = read_counter),
    CSR(CSR_TIME, "time", .pred = pred_counter, .read = read_time),
    CSR(CSR_INSTRET, "instret", .pred = pred_counter, .read = read_counter),

    /* Supervisor */
    CSR(CSR_SSTATUS, "sstatus", .read = read_sstatus, .write = write_sstatus),
    CSR(CSR_SIE, "sie", .read = read_mie, .write = write_mie),
    CSR(CSR_STVEC, "stvec", .read = read_plain, .write = write_tvec),
    CSR(CSR_SCOUNTEREN, "scounteren", .read = read_plain,
        .write = write_counteren),
    CSR(CSR_SENVCFG, "senvcfg", .read = read_plain, .write = write_envcfg),
    PLAIN(CSR_SSCRATCH, "sscratch"),
    CSR(CSR_SEPC, "sepc", .read = read_plain, .write = write_epc),
    PLAIN(CSR_SCAUSE, "scause"),
    PLAIN(CSR_STVAL, "stval"),
    CSR(CSR_SIP, "sip", .read = read_mip, .write = write_mip,
        .read_rmw = read_mip_rmw),
    CSR(CSR_SATP, "satp", .pred = pred_satp, .read = read_plain,
        .write = write_satp),

    /* Machine information */
    CSR(CSR_MVENDORID, "mvendorid", .read = read_zero),
    CSR(CSR_MARCHID, "marchid", .read = read_zero),
    CSR(CSR_MIMPID, "mimpid", .read = read_zero),
    CSR(CSR_MHARTID, "mhartid", .read = read_plain),
    CSR(CSR_MCONFIGPTR, "mconfigptr", .read = read_zero),

    /* Machine trap setup and handling */
    CSR(CSR_MSTATUS, "mstatus", .read = read_mstatus, .write = write_mstatus),
    CSR(CSR_MISA, "misa", .read = read_plain),
    CSR(CSR_MEDELEG, "medeleg", .read = read_plain, .write = write_medeleg),
    CSR(CSR_MIDELEG, "mideleg", .read = read_plain, .write = write_mideleg),
    CSR(CSR_MIE, "mie", .read = read_mie, .write = write_mie),
    CSR(CSR_MTVEC, "mtvec", .read = read_plain, .write = write_tvec),
    CSR(CSR_MCOUNTEREN, "mcounteren", .read = read_plain,
        .write = write_counteren),
    CSR(CSR_MENVCFG, "menvcfg", .read = read_plain, .write = write_envcfg),
    CSR(CSR_MCOUNTINHIBIT, "mcountinhibit", .read = read_zero),
    PLAIN(CSR_MSCRATCH, "mscratch"),
    CSR(CSR_MEPC, "mepc", .read = read_plain, .write = write_epc),
    PLAIN(CSR_MCAUSE, "mcause"),
    PLAIN(CSR_MTVAL, "mtval"),
    CSR(CSR_MIP, "mip", .read = read_mip, .write = write_mip,
        .read_rmw = read_mip_rmw),

    /* Physical memory protection */
    CSR(CSR_PMPCFG0, "pmpcfg0", .read = read_pmp, .write = write_pmp),
    CSR(CSR_PMPCFG2, "pmpcfg2", .read = read_pmp, .write = write_pmp),
    PMPADDR(0), PMPADDR(1), PMPADDR(2), PMPADDR(3),
    PMPADDR(4), PMPADDR(5), PMPADDR(6), PMPADDR(7),
    PMPADDR(8), PMPADDR(9), PMPADDR(10), PMPADDR(11),
    PMPADDR(12), PMPADDR(13), PMPADDR(14), PMPADDR(15),

    /* Debug triggers (Sdtrig); tinfo's fields are read-only */
    CSR(CSR_TSELECT, "tselect", .read = read_trigger, .write = write_trigger),
    CSR(CSR_TDATA1, "tdata1", .read = read_trigger, .write = write_trigger),
    CSR(CSR_TDATA2, "tdata2", .read = read_trigger, .write = write_trigger),
    CSR(CSR_TDATA3, "tdata3", .read = read_trigger, .write = write_trigger),
    CSR(CSR_TINFO, "tinfo", .read = read_trigger),

    /* Machine counters */
    CSR(CSR_MCYCLE, "mcycle", .read = read_counter, .write = write_counter),
    CSR(CSR_MINSTRET, "minstret", .read = read_counter,
        .write = write_counter),
};

const char *riscv_csr_name(int csrno)
{
    if (csrno < 0 || csrno >= ARRAY_SIZE(csr_ops)) {
        return NULL;
    }
    return csr_ops[csrno].name;
}

uint64_t riscv_csr_peek(CPURISCVState *env, int csrno)
{
    uint64_t val = 0;

    if (csrno >= 0 && csrno < ARRAY_SIZE(csr_ops) && csr_ops[csrno].read &&
        (csrno != CSR_TIME || env->rdtime_fn)) {
        csr_ops[csrno].read(env, csrno, &val, NULL);
    }
    return val;
}

bool riscv_csr_poke(CPURISCVState *env, int csrno, uint64_t val)
{
    if (csrno < 0 || csrno >= ARRAY_SIZE(csr_ops) || !csr_ops[csrno].write) {
        return false;
    }
    return csr_ops[csrno].write(env, csrno, val, NULL) == RISCV_EXCP_NONE;
}

RISCVException riscv_csrrw(CPURISCVState *env, int csrno, uint64_t *old,
                           uint64_t new_value, uint64_t write_mask,
                           bool write, const TCGOp *op)
{
    const CSROps *c;
    uint64_t val, base;
    RISCVException r;

    if (csrno < 0 || csrno >= ARRAY_SIZE(csr_ops) || !csr_ops[csrno].read) {
        qemu_log_mask(LOG_UNIMP, "csr 0x%03x is not implemented\n", csrno);
        return RISCV_EXCP_ILLEGAL_INST;
    }
    c = &csr_ops[csrno];
    /* Bits 9:8 of the number: lowest privilege; 11:10 == 3: read-only. */
    if (env->priv < ((csrno >> 8) & 3)) {
        return RISCV_EXCP_ILLEGAL_INST;
    }
    if (write && ((csrno >> 10) & 3) == 3) {
        return RISCV_EXCP_ILLEGAL_INST;
    }
    if (c->pred) {
        r = c->pred(env, csrno);
        if (r != RISCV_EXCP_NONE) {
            return r;
        }
    }
    r = c->read(env, csrno, &val, op);
    if (r != RISCV_EXCP_NONE) {
        return r;
    }
    if (old) {
        *old = val;
    }
    if (!write || !c->write) {
        return RISCV_EXCP_NONE;
    }
    base = val;
    if (c->read_rmw) {
        c->read_rmw(env, csrno, &base, op);
    }
    return c->write(env, csrno, (base & ~write_mask) |
                    (new_value & write_mask), op);
}
