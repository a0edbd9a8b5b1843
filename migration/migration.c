/*
 * Live migration and snapshots: the outgoing migration thread and the
 * incoming side (include/migration/misc.h, migration/migration.h).
 *
 * Outgoing.  `migrate URI` (main thread, BQL) checks that the machine
 * can be migrated and starts the migration thread, which:
 *   1. connects (or creates the file), writes the header, the machine's
 *      configuration and its RAM blocks, and starts dirty logging
 *      (status setup);
 *   2. sends RAM while the vCPUs run (status active): passes over the
 *      pages still to send, in records, at most max-bandwidth; at the
 *      end of each pass it takes the pages dirtied meanwhile (ram_sync,
 *      which waits for a grace period, see migration/ram.c);
 *   3. once what is left fits the downtime limit at the measured
 *      bandwidth, takes the BQL, stops the vCPUs (status device), sends
 *      the rest of RAM, every device section and the end record,
 *      flushes, and leaves the machine stopped (postmigrate).
 * Auto-converge throttles the vCPUs when a pass dirties more than
 * throttle-trigger-threshold percent of what it sent, twice in a row.
 * Any failure, or migrate_cancel, ends the thread; if it had stopped the
 * vCPUs it starts them again: the source carries on as before.
 *
 * Incoming.  -incoming (or migrate-incoming after -incoming defer)
 * listens, or opens the file; the incoming thread reads records in
 * order (config, RAM blocks, RAM pages, device sections, end), checking
 * each, and loads device sections with the BQL held.  The machine was
 * built but never started (inmigrate), so nothing else touches guest RAM
 * or the devices meanwhile.  At the end record, if every section was
 * there, the main loop starts the guest (unless -S); on any error it
 * reports what was wrong and exits with status 1, never running a
 * half-loaded guest.
 *
 * Threads and locks:
 *   out.status, in.status: atomic; changed by cmpxchg (migrate_set_state)
 *     by the thread that owns the migration, and by migrate_cancel.
 *   out.file: the migration thread creates and closes it under
 *     out.file_lock; migrate_cancel shuts it down under the same lock.
 *   out.cancel: set by migrate_cancel, read by the thread (connecting).
 *   out.rs: published by the migration thread (store-release) after
 *     setup, read (load-acquire) by query-migrate; freed by the cleanup
 *     bottom half after the thread is joined (main thread, BQL).
 *   out.stats fields: written by the migration thread with qatomic_set,
 *     read with qatomic_read.
 *   out.error, in.error: written by their thread before it sets a final
 *     status (cmpxchg, a full barrier), read by the main thread after
 *     seeing that status.
 *   Everything else: main thread with the BQL (commands, bottom halves).
 *   Capabilities and parameters: written with the BQL by qatomic_set,
 *   read anywhere with qatomic_read.
 */
#include "qemu/osdep.h"
#include "exec/cpu-common.h"
#include "qemu/atomic.h"
#include "qemu/cutils.h"
#include "qemu/error-report.h"
#include "qemu/main-loop.h"
#include "qemu/rcu.h"
#include "qemu/thread.h"
#include "qemu/timer.h"
#include "hw/boards.h"
#include "exec/memory.h"
#include "exec/ram_addr.h"
#include "monitor/qapi-events.h"
#include "sysemu/cpu-throttle.h"
#include "sysemu/runstate.h"
#include "sysemu/sysemu.h"
#include "migration/blocker.h"
#include "migration/misc.h"
#include "migration/migration.h"
#include "migration/ram.h"
#include "migration/savevm.h"
#include <sys/socket.h>

/* How often the bandwidth is measured and the rate limit applied. */
#define BUFFER_DELAY_MS     100
/* The most a pass sends between two looks at the state. */
#define ITERATE_BYTES       (4 * MiB)

static const char *const status_names[MIGRATION_STATUS__MAX] = {
    [MIGRATION_STATUS_NONE] = "none",
    [MIGRATION_STATUS_SETUP] = "setup",
    [MIGRATION_STATUS_CANCELLING] = "cancelling",
    [MIGRATION_STATUS_CANCELLED] = "cancelled",
    [MIGRATION_STATUS_ACTIVE] = "active",
    [MIGRATION_STATUS_DEVICE] = "device",
    [MIGRATION_STATUS_COMPLETED] = "completed",
    [MIGRATION_STATUS_FAILED] = "failed",
};

const char *migration_status_name(MigrationStatus status)
{
    assert(status < MIGRATION_STATUS__MAX);
    return status_names[status];
}

