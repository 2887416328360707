/* "Add VM…": a folder chooser on a runner (a `result` link or the runner
 * directory) and a name; records it as `microvm-user install` does. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void mvm_add_dialog_show (GtkWindow *parent);

G_END_DECLS
