#include "mh-pci-methods.h"

#include <string.h>

#include "mh-error.h"
#include "mh-i18n.h"
#include "mh-memlock.h"
#include "mh-pci-address.h"
#include "mh-syscall.h"

typedef struct {
  gboolean release_on_disconnect;
} BindRequest;

gboolean
mh_pci_methods_parse_bind_options (GVariant *options, gboolean *release_on_disconnect,
                                   GError **error)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GVariantIter iter;
  const char *key;
  GVariant *value;

  *release_on_disconnect = FALSE;
  g_variant_iter_init (&iter, options);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    {
      g_autofree char *quoted = mh_quote_untrusted (key, 40);

      if (!g_hash_table_add (seen, (gpointer) key))
        {
          g_set_error (error, MH_ERROR, MH_ERROR_INVALID_ARGUMENT, "option %s is given twice",
                       quoted);
          g_variant_unref (value);
          return FALSE;
        }
      if (strcmp (key, "release_on_disconnect") != 0)
        {
          g_set_error (error, MH_ERROR, MH_ERROR_INVALID_ARGUMENT,
                       "unknown option %s; known options: release_on_disconnect", quoted);
          g_variant_unref (value);
          return FALSE;
        }
      if (!g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
        {
          g_set_error (error, MH_ERROR, MH_ERROR_INVALID_ARGUMENT,
                       "option %s must be a boolean (D-Bus type 'b'), not '%s'", key,
                       g_variant_get_type_string (value));
          g_variant_unref (value);
          return FALSE;
        }
      *release_on_disconnect = g_variant_get_boolean (value);
    }
  return TRUE;
}

static void
add_device_details (MhCall *call, const MhPciDevice *device)
{
  g_autofree char *vendor = g_strdup_printf ("%04x", device->vendor);
  g_autofree char *id = g_strdup_printf ("%04x", device->device);
  g_autofree char *class_text = mh_pci_device_class_text (device);
  g_autofree char *group = device->iommu_group >= 0
                             ? g_strdup_printf ("%" G_GINT64_FORMAT, device->iommu_group)
                             : g_strdup ("");

  mh_call_add_detail (call, "vendor", vendor);
  mh_call_add_detail (call, "device", id);
  mh_call_add_detail (call, "class", class_text);
  mh_call_add_detail (call, "iommu_group", group);
  mh_call_add_detail (call, "driver", device->driver);
  mh_call_add_detail (call, "device_name", device->name != NULL ? device->name : "");
}

/* ------------------------------------------------------------------ */
/* BindPciDevice */

gboolean
mh_pci_methods_prepare_bind (MhCall *call, GError **error)
{
  g_autoptr (GVariant) options = NULL;
  g_autofree char *address = NULL;
  const char *text;
  BindRequest *request;
  gboolean release_on_disconnect;
  guint32 holder;

  g_variant_get (call->parameters, "(&s@a{sv})", &text, &options);
  address = mh_pci_address_canonicalize (text, error);
  if (address == NULL)
    return FALSE;
  call->object = g_strdup (address);
  if (!mh_pci_methods_parse_bind_options (options, &release_on_disconnect, error))
    return FALSE;

  /* Fail fast, before a password prompt, on what the registry says; not
   * saying who holds it: the caller is not authorized for anything yet. */
  if (mh_pci_service_lookup_holder (call->dispatcher->pci, address, &holder) &&
      holder != call->caller->uid)
    {
      g_set_error (error, MH_ERROR, MH_ERROR_BUSY,
                   "%s is held by another user through microvm-helper; it must be released "
                   "first",
                   address);
      return FALSE;
    }

  request = g_new0 (BindRequest, 1);
  request->release_on_disconnect = release_on_disconnect;
  call->request = request;
  call->request_free = g_free;
  mh_call_add_detail (call, "address", address);
  return TRUE;
}

