/*
 * The translation block cache: code buffer, hash table, per-page lists,
 * invalidation and flushing.
 *
 * Why lookups need no lock (see docs/devel/multi-thread-tcg.rst):
 *  - A TB is built completely, then published with one store-release of
 *    the bucket head (tb_link), so a reader that finds it through an
 *    acquire load of the chain sees all its fields.
 *  - Invalidation (under the TB lock) sets CF_INVALID and unlinks the
 *    TB from its bucket and its pages.  It does not change
 *    tb->hash_next, so a reader standing on the TB can still walk on; a
 *    reader that already holds it checks CF_INVALID before entering it
 *    (lookups and chained jumps alike), and jump slots pointing at it
 *    are simply never followed again.
 *  - Memory is reclaimed only by tb_flush, in an exclusive section when
 *    no vCPU runs guest code and none holds a TB pointer, since the
 *    vCPUs drop theirs on leaving cpu_exec.  So a TB stays readable for
 *    as long as anybody can reach it.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/timer.h"
#include "exec/memory.h"
#include "exec/ram_addr.h"
#include "exec/translator.h"
#include "hw/core/tcg-cpu-ops.h"
#include "sysemu/cpus.h"
#include "internal.h"
#include <sys/mman.h>

#define TB_HASH_BITS    16
#define TB_HASH_SIZE    (1 << TB_HASH_BITS)
#define CODE_GEN_BUFFER_SIZE    (256 * MiB)
#define TB_WRITTEN_PAGES_MAX    4096

/* The TBs of one physical page, for invalidation.  TB lock. */
typedef struct PageDesc {
    uintptr_t first_tb;         /* tagged with the page index 0 or 1 */
} PageDesc;

static struct {
    QemuMutex lock;
    /* Buckets: written under lock with release stores, read lock-free. */
    TranslationBlock **htable;
    /* Everything below: under lock (or exclusive for tb_flush). */
    GHashTable *pages;          /* page number -> PageDesc */
    /*
     * Code pages that writers outside the vCPUs (DMA) touched since the
     * last FENCE.I, or all of them if too many to list (see
     * tb_invalidate_dirty_code).
     */
    GArray *written_pages;
    bool written_overflow;
    /*
     * Breakpoint pcs: guest virtual pc -> number of breakpoints there,
     * over all vCPUs (tb_debug_pc_ref).
     */
    GHashTable *debug_pcs;
    uint8_t *buf;
    size_t buf_size;            /* what the mapping holds */
    size_t buf_limit;           /* what we use of it */
    size_t buf_limit_next;      /* from the next flush on (0: all) */
    size_t buf_used;
    unsigned nb_tbs;
    /* Statistics, written under lock, read racily. */
    uint64_t flush_count;
    uint64_t invalidate_count;
    uint64_t translate_count;
    uint64_t translate_insns;   /* guest instructions translated */
    uint64_t translate_ns;      /* time in tb_gen_code, all of it */
} tb_ctx;

const TCGBackend *tcg_backend = &tcg_interp_backend;

static __thread bool tb_lock_held;
static __thread TCGContext *tcg_ctx;

void tb_lock(void)
{
    assert(!tb_lock_held);
    qemu_mutex_lock(&tb_ctx.lock);
    tb_lock_held = true;
}

void tb_unlock(void)
{
    assert(tb_lock_held);
    tb_lock_held = false;
    qemu_mutex_unlock(&tb_ctx.lock);
}

void tb_lock_reset(void)
{
    if (tb_lock_held) {
        tb_unlock();
    }
}

/*
 * physmem calls this for writes that bypass the TLBs (DMA, loaders, the
 * monitor) to RAM holding code.  It then marks the pages dirty, and a
 * dirty page must hold no TB: drop the code of the whole pages.
 */
