/* Internals shared by the parts of the tap service: mh-tap-service.c
 * (state, caps, creation), mh-tap-removal.c (DeleteTap, leases, rollback),
 * mh-tap-inventory.c (ListTaps, reconciling at start-up). */
#pragma once

#include "mh-tap-service.h"

G_BEGIN_DECLS

struct _MhTapService {
  const MhConfig *config;
  MhTapRegistry *registry;
  MhTapBackend *backend;
  MhLeases *leases;
  guint in_flight;
  gint64 last_vanished_sweep; /* monotonic µs of mh_tap_service_forget_vanished */
  GCallback idle_callback;
  gpointer idle_data;
};

void mh_tap_service_request_started (MhTapService *service);
/* Starts releases that waited for a busy record, then reports idleness. */
void mh_tap_service_request_finished (MhTapService *service);
void mh_tap_service_save_or_warn (MhTapService *service);
void mh_tap_service_record_drop_lease (MhTapService *service, MhTapRecord *record);
/* Deletes @records (MhTapRecord, marked busy here) on a worker thread and
 * forgets them; @why is for the log. */
void mh_tap_service_start_release (MhTapService *service, GPtrArray *records, const char *why);
/* Forgets @record (and frees it) if the kernel no longer has its tap: its
 * owner made it non-persistent, or someone deleted it.  A look-up in the
 * kernel, synchronous: only for answers that would otherwise refuse
 * (Busy, LimitExceeded).  Returns whether it was forgotten. */
gboolean mh_tap_service_forget_if_vanished (MhTapService *service, MhTapRecord *record);
/* The same for every record of @uid (G_MAXUINT32: of everyone); returns
 * how many were forgotten.  At most once in VANISHED_SWEEP_INTERVAL: a
 * caller at a limit must not make the helper look up every tap on each
 * call. */
guint mh_tap_service_forget_vanished (MhTapService *service, guint32 uid);

G_END_DECLS