static void
on_bind_inspected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MhCall *call = user_data;
  g_autoptr (MhPciInspection) inspection = NULL;
  GError *error = NULL;

  inspection = mh_pci_service_inspect_finish (call->dispatcher->pci, result, &error);
  if (inspection == NULL ||
      !mh_pci_service_check_bind (call->dispatcher->pci, inspection, call->caller->uid, &error))
    {
      mh_call_inspected (call, error);
      return;
    }
  add_device_details (call, inspection->device);
  mh_call_inspected (call, NULL);
}

void
mh_pci_methods_inspect_bind (MhCall *call)
{
  mh_pci_service_inspect_async (call->dispatcher->pci, call->object, TRUE, on_bind_inspected, call);
}

static void
on_bound (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MhCall *call = user_data;
  g_autofree char *node = NULL;
  GError *error = NULL;

  node = mh_pci_service_bind_finish (call->dispatcher->pci, result, &error);
  if (node == NULL)
    mh_call_return_error (call, error);
  else
    mh_call_return (call, g_variant_new ("(s)", node));
}

void
mh_pci_methods_run_bind (MhCall *call)
{
  const BindRequest *request = call->request;

  mh_pci_service_bind_async (call->dispatcher->pci, call->caller, call->object,
                             request->release_on_disconnect, on_bound, call);
}

/* ------------------------------------------------------------------ */
/* ReleasePciDevice */

gboolean
mh_pci_methods_prepare_release (MhCall *call, GError **error)
{
  g_autofree char *address = NULL;
  const char *text;
  guint32 holder;

  g_variant_get (call->parameters, "(&s)", &text);
  address = mh_pci_address_canonicalize (text, error);
  if (address == NULL)
    return FALSE;
  call->object = g_strdup (address);

  if (!mh_pci_service_lookup_holder (call->dispatcher->pci, address, &holder))
    {
      g_set_error (error, MH_ERROR, MH_ERROR_NOT_FOUND,
                   "microvm-helper does not hold %s for anyone (ListPciDevices shows your "
                   "devices); it is left alone",
                   address);
      return FALSE;
    }
  /* Another user's device: only the admin action may give it back. */
  if (holder != call->caller->uid)
    {
      g_autofree char *owner = g_strdup_printf ("%u", holder);
      call->action_id = MH_ACTION_MANAGE_ALL;
      mh_call_add_detail (call, "owner", owner);
      mh_call_add_detail (call, "polkit.message",
                          N_ ("Authentication is required to take the PCI device "
                              "$(device_name) ($(address)) from another user's virtual "
                              "machine and give it back to the host"));
    }
  else
    mh_call_add_detail (call, "polkit.message",
                        N_ ("Authentication is required to give the PCI device $(device_name) "
                            "($(address)) back to the host"));
  mh_call_add_detail (call, "address", address);
  return TRUE;
}

static void
on_release_described (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MhCall *call = user_data;
  g_autoptr (MhPciInspection) inspection = NULL;
  g_autoptr (GError) error = NULL;

  /* A device that vanished can still be given back (the helper then
   * forgets it): polkit hears what the registry recorded at bind time. */
  inspection = mh_pci_service_inspect_finish (call->dispatcher->pci, result, &error);
  if (inspection != NULL)
    add_device_details (call, inspection->device);
  else
    {
      const MhPciRecord *record =
        mh_pci_registry_lookup (mh_pci_service_get_registry (call->dispatcher->pci), call->object);
      MhPciDevice recorded = { 0 };

      if (record == NULL)
        {
          /* Given back meanwhile; the run step says so. */
          mh_call_add_detail (call, "device_name", call->object);
          mh_call_inspected (call, NULL);
          return;
        }
      recorded.address = call->object;
      recorded.vendor = record->vendor;
      recorded.device = record->device;
      recorded.class_code = record->class_code;
      recorded.iommu_group = record->iommu_group;
      recorded.driver = (char *) "";
      recorded.name = g_strdup_printf ("%04x:%04x", record->vendor, record->device);
      add_device_details (call, &recorded);
      g_free (recorded.name);
    }
  mh_call_inspected (call, NULL);
}

void
mh_pci_methods_inspect_release (MhCall *call)
{
  mh_pci_service_describe_async (call->dispatcher->pci, call->object, on_release_described, call);
}

