/*
 * HMP's command tables and built-in commands: help, info (status,
 * version, name, mtree, ramblock, chardev, history, rcu), stop, cont,
 * system_reset, system_powerdown and quit.
 *
 * The tables are written at start-up by hmp_register_* (main thread) and
 * read by the monitors in the main loop with the BQL held.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "chardev/char.h"
#include "exec/memory.h"
#include "exec/ramblock.h"
#include "sysemu/runstate.h"
#include "sysemu/sysemu.h"
#include "qemu/rcu.h"
#include "monitor-internal.h"

static GPtrArray *hmp_commands;         /* of const HMPCommand * */
static GPtrArray *hmp_info_commands;

/* Does name match one of the '|'-separated names in names? */
static bool hmp_name_matches(const char *names, const char *name)
{
    size_t len = strlen(name);

    for (const char *p = names; *p;) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);

        if (n == len && !strncmp(p, name, len)) {
            return true;
        }
        p += n + (bar ? 1 : 0);
    }
    return false;
}

static GPtrArray *hmp_table(bool info)
{
    GPtrArray **t = info ? &hmp_info_commands : &hmp_commands;

    if (!*t) {
        *t = g_ptr_array_new();
    }
    return *t;
}

const HMPCommand *hmp_find_command(const char *name, bool info)
{
    GPtrArray *t = hmp_table(info);

    for (guint i = 0; i < t->len; i++) {
        const HMPCommand *cmd = g_ptr_array_index(t, i);

        if (hmp_name_matches(cmd->name, name)) {
            return cmd;
        }
    }
    return NULL;
}

static void hmp_register(const HMPCommand *cmd, bool info)
{
    g_auto(GStrv) names = g_strsplit(cmd->name, "|", -1);

    monitor_register_builtins();
    assert(cmd->fn && cmd->help && cmd->min_args >= 0 &&
           cmd->max_args >= cmd->min_args);
    for (int i = 0; names[i]; i++) {
        /* Two commands with one name is a bug in their registration. */
        assert(*names[i] && !hmp_find_command(names[i], info));
    }
    g_ptr_array_add(hmp_table(info), (gpointer)cmd);
}

void hmp_register_command(const HMPCommand *cmd)
{
    hmp_register(cmd, false);
}

void hmp_register_info(const HMPCommand *cmd)
{
    hmp_register(cmd, true);
}

static gint hmp_cmd_compare(gconstpointer a, gconstpointer b)
{
    const HMPCommand *x = *(const HMPCommand *const *)a;
    const HMPCommand *y = *(const HMPCommand *const *)b;

    return strcmp(x->name, y->name);
}

void hmp_print_help(Monitor *mon, bool info, const char *only)
{
    g_autoptr(GPtrArray) sorted = g_ptr_array_copy(hmp_table(info), NULL,
                                                   NULL);

    g_ptr_array_sort(sorted, hmp_cmd_compare);
    for (guint i = 0; i < sorted->len; i++) {
        const HMPCommand *cmd = g_ptr_array_index(sorted, i);

        if (only && !hmp_name_matches(cmd->name, only)) {
            continue;
        }
        monitor_printf(mon, "%s%s %s -- %s\n", info ? "info " : "",
                       cmd->name, cmd->params ? cmd->params : "", cmd->help);
    }
}

static void hmp_help(Monitor *mon, int argc, char **argv)
{
    if (argc == 1) {
        hmp_print_help(mon, false, NULL);
    } else if (!strcmp(argv[1], "info")) {
        if (argc == 3 && !hmp_find_command(argv[2], true)) {
            monitor_printf(mon, "unknown command: 'info %s'\n", argv[2]);
        } else {
            hmp_print_help(mon, true, argc == 3 ? argv[2] : NULL);
        }
    } else if (argc == 3) {
        monitor_printf(mon, "%s: extraneous characters at the end of line\n",
                       argv[0]);
    } else if (!hmp_find_command(argv[1], false)) {
        monitor_printf(mon, "unknown command: '%s'\n", argv[1]);
    } else {
        hmp_print_help(mon, false, argv[1]);
    }
}

static void hmp_info(Monitor *mon, int argc, char **argv)
{
    /* "info X" is dispatched by hmp_handle_command; bare "info" lists. */
    hmp_print_help(mon, true, NULL);
}

static void hmp_stop(Monitor *mon, int argc, char **argv)
{
    monitor_do_stop();
}

static void hmp_cont(Monitor *mon, int argc, char **argv)
{
    Error *err = NULL;

    monitor_do_cont(&err);
    hmp_handle_error(mon, err);
}

static void hmp_system_reset(Monitor *mon, int argc, char **argv)
{
    qemu_system_reset_request(SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET);
}

static void hmp_system_powerdown(Monitor *mon, int argc, char **argv)
{
    qemu_system_powerdown_request();
}

static void hmp_quit(Monitor *mon, int argc, char **argv)
{
    qemu_system_shutdown_request(SHUTDOWN_CAUSE_HOST_QMP_QUIT);
}

