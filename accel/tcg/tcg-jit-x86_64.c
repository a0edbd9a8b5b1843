/*
 * The JIT backend for x86-64 hosts: each TB's ops (tcg/tcg.h) become
 * host code, with the interpreter's semantics (tcg-interp.c is the
 * reference), emitted by the small encoder below.
 *
 * Host registers:
 *   rbp         the CPUState
 *   rbx, r12-r15
 *               guest registers a0-a4, pinned from block to block
 *               (pinned_guest): loaded by the prologue, written back by
 *               the common tail and before every helper call and slow
 *               path, reloaded after helper calls.
 *   r8-r11      up to four other guest registers, the block's most used;
 *               loaded at block entry, written back before every exit,
 *               helper call and slow path, and reloaded after helper
 *               calls and slow paths (they are caller-saved).
 *               So a helper or a fault always finds the register file
 *               current.  Register 0 is the constant zero
 *               (TCG_REG_ZERO), never cached.  A 32-bit result may stay
 *               unextended until something reads it in full
 *               (JitCtx.lazy); it is extended before it leaves a block.
 *   rdi         the instructions retired and not yet added to
 *               cpu->insn_count, from block to block (PENDING_REG)
 *   rax, rcx, rdx, rsi
 *               scratch; rsi holds the guest address of a load or store
 *               with an offset (tlb_fast_path).
 *   [rsp]       the TBExitInfo of the current tcg_jit_enter.
 *
 * Per-vCPU state that generated code alone uses: CPUTLB.addend_hint, the
 * loads' guesses of their TLB entry's addend (load_addend), read and
 * written only by the code its vCPU runs, each checked before it is used.
 *
 * Entering and leaving: the prologue (at the start of the code buffer)
 * saves the callee-saved registers and jumps to the block; every exit
 * ends at the common tail, which fills in the TBExitInfo and returns.
 * Guest exceptions leave through cpu_loop_exit (siglongjmp) from the
 * slow paths and helpers, unwinding the prologue's frame with the rest;
 * they find the register file written back and restore the pc and the
 * retired count from the op they were given, as under the interpreter.
 *
 * The rules of docs/devel/multi-thread-tcg.rst ("What a JIT must keep"):
 *  - every guest load and store is one host access of its size, aligned
 *    (the TLB compare includes the alignment bits), in program order;
 *    nothing is moved across an mb op or a helper call;
 *  - an mb op with TCG_MO_ST_LD is a full barrier (lock or), the others
 *    are free under x86's TSO;
 *  - every block entry, from cpu_exec or chained, and every jump within
 *    the block (to a label: a self-loop's jump back, or a jump to
 *    another of its instructions), checks cpu->tcg_exit_req before any
 *    guest instruction runs (a relaxed load; the pairing is cpu_exec's,
 *    see cpu_handle_interrupt);
 *  - a direct jump is a jmp rel32 whose displacement is 4-byte aligned.
 *    tb_add_jump links it (after the store-release of TBJump.dest) and
 *    tb_jmp_unlink resets it, both under the TB lock, by one aligned
 *    4-byte store through the writable view: a vCPU running the jump
 *    sees the old or the new displacement, never a mix.  Unlinked, the
 *    displacement is 0 and the jump falls through to its exit stub.  A
 *    jump is linked only to a complete TB (published before the link),
 *    so the code it reaches was written before the displacement that
 *    leads to it.  x86 keeps instruction fetch coherent with stores; the
 *    manuals' protocol for cross-modifying code also wants the executing
 *    CPU to serialise, which we (like QEMU) leave out: a CPU that still
 *    fetches the old displacement takes the old target once more, the
 *    exit stub (linking merely waits) or a block just invalidated, which
 *    a vCPU that loaded the jump just before may enter anyway (TBJump in
 *    exec/exec-all.h);
 *  - indirect jumps look the target up in the vCPU's jump cache inline,
 *    checking pc, flags and CF_INVALID as CHAIN_CHECKED does, and jump to
 *    the TB's code without leaving generated code.
 *
 * The code buffer is one memfd mapped twice: a writable view that only
 * this file writes (under the TB lock), and an executable view that runs.
 * No page is ever writable and executable at once.  It is flushed only
 * with the TB cache (tb_flush, an exclusive section: no vCPU is inside
 * generated code), when gen_code reports it full.
 *
 * The emitter is our own (see docs/devel/tcg.rst for why).
 */
#include "qemu/osdep.h"
#include "qemu/bitops.h"
#include "qemu/log.h"
#include "qemu/timer.h"
#include "internal.h"
#include <sys/mman.h>
#ifdef CONFIG_CAPSTONE
#include <capstone/capstone.h>
#endif

/* Host registers */
enum {
    RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
    R8, R9, R10, R11, R12, R13, R14, R15,
};

/* Condition codes */
enum {
    CC_O = 0x0, CC_B = 0x2, CC_AE = 0x3, CC_E = 0x4, CC_NE = 0x5,
    CC_L = 0xc, CC_GE = 0xd,
};

/*
 * Pinned guest registers: RISC-V's a0-a4 (x10-x14), the most used in
 * compiled code, live in these callee-saved host registers throughout
 * generated code, from block to block: a chained exit leaves them there,
 * extended, and the next block uses them without loading them.  The
 * prologue loads them; the common tail writes them back, and so does
 * every helper call and slow path, before it (the helper may read them
 * or raise an exception); helper calls reload them after.
 */
static const int pinned_guest[] = { 10, 11, 12, 13, 14 };
static const int pinned_host[] = { RBX, R12, R13, R14, R15 };
#define NB_PINNED       ARRAY_SIZE(pinned_guest)

static uint64_t pinned_mask(void)
{
    uint64_t m = 0;

    for (unsigned i = 0; i < NB_PINNED; i++) {
        m |= 1ull << pinned_guest[i];
    }
    return m;
}

/* The other guest registers a block may keep in host registers, in order. */
static const int cache_regs[] = { R8, R9, R10, R11 };
#define NB_CACHE_REGS   ARRAY_SIZE(cache_regs)

static bool host_reg_is_volatile(int r)
{
    return r >= R8 && r <= R11;
}

/* Worst-case host bytes per op, and per block, for the space check. */
#define JIT_MAX_OP_BYTES    448
#define JIT_MAX_TB_BYTES    256

/*
 * Blocks start on a cache line (plus tcg_jit_block_pad), so that a
 * block's code sits the same way in the lines and the host's fetch
 * windows whatever was translated before it: tcg-bench's cpu-bench
 * varied by 5% with the offset of its hot loop within a line.
 */
#define JIT_BLOCK_ALIGN     TCG_JIT_BLOCK_ALIGN

#define JIT_PROLOGUE_SIZE   384
/* The code buffer is faulted in ahead of use, this much at a time. */
#define JIT_POPULATE_CHUNK  (1 * MiB)
#define JIT_BUFFER_SIZE     (256 * MiB)

/* Offsets in the prologue area. */
#define JIT_TAIL_OFFSET     128
#define JIT_SPILL_OFFSET    256     /* store the pinned registers; ret */
#define JIT_FILL_OFFSET     320     /* load them; ret */

typedef TBExitReason JitEnterFn(CPUState *cpu, const void *code,
                                TBExitInfo *info);

static struct {
    int fd;
    uint8_t *rw;                /* writable view */
    uint8_t *rx;                /* executable view */
    size_t size;                /* of the mapping */
    size_t limit;               /* what we use of it (tb-size) */
    size_t used;                /* TB lock (or exclusive) */
    size_t populated;           /* [0, populated) is faulted in: TB lock */
    unsigned next_hint;         /* the next load's addend_hint: TB lock */
    JitEnterFn *enter;          /* the prologue, in rx */
    const uint8_t *tail;        /* the common exit tail, in rx */
    const uint8_t *spill;       /* JIT_SPILL_OFFSET, in rx */
    const uint8_t *fill;        /* JIT_FILL_OFFSET, in rx */
    /* Offset of the register file from the CPUState; one for all vCPUs. */
    intptr_t regs_off;
    bool regs_off_set;
    uint64_t pinned;            /* pinned_mask() */
    /*
     * Some code chains (a linked jump, an inline lookup, a label): set
     * under the TB lock, cleared by jit_reset (exclusive), read by
     * jit_exec.
     */
    bool chaining;
    /* Statistics: TB lock, read racily. */
    uint64_t blocks;
    uint64_t guest_insns;
    uint64_t code_bytes;
    uint64_t gen_ns;
} jit;

/* The emitter */

typedef struct SlowPath {
    int kind;                   /* INDEX_op_ld* / st*, or -1: exit stub */
    const TCGOp *op;
    uint8_t *jcc;               /* rel32 to patch to here */
    uint8_t *back;              /* where to return */
    int addr;                   /* host register holding the address */
    uint64_t dirty;             /* dirty guest registers at the op */
    uint64_t lazy;              /* ... and unextended ones */
    /* A load's wrong addend hint (load_addend); hint_jcc NULL: none. */
    uint8_t *hint_jcc;          /* rel32 to patch to the hint's update */
    uint8_t *access;            /* where the update returns */
    int32_t addend_off;         /* the TLB entry's addend, from rbp + rax */
    int32_t hint_off;           /* the hint, from rbp */
} SlowPath;

typedef struct JitCtx {
    uint8_t *start;             /* rw view of the block's code */
    uint8_t *p;                 /* emission point */
    ptrdiff_t rx_delta;         /* rx address - rw address */
    TranslationBlock *tb;
    int8_t host_of[TCG_MAX_REGS];   /* guest register -> host, or -1 */
    uint64_t cached;            /* guest registers in host registers */
    uint64_t dirty;             /* ... modified since loaded */
    /*
     * What is known of guest registers' values at this point of the
     * block (see op_known): sign-extended from 32 bits, or in
     * [0, 2^31) (which is both sign- and zero-extended).
     */
    uint64_t known_sext;
    uint64_t known_u31;
    /*
     * Unextended registers: cached guest registers whose host register
     * holds the value's low 32 bits and anything above, the value being
     * the sign extension of those bits (the result of a 32-bit op).  An
     * op that reads one in full extends it in place first
     * (extend_operands), and so does its write-back.
     */
    uint64_t lazy;
    /*
     * Labels: the ops that jumps within the block land on (find_jumps).
     * A direct jump to one of the block's own instructions goes there
     * without leaving: back to its first, op 1, the loop head, through a
     * patchable jump (a self-loop: goto_slot); to any other directly
     * (goto_label).  jump_to[i]: the label op i's jump lands on, or 0.
     * For each label k:
     *  - label_dirty[k]: what may be dirty there (find_dirty);
     *  - low_only[k]: the registers that nothing reads in full from k
     *    before writing them (find_low_only): jumps may bring them
     *    unextended, so that a 32-bit recurrence carries no extension;
     *  - label_at[k]: its code, once made.
     * in_loop[i]: op i is on a path from a jump back to itself.
     */
    bool is_label[TCG_MAX_OPS];
    uint16_t jump_to[TCG_MAX_OPS];
    bool in_loop[TCG_MAX_OPS];
    bool has_loop;              /* a self-loop: a jump back to op 1 */
    bool any_loop;              /* a jump back to any label */
    uint64_t label_dirty[TCG_MAX_OPS];
    uint64_t low_only[TCG_MAX_OPS];
    uint8_t *label_at[TCG_MAX_OPS];
    uint8_t *entry_exit;        /* rel32 to patch to the entry's exit */
    /*
     * Jumps to patch once the block is made: to label's code, or (exit)
     * to an exit for label's pc that writes back dirty, extending lazy.
     */
    struct {
        uint8_t *rel;
        uint16_t label;
        bool exit;
        uint64_t dirty, lazy;
    } fixup[2 * TCG_MAX_OPS];
    int nb_fixups;
    SlowPath slow[TCG_MAX_OPS];
    int nb_slow;
    unsigned nb_hints;          /* addend hints this block's loads use */
    bool done[TCG_MAX_OPS];     /* generated with an earlier op */
} JitCtx;

