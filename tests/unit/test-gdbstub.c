/*
 * The gdb stub's protocol, spoken by the test over a ringbuf chardev to
 * the CPU test machine, with the emulator's own run state
 * (softmmu/runstate.c): the packet framing and its errors, registers,
 * memory (virtual and physical), threads, and, with the harts on their
 * own threads, breakpoints, steps, watchpoints, Ctrl-C and detaching.
 *
 * The test plays the main loop: it holds the BQL while it talks to the
 * stub, and calls main_loop_should_exit to act on the stop requests the
 * harts make.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qapi/error.h"
#include "chardev/char.h"
#include "exec/gdbstub.h"
#include "exec/exec-all.h"
#include "sysemu/cpus.h"
#include "sysemu/runstate.h"
#include "sysemu/sysemu.h"
#include "target/riscv/internals.h"
#include "riscv-test-machine.h"

#define CODE        TM_RAM_BASE
#define DATA        (TM_RAM_BASE + 0x100000)
#define PT_ROOT     (TM_RAM_BASE + 0x300000)

/* What vl.c defines, for the monitor (qRcmd). */
const char *qemu_name;
uint64_t ram_size = TM_RAM_SIZE;
unsigned int smp_cpus = 2;

static Chardev *chr;
static bool threads_started;

/* The client side */

static uint8_t checksum(const char *data, size_t len)
{
    uint8_t sum = 0;

    for (size_t i = 0; i < len; i++) {
        sum += (uint8_t)data[i];
    }
    return sum;
}

static void send_raw_len(const char *data, size_t len)
{
    qemu_chr_be_write(chr, (const uint8_t *)data, len);
}

static void send_raw(const char *data)
{
    send_raw_len(data, strlen(data));
}

static void send_packet_len(const char *data, size_t len)
{
    g_autofree char *tail = g_strdup_printf("#%02x", checksum(data, len));

    send_raw("$");
    send_raw_len(data, len);
    send_raw(tail);
}

static void send_packet(const char *data)
{
    send_packet_len(data, strlen(data));
}

/* Everything the stub sent since the last call. */
static char *output(void)
{
    return qemu_chr_ringbuf_read(chr);
}

/*
 * Check that out is exactly ack (if given) and one well-formed packet,
 * and return the packet's data (unescaped).
 */
static char *parse_reply(const char *out, bool ack)
{
    const char *p = out, *hash;
    GString *data = g_string_new(NULL);

    if (ack) {
        g_assert_cmpint(*p, ==, '+');
        p++;
    }
    g_assert_cmpint(*p, ==, '$');
    hash = strrchr(p, '#');
    g_assert_nonnull(hash);
    g_assert_cmpuint(strlen(hash), ==, 3);
    g_assert_cmphex(checksum(p + 1, hash - p - 1), ==,
                    strtoul(hash + 1, NULL, 16));
    for (p++; p < hash; p++) {
        if (*p == '}') {
            g_string_append_c(data, *++p ^ 0x20);
        } else {
            g_assert(*p != '$' && *p != '#' && *p != '*');
            g_string_append_c(data, *p);
        }
    }
    return g_string_free(data, false);
}

/* Send a packet and return the stub's reply (after checking the ack). */
static char *transact(const char *packet)
{
    g_autofree char *out = NULL;

    send_packet(packet);
    out = output();
    send_raw("+");
    return parse_reply(out, true);
}

static void check_transact(const char *packet, const char *reply)
{
    g_autofree char *got = transact(packet);

    g_assert_cmpstr(got, ==, reply);
}

static void hex_of(char *hex, const void *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        sprintf(hex + 2 * i, "%02x", ((const uint8_t *)buf)[i]);
    }
}

static uint64_t le64_of_hex(const char *hex)
{
    uint64_t v = 0;

    for (int i = 7; i >= 0; i--) {
        unsigned b;

        g_assert_cmpint(sscanf(hex + 2 * i, "%2x", &b), ==, 1);
        v = v << 8 | b;
    }
    return v;
}

/* A fresh client, the machine reset, the VM stopped. */
static void reconnect(void)
{
    qemu_mutex_lock_iothread();
    if (runstate_is_running()) {
        vm_stop(RUN_STATE_PAUSED);
    }
    qemu_chr_be_event(chr, CHR_EVENT_CLOSED);
    if (runstate_is_running()) {
        vm_stop(RUN_STATE_PAUSED);
    }
    qemu_mutex_unlock_iothread();
    tm_reset();
    qemu_mutex_lock_iothread();
    qemu_chr_be_event(chr, CHR_EVENT_OPENED);
    g_free(output());
}

