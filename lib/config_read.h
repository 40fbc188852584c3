/*
 * config_read.h - what config.c reads the file with; see config_read.c. Not
 * for other modules: they use config.h.
 *
 * Readers never stop at a problem: they record a line in the struct cfg_ld
 * and leave their output at its default, so the loader goes on and reports
 * everything wrong in one go. Paths are the JSON paths of messages ("" for
 * the top level, "staff[2]", "channels.NAME"). Strings stored in *OUT are
 * malloc'd copies owned by the caller; every json_t is borrowed.
 */
#ifndef CONCIERGE_CONFIG_READ_H
#define CONCIERGE_CONFIG_READ_H

#include <stddef.h>

#include <jansson.h>

#define CFG_PATHLEN 256 /* a longer path ends in "..." */

/* The problems found so far, and the file they are about. */
struct cfg_ld {
	const char *file;
	char *buf; /* owned: '\n'-separated lines */
	size_t len;
	size_t cap;
	int n;   /* problems recorded */
	int oom; /* an allocation failed: the struct cfg cannot be trusted */
};

/* Records one line as it is (no file or path prefix added). */
void cfg_line(struct cfg_ld *ld, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Records "FILE: PATH: message"; an empty or NULL PATH means the file as a whole. */
void cfg_problem(struct cfg_ld *ld, const char *path, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* Records "FILE: PATH.KEY: message". */
void cfg_problem_at(struct cfg_ld *ld, const char *path, const char *key, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
/*
 * Copies the problems into ERR. When they do not fit, whole lines are kept
 * and a last line says that more were left out, so no line is cut in half.
 */
void cfg_report(struct cfg_ld *ld, char *err, size_t errlen);

/* strdup and calloc that mark LD out of memory when they fail. */
char *cfg_strdup(struct cfg_ld *ld, const char *s);
void *cfg_calloc(struct cfg_ld *ld, size_t n, size_t size);

/* PARENT.KEY (or KEY at the top level) and PARENT[I] into BUF of CFG_PATHLEN bytes. */
void cfg_path_key(char *buf, const char *parent, const char *key);
void cfg_path_idx(char *buf, const char *parent, size_t i);

/*
 * Object KEY of OBJ, its keys checked against ALLOWED, its path into P
 * (CFG_PATHLEN bytes): NULL when it is absent or null, or not an object
 * (a problem).
 */
json_t *cfg_get_object(struct cfg_ld *ld, json_t *obj, const char *path, const char *key,
                       const char *const *allowed, char *p);

/* 1 when S is one of the NULL-terminated SET. */
int cfg_one_of(const char *s, const char *const *set);
/*
 * A problem for each key of OBJ not in ALLOWED (NULL-terminated); keys
 * starting with '_' are comments wherever they appear.
 */
void cfg_check_keys(struct cfg_ld *ld, json_t *obj, const char *path, const char *const *allowed);

/*
 * Reads string KEY of OBJ into *OUT (freeing what *OUT held), "${NAME}" taken
 * from the environment. Absent, null or empty is *OUT = NULL; then MISSING,
 * when not NULL, is the problem to report. An unset variable is a problem
 * unless LAX (a disabled channel), when *OUT becomes NULL. Returns 0, or -1
 * after a problem.
 */
int cfg_get_str(struct cfg_ld *ld, json_t *obj, const char *path, const char *key,
                const char *missing, int lax, char **out);
/* Like cfg_get_str, but a JSON integer is accepted too (platform IDs are numbers). */
int cfg_get_id(struct cfg_ld *ld, json_t *obj, const char *path, const char *key,
               const char *missing, int lax, char **out);
/* An integer in MIN..MAX; *OUT is DEF when KEY is absent, null or wrong. */
void cfg_get_int(struct cfg_ld *ld, json_t *obj, const char *path, const char *key, int def,
                 int min, int max, int *out);
/* true or false; *OUT is DEF when KEY is absent, null or wrong. */
void cfg_get_bool(struct cfg_ld *ld, json_t *obj, const char *path, const char *key, int def,
                  int *out);
/* An array of non-empty strings into *OUT (*N of them, owned); absent is an empty array. */
void cfg_get_strv(struct cfg_ld *ld, json_t *obj, const char *path, const char *key, char ***out,
                  size_t *n);
/*
 * A text given either as one string or as {"zh-CN": ..., "en": ...}. Both
 * outputs are filled when either is given, so callers never fall back.
 * REQUIRED makes an absent text a problem.
 */
void cfg_get_i18n(struct cfg_ld *ld, json_t *obj, const char *path, const char *key, int required,
                  char **zh, char **en);

/* Reads one object O at PATH into ELEM, a zeroed element of the caller's array. */
typedef void (*cfg_each_fn)(struct cfg_ld *ld, json_t *o, const char *path, void *elem, void *ud);
/*
 * An array of objects: returns a zeroed array (owned by the caller) of *N
 * elements of SIZE bytes, one per entry, and calls EACH for every entry that
 * is an object (any other entry is a problem and stays zeroed). Absent, null
 * or [] gives NULL and *N = 0, which is a problem only when NEED names what
 * at least one is needed of ("community"). NULL too when it is not an array
 * (a problem) or out of memory.
 */
void *cfg_get_objv(struct cfg_ld *ld, json_t *obj, const char *path, const char *key,
                   const char *need, size_t size, size_t *n, cfg_each_fn each, void *ud);

/*
 * Replaces "${NAME}" strings anywhere inside V (owned by the caller) with the
 * environment's values, so the adapter of a stub channel gets its settings
 * with the variables filled in. An unset variable becomes null, and is a
 * problem unless LAX.
 */
void cfg_subst_env(struct cfg_ld *ld, json_t *v, const char *path, int lax);

/* 1 when S is an http:// or https:// URL with something after the scheme. */
int cfg_is_url(const char *s);
/* An http(s) URL (not required), read like cfg_get_str; anything else is a problem. */
void cfg_get_url(struct cfg_ld *ld, json_t *o, const char *path, const char *key, int lax,
                 char **out);
/* Like cfg_get_url, for a URL that paths are appended to (an API base): stored without
 * its trailing slashes. */
void cfg_get_base_url(struct cfg_ld *ld, json_t *o, const char *path, const char *key, int lax,
                      char **out);
/* *FIELD = a copy of DEF when it is NULL. */
void cfg_default(struct cfg_ld *ld, char **field, const char *def);

#endif
