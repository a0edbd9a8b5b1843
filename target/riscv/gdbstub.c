/*
 * The RISC-V hart as gdb sees it: the target description and register
 * access for the gdbstub (the debugger hooks of CPUClass).
 *
 * Register numbers, as the description gives them and the 'p'/'P'
 * packets use them:
 *   0-31  x0-x31, by their ABI names, and 32 pc: the 'g' packet's
 *         registers (feature org.gnu.gdb.riscv.cpu);
 *   33-   every CSR Grace implements, in CSR-number order
 *         (org.gnu.gdb.riscv.csr), read and written as the debugger's
 *         CSR accessors allow: no privilege checks, WARL rules kept;
 *   last  priv, the privilege level (0 U, 1 S, 3 M), which gdb shows as
 *         $priv (org.gnu.gdb.riscv.virtual, as QEMU has it).
 * The hart is stopped whenever these run (BQL held).
 */
#include "qemu/osdep.h"
#include "target/riscv/internals.h"

#define GDB_REG_PC      32
#define GDB_REG_CSR0    33

static struct {
    int csrs[4096];             /* register GDB_REG_CSR0 + i: csrs[i] */
    int nb_csrs;
    char *xml;
} gdb_regs;

static gpointer riscv_gdb_init(gpointer unused)
{
    /* gdb's names and types of the core registers. */
    static const char *const types[32] = {
        [1] = "code_ptr", [2] = "data_ptr", [3] = "data_ptr",
        [4] = "data_ptr", [8] = "data_ptr",
    };
    g_autoptr(GString) x = g_string_new(NULL);
    int regnum = 0;

    for (int csrno = 0; csrno < ARRAY_SIZE(gdb_regs.csrs); csrno++) {
        if (riscv_csr_name(csrno)) {
            gdb_regs.csrs[gdb_regs.nb_csrs++] = csrno;
        }
    }

    g_string_append(x, "<?xml version=\"1.0\"?>\n"
                    "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
                    "<target version=\"1.0\">\n"
                    "  <architecture>riscv:rv64</architecture>\n"
                    "  <feature name=\"org.gnu.gdb.riscv.cpu\">\n");
    for (int i = 0; i < 32; i++) {
        g_string_append_printf(x, "    <reg name=\"%s\" bitsize=\"64\" "
                               "type=\"%s\" regnum=\"%d\"/>\n",
                               riscv_int_regnames[i],
                               types[i] ? types[i] : "int", regnum++);
    }
    g_string_append_printf(x, "    <reg name=\"pc\" bitsize=\"64\" "
                           "type=\"code_ptr\" regnum=\"%d\"/>\n"
                           "  </feature>\n"
                           "  <feature name=\"org.gnu.gdb.riscv.csr\">\n",
                           regnum++);
    for (int i = 0; i < gdb_regs.nb_csrs; i++) {
        g_string_append_printf(x, "    <reg name=\"%s\" bitsize=\"64\" "
                               "regnum=\"%d\" group=\"csr\"/>\n",
                               riscv_csr_name(gdb_regs.csrs[i]), regnum++);
    }
    g_string_append_printf(x, "  </feature>\n"
                           "  <feature name=\"org.gnu.gdb.riscv.virtual\">\n"
                           "    <reg name=\"priv\" bitsize=\"64\" "
                           "regnum=\"%d\" group=\"system\"/>\n"
                           "  </feature>\n"
                           "</target>\n", regnum);
    gdb_regs.xml = g_string_free(g_steal_pointer(&x), false);
    return NULL;
}

static void riscv_gdb_ensure_init(void)
{
    static GOnce once = G_ONCE_INIT;

    g_once(&once, riscv_gdb_init, NULL);
}

const char *riscv_gdb_target_xml(CPUState *cs)
{
    riscv_gdb_ensure_init();
    return gdb_regs.xml;
}

int riscv_gdb_num_regs(CPUState *cs)
{
    riscv_gdb_ensure_init();
    return GDB_REG_CSR0 + gdb_regs.nb_csrs + 1;
}

int riscv_gdb_read_register(CPUState *cs, GByteArray *buf, int n)
{
    CPURISCVState *env = &RISCV_CPU(cs)->env;
    uint8_t bytes[8];
    uint64_t val;

    riscv_gdb_ensure_init();
    if (n < 0) {
        return 0;
    } else if (n < 32) {
        val = env->gpr[n];
    } else if (n == GDB_REG_PC) {
        val = env->pc;
    } else if (n - GDB_REG_CSR0 < gdb_regs.nb_csrs) {
        val = riscv_csr_peek(env, gdb_regs.csrs[n - GDB_REG_CSR0]);
    } else if (n - GDB_REG_CSR0 == gdb_regs.nb_csrs) {
        val = env->priv;
    } else {
        return 0;
    }
    for (int i = 0; i < 8; i++) {
        bytes[i] = val >> (8 * i);
    }
    g_byte_array_append(buf, bytes, 8);
    return 8;
}

int riscv_gdb_write_register(CPUState *cs, const uint8_t *buf, int len, int n)
{
    CPURISCVState *env = &RISCV_CPU(cs)->env;
    uint64_t val = 0;

    riscv_gdb_ensure_init();
    if (len < 8 || n < 0) {
        return 0;
    }
    for (int i = 0; i < 8; i++) {
        val |= (uint64_t)buf[i] << (8 * i);
    }
    if (n < 32) {
        /* x0 stays zero, as the hart's writes leave it. */
        if (n) {
            env->gpr[n] = val;
        }
    } else if (n == GDB_REG_PC) {
        /* IALIGN is 16: bit 0 of the pc is always clear. */
        env->pc = val & ~(uint64_t)1;
    } else if (n - GDB_REG_CSR0 < gdb_regs.nb_csrs) {
        if (!riscv_csr_poke(env, gdb_regs.csrs[n - GDB_REG_CSR0], val)) {
            return 0;
        }
    } else if (n - GDB_REG_CSR0 == gdb_regs.nb_csrs) {
        if (val != PRV_U && val != PRV_S && val != PRV_M) {
            return 0;
        }
        env->priv = val;
    } else {
        return 0;
    }
    return 8;
}
