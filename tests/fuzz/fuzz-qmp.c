/*
 * A libFuzzer target over the QMP input path: bytes -> the monitor's
 * framing -> json-glib -> the dispatcher with the real command table,
 * the machine being the unit tests' double.
 *
 * Each input starts a fresh client (CHR_EVENT_CLOSED, CHR_EVENT_OPENED).
 * The first byte picks how: bit 0 negotiates capabilities first, so that
 * the fuzzer reaches the commands quickly; bits 1..7 give the size of
 * the chunks the rest is delivered in (0: all at once).
 *
 * Besides the sanitizers, it checks what the monitor sends back: every
 * line must be a JSON object holding a greeting, a reply or an event.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qapi/error.h"
#include "chardev/char.h"
#include "tests/fuzz/fuzz-chardev.h"
#include "monitor/monitor.h"
#include "tests/unit/machine-double.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static Chardev *chr;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    qemu_init_main_loop(&error_abort);
    qemu_mutex_lock_iothread();
    machine_double_reset();
    /* Large enough for every reply an input of -max_len can provoke. */
    chr = qemu_chardev_new_from_spec("ringbuf,id=fuzz,size=16M",
                                     &error_abort);
    monitor_init_qmp(chr, &error_abort);
    return 0;
}

static void check_line(const char *line)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonNode *root;
    JsonObject *obj;

    if (!json_parser_load_from_data(parser, line, -1, NULL) ||
        !(root = json_parser_get_root(parser)) ||
        !JSON_NODE_HOLDS_OBJECT(root)) {
        fprintf(stderr, "monitor sent a line that is not a JSON object: "
                "'%s'\n", line);
        abort();
    }
    obj = json_node_get_object(root);
    if (!json_object_has_member(obj, "return") &&
        !json_object_has_member(obj, "error") &&
        !json_object_has_member(obj, "event") &&
        !json_object_has_member(obj, "QMP")) {
        fprintf(stderr, "monitor sent an unexpected object: '%s'\n", line);
        abort();
    }
}

static void check_output(void)
{
    g_autofree char *out = qemu_chr_ringbuf_read(chr);
    g_auto(GStrv) lines = g_strsplit(out, "\r\n", -1);

    for (int i = 0; lines[i]; i++) {
        if (lines[i + 1] == NULL) {
            /* After the last CR LF: nothing may be left half-written. */
            if (*lines[i]) {
                fprintf(stderr, "unterminated output '%s'\n", lines[i]);
                abort();
            }
            break;
        }
        check_line(lines[i]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char negotiate[] = "{\"execute\": \"qmp_capabilities\"}";
    size_t chunk;

    if (size == 0) {
        return 0;
    }
    machine_double_reset();
    qemu_chr_be_event(chr, CHR_EVENT_CLOSED);
    qemu_chr_be_event(chr, CHR_EVENT_OPENED);
    if (data[0] & 1) {
        qemu_chr_be_write(chr, (const uint8_t *)negotiate,
                          sizeof(negotiate) - 1);
    }
    chunk = data[0] >> 1;
    data++;
    size--;
    fuzz_chardev_feed(chr, data, size, chunk);
    check_output();
    return 0;
}
