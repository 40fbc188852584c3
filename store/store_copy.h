/*
 * store_copy.h - copying a whole deployment from one database to another
 * (`concierge migrate`): every table, every row, with its ids, in one
 * transaction of the destination, then the counts compared.
 */
#ifndef CONCIERGE_STORE_COPY_H
#define CONCIERGE_STORE_COPY_H

#include <stddef.h>
#include <stdint.h>

struct store;

/* Told as rows go: TABLE, rows copied of it so far, of TOTAL; and the whole copy's. */
typedef void (*store_copy_cb)(const char *table, int64_t done, int64_t total, int64_t all_done,
                              int64_t all_total, void *ud);

/* The tables copied, in an order where each row's references come before it. */
extern const char *const store_copy_tables[];

/* Rows of TABLE (one of store_copy_tables) into *N; 0 or -1. */
int store_copy_count(struct store *s, const char *table, int64_t *n);

/*
 * Copies every row of FROM into TO, whose tables must be empty (a new
 * database); PROGRESS (or NULL) is told every 1,000 rows and at each
 * table's end. Then compares each table's count on both. 0, or -1 with ERR
 * set (TO is left as it was: the copy is one transaction).
 */
int store_copy_all(struct store *from, struct store *to, store_copy_cb progress, void *ud,
                   char *err, size_t errlen);

#endif
