/*
 * The gdb remote serial protocol (include/exec/gdbstub.h).
 *
 * One state machine in the main loop thread, under the BQL: bytes from
 * the chardev go through the packet reader (framing, escapes, run-length
 * encoding, checksums, acknowledgements), complete packets to the
 * dispatcher, replies back to the chardev.  gdb's view is all-stop:
 *
 *   connect    the VM stops if it ran; gdb asks why ('?')
 *   stopped    packets are served: registers, memory, breakpoints...
 *   c/s/vCont  the vCPUs given an action resume, the others stay
 *              stopped, and gdb waits for a stop reply ("waiting")
 *   waiting    only Ctrl-C (0x03) is acted on, by stopping the VM; a
 *              packet gets "E10" (busy) and the guest runs on
 *   stop       a breakpoint, watchpoint or step stops its vCPU, whose
 *              thread records it here and asks the main loop to stop
 *              the VM (RUN_STATE_DEBUG); Ctrl-C or the monitor stop it
 *              directly; once every vCPU has stopped, the change-state
 *              handler sends the stop reply
 *   detach/EOF the debugger's breakpoints, watchpoints and steps go, and
 *              a VM that gdb stopped runs again
 *
 * If the VM runs while gdb does not wait (the monitor's cont), the first
 * packet stops it, quietly, and is served.
 *
 * Nothing a client sends does more than get an error reply: lengths are
 * checked against the buffers, numbers against their ranges and widths,
 * a packet longer than PacketSize is read to its end and refused, a bad
 * checksum is answered '-' (the client sends it again).
 *
 * Threads.  Everything runs in the main loop thread with the BQL, except
 * gdb_debug_stop, which runs on a stopping vCPU's thread, also with the
 * BQL, and only records the vCPU.  vCPU state (registers, breakpoint
 * lists, memory through its MMU) is touched only while the VM is
 * stopped: every vCPU is then paused, outside cpu_exec.
 */
#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qemu/error-report.h"
#include "qapi/error.h"
#include "chardev/char-fe.h"
#include "chardev/char.h"
#include "exec/gdbstub.h"
#include "exec/memory.h"
#include "hw/core/cpu.h"
#include "monitor/monitor.h"
#include "sysemu/cpus.h"
#include "sysemu/runstate.h"

/* The largest packet we take (PacketSize), and the largest we build. */
#define GDB_MAX_PACKET      4096
#define GDB_MAX_MEM         (GDB_MAX_PACKET / 2)
/* Enough for any gdb session; a client asking for more gets "E28". */
#define GDB_MAX_POINTS      1024

/* gdb's signal numbers */
#define GDB_SIGNAL_INT      2
#define GDB_SIGNAL_QUIT     3
#define GDB_SIGNAL_TRAP     5
#define GDB_SIGNAL_ABRT     6

/* Errors, as gdbserver spells them: EFAULT, EINVAL, EBUSY, ENOSPC. */
#define GDB_EFAULT  "E0e"
#define GDB_EINVAL  "E16"
#define GDB_EBUSY   "E10"
#define GDB_ENOSPC  "E1c"

typedef enum GDBReaderState {
    RS_IDLE,            /* between packets */
    RS_GETLINE,         /* in a packet's data */
    RS_GETLINE_ESC,     /* after '}': the next byte is xor 0x20 */
    RS_GETLINE_RLE,     /* after '*': the next byte is a repeat count */
    RS_CHKSUM1,         /* after '#' */
    RS_CHKSUM2,
} GDBReaderState;

typedef struct GDBState {
    bool started;               /* gdbserver_start set it up */
    CharBackend chr;
    bool chr_own;               /* ours to delete (not -gdb chardev:ID) */
    bool connected;             /* a client is there */
    int in_handler;             /* serving a packet (see gdbserver_start) */
    VMChangeStateEntry *vmstate;

    /* The packet reader */
    GDBReaderState state;
    uint8_t line[GDB_MAX_PACKET + 1];
    int line_len;
    bool line_bad;              /* too long, or a bad run length */
    uint8_t line_sum;           /* the checksum of what came */
    uint8_t line_csum;          /* the checksum the client sent */
    GString *last_packet;       /* our last, until acknowledged */
    bool noack_mode;

    /* The debugger's view */
    CPUState *c_cpu;            /* Hc: what c and s act on */
    CPUState *g_cpu;            /* Hg: registers and memory */
    CPUState *stop_cpu;         /* the vCPU that stopped for gdb */
    char *last_stop;            /* the last stop reply, for '?' */
    bool waiting;               /* gdb waits for a stop reply */
    bool stopping;              /* the next VM stop is ours */
    bool vm_ours;               /* gdb's stop: run the VM when gdb goes */
    int sstep_flags;
    bool phys_mem_mode;
    int nb_points;              /* breakpoints and watchpoints inserted */
} GDBState;

static GDBState gdbserver;

/* Sending */

static void gdb_write(const void *buf, size_t len)
{
    qemu_chr_fe_write_all(&gdbserver.chr, buf, len);
}

