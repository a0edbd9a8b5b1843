/*
 * SiFive PLIC (include/hw/intc/sifive_plic.h).
 *
 * The gateways follow QEMU's model of a level source: pending tracks the
 * line while the source is not in service, so a line that drops before
 * anyone claims it stops interrupting (the spec lets a gateway latch it
 * instead; Linux copes with both).  Completion follows the spec: it is
 * ignored unless the source is enabled for the completing context, which
 * is why Linux briefly re-enables a masked source to complete it.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "hw/intc/sifive_plic.h"
#include "sysemu/reset.h"
#include "migration/vmstate.h"

static bool plic_test(const uint32_t *map, unsigned id)
{
    return map[id / 32] & (1u << (id % 32));
}

static void plic_assign(uint32_t *map, unsigned id, bool value)
{
    if (value) {
        map[id / 32] |= 1u << (id % 32);
    } else {
        map[id / 32] &= ~(1u << (id % 32));
    }
}

/* The bits of bitmap word w that name real sources (not ID 0). */
static uint32_t plic_word_mask(SiFivePLICState *s, unsigned w)
{
    uint32_t mask = UINT32_MAX;
    unsigned first = w * 32;

    if (first + 32 > s->num_sources + 1) {
        mask = (1u << (s->num_sources + 1 - first)) - 1;
    }
    if (w == 0) {
        mask &= ~1u;
    }
    return mask;
}

static uint32_t *plic_enable(SiFivePLICState *s, unsigned ctx)
{
    return &s->enable[ctx * s->bitfield_words];
}

/*
 * The source context ctx would claim now: the pending, enabled source not
 * in service with the highest priority above the threshold, the lowest ID
 * among equals; 0 if none.
 */
static unsigned plic_best_source(SiFivePLICState *s, unsigned ctx)
{
    const uint32_t *enable = plic_enable(s, ctx);
    uint32_t max_prio = s->threshold[ctx];
    unsigned best = 0;

    for (unsigned w = 0; w < s->bitfield_words; w++) {
        uint32_t bits = s->pending[w] & ~s->claimed[w] & enable[w];

        while (bits) {
            unsigned id = w * 32 + ctz32(bits);

            bits &= bits - 1;
            if (s->source_priority[id] > max_prio) {
                max_prio = s->source_priority[id];
                best = id;
            }
        }
    }
    return best;
}

static void plic_update(SiFivePLICState *s)
{
    for (unsigned ctx = 0; ctx < s->num_contexts; ctx++) {
        int level = plic_best_source(s, ctx) != 0;

        if (level != s->context_level[ctx]) {
            s->context_level[ctx] = level;
            qemu_set_irq(s->context_irqs[ctx], level);
        }
    }
}

/* A device drives source id's line.  BQL held. */
static void plic_irq_request(void *opaque, int id, int level)
{
    SiFivePLICState *s = opaque;

    plic_assign(s->level, id, level);
    if (!plic_test(s->claimed, id)) {
        plic_assign(s->pending, id, level);
    }
    plic_update(s);
}

static uint32_t plic_claim(SiFivePLICState *s, unsigned ctx)
{
    unsigned id = plic_best_source(s, ctx);

    if (id) {
        plic_assign(s->pending, id, false);
        plic_assign(s->claimed, id, true);
        plic_update(s);
    }
    return id;
}

static void plic_complete(SiFivePLICState *s, unsigned ctx, uint32_t id)
{
    if (id == 0 || id > s->num_sources) {
        qemu_log_mask(LOG_GUEST_ERROR, "sifive_plic: context %u completes "
                      "invalid source %u\n", ctx, id);
        return;
    }
    if (!plic_test(plic_enable(s, ctx), id)) {
        qemu_log_mask(LOG_GUEST_ERROR, "sifive_plic: context %u completes "
                      "source %u, which it has not enabled: ignored\n",
                      ctx, id);
        return;
    }
    if (!plic_test(s->claimed, id)) {
        qemu_log_mask(LOG_GUEST_ERROR, "sifive_plic: context %u completes "
                      "source %u, which is not in service\n", ctx, id);
        return;
    }
    plic_assign(s->claimed, id, false);
    if (plic_test(s->level, id)) {
        plic_assign(s->pending, id, true);
    }
    plic_update(s);
}

/* Where an offset falls. */
typedef enum PLICRegion {
    PLIC_PRIORITY,
    PLIC_PENDING,
    PLIC_ENABLE,
    PLIC_THRESHOLD,
    PLIC_CLAIM,
    PLIC_NONE,
} PLICRegion;

/*
 * Decode addr into a region and an index: the source for priorities, the
 * word for pending, context * bitfield_words + word for enables, the
 * context for thresholds and claims.
 */
