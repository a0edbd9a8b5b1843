/*
 * The four list kinds of qemu/queue.h: insertion at every position,
 * removal, iteration in both directions where supported.
 */
#include "qemu/osdep.h"
#include "qemu/queue.h"

typedef struct Node {
    int val;
    QLIST_ENTRY(Node) l;
    QSLIST_ENTRY(Node) sl;
    QSIMPLEQ_ENTRY(Node) sq;
    QTAILQ_ENTRY(Node) tq;
} Node;

static Node nodes[6];

static void init_nodes(void)
{
    memset(nodes, 0, sizeof(nodes));
    for (int i = 0; i < 6; i++) {
        nodes[i].val = i;
    }
}

/* Render a list's values as a string like "0 1 2" for easy comparison. */
#define LIST_STR(head, FOREACH, field) ({                   \
    GString *s_ = g_string_new(NULL);                       \
    Node *n_;                                               \
    FOREACH(n_, head, field) {                              \
        g_string_append_printf(s_, s_->len ? " %d" : "%d", n_->val); \
    }                                                       \
    g_string_free(s_, false);                               \
})

static void check_str(char *got, const char *want)
{
    g_assert_cmpstr(got, ==, want);
    g_free(got);
}

static void test_qlist(void)
{
    QLIST_HEAD(, Node) head = QLIST_HEAD_INITIALIZER(head);
    Node *n, *next;

    init_nodes();
    g_assert_true(QLIST_EMPTY(&head));
    QLIST_INSERT_HEAD(&head, &nodes[2], l);
    QLIST_INSERT_HEAD(&head, &nodes[0], l);
    QLIST_INSERT_AFTER(&nodes[0], &nodes[1], l);
    QLIST_INSERT_AFTER(&nodes[2], &nodes[4], l);
    QLIST_INSERT_BEFORE(&nodes[4], &nodes[3], l);
    check_str(LIST_STR(&head, QLIST_FOREACH, l), "0 1 2 3 4");
    g_assert_true(QLIST_IS_INSERTED(&nodes[3], l));

    QLIST_REMOVE(&nodes[0], l);
    QLIST_REMOVE(&nodes[3], l);
    QLIST_REMOVE(&nodes[4], l);
    g_assert_false(QLIST_IS_INSERTED(&nodes[3], l));
    QLIST_SAFE_REMOVE(&nodes[3], l);
    check_str(LIST_STR(&head, QLIST_FOREACH, l), "1 2");
    g_assert_true(QLIST_FIRST(&head) == &nodes[1]);
    g_assert_true(QLIST_NEXT(&nodes[2], l) == NULL);

    QLIST_FOREACH_SAFE(n, &head, l, next) {
        QLIST_REMOVE(n, l);
    }
    g_assert_true(QLIST_EMPTY(&head));
}

static void test_qslist(void)
{
    QSLIST_HEAD(, Node) head = QSLIST_HEAD_INITIALIZER(head);
    Node *n, *next;

    init_nodes();
    QSLIST_INSERT_HEAD(&head, &nodes[3], sl);
    QSLIST_INSERT_HEAD(&head, &nodes[0], sl);
    QSLIST_INSERT_AFTER(&nodes[0], &nodes[2], sl);
    QSLIST_INSERT_AFTER(&nodes[0], &nodes[1], sl);
    check_str(LIST_STR(&head, QSLIST_FOREACH, sl), "0 1 2 3");

    QSLIST_REMOVE(&head, &nodes[2], Node, sl);
    QSLIST_REMOVE_HEAD(&head, sl);
    check_str(LIST_STR(&head, QSLIST_FOREACH, sl), "1 3");
    QSLIST_REMOVE_AFTER(&nodes[1], sl);
    check_str(LIST_STR(&head, QSLIST_FOREACH, sl), "1");

    QSLIST_FOREACH_SAFE(n, &head, sl, next) {
        QSLIST_REMOVE(&head, n, Node, sl);
    }
    g_assert_true(QSLIST_EMPTY(&head));
}

