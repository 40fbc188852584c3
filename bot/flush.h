/*
 * flush.h - a thread that puts committed group commits on the disk, so the
 * service thread never waits for it (flush.c).
 *
 * Batches are numbered 1, 2, ... in commit order. flusher_ask(N) says batch N
 * is committed (not yet synced); the thread syncs the database's WAL, which
 * holds N and every batch before it, then calls WAKE. flusher_done() tells
 * the last batch a sync was tried for and, in *GOOD, the last one known to be
 * on the disk (the others failed: their senders must send again).
 */
#ifndef CONCIERGE_FLUSH_H
#define CONCIERGE_FLUSH_H

#include <stdint.h>

struct flusher;
typedef void (*flush_wake_fn)(void *ud);

/* NULL when the thread cannot start (the caller then commits with a sync). */
struct flusher *flusher_start(const char *db_path, flush_wake_fn wake, void *ud);
void flusher_ask(struct flusher *f, uint64_t seq);
uint64_t flusher_done(struct flusher *f, uint64_t *good);
/*
 * Batch SEQ synced on the calling thread (the one that asks), when the
 * flusher has nothing to do (every batch asked for is done): 1 when it
 * reached the disk, 0 when the sync failed, -1 when the flusher is busy or
 * SEQ is not newer than the last asked for (ask it instead).
 */
int flusher_sync_here(struct flusher *f, uint64_t seq);
/* Syncs what was asked for, ends the thread and frees F; returns flusher_done()'s figures. */
uint64_t flusher_stop(struct flusher *f, uint64_t *good);

#endif
