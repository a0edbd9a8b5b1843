/*
 * HMP, the human monitor: a line editor on the chardev, a "(qemu) "
 * prompt, and commands looked up in the table of hmp-cmds.c.
 *
 * On a mux (-nographic, mon:stdio) the monitor shares the terminal with
 * the serial port: it prints its banner and prompt when it gets the focus
 * (CHR_EVENT_MUX_IN, Ctrl-A c) and stays quiet while it does not have it.
 */
#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "monitor-internal.h"

#define HMP_PROMPT "(qemu) "

static void hmp_banner(Monitor *mon)
{
    monitor_printf(mon, "QEMU %s monitor - type 'help' for more "
                   "information\n", QEMU_VERSION);
    mon->greeted = true;
}

static void hmp_error_sink(void *opaque, const char *msg)
{
    monitor_puts(opaque, msg);
}

/* Split line into words; NULL-terminated, free with g_strfreev. */
static char **hmp_split(const char *line, int *argc)
{
    GPtrArray *words = g_ptr_array_new();
    const char *p = line;

    for (;;) {
        const char *start;

        while (*p == ' ' || *p == '\t') {
            p++;
        }
        if (!*p) {
            break;
        }
        start = p;
        while (*p && *p != ' ' && *p != '\t') {
            p++;
        }
        g_ptr_array_add(words, g_strndup(start, p - start));
    }
    *argc = words->len;
    g_ptr_array_add(words, NULL);
    return (char **)g_ptr_array_free(words, false);
}

/*
 * Check the argument count of cmd (called as "prefix cmd->name"), then
 * run it with the monitor as the destination of error_report.
 */
static void hmp_call(Monitor *mon, const HMPCommand *cmd, const char *prefix,
                     int argc, char **argv)
{
    int nargs = argc - 1;

    if (nargs < cmd->min_args || nargs > cmd->max_args) {
        monitor_printf(mon, "%s: %s\n", cmd->name,
                       nargs < cmd->min_args ? "missing argument"
                       : "extraneous characters at the end of line");
        monitor_printf(mon, "Try \"help %s%s\" for more information\n",
                       prefix, argv[0]);
        return;
    }
    error_printf_set_sink(hmp_error_sink, mon);
    cmd->fn(mon, argc, argv);
    error_printf_set_sink(NULL, NULL);
}

void hmp_handle_command(Monitor *mon, const char *line)
{
    int argc;
    g_auto(GStrv) argv = hmp_split(line, &argc);
    const HMPCommand *cmd;

    if (argc == 0) {
        return;
    }
    if (!strcmp(argv[0], "info") && argc > 1) {
        cmd = hmp_find_command(argv[1], true);
        if (!cmd) {
            monitor_printf(mon, "unknown command: 'info %s'\n", argv[1]);
            return;
        }
        hmp_call(mon, cmd, "info ", argc - 1, argv + 1);
        return;
    }
    cmd = hmp_find_command(argv[0], false);
    if (!cmd) {
        monitor_printf(mon, "unknown command: '%s'\n", argv[0]);
        return;
    }
    hmp_call(mon, cmd, "", argc, argv);
}

char *hmp_run_command_line(const char *line)
{
    Monitor *mon = monitor_new(false);
    char *out;

    hmp_handle_command(mon, line);
    out = g_strdup(mon->outbuf->str);
    monitor_free(mon);
    return out;
}

static void hmp_readline_out(void *opaque, const char *str)
{
    Monitor *mon = opaque;

    g_string_append(mon->outbuf, str);
    monitor_flush(mon);
}

static void hmp_readline_done(void *opaque, const char *line)
{
    Monitor *mon = opaque;

    hmp_handle_command(mon, line);
    readline_show_prompt(&mon->rs);
}

static int hmp_can_read(void *opaque)
{
    return READLINE_MAX_LINE;
}

static void hmp_read(void *opaque, const uint8_t *buf, int size)
{
    Monitor *mon = opaque;

    for (int i = 0; i < size; i++) {
        readline_handle_byte(&mon->rs, buf[i]);
    }
}

static void hmp_event(void *opaque, QEMUChrEvent event)
{
    Monitor *mon = opaque;

    switch (event) {
    case CHR_EVENT_OPENED:
        readline_restart(&mon->rs);
        mon->greeted = false;
        if (!mon->mux_out) {
            hmp_banner(mon);
            readline_show_prompt(&mon->rs);
        }
        break;
    case CHR_EVENT_CLOSED:
        readline_restart(&mon->rs);
        mon->greeted = false;
        break;
    case CHR_EVENT_MUX_IN:
        if (mon->mux_out) {
            mon->mux_out = false;
            if (!mon->greeted) {
                hmp_banner(mon);
            }
            readline_show_prompt(&mon->rs);
        }
        break;
    case CHR_EVENT_MUX_OUT:
        if (!mon->mux_out && mon->greeted) {
            /* Leave the prompt's line to the device taking over. */
            monitor_puts(mon, "\n");
        }
        mon->mux_out = true;
        break;
    case CHR_EVENT_BREAK:
        break;
    }
}

void monitor_hmp_start(Monitor *mon)
{
    readline_init(&mon->rs, HMP_PROMPT, hmp_readline_out, hmp_readline_done,
                  mon);
    qemu_chr_fe_set_handlers(&mon->chr, hmp_can_read, hmp_read, hmp_event,
                             NULL, mon, NULL, true);
}

void monitor_hmp_stop(Monitor *mon)
{
    readline_free(&mon->rs);
}