static void hmp_info_status(Monitor *mon, int argc, char **argv)
{
    RunState state = runstate_get();

    if (runstate_is_running()) {
        monitor_printf(mon, "VM status: running\n");
    } else if (state == RUN_STATE_PAUSED) {
        monitor_printf(mon, "VM status: paused\n");
    } else {
        monitor_printf(mon, "VM status: paused (%s)\n",
                       runstate_name(state));
    }
}

static void hmp_info_version(Monitor *mon, int argc, char **argv)
{
    monitor_printf(mon, "%s\n", QEMU_VERSION);
}

static void hmp_info_name(Monitor *mon, int argc, char **argv)
{
    if (qemu_name) {
        monitor_printf(mon, "%s\n", qemu_name);
    }
}

/* Print what a GString-filling info function produced. */
static void hmp_print_gstring(Monitor *mon, void (*fill)(GString *buf))
{
    g_autoptr(GString) buf = g_string_new(NULL);

    fill(buf);
    monitor_puts(mon, buf->str);
}

static void hmp_info_mtree(Monitor *mon, int argc, char **argv)
{
    hmp_print_gstring(mon, mtree_info);
}

static void hmp_info_ramblock(Monitor *mon, int argc, char **argv)
{
    hmp_print_gstring(mon, ram_block_info);
}

static void hmp_info_chardev(Monitor *mon, int argc, char **argv)
{
    hmp_print_gstring(mon, qemu_chr_info);
}

static void hmp_info_rcu(Monitor *mon, int argc, char **argv)
{
    RcuStats st;

    rcu_get_stats(&st);
    monitor_printf(mon, "grace periods: %" PRIu64 " completed, %" PRIu64
                   " of them waited for a reader; ", st.gp_completed,
                   st.gp_waited);
    if (st.gp_age_us >= 0) {
        monitor_printf(mon, "one waiting for %.3f s\n", st.gp_age_us / 1e6);
    } else {
        monitor_printf(mon, "none waiting\n");
    }
    monitor_printf(mon, "callbacks: %" PRIu64 " queued, %" PRIu64 " run, %"
                   PRIu64 " pending\n", st.cb_queued, st.cb_run,
                   st.cb_pending);
    monitor_printf(mon, "readers: %d registered, %d online, %d in a "
                   "read-side section\n", st.readers, st.readers_online,
                   st.readers_in_section);
    if (st.holdout_tid) {
        monitor_printf(mon, "last holdout: thread %d (%s), for %.3f s\n",
                       st.holdout_tid, st.holdout, st.holdout_us / 1e6);
    } else {
        monitor_printf(mon, "last holdout: none\n");
    }
    monitor_printf(mon, "wake-ups found missing: %" PRIu64 "\n",
                   st.wakeups_rescued);
    if (st.stall_timeout_ms) {
        monitor_printf(mon, "stall warnings: after %.3f s, %" PRIu64
                       " so far\n", st.stall_timeout_ms / 1e3,
                       st.stall_warnings);
    } else {
        monitor_printf(mon, "stall warnings: off\n");
    }
}

static void hmp_info_history(Monitor *mon, int argc, char **argv)
{
    const char *line;

    for (int i = 0; (line = readline_get_history(&mon->rs, i)); i++) {
        monitor_printf(mon, "%d: '%s'\n", i, line);
    }
}

static const HMPCommand hmp_builtin_commands[] = {
    { "help|?", "[cmd]", "show the help", 0, 2, hmp_help },
    { "info", "[subcommand]",
      "show various information about the system state", 0, 0, hmp_info },
    { "stop|s", "", "stop emulation", 0, 0, hmp_stop },
    { "cont|c", "", "resume emulation", 0, 0, hmp_cont },
    { "system_reset", "", "reset the system", 0, 0, hmp_system_reset },
    { "system_powerdown", "", "send system power down event", 0, 0,
      hmp_system_powerdown },
    { "quit|q", "", "quit the emulator", 0, 0, hmp_quit },
};

static const HMPCommand hmp_builtin_info[] = {
    { "status", "", "show the current VM status (running|paused)", 0, 0,
      hmp_info_status },
    { "version", "", "show the version of QEMU", 0, 0, hmp_info_version },
    { "name", "", "show the current VM name", 0, 0, hmp_info_name },
    { "mtree", "", "show memory tree", 0, 0, hmp_info_mtree },
    { "ramblock", "", "Display system ramblock information", 0, 0,
      hmp_info_ramblock },
    { "chardev", "", "show the character devices", 0, 0, hmp_info_chardev },
    { "history", "", "show the command line history", 0, 0,
      hmp_info_history },
    { "rcu", "", "show the state of RCU: grace periods, callbacks, "
      "readers", 0, 0, hmp_info_rcu },
};

void hmp_register_builtins(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(hmp_builtin_commands); i++) {
        hmp_register_command(&hmp_builtin_commands[i]);
    }
    for (size_t i = 0; i < ARRAY_SIZE(hmp_builtin_info); i++) {
        hmp_register_info(&hmp_builtin_info[i]);
    }
}
