/*
 * store_internal.h - what the files of store/ share and nobody else sees.
 *
 * The store is split by subject (store.c: small tables and transactions;
 * store_orders.c: orders and their history, feedback, fees, payments;
 * store_outbox.c: the outbox; store_transcript.c: the chat pages' transcript;
 * store_photos.c: photos sent with a request; store_stats.c: figures for /metrics;
 * store_desk.c: residents found by phone for desk intake, and staff duty;
 * store_dead.c: inbound messages that failed, and dead letters;
 * store_report.c: reading for reports and the archive, snapshots).
 * They share error reporting, transactions that nest, the copying of text
 * into fixed-size fields, and (store_rows.c) the step-read loop every query
 * goes through. They reach the database only through store_db.h; the SQLite
 * backend (sqlite_db.c: connection, statement cache, binding, pragmas;
 * sqlite_schema.c: migrations; sqlite_ckpt.c: checkpoints; sqlite_backup.c:
 * backups) is the only code that calls SQLite.
 */
#ifndef CONCIERGE_STORE_INTERNAL_H
#define CONCIERGE_STORE_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "store/store_db.h"

/* A statement's text assembled at run time (store_variant), kept for the store's life. */
struct store_variant {
	const char *family;
	unsigned mask;
	char *sql;
};

/*
 * What every backend shares. A backend's connection (struct sqlite_store in
 * sqlite_db.h) begins with it, so the store files see only this part.
 */
struct store {
	struct store_variant *variants;
	size_t nvariants, capvariants;
	char err[512];   /* the last failure, kept because cleanup may overwrite the library's */
	char **tx_files; /* created for the open transaction (store_tx_file), owned */
	size_t ntx_files, captx_files;
	enum store_err errclass; /* the kind of the last failure */
};

/* Frees what store_open's neutral part holds (variants, tx_files) and rolls back IN_TX's files. */
void store_common_free(struct store *s, int in_tx);

/* Forgets the open transaction's files (committed), or removes them too (UNLINK). */
void store_tx_files_end(struct store *s, int unlink_them);

/*
 * A query whose filters are optional is written with only the conditions a
 * call has, so that SQLite's planner sees plain "column = ?" terms it can
 * answer from an index ("?1 IS NULL OR column = ?1" makes it read the whole
 * table). store_variant() returns the text of variant MASK of the query
 * FAMILY (the address of a static string of the file, naming it), written by
 * BUILD(B, MASK) the first time it is asked for and kept until the store
 * closes, so its address is stable and the statement cache keeps it like a static
 * one. Variants keep their parameter numbers, and a call binds them all with
 * store_query_some(). NULL when out of memory (recorded).
 */
struct buf;
const char *store_variant(struct store *s, const char *family, unsigned mask,
                          void (*build)(struct buf *b, unsigned mask));

/*
 * Multi-statement changes: opens BEGIN IMMEDIATE when no transaction is open
 * (so a read-then-write cannot lose a race with another process), else a
 * SAVEPOINT inside the caller's transaction. store_tx_leave commits/releases
 * when OK is nonzero and rolls back otherwise; it returns 0 or -1.
 */
int store_tx_enter(struct store *s, int *outer);
int store_tx_leave(struct store *s, int outer, int ok);

/* The statuses of an order still being worked on (not closed, cancelled or declined). */
#define STORE_OPEN_STATUSES                                                                        \
	"('pending', 'assigned', 'scheduled', 'in_progress', 'awaiting_acceptance', 'rework')"

/* Bounded copy that never splits a UTF-8 sequence; DST is always terminated. */
void store_copy(char *dst, size_t dstlen, const char *src);

#endif