static inline void emit8(JitCtx *s, uint8_t b)
{
    *s->p++ = b;
}

static inline void emit32(JitCtx *s, uint32_t v)
{
    memcpy(s->p, &v, 4);
    s->p += 4;
}

static inline void emit64(JitCtx *s, uint64_t v)
{
    memcpy(s->p, &v, 8);
    s->p += 8;
}

static inline bool fits_i8(int64_t v)
{
    return v == (int8_t)v;
}

static inline bool fits_i32(int64_t v)
{
    return v == (int32_t)v;
}

/* The rx address of rw pointer p. */
static inline uintptr_t rx_addr(JitCtx *s, const uint8_t *p)
{
    return (uintptr_t)p + s->rx_delta;
}

#define REX_W   8

/* A REX prefix if any bit is needed (or force: byte access to sil/dil). */
static void emit_rex(JitCtx *s, int w, int reg, int index, int rm, bool force)
{
    uint8_t rex = 0x40 | (w ? REX_W : 0) | ((reg >> 3) << 2) |
                  ((index >> 3) << 1) | (rm >> 3);

    if (rex != 0x40 || force) {
        emit8(s, rex);
    }
}

/* opc: one byte, or 0x0fXX for two. */
static void emit_opc(JitCtx *s, int opc)
{
    if (opc > 0xff) {
        emit8(s, opc >> 8);
    }
    emit8(s, opc);
}

/* opc reg, rm (register direct). */
static void op_rr(JitCtx *s, int opc, int w, int reg, int rm)
{
    emit_rex(s, w, reg, 0, rm, false);
    emit_opc(s, opc);
    emit8(s, 0xc0 | ((reg & 7) << 3) | (rm & 7));
}

#define NO_INDEX    (-1)

/*
 * The ModRM byte, SIB byte and displacement of [base + index + disp]
 * (index scaled by 1, or NO_INDEX) with reg in the reg field.
 */
static void emit_mem(JitCtx *s, int reg, int base, int index, int32_t disp)
{
    int mod;

    if (disp == 0 && (base & 7) != RBP) {
        mod = 0;
    } else if (fits_i8(disp)) {
        mod = 1;
    } else {
        mod = 2;
    }
    if (index != NO_INDEX || (base & 7) == RSP) {
        /* A SIB byte; index 100 without REX.X means none. */
        assert(index != RSP);
        emit8(s, (mod << 6) | ((reg & 7) << 3) | 4);
        emit8(s, ((index == NO_INDEX ? RSP : index & 7) << 3) | (base & 7));
    } else {
        emit8(s, (mod << 6) | ((reg & 7) << 3) | (base & 7));
    }
    if (mod == 1) {
        emit8(s, disp);
    } else if (mod == 2) {
        emit32(s, disp);
    }
}

/* opc reg, [base + disp]. */
static void op_rm(JitCtx *s, int opc, int w, int reg, int base, int32_t disp,
                  bool force_rex)
{
    emit_rex(s, w, reg, 0, base, force_rex);
    emit_opc(s, opc);
    emit_mem(s, reg, base, NO_INDEX, disp);
}

/* opc reg, [base + index + disp]. */
static void op_rm_idx(JitCtx *s, int opc, int w, int reg, int base,
                      int index, int32_t disp)
{
    emit_rex(s, w, reg, index, base, false);
    emit_opc(s, opc);
    emit_mem(s, reg, base, index, disp);
}

static void mov_rr(JitCtx *s, int dst, int src)
{
    if (dst != src) {
        op_rr(s, 0x8b, 1, dst, src);
    }
}

static void mov_ri(JitCtx *s, int dst, uint64_t v)
{
    if (v == 0) {
        op_rr(s, 0x33, 0, dst, dst);                    /* xor r32, r32 */
    } else if (v == (uint32_t)v) {
        emit_rex(s, 0, 0, 0, dst, false);
        emit8(s, 0xb8 + (dst & 7));                     /* mov r32, imm */
        emit32(s, v);
    } else if (fits_i32(v)) {
        emit_rex(s, 1, 0, 0, dst, false);
        emit8(s, 0xc7);                                 /* mov r64, simm */
        emit8(s, 0xc0 | (dst & 7));
        emit32(s, v);
    } else {
        emit_rex(s, 1, 0, 0, dst, false);
        emit8(s, 0xb8 + (dst & 7));                     /* movabs */
        emit64(s, v);
    }
}

/* ALU group 1: /ext of 0x81/0x83. */
enum { ALU_ADD = 0, ALU_OR = 1, ALU_AND = 4, ALU_SUB = 5, ALU_XOR = 6,
       ALU_CMP = 7 };

/* op r, imm32 (sign-extended), w: 64-bit. */
static void alu_ri(JitCtx *s, int ext, int w, int r, int32_t imm)
{
    emit_rex(s, w, 0, 0, r, false);
    if (fits_i8(imm)) {
        emit8(s, 0x83);
        emit8(s, 0xc0 | (ext << 3) | (r & 7));
        emit8(s, imm);
    } else {
        emit8(s, 0x81);
        emit8(s, 0xc0 | (ext << 3) | (r & 7));
        emit32(s, imm);
    }
}

/* Shift group 2: /ext of 0xc1/0xd3. */
enum { SH_SHL = 4, SH_SHR = 5, SH_SAR = 7 };

static void shift_ri(JitCtx *s, int ext, int w, int r, int n)
{
    emit_rex(s, w, 0, 0, r, false);
    emit8(s, 0xc1);
    emit8(s, 0xc0 | (ext << 3) | (r & 7));
    emit8(s, n);
}

static void shift_rcl(JitCtx *s, int ext, int w, int r)
{
    emit_rex(s, w, 0, 0, r, false);
    emit8(s, 0xd3);
    emit8(s, 0xc0 | (ext << 3) | (r & 7));
}

/* Group 3 (0xf7): /ext on a register. */
enum { G3_TEST = 0, G3_NEG = 3, G3_MUL = 4, G3_IMUL = 5, G3_DIV = 6,
       G3_IDIV = 7 };

static void group3_r(JitCtx *s, int ext, int w, int r)
{
    op_rr(s, 0xf7, w, ext, r);
}

static void movsxd(JitCtx *s, int dst, int src)
{
    op_rr(s, 0x63, 1, dst, src);
}

/*
 * May generated code go from block to block by itself?  Not with -d exec
 * or -d cpu, which want to see every block.  Nor under ThreadSanitizer:
 * it cannot see the ordering that a vCPU following a patched jump or an
 * inline jump-cache hit relies on (the TB was published before the jump
 * that leads to it), and would report the TB's contents as racy when a
 * helper reads its op.  There every block leaves to cpu_exec, whose
 * lookups TSan does see.
 */
static bool jit_may_chain(void)
{
#ifdef CONFIG_TSAN
    return false;
#else
    return !qemu_loglevel_mask(CPU_LOG_EXEC | CPU_LOG_TB_CPU);
#endif
}

/* Jumps: return the address of the rel32 to patch. */
static uint8_t *jcc32(JitCtx *s, int cc)
{
    emit8(s, 0x0f);
    emit8(s, 0x80 + cc);
    emit32(s, 0);
    return s->p - 4;
}

static uint8_t *jmp32(JitCtx *s)
{
    emit8(s, 0xe9);
    emit32(s, 0);
    return s->p - 4;
}

/* Point rel32 at rel to target (both rw pointers of this buffer). */
static void patch_rel32(uint8_t *rel, const uint8_t *target)
{
    int32_t d = target - (rel + 4);

    memcpy(rel, &d, 4);
}

/* jmp/call to an absolute rx address, through rax. */
static void jmp_abs_rel(JitCtx *s, const void *target)
{
    intptr_t d = (intptr_t)target - (intptr_t)rx_addr(s, s->p + 5);

    assert(fits_i32(d));
    emit8(s, 0xe9);
    emit32(s, d);
}

static void call_abs(JitCtx *s, const void *fn)
{
    intptr_t d = (intptr_t)fn - (intptr_t)rx_addr(s, s->p + 5);

    if (fits_i32(d)) {
        emit8(s, 0xe8);
        emit32(s, d);
    } else {
        mov_ri(s, RAX, (uintptr_t)fn);
        op_rr(s, 0xff, 0, 2, RAX);                      /* call *rax */
    }
}

/* Guest registers */

/* Is g in set, a set of guest registers known to be something? */
static bool is_known(uint64_t set, int g)
{
    return g == TCG_REG_ZERO || (set >> g) & 1;
}

static inline bool is_cached(JitCtx *s, int g)
{
    return s->host_of[g] >= 0;
}

static inline int32_t reg_disp(int g)
{
    return jit.regs_off + g * 8;
}

/* opc hostreg, G(g) */
static void op_r_g(JitCtx *s, int opc, int w, int r, int g)
{
    if (g == TCG_REG_ZERO && opc == 0x8b) {
        op_rr(s, 0x33, 0, r, r);                        /* xor r32, r32 */
    } else if (is_cached(s, g)) {
        op_rr(s, opc, w, r, s->host_of[g]);
    } else {
        op_rm(s, opc, w, r, RBP, reg_disp(g), false);
    }
}

/* host r = G(g) */
static void load_g(JitCtx *s, int r, int g)
{
    if (g == TCG_REG_ZERO) {
        op_rr(s, 0x33, 0, r, r);                        /* xor r32, r32 */
    } else if (is_cached(s, g)) {
        mov_rr(s, r, s->host_of[g]);
    } else {
        op_rm(s, 0x8b, 1, r, RBP, reg_disp(g), false);
    }
}

/* The host register that holds g, loading it into scratch if needed. */
static int use_g(JitCtx *s, int g, int scratch)
{
    if (is_cached(s, g)) {
        return s->host_of[g];
    }
    load_g(s, scratch, g);
    return scratch;
}

/* G(g) = host r */
static void store_g(JitCtx *s, int g, int r)
{
    if (is_cached(s, g)) {
        mov_rr(s, s->host_of[g], r);
        s->dirty |= 1ull << g;
        s->lazy &= ~(1ull << g);
    } else {
        op_rm(s, 0x89, 1, r, RBP, reg_disp(g), false);
    }
}

/*
 * G(g) = the sign extension of host r's low 32 bits: left unextended
 * (lazy) when g lives in a host register, extended on its way to memory.
 */
static void store_g_w(JitCtx *s, int g, int r)
{
    if (is_cached(s, g)) {
        mov_rr(s, s->host_of[g], r);
        s->dirty |= 1ull << g;
        s->lazy |= 1ull << g;
    } else {
        movsxd(s, r, r);
        op_rm(s, 0x89, 1, r, RBP, reg_disp(g), false);
    }
}

/* Where to compute a result for g: its host register, or rax. */
static int dst_g(JitCtx *s, int g)
{
    return is_cached(s, g) ? s->host_of[g] : RAX;
}

/* Extend the unextended registers of set in place. */
static void extend_lazy(JitCtx *s, uint64_t set)
{
    for (; set; set &= set - 1) {
        int r = s->host_of[ctz64(set)];

        movsxd(s, r, r);
    }
}

/* Extend the unextended registers of set for good (a full read). */
static void extend_for_read(JitCtx *s, uint64_t set)
{
    extend_lazy(s, s->lazy & set);
    s->lazy &= ~set;
}