static void tb_code_write_hook(ram_addr_t start, ram_addr_t length)
{
    ram_addr_t end = TARGET_PAGE_ALIGN(start + length);

    tb_lock();
    for (ram_addr_t page = start & TARGET_PAGE_MASK; page < end;
         page += TARGET_PAGE_SIZE) {
        tb_invalidate_phys_page_range_locked(page, TARGET_PAGE_SIZE);
        if (tb_ctx.written_pages->len < TB_WRITTEN_PAGES_MAX) {
            g_array_append_val(tb_ctx.written_pages, page);
        } else {
            tb_ctx.written_overflow = true;
        }
    }
    tb_unlock();
}

static void tcg_do_init(void)
{
    qemu_mutex_init(&tb_ctx.lock);
    tb_ctx.htable = g_new0(TranslationBlock *, TB_HASH_SIZE);
    tb_ctx.pages = g_hash_table_new_full(g_int64_hash, g_int64_equal,
                                         g_free, g_free);
    tb_ctx.written_pages = g_array_new(false, false, sizeof(ram_addr_t));
    tb_ctx.debug_pcs = g_hash_table_new_full(g_int64_hash, g_int64_equal,
                                             g_free, NULL);
    tb_ctx.buf_size = CODE_GEN_BUFFER_SIZE;
    tb_ctx.buf_limit = CODE_GEN_BUFFER_SIZE;
    tb_ctx.buf = mmap(NULL, tb_ctx.buf_size, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (tb_ctx.buf == MAP_FAILED) {
        fprintf(stderr, "tcg: cannot allocate %zu MiB for translated code: "
                "%s\n", tb_ctx.buf_size / MiB, strerror(errno));
        exit(1);
    }
    tcg_interp_backend.init();
    tcg_backend->init();
    cpu_physical_memory_set_code_write_hook(tb_code_write_hook);
    cpu_physical_memory_set_dirty_log_clear_hook(tlb_reset_dirty_range_all);
}

void tcg_exec_init(void)
{
    static GOnce once = G_ONCE_INIT;

    g_once(&once, (GThreadFunc)(void (*)(void))tcg_do_init, NULL);
}

static uint32_t tb_hash_func(ram_addr_t phys_pc, vaddr pc, uint32_t flags)
{
    uint64_t h = phys_pc * 0x9e3779b97f4a7c15ull;

    h ^= (pc * 0xc2b2ae3d27d4eb4full) ^ ((uint64_t)flags << 29);
    return h ^ (h >> 32);
}

/* Pages */

static PageDesc *page_find(ram_addr_t page, bool alloc)
{
    uint64_t key = page >> TARGET_PAGE_BITS;
    PageDesc *pd = g_hash_table_lookup(tb_ctx.pages, &key);

    if (!pd && alloc) {
        uint64_t *k = g_new(uint64_t, 1);

        *k = key;
        pd = g_new0(PageDesc, 1);
        g_hash_table_insert(tb_ctx.pages, k, pd);
    }
    return pd;
}

void tb_page_claim(ram_addr_t ram_addr)
{
    ram_addr_t page = ram_addr & TARGET_PAGE_MASK;

    assert(tb_lock_held);
    if (cpu_physical_memory_test_and_clear_dirty(page, TARGET_PAGE_SIZE,
                                                 DIRTY_MEMORY_CODE)) {
        tlb_reset_dirty_page(page);
    }
}

static void tb_page_add(TranslationBlock *tb, int n)
{
    PageDesc *pd = page_find(tb->page_addr[n], true);

    tb->page_next[n] = pd->first_tb;
    pd->first_tb = (uintptr_t)tb | n;
}

static void tb_page_remove(TranslationBlock *tb, int n)
{
    PageDesc *pd = page_find(tb->page_addr[n], false);
    uintptr_t *link = &pd->first_tb;

    while (*link) {
        TranslationBlock *t = (TranslationBlock *)(*link & ~(uintptr_t)1);
        int tn = *link & 1;

        if (t == tb && tn == n) {
            *link = tb->page_next[n];
            return;
        }
        link = &t->page_next[tn];
    }
    g_assert_not_reached();
}

/* The ram_addr range [*start, *end) of tb's code in its page n. */
static void tb_page_range(TranslationBlock *tb, int n, ram_addr_t *start,
                          ram_addr_t *end)
{
    vaddr first = tb->pc, last = tb->pc + tb->size;
    vaddr page1 = tb_page_start(tb) + TARGET_PAGE_SIZE;

    if (n == 0) {
        *start = tb->page_addr[0] + (first & ~TARGET_PAGE_MASK);
        *end = tb->page_addr[0] + (MIN(last, page1) - tb_page_start(tb));
    } else {
        *start = tb->page_addr[1];
        *end = tb->page_addr[1] + (last - page1);
    }
}

/* The hash table */

static TranslationBlock **tb_bucket(uint32_t hash)
{
    return &tb_ctx.htable[hash & (TB_HASH_SIZE - 1)];
}

/* Lock-free: see the comment at the top. */
static TranslationBlock *tb_htable_lookup(CPUState *cpu, vaddr pc,
                                          ram_addr_t phys_pc, uint32_t flags)
{
    uint32_t hash = tb_hash_func(phys_pc, pc, flags);
    TranslationBlock *tb;

    /* Pairs with the store-release in tb_link. */
    for (tb = qatomic_load_acquire(tb_bucket(hash)); tb;
         tb = qatomic_load_acquire(&tb->hash_next)) {
        if (tb->hash != hash || tb->pc != pc || tb->flags != flags ||
            tb->page_addr[0] != (phys_pc & TARGET_PAGE_MASK) ||
            tb_is_invalid(tb)) {
            continue;
        }
        if (tb->page_addr[1] != TB_PAGE_NONE) {
            /* Its second page must still be mapped where it was. */
            vaddr pc2 = tb_page_start(tb) + TARGET_PAGE_SIZE;
            ram_addr_t p2 = probe_page_addr_code(cpu, pc2);

            if (p2 == RAM_ADDR_MAX ||
                (p2 & TARGET_PAGE_MASK) != tb->page_addr[1]) {
                continue;
            }
        }
        return tb;
    }
    return NULL;
}

/* Publish tb.  TB lock held. */
static void tb_link(TranslationBlock *tb)
{
    TranslationBlock **bucket = tb_bucket(tb->hash);

    tb_page_add(tb, 0);
    if (tb->page_addr[1] != TB_PAGE_NONE) {
        tb_page_add(tb, 1);
    }
    tb->hash_next = *bucket;
    /* Pairs with the load-acquire in tb_htable_lookup. */
    qatomic_store_release(bucket, tb);
    tb_ctx.nb_tbs++;
}

static void tb_backend_unlink_jump(TBJump *j)
{
    if (tcg_backend->unlink_jump) {
        tcg_backend->unlink_jump(j);
    }
}

/*
 * Take tb out of the jump graph: the jumps that chain to it are reset,
 * and its own jumps leave their destinations' lists.  TB lock held.
 */
static void tb_jmp_unlink(TranslationBlock *tb)
{
    for (TBJump *j = tb->jmp_incoming; j; j = j->next) {
        /* Pairs with the load-acquire of a vCPU following the jump. */
        qatomic_set(&j->dest, NULL);
        tb_backend_unlink_jump(j);
    }
    tb->jmp_incoming = NULL;

    for (int n = 0; n < tb->nb_jmp; n++) {
        TBJump *j = tb_jump(tb, n);
        TBJump **link;

        if (!j->dest) {
            continue;
        }
        for (link = &j->dest->jmp_incoming; *link != j; link = &(*link)->next) {
            assert(*link);
        }
        *link = j->next;
        qatomic_set(&j->dest, NULL);
        tb_backend_unlink_jump(j);
    }
}

/* Invalidate tb.  TB lock held. */
static void tb_phys_invalidate(TranslationBlock *tb)
{
    TranslationBlock **link = tb_bucket(tb->hash);

    /*
     * Lookups and chained jumps check CF_INVALID, so nobody enters tb from
     * now on; a vCPU already inside it finishes the block (it started
     * before the write that invalidates it, as on hardware without
     * FENCE.I).
     */
    qatomic_or(&tb->cflags, CF_INVALID);
    tb_jmp_unlink(tb);
    while (*link != tb) {
        link = &(*link)->hash_next;
    }
    /* Readers on tb keep walking through tb->hash_next, left intact. */
    qatomic_set(link, tb->hash_next);
    tb_page_remove(tb, 0);
    if (tb->page_addr[1] != TB_PAGE_NONE) {
        tb_page_remove(tb, 1);
    }
    tb_ctx.nb_tbs--;
    tb_ctx.invalidate_count++;
}

bool tb_invalidate_phys_page_range_locked(ram_addr_t start, ram_addr_t len)
{
    PageDesc *pd = page_find(start, false);
    uintptr_t link;

    assert(tb_lock_held);
    if (!pd) {
        return true;
    }
    link = pd->first_tb;
    while (link) {
        TranslationBlock *tb = (TranslationBlock *)(link & ~(uintptr_t)1);
        int n = link & 1;
        ram_addr_t s, e;

        link = tb->page_next[n];
        tb_page_range(tb, n, &s, &e);
        if (s < start + len && start < e) {
            tb_phys_invalidate(tb);
        }
    }
    return pd->first_tb == 0;
}

void tb_invalidate_phys_range(ram_addr_t start, ram_addr_t end)
{
    tb_lock();
    while (start < end) {
        ram_addr_t next = (start & TARGET_PAGE_MASK) + TARGET_PAGE_SIZE;
        ram_addr_t stop = MIN(next, end);

        tb_invalidate_phys_page_range_locked(start, stop - start);
        start = stop;
    }
    tb_unlock();
}

/*
 * Invalidate every TB whose guest code covers the virtual address pc, in
 * whatever address space it was translated.  TBs are indexed by physical
 * page only, so this walks them all: it runs when a breakpoint comes or
 * goes, a debugging-time cost (a few milliseconds for a booted Linux's
 * hundred thousand TBs) that spares the hot paths any check.  TB lock
 * held.
 */
static void tb_invalidate_virt_pc_locked(vaddr pc)
{
    GHashTableIter iter;
    gpointer key, value;

    g_hash_table_iter_init(&iter, tb_ctx.pages);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        uintptr_t link = ((PageDesc *)value)->first_tb;

        while (link) {
            TranslationBlock *tb = (TranslationBlock *)(link & ~(uintptr_t)1);
            int n = link & 1;

            /* Read before tb_phys_invalidate unlinks tb from this list. */
            link = tb->page_next[n];
            /* A TB on two pages is listed twice: look at it once. */
            if (n == 0 && pc - tb->pc < tb->size) {
                tb_phys_invalidate(tb);
            }
        }
    }
}

