/*
 * Migration blockers: state that migration cannot carry.  A device that
 * has no description of its state (or a configuration migration does
 * not support) adds a blocker with the reason; while any blocker is
 * registered, migrate and savevm refuse with its message, and a
 * migration that is running when one is added fails at its end.
 * BQL held.
 */
#ifndef MIGRATION_BLOCKER_H
#define MIGRATION_BLOCKER_H

#include "qapi/error.h"

/* reason is kept (and freed by migrate_del_blocker). */
void migrate_add_blocker(Error *reason);
void migrate_del_blocker(Error *reason);

/* false with the first blocker's reason in *errp if migration is blocked. */
bool migration_check_blockers(Error **errp);

#endif /* MIGRATION_BLOCKER_H */