/*
 * Write back the registers of dirty; those in lazy are extended first.
 * Extending in place keeps the register's value, so this may run on a
 * path that leaves the block as well as on the main path.
 */
static void writeback(JitCtx *s, uint64_t dirty, uint64_t lazy)
{
    extend_lazy(s, dirty & lazy);
    for (; dirty; dirty &= dirty - 1) {
        int g = ctz64(dirty);

        op_rm(s, 0x89, 1, s->host_of[g], RBP, reg_disp(g), false);
    }
}

/*
 * Before leaving the block: the pinned registers stay in their host
 * registers, extended; the others are written back.
 */
static void leave_writeback(JitCtx *s, uint64_t dirty, uint64_t lazy)
{
    extend_lazy(s, lazy & jit.pinned);
    writeback(s, dirty & ~jit.pinned, lazy);
}

static void call_abs(JitCtx *s, const void *fn);

/*
 * Before a call: the register file is current, pinned registers too
 * (stored by the shared spill code, which keeps each call site small).
 */
static void call_writeback(JitCtx *s, uint64_t dirty, uint64_t lazy)
{
    leave_writeback(s, dirty, lazy);
    call_abs(s, jit.spill);
}

/*
 * Reload cached registers: after a helper call all of them, pinned ones
 * by the shared fill code; after a slow path only the caller-saved ones.
 */
static void load_cached(JitCtx *s, uint64_t set)
{
    for (; set; set &= set - 1) {
        int g = ctz64(set);

        op_rm(s, 0x8b, 1, s->host_of[g], RBP, reg_disp(g), false);
    }
}

static void reload(JitCtx *s, bool all)
{
    uint64_t set = s->cached & ~jit.pinned;

    for (uint64_t m = set; m && !all; m &= m - 1) {
        if (!host_reg_is_volatile(s->host_of[ctz64(m)])) {
            set &= ~(m & -m);
        }
    }
    load_cached(s, set);
    if (all) {
        call_abs(s, jit.fill);
    }
}

/* Exits */

/*
 * The retired count.  Generated code keeps the instructions retired
 * since it was entered, or since its last call out, in PENDING_REG: each
 * exit adds its block's count there (no read-modify-write of memory
 * from block to block), and the common tail and every helper call and
 * slow path add it to cpu->insn_count first.  So cpu->insn_count is
 * current at every call (cpu_restore_state adds op->idx to it) and when
 * cpu_exec gets control back; another thread reading it meanwhile (the
 * monitor) may see it behind.
 */
#define PENDING_REG     RDI

static void add_insn_count(JitCtx *s, int n)
{
    alu_ri(s, ALU_ADD, 1, PENDING_REG, n);
}

/* Before a call: cpu->insn_count current; the call may clobber rdi. */
static void flush_pending(JitCtx *s)
{
    op_rm(s, 0x01, 1, PENDING_REG, RBP, offsetof(CPUState, insn_count),
          false);
}

/* After the call. */
static void zero_pending(JitCtx *s)
{
    op_rr(s, 0x33, 0, PENDING_REG, PENDING_REG);
}

/*
 * Leave to cpu_exec: rax = last_tb, rdx = pc, ecx = slot, esi = reason.
 * pc_in_rsi: the next pc is in rsi already (else pc).
 */
static void exit_to_tail(JitCtx *s, TranslationBlock *last_tb, bool pc_in_rsi,
                         vaddr pc, int slot, TBExitReason reason)
{
    if (pc_in_rsi) {
        mov_rr(s, RDX, RSI);
    } else {
        mov_ri(s, RDX, pc);
    }
    mov_ri(s, RAX, (uintptr_t)last_tb);
    mov_ri(s, RCX, slot);
    mov_ri(s, RSI, reason);
    jmp_abs_rel(s, jit.tail);
}

/* Leave with pc = the instruction after op's (a store hit this block). */
static void exit_next_insn(JitCtx *s, const TCGOp *op)
{
    add_insn_count(s, op->idx + 1);
    exit_to_tail(s, s->tb, false, op->pc + op->len, 0, TB_EXIT_PC);
}

/*
 * Each block's code is preceded by a JitHeader, so that jit_link_jump
 * can tell a jump of the block to itself and find its loop head.
 */
typedef struct JitHeader {
    uint32_t size;              /* bytes of code from tc_ptr */
    uint32_t loop_head;         /* offset of the loop head from tc_ptr */
} JitHeader;

/* host_jmp tag: the jump leads back to its own block, registers live. */
#define JMP_SELF    1

static bool is_self_jump(JitCtx *s, const TCGOp *op)
{
    return op->imm == s->tb->pc;
}

/* Compare cpu->tcg_exit_req with 0 (a relaxed load: see the top). */
static void cmp_exit_req(JitCtx *s)
{
    op_rm(s, 0x83, 0, ALU_CMP, RBP, offsetof(CPUState, tcg_exit_req), false);
    emit8(s, 0);
}

/*
 * Jumps to labels (find_jumps).  At label k, what may be unextended is
 * what the fall-through has there of low_only[k] (it extends the rest),
 * or what a jump brings of it (it extends the rest too), and nothing
 * reads those before writing them; nothing is known; what may be dirty
 * is label_dirty[k].  The retired count in rdi means at the label what
 * it means there on the fall-through: a jump adds its own instruction
 * and those before it, less those before the label (so a jump forward
 * subtracts).  Each jump checks cpu->tcg_exit_req, as a chained entry of
 * a block at the label's pc would, and if it is set leaves through an
 * exit of its own, which knows what is dirty and what unextended there.
 * Jumps are patched once the block is made.
 */
static void add_fixup(JitCtx *s, uint8_t *rel, int k, bool exit,
                      uint64_t lazy)
{
    assert(s->nb_fixups < (int)ARRAY_SIZE(s->fixup));
    s->fixup[s->nb_fixups++] = (typeof(s->fixup[0])){
        rel, k, exit, s->dirty, lazy
    };
}

/*
 * Label k's instruction: its index in the block and its pc.  Label 1, the
 * loop head, is the block's first instruction, even when op 1 belongs to
 * a later one (the first made no op: a nop).
 */
static int label_idx(JitCtx *s, int k)
{
    return k == 1 ? 0 : s->tb->ops[k].idx;
}

static vaddr label_pc(JitCtx *s, int k)
{
    return k == 1 ? s->tb->pc : s->tb->ops[k].pc;
}

/* Everything a jump to label k does but the jump itself. */
static void jump_checks(JitCtx *s, const TCGOp *op, int k)
{
    int n = op->idx + 1 - label_idx(s, k);

    extend_lazy(s, s->lazy & ~s->low_only[k]);
    if (n) {
        add_insn_count(s, n);
    }
    cmp_exit_req(s);
    add_fixup(s, jcc32(s, CC_NE), k, true, s->lazy & s->low_only[k]);
}

static void goto_label(JitCtx *s, const TCGOp *op, int k)
{
    jump_checks(s, op, k);
    add_fixup(s, jmp32(s), k, false, 0);
}

static void enter_label(JitCtx *s, int k)
{
    extend_lazy(s, s->lazy & ~s->low_only[k]);
    s->lazy &= s->low_only[k];
    s->known_sext = s->known_u31 = 0;
    s->dirty |= s->label_dirty[k];
    s->label_at[k] = s->p;
}

/* After the block's code: the jumps' exits, and the jumps patched. */
static void gen_jump_exits(JitCtx *s)
{
    for (int i = 0; i < s->nb_fixups; i++) {
        int k = s->fixup[i].label;

        if (!s->fixup[i].exit) {
            patch_rel32(s->fixup[i].rel, s->label_at[k]);
            continue;
        }
        patch_rel32(s->fixup[i].rel, s->p);
        leave_writeback(s, s->fixup[i].dirty, s->fixup[i].lazy);
        if (label_idx(s, k)) {
            add_insn_count(s, label_idx(s, k));
        }
        exit_to_tail(s, NULL, false, label_pc(s, k), 0, TB_EXIT_PC);
    }
}

/*
 * Leave through jump slot n: a patchable jmp whose rel32 is 4-byte
 * aligned, followed by its exit stub (where the jump leads unlinked).
 * Or go to a label of the block (goto_label).
 *
 * A jump back to the block's own pc, to label 1, keeps the guest
 * registers in host registers: it is linked only to its own block
 * (jit_link_jump), to the loop head after the entry's register loads
 * and exit request check, and writes them back only in its exit stub.
 */
static void lookup_and_jump(JitCtx *s);

static void goto_slot(JitCtx *s, const TCGOp *op)
{
    TBJump *j = tb_jump(s->tb, op->arg);
    int k = s->jump_to[op - s->tb->ops];
    bool self = k == 1;

    /*
     * A jump that tb_add_jump will never link (into another page, or out
     * of a CF_NO_CHAIN block) would leave to cpu_exec every time, only
     * for it to look the target up in the jump cache: do that here.
     */
    if (k > 1) {
        goto_label(s, op, k);
        return;
    }
    if ((op->imm & TARGET_PAGE_MASK) != tb_page_start(s->tb) ||
        (s->tb->cflags & CF_NO_CHAIN)) {
        leave_writeback(s, s->dirty, s->lazy);
        add_insn_count(s, op->idx + 1);
        mov_ri(s, RSI, op->imm);
        lookup_and_jump(s);
        return;
    }

    assert(op->arg < s->tb->nb_jmp && !j->host_jmp);
    if (self) {
        jump_checks(s, op, 1);
    } else {
        leave_writeback(s, s->dirty, s->lazy);
        add_insn_count(s, op->idx + 1);
    }
    /* One nop instruction of 0 to 3 bytes, so that the rel32 is aligned. */
    switch ((4 - ((rx_addr(s, s->p) + 1) & 3)) & 3) {
    case 1:
        emit8(s, 0x90);
        break;
    case 2:
        emit8(s, 0x66);
        emit8(s, 0x90);
        break;
    case 3:
        emit8(s, 0x0f);
        emit8(s, 0x1f);
        emit8(s, 0x00);
        break;
    }
    jmp32(s);
    /* The rel32, 4-byte aligned, tagged. */
    j->host_jmp = (void *)(rx_addr(s, s->p - 4) | (self ? JMP_SELF : 0));
    if (self) {
        leave_writeback(s, s->dirty, s->lazy);
    }
    exit_to_tail(s, s->tb, false, op->imm, op->arg, TB_EXIT_CHAIN);
}

/*
 * Indirect jump to the guest pc in rsi, through the jump cache; the
 * retired count and the registers are already up to date.
 */
