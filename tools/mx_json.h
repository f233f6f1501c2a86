/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mirrorctl's JSON output (json-c): one object model for every --json.
 * The top level is always an array of mirror objects; each carries
 * schema_version and the same keys whether the mirror runs, is stopped
 * or could not be looked at (then "error" says why). The schema is in
 * Documentation/mirrorctl.8 (JSON OUTPUT) and tools/tests/mirrorctl.schema.json.
 */
#ifndef MX_JSON_H
#define MX_JSON_H

#include <stdio.h>
#include "mx_conf.h"
#include "mx_status.h"

/* Bumped when a key changes meaning or goes away (not when one is added). */
#define MX_JSON_SCHEMA_VERSION	1

struct json_object;

/* What is known of one mirror; NULL / false where unknown. */
struct mx_json_mirror {
	const char *name;
	const struct mx_conf *conf;	/* NULL: no config */
	bool active;
	bool suspended;
	int open_count;
	enum mx_role role;		/* active role */
	const char *table_data;		/* devices from the table (no config) */
	const char *table_meta;
	const struct mx_status *st;	/* NULL: not running / unknown */
	int err_code;			/* 0, or the exit code of the error */
	const char *err_msg;
};

/* A new JSON array of mirrors. */
struct json_object *mx_json_array(void);

/* Append the object of @m to @arr. */
int mx_json_add(struct json_object *arr, const struct mx_json_mirror *m);

/* Print @arr (one line) and a newline on @f, and free it. */
void mx_json_emit(FILE *f, struct json_object *arr);

/*
 * A JSON string of @s: valid UTF-8 is kept; every byte that is not part
 * of a valid sequence stands for the code point of its value (Latin-1),
 * so the output is always valid JSON.
 */
struct json_object *mx_json_string(const char *s);

#endif /* MX_JSON_H */
