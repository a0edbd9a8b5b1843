/*
 * Interrupt lines (hw/core/irq.c): levels reach the handler, a hook sees
 * them first without cutting the wire, and published lines are found
 * again by path and direction.
 */
#include "qemu/osdep.h"
#include "hw/irq.h"

typedef struct Seen {
    char who[16][8];
    int n[16];
    int level[16];
    int count;
} Seen;

static void record(Seen *s, const char *who, int n, int level)
{
    g_assert_cmpint(s->count, <, 16);
    g_strlcpy(s->who[s->count], who, sizeof(s->who[0]));
    s->n[s->count] = n;
    s->level[s->count] = level;
    s->count++;
}

static void device_handler(void *opaque, int n, int level)
{
    record(opaque, "device", n, level);
}

static void hook_a(void *opaque, int n, int level)
{
    record(opaque, "a", n, level);
}

static void hook_b(void *opaque, int n, int level)
{
    record(opaque, "b", n, level);
}

static void test_set(void)
{
    Seen s = { .count = 0 };
    qemu_irq *lines = qemu_allocate_irqs(device_handler, &s, 3);

    qemu_irq_raise(lines[2]);
    qemu_irq_pulse(lines[0]);
    g_assert_cmpint(s.count, ==, 3);
    g_assert_cmpint(s.n[0], ==, 2);
    g_assert_cmpint(s.level[0], ==, 1);
    g_assert_cmpint(s.n[1], ==, 0);
    g_assert_cmpint(s.level[1], ==, 1);
    g_assert_cmpint(s.level[2], ==, 0);
    /* An unconnected line goes nowhere. */
    qemu_set_irq(NULL, 1);
    g_assert_cmpint(s.count, ==, 3);
    qemu_free_irqs(lines, 3);
}

/* The hook sees the level first, under its own number; the device still
 * gets it; a second hook replaces the first. */
static void test_intercept(void)
{
    Seen s = { .count = 0 };
    qemu_irq line = qemu_allocate_irq(device_handler, &s, 7);

    qemu_irq_intercept(line, hook_a, &s, 42);
    qemu_irq_raise(line);
    g_assert_cmpint(s.count, ==, 2);
    g_assert_cmpstr(s.who[0], ==, "a");
    g_assert_cmpint(s.n[0], ==, 42);
    g_assert_cmpint(s.level[0], ==, 1);
    g_assert_cmpstr(s.who[1], ==, "device");
    g_assert_cmpint(s.n[1], ==, 7);
    g_assert_cmpint(s.level[1], ==, 1);

    qemu_irq_intercept(line, hook_b, &s, 3);
    qemu_irq_lower(line);
    g_assert_cmpint(s.count, ==, 4);
    g_assert_cmpstr(s.who[2], ==, "b");
    g_assert_cmpint(s.n[2], ==, 3);
    g_assert_cmpint(s.level[2], ==, 0);
    g_assert_cmpstr(s.who[3], ==, "device");
    qemu_free_irq(line);
}

static void count_path(const char *path, void *opaque)
{
    GString *all = opaque;

    g_string_append_printf(all, "%s;", path);
}

static void test_publish(void)
{
    Seen s = { .count = 0 };
    qemu_irq *in = qemu_allocate_irqs(device_handler, &s, 4);
    qemu_irq out[2] = { in[3], NULL };
    g_autoptr(GString) all = g_string_new(NULL);
    const qemu_irq *found;
    int n = -1;

    qemu_irq_publish("/soc/dev@1000", false, in, 4);
    qemu_irq_publish("/soc/dev@1000", true, out, 2);
    qemu_irq_publish("/soc/other@2000", true, out, 1);

    found = qemu_irq_find_published("/soc/dev@1000", false, &n);
    g_assert_nonnull(found);
    g_assert_cmpint(n, ==, 4);
    g_assert_true(found[1] == in[1]);
    g_assert_true(found != in);         /* a copy */
    found = qemu_irq_find_published("/soc/dev@1000", true, &n);
    g_assert_cmpint(n, ==, 2);
    g_assert_true(found[0] == in[3]);
    g_assert_null(found[1]);

    /* Unknown paths and directions never published. */
    g_assert_null(qemu_irq_find_published("/soc/dev", false, &n));
    g_assert_cmpint(n, ==, 0);
    n = -1;
    g_assert_null(qemu_irq_find_published("/soc/other@2000", false, &n));
    g_assert_cmpint(n, ==, 0);

    qemu_irq_foreach_published(count_path, all);
    g_assert_cmpstr(all->str, ==, "/soc/dev@1000;/soc/other@2000;");
    /* The registry keeps the lines, not the array they came in. */
    g_free(in);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/irq/set", test_set);
    g_test_add_func("/irq/intercept", test_intercept);
    g_test_add_func("/irq/publish", test_publish);
    return g_test_run();
}
