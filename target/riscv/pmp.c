/*
 * Physical memory protection: 16 entries, 4-byte granularity (G = 0).
 *
 * The lowest-numbered entry that matches any byte of an access decides:
 * it must match all of them, and then its R/W/X bits apply (to M-mode
 * only if it is locked).  With no match, M-mode may do anything and S/U
 * nothing, since entries are implemented.  Every change flushes the TLB,
 * whose entries carry the PMP permissions of their page.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "exec/cputlb.h"
#include "target/riscv/internals.h"

#define PMP_A_OFF   0
#define PMP_A_TOR   1
#define PMP_A_NA4   2
#define PMP_A_NAPOT 3

static bool pmp_locked(CPURISCVState *env, int i)
{
    return env->pmp.cfg[i] & PMP_L;
}

static int pmp_mode(CPURISCVState *env, int i)
{
    return get_field(env->pmp.cfg[i], PMP_A);
}

void pmp_update_rules(CPURISCVState *env)
{
    RISCVPMPState *p = &env->pmp;

    for (int i = 0; i < RISCV_PMP_ENTRIES; i++) {
        uint64_t a = p->addr[i];
        int ones;

        p->active[i] = true;
        switch (pmp_mode(env, i)) {
        case PMP_A_TOR:
            p->sa[i] = i ? p->addr[i - 1] << 2 : 0;
            p->ea[i] = (a << 2) - 1;
            /* An empty or inverted range matches nothing. */
            p->active[i] = (a << 2) > p->sa[i];
            break;
        case PMP_A_NA4:
            p->sa[i] = a << 2;
            p->ea[i] = p->sa[i] + 3;
            break;
        case PMP_A_NAPOT:
            /* k trailing ones: a region of 2^(k+3) bytes. */
            ones = ctz64(~a);
            if (ones >= 54) {
                p->sa[i] = 0;
                p->ea[i] = UINT64_MAX;
            } else {
                p->sa[i] = (a & ~((1ULL << ones) - 1)) << 2;
                p->ea[i] = p->sa[i] + (1ULL << (ones + 3)) - 1;
            }
            break;
        default:
            p->active[i] = false;
            break;
        }
    }
}

/* The privileges (PAGE_*) entry i gives to mode. */
static int pmp_entry_prot(CPURISCVState *env, int i, int mode)
{
    uint8_t cfg = env->pmp.cfg[i];
    int prot = 0;

    if (mode == PRV_M && !(cfg & PMP_L)) {
        return PAGE_READ | PAGE_WRITE | PAGE_EXEC;
    }
    if (cfg & PMP_R) {
        prot |= PAGE_READ;
    }
    if (cfg & PMP_W) {
        prot |= PAGE_WRITE;
    }
    if (cfg & PMP_X) {
        prot |= PAGE_EXEC;
    }
    return prot;
}

static int pmp_default_prot(int mode)
{
    return mode == PRV_M ? PAGE_READ | PAGE_WRITE | PAGE_EXEC : 0;
}

/*
 * The decision for bytes [start, end]: the privileges, or -1 if the
 * deciding entry covers only some of them.
 */
static int pmp_range_prot(CPURISCVState *env, hwaddr start, hwaddr end,
                          int mode)
{
    RISCVPMPState *p = &env->pmp;

    for (int i = 0; i < RISCV_PMP_ENTRIES; i++) {
        if (!p->active[i] || end < p->sa[i] || start > p->ea[i]) {
            continue;
        }
        if (start < p->sa[i] || end > p->ea[i]) {
            return -1;
        }
        return pmp_entry_prot(env, i, mode);
    }
    return pmp_default_prot(mode);
}

bool pmp_hart_has_privs(CPURISCVState *env, hwaddr addr, int size,
                        int privs, int mode)
{
    int prot = pmp_range_prot(env, addr, addr + size - 1, mode);

    return prot >= 0 && (prot & privs) == privs;
}

bool pmp_page_prot(CPURISCVState *env, hwaddr addr, int mode, int *prot)
{
    hwaddr page = addr & TARGET_PAGE_MASK;

    *prot = pmp_range_prot(env, page, page + TARGET_PAGE_SIZE - 1, mode);
    return *prot >= 0;
}

RISCVException pmp_read_csr(CPURISCVState *env, int csrno, uint64_t *val)
{
    if (csrno == CSR_PMPCFG0 || csrno == CSR_PMPCFG2) {
        int first = csrno == CSR_PMPCFG0 ? 0 : 8;

        *val = 0;
        for (int i = 0; i < 8; i++) {
            *val |= (uint64_t)env->pmp.cfg[first + i] << (8 * i);
        }
    } else {
        *val = env->pmp.addr[csrno - CSR_PMPADDR0];
    }
    return RISCV_EXCP_NONE;
}

RISCVException pmp_write_csr(CPURISCVState *env, int csrno, uint64_t val)
{
    if (csrno == CSR_PMPCFG0 || csrno == CSR_PMPCFG2) {
        int first = csrno == CSR_PMPCFG0 ? 0 : 8;

        for (int i = 0; i < 8; i++) {
            if (pmp_locked(env, first + i)) {
                if ((uint8_t)(val >> (8 * i)) != env->pmp.cfg[first + i]) {
                    qemu_log_mask(LOG_GUEST_ERROR,
                                  "pmpcfg%d: entry %d is locked\n",
                                  first / 4, first + i);
                }
                continue;
            }
            env->pmp.cfg[first + i] = (val >> (8 * i)) & PMP_CFG_MASK;
        }
    } else {
        int i = csrno - CSR_PMPADDR0;

        if (pmp_locked(env, i) ||
            (i + 1 < RISCV_PMP_ENTRIES && pmp_locked(env, i + 1) &&
             pmp_mode(env, i + 1) == PMP_A_TOR)) {
            qemu_log_mask(LOG_GUEST_ERROR, "pmpaddr%d is locked\n", i);
            return RISCV_EXCP_NONE;
        }
        env->pmp.addr[i] = val & PMP_ADDR_MASK;
    }
    pmp_update_rules(env);
    tlb_flush(env_cpu(env));
    return RISCV_EXCP_NONE;
}
