/*
 * Interrupt lines between devices: a qemu_irq is the input end of a wire;
 * whoever holds it drives the level with qemu_set_irq.  Handlers run
 * synchronously in the caller's thread, with the BQL held.
 */
#ifndef HW_IRQ_H
#define HW_IRQ_H

typedef struct IRQState *qemu_irq;
typedef void (*qemu_irq_handler)(void *opaque, int n, int level);

void qemu_set_irq(qemu_irq irq, int level);

static inline void qemu_irq_raise(qemu_irq irq)
{
    qemu_set_irq(irq, 1);
}

static inline void qemu_irq_lower(qemu_irq irq)
{
    qemu_set_irq(irq, 0);
}

static inline void qemu_irq_pulse(qemu_irq irq)
{
    qemu_set_irq(irq, 1);
    qemu_set_irq(irq, 0);
}

/* A line that calls handler(opaque, n, level); free with qemu_free_irq. */
qemu_irq qemu_allocate_irq(qemu_irq_handler handler, void *opaque, int n);
/* n lines numbered 0..n-1; free with qemu_free_irqs. */
qemu_irq *qemu_allocate_irqs(qemu_irq_handler handler, void *opaque, int n);
void qemu_free_irq(qemu_irq irq);
void qemu_free_irqs(qemu_irq *s, int n);

/*
 * Watch a line (qtest's irq_intercept_in/out): from now on, every
 * qemu_set_irq on irq first calls hook(opaque, n, level), then irq's own
 * handler as before, so the wire keeps working.  One hook per line; a
 * second replaces the first.  BQL held.
 */
void qemu_irq_intercept(qemu_irq irq, qemu_irq_handler hook, void *opaque,
                        int n);

/*
 * Named lines, for qtest: a board publishes a device's input lines (the
 * qemu_irqs the device is driven through) and output lines (the qemu_irqs
 * it drives) under a path, the device's node in the device tree
 * ("/soc/plic@c000000").  Line i of a direction is lines[i]; a NULL entry
 * is an unconnected line.  The array is copied.  BQL held.
 */
void qemu_irq_publish(const char *path, bool out, const qemu_irq *lines,
                      int n);
/* The lines published under path in that direction, or NULL; *n says how
 * many. */
const qemu_irq *qemu_irq_find_published(const char *path, bool out, int *n);
/* Call fn for each published path (in the order published). */
void qemu_irq_foreach_published(void (*fn)(const char *path, void *opaque),
                                void *opaque);

#endif /* HW_IRQ_H */
