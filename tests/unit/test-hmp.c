/*
 * HMP through a socket chardev: each command, help, errors, the line
 * editor and its history, reconnecting, commands registered from
 * outside, and HMP sharing a mux with a serial port.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/error-report.h"
#include "qapi/error.h"
#include "chardev/char.h"
#include "monitor/monitor.h"
#include "sysemu/sysemu.h"
#include "machine-double.h"
#include "monitor-client.h"

#define PROMPT "\r(qemu) \033[K"

typedef struct HmpServer {
    char *path;
    Chardev *chr;
} HmpServer;

static void hmp_server_start(HmpServer *s, const char *id)
{
    g_autofree char *name = g_strdup_printf("%s.sock", id);
    g_autofree char *spec = NULL;

    s->path = mon_socket_path(name);
    spec = g_strdup_printf("socket,id=%s,path=%s,server=on,wait=off", id,
                           s->path);
    s->chr = qemu_chardev_new_from_spec(spec, &error_abort);
    g_assert_true(monitor_init_hmp(s->chr, &error_abort));
}

static void hmp_server_stop(HmpServer *s)
{
    monitor_cleanup();
    qemu_chr_delete(s->chr);
    g_free(s->path);
}

static void hmp_connect(MonClient *c, HmpServer *s)
{
    g_autofree char *banner = NULL;
    g_autofree char *want = g_strdup_printf("QEMU %s monitor - type 'help' "
                                            "for more information\r\n"
                                            PROMPT, QEMU_VERSION);

    mon_client_connect(c, s->path);
    banner = mon_client_read_until(c, PROMPT);
    g_assert_cmpstr(banner, ==, want);
}

/*
 * Send keys (which must end the line), wait for the next prompt, and
 * return what the command printed: what follows the echoed line's CR LF.
 */
static char *hmp_keys(MonClient *c, const char *keys)
{
    g_autofree char *echo = NULL;
    char *out;

    mon_client_send_str(c, keys);
    /* Editing redraws the line but only Enter sends CR LF. */
    echo = mon_client_read_until(c, "\r\n");
    out = mon_client_read_until(c, PROMPT);
    out[strlen(out) - strlen(PROMPT)] = '\0';
    return out;
}

static void check_cmd(MonClient *c, const char *keys, const char *want)
{
    g_autofree char *out = hmp_keys(c, keys);

    if (strcmp(out, want)) {
        g_test_message("'%s' printed '%s', want '%s'", keys, out, want);
        g_assert_not_reached();
    }
}

static void check_cmd_contains(MonClient *c, const char *keys,
                               const char *want)
{
    g_autofree char *out = hmp_keys(c, keys);

    if (!strstr(out, want)) {
        g_test_message("'%s' printed '%s', lacking '%s'", keys, out, want);
        g_assert_not_reached();
    }
}

static void test_commands(void)
{
    HmpServer s;
    MonClient c;
    g_autofree char *version = g_strdup_printf("%s\r\n", QEMU_VERSION);

    machine_double_reset();
    hmp_server_start(&s, "hmp0");
    hmp_connect(&c, &s);

    check_cmd(&c, "info status\r", "VM status: paused (prelaunch)\r\n");
    check_cmd(&c, "cont\r", "");
    g_assert_cmpint(machine_double.state, ==, RUN_STATE_RUNNING);
    check_cmd(&c, "info status\r", "VM status: running\r\n");
    check_cmd(&c, "stop\r", "");
    check_cmd(&c, "info status\r", "VM status: paused\r\n");
    check_cmd(&c, "c\r", "");
    check_cmd(&c, "s\r", "");
    g_assert_cmpint(machine_double.state, ==, RUN_STATE_PAUSED);

    check_cmd(&c, "info version\r", version);
    check_cmd(&c, "info name\r", "");
    qemu_name = "vm7";
    check_cmd(&c, "info name\r", "vm7\r\n");
    check_cmd_contains(&c, "info mtree\r",
                       "(prio 0, ram): riscv_virt_board.ram\r\n");
    check_cmd_contains(&c, "info ramblock\r", "Block Name");
    check_cmd_contains(&c, "info chardev\r", "hmp0: filename=unix:");
    check_cmd_contains(&c, "info rcu\r", "grace periods: ");
    check_cmd_contains(&c, "info rcu\r", "stall warnings: after 10.000 s");

    check_cmd(&c, "system_reset\r", "");
    g_assert_cmpint(machine_double.reset_requests, ==, 1);
    g_assert_cmpint(machine_double.reset_cause, ==,
                    SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET);
    check_cmd(&c, "system_powerdown\r", "");
    g_assert_cmpint(machine_double.powerdown_requests, ==, 1);
    check_cmd(&c, "quit\r", "");
    g_assert_cmpint(machine_double.shutdown_requests, ==, 1);
    g_assert_cmpint(machine_double.shutdown_cause, ==,
                    SHUTDOWN_CAUSE_HOST_QMP_QUIT);
    check_cmd(&c, "q\r", "");
    g_assert_cmpint(machine_double.shutdown_requests, ==, 2);

    mon_client_close(&c);
    hmp_server_stop(&s);
}