/* ------------------------------------------------------------------ */
/* Settings */

const char *const migration_capability_names[MIGRATION_CAPABILITY__MAX] = {
    [MIGRATION_CAPABILITY_EVENTS] = "events",
    [MIGRATION_CAPABILITY_COMPRESS] = "compress",
    [MIGRATION_CAPABILITY_AUTO_CONVERGE] = "auto-converge",
};

/* QEMU 7.2's ranges and defaults. */
const MigrationParameterInfo migration_parameters[MIGRATION_PARAMETER__MAX] = {
    [MIGRATION_PARAMETER_DOWNTIME_LIMIT] =
        { "downtime-limit", 0, 2000000, 300 },
    [MIGRATION_PARAMETER_MAX_BANDWIDTH] =
        { "max-bandwidth", 0, INT64_MAX, 128 * MiB, true },
    [MIGRATION_PARAMETER_COMPRESS_LEVEL] =
        { "compress-level", 0, 9, 1 },
    [MIGRATION_PARAMETER_CPU_THROTTLE_INITIAL] =
        { "cpu-throttle-initial", 1, 99, 20 },
    [MIGRATION_PARAMETER_CPU_THROTTLE_INCREMENT] =
        { "cpu-throttle-increment", 1, 99, 10 },
    [MIGRATION_PARAMETER_MAX_CPU_THROTTLE] =
        { "max-cpu-throttle", 1, 99, 99 },
    [MIGRATION_PARAMETER_THROTTLE_TRIGGER_THRESHOLD] =
        { "throttle-trigger-threshold", 1, 100, 50 },
};

static bool capabilities[MIGRATION_CAPABILITY__MAX];
static int64_t parameters[MIGRATION_PARAMETER__MAX];

int migration_capability_lookup(const char *name)
{
    for (int i = 0; i < MIGRATION_CAPABILITY__MAX; i++) {
        if (!strcmp(name, migration_capability_names[i])) {
            return i;
        }
    }
    return -1;
}

int migration_parameter_lookup(const char *name)
{
    for (int i = 0; i < MIGRATION_PARAMETER__MAX; i++) {
        if (!strcmp(name, migration_parameters[i].name)) {
            return i;
        }
    }
    return -1;
}

bool migrate_capability(MigrationCapability cap)
{
    return qatomic_read(&capabilities[cap]);
}

int64_t migrate_parameter(MigrationParameter p)
{
    return qatomic_read(&parameters[p]);
}

static bool migration_stream_flowing(void);

bool migrate_set_capability(MigrationCapability cap, bool on, Error **errp)
{
    if (migration_stream_flowing()) {
        error_setg(errp, "There's a migration process in progress");
        return false;
    }
    qatomic_set(&capabilities[cap], on);
    return true;
}

bool migrate_set_parameter(MigrationParameter p, int64_t value,
                           Error **errp)
{
    const MigrationParameterInfo *info = &migration_parameters[p];

    if (value < info->min || value > info->max) {
        error_setg(errp, "Parameter '%s' expects a value from %" PRId64
                   " to %" PRId64, info->name, info->min, info->max);
        return false;
    }
    qatomic_set(&parameters[p], value);
    return true;
}

/* ------------------------------------------------------------------ */
/* The two migrations */

typedef struct MigrationStats {
    uint64_t transferred;
    uint64_t precopy_bytes;
    uint64_t downtime_bytes;
    uint64_t dirty_pages_rate;
    uint64_t pages_per_second;
    uint64_t bandwidth;         /* bytes/s, last measured */
    int64_t setup_time;
    int64_t expected_downtime;
    int64_t downtime;
    int64_t end_time;           /* ms; 0 while it runs */
    uint64_t compressed_size;
} MigrationStats;

typedef struct MigrationState {
    int status;                 /* MigrationStatus, atomic */
    MigrationUri uri;
    QemuThread thread;
    bool thread_started;        /* BQL: joined by the cleanup BH */
    QEMUBH *cleanup_bh;
    QemuMutex file_lock;
    QEMUFile *file;             /* file_lock */
    bool cancel;                /* atomic */
    QemuSemaphore rate_limit_sem;
    RAMState *rs;               /* see the top */
    Error *error;
    int64_t start_time;         /* ms, realtime */
    MigrationStats stats;
    int throttle_pct;           /* the thread's own */
    int dirty_rate_high_cnt;
} MigrationState;

