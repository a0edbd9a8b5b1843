/*
 * The RCU list macros (include/qemu/rcu_queue.h), one body for all four
 * list kinds: meson builds this file once per kind, with TEST_LIST_TYPE
 * 1 (QLIST), 2 (QSIMPLEQ), 3 (QTAILQ) or 4 (QSLIST).
 *
 * single-threaded: every insert and remove form, checked against the
 * order a reader sees and the order the writer's own macros see.
 *
 * short-few, long-many: readers (half of them QSBR threads) walk the list
 * without a lock while an updater inserts at random places with every
 * form the kind has and removes random elements; call_rcu poisons and
 * frees removed elements after a grace period.  A reader that meets a
 * poisoned element has seen freed memory (AddressSanitizer builds report
 * it directly).  At the end, every element removed must have been
 * reclaimed, and every element created removed.
 */
#include "qemu/osdep.h"
#include "qemu/rcu.h"
#include "qemu/rcu_queue.h"
#include "qemu/thread.h"
#include "qemu/atomic.h"

#define ALIVE   0x1157
#define POISON  0xdead

struct list_element {
    struct rcu_head rcu;        /* first, for call_rcu */
#if TEST_LIST_TYPE == 1
    QLIST_ENTRY(list_element) link;
#elif TEST_LIST_TYPE == 2
    QSIMPLEQ_ENTRY(list_element) link;
#elif TEST_LIST_TYPE == 3
    QTAILQ_ENTRY(list_element) link;
#elif TEST_LIST_TYPE == 4
    QSLIST_ENTRY(list_element) link;
#else
#error TEST_LIST_TYPE must be 1 to 4
#endif
    long val;
    int alive;                  /* ALIVE until reclaimed, then POISON */
};

/*
 * Each kind's spelling of the operations the test uses.  INSERT_AFTER
 * and REMOVE take the head for every kind, to keep the body uniform.
 */
#if TEST_LIST_TYPE == 1
#define LIST_KIND                   "qlist"
#define TEST_HEAD                   QLIST_HEAD(, list_element)
#define TEST_INIT(h)                QLIST_INIT(h)
#define TEST_INSERT_HEAD_RCU(h, e)  QLIST_INSERT_HEAD_RCU(h, e, link)
#define TEST_INSERT_AFTER_RCU(h, le, e) QLIST_INSERT_AFTER_RCU(le, e, link)
#define TEST_INSERT_BEFORE_RCU(le, e)   QLIST_INSERT_BEFORE_RCU(le, e, link)
#define TEST_REMOVE_RCU(h, e)       QLIST_REMOVE_RCU(e, link)
#define TEST_EMPTY_RCU(h)           QLIST_EMPTY_RCU(h)
#define TEST_FIRST_RCU(h)           QLIST_FIRST_RCU(h)
#define TEST_NEXT_RCU(e)            QLIST_NEXT_RCU(e, link)
#define TEST_FOREACH_RCU(v, h)      QLIST_FOREACH_RCU(v, h, link)
#define TEST_FOREACH_SAFE_RCU(v, h, n) QLIST_FOREACH_SAFE_RCU(v, h, link, n)
#define TEST_FOREACH(v, h)          QLIST_FOREACH(v, h, link)
#define HAVE_INSERT_BEFORE
#elif TEST_LIST_TYPE == 2
#define LIST_KIND                   "qsimpleq"
#define TEST_HEAD                   QSIMPLEQ_HEAD(, list_element)
#define TEST_INIT(h)                QSIMPLEQ_INIT(h)
#define TEST_INSERT_HEAD_RCU(h, e)  QSIMPLEQ_INSERT_HEAD_RCU(h, e, link)
#define TEST_INSERT_TAIL_RCU(h, e)  QSIMPLEQ_INSERT_TAIL_RCU(h, e, link)
#define TEST_INSERT_AFTER_RCU(h, le, e) \
    QSIMPLEQ_INSERT_AFTER_RCU(h, le, e, link)