void tb_debug_pc_ref(vaddr pc, int delta)
{
    uint64_t key = pc;
    gpointer count;

    tcg_exec_init();
    tb_lock();
    count = g_hash_table_lookup(tb_ctx.debug_pcs, &key);
    count = GINT_TO_POINTER(GPOINTER_TO_INT(count) + delta);
    assert(GPOINTER_TO_INT(count) >= 0);
    if (GPOINTER_TO_INT(count) == 0) {
        g_hash_table_remove(tb_ctx.debug_pcs, &key);
    } else {
        uint64_t *k = g_new(uint64_t, 1);

        /* An existing entry keeps its key and frees k. */
        *k = key;
        g_hash_table_insert(tb_ctx.debug_pcs, k, count);
    }
    /*
     * Under the same lock hold: a translation either ran before (and is
     * dropped here) or runs after and sees the new set.
     */
    tb_invalidate_virt_pc_locked(pc);
    tb_unlock();
}

bool tb_debug_pcs_active(void)
{
    assert(tb_lock_held);
    return g_hash_table_size(tb_ctx.debug_pcs) != 0;
}

bool tb_debug_pc_is_set(vaddr pc)
{
    uint64_t key = pc;

    assert(tb_lock_held);
    return g_hash_table_contains(tb_ctx.debug_pcs, &key);
}

