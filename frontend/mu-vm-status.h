/* What can be known of a VM from its state directory alone, for the
 * desktop app's model (desktop/mvm-vm.c).  `list` computes the same
 * comparison in mu-list.c; they should become one when list gains its
 * upstream states (issue 17). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Whether the running VM @name is stale (upstream's word, `microvm -l`):
 * its `current` runner now holds another system than the one `booted`
 * holds (share/microvm/system), or, without system links, is another
 * runner.  FALSE when it does not run. */
gboolean mu_vm_is_stale (const char *name);

/* When the running VM @name started its hypervisor: the time of its
 * `booted` link (unix seconds); 0 when it does not run. */
gint64 mu_vm_booted_at (const char *name);

G_END_DECLS
