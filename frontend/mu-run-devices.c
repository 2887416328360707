/* PCI devices for `microvm-user run`: each bound to vfio-pci by the helper
 * and leased to our bus connection, then the locked-memory limit the
 * hypervisor needs (passthrough pins all guest RAM), then the shares.  At
 * the end, after the hypervisor has let go of them, they are given back. */
#include <sys/resource.h>

#include "mu-error.h"
#include "mu-output.h"
#include "mu-run-private.h"

static void bind_next (Run *run);

static void
on_memlock_raised (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Run *run = user_data;
  g_autoptr (GError) error = NULL;

  if (!mu_helper_client_set_memlock_finish (run->helper, result, &error))
    {
      if (run->phase != PHASE_STARTING)
        return;
      mu_run_fail (run, g_steal_pointer (&error));
      mu_run_begin_teardown (run);
      return;
    }
  if (run->phase != PHASE_STARTING)
    return;
  mu_progress ("locked-memory limit raised to %" G_GUINT64_FORMAT " bytes", run->options->memlock);
  mu_run_start_shares (run);
}

/* The hypervisor inherits our RLIMIT_MEMLOCK: raise it through the helper
 * when it is lower than what the user said the VM needs. */
static void
ensure_memlock (Run *run)
{
  struct rlimit current;

  if (getrlimit (RLIMIT_MEMLOCK, &current) == 0 && current.rlim_cur == RLIM_INFINITY)
    {
      mu_run_start_shares (run);
      return;
    }
  if (run->options->memlock == 0)
    {
      mu_run_fail (run, g_error_new (MU_ERROR, MU_ERROR_USAGE,
                                     "PCI passthrough pins all of the VM's memory, and your "
                                     "locked-memory limit is %llu bytes: give --memlock=SIZE (the "
                                     "VM's memory plus 1 GiB per device, as libvirt counts, e.g. "
                                     "--memlock=6G), or MemLock= in "
                                     "~/.config/microvm/microvm-user.conf",
                                     (unsigned long long) current.rlim_cur));
      mu_run_begin_teardown (run);
      return;
    }
  if (current.rlim_cur >= run->options->memlock)
    {
      mu_run_start_shares (run);
      return;
    }
  mu_progress ("asking microvm-helperd to raise the locked-memory limit to %" G_GUINT64_FORMAT
               " bytes",
               run->options->memlock);
  mu_helper_client_set_memlock_async (run->helper, run->options->memlock, on_memlock_raised, run);
}

static void
on_device_bound (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Run *run = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *group = mu_helper_client_bind_pci_finish (run->helper, result, &error);
  const char *address = run->runner->pci_devices->pdata[run->next_device];

  if (run->phase != PHASE_STARTING)
    return; /* abandoned; the lease gives it back */
  if (group == NULL)
    {
      mu_run_fail (run, g_steal_pointer (&error));
      mu_run_begin_teardown (run);
      return;
    }
  if (!g_ptr_array_find_with_equal_func (run->devices_held, address, g_str_equal, NULL))
    g_ptr_array_add (run->devices_bound, g_strdup (address));
  mu_progress ("PCI device %s is yours: %s", address, group);
  run->next_device++;
  bind_next (run);
}

static void
bind_next (Run *run)
{
  const char *address;

  if (run->next_device == run->runner->pci_devices->len)
    {
      ensure_memlock (run);
      return;
    }
  address = run->runner->pci_devices->pdata[run->next_device];
  mu_progress ("asking microvm-helperd for the PCI device %s", address);
  mu_helper_client_bind_pci_async (run->helper, address, on_device_bound, run);
}

static void
on_devices_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Run *run = user_data;
  g_autoptr (GError) error = NULL;

  run->devices_held = mu_helper_client_list_pci_finish (run->helper, result, &error);
  if (run->phase != PHASE_STARTING)
    return;
  if (run->devices_held == NULL)
    {
      mu_run_fail (run, g_steal_pointer (&error));
      mu_run_begin_teardown (run);
      return;
    }
  bind_next (run);
}

void
mu_run_start_devices (Run *run)
{
  if (run->phase != PHASE_STARTING)
    return;
  if (run->runner->pci_devices->len == 0)
    {
      mu_run_start_shares (run);
      return;
    }
  run->next_device = 0;
  mu_helper_client_list_pci_async (run->helper, on_devices_listed, run);
}

static void
on_device_released (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Run *run = user_data;
  g_autoptr (GError) error = NULL;

  if (!mu_helper_client_release_pci_finish (run->helper, result, &error))
    mu_warning ("%s; the helper gives it back when this program exits", error->message);
  mu_run_teardown_step_done (run);
}

void
mu_run_release_devices (Run *run)
{
  g_autofree char *names = NULL;

  if (run->devices_bound == NULL || run->devices_bound->len == 0)
    return;
  names = mu_join_names (run->devices_bound);
  mu_progress ("giving back the PCI devices bound for this run (%s)", names);
  for (guint i = 0; i < run->devices_bound->len; i++)
    {
      run->pending++;
      mu_helper_client_release_pci_async (run->helper, run->devices_bound->pdata[i],
                                          on_device_released, run);
    }
}
