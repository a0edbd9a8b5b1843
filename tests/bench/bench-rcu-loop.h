/*
 * Grace's reader for the test_urcu and test_urcu_qsbr loops.  bench-rcu.c
 * builds it with the rcu_read_lock that every thread shares, and
 * bench-rcu-qsbr.c builds it again with RCU_QSBR_ONLY, where the lock is
 * empty on an online thread, as in liburcu's qsbr flavour that
 * test_urcu_qsbr uses: one source, a build per flavour, as liburcu's own
 * test programs are.
 */
#ifndef BENCH_RCU_LOOP_H
#define BENCH_RCU_LOOP_H

static inline QEMU_ALWAYS_INLINE void grace_loop_read(BenchLoop *loop,
                                                      bool qsbr)
{
    long long reads = 0;

    rcu_register_thread();
    if (qsbr) {
        rcu_thread_online();
    }
    bench_loop_ready(loop);
    for (;;) {
        int *p;

        rcu_read_lock();
        p = qatomic_rcu_read(&grace_loop_ptr);
        if (p && *p != BENCH_LIVE) {
            bench_loop_bad_read("Grace", *p);
        }
        rcu_read_unlock();
        reads++;
        if (qsbr && (reads & (BENCH_QS_PERIOD - 1)) == 0) {
            rcu_quiescent_state();
        }
        if (bench_loop_stopped(loop)) {
            break;
        }
    }
    if (qsbr) {
        rcu_thread_offline();
    }
    rcu_unregister_thread();
    bench_loop_add_reads(loop, reads);
}

#endif /* BENCH_RCU_LOOP_H */
