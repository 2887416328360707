#include "mu-run-devices.h"

#include <sys/resource.h>

#include "mu-error.h"
#include "mu-output.h"

struct _MuRunDevices {
  MuRunner *runner;
  MuHelperClient *helper; /* the run's, borrowed */
  guint64 memlock;
  GPtrArray *held;  /* the user's already: left as they were */
  GPtrArray *bound; /* ours: given back at the end */
  guint next;
  gboolean releasing;
  MuRunReport started;
  MuRunCountdown released; /* give-backs under way */
};

MuRunDevices *
mu_run_devices_new (MuRunner *runner, MuHelperClient *helper, guint64 memlock)
{
  MuRunDevices *devices = g_new0 (MuRunDevices, 1);

  devices->runner = runner;
  devices->helper = helper;
  devices->memlock = memlock;
  devices->bound = g_ptr_array_new_with_free_func (g_free);
  return devices;
}

void
mu_run_devices_free (MuRunDevices *devices)
{
  if (devices == NULL)
    return;
  g_clear_pointer (&devices->held, g_ptr_array_unref);
  g_clear_pointer (&devices->bound, g_ptr_array_unref);
  g_free (devices);
}

/* ------------------------------------------------------------------ */
/* Start */

static void
on_memlock_raised (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MuRunDevices *devices = user_data;
  g_autoptr (GError) error = NULL;
  gboolean raised = mu_helper_client_set_memlock_finish (devices->helper, result, &error);

  if (devices->releasing)
    return;
  if (!raised)
    {
      mu_run_report (&devices->started, g_steal_pointer (&error));
      return;
    }
  mu_progress ("locked-memory limit raised to %" G_GUINT64_FORMAT " bytes", devices->memlock);
  mu_run_report (&devices->started, NULL);
}

/* The hypervisor inherits our RLIMIT_MEMLOCK: raise it through the helper
 * when it is lower than what the user said the VM needs. */
static void
ensure_memlock (MuRunDevices *devices)
{
  struct rlimit current;

  if (getrlimit (RLIMIT_MEMLOCK, &current) == 0 && current.rlim_cur == RLIM_INFINITY)
    {
      mu_run_report (&devices->started, NULL);
      return;
    }
  if (devices->memlock == 0)
    {
      mu_run_report (&devices->started,
                     g_error_new (MU_ERROR, MU_ERROR_USAGE,
                                  "PCI passthrough pins all of the VM's memory, and your "
                                  "locked-memory limit is %llu bytes: give --memlock=SIZE (the "
                                  "VM's memory plus 1 GiB per device, as libvirt counts, e.g. "
                                  "--memlock=6G), or MemLock= in "
                                  "~/.config/microvm/microvm-user.conf",
                                  (unsigned long long) current.rlim_cur));
      return;
    }
  if (current.rlim_cur >= devices->memlock)
    {
      mu_run_report (&devices->started, NULL);
      return;
    }
  mu_progress ("asking microvm-helperd to raise the locked-memory limit to %" G_GUINT64_FORMAT
               " bytes",
               devices->memlock);
  mu_helper_client_set_memlock_async (devices->helper, devices->memlock, on_memlock_raised,
                                      devices);
}

static void bind_next (MuRunDevices *devices);

static void
on_device_bound (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MuRunDevices *devices = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *group = mu_helper_client_bind_pci_finish (devices->helper, result, &error);
  const char *address = devices->runner->pci_devices->pdata[devices->next];

  if (devices->releasing)
    return; /* abandoned; the lease gives it back */
  if (group == NULL)
    {
      mu_run_report (&devices->started, g_steal_pointer (&error));
      return;
    }
  if (!g_ptr_array_find_with_equal_func (devices->held, address, g_str_equal, NULL))
    g_ptr_array_add (devices->bound, g_strdup (address));
  mu_progress ("PCI device %s is yours: %s", address, group);
  devices->next++;
  bind_next (devices);
}

static void
bind_next (MuRunDevices *devices)
{
  const char *address;

  if (devices->next == devices->runner->pci_devices->len)
    {
      ensure_memlock (devices);
      return;
    }
  address = devices->runner->pci_devices->pdata[devices->next];
  mu_progress ("asking microvm-helperd for the PCI device %s", address);
  mu_helper_client_bind_pci_async (devices->helper, address, on_device_bound, devices);
}

static void
on_devices_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MuRunDevices *devices = user_data;
  g_autoptr (GError) error = NULL;

  devices->held = mu_helper_client_list_pci_finish (devices->helper, result, &error);
  if (devices->releasing)
    return;
  if (devices->held == NULL)
    {
      mu_run_report (&devices->started, g_steal_pointer (&error));
      return;
    }
  bind_next (devices);
}

void
mu_run_devices_start (MuRunDevices *devices, MuRunReportFunc func, gpointer user_data)
{
  mu_run_report_to (&devices->started, func, user_data);
  if (devices->runner->pci_devices->len == 0)
    {
      mu_run_report (&devices->started, NULL);
      return;
    }
  devices->next = 0;
  mu_helper_client_list_pci_async (devices->helper, on_devices_listed, devices);
}

/* ------------------------------------------------------------------ */
/* Release */

static void
on_device_released (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MuRunDevices *devices = user_data;
  g_autoptr (GError) error = NULL;

  if (!mu_helper_client_release_pci_finish (devices->helper, result, &error))
    mu_warning ("%s; the helper gives it back when this program exits", error->message);
  mu_run_countdown_step_done (&devices->released);
}

void
mu_run_devices_release (MuRunDevices *devices, MuRunReportFunc func, gpointer user_data)
{
  devices->releasing = TRUE;
  mu_run_countdown_begin (&devices->released, func, user_data);
  if (devices->bound->len > 0)
    {
      g_autofree char *names = mu_join_names (devices->bound);

      mu_progress ("giving back the PCI devices bound for this run (%s)", names);
      for (guint i = 0; i < devices->bound->len; i++)
        {
          mu_run_countdown_add (&devices->released);
          mu_helper_client_release_pci_async (devices->helper, devices->bound->pdata[i],
                                              on_device_released, devices);
        }
    }
  mu_run_countdown_step_done (&devices->released);
}
