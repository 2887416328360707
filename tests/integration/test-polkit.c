/* What polkit really asks users, and the interactive path end to end.
 *
 * A polkit authentication agent registered by the test (as root, for the
 * process of a test user's agent) records what polkitd asks it: the
 * message with its $(detail) substitutions, the icon, the details and the
 * identities; then it answers as a real agent would after a correct
 * password (root may send AuthenticationAgentResponse2, which is what
 * polkit-agent-helper-1 does after PAM), or dismisses the prompt.
 * The terminal cases drive microvm-user's own terminal agent, and the
 * README's busctl recipe run as written, through a pty, with dave's
 * password checked by PAM for real. */
#define POLKIT_AGENT_I_KNOW_API_IS_SUBJECT_TO_CHANGE
#include <polkit/polkit.h>
#include <polkitagent/polkitagent.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mh-test-pci.h"
#include "mh-test-runner.h"
#include "mh-test.h"

/* ------------------------------------------------------------------ */
/* A recording agent */

typedef struct {
  char *action_id;
  char *message;
  char *icon_name;
  char *details;    /* "key=value;" sorted */
  char *identities; /* "unix-user:dave;" */
} Request;

typedef struct {
  PolkitAgentListener parent;
  GMutex lock;
  GPtrArray *requests;
  gboolean approve;
} RecordingAgent;

typedef struct {
  PolkitAgentListenerClass parent_class;
} RecordingAgentClass;

static GType recording_agent_get_type (void);
G_DEFINE_TYPE (RecordingAgent, recording_agent, POLKIT_AGENT_TYPE_LISTENER)

static void
request_free (gpointer data)
{
  Request *request = data;

  g_free (request->action_id);
  g_free (request->message);
  g_free (request->icon_name);
  g_free (request->details);
  g_free (request->identities);
  g_free (request);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static void
recording_agent_initiate (PolkitAgentListener *listener, const gchar *action_id,
                          const gchar *message, const gchar *icon_name, PolkitDetails *details,
                          const gchar *cookie, GList *identities, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  RecordingAgent *agent = (RecordingAgent *) listener;
  g_autoptr (GTask) task = g_task_new (listener, cancellable, callback, user_data);
  g_auto (GStrv) keys = polkit_details_get_keys (details);
  g_autoptr (GString) detail_text = g_string_new (NULL);
  g_autoptr (GString) identity_text = g_string_new (NULL);
  Request *request = g_new0 (Request, 1);

  if (keys != NULL)
    qsort (keys, g_strv_length (keys), sizeof (char *),
           (int (*) (const void *, const void *)) compare_strings);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    g_string_append_printf (detail_text, "%s=%s;", keys[i],
                            polkit_details_lookup (details, keys[i]));
  for (GList *l = identities; l != NULL; l = l->next)
    {
      g_autofree char *text = polkit_identity_to_string (l->data);
      g_string_append_printf (identity_text, "%s;", text);
    }
  request->action_id = g_strdup (action_id);
  request->message = g_strdup (message);
  request->icon_name = g_strdup (icon_name);
  request->details = g_strdup (detail_text->str);
  request->identities = g_strdup (identity_text->str);

  g_mutex_lock (&agent->lock);
  g_ptr_array_add (agent->requests, request);
  g_mutex_unlock (&agent->lock);

  if (agent->approve && identities != NULL)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (PolkitAuthority) authority = polkit_authority_get_sync (NULL, &error);

      g_assert_no_error (error);
      polkit_authority_authentication_agent_response_sync (authority, cookie, identities->data,
                                                           NULL, &error);
      g_assert_no_error (error);
      g_task_return_boolean (task, TRUE);
    }
  else
    g_task_return_new_error (task, POLKIT_ERROR, POLKIT_ERROR_CANCELLED, "dismissed by the test");
}

