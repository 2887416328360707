/* Taking taps away, the tap kind's release steps for the leased core:
 * DeleteTap for a caller, and releases (a lease whose client left, a
 * rollback), all checked against the kernel on a worker thread first: a
 * tap whose index changed is someone else's now, and one given to another
 * owner is left alone. */
#include <errno.h>

#include "mh-error.h"
#include "mh-tap-kind.h"

typedef enum {
  OUTCOME_DELETED,
  OUTCOME_GONE,          /* no longer in the kernel: just forget it */
  OUTCOME_OWNER_CHANGED, /* someone gave it away: leave it alone */
  OUTCOME_FAILED,
} Outcome;

/* The worker needs only the tap's index besides its name and owner
 * (nothing to free). */
gpointer
mh_tap_removal_snapshot (MhLeasedService *service, gpointer record, GPtrArray *batch)
{
  return GINT_TO_POINTER (((MhTapRecord *) record)->ifindex);
}

/* The checks before a removal: sets the outcome and returns FALSE when
 * the tap must not be (or need not be) deleted. */
static gboolean
check_before_removal (MhTapBackend *backend, MhLeasedItem *item)
{
  int ifindex = GPOINTER_TO_INT (item->data);
  g_autoptr (GError) error = NULL;
  MhTapKernelInfo info;

  if (!backend->lookup (backend, item->key, &info, &error))
    {
      if (g_error_matches (error, MH_ERRNO_ERROR, ENODEV))
        item->outcome = OUTCOME_GONE;
      else
        {
          item->outcome = OUTCOME_FAILED;
          item->error = g_steal_pointer (&error);
        }
      return FALSE;
    }
  if (!(info.is_tap || info.is_macvtap) || info.ifindex != ifindex)
    {
      item->outcome = OUTCOME_GONE; /* the name now belongs to another interface */
      return FALSE;
    }
  if (info.owner != (gint64) item->uid)
    {
      item->outcome = OUTCOME_OWNER_CHANGED;
      return FALSE;
    }
  return TRUE;
}

static void
remove_one (MhTapBackend *backend, MhLeasedItem *item)
{
  g_autoptr (GError) error = NULL;

  if (backend->remove (backend, GPOINTER_TO_INT (item->data), item->key, &error))
    item->outcome = OUTCOME_DELETED;
  else if (g_error_matches (error, MH_ERRNO_ERROR, ENODEV))
    item->outcome = OUTCOME_GONE;
  else
    {
      item->outcome = OUTCOME_FAILED;
      item->error = g_steal_pointer (&error);
    }
}

void
mh_tap_removal_work (gpointer kernel, MhLeasedItem *item)
{
  if (check_before_removal (kernel, item))
    remove_one (kernel, item);
}

/* A lease's taps together: each checked as one alone would be, then those
 * still to delete in one kernel operation, since each deletion on its own
 * waits for an RCU grace period (about 20 ms: 256 taps took over 5 s).
 * Whatever that operation leaves behind is deleted one by one. */
void
mh_tap_removal_work_many (gpointer kernel, MhLeasedItem *items, guint n_items)
{
  MhTapBackend *backend = kernel;
  g_autofree int *ifindexes = g_new0 (int, n_items);
  g_autofree guint *positions = g_new0 (guint, n_items);
  g_autofree gboolean *removed = g_new0 (gboolean, n_items);
  g_autoptr (GError) error = NULL;
  guint n = 0;

  for (guint i = 0; i < n_items; i++)
    if (check_before_removal (backend, &items[i]))
      {
        ifindexes[n] = GPOINTER_TO_INT (items[i].data);
        positions[n++] = i;
      }
  if (n > 1 && backend->remove_many != NULL &&
      !backend->remove_many (backend, ifindexes, n, removed, &error))
    g_message ("deleting %u taps together failed (%s); deleting them one by one", n,
               error->message);
  for (guint j = 0; j < n; j++)
    {
      if (removed[j])
        items[positions[j]].outcome = OUTCOME_DELETED;
      else
        remove_one (backend, &items[positions[j]]);
    }
}

/* Applies the outcome of one removal to the registry; returns whether the
 * record was forgotten.  A tap whose owner was changed after it was made
 * is never deleted; when its lease ends (@lease_ended) the helper forgets
 * it, otherwise it keeps the record and the caller is refused. */