/* Send len bytes of data as one packet, escaping what must be. */
static void gdb_put_packet_binary(const char *data, size_t len)
{
    GString *p = g_string_sized_new(len + 8);
    uint8_t sum = 0;

    g_string_append_c(p, '$');
    for (size_t i = 0; i < len; i++) {
        uint8_t c = data[i];

        if (c == '$' || c == '#' || c == '}' || c == '*') {
            g_string_append_c(p, '}');
            sum += '}';
            c ^= 0x20;
        }
        g_string_append_c(p, c);
        sum += c;
    }
    g_string_append_printf(p, "#%02x", sum);
    gdb_write(p->str, p->len);
    g_string_free(gdbserver.last_packet, true);
    if (gdbserver.noack_mode) {
        p->len = 0;
    }
    gdbserver.last_packet = p;
}

static void gdb_put_packet(const char *s)
{
    gdb_put_packet_binary(s, strlen(s));
}

/* Hexadecimal */

static int hex_val(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

static void hex_append(GString *s, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        g_string_append_printf(s, "%02x", buf[i]);
    }
}

/* Decode exactly 2 * len hex digits at hex into buf. */
static bool hex_decode(const char *hex, size_t len, uint8_t *buf)
{
    for (size_t i = 0; i < len; i++) {
        int hi = hex_val(hex[2 * i]), lo;

        if (hi < 0 || (lo = hex_val(hex[2 * i + 1])) < 0) {
            return false;
        }
        buf[i] = hi << 4 | lo;
    }
    return true;
}

/* A hex number at *p: 1 to 16 digits.  Advances *p past it. */
static bool parse_hex(const char **p, uint64_t *val)
{
    const char *s = *p;
    uint64_t v = 0;
    int n = 0;

    while (hex_val(*s) >= 0) {
        if (++n > 16) {
            return false;
        }
        v = v << 4 | hex_val(*s++);
    }
    if (!n) {
        return false;
    }
    *p = s;
    *val = v;
    return true;
}

/* "ADDR,LEN" at *p, with LEN at most max.  Advances *p past it. */
static bool parse_addr_len(const char **p, uint64_t *addr, uint64_t *len,
                           uint64_t max)
{
    return parse_hex(p, addr) && *(*p)++ == ',' && parse_hex(p, len) &&
           *len <= max;
}

/* Threads: vCPU n is thread n + 1 (0 means any, -1 all). */

#define THREAD_ALL  (-1)
#define THREAD_ANY  0

static int gdb_thread_id(CPUState *cpu)
{
    return cpu->cpu_index + 1;
}

static CPUState *gdb_cpu_of_thread(int64_t id)
{
    return id > 0 && id <= INT_MAX ? qemu_get_cpu(id - 1) : NULL;
}

/* A thread id: "-1", or hex, or "pPID.TID" (the multiprocess form). */
static bool parse_thread(const char **p, int64_t *id)
{
    uint64_t v;

    if (**p == 'p') {
        (*p)++;
        if ((*p)[0] == '-' && (*p)[1] == '1') {
            *p += 2;
        } else if (!parse_hex(p, &v)) {
            return false;
        }
        if (**p != '.') {
            *id = THREAD_ALL;
            return true;
        }
        (*p)++;
    }
    if ((*p)[0] == '-' && (*p)[1] == '1') {
        *p += 2;
        *id = THREAD_ALL;
        return true;
    }
    if (!parse_hex(p, &v) || v > INT_MAX) {
        return false;
    }
    *id = v;
    return true;
}

static CPUState *gdb_g_cpu(void)
{
    return gdbserver.g_cpu ? gdbserver.g_cpu : first_cpu;
}

static CPUState *gdb_c_cpu(void)
{
    return gdbserver.c_cpu ? gdbserver.c_cpu : first_cpu;
}

/* Registers */

static void gdb_read_registers(GString *r)
{
    CPUState *cpu = gdb_g_cpu();
    g_autoptr(GByteArray) buf = g_byte_array_new();

    for (int n = 0; n < cpu->cc->gdb_num_core_regs; n++) {
        cpu->cc->gdb_read_register(cpu, buf, n);
    }
    hex_append(r, buf->data, buf->len);
}

static const char *gdb_write_registers(const char *hex)
{
    CPUState *cpu = gdb_g_cpu();
    g_autoptr(GByteArray) cur = g_byte_array_new();
    size_t len = strlen(hex) / 2;
    g_autofree uint8_t *buf = NULL;
    size_t off = 0;

    /* All of them, or nothing: the sizes come from reading them. */
    for (int n = 0; n < cpu->cc->gdb_num_core_regs; n++) {
        cpu->cc->gdb_read_register(cpu, cur, n);
    }
    if (strlen(hex) != 2 * cur->len || len != cur->len) {
        return GDB_EINVAL;
    }
    buf = g_malloc(len);
    if (!hex_decode(hex, len, buf)) {
        return GDB_EINVAL;
    }
    for (int n = 0; n < cpu->cc->gdb_num_core_regs && off < len; n++) {
        int used = cpu->cc->gdb_write_register(cpu, buf + off, len - off, n);

        if (!used) {
            return GDB_EINVAL;
        }
        off += used;
    }
    return "OK";
}

