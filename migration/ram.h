/*
 * Private to migration/: guest RAM in the migration stream
 * (migration/ram.c).
 *
 * The source's side runs on the migration thread; the destination's on
 * the incoming thread.  Neither holds ram_list.mutex: they read the RAM
 * block list under RCU (docs/devel/migration.rst).
 */
#ifndef MIGRATION_RAM_H
#define MIGRATION_RAM_H

#include "migration/qemu-file.h"

typedef struct RAMState RAMState;

/* What the migration thread reports (written by it, read by anyone). */
typedef struct RAMStats {
    uint64_t total;             /* bytes of RAM being migrated */
    uint64_t remaining;         /* bytes dirty and not yet sent */
    uint64_t zero_pages;        /* "duplicate": sent as a flag */
    uint64_t normal_pages;      /* sent with their contents */
    uint64_t sync_count;        /* dirty bitmap syncs */
    uint64_t dirty_pages_period; /* pages dirtied since the last sync */
    uint64_t raw_bytes;         /* page bytes before compression */
} RAMStats;

/*
 * Whether every RAM block can be migrated (none belongs to a memory
 * backend); if not, false with *errp naming the block.  Any thread; not
 * in an RCU read-side section.
 */
bool ram_check_migratable(Error **errp);
/*
 * Source.  ram_save_setup snapshots the block list (every block must be
 * migratable), writes the RAM_BLOCKS record, starts dirty logging and
 * takes the first bitmap (every page to send).  NULL with *errp on
 * failure.  Migration thread; not in an RCU read-side section.
 */
RAMState *ram_save_setup(QEMUFile *f, Error **errp);
/*
 * Send pages still to send in this pass, in records, until about
 * max_bytes have been written or the pass is over.  Returns the bytes
 * written, or -1 with *errp (the stream failed, or the RAM blocks
 * changed under us).  compress_level < 0: no compression.
 */
int64_t ram_save_iterate(RAMState *rs, QEMUFile *f, uint64_t max_bytes,
                         int compress_level, Error **errp);
/* Pages still to send in this pass. */
uint64_t ram_pages_pending(RAMState *rs);
/*
 * Take the pages dirtied since the last sync into the pages to send.
 * With vcpus_running, waits for a grace period afterwards, so that every
 * write that the dirty bits missed (in flight when they were taken) has
 * landed before any page is read.  Returns the pages newly dirty.
 */
bool ram_sync(RAMState *rs, bool vcpus_running, uint64_t *newly,
              Error **errp);
/* Send every page still to send (vCPUs stopped). */
bool ram_save_complete(RAMState *rs, QEMUFile *f, int compress_level,
                       Error **errp);
void ram_save_cleanup(RAMState *rs);
/* A snapshot of the statistics. */
void ram_get_stats(RAMState *rs, RAMStats *stats);

/*
 * Destination (incoming thread).  ram_load_blocks matches the stream's
 * blocks with this machine's; ram_load_pages writes a RAM_PAGES record
 * into them.
 */
typedef struct RAMLoadState RAMLoadState;
RAMLoadState *ram_load_new(void);
bool ram_load_blocks(RAMLoadState *ls, MigReader *r, Error **errp);
bool ram_load_pages(RAMLoadState *ls, MigReader *r, Error **errp);
/* Pages loaded so far. */
uint64_t ram_load_pages_count(RAMLoadState *ls);
void ram_load_free(RAMLoadState *ls);

/* The bytes of RAM a migration would carry (for query-migrate). */
uint64_t ram_bytes_total(void);

#endif /* MIGRATION_RAM_H */