static gboolean
apply_removal (MhLeasedService *service, MhLeasedItem *item, gboolean lease_ended)
{
  MhTapRecord *record =
    mh_tap_registry_lookup (mh_leased_service_get_registry (service), item->key);

  g_assert (record != NULL);
  record->busy = FALSE;
  if (item->outcome == OUTCOME_FAILED)
    return FALSE;
  if (item->outcome == OUTCOME_OWNER_CHANGED && !lease_ended)
    return FALSE;
  mh_leased_service_drop_lease (service, record);
  mh_tap_registry_remove (mh_leased_service_get_registry (service), item->key);
  return TRUE;
}

/* A release that failed (no descriptors left, a netlink error) is tried
 * again (the kind's retry_first_ms / retry_max_ms), until the tap is
 * deleted or gone: the lease's client is gone and nobody else would ever
 * ask. */
void
mh_tap_removal_finished (MhLeasedService *service, MhLeasedItem *item, const char *why)
{
  MhTapRecord *record =
    mh_tap_registry_lookup (mh_leased_service_get_registry (service), item->key);
  guint32 uid = item->uid;

  if (!apply_removal (service, item, TRUE))
    {
      g_free (record->release_error);
      record->release_error =
        g_strdup (item->error != NULL ? item->error->message : "unknown error");
      mh_leased_service_retry_release (service, record);
      g_warning ("could not delete tap %s (uid %u) after %s: %s; trying again in %u s", item->key,
                 uid, why, record->release_error, record->retry_delay_ms / 1000);
      return;
    }
  switch (item->outcome)
    {
    case OUTCOME_DELETED:
      g_message ("deleted tap %s (uid %u, ifindex %d): %s", item->key, uid,
                 GPOINTER_TO_INT (item->data), why);
      break;
    case OUTCOME_OWNER_CHANGED:
      g_message ("forgot tap %s (uid %u): %s, but its owner changed, so it is left alone",
                 item->key, uid, why);
      break;
    case OUTCOME_GONE:
    case OUTCOME_FAILED:
    default:
      g_message ("forgot tap %s (uid %u): it was already gone", item->key, uid);
      break;
    }
}

gboolean
mh_tap_removal_check_caller (MhLeasedService *service, gpointer data, const char *name, guint32 uid,
                             gboolean as_admin, GError **error)
{
  MhTapRecord *record = data;

  if (record == NULL || (record->uid != uid && !as_admin))
    {
      MhTapBackend *backend = mh_leased_service_get_kernel (service);
      MhTapKernelInfo info;

      if (record == NULL && !backend->lookup (backend, name, &info, NULL))
        g_set_error (error, MH_ERROR, MH_ERROR_NOT_FOUND, "there is no interface named %s", name);
      else
        g_set_error (error, MH_ERROR, MH_ERROR_REFUSED,
                     "%s was not made by microvm-helper for you; it is left alone", name);
      return FALSE;
    }
  if (record->busy || record->state != MH_TAP_STATE_READY)
    {
      g_set_error (error, MH_ERROR, MH_ERROR_BUSY,
                   "%s: another request is working on this tap; try again", name);
      return FALSE;
    }
  return TRUE;
}

void
mh_tap_removal_caller_done (MhLeasedService *service, MhLeasedItem *item, GTask *task)
{
  if (apply_removal (service, item, FALSE))
    mh_leased_service_save_or_warn (service);

  switch (item->outcome)
    {
    case OUTCOME_DELETED:
      g_task_return_boolean (task, TRUE);
      break;
    case OUTCOME_GONE:
      g_task_return_new_error (task, MH_ERROR, MH_ERROR_NOT_FOUND,
                               "%s no longer exists (it was removed outside microvm-helper); "
                               "the helper has forgotten it",
                               item->key);
      break;
    case OUTCOME_OWNER_CHANGED:
      g_task_return_new_error (task, MH_ERROR, MH_ERROR_REFUSED,
                               "%s: its owner was changed after microvm-helper made it, so it "
                               "is left alone",
                               item->key);
      break;
    case OUTCOME_FAILED:
    default:
      g_task_return_new_error (task, MH_ERROR, MH_ERROR_FAILED, "cannot delete %s: %s", item->key,
                               item->error->message);
      break;
    }
}
