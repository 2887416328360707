/* The fake world's insides, shared by its parts (fakepci-world.c: the
 * kernel's behaviour; fakepci-spec.c: building it from a spec). */
#pragma once

#include "fakepci-world.h"

G_BEGIN_DECLS

typedef struct {
  char *step; /* driver_override, bind, unbind, drivers_probe, probe */
  char *address;
  char *driver; /* probe: whose probe fails */
  int errsv;
} FakeFailure;

struct _FakeWorld {
  GMutex lock;
  GCond changed;
  GPtrArray *devices;
  GPtrArray *drivers;
  GHashTable *nodes; /* group -> FakeNode */
  GPtrArray *failures;
  GString *log;
  guint events;
};

void fake_device_free (gpointer data);
void fake_driver_free (gpointer data);
void fake_failure_free (gpointer data);
/* Appends a numbered line to the log. */
void fake_world_log_event (FakeWorld *world, const char *format, ...) G_GNUC_PRINTF (2, 3);
/* The node record of @group, made on first use (it may not exist). */
FakeNode *fake_world_node_for (FakeWorld *world, int group);
gboolean fake_parse_hex (const char *text, guint64 max, guint64 *value);

G_END_DECLS