/* P: "N=VALUE", a value of exactly the register's size. */
static const char *gdb_write_one_register(const char *p)
{
    CPUState *cpu = gdb_g_cpu();
    g_autoptr(GByteArray) cur = g_byte_array_new();
    uint64_t n;
    uint8_t buf[16];
    size_t l;

    if (!parse_hex(&p, &n) || *p++ != '=' || n > INT_MAX ||
        (l = strlen(p)) % 2 || l / 2 > sizeof(buf) ||
        !hex_decode(p, l / 2, buf)) {
        return GDB_EINVAL;
    }
    /* Its size comes from reading it, as for G. */
    if (!cpu->cc->gdb_read_register(cpu, cur, n)) {
        return "E14";
    }
    if (cur->len != l / 2) {
        return GDB_EINVAL;
    }
    return cpu->cc->gdb_write_register(cpu, buf, l / 2, n) ? "OK" : "E14";
}

/* Memory */

/*
 * Read or write len bytes of guest memory at addr, as the g thread's
 * loads see it, or physical in phys_mem_mode.  The bytes done: fewer
 * than len where the rest is not mapped or not there.
 */
static size_t gdb_memory_rw(uint64_t addr, uint8_t *buf, size_t len,
                            bool is_write)
{
    CPUState *cpu = gdb_g_cpu();
    size_t done = 0;

    while (done < len) {
        uint64_t a = addr + done;
        size_t l = MIN(len - done, TARGET_PAGE_SIZE - (a & ~TARGET_PAGE_MASK));
        hwaddr pa = a;
        MemTxResult r;

        if (!gdbserver.phys_mem_mode) {
            hwaddr page = cpu->cc->get_phys_page_debug(cpu, a);

            if (page == (hwaddr)-1) {
                break;
            }
            pa = page | (a & ~TARGET_PAGE_MASK);
        }
        if (is_write) {
            /* ROM too, as a debugger may patch firmware. */
            r = address_space_write_rom(&address_space_memory, pa,
                                        MEMTXATTRS_UNSPECIFIED, buf + done,
                                        l);
        } else {
            r = address_space_read(&address_space_memory, pa,
                                   MEMTXATTRS_UNSPECIFIED, buf + done, l);
        }
        if (r != MEMTX_OK) {
            break;
        }
        done += l;
    }
    return done;
}

/* m ADDR,LEN */
static void gdb_handle_read_memory(const char *p, GString *r)
{
    uint8_t buf[GDB_MAX_MEM];
    uint64_t addr, len;
    size_t done;

    if (!parse_addr_len(&p, &addr, &len, GDB_MAX_MEM) || *p) {
        g_string_assign(r, GDB_EINVAL);
        return;
    }
    done = gdb_memory_rw(addr, buf, len, false);
    if (len && !done) {
        g_string_assign(r, GDB_EFAULT);
        return;
    }
    /* A shorter reply says where the readable part ends. */
    hex_append(r, buf, done);
}

/* M ADDR,LEN:HEX and X ADDR,LEN:BINARY (len: the whole packet's) */
static const char *gdb_handle_write_memory(const char *p, const char *end,
                                           bool binary)
{
    uint8_t buf[GDB_MAX_PACKET];
    uint64_t addr, len;

    if (!parse_addr_len(&p, &addr, &len, GDB_MAX_PACKET) || *p++ != ':') {
        return GDB_EINVAL;
    }
    if (binary) {
        if (end - p != len) {
            return GDB_EINVAL;
        }
        memcpy(buf, p, len);
    } else if (end - p != 2 * len || !hex_decode(p, len, buf)) {
        return GDB_EINVAL;
    }
    return gdb_memory_rw(addr, buf, len, true) == len ? "OK" : GDB_EFAULT;
}

/* Breakpoints and watchpoints: Z/z TYPE,ADDR,KIND */

static int gdb_point_flags(uint64_t type)
{
    switch (type) {
    case 2:
        return BP_GDB | BP_MEM_WRITE;
    case 3:
        return BP_GDB | BP_MEM_READ;
    default:
        return BP_GDB | BP_MEM_ACCESS;
    }
}

static const char *gdb_handle_point(const char *p, bool insert)
{
    uint64_t type, addr, kind;
    CPUState *cpu;
    int err = 0;

    if (!parse_hex(&p, &type) || *p++ != ',' || !parse_hex(&p, &addr) ||
        *p++ != ',' || !parse_hex(&p, &kind) || (*p && *p != ';')) {
        return GDB_EINVAL;
    }
    if (type > 4) {
        return "";              /* unsupported kind of point */
    }
    if (insert && gdbserver.nb_points >= GDB_MAX_POINTS) {
        return GDB_ENOSPC;
    }
    /* All-stop: every vCPU gets it, as every thread of a process. */
    CPU_FOREACH(cpu) {
        if (type <= 1) {
            /* Software and hardware breakpoints are the same to us. */
            err = insert ? cpu_breakpoint_insert(cpu, addr, BP_GDB, NULL)
                         : cpu_breakpoint_remove(cpu, addr, BP_GDB);
        } else if (insert) {
            err = cpu_watchpoint_insert(cpu, addr, kind,
                                        gdb_point_flags(type), NULL);
        } else {
            err = cpu_watchpoint_remove(cpu, addr, kind,
                                        gdb_point_flags(type));
        }
        if (err) {
            /* The same answer for every vCPU: the first says it. */
            return GDB_EINVAL;
        }
    }
    gdbserver.nb_points += insert ? 1 : -1;
    return "OK";
}