typedef struct MigrationIncomingState {
    int status;                 /* MigrationStatus, atomic */
    bool deferred;              /* -incoming defer, nothing started yet */
    MigrationUri uri;
    bool have_uri;
    int listen_fd;
    int port;
    QemuThread thread;
    bool thread_started;
    QEMUBH *bh;
    Error *error;
    int64_t start_time;
    int64_t end_time;
    uint64_t transferred;       /* atomic */
    uint64_t pages;             /* atomic */
} MigrationIncomingState;

static MigrationState out;
static MigrationIncomingState in = { .listen_fd = -1 };

static int64_t now_ms(void)
{
    return qemu_clock_get_ms(QEMU_CLOCK_REALTIME);
}

static bool status_is_active(int status)
{
    return status == MIGRATION_STATUS_SETUP ||
           status == MIGRATION_STATUS_ACTIVE ||
           status == MIGRATION_STATUS_DEVICE ||
           status == MIGRATION_STATUS_CANCELLING;
}

bool migration_is_idle(void)
{
    return !status_is_active(qatomic_read(&out.status)) &&
           !status_is_active(qatomic_read(&in.status)) &&
           !out.thread_started && !in.thread_started;
}

/*
 * Capabilities may change until a stream flows, as in QEMU: a destination
 * that only listens (incoming in setup, no thread yet) may still be told
 * what to expect, which is how QEMU's users set up both ends.  BQL held.
 */
static bool migration_stream_flowing(void)
{
    int in_status = qatomic_read(&in.status);

    return !migration_is_idle() &&
           !(in_status == MIGRATION_STATUS_SETUP && !in.thread_started &&
             !status_is_active(qatomic_read(&out.status)) &&
             !out.thread_started);
}

/*
 * Announce status (MIGRATION event, with the events capability).  Takes
 * the BQL if the caller does not hold it.
 */
static void migration_event(MigrationStatus status)
{
    bool locked = qemu_mutex_iothread_locked();

    if (!migrate_capability(MIGRATION_CAPABILITY_EVENTS)) {
        return;
    }
    if (!locked) {
        qemu_mutex_lock_iothread();
    }
    qapi_event_send_migration(migration_status_name(status));
    if (!locked) {
        qemu_mutex_unlock_iothread();
    }
}

/* old -> new if the status is still old; announces it. */
static bool migrate_set_state(int *state, MigrationStatus old,
                              MigrationStatus new)
{
    if (qatomic_cmpxchg(state, old, new) != old) {
        return false;
    }
    migration_event(new);
    return true;
}

/* ------------------------------------------------------------------ */
/* Outgoing: the migration thread */

/* The machine's identity: what the destination must have. */
static void migration_put_config(QEMUFile *f)
{
    g_autoptr(GByteArray) rec = g_byte_array_new();

    mig_put_str(rec, "virt");
    mig_put_le32(rec, smp_cpus);
    mig_put_le64(rec, ram_size);
    mig_put_le32(rec, TARGET_PAGE_SIZE);
    qemu_file_put_record(f, MIG_REC_CONFIG, rec->data, rec->len, -1);
}

static int compress_level(void)
{
    return migrate_capability(MIGRATION_CAPABILITY_COMPRESS)
           ? migrate_parameter(MIGRATION_PARAMETER_COMPRESS_LEVEL) : -1;
}

/* Add n stream bytes to the counters (and to the compressed size). */
static void migration_account(uint64_t n, bool stopped)
{
    MigrationStats *st = &out.stats;

    qatomic_set(&st->transferred, st->transferred + n);
    if (stopped) {
        qatomic_set(&st->downtime_bytes, st->downtime_bytes + n);
    } else {
        qatomic_set(&st->precopy_bytes, st->precopy_bytes + n);
    }
    if (compress_level() >= 0) {
        qatomic_set(&st->compressed_size, st->compressed_size + n);
    }
}

/*
 * Auto-converge, QEMU's policy: if the pages a pass dirtied exceed
 * throttle-trigger-threshold percent of the bytes it sent, twice in a
 * row, throttle the vCPUs at cpu-throttle-initial percent, then add
 * cpu-throttle-increment each time, up to max-cpu-throttle.
 */
