/*
 * photo.h - photos residents send with a request: what kind of image the
 * bytes are, the name they are kept under, and keeping them.
 *
 * A photo is judged by its bytes, never by a file name or a MIME type a
 * client claims: JPEG, PNG, WebP and HEIC are taken, anything else is not.
 * It is kept as DIR/<sha256 hex>.<ext>, so the same picture sent twice is one
 * file and a name says nothing about the person who sent it.
 */
#ifndef CONCIERGE_PHOTO_H
#define CONCIERGE_PHOTO_H

#include <stddef.h>

/* The largest photo kept, in bytes (what a phone's camera sends, compressed). */
#define PHOTO_MAX_BYTES (5u * 1024u * 1024u)

/* SHA-256 in hex, with its NUL. */
#define PHOTO_HASH_LEN 65

/* How long after an order's creation a photo still joins it, in seconds. */
#define PHOTO_JOIN_SECONDS (30 * 60)

struct photo_type {
	const char *name; /* "jpeg", "png", "webp", "heic" */
	const char *mime; /* "image/jpeg", ... */
	const char *ext;  /* "jpg", "png", "webp", "heic" */
};

/* The image type of the LEN bytes at DATA (static), or NULL when it is none we take. */
const struct photo_type *photo_sniff(const unsigned char *data, size_t len);

/* SHA-256 of DATA as lower-case hex into OUT. 0, or -1. */
int photo_hash(const unsigned char *data, size_t len, char out[PHOTO_HASH_LEN]);

/* "<hash>.<ext>" into OUT. 0, or -1 when it does not fit. */
int photo_file_name(const char *hash, const struct photo_type *t, char *out, size_t len);

/*
 * Keeps DATA (of type T) in folder DIR (made, mode 0700, when missing) under
 * its content name: written to a temporary file and renamed, so a reader never
 * sees half a photo; a file already there with that name is the same photo and
 * is left alone. Sets HASH and PATH (DIR/NAME). 0 when the file was written, 1
 * when it was there already, or -1 with ERR set.
 */
int photo_save(const char *dir, const unsigned char *data, size_t len, const struct photo_type *t,
               char hash[PHOTO_HASH_LEN], char *path, size_t pathlen, char *err, size_t errlen);

#endif
