/*
 * photo.c - recognising, naming and keeping photos; see photo.h.
 */
#include "lib/photo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

static const struct photo_type types[] = {
        {"jpeg", "image/jpeg", "jpg"},
        {"png", "image/png", "png"},
        {"webp", "image/webp", "webp"},
        {"heic", "image/heic", "heic"},
};

const struct photo_type *photo_sniff(const unsigned char *d, size_t len)
{
	if (!d)
		return NULL;
	if (len >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF)
		return &types[0];
	if (len >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0)
		return &types[1];
	if (len >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0)
		return &types[2];
	/* ISO base media: a box "ftyp" at 4 whose major brand names a HEIF image. */
	if (len >= 12 && memcmp(d + 4, "ftyp", 4) == 0 &&
	    (memcmp(d + 8, "heic", 4) == 0 || memcmp(d + 8, "heix", 4) == 0 ||
	     memcmp(d + 8, "mif1", 4) == 0))
		return &types[3];
	return NULL;
}

int photo_hash(const unsigned char *data, size_t len, char out[PHOTO_HASH_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	out[0] = '\0';
	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
		return -1;
	for (i = 0; i < mdlen; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

int photo_file_name(const char *hash, const struct photo_type *t, char *out, size_t len)
{
	int n = snprintf(out, len, "%s.%s", hash, t->ext);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int write_all(int fd, const unsigned char *data, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int photo_save(const char *dir, const unsigned char *data, size_t len, const struct photo_type *t,
               char hash[PHOTO_HASH_LEN], char *path, size_t pathlen, char *err, size_t errlen)
{
	char name[PHOTO_HASH_LEN + 8], tmp[4096];
	struct stat sb;
	int fd = -1, n, rc = -1;

	if (photo_hash(data, len, hash) < 0 || photo_file_name(hash, t, name, sizeof(name)) < 0) {
		snprintf(err, errlen, "could not hash the photo");
		return -1;
	}
	n = snprintf(path, pathlen, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= pathlen ||
	    snprintf(tmp, sizeof(tmp), "%s/.%s.%ld.tmp", dir, name, (long)getpid()) >=
	            (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -1;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && (size_t)sb.st_size == len)
		return 1; /* the same content under the same name */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	if (write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		unlink(tmp);
	return rc;
}
