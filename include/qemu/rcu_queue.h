/*
 * RCU forms of the lists in qemu/queue.h.
 *
 * Readers walk a list with the _FIRST_RCU, _NEXT_RCU, _FOREACH_RCU and
 * _FOREACH_SAFE_RCU forms inside a read-side section (or while online),
 * without a lock.  Writers use the _RCU insert and remove forms and
 * exclude each other with a lock of their own; they may mix in the plain
 * queue.h reads (FIRST, NEXT, FOREACH) since they hold that lock.
 *
 * What a concurrent reader may see:
 *  - an insertion becomes visible with one pointer store (the "publish"
 *    below), after the element's own links are set, so a reader either
 *    misses the new element or sees it fully linked;
 *  - a removal unlinks the element with one pointer store and leaves the
 *    element's forward link alone, so a reader standing on it still gets
 *    back to the list.  The element must not be freed or reused before a
 *    grace period has passed (call_rcu, g_free_rcu, synchronize_rcu);
 *  - readers only ever follow forward links.  Backward links (QLIST's
 *    le_prev, QTAILQ's tql_prev, the tail pointers) are the writers'.
 *
 * A reader walking while elements move may see an element twice, or miss
 * one that was present the whole time only if it was moved; insertions and
 * removals alone never make a reader skip an element that stays.
 */
#ifndef QEMU_RCU_QUEUE_H
#define QEMU_RCU_QUEUE_H

#include "qemu/queue.h"
#include "qemu/atomic.h"

/*
 * QLIST
 */
#define QLIST_EMPTY_RCU(head)       (qatomic_read(&(head)->lh_first) == NULL)
#define QLIST_FIRST_RCU(head)       (qatomic_rcu_read(&(head)->lh_first))
#define QLIST_NEXT_RCU(elm, field)  (qatomic_rcu_read(&(elm)->field.le_next))

#define QLIST_INSERT_HEAD_RCU(head, elm, field) do {                    \
    (elm)->field.le_prev = &(head)->lh_first;                           \
    (elm)->field.le_next = (head)->lh_first;                            \
    qatomic_rcu_set(&(head)->lh_first, (elm));          /* publish */   \
    if ((elm)->field.le_next != NULL) {                                 \
        (elm)->field.le_next->field.le_prev = &(elm)->field.le_next;    \
    }                                                                   \
} while (0)

#define QLIST_INSERT_AFTER_RCU(listelm, elm, field) do {                \
    (elm)->field.le_next = (listelm)->field.le_next;                    \
    (elm)->field.le_prev = &(listelm)->field.le_next;                   \
    qatomic_rcu_set(&(listelm)->field.le_next, (elm));  /* publish */   \
    if ((elm)->field.le_next != NULL) {                                 \
        (elm)->field.le_next->field.le_prev = &(elm)->field.le_next;    \
    }                                                                   \
} while (0)

#define QLIST_INSERT_BEFORE_RCU(listelm, elm, field) do {               \
    (elm)->field.le_prev = (listelm)->field.le_prev;                    \
    (elm)->field.le_next = (listelm);                                   \
    qatomic_rcu_set((listelm)->field.le_prev, (elm));   /* publish */   \
    (listelm)->field.le_prev = &(elm)->field.le_next;                   \
} while (0)

/* elm->field.le_next stays valid for readers standing on elm. */
#define QLIST_REMOVE_RCU(elm, field) do {                               \
    if ((elm)->field.le_next != NULL) {                                 \
        (elm)->field.le_next->field.le_prev = (elm)->field.le_prev;     \
    }                                                                   \
    qatomic_rcu_set((elm)->field.le_prev, (elm)->field.le_next);        \
    (elm)->field.le_prev = NULL;                                        \
} while (0)

#define QLIST_FOREACH_RCU(var, head, field)                             \
    for ((var) = qatomic_rcu_read(&(head)->lh_first);                   \
         (var);                                                         \
         (var) = qatomic_rcu_read(&(var)->field.le_next))

/* next_var is read before the body runs, so the body may remove var. */
#define QLIST_FOREACH_SAFE_RCU(var, head, field, next_var)              \
    for ((var) = qatomic_rcu_read(&(head)->lh_first);                   \
         (var) &&                                                       \
             ((next_var) = qatomic_rcu_read(&(var)->field.le_next), 1); \
         (var) = (next_var))

/*
 * QSIMPLEQ
 */
#define QSIMPLEQ_EMPTY_RCU(head)    (qatomic_read(&(head)->sqh_first) == NULL)
#define QSIMPLEQ_FIRST_RCU(head)    (qatomic_rcu_read(&(head)->sqh_first))
#define QSIMPLEQ_NEXT_RCU(elm, field) \
    (qatomic_rcu_read(&(elm)->field.sqe_next))

