/*
 * Private to migration/: the state of the outgoing and incoming
 * migrations, their settings, and the stream's end points.
 */
#ifndef MIGRATION_MIGRATION_H
#define MIGRATION_MIGRATION_H

#include "qapi/error.h"

/* QEMU's MigrationStatus, the ones precopy uses. */
typedef enum MigrationStatus {
    MIGRATION_STATUS_NONE,
    MIGRATION_STATUS_SETUP,
    MIGRATION_STATUS_CANCELLING,
    MIGRATION_STATUS_CANCELLED,
    MIGRATION_STATUS_ACTIVE,
    MIGRATION_STATUS_DEVICE,        /* vCPUs stopped, the rest is going */
    MIGRATION_STATUS_COMPLETED,
    MIGRATION_STATUS_FAILED,
    MIGRATION_STATUS__MAX,
} MigrationStatus;

const char *migration_status_name(MigrationStatus status);

/* Capabilities (migrate-set-capabilities), QEMU's names. */
typedef enum MigrationCapability {
    MIGRATION_CAPABILITY_EVENTS,        /* "events" */
    MIGRATION_CAPABILITY_COMPRESS,      /* "compress": zlib */
    MIGRATION_CAPABILITY_AUTO_CONVERGE, /* "auto-converge": throttling */
    MIGRATION_CAPABILITY__MAX,
} MigrationCapability;

/* Parameters (migrate-set-parameters), QEMU's names and units. */
typedef enum MigrationParameter {
    MIGRATION_PARAMETER_DOWNTIME_LIMIT,         /* ms */
    MIGRATION_PARAMETER_MAX_BANDWIDTH,          /* bytes/s, 0: none */
    MIGRATION_PARAMETER_COMPRESS_LEVEL,         /* zlib, 0..9 */
    MIGRATION_PARAMETER_CPU_THROTTLE_INITIAL,   /* % */
    MIGRATION_PARAMETER_CPU_THROTTLE_INCREMENT, /* % */
    MIGRATION_PARAMETER_MAX_CPU_THROTTLE,       /* % */
    MIGRATION_PARAMETER_THROTTLE_TRIGGER_THRESHOLD,     /* % */
    MIGRATION_PARAMETER__MAX,
} MigrationParameter;

typedef struct MigrationParameterInfo {
    const char *name;
    int64_t min, max, def;
    bool is_size;               /* HMP: takes K/M/G suffixes, MiB default */
} MigrationParameterInfo;

extern const MigrationParameterInfo migration_parameters[];
extern const char *const migration_capability_names[];

/* -1 if name is not one. */
int migration_capability_lookup(const char *name);
int migration_parameter_lookup(const char *name);

/* Settings: changed by the monitor (BQL), read by the threads. */
bool migrate_capability(MigrationCapability cap);
int64_t migrate_parameter(MigrationParameter p);
bool migrate_set_capability(MigrationCapability cap, bool on, Error **errp);
bool migrate_set_parameter(MigrationParameter p, int64_t value,
                           Error **errp);

/* A snapshot of a migration, for query-migrate and info migrate. */
typedef struct MigrationInfo {
    bool incoming;
    MigrationStatus status;
    int64_t total_time;         /* ms, so far or in all */
    int64_t setup_time;         /* ms */
    int64_t expected_downtime;  /* ms, while active */
    int64_t downtime;           /* ms, once completed */
    uint64_t transferred;       /* bytes of stream */
    uint64_t remaining;         /* bytes of RAM */
    uint64_t total;
    uint64_t duplicate;         /* zero pages */
    uint64_t normal;            /* pages sent with their data */
    uint64_t precopy_bytes;     /* stream bytes while the vCPUs ran */
    uint64_t downtime_bytes;    /* stream bytes while they were stopped */
    uint64_t dirty_sync_count;
    uint64_t dirty_pages_rate;  /* pages/s, over the last pass */
    uint64_t pages_per_second;
    double mbps;                /* throughput, megabits/s */
    int throttle_pct;           /* 0: not throttling */
    uint64_t compressed_size;   /* stream bytes of compressed records */
    double compression_rate;    /* RAM bytes per compressed byte */
    char *error_desc;           /* failed: why (g_free) */
    char *socket_address;       /* incoming: where it listens (g_free) */
    int socket_port;            /* incoming tcp: its port */
} MigrationInfo;

void migration_get_info(MigrationInfo *info);
void migration_info_free(MigrationInfo *info);

/* The commands.  BQL held. */
bool qmp_migrate_start(const char *uri, Error **errp);
void qmp_migrate_cancel(void);
bool qmp_migrate_incoming(const char *uri, Error **errp);
void migration_cmds_register(void);

/* ------------------------------------------------------------------ */
/* End points (migration/socket.c) */

typedef enum MigrationUriKind {
    MIGRATION_URI_TCP,
    MIGRATION_URI_UNIX,
    MIGRATION_URI_FILE,
} MigrationUriKind;

typedef struct MigrationUri {
    MigrationUriKind kind;
    char *host;                 /* tcp */
    int port;
    char *path;                 /* unix, file */
} MigrationUri;

bool migration_uri_parse(const char *uri, MigrationUri *u, Error **errp);
void migration_uri_free(MigrationUri *u);
/*
 * Open u for writing a stream: a connected socket or a new file.  Gives
 * up with ECANCELED once *cancel is set (another thread may set it).
 */
int migration_uri_connect(const MigrationUri *u, const bool *cancel,
                          Error **errp);
/*
 * Open u for reading a stream: a listening socket (tcp: *port is the
 * port, the kernel's choice for port 0) or the file itself.
 */
int migration_uri_listen(const MigrationUri *u, int *port, Error **errp);

#endif /* MIGRATION_MIGRATION_H */