static void lookup_and_jump(JitCtx *s)
{
    uint8_t *miss[4];
    int n = 0;
    if (jit_may_chain()) {
        qatomic_set(&jit.chaining, true);
        QEMU_BUILD_BUG_ON(TB_JMP_CACHE_SIZE - 1 > 0x7fffffff);
        /* rax = tb_jmp_cache_hash(rsi) */
        mov_rr(s, RAX, RSI);
        shift_ri(s, SH_SHR, 1, RAX, TARGET_PAGE_BITS - TB_JMP_GROUP_BITS);
        alu_ri(s, ALU_AND, 0, RAX, TB_JMP_CACHE_SIZE - TB_JMP_GROUP_SIZE);
        mov_rr(s, RCX, RSI);
        shift_ri(s, SH_SHR, 0, RCX, 1);
        alu_ri(s, ALU_AND, 0, RCX, TB_JMP_GROUP_SIZE - 1);
        op_rr(s, 0x0b, 0, RAX, RCX);                    /* or */
        /* rax = cpu->tb_jmp_cache[rax] */
        op_rm(s, 0x8b, 1, RCX, RBP, offsetof(CPUState, tb_jmp_cache), false);
        shift_ri(s, SH_SHL, 1, RAX, 3);
        op_rr(s, 0x03, 1, RAX, RCX);
        op_rm(s, 0x8b, 1, RAX, RAX, 0, false);
        op_rr(s, 0x85, 1, RAX, RAX);                    /* test */
        miss[n++] = jcc32(s, CC_E);
        op_rm(s, 0x3b, 1, RSI, RAX, offsetof(TranslationBlock, pc), false);
        miss[n++] = jcc32(s, CC_NE);
        op_rm(s, 0x81, 0, ALU_CMP, RAX, offsetof(TranslationBlock, flags),
              false);
        emit32(s, s->tb->flags);
        miss[n++] = jcc32(s, CC_NE);
        /* Pairs with the qatomic_or of CF_INVALID in tb_phys_invalidate. */
        op_rm(s, 0xf7, 0, G3_TEST, RAX, offsetof(TranslationBlock, cflags),
              false);
        emit32(s, CF_INVALID);
        miss[n++] = jcc32(s, CC_NE);
        op_rm(s, 0xff, 0, 4, RAX, offsetof(TranslationBlock, tc_ptr), false);
    }
    for (int i = 0; i < n; i++) {
        patch_rel32(miss[i], s->p);
    }
    exit_to_tail(s, s->tb, true, 0, 0, TB_EXIT_PC);
}

/* Memory */

static int ld_mop(int opc)
{
    switch (opc) {
    case INDEX_op_ld8u:  return MO_UB;
    case INDEX_op_ld8s:  return MO_SB;
    case INDEX_op_ld16u: return MO_UW;
    case INDEX_op_ld16s: return MO_SW;
    case INDEX_op_ld32u: return MO_UL;
    case INDEX_op_ld32s: return MO_SL;
    case INDEX_op_ld64:  return MO_UQ;
    case INDEX_op_st8:   return MO_UB;
    case INDEX_op_st16:  return MO_UW;
    case INDEX_op_st32:  return MO_UL;
    default:             return MO_UQ;
    }
}

/*
 * rdx = the addend of the TLB entry at rbp + rax + sp->addend_off, which
 * has just hit.  A load takes it from its addend hint instead, and checks
 * it against the entry's: the CPU predicts that check, so the load's
 * address no longer waits for the entry.  That takes a dependent load off
 * every guest load's latency, which is what pointer chasing waits on.
 *
 * Each load site of a block has its own hint, which it gets right as long
 * as it keeps to one RAM block and one mapping of it: with paging off,
 * and in Linux's linear map, every page of a RAM block has the same
 * addend.  The hints are per vCPU (CPUTLB.addend_hint) and sites share
 * them modulo CPU_TLB_HINTS: a wrong hint costs a mispredicted branch
 * and an update, never a wrong access.  Stores keep the plain load of
 * the addend: nothing waits on a store's address.
 */
static void load_addend(JitCtx *s, SlowPath *sp, bool is_store)
{
    sp->hint_jcc = NULL;
    if (is_store) {
        op_rm_idx(s, 0x8b, 1, RDX, RBP, RAX, sp->addend_off);
        return;
    }
    sp->hint_off = offsetof(CPUState, tlb.addend_hint) +
                   (jit.next_hint + s->nb_hints++) % CPU_TLB_HINTS *
                   sizeof(uintptr_t);
    op_rm(s, 0x8b, 1, RDX, RBP, sp->hint_off, false);
    op_rm_idx(s, 0x3b, 1, RDX, RBP, RAX, sp->addend_off);
    sp->hint_jcc = jcc32(s, CC_NE);
    sp->access = s->p;
}

/* Out of line: the hint was wrong; take the entry's addend, and keep it. */
static void gen_hint_update(JitCtx *s, const SlowPath *sp)
{
    patch_rel32(sp->hint_jcc, s->p);
    op_rm_idx(s, 0x8b, 1, RDX, RBP, RAX, sp->addend_off);
    op_rm(s, 0x89, 1, RDX, RBP, sp->hint_off, false);
    jmp_abs_rel(s, (void *)rx_addr(s, sp->access));
}

/*
 * The TLB fast path.  The guest address is in a host register: the base's
 * own when there is no offset, else rsi.  On a hit, rdx = the addend, so
 * the access is [rdx + address]; on a miss, jumps to a slow path recorded
 * for op.  Returns the address register.
 */
static int tlb_fast_path(JitCtx *s, const TCGOp *op, bool is_store)
{
    unsigned size = memop_size(ld_mop(op->opc));
    int32_t table = offsetof(CPUState, tlb.table) +
                    op->arg * CPU_TLB_SIZE * sizeof(CPUTLBEntry);
    SlowPath *sp = &s->slow[s->nb_slow++];
    int addr;

    QEMU_BUILD_BUG_ON(sizeof(CPUTLBEntry) != 1 << 5);
    QEMU_BUILD_BUG_ON((CPU_TLB_SIZE - 1) << 5 > INT32_MAX);
    assert(op->arg < NB_MMU_MODES);
    if (op->imm == 0 && is_cached(s, op->rs1)) {
        addr = s->host_of[op->rs1];
    } else {
        addr = RSI;
        load_g(s, RSI, op->rs1);
        if (fits_i32(op->imm)) {
            if (op->imm) {
                alu_ri(s, ALU_ADD, 1, RSI, op->imm);
            }
        } else {
            mov_ri(s, RAX, op->imm);
            op_rr(s, 0x03, 1, RSI, RAX);
        }
    }
    /* rax = tlb_index(addr) * sizeof(CPUTLBEntry) */
    mov_rr(s, RAX, addr);
    shift_ri(s, SH_SHR, 1, RAX, TARGET_PAGE_BITS - 5);
    alu_ri(s, ALU_AND, 0, RAX, (CPU_TLB_SIZE - 1) << 5);
    /* rdx = addr & (page mask | alignment bits) */
    mov_rr(s, RDX, addr);
    alu_ri(s, ALU_AND, 1, RDX, (int32_t)(TARGET_PAGE_MASK | (size - 1)));
    op_rm_idx(s, 0x3b, 1, RDX, RBP, RAX,
              table + (is_store ? offsetof(CPUTLBEntry, addr_write)
                                : offsetof(CPUTLBEntry, addr_read)));
    sp->kind = op->opc;
    sp->op = op;
    sp->dirty = s->dirty;
    sp->lazy = s->lazy;
    sp->addr = addr;
    sp->jcc = jcc32(s, CC_NE);
    sp->addend_off = table + offsetof(CPUTLBEntry, addend);
    load_addend(s, sp, is_store);
    return addr;
}

static void gen_ld(JitCtx *s, const TCGOp *op)
{
    static const int opcs[] = {
        [INDEX_op_ld8u - INDEX_op_ld8u] = 0x0fb6,       /* movzx r32, m8 */
        [INDEX_op_ld8s - INDEX_op_ld8u] = 0x0fbe,       /* movsx r64, m8 */
        [INDEX_op_ld16u - INDEX_op_ld8u] = 0x0fb7,
        [INDEX_op_ld16s - INDEX_op_ld8u] = 0x0fbf,
        [INDEX_op_ld32u - INDEX_op_ld8u] = 0x8b,        /* mov r32, m32 */
        [INDEX_op_ld32s - INDEX_op_ld8u] = 0x63,        /* movsxd */
        [INDEX_op_ld64 - INDEX_op_ld8u] = 0x8b,
    };
    /* The zero-extending forms write 32 bits, which clears the rest. */
    bool w = op->opc == INDEX_op_ld8s || op->opc == INDEX_op_ld16s ||
             op->opc == INDEX_op_ld32s || op->opc == INDEX_op_ld64;
    int d = dst_g(s, op->rd);
    int addr = tlb_fast_path(s, op, false);

    QEMU_BUILD_BUG_ON(INDEX_op_ld64 - INDEX_op_ld8u != 6);
    op_rm_idx(s, opcs[op->opc - INDEX_op_ld8u], w, d, RDX, addr, 0);
    store_g(s, op->rd, d);
    s->slow[s->nb_slow - 1].back = s->p;
}

static void gen_st(JitCtx *s, const TCGOp *op)
{
    int addr = tlb_fast_path(s, op, true);
    int v = use_g(s, op->rs2, RCX);

    switch (op->opc) {
    case INDEX_op_st8:
        op_rm_idx(s, 0x88, 0, v, RDX, addr, 0);
        break;
    case INDEX_op_st16:
        emit8(s, 0x66);
        op_rm_idx(s, 0x89, 0, v, RDX, addr, 0);
        break;
    case INDEX_op_st32:
        op_rm_idx(s, 0x89, 0, v, RDX, addr, 0);
        break;
    default:
        op_rm_idx(s, 0x89, 1, v, RDX, addr, 0);
        break;
    }
    s->slow[s->nb_slow - 1].back = s->p;
}

/* A check after a write that may have hit this very block. */
static void check_self_invalidated(JitCtx *s, const TCGOp *op)
{
    uint8_t *ok;

    mov_ri(s, RAX, (uintptr_t)s->tb);
    op_rm(s, 0xf7, 0, G3_TEST, RAX, offsetof(TranslationBlock, cflags),
          false);
    emit32(s, CF_INVALID);
    ok = jcc32(s, CC_E);
    /* The registers were written back before the store. */
    exit_next_insn(s, op);
    patch_rel32(ok, s->p);
}

static void gen_slow_path(JitCtx *s, SlowPath *sp)
{
    const TCGOp *op = sp->op;
    bool is_store = sp->kind >= INDEX_op_st8;

    if (sp->hint_jcc) {
        gen_hint_update(s, sp);
    }
    patch_rel32(sp->jcc, s->p);
    mov_rr(s, RSI, sp->addr);
    call_writeback(s, sp->dirty, sp->lazy);
    flush_pending(s);
    if (is_store) {
        load_g(s, RDX, op->rs2);
    }
    mov_rr(s, RDI, RBP);
    /* rsi: the guest address */
    mov_ri(s, is_store ? RCX : RDX, ld_mop(sp->kind));
    mov_ri(s, is_store ? R8 : RCX, op->arg);
    mov_ri(s, is_store ? R9 : R8, (uintptr_t)op);
    call_abs(s, is_store ? (void *)tcg_st_slow : (void *)tcg_ld_slow);
    reload(s, false);
    zero_pending(s);
    if (is_store) {
        check_self_invalidated(s, op);
    } else {
        store_g(s, op->rd, RAX);
    }
    jmp_abs_rel(s, (void *)rx_addr(s, sp->back));
}

/* Arithmetic */

/* rd = -rs2, 64-bit (a subtraction from the zero register). */
static void gen_neg(JitCtx *s, const TCGOp *op)
{
    int d = dst_g(s, op->rd);

    load_g(s, d, op->rs2);
    group3_r(s, G3_NEG, 1, d);
    store_g(s, op->rd, d);
}

/* rd = rs1 op rs2 for add/sub/and/or/xor (opc: the r, r/m form). */
static void gen_alu(JitCtx *s, const TCGOp *op, int opc, bool commutative)
{
    int rd = op->rd, a = op->rs1, b = op->rs2;

    if (opc == 0x2b && a == TCG_REG_ZERO) {
        gen_neg(s, op);
        return;
    }
    if (is_cached(s, rd) && rd == a) {
        op_r_g(s, opc, 1, s->host_of[rd], b);
    } else if (is_cached(s, rd) && rd == b && commutative) {
        op_r_g(s, opc, 1, s->host_of[rd], a);
    } else if (is_cached(s, rd) && rd != b) {
        load_g(s, s->host_of[rd], a);
        op_r_g(s, opc, 1, s->host_of[rd], b);
    } else {
        load_g(s, RAX, a);
        op_r_g(s, opc, 1, RAX, b);
        store_g(s, rd, RAX);
        return;
    }
    s->dirty |= 1ull << rd;
    s->lazy &= ~(1ull << rd);
}

