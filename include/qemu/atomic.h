/*
 * Atomic operations and memory barriers.
 *
 * The model is C11's, spelled with the GCC __atomic builtins so that it
 * works on plain (non-_Atomic) objects:
 *
 *  - qatomic_read/qatomic_set are relaxed: they cannot tear and the compiler
 *    may not invent or merge them, but they order nothing.
 *  - the read-modify-write operations (xchg, cmpxchg, fetch_*, inc, dec...)
 *    are sequentially consistent.
 *  - qatomic_load_acquire/qatomic_store_release are one-sided.
 *  - smp_wmb orders stores before it against stores after it; smp_rmb does
 *    the same for loads; smp_mb orders everything, including an earlier
 *    store against a later load.  Each use must name the barrier it pairs
 *    with.
 *
 * Only objects no wider than a pointer may be accessed atomically (checked
 * at compile time); 64-bit values have the _i64/_u64 helpers, which are
 * plain atomics on 64-bit hosts.
 */
#ifndef QEMU_ATOMIC_H
#define QEMU_ATOMIC_H

#include "qemu/compiler.h"

/* A compiler barrier: no memory access moves across it at compile time. */
#define barrier()   ({ asm volatile("" ::: "memory"); (void)0; })

#define ATOMIC_REG_SIZE sizeof(void *)

#define qatomic_read__nocheck(ptr)  __atomic_load_n(ptr, __ATOMIC_RELAXED)
#define qatomic_read(ptr)                                           \
    ({                                                              \
        QEMU_BUILD_BUG_ON(sizeof(*(ptr)) > ATOMIC_REG_SIZE);        \
        qatomic_read__nocheck(ptr);                                 \
    })

#define qatomic_set__nocheck(ptr, i) __atomic_store_n(ptr, i, __ATOMIC_RELAXED)
#define qatomic_set(ptr, i)                                         \
    do {                                                            \
        QEMU_BUILD_BUG_ON(sizeof(*(ptr)) > ATOMIC_REG_SIZE);        \
        qatomic_set__nocheck(ptr, i);                               \
    } while (0)

#define qatomic_load_acquire(ptr)                                   \
    ({                                                              \
        QEMU_BUILD_BUG_ON(sizeof(*(ptr)) > ATOMIC_REG_SIZE);        \
        __atomic_load_n(ptr, __ATOMIC_ACQUIRE);                     \
    })

#define qatomic_store_release(ptr, i)                               \
    do {                                                            \
        QEMU_BUILD_BUG_ON(sizeof(*(ptr)) > ATOMIC_REG_SIZE);        \
        __atomic_store_n(ptr, i, __ATOMIC_RELEASE);                 \
    } while (0)

/*
 * RCU-protected pointers.  qatomic_rcu_read loads a pointer so that the
 * loads through it see what the publisher wrote before publishing it (a
 * consume load, which GCC and Clang implement as an acquire, a plain load
 * on x86).  qatomic_rcu_set publishes: everything written to the object
 * before it is visible to whoever reads the pointer (a store-release).
 * Use these for every load and store of a pointer that readers follow
 * without a lock, and never a plain access.
 */
#define qatomic_rcu_read(ptr)                                       \
    ({                                                              \
        QEMU_BUILD_BUG_ON(sizeof(*(ptr)) > ATOMIC_REG_SIZE);        \
        __atomic_load_n(ptr, __ATOMIC_CONSUME);                     \
    })

#define qatomic_rcu_set(ptr, i)                                     \
    do {                                                            \
        QEMU_BUILD_BUG_ON(sizeof(*(ptr)) > ATOMIC_REG_SIZE);        \
        __atomic_store_n(ptr, i, __ATOMIC_RELEASE);                 \
    } while (0)

/*
 * liburcu's spellings.  rcu_dereference and rcu_assign_pointer take the
 * pointer itself; the others, as in liburcu, its address.
 *
 * rcu_set_pointer(pp, v)            publish v in *pp (qatomic_rcu_set)
 * rcu_xchg_pointer(pp, v)           publish v in *pp, return the old value
 * rcu_cmpxchg_pointer(pp, old, v)   publish v in *pp if it held old;
 *                                   return what *pp held
 *
 * The exchanges are sequentially consistent, which includes the release
 * that publishing needs.
 */