/* Drop everything gdb set in the vCPUs. */
static void gdb_release_cpus(void)
{
    CPUState *cpu;

    CPU_FOREACH(cpu) {
        cpu_breakpoint_remove_all(cpu, BP_GDB);
        cpu_watchpoint_remove_all(cpu, BP_GDB);
        cpu_single_step(cpu, 0);
    }
    gdbserver.nb_points = 0;
    gdbserver.stop_cpu = NULL;
}

/* Running and stopping */

static bool gdb_vm_needs_reset(void)
{
    return runstate_check(RUN_STATE_SHUTDOWN) ||
           runstate_check(RUN_STATE_GUEST_PANICKED) ||
           runstate_check(RUN_STATE_INTERNAL_ERROR);
}

/* The stop reply for the VM's stop in state, and the threads it sets. */
static char *gdb_stop_reply(RunState state)
{
    CPUState *cpu = gdbserver.stop_cpu ? gdbserver.stop_cpu : gdb_c_cpu();
    GString *r = g_string_new(NULL);
    int sig;

    switch (state) {
    case RUN_STATE_PAUSED:
        sig = GDB_SIGNAL_INT;
        break;
    case RUN_STATE_SHUTDOWN:
        sig = GDB_SIGNAL_QUIT;
        break;
    case RUN_STATE_GUEST_PANICKED:
    case RUN_STATE_INTERNAL_ERROR:
        sig = GDB_SIGNAL_ABRT;
        break;
    default:
        sig = GDB_SIGNAL_TRAP;
        break;
    }
    if (gdbserver.stop_cpu) {
        /* A breakpoint, watchpoint or step, whatever else happened. */
        sig = GDB_SIGNAL_TRAP;
    }
    g_string_printf(r, "T%02xthread:%x;", sig, gdb_thread_id(cpu));
    if (gdbserver.stop_cpu && cpu->watchpoint_hit) {
        CPUWatchpoint *wp = cpu->watchpoint_hit;
        int rw = wp->flags & BP_MEM_ACCESS;

        g_string_append_printf(r, "%s:%" PRIx64 ";",
                               rw == BP_MEM_ACCESS ? "awatch" :
                               rw == BP_MEM_READ ? "rwatch" : "watch",
                               (uint64_t)wp->hitaddr);
    }
    gdbserver.c_cpu = gdbserver.g_cpu = cpu;
    return g_string_free(r, false);
}

static void gdb_vm_state_change(void *opaque, bool running, RunState state)
{
    GDBState *s = &gdbserver;

    if (running) {
        s->vm_ours = false;
        return;
    }
    s->vm_ours = s->stopping || state == RUN_STATE_DEBUG;
    s->stopping = false;
    if (!s->connected) {
        return;
    }
    g_free(s->last_stop);
    s->last_stop = gdb_stop_reply(state);
    s->stop_cpu = NULL;
    if (s->waiting) {
        s->waiting = false;
        gdb_put_packet(s->last_stop);
    }
}

/* A vCPU's thread, BQL held: it hit something of gdb's (cpus.h). */
static bool gdb_debug_stop(CPUState *cpu)
{
    if (!gdbserver.connected) {
        return false;
    }
    /* Of several at once, gdb hears of the first; the others re-hit. */
    if (!gdbserver.stop_cpu) {
        gdbserver.stop_cpu = cpu;
    }
    qemu_system_debug_request();
    return true;
}

/* Stop the VM for gdb (Ctrl-C, connect, a packet while it runs). */
static void gdb_stop_vm(void)
{
    if (runstate_is_running()) {
        gdbserver.stopping = true;
        vm_stop(RUN_STATE_PAUSED);
    }
}

/*
 * Resume: action[cpu_index] is 'c', 's' or 0 (stay stopped).  Nothing
 * is sent now: the stop reply comes when the VM stops again.
 */
static void gdb_resume(const char *action)
{
    CPUState *cpu;

    if (gdb_vm_needs_reset()) {
        /* Nothing can run: it is as stopped as it was. */
        gdb_put_packet(gdbserver.last_stop ? gdbserver.last_stop : "S03");
        return;
    }
    gdbserver.waiting = true;
    gdbserver.stop_cpu = NULL;
    CPU_FOREACH(cpu) {
        cpu_single_step(cpu, action[cpu->cpu_index] == 's' ?
                        gdbserver.sstep_flags : 0);
    }
    vm_prepare_start();
    CPU_FOREACH(cpu) {
        if (action[cpu->cpu_index] && cpu->created) {
            cpu_resume(cpu);
        }
    }
}

static int gdb_nb_cpus(void)
{
    CPUState *cpu;
    int n = 0;

    CPU_FOREACH(cpu) {
        n = MAX(n, cpu->cpu_index + 1);
    }
    return n;
}

/* c [ADDR], s [ADDR], C SIG[;ADDR], S SIG[;ADDR]: the c thread, all run */
static void gdb_handle_continue(char cmd, const char *p)
{
    g_autofree char *action = g_malloc0(gdb_nb_cpus());
    CPUState *cpu;
    uint64_t v;

    if (cmd == 'C' || cmd == 'S') {
        /* A signal: nothing to deliver to a bare machine. */
        if (!parse_hex(&p, &v)) {
            gdb_put_packet(GDB_EINVAL);
            return;
        }
        if (*p == ';') {
            p++;
        } else if (*p) {
            gdb_put_packet(GDB_EINVAL);
            return;
        }
    }
    if (*p) {
        if (!parse_hex(&p, &v) || *p) {
            gdb_put_packet(GDB_EINVAL);
            return;
        }
        gdb_c_cpu()->cc->set_pc(gdb_c_cpu(), v);
    }
    /* As QEMU: the others run too, a step steps the c thread only. */
    CPU_FOREACH(cpu) {
        action[cpu->cpu_index] = 'c';
    }
    action[gdb_c_cpu()->cpu_index] = g_ascii_tolower(cmd);
    gdb_resume(action);
}