/* rd = rs1 op imm for addi/andi/ori/xori. */
static void gen_alui(JitCtx *s, const TCGOp *op, int ext)
{
    int d = dst_g(s, op->rd);

    load_g(s, d, op->rs1);
    if (fits_i32(op->imm)) {
        alu_ri(s, ext, 1, d, op->imm);
    } else {
        mov_ri(s, RCX, op->imm);
        op_rr(s, 0x03 + 8 * ext, 1, d, RCX);
    }
    store_g(s, op->rd, d);
}

static void gen_shifti(JitCtx *s, const TCGOp *op, int ext, bool w32)
{
    int d = dst_g(s, op->rd);
    int n = op->imm & (w32 ? 31 : 63);

    load_g(s, d, op->rs1);
    shift_ri(s, ext, !w32, d, n);
    /* A 32-bit shift zero-extends: right by 1 or more, bit 31 is clear. */
    if (w32 && !(ext == SH_SHR && n)) {
        store_g_w(s, op->rd, d);
    } else {
        store_g(s, op->rd, d);
    }
}

static void gen_shift(JitCtx *s, const TCGOp *op, int ext, bool w32)
{
    load_g(s, RCX, op->rs2);
    load_g(s, RAX, op->rs1);
    shift_rcl(s, ext, !w32, RAX);
    if (w32) {
        store_g_w(s, op->rd, RAX);
    } else {
        store_g(s, op->rd, RAX);
    }
}

static void gen_setcc(JitCtx *s, const TCGOp *op, int cc, bool imm)
{
    load_g(s, RAX, op->rs1);
    if (!imm) {
        op_r_g(s, 0x3b, 1, RAX, op->rs2);
    } else if (fits_i32(op->imm)) {
        alu_ri(s, ALU_CMP, 1, RAX, op->imm);
    } else {
        mov_ri(s, RCX, op->imm);
        op_rr(s, 0x3b, 1, RAX, RCX);
    }
    emit8(s, 0x0f);
    emit8(s, 0x90 + cc);
    emit8(s, 0xc0);                                     /* setcc al */
    op_rr(s, 0x0fb6, 0, RAX, RAX);                      /* movzx eax, al */
    store_g(s, op->rd, RAX);
}

/*
 * 32-bit add/sub/mul: 32-bit host ops on the operands' low words, the
 * result left unextended (store_g_w).
 */
static void gen_alu_w(JitCtx *s, const TCGOp *op, int opc)
{
    int rd = op->rd, a = op->rs1, b = op->rs2;
    int d = RAX;

    if (opc == 0x2b && a == TCG_REG_ZERO && is_known(s->known_u31, b)) {
        /* -x for x in [0, 2^31) is its own sign extension */
        gen_neg(s, op);
        return;
    }
    if (is_cached(s, rd) && (rd == a || rd != b)) {
        d = s->host_of[rd];
    }
    if (opc == 0x2b && a == TCG_REG_ZERO) {
        op_r_g(s, 0x8b, 0, d, b);
        group3_r(s, G3_NEG, 0, d);
    } else {
        if (!is_cached(s, a) || s->host_of[a] != d) {
            op_r_g(s, 0x8b, 0, d, a);
        }
        op_r_g(s, opc, 0, d, b);
    }
    store_g_w(s, rd, d);
}

/* High parts of the product: rdx. */
static void gen_mulh(JitCtx *s, const TCGOp *op)
{
    load_g(s, RAX, op->rs1);
    load_g(s, RCX, op->rs2);
    group3_r(s, op->opc == INDEX_op_mulsh ? G3_IMUL : G3_MUL, 1, RCX);
    if (op->opc == INDEX_op_mulsuh) {
        /* signed a: hi(a * b) = hi(ua * b) - (a < 0 ? b : 0) */
        load_g(s, RAX, op->rs1);
        shift_ri(s, SH_SAR, 1, RAX, 63);
        op_rr(s, 0x23, 1, RAX, RCX);
        op_rr(s, 0x2b, 1, RDX, RAX);
    }
    store_g(s, op->rd, RDX);
}

/*
 * Division with RISC-V's results for a zero divisor and for overflow,
 * which x86 would trap on.  rax = dividend, rcx = divisor.
 */
static void gen_div(JitCtx *s, const TCGOp *op)
{
    bool is_rem = op->opc == INDEX_op_rem || op->opc == INDEX_op_remu ||
                  op->opc == INDEX_op_remw || op->opc == INDEX_op_remuw;
    bool is_signed = op->opc == INDEX_op_div || op->opc == INDEX_op_rem ||
                     op->opc == INDEX_op_divw || op->opc == INDEX_op_remw;
    bool w32 = op->opc >= INDEX_op_divw && op->opc <= INDEX_op_remuw;
    int w = !w32;
    int res = is_rem ? RDX : RAX;
    uint8_t *zero, *minus1 = NULL, *done[2];

    /* 32-bit moves zero-extend: the ops below read only the low words. */
    op_r_g(s, 0x8b, w, RCX, op->rs2);
    op_r_g(s, 0x8b, w, RAX, op->rs1);
    op_rr(s, 0x85, w, RCX, RCX);
    zero = jcc32(s, CC_E);
    if (is_signed) {
        alu_ri(s, ALU_CMP, w, RCX, -1);
        minus1 = jcc32(s, CC_E);
        emit_rex(s, w, 0, 0, 0, false);
        emit8(s, 0x99);                                 /* cqo / cdq */
        group3_r(s, G3_IDIV, w, RCX);
    } else {
        op_rr(s, 0x33, 0, RDX, RDX);
        group3_r(s, G3_DIV, w, RCX);
    }
    done[0] = jmp32(s);
    /* x / 0 = all ones, x % 0 = x */
    patch_rel32(zero, s->p);
    if (is_rem) {
        mov_rr(s, RDX, RAX);
    } else {
        mov_ri(s, RAX, UINT64_MAX);
    }
    done[1] = NULL;
    if (is_signed) {
        done[1] = jmp32(s);
        /* x / -1 = -x (wrapping), x % -1 = 0 */
        patch_rel32(minus1, s->p);
        if (is_rem) {
            op_rr(s, 0x33, 0, RDX, RDX);
        } else {
            group3_r(s, G3_NEG, w, RAX);
        }
    }
    patch_rel32(done[0], s->p);
    if (done[1]) {
        patch_rel32(done[1], s->p);
    }
    if (w32) {
        store_g_w(s, op->rd, res);
    } else {
        store_g(s, op->rd, res);
    }
}

/*
 * Compare two sign-extended values by their low words (signed and
 * unsigned order agree), so that unextended ones need no extension.
 */
static bool brcond_is_w32(JitCtx *s, const TCGOp *op)
{
    uint64_t sext = s->known_sext | s->lazy;

    return ((s->lazy >> op->rs1) & 1 || (s->lazy >> op->rs2) & 1) &&
           is_known(sext, op->rs1) && is_known(sext, op->rs2);
}

static void gen_brcond(JitCtx *s, const TCGOp *op, int cc)
{
    uint8_t *skip;
    int a = use_g(s, op->rs1, RAX);
    int w = !brcond_is_w32(s, op);

    if (op->rs2 == TCG_REG_ZERO) {
        /* The same flags as cmp a, 0 (CF and OF clear) */
        op_rr(s, 0x85, w, a, a);
    } else {
        op_r_g(s, 0x3b, w, a, op->rs2);
    }
    skip = jcc32(s, cc ^ 1);
    goto_slot(s, op);
    patch_rel32(skip, s->p);
}

static void gen_call(JitCtx *s, const TCGOp *op)
{
    call_writeback(s, s->dirty, s->lazy);
    s->dirty = 0;
    flush_pending(s);
    mov_rr(s, RDI, RBP);
    mov_ri(s, RSI, (uintptr_t)op);
    call_abs(s, (void *)(uintptr_t)op->imm);
    reload(s, true);
    s->lazy = 0;
    zero_pending(s);
    if (op->opc == INDEX_op_call_mem) {
        check_self_invalidated(s, op);
    }
}

