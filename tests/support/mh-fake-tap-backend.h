/* An in-memory stand-in for the kernel's taps, for unit tests and fuzz
 * targets of the tap service (never for integration tests, which use the
 * real kernel).  Thread-safe, as the real backend is called from workers. */
#pragma once

#include "mh-tap-backend.h"

G_BEGIN_DECLS

MhTapBackend *mh_fake_tap_backend_new (void);

/* An interface the helper did not make (a NIC, a foreign tap). */
void mh_fake_tap_backend_add (MhTapBackend *backend, const char *name, gboolean is_tap,
                              gint64 owner);
/* A bridge the administrator made. */
void mh_fake_tap_backend_add_bridge (MhTapBackend *backend, const char *name, guint mtu);
/* Make the next create of @name fail with @errsv. */
void mh_fake_tap_backend_fail_create (MhTapBackend *backend, const char *name, int errsv);
/* Remove or re-own behind the helper's back. */
void mh_fake_tap_backend_drop (MhTapBackend *backend, const char *name);
void mh_fake_tap_backend_set_owner (MhTapBackend *backend, const char *name, gint64 owner);

/* Every later remove_many fails (a kernel without group deletion). */
void mh_fake_tap_backend_fail_group_delete (MhTapBackend *backend);
guint mh_fake_tap_backend_n_group_deletes (MhTapBackend *backend);

gboolean mh_fake_tap_backend_has (MhTapBackend *backend, const char *name);
guint mh_fake_tap_backend_count (MhTapBackend *backend);
guint mh_fake_tap_backend_n_creates (MhTapBackend *backend);

G_END_DECLS