/* vCont;ACTION[:THREAD]... (the leftmost action for a thread wins) */
static void gdb_handle_vcont(const char *p)
{
    int ncpus = gdb_nb_cpus();
    g_autofree char *action = g_malloc0(ncpus);
    bool any = false;

    while (*p == ';') {
        char a = *++p;
        int64_t id = THREAD_ALL;
        uint64_t sig;
        CPUState *cpu;

        p++;
        if (a == 'C' || a == 'S') {
            if (!parse_hex(&p, &sig)) {
                gdb_put_packet(GDB_EINVAL);
                return;
            }
            a = g_ascii_tolower(a);
        } else if (a != 'c' && a != 's') {
            /* t (stop) and r (range step) are not offered. */
            gdb_put_packet(GDB_EINVAL);
            return;
        }
        if (*p == ':') {
            p++;
            if (!parse_thread(&p, &id)) {
                gdb_put_packet(GDB_EINVAL);
                return;
            }
        }
        if (id == THREAD_ANY) {
            id = gdb_thread_id(gdb_c_cpu());
        }
        if (id != THREAD_ALL && !gdb_cpu_of_thread(id)) {
            gdb_put_packet(GDB_EINVAL);
            return;
        }
        CPU_FOREACH(cpu) {
            if ((id == THREAD_ALL || id == gdb_thread_id(cpu)) &&
                !action[cpu->cpu_index]) {
                action[cpu->cpu_index] = a;
                any = true;
            }
        }
    }
    if (*p || !any) {
        gdb_put_packet(GDB_EINVAL);
        return;
    }
    gdb_resume(action);
}

/* Queries */

static void gdb_handle_xfer_features(const char *p, GString *r)
{
    const char *xml = first_cpu->cc->gdb_target_xml(first_cpu);
    size_t total = strlen(xml);
    uint64_t off, len;

    /* qXfer:features:read:ANNEX:OFFSET,LENGTH */
    if (!strstart(p, "target.xml:", &p)) {
        g_string_assign(r, "E00");
        return;
    }
    if (!parse_addr_len(&p, &off, &len, UINT64_MAX) || *p) {
        g_string_assign(r, GDB_EINVAL);
        return;
    }
    len = MIN(len, GDB_MAX_PACKET - 1);
    if (off >= total) {
        g_string_assign(r, "l");
        return;
    }
    len = MIN(len, total - off);
    g_string_append_c(r, off + len < total ? 'm' : 'l');
    g_string_append_len(r, xml + off, len);
}

/* qRcmd,HEX: a monitor command; its output goes back as 'O' packets. */
static void gdb_handle_rcmd(const char *hex, GString *r)
{
    size_t len = strlen(hex) / 2;
    g_autofree char *line = g_malloc0(len + 1);
    g_autofree char *out = NULL;
    g_auto(GStrv) lines = NULL;
    g_autoptr(GString) text = g_string_new(NULL);

    if (strlen(hex) % 2 || !hex_decode(hex, len, (uint8_t *)line) ||
        strlen(line) != len) {
        g_string_assign(r, GDB_EINVAL);
        return;
    }
    out = hmp_run_command_line(line);
    /* The monitor ends lines with CR LF; gdb prints what it gets. */
    lines = g_strsplit(out, "\r\n", -1);
    for (int i = 0; lines[i]; i++) {
        g_string_append(text, lines[i]);
        if (lines[i + 1]) {
            g_string_append_c(text, '\n');
        }
    }
    for (size_t off = 0; off < text->len; off += GDB_MAX_MEM - 1) {
        g_autoptr(GString) o = g_string_new("O");

        hex_append(o, (const uint8_t *)text->str + off,
                   MIN(text->len - off, GDB_MAX_MEM - 1));
        gdb_put_packet(o->str);
    }
    g_string_assign(r, "OK");
}