static PLICRegion plic_decode(SiFivePLICState *s, hwaddr addr,
                              unsigned *index)
{
    if (addr < SIFIVE_PLIC_PENDING_BASE) {
        *index = addr / 4;
        return *index <= s->num_sources ? PLIC_PRIORITY : PLIC_NONE;
    }
    if (addr < SIFIVE_PLIC_ENABLE_BASE) {
        *index = (addr - SIFIVE_PLIC_PENDING_BASE) / 4;
        return *index < s->bitfield_words ? PLIC_PENDING : PLIC_NONE;
    }
    if (addr < SIFIVE_PLIC_CONTEXT_BASE) {
        unsigned ctx = (addr - SIFIVE_PLIC_ENABLE_BASE) /
                       SIFIVE_PLIC_ENABLE_STRIDE;
        unsigned word = (addr - SIFIVE_PLIC_ENABLE_BASE) %
                        SIFIVE_PLIC_ENABLE_STRIDE / 4;

        *index = ctx * s->bitfield_words + word;
        return ctx < s->num_contexts && word < s->bitfield_words ?
               PLIC_ENABLE : PLIC_NONE;
    }
    *index = (addr - SIFIVE_PLIC_CONTEXT_BASE) / SIFIVE_PLIC_CONTEXT_STRIDE;
    if (*index >= s->num_contexts) {
        return PLIC_NONE;
    }
    switch ((addr - SIFIVE_PLIC_CONTEXT_BASE) % SIFIVE_PLIC_CONTEXT_STRIDE) {
    case 0:
        return PLIC_THRESHOLD;
    case 4:
        return PLIC_CLAIM;
    default:
        return PLIC_NONE;
    }
}

static uint64_t plic_read(void *opaque, hwaddr addr, unsigned size)
{
    SiFivePLICState *s = opaque;
    unsigned index;

    switch (plic_decode(s, addr, &index)) {
    case PLIC_PRIORITY:
        return s->source_priority[index];
    case PLIC_PENDING:
        return s->pending[index];
    case PLIC_ENABLE:
        return s->enable[index];
    case PLIC_THRESHOLD:
        return s->threshold[index];
    case PLIC_CLAIM:
        return plic_claim(s, index);
    default:
        qemu_log_mask(LOG_GUEST_ERROR, "sifive_plic: read of unknown "
                      "register at 0x%" HWADDR_PRIx "\n", addr);
        return 0;
    }
}

static void plic_write(void *opaque, hwaddr addr, uint64_t value,
                       unsigned size)
{
    SiFivePLICState *s = opaque;
    unsigned index;

    switch (plic_decode(s, addr, &index)) {
    case PLIC_PRIORITY:
        if (index == 0) {
            break;          /* ID 0 is "no source"; hard-wired 0 */
        }
        s->source_priority[index] = value & SIFIVE_PLIC_MAX_PRIORITY;
        plic_update(s);
        break;
    case PLIC_PENDING:
        qemu_log_mask(LOG_GUEST_ERROR, "sifive_plic: write to read-only "
                      "pending word %u\n", index);
        break;
    case PLIC_ENABLE:
        s->enable[index] = value &
                           plic_word_mask(s, index % s->bitfield_words);
        plic_update(s);
        break;
    case PLIC_THRESHOLD:
        s->threshold[index] = value & SIFIVE_PLIC_MAX_PRIORITY;
        plic_update(s);
        break;
    case PLIC_CLAIM:
        plic_complete(s, index, value);
        break;
    default:
        qemu_log_mask(LOG_GUEST_ERROR, "sifive_plic: write of 0x%" PRIx64
                      " to unknown register at 0x%" HWADDR_PRIx "\n",
                      value, addr);
        break;
    }
}

static const MemoryRegionOps plic_ops = {
    .read = plic_read,
    .write = plic_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 4,
        .max_access_size = 4,
    },
    .impl = {
        .min_access_size = 4,
        .max_access_size = 4,
    },
};

static void plic_reset(void *opaque)
{
    SiFivePLICState *s = opaque;
    size_t words = s->bitfield_words;

    memset(s->source_priority, 0,
           (s->num_sources + 1) * sizeof(*s->source_priority));
    memset(s->claimed, 0, words * sizeof(uint32_t));
    memset(s->enable, 0, s->num_contexts * words * sizeof(uint32_t));
    memset(s->threshold, 0, s->num_contexts * sizeof(uint32_t));
    /* The input lines are wires, not state: sources still high pend. */
    memcpy(s->pending, s->level, words * sizeof(uint32_t));
    for (unsigned ctx = 0; ctx < s->num_contexts; ctx++) {
        s->context_level[ctx] = -1;     /* drive every output afresh */
    }
    plic_update(s);
}