static void gen_op(JitCtx *s, const TCGOp *op)
{
    switch ((TCGOpcode)op->opc) {
    case INDEX_op_tb_enter:
        /* Only the entry code (gen_entry) does this. */
        break;
    case INDEX_op_goto_tb:
        goto_slot(s, op);
        break;
    case INDEX_op_jmp:
        mov_ri(s, dst_g(s, op->rd), op->pc + op->len);
        store_g(s, op->rd, dst_g(s, op->rd));
        goto_slot(s, op);
        break;
    case INDEX_op_jmp_ind:
        load_g(s, RSI, op->rs1);
        if (op->imm) {
            assert(fits_i32(op->imm));
            alu_ri(s, ALU_ADD, 1, RSI, op->imm);
        }
        alu_ri(s, ALU_AND, 1, RSI, -2);
        mov_ri(s, dst_g(s, op->rd), op->pc + op->len);
        store_g(s, op->rd, dst_g(s, op->rd));
        leave_writeback(s, s->dirty, s->lazy);
        add_insn_count(s, op->idx + 1);
        lookup_and_jump(s);
        break;
    case INDEX_op_lookup_tb:
        leave_writeback(s, s->dirty, s->lazy);
        add_insn_count(s, op->idx + 1);
        mov_ri(s, RSI, op->imm);
        lookup_and_jump(s);
        break;
    case INDEX_op_exit_tb:
        leave_writeback(s, s->dirty, s->lazy);
        add_insn_count(s, op->idx + 1);
        exit_to_tail(s, s->tb, false, op->imm, 0, TB_EXIT_PC);
        break;
    case INDEX_op_exit_env:
        leave_writeback(s, s->dirty, s->lazy);
        add_insn_count(s, op->idx + 1);
        exit_to_tail(s, s->tb, false, 0, 0, TB_EXIT_PCSET);
        break;
    case INDEX_op_call:
    case INDEX_op_call_mem:
        gen_call(s, op);
        break;
    case INDEX_op_mb:
        if (op->imm & TCG_MO_ST_LD) {
            /* lock or qword [rsp], 0: a full barrier, cheaper than mfence */
            emit8(s, 0xf0);
            op_rm(s, 0x83, 1, ALU_OR, RSP, 0, false);
            emit8(s, 0);
        }
        break;

    case INDEX_op_brcond_eq:  gen_brcond(s, op, CC_E);  break;
    case INDEX_op_brcond_ne:  gen_brcond(s, op, CC_NE); break;
    case INDEX_op_brcond_lt:  gen_brcond(s, op, CC_L);  break;
    case INDEX_op_brcond_ge:  gen_brcond(s, op, CC_GE); break;
    case INDEX_op_brcond_ltu: gen_brcond(s, op, CC_B);  break;
    case INDEX_op_brcond_geu: gen_brcond(s, op, CC_AE); break;

    case INDEX_op_movi:
        mov_ri(s, dst_g(s, op->rd), op->imm);
        store_g(s, op->rd, dst_g(s, op->rd));
        break;
    case INDEX_op_mov:
        if (is_cached(s, op->rd)) {
            load_g(s, s->host_of[op->rd], op->rs1);
            s->dirty |= 1ull << op->rd;
            s->lazy &= ~(1ull << op->rd);
        } else {
            store_g(s, op->rd, use_g(s, op->rs1, RAX));
        }
        break;

    case INDEX_op_add: gen_alu(s, op, 0x03, true);  break;
    case INDEX_op_sub: gen_alu(s, op, 0x2b, false); break;
    case INDEX_op_and: gen_alu(s, op, 0x23, true);  break;
    case INDEX_op_or:  gen_alu(s, op, 0x0b, true);  break;
    case INDEX_op_xor: gen_alu(s, op, 0x33, true);  break;
    case INDEX_op_shl: gen_shift(s, op, SH_SHL, false); break;
    case INDEX_op_shr: gen_shift(s, op, SH_SHR, false); break;
    case INDEX_op_sar: gen_shift(s, op, SH_SAR, false); break;
    case INDEX_op_setlt:  gen_setcc(s, op, CC_L, false); break;
    case INDEX_op_setltu: gen_setcc(s, op, CC_B, false); break;
    case INDEX_op_mul:
        load_g(s, RAX, op->rs1);
        op_r_g(s, 0x0faf, 1, RAX, op->rs2);
        store_g(s, op->rd, RAX);
        break;
    case INDEX_op_mulsh:
    case INDEX_op_mulsuh:
    case INDEX_op_muluh:
        gen_mulh(s, op);
        break;
    case INDEX_op_div:
    case INDEX_op_divu:
    case INDEX_op_rem:
    case INDEX_op_remu:
    case INDEX_op_divw:
    case INDEX_op_divuw:
    case INDEX_op_remw:
    case INDEX_op_remuw:
        gen_div(s, op);
        break;

    case INDEX_op_addi: gen_alui(s, op, ALU_ADD); break;
    case INDEX_op_andi: gen_alui(s, op, ALU_AND); break;
    case INDEX_op_ori:  gen_alui(s, op, ALU_OR);  break;
    case INDEX_op_xori: gen_alui(s, op, ALU_XOR); break;
    case INDEX_op_shli: gen_shifti(s, op, SH_SHL, false); break;
    case INDEX_op_shri: gen_shifti(s, op, SH_SHR, false); break;
    case INDEX_op_sari: gen_shifti(s, op, SH_SAR, false); break;
    case INDEX_op_setlti:  gen_setcc(s, op, CC_L, true); break;
    case INDEX_op_setltiu: gen_setcc(s, op, CC_B, true); break;

    case INDEX_op_addw: gen_alu_w(s, op, 0x03);   break;
    case INDEX_op_subw: gen_alu_w(s, op, 0x2b);   break;
    case INDEX_op_mulw: gen_alu_w(s, op, 0x0faf); break;
    case INDEX_op_shlw: gen_shift(s, op, SH_SHL, true); break;
    case INDEX_op_shrw: gen_shift(s, op, SH_SHR, true); break;
    case INDEX_op_sarw: gen_shift(s, op, SH_SAR, true); break;
    case INDEX_op_addiw: {
        int d = dst_g(s, op->rd);

        assert(fits_i32(op->imm));
        if (op->imm == 0 && is_known(s->known_sext, op->rs1) &&
            !((s->lazy >> op->rs1) & 1)) {
            /* sext.w of what is sign-extended already */
            load_g(s, d, op->rs1);
            store_g(s, op->rd, d);
        } else if (op->imm == 0 &&
                   !(is_cached(s, op->rs1) && is_cached(s, op->rd))) {
            /* sext.w from or to memory */
            op_r_g(s, 0x63, 1, d, op->rs1);
            store_g(s, op->rd, d);
        } else if (op->imm == 0) {
            /* sext.w: a copy, unextended */
            load_g(s, d, op->rs1);
            store_g_w(s, op->rd, d);
        } else {
            if (!is_cached(s, op->rs1) || s->host_of[op->rs1] != d) {
                op_r_g(s, 0x8b, 0, d, op->rs1);
            }
            alu_ri(s, ALU_ADD, 0, d, op->imm);
            store_g_w(s, op->rd, d);
        }
        break;
    }
    case INDEX_op_shliw: gen_shifti(s, op, SH_SHL, true); break;
    case INDEX_op_shriw: gen_shifti(s, op, SH_SHR, true); break;
    case INDEX_op_sariw: gen_shifti(s, op, SH_SAR, true); break;

    case INDEX_op_ld8u:
    case INDEX_op_ld8s:
    case INDEX_op_ld16u:
    case INDEX_op_ld16s:
    case INDEX_op_ld32u:
    case INDEX_op_ld32s:
    case INDEX_op_ld64:
        gen_ld(s, op);
        break;
    case INDEX_op_st8:
    case INDEX_op_st16:
    case INDEX_op_st32:
    case INDEX_op_st64:
        gen_st(s, op);
        break;
    case NB_OPS:
        g_assert_not_reached();
    }
}

/*
 * Can op neither leave the block nor call out (no exit, helper or slow
 * path, so nothing writes registers back during it)?
 */
static bool op_stays(const TCGOp *op)
{
    switch (tcg_op_kind(op->opc)) {
    case TCG_KIND_MOVI:
    case TCG_KIND_MOV:
    case TCG_KIND_ALU:
    case TCG_KIND_ALUI:
        return true;
    default:
        return false;
    }
}

/* Register allocation: the guest registers each op reads and writes. */
static void op_regs(const TCGOp *op, uint64_t *reads, uint64_t *writes)
{
    *reads = *writes = 0;
    switch (tcg_op_kind(op->opc)) {
    case TCG_KIND_JMP:
    case TCG_KIND_MOVI:
        *writes = 1ull << op->rd;
        break;
    case TCG_KIND_JMPI:
    case TCG_KIND_MOV:
    case TCG_KIND_ALUI:
    case TCG_KIND_LD:
        *reads = 1ull << op->rs1;
        *writes = 1ull << op->rd;
        break;
    case TCG_KIND_ALU:
        *reads = (1ull << op->rs1) | (1ull << op->rs2);
        *writes = 1ull << op->rd;
        break;
    case TCG_KIND_ST:
    case TCG_KIND_BR:
        *reads = (1ull << op->rs1) | (1ull << op->rs2);
        break;
    default:
        break;
    }
}

/*
 * The branch-free select t = (a & 1) ? b : 0, which compilers emit as
 *     andi t, a, 1;  neg[w] t, t;  and t, t, b   (or and t, b, t)
 * for -(a & 1) & b (the bitwise CRC's step, masks from a flag bit), with
 * other ops between.  It becomes a test and a cmov where andi is, two
 * dependent steps where the three ops take three.  That is right when
 * what is between is ALU ops (nothing leaves the block, so only t's final
 * value is ever seen) that neither read nor write t nor write b, and no
 * jump lands after the andi (find_jumps).  Returns
 * whether ops[i] starts one, and where its neg and its and are.
 */
#define SELECT_WINDOW   6

static bool find_select(JitCtx *s, int i, int *neg, int *and)
{
    const TranslationBlock *tb = s->tb;
    const TCGOp *op = &tb->ops[i];
    int t = op->rd, a = op->rs1, b;
    uint64_t between = 0;

    if (op->opc != INDEX_op_andi || op->imm != 1 || a == TCG_REG_ZERO) {
        return false;
    }
    *neg = -1;
    for (int k = i + 1; k < MIN(tb->nb_ops, i + SELECT_WINDOW); k++) {
        uint64_t r, w;

        op = &tb->ops[k];
        /* Nothing may jump into it. */
        if (!op_stays(op) || s->is_label[k]) {
            return false;
        }
        if (*neg < 0 && (op->opc == INDEX_op_sub ||
                         op->opc == INDEX_op_subw) &&
            op->rd == t && op->rs1 == TCG_REG_ZERO && op->rs2 == t) {
            *neg = k;
            continue;
        }
        if (*neg >= 0 && op->opc == INDEX_op_and && op->rd == t &&
            (op->rs1 == t) != (op->rs2 == t)) {
            b = op->rs1 == t ? op->rs2 : op->rs1;
            *and = k;
            return !((between >> b) & 1);
        }
        op_regs(op, &r, &w);
        if (((r | w) >> t) & 1) {
            return false;
        }
        between |= w;
    }
    return false;
}

static void gen_select(JitCtx *s, int t, int a, int b)
{
    /* b is read in full (a only in bit 0) */
    extend_for_read(s, 1ull << b);
    op_rr(s, 0x33, 0, RCX, RCX);                        /* xor ecx, ecx */
    if (is_cached(s, a)) {
        op_rr(s, 0xf7, 0, G3_TEST, s->host_of[a]);     /* test a32, 1 */
    } else {
        op_rm(s, 0xf7, 0, G3_TEST, RBP, reg_disp(a), false);
    }
    emit32(s, 1);
    op_r_g(s, 0x0f40 + CC_NE, 1, RCX, b);               /* cmovne rcx, b */
    store_g(s, t, RCX);
}

/*
 * The operands of op whose upper 32 bits its code does not read (it
 * reads their low words, or masks them off): an unextended register
 * (JitCtx.lazy) serves there as it is.  A 32-bit negation may be a
 * 64-bit neg (gen_alu_w), and so reads its operand in full.
 */
static uint64_t op_low_operands(const TCGOp *op)
{
    /* Only ops with register fields (a call's hold its instruction) */
#define A (1ull << op->rs1)
#define B (1ull << op->rs2)
    switch ((TCGOpcode)op->opc) {
    case INDEX_op_subw:
        return op->rs1 == TCG_REG_ZERO ? 0 : A | B;
    case INDEX_op_addw:
    case INDEX_op_shlw:
    case INDEX_op_shrw:
    case INDEX_op_sarw:
    case INDEX_op_mulw:
    case INDEX_op_divw:
    case INDEX_op_divuw:
    case INDEX_op_remw:
    case INDEX_op_remuw:
        return A | B;
    case INDEX_op_addiw:
    case INDEX_op_shliw:
    case INDEX_op_shriw:
    case INDEX_op_sariw:
        return A;
    case INDEX_op_andi:
        return op->imm >= 0 && op->imm <= INT32_MAX ? A : 0;
    case INDEX_op_st8:
    case INDEX_op_st16:
    case INDEX_op_st32:
        return B;
    default:
        return 0;
    }
#undef A
#undef B
}

/*
 * Before op: extend the unextended registers it reads in full.  A
 * comparison of two sign-extended values reads only their low words.
 */
static void extend_operands(JitCtx *s, const TCGOp *op)
{
    uint64_t reads, writes, full;

    op_regs(op, &reads, &writes);
    full = reads & ~op_low_operands(op);
    if (tcg_op_kind(op->opc) == TCG_KIND_BR && brcond_is_w32(s, op)) {
        full = 0;
    }
    extend_for_read(s, full);
}

/*
 * What is known of op's result, from what is known of its operands,
 * into *sext and *u31 (the sets after op).  Only what some op below
 * uses is tracked: sext.w (addiw 0) of a sign-extended value is a move,
 * negw of a value in [0, 2^31) a 64-bit neg.
 */
