/*
 * The RISC-V hart: creation, reset, interrupt lines, state dump, and the
 * CPU ops table through which accel/tcg drives it.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qapi/error.h"
#include "hw/core/tcg-cpu-ops.h"
#include "exec/exec-all.h"
#include "migration/vmstate.h"
#include "target/riscv/internals.h"

uint32_t riscv_cpu_mip(CPURISCVState *env)
{
    return qatomic_read(&env->mip) |
           (qatomic_read(&env->external_seip) ? MIP_SEIP : 0);
}

void riscv_cpu_update_interrupt_request(CPURISCVState *env)
{
    CPUState *cs = env_cpu(env);

    if (riscv_cpu_mip(env) & qatomic_read(&env->mie)) {
        cpu_interrupt(cs, CPU_INTERRUPT_HARD);
        return;
    }
    cpu_reset_interrupt(cs, CPU_INTERRUPT_HARD);
    /*
     * Another thread may have raised a line after we read mip: it sets
     * mip before calling us, so re-reading after our clear (a full
     * barrier) sees its bit, or its own cpu_interrupt comes after ours.
     */
    smp_mb();
    if (riscv_cpu_mip(env) & qatomic_read(&env->mie)) {
        cpu_interrupt(cs, CPU_INTERRUPT_HARD);
    }
}

uint64_t riscv_cpu_update_mip(RISCVCPU *cpu, uint64_t mask, uint64_t value)
{
    CPURISCVState *env = &cpu->env;
    uint32_t old = qatomic_read(&env->mip), seen;

    for (;;) {
        uint32_t new = (old & ~mask) | (value & mask);

        seen = qatomic_cmpxchg(&env->mip, old, new);
        if (seen == old) {
            break;
        }
        old = seen;
    }
    riscv_cpu_update_interrupt_request(env);
    return old;
}

static void riscv_cpu_set_irq(void *opaque, int irq, int level)
{
    RISCVCPU *cpu = opaque;

    if (irq == IRQ_S_EXT) {
        /* The line ORs with the software-writable mip.SEIP. */
        qatomic_set(&cpu->env.external_seip, level != 0);
        riscv_cpu_update_interrupt_request(&cpu->env);
    } else {
        riscv_cpu_update_mip(cpu, 1u << irq, level ? 1u << irq : 0);
    }
}

qemu_irq riscv_cpu_irq(RISCVCPU *cpu, int irq)
{
    assert(irq >= 0 && irq < ARRAY_SIZE(cpu->env.irq) && cpu->env.irq[irq]);
    return cpu->env.irq[irq];
}

void riscv_cpu_set_rdtime_fn(CPURISCVState *env, uint64_t (*fn)(void *),
                             void *arg)
{
    env->rdtime_arg = arg;
    env->rdtime_fn = fn;
}

const char *riscv_cpu_isa_string(RISCVCPU *cpu)
{
    return "rv64imac_zicsr_zifencei";
}

static void riscv_cpu_reset(CPUState *cs)
{
    CPURISCVState *env = &RISCV_CPU(cs)->env;

    memset(env->gpr, 0, sizeof(env->gpr));
    env->pc = RISCV_RESET_VECTOR;
    env->priv = PRV_M;
    env->mstatus = set_field(set_field(0, MSTATUS_SXL, MXL_RV64),
                             MSTATUS_UXL, MXL_RV64);
    env->misa = MISA_VALUE;
    env->medeleg = env->mideleg = 0;
    env->mtvec = env->stvec = 0;
    env->mepc = env->sepc = 0;
    env->mcause = env->scause = 0;
    env->mtval = env->stval = 0;
    env->mscratch = env->sscratch = 0;
    env->satp = 0;
    env->menvcfg = env->senvcfg = 0;
    env->mcounteren = env->scounteren = 0;
    env->cycle_delta = env->instret_delta = 0;
    env->load_res = -1;
    env->badaddr = 0;
    qatomic_set(&env->mie, 0);
    /* Device lines keep their levels; the software bits reset. */
    qatomic_and(&env->mip, ~(uint32_t)S_MODE_INTERRUPTS);
    memset(&env->pmp, 0, sizeof(env->pmp));
    pmp_update_rules(env);
    riscv_trigger_reset(env);
    riscv_cpu_update_interrupt_request(env);

    if (qemu_loglevel_mask(CPU_LOG_RESET)) {
        g_autoptr(GString) buf = g_string_new(NULL);

        cpu_dump_state(cs, buf, 0);
        qemu_log("CPU Reset (CPU %d)\n%s", cs->cpu_index, buf->str);
    }
}

static bool riscv_cpu_has_work(CPUState *cs)
{
    CPURISCVState *env = &RISCV_CPU(cs)->env;

    /* WFI wakes on any pending interrupt, whatever the global enables. */
    return (riscv_cpu_mip(env) & qatomic_read(&env->mie)) != 0;
}

