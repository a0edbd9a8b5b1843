/*
 * Grace's test_urcu_qsbr reader, built with RCU_QSBR_ONLY: the readers of
 * that loop are online QSBR threads, so rcu_read_lock and rcu_read_unlock
 * cost nothing here, on the same contract as liburcu's qsbr flavour.
 */
#define RCU_QSBR_ONLY
#include "qemu/osdep.h"
#include "qemu/rcu.h"
#include "qemu/atomic.h"
#include "bench-rcu.h"
#include "bench-rcu-loop.h"

void *grace_loop_qsbr_only_reader(void *opaque)
{
    grace_loop_read(opaque, true);
    return NULL;
}