/* Drop page's TBs if its CODE bit says it was written after them. */
static void tb_check_dirty_page(ram_addr_t page)
{
    PageDesc *pd = page_find(page, false);

    if (pd && pd->first_tb &&
        cpu_physical_memory_get_dirty_flag(page, DIRTY_MEMORY_CODE)) {
        tb_invalidate_phys_page_range_locked(page, TARGET_PAGE_SIZE);
    }
}

/*
 * Stores from vCPUs invalidate the code they hit at once (the TLB's
 * NOTDIRTY path), and other writers through the code-write hook, which
 * drops every TB of the pages written before physmem marks them dirty.
 * What can be left is a TB translated from such a page in between: it
 * has TBs and a set CODE bit.  FENCE.I looks for exactly that, in the
 * pages written since the last FENCE.I (all pages if they were too many
 * to list), so it costs next to nothing when there was no DMA to code.
 */
void tb_invalidate_dirty_code(CPUState *cpu)
{
    tb_lock();
    if (tb_ctx.written_overflow) {
        GHashTableIter iter;
        gpointer key, value;

        g_hash_table_iter_init(&iter, tb_ctx.pages);
        while (g_hash_table_iter_next(&iter, &key, &value)) {
            tb_check_dirty_page(*(uint64_t *)key << TARGET_PAGE_BITS);
        }
    } else {
        for (guint i = 0; i < tb_ctx.written_pages->len; i++) {
            tb_check_dirty_page(g_array_index(tb_ctx.written_pages,
                                              ram_addr_t, i));
        }
    }
    g_array_set_size(tb_ctx.written_pages, 0);
    tb_ctx.written_overflow = false;
    tb_unlock();
}

