/*
 * The TCG accelerator:
 * -accel tcg[,thread=single|multi][,tb-size=MiB][,jit=on|off][,stats=on]
 *           [,jit-pad=bytes].
 */
#include "qemu/osdep.h"
#include "qemu/accel.h"
#include "qapi/error.h"
#include "exec/exec-all.h"
#include "tcg-accel-ops.h"

static const char *const tcg_accel_opts[] = { "thread", "tb-size", "jit",
                                              "stats", "jit-pad", NULL };

/*
 * stats=on: print what `info jit` shows when the process exits (for the
 * benchmarks: translation cost and code size per guest instruction).
 */
static void tcg_print_stats(void)
{
    g_autoptr(GString) buf = g_string_new(NULL);

    tcg_dump_info(buf);
    fprintf(stderr, "tcg statistics:\n%s", buf->str);
}

static bool tcg_init_machine(QemuOpts *opts, Error **errp)
{
    const char *thread = opts ? qemu_opt_get(opts, "thread") : NULL;
    const AccelOpsClass *ops;
    uint64_t tb_size_mib = 0, jit_pad = 0;
    const char *jit;
    bool use_jit, stats = false;

    if (!thread || !strcmp(thread, "multi")) {
        ops = &tcg_accel_ops_mttcg;
    } else if (!strcmp(thread, "single")) {
        ops = &tcg_accel_ops_rr;
    } else {
        error_setg(errp, "invalid value for thread: '%s' (use 'single' or "
                   "'multi')", thread);
        return false;
    }
    if (opts && !qemu_opt_get_number(opts, "tb-size", 0, &tb_size_mib,
                                     errp)) {
        return false;
    }
    /* The JIT where the build has one, unless jit=off. */
    jit = opts ? qemu_opt_get(opts, "jit") : NULL;
    if (!jit || !strcmp(jit, "on")) {
        if (jit && !tcg_jit_available()) {
            error_setg(errp, "jit=on: this build has no JIT for this host "
                       "(configured --disable-jit, or not x86-64)");
            return false;
        }
        use_jit = tcg_jit_available();
    } else if (!strcmp(jit, "off")) {
        use_jit = false;
    } else {
        error_setg(errp, "invalid value for jit: '%s' (use 'on' or 'off')",
                   jit);
        return false;
    }
    if (opts && !qemu_opt_get_number(opts, "jit-pad", 0, &jit_pad, errp)) {
        return false;
    }
    if (jit_pad && !use_jit) {
        error_setg(errp, "jit-pad: only the JIT places blocks (this run "
                   "uses the interpreter)");
        return false;
    }
    if (jit_pad >= TCG_JIT_BLOCK_ALIGN) {
        error_setg(errp, "jit-pad=%" PRIu64 " is too large (at most %d)",
                   jit_pad, TCG_JIT_BLOCK_ALIGN - 1);
        return false;
    }
    tcg_jit_block_pad = jit_pad;
    tcg_use_jit(use_jit);
    if (opts && !qemu_opt_get_bool(opts, "stats", false, &stats, errp)) {
        return false;
    }
    if (stats) {
        atexit(tcg_print_stats);
    }
    tcg_exec_init();
    if (tb_size_mib > tcg_code_buffer_size() / MiB) {
        error_setg(errp, "tb-size=%" PRIu64 " is too large (at most %zu "
                   "MiB)", tb_size_mib, tcg_code_buffer_size() / MiB);
        return false;
    }
    if (tb_size_mib) {
        tcg_set_tb_size(tb_size_mib * MiB);
        tb_flush_all_stopped();
    }
    cpus_register_accel(ops);
    return true;
}

const AccelClass tcg_accel = {
    .name = "tcg",
    .opts = tcg_accel_opts,
    .init_machine = tcg_init_machine,
};