#define QSIMPLEQ_INSERT_HEAD_RCU(head, elm, field) do {                 \
    (elm)->field.sqe_next = (head)->sqh_first;                          \
    if ((elm)->field.sqe_next == NULL) {                                \
        (head)->sqh_last = &(elm)->field.sqe_next;                      \
    }                                                                   \
    qatomic_rcu_set(&(head)->sqh_first, (elm));         /* publish */   \
} while (0)

#define QSIMPLEQ_INSERT_TAIL_RCU(head, elm, field) do {                 \
    (elm)->field.sqe_next = NULL;                                       \
    qatomic_rcu_set((head)->sqh_last, (elm));           /* publish */   \
    (head)->sqh_last = &(elm)->field.sqe_next;                          \
} while (0)

#define QSIMPLEQ_INSERT_AFTER_RCU(head, listelm, elm, field) do {       \
    (elm)->field.sqe_next = (listelm)->field.sqe_next;                  \
    if ((elm)->field.sqe_next == NULL) {                                \
        (head)->sqh_last = &(elm)->field.sqe_next;                      \
    }                                                                   \
    qatomic_rcu_set(&(listelm)->field.sqe_next, (elm)); /* publish */   \
} while (0)

#define QSIMPLEQ_REMOVE_HEAD_RCU(head, field) do {                      \
    qatomic_rcu_set(&(head)->sqh_first,                                 \
                    (head)->sqh_first->field.sqe_next);                 \
    if ((head)->sqh_first == NULL) {                                    \
        (head)->sqh_last = &(head)->sqh_first;                          \
    }                                                                   \
} while (0)

#define QSIMPLEQ_REMOVE_RCU(head, elm, type, field) do {                \
    if ((head)->sqh_first == (elm)) {                                   \
        QSIMPLEQ_REMOVE_HEAD_RCU((head), field);                        \
    } else {                                                            \
        struct type *curr = (head)->sqh_first;                          \
        while (curr->field.sqe_next != (elm)) {                         \
            curr = curr->field.sqe_next;                                \
        }                                                               \
        qatomic_rcu_set(&curr->field.sqe_next,                          \
                        curr->field.sqe_next->field.sqe_next);          \
        if (curr->field.sqe_next == NULL) {                             \
            (head)->sqh_last = &curr->field.sqe_next;                   \
        }                                                               \
    }                                                                   \
} while (0)

#define QSIMPLEQ_FOREACH_RCU(var, head, field)                          \
    for ((var) = qatomic_rcu_read(&(head)->sqh_first);                  \
         (var);                                                         \
         (var) = qatomic_rcu_read(&(var)->field.sqe_next))

#define QSIMPLEQ_FOREACH_SAFE_RCU(var, head, field, next)               \
    for ((var) = qatomic_rcu_read(&(head)->sqh_first);                  \
         (var) && ((next) = qatomic_rcu_read(&(var)->field.sqe_next), 1); \
         (var) = (next))

/*
 * QTAILQ.  The head's tqh_first and each entry's tqe_next are the forward
 * links readers follow (tqh_first is the head link's tql_next); the
 * tql_prev links are the writers'.
 */
#define QTAILQ_EMPTY_RCU(head)      (qatomic_read(&(head)->tqh_first) == NULL)
#define QTAILQ_FIRST_RCU(head)      (qatomic_rcu_read(&(head)->tqh_first))
#define QTAILQ_NEXT_RCU(elm, field) (qatomic_rcu_read(&(elm)->field.tqe_next))

#define QTAILQ_INSERT_HEAD_RCU(head, elm, field) do {                   \
    (elm)->field.tqe_next = (head)->tqh_first;                          \
    if ((elm)->field.tqe_next != NULL) {                                \
        (head)->tqh_first->field.tqe_circ.tql_prev =                    \
            &(elm)->field.tqe_circ;                                     \
    } else {                                                            \
        (head)->tqh_circ.tql_prev = &(elm)->field.tqe_circ;             \
    }                                                                   \
    (elm)->field.tqe_circ.tql_prev = &(head)->tqh_circ;                 \
    qatomic_rcu_set(&(head)->tqh_first, (elm));         /* publish */   \
} while (0)

#define QTAILQ_INSERT_TAIL_RCU(head, elm, field) do {                   \
    (elm)->field.tqe_next = NULL;                                       \
    (elm)->field.tqe_circ.tql_prev = (head)->tqh_circ.tql_prev;         \
    qatomic_rcu_set(&(head)->tqh_circ.tql_prev->tql_next, (elm));       \
    (head)->tqh_circ.tql_prev = &(elm)->field.tqe_circ;                 \
} while (0)