#define rcu_dereference(p)          qatomic_rcu_read(&(p))
#define rcu_assign_pointer(p, v)    qatomic_rcu_set(&(p), v)
#define rcu_set_pointer(pp, v)      qatomic_rcu_set(pp, v)
#define rcu_xchg_pointer(pp, v)     qatomic_xchg(pp, v)
#define rcu_cmpxchg_pointer(pp, old, v) qatomic_cmpxchg(pp, old, v)

/* Sequentially consistent read-modify-write operations. */
#define qatomic_xchg__nocheck(ptr, i) \
    __atomic_exchange_n(ptr, (i), __ATOMIC_SEQ_CST)
#define qatomic_xchg(ptr, i)                                        \
    ({                                                              \
        QEMU_BUILD_BUG_ON(sizeof(*(ptr)) > ATOMIC_REG_SIZE);        \
        qatomic_xchg__nocheck(ptr, i);                              \
    })

/* Returns the value *ptr held before; the swap happened iff it == old. */
#define qatomic_cmpxchg__nocheck(ptr, old, new)                     \
    ({                                                              \
        typeof(*(ptr)) _old = (old), _new = (new);                  \
        __atomic_compare_exchange_n(ptr, &_old, _new, false,        \
                                    __ATOMIC_SEQ_CST,               \
                                    __ATOMIC_SEQ_CST);              \
        _old;                                                       \
    })
#define qatomic_cmpxchg(ptr, old, new)                              \
    ({                                                              \
        QEMU_BUILD_BUG_ON(sizeof(*(ptr)) > ATOMIC_REG_SIZE);        \
        qatomic_cmpxchg__nocheck(ptr, old, new);                    \
    })

#define qatomic_fetch_add(ptr, n) __atomic_fetch_add(ptr, n, __ATOMIC_SEQ_CST)
#define qatomic_fetch_sub(ptr, n) __atomic_fetch_sub(ptr, n, __ATOMIC_SEQ_CST)
#define qatomic_fetch_and(ptr, n) __atomic_fetch_and(ptr, n, __ATOMIC_SEQ_CST)
#define qatomic_fetch_or(ptr, n)  __atomic_fetch_or(ptr, n, __ATOMIC_SEQ_CST)
#define qatomic_fetch_xor(ptr, n) __atomic_fetch_xor(ptr, n, __ATOMIC_SEQ_CST)
#define qatomic_fetch_inc(ptr)    qatomic_fetch_add(ptr, 1)
#define qatomic_fetch_dec(ptr)    qatomic_fetch_sub(ptr, 1)

#define qatomic_add_fetch(ptr, n) __atomic_add_fetch(ptr, n, __ATOMIC_SEQ_CST)
#define qatomic_sub_fetch(ptr, n) __atomic_sub_fetch(ptr, n, __ATOMIC_SEQ_CST)
#define qatomic_and_fetch(ptr, n) __atomic_and_fetch(ptr, n, __ATOMIC_SEQ_CST)
#define qatomic_or_fetch(ptr, n)  __atomic_or_fetch(ptr, n, __ATOMIC_SEQ_CST)
#define qatomic_xor_fetch(ptr, n) __atomic_xor_fetch(ptr, n, __ATOMIC_SEQ_CST)
#define qatomic_inc_fetch(ptr)    qatomic_add_fetch(ptr, 1)
#define qatomic_dec_fetch(ptr)    qatomic_sub_fetch(ptr, 1)

#define qatomic_inc(ptr)    ((void) qatomic_fetch_add(ptr, 1))
#define qatomic_dec(ptr)    ((void) qatomic_fetch_sub(ptr, 1))
#define qatomic_add(ptr, n) ((void) qatomic_fetch_add(ptr, n))
#define qatomic_sub(ptr, n) ((void) qatomic_fetch_sub(ptr, n))
#define qatomic_and(ptr, n) ((void) qatomic_fetch_and(ptr, n))
#define qatomic_or(ptr, n)  ((void) qatomic_fetch_or(ptr, n))
#define qatomic_xor(ptr, n) ((void) qatomic_fetch_xor(ptr, n))