static void gdb_handle_query(const char *p, GString *r)
{
    GDBState *s = &gdbserver;
    CPUState *cpu;
    uint64_t v;

    if (strstart(p, "qSupported", NULL)) {
        g_string_printf(r, "PacketSize=%x;qXfer:features:read+;"
                        "QStartNoAckMode+;vContSupported+", GDB_MAX_PACKET);
    } else if (strstart(p, "qXfer:features:read:", &p)) {
        gdb_handle_xfer_features(p, r);
    } else if (!strcmp(p, "qfThreadInfo")) {
        g_string_append_c(r, 'm');
        CPU_FOREACH(cpu) {
            g_string_append_printf(r, "%s%x", cpu == first_cpu ? "" : ",",
                                   gdb_thread_id(cpu));
        }
    } else if (!strcmp(p, "qsThreadInfo")) {
        g_string_assign(r, "l");
    } else if (!strcmp(p, "qC")) {
        g_string_printf(r, "QC%x", gdb_thread_id(gdb_g_cpu()));
    } else if (!strcmp(p, "qAttached") || strstart(p, "qAttached:", NULL)) {
        /* Detaching leaves the machine running: it was there before. */
        g_string_assign(r, "1");
    } else if (strstart(p, "qThreadExtraInfo,", &p)) {
        int64_t id;
        g_autofree char *info = NULL;

        if (!parse_thread(&p, &id) || *p || !(cpu = gdb_cpu_of_thread(id))) {
            g_string_assign(r, GDB_EINVAL);
            return;
        }
        info = g_strdup_printf("CPU#%d [%s]", cpu->cpu_index,
                               qatomic_read(&cpu->halted) ? "halted "
                                                          : "running");
        hex_append(r, (const uint8_t *)info, strlen(info));
    } else if (strstart(p, "qSymbol:", NULL)) {
        g_string_assign(r, "OK");
    } else if (strstart(p, "qRcmd,", &p)) {
        gdb_handle_rcmd(p, r);
    } else if (!strcmp(p, "qqemu.sstepbits")) {
        g_string_printf(r, "ENABLE=%x,NOIRQ=%x,NOTIMER=%x", SSTEP_ENABLE,
                        SSTEP_NOIRQ, SSTEP_NOTIMER);
    } else if (!strcmp(p, "qqemu.sstep")) {
        g_string_printf(r, "0x%x", s->sstep_flags);
    } else if (strstart(p, "Qqemu.sstep=", &p)) {
        if (!parse_hex(&p, &v) || *p ||
            (v & ~(uint64_t)(SSTEP_ENABLE | SSTEP_NOIRQ | SSTEP_NOTIMER))) {
            g_string_assign(r, GDB_EINVAL);
            return;
        }
        s->sstep_flags = v;
        g_string_assign(r, "OK");
    } else if (!strcmp(p, "qqemu.PhyMemMode")) {
        g_string_assign(r, s->phys_mem_mode ? "1" : "0");
    } else if (strstart(p, "Qqemu.PhyMemMode:", &p)) {
        if ((*p != '0' && *p != '1') || p[1]) {
            g_string_assign(r, GDB_EINVAL);
            return;
        }
        s->phys_mem_mode = *p == '1';
        g_string_assign(r, "OK");
    }
    /* Anything else: unsupported, the empty reply. */
}

/* v packets; *reply false when the reply comes later (or never). */
static void gdb_handle_v(const char *p, GString *r, bool *reply)
{
    if (!strcmp(p, "vCont?")) {
        g_string_assign(r, "vCont;c;C;s;S");
    } else if (strstart(p, "vCont", &p)) {
        *reply = false;
        gdb_handle_vcont(p);
    } else if (strstart(p, "vKill", NULL)) {
        gdb_put_packet("OK");
        *reply = false;
        error_report("gdbstub: the debugger killed the machine");
        qemu_system_shutdown_request(SHUTDOWN_CAUSE_HOST_UI);
    }
    /* vMustReplyEmpty and anything else: the empty reply. */
}

/* H OP THREAD: which thread g (registers) or c (continue) act on. */
static const char *gdb_handle_set_thread(const char *p)
{
    char op = *p++;
    int64_t id;
    CPUState *cpu;

    if ((op != 'g' && op != 'c') || !parse_thread(&p, &id) || *p) {
        return GDB_EINVAL;
    }
    if (id == THREAD_ALL || id == THREAD_ANY) {
        /* Any or all: the current one will do. */
        return "OK";
    }
    cpu = gdb_cpu_of_thread(id);
    if (!cpu) {
        return GDB_EINVAL;
    }
    if (op == 'g') {
        gdbserver.g_cpu = cpu;
    } else {
        gdbserver.c_cpu = cpu;
    }
    return "OK";
}

static void gdb_detach(void)
{
    gdb_release_cpus();
    gdb_put_packet("OK");
    if (!runstate_is_running() && !gdb_vm_needs_reset()) {
        vm_start();
    }
}

