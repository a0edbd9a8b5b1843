/*
 * runtime.h: the shared runtime of the bare-metal guest tests: console
 * output, exit through the sifive_test finisher, result checks, trap
 * handling and running code in S- or U-mode.
 *
 * A test is a main() that prints what it checks with test_section() and
 * checks results with CHECK/CHECK_EQ; the first failed check prints
 * "FAIL <file>:<line> <what>" with the values and exits with status 1.
 * Returning 0 from main prints "PASS" and the number of checks and exits
 * with status 0.  Unexpected traps print the trap and exit with status 2.
 */
#ifndef TCG_RUNTIME_H
#define TCG_RUNTIME_H

#include <stdarg.h>
#include "layout.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NORETURN __attribute__((noreturn))
#define PRINTF_FMT(a, b) __attribute__((format(printf, a, b)))

/* libc subset (GCC may emit calls to the mem* functions by itself) */
void *memset(void *s, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

/* This hart's id, in any privilege level: crt0 keeps it in tp */
static inline unsigned smp_hart_id(void)
{
    unsigned long id;

    asm("mv %0, tp" : "=r"(id));
    return id;
}

/*
 * Console on UART0; %d %i %u %x %p %s %c with an optional 0 flag, width
 * and l/ll/z length.  printf() and vprintf() hold the console lock, so a
 * line from one hart is not cut by another's; console_lock() holds it
 * across several calls (it is recursive; the lock spins).
 */
void uart_putc(char c);
int printf(const char *fmt, ...) PRINTF_FMT(1, 2);
int vprintf(const char *fmt, va_list ap);
void console_lock(void);
void console_unlock(void);

/* Stops the machine: status 0 is a pass, anything else a failure */
NORETURN void exit(int status);
/*
 * What crt0 does with main's return value: a 0 prints "PASS (N checks)" and
 * exits 0, unless no check ran at all, which is a failure.
 */
NORETURN void test_finish(int status);

/* Checks */
extern unsigned long checks_passed;
void test_section(const char *fmt, ...) PRINTF_FMT(1, 2);
void test_note(const char *fmt, ...) PRINTF_FMT(1, 2);
void check_eq_at(const char *file, int line, uint64_t got, uint64_t expected,
                 const char *fmt, ...) PRINTF_FMT(5, 6);
void check_at(const char *file, int line, bool ok, const char *fmt, ...)
    PRINTF_FMT(4, 5);
NORETURN void fail_at(const char *file, int line, const char *fmt, ...)
    PRINTF_FMT(3, 4);
/*
 * Takes the console for good and prints the start of a failure line,
 * "FAIL file:line " (and "hart N: " when there are several harts); the
 * caller prints the rest and exits.
 */
void fail_begin(const char *file, int line);

#define CHECK_EQ(got, expected, ...) \
    check_eq_at(__FILE__, __LINE__, (uint64_t)(got), (uint64_t)(expected), \
                __VA_ARGS__)
#define CHECK(cond, ...) check_at(__FILE__, __LINE__, (cond), __VA_ARGS__)
#define FAIL(...) fail_at(__FILE__, __LINE__, __VA_ARGS__)

/*
 * Checks that exactly one trap was recorded since trap_expect() (see below)
 * and that it had this cause and tval.
 */
#define CHECK_TRAP(cause, tval, ...) \
    check_trap_at(__FILE__, __LINE__, (cause), (tval), __VA_ARGS__)
void check_trap_at(const char *file, int line, uint64_t cause, uint64_t tval,
                   const char *fmt, ...) PRINTF_FMT(5, 6);
#define CHECK_NO_TRAP(...) \
    check_eq_at(__FILE__, __LINE__, trap_last.count, 0, __VA_ARGS__)

/*
 * The reference emulator.  Where upstream QEMU 7.2 deliberately differs
 * from what Grace must do, a test checks Grace's behaviour unless the
 * kernel command line (-append) holds this token; then it skips that one
 * check and says so.  run-tcg-test.py --qemu-compat passes it.
 */
#define QEMU_REF_TOKEN "tcg-ref=qemu-7.2"
bool on_reference_qemu(void);

/* Traps */
struct trap_frame {
    uint64_t regs[32];          /* regs[2] is the interrupted sp */
    uint64_t epc;               /* written back to mepc/sepc on return */
    uint64_t status;            /* written back to mstatus/sstatus */
    uint64_t cause;
    uint64_t tval;
};

_Static_assert(sizeof(struct trap_frame) == FRAME_SIZE, "frame layout");

/*
 * A test's own handler, tried first for every trap (level is PRV_M or
 * PRV_S: which handler runs).  It returns true if it handled the trap,
 * after adjusting f->epc/f->status as needed.
 */
typedef bool TrapHandlerFunc(struct trap_frame *f, int level);
void trap_set_handler(TrapHandlerFunc *fn);

/*
 * Expected traps: trap_expect() arms a recorder for the next trap that no
 * test handler claims.  It stores the trap in trap_last and resumes after
 * the trapping instruction, or, for instruction fetch faults (causes 0, 1
 * and 12), at the return address in ra, so that a probe "jalr ra, target"
 * returns to its caller.  One trap is recorded; another one before the
 * next trap_expect() is unexpected.
 */
struct trap_record {
    uint64_t cause;
    uint64_t tval;
    uint64_t epc;
    uint64_t status;            /* mstatus/sstatus as the handler saw it */
    int level;                  /* which handler ran: PRV_M or PRV_S */
    int count;                  /* traps recorded since trap_expect() */
};
extern volatile struct trap_record trap_last;
void trap_expect(void);
/*
 * Like trap_expect(), but the trap resumes at the return address in ra
 * whatever its cause: for probes that call into a code buffer.
 */
void trap_expect_return(void);

/*
 * Runs the 32-bit instruction insn from a buffer with a0 = a0 and returns
 * the a0 it leaves (so insn can use a0 as rd and rs1), recording a trap as
 * trap_expect_return() does: check trap_last.count afterwards.
 */
long exec_insn(uint32_t insn, long a0);
/* Where exec_insn() puts the instruction (and a ret after it) */
extern uint32_t exec_insn_buffer[2];

/*
 * One memory access by a given level, for the protection tests: a 64-bit
 * load or store at addr, or a call of the code at addr (a0 = value; see
 * write_return_code).  The access runs in level prv (M-mode directly,
 * S/U through run_in_mode) with trap_expect() armed; it returns the value
 * loaded or the a0 the code returned.  Check trap_last afterwards.
 */
enum { ACCESS_LOAD, ACCESS_STORE, ACCESS_EXEC };
uint64_t probe_access(int prv, int kind, uintptr_t addr, uint64_t value);
extern const char *const access_name[3];
extern const char *const level_name[4];

/*
 * The same for an M-mode load or store with mstatus.MPRV set and MPP = mpp,
 * so that it is translated and checked as level mpp's would be.  MPP is
 * restored afterwards.
 */
uint64_t probe_mprv(int mpp, int kind, uintptr_t addr, uint64_t value);

/* Writes "li a0, value; ret" (value < 2048) at p and syncs the I-cache */
void write_return_code(void *p, unsigned value);

/*
 * Runs fn(arg) in privilege level prv (PRV_S or PRV_U) on the current stack
 * and returns its result.  Call from M-mode only.  Traps taken in the lower
 * level go to m_trap_handler, or to s_trap_handler when delegated.
 */
long run_in_mode(int prv, long (*fn)(long), long arg);

/*
 * Spins until (mip & mask) == want, for at most one second of mtime (the
 * devices may update mip asynchronously); returns whether it happened.
 * M-mode only.
 */
bool wait_mip(uint64_t mask, uint64_t want);

/* Free memory after the image, page-aligned; pages come zeroed */
void *page_alloc(size_t npages);
/* The same, aligned to align bytes (a power of two) */
void *page_alloc_aligned(size_t npages, size_t align);

#endif /* TCG_RUNTIME_H */
