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

G_END_DECLS
