/*
 * runtime.c: console output, checks, trap dispatch and the device-tree
 * lookup of the kernel command line and the harts for the bare-metal
 * guest tests.
 */
#include "runtime.h"
#include "smp.h"

/* Incremented by every hart (AMO), read by hart 0 at the end */
unsigned long checks_passed;
volatile struct trap_record trap_last;

static TrapHandlerFunc *test_handler;
static volatile bool trap_armed;
static volatile bool trap_resume_at_ra;
static char cmdline[256];

extern char _end[];
static uintptr_t next_free_page;

void runtime_init(uint64_t hartid, const void *fdt);
void m_trap_handler(struct trap_frame *f);
void s_trap_handler(struct trap_frame *f);
NORETURN void run_in_mode_resume(long result);
NORETURN void run_in_mode_forward(long result);
extern const char run_in_mode_ecall[], run_in_mode_forward_ecall[];

/* libc subset */

void *memset(void *s, int c, size_t n)
{
    uint8_t *p = s;
    uint64_t word = 0x0101010101010101ULL * (uint8_t)c;

    while (n && ((uintptr_t)p & 7)) {
        *p++ = (uint8_t)c;
        n--;
    }
    for (; n >= 8; n -= 8, p += 8) {
        *(uint64_t *)p = word;
    }
    while (n--) {
        *p++ = (uint8_t)c;
    }
    return s;
}

void *memcpy(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;

    while (n--) {
        *d++ = *s++;
    }
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;

    if (d <= s || d >= s + n) {
        return memcpy(dst, src, n);
    }
    while (n--) {
        d[n] = s[n];
    }
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;

    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i]) {
            return x[i] - y[i];
        }
    }
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;

    while (s[n]) {
        n++;
    }
    return n;
}

/* Console */

#define UART_THR 0
#define UART_LSR 5
#define UART_LSR_THRE 0x20

void uart_putc(char c)
{
    while (!(mmio_read8(VIRT_UART0_BASE + UART_LSR) & UART_LSR_THRE)) {
        /* wait for the transmitter */
    }
    mmio_write8(VIRT_UART0_BASE + UART_THR, c);
}

/*
 * The console lock: owner is the holding hart's id + 1 (0: free), taken
 * with a compare-and-swap (acquire) and released with a release store;
 * depth is written only by the owner.
 */
static volatile uint32_t console_owner;
static unsigned console_depth;

void console_lock(void)
{
    uint32_t me = smp_hart_id() + 1, free;

    if (console_owner == me) {
        console_depth++;
        return;
    }
    for (;;) {
        free = 0;
        if (__atomic_compare_exchange_n(&console_owner, &free, me, false,
                                        __ATOMIC_ACQUIRE,
                                        __ATOMIC_RELAXED)) {
            break;
        }
        asm volatile(".insn i 0x0f, 0, x0, x0, 0x010");     /* pause */
    }
    console_depth = 1;
}

void console_unlock(void)
{
    if (--console_depth == 0) {
        __atomic_store_n(&console_owner, 0, __ATOMIC_RELEASE);
    }
}

/* Characters written by the current printf (under the console lock) */
static int printed;

static void put(char c)
{
    uart_putc(c);
    printed++;
}

static void format_number(uint64_t v, unsigned base, bool negative,
                          int width, char pad)
{
    char digits[24];
    int n = 0;

    do {
        digits[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    if (negative) {
        if (pad == '0') {
            put('-');
        } else {
            digits[n++] = '-';
        }
        width--;
    }
    for (int i = n; i < width; i++) {
        put(pad);
    }
    while (n) {
        put(digits[--n]);
    }
}

static void format(const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        char pad = ' ';
        int width = 0, longs = 0;
        uint64_t u;
        int64_t v;

        if (*fmt != '%') {
            put(*fmt);
            continue;
        }
        fmt++;
        if (*fmt == '0') {
            pad = '0';
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9') {
            width = width * 10 + (*fmt++ - '0');
        }
        while (*fmt == 'l' || *fmt == 'z') {
            longs++;
            fmt++;
        }
        switch (*fmt) {
        case 'd':
        case 'i':
            v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
            format_number(v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0,
                          width, pad);
            break;
        case 'u':
        case 'x':
            u = longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);
            format_number(u, *fmt == 'u' ? 10 : 16, false, width, pad);
            break;
        case 'p':
            put('0');
            put('x');
            format_number((uintptr_t)va_arg(ap, void *), 16, false,
                          width, pad);
            break;
        case 's': {
            const char *str = va_arg(ap, const char *);
            int len = strlen(str);

            for (int i = len; i < width; i++) {
                put(' ');
            }
            while (*str) {
                put(*str++);
            }
            break;
        }
        case 'c':
            put((char)va_arg(ap, int));
            break;
        case '%':
            put('%');
            break;
        case '\0':
            return;
        default:
            /* Unknown conversion: show it as written */
            put('%');
            put(*fmt);
            break;
        }
    }
}

