/*
 * gdb-target.c: a small bare-metal program for the gdb functional test
 * (tests/functional/test_gdb.py), never run on its own by the tcg suite.
 *
 * main() adds 0 to 9 with gdb_add() and exits with the sum's low 7 bits
 * as its status unless it is 45: a debugger that changes an argument of
 * gdb_add() changes the exit status, which the test checks.  Each round
 * first stores the round number to gdb_counter (for a watchpoint) and
 * keeps the running sum in gdb_sum (for memory reads).
 */
#include "runtime.h"

volatile uint64_t gdb_counter;
volatile uint64_t gdb_sum;
const char gdb_greeting[16] = "hello, gdb";

__attribute__((noinline)) uint64_t gdb_add(uint64_t a, uint64_t b)
{
    return a + b;
}

int main(void)
{
    uint64_t sum = 0;

    printf("gdb-target: start\n");
    for (uint64_t i = 0; i < 10; i++) {
        gdb_counter = i;
        sum = gdb_add(sum, i);
        gdb_sum = sum;
    }
    printf("gdb-target: sum %lu\n", (unsigned long)sum);
    exit(sum == 45 ? 0 : (int)(sum & 0x7f));
}
