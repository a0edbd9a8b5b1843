/*
 * The generic translator loop (exec/translator.h).
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "exec/translator.h"
#include "internal.h"

/*
 * Room for the ops of one more instruction (a target emits at most 4,
 * and a breakpoint check may come first) and the block's exit.
 */
#define TCG_OPS_PER_INSN_MAX    5

void tcg_gen_debug_check(TCGContext *s, uint64_t pc)
{
    if (tb_debug_pc_is_set(pc)) {
        /* Belongs to the instruction just started: its pc and index. */
        tcg_gen_call(s, tcg_debug_check_insn, 0);
    }
}

void translator_loop(CPUState *cpu, TranslationBlock *tb, TCGContext *s,
                     int max_insns, void *host_pc, bool uniform,
                     const TranslatorOps *ops, DisasContextBase *db)
{
    db->tb = tb;
    db->s = s;
    db->pc_first = tb->pc;
    db->pc_next = tb->pc;
    db->is_jmp = DISAS_NEXT;
    db->num_insns = 0;
    db->max_insns = uniform ? max_insns : 1;
    db->uniform = uniform;
    db->host_page[0] = (uint8_t *)host_pc - (tb->pc & ~TARGET_PAGE_MASK);
    db->host_page[1] = NULL;

    s->nb_ops = 0;
    s->nb_jmp = 0;
    s->nb_insns = 0;
    s->insn_pc = tb->pc;
    s->insn_len = 0;
    s->debug_pcs = tb_debug_pcs_active();
    tcg_emit(s, INDEX_op_tb_enter);

    ops->init_disas_context(db, cpu);
    for (;;) {
        ops->translate_insn(db, cpu);
        db->num_insns = s->nb_insns;
        if (db->is_jmp != DISAS_NEXT) {
            break;
        }
        if (db->num_insns >= db->max_insns ||
            s->nb_ops + 2 * TCG_OPS_PER_INSN_MAX > TCG_MAX_OPS ||
            s->nb_jmp + 2 > TCG_MAX_JMPS ||
            ((db->pc_next ^ db->pc_first) & TARGET_PAGE_MASK)) {
            db->is_jmp = DISAS_TOO_MANY;
            break;
        }
    }
    /* The target stops before an instruction only if it is not the first. */
    assert(db->num_insns > 0);

    if (db->is_jmp == DISAS_TOO_MANY) {
        if (translator_use_goto_tb(db, db->pc_next)) {
            tcg_gen_goto_tb(s, db->pc_next);
        } else {
            tcg_gen_lookup_tb(s, db->pc_next);
        }
    }
    tb->icount = db->num_insns;
    tb->size = db->pc_next - db->pc_first;

    if (qemu_loglevel_mask(CPU_LOG_TB_IN_ASM)) {
        g_autoptr(GString) buf = g_string_new(NULL);

        g_string_append_printf(buf, "IN: [hart %d]\n", cpu->cpu_index);
        ops->disas_log(db, cpu, buf);
        qemu_log("%s\n", buf->str);
    }
}

uint16_t translator_lduw(CPUState *cpu, DisasContextBase *db, vaddr pc)
{
    vaddr page = db->pc_first & TARGET_PAGE_MASK;
    unsigned n = (pc & TARGET_PAGE_MASK) != page;

    assert(!n || (pc & TARGET_PAGE_MASK) == page + TARGET_PAGE_SIZE);
    if (n && !db->host_page[1]) {
        void *host;
        bool uniform;
        /* Raises the fetch fault of the second page (pc is its start). */
        ram_addr_t ram_addr = get_page_addr_code_hostp(cpu, pc, &host,
                                                       &uniform);

        tb_page_claim(ram_addr);
        db->tb->page_addr[1] = ram_addr & TARGET_PAGE_MASK;
        db->host_page[1] = (uint8_t *)host - (pc & ~TARGET_PAGE_MASK);
        if (!uniform) {
            db->uniform = false;
            db->tb->cflags |= CF_NO_CHAIN;
        }
    }
    return ldn_host((uint8_t *)db->host_page[n] + (pc & ~TARGET_PAGE_MASK),
                    2);
}
