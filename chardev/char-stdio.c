/*
 * The stdio chardev: input from fd 0, output to fd 1.
 *
 * When stdin is a terminal it is put in raw mode (no echo, no line
 * editing, no flow control, CR passed as is) so that the guest's console
 * and the monitor see each key.  With signal=on (the default) the
 * terminal still turns Ctrl-C into SIGINT; with signal=off Ctrl-C reaches
 * the guest.  The saved settings come back
 *   - at exit: qemu_chr_cleanup runs from atexit;
 *   - on fatal signals (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT) and on
 *     SIGINT, SIGTERM and SIGHUP unless someone else handles those: the
 *     handler restores the terminal, puts back the previous disposition
 *     and raises the signal again;
 *   - and raw mode is set again on SIGCONT, after a stop.
 * Only one stdio chardev may exist at a time (there is only one stdin).
 */
#include "qemu/osdep.h"
#include "qemu/option.h"
#include "qapi/error.h"
#include "chardev-internal.h"
#include <termios.h>

typedef struct StdioChardev {
    Chardev parent;
    CharFdReader reader;
    bool owns_stdin;            /* this instance claimed stdin */
} StdioChardev;

static const char *const stdio_options[] = { "signal", NULL };

/*
 * The terminal state.  Written by the main thread at open, before the
 * signal handlers that read it are installed; read by those handlers and
 * by qemu_chr_cleanup.
 */
static struct termios stdio_saved_tty;
static struct termios stdio_raw_tty;
static volatile sig_atomic_t stdio_tty_raw;     /* raw mode is applied */
static bool stdio_in_use;
static bool stdio_atexit_done;

static const int stdio_fatal_signals[] = {
    SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGINT, SIGTERM, SIGHUP,
};
static struct sigaction stdio_old_actions[NSIG];
static bool stdio_handlers_installed;

void qemu_chr_cleanup(void)
{
    if (stdio_tty_raw) {
        stdio_tty_raw = 0;
        tcsetattr(0, TCSANOW, &stdio_saved_tty);
    }
}

/* Async-signal-safe: tcsetattr, sigaction and raise are. */
static void stdio_fatal_signal(int sig)
{
    int saved_errno = errno;

    qemu_chr_cleanup();
    sigaction(sig, &stdio_old_actions[sig], NULL);
    raise(sig);
    errno = saved_errno;
}

static void stdio_sigcont(int sig)
{
    int saved_errno = errno;

    if (stdio_tty_raw) {
        tcsetattr(0, TCSANOW, &stdio_raw_tty);
    }
    errno = saved_errno;
}

static void stdio_install_handlers(void)
{
    struct sigaction sa;

    if (stdio_handlers_installed) {
        return;
    }
    stdio_handlers_installed = true;
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < ARRAY_SIZE(stdio_fatal_signals); i++) {
        int sig = stdio_fatal_signals[i];
        bool async = sig == SIGINT || sig == SIGTERM || sig == SIGHUP;

        sigaction(sig, NULL, &stdio_old_actions[sig]);
        /* Asynchronous signals that someone already handles (the run
         * state code turns them into a clean shutdown) are left alone:
         * their exit runs qemu_chr_cleanup. */
        if (async && stdio_old_actions[sig].sa_handler != SIG_DFL) {
            continue;
        }
        sa.sa_handler = stdio_fatal_signal;
        sigaction(sig, &sa, NULL);
    }
    sa.sa_handler = stdio_sigcont;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGCONT, &sa, NULL);
}

static void stdio_set_raw(bool allow_signals)
{
    struct termios tty;

    if (!isatty(0) || tcgetattr(0, &stdio_saved_tty) < 0) {
        return;
    }
    tty = stdio_saved_tty;
    tty.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
                     ICRNL | IXON);
    tty.c_oflag |= OPOST;
    tty.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN);
    if (!allow_signals) {
        tty.c_lflag &= ~ISIG;
    }
    tty.c_cflag &= ~(CSIZE | PARENB);
    tty.c_cflag |= CS8;
    tty.c_cc[VMIN] = 1;
    tty.c_cc[VTIME] = 0;
    stdio_raw_tty = tty;
    stdio_install_handlers();
    if (tcsetattr(0, TCSANOW, &tty) == 0) {
        stdio_tty_raw = 1;
    }
}

static void stdio_chr_eof(Chardev *chr)
{
    /* stdin ended (a pipe or /dev/null): output carries on. */
}

static bool stdio_chr_open(Chardev *chr, QemuOpts *opts, Error **errp)
{
    StdioChardev *s = (StdioChardev *)chr;
    bool allow_signals;

    s->reader.fd = -1;
    if (stdio_in_use) {
        error_setg(errp, "cannot use stdio by multiple character devices");
        return false;
    }
    if (!qemu_opt_get_bool(opts, "signal", true, &allow_signals, errp)) {
        return false;
    }
    stdio_in_use = true;
    s->owns_stdin = true;
    if (!stdio_atexit_done) {
        stdio_atexit_done = true;
        atexit(qemu_chr_cleanup);
    }
    stdio_set_raw(allow_signals);
    /* A closed stdin would make poll report POLLNVAL forever. */
    if (fcntl(0, F_GETFD) >= 0) {
        char_fd_reader_start(&s->reader, chr, 0, stdio_chr_eof);
    }
    chr->be_open = 1;
    return true;
}

static int stdio_chr_write(Chardev *chr, const uint8_t *buf, int len)
{
    if (qemu_write_full(1, buf, len) < 0) {
        return -1;
    }
    return len;
}

static void stdio_chr_accept_input(Chardev *chr)
{
    StdioChardev *s = (StdioChardev *)chr;

    char_fd_reader_accept_input(&s->reader);
}

static void stdio_chr_finalize(Chardev *chr)
{
    StdioChardev *s = (StdioChardev *)chr;

    if (!s->owns_stdin) {
        /* open failed before claiming stdin */
        return;
    }
    char_fd_reader_stop(&s->reader);
    qemu_chr_cleanup();
    stdio_in_use = false;
}

const ChardevClass char_stdio_driver = {
    .name = "stdio",
    .instance_size = sizeof(StdioChardev),
    .options = stdio_options,
    .open = stdio_chr_open,
    .chr_write = stdio_chr_write,
    .chr_accept_input = stdio_chr_accept_input,
    .finalize = stdio_chr_finalize,
};
