/*
 * Interrupt lines (include/hw/irq.h).
 */
#include "qemu/osdep.h"
#include "hw/irq.h"

struct IRQState {
    qemu_irq_handler handler;
    void *opaque;
    int n;
    /* qemu_irq_intercept's watcher, called first; NULL if none. */
    qemu_irq_handler hook;
    void *hook_opaque;
    int hook_n;
};

void qemu_set_irq(qemu_irq irq, int level)
{
    /* An unconnected line (NULL) goes nowhere, as on real boards. */
    if (irq) {
        if (irq->hook) {
            irq->hook(irq->hook_opaque, irq->hook_n, level);
        }
        irq->handler(irq->opaque, irq->n, level);
    }
}

void qemu_irq_intercept(qemu_irq irq, qemu_irq_handler hook, void *opaque,
                        int n)
{
    irq->hook = hook;
    irq->hook_opaque = opaque;
    irq->hook_n = n;
}

qemu_irq qemu_allocate_irq(qemu_irq_handler handler, void *opaque, int n)
{
    qemu_irq irq = g_new(struct IRQState, 1);

    irq->handler = handler;
    irq->opaque = opaque;
    irq->n = n;
    irq->hook = NULL;
    return irq;
}

qemu_irq *qemu_allocate_irqs(qemu_irq_handler handler, void *opaque, int n)
{
    qemu_irq *s = g_new(qemu_irq, n);

    for (int i = 0; i < n; i++) {
        s[i] = qemu_allocate_irq(handler, opaque, i);
    }
    return s;
}

void qemu_free_irq(qemu_irq irq)
{
    g_free(irq);
}

void qemu_free_irqs(qemu_irq *s, int n)
{
    for (int i = 0; i < n; i++) {
        qemu_free_irq(s[i]);
    }
    g_free(s);
}

/* Published lines: written and read under the BQL, never freed. */
typedef struct PublishedLines {
    char *path;
    qemu_irq *lines[2];         /* [out] */
    int n[2];
} PublishedLines;

static GPtrArray *published;

static PublishedLines *find_published(const char *path)
{
    for (guint i = 0; published && i < published->len; i++) {
        PublishedLines *p = g_ptr_array_index(published, i);

        if (!strcmp(p->path, path)) {
            return p;
        }
    }
    return NULL;
}

void qemu_irq_publish(const char *path, bool out, const qemu_irq *lines,
                      int n)
{
    PublishedLines *p = find_published(path);

    if (!p) {
        if (!published) {
            published = g_ptr_array_new();
        }
        p = g_new0(PublishedLines, 1);
        p->path = g_strdup(path);
        g_ptr_array_add(published, p);
    }
    /* A device publishes each direction once. */
    assert(!p->lines[out]);
    p->lines[out] = g_new(qemu_irq, n);
    memcpy(p->lines[out], lines, n * sizeof(qemu_irq));
    p->n[out] = n;
}

const qemu_irq *qemu_irq_find_published(const char *path, bool out, int *n)
{
    PublishedLines *p = find_published(path);

    if (!p || !p->lines[out]) {
        *n = 0;
        return NULL;
    }
    *n = p->n[out];
    return p->lines[out];
}

void qemu_irq_foreach_published(void (*fn)(const char *path, void *opaque),
                                void *opaque)
{
    for (guint i = 0; published && i < published->len; i++) {
        fn(((PublishedLines *)g_ptr_array_index(published, i))->path, opaque);
    }
}