static void done(void)
{
    qemu_mutex_unlock_iothread();
}

/* qXfer the target description, chunk bytes at a time. */
static char *read_target_xml(unsigned chunk)
{
    GString *xml = g_string_new(NULL);

    for (;;) {
        g_autofree char *q = g_strdup_printf(
            "qXfer:features:read:target.xml:%zx,%x", xml->len, chunk);
        g_autofree char *r = transact(q);

        g_assert_true(r[0] == 'm' || r[0] == 'l');
        g_assert_cmpuint(strlen(r + 1), <=, chunk);
        g_string_append(xml, r + 1);
        if (r[0] == 'l') {
            return g_string_free(xml, false);
        }
        g_assert_cmpuint(strlen(r + 1), >, 0);
    }
}

static void test_handshake(void)
{
    g_autofree char *supported = NULL, *xml = NULL, *part = NULL;
    g_autofree char *info = NULL;

    reconnect();
    supported = transact("qSupported:multiprocess+;swbreak+;hwbreak+;"
                         "xmlRegisters=i386");
    g_assert_true(g_str_has_prefix(supported, "PacketSize=1000;"));
    g_assert_nonnull(strstr(supported, "qXfer:features:read+"));
    check_transact("vMustReplyEmpty", "");
    check_transact("Hg0", "OK");
    check_transact("?", "T05thread:1;");
    check_transact("qfThreadInfo", "m1,2");
    check_transact("qsThreadInfo", "l");
    check_transact("qC", "QC1");
    check_transact("qAttached", "1");
    check_transact("vCont?", "vCont;c;C;s;S");
    check_transact("qTStatus", "");
    check_transact("qSymbol::", "OK");

    /* The target description, in gdb's chunks until the last ('l'). */
    xml = read_target_xml(0xffb);
    g_assert_true(g_str_has_suffix(xml, "</target>\n"));
    g_assert_nonnull(strstr(xml, "<architecture>riscv:rv64</architecture>"));
    g_assert_nonnull(strstr(xml, "<reg name=\"mstatus\""));
    g_assert_nonnull(strstr(xml, "<reg name=\"priv\""));
    part = transact("qXfer:features:read:target.xml:0,10");
    g_assert_cmpint(part[0], ==, 'm');
    g_assert_cmpuint(strlen(part), ==, 0x11);
    g_assert_true(g_str_has_prefix(xml, part + 1));
    check_transact("qXfer:features:read:target.xml:100000,10", "l");
    check_transact("qXfer:features:read:other.xml:0,10", "E00");

    /* Threads. */
    check_transact("T2", "OK");
    check_transact("T3", "E16");
    check_transact("Hg2", "OK");
    check_transact("qC", "QC2");
    check_transact("Hg5", "E16");
    check_transact("Hgp1.1", "OK");
    check_transact("qC", "QC1");
    info = transact("qThreadExtraInfo,2");
    g_assert_cmpstr(info, ==, "4350552331205b72756e6e696e675d");  /* CPU#1 [running] */
    done();
}

static void test_registers(void)
{
    CPURISCVState *env = tm_env();
    g_autofree char *g = NULL, *pc = NULL;
    char hex[17];
    uint64_t v = 0x0123456789abcdefULL;
    GString *regs;

    reconnect();
    env->gpr[A0] = 0x1122334455667788ULL;
    env->pc = 0x80000040;
    g = transact("g");
    g_assert_cmpuint(strlen(g), ==, 33 * 16);
    g_assert_cmphex(le64_of_hex(g + 10 * 16), ==, 0x1122334455667788ULL);
    g_assert_cmphex(le64_of_hex(g + 32 * 16), ==, 0x80000040);
    pc = transact("p20");
    g_assert_cmphex(le64_of_hex(pc), ==, 0x80000040);

    hex_of(hex, &v, 8);
    regs = g_string_new("Pb=");
    g_string_append(regs, hex);
    check_transact(regs->str, "OK");
    g_assert_cmphex(env->gpr[A1], ==, v);

    /* G: all of them back, with x5 changed. */
    memcpy(g + 5 * 16, hex, 16);
    g_string_printf(regs, "G%s", g);
    check_transact(regs->str, "OK");
    g_assert_cmphex(env->gpr[T0], ==, v);
    g_assert_cmphex(env->gpr[A0], ==, 0x1122334455667788ULL);
    g_string_free(regs, true);

    /*
     * Refused: no such register, a short G, bad hex, no value, a value
     * shorter or longer than the register (which keeps its value).
     */
    check_transact("p9999", "E14");
    check_transact("P9999=0000000000000000", "E14");
    check_transact("pzz", "E16");
    check_transact("Gabcd", "E16");
    check_transact("P1=zz00000000000000", "E16");
    check_transact("P1", "E16");
    check_transact("P1=", "E16");
    env->gpr[RA] = 0x80000100;
    env->gpr[A1] = 0x80000200;
    check_transact("Pb=11223344", "E16");
    check_transact("P1=112233445566778899", "E16");
    g_assert_cmphex(env->gpr[RA], ==, 0x80000100);
    g_assert_cmphex(env->gpr[A1], ==, 0x80000200);
    check_transact("p10000000000000000", "E16");
    done();
}

