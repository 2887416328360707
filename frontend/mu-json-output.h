/* --json output through json-glib, and the one rule for what JSON cannot
 * hold: a path is bytes, a JSON string is Unicode.
 *
 * A path that is valid UTF-8 is written as it is.  One that is not is
 * written escaped, every byte that is not part of valid UTF-8 as "\xNN"
 * and every backslash as "\\" (so the escaped form decodes back to the
 * exact bytes), and the key "KEY_escaped": true is added beside it.  The
 * flag appears only then: a consumer that finds no flag has the path
 * itself.  docs/man/microvm-user.xml says the same to users. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* @bytes as valid UTF-8: unchanged when it is, escaped as above when not
 * (*@escaped tells which). */
char *mu_json_escape_path (const char *bytes, gboolean *escaped);

/* Inside an object: "@key": @path (null when NULL), escaped as above. */
void mu_json_add_path (JsonBuilder *builder, const char *key, const char *path);
/* Inside an object: "@key": "@value" or null.  For text the program made
 * or checked (names, addresses); anything not valid UTF-8 is escaped
 * like a path, without a flag. */
void mu_json_add_string (JsonBuilder *builder, const char *key, const char *value);
void mu_json_add_int (JsonBuilder *builder, const char *key, gint64 value);
void mu_json_add_bool (JsonBuilder *builder, const char *key, gboolean value);
/* Inside an object: "@key": [ strings... ] (escaped like add_string). */
void mu_json_add_strings (JsonBuilder *builder, const char *key, GPtrArray *strings);

/* The builder's root as text, on one line, without a final newline. */
char *mu_json_to_text (JsonBuilder *builder);
/* Writes the builder's root to stdout, on one line, with a final newline. */
void mu_json_print (JsonBuilder *builder);

G_END_DECLS
