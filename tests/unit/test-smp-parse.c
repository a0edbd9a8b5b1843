/*
 * -smp: what machine_parse_smp_config makes of what the user wrote.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "hw/boards.h"

static const MachineClass test_machine = {
    .name = "test",
    .max_cpus = 64,
};

/* "cpus=4,cores=2" -> the configuration, with has_* for each key given. */
static SMPConfiguration config_from(const char *spec)
{
    g_auto(GStrv) keys = g_strsplit(spec, ",", -1);
    SMPConfiguration c = { 0 };

    for (char **k = keys; *k && **k; k++) {
        g_auto(GStrv) kv = g_strsplit(*k, "=", 2);
        uint64_t v = g_ascii_strtoull(kv[1], NULL, 10);

        if (!strcmp(kv[0], "cpus")) {
            c.has_cpus = true, c.cpus = v;
        } else if (!strcmp(kv[0], "maxcpus")) {
            c.has_maxcpus = true, c.maxcpus = v;
        } else if (!strcmp(kv[0], "sockets")) {
            c.has_sockets = true, c.sockets = v;
        } else if (!strcmp(kv[0], "cores")) {
            c.has_cores = true, c.cores = v;
        } else if (!strcmp(kv[0], "threads")) {
            c.has_threads = true, c.threads = v;
        } else {
            g_assert_not_reached();
        }
    }
    return c;
}

static void test_valid(void)
{
    static const struct {
        const char *spec;
        CpuTopology want;   /* cpus, sockets, cores, threads, max_cpus */
    } cases[] = {
        { "", { 1, 1, 1, 1, 1 } },
        { "cpus=1", { 1, 1, 1, 1, 1 } },
        { "cpus=4", { 4, 1, 4, 1, 4 } },
        { "cpus=64", { 64, 1, 64, 1, 64 } },
        { "cpus=4,maxcpus=8", { 4, 1, 8, 1, 8 } },
        { "sockets=2", { 2, 2, 1, 1, 2 } },
        { "cpus=8,sockets=2", { 8, 2, 4, 1, 8 } },
        { "cpus=8,threads=2", { 8, 1, 4, 2, 8 } },
        { "sockets=2,cores=2,threads=2", { 8, 2, 2, 2, 8 } },
        { "cpus=6,sockets=2,cores=2,threads=2", { 6, 2, 2, 2, 8 } },
        { "cpus=4,sockets=2,cores=3", { 4, 2, 3, 1, 6 } },
        { "maxcpus=16,sockets=4", { 16, 4, 4, 1, 16 } },
        { "sockets=4,cores=4,threads=4", { 64, 4, 4, 4, 64 } },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        SMPConfiguration c = config_from(cases[i].spec);
        CpuTopology t = { 0 };

        g_test_message("-smp %s", cases[i].spec);
        g_assert_true(machine_parse_smp_config(&test_machine, &c, &t,
                                               &error_abort));
        g_assert_cmpuint(t.cpus, ==, cases[i].want.cpus);
        g_assert_cmpuint(t.sockets, ==, cases[i].want.sockets);
        g_assert_cmpuint(t.cores, ==, cases[i].want.cores);
        g_assert_cmpuint(t.threads, ==, cases[i].want.threads);
        g_assert_cmpuint(t.max_cpus, ==, cases[i].want.max_cpus);
    }
}

static void test_invalid(void)
{
    static const struct {
        const char *spec;
        const char *needle;     /* in the message */
    } cases[] = {
        { "cpus=0", "cpus must be greater than zero" },
        { "sockets=0", "sockets must be greater than zero" },
        { "cpus=4,threads=0", "threads must be greater than zero" },
        { "cpus=65", "cpus=65 is more than the 64 harts" },
        { "cpus=18446744073709551615", "more than the 64 harts" },
        { "maxcpus=128", "maxcpus=128 is more than" },
        { "sockets=8,cores=8,threads=2", "128 CPUs are more than" },
        { "cpus=4,maxcpus=2", "maxcpus (2) must be at least cpus (4)" },
        { "cpus=4,sockets=3", "= 3 is fewer than cpus (4)" },
        { "cpus=3,sockets=2", "= 2 is fewer than cpus (3)" },
        { "sockets=2,cores=2,threads=2,maxcpus=7", "must equal maxcpus (7)" },
        { "cpus=4,maxcpus=6,sockets=4", "must equal maxcpus (6)" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        SMPConfiguration c = config_from(cases[i].spec);
        CpuTopology t = { 0 }, untouched = { 0 };
        Error *err = NULL;

        g_test_message("-smp %s", cases[i].spec);
        g_assert_false(machine_parse_smp_config(&test_machine, &c, &t, &err));
        g_assert_nonnull(err);
        g_assert_nonnull(strstr(error_get_pretty(err), cases[i].needle));
        g_assert_cmpmem(&t, sizeof(t), &untouched, sizeof(untouched));
        error_free(err);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/smp-parse/valid", test_valid);
    g_test_add_func("/smp-parse/invalid", test_invalid);
    return g_test_run();
}
