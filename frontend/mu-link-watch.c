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
  guint recheck_source;
  guint recheck_ms;
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
  if (watch->recheck_source != 0)
    g_source_remove (watch->recheck_source);
  close (watch->fd);
  g_ptr_array_unref (watch->names);
  g_array_unref (watch->ifindexes);
  g_free (watch);
}

/* Whether sysfs still shows @name, unless it is another interface now.
 * The kernel removes a device's attributes before its directory: while
 * the directory is there, the interface is not gone. */
static gboolean
in_sysfs (const char *name, gint32 ifindex)
{
  g_autofree char *directory = g_build_filename ("/sys/class/net", name, NULL);
  g_autofree char *path = g_build_filename (directory, "ifindex", NULL);
  g_autofree char *text = NULL;

  if (!g_file_test (directory, G_FILE_TEST_EXISTS))
    return FALSE;
  if (g_file_get_contents (path, &text, NULL, NULL) && g_ascii_strtoll (text, NULL, 10) != ifindex)
    return FALSE;
  return TRUE;
}

/* Gone means unlisted (no name for the index, or another one: an index
 * could in principle be given to a new interface, and a name can be taken
 * by someone else's) and out of sysfs, which the kernel does a moment
 * after it announces the deletion, while it still holds the lock that any
 * new interface of that name would need. */
static void
forget_the_gone (MuLinkWatch *watch)
{
  guint i = 0;

  while (i < watch->names->len)
    {
      char name[IF_NAMESIZE];
      gint32 ifindex = g_array_index (watch->ifindexes, gint32, i);

      if ((if_indextoname ((unsigned) ifindex, name) == NULL ||
           strcmp (name, watch->names->pdata[i]) != 0) &&
          !in_sysfs (watch->names->pdata[i], ifindex))
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
  if (watch->recheck_source != 0)
    g_source_remove (watch->recheck_source);
  watch->recheck_source = 0;
  if (watch->fd_source != 0)
    g_source_remove (watch->fd_source);
  watch->fd_source = 0;
  if (watch->timeout_source != 0)
    g_source_remove (watch->timeout_source);
  watch->timeout_source = 0;
  watch->func (watch->names, watch->user_data);
}

static gboolean on_recheck (gpointer user_data);

/* Looks again; TRUE if the wait is over.  An interface announced gone may
 * still be in sysfs for a moment, and the last announcement may already
 * have been read: so while any is left, look again soon, less and less
 * often (1 ms, 2 ms, ... 32 ms), until the next announcement. */
static gboolean
look_again (MuLinkWatch *watch)
{
  forget_the_gone (watch);
  if (watch->names->len == 0)
    return TRUE;
  if (watch->recheck_source == 0)
    watch->recheck_source = g_timeout_add (watch->recheck_ms, on_recheck, watch);
  return FALSE;
}

static gboolean
on_recheck (gpointer user_data)
{
  MuLinkWatch *watch = user_data;

  watch->recheck_source = 0;
  watch->recheck_ms = MIN (watch->recheck_ms * 2, 32);
  if (look_again (watch))
    finish (watch);
  return G_SOURCE_REMOVE;
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
  watch->recheck_ms = 1;
  if (watch->recheck_source != 0)
    g_source_remove (watch->recheck_source);
  watch->recheck_source = 0;
  if (look_again (watch))
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
  watch->recheck_ms = 1;
  watch->fd_source = g_unix_fd_add (watch->fd, G_IO_IN, on_notification, watch);
  watch->timeout_source = g_timeout_add (timeout_ms, on_timeout, watch);
}
