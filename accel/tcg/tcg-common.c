/*
 * Describing ops: names, kinds, and the dump used by -d op and the tests.
 */
#include "qemu/osdep.h"
#include "tcg/tcg.h"

static const struct {
    const char *name;
    TCGOpKind kind;
} op_defs[NB_OPS] = {
#define DEF(name, kind, doc) [INDEX_op_##name] = { #name, TCG_KIND_##kind },
#include "tcg/tcg-opc.h"
#undef DEF
};

const char *tcg_op_name(TCGOpcode opc)
{
    return opc < NB_OPS ? op_defs[opc].name : "?";
}

TCGOpKind tcg_op_kind(TCGOpcode opc)
{
    return opc < NB_OPS ? op_defs[opc].kind : TCG_KIND_NONE;
}

void tcg_dump_op(GString *buf, const TCGOp *op)
{
    const char *name = tcg_op_name(op->opc);
    int64_t imm = op->imm;

    switch (tcg_op_kind(op->opc)) {
    case TCG_KIND_ENTER:
        g_string_append_printf(buf, "%s %" PRId64, name, imm);
        break;
    case TCG_KIND_GOTO:
        g_string_append_printf(buf, "%s 0x%" PRIx64 " slot %d", name, imm,
                               op->arg);
        break;
    case TCG_KIND_JMP:
        g_string_append_printf(buf, "%s r%d, 0x%" PRIx64 " slot %d", name,
                               op->rd, imm, op->arg);
        break;
    case TCG_KIND_JMPI:
        g_string_append_printf(buf, "%s r%d, r%d%+" PRId64, name, op->rd,
                               op->rs1, imm);
        break;
    case TCG_KIND_EXIT:
        g_string_append_printf(buf, "%s 0x%" PRIx64, name, imm);
        break;
    case TCG_KIND_CALL:
        g_string_append_printf(buf, "%s %p insn 0x%08x", name,
                               (void *)(intptr_t)imm, op->insn);
        break;
    case TCG_KIND_BR:
        g_string_append_printf(buf, "%s r%d, r%d, 0x%" PRIx64 " slot %d",
                               name, op->rs1, op->rs2, imm, op->arg);
        break;
    case TCG_KIND_MOVI:
        g_string_append_printf(buf, "%s r%d, 0x%" PRIx64, name, op->rd, imm);
        break;
    case TCG_KIND_MOV:
        g_string_append_printf(buf, "%s r%d, r%d", name, op->rd, op->rs1);
        break;
    case TCG_KIND_ALU:
        g_string_append_printf(buf, "%s r%d, r%d, r%d", name, op->rd,
                               op->rs1, op->rs2);
        break;
    case TCG_KIND_ALUI:
        g_string_append_printf(buf, "%s r%d, r%d, %" PRId64, name, op->rd,
                               op->rs1, imm);
        break;
    case TCG_KIND_LD:
        g_string_append_printf(buf, "%s r%d, [r%d%+" PRId64 "] mmu %d", name,
                               op->rd, op->rs1, imm, op->arg);
        break;
    case TCG_KIND_ST:
        g_string_append_printf(buf, "%s r%d, [r%d%+" PRId64 "] mmu %d", name,
                               op->rs2, op->rs1, imm, op->arg);
        break;
    case TCG_KIND_MB:
        g_string_append_printf(buf, "%s%s%s%s%s", name,
                               imm & TCG_MO_LD_LD ? " ld_ld" : "",
                               imm & TCG_MO_ST_LD ? " st_ld" : "",
                               imm & TCG_MO_LD_ST ? " ld_st" : "",
                               imm & TCG_MO_ST_ST ? " st_st" : "");
        break;
    case TCG_KIND_NONE:
        g_string_append(buf, name);
        break;
    }
    g_string_append_printf(buf, "  ; pc 0x%" PRIx64 " insn %u", op->pc,
                           op->idx);
}