static void test_help(void)
{
    HmpServer s;
    MonClient c;

    machine_double_reset();
    hmp_server_start(&s, "hmp1");
    hmp_connect(&c, &s);
    check_cmd_contains(&c, "help\r", "info [subcommand] -- show various "
                       "information about the system state\r\n");
    check_cmd_contains(&c, "help\r", "quit|q  -- quit the emulator\r\n");
    check_cmd_contains(&c, "?\r", "cont|c  -- resume emulation\r\n");
    check_cmd(&c, "help stop\r", "stop|s  -- stop emulation\r\n");
    check_cmd(&c, "help s\r", "stop|s  -- stop emulation\r\n");
    check_cmd_contains(&c, "help info\r", "info status  -- show the current "
                       "VM status (running|paused)\r\n");
    check_cmd_contains(&c, "help info\r", "info ramblock  -- ");
    check_cmd(&c, "help info name\r",
              "info name  -- show the current VM name\r\n");
    check_cmd_contains(&c, "info\r", "info mtree  -- show memory tree\r\n");
    check_cmd(&c, "help nothing\r", "unknown command: 'nothing'\r\n");
    check_cmd(&c, "help info nothing\r",
              "unknown command: 'info nothing'\r\n");
    mon_client_close(&c);
    hmp_server_stop(&s);
}

/* Commands registered from outside, as the CPU code adds its own. */
static void hmp_info_widgets(Monitor *mon, int argc, char **argv)
{
    monitor_printf(mon, "widgets of %s:", argv[1]);
    for (int i = 2; i < argc; i++) {
        monitor_printf(mon, " %s", argv[i]);
    }
    monitor_printf(mon, "\n");
}

static void hmp_complain(Monitor *mon, int argc, char **argv)
{
    Error *err = NULL;

    error_report("something broke");
    error_setg(&err, "and it is %s", argc > 1 ? argv[1] : "bad");
    hmp_handle_error(mon, err);
}

static const HMPCommand info_widgets = {
    .name = "widgets", .params = "kind [names...]", .help = "list widgets",
    .min_args = 1, .max_args = 3, .fn = hmp_info_widgets,
};

static const HMPCommand complain = {
    .name = "complain", .params = "[how]", .help = "report an error",
    .min_args = 0, .max_args = 1, .fn = hmp_complain,
};