#define QTAILQ_INSERT_AFTER_RCU(head, listelm, elm, field) do {         \
    (elm)->field.tqe_next = (listelm)->field.tqe_next;                  \
    if ((elm)->field.tqe_next != NULL) {                                \
        (elm)->field.tqe_next->field.tqe_circ.tql_prev =                \
            &(elm)->field.tqe_circ;                                     \
    } else {                                                            \
        (head)->tqh_circ.tql_prev = &(elm)->field.tqe_circ;             \
    }                                                                   \
    (elm)->field.tqe_circ.tql_prev = &(listelm)->field.tqe_circ;        \
    qatomic_rcu_set(&(listelm)->field.tqe_next, (elm)); /* publish */   \
} while (0)

#define QTAILQ_INSERT_BEFORE_RCU(listelm, elm, field) do {              \
    (elm)->field.tqe_circ.tql_prev = (listelm)->field.tqe_circ.tql_prev; \
    (elm)->field.tqe_next = (listelm);                                  \
    qatomic_rcu_set(&(listelm)->field.tqe_circ.tql_prev->tql_next,      \
                    (elm));                             /* publish */   \
    (listelm)->field.tqe_circ.tql_prev = &(elm)->field.tqe_circ;        \
} while (0)

/* elm->field.tqe_next stays valid for readers standing on elm. */
#define QTAILQ_REMOVE_RCU(head, elm, field) do {                        \
    if ((elm)->field.tqe_next != NULL) {                                \
        (elm)->field.tqe_next->field.tqe_circ.tql_prev =                \
            (elm)->field.tqe_circ.tql_prev;                             \
    } else {                                                            \
        (head)->tqh_circ.tql_prev = (elm)->field.tqe_circ.tql_prev;     \
    }                                                                   \
    qatomic_rcu_set(&(elm)->field.tqe_circ.tql_prev->tql_next,          \
                    (elm)->field.tqe_next);                             \
    (elm)->field.tqe_circ.tql_prev = NULL;                              \
} while (0)

#define QTAILQ_FOREACH_RCU(var, head, field)                            \
    for ((var) = qatomic_rcu_read(&(head)->tqh_first);                  \
         (var);                                                         \
         (var) = qatomic_rcu_read(&(var)->field.tqe_next))

#define QTAILQ_FOREACH_SAFE_RCU(var, head, field, next)                 \
    for ((var) = qatomic_rcu_read(&(head)->tqh_first);                  \
         (var) && ((next) = qatomic_rcu_read(&(var)->field.tqe_next), 1); \
         (var) = (next))

/*
 * QSLIST
 */
#define QSLIST_EMPTY_RCU(head)      (qatomic_read(&(head)->slh_first) == NULL)
#define QSLIST_FIRST_RCU(head)      (qatomic_rcu_read(&(head)->slh_first))
#define QSLIST_NEXT_RCU(elm, field) (qatomic_rcu_read(&(elm)->field.sle_next))

#define QSLIST_INSERT_HEAD_RCU(head, elm, field) do {                   \
    (elm)->field.sle_next = (head)->slh_first;                          \
    qatomic_rcu_set(&(head)->slh_first, (elm));         /* publish */   \
} while (0)

#define QSLIST_INSERT_AFTER_RCU(head, listelm, elm, field) do {         \
    (elm)->field.sle_next = (listelm)->field.sle_next;                  \
    qatomic_rcu_set(&(listelm)->field.sle_next, (elm)); /* publish */   \
} while (0)

#define QSLIST_REMOVE_HEAD_RCU(head, field) do {                        \
    qatomic_rcu_set(&(head)->slh_first,                                 \
                    (head)->slh_first->field.sle_next);                 \
} while (0)

#define QSLIST_REMOVE_RCU(head, elm, type, field) do {                  \
    if ((head)->slh_first == (elm)) {                                   \
        QSLIST_REMOVE_HEAD_RCU((head), field);                          \
    } else {                                                            \
        struct type *curr = (head)->slh_first;                          \
        while (curr->field.sle_next != (elm)) {                         \
            curr = curr->field.sle_next;                                \
        }                                                               \
        qatomic_rcu_set(&curr->field.sle_next,                          \
                        curr->field.sle_next->field.sle_next);          \
    }                                                                   \
} while (0)

#define QSLIST_FOREACH_RCU(var, head, field)                            \
    for ((var) = qatomic_rcu_read(&(head)->slh_first);                  \
         (var);                                                         \
         (var) = qatomic_rcu_read(&(var)->field.sle_next))

#define QSLIST_FOREACH_SAFE_RCU(var, head, field, next)                 \
    for ((var) = qatomic_rcu_read(&(head)->slh_first);                  \
         (var) && ((next) = qatomic_rcu_read(&(var)->field.sle_next), 1); \
         (var) = (next))

#endif /* QEMU_RCU_QUEUE_H */
