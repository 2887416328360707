#define POLKIT_AGENT_I_KNOW_API_IS_SUBJECT_TO_CHANGE
#include "mu-polkit-agent.h"

#include <polkit/polkit.h>
#include <polkitagent/polkitagent.h>
#include <unistd.h>

#include "mu-output.h"

struct _MuPolkitAgent {
  gpointer handle;
};

static gboolean
in_login_session (void)
{
  g_autoptr (PolkitSubject) session =
    polkit_unix_session_new_for_process_sync (getpid (), NULL, NULL);
  return session != NULL;
}

MuPolkitAgent *
mu_polkit_agent_start (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PolkitSubject) subject = NULL;
  g_autoptr (PolkitAgentListener) listener = NULL;
  GVariantBuilder options;
  gpointer handle;
  MuPolkitAgent *agent;

  if (!isatty (STDIN_FILENO))
    return NULL;

  listener = polkit_agent_text_listener_new (NULL, &error);
  if (listener == NULL)
    {
      mu_progress ("note: no password prompt in this terminal (%s)", error->message);
      return NULL;
    }
  subject = polkit_unix_process_new_for_owner (getpid (), 0, getuid ());
  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  /* In a login session, only as a fallback, so the desktop's agent asks if
   * there is one.  Without a session (no logind, some ssh setups) polkitd
   * never consults fallback agents, and no session agent could answer
   * anyway: register plainly then. */
  if (in_login_session ())
    g_variant_builder_add (&options, "{sv}", "fallback", g_variant_new_boolean (TRUE));
  handle = polkit_agent_listener_register_with_options (
    listener, POLKIT_AGENT_REGISTER_FLAGS_RUN_IN_THREAD, subject, NULL,
    g_variant_builder_end (&options), NULL, &error);
  if (handle == NULL)
    {
      mu_progress ("note: cannot offer a password prompt in this terminal (%s)", error->message);
      return NULL;
    }
  agent = g_new0 (MuPolkitAgent, 1);
  agent->handle = handle;
  return agent;
}

void
mu_polkit_agent_stop (MuPolkitAgent *agent)
{
  if (agent == NULL)
    return;
  polkit_agent_listener_unregister (agent->handle);
  g_free (agent);
}
