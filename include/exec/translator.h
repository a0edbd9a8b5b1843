/*
 * The generic translator loop: a target decodes one guest instruction at
 * a time into ops; the loop handles the block's entry, its end, its
 * length limits and the fetching of guest code.
 *
 * Blocks never run past their first page, except for one instruction
 * that straddles into the next page, which must then be the block's only
 * instruction (the target stops before such an instruction otherwise).
 * So a fetch fault can only happen on a block's first instruction, where
 * it is raised at translation time with the right guest state.
 */
#ifndef EXEC_TRANSLATOR_H
#define EXEC_TRANSLATOR_H

#include "exec/exec-all.h"
#include "tcg/tcg-op.h"

typedef enum DisasJumpType {
    DISAS_NEXT,         /* go on with the next instruction */
    DISAS_TOO_MANY,     /* stop here; the loop jumps to pc_next */
    DISAS_NORETURN,     /* the ops emitted leave the block */
} DisasJumpType;

typedef struct DisasContextBase {
    TranslationBlock *tb;
    TCGContext *s;
    vaddr pc_first;
    vaddr pc_next;              /* the next instruction to translate */
    DisasJumpType is_jmp;
    int num_insns;              /* instructions started so far */
    int max_insns;
    bool uniform;               /* false: one-instruction block */
    void *host_page[2];         /* host address of each page's start */
} DisasContextBase;

typedef struct TranslatorOps {
    /* Set up the target's context; pc_first/flags are in db->tb. */
    void (*init_disas_context)(DisasContextBase *db, CPUState *cpu);
    /*
     * Translate the instruction at db->pc_next: start it with
     * tcg_gen_insn_start, emit its ops, advance pc_next and set is_jmp
     * if the block must end.  To stop before it instead (it would
     * straddle a page), leave pc_next alone and set DISAS_TOO_MANY
     * without starting an instruction.
     */
    void (*translate_insn)(DisasContextBase *db, CPUState *cpu);
    /* Print the block's guest code for -d in_asm. */
    void (*disas_log)(DisasContextBase *db, CPUState *cpu, GString *buf);
} TranslatorOps;

/*
 * Translate the block tb into s: host_pc is the host address of the
 * code at tb->pc, uniform says whether its page may hold more than one
 * instruction per block (exec/cputlb.h).
 */
void translator_loop(CPUState *cpu, TranslationBlock *tb, TCGContext *s,
                     int max_insns, void *host_pc, bool uniform,
                     const TranslatorOps *ops, DisasContextBase *db);

/*
 * Fetch guest code of the block being translated: pc must lie in the
 * block's first page or in the one after it (the block's first
 * instruction straddling), whose fetch fault is raised here.
 */
uint16_t translator_lduw(CPUState *cpu, DisasContextBase *db, vaddr pc);

/* May the block chain directly to dest? (Same page, chaining allowed.) */
static inline bool translator_use_goto_tb(DisasContextBase *db, vaddr dest)
{
    return db->uniform &&
           ((db->pc_first ^ dest) & TARGET_PAGE_MASK) == 0;
}

#endif /* EXEC_TRANSLATOR_H */