static void
on_released (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MhCall *call = user_data;
  GError *error = NULL;

  if (!mh_pci_service_release_finish (call->dispatcher->pci, result, &error))
    mh_call_return_error (call, error);
  else
    mh_call_return (call, g_variant_new ("()"));
}

void
mh_pci_methods_run_release (MhCall *call)
{
  gboolean as_admin = g_strcmp0 (call->action_id, MH_ACTION_MANAGE_ALL) == 0;

  mh_pci_service_release_async (call->dispatcher->pci, call->caller, call->object, as_admin,
                                on_released, call);
}

/* ------------------------------------------------------------------ */
/* ListPciDevices */

gboolean
mh_pci_methods_prepare_list (MhCall *call, GError **error)
{
  return TRUE;
}

static void
on_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MhCall *call = user_data;
  g_autoptr (GVariant) devices = NULL;
  GError *error = NULL;

  devices = mh_pci_service_list_finish (call->dispatcher->pci, result, &error);
  if (devices == NULL)
    mh_call_return_error (call, error);
  else
    mh_call_return (call, g_variant_new ("(@a(sa{sv}))", devices));
}

void
mh_pci_methods_run_list (MhCall *call)
{
  mh_pci_service_list_async (call->dispatcher->pci, call->caller->uid, on_listed, call);
}

/* ------------------------------------------------------------------ */
/* SetMemlockLimit */

typedef struct {
  guint64 bytes;
  gint64 call_time;
  guint32 pid;
  guint32 uid;
} MemlockRequest;

gboolean
mh_pci_methods_prepare_memlock (MhCall *call, GError **error)
{
  const MhConfig *config = call->dispatcher->config;
  MemlockRequest *request;
  g_autofree char *bytes_text = NULL;
  g_autofree char *human = NULL;
  g_autofree char *pid_text = NULL;
  guint64 bytes;

  g_variant_get (call->parameters, "(t)", &bytes);
  call->object =
    g_strdup_printf ("RLIMIT_MEMLOCK=%" G_GUINT64_FORMAT " of pid %u", bytes, call->caller->pid);
  if (bytes == 0)
    {
      g_set_error_literal (error, MH_ERROR, MH_ERROR_INVALID_ARGUMENT,
                           "give the memlock limit in bytes, more than 0 (e.g. the VM's RAM "
                           "plus 1 GiB)");
      return FALSE;
    }
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
  if (call->caller->pid == 0)
    {
      g_set_error_literal (error, MH_ERROR, MH_ERROR_FAILED,
                           "the bus did not tell which process is calling, so its memlock "
                           "limit cannot be raised");
      return FALSE;
    }

  request = g_new0 (MemlockRequest, 1);
  request->bytes = bytes;
  request->call_time = mh_boottime_usec ();
  request->pid = call->caller->pid;
  request->uid = call->caller->uid;
  call->request = request;
  call->request_free = g_free;

  bytes_text = g_strdup_printf ("%" G_GUINT64_FORMAT, bytes);
  human = g_format_size_full (bytes, G_FORMAT_SIZE_IEC_UNITS);
  pid_text = g_strdup_printf ("%u", call->caller->pid);
  mh_call_add_detail (call, "memlock", bytes_text);
  mh_call_add_detail (call, "memlock_human", human);
  mh_call_add_detail (call, "pid", pid_text);
  mh_call_add_detail (call, "polkit.message",
                      N_ ("Authentication is required to let a program of yours lock "
                          "$(memlock_human) of memory for PCI passthrough"));
  return TRUE;
}

static void
memlock_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  const MemlockRequest *request = task_data;
  GError *error = NULL;

  if (mh_memlock_raise ((pid_t) request->pid, (uid_t) request->uid, request->bytes,
                        request->call_time, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_memlock_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MhCall *call = user_data;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    mh_call_return_error (call, error);
  else
    mh_call_return (call, g_variant_new ("()"));
}

void
mh_pci_methods_run_memlock (MhCall *call)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, on_memlock_done, call);

  /* The call owns the request and outlives the task. */
  g_task_set_task_data (task, call->request, NULL);
  g_task_run_in_thread (task, memlock_thread);
}
