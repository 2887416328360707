/* The systemd user manager, when one runs: VMs installed with
 * `microvm-user install` become instances of the user unit
 * microvm@NAME.service, so they can be started at login and show up in
 * `systemctl --user`. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Whether `systemctl --user` reaches a running user manager. */
gboolean mu_user_manager_available (void);

/* "microvm@NAME.service" */
char *mu_user_manager_unit (const char *name);

/* Runs `systemctl --user VERB UNIT`; output is passed through. */
gboolean mu_user_manager_call (const char *verb, const char *name, GError **error);

/* `systemctl --user is-active UNIT`: "active", "inactive", "failed"... */
char *mu_user_manager_state (const char *name);

/* `systemctl --user show --value --property=PROPERTY UNIT`; NULL if
 * systemctl could not be run. */
char *mu_user_manager_property (const char *name, const char *property);

/* The last @lines lines the run @invocation_id of a unit logged to the
 * user's journal (NULL if journalctl could not be run). */
char *mu_user_manager_journal (const char *invocation_id, guint lines);

G_END_DECLS
