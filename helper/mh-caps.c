#include "mh-caps.h"

#include <cap-ng.h>
#include <errno.h>

#include "mh-error.h"

gboolean
mh_caps_keep_only (const int *required, const int *optional, char **missing, char **unbounded,
                   GError **error)
{
  g_autoptr (GArray) keep = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr (GString) absent = g_string_new (NULL);
  g_autoptr (GString) unbound = g_string_new (NULL);
  capng_select_t select;

  *missing = NULL;
  *unbounded = NULL;
  if (capng_get_caps_process () != 0)
    return mh_set_errno_error (error, errno, "read this process's capabilities");

  for (const int *cap = required; *cap >= 0; cap++)
    {
      if (!capng_have_capability (CAPNG_EFFECTIVE, (unsigned int) *cap))
        {
          g_set_error (error, MH_ERROR, MH_ERROR_FAILED,
                       "the capability %s is missing: microvm-helperd must be started as root "
                       "(by D-Bus activation or its systemd unit)",
                       capng_capability_to_name ((unsigned int) *cap));
          return FALSE;
        }
      g_array_append_val (keep, *cap);
    }
  for (const int *cap = optional; *cap >= 0; cap++)
    {
      if (capng_have_capability (CAPNG_EFFECTIVE, (unsigned int) *cap))
        g_array_append_val (keep, *cap);
      else
        g_string_append_printf (absent, "%scap_%s", absent->len > 0 ? ", " : "",
                                capng_capability_to_name ((unsigned int) *cap));
    }

  /* Changing the bounding set needs CAP_SETPCAP.  Under the systemd unit
   * the helper lacks it: CapabilityBoundingSet= has already bounded the
   * process to the unit's list, so only the other sets are dropped here
   * (asking libcap-ng for the bounding set too would make it complain on
   * every start), and the bound is checked below instead. */
  select =
    capng_have_capability (CAPNG_EFFECTIVE, CAP_SETPCAP) ? CAPNG_SELECT_BOTH : CAPNG_SELECT_CAPS;
  capng_clear (select);
  for (guint i = 0; i < keep->len; i++)
    {
      unsigned int cap = (unsigned int) g_array_index (keep, int, i);

      if (capng_update (CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET, cap) !=
          0)
        {
          g_set_error (error, MH_ERROR, MH_ERROR_FAILED, "cannot keep capability %s",
                       capng_capability_to_name (cap));
          return FALSE;
        }
    }
  if (capng_apply (select) != 0)
    {
      g_set_error_literal (error, MH_ERROR, MH_ERROR_FAILED,
                           "cannot drop capabilities (capng_apply failed)");
      return FALSE;
    }

  /* Read back what the kernel now says rather than trusting the request. */
  if (capng_get_caps_process () != 0)
    return mh_set_errno_error (error, errno, "read this process's capabilities");
  for (unsigned int cap = 0; cap <= CAP_LAST_CAP; cap++)
    {
      gboolean wanted = FALSE;

      for (guint i = 0; i < keep->len; i++)
        if ((unsigned int) g_array_index (keep, int, i) == cap)
          wanted = TRUE;
      if (!wanted && (capng_have_capability (CAPNG_EFFECTIVE, cap) ||
                      capng_have_capability (CAPNG_PERMITTED, cap)))
        {
          g_set_error (error, MH_ERROR, MH_ERROR_FAILED, "capability %s is still held",
                       capng_capability_to_name (cap));
          return FALSE;
        }
      /* The helper never executes anything, and the unit sets
       * NoNewPrivileges=; still, a bound wider than its work is a
       * configuration to fix, not to hide. */
      if (!wanted && capng_have_capability (CAPNG_BOUNDING_SET, cap))
        g_string_append_printf (unbound, "%scap_%s", unbound->len > 0 ? ", " : "",
                                capng_capability_to_name (cap));
    }
  if (absent->len > 0)
    *missing = g_string_free (g_steal_pointer (&absent), FALSE);
  if (unbound->len > 0)
    *unbounded = g_string_free (g_steal_pointer (&unbound), FALSE);
  return TRUE;
}

char *
mh_caps_describe (void)
{
  char *text;
  char *copy;

  if (capng_get_caps_process () != 0)
    return g_strdup ("(unknown)");
  text = capng_print_caps_text (CAPNG_PRINT_BUFFER, CAPNG_EFFECTIVE);
  copy = g_strdup (text != NULL ? text : "none");
  free (text);
  return copy;
}