static void gdb_handle_packet(const char *p, int len)
{
    GDBState *s = &gdbserver;
    g_autoptr(GString) r = g_string_new(NULL);
    const char *end = p + len;
    bool reply = true;
    int64_t id;
    uint64_t n;

    if (runstate_is_running()) {
        if (s->waiting) {
            /* All-stop: gdb must interrupt first. */
            gdb_put_packet(GDB_EBUSY);
            return;
        }
        /* Started behind gdb's back (the monitor): stop to serve it. */
        gdb_stop_vm();
    }
    switch (p[0]) {
    case '?':
        if (s->last_stop) {
            g_string_assign(r, s->last_stop);
        } else {
            g_string_printf(r, "T%02xthread:%x;", GDB_SIGNAL_TRAP,
                            gdb_thread_id(gdb_c_cpu()));
        }
        break;
    case 'c':
    case 's':
    case 'C':
    case 'S':
        reply = false;
        gdb_handle_continue(p[0], p + 1);
        break;
    case 'D':
        reply = false;
        gdb_detach();
        break;
    case 'k':
        reply = false;
        error_report("gdbstub: the debugger killed the machine");
        qemu_system_shutdown_request(SHUTDOWN_CAUSE_HOST_UI);
        break;
    case 'g':
        gdb_read_registers(r);
        break;
    case 'G':
        g_string_assign(r, gdb_write_registers(p + 1));
        break;
    case 'p': {
        const char *q = p + 1;
        g_autoptr(GByteArray) buf = g_byte_array_new();

        if (!parse_hex(&q, &n) || *q || n > INT_MAX) {
            g_string_assign(r, GDB_EINVAL);
        } else if (!gdb_g_cpu()->cc->gdb_read_register(gdb_g_cpu(), buf, n)) {
            g_string_assign(r, "E14");
        } else {
            hex_append(r, buf->data, buf->len);
        }
        break;
    }
    case 'P':
        g_string_assign(r, gdb_write_one_register(p + 1));
        break;
    case 'm':
        gdb_handle_read_memory(p + 1, r);
        break;
    case 'M':
    case 'X':
        g_string_assign(r, gdb_handle_write_memory(p + 1, end, p[0] == 'X'));
        break;
    case 'Z':
    case 'z':
        g_string_assign(r, gdb_handle_point(p + 1, p[0] == 'Z'));
        break;
    case 'H':
        g_string_assign(r, gdb_handle_set_thread(p + 1));
        break;
    case 'T': {
        const char *q = p + 1;

        g_string_assign(r, parse_thread(&q, &id) && !*q &&
                           gdb_cpu_of_thread(id) ? "OK" : GDB_EINVAL);
        break;
    }
    case 'q':
    case 'Q':
        if (!strcmp(p, "QStartNoAckMode")) {
            /* This reply is still acknowledged; nothing after it. */
            gdb_put_packet("OK");
            s->noack_mode = true;
            g_string_truncate(s->last_packet, 0);
            reply = false;
            break;
        }
        gdb_handle_query(p, r);
        break;
    case 'v':
        gdb_handle_v(p, r, &reply);
        break;
    default:
        /* Unsupported: the empty reply. */
        break;
    }
    if (reply) {
        gdb_put_packet_binary(r->str, r->len);
    }
}

/* The packet reader */

static void gdb_line_add(uint8_t c)
{
    GDBState *s = &gdbserver;

    if (s->line_len < GDB_MAX_PACKET) {
        s->line[s->line_len++] = c;
    } else {
        s->line_bad = true;
    }
}

static void gdb_start_line(void)
{
    gdbserver.state = RS_GETLINE;
    gdbserver.line_len = 0;
    gdbserver.line_sum = 0;
    gdbserver.line_bad = false;
}

/* The checksum came: acknowledge and serve, or ask again. */
static void gdb_end_line(bool sum_ok)
{
    GDBState *s = &gdbserver;

    s->state = RS_IDLE;
    if (!sum_ok) {
        if (!s->noack_mode) {
            gdb_write("-", 1);
        }
        return;
    }
    if (!s->noack_mode) {
        gdb_write("+", 1);
    }
    if (s->line_bad) {
        /* Longer than we said we take, or a run with nothing to repeat. */
        gdb_put_packet(GDB_EINVAL);
        return;
    }
    s->line[s->line_len] = '\0';
    if (s->line_len == 0) {
        gdb_put_packet("");
        return;
    }
    gdb_handle_packet((const char *)s->line, s->line_len);
}

static void gdb_read_byte(uint8_t ch)
{
    GDBState *s = &gdbserver;
    int v;

    switch (s->state) {
    case RS_IDLE:
        if (ch == '$') {
            gdb_start_line();
        } else if (ch == 0x03) {
            /* Ctrl-C: interrupt a running VM. */
            gdb_stop_vm();
        } else if (ch == '-' && s->last_packet->len) {
            gdb_write(s->last_packet->str, s->last_packet->len);
        } else if (ch == '+') {
            g_string_truncate(s->last_packet, 0);
        }
        /* Anything else between packets is noise. */
        break;
    case RS_GETLINE:
        if (ch == '$') {
            /* A new packet: the one before was cut short. */
            gdb_start_line();
        } else if (ch == '#') {
            s->state = RS_CHKSUM1;
        } else {
            s->line_sum += ch;
            if (ch == '}') {
                s->state = RS_GETLINE_ESC;
            } else if (ch == '*') {
                s->state = RS_GETLINE_RLE;
            } else {
                gdb_line_add(ch);
            }
        }
        break;
    case RS_GETLINE_ESC:
        s->line_sum += ch;
        gdb_line_add(ch ^ 0x20);
        s->state = RS_GETLINE;
        break;
    case RS_GETLINE_RLE:
        /* ch - 29 more copies of the byte before: 3 to 97 of them. */
        s->line_sum += ch;
        if (ch < ' ' || ch > '~' || s->line_len == 0) {
            s->line_bad = true;
        } else {
            uint8_t c = s->line[s->line_len - 1];

            for (int i = 0; i < ch - 29; i++) {
                gdb_line_add(c);
            }
        }
        s->state = RS_GETLINE;
        break;
    case RS_CHKSUM1:
        v = hex_val(ch);
        if (v < 0) {
            gdb_end_line(false);
        } else {
            s->line_csum = v << 4;
            s->state = RS_CHKSUM2;
        }
        break;
    case RS_CHKSUM2:
        v = hex_val(ch);
        gdb_end_line(v >= 0 && (s->line_csum | v) == s->line_sum);
        break;
    }
}

/* The chardev front end */

static int gdb_chr_can_receive(void *opaque)
{
    return GDB_MAX_PACKET;
}