static void riscv_cpu_dump_state(CPUState *cs, GString *buf, int flags)
{
    CPURISCVState *env = &RISCV_CPU(cs)->env;
    static const char priv_names[4] = { 'U', 'S', '?', 'M' };
    static const struct {
        const char *name;
        int csrno;
    } csrs[] = {
        { "mstatus", CSR_MSTATUS }, { "mip", CSR_MIP }, { "mie", CSR_MIE },
        { "mideleg", CSR_MIDELEG }, { "medeleg", CSR_MEDELEG },
        { "mtvec", CSR_MTVEC }, { "stvec", CSR_STVEC },
        { "mepc", CSR_MEPC }, { "sepc", CSR_SEPC },
        { "mcause", CSR_MCAUSE }, { "scause", CSR_SCAUSE },
        { "mtval", CSR_MTVAL }, { "stval", CSR_STVAL },
        { "mscratch", CSR_MSCRATCH }, { "sscratch", CSR_SSCRATCH },
        { "satp", CSR_SATP },
    };

    g_string_append_printf(buf, " %-8s %016" PRIx64 "\n", "pc", env->pc);
    g_string_append_printf(buf, " %-8s %016" PRIx64 "\n", "mhartid",
                           env->mhartid);
    g_string_append_printf(buf, " %-8s %c\n", "priv",
                           priv_names[env->priv & 3]);
    for (int i = 0; i < ARRAY_SIZE(csrs); i++) {
        g_string_append_printf(buf, " %-8s %016" PRIx64 "\n", csrs[i].name,
                               riscv_csr_peek(env, csrs[i].csrno));
    }
    g_string_append_printf(buf, " %-8s %016" PRIx64 "\n", "instret",
                           cs->insn_count + env->instret_delta);
    for (int i = 0; i < 32; i++) {
        g_string_append_printf(buf, " x%-2d/%-4s %016" PRIx64 "%s", i,
                               riscv_int_regnames[i], env->gpr[i],
                               (i & 3) == 3 ? "\n" : "");
    }
}

static void riscv_cpu_set_pc(CPUState *cs, vaddr pc)
{
    RISCV_CPU(cs)->env.pc = pc;
}

static vaddr riscv_cpu_get_pc(CPUState *cs)
{
    return RISCV_CPU(cs)->env.pc;
}

static int riscv_cpu_mmu_index_code(CPUState *cs)
{
    return riscv_cpu_mmu_index(&RISCV_CPU(cs)->env, true);
}

static const TCGCPUOps riscv_tcg_ops = {
    .get_tb_cpu_state = riscv_cpu_get_tb_cpu_state,
    .mmu_index_code = riscv_cpu_mmu_index_code,
    .translate_code = riscv_translate_code,
    .cpu_exec_interrupt = riscv_cpu_exec_interrupt,
    .do_interrupt = riscv_cpu_do_interrupt,
    .tlb_fill = riscv_cpu_tlb_fill,
    .do_transaction_failed = riscv_cpu_do_transaction_failed,
    .debug_breakpoint = riscv_cpu_debug_breakpoint,
    .debug_watchpoint = riscv_cpu_debug_watchpoint,
};

static const CPUClass riscv_cpu_class = {
    .name = RISCV_CPU_TYPE_NAME,
    .reset = riscv_cpu_reset,
    .has_work = riscv_cpu_has_work,
    .dump_state = riscv_cpu_dump_state,
    .set_pc = riscv_cpu_set_pc,
    .get_pc = riscv_cpu_get_pc,
    .tcg_ops = &riscv_tcg_ops,
    .gdb_target_xml = riscv_gdb_target_xml,
    .gdb_num_core_regs = RISCV_GDB_NUM_CORE_REGS,
    .gdb_num_regs = riscv_gdb_num_regs,
    .gdb_read_register = riscv_gdb_read_register,
    .gdb_write_register = riscv_gdb_write_register,
    .get_phys_page_debug = riscv_cpu_get_phys_page_debug,
};

RISCVCPU *riscv_cpu_new(uint32_t hartid, Error **errp)
{
    static const int lines[] = { IRQ_M_SOFT, IRQ_M_TIMER, IRQ_S_EXT,
                                 IRQ_M_EXT };
    RISCVCPU *cpu;
    CPUState *cs;

    CPU_FOREACH(cs) {
        if (cs->cc == &riscv_cpu_class &&
            RISCV_CPU(cs)->env.mhartid == hartid) {
            error_setg(errp, "hart %" PRIu32 " already exists", hartid);
            return NULL;
        }
    }
    cpu = g_new0(RISCVCPU, 1);
    cpu->env.mhartid = hartid;
    for (int i = 0; i < ARRAY_SIZE(lines); i++) {
        cpu->env.irq[lines[i]] = qemu_allocate_irq(riscv_cpu_set_irq, cpu,
                                                   lines[i]);
    }
    cs = CPU(cpu);
    cpu_exec_realizefn(cs, &riscv_cpu_class, &cpu->env, cpu->env.gpr);
    cpu_reset(cs);
    vmstate_register(&vmstate_riscv_cpu, cs->cpu_index, cpu);
    return cpu;
}