/* Flushing */

void tb_jmp_cache_clear(CPUState *cpu)
{
    memset(cpu->tb_jmp_cache, 0, TB_JMP_CACHE_SIZE * sizeof(void *));
}

/*
 * The blocks that may run code from page: those that start on it, and
 * those that start on the page before and run on into it (a block spans
 * two pages at most).  Each page's blocks are in one group of slots.
 */
void tb_jmp_cache_clear_page(CPUState *cpu, vaddr page)
{
    for (int i = 0; i < 2; i++) {
        unsigned group = tb_jmp_cache_hash(page - i * TARGET_PAGE_SIZE) &
                         ~(TB_JMP_GROUP_SIZE - 1);

        memset(&cpu->tb_jmp_cache[group], 0,
               TB_JMP_GROUP_SIZE * sizeof(void *));
    }
}

static void do_tb_flush(void)
{
    CPUState *cpu;

    CPU_FOREACH(cpu) {
        tb_jmp_cache_clear(cpu);
    }
    qemu_mutex_lock(&tb_ctx.lock);
    memset(tb_ctx.htable, 0, TB_HASH_SIZE * sizeof(*tb_ctx.htable));
    g_hash_table_remove_all(tb_ctx.pages);
    g_array_set_size(tb_ctx.written_pages, 0);
    tb_ctx.written_overflow = false;
    tb_ctx.buf_used = 0;
    tb_ctx.buf_limit = tb_ctx.buf_limit_next ?
                       MIN(tb_ctx.buf_limit_next, tb_ctx.buf_size) :
                       tb_ctx.buf_size;
    tb_ctx.nb_tbs = 0;
    if (tcg_backend->reset) {
        tcg_backend->reset(tb_ctx.buf_limit);
    }
    tb_ctx.flush_count++;
    qemu_mutex_unlock(&tb_ctx.lock);
}

static void tb_flush_work(CPUState *cpu, run_on_cpu_data data)
{
    /* Skip it if somebody flushed since it was asked for. */
    if (tb_ctx.flush_count == data.host_ulong) {
        do_tb_flush();
    }
}

void tb_flush(CPUState *cpu)
{
    async_safe_run_on_cpu(cpu, tb_flush_work,
                          (run_on_cpu_data){ .host_ulong =
                                             tb_ctx.flush_count });
}