static void test_qsimpleq(void)
{
    QSIMPLEQ_HEAD(, Node) head = QSIMPLEQ_HEAD_INITIALIZER(head);
    QSIMPLEQ_HEAD(, Node) other = QSIMPLEQ_HEAD_INITIALIZER(other);

    init_nodes();
    QSIMPLEQ_INSERT_TAIL(&head, &nodes[1], sq);
    QSIMPLEQ_INSERT_HEAD(&head, &nodes[0], sq);
    QSIMPLEQ_INSERT_TAIL(&head, &nodes[3], sq);
    QSIMPLEQ_INSERT_AFTER(&head, &nodes[1], &nodes[2], sq);
    check_str(LIST_STR(&head, QSIMPLEQ_FOREACH, sq), "0 1 2 3");

    /* Removing the tail must move the tail pointer back. */
    QSIMPLEQ_REMOVE(&head, &nodes[3], Node, sq);
    QSIMPLEQ_INSERT_TAIL(&head, &nodes[4], sq);
    QSIMPLEQ_REMOVE_HEAD(&head, sq);
    check_str(LIST_STR(&head, QSIMPLEQ_FOREACH, sq), "1 2 4");

    QSIMPLEQ_INSERT_TAIL(&other, &nodes[5], sq);
    QSIMPLEQ_CONCAT(&head, &other);
    g_assert_true(QSIMPLEQ_EMPTY(&other));
    check_str(LIST_STR(&head, QSIMPLEQ_FOREACH, sq), "1 2 4 5");

    while (!QSIMPLEQ_EMPTY(&head)) {
        QSIMPLEQ_REMOVE_HEAD(&head, sq);
    }
    /* The tail pointer must be back at the head: append still works. */
    QSIMPLEQ_INSERT_TAIL(&head, &nodes[0], sq);
    check_str(LIST_STR(&head, QSIMPLEQ_FOREACH, sq), "0");
}

static void test_qtailq(void)
{
    QTAILQ_HEAD(, Node) head = QTAILQ_HEAD_INITIALIZER(head);
    Node *n, *prev;

    init_nodes();
    g_assert_null(QTAILQ_LAST(&head));
    QTAILQ_INSERT_TAIL(&head, &nodes[2], tq);
    QTAILQ_INSERT_HEAD(&head, &nodes[0], tq);
    QTAILQ_INSERT_AFTER(&head, &nodes[0], &nodes[1], tq);
    QTAILQ_INSERT_AFTER(&head, &nodes[2], &nodes[4], tq);
    QTAILQ_INSERT_BEFORE(&nodes[4], &nodes[3], tq);
    check_str(LIST_STR(&head, QTAILQ_FOREACH, tq), "0 1 2 3 4");
    check_str(LIST_STR(&head, QTAILQ_FOREACH_REVERSE, tq), "4 3 2 1 0");
    g_assert_true(QTAILQ_LAST(&head) == &nodes[4]);
    g_assert_true(QTAILQ_PREV(&nodes[3], tq) == &nodes[2]);
    g_assert_null(QTAILQ_PREV(&nodes[0], tq));

    QTAILQ_REMOVE(&head, &nodes[4], tq);
    QTAILQ_REMOVE(&head, &nodes[0], tq);
    g_assert_false(QTAILQ_IN_USE(&nodes[0], tq));
    g_assert_true(QTAILQ_IN_USE(&nodes[1], tq));
    g_assert_true(QTAILQ_LAST(&head) == &nodes[3]);
    check_str(LIST_STR(&head, QTAILQ_FOREACH_REVERSE, tq), "3 2 1");

    QTAILQ_FOREACH_REVERSE_SAFE(n, &head, tq, prev) {
        QTAILQ_REMOVE(&head, n, tq);
    }
    g_assert_true(QTAILQ_EMPTY(&head));
    g_assert_null(QTAILQ_LAST(&head));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/queue/qlist", test_qlist);
    g_test_add_func("/queue/qslist", test_qslist);
    g_test_add_func("/queue/qsimpleq", test_qsimpleq);
    g_test_add_func("/queue/qtailq", test_qtailq);
    return g_test_run();
}
