/*
 * Compiler helpers shared by every file.
 */
#ifndef QEMU_COMPILER_H
#define QEMU_COMPILER_H

#define QEMU_NORETURN       __attribute__((noreturn))
#define QEMU_PACKED         __attribute__((packed))
#define QEMU_ALIGNED(x)     __attribute__((aligned(x)))
#define QEMU_UNUSED         __attribute__((unused))
#define QEMU_ALWAYS_INLINE  __attribute__((always_inline))
#define QEMU_NOINLINE       __attribute__((noinline))
#define QEMU_COLD           __attribute__((cold))
#define QEMU_WARN_UNUSED_RESULT __attribute__((warn_unused_result))
#define G_GNUC_PRINTF_CHECK(fmt, args) __attribute__((format(printf, fmt, args)))

#ifndef likely
#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

#define xglue(x, y) x ## y
#define glue(x, y)  xglue(x, y)
#define stringify(s)  tostring(s)
#define tostring(s)   #s

/* Fails the build when x is true. */
#define QEMU_BUILD_BUG_MSG(x, msg) _Static_assert(!(x), msg)
#define QEMU_BUILD_BUG_ON(x) QEMU_BUILD_BUG_MSG(x, "not expecting: " #x)

/* As QEMU_BUILD_BUG_ON, but usable as an expression (evaluates to 0). */
#define QEMU_BUILD_BUG_ON_ZERO(x) \
    (sizeof(struct { _Static_assert(!(x), #x); int qemu_dummy; }) - sizeof(int))

#ifndef container_of
#define container_of(ptr, type, member) ({                          \
        const typeof(((type *) 0)->member) *__mptr = (ptr);         \
        (type *) ((char *) __mptr - offsetof(type, member)); })
#endif

/* True if the types of a and b are compatible, ignoring qualifiers. */
#define QEMU_IS_SAME_TYPE(a, b) \
    __builtin_types_compatible_p(typeof(a), typeof(b))

#define typeof_field(type, field) typeof(((type *)0)->field)
#define type_check(t1, t2) ((t1 *)0 - (t2 *)0)

/* The ThreadSanitizer build defines __SANITIZE_THREAD__ (gcc) or has the
 * thread_sanitizer feature (clang). */
#if defined(__SANITIZE_THREAD__)
#define QEMU_SANITIZE_THREAD 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define QEMU_SANITIZE_THREAD 1
#endif
#endif

#if defined(__SANITIZE_ADDRESS__)
#define QEMU_SANITIZE_ADDRESS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define QEMU_SANITIZE_ADDRESS 1
#endif
#endif

/*
 * Declares a function-scope cleanup; used by the lock guards.
 */
#define QEMU_CLEANUP(fn) __attribute__((cleanup(fn)))

#endif /* QEMU_COMPILER_H */