static void test_errors(void)
{
    HmpServer s;
    MonClient c;

    machine_double_reset();
    hmp_register_info(&info_widgets);
    hmp_register_command(&complain);
    hmp_server_start(&s, "hmp2");
    hmp_connect(&c, &s);

    check_cmd(&c, "bogus\r", "unknown command: 'bogus'\r\n");
    check_cmd(&c, "info bogus\r", "unknown command: 'info bogus'\r\n");
    check_cmd(&c, "stop now\r", "stop|s: extraneous characters at the end "
              "of line\r\nTry \"help stop\" for more information\r\n");
    check_cmd(&c, "info status x\r", "status: extraneous characters at the "
              "end of line\r\nTry \"help info status\" for more "
              "information\r\n");
    check_cmd(&c, "\r", "");
    check_cmd(&c, "   \r", "");
    machine_double.state = RUN_STATE_SHUTDOWN;
    check_cmd(&c, "cont\r", "Error: Resetting the Virtual Machine is "
              "required\r\n");
    g_assert_cmpint(machine_double.state, ==, RUN_STATE_SHUTDOWN);

    check_cmd(&c, "info widgets   big  a b\r", "widgets of big: a b\r\n");
    check_cmd(&c, "info widgets\r", "widgets: missing argument\r\nTry "
              "\"help info widgets\" for more information\r\n");
    check_cmd(&c, "info widgets a b c d\r", "widgets: extraneous characters"
              " at the end of line\r\nTry \"help info widgets\" for more "
              "information\r\n");
    check_cmd_contains(&c, "help info widgets\r",
                       "info widgets kind [names...] -- list widgets");
    /* error_report during a command lands in the monitor. */
    check_cmd_contains(&c, "complain loudly\r", "something broke");
    check_cmd_contains(&c, "complain loudly\r",
                       "Error: and it is loudly\r\n");
    /* The monitor keeps serving. */
    check_cmd(&c, "info status\r", "VM status: paused (shutdown)\r\n");
    mon_client_close(&c);
    hmp_server_stop(&s);
}

/* Send keys one write at a time so that escape sequences are split. */
static void send_split(MonClient *c, const char *keys)
{
    for (const char *p = keys; *p; p++) {
        mon_client_send(c, p, 1);
        main_loop_wait(true);
    }
}

#define LEFT    "\033[D"
#define RIGHT   "\033[C"
#define UP      "\033[A"
#define DOWN    "\033[B"
#define HOME    "\033[H"
#define DEL     "\033[3~"
#define BS      "\x7f"

static void test_line_editing(void)
{
    HmpServer s;
    MonClient c;

    machine_double_reset();
    qemu_name = "edited";
    hmp_server_start(&s, "hmp3");
    hmp_connect(&c, &s);

    /* Backspace. */
    check_cmd(&c, "info statux" BS "s\r", "VM status: paused (prelaunch)\r\n");
    /* Ctrl-A, then Ctrl-E to type at the end. */
    check_cmd(&c, "nfo na\001i\005me\r", "edited\r\n");
    /* Arrows and Home, split across writes. */
    send_split(&c, "info ersion" HOME RIGHT RIGHT RIGHT RIGHT RIGHT "v");
    check_cmd_contains(&c, "\r", QEMU_VERSION);
    send_split(&c, "info nmae" LEFT LEFT LEFT DEL RIGHT "m");
    check_cmd(&c, "\r", "edited\r\n");
    /* Ctrl-U kills what is before the cursor, Ctrl-K what is after. */
    check_cmd(&c, "garbage\025info name\r", "edited\r\n");
    check_cmd(&c, "info name garbage" LEFT LEFT LEFT LEFT LEFT LEFT LEFT
              LEFT "\013\r", "edited\r\n");
    /* ESC O sequences as some terminals send them. */
    check_cmd(&c, "info name" "\033OD" "\033OD" "\033OD" "\033OD" "\033OD"
              "\033OD" "\033OD" "\033OD" "\033OD" "\033OD" "x\r",
              "unknown command: 'xinfo'\r\n");
    /* CR LF is one Enter. */
    check_cmd(&c, "info name\r\n", "edited\r\n");
    g_assert_true(mon_client_quiet(&c));

    /* History: up recalls, down goes back to the new line. */
    check_cmd(&c, "info status\r", "VM status: paused (prelaunch)\r\n");
    /* History now ends: xinfo name, info name, info status. */
    check_cmd(&c, UP "\r", "VM status: paused (prelaunch)\r\n");
    check_cmd(&c, UP UP UP "\r", "unknown command: 'xinfo'\r\n");
    /* ... info name, info status, xinfo name. */
    check_cmd(&c, UP UP UP DOWN "\r", "VM status: paused (prelaunch)\r\n");
    check_cmd(&c, "info na" UP DOWN "me\r", "edited\r\n");
    check_cmd_contains(&c, "info history\r", ": 'info status'\r\n");
    mon_client_close(&c);
    hmp_server_stop(&s);
}

