/*
 * test_photo.c - photos (lib/photo.c): the type is read from the bytes, the
 * name is the SHA-256 of the content, and keeping one writes that file once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/photo.h"

static const unsigned char jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0};
static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13};
static const unsigned char webp[] = {'R', 'I', 'F', 'F', 0x24, 0,   0,
                                     0,   'W', 'E', 'B', 'P',  'V', 'P'};
static const unsigned char heic[] = {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c', 0, 0};
static const unsigned char mif1[] = {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'm', 'i', 'f', '1', 0, 0};

static void test_sniff_images(void **state)
{
	(void)state;
	assert_string_equal(photo_sniff(jpeg, sizeof(jpeg))->name, "jpeg");
	assert_string_equal(photo_sniff(jpeg, sizeof(jpeg))->ext, "jpg");
	assert_string_equal(photo_sniff(png, sizeof(png))->name, "png");
	assert_string_equal(photo_sniff(png, sizeof(png))->mime, "image/png");
	assert_string_equal(photo_sniff(webp, sizeof(webp))->name, "webp");
	assert_string_equal(photo_sniff(heic, sizeof(heic))->name, "heic");
	assert_string_equal(photo_sniff(mif1, sizeof(mif1))->name, "heic");
}

static void test_sniff_refuses_the_rest(void **state)
{
	static const unsigned char text[] = "just some text, renamed photo.jpg";
	static const unsigned char riff_wav[] = {'R', 'I', 'F', 'F', 0,   0,
	                                         0,   0,   'W', 'A', 'V', 'E'};
	static const unsigned char mp4[] = {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm'};
	static const unsigned char gif[] = "GIF89a....";

	(void)state;
	assert_null(photo_sniff(text, sizeof(text) - 1));
	assert_null(photo_sniff(riff_wav, sizeof(riff_wav)));
	assert_null(photo_sniff(mp4, sizeof(mp4)));
	assert_null(photo_sniff(gif, sizeof(gif) - 1));
	/* too short to be what the first bytes promise */
	assert_null(photo_sniff(jpeg, 2));
	assert_null(photo_sniff(png, 7));
	assert_null(photo_sniff(webp, 11));
	assert_null(photo_sniff(NULL, 0));
	assert_null(photo_sniff(jpeg, 0));
}

static void test_hash_and_name(void **state)
{
	char hash[PHOTO_HASH_LEN], name[80];

	(void)state;
	/* SHA-256("abc"), FIPS 180-2 */
	assert_int_equal(photo_hash((const unsigned char *)"abc", 3, hash), 0);
	assert_string_equal(hash,
	                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(photo_hash((const unsigned char *)"", 0, hash), 0);
	assert_string_equal(hash,
	                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_int_equal(photo_file_name(hash, photo_sniff(png, sizeof(png)), name, sizeof(name)),
	                 0);
	assert_string_equal(name,
	                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855.png");
	assert_int_equal(photo_file_name(hash, photo_sniff(png, sizeof(png)), name, 10), -1);
}

static void test_save_once_by_content(void **state)
{
	char dir[] = "/tmp/test_photo_XXXXXX", sub[64], hash[PHOTO_HASH_LEN],
	     expect[PHOTO_HASH_LEN];
	char path[256], path2[256], err[256], want[256];
	const struct photo_type *t = photo_sniff(png, sizeof(png));
	struct stat sb;
	FILE *f;
	unsigned char back[sizeof(png)];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/db.photos", dir);
	assert_int_equal(
	        photo_save(sub, png, sizeof(png), t, hash, path, sizeof(path), err, sizeof(err)),
	        0);
	photo_hash(png, sizeof(png), expect);
	assert_string_equal(hash, expect);
	snprintf(want, sizeof(want), "%s/%s.png", sub, expect);
	assert_string_equal(path, want);
	/* the folder is private, the file holds the bytes */
	assert_int_equal(stat(sub, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(back, 1, sizeof(back), f), sizeof(png));
	fclose(f);
	assert_memory_equal(back, png, sizeof(png));
	/* the same picture again: the same name, one file, and said to be there already */
	assert_int_equal(
	        photo_save(sub, png, sizeof(png), t, hash, path2, sizeof(path2), err, sizeof(err)),
	        1);
	assert_string_equal(path2, path);
	unlink(path);
	rmdir(sub);
	/* a folder that cannot be made says where */
	assert_int_equal(photo_save("/proc/no/such/dir", png, sizeof(png), t, hash, path,
	                            sizeof(path), err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "/proc/no/such/dir"));
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_sniff_images),
	        cmocka_unit_test(test_sniff_refuses_the_rest),
	        cmocka_unit_test(test_hash_and_name),
	        cmocka_unit_test(test_save_once_by_content),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