static gboolean
recording_agent_initiate_finish (PolkitAgentListener *listener, GAsyncResult *result,
                                 GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
recording_agent_finalize (GObject *object)
{
  RecordingAgent *agent = (RecordingAgent *) object;

  g_ptr_array_unref (agent->requests);
  g_mutex_clear (&agent->lock);
  G_OBJECT_CLASS (recording_agent_parent_class)->finalize (object);
}

static void
recording_agent_init (RecordingAgent *agent)
{
  g_mutex_init (&agent->lock);
  agent->requests = g_ptr_array_new_with_free_func (request_free);
}

static void
recording_agent_class_init (RecordingAgentClass *klass)
{
  PolkitAgentListenerClass *listener_class = POLKIT_AGENT_LISTENER_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = recording_agent_finalize;
  listener_class->initiate_authentication = recording_agent_initiate;
  listener_class->initiate_authentication_finish = recording_agent_initiate_finish;
}

typedef struct {
  RecordingAgent *agent;
  gpointer handle;
} Registration;

/* Registers a recording agent for the process of @client (as root). */
static Registration
register_agent_for (MhTestAgent *client, guint32 uid, gboolean approve)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PolkitSubject) subject =
    polkit_unix_process_new_for_owner (mh_test_agent_get_pid (client), 0, (gint) uid);
  Registration registration;

  registration.agent = g_object_new (recording_agent_get_type (), NULL);
  registration.agent->approve = approve;
  registration.handle = polkit_agent_listener_register (
    POLKIT_AGENT_LISTENER (registration.agent), POLKIT_AGENT_REGISTER_FLAGS_RUN_IN_THREAD, subject,
    "/org/microvm/TestAgent", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (registration.handle);
  return registration;
}

static void
unregister (Registration *registration)
{
  polkit_agent_listener_unregister (registration->handle);
  g_object_unref (registration->agent);
}

static Request *
only_request (Registration *registration)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&registration->agent->lock);

  g_assert_cmpuint (registration->agent->requests->len, ==, 1);
  return registration->agent->requests->pdata[0];
}

/* ------------------------------------------------------------------ */

static void
test_prompt_for_one_tap (void)
{
  g_autoptr (MhTestAgent) carol = mh_test_agent_new ("carol");
  Registration registration = register_agent_for (carol, MH_TEST_UID_CAROL, TRUE);
  g_autoptr (GVariant) created = NULL;
  Request *request;

  /* No rule covers carol: the default asks for an administrator. */
  created = mh_test_assert_call_ok (carol, "CreateTap", "('vm-c', {})");
  request = only_request (&registration);
  g_test_message ("polkit asked: %s [%s] %s %s", request->message, request->icon_name,
                  request->details, request->identities);
  g_assert_cmpstr (request->action_id, ==, "org.microvm.helper.manage-taps");
  g_assert_cmpstr (request->message, ==,
                   "Authentication is required to create the network interface vm-c for a "
                   "virtual machine");
  g_assert_cmpstr (request->icon_name, ==, "network-wired");
  /* polkitd passes its own details to agents, not the mechanism's; that
   * the helper's reach the rules is tested with the example rules. */
  g_assert_nonnull (strstr (request->details, "polkit.subject-pid="));
  g_assert_cmpstr (request->identities, ==, "unix-user:dave;");
  g_assert_cmpint (mh_test_iface_attr_int ("vm-c", "owner"), ==, MH_TEST_UID_CAROL);
  unregister (&registration);
}

static void
test_prompt_for_a_batch (void)
{
  g_autoptr (MhTestAgent) carol = mh_test_agent_new ("carol");
  Registration registration = register_agent_for (carol, MH_TEST_UID_CAROL, TRUE);
  g_autoptr (GVariant) created = NULL;
  Request *request;

  created = mh_test_assert_call_ok (carol, "CreateTaps",
                                    "([('vm-c0', {}), ('vm-c1', {}), ('vm-c2', {})],)");
  /* One prompt for the whole VM. */
  request = only_request (&registration);
  g_test_message ("polkit asked: %s", request->message);
  g_assert_cmpstr (request->message, ==,
                   "Authentication is required to create the network interfaces vm-c0 vm-c1 "
                   "vm-c2 for a virtual machine");
  g_assert_true (mh_test_iface_exists ("vm-c2"));
  unregister (&registration);
}