#define TEST_REMOVE_RCU(h, e)       QSIMPLEQ_REMOVE_RCU(h, e, list_element, link)
#define TEST_REMOVE_HEAD_RCU(h)     QSIMPLEQ_REMOVE_HEAD_RCU(h, link)
#define TEST_EMPTY_RCU(h)           QSIMPLEQ_EMPTY_RCU(h)
#define TEST_FIRST_RCU(h)           QSIMPLEQ_FIRST_RCU(h)
#define TEST_NEXT_RCU(e)            QSIMPLEQ_NEXT_RCU(e, link)
#define TEST_FOREACH_RCU(v, h)      QSIMPLEQ_FOREACH_RCU(v, h, link)
#define TEST_FOREACH_SAFE_RCU(v, h, n) QSIMPLEQ_FOREACH_SAFE_RCU(v, h, link, n)
#define TEST_FOREACH(v, h)          QSIMPLEQ_FOREACH(v, h, link)
#define HAVE_INSERT_TAIL
#elif TEST_LIST_TYPE == 3
#define LIST_KIND                   "qtailq"
#define TEST_HEAD                   QTAILQ_HEAD(, list_element)
#define TEST_INIT(h)                QTAILQ_INIT(h)
#define TEST_INSERT_HEAD_RCU(h, e)  QTAILQ_INSERT_HEAD_RCU(h, e, link)
#define TEST_INSERT_TAIL_RCU(h, e)  QTAILQ_INSERT_TAIL_RCU(h, e, link)
#define TEST_INSERT_AFTER_RCU(h, le, e) QTAILQ_INSERT_AFTER_RCU(h, le, e, link)
#define TEST_INSERT_BEFORE_RCU(le, e)   QTAILQ_INSERT_BEFORE_RCU(le, e, link)
#define TEST_REMOVE_RCU(h, e)       QTAILQ_REMOVE_RCU(h, e, link)
#define TEST_EMPTY_RCU(h)           QTAILQ_EMPTY_RCU(h)
#define TEST_FIRST_RCU(h)           QTAILQ_FIRST_RCU(h)
#define TEST_NEXT_RCU(e)            QTAILQ_NEXT_RCU(e, link)
#define TEST_FOREACH_RCU(v, h)      QTAILQ_FOREACH_RCU(v, h, link)
#define TEST_FOREACH_SAFE_RCU(v, h, n) QTAILQ_FOREACH_SAFE_RCU(v, h, link, n)
#define TEST_FOREACH(v, h)          QTAILQ_FOREACH(v, h, link)
#define HAVE_INSERT_BEFORE
#define HAVE_INSERT_TAIL
#elif TEST_LIST_TYPE == 4
#define LIST_KIND                   "qslist"
#define TEST_HEAD                   QSLIST_HEAD(, list_element)
#define TEST_INIT(h)                QSLIST_INIT(h)
#define TEST_INSERT_HEAD_RCU(h, e)  QSLIST_INSERT_HEAD_RCU(h, e, link)
#define TEST_INSERT_AFTER_RCU(h, le, e) QSLIST_INSERT_AFTER_RCU(h, le, e, link)
#define TEST_REMOVE_RCU(h, e)       QSLIST_REMOVE_RCU(h, e, list_element, link)
#define TEST_REMOVE_HEAD_RCU(h)     QSLIST_REMOVE_HEAD_RCU(h, link)
#define TEST_EMPTY_RCU(h)           QSLIST_EMPTY_RCU(h)
#define TEST_FIRST_RCU(h)           QSLIST_FIRST_RCU(h)
#define TEST_NEXT_RCU(e)            QSLIST_NEXT_RCU(e, link)
#define TEST_FOREACH_RCU(v, h)      QSLIST_FOREACH_RCU(v, h, link)
#define TEST_FOREACH_SAFE_RCU(v, h, n) QSLIST_FOREACH_SAFE_RCU(v, h, link, n)
#define TEST_FOREACH(v, h)          QSLIST_FOREACH(v, h, link)
#endif

