/*
 * Migration as the rest of the emulator sees it: start-up, the incoming
 * side of -incoming, and whether a migration is under way.
 * Main thread, BQL held, unless said otherwise.
 */
#ifndef MIGRATION_MISC_H
#define MIGRATION_MISC_H

#include "qapi/error.h"

/* Register the monitor commands (migrate, query-migrate, ...). */
void migration_init(void);

/*
 * -incoming URI: "defer" waits for migrate-incoming; tcp:HOST:PORT and
 * unix:PATH listen, file:PATH reads.  The machine is built and paused
 * (RUN_STATE_INMIGRATE) when this is called.  On success the incoming
 * migration starts from the main loop; when it ends the guest starts
 * (unless -S) or, if the stream was refused, the process reports why and
 * exits with status 1.
 */
bool qemu_start_incoming_migration(const char *uri, Error **errp);

/* No migration, outgoing or incoming, is under way (or being cleaned up). */
bool migration_is_idle(void);

#endif /* MIGRATION_MISC_H */