static void op_known(JitCtx *s, const TCGOp *op, uint64_t *sext,
                     uint64_t *u31)
{
    bool a_sext, a_u31, b_sext, b_u31, rd_sext = false, rd_u31 = false;
    uint64_t reads, writes;

    QEMU_BUILD_BUG_ON(INDEX_op_sariw - INDEX_op_addw != 13);
    QEMU_BUILD_BUG_ON(INDEX_op_setltu - INDEX_op_setlt != 1);
    QEMU_BUILD_BUG_ON(INDEX_op_setltiu - INDEX_op_setlti != 1);

    *sext = s->known_sext;
    *u31 = s->known_u31;
    if (op->opc == INDEX_op_call || op->opc == INDEX_op_call_mem) {
        /* A helper may write any register. */
        *sext = *u31 = 0;
        return;
    }
    op_regs(op, &reads, &writes);
    if (!writes) {
        return;
    }
    /* An op that writes a register has register fields (not insn). */
    a_sext = is_known(s->known_sext, op->rs1);
    a_u31 = is_known(s->known_u31, op->rs1);
    b_sext = is_known(s->known_sext, op->rs2);
    b_u31 = is_known(s->known_u31, op->rs2);
    switch ((TCGOpcode)op->opc) {
    case INDEX_op_addw ... INDEX_op_sariw:
    case INDEX_op_ld8s:
    case INDEX_op_ld16s:
    case INDEX_op_ld32s:
        rd_sext = true;
        rd_u31 = op->opc == INDEX_op_shriw && (op->imm & 31);
        break;
    case INDEX_op_ld8u:
    case INDEX_op_ld16u:
    case INDEX_op_setlt ... INDEX_op_setltu:
    case INDEX_op_setlti ... INDEX_op_setltiu:
        rd_u31 = true;
        break;
    case INDEX_op_movi:
        rd_sext = op->imm == (int32_t)op->imm;
        rd_u31 = op->imm >= 0 && op->imm <= INT32_MAX;
        break;
    case INDEX_op_mov:
        rd_sext = a_sext;
        rd_u31 = a_u31;
        break;
    case INDEX_op_andi:
        rd_u31 = a_u31 || (op->imm >= 0 && op->imm <= INT32_MAX);
        rd_sext = rd_u31 || (a_sext && op->imm == (int32_t)op->imm);
        break;
    case INDEX_op_ori:
    case INDEX_op_xori:
        rd_sext = a_sext && op->imm == (int32_t)op->imm;
        rd_u31 = a_u31 && op->imm >= 0 && op->imm <= INT32_MAX;
        break;
    case INDEX_op_and:
        rd_u31 = a_u31 || b_u31;
        rd_sext = rd_u31 || (a_sext && b_sext);
        break;
    case INDEX_op_or:
    case INDEX_op_xor:
        rd_sext = a_sext && b_sext;
        rd_u31 = a_u31 && b_u31;
        break;
    default:
        break;
    }
    *sext = (*sext & ~writes) | (rd_sext || rd_u31 ? writes : 0);
    *u31 = (*u31 & ~writes) | (rd_u31 ? writes : 0);
}

/*
 * The labels (JitCtx): op 1 for a self-loop, while its jump may be
 * linked; the ops tb_find_labels found for other jumps within the block,
 * unless -d exec or -d cpu want to see every block (jit_exec drops all
 * code when they are turned on).  That is when the interpreter follows
 * them (its chain), under ThreadSanitizer too: a label leads to no other
 * TB, so nothing needs seeing published.  Then both backends leave
 * cpu_exec at the same places, which test-jit-diff checks.  And which
 * ops are inside a loop.
 */
static void find_jumps(JitCtx *s, TranslationBlock *tb)
{
    bool labels = !qemu_loglevel_mask(CPU_LOG_EXEC | CPU_LOG_TB_CPU);
    bool self_loops = jit_may_chain() && !(tb->cflags & CF_NO_CHAIN);

    s->has_loop = s->any_loop = false;
    memset(s->jump_to, 0, sizeof(s->jump_to[0]) * tb->nb_ops);
    memset(s->is_label, 0, sizeof(s->is_label[0]) * tb->nb_ops);
    memset(s->in_loop, 0, sizeof(s->in_loop[0]) * tb->nb_ops);
    for (int i = 1; i < tb->nb_ops; i++) {
        const TCGOp *op = &tb->ops[i];
        int k;

        if (!tcg_op_is_direct_jump(op)) {
            continue;
        }
        if (is_self_jump(s, op)) {
            k = self_loops ? 1 : 0;
        } else {
            k = labels ? tb_jump(tb, op->arg)->label : 0;
        }
        if (!k) {
            continue;
        }
        s->jump_to[i] = k;
        s->is_label[k] = true;
        s->has_loop |= k == 1;
        /* Code that does not leave between blocks (jit_exec). */
        qatomic_set(&jit.chaining, true);
        if (k <= i) {
            s->any_loop = true;
            memset(&s->in_loop[k], 1, i - k + 1);
        }
    }
}

/*
 * What may be dirty at each label: what is dirty at the jumps to it,
 * which depends on what is dirty at the labels before them.  A fixed
 * point: the sets only grow (between helper calls, which write
 * everything back), so a few passes do.
 */
static void find_dirty(JitCtx *s, const TranslationBlock *tb)
{
    bool changed;

    memset(s->label_dirty, 0, sizeof(s->label_dirty[0]) * tb->nb_ops);
    do {
        uint64_t dirty = 0;

        changed = false;
        for (int i = 1; i < tb->nb_ops; i++) {
            const TCGOp *op = &tb->ops[i];
            uint64_t r, w, *to = &s->label_dirty[s->jump_to[i]];

            dirty |= s->label_dirty[i];
            if (op->opc == INDEX_op_call || op->opc == INDEX_op_call_mem) {
                dirty = 0;
                continue;
            }
            op_regs(op, &r, &w);
            dirty |= w & s->cached;
            if (s->jump_to[i] && (*to | dirty) != *to) {
                *to |= dirty;
                changed = true;
            }
        }
    } while (changed);
}

/*
 * low_only[k] for each label k: the registers that the ops from k write
 * before anything reads their upper halves, and before any op that may
 * leave the block or call out (which would write them back).
 */
static void find_low_only(JitCtx *s, const TranslationBlock *tb)
{
    for (int k = 1; k < tb->nb_ops; k++) {
        uint64_t written = 0, observed = 0;

        s->low_only[k] = 0;
        if (!s->is_label[k]) {
            continue;
        }
        for (int i = k; i < tb->nb_ops; i++) {
            const TCGOp *op = &tb->ops[i];
            uint64_t r, w;

            if (!op_stays(op)) {
                break;
            }
            op_regs(op, &r, &w);
            observed |= r & ~written & ~op_low_operands(op);
            s->low_only[k] |= w & ~written & ~observed & s->cached;
            written |= w;
        }
    }
}

/*
 * Keep the most used guest registers (at least twice, or the load and
 * write-back cost more than they save) in host registers.
 */
static void alloc_regs(JitCtx *s, const TranslationBlock *tb)
{
    uint8_t uses[TCG_MAX_REGS] = { 0 };

    QEMU_BUILD_BUG_ON(TCG_MAX_REGS > 64);
    memset(s->host_of, -1, sizeof(s->host_of));
    s->cached = jit.pinned;
    for (unsigned n = 0; n < NB_PINNED; n++) {
        s->host_of[pinned_guest[n]] = pinned_host[n];
    }
    for (int i = 1; i < tb->nb_ops; i++) {
        uint64_t r, w;

        op_regs(&tb->ops[i], &r, &w);
        assert(!(w & (1ull << TCG_REG_ZERO)));
        /* The zero register is a constant, never cached. */
        r &= ~(1ull << TCG_REG_ZERO);
        for (uint64_t m = r | w; m; m &= m - 1) {
            int g = ctz64(m);

            /* Uses inside a loop count more. */
            uses[g] = MIN(uses[g] + (s->in_loop[i] ? 8 : 1), 255);
        }
    }
    for (unsigned n = 0; n < NB_PINNED; n++) {
        uses[pinned_guest[n]] = 0;
    }
    for (unsigned n = 0; n < NB_CACHE_REGS; n++) {
        int best = -1;

        for (int g = 0; g < TCG_MAX_REGS; g++) {
            /* In a loop, even one use is one per iteration. */
            if (uses[g] >= (s->any_loop ? 1 : 2) &&
                (best < 0 || uses[g] > uses[best])) {
                best = g;
            }
        }
        if (best < 0) {
            break;
        }
        uses[best] = 0;
        s->host_of[best] = cache_regs[n];
        s->cached |= 1ull << best;
    }
}

/*
 * The entry: load the cached guest registers, then leave if asked to (as
 * the interpreter's tb_enter and CHAIN do), before any guest instruction
 * runs.  The exit is out of line (gen_entry_exit), so that the entry
 * runs straight through the check: a taken branch there made the ALU
 * loop 16% slower.  A self-loop's jumps back land after the check, at
 * label 1, the loop head; each checks first itself (jump_checks), so
 * that the two exits know what they leave with: nothing is dirty or
 * unextended at the entry yet.
 */
static void gen_entry(JitCtx *s)
{
    load_cached(s, s->cached & ~jit.pinned);
    cmp_exit_req(s);
    s->entry_exit = jcc32(s, CC_NE);
}

static void gen_entry_exit(JitCtx *s)
{
    patch_rel32(s->entry_exit, s->p);
    exit_to_tail(s, NULL, false, s->tb->pc, 0, TB_EXIT_PC);
}

#ifdef CONFIG_CAPSTONE
static void log_out_asm(TranslationBlock *tb, const uint8_t *code,
                        size_t size)
{
    csh h;
    cs_insn *insn;
    size_t n;
    g_autoptr(GString) buf = g_string_new(NULL);

    if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK) {
        qemu_log("OUT: cannot open the disassembler\n");
        return;
    }
    g_string_append_printf(buf, "OUT: [size=%zu] block 0x%" VADDR_PRIx
                           " flags 0x%x\n", size, tb->pc, tb->flags);
    n = cs_disasm(h, code, size, (uintptr_t)code, 0, &insn);
    for (size_t i = 0; i < n; i++) {
        g_string_append_printf(buf, "  0x%016" PRIx64 ":  %-8s %s\n",
                               insn[i].address, insn[i].mnemonic,
                               insn[i].op_str);
    }
    if (n) {
        cs_free(insn, n);
    }
    cs_close(&h);
    qemu_log("%s\n", buf->str);
}
#else
static void log_out_asm(TranslationBlock *tb, const uint8_t *code,
                        size_t size)
{
    g_autoptr(GString) buf = g_string_new(NULL);

    g_string_append_printf(buf, "OUT: [size=%zu] block 0x%" VADDR_PRIx
                           " (built without a disassembler: hex)\n",
                           size, tb->pc);
    for (size_t i = 0; i < size; i++) {
        g_string_append_printf(buf, "%s%02x", i % 16 ? " " : "\n  ",
                               code[i]);
    }
    qemu_log("%s\n\n", buf->str);
}
#endif

/*
 * Fault in the code buffer up to at least end, a chunk at a time, in both
 * views: one system call instead of a page fault per page written and
 * another per page first run (a boot fills about 15 MiB).  Only an
 * optimisation: where the kernel lacks MADV_POPULATE_* (before Linux
 * 5.14) the pages fault in on use as before.
 */
static void populate(size_t end)
{
#if defined(MADV_POPULATE_WRITE) && defined(MADV_POPULATE_READ)
    size_t from = jit.populated;
    size_t to = MIN(ROUND_UP(end, JIT_POPULATE_CHUNK), jit.limit);

    if (madvise(jit.rw + from, to - from, MADV_POPULATE_WRITE) == 0) {
        madvise(jit.rx + from, to - from, MADV_POPULATE_READ);
    }
    jit.populated = to;
#else
    jit.populated = jit.limit;
#endif
}

static __thread JitCtx *jit_ctx;

