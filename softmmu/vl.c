/*
 * grace-system-riscv64: the command line, and putting the machine
 * together.
 *
 * main() parses every option first, remembering where each came from so
 * that a later failure can still be reported as "-drive ...: problem".
 * Then, in QEMU's order: logging, the main loop, chardevs and monitors,
 * the machine (memory, CPUs, devices, boot images), drives and devices,
 * the power-on reset, and the vCPUs (paused with -S).  Every user error
 * is one message and exit status 1; the guest's own exit status comes
 * back through the main loop.
 */
#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "exec/cpu-common.h"
#include "qemu/error-report.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/option.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "chardev/char.h"
#include "exec/gdbstub.h"
#include "hw/boards.h"
#include "hw/device-add.h"
#include "hw/riscv/virt.h"
#include "hw/virtio/virtio-mmio.h"
#include "monitor/monitor.h"
#include "sysemu/blockdev.h"
#include "sysemu/cpus.h"
#include "sysemu/qtest.h"
#include "qemu/accel.h"
#include "sysemu/runstate.h"
#include "sysemu/sysemu.h"
#include "softmmu/machine-cmds.h"
#include "softmmu/memory-cmds.h"
#include "sysemu/hostmem.h"
#include "migration/misc.h"

#define PROGNAME "grace-system-riscv64"

const char *qemu_name;
uint64_t ram_size;
unsigned int smp_cpus = 1;

const MachineClass *const machine_types[] = {
    &virt_machine,
    NULL,
};

const MachineClass *find_machine(const char *name)
{
    for (int i = 0; machine_types[i]; i++) {
        if (!strcmp(machine_types[i]->name, name)) {
            return machine_types[i];
        }
    }
    return NULL;
}

typedef enum {
    OPT_HELP, OPT_VERSION, OPT_MACHINE, OPT_SMP, OPT_M, OPT_BIOS,
    OPT_KERNEL, OPT_INITRD, OPT_APPEND, OPT_DTB, OPT_NOGRAPHIC, OPT_SERIAL,
    OPT_MONITOR, OPT_QMP, OPT_MON, OPT_CHARDEV, OPT_DRIVE, OPT_DEVICE,
    OPT_GLOBAL, OPT_S, OPT_NO_REBOOT, OPT_NO_SHUTDOWN, OPT_D, OPT_D_FILE,
    OPT_NAME, OPT_DISPLAY, OPT_ACCEL, OPT_OBJECT, OPT_GDB, OPT_GDB_DEFAULT,
    OPT_QTEST, OPT_INCOMING,
} OptionIndex;

typedef struct OptionDef {
    const char *name;
    const char *arg;        /* placeholder for help, NULL: no argument */
    OptionIndex index;
    const char *help;
} OptionDef;

