/*
 * test-smc.c: self-modifying code.  An instruction that has already run
 * (so an emulator has translated and cached it) is overwritten and the new
 * one must run: after FENCE.I as the spec requires, and also without it,
 * because Grace (like QEMU) keeps instruction fetch coherent with stores
 * on the same hart.  Covered: code in a data buffer and in .text, 32-bit
 * and compressed instructions, the instruction right after the store
 * (with FENCE.I), many rewrites of a hot function, and code written
 * through one virtual alias and run through another.
 */
#include "vm.h"

#define INSN_RET 0x00008067

static uint32_t li_a0(unsigned v)
{
    return (v & 0x7ff) << 20 | 10 << 7 | 0x13;         /* addi a0, x0, v */
}

static uint16_t c_li_a0(unsigned v)
{
    return 0x4001 | 10 << 7 | (v & 0x1f) << 2;         /* c.li a0, v */
}

static long call(const void *code)
{
    register long a0 asm("a0");

    asm volatile("jalr ra, 0(%1)" : "=r"(a0) : "r"(code) : "ra", "memory");
    return a0;
}

static uint32_t buffer[64] __attribute__((aligned(64)));

static void test_buffer(void)
{
    volatile uint32_t *code = buffer;
    volatile uint16_t *half = (volatile uint16_t *)buffer;

    test_section("rewrite a function after it ran, with fence.i");
    code[0] = li_a0(1);
    code[1] = INSN_RET;
    fence_i();
    CHECK_EQ(call(buffer), 1, "first version");
    CHECK_EQ(call(buffer), 1, "first version again");
    code[0] = li_a0(2);
    fence_i();
    CHECK_EQ(call(buffer), 2, "rewritten with fence.i");

    test_section("... and without fence.i (coherent on one hart)");
    code[0] = li_a0(3);
    CHECK_EQ(call(buffer), 3, "rewritten without fence.i");
    for (unsigned i = 10; i < 300; i++) {
        code[0] = li_a0(i);
        CHECK_EQ(call(buffer), i, "rewrite #%u without fence.i", i);
    }

    test_section("compressed instructions too");
    half[0] = c_li_a0(6);
    half[1] = 0x8082;                                  /* c.jr ra */
    CHECK_EQ(call(buffer), 6, "c.li version");
    half[0] = c_li_a0(7);
    CHECK_EQ(call(buffer), 7, "c.li rewritten without fence.i");
    half[0] = c_li_a0(8);
    fence_i();
    CHECK_EQ(call(buffer), 8, "c.li rewritten with fence.i");
}

/* A function in .text to patch: "li a0, 5; ret" (32-bit encodings) */
asm(".pushsection .text\n"
    ".option push\n"
    ".option norvc\n"
    ".balign 4\n"
    "text_target:\n"
    "addi a0, x0, 5\n"
    "jalr x0, 0(ra)\n"
    ".option pop\n"
    ".popsection\n");
extern uint32_t text_target[];

static long next_insn(uint32_t insn)
{
    register long r asm("a0");

    /* Store over the addi at 1f, fence.i, then run it: the new one runs */
    asm volatile(".option push\n"
                 ".option norvc\n"
                 "lla t0, 1f\n"
                 "sw %1, 0(t0)\n"
                 "fence.i\n"
                 "1: addi a0, x0, 9\n"
                 ".option pop\n"
                 : "=&r"(r) : "r"(insn) : "t0", "memory");
    return r;
}

static void test_text(void)
{
    volatile uint32_t *code = text_target;

    test_section("patch code in .text");
    CHECK_EQ(call(text_target), 5, "original");
    code[0] = li_a0(55);
    CHECK_EQ(call(text_target), 55, "patched without fence.i");
    code[0] = li_a0(56);
    fence_i();
    CHECK_EQ(call(text_target), 56, "patched with fence.i");

    test_section("overwrite the very next instruction, then fence.i");
    CHECK_EQ(next_insn(li_a0(100)), 100, "first patch");
    CHECK_EQ(next_insn(li_a0(200)), 200, "second patch");
}

/* Runs in S: writes through the data alias, calls through the code alias */
static struct {
    volatile uint32_t *data;
    const void *code;
    int fence;
} alias;

static long alias_body(long value)
{
    alias.data[0] = li_a0(value);
    if (alias.fence) {
        fence_i();
    }
    return call(alias.code);
}

static void test_alias(void)
{
    const uint64_t va_data = 0x40000000, va_code = 0x40200000;
    uint64_t *root = pt_alloc();
    uint32_t *phys = page_alloc(1);

    test_section("write through one mapping, run through another (S-mode)");
    phys[0] = li_a0(1);
    phys[1] = INSN_RET;
    fence_i();
    pt_map(root, 3, 0, 0, 2, PTE_R | PTE_W | PTE_A | PTE_D);
    pt_map(root, 3, VIRT_DRAM_BASE, VIRT_DRAM_BASE, 2,
           PTE_R | PTE_W | PTE_X | PTE_A | PTE_D);
    pt_map(root, 3, va_data, (uintptr_t)phys, 0,
           PTE_R | PTE_W | PTE_A | PTE_D);
    pt_map(root, 3, va_code, (uintptr_t)phys, 0, PTE_X | PTE_A);
    csr_write(satp, satp_make(SATP_MODE_SV39, root));
    sfence_vma();
    alias.data = (volatile uint32_t *)va_data;
    alias.code = (const void *)va_code;
    alias.fence = 1;
    CHECK_EQ(run_in_mode(PRV_S, alias_body, 21), 21, "alias, fence.i");
    CHECK_EQ(run_in_mode(PRV_S, alias_body, 22), 22, "alias, fence.i again");
    alias.fence = 0;
    CHECK_EQ(run_in_mode(PRV_S, alias_body, 23), 23, "alias, no fence.i");
    CHECK_EQ(run_in_mode(PRV_S, alias_body, 24), 24,
             "alias, no fence.i again");
    CHECK_EQ(phys[0], li_a0(24), "the store reached the physical page");
    csr_write(satp, 0);
    sfence_vma();
}

int main(void)
{
    test_buffer();
    test_text();
    test_alias();
    return 0;
}