/* A VM with a tap on a bridge and a plain one: one prompt, for the
 * network action, that names both taps and says which goes on the
 * bridge. */
static void
test_prompt_for_a_bridged_batch (void)
{
  g_autoptr (MhTestAgent) carol = NULL;
  Registration registration;
  g_autoptr (GVariant) created = NULL;
  Request *request;

  MH_TEST_RUN ("ip", "link", "add", "br-ok", "type", "bridge");
  mh_test_helper_set_config ("[Network]\nAllowedBridges=br-ok\n");
  carol = mh_test_agent_new ("carol");
  registration = register_agent_for (carol, MH_TEST_UID_CAROL, TRUE);

  created = mh_test_assert_call_ok (carol, "CreateTaps",
                                    "([('vm-c0', {'bridge': <'br-ok'>}), ('vm-c1', @a{sv} {})],)");
  request = only_request (&registration);
  g_test_message ("polkit asked (%s): %s [%s]", request->action_id, request->message,
                  request->details);
  g_assert_cmpstr (request->action_id, ==, "org.microvm.helper.attach-network");
  g_assert_cmpstr (request->message, ==,
                   "Authentication is required to create the network interfaces vm-c0 vm-c1 "
                   "for a virtual machine and connect vm-c0 to the bridge br-ok");
  /* polkitd gives agents its own details, not ours: the substituted
   * message shows that ours arrived (the rules of test-networks.c match
   * on them). */
  g_assert_true (mh_test_iface_exists ("vm-c1"));
  unregister (&registration);
}

/* A VM with a macvtap and a plain tap: one prompt naming the parent. */
static void
test_prompt_for_a_macvtap_batch (void)
{
  g_autoptr (MhTestAgent) carol = NULL;
  Registration registration;
  g_autoptr (GVariant) created = NULL;
  Request *request;

  /* A veth end as the parent, nothing else: no /dev/tapN is asked for
   * here, as the batch is refused before the kernel (the prompt is
   * dismissed), so this may run beside other tests. */
  MH_TEST_RUN ("ip", "link", "add", "lan0", "type", "veth", "peer", "name", "lan0-peer");
  mh_test_helper_set_config ("[Network]\nAllowedMacvtapLinks=lan0\n");
  carol = mh_test_agent_new ("carol");
  registration = register_agent_for (carol, MH_TEST_UID_CAROL, FALSE);

  g_free (mh_test_assert_call_error (
    carol, "CreateTaps",
    "([('vm-c0', {'type': <'macvtap'>, 'link': <'lan0'>}), ('vm-c1', @a{sv} {})],)",
    "NotAuthorized", "was dismissed"));
  request = only_request (&registration);
  g_test_message ("polkit asked (%s): %s", request->action_id, request->message);
  g_assert_cmpstr (request->action_id, ==, "org.microvm.helper.attach-network");
  g_assert_cmpstr (request->message, ==,
                   "Authentication is required to create the network interfaces vm-c0 vm-c1 "
                   "for a virtual machine and connect vm-c0 to the network of lan0");
  g_assert_false (mh_test_iface_exists ("vm-c0"));
  g_assert_false (mh_test_iface_exists ("vm-c1"));
  unregister (&registration);
}

static void
test_prompt_dismissed (void)
{
  g_autoptr (MhTestAgent) carol = mh_test_agent_new ("carol");
  Registration registration = register_agent_for (carol, MH_TEST_UID_CAROL, FALSE);
  g_autofree char *message = NULL;

  message = mh_test_assert_call_error (carol, "CreateTap", "('vm-d', {})", "NotAuthorized",
                                       "was dismissed");
  g_assert_cmpuint (registration.agent->requests->len, ==, 1);
  g_assert_false (mh_test_iface_exists ("vm-d"));
  unregister (&registration);
}