static void migration_maybe_throttle(uint64_t dirtied_bytes,
                                     uint64_t sent_bytes)
{
    int64_t threshold = migrate_parameter(
        MIGRATION_PARAMETER_THROTTLE_TRIGGER_THRESHOLD);

    if (!migrate_capability(MIGRATION_CAPABILITY_AUTO_CONVERGE) ||
        dirtied_bytes * 100 <= sent_bytes * threshold) {
        return;
    }
    if (++out.dirty_rate_high_cnt < 2) {
        return;
    }
    out.dirty_rate_high_cnt = 0;
    if (!out.throttle_pct) {
        out.throttle_pct = migrate_parameter(
            MIGRATION_PARAMETER_CPU_THROTTLE_INITIAL);
    } else {
        out.throttle_pct = MIN(out.throttle_pct + migrate_parameter(
                                   MIGRATION_PARAMETER_CPU_THROTTLE_INCREMENT),
                               migrate_parameter(
                                   MIGRATION_PARAMETER_MAX_CPU_THROTTLE));
    }
    cpu_throttle_set(out.throttle_pct);
}

/*
 * Stop the vCPUs and send the rest: RAM, devices, the end.  On failure
 * the vCPUs run again as before.  Called with the BQL.
 */
static bool migration_completion(QEMUFile *f, Error **errp)
{
    RunState prev = runstate_get();
    bool was_running = runstate_is_running();
    uint64_t before = qemu_file_transferred(f);
    int64_t stop_time = now_ms();
    unsigned sections;
    bool ok;

    if (!migrate_set_state(&out.status, MIGRATION_STATUS_ACTIVE,
                           MIGRATION_STATUS_DEVICE)) {
        return false;       /* cancelled meanwhile */
    }
    vm_stop(RUN_STATE_FINISH_MIGRATE);
    cpu_throttle_stop();

    ok = migration_check_blockers(errp) &&
         ram_save_complete(out.rs, f, compress_level(), errp);
    if (ok) {
        g_autoptr(GByteArray) end = g_byte_array_new();

        sections = qemu_savevm_state_devices(f);
        mig_put_le32(end, sections);
        qemu_file_put_record(f, MIG_REC_END, end->data, end->len, -1);
        if (qemu_file_flush(f, true) < 0) {
            qemu_file_error_message(f, errp);
            ok = false;
        }
    }
    migration_account(qemu_file_transferred(f) - before, true);
    if (!ok) {
        if (was_running) {
            vm_start();
        } else {
            vm_stop(prev);
        }
        return false;
    }
    qatomic_set(&out.stats.downtime, now_ms() - stop_time);
    vm_stop(RUN_STATE_POSTMIGRATE);
    return true;
}

/* Wait for the rest of the rate-limit window, or a cancel. */
static void migration_rate_wait(int64_t window_end)
{
    int64_t left = window_end - now_ms();

    if (left > 0) {
        qemu_sem_timedwait(&out.rate_limit_sem, left);
    }
}

/* Iterate until converged; then complete.  false with *errp on error. */
static bool migration_iterate(QEMUFile *f, Error **errp)
{
    int64_t window_start = now_ms(), sync_time = window_start;
    uint64_t window_bytes = 0, pass_bytes = 0;
    uint64_t pages_before = 0;
    RAMStats rst;

    while (qatomic_read(&out.status) == MIGRATION_STATUS_ACTIVE) {
        int64_t max_bw = migrate_parameter(MIGRATION_PARAMETER_MAX_BANDWIDTH);
        uint64_t budget = ITERATE_BYTES;
        int64_t n, now;

        if (!ram_pages_pending(out.rs)) {
            uint64_t newly, remaining, bw;
            int64_t downtime_limit =
                migrate_parameter(MIGRATION_PARAMETER_DOWNTIME_LIMIT);

            /* The pass is over: take what it dirtied. */
            if (!ram_sync(out.rs, true, &newly, errp)) {
                return false;
            }
            now = now_ms();
            qatomic_set(&out.stats.dirty_pages_rate,
                        newly * 1000 / MAX(now - sync_time, 1));
            sync_time = now;
            migration_maybe_throttle(newly << TARGET_PAGE_BITS, pass_bytes);
            pass_bytes = 0;
            if (migrate_capability(MIGRATION_CAPABILITY_EVENTS)) {
                ram_get_stats(out.rs, &rst);
                qemu_mutex_lock_iothread();
                qapi_event_send_migration_pass(rst.sync_count);
                qemu_mutex_unlock_iothread();
            }
            remaining = ram_pages_pending(out.rs) << TARGET_PAGE_BITS;
            bw = qatomic_read(&out.stats.bandwidth);
            if (bw) {
                qatomic_set(&out.stats.expected_downtime,
                            remaining * 1000 / bw);
            }
            if (remaining <= bw * downtime_limit / 1000) {
                bool ok;

                qemu_mutex_lock_iothread();
                ok = migration_completion(f, errp);
                qemu_mutex_unlock_iothread();
                return ok || qatomic_read(&out.status) ==
                             MIGRATION_STATUS_CANCELLING;
            }
            continue;
        }

        now = now_ms();
        if (now - window_start >= BUFFER_DELAY_MS) {
            qatomic_set(&out.stats.bandwidth,
                        window_bytes * 1000 / (now - window_start));
            ram_get_stats(out.rs, &rst);
            qatomic_set(&out.stats.pages_per_second,
                        (rst.zero_pages + rst.normal_pages - pages_before) *
                        1000 / (now - window_start));
            pages_before = rst.zero_pages + rst.normal_pages;
            window_start = now;
            window_bytes = 0;
        }
        if (max_bw > 0) {
            uint64_t allowed = max_bw * BUFFER_DELAY_MS / 1000;

            if (window_bytes >= allowed) {
                migration_rate_wait(window_start + BUFFER_DELAY_MS);
                continue;
            }
            budget = MIN(budget, allowed - window_bytes);
        }
        n = ram_save_iterate(out.rs, f, budget, compress_level(), errp);
        if (n < 0) {
            return false;
        }
        window_bytes += n;
        pass_bytes += n;
        migration_account(n, false);
    }
    /* Cancelled. */
    return true;
}