/*
 * smp_wmb: stores before it are visible to other CPUs before stores after
 * it.  smp_rmb: loads before it complete before loads after it.  A reader
 * that wants to see what a writer published needs the writer's smp_wmb
 * paired with its own smp_rmb.  On x86 both are compiler barriers.
 */
#define smp_wmb()   ({ barrier(); __atomic_thread_fence(__ATOMIC_RELEASE); })
#define smp_rmb()   ({ barrier(); __atomic_thread_fence(__ATOMIC_ACQUIRE); })

/*
 * smp_mb: a full barrier.  Every load and store before it is performed
 * before any load or store after it, as seen from every other CPU.  It is
 * the only barrier that orders an earlier store against a later load, which
 * is what "I announce X, then look at Y" protocols need when the other side
 * does "announce Y, then look at X" (store buffering): with smp_mb on both
 * sides, at least one of the two sees the other's announcement.  Each use
 * must name the smp_mb (or the system call acting as one) on the other side.
 *
 * On x86-64 a locked add to the top of the stack does this and is cheaper
 * than mfence; it does not order non-temporal stores, which Grace does not
 * use.  Elsewhere it is the C11 sequentially consistent fence.
 */
#if defined(__x86_64__) && !defined(QEMU_SANITIZE_THREAD)
#define smp_mb()                                                    \
    ({ asm volatile("lock; addl $0,-4(%%rsp)" ::: "memory", "cc"); (void)0; })
#else
#define smp_mb()    ({ barrier(); __atomic_thread_fence(__ATOMIC_SEQ_CST); })
#endif

/*
 * smp_mb_acquire: loads before it are ordered before every load and store
 * after it (the fence form of qatomic_load_acquire).  smp_mb_release:
 * every load and store before it is ordered before stores after it (the
 * fence form of qatomic_store_release).  Compiler barriers on x86.
 */
#define smp_mb_acquire() \
    ({ barrier(); __atomic_thread_fence(__ATOMIC_ACQUIRE); })
#define smp_mb_release() \
    ({ barrier(); __atomic_thread_fence(__ATOMIC_RELEASE); })

/*
 * smp_read_barrier_depends: orders a load of a pointer before the loads
 * through it.  Every CPU Grace runs on does that by itself for address
 * dependencies except the Alpha, so elsewhere this only stops the compiler.
 * qatomic_rcu_read is the usual way to get the same effect.
 */
#if defined(__alpha__)
#define smp_read_barrier_depends() \
    ({ asm volatile("mb" ::: "memory"); (void)0; })
#else
#define smp_read_barrier_depends()  barrier()
#endif

/*
 * The read-modify-write operations above are sequentially consistent, but
 * C11 does not promise that one of them orders the plain or relaxed accesses
 * around it (on Arm a later load may still pass the store half of an
 * exclusive pair).  Code that needs "RMW, then a load that must not move
 * before it" says so with these.  A locked instruction is already a full
 * barrier on x86, so there they only stop the compiler.
 */
#if defined(__i386__) || defined(__x86_64__)
#define smp_mb__before_rmw()    barrier()
#define smp_mb__after_rmw()     barrier()
#else
#define smp_mb__before_rmw()    smp_mb()
#define smp_mb__after_rmw()     smp_mb()
#endif

/*
 * 64-bit atomics.  On 64-bit hosts these are plain atomic accesses.  On
 * 32-bit hosts GCC implements them with the host's double-word instructions
 * (cmpxchg8b, ldrexd...) where it has them, so the same code serves; the
 * point of the separate names is that 64-bit values stay visibly distinct
 * from the word-sized ones that the checked macros above accept.
 */
static inline int64_t qatomic_read_i64(const int64_t *ptr)
{
    return qatomic_read__nocheck(ptr);
}

static inline uint64_t qatomic_read_u64(const uint64_t *ptr)
{
    return qatomic_read__nocheck(ptr);
}

static inline void qatomic_set_i64(int64_t *ptr, int64_t val)
{
    qatomic_set__nocheck(ptr, val);
}

static inline void qatomic_set_u64(uint64_t *ptr, uint64_t val)
{
    qatomic_set__nocheck(ptr, val);
}

#endif /* QEMU_ATOMIC_H */