void tb_flush_all_stopped(void)
{
    do_tb_flush();
}

void tcg_set_tb_size(size_t bytes)
{
    qatomic_set(&tb_ctx.buf_limit_next, bytes);
}

size_t tcg_code_buffer_size(void)
{
    return tb_ctx.buf_size;
}

uint64_t tb_flush_count(void)
{
    return qatomic_read(&tb_ctx.flush_count);
}

/*
 * Out of code buffer while translating: ask for a flush and leave
 * cpu_exec, whose caller runs it as safe work before coming back.  (A
 * flush right here could deadlock: another vCPU may be waiting in an
 * exclusive section for us to leave cpu_exec.)
 */
static QEMU_NORETURN void tb_flush_and_restart(CPUState *cpu)
{
    tb_unlock();
    tb_flush(cpu);
    cpu->exception_index = EXCP_INTERRUPT;
    cpu_loop_exit(cpu);
}

/* Translation */

static TranslationBlock *tb_alloc(int nb_jmp, int nb_ops)
{
    size_t slots = ROUND_UP(nb_jmp * sizeof(TBJump), 32);
    size_t size = slots + sizeof(TranslationBlock) + nb_ops * sizeof(TCGOp);
    uint8_t *p;

    size = ROUND_UP(size, 64);
    if (tb_ctx.buf_used + size > tb_ctx.buf_limit) {
        return NULL;
    }
    p = tb_ctx.buf + tb_ctx.buf_used;
    tb_ctx.buf_used += size;
    return (TranslationBlock *)(p + slots);
}

/*
 * The first op of the block's instruction at pc, other than its first
 * instruction (the ops are in pc order); 0 if there is none.
 */