static void migration_cleanup_bh(void *opaque);

static void *migration_thread(void *opaque)
{
    Error *err = NULL;
    QEMUFile *f = NULL;
    RAMState *rs;
    int fd;

    rcu_register_thread();
    fd = migration_uri_connect(&out.uri, &out.cancel, &err);
    if (fd >= 0) {
        f = qemu_file_new_output(fd);
        qemu_mutex_lock(&out.file_lock);
        out.file = f;
        if (qatomic_read(&out.cancel)) {
            qemu_file_shutdown(f);
        }
        qemu_mutex_unlock(&out.file_lock);

        qemu_file_put_header(f);
        migration_put_config(f);
        rs = ram_save_setup(f, &err);

        if (rs) {
            /* Pairs with the load-acquire in migration_get_info. */
            qatomic_store_release(&out.rs, rs);
            migration_account(qemu_file_transferred(f), false);
            qatomic_set(&out.stats.setup_time, now_ms() - out.start_time);
            if (migrate_set_state(&out.status, MIGRATION_STATUS_SETUP,
                                  MIGRATION_STATUS_ACTIVE)) {
                migration_iterate(f, &err);
            }
            memory_global_dirty_log_stop();
            cpu_throttle_stop();
        }
    }
    if (err && qatomic_read(&out.status) == MIGRATION_STATUS_CANCELLING) {
        /* A cancel shuts the stream down: that error is the cancel. */
        error_free(err);
        err = NULL;
    }
    if (f) {
        qemu_mutex_lock(&out.file_lock);
        out.file = NULL;
        qemu_mutex_unlock(&out.file_lock);
        qemu_file_close(f);
    }
    qatomic_set(&out.stats.end_time, now_ms());
    if (err) {
        out.error = err;
        /* Pairs with the load-acquire in migration_get_info. */
        qatomic_store_release(&out.status, MIGRATION_STATUS_FAILED);
        migration_event(MIGRATION_STATUS_FAILED);
    } else if (!migrate_set_state(&out.status, MIGRATION_STATUS_CANCELLING,
                                  MIGRATION_STATUS_CANCELLED)) {
        migrate_set_state(&out.status, MIGRATION_STATUS_DEVICE,
                          MIGRATION_STATUS_COMPLETED);
    }
    qemu_bh_schedule(out.cleanup_bh);
    rcu_unregister_thread();
    return NULL;
}

/* Main loop: the thread is done; collect it. */
static void migration_cleanup_bh(void *opaque)
{
    qemu_thread_join(&out.thread);
    out.thread_started = false;
    if (out.error) {
        error_report("migration failed: %s", error_get_pretty(out.error));
    }
}

static void migration_state_init(void)
{
    static bool done;

    if (done) {
        return;
    }
    qemu_mutex_init(&out.file_lock);
    qemu_sem_init(&out.rate_limit_sem, 0);
    out.cleanup_bh = qemu_bh_new(migration_cleanup_bh, NULL);
    for (int i = 0; i < MIGRATION_PARAMETER__MAX; i++) {
        parameters[i] = migration_parameters[i].def;
    }
    done = true;
}