/* The block's code, from s->start. */
static void gen_block(JitCtx *s)
{
    const TranslationBlock *tb = s->tb;

    s->p = s->start;
    s->nb_slow = 0;
    s->nb_fixups = 0;
    s->nb_hints = 0;
    gen_entry(s);
    /* Nothing is known at the entry, nothing dirty or unextended yet. */
    s->dirty = 0;
    s->known_sext = s->known_u31 = 0;
    s->lazy = 0;
    memset(s->done, 0, tb->nb_ops);
    for (int i = 1; i < tb->nb_ops; i++) {
        const TCGOp *op = &tb->ops[i];
        uint64_t sext, u31;
        int neg, and;

        if (s->is_label[i]) {
            enter_label(s, i);
        }
        op_known(s, op, &sext, &u31);
        if (s->done[i]) {
            /* generated with an op before it */
        } else if (find_select(s, i, &neg, &and)) {
            const TCGOp *a = &tb->ops[and];

            gen_select(s, op->rd, op->rs1,
                       a->rs1 == op->rd ? a->rs2 : a->rs1);
            s->done[neg] = s->done[and] = true;
        } else {
            extend_operands(s, op);
            gen_op(s, op);
        }
        s->known_sext = sext;
        s->known_u31 = u31;
    }
    gen_entry_exit(s);
    for (int i = 0; i < s->nb_slow; i++) {
        gen_slow_path(s, &s->slow[i]);
    }
    gen_jump_exits(s);
}

static void gen_prologue(void);

static bool jit_gen_code(CPUState *cpu, TranslationBlock *tb)
{
    intptr_t regs_off = (uint8_t *)cpu->tcg_regs - (uint8_t *)cpu;
    size_t need = JIT_MAX_TB_BYTES + (size_t)tb->nb_ops * JIT_MAX_OP_BYTES;
    int64_t t0 = get_clock();
    JitCtx *s;
    size_t start, size;

    /* One register file layout for every vCPU: the code is shared. */
    if (!jit.regs_off_set) {
        assert(fits_i32(regs_off + TCG_MAX_REGS * 8) && regs_off >= 0);
        jit.regs_off = regs_off;
        jit.regs_off_set = true;
        gen_prologue();
    }
    assert(regs_off == jit.regs_off);

    start = ROUND_UP(jit.used + sizeof(JitHeader), JIT_BLOCK_ALIGN) +
            tcg_jit_block_pad;
    if (start + need > jit.limit) {
        return false;
    }
    if (start + need > jit.populated) {
        populate(start + need);
    }
    if (!jit_ctx) {
        jit_ctx = g_new0(JitCtx, 1);
    }
    s = jit_ctx;
    s->start = jit.rw + start;
    s->rx_delta = jit.rx - jit.rw;
    s->tb = tb;
    find_jumps(s, tb);
    alloc_regs(s, tb);
    find_dirty(s, tb);
    find_low_only(s, tb);
    gen_block(s);
    size = s->p - s->start;
    assert(size <= need);
    {
        JitHeader h = {
            .size = size,
            .loop_head = s->has_loop ? s->label_at[1] - s->start : 0,
        };

        memcpy(s->start - sizeof(h), &h, sizeof(h));
    }

    tb->tc_ptr = jit.rx + start;
    jit.used = start + size;
    jit.next_hint += s->nb_hints;
    jit.blocks++;
    jit.guest_insns += tb->icount;
    jit.code_bytes += size;
    jit.gen_ns += get_clock() - t0;

    if (qemu_loglevel_mask(CPU_LOG_TB_OUT_ASM)) {
        log_out_asm(tb, jit.rx + start, size);
    }
    return true;
}

static TBExitReason jit_exec(CPUState *cpu, TranslationBlock *tb,
                             TBExitInfo *info)
{
    /*
     * -d exec or -d cpu turned on while code chains: that code would
     * hide blocks from the log, so drop it all (the interpreter checks
     * at every chaining instead).  The flush runs when the vCPUs next
     * leave cpu_exec, so kick them (as for the interpreter).
     */
    if (unlikely(qemu_loglevel_mask(CPU_LOG_EXEC | CPU_LOG_TB_CPU)) &&
        qatomic_read(&jit.chaining)) {
        qatomic_set(&jit.chaining, false);
        tb_flush(cpu);
    }
    return jit.enter(cpu, tb->tc_ptr, info);
}

/* The rw address of the rel32 of jump j. */
static int32_t *jump_rel32(TBJump *j)
{
    uintptr_t rx = (uintptr_t)j->host_jmp & ~(uintptr_t)JMP_SELF;

    return (int32_t *)(rx + (jit.rw - jit.rx));
}

static void jit_link_jump(TBJump *j, TranslationBlock *dest)
{
    uintptr_t rel = (uintptr_t)j->host_jmp & ~(uintptr_t)JMP_SELF;
    const uint8_t *target = dest->tc_ptr;

    if (!j->host_jmp || !jit_may_chain()) {
        return;
    }
    if ((uintptr_t)j->host_jmp & JMP_SELF) {
        JitHeader h;

        /* Unaligned with -accel tcg,jit-pad= */
        memcpy(&h, target - sizeof(h), sizeof(h));
        /*
         * Its registers are still in host registers: only its own block
         * may follow (not another block for the same pc, say from a
         * different physical page).
         */
        if (rel < (uintptr_t)target || rel >= (uintptr_t)target + h.size) {
            return;
        }
        target += h.loop_head;
    }
    qatomic_set(&jit.chaining, true);
    /* Aligned: one single-copy atomic store (see the top of the file). */
    qatomic_set(jump_rel32(j), (int32_t)(target - (const uint8_t *)(rel + 4)));
}

static void jit_unlink_jump(TBJump *j)
{
    if (j->host_jmp) {
        qatomic_set(jump_rel32(j), 0);
    }
}

/* Load (opc 0x8b) or store (0x89) the pinned registers. */
static void move_pinned(JitCtx *s, int opc)
{
    for (unsigned n = 0; n < NB_PINNED; n++) {
        op_rm(s, opc, 1, pinned_host[n], RBP, reg_disp(pinned_guest[n]),
              false);
    }
}

/*
 * The prologue: tcg_jit_enter(cpu, code, info) keeps the callee-saved
 * registers, puts cpu in rbp and info at [rsp], loads the pinned
 * registers, zeroes the pending count and jumps to code.  The tail,
 * reached by every exit with rax = last_tb, rdx = pc, ecx = slot, esi =
 * reason, adds the pending count, stores the pinned registers, fills in
 * *info and returns the reason.  After it, the spill and fill stubs that
 * calls out of generated code use (call_writeback, reload).
 */

static void gen_prologue(void)
{
    static const int saved[] = { RBP, RBX, R12, R13, R14, R15 };
    JitCtx *s = g_new0(JitCtx, 1);

    s->start = s->p = jit.rw;
    s->rx_delta = jit.rx - jit.rw;
    for (unsigned i = 0; i < ARRAY_SIZE(saved); i++) {
        emit_rex(s, 0, 0, 0, saved[i], false);
        emit8(s, 0x50 + (saved[i] & 7));               /* push */
    }
    /* 6 pushes + return address: 8 more and [rsp] keep 16-byte alignment */
    alu_ri(s, ALU_SUB, 1, RSP, 24);
    mov_rr(s, RBP, RDI);
    op_rm(s, 0x89, 1, RDX, RSP, 0, false);
    move_pinned(s, 0x8b);
    op_rr(s, 0x33, 0, PENDING_REG, PENDING_REG);
    op_rr(s, 0xff, 0, 4, RSI);                          /* jmp *rsi */
    assert(s->p - s->start <= JIT_TAIL_OFFSET);

    s->p = jit.rw + JIT_TAIL_OFFSET;
    flush_pending(s);
    move_pinned(s, 0x89);
    op_rm(s, 0x8b, 1, RDI, RSP, 0, false);
    op_rm(s, 0x89, 1, RAX, RDI, offsetof(TBExitInfo, last_tb), false);
    op_rm(s, 0x89, 1, RDX, RDI, offsetof(TBExitInfo, pc), false);
    op_rm(s, 0x89, 0, RCX, RDI, offsetof(TBExitInfo, slot), false);
    mov_rr(s, RAX, RSI);
    alu_ri(s, ALU_ADD, 1, RSP, 24);
    for (int i = ARRAY_SIZE(saved) - 1; i >= 0; i--) {
        emit_rex(s, 0, 0, 0, saved[i], false);
        emit8(s, 0x58 + (saved[i] & 7));               /* pop */
    }
    emit8(s, 0xc3);                                     /* ret */
    assert(s->p - s->start <= JIT_SPILL_OFFSET);

    s->p = jit.rw + JIT_SPILL_OFFSET;
    move_pinned(s, 0x89);
    emit8(s, 0xc3);
    assert(s->p - s->start <= JIT_FILL_OFFSET);
    s->p = jit.rw + JIT_FILL_OFFSET;
    move_pinned(s, 0x8b);
    emit8(s, 0xc3);
    assert(s->p - s->start <= JIT_PROLOGUE_SIZE);

    jit.enter = (JitEnterFn *)(void *)jit.rx;
    jit.tail = jit.rx + JIT_TAIL_OFFSET;
    jit.spill = jit.rx + JIT_SPILL_OFFSET;
    jit.fill = jit.rx + JIT_FILL_OFFSET;
    g_free(s);
}

static void jit_init(void)
{
    static bool done;
    void *rw, *rx;

    if (done) {
        return;
    }
    done = true;
    jit.size = JIT_BUFFER_SIZE;
    jit.fd = memfd_create("grace-jit", MFD_CLOEXEC);
    if (jit.fd < 0 || ftruncate(jit.fd, jit.size) < 0) {
        fprintf(stderr, "tcg: cannot create the JIT code buffer: %s\n",
                strerror(errno));
        exit(1);
    }
    rw = mmap(NULL, jit.size, PROT_READ | PROT_WRITE, MAP_SHARED, jit.fd, 0);
    rx = mmap(NULL, jit.size, PROT_READ | PROT_EXEC, MAP_SHARED, jit.fd, 0);
    if (rw == MAP_FAILED || rx == MAP_FAILED) {
        fprintf(stderr, "tcg: cannot map the JIT code buffer: %s\n",
                strerror(errno));
        exit(1);
    }
    jit.rw = rw;
    jit.rx = rx;
    jit.limit = jit.size;
    jit.used = JIT_PROLOGUE_SIZE;
    jit.populated = 0;
    jit.pinned = pinned_mask();
}

static void jit_reset(size_t limit)
{
    jit.limit = MIN(MAX(limit, JIT_PROLOGUE_SIZE + 64 * KiB), jit.size);
    jit.used = JIT_PROLOGUE_SIZE;
    qatomic_set(&jit.chaining, false);
}

static void jit_dump_info(GString *buf)
{
    uint64_t insns = jit.guest_insns;

    g_string_append_printf(buf, "JIT code buffer      %zu / %zu KiB\n",
                           jit.used / KiB, jit.limit / KiB);
    g_string_append_printf(buf, "JIT blocks           %" PRIu64 "\n",
                           jit.blocks);
    if (insns) {
        g_string_append_printf(buf, "JIT bytes/guest insn %.1f\n",
                               (double)jit.code_bytes / insns);
        g_string_append_printf(buf, "JIT ns/guest insn    %.1f "
                               "(host code only)\n",
                               (double)jit.gen_ns / insns);
    }
}

const TCGBackend tcg_jit_backend = {
    .name = "jit (x86-64)",
    .init = jit_init,
    .gen_code = jit_gen_code,
    .exec = jit_exec,
    .link_jump = jit_link_jump,
    .unlink_jump = jit_unlink_jump,
    .reset = jit_reset,
    .dump_info = jit_dump_info,
};
