/* SetMemlockLimit: raising RLIMIT_MEMLOCK of the calling process, which
 * VFIO passthrough needs (the hypervisor pins all guest RAM), from the
 * privileged side, as libvirt does with prlimit.
 *
 * The process is the one the bus reported for the caller's connection.
 * Its pid could in principle be reused between the call and the change,
 * so the helper holds a pidfd while it checks the process (it must run
 * as the caller only and must have started before the call arrived) and
 * changes the limit, and undoes the change if the process exited
 * meanwhile.  Without pidfd_open (Linux < 5.3) the start time read before
 * and after the change stands in for it. */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* Raises the soft and hard RLIMIT_MEMLOCK of @pid to at least @bytes
 * (never lowers them).  @call_time: mh_boottime_usec() when the call
 * arrived. */
gboolean mh_memlock_raise (pid_t pid, uid_t uid, guint64 bytes, gint64 call_time, GError **error);

G_END_DECLS