typedef TEST_HEAD TestList;

static struct list_element *new_element(long val)
{
    struct list_element *e = g_new0(struct list_element, 1);

    e->val = val;
    e->alive = ALIVE;
    return e;
}

/*
 * The list macros evaluate their arguments more than once, like those of
 * queue.h, so these name the new element first.
 */
static void insert_head(TestList *l, long val)
{
    struct list_element *e = new_element(val);

    TEST_INSERT_HEAD_RCU(l, e);
}

static void insert_after(TestList *l, struct list_element *at, long val)
{
    struct list_element *e = new_element(val);

    TEST_INSERT_AFTER_RCU(l, at, e);
}

#ifdef HAVE_INSERT_BEFORE
static void insert_before(struct list_element *at, long val)
{
    struct list_element *e = new_element(val);

    TEST_INSERT_BEFORE_RCU(at, e);
}
#endif

#ifdef HAVE_INSERT_TAIL
static void insert_tail(TestList *l, long val)
{
    struct list_element *e = new_element(val);

    TEST_INSERT_TAIL_RCU(l, e);
}
#endif

/* The values in the order a reader sees them, as "1 2 3". */
static char *reader_order(TestList *list)
{
    GString *s = g_string_new(NULL);
    struct list_element *e;

    WITH_RCU_READ_LOCK_GUARD() {
        TEST_FOREACH_RCU(e, list) {
            g_string_append_printf(s, "%s%ld", s->len ? " " : "", e->val);
        }
    }
    return g_string_free(s, false);
}

/* The same through FIRST_RCU/NEXT_RCU and through the writer's FOREACH. */
static void check_order(TestList *list, const char *want)
{
    GString *s = g_string_new(NULL);
    struct list_element *e;
    char *order = reader_order(list);

    g_assert_cmpstr(order, ==, want);
    g_free(order);

    rcu_read_lock();
    for (e = TEST_FIRST_RCU(list); e; e = TEST_NEXT_RCU(e)) {
        g_string_append_printf(s, "%s%ld", s->len ? " " : "", e->val);
    }
    rcu_read_unlock();
    g_assert_cmpstr(s->str, ==, want);

    g_string_truncate(s, 0);
    TEST_FOREACH(e, list) {
        g_string_append_printf(s, "%s%ld", s->len ? " " : "", e->val);
    }
    g_assert_cmpstr(s->str, ==, want);
    g_string_free(s, true);
}

static struct list_element *find(TestList *list, long val)
{
    struct list_element *e;

    TEST_FOREACH(e, list) {
        if (e->val == val) {
            return e;
        }
    }
    g_assert_not_reached();
}

/* Remove e and free it after a grace period. */
static void remove_now(TestList *list, struct list_element *e)
{
    TEST_REMOVE_RCU(list, e);
    synchronize_rcu();
    g_free(e);
}

