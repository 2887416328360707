/* microvm-helperd: the privileged half of microvm-helper.  Everything it
 * does lives in libmicrovm-helper; this file only parses options, drops
 * capabilities, wires the parts together and runs the main loop. */
#include <errno.h>
#include <glib-unix.h>
#include <linux/capability.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mh-authorizer.h"
#include "mh-build-config.h"
#include "mh-caps.h"
#include "mh-config.h"
#include "mh-daemon.h"
#include "mh-dispatch.h"
#include "mh-error.h"
#include "mh-leases.h"
#include "mh-pci-registry.h"
#include "mh-pci-service.h"
#include "mh-pci-sysfs.h"
#include "mh-tap-backend.h"
#include "mh-tap-registry.h"
#include "mh-tap-service.h"

#define DEFAULT_IDLE_TIMEOUT_S 60

/* The capabilities the helper's work needs; everything else is dropped.
 * The systemd unit's CapabilityBoundingSet= lists the same. */
static const int required_capabilities[] = {
  CAP_NET_ADMIN, /* TUNSETIFF/TUNSETOWNER/TUNSETPERSIST, link up, delete */
  CAP_CHOWN,     /* give /dev/vfio/N to the holder of a PCI device */
  -1,
};
/* Kept where the system grants it (the unit does); containers often
 * withhold it, and only SetMemlockLimit needs it. */
static const int optional_capabilities[] = {
  CAP_SYS_RESOURCE, /* SetMemlockLimit: prlimit on another user's process, raise the hard limit */
  -1,
};

static gboolean opt_verbose;
static gboolean opt_no_idle_exit;
static int opt_idle_timeout = DEFAULT_IDLE_TIMEOUT_S;
static char *opt_config = NULL;
static char *opt_runtime_dir = NULL;
static char *opt_sysfs_root = NULL;
static char *opt_dev_root = NULL;
static gboolean opt_version;
static gboolean opt_check_config;

static const GOptionEntry option_entries[] = {
  { "verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose, "Log debug messages too", NULL },
  { "no-idle-exit", 0, 0, G_OPTION_ARG_NONE, &opt_no_idle_exit,
    "Keep running when there is nothing to do", NULL },
  { "idle-timeout", 0, 0, G_OPTION_ARG_INT, &opt_idle_timeout,
    "Seconds without work and without leases before exiting (default 60)", "SECONDS" },
  { "config", 0, 0, G_OPTION_ARG_FILENAME, &opt_config,
    "Administrator's configuration (default " MH_CONFIG_FILE ")", "FILE" },
  { "runtime-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_runtime_dir,
    "Directory for the registry (default " MH_RUNTIME_DIR ")", "DIR" },
  { "sysfs-root", 0, 0, G_OPTION_ARG_FILENAME, &opt_sysfs_root,
    "TEST ONLY: read and write PCI devices below DIR instead of /sys (the test suite's fake "
    "PCI world); never used by the installed service",
    "DIR" },
  { "dev-root", 0, 0, G_OPTION_ARG_FILENAME, &opt_dev_root,
    "TEST ONLY: find vfio group devices below DIR instead of /dev; never used by the installed "
    "service",
    "DIR" },
  { "check-config", 0, 0, G_OPTION_ARG_NONE, &opt_check_config,
    "Check the configuration file (--config or the default) and exit: 0 if the helper would "
    "start with it",
    NULL },
  { "version", 0, 0, G_OPTION_ARG_NONE, &opt_version, "Print the version and exit", NULL },
  { NULL },
};

typedef struct {
  MhTapService *taps;
  MhPciService *pci;
} LeaseTarget;

static void
on_lease_vanished (const char *unique_name, gpointer user_data)
{
  LeaseTarget *target = user_data;

  mh_tap_service_release_lease (target->taps, unique_name);
  mh_pci_service_release_lease (target->pci, unique_name);
}

static void
on_service_idle (gpointer user_data)
{
  mh_daemon_touch (user_data);
}

static gboolean
on_terminate (gpointer user_data)
{
  mh_daemon_terminate (user_data);
  return G_SOURCE_CONTINUE;
}

/* A registry the helper cannot read must not stop it from serving, nor be
 * overwritten: keep it for the administrator and start empty (taps and
 * devices it listed are then left alone, never deleted or given back). */
static void
move_registry_aside (const char *path, const GError *error)
{
  g_autofree char *aside =
    g_strdup_printf ("%s.unreadable-%" G_GINT64_FORMAT, path, g_get_real_time () / G_USEC_PER_SEC);

  g_critical ("%s; moved it to %s and starting with an empty registry", error->message, aside);
  if (rename (path, aside) < 0)
    g_critical ("cannot move the registry aside: %s", g_strerror (errno));
}

static void
load_registry (MhTapRegistry *registry)
{
  g_autoptr (GError) error = NULL;

  if (!mh_tap_registry_load (registry, &error))
    move_registry_aside (mh_tap_registry_get_path (registry), error);
}

/* Worker threads of calls still running hold the services; let them end
 * (and record what they did) before the services are freed.  A kernel call
 * that never returns must not keep the helper from exiting: after a while
 * it exits without freeing what those threads use. */
static gboolean
wait_for_workers (MhTapService *taps, MhPciService *pci)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!mh_tap_service_is_idle (taps) || mh_pci_service_has_running_work (pci))
    {
      if (g_get_monotonic_time () > deadline)
        {
          g_warning ("calls still running in the kernel after 10 s; exiting without them");
          return FALSE;
        }
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return TRUE;
}

