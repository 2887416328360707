/* Fault points for the fault-injection tests: in a build configured with
 * -Dfault_injection=true, a process whose environment has
 * MH_FAULT_KILL_AT=NAME kills itself with SIGKILL when it reaches the
 * point NAME, as a crash or an OOM kill at that exact step would.  In
 * other builds the points compile to nothing and the variable is never
 * read. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#ifdef MH_FAULT_INJECTION
void mh_fault_point (const char *name);
#else
#define mh_fault_point(name) ((void) 0)
#endif

G_END_DECLS