static const OptionDef options[] = {
    { "h", NULL, OPT_HELP, "print this help and exit" },
    { "help", NULL, OPT_HELP, NULL },
    { "version", NULL, OPT_VERSION, "print the version and exit" },
    { "machine", "virt[,dumpdtb=FILE]", OPT_MACHINE,
      "the machine type (help: list them); dumpdtb writes the device "
      "tree and exits" },
    { "M", "virt[,...]", OPT_MACHINE, NULL },
    { "smp", "[cpus=]N[,maxcpus=M][,sockets=S][,cores=C][,threads=T]",
      OPT_SMP, "the vCPUs (1 to 64) and their topology" },
    { "m", "SIZE", OPT_M, "RAM size, in MiB or with a suffix (default "
      "128M)" },
    { "bios", "default|none|FILE", OPT_BIOS,
      "firmware (default: Debian's OpenSBI fw_dynamic)" },
    { "kernel", "FILE", OPT_KERNEL, "kernel: an ELF or a raw image" },
    { "initrd", "FILE", OPT_INITRD, "initial ram disk" },
    { "append", "CMDLINE", OPT_APPEND, "kernel command line" },
    { "dtb", "FILE", OPT_DTB, "use this device tree instead of generating "
      "one" },
    { "nographic", NULL, OPT_NOGRAPHIC,
      "serial port and monitor on stdio (Ctrl-A h for help)" },
    { "serial", "DEV", OPT_SERIAL, "the UART's backend: stdio, mon:stdio, "
      "null, file:PATH, unix:PATH,server,wait=off, tcp:HOST:PORT,..." },
    { "monitor", "DEV", OPT_MONITOR, "an HMP monitor on DEV" },
    { "qmp", "DEV", OPT_QMP, "a QMP monitor on DEV" },
    { "mon", "chardev=ID[,mode=readline|control]", OPT_MON,
      "a monitor on an existing chardev" },
    { "chardev", "BACKEND,id=ID[,...]", OPT_CHARDEV,
      "a character device (null, stdio, file, socket, ringbuf)" },
    { "drive", "file=FILE,format=raw,if=none,id=ID", OPT_DRIVE,
      "a disk image for -device virtio-blk-device,drive=ID" },
    { "device", "DRIVER[,PROP=VALUE...]", OPT_DEVICE,
      "add a device (help: list them)" },
    { "object", "memory-backend-ram,id=ID,size=SIZE[,share=on|off]",
      OPT_OBJECT, "create a memory backend object" },
    { "global", "DRIVER.PROP=VALUE", OPT_GLOBAL,
      "a default property (virtio-mmio.force-legacy=on|off)" },
    { "S", NULL, OPT_S, "do not start the CPUs (use 'cont' in the monitor)" },
    { "gdb", "DEV", OPT_GDB, "accept a gdb connection on DEV: tcp:[HOST]:PORT, "
      "unix:PATH,server[,wait=off], stdio, chardev:ID, or none" },
    { "s", NULL, OPT_GDB_DEFAULT,
      "shorthand for -gdb tcp::" DEFAULT_GDBSTUB_PORT },
    { "no-reboot", NULL, OPT_NO_REBOOT, "exit instead of rebooting" },
    { "no-shutdown", NULL, OPT_NO_SHUTDOWN,
      "stop instead of exiting when the guest powers off" },
    { "d", "ITEM,...", OPT_D, "enable logging of ITEMs (help: list them)" },
    { "D", "FILE", OPT_D_FILE, "log to FILE instead of stderr" },
    { "name", "NAME", OPT_NAME, "the guest's name" },
    { "display", "none", OPT_DISPLAY, "display type (only none)" },
    { "qtest", "CHARDEV", OPT_QTEST, "drive the machine with QEMU's qtest "
      "protocol on CHARDEV (unix:PATH, unix:PATH,server, stdio...); with "
      "-accel qtest no guest code runs and the test owns the clock" },
    { "incoming", "tcp:HOST:PORT|unix:PATH|file:PATH|defer", OPT_INCOMING,
      "wait for an incoming migration (defer: until migrate-incoming)" },
    { "accel", "tcg[,thread=single|multi][,tb-size=MiB][,jit=on|off]|qtest",
      OPT_ACCEL,
      "the accelerator: TCG, each vCPU on its own thread (multi, the "
      "default) or all on one (single), guest code translated to host "
      "code (jit=on, the default on x86-64) or interpreted (jit=off); "
      "or qtest, no guest execution" },
};

/* An option whose processing waits until its subsystem is up. */
typedef struct DeferredOpt {
    OptionIndex index;
    int argi;               /* argv index of the option, for messages */
    const char *arg;
} DeferredOpt;

typedef struct Config {
    char **argv;
    const MachineClass *mc;
    MachineState ms;
    const char *log_items;
    int log_items_argi;
    const char *log_file;
    int log_file_argi;
    bool nographic;
    bool start_paused;
    const char *gdb_device;     /* -gdb or -s, the last given */
    int gdb_argi;
    int gdb_argc;
    const char *incoming;
    int incoming_argi;
    bool accel_configured;
    GArray *deferred;       /* of DeferredOpt, in command-line order */
} Config;

static QEMU_NORETURN void help(int exitcode)
{
    printf("usage: " PROGNAME " [options]\n\n"
           "Grace, a system emulator for 64-bit RISC-V.\n\n");
    for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
        const OptionDef *o = &options[i];
        g_autofree char *left = NULL;

        if (!o->help) {
            continue;
        }
        left = g_strdup_printf("-%s%s%s", o->name, o->arg ? " " : "",
                               o->arg ? o->arg : "");
        printf("%-42s %s\n", left, o->help);
    }
    printf("\nDuring emulation with -nographic: Ctrl-A x quits, Ctrl-A c "
           "switches between the\nconsole and the monitor, Ctrl-A h "
           "prints the other keys.\n");
    exit(exitcode);
}

static QEMU_NORETURN void version(void)
{
    printf(PROGNAME " version " QEMU_VERSION "\n"
           "Grace: a QEMU-style RISC-V system emulator\n");
    exit(0);
}

/* Report err with the current location and exit 1. */
static QEMU_NORETURN void fail(Error *err)
{
    error_report_err(err);
    exit(1);
}

