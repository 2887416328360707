/* One call through the pipeline of mh-dispatch.h: the method's entry in
 * the table (MhMethod), what prepare found (the polkit action and
 * details, the request), and the steps after prepare that every method
 * shares: asking polkit, then run, then one reply that is audited and
 * whose error is normalized for the bus.  The method files (mh-*-methods.c)
 * use only this and their kind's service. */
#pragma once

#include <gio/gio.h>

#include "mh-caller.h"

G_BEGIN_DECLS

typedef struct _MhDispatcher MhDispatcher;
typedef struct _MhCall MhCall;

/* Called exactly once per call: @result (may be floating) or @error. */
typedef void (*MhReplyFunc) (GVariant *result, const GError *error, gpointer user_data);

typedef gboolean (*MhPrepareFunc) (MhCall *call, GError **error);
typedef void (*MhRunFunc) (MhCall *call);
typedef void (*MhInspectFunc) (MhCall *call);

typedef struct {
  const char *name;
  /* The polkit action; NULL only for read-only methods, which run without
   * asking polkit. */
  const char *action_id;
  MhPrepareFunc prepare;
  MhRunFunc run;
  /* Optional second half of prepare, for details that must be read from
   * the system (PCI devices): runs after prepare, off the main loop, and
   * ends with mh_call_inspected().  Like prepare it may refuse the call or
   * raise the action, never skip the check. */
  MhInspectFunc inspect;
} MhMethod;

struct _MhCall {
  MhDispatcher *dispatcher;
  const MhMethod *method;
  MhCaller *caller;
  GVariant *parameters;
  gboolean interactive;

  /* Set by prepare. */
  const char *action_id; /* starts as method->action_id; may only be raised to manage-all */
  GHashTable *details;   /* polkit details, string -> string */
  char *object;          /* what the call is about, for the audit log */
  gpointer request;
  GDestroyNotify request_free;

  MhReplyFunc reply;
  gpointer reply_data;
};

/* A new call of @method (NULL: not in the table) for the dispatcher;
 * @parameters is sunk. */
MhCall *mh_call_new (MhDispatcher *dispatcher, const MhMethod *method, GVariant *parameters,
                     const MhCaller *caller, gboolean interactive, MhReplyFunc reply,
                     gpointer reply_data);

/* prepare (and inspect) are done: asks polkit if the action needs it,
 * then runs the method. */
void mh_call_authorize (MhCall *call);

/* Finish a call from a run step; both free @call. */
void mh_call_return (MhCall *call, GVariant *result);
void mh_call_return_error (MhCall *call, GError *error);

/* Ends an inspect step: @error (taken) refuses the call, NULL goes on to
 * polkit. */
void mh_call_inspected (MhCall *call, GError *error);

/* A polkit detail for the call, e.g. ("interface", "vm-web"). */
void mh_call_add_detail (MhCall *call, const char *key, const char *value);

G_END_DECLS
