/* Parsing of CreateTap/CreateTaps arguments.  Strict: unknown option keys,
 * duplicate keys, wrong value types and duplicate names are errors that
 * name the entry, before anything is authorized or created. */
#pragma once

#include <gio/gio.h>

#include "mh-macvtap-words.h"

G_BEGIN_DECLS

/* The MTU bounds of the contract: IPv4's minimum, and what the MTU
 * attribute of a link can say. */
#define MH_TAP_MTU_MIN 68
#define MH_TAP_MTU_MAX 65535
/* A tap's own largest MTU: the kernel's tun driver allows 65535 less the
 * Ethernet header. */
#define MH_TAP_MTU_MAX_TAP (65535 - 14)

typedef enum {
  MH_TAP_TYPE_TAP,
  MH_TAP_TYPE_MACVTAP,
} MhTapType;

/* "tap", "macvtap" */
const char *mh_tap_type_to_string (MhTapType type);

typedef struct {
  char *name;
  MhTapType type;
  char *link;                     /* macvtap: the parent interface */
  char *mode;                     /* macvtap: "bridge" unless asked */
  char *mac;                      /* macvtap: canonical, NULL: the kernel's random one */
  char *bridge;                   /* a port of this bridge; NULL: standalone */
  guint mtu;                      /* 0: the default (a bridge's own MTU) */
  gboolean multi_queue;           /* IFF_MULTI_QUEUE, default FALSE */
  gboolean vnet_hdr;              /* IFF_VNET_HDR, default TRUE */
  gboolean release_on_disconnect; /* delete when the caller's connection goes */
} MhTapRequest;

void mh_tap_request_free (MhTapRequest *request);

/* @options must be of type a{sv}. */
MhTapRequest *mh_tap_request_parse (const char *name, GVariant *options, GError **error);

/* @taps must be of type a(sa{sv}).  Returns a GPtrArray of MhTapRequest.
 * An empty list or one with a name twice is MH_ERROR_INVALID_ARGUMENT;
 * errors name the entry ("taps[2] \"vm-c\": ..."). */
GPtrArray *mh_tap_request_parse_batch (GVariant *taps, GError **error);

/* "vm-a vm-b vm-c": the names of a batch, for logs and polkit details. */
char *mh_tap_request_join_names (GPtrArray *requests, const char *separator);

/* "br0 br1": the distinct bridges a batch asks for, in request order;
 * NULL when none does. */
char *mh_tap_request_join_bridges (GPtrArray *requests, const char *separator);
/* The same for the parent links of its macvtaps. */
char *mh_tap_request_join_links (GPtrArray *requests, const char *separator);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MhTapRequest, mh_tap_request_free)

G_END_DECLS