bool qmp_migrate_start(const char *uri, Error **errp)
{
    MigrationUri u;

    if (!migration_is_idle() ||
        runstate_check(RUN_STATE_INMIGRATE)) {
        error_setg(errp, runstate_check(RUN_STATE_INMIGRATE)
                   ? "Guest is waiting for an incoming migration"
                   : "There's a migration process in progress");
        return false;
    }
    if (runstate_check(RUN_STATE_POSTMIGRATE)) {
        error_setg(errp, "the guest was migrated already; 'cont' to run it "
                   "here again before migrating it once more");
        return false;
    }
    if (!migration_check_blockers(errp) || !ram_check_migratable(errp) ||
        !migration_uri_parse(uri, &u, errp)) {
        return false;
    }
    migration_uri_free(&out.uri);
    out.uri = u;
    error_free(out.error);
    out.error = NULL;
    ram_save_cleanup(out.rs);
    out.rs = NULL;
    memset(&out.stats, 0, sizeof(out.stats));
    out.throttle_pct = 0;
    out.dirty_rate_high_cnt = 0;
    out.cancel = false;
    while (qemu_sem_timedwait(&out.rate_limit_sem, 0) == 0) {
        /* drain stale cancel wake-ups */
    }
    out.start_time = now_ms();
    qatomic_set(&out.status, MIGRATION_STATUS_SETUP);
    migration_event(MIGRATION_STATUS_SETUP);
    out.thread_started = true;
    qemu_thread_create(&out.thread, "live_migration", migration_thread,
                       NULL, QEMU_THREAD_JOINABLE);
    return true;
}

void qmp_migrate_cancel(void)
{
    if (!migrate_set_state(&out.status, MIGRATION_STATUS_SETUP,
                           MIGRATION_STATUS_CANCELLING) &&
        !migrate_set_state(&out.status, MIGRATION_STATUS_ACTIVE,
                           MIGRATION_STATUS_CANCELLING)) {
        return;
    }
    qatomic_set(&out.cancel, true);
    qemu_mutex_lock(&out.file_lock);
    if (out.file) {
        qemu_file_shutdown(out.file);
    }
    qemu_mutex_unlock(&out.file_lock);
    qemu_sem_post(&out.rate_limit_sem);
}

/* ------------------------------------------------------------------ */
/* Incoming */

static void incoming_bh(void *opaque);

/* Check the source machine's configuration against ours. */
static bool incoming_check_config(MigReader *r, Error **errp)
{
    char machine[256];
    uint32_t cpus, page_size;
    uint64_t ram;

    if (!mig_get_str(r, machine, sizeof(machine)) ||
        !mig_get_le32(r, &cpus) || !mig_get_le64(r, &ram) ||
        !mig_get_le32(r, &page_size) || mig_reader_left(r)) {
        error_setg(errp, "the configuration record is malformed");
        return false;
    }
    if (strcmp(machine, "virt")) {
        error_setg(errp, "the stream is from a '%s' machine, this is 'virt'",
                   machine);
        return false;
    }
    if (cpus != smp_cpus) {
        error_setg(errp, "the stream's machine has %" PRIu32 " vCPUs, this "
                   "one %u (-smp must be the same)", cpus, smp_cpus);
        return false;
    }
    if (ram != ram_size) {
        error_setg(errp, "the stream's machine has %" PRIu64 " MiB of RAM, "
                   "this one %" PRIu64 " MiB (-m must be the same)",
                   ram / MiB, ram_size / MiB);
        return false;
    }
    if (page_size != TARGET_PAGE_SIZE) {
        error_setg(errp, "the stream's pages have %" PRIu32 " bytes, not %d",
                   page_size, TARGET_PAGE_SIZE);
        return false;
    }
    return true;
}

