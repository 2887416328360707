#include "mh-limits.h"

#include "mh-error.h"

gboolean
mh_limits_check_tap_batch (const MhConfig *config, gsize n_asked, GError **error)
{
  if (n_asked > config->max_taps_per_user)
    {
      g_set_error (error, MH_ERROR, MH_ERROR_LIMIT_EXCEEDED,
                   "%zu taps asked for in one call, more than the limit of %u per user "
                   "(MaxPerUser= in %s)",
                   n_asked, config->max_taps_per_user, config->path);
      return FALSE;
    }
  return TRUE;
}

gboolean
mh_limits_check_taps_per_user (const MhConfig *config, guint32 uid, guint n_have, guint n_new,
                               GError **error)
{
  if (n_have + n_new > config->max_taps_per_user)
    {
      g_set_error (error, MH_ERROR, MH_ERROR_LIMIT_EXCEEDED,
                   "uid %u has %u taps and asks for %u more, over the limit of %u per user "
                   "(MaxPerUser= in %s); delete taps it no longer uses",
                   uid, n_have, n_new, config->max_taps_per_user, config->path);
      return FALSE;
    }
  return TRUE;
}

gboolean
mh_limits_check_taps_total (const MhConfig *config, guint n_total, guint n_new, GError **error)
{
  if (n_total + n_new > config->max_taps_total)
    {
      g_set_error (error, MH_ERROR, MH_ERROR_LIMIT_EXCEEDED,
                   "the helper manages %u taps and %u more would exceed its limit of %u "
                   "(MaxTotal= in %s)",
                   n_total, n_new, config->max_taps_total, config->path);
      return FALSE;
    }
  return TRUE;
}

gboolean
mh_limits_check_memlock (const MhConfig *config, guint64 bytes, GError **error)
{
  if (config->max_memlock == 0)
    {
      g_set_error (error, MH_ERROR, MH_ERROR_REFUSED,
                   "the administrator has not allowed raising the memlock limit: it needs "
                   "MaxMemlock= in [PCI] of %s",
                   config->path);
      return FALSE;
    }
  if (bytes > config->max_memlock)
    {
      g_autofree char *asked = g_format_size_full (bytes, G_FORMAT_SIZE_IEC_UNITS);
      g_autofree char *cap = g_format_size_full (config->max_memlock, G_FORMAT_SIZE_IEC_UNITS);
      g_set_error (error, MH_ERROR, MH_ERROR_LIMIT_EXCEEDED,
                   "a memlock limit of %" G_GUINT64_FORMAT " bytes (%s) is more than the "
                   "administrator allows (MaxMemlock=%" G_GUINT64_FORMAT " bytes, %s, in [PCI] "
                   "of %s)",
                   bytes, asked, config->max_memlock, cap, config->path);
      return FALSE;
    }
  return TRUE;
}