static void
test_no_prompt_without_the_flag (void)
{
  g_autoptr (MhTestAgent) carol = mh_test_agent_new ("carol");
  Registration registration = register_agent_for (carol, MH_TEST_UID_CAROL, TRUE);
  g_autofree char *answer = NULL;

  answer = mh_test_agent_command (carol, "call -n CreateTap ('vm-n', @a{sv} {})");
  g_assert_true (g_str_has_prefix (answer, "error org.microvm.Helper1.Error.NotAuthorized "));
  g_assert_nonnull (strstr (answer, "did not allow interactive authorization"));
  /* The agent was never asked. */
  g_assert_cmpuint (registration.agent->requests->len, ==, 0);
  g_assert_false (mh_test_iface_exists ("vm-n"));
  unregister (&registration);
}

static void
test_prompt_for_another_users_tap (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (MhTestAgent) bob = mh_test_agent_new ("bob");
  Registration registration = register_agent_for (bob, MH_TEST_UID_BOB, TRUE);
  Request *request;

  g_variant_unref (mh_test_assert_call_ok (alice, "CreateTap", "('vm-alice', {})"));
  /* bob may manage his taps, but deleting alice's needs an administrator. */
  g_variant_unref (mh_test_assert_call_ok (bob, "DeleteTap", "('vm-alice',)"));
  request = only_request (&registration);
  g_test_message ("polkit asked: %s", request->message);
  g_assert_cmpstr (request->action_id, ==, "org.microvm.helper.manage-all");
  g_assert_cmpstr (request->message, ==,
                   "Authentication is required to delete the network interface vm-alice of "
                   "another user's virtual machine");
  g_assert_false (mh_test_iface_exists ("vm-alice"));
  unregister (&registration);
}

static void
test_prompt_for_a_pci_device (void)
{
  g_autoptr (MhTestAgent) carol = mh_test_agent_new ("carol");
  g_autofree char *spec = mh_test_pci_standard_spec (TRUE);
  Registration registration;
  g_autofree char *path = NULL;
  Request *request;

  /* The fake sysfs world (no real device is touched); the device name
   * comes from the machine's pci.ids through libpci. */
  mh_test_pci_start (spec, NULL);
  registration = register_agent_for (carol, MH_TEST_UID_CAROL, TRUE);
  path = mh_test_pci_bind_ok (carol, "0000:09:00.0", "{}");
  request = only_request (&registration);
  g_test_message ("polkit asked: %s [%s] %s", request->message, request->icon_name,
                  request->identities);
  g_assert_cmpstr (request->action_id, ==, "org.microvm.helper.bind-pci");
  g_assert_cmpstr (request->icon_name, ==, "computer");
  g_assert_cmpstr (request->message, ==,
                   "Authentication is required to give the PCI device Intel Corporation I210 "
                   "Gigabit Network Connection (0000:09:00.0) to a virtual machine");
  g_assert_cmpstr (request->identities, ==, "unix-user:dave;");
  g_assert_cmpstr (path, ==, MH_TEST_PCI_ROOT "/dev/vfio/9");
  mh_test_pci_assert_driver ("0000:09:00.0", "vfio-pci");
  mh_test_pci_assert_node_owner (9, MH_TEST_UID_CAROL);
  unregister (&registration);
}

static void
write_runner_file (const char *runner, const char *name, const char *contents, int mode)
{
  g_autofree char *path = g_build_filename (runner, name, NULL);
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
  g_assert_cmpint (chmod (path, mode), ==, 0);
}

