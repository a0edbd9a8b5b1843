/*
 * A libFuzzer target over the gdb stub: bytes -> the packet reader ->
 * the dispatcher, with the CPU test machine (two harts, RAM, ROM and a
 * device, tests/unit/riscv-test-machine.c) behind it and the emulator's
 * own run state.  The harts have no threads: "continue" starts nothing,
 * so the inputs explore the protocol, the registers, memory, breakpoints
 * and watchpoints, Ctrl-C and monitor commands without running guest
 * code.
 *
 * Each input starts a fresh client (CHR_EVENT_CLOSED, CHR_EVENT_OPENED:
 * gdb's breakpoints go, and the VM stops as gdb attaches).  The first
 * byte gives the size of the chunks the rest is delivered in (0: all at
 * once); the ones after it are sent as they are, with the stub's acks
 * and replies in between.
 *
 * Besides the sanitizers, it checks what the stub sends back: acks and
 * packets only, each with the right checksum and no unescaped '$', '#'
 * or '*' inside, nothing cut short.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qapi/error.h"
#include "chardev/char.h"
#include "tests/fuzz/fuzz-chardev.h"
#include "exec/gdbstub.h"
#include "sysemu/runstate.h"
#include "sysemu/sysemu.h"
#include "tests/unit/riscv-test-machine.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What vl.c defines, for the monitor commands (qRcmd). */
const char *qemu_name;
uint64_t ram_size = TM_RAM_SIZE;
unsigned int smp_cpus = 2;

static Chardev *chr;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    tm_init(2);
    qemu_mutex_lock_iothread();
    /* Large enough for every reply an input of -max_len can provoke. */
    chr = qemu_chardev_new_from_spec("ringbuf,id=fuzz,size=16M",
                                     &error_abort);
    gdbserver_start("chardev:fuzz", &error_abort);
    return 0;
}

static int hex_digit(char c)
{
    return g_ascii_isxdigit(c) ? g_ascii_xdigit_value(c) : -1;
}

static void check_output(void)
{
    g_autofree char *out = qemu_chr_ringbuf_read(chr);
    const char *p = out;

    while (*p) {
        const char *hash;
        uint8_t sum = 0;

        if (*p == '+' || *p == '-') {
            p++;
            continue;
        }
        if (*p != '$' || !(hash = strchr(p, '#')) || strlen(hash) < 3 ||
            hex_digit(hash[1]) < 0 || hex_digit(hash[2]) < 0) {
            fprintf(stderr, "the stub sent a broken packet: '%.80s'\n", p);
            abort();
        }
        for (const char *q = p + 1; q < hash; q++) {
            if (*q == '$' || *q == '*') {
                fprintf(stderr, "unescaped '%c' in '%.80s'\n", *q, p);
                abort();
            }
            sum += (uint8_t)*q;
        }
        if (sum != (hex_digit(hash[1]) << 4 | hex_digit(hash[2]))) {
            fprintf(stderr, "bad checksum in '%.80s'\n", p);
            abort();
        }
        p = hash + 3;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t chunk;

    if (size == 0) {
        return 0;
    }
    qemu_chr_be_event(chr, CHR_EVENT_CLOSED);
    if (runstate_is_running()) {
        vm_stop(RUN_STATE_PAUSED);
    }
    qemu_chr_be_event(chr, CHR_EVENT_OPENED);
    g_free(qemu_chr_ringbuf_read(chr));

    chunk = data[0];
    data++;
    size--;
    fuzz_chardev_feed(chr, data, size, chunk);
    check_output();
    return 0;
}
