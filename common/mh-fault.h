/* Fault points for the fault-injection tests: in a build configured with
 * -Dfault_injection=true, a process whose environment has
 * MH_FAULT_KILL_AT=NAME kills itself with SIGKILL when it reaches the
 * point NAME, as a crash or an OOM kill at that exact step would; with
 * MH_FAULT_FAIL_ONCE=NAME, mh_fault_fail_once (NAME) is TRUE the first
 * time it is reached (the caller then fails that step, as a passing lack
 * of file descriptors or memory would).  In other builds the points
 * compile to nothing and the variables are never read. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#ifdef MH_FAULT_INJECTION
void mh_fault_point (const char *name);
gboolean mh_fault_fail_once (const char *name);
#else
#define mh_fault_point(name) ((void) 0)
#define mh_fault_fail_once(name) FALSE
#endif

G_END_DECLS