static void
test_frontend_asks_in_the_terminal (void)
{
  g_autofree char *home = mh_test_home ("carol");
  g_autofree char *runner = g_build_filename (home, "microvm-qemu-tty", NULL);
  g_autofree char *report = g_build_filename (home, "report", NULL);
  g_autofree char *binary =
    g_build_filename (g_getenv ("MH_BUILD_ROOT"), "frontend", "microvm-user", NULL);
  g_autofree char *run = g_strdup_printf (
    "#!/bin/sh\nexec %s/tests/mh-fake-hypervisor --report %s --tap vm-t0 --tap vm-t1\n",
    g_getenv ("MH_BUILD_ROOT"), report);
  g_autoptr (GString) seen = g_string_new (NULL);
  int master;
  GPid pid;

  write_runner_file (runner, "bin/microvm-run", run, 0755);
  write_runner_file (runner, "share/microvm/tap-interfaces", "vm-t0\nvm-t1\n", 0644);
  write_runner_file (runner, "share/microvm/tap-flags", "vnet_hdr\n", 0644);

  /* In a terminal, with no desktop agent: microvm-user asks itself. */
  pid = mh_test_spawn_in_terminal ("carol", (const char *const[]){ binary, "run", runner, NULL },
                                   &master);
  if (!mh_test_terminal_wait (master, seen, "Password: ", 20000))
    g_error ("no password prompt; the terminal showed:\n%s", seen->str);
  g_test_message ("the terminal showed:\n%s", seen->str);
  g_assert_nonnull (strstr (seen->str, "Authentication is required to create the network "
                                       "interfaces vm-t0 vm-t1 for a virtual machine"));
  g_assert_nonnull (strstr (seen->str, "dave"));
  g_assert_false (mh_test_iface_exists ("vm-t0"));
  mh_test_terminal_type_secret (master, "dave-test-password\n");

  /* PAM accepted it: the taps are made and the VM runs. */
  g_assert_true (mh_test_wait_file_contains (report, "ready\n", 20000));
  g_assert_true (mh_test_file_contains (report, "tap vm-t0 ok\n"));
  g_assert_cmpint (mh_test_iface_attr_int ("vm-t1", "owner"), ==, MH_TEST_UID_CAROL);

  kill (pid, SIGTERM);
  mh_test_terminal_wait (master, seen, "deleting the taps", 10000);
  /* No bin/microvm-shutdown: SIGTERM stops the fake hypervisor. */
  g_assert_cmpint (mh_test_wait_pid (pid, 20000), ==, 143);
  g_assert_true (mh_test_wait_iface ("vm-t0", FALSE, 5000));
  close (master);
}

static void
test_wrong_password_in_the_terminal (void)
{
  g_autofree char *home = mh_test_home ("carol");
  g_autofree char *runner = g_build_filename (home, "microvm-qemu-wrong", NULL);
  g_autofree char *binary =
    g_build_filename (g_getenv ("MH_BUILD_ROOT"), "frontend", "microvm-user", NULL);
  g_autoptr (GString) seen = g_string_new (NULL);
  int master;
  GPid pid;

  write_runner_file (runner, "bin/microvm-run", "#!/bin/sh\nexit 0\n", 0755);
  write_runner_file (runner, "share/microvm/tap-interfaces", "vm-w0\n", 0644);
  pid = mh_test_spawn_in_terminal ("carol", (const char *const[]){ binary, "run", runner, NULL },
                                   &master);
  g_assert_true (mh_test_terminal_wait (master, seen, "Password: ", 20000));
  mh_test_terminal_type_secret (master, "not-the-password\n");
  mh_test_terminal_wait (master, seen, "not authorized", 20000);
  g_test_message ("the terminal showed:\n%s", seen->str);
  g_assert_cmpint (mh_test_wait_pid (pid, 20000), ==, 1);
  g_assert_nonnull (strstr (seen->str, "microvm-user: cannot create the taps: not authorized: "
                                       "authentication for org.microvm.helper.manage-taps did "
                                       "not succeed (a wrong password, or the prompt was "
                                       "closed)"));
  g_assert_false (mh_test_iface_exists ("vm-w0"));
  close (master);
}