/* Read and apply the records after the header.  Incoming thread. */
static bool incoming_load_records(QEMUFile *f, RAMLoadState *ls,
                                  Error **errp)
{
    bool have_config = false;
    MigRecordType type;
    MigReader r;

    for (;;) {
        bool ok = true;

        if (!qemu_file_get_record(f, &type, &r, errp)) {
            return false;
        }
        qatomic_set(&in.transferred, qemu_file_record_offset(f));
        if (!have_config && type != MIG_REC_CONFIG) {
            error_setg(errp, "the stream does not start with the machine's "
                       "configuration");
            return false;
        }
        switch (type) {
        case MIG_REC_CONFIG:
            if (have_config) {
                error_setg(errp, "the configuration appears twice");
                return false;
            }
            ok = incoming_check_config(&r, errp);
            have_config = true;
            break;
        case MIG_REC_RAM_BLOCKS:
            ok = ram_load_blocks(ls, &r, errp);
            break;
        case MIG_REC_RAM_PAGES:
            ok = ram_load_pages(ls, &r, errp);
            qatomic_set(&in.pages, ram_load_pages_count(ls));
            break;
        case MIG_REC_DEVICE:
            qemu_mutex_lock_iothread();
            ok = qemu_loadvm_section(&r, errp);
            qemu_mutex_unlock_iothread();
            break;
        case MIG_REC_END: {
            uint32_t sections;

            if (!mig_get_le32(&r, &sections) || mig_reader_left(&r)) {
                error_setg(errp, "the end record is malformed");
                return false;
            }
            if (!ram_load_pages_count(ls)) {
                error_setg(errp, "the stream ends without any RAM");
                return false;
            }
            qemu_mutex_lock_iothread();
            ok = qemu_loadvm_state_end(sections, errp);
            qemu_mutex_unlock_iothread();
            return ok;
        }
        }
        if (!ok) {
            error_prepend(errp, "record %" PRIu64 " (%s) at offset %" PRIu64
                          ": ", qemu_file_record_index(f),
                          mig_record_name(type), qemu_file_record_offset(f));
            return false;
        }
    }
}

/* Read and apply the whole stream.  Incoming thread. */
static bool incoming_load(QEMUFile *f, Error **errp)
{
    RAMLoadState *ls;
    bool ok;

    if (!qemu_file_get_header(f, errp)) {
        return false;
    }
    qemu_mutex_lock_iothread();
    qemu_loadvm_state_begin();
    qemu_mutex_unlock_iothread();
    ls = ram_load_new();
    ok = incoming_load_records(f, ls, errp);
    ram_load_free(ls);
    return ok;
}

static void *incoming_thread(void *opaque)
{
    QEMUFile *f = opaque;
    Error *err = NULL;

    rcu_register_thread();
    migrate_set_state(&in.status, MIGRATION_STATUS_SETUP,
                      MIGRATION_STATUS_ACTIVE);
    if (incoming_load(f, &err)) {
        qatomic_set(&in.transferred, qemu_file_record_offset(f) +
                    MIG_RECORD_HDR_SIZE + 4);
    }
    qemu_file_close(f);
    in.error = err;
    qatomic_set(&in.end_time, now_ms());
    /* Seen by incoming_bh after the BH runs (scheduling orders it). */
    qemu_bh_schedule(in.bh);
    rcu_unregister_thread();
    return NULL;
}

/* Main loop: the stream was read, or refused. */
static void incoming_bh(void *opaque)
{
    qemu_thread_join(&in.thread);
    in.thread_started = false;
    if (in.error) {
        qatomic_set(&in.status, MIGRATION_STATUS_FAILED);
        migration_event(MIGRATION_STATUS_FAILED);
        error_report("load of migration failed: %s",
                     error_get_pretty(in.error));
        /* Never run a machine that was partly loaded. */
        exit(EXIT_FAILURE);
    }
    migrate_set_state(&in.status, MIGRATION_STATUS_ACTIVE,
                      MIGRATION_STATUS_COMPLETED);
    if (autostart) {
        vm_start();
    } else {
        vm_stop(RUN_STATE_PAUSED);
    }
}

static void incoming_start_thread(int fd)
{
    QEMUFile *f = qemu_file_new_input(fd);

    in.thread_started = true;
    qemu_thread_create(&in.thread, "incoming_migration", incoming_thread, f,
                       QEMU_THREAD_JOINABLE);
}

static void incoming_stop_listening(void)
{
    if (in.listen_fd >= 0) {
        qemu_set_fd_handler(in.listen_fd, NULL, NULL, NULL);
        close(in.listen_fd);
        in.listen_fd = -1;
        if (in.uri.kind == MIGRATION_URI_UNIX) {
            unlink(in.uri.path);
        }
    }
}