int vprintf(const char *fmt, va_list ap)
{
    int n;

    console_lock();
    printed = 0;
    format(fmt, ap);
    n = printed;
    console_unlock();
    return n;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

/* Exit through the sifive_test finisher */

#define FINISHER_PASS 0x5555
#define FINISHER_FAIL 0x3333

void exit(int status)
{
    uint32_t code = status & 0xffff;

    mmio_write32(VIRT_TEST_BASE,
                 code ? (code << 16) | FINISHER_FAIL : FINISHER_PASS);
    for (;;) {
        asm volatile("wfi");
    }
}

void test_finish(int status)
{
    if (status == 0 && checks_passed == 0) {
        printf("FAIL: the test ran no checks\n");
        status = 1;
    } else if (status == 0) {
        printf("PASS (%lu checks)\n", checks_passed);
    } else {
        printf("FAIL: main returned %d\n", status);
    }
    exit(status);
}

/* Checks */

static const char *base_name(const char *path)
{
    const char *base = path;

    for (; *path; path++) {
        if (*path == '/') {
            base = path + 1;
        }
    }
    return base;
}

void fail_begin(const char *file, int line)
{
    console_lock();
    printf("FAIL %s:%d ", base_name(file), line);
    if (smp_harts > 1) {
        printf("hart %u: ", smp_hart_id());
    }
}

static void fail_prefix(const char *file, int line, const char *fmt,
                        va_list ap)
{
    fail_begin(file, line);
    vprintf(fmt, ap);
}

static void count_check(void)
{
    __atomic_fetch_add(&checks_passed, 1, __ATOMIC_RELAXED);
}

void test_section(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    console_lock();
    printf("-- ");
    vprintf(fmt, ap);
    printf("\n");
    console_unlock();
    va_end(ap);
}

void test_note(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    console_lock();
    printf("   note: ");
    vprintf(fmt, ap);
    printf("\n");
    console_unlock();
    va_end(ap);
}

void check_eq_at(const char *file, int line, uint64_t got, uint64_t expected,
                 const char *fmt, ...)
{
    va_list ap;

    if (got == expected) {
        count_check();
        return;
    }
    va_start(ap, fmt);
    fail_prefix(file, line, fmt, ap);
    va_end(ap);
    printf(": got 0x%lx, expected 0x%lx\n", got, expected);
    exit(1);
}

void check_at(const char *file, int line, bool ok, const char *fmt, ...)
{
    va_list ap;

    if (ok) {
        count_check();
        return;
    }
    va_start(ap, fmt);
    fail_prefix(file, line, fmt, ap);
    va_end(ap);
    printf("\n");
    exit(1);
}

void fail_at(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fail_prefix(file, line, fmt, ap);
    va_end(ap);
    printf("\n");
    exit(1);
}

void check_trap_at(const char *file, int line, uint64_t cause, uint64_t tval,
                   const char *fmt, ...)
{
    struct trap_record t = trap_last;
    va_list ap;

    trap_armed = false;
    if (t.count == 1 && t.cause == cause && t.tval == tval) {
        count_check();
        return;
    }
    va_start(ap, fmt);
    fail_prefix(file, line, fmt, ap);
    va_end(ap);
    if (t.count == 0) {
        printf(": expected a trap with cause 0x%lx, none was taken\n", cause);
    } else {
        printf(": expected cause 0x%lx tval 0x%lx, got %d trap(s), "
               "cause 0x%lx tval 0x%lx epc 0x%lx\n",
               cause, tval, t.count, t.cause, t.tval, t.epc);
    }
    exit(1);
}

/* Traps */

void trap_set_handler(TrapHandlerFunc *fn)
{
    test_handler = fn;
}

void trap_expect(void)
{
    trap_resume_at_ra = false;
    trap_last.count = 0;
    trap_last.cause = ~0ULL;
    trap_last.tval = ~0ULL;
    trap_last.epc = ~0ULL;
    trap_armed = true;
}

void trap_expect_return(void)
{
    trap_expect();
    trap_resume_at_ra = true;
}

uint32_t exec_insn_buffer[2] __attribute__((aligned(8)));

long exec_insn(uint32_t insn, long a0)
{
    register long r asm("a0") = a0;

    exec_insn_buffer[0] = insn;
    exec_insn_buffer[1] = 0x00008067;       /* jalr x0, 0(ra) */
    fence_i();
    trap_expect_return();
    asm volatile("jalr ra, 0(%1)"
                 : "+r"(r) : "r"(exec_insn_buffer) : "ra", "memory");
    return r;
}

/* The length of the instruction at pc: 2 or 4 */
static int insn_length(uintptr_t pc)
{
    uint16_t low = *(volatile uint16_t *)pc;

    return (low & 3) == 3 ? 4 : 2;
}

/* Records f into trap_last and resumes as trap_expect() describes */
static void trap_record_and_skip(struct trap_frame *f, int level)
{
    trap_last.cause = f->cause;
    trap_last.tval = f->tval;
    trap_last.epc = f->epc;
    trap_last.status = f->status;
    trap_last.level = level;
    trap_last.count++;
    if (trap_resume_at_ra) {
        f->epc = f->regs[1];
        return;
    }
    switch (f->cause) {
    case EXC_INSN_MISALIGNED:
    case EXC_INSN_ACCESS:
    case EXC_INSN_PAGE_FAULT:
        /* The probe jumped with "jalr ra, ..."; return to its caller */
        f->epc = f->regs[1];
        break;
    default:
        if (!(f->cause & CAUSE_INTERRUPT)) {
            f->epc += insn_length(f->epc);
        }
        break;
    }
}

static NORETURN void unexpected_trap(struct trap_frame *f, int level)
{
    console_lock();
    printf("FAIL unexpected trap to %c-mode", level == PRV_M ? 'M' : 'S');
    if (smp_harts > 1) {
        printf(" on hart %u", smp_hart_id());
    }
    printf(": cause 0x%lx epc 0x%lx tval 0x%lx status 0x%lx\n",
           f->cause, f->epc, f->tval, f->status);
    exit(2);
}

static void dispatch(struct trap_frame *f, int level)
{
    if (level == PRV_M && smp_watchdog_trap(f)) {
        return;
    }
    if (test_handler && test_handler(f, level)) {
        return;
    }
    if (level == PRV_M && smp_doorbell_trap(f)) {
        return;
    }
    if (trap_armed && trap_last.count == 0) {
        trap_record_and_skip(f, level);
        return;
    }
    unexpected_trap(f, level);
}

/* Is this the ecall that ends a run_in_mode() call? */
static bool is_return_ecall(struct trap_frame *f, int level)
{
    if (f->cause != EXC_ECALL_U && f->cause != EXC_ECALL_S) {
        return false;
    }
    return f->epc == (uintptr_t)run_in_mode_ecall ||
           (level == PRV_M && f->epc == (uintptr_t)run_in_mode_forward_ecall);
}

void m_trap_handler(struct trap_frame *f)
{
    if (is_return_ecall(f, PRV_M)) {
        run_in_mode_resume(f->regs[10]);
    }
    dispatch(f, PRV_M);
}

void s_trap_handler(struct trap_frame *f)
{
    if (is_return_ecall(f, PRV_S)) {
        /* U's ecalls are delegated: pass the return on to M-mode */
        run_in_mode_forward(f->regs[10]);
    }
    dispatch(f, PRV_S);
}

/* Protection probes */

const char *const access_name[3] = { "load", "store", "exec" };
const char *const level_name[4] = { "U", "S", "?", "M" };

static struct {
    int kind;
    uintptr_t addr;
    uint64_t value;
} probe_req;

static long probe_body(long unused)
{
    uint64_t v = probe_req.value;

    trap_expect();
    switch (probe_req.kind) {
    case ACCESS_LOAD:
        asm volatile("ld %0, 0(%1)" : "+r"(v) : "r"(probe_req.addr)
                     : "memory");
        break;
    case ACCESS_STORE:
        asm volatile("sd %0, 0(%1)" : : "r"(v), "r"(probe_req.addr)
                     : "memory");
        break;
    case ACCESS_EXEC: {
        register uint64_t a0 asm("a0") = v;

        asm volatile("jalr ra, 0(%1)" : "+r"(a0) : "r"(probe_req.addr)
                     : "ra", "memory");
        v = a0;
        break;
    }
    default:
        FAIL("probe_access: bad kind %d", probe_req.kind);
    }
    return v;
}

uint64_t probe_access(int prv, int kind, uintptr_t addr, uint64_t value)
{
    probe_req.kind = kind;
    probe_req.addr = addr;
    probe_req.value = value;
    if (prv == PRV_M) {
        return probe_body(0);
    }
    return run_in_mode(prv, probe_body, 0);
}

uint64_t probe_mprv(int mpp, int kind, uintptr_t addr, uint64_t value)
{
    uint64_t old_mpp = csr_read(mstatus) & MSTATUS_MPP;

    csr_clear(mstatus, MSTATUS_MPP);
    csr_set(mstatus, (uint64_t)mpp << MSTATUS_MPP_SHIFT);
    trap_expect();
    /*
     * Nothing but the access itself may touch memory while MPRV is set: a
     * trap leaves MPP = U behind (the handler's mret lowers it), so the
     * stack would be reached as U afterwards.
     */
    switch (kind) {
    case ACCESS_LOAD:
        asm volatile("csrs mstatus, %2\n"
                     "ld %0, 0(%1)\n"
                     "csrc mstatus, %2\n"
                     : "+r"(value) : "r"(addr), "r"(MSTATUS_MPRV) : "memory");
        break;
    case ACCESS_STORE:
        asm volatile("csrs mstatus, %2\n"
                     "sd %0, 0(%1)\n"
                     "csrc mstatus, %2\n"
                     : : "r"(value), "r"(addr), "r"(MSTATUS_MPRV) : "memory");
        break;
    default:
        FAIL("probe_mprv: bad kind %d", kind);
    }
    csr_clear(mstatus, MSTATUS_MPP);
    csr_set(mstatus, old_mpp);
    return value;
}

void write_return_code(void *p, unsigned value)
{
    uint32_t *code = p;

    code[0] = (value & 0x7ff) << 20 | 10 << 7 | 0x13;  /* addi a0, x0, v */
    code[1] = 0x00008067;                               /* jalr x0, 0(ra) */
    fence_i();
}

/* The flattened device tree: the kernel command line and the harts */

#define FDT_MAGIC 0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_NOP 4

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | p[3];
}