/* The first ```sh block after @marker in the README, exactly as a reader
 * would copy it. */
static char *
readme_block (const char *marker)
{
  g_autofree char *path = g_build_filename (g_getenv ("MH_SOURCE_ROOT"), "README.md", NULL);
  g_autofree char *readme = NULL;
  const char *start, *end;

  g_assert_true (g_file_get_contents (path, &readme, NULL, NULL));
  start = strstr (readme, marker);
  g_assert_nonnull (start);
  start = strstr (start, "```sh\n");
  g_assert_nonnull (start);
  start += strlen ("```sh\n");
  end = strstr (start, "```\n");
  g_assert_nonnull (end);
  return g_strndup (start, (gsize) (end - start));
}

/* Runs @script with bash as carol in a terminal; returns the pid. */
static GPid
run_script_in_terminal (const char *name, const char *script, int *master)
{
  g_autofree char *home = mh_test_home ("carol");
  g_autofree char *path = g_build_filename (home, name, NULL);

  g_assert_true (g_file_set_contents (path, script, -1, NULL));
  g_assert_cmpint (chmod (path, 0644), ==, 0);
  return mh_test_spawn_in_terminal ("carol", (const char *const[]){ "bash", path, NULL }, master);
}

static void
test_readme_busctl_recipe (void)
{
  g_autofree char *recipe = readme_block ("(/polkit/readme-busctl-recipe)");
  g_autoptr (GString) seen = g_string_new (NULL);
  int master;
  GPid pid;

  g_test_message ("the README's recipe:\n%s", recipe);
  g_assert_nonnull (strstr (recipe, "busctl call"));
  /* carol has no rule: polkit wants dave's password, typed in the terminal. */
  pid = run_script_in_terminal ("readme-recipe.sh", recipe, &master);
  if (!mh_test_terminal_wait (master, seen, "Password: ", 20000))
    g_error ("no password prompt; the terminal showed:\n%s", seen->str);
  g_assert_nonnull (strstr (seen->str, "Authentication is required to create the network "
                                       "interface vm-web for a virtual machine"));
  g_assert_false (mh_test_iface_exists ("vm-web"));
  mh_test_terminal_type_secret (master, "dave-test-password\n");
  if (!mh_test_terminal_wait (master, seen, "si \"vm-web\" ", 20000))
    g_error ("busctl did not print its reply; the terminal showed:\n%s", seen->str);
  g_test_message ("the terminal showed:\n%s", seen->str);
  g_assert_cmpint (mh_test_wait_pid (pid, 20000), ==, 0);
  g_assert_cmpint (mh_test_iface_attr_int ("vm-web", "owner"), ==, MH_TEST_UID_CAROL);
  /* The agent ended with busctl. */
  g_assert_true (mh_test_wait_no_process ("pkttyagent", 5000));
  close (master);
}

/* The recipe the README used to give: an agent registered for the shell
 * (and waited for) is not asked about busctl's call, and the helper says
 * what to do instead. */
static void
test_agent_beside_busctl_is_not_asked (void)
{
  g_autoptr (GString) seen = g_string_new (NULL);
  int master;
  GPid pid;

  pid = run_script_in_terminal (
    "beside.sh",
    "read -r < <(setpriv --pdeathsig TERM pkttyagent --process $$ --notify-fd 1)\n"
    "busctl call org.microvm.Helper1 /org/microvm/Helper1 org.microvm.Helper1 CreateTap "
    "'sa{sv}' vm-beside 0\n",
    &master);
  g_assert_true (mh_test_terminal_wait (master, seen, "microvm-helperd(8)", 20000));
  g_test_message ("the terminal showed:\n%s", seen->str);
  g_assert_nonnull (strstr (seen->str, "no polkit agent answered for the calling process"));
  g_assert_null (strstr (seen->str, "Password: "));
  g_assert_cmpint (mh_test_wait_pid (pid, 20000), ==, 1);
  g_assert_false (mh_test_iface_exists ("vm-beside"));
  g_assert_true (mh_test_wait_no_process ("pkttyagent", 5000));
  close (master);
}

