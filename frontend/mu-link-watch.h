/* Waits, without privileges, until network interfaces are gone: the
 * kernel's link notifications (rtnetlink, group RTMGRP_LINK, which any
 * user may listen to) wake it, and each wake-up checks the interfaces by
 * index and in sysfs.  microvm-user uses it to return from a stop only once the helper
 * has deleted the taps whose lease the stop ended. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _MuLinkWatch MuLinkWatch;

/* Called once: @left lists the names of the interfaces still there when
 * @timeout_ms ran out (empty if all went away). */
typedef void (*MuLinkWatchFunc) (GPtrArray *left, gpointer user_data);

/* Listens from now on, so that nothing deleted after this call is
 * missed; @names and @ifindexes (gint32) are parallel and copied.  NULL
 * with @error if the kernel refuses the notification socket. */
MuLinkWatch *mu_link_watch_new (GPtrArray *names, GArray *ifindexes, GError **error);

/* Starts waiting on the thread-default main context.  @func may be
 * called before this returns, if everything is gone already. */
void mu_link_watch_wait (MuLinkWatch *watch, guint timeout_ms, MuLinkWatchFunc func,
                         gpointer user_data);

void mu_link_watch_free (MuLinkWatch *watch);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MuLinkWatch, mu_link_watch_free)

G_END_DECLS