static void test_single_threaded(void)
{
    TestList list, *l = &list;
    struct list_element *e, *next;
    int n = 0;

    TEST_INIT(l);
    g_assert_true(TEST_EMPTY_RCU(l));
    check_order(l, "");

    insert_head(l, 3);
    insert_head(l, 1);
    g_assert_false(TEST_EMPTY_RCU(l));
    insert_after(l, find(l, 1), 2);
    insert_after(l, find(l, 3), 5);                 /* at the end */
#ifdef HAVE_INSERT_BEFORE
    insert_before(find(l, 5), 4);
    insert_before(find(l, 1), 0);                   /* at the head */
#else
    insert_after(l, find(l, 3), 4);
    insert_head(l, 0);
#endif
#ifdef HAVE_INSERT_TAIL
    insert_tail(l, 6);
#else
    insert_after(l, find(l, 5), 6);
#endif
    check_order(l, "0 1 2 3 4 5 6");

    /* Head, middle, tail. */
    remove_now(l, find(l, 0));
    remove_now(l, find(l, 3));
    remove_now(l, find(l, 6));
    check_order(l, "1 2 4 5");
#ifdef HAVE_INSERT_TAIL
    /* The tail pointer must have followed the removal of the last one. */
    insert_tail(l, 7);
    check_order(l, "1 2 4 5 7");
    remove_now(l, find(l, 7));
#endif
#ifdef TEST_REMOVE_HEAD_RCU
    e = TEST_FIRST_RCU(l);
    TEST_REMOVE_HEAD_RCU(l);
    synchronize_rcu();
    g_free(e);
    check_order(l, "2 4 5");
    insert_head(l, 1);
#endif

    /* A removed element keeps its forward link for readers on it. */
    e = find(l, 2);
    rcu_read_lock();
    TEST_REMOVE_RCU(l, e);
    g_assert_true(TEST_NEXT_RCU(e) == find(l, 4));
    rcu_read_unlock();
    synchronize_rcu();
    g_free(e);
    check_order(l, "1 4 5");

    /* The SAFE form lets the body remove the current element. */
    {
        struct list_element *removed[3];

        rcu_read_lock();
        TEST_FOREACH_SAFE_RCU(e, l, next) {
            TEST_REMOVE_RCU(l, e);
            removed[n++] = e;
        }
        rcu_read_unlock();
        g_assert_cmpint(n, ==, 3);
        g_assert_true(TEST_EMPTY_RCU(l));
        synchronize_rcu();
        for (int i = 0; i < n; i++) {
            g_free(removed[i]);
        }
    }
}

/*
 * The concurrent test.  The list and its length belong to the updater
 * thread; readers only walk the list.
 */
#define MAX_LEN 64

static TestList the_list;
static long list_len;               /* updater only */
static long n_created, n_removed;   /* updater only */
static long n_reclaimed;            /* call_rcu thread */
static int stop;
static int updating;                /* set by the updater, once it has begun */
static long reader_errors, reader_walks, reader_seen;

static void reclaim(struct list_element *e)
{
    qatomic_set(&e->alive, POISON);
    g_free(e);
    qatomic_inc(&n_reclaimed);
}

static void retire(struct list_element *e)
{
    n_removed++;
    call_rcu(e, reclaim, rcu);
}

/* The i-th element, as the writer sees the list. */
static struct list_element *nth(long i)
{
    struct list_element *e;

    TEST_FOREACH(e, &the_list) {
        if (i-- == 0) {
            return e;
        }
    }
    g_assert_not_reached();
}

static void random_insert(GRand *rand)
{
    struct list_element *e = new_element(n_created++);
    struct list_element *at;

    if (!list_len) {
        TEST_INSERT_HEAD_RCU(&the_list, e);
        list_len++;
        return;
    }
    at = nth(g_rand_int_range(rand, 0, list_len));
    switch (g_rand_int_range(rand, 0, 4)) {
    case 0:
        TEST_INSERT_HEAD_RCU(&the_list, e);
        break;
    case 1:
#ifdef HAVE_INSERT_TAIL
        TEST_INSERT_TAIL_RCU(&the_list, e);
        break;
#endif
        /* fall through */
    case 2:
#ifdef HAVE_INSERT_BEFORE
        TEST_INSERT_BEFORE_RCU(at, e);
        break;
#endif
        /* fall through */
    default:
        TEST_INSERT_AFTER_RCU(&the_list, at, e);
        break;
    }
    list_len++;
}

static void random_remove(GRand *rand)
{
    struct list_element *e = nth(g_rand_int_range(rand, 0, list_len));

    TEST_REMOVE_RCU(&the_list, e);
    list_len--;
    retire(e);
}

