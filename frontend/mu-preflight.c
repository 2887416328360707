#include "mu-preflight.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "mu-error.h"
#include "mu-output.h"

/* upstream's host module: LimitNOFILE=1048576 for the VM and virtiofsd. */
#define UPSTREAM_NOFILE 1048576

void
mu_raise_open_file_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) < 0)
    return;
  if (limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      if (setrlimit (RLIMIT_NOFILE, &limit) < 0)
        {
          mu_warning ("cannot raise the open-file limit to %llu: %s",
                      (unsigned long long) limit.rlim_max, g_strerror (errno));
          return;
        }
    }
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < UPSTREAM_NOFILE)
    mu_progress ("note: the hypervisor and virtiofsd may open %llu files (your hard limit), "
                 "fewer than the %d microvm.nix's host module gives; raise the hard limit "
                 "(limits.conf, or LimitNOFILE= of your user manager) if the VM needs more",
                 (unsigned long long) limit.rlim_cur, UPSTREAM_NOFILE);
}

static gboolean
check_socket_path (const MuShare *share, GError **error)
{
  struct sockaddr_un address;

  /* The path is used as written (relative to the state directory) by
   * both virtiofsd and the hypervisor, so that string must fit. */
  if (strlen (share->socket) >= sizeof address.sun_path)
    {
      g_set_error (error, MU_ERROR, MU_ERROR_LAYOUT,
                   "the socket path of the share %s is %zu bytes long, but a unix socket path "
                   "may have at most %zu; use a shorter (relative) socket path in the runner",
                   share->tag, strlen (share->socket), sizeof address.sun_path - 1);
      return FALSE;
    }
  return TRUE;
}

gboolean
mu_run_preflight (MuRunner *runner, const MuRunOptions *options, MuVirtiofsd **virtiofsd,
                  GError **error)
{
  *virtiofsd = NULL;
  if (getuid () == 0 && !options->allow_root)
    {
      g_set_error (error, MU_ERROR, MU_ERROR_USAGE,
                   "refusing to run a VM as root: microvm-user exists to run VMs as an ordinary "
                   "user, with microvm-helperd doing the few privileged steps; run it as your "
                   "user, or pass --allow-root if you really mean it");
      return FALSE;
    }
  if (runner->usb_devices->len > 0)
    mu_progress ("note: share/microvm/usb-devices lists %u USB device(s); they are passed by "
                 "the hypervisor itself and need device permissions set by your administrator",
                 runner->usb_devices->len);
  if (runner->taps->len > 0 && access ("/dev/net/tun", R_OK | W_OK) < 0)
    {
      struct stat st;
      int errsv = errno;
      if (stat ("/dev/net/tun", &st) == 0)
        g_set_error (error, MU_ERROR, MU_ERROR_ENVIRONMENT,
                     "the hypervisor cannot use its taps: /dev/net/tun is mode %04o here, not "
                     "readable and writable by you (%s); most distributions make it 0666, ask "
                     "your administrator to do the same (e.g. a udev rule)",
                     st.st_mode & 07777, g_strerror (errsv));
      else
        g_set_error (error, MU_ERROR, MU_ERROR_ENVIRONMENT,
                     "the hypervisor cannot use its taps: /dev/net/tun is missing (%s); load the "
                     "tun module",
                     g_strerror (errsv));
      return FALSE;
    }
  for (guint i = 0; i < runner->shares->len; i++)
    if (!check_socket_path (runner->shares->pdata[i], error))
      return FALSE;
  if (runner->shares->len > 0)
    {
      *virtiofsd = mu_virtiofsd_find (options->virtiofsd, options->configured_virtiofsd, error);
      if (*virtiofsd == NULL)
        return FALSE;
    }
  /* Every share's options in this virtiofsd's terms now, so that one it
   * cannot honour refuses the run before anything is made. */
  for (guint i = 0; i < runner->shares->len; i++)
    {
      const MuShare *share = runner->shares->pdata[i];
      g_auto (GStrv) argv = mu_virtiofsd_argv (*virtiofsd, share->tag, share->socket, share->source,
                                               share->options, error);

      if (argv == NULL)
        {
          g_clear_pointer (virtiofsd, mu_virtiofsd_free);
          return FALSE;
        }
      for (guint j = 0; j < share->options->dropped->len; j++)
        mu_progress ("note: the share %s: dropped %s", share->tag,
                     (const char *) share->options->dropped->pdata[j]);
    }
  mu_raise_open_file_limit ();
  return TRUE;
}