static int tb_op_at_pc(const TranslationBlock *tb, vaddr pc)
{
    int lo = 1, hi = tb->nb_ops;

    while (lo < hi) {
        int mid = (lo + hi) / 2;

        if (tb->ops[mid].pc < pc) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < tb->nb_ops && tb->ops[lo].pc == pc && pc != tb->pc ? lo : 0;
}

/*
 * Jumps within a block.  A direct jump to one of its block's own
 * instructions may go there without leaving (TBJump.label), as if it had
 * chained to a block at that pc: the backend checks cpu->tcg_exit_req on
 * the way, as a chained entry does, so a kick is seen where it would be
 * after chaining, and the retired count grows by the instructions up to
 * the jump less those before the label.  The quicksort's partition loop,
 * three loops in one block, runs without leaving it.
 *
 * Not to the block's own pc: that is a self-loop, which the backends
 * chain to the block itself.  Not in blocks that must not chain; and a
 * backend follows labels only while it may chain (not with -d exec).
 * Both backends follow the same labels, so that they leave cpu_exec at
 * the same places (test-jit-diff compares them).
 *
 * Running on in a block another vCPU has just invalidated is allowed, as
 * for any block a vCPU is inside: RISC-V promises a hart the new code
 * only after its own FENCE.I, which ends the block.
 */
static void tb_find_labels(TranslationBlock *tb)
{
    if (tb->cflags & CF_NO_CHAIN) {
        return;
    }
    for (int i = 1; i < tb->nb_ops; i++) {
        const TCGOp *op = &tb->ops[i];

        if (tcg_op_is_direct_jump(op)) {
            tb_jump(tb, op->arg)->label = tb_op_at_pc(tb, op->imm);
        }
    }
}

TranslationBlock *tb_gen_code(CPUState *cpu, vaddr pc, uint32_t flags)
{
    const TCGCPUOps *ops = cpu->cc->tcg_ops;
    TCGContext *s;
    TranslationBlock proto = { 0 }, *tb;
    int64_t t0 = get_clock();
    void *host_pc;
    bool uniform;
    ram_addr_t phys_pc = get_page_addr_code_hostp(cpu, pc, &host_pc,
                                                  &uniform);

    if (!tcg_ctx) {
        tcg_ctx = g_new0(TCGContext, 1);
    }
    s = tcg_ctx;

    tb_lock();
    tb = tb_htable_lookup(cpu, pc, phys_pc, flags);
    if (tb) {
        /* Another vCPU translated it meanwhile. */
        tb_unlock();
        return tb;
    }

    proto.pc = pc;
    proto.flags = flags;
    /* A single step's block never links its jumps (exec-all.h). */
    proto.cflags = uniform && !(flags & TB_FLAG_SINGLE_STEP) ? 0
                                                             : CF_NO_CHAIN;
    proto.page_addr[0] = phys_pc & TARGET_PAGE_MASK;
    proto.page_addr[1] = TB_PAGE_NONE;
    tb_page_claim(phys_pc);
    ops->translate_code(cpu, &proto, s,
                        flags & TB_FLAG_SINGLE_STEP ? 1 : TCG_MAX_INSNS,
                        host_pc, uniform);
    assert(proto.icount > 0 && s->nb_ops > 1);

    tb = tb_alloc(s->nb_jmp, s->nb_ops);
    if (!tb) {
        tb_flush_and_restart(cpu);
    }
    memcpy(tb, &proto, sizeof(proto));
    tb->hash = tb_hash_func(phys_pc, pc, flags);
    tb->nb_ops = s->nb_ops;
    tb->nb_jmp = s->nb_jmp;
    tb->hash_next = NULL;
    tb->jmp_incoming = NULL;
    tb->tc_ptr = NULL;
    for (int i = 0; i < s->nb_jmp; i++) {
        *tb_jump(tb, i) = (TBJump){ 0 };
    }
    for (int i = 0; i < s->nb_ops; i++) {
        TCGOp *op = &tb->ops[i];

        *op = s->ops[i];
        op->idx = s->insn_idx[i];
    }
    assert(tb->ops[0].opc == INDEX_op_tb_enter);
    tb->ops[0].imm = tb->icount;
    tb_find_labels(tb);

    if (qemu_loglevel_mask(CPU_LOG_TB_OP)) {
        g_autoptr(GString) buf = g_string_new(NULL);

        g_string_append_printf(buf, "OP: [hart %d] block 0x%" VADDR_PRIx
                               " flags 0x%x, %d insns\n", cpu->cpu_index,
                               pc, flags, tb->icount);
        for (int i = 0; i < tb->nb_ops; i++) {
            g_string_append(buf, "  ");
            tcg_dump_op(buf, &tb->ops[i]);
            g_string_append_c(buf, '\n');
        }
        qemu_log("%s\n", buf->str);
    }

    if (!tcg_backend->gen_code(cpu, tb)) {
        tb_flush_and_restart(cpu);
    }
    tb_link(tb);
    tb_ctx.translate_count++;
    tb_ctx.translate_insns += tb->icount;
    tb_ctx.translate_ns += get_clock() - t0;
    tb_unlock();
    return tb;
}

TranslationBlock *tb_lookup(CPUState *cpu, vaddr pc, uint32_t flags)
{
    unsigned h = tb_jmp_cache_hash(pc);
    TranslationBlock *tb = cpu->tb_jmp_cache[h];
    ram_addr_t phys_pc;

    if (tb && tb->pc == pc && tb->flags == flags && !tb_is_invalid(tb)) {
        return tb;
    }
    qatomic_set(&cpu->tb_jmp_cache_misses, cpu->tb_jmp_cache_misses + 1);
    phys_pc = get_page_addr_code_hostp(cpu, pc, NULL, NULL);
    tb = tb_htable_lookup(cpu, pc, phys_pc, flags);
    if (!tb) {
        tb = tb_gen_code(cpu, pc, flags);
    }
    /* Keep the cache for the blocks that chaining may follow. */
    if (!(flags & TB_FLAG_SINGLE_STEP)) {
        cpu->tb_jmp_cache[h] = tb;
    }
    return tb;
}

void tb_add_jump(TranslationBlock *tb, int n, TranslationBlock *next)
{
    TBJump *j = tb_jump(tb, n);

    /*
     * A jump stays linked across changes of the guest's page tables, so
     * it may only lead where the mapping cannot differ from its own:
     * into the same virtual page, and not into a block whose code runs
     * on into a second page (that page's mapping is checked at lookup).
     */
    if ((tb->cflags | next->cflags) & CF_NO_CHAIN ||
        tb_page_start(tb) != tb_page_start(next) ||
        next->page_addr[1] != TB_PAGE_NONE || tb->flags != next->flags) {
        return;
    }
    tb_lock();
    /*
     * Under the lock, neither can be invalidated meanwhile: a jump is
     * only ever linked to a valid TB, and unlinked when it goes.
     */
    if (!j->dest && !tb_is_invalid(tb) && !tb_is_invalid(next)) {
        j->next = next->jmp_incoming;
        next->jmp_incoming = j;
        /*
         * next came from a lookup, so it is complete; the release makes
         * it so for the vCPUs that will follow the jump (load-acquire in
         * tcg-interp.c), which may not have looked it up themselves.
         */
        qatomic_store_release(&j->dest, next);
        if (tcg_backend->link_jump) {
            tcg_backend->link_jump(j, next);
        }
    }
    tb_unlock();
}

/*
 * Under the TB lock, which guards the counters of tb_ctx and the
 * backend's (the caller may hold it already: a fatal error during
 * translation, with stats=on); the vCPUs' miss counts are atomic.
 */
void tcg_dump_info(GString *buf)
{
    bool locked = tb_lock_held;
    uint64_t misses = 0;
    CPUState *cpu;

    if (!locked) {
        tb_lock();
    }
    g_string_append_printf(buf, "Backend              %s\n", tcg_backend->name);
    g_string_append_printf(buf, "Translation blocks   %u\n", tb_ctx.nb_tbs);
    g_string_append_printf(buf, "Code buffer          %zu / %zu KiB\n",
                           tb_ctx.buf_used / KiB, tb_ctx.buf_limit / KiB);
    g_string_append_printf(buf, "Translations         %" PRIu64 "\n",
                           tb_ctx.translate_count);
    if (tb_ctx.translate_insns) {
        g_string_append_printf(buf, "Translated insns     %" PRIu64 "\n",
                               tb_ctx.translate_insns);
        g_string_append_printf(buf, "Translation ns/insn  %.1f\n",
                               (double)tb_ctx.translate_ns /
                               tb_ctx.translate_insns);
    }
    g_string_append_printf(buf, "Invalidations        %" PRIu64 "\n",
                           tb_ctx.invalidate_count);
    g_string_append_printf(buf, "Full flushes         %" PRIu64 "\n",
                           tb_ctx.flush_count);
    CPU_FOREACH(cpu) {
        misses += qatomic_read(&cpu->tb_jmp_cache_misses);
    }
    g_string_append_printf(buf, "Jump cache misses    %" PRIu64 "\n", misses);
    if (tcg_backend->dump_info) {
        tcg_backend->dump_info(buf);
    }
    if (!locked) {
        tb_unlock();
    }
}

unsigned tcg_jit_block_pad;

bool tcg_jit_available(void)
{
#ifdef CONFIG_JIT
    return true;
#else
    return false;
#endif
}

bool tcg_jit_enabled(void)
{
    return tcg_backend != &tcg_interp_backend;
}

void tcg_use_jit(bool on)
{
    const TCGBackend *b = &tcg_interp_backend;

#ifdef CONFIG_JIT
    if (on) {
        b = &tcg_jit_backend;
    }
#endif
    assert(!on || tcg_jit_available());
    if (b == tcg_backend) {
        return;
    }
    /*
     * No TB of the old backend may survive, nor any jump it patched: the
     * two never share code.  Backend init is idempotent.
     */
    if (tb_ctx.htable) {
        tb_flush_all_stopped();
        b->init();
        if (b->reset) {
            b->reset(tb_ctx.buf_limit);
        }
    }
    tcg_backend = b;
}