/* Main loop: the source connects. */
static void incoming_accept(void *opaque)
{
    int fd;

    do {
        fd = accept4(in.listen_fd, NULL, NULL, SOCK_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        return;     /* EAGAIN: the client gave up; keep listening */
    }
    incoming_stop_listening();
    incoming_start_thread(fd);
}

bool qmp_migrate_incoming(const char *uri, Error **errp)
{
    int fd;

    if (!in.deferred) {
        error_setg(errp, runstate_check(RUN_STATE_INMIGRATE)
                   ? "The incoming migration has already been started"
                   : "'-incoming' was not specified on the command line");
        return false;
    }
    if (!migration_uri_parse(uri, &in.uri, errp)) {
        return false;
    }
    fd = migration_uri_listen(&in.uri, &in.port, errp);
    if (fd < 0) {
        migration_uri_free(&in.uri);
        return false;
    }
    in.deferred = false;
    in.have_uri = true;
    in.start_time = now_ms();
    in.bh = qemu_bh_new(incoming_bh, NULL);
    qatomic_set(&in.status, MIGRATION_STATUS_SETUP);
    migration_event(MIGRATION_STATUS_SETUP);
    if (in.uri.kind == MIGRATION_URI_FILE) {
        incoming_start_thread(fd);
    } else {
        in.listen_fd = fd;
        qemu_set_nonblock(fd);
        qemu_set_fd_handler(fd, incoming_accept, NULL, NULL);
    }
    return true;
}

bool qemu_start_incoming_migration(const char *uri, Error **errp)
{
    migration_state_init();
    in.deferred = true;
    if (!strcmp(uri, "defer")) {
        return true;
    }
    return qmp_migrate_incoming(uri, errp);
}

void migration_init(void)
{
    migration_state_init();
    migration_cmds_register();
}

/* ------------------------------------------------------------------ */
/* query-migrate */

void migration_get_info(MigrationInfo *info)
{
    int in_status = qatomic_read(&in.status);

    memset(info, 0, sizeof(*info));
    /* A guest that came in and went out again: the outgoing one. */
    if (in_status != MIGRATION_STATUS_NONE &&
        qatomic_read(&out.status) == MIGRATION_STATUS_NONE) {
        int64_t end = qatomic_read(&in.end_time);

        info->incoming = true;
        info->status = in_status;
        info->total_time = (end ? end : now_ms()) - in.start_time;
        info->transferred = qatomic_read(&in.transferred);
        info->normal = qatomic_read(&in.pages);
        if (in.have_uri && in.uri.kind == MIGRATION_URI_TCP) {
            info->socket_address = g_strdup(in.uri.host);
            info->socket_port = in.port;
        } else if (in.have_uri && in.uri.kind == MIGRATION_URI_UNIX) {
            info->socket_address = g_strdup(in.uri.path);
        }
        if (in_status == MIGRATION_STATUS_FAILED && in.error) {
            info->error_desc = g_strdup(error_get_pretty(in.error));
        }
        return;
    }

    /* Pairs with the store-release of FAILED in migration_thread. */
    info->status = qatomic_load_acquire(&out.status);
    if (info->status == MIGRATION_STATUS_NONE) {
        return;
    }
    {
        MigrationStats *st = &out.stats;
        /* Pairs with the store-release in migration_thread. */
        RAMState *rs = qatomic_load_acquire(&out.rs);
        int64_t end = qatomic_read(&st->end_time);
        uint64_t bw = qatomic_read(&st->bandwidth);
        RAMStats rst = { 0 };

        if (rs) {
            ram_get_stats(rs, &rst);
        }
        info->total_time = (end ? end : now_ms()) - out.start_time;
        info->setup_time = qatomic_read(&st->setup_time);
        info->transferred = qatomic_read(&st->transferred);
        info->precopy_bytes = qatomic_read(&st->precopy_bytes);
        info->downtime_bytes = qatomic_read(&st->downtime_bytes);
        info->remaining = rst.remaining;
        info->total = rs ? rst.total : ram_bytes_total();
        info->duplicate = rst.zero_pages;
        info->normal = rst.normal_pages;
        info->dirty_sync_count = rst.sync_count;
        info->dirty_pages_rate = qatomic_read(&st->dirty_pages_rate);
        info->pages_per_second = qatomic_read(&st->pages_per_second);
        info->mbps = bw * 8.0 / 1e6;
        info->expected_downtime = qatomic_read(&st->expected_downtime);
        info->downtime = qatomic_read(&st->downtime);
        info->throttle_pct = cpu_throttle_get_percentage();
        info->compressed_size = qatomic_read(&st->compressed_size);
        info->compression_rate = info->compressed_size
            ? (double)rst.raw_bytes / info->compressed_size : 0;
        if (info->status == MIGRATION_STATUS_FAILED && out.error) {
            info->error_desc = g_strdup(error_get_pretty(out.error));
        }
    }
}

void migration_info_free(MigrationInfo *info)
{
    g_free(info->error_desc);
    g_free(info->socket_address);
}
