/* A small JSON writer for --json output (GLib has none, and one output
 * format does not justify another library). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _MuJson MuJson;

MuJson *mu_json_new (void);
void mu_json_free (MuJson *json);
/* The text, with a final newline; consumes @json. */
char *mu_json_end (MuJson *json);

void mu_json_begin_object (MuJson *json);
void mu_json_end_object (MuJson *json);
void mu_json_begin_array (MuJson *json);
void mu_json_end_array (MuJson *json);
/* Inside an object: the next value's key. */
void mu_json_key (MuJson *json, const char *key);
void mu_json_string (MuJson *json, const char *value); /* NULL writes null */
void mu_json_int (MuJson *json, gint64 value);
void mu_json_bool (MuJson *json, gboolean value);
void mu_json_null (MuJson *json);
void mu_json_string_array (MuJson *json, GPtrArray *strings);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MuJson, mu_json_free)

G_END_DECLS
