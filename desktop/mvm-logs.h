/* A VM's log in a window: the journal of its user unit (the serial
 * console and microvm-user's messages) when it ran as one, else the
 * console.log of a background run.  Refreshed on request. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void mvm_logs_window_show (GtkWindow *parent, const char *name);

G_END_DECLS