static void *updater_thread(void *opaque)
{
    GRand *rand = g_rand_new_with_seed(GPOINTER_TO_UINT(opaque));

    rcu_register_thread();
    random_insert(rand);
    qatomic_set(&updating, 1);
    while (!qatomic_read(&stop)) {
        bool grow = g_rand_int_range(rand, 0, MAX_LEN) >= list_len;

        if (grow) {
            random_insert(rand);
        } else {
            random_remove(rand);
        }
    }
    /* Empty the list; everything goes through call_rcu. */
    while (list_len) {
        random_remove(rand);
    }
    rcu_unregister_thread();
    g_rand_free(rand);
    return NULL;
}

static void *reader_thread(void *opaque)
{
    bool qsbr = GPOINTER_TO_INT(opaque);
    long errors = 0, walks = 0, seen = 0;

    rcu_register_thread();
    if (qsbr) {
        rcu_thread_online();
    }
    while (!qatomic_read(&stop)) {
        struct list_element *e;

        if (!qsbr) {
            rcu_read_lock();
        }
        TEST_FOREACH_RCU(e, &the_list) {
            if (qatomic_read(&e->alive) != ALIVE) {
                errors++;
            }
            seen++;
        }
        if (qsbr) {
            rcu_quiescent_state();
        } else {
            rcu_read_unlock();
        }
        walks++;
    }
    if (qsbr) {
        rcu_thread_offline();
    }
    rcu_unregister_thread();
    qatomic_add(&reader_errors, errors);
    qatomic_add(&reader_walks, walks);
    qatomic_add(&reader_seen, seen);
    return NULL;
}

static void run_concurrent(int n_readers, int64_t duration_us)
{
    QemuThread *readers = g_new(QemuThread, n_readers);
    QemuThread updater;

    TEST_INIT(&the_list);
    list_len = n_created = n_removed = 0;
    qatomic_set(&n_reclaimed, 0);
    stop = updating = 0;
    reader_errors = reader_walks = reader_seen = 0;

    for (int i = 0; i < n_readers; i++) {
        qemu_thread_create(&readers[i], "rcu-list-r", reader_thread,
                           GINT_TO_POINTER(i % 2), QEMU_THREAD_JOINABLE);
    }
    qemu_thread_create(&updater, "rcu-list-u", updater_thread,
                       GUINT_TO_POINTER(g_test_rand_int()),
                       QEMU_THREAD_JOINABLE);
    /*
     * The run lasts duration_us from the updater's first insert: on a
     * loaded host a new thread may wait a long time for a CPU.
     */
    while (!qatomic_read(&updating)) {
        g_usleep(1000);
    }
    g_usleep(duration_us);
    qatomic_set(&stop, 1);
    qemu_thread_join(&updater);
    for (int i = 0; i < n_readers; i++) {
        qemu_thread_join(&readers[i]);
    }
    g_free(readers);
    drain_call_rcu();

    g_test_message("%s: %ld created, %ld removed, %ld reclaimed; "
                   "%ld walks saw %ld elements", LIST_KIND, n_created,
                   n_removed, n_reclaimed, reader_walks, reader_seen);
    g_assert_cmpint(reader_errors, ==, 0);
    g_assert_true(TEST_EMPTY_RCU(&the_list));
    g_assert_cmpint(n_removed, ==, qatomic_read(&n_reclaimed));
    g_assert_cmpint(n_created, ==, n_removed);
    g_assert_cmpint(n_created, >, 0);
}

static void test_short_few(void)
{
    run_concurrent(2, 300 * 1000);
}

static void test_long_many(void)
{
    run_concurrent(6, 10 * 1000 * 1000);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/rcu/" LIST_KIND "/single-threaded",
                    test_single_threaded);
    g_test_add_func("/rcu/" LIST_KIND "/short-few", test_short_few);
    if (!g_test_quick()) {
        g_test_add_func("/rcu/" LIST_KIND "/long-many", test_long_many);
    }
    return g_test_run();
}