static bool name_is(const char *s, const char *name)
{
    size_t n = strlen(name);

    return !memcmp(s, name, n) && (s[n] == '\0' || s[n] == '@');
}

/*
 * One walk over the flattened device tree: copies /chosen/bootargs into
 * cmdline and returns how many /cpus/cpu@N nodes there are.
 */
static unsigned fdt_scan(const uint8_t *fdt)
{
    const uint8_t *p, *strings;
    int depth = 0;
    bool in_chosen = false, in_cpus = false;
    unsigned cpus = 0;

    if (!fdt || be32(fdt) != FDT_MAGIC) {
        return 0;
    }
    p = fdt + be32(fdt + 8);
    strings = fdt + be32(fdt + 12);
    for (;;) {
        uint32_t token = be32(p);
        uint32_t len;

        p += 4;
        switch (token) {
        case FDT_BEGIN_NODE:
            depth++;
            if (depth == 2) {
                in_chosen = name_is((const char *)p, "chosen");
                in_cpus = name_is((const char *)p, "cpus");
            } else if (depth == 3 && in_cpus &&
                       name_is((const char *)p, "cpu")) {
                cpus++;
            }
            p += (strlen((const char *)p) + 4) & ~3;
            break;
        case FDT_END_NODE:
            depth--;
            if (depth < 2) {
                in_chosen = in_cpus = false;
            }
            break;
        case FDT_PROP:
            len = be32(p);
            if (in_chosen && depth == 2 &&
                name_is((const char *)strings + be32(p + 4), "bootargs")) {
                memcpy(cmdline, p + 8,
                       len < sizeof(cmdline) ? len : sizeof(cmdline) - 1);
            }
            p += 8 + ((len + 3) & ~3);
            break;
        case FDT_NOP:
            break;
        default:
            /* FDT_END, or something we do not understand */
            return cpus;
        }
    }
}

