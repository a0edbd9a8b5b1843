/*
 * The RISC-V disassembler used by -d in_asm.  Compressed instructions
 * are shown as the instructions they expand to.
 */
#include "qemu/osdep.h"
#include "target/riscv/internals.h"
#include "target/riscv/decode.h"

const char *const riscv_int_regnames[32] = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2",
    "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
    "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7",
    "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

#define REG(n) riscv_int_regnames[n]

static void append_fence_set(GString *buf, int set)
{
    static const char names[4] = { 'w', 'r', 'o', 'i' };

    for (int i = 3; i >= 0; i--) {
        if (set & (1 << i)) {
            g_string_append_c(buf, names[i]);
        }
    }
    if (!set) {
        g_string_append_c(buf, '0');
    }
}

static void append_csr(GString *buf, int csrno)
{
    const char *name = riscv_csr_name(csrno);

    if (name) {
        g_string_append(buf, name);
    } else {
        g_string_append_printf(buf, "0x%03x", csrno);
    }
}

static const char *amo_suffix(const RISCVInsn *d)
{
    static const char *const suffixes[2][2][2] = {
        { { ".w", ".w.rl" }, { ".w.aq", ".w.aqrl" } },
        { { ".d", ".d.rl" }, { ".d.aq", ".d.aqrl" } },
    };

    return suffixes[d->width == 8][d->aq][d->rl];
}

/* The mnemonic (and suffix), padded to 8 columns and at least one space. */
static void append_mnemonic(GString *buf, const char *m, const char *suffix)
{
    size_t start = buf->len;

    g_string_append(buf, m);
    g_string_append(buf, suffix);
    do {
        g_string_append_c(buf, ' ');
    } while (buf->len - start < 8);
}

void riscv_disas_insn(GString *buf, uint64_t pc, uint32_t insn, int len)
{
    RISCVInsn d;
    RISCVInsnFormat fmt;

    riscv_decode(insn, len, &d);
    fmt = riscv_insn_format(d.op);
    if (fmt == RV_FMT_NONE) {
        g_string_append(buf, riscv_insn_mnemonic(d.op));
        return;
    }
    if (fmt == RV_FMT_FENCE && (insn >> 28) == 0x8 &&
        (d.imm & 0xff) == 0x33) {
        g_string_append(buf, "fence.tso");
        return;
    }
    append_mnemonic(buf, riscv_insn_mnemonic(d.op),
                    fmt == RV_FMT_LR || fmt == RV_FMT_AMO ? amo_suffix(&d)
                                                          : "");
    switch (fmt) {
    case RV_FMT_U:
        g_string_append_printf(buf, "%s,0x%" PRIx64, REG(d.rd),
                               ((uint64_t)d.imm >> 12) & 0xfffff);
        break;
    case RV_FMT_J:
        g_string_append_printf(buf, "%s,0x%" PRIx64, REG(d.rd),
                               pc + d.imm);
        break;
    case RV_FMT_I:
        if (d.op == RV_OP_JALR) {
            g_string_append_printf(buf, "%s,%" PRId64 "(%s)",
                                   REG(d.rd), d.imm, REG(d.rs1));
        } else {
            g_string_append_printf(buf, "%s,%s,%" PRId64, REG(d.rd),
                                   REG(d.rs1), d.imm);
        }
        break;
    case RV_FMT_B:
        g_string_append_printf(buf, "%s,%s,0x%" PRIx64, REG(d.rs1),
                               REG(d.rs2), pc + d.imm);
        break;
    case RV_FMT_L:
        g_string_append_printf(buf, "%s,%" PRId64 "(%s)", REG(d.rd),
                               d.imm, REG(d.rs1));
        break;
    case RV_FMT_S:
        g_string_append_printf(buf, "%s,%" PRId64 "(%s)", REG(d.rs2),
                               d.imm, REG(d.rs1));
        break;
    case RV_FMT_R:
        g_string_append_printf(buf, "%s,%s,%s", REG(d.rd),
                               REG(d.rs1), REG(d.rs2));
        break;
    case RV_FMT_FENCE:
        append_fence_set(buf, (d.imm >> 4) & 15);
        g_string_append_c(buf, ',');
        append_fence_set(buf, d.imm & 15);
        break;
    case RV_FMT_SFENCE:
        g_string_append_printf(buf, "%s,%s", REG(d.rs1), REG(d.rs2));
        break;
    case RV_FMT_CSR:
        g_string_append_printf(buf, "%s,", REG(d.rd));
        append_csr(buf, d.imm);
        g_string_append_printf(buf, ",%s", REG(d.rs1));
        break;
    case RV_FMT_CSRI:
        g_string_append_printf(buf, "%s,", REG(d.rd));
        append_csr(buf, d.imm);
        g_string_append_printf(buf, ",%d", d.rs1);
        break;
    case RV_FMT_LR:
        g_string_append_printf(buf, "%s,(%s)", REG(d.rd), REG(d.rs1));
        break;
    case RV_FMT_AMO:
        g_string_append_printf(buf, "%s,%s,(%s)", REG(d.rd), REG(d.rs2),
                               REG(d.rs1));
        break;
    case RV_FMT_NONE:
        break;
    }
}