static QEMU_NORETURN void fail_msg(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static void fail_msg(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    error_vreport(fmt, ap);
    va_end(ap);
    exit(1);
}

/*
 * The same for an error found in opts: exit() runs no g_autoptr cleanup,
 * and LeakSanitizer reports what the parser allocated.
 */
static QEMU_NORETURN void fail_opts(QemuOpts *opts, Error *err)
{
    qemu_opts_del(opts);
    fail(err);
}

static void defer(Config *cfg, OptionIndex index, int argi, const char *arg)
{
    DeferredOpt d = { .index = index, .argi = argi, .arg = arg };

    g_array_append_val(cfg->deferred, d);
}

static void parse_machine(Config *cfg, const char *arg)
{
    static const char *const known[] = { "type", "dumpdtb", NULL };
    QemuOpts *opts;
    Error *err = NULL;
    const char *type;

    opts = qemu_opts_parse(arg, "type", &err);
    if (!opts || !qemu_opts_check_known(opts, known, &err)) {
        fail_opts(opts, err);
    }
    type = qemu_opt_get(opts, "type");
    if (type && !strcmp(type, "help")) {
        printf("Supported machines are:\n");
        for (int i = 0; machine_types[i]; i++) {
            printf("%-20s %s\n", machine_types[i]->name,
                   machine_types[i]->desc);
        }
        qemu_opts_del(opts);
        exit(0);
    }
    if (type) {
        cfg->mc = find_machine(type);
        if (!cfg->mc) {
            error_setg(&err, "unsupported machine type '%s' (use -machine "
                       "help to list them)", type);
            fail_opts(opts, err);
        }
    }
    if (qemu_opt_get(opts, "dumpdtb")) {
        cfg->ms.dumpdtb = g_strdup(qemu_opt_get(opts, "dumpdtb"));
    }
    qemu_opts_del(opts);
}

static void parse_smp(Config *cfg, const char *arg)
{
    static const char *const known[] = { "cpus", "maxcpus", "cores",
                                         "threads", "sockets", NULL };
    QemuOpts *opts;
    SMPConfiguration config = { 0 };
    Error *err = NULL;

    opts = qemu_opts_parse(arg, "cpus", &err);
    if (!opts || !qemu_opts_check_known(opts, known, &err)) {
        fail_opts(opts, err);
    }
#define SMP_KEY(key)                                                    \
    if (qemu_opt_get(opts, #key)) {                                     \
        config.has_##key = true;                                        \
        if (!qemu_opt_get_number(opts, #key, 0, &config.key, &err)) {   \
            fail_opts(opts, err);                                       \
        }                                                               \
    }
    SMP_KEY(cpus)
    SMP_KEY(maxcpus)
    SMP_KEY(sockets)
    SMP_KEY(cores)
    SMP_KEY(threads)
#undef SMP_KEY
    qemu_opts_del(opts);
    if (!machine_parse_smp_config(cfg->mc, &config, &cfg->ms.smp, &err)) {
        fail(err);
    }
}

static void parse_mem(Config *cfg, const char *arg)
{
    static const char *const known[] = { "size", NULL };
    QemuOpts *opts;
    Error *err = NULL;
    const char *size;
    uint64_t sz;

    opts = qemu_opts_parse(arg, "size", &err);
    if (!opts || !qemu_opts_check_known(opts, known, &err)) {
        fail_opts(opts, err);
    }
    size = qemu_opt_get(opts, "size");
    if (!size || qemu_strtosz_MiB(size, NULL, &sz) < 0) {
        error_setg(&err, "invalid RAM size '%s' (a number of MiB, or with a "
                   "K/M/G/T suffix)", size ? size : "");
        fail_opts(opts, err);
    }
    qemu_opts_del(opts);
    if (sz < 1 * MiB) {
        fail_msg("RAM size must be at least 1 MiB");
    }
    if (sz > 1 * TiB) {
        fail_msg("RAM size must be at most 1 TiB");
    }
    cfg->ms.ram_size = QEMU_ALIGN_UP(sz, TARGET_PAGE_SIZE);
}

static void parse_name(const char *arg)
{
    g_autoptr(QemuOpts) opts = NULL;
    Error *err = NULL;

    opts = qemu_opts_parse(arg, "guest", &err);
    if (!opts) {
        fail(err);
    }
    qemu_name = g_strdup(qemu_opt_get(opts, "guest"));
}

static void parse_display(const char *arg)
{
    if (strcmp(arg, "none") != 0) {
        fail_msg("unsupported display '%s': Grace has no graphical display "
                 "(use -display none or -nographic)", arg);
    }
}

/* Choose and set up the accelerator: the one -accel names, or tcg. */
static void parse_accel(Config *cfg, const char *arg)
{
    g_autoptr(QemuOpts) opts = NULL;
    Error *err = NULL;
    const char *accel;

    if (cfg->accel_configured) {
        fail_msg("only one -accel is supported");
    }
    opts = qemu_opts_parse(arg, "accel", &err);
    if (!opts) {
        fail(err);
    }
    accel = qemu_opt_get(opts, "accel");
    if (!accel_init_machine(accel ? accel : "", opts, &err)) {
        fail(err);
    }
    cfg->accel_configured = true;
}

static void parse_global(const char *arg)
{
    const char *eq = strchr(arg, '=');
    g_autofree char *key = NULL;
    bool legacy;
    Error *err = NULL;

    if (!eq) {
        fail_msg("expected DRIVER.PROPERTY=VALUE");
    }
    key = g_strndup(arg, eq - arg);
    if (strcmp(key, "virtio-mmio.force-legacy") != 0) {
        fail_msg("unsupported global property '%s' (supported: "
                 "virtio-mmio.force-legacy)", key);
    }
    if (!qapi_bool_parse("force-legacy", eq + 1, &legacy, &err)) {
        fail(err);
    }
    virtio_mmio_set_force_legacy(legacy);
}

static void parse_log(Config *cfg)
{
    Error *err = NULL;
    int mask;

    if (cfg->log_items) {
        loc_set_cmdline(cfg->argv, cfg->log_items_argi, 2);
        if (!strcmp(cfg->log_items, "help")) {
            qemu_print_log_usage(stdout);
            exit(0);
        }
        mask = qemu_str_to_log_mask(cfg->log_items, &err);
        if (err) {
            fail(err);
        }
        qemu_set_log(mask);
    }
    if (cfg->log_file) {
        loc_set_cmdline(cfg->argv, cfg->log_file_argi, 2);
        if (!qemu_set_log_filename(cfg->log_file, &err)) {
            fail(err);
        }
    }
    loc_set_none();
}

static const OptionDef *lookup_option(const char *arg)
{
    /* QEMU accepts both -opt and --opt. */
    const char *name = arg + 1 + (arg[1] == '-');

    for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
        if (!strcmp(options[i].name, name)) {
            return &options[i];
        }
    }
    return NULL;
}

static unsigned count_deferred(Config *cfg, OptionIndex index);

static void parse_args(Config *cfg, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const OptionDef *o;
        const char *arg = NULL;
        int argi = i;

        loc_set_cmdline(argv, i, 1);
        if (argv[i][0] != '-' || !argv[i][1]) {
            fail_msg("unexpected argument (options start with '-'; "
                     "use -h for help)");
        }
        o = lookup_option(argv[i]);
        if (!o) {
            fail_msg("invalid option (use -h for help)");
        }
        if (o->arg) {
            if (i + 1 >= argc) {
                fail_msg("requires an argument");
            }
            arg = argv[++i];
            loc_set_cmdline(argv, argi, 2);
        }

        switch (o->index) {
        case OPT_HELP:
            help(0);
        case OPT_VERSION:
            version();
        case OPT_MACHINE:
            parse_machine(cfg, arg);
            break;
        case OPT_SMP:
            parse_smp(cfg, arg);
            break;
        case OPT_M:
            parse_mem(cfg, arg);
            break;
        case OPT_BIOS:
            cfg->ms.firmware = arg;
            break;
        case OPT_KERNEL:
            cfg->ms.kernel_filename = arg;
            break;
        case OPT_INITRD:
            cfg->ms.initrd_filename = arg;
            break;
        case OPT_APPEND:
            cfg->ms.kernel_cmdline = arg;
            break;
        case OPT_DTB:
            cfg->ms.dtb = arg;
            break;
        case OPT_NOGRAPHIC:
            cfg->nographic = true;
            break;
        case OPT_S:
            cfg->start_paused = true;
            break;
        case OPT_GDB:
        case OPT_GDB_DEFAULT:
            /* As in QEMU, the last one counts. */
            cfg->gdb_device = arg ? arg : "tcp::" DEFAULT_GDBSTUB_PORT;
            cfg->gdb_argi = argi;
            cfg->gdb_argc = arg ? 2 : 1;
            break;
        case OPT_NO_REBOOT:
            no_reboot = true;
            break;
        case OPT_NO_SHUTDOWN:
            no_shutdown = true;
            break;
        case OPT_D:
            cfg->log_items = arg;
            cfg->log_items_argi = argi;
            break;
        case OPT_D_FILE:
            cfg->log_file = arg;
            cfg->log_file_argi = argi;
            break;
        case OPT_NAME:
            parse_name(arg);
            break;
        case OPT_DISPLAY:
            parse_display(arg);
            break;
        case OPT_ACCEL:
            parse_accel(cfg, arg);
            break;
        case OPT_INCOMING:
            cfg->incoming = arg;
            cfg->incoming_argi = argi;
            break;
        case OPT_GLOBAL:
            parse_global(arg);
            break;
        case OPT_QTEST:
            /* One; created with the chardevs, like the rest below. */
            if (count_deferred(cfg, OPT_QTEST)) {
                fail_msg("only one -qtest is supported");
            }
            /* fall through */
        case OPT_SERIAL:
        case OPT_MONITOR:
        case OPT_QMP:
        case OPT_MON:
        case OPT_CHARDEV:
        case OPT_DRIVE:
        case OPT_DEVICE:
        case OPT_OBJECT:
            if (o->index == OPT_DEVICE && !strcmp(arg, "help")) {
                Error *err = NULL;

                device_add_from_str("help", &err);
                exit(err ? 1 : 0);
            }
            defer(cfg, o->index, argi, arg);
            break;
        }
    }
    loc_set_none();
}

/* Run fn on each deferred option of kind index, with its location set. */
static void foreach_deferred(Config *cfg, OptionIndex index,
                             void (*fn)(Config *cfg, const char *arg))
{
    for (guint i = 0; i < cfg->deferred->len; i++) {
        DeferredOpt *d = &g_array_index(cfg->deferred, DeferredOpt, i);

        if (d->index == index) {
            loc_set_cmdline(cfg->argv, d->argi, 2);
            fn(cfg, d->arg);
        }
    }
    loc_set_none();
}

static unsigned count_deferred(Config *cfg, OptionIndex index)
{
    unsigned n = 0;

    for (guint i = 0; i < cfg->deferred->len; i++) {
        n += g_array_index(cfg->deferred, DeferredOpt, i).index == index;
    }
    return n;
}

static void add_chardev(Config *cfg, const char *arg)
{
    Error *err = NULL;

    if (!qemu_chardev_new_from_spec(arg, &err)) {
        fail(err);
    }
}

static void add_serial(Config *cfg, const char *arg)
{
    Error *err = NULL;

    if (cfg->ms.serial) {
        fail_msg("the virt board has a single UART: only one -serial is "
                 "supported");
    }
    cfg->ms.serial = qemu_chr_new("serial0", arg, &err);
    if (err) {
        fail(err);
    }
    /* "mon:" puts an HMP monitor on the same mux, behind the serial. */
    if (g_str_has_prefix(arg, "mon:") &&
        !monitor_init_hmp(cfg->ms.serial, &err)) {
        fail(err);
    }
}

static void add_monitor(Config *cfg, const char *arg)
{
    Error *err = NULL;

    if (!monitor_new_from_legacy(arg, false, &err)) {
        fail(err);
    }
}

static void add_qmp(Config *cfg, const char *arg)
{
    Error *err = NULL;

    if (!monitor_new_from_legacy(arg, true, &err)) {
        fail(err);
    }
}

static void add_mon(Config *cfg, const char *arg)
{
    Error *err = NULL;

    if (!monitor_new_from_opts(arg, &err)) {
        fail(err);
    }
}

static void add_drive(Config *cfg, const char *arg)
{
    Error *err = NULL;

    if (!drive_new(arg, &err)) {
        fail(err);
    }
}

static void add_object(Config *cfg, const char *arg)
{
    Error *err = NULL;

    if (!object_add_from_str(arg, &err)) {
        fail(err);
    }
}

static void add_device(Config *cfg, const char *arg)
{
    Error *err = NULL;

    if (!device_add_from_str(arg, &err)) {
        fail(err);
    }
}

static void add_qtest(Config *cfg, const char *arg)
{
    Error *err = NULL;

    if (!qtest_server_init(arg, &err)) {
        fail(err);
    }
}

/* Chardevs, then the serial port and monitors that use them. */
static void create_chardevs_and_monitors(Config *cfg)
{
    foreach_deferred(cfg, OPT_CHARDEV, add_chardev);
    if (cfg->nographic && count_deferred(cfg, OPT_SERIAL) == 0) {
        Error *err = NULL;
        /* -nographic: the UART and (unless -monitor says otherwise) the
         * HMP monitor share stdio, switched with Ctrl-A c. */
        bool own_monitor = count_deferred(cfg, OPT_MONITOR) > 0;

        cfg->ms.serial = qemu_chr_new("serial0",
                                      own_monitor ? "stdio" : "mon:stdio",
                                      &err);
        if (err || (!own_monitor &&
                    !monitor_init_hmp(cfg->ms.serial, &err))) {
            fail(err);
        }
    }
    foreach_deferred(cfg, OPT_SERIAL, add_serial);
    foreach_deferred(cfg, OPT_MONITOR, add_monitor);
    foreach_deferred(cfg, OPT_QMP, add_qmp);
    foreach_deferred(cfg, OPT_MON, add_mon);
}

static gboolean on_signal(gpointer opaque)
{
    int sig = GPOINTER_TO_INT(opaque);

    error_report("terminating on signal %d", sig);
    qemu_system_shutdown_request(SHUTDOWN_CAUSE_HOST_SIGNAL);
    return G_SOURCE_CONTINUE;
}

static void at_exit_cleanup(void)
{
    qemu_chr_cleanup();
}

/* Static, so that what the machine holds stays reachable until exit. */
static Config cfg;
MachineState *current_machine = &cfg.ms;

int main(int argc, char **argv)
{
    Error *err = NULL;
    int status;

    cfg.argv = argv;
    cfg.mc = &virt_machine;
    cfg.deferred = g_array_new(false, false, sizeof(DeferredOpt));
    error_set_progname(argv[0]);
    cfg.ms.ram_size = cfg.mc->default_ram_size;
    cfg.ms.smp = (CpuTopology){ .cpus = 1, .sockets = 1, .cores = 1,
                                .threads = 1, .max_cpus = 1 };
    parse_args(&cfg, argc, argv);
    if (!cfg.accel_configured) {
        accel_init_machine("tcg", NULL, &error_abort);
    }
    ram_size = cfg.ms.ram_size;
    smp_cpus = cfg.ms.smp.cpus;
    parse_log(&cfg);

    if (qemu_init_main_loop(&err) < 0) {
        fail(err);
    }
    qemu_mutex_lock_iothread();
    atexit(at_exit_cleanup);
    g_unix_signal_add(SIGINT, on_signal, GINT_TO_POINTER(SIGINT));
    g_unix_signal_add(SIGTERM, on_signal, GINT_TO_POINTER(SIGTERM));
    g_unix_signal_add(SIGHUP, on_signal, GINT_TO_POINTER(SIGHUP));

    machine_cmds_register();
    memory_cmds_register();
    gdbstub_register_commands();
    migration_init();
    create_chardevs_and_monitors(&cfg);
    /* Guest time first: devices compute from it when they are loaded. */
    cpu_timers_init();
    /* Backends exist before the devices that use them, as in QEMU. */
    foreach_deferred(&cfg, OPT_OBJECT, add_object);
    foreach_deferred(&cfg, OPT_QTEST, add_qtest);

    if (!cfg.mc->init(&cfg.ms, &err)) {
        fail(err);
    }
    if (cfg.ms.dumpdtb) {
        /* QEMU's behaviour: write the tree, then exit without running. */
        exit(0);
    }
    foreach_deferred(&cfg, OPT_DRIVE, add_drive);
    foreach_deferred(&cfg, OPT_DEVICE, add_device);
    memory_cmds_watch_devices();

    qemu_system_reset(SHUTDOWN_CAUSE_NONE);
    if (cfg.gdb_device) {
        loc_set_cmdline(cfg.argv, cfg.gdb_argi, cfg.gdb_argc);
        if (!gdbserver_start(cfg.gdb_device, &err)) {
            fail(err);
        }
        loc_set_none();
    }
    autostart = !cfg.start_paused;
    if (cfg.incoming) {
        /* The guest starts when the stream is in (unless -S). */
        vm_stop(RUN_STATE_INMIGRATE);
        loc_set_cmdline(cfg.argv, cfg.incoming_argi, 2);
        if (!qemu_start_incoming_migration(cfg.incoming, &err)) {
            fail(err);
        }
        loc_set_none();
    } else if (autostart) {
        vm_start();
    }
    status = qemu_main_loop();
    gdb_exit(status);

    /* Let no vCPU run while the process tears down. */
    pause_all_vcpus();
    qemu_mutex_unlock_iothread();
    return status;
}