/* microvm-user gives advice about itself, not busctl's, when polkit wants a
 * password nobody can type: with --no-ask-password, and without a
 * terminal (no agent of its own, no desktop agent). */
static void
test_frontend_advice_without_a_prompt (void)
{
  g_autofree char *home = mh_test_home ("carol");
  g_autofree char *runner = g_build_filename (home, "microvm-qemu-advice", NULL);
  g_autofree char *binary = mh_test_microvm_user ();
  g_autofree char *no_ask = NULL;
  g_autofree char *no_terminal = NULL;

  write_runner_file (runner, "bin/microvm-run", "#!/bin/sh\nexit 0\n", 0755);
  write_runner_file (runner, "share/microvm/tap-interfaces", "vm-adv0\n", 0644);

  g_assert_cmpint (
    mh_test_run_as ("carol", &no_ask,
                    (const char *const[]){ binary, "run", "--no-ask-password", runner, NULL }),
    ==, 1);
  g_test_message ("with --no-ask-password: %s", no_ask);
  g_assert_nonnull (strstr (no_ask, "microvm-user: cannot create the taps: not authorized: polkit "
                                    "wants a password for that, and --no-ask-password forbids "
                                    "asking"));
  g_assert_nonnull (strstr (no_ask, "`microvm-user run` in a terminal"));

  g_assert_cmpint (
    mh_test_run_as ("carol", &no_terminal, (const char *const[]){ binary, "run", runner, NULL }),
    ==, 1);
  g_test_message ("without a terminal: %s", no_terminal);
  g_assert_nonnull (strstr (no_terminal, "microvm-user: cannot create the taps: not authorized: "
                                         "polkit wants a password for that and nothing could ask "
                                         "for it"));

  /* Neither speaks of busctl's options or of pkttyagent. */
  g_assert_null (strstr (no_ask, "busctl"));
  g_assert_null (strstr (no_ask, "allow-interactive"));
  g_assert_null (strstr (no_terminal, "busctl"));
  g_assert_null (strstr (no_terminal, "pkttyagent"));
  g_assert_false (mh_test_iface_exists ("vm-adv0"));
}

int
main (int argc, char **argv)
{
  mh_test_init (&argc, &argv);

  g_test_add_func ("/polkit/prompt-for-one-tap", test_prompt_for_one_tap);
  g_test_add_func ("/polkit/prompt-for-a-batch", test_prompt_for_a_batch);
  g_test_add_func ("/polkit/prompt-for-a-bridged-batch", test_prompt_for_a_bridged_batch);
  g_test_add_func ("/polkit/prompt-for-a-macvtap-batch", test_prompt_for_a_macvtap_batch);
  g_test_add_func ("/polkit/prompt-dismissed", test_prompt_dismissed);
  g_test_add_func ("/polkit/no-prompt-without-the-flag", test_no_prompt_without_the_flag);
  g_test_add_func ("/polkit/prompt-for-another-users-tap", test_prompt_for_another_users_tap);
  g_test_add_func ("/polkit/prompt-for-a-pci-device", test_prompt_for_a_pci_device);
  g_test_add_func ("/polkit/frontend-asks-in-the-terminal", test_frontend_asks_in_the_terminal);
  g_test_add_func ("/polkit/wrong-password-in-the-terminal", test_wrong_password_in_the_terminal);
  g_test_add_func ("/polkit/readme-busctl-recipe", test_readme_busctl_recipe);
  g_test_add_func ("/polkit/agent-beside-busctl-is-not-asked",
                   test_agent_beside_busctl_is_not_asked);
  g_test_add_func ("/polkit/frontend-advice-without-a-prompt",
                   test_frontend_advice_without_a_prompt);

  return g_test_run ();
}
