/*
 * sqlite_backup.c - a copy of the database file while the gateway runs
 * (store_backup), through SQLite's online backup: one read transaction, so
 * writers in other processes go on meanwhile.
 */
#include "store/sqlite_db.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_report.h"

/* ---- backups ------------------------------------------------------------------ */

/* How long a backup waits for a lock another connection holds, in all. */
#define BACKUP_BUSY_TRIES    100
#define BACKUP_BUSY_SLEEP_MS 50

/* 1 when PATH (existing) is the database file or one of the files beside it. */
static int is_our_file(struct store *s, const char *path)
{
	char real[PATH_MAX];
	const char *db = store_path(s);
	size_t n = strlen(db);

	if (!*db || !realpath(path, real))
		return 0;
	if (strncmp(real, db, n) != 0)
		return 0;
	return real[n] == '\0' || strcmp(real + n, "-wal") == 0 || strcmp(real + n, "-shm") == 0 ||
	       strcmp(real + n, "-journal") == 0;
}

/* Runs a PRAGMA on D that answers one text row; copies it to OUT. */
static int pragma_text(sqlite3 *d, const char *sql, char *out, size_t outlen)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(d, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		store_copy(out, outlen, (const char *)sqlite3_column_text(st, 0));
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Copies the main database of S into the empty file TMP; checks and seals the copy. */
static int copy_into(struct store *s, const char *tmp, int *pages)
{
	sqlite3 *d = NULL;
	sqlite3_backup *b;
	char answer[64];
	int rc, tries = 0, ret = -1;

	if (sqlite3_open_v2(tmp, &d, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		store_failf(s, "%s: %s", tmp, d ? sqlite3_errmsg(d) : "cannot open");
		goto out;
	}
	b = sqlite3_backup_init(d, "main", store_sqlite_db(s), "main");
	if (!b) {
		store_failf(s, "backup: %s", sqlite3_errmsg(d));
		goto out;
	}
	/*
	 * All pages in one step: one read transaction on the source, so the copy
	 * is one moment and writers in other processes (WAL) go on meanwhile.
	 * Only a lock held elsewhere makes it wait and try again.
	 */
	do {
		rc = sqlite3_backup_step(b, -1);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(BACKUP_BUSY_SLEEP_MS);
	} while ((rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) &&
	         ++tries < BACKUP_BUSY_TRIES);
	if (pages)
		*pages = sqlite3_backup_pagecount(b);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		store_failf(s, "backup: %s",
		            rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? "the database stayed locked"
		                                                     : sqlite3_errmsg(d));
		goto out;
	}
	/* The source is in WAL mode and the copy says so: make it one plain file. */
	if (pragma_text(d, "PRAGMA journal_mode = DELETE", answer, sizeof(answer)) < 0 ||
	    strcmp(answer, "delete") != 0) {
		store_failf(s, "backup: cannot make the copy a single file: %s", sqlite3_errmsg(d));
		goto out;
	}
	if (pragma_text(d, "PRAGMA integrity_check", answer, sizeof(answer)) < 0 ||
	    strcmp(answer, "ok") != 0) {
		store_failf(s, "backup: the copy fails its integrity check: %s", answer);
		goto out;
	}
	ret = 0;
out:
	if (d && sqlite3_close(d) != SQLITE_OK && ret == 0)
		ret = store_failf(s, "backup: cannot close the copy");
	return ret;
}

/* Makes sure TMP's bytes are on disk before it is given its name. */
static int sync_file(const char *path)
{
	int fd = open(path, O_RDONLY), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int sqlite_backup(struct store *s, const char *dest, int force, int *pages)
{
	char tmp[PATH_MAX];
	struct stat st;
	int fd, n, ret = -1;

	if (!dest || !*dest)
		return store_failf(s, "backup: no file named");
	if (lstat(dest, &st) == 0) {
		if (is_our_file(s, dest))
			return store_failf(s, "%s: that is the database itself", dest);
		if (!force)
			return store_failf(s, "%s: already exists (--force replaces it)", dest);
		if (S_ISDIR(st.st_mode))
			return store_failf(s, "%s: is a directory", dest);
	}
	n = snprintf(tmp, sizeof(tmp), "%s.partial-XXXXXX", dest);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return store_failf(s, "%s: name too long", dest);
	fd = mkstemp(tmp); /* 0600: a backup holds residents' details */
	if (fd < 0)
		return store_failf(s, "%s: %s", dest, strerror(errno));
	close(fd);
	if (copy_into(s, tmp, pages) < 0)
		goto out;
	if (sync_file(tmp) < 0) {
		store_failf(s, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (force) {
		if (rename(tmp, dest) != 0) {
			store_failf(s, "%s: %s", dest, strerror(errno));
			goto out;
		}
	} else if (link(tmp, dest) != 0) {
		/* link() fails rather than replace: a file that appeared meanwhile stays. */
		store_failf(s, "%s: %s", dest,
		            errno == EEXIST ? "already exists (--force replaces it)"
		                            : strerror(errno));
		goto out;
	}
	ret = 0;
out:
	unlink(tmp); /* after link() the copy has both names; after rename() none */
	return ret;
}
