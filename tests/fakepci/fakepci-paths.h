/* Path resolution of the fake PCI world (see mh-fakepci.c for the tree). */
#pragma once

#include <sys/types.h>

#include "fakepci-world.h"

G_BEGIN_DECLS

typedef enum {
  NODE_DIR,
  NODE_LINK,
  NODE_FILE,
} NodeKind;

typedef enum {
  FILE_TEXT,     /* read-only attribute: content fixed at lookup */
  FILE_CONFIG,   /* binary config space */
  FILE_OVERRIDE, /* driver_override */
  FILE_BIND,
  FILE_UNBIND,
  FILE_NEW_ID,
  FILE_REMOVE_ID,
  FILE_PROBE,
  FILE_CONTROL,
  FILE_LOG,
  FILE_VFIO_GROUP,
  FILE_VFIO_CONTAINER,
} FileKind;

typedef struct {
  NodeKind kind;
  FileKind file;
  mode_t mode;
  uid_t uid;
  gid_t gid;
  char *target;       /* NODE_LINK */
  GPtrArray *entries; /* NODE_DIR */
  GString *text;      /* FILE_TEXT */
  FakeDevice *device;
  FakeDriver *driver;
  int group;
} Node;

void fake_node_free (Node *node);

/* The node @path names, or NULL.  Called with the world locked. */
Node *fake_resolve (FakeWorld *world, const char *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Node, fake_node_free)

G_END_DECLS
