/*
 * test-selftest.c: proves that a failed check fails the run.  One check
 * passes, the next is wrong on purpose; the runner expects exit status 1
 * and the "FAIL <file>:<line> <what>: got ..., expected ..." line naming
 * it.  If a broken runtime let this program pass, the suite would say so.
 */
#include "runtime.h"

int main(void)
{
    volatile uint64_t two = 2;

    test_section("a check that passes, then one that must fail");
    CHECK_EQ(two + 2, 4, "two plus two");
    CHECK_EQ(two + 1, 4, "deliberately wrong: two plus one");
    printf("error: the failed check did not stop the program\n");
    return 0;
}
