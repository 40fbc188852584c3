/*
 * web_assets.h - the web chat's configuration, and the files of web/,
 * compiled into the program by scripts/embed.sh so the web chat works with
 * nothing beside the binary.
 */
#ifndef CONCIERGE_WEB_ASSETS_H
#define CONCIERGE_WEB_ASSETS_H

#include <stddef.h>

struct web_asset {
	const char *path; /* "/index.html" */
	const char *type; /* Content-Type */
	const unsigned char *data;
	size_t len;
};

/* channels.web as read by the adapter (web.c). */
struct web_conf {
	char *title;      /* page title, or NULL: the centre's name */
	int address_pace; /* frames per pace window from one client address; 0: no limit */
};

/* Ends with an entry whose path is NULL. */
extern const struct web_asset web_assets[];

#endif