/* A client that leaves mid-line; the next one starts with a clean line. */
static void test_reconnect(void)
{
    HmpServer s;
    MonClient c;

    machine_double_reset();
    hmp_server_start(&s, "hmp4");
    hmp_connect(&c, &s);
    mon_client_send_str(&c, "info sta");
    mon_client_quiet(&c);
    mon_client_close(&c);
    hmp_connect(&c, &s);
    check_cmd(&c, "tus\r", "unknown command: 'tus'\r\n");
    check_cmd(&c, "info status\r", "VM status: paused (prelaunch)\r\n");
    mon_client_close(&c);
    hmp_server_stop(&s);
}

/* The serial port's side of the mux. */
typedef struct Serial {
    CharBackend be;
    GString *input;
} Serial;

static int serial_can_read(void *opaque)
{
    return 64;
}

static void serial_read(void *opaque, const uint8_t *buf, int size)
{
    Serial *s = opaque;

    g_string_append_len(s->input, (const char *)buf, size);
}

static void serial_event(void *opaque, QEMUChrEvent event)
{
}

static void mux_type(Chardev *base, const char *keys)
{
    qemu_chr_be_write(base, (const uint8_t *)keys, strlen(keys));
}

/*
 * -nographic: the monitor and then the serial port attach to a mux; the
 * serial port has the focus and the monitor says nothing until Ctrl-A c.
 */
static void test_mux(void)
{
    /* A ringbuf shows what the terminal would. */
    Chardev *mux = qemu_chardev_new_from_spec("ringbuf,id=con,mux=on",
                                              &error_abort);
    Chardev *base = qemu_chr_find("con-base");
    Serial serial = { .input = g_string_new(NULL) };
    g_autofree char *out = NULL;

    machine_double_reset();
    g_assert_true(monitor_init_hmp(mux, &error_abort));
    g_assert_true(qemu_chr_fe_init(&serial.be, mux, &error_abort));
    qemu_chr_fe_set_handlers(&serial.be, serial_can_read, serial_read,
                             serial_event, NULL, &serial, NULL, true);
    for (int i = 0; i < 5; i++) {
        main_loop_wait(true);
    }
    out = qemu_chr_ringbuf_read(base);
    g_assert_cmpstr(out, ==, "");
    mux_type(base, "ls\r");
    g_assert_cmpstr(serial.input->str, ==, "ls\r");
    g_free(out);

    mux_type(base, "\001c");
    out = qemu_chr_ringbuf_read(base);
    g_assert_true(g_str_has_prefix(out, "QEMU "));
    g_assert_true(g_str_has_suffix(out, PROMPT));
    g_free(out);
    mux_type(base, "info status\r");
    out = qemu_chr_ringbuf_read(base);
    g_assert_nonnull(strstr(out, "VM status: paused (prelaunch)\r\n"));
    g_free(out);

    /* Back to the serial port, and in again: no second banner. */
    mux_type(base, "\001c");
    mux_type(base, "more");
    g_assert_cmpstr(serial.input->str, ==, "ls\rmore");
    g_free(qemu_chr_ringbuf_read(base));
    mux_type(base, "\001c");
    out = qemu_chr_ringbuf_read(base);
    g_assert_cmpstr(out, ==, PROMPT);

    qemu_chr_fe_deinit(&serial.be, false);
    monitor_cleanup();
    qemu_chr_delete(mux);
    g_string_free(serial.input, true);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qemu_init_main_loop(&error_abort);
    qemu_mutex_lock_iothread();

    g_test_add_func("/hmp/commands", test_commands);
    g_test_add_func("/hmp/help", test_help);
    g_test_add_func("/hmp/errors", test_errors);
    g_test_add_func("/hmp/line-editing", test_line_editing);
    g_test_add_func("/hmp/reconnect", test_reconnect);
    g_test_add_func("/hmp/mux", test_mux);
    return g_test_run();
}
