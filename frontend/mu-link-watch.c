#include "mu-link-watch.h"

#include <errno.h>
#include <glib-unix.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mu-error.h"

struct _MuLinkWatch {
  int fd;
  GPtrArray *names; /* of the interfaces not yet seen gone */
  GArray *ifindexes;
  guint fd_source;
  guint timeout_source;
  MuLinkWatchFunc func;
  gpointer user_data;
};

MuLinkWatch *
mu_link_watch_new (GPtrArray *names, GArray *ifindexes, GError **error)
{
  struct sockaddr_nl address = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
  MuLinkWatch *watch;
  int fd;

  g_return_val_if_fail (names->len == ifindexes->len, NULL);

  fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
  if (fd < 0 || bind (fd, (struct sockaddr *) &address, sizeof address) < 0)
    {
      int errsv = errno;

      if (fd >= 0)
        close (fd);
      g_set_error (error, MU_ERROR, MU_ERROR_ENVIRONMENT,
                   "cannot listen for the kernel's network interface notifications: %s",
                   g_strerror (errsv));
      return NULL;
    }

  watch = g_new0 (MuLinkWatch, 1);
  watch->fd = fd;
  watch->names = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < names->len; i++)
    g_ptr_array_add (watch->names, g_strdup (names->pdata[i]));
  watch->ifindexes = g_array_copy (ifindexes);
  return watch;
}

void
mu_link_watch_free (MuLinkWatch *watch)
{
  if (watch == NULL)
    return;
  if (watch->fd_source != 0)
    g_source_remove (watch->fd_source);
  if (watch->timeout_source != 0)
    g_source_remove (watch->timeout_source);
  close (watch->fd);
  g_ptr_array_unref (watch->names);
  g_array_unref (watch->ifindexes);
  g_free (watch);
}

/* By index and name together: an index alone could, in principle, be
 * given to a new interface, and a name can be taken by someone else's. */
static void
forget_the_gone (MuLinkWatch *watch)
{
  guint i = 0;

  while (i < watch->names->len)
    {
      char name[IF_NAMESIZE];
      gint32 ifindex = g_array_index (watch->ifindexes, gint32, i);

      if (if_indextoname ((unsigned) ifindex, name) == NULL ||
          strcmp (name, watch->names->pdata[i]) != 0)
        {
          g_ptr_array_remove_index (watch->names, i);
          g_array_remove_index (watch->ifindexes, i);
        }
      else
        i++;
    }
}

static void
finish (MuLinkWatch *watch)
{
  if (watch->fd_source != 0)
    g_source_remove (watch->fd_source);
  watch->fd_source = 0;
  if (watch->timeout_source != 0)
    g_source_remove (watch->timeout_source);
  watch->timeout_source = 0;
  watch->func (watch->names, watch->user_data);
}

static gboolean
on_notification (int fd, GIOCondition condition, gpointer user_data)
{
  MuLinkWatch *watch = user_data;
  char buffer[8192];

  /* What the messages say does not matter: an overrun (ENOBUFS) or any
   * link message is only a reason to look again. */
  while (recv (fd, buffer, sizeof buffer, MSG_DONTWAIT) >= 0 || errno == EINTR || errno == ENOBUFS)
    ;
  forget_the_gone (watch);
  if (watch->names->len == 0)
    {
      watch->fd_source = 0;
      finish (watch);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_timeout (gpointer user_data)
{
  MuLinkWatch *watch = user_data;

  watch->timeout_source = 0;
  forget_the_gone (watch);
  finish (watch);
  return G_SOURCE_REMOVE;
}

void
mu_link_watch_wait (MuLinkWatch *watch, guint timeout_ms, MuLinkWatchFunc func, gpointer user_data)
{
  watch->func = func;
  watch->user_data = user_data;
  forget_the_gone (watch);
  if (watch->names->len == 0)
    {
      func (watch->names, user_data);
      return;
    }
  watch->fd_source = g_unix_fd_add (watch->fd, G_IO_IN, on_notification, watch);
  watch->timeout_source = g_timeout_add (timeout_ms, on_timeout, watch);
}
