/*
 * The monitors: HMP (human, line-based, "(qemu) " prompt) and QMP (JSON
 * commands and events, QEMU's protocol), each a front end on a chardev.
 * Several may exist at once.
 *
 * Creating monitors (vl.c):
 *   -monitor SPEC        monitor_new_from_legacy(SPEC, false, errp)
 *   -qmp SPEC            monitor_new_from_legacy(SPEC, true, errp)
 *   -mon chardev=ID,mode=readline|control
 *                        monitor_new_from_opts("chardev=ID,...", errp)
 *   -serial mon:stdio, -nographic
 *                        chr = qemu_chr_new("serial0", "mon:stdio", errp),
 *                        then monitor_init_hmp(chr, errp) on that mux
 *                        before the board attaches the UART (the last
 *                        front end attached to a mux gets the focus).
 *
 * Adding commands (any subsystem, at start-up, before or after monitors
 * exist; main thread):
 *   static const HMPCommand hmp_info_registers = {
 *       .name = "registers", .params = "[-a]",
 *       .help = "show the cpu registers", .max_args = 1,
 *       .fn = hmp_info_registers_fn,
 *   };
 *   hmp_register_info(&hmp_info_registers);        // "info registers"
 *   hmp_register_command(&some_command);           // a top-level command
 *
 *   static const QmpArg query_cpus_fast_args[] = { { NULL } };
 *   static const QmpCommand qmp_query_cpus_fast = {
 *       .name = "query-cpus-fast", .fn = qmp_query_cpus_fast_fn,
 *       .args = query_cpus_fast_args,
 *   };
 *   qmp_register_command(&qmp_query_cpus_fast);
 * The structs must stay valid for the life of the process (static const).
 * Registering a name twice is a bug (it asserts).
 *
 * Threads: commands run in the main loop thread with the BQL held, and so
 * must everything here, except monitor_printf from inside a command.
 */
#ifndef MONITOR_MONITOR_H
#define MONITOR_MONITOR_H

#include <json-glib/json-glib.h>

typedef struct Monitor Monitor;
typedef struct Chardev Chardev;
typedef struct Error Error;

/* Start an HMP / QMP monitor on chr; false with *errp (chr in use). */
bool monitor_init_hmp(Chardev *chr, Error **errp);
bool monitor_init_qmp(Chardev *chr, Error **errp);

/* -mon chardev=ID[,mode=readline|control][,id=NAME]. */
bool monitor_new_from_opts(const char *mon_optstr, Error **errp);

/*
 * -monitor / -qmp: create a chardev ("compat_monitorN") from QEMU's short
 * form (see qemu_chr_new) and a monitor on it.  "none" creates nothing.
 */
bool monitor_new_from_legacy(const char *spec, bool qmp, Error **errp);

/* Stop and free every monitor (their chardevs stay).  At exit, in tests. */
void monitor_cleanup(void);

/* Output for HMP commands; "\n" becomes "\r\n" on the wire. */
void monitor_printf(Monitor *mon, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void monitor_puts(Monitor *mon, const char *str);
/* Print err as "Error: ..." (if set) and free it. */
void hmp_handle_error(Monitor *mon, Error *err);

/*
 * HMP commands.  fn gets the words of the line after the command name:
 * argv[0] is the name as typed, argv[1..argc-1] the arguments; the
 * dispatcher has already checked min_args <= argc - 1 <= max_args.
 * name may list aliases: "quit|q".
 */
typedef void HMPCommandFunc(Monitor *mon, int argc, char **argv);
typedef struct HMPCommand {
    const char *name;
    const char *params;         /* for help: "[-a|vcpu]", or "" */
    const char *help;
    int min_args;
    int max_args;
    HMPCommandFunc *fn;
} HMPCommand;

void hmp_register_command(const HMPCommand *cmd);
/* A sub-command of "info". */
void hmp_register_info(const HMPCommand *cmd);

/*
 * QMP commands.  The dispatcher checks "arguments" against args (a table
 * ended by a NULL name) before calling fn: unknown names, missing
 * mandatory ones and wrong JSON types are refused with QEMU's messages.
 * fn returns the value for "return" (a new node; qmp_return_empty() for
 * {}), or NULL with *errp set.  args is never NULL when fn is called
 * (an empty object if the client gave none).
 */
typedef enum QmpArgType {
    QMP_ARG_STR,
    QMP_ARG_INT,
    QMP_ARG_NUMBER,             /* integer or floating point */
    QMP_ARG_BOOL,
    QMP_ARG_OBJECT,
    QMP_ARG_ARRAY,
    QMP_ARG_ANY,
} QmpArgType;

typedef struct QmpArg {
    const char *name;
    QmpArgType type;
    bool optional;
} QmpArg;

typedef JsonNode *QmpCommandFunc(JsonObject *args, Error **errp);
typedef struct QmpCommand {
    const char *name;
    QmpCommandFunc *fn;
    const QmpArg *args;         /* NULL: takes no arguments */
} QmpCommand;

void qmp_register_command(const QmpCommand *cmd);
JsonNode *qmp_return_empty(void);
/* A new node holding obj (taken), for a command's return value. */
JsonNode *qmp_object_node(JsonObject *obj);

/*
 * Run one HMP command line and return what it printed (with "\r\n" line
 * ends), as human-monitor-command does.  Free with g_free.
 */
char *hmp_run_command_line(const char *line);

#endif /* MONITOR_MONITOR_H */