/* Migration */

static uint32_t plic_num_ids(const void *opaque)
{
    return ((const SiFivePLICState *)opaque)->num_sources + 1;
}

static uint32_t plic_num_words(const void *opaque)
{
    return ((const SiFivePLICState *)opaque)->bitfield_words;
}

static uint32_t plic_num_contexts(const void *opaque)
{
    return ((const SiFivePLICState *)opaque)->num_contexts;
}

static uint32_t plic_num_enable_words(const void *opaque)
{
    const SiFivePLICState *s = opaque;

    return s->num_contexts * s->bitfield_words;
}

static bool plic_post_load(void *opaque, int version_id, Error **errp)
{
    SiFivePLICState *s = opaque;

    if (s->source_priority[0]) {
        error_setg(errp, "ID 0 has priority %" PRIu32 ", not 0",
                   s->source_priority[0]);
        return false;
    }
    /* Bits for IDs that do not exist (0, and past num_sources). */
    for (unsigned w = 0; w < s->bitfield_words; w++) {
        uint32_t bad = ~plic_word_mask(s, w);

        if ((s->level[w] | s->pending[w] | s->claimed[w]) & bad) {
            error_setg(errp, "word %u of the level, pending or claimed "
                       "bits names sources that do not exist", w);
            return false;
        }
        for (unsigned ctx = 0; ctx < s->num_contexts; ctx++) {
            if (plic_enable(s, ctx)[w] & bad) {
                error_setg(errp, "context %u enables sources that do not "
                           "exist", ctx);
                return false;
            }
        }
    }
    /* Drive every output afresh, as reset does. */
    for (unsigned ctx = 0; ctx < s->num_contexts; ctx++) {
        s->context_level[ctx] = -1;
    }
    plic_update(s);
    return true;
}

static const VMStateDescription vmstate_plic = {
    .name = "riscv.sifive.plic",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = plic_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32_VARRAY_MAX(source_priority, SiFivePLICState,
                                  plic_num_ids, SIFIVE_PLIC_MAX_PRIORITY),
        VMSTATE_UINT32_VARRAY(level, SiFivePLICState, plic_num_words),
        VMSTATE_UINT32_VARRAY(pending, SiFivePLICState, plic_num_words),
        VMSTATE_UINT32_VARRAY(claimed, SiFivePLICState, plic_num_words),
        VMSTATE_UINT32_VARRAY(enable, SiFivePLICState,
                              plic_num_enable_words),
        VMSTATE_UINT32_VARRAY_MAX(threshold, SiFivePLICState,
                                  plic_num_contexts,
                                  SIFIVE_PLIC_MAX_PRIORITY),
        VMSTATE_END_OF_LIST()
    },
};

SiFivePLICState *sifive_plic_create(MemoryRegion *sysmem, hwaddr base,
                                    uint32_t num_sources,
                                    uint32_t num_contexts,
                                    qemu_irq *context_irqs)
{
    SiFivePLICState *s = g_new0(SiFivePLICState, 1);
    uint32_t words;

    assert(num_sources > 0 && num_sources <= SIFIVE_PLIC_MAX_SOURCES);
    assert(num_contexts > 0 && num_contexts <= SIFIVE_PLIC_MAX_CONTEXTS);
    words = DIV_ROUND_UP(num_sources + 1, 32);
    s->num_sources = num_sources;
    s->num_contexts = num_contexts;
    s->bitfield_words = words;
    s->source_priority = g_new0(uint32_t, num_sources + 1);
    s->level = g_new0(uint32_t, words);
    s->pending = g_new0(uint32_t, words);
    s->claimed = g_new0(uint32_t, words);
    s->enable = g_new0(uint32_t, num_contexts * words);
    s->threshold = g_new0(uint32_t, num_contexts);
    s->context_level = g_new0(int, num_contexts);
    s->context_irqs = context_irqs;
    s->source_irqs = qemu_allocate_irqs(plic_irq_request, s,
                                        num_sources + 1);

    memory_region_init_io(&s->mmio, NULL, &plic_ops, s, "riscv.sifive.plic",
                          SIFIVE_PLIC_SIZE);
    memory_region_add_subregion(sysmem, base, &s->mmio);
    qemu_register_reset(plic_reset, s);
    plic_reset(s);
    vmstate_register(&vmstate_plic, 0, s);
    return s;
}

qemu_irq sifive_plic_get_source(SiFivePLICState *s, int source)
{
    assert(source > 0 && (uint32_t)source <= s->num_sources);
    return s->source_irqs[source];
}
