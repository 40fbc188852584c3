/*
 * report.h - orders and outbox rows as JSON and as readable tables.
 *
 * The JSON shapes are a contract (DESIGN.md): an order object carries at
 * least number, status, category, description, room, contact_name, phone,
 * preferred_time, created_at, resident, assignee, fee, rating, and with
 * events an "events" array. Times are ISO 8601 in the configured zone.
 */
#ifndef CONCIERGE_REPORT_H
#define CONCIERGE_REPORT_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "store/store.h"

/* "2026-11-27T15:00:00+08:00"; "" for 0. */
void report_time(int64_t t, char *out, size_t len);
/* A new JSON object for O (caller owns the reference); with the events when WITH_EVENTS. */
json_t *report_order_json(struct store *s, const struct store_order *o, int with_events);
json_t *report_outbox_json(const struct store_outbox *m);
/* Prints S padded (or cut) to WIDTH columns. */
void report_cell(FILE *f, const char *s, size_t width);
/* Prints S cut to WIDTH columns, without padding (a last column); returns the columns used. */
size_t report_clip(FILE *f, const char *s, size_t width);
/* The columns S takes on a terminal (CJK characters take two). */
size_t report_width(const char *s);

#endif