static void gdb_chr_receive(void *opaque, const uint8_t *buf, int size)
{
    gdbserver.in_handler++;
    for (int i = 0; i < size; i++) {
        gdb_read_byte(buf[i]);
    }
    gdbserver.in_handler--;
}

/* A new client: a fresh session. */
static void gdb_connect(void)
{
    GDBState *s = &gdbserver;

    s->connected = true;
    s->state = RS_IDLE;
    s->noack_mode = false;
    g_string_truncate(s->last_packet, 0);
    s->c_cpu = s->g_cpu = first_cpu;
    s->stop_cpu = NULL;
    s->waiting = false;
    s->phys_mem_mode = false;
    s->sstep_flags = SSTEP_ENABLE | SSTEP_NOIRQ | SSTEP_NOTIMER;
    gdb_stop_vm();
    /* Attaching is no event of the guest's: '?' says "trap". */
    g_clear_pointer(&s->last_stop, g_free);
}

/* The client went (or the server stops): leave the machine as found. */
static void gdb_disconnect(void)
{
    GDBState *s = &gdbserver;

    if (!s->connected) {
        return;
    }
    s->connected = false;
    s->waiting = false;
    gdb_release_cpus();
    if (s->vm_ours && !runstate_is_running() && !gdb_vm_needs_reset()) {
        vm_start();
    }
    s->vm_ours = false;
}

static void gdb_chr_event(void *opaque, QEMUChrEvent event)
{
    switch (event) {
    case CHR_EVENT_OPENED:
        gdb_connect();
        break;
    case CHR_EVENT_CLOSED:
        gdb_disconnect();
        break;
    default:
        break;
    }
}

static void gdbserver_stop(void)
{
    GDBState *s = &gdbserver;

    if (!s->started) {
        return;
    }
    gdb_disconnect();
    qemu_chr_fe_deinit(&s->chr, s->chr_own);
    qemu_del_vm_change_state_handler(s->vmstate);
    cpus_set_guest_debug_handler(NULL);
    g_string_free(s->last_packet, true);
    g_clear_pointer(&s->last_stop, g_free);
    memset(s, 0, sizeof(*s));
}

bool gdbserver_start(const char *device, Error **errp)
{
    GDBState *s = &gdbserver;
    g_autofree char *spec = NULL;
    Chardev *chr;

    if (s->in_handler) {
        /* gdb's own monitor command: its chardev is reading. */
        error_setg(errp, "the gdbserver cannot be changed from gdb itself");
        return false;
    }
    if (!first_cpu || !first_cpu->cc->gdb_target_xml) {
        error_setg(errp, "gdbstub: this machine has no CPU gdb can debug");
        return false;
    }
    /* Close the old one first: the new one may want its port. */
    gdbserver_stop();
    if (!strcmp(device, "none")) {
        return true;
    }
    if (strstart(device, "tcp:", NULL)) {
        /* A listening server that does not wait, as QEMU has it. */
        spec = g_strdup_printf("%s,server=on,wait=off", device);
    }
    /* QEMU's label; the old server's chardev is gone by now. */
    chr = qemu_chr_new("gdb", spec ? spec : device, errp);
    if (!chr) {
        if (errp && !*errp) {
            error_setg(errp, "gdbstub: no device given");
        }
        return false;
    }
    s->chr_own = !strstart(device, "chardev:", NULL);
    if (!qemu_chr_fe_init(&s->chr, chr, errp)) {
        if (s->chr_own) {
            qemu_chr_delete(chr);
        }
        return false;
    }
    s->started = true;
    s->last_packet = g_string_new(NULL);
    s->vmstate = qemu_add_vm_change_state_handler(gdb_vm_state_change, NULL);
    cpus_set_guest_debug_handler(gdb_debug_stop);
    /* A client already there (wait=on, chardev:ID) connects now. */
    qemu_chr_fe_set_handlers(&s->chr, gdb_chr_can_receive, gdb_chr_receive,
                             gdb_chr_event, NULL, NULL, NULL, true);
    return true;
}

void gdb_exit(int code)
{
    char buf[4];

    if (gdbserver.connected) {
        snprintf(buf, sizeof(buf), "W%02x", code & 0xff);
        gdb_put_packet(buf);
    }
}

/* HMP: gdbserver [device] */

static void hmp_gdbserver(Monitor *mon, int argc, char **argv)
{
    const char *device = argc > 1 ? argv[1] : "tcp::" DEFAULT_GDBSTUB_PORT;
    Error *err = NULL;

    if (!gdbserver_start(device, &err)) {
        /* QEMU's two lines: why, then what. */
        monitor_printf(mon, "%s\nCould not open gdbserver on device '%s'\n",
                       error_get_pretty(err), device);
        error_free(err);
    } else if (!strcmp(device, "none")) {
        monitor_printf(mon, "Disabled gdbserver\n");
    } else {
        monitor_printf(mon, "Waiting for gdb connection on device '%s'\n",
                       device);
    }
}

static const HMPCommand hmp_gdbserver_cmd = {
    .name = "gdbserver",
    .params = "[device]",
    .help = "start gdbserver on given device (default 'tcp::"
            DEFAULT_GDBSTUB_PORT "'), stop with 'none'",
    .max_args = 1,
    .fn = hmp_gdbserver,
};

void gdbstub_register_commands(void)
{
    hmp_register_command(&hmp_gdbserver_cmd);
}
