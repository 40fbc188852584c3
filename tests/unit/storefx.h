/*
 * storefx.h - the unit tests' store on a real SQLite file: a new database
 * in a temporary directory of its own, and its removal (the file, its WAL,
 * shared memory and journal, and the directory). Included by one test file
 * each: the definitions are static on purpose. Needs <cmocka.h> and
 * "store/store.h" first.
 */
#ifndef CONCIERGE_TEST_STOREFX_H
#define CONCIERGE_TEST_STOREFX_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define STOREFX_DIRLEN  64
#define STOREFX_PATHLEN 128

/* A new store /tmp/NAME.XXXXXX/c.db: its directory into DIR, its file into PATH. */
static struct store *storefx_open(const char *name, char dir[STOREFX_DIRLEN],
                                  char path[STOREFX_PATHLEN])
{
	struct store *s = NULL;
	char err[256];

	snprintf(dir, STOREFX_DIRLEN, "/tmp/%s.XXXXXX", name);
	assert_non_null(mkdtemp(dir));
	snprintf(path, STOREFX_PATHLEN, "%s/c.db", dir);
	if (store_open(path, &s, err, sizeof(err)) < 0)
		fail_msg("store_open: %s", err);
	return s;
}

/* Closes S and removes its file PATH and directory DIR. */
static void storefx_remove(struct store *s, const char *dir, const char *path)
{
	static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
	char p[STOREFX_PATHLEN + 32];
	size_t i;

	store_close(s);
	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", path, suffix[i]);
		unlink(p);
	}
	rmdir(dir);
}

#endif