static void
load_pci_registry (MhPciRegistry *registry)
{
  g_autoptr (GError) error = NULL;

  if (!mh_pci_registry_load (registry, &error))
    move_registry_aside (mh_pci_registry_get_path (registry), error);
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MhConfig) config = NULL;
  g_autoptr (GDBusConnection) bus = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  g_autoptr (MhLeases) leases = NULL;
  g_autoptr (MhAuthorizer) authorizer = NULL;
  g_autoptr (MhDispatcher) dispatcher = NULL;
  g_autoptr (MhDaemon) daemon = NULL;
  g_autofree char *registry_path = NULL;
  g_autofree char *pci_registry_path = NULL;
  g_autofree char *bus_id = NULL;
  g_autofree char *caps = NULL;
  g_autofree char *missing_caps = NULL;
  g_autofree char *unbounded_caps = NULL;
  MhTapService *taps;
  MhPciService *pci;
  LeaseTarget lease_target = { NULL };
  guint sigterm_source;
  guint sigint_source;

  setlocale (LC_ALL, "");
  /* One stream for the journal (or the bus's log in tests), debug included. */
  g_log_writer_default_set_use_stderr (TRUE);

  context = g_option_context_new ("- privileged helper for running microVMs as a user");
  g_option_context_set_summary (
    context, "Creates tap interfaces owned by the calling user and hands PCI devices to them\n"
             "through vfio-pci, over D-Bus, authorized by polkit.\n"
             "Started by D-Bus activation; not meant to be run by hand.");
  g_option_context_add_main_entries (context, option_entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("microvm-helperd: %s\n", error->message);
      return EXIT_FAILURE;
    }
  if (opt_version)
    {
      g_print ("microvm-helperd %s\n", MH_VERSION);
      return EXIT_SUCCESS;
    }
  /* Needs no privilege: an administrator (or a NixOS build) checks a file
   * before installing it. */
  if (opt_check_config)
    {
      const char *path = opt_config != NULL ? opt_config : MH_CONFIG_FILE;

      config = mh_config_load (path, &error);
      if (config == NULL)
        {
          g_printerr ("microvm-helperd: %s\n", error->message);
          return EXIT_FAILURE;
        }
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        g_print ("microvm-helperd: %s does not exist: the built-in defaults apply\n", path);
      else
        g_print ("microvm-helperd: %s: the helper would start with this configuration\n", path);
      return EXIT_SUCCESS;
    }
  if (opt_verbose)
    g_log_set_debug_enabled (TRUE);
  if (opt_idle_timeout < 0)
    {
      g_printerr ("microvm-helperd: --idle-timeout must be 0 or more seconds\n");
      return EXIT_FAILURE;
    }

  /* Before any thread exists: capabilities are per thread, and threads
   * created later inherit the reduced sets. */
  if (!mh_caps_keep_only (required_capabilities, optional_capabilities, &missing_caps,
                          &unbounded_caps, &error))
    {
      g_printerr ("microvm-helperd: %s\n", error->message);
      return EXIT_FAILURE;
    }
  caps = mh_caps_describe ();
  g_message ("microvm-helperd %s starting; kept capabilities: %s", MH_VERSION, caps);
  if (missing_caps != NULL)
    g_warning ("this system does not grant %s: SetMemlockLimit cannot raise hard limits, and "
               "can change only processes the helper owns through a user namespace",
               missing_caps);
  if (unbounded_caps != NULL)
    g_warning ("the capability bounding set still holds %s and cannot be reduced without "
               "CAP_SETPCAP: start the helper through microvm-helperd.service, whose "
               "CapabilityBoundingSet= leaves them out",
               unbounded_caps);

  config = mh_config_load (opt_config != NULL ? opt_config : MH_CONFIG_FILE, &error);
  if (config == NULL)
    {
      g_printerr ("microvm-helperd: refusing to start: %s\n", error->message);
      return EXIT_FAILURE;
    }

  if (opt_runtime_dir == NULL)
    opt_runtime_dir = g_strdup (MH_RUNTIME_DIR);
  if (g_mkdir_with_parents (opt_runtime_dir, 0700) < 0)
    {
      g_printerr ("microvm-helperd: cannot create %s: %s\n", opt_runtime_dir, g_strerror (errno));
      return EXIT_FAILURE;
    }
  registry_path = g_build_filename (opt_runtime_dir, "taps.registry", NULL);
  pci_registry_path = g_build_filename (opt_runtime_dir, "pci.registry", NULL);
  if (opt_sysfs_root != NULL || opt_dev_root != NULL)
    g_message ("TEST MODE: PCI devices are read below %s and %s, not the real /sys and /dev",
               opt_sysfs_root != NULL ? opt_sysfs_root : "/sys",
               opt_dev_root != NULL ? opt_dev_root : "/dev");

  bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
  if (bus == NULL)
    {
      g_printerr ("microvm-helperd: cannot connect to the system bus: %s\n", error->message);
      return EXIT_FAILURE;
    }
  bus_id = mh_daemon_get_bus_id (bus, &error);
  if (bus_id == NULL)
    {
      g_printerr ("microvm-helperd: cannot ask the bus for its id: %s\n", error->message);
      return EXIT_FAILURE;
    }

  loop = g_main_loop_new (NULL, FALSE);
  leases = mh_leases_new (bus, bus_id, on_lease_vanished, &lease_target);
  {
    MhTapRegistry *registry = mh_tap_registry_new (registry_path);
    load_registry (registry);
    taps = mh_tap_service_new (config, registry, mh_tap_backend_kernel_new (), leases);
  }
  {
    MhPciRegistry *registry = mh_pci_registry_new (pci_registry_path);
    load_pci_registry (registry);
    pci = mh_pci_service_new (config, registry,
                              mh_pci_sysfs_new (opt_sysfs_root != NULL ? opt_sysfs_root : "/sys",
                                                opt_dev_root != NULL ? opt_dev_root : "/dev"),
                              leases);
  }
  lease_target.taps = taps;
  lease_target.pci = pci;
  authorizer = mh_authorizer_new_polkit ();
  dispatcher = mh_dispatcher_new (config, authorizer, taps, pci);
  daemon =
    mh_daemon_new (bus, dispatcher, leases, opt_no_idle_exit ? 0 : (guint) opt_idle_timeout, loop);
  mh_tap_service_set_idle_callback (taps, G_CALLBACK (on_service_idle), daemon);
  mh_pci_service_set_idle_callback (pci, G_CALLBACK (on_service_idle), daemon);

  mh_tap_service_reconcile (taps, mh_daemon_name_is_alive, daemon);
  mh_pci_service_reconcile (pci, mh_daemon_name_is_alive, daemon);

  if (!mh_daemon_start (daemon, &error))
    {
      g_printerr ("microvm-helperd: %s\n", error->message);
      return EXIT_FAILURE;
    }

  sigterm_source = g_unix_signal_add (SIGTERM, on_terminate, daemon);
  sigint_source = g_unix_signal_add (SIGINT, on_terminate, daemon);
  g_main_loop_run (loop);
  g_source_remove (sigterm_source);
  g_source_remove (sigint_source);

  if (!wait_for_workers (taps, pci))
    return EXIT_FAILURE;
  g_clear_pointer (&daemon, mh_daemon_free);
  g_clear_pointer (&dispatcher, mh_dispatcher_free);
  mh_tap_service_free (taps);
  mh_pci_service_free (pci);
  return EXIT_SUCCESS;
}