bool on_reference_qemu(void)
{
    size_t n = strlen(QEMU_REF_TOKEN);

    for (const char *p = cmdline; *p; p++) {
        if ((p == cmdline || p[-1] == ' ') && !memcmp(p, QEMU_REF_TOKEN, n) &&
            (p[n] == '\0' || p[n] == ' ')) {
            return true;
        }
    }
    return false;
}

bool wait_mip(uint64_t mask, uint64_t want)
{
    uint64_t deadline = mmio_read64(CLINT_MTIME) + CLINT_TIMEBASE_HZ;

    while ((csr_read(mip) & mask) != want) {
        if (mmio_read64(CLINT_MTIME) > deadline) {
            return false;
        }
    }
    return true;
}

void *page_alloc_aligned(size_t npages, size_t align)
{
    uintptr_t p = (next_free_page + align - 1) & ~(uintptr_t)(align - 1);

    next_free_page = p + npages * PAGE_SIZE;
    memset((void *)p, 0, npages * PAGE_SIZE);
    return (void *)p;
}

void *page_alloc(size_t npages)
{
    return page_alloc_aligned(npages, PAGE_SIZE);
}

void runtime_init(uint64_t hartid, const void *fdt)
{
    next_free_page = ((uintptr_t)_end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    smp_init(fdt_scan(fdt));
    /* The other harts may run from here on */
    smp_release();
}