static void test_memory(void)
{
    CPURISCVState *env = tm_env();
    g_autofree char *m = NULL;

    reconnect();
    tm_write64(DATA, 0x8877665544332211ULL);
    check_transact("m80100000,8", "1122334455667788");
    check_transact("M80100002,2:abcd", "OK");
    g_assert_cmphex(tm_read64(DATA), ==, 0x88776655cdab2211ULL);
    check_transact("m80100000,0", "");

    /* X: binary, escaped: '#', 0x03, '}' and '*'. */
    send_packet_len("X80100008,4:}\x03\x03}]}\x0a", 19);
    g_free(output());
    g_assert_cmphex(tm_read64(DATA + 8) & 0xffffffff, ==, 0x2a7d0323);
    check_transact("X80100008,0:", "OK");

    /* Unmapped: an error; running off RAM's end: a shorter reply. */
    check_transact("m0,4", "E0e");
    m = transact("m80fffffc,8");
    g_assert_cmpuint(strlen(m), ==, 8);
    check_transact("M0,1:00", "E0e");
    /* Malformed, or too long. */
    check_transact("m80100000", "E16");
    check_transact("m80100000,801", "E16");
    check_transact("M80100000,2:abc", "E16");
    check_transact("M80100000,1:zz", "E16");
    check_transact("X80100000,4:ab", "E16");
    check_transact("mzz,1", "E16");

    /* Through the MMU of the selected hart, or physical on request. */
    tm_write64(PT_ROOT + 8 * 1, (((PT_ROOT + 0x1000) >> 12) << 10) | PTE_V);
    tm_write64(PT_ROOT + 0x1000, (((PT_ROOT + 0x2000) >> 12) << 10) | PTE_V);
    tm_write64(PT_ROOT + 0x2000,
               ((DATA >> 12) << 10) | PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    env->satp = (8ULL << 60) | (PT_ROOT >> 12);
    env->priv = PRV_S;
    check_transact("m40000000,2", "1122");
    check_transact("m40001000,2", "E0e");
    check_transact("qqemu.PhyMemMode", "0");
    check_transact("Qqemu.PhyMemMode:1", "OK");
    check_transact("qqemu.PhyMemMode", "1");
    check_transact("m40000000,2", "E0e");
    check_transact("m80100000,2", "1122");
    check_transact("Qqemu.PhyMemMode:2", "E16");
    check_transact("Qqemu.PhyMemMode:0", "OK");
    check_transact("m40000000,2", "1122");
    /* Another hart, another MMU: hart 1 is in M-mode. */
    check_transact("Hg2", "OK");
    check_transact("m40000000,2", "E0e");
    done();
}

/* The stub's output since the last call is ack (if given) and expect. */
static void check_output(bool ack, const char *expect)
{
    g_autofree char *out = output();
    g_autofree char *r = parse_reply(out, ack);

    g_assert_cmpstr(r, ==, expect);
}

static void check_output_raw(const char *expect)
{
    g_autofree char *out = output();

    g_assert_cmpstr(out, ==, expect);
}

static void test_framing(void)
{
    g_autofree char *big = g_strnfill(5000, 'x');

    reconnect();
    /* A bad checksum is refused with '-', and nothing is done. */
    send_raw("$?#00");
    check_output_raw("-");
    send_raw("$?#zz");
    check_output_raw("-");

    /* Noise between packets is ignored; '-' asks for the last again. */
    send_packet("qC");
    g_free(output());
    send_raw("junk\x7f\xff");
    send_raw("-");
    check_output(false, "QC1");
    /* Once acknowledged, there is nothing to send again. */
    send_raw("+-");
    check_output_raw("");

    /* Run-length encoding: "000*\"" is 3 + 5 zeros. */
    tm_write64(DATA, -1);
    check_transact("M80100000,4:000*\"", "OK");
    g_assert_cmphex(tm_read64(DATA), ==, 0xffffffff00000000ULL);
    /* A run of nothing, or with a count out of range: refused. */
    send_packet("*!");
    check_output(true, "E16");
    send_packet("qC*\x01");
    check_output(true, "E16");

    /* Longer than PacketSize: read to its end, then refused. */
    send_packet(big);
    check_output(true, "E16");

    /* A packet cut by the start of another: the second is served. */
    send_raw("$m8010");
    check_transact("qC", "QC1");

    /* Empty and unknown packets: the empty reply. */
    check_transact("", "");
    check_transact("!", "");
    check_transact("Z9,0,0", "");
    check_transact("vFile:open:", "");

    /* No-ack mode: no more '+' (nor '-'). */
    check_transact("QStartNoAckMode", "OK");
    send_packet("qC");
    check_output(false, "QC1");
    send_raw("$qC#00");
    check_output_raw("");
    done();
}

/* With the harts on their threads */

/* Give the harts their threads (they come up paused).  BQL held. */
static void start_threads(void)
{
    if (threads_started) {
        return;
    }
    for (int i = 0; i < tm.ncpus; i++) {
        qemu_init_vcpu(CPU(tm.cpu[i]));
    }
    threads_started = true;
}

/*
 * Play the main loop until the stub sends a packet (not an ack), for at
 * most 30 s; return its data.  BQL held.
 */
static char *wait_reply(void)
{
    int64_t deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
    GString *got = g_string_new(NULL);
    int status;

    for (;;) {
        g_autofree char *out = output();
        const char *hash;

        g_string_append(got, out);
        hash = strchr(got->str, '#');
        if (hash && strlen(hash) >= 3) {
            g_autofree char *all = g_string_free(got, false);

            return parse_reply(all + strspn(all, "+"), false);
        }
        g_assert_false(main_loop_should_exit(&status));
        qemu_mutex_unlock_iothread();
        g_usleep(1000);
        qemu_mutex_lock_iothread();
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
    }
}

/*
 *     t1 = DATA
 *   loop:                  CODE + 8 (asm_li of DATA: 2 insns)
 *     a0 += 1
 *     sd a0, 0(t1)
 *     j loop
 */
static uint64_t load_loop(void)
{
    uint64_t loop;
    Asm a;

    asm_init(&a, CODE);
    asm_li(&a, T1, DATA);
    loop = asm_pc(&a);
    a32(&a, ADDI(A0, A0, 1));
    a32(&a, SD(A0, T1, 0));
    a32(&a, JAL(X0, -8));
    tm_load(&a);
    return loop;
}

static void test_run_and_stop(void)
{
    char *r, *pc;
    g_autofree char *z0 = NULL;
    uint64_t loop;

    reconnect();
    start_threads();
    loop = load_loop();
    tm.cpu[0]->env.pc = CODE;
    tm.cpu[1]->env.pc = CODE;

    /* A breakpoint in the loop: both harts run, one hits it. */
    z0 = g_strdup_printf("Z0,%" PRIx64 ",4", loop + 4);
    check_transact(z0, "OK");
    send_packet("vCont;c");
    g_free(output());
    g_assert_true(runstate_is_running());
    /* While it runs, packets are refused and the guest runs on. */
    check_transact("g", "E10");
    r = wait_reply();
    g_assert_true(g_str_has_prefix(r, "T05thread:"));
    g_assert_true(runstate_check(RUN_STATE_DEBUG));
    pc = transact("p20");
    g_assert_cmphex(le64_of_hex(pc), ==, loop + 4);
    g_free(r);
    g_free(pc);

    /* Step that hart alone: one instruction. */
    z0[0] = 'z';
    check_transact(z0, "OK");
    check_transact("z0,0,4", "E16");
    {
        g_autofree char *c = transact("qC");
        g_autofree char *step = g_strdup_printf("vCont;s:%s", c + 2);
        CPUState *other = c[2] == '1' ? CPU(tm.cpu[1]) : CPU(tm.cpu[0]);
        uint64_t other_pc = RISCV_CPU(other)->env.pc;
        g_autofree char *expect = g_strdup_printf("T05thread:%s;", c + 2);

        send_packet(step);
        g_free(output());
        r = wait_reply();
        g_assert_cmpstr(r, ==, expect);
        pc = transact("p20");
        g_assert_cmphex(le64_of_hex(pc), ==, loop + 8);
        g_assert_cmphex(RISCV_CPU(other)->env.pc, ==, other_pc);
        g_free(r);
        g_free(pc);
    }

    /* A write watchpoint: the stop comes after the store. */
    check_transact("Z2,80100000,8", "OK");
    send_packet("vCont;c");
    g_free(output());
    r = wait_reply();
    g_assert_nonnull(strstr(r, "watch:80100000;"));
    pc = transact("p20");
    g_assert_cmphex(le64_of_hex(pc), ==, loop + 8);
    check_transact("z2,80100000,8", "OK");
    check_transact("Z2,80100000,0", "E16");
    g_free(r);
    g_free(pc);

    /* Ctrl-C interrupts the running VM. */
    send_packet("c");
    g_free(output());
    g_assert_true(runstate_is_running());
    send_raw("\x03");
    r = wait_reply();
    g_assert_true(g_str_has_prefix(r, "T02thread:"));
    g_assert_true(runstate_check(RUN_STATE_PAUSED));
    g_free(r);

    /* Detach: it runs on, with nothing of gdb's left. */
    check_transact("Z0,80000000,4", "OK");
    check_transact("D", "OK");
    g_assert_true(runstate_is_running());
    g_assert_false(cpu_breakpoint_test(CPU(tm.cpu[0]), CODE, BP_ANY));
    done();
}

/* A client that goes away leaves the machine running, as it found it. */
static void test_disconnect(void)
{
    g_autofree char *r = NULL;

    reconnect();
    start_threads();
    load_loop();
    tm.cpu[0]->env.pc = CODE;
    tm.cpu[1]->env.pc = CODE;
    vm_start();

    /* Connecting stops the VM. */
    qemu_chr_be_event(chr, CHR_EVENT_CLOSED);
    qemu_chr_be_event(chr, CHR_EVENT_OPENED);
    g_assert_true(runstate_check(RUN_STATE_PAUSED));
    check_transact("Z0,80000008,4", "OK");
    check_transact("Z3,80100000,8", "OK");
    send_packet("s");
    g_free(output());
    r = wait_reply();
    g_assert_true(g_str_has_prefix(r, "T05"));

    /* Mid-packet, the client vanishes. */
    send_raw("$m80000000,");
    qemu_chr_be_event(chr, CHR_EVENT_CLOSED);
    g_assert_true(runstate_is_running());
    for (int i = 0; i < tm.ncpus; i++) {
        CPUState *cs = CPU(tm.cpu[i]);

        g_assert_true(QTAILQ_EMPTY(&cs->breakpoints));
        g_assert_true(QTAILQ_EMPTY(&cs->watchpoints));
        g_assert_cmpint(cs->singlestep_enabled, ==, 0);
    }
    /* A new client starts clean. */
    qemu_chr_be_event(chr, CHR_EVENT_OPENED);
    check_transact("qC", "QC1");
    done();
}

/* The device strings, as -gdb and HMP gdbserver take them. */
static void test_devices(void)
{
    Error *err = NULL;

    qemu_mutex_lock_iothread();
    g_assert_false(gdbserver_start("bogus:1", &err));
    g_assert_nonnull(err);
    error_free(err);
    err = NULL;
    g_assert_false(gdbserver_start("tcp::99999", &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "port"));
    error_free(err);
    err = NULL;
    g_assert_true(gdbserver_start("tcp:127.0.0.1:0", &error_abort));
    g_assert_true(gdbserver_start("none", &error_abort));
    g_assert_true(gdbserver_start("chardev:gdbtest", &error_abort));
    g_assert_nonnull(qemu_chr_find("gdbtest"));
    qemu_mutex_unlock_iothread();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    tm_init(2);

    qemu_mutex_lock_iothread();
    chr = qemu_chardev_new_from_spec("ringbuf,id=gdbtest,size=1M",
                                     &error_abort);
    gdbserver_start("chardev:gdbtest", &error_abort);
    qemu_mutex_unlock_iothread();

    g_test_add_func("/gdbstub/handshake", test_handshake);
    g_test_add_func("/gdbstub/registers", test_registers);
    g_test_add_func("/gdbstub/memory", test_memory);
    g_test_add_func("/gdbstub/framing", test_framing);
    g_test_add_func("/gdbstub/run-and-stop", test_run_and_stop);
    g_test_add_func("/gdbstub/disconnect", test_disconnect);
    g_test_add_func("/gdbstub/devices", test_devices);
    return g_test_run();
}
