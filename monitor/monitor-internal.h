/*
 * Private to monitor/: the Monitor object and the calls between the
 * generic code, HMP and QMP.
 */
#ifndef MONITOR_INTERNAL_H
#define MONITOR_INTERNAL_H

#include "chardev/char-fe.h"
#include "monitor/monitor.h"
#include "qemu/queue.h"
#include "json-stream.h"
#include "readline.h"

/* QMP input: the largest text kept, and the deepest nesting. */
#define QMP_MAX_INPUT_SIZE  (1024 * 1024)
#define QMP_MAX_NESTING     1024

/*
 * Every field is used in the main loop thread with the BQL held (the
 * front-end handlers and commands run there); monitor_list additionally
 * holds monitor_lock so that the event broadcaster sees a stable list.
 */
struct Monitor {
    bool is_qmp;
    bool has_chr;               /* false: captures output (HMP via QMP) */
    CharBackend chr;
    GString *outbuf;            /* output not yet written */
    QTAILQ_ENTRY(Monitor) entry;

    /* HMP */
    ReadLineState rs;
    bool mux_out;               /* a mux gave the focus to someone else */
    bool greeted;               /* the banner was printed since opening */

    /* QMP */
    JsonStream stream;
    bool negotiated;            /* qmp_capabilities done: commands, events */
    bool dispatching;           /* running a command: hold events back */
    GString *deferred_events;   /* events raised meanwhile, sent after the
                                   reply, as QEMU orders them */
};

/* monitor.c */
void monitor_flush(Monitor *mon);
Monitor *monitor_new(bool is_qmp);
void monitor_free(Monitor *mon);
/* Send json (a complete reply or event) followed by CR LF. */
void monitor_send_json(Monitor *mon, JsonNode *json);
/* Send an event, or keep it until the reply if a command is running. */
void monitor_qmp_send_event(Monitor *mon, JsonNode *event);
/* Call fn for each QMP monitor that has negotiated. */
void monitor_qmp_foreach_negotiated(void (*fn)(Monitor *mon, void *opaque),
                                    void *opaque);

/* hmp.c */
void monitor_hmp_start(Monitor *mon);
void monitor_hmp_stop(Monitor *mon);
void hmp_handle_command(Monitor *mon, const char *line);

/* hmp-cmds.c */
void hmp_register_builtins(void);
const HMPCommand *hmp_find_command(const char *name, bool info);
/* Print "name params -- help" for each command (info: each sub-command). */
void hmp_print_help(Monitor *mon, bool info, const char *only);

/* qmp.c */
void monitor_qmp_start(Monitor *mon);
void monitor_qmp_stop(Monitor *mon);
/* Feed bytes to mon as if its client had sent them. */
void monitor_qmp_input(Monitor *mon, const uint8_t *buf, int len);

/* qmp-cmds.c */
void qmp_register_builtins(void);
const QmpCommand *qmp_find_command(const char *name);
/* Names of every registered command, in registration order. */
GPtrArray *qmp_command_names(void);
/* {"qemu": {"micro", "minor", "major"}, "package": ""} */
JsonObject *qmp_version_object(void);
/* What both monitors' stop/cont/... do. */
void monitor_do_stop(void);
bool monitor_do_cont(Error **errp);

/* Register the built-in commands once. */
void monitor_register_builtins(void);

#endif /* MONITOR_INTERNAL_H */
