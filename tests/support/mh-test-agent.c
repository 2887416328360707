/* mh-test-agent: a stand-in for a user's program, run as a test user.
 *
 * It keeps one connection to the system bus for its whole life (so leases
 * end exactly when the test kills it) and answers commands on stdin, one
 * per line, with one line on stdout:
 *
 *   call [-n] METHOD ARGS     call org.microvm.Helper1.METHOD; ARGS is the
 *                             GVariant text of the in-arguments tuple; -n
 *                             leaves out ALLOW_INTERACTIVE_AUTHORIZATION
 *                             -> "ok <result>" | "error <D-Bus name> <message>"
 *   get PROPERTY              -> "ok <value>" | "error ..."
 *   open-tap NAME single|multi
 *                             attach to a tap as the hypervisor would
 *                             (TUNSETIFF), then detach
 *                             -> "ok" | "errno <n> <text>"
 *   unique-name               -> "ok <this connection's unique name>"
 *   whoami                    -> "ok <uid>"
 */
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "mh-error.h"
#include "mh-helper1-generated.h"

static GDBusConnection *bus;

static void reply (const char *format, ...) G_GNUC_PRINTF (1, 2);

static void
reply (const char *format, ...)
{
  g_autofree char *line = NULL;
  va_list args;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  /* One line per answer: escape newlines in messages. */
  for (char *p = line; *p != '\0'; p++)
    if (*p == '\n')
      *p = ' ';
  printf ("%s\n", line);
  fflush (stdout);
}

static void
reply_error (GError *error)
{
  g_autofree char *name = g_dbus_error_get_remote_error (error);

  g_dbus_error_strip_remote_error (error);
  reply ("error %s %s", name != NULL ? name : "(local)", error->message);
}

static void
do_call (char *rest)
{
  gboolean interactive = TRUE;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) args = NULL;
  g_autoptr (GVariant) result = NULL;
  g_autoptr (GVariantType) in_type = NULL;
  g_autoptr (GPtrArray) arg_types = g_ptr_array_new ();
  GDBusMethodInfo *method;
  char *space;
  const char *text;

  if (g_str_has_prefix (rest, "-n "))
    {
      interactive = FALSE;
      rest += 3;
    }
  space = strchr (rest, ' ');
  text = space != NULL ? space + 1 : "()";
  if (space != NULL)
    *space = '\0';

  method = g_dbus_interface_info_lookup_method (mh_helper1_interface_info (), rest);
  if (method == NULL)
    {
      /* Still send it: the bus and helper must cope with unknown methods. */
      args = g_variant_parse (NULL, text, NULL, NULL, &error);
    }
  else
    {
      for (guint i = 0; method->in_args != NULL && method->in_args[i] != NULL; i++)
        g_ptr_array_add (arg_types, (gpointer) G_VARIANT_TYPE (method->in_args[i]->signature));
      in_type = g_variant_type_new_tuple ((const GVariantType *const *) arg_types->pdata,
                                          (gint) arg_types->len);
      args = g_variant_parse (in_type, text, NULL, NULL, &error);
    }
  if (args == NULL)
    {
      reply ("error (parse) %s", error->message);
      return;
    }

  result = g_dbus_connection_call_sync (
    bus, "org.microvm.Helper1", "/org/microvm/Helper1", "org.microvm.Helper1", rest,
    g_steal_pointer (&args), NULL,
    interactive ? G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION : G_DBUS_CALL_FLAGS_NONE, 60000,
    NULL, &error);
  if (result == NULL)
    {
      reply_error (error);
      return;
    }
  {
    g_autofree char *printed = g_variant_print (result, TRUE);
    reply ("ok %s", printed);
  }
}

static void
do_get (const char *property)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) result = NULL;
  g_autoptr (GVariant) value = NULL;
  g_autofree char *printed = NULL;

  result = g_dbus_connection_call_sync (
    bus, "org.microvm.Helper1", "/org/microvm/Helper1", "org.freedesktop.DBus.Properties", "Get",
    g_variant_new ("(ss)", "org.microvm.Helper1", property), G_VARIANT_TYPE ("(v)"),
    G_DBUS_CALL_FLAGS_NONE, 60000, NULL, &error);
  if (result == NULL)
    {
      reply_error (error);
      return;
    }
  g_variant_get (result, "(v)", &value);
  printed = g_variant_print (value, FALSE);
  reply ("ok %s", printed);
}

static void
do_open_tap (char *rest)
{
  struct ifreq ifr;
  char *mode = strchr (rest, ' ');
  int fd;

  if (mode == NULL)
    {
      reply ("error (usage) open-tap NAME single|multi");
      return;
    }
  *mode++ = '\0';

  fd = open ("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (fd < 0)
    {
      reply ("errno %d open /dev/net/tun: %s", errno, g_strerror (errno));
      return;
    }
  memset (&ifr, 0, sizeof ifr);
  g_strlcpy (ifr.ifr_name, rest, sizeof ifr.ifr_name);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
  if (strcmp (mode, "multi") == 0)
    ifr.ifr_flags |= IFF_MULTI_QUEUE;
  if (ioctl (fd, TUNSETIFF, &ifr) < 0)
    {
      int errsv = errno;
      close (fd);
      reply ("errno %d TUNSETIFF %s: %s", errsv, rest, g_strerror (errsv));
      return;
    }
  close (fd);
  reply ("ok");
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  char line[1 << 17];

  /* Register the helper's error names so replies carry them. */
  (void) mh_error_quark ();

  bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
  if (bus == NULL)
    {
      reply ("error (connect) %s", error->message);
      return 1;
    }
  reply ("ready %u", (guint) getuid ());

  while (fgets (line, sizeof line, stdin) != NULL)
    {
      g_strchomp (line);
      if (g_str_has_prefix (line, "call "))
        do_call (line + 5);
      else if (g_str_has_prefix (line, "get "))
        do_get (line + 4);
      else if (g_str_has_prefix (line, "open-tap "))
        do_open_tap (line + 9);
      else if (strcmp (line, "unique-name") == 0)
        reply ("ok %s", g_dbus_connection_get_unique_name (bus));
      else if (strcmp (line, "whoami") == 0)
        reply ("ok %u", (guint) getuid ());
      else
        reply ("error (usage) unknown command");
    }
  return 0;
}
