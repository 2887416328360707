/* mh-test-agent: a stand-in for a user's program, run as a test user.
 *
 * It keeps one connection to the system bus for its whole life (so leases
 * end exactly when the test kills it) and answers commands on stdin, one
 * per line, with one line on stdout:
 *
 *   call [-n] [-r] METHOD ARGS
 *                             call org.microvm.Helper1.METHOD; ARGS is the
 *                             GVariant text of the in-arguments tuple; -n
 *                             leaves out ALLOW_INTERACTIVE_AUTHORIZATION;
 *                             -r sends ARGS as written, even when they do
 *                             not match the method's signature
 *                             -> "ok <result>" | "error <D-Bus name> <message>"
 *   call-at PATH INTERFACE METHOD ARGS
 *                             the same, for any object and interface of
 *                             the helper's name (ARGS as written)
 *   get PROPERTY              -> "ok <value>" | "error ..."
 *   open-tap NAME single|multi
 *                             attach to a tap as the hypervisor would
 *                             (TUNSETIFF), then detach
 *                             -> "ok" | "errno <n> <text>"
 *   open-macvtap PATH         open a macvtap's /dev/tapN and ask it what it
 *                             is (TUNGETIFF), as qemu does with -netdev
 *                             tap,fd=N, then close it
 *                             -> "ok <ifname>" | "errno <n> <text>"
 *   send-ra NAME N            attach to a tap as a hypervisor would and write
 *                             one IPv6 Router Advertisement frame from
 *                             fe80::1 into it: default router, on-link and
 *                             autonomous prefix 2001:db8:N::/64; the fd stays
 *                             open (carrier up) until close-vfio
 *                             -> "ok" | "errno <n> <text>"
 *   unpersist NAME            attach to a tap and make it non-persistent
 *                             (TUNSETPERSIST 0), as its owner may: it
 *                             disappears when the fd is closed
 *                             -> "ok" | "errno <n> <text>"
 *   flood N FDS               make N calls CreateTap ('vm-flood', {}), each
 *                             carrying FDS file descriptors (of /dev/null),
 *                             128 outstanding at a time (as many as the bus
 *                             lets one connection wait for)
 *                             -> "ok sent=N answered=M NAME=COUNT..." with
 *                             the answers by D-Bus error name ("ok" for
 *                             success, "lost" for no answer,
 *                             "LimitExceeded(uid)" for the helper's bound
 *                             per uid), sorted
 *   unique-name               -> "ok <this connection's unique name>"
 *   whoami                    -> "ok <uid>"
 *   pid                       -> "ok <pid>"
 *   open-vfio PATH            open a VFIO group device and keep it open, as
 *                             a hypervisor does -> "ok" | "errno <n> <text>"
 *   close-vfio                close what open-vfio and send-ra kept open -> "ok"
 *   memlock SOFT HARD         set this process's RLIMIT_MEMLOCK (it can
 *                             only lower it) -> "ok" | "errno <n> <text>"
 *
 * Started as `mh-test-agent --userns UID GID USER` (by root) it first
 * moves into a new user namespace owned by root with an identity uid/gid
 * map, then becomes UID:GID with USER's groups.  Nothing changes for the
 * bus or polkit (they see the same uid), but root, as the namespace's
 * owner, may now prlimit() it without CAP_SYS_RESOURCE, which the test
 * machines withhold; see tests/integration/test-pci.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <gio/gunixfdlist.h>
#include <grp.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mh-error.h"
#include "mh-helper1-generated.h"

static GDBusConnection *bus;
static GArray *held_fds;

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
call_and_reply (const char *path, const char *interface, const char *method, GVariant *args,
                gboolean interactive)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) result = NULL;

  result = g_dbus_connection_call_sync (
    bus, "org.microvm.Helper1", path, interface, method, args, NULL,
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
do_call_at (char *rest)
{
  g_auto (GStrv) words = g_strsplit (rest, " ", 4);
  g_autoptr (GError) error = NULL;
  GVariant *args;

  if (g_strv_length (words) != 4)
    {
      reply ("error (usage) call-at PATH INTERFACE METHOD ARGS");
      return;
    }
  args = g_variant_parse (NULL, words[3], NULL, NULL, &error);
  if (args == NULL)
    {
      reply ("error (parse) %s", error->message);
      return;
    }
  call_and_reply (words[0], words[1], words[2], args, TRUE);
}

static void
do_call (char *rest)
{
  gboolean interactive = TRUE;
  gboolean raw = FALSE;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) args = NULL;
  g_autoptr (GVariantType) in_type = NULL;
  g_autoptr (GPtrArray) arg_types = g_ptr_array_new ();
  GDBusMethodInfo *method;
  char *space;
  const char *text;

  for (;;)
    {
      if (g_str_has_prefix (rest, "-n "))
        interactive = FALSE;
      else if (g_str_has_prefix (rest, "-r "))
        raw = TRUE;
      else
        break;
      rest += 3;
    }
  space = strchr (rest, ' ');
  text = space != NULL ? space + 1 : "()";
  if (space != NULL)
    *space = '\0';

  method = g_dbus_interface_info_lookup_method (mh_helper1_interface_info (), rest);
  if (method == NULL || raw)
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

  call_and_reply ("/org/microvm/Helper1", "org.microvm.Helper1", rest, g_steal_pointer (&args),
                  interactive);
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

static void
do_open_macvtap (const char *path)
{
  struct ifreq ifr;
  int fd = open (path, O_RDWR | O_CLOEXEC);

  if (fd < 0)
    {
      int errsv = errno;
      reply ("errno %d open %s: %s", errsv, path, g_strerror (errsv));
      return;
    }
  memset (&ifr, 0, sizeof ifr);
  if (ioctl (fd, TUNGETIFF, &ifr) < 0)
    {
      int errsv = errno;
      close (fd);
      reply ("errno %d TUNGETIFF %s: %s", errsv, path, g_strerror (errsv));
      return;
    }
  close (fd);
  if ((ifr.ifr_flags & IFF_TAP) == 0)
    {
      reply ("errno %d %s is not a tap device", EINVAL, path);
      return;
    }
  reply ("ok %s", ifr.ifr_name);
}

static void
do_open_vfio (const char *path)
{
  int fd = open (path, O_RDWR | O_CLOEXEC);

  if (fd < 0)
    {
      int errsv = errno;
      reply ("errno %d open %s: %s", errsv, path, g_strerror (errsv));
      return;
    }
  g_array_append_val (held_fds, fd);
  reply ("ok");
}

static void
do_unpersist (const char *name)
{
  struct ifreq ifr;
  int fd = open ("/dev/net/tun", O_RDWR | O_CLOEXEC);

  if (fd < 0)
    {
      reply ("errno %d open /dev/net/tun: %s", errno, g_strerror (errno));
      return;
    }
  memset (&ifr, 0, sizeof ifr);
  g_strlcpy (ifr.ifr_name, name, sizeof ifr.ifr_name);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
  if (ioctl (fd, TUNSETIFF, &ifr) < 0 || ioctl (fd, TUNSETPERSIST, 0) < 0)
    {
      int errsv = errno;
      close (fd);
      reply ("errno %d TUNSETIFF/TUNSETPERSIST %s: %s", errsv, name, g_strerror (errsv));
      return;
    }
  close (fd);
  reply ("ok");
}

typedef struct {
  guint to_send;
  guint sent;
  guint answered;
  guint fds_each;
  GHashTable *by_answer; /* name -> count */
  GMainLoop *loop;
} Flood;

static void flood_send_one (Flood *flood);

static void
on_flood_answer (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Flood *flood = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) value = NULL;
  g_autofree char *name = NULL;

  value = g_dbus_connection_call_with_unix_fd_list_finish (bus, NULL, result, &error);
  if (value != NULL)
    name = g_strdup ("ok");
  else if (g_dbus_error_is_remote_error (error))
    {
      name = g_dbus_error_get_remote_error (error);
      /* Which of the helper's bounds: per connection or per uid. */
      if (g_str_has_suffix (name, ".LimitExceeded") && strstr (error->message, "uid ") != NULL)
        {
          g_free (name);
          name = g_strdup ("LimitExceeded(uid)");
        }
    }
  else
    name = g_strdup ("lost");
  g_hash_table_insert (
    flood->by_answer, g_strdup (name),
    GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (flood->by_answer, name)) + 1));
  flood->answered++;
  if (flood->sent < flood->to_send)
    flood_send_one (flood);
  else if (flood->answered == flood->to_send)
    g_main_loop_quit (flood->loop);
}

static void
flood_send_one (Flood *flood)
{
  g_autoptr (GUnixFDList) fds = NULL;

  if (flood->fds_each > 0)
    {
      fds = g_unix_fd_list_new ();
      for (guint i = 0; i < flood->fds_each; i++)
        {
          int fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);

          g_assert (fd >= 0);
          g_unix_fd_list_append (fds, fd, NULL);
          close (fd);
        }
    }
  flood->sent++;
  g_dbus_connection_call_with_unix_fd_list (
    bus, "org.microvm.Helper1", "/org/microvm/Helper1", "org.microvm.Helper1", "CreateTap",
    g_variant_new ("(s@a{sv})", "vm-flood", g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0)),
    NULL, G_DBUS_CALL_FLAGS_NONE, 60000, fds, NULL, on_flood_answer, flood);
}

static void
do_flood (const char *rest)
{
  Flood flood = { 0 };
  g_autoptr (GString) answer = g_string_new (NULL);
  g_autoptr (GList) names = NULL;

  if (sscanf (rest, "%u %u", &flood.to_send, &flood.fds_each) != 2 || flood.to_send == 0)
    {
      reply ("error (usage) flood N FDS");
      return;
    }
  flood.by_answer = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  flood.loop = g_main_loop_new (NULL, FALSE);
  while (flood.sent < MIN (flood.to_send, 128))
    flood_send_one (&flood);
  g_main_loop_run (flood.loop);

  g_string_append_printf (answer, "ok sent=%u answered=%u", flood.sent, flood.answered);
  names = g_list_sort (g_hash_table_get_keys (flood.by_answer), (GCompareFunc) strcmp);
  for (GList *l = names; l != NULL; l = l->next)
    g_string_append_printf (answer, " %s=%u", (const char *) l->data,
                            GPOINTER_TO_UINT (g_hash_table_lookup (flood.by_answer, l->data)));
  reply ("%s", answer->str);
  g_main_loop_unref (flood.loop);
  g_hash_table_unref (flood.by_answer);
}

/* The one's complement sum of RFC 1071, over @length bytes. */
static guint32
checksum_add (guint32 sum, const guint8 *data, gsize length)
{
  for (gsize i = 0; i + 1 < length; i += 2)
    sum += (guint32) (data[i] << 8 | data[i + 1]);
  if (length % 2 != 0)
    sum += (guint32) (data[length - 1] << 8);
  return sum;
}

/* Builds virtio_net_hdr (all zero: no offloads) + Ethernet + IPv6 +
 * ICMPv6 Router Advertisement, as a guest's rogue router would send it.
 * Returns the frame's length. */
static gsize
build_router_advertisement (guint8 *frame, guint prefix_n)
{
  static const guint8 router_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
  const gsize vnet = 10, eth = 14, ip6 = 40, icmp_len = 16 + 8 + 32;
  guint8 *e = frame + vnet, *ip = e + eth, *icmp = ip + ip6, *opt;
  guint32 sum = 0;

  memset (frame, 0, vnet + eth + ip6 + icmp_len);
  /* Ethernet: to the all-nodes multicast MAC, from the router. */
  memcpy (e, (const guint8[]){ 0x33, 0x33, 0, 0, 0, 1 }, 6);
  memcpy (e + 6, router_mac, 6);
  e[12] = 0x86, e[13] = 0xdd;
  /* IPv6: fe80::1 -> ff02::1, next header ICMPv6, hop limit 255. */
  ip[0] = 0x60;
  ip[4] = (guint8) (icmp_len >> 8), ip[5] = (guint8) icmp_len;
  ip[6] = 58, ip[7] = 255;
  ip[8] = 0xfe, ip[9] = 0x80, ip[23] = 1;
  ip[24] = 0xff, ip[25] = 0x02, ip[39] = 1;
  /* RA: hop limit 64, router lifetime 1800 s (a default route). */
  icmp[0] = 134, icmp[4] = 64, icmp[6] = 0x07, icmp[7] = 0x08;
  /* Source link-layer address option. */
  opt = icmp + 16;
  opt[0] = 1, opt[1] = 1;
  memcpy (opt + 2, router_mac, 6);
  /* Prefix information: 2001:db8:N::/64, on-link and autonomous, valid
   * 86400 s, preferred 14400 s. */
  opt += 8;
  opt[0] = 3, opt[1] = 4, opt[2] = 64, opt[3] = 0xc0;
  opt[4] = 0x00, opt[5] = 0x01, opt[6] = 0x51, opt[7] = 0x80;
  opt[8] = 0x00, opt[9] = 0x00, opt[10] = 0x38, opt[11] = 0x40;
  opt[16] = 0x20, opt[17] = 0x01, opt[18] = 0x0d, opt[19] = 0xb8;
  opt[20] = (guint8) (prefix_n >> 8), opt[21] = (guint8) prefix_n;
  /* Checksum over the pseudo-header (addresses, length, next header). */
  sum = checksum_add (sum, ip + 8, 32);
  sum += (guint32) icmp_len + 58;
  sum = checksum_add (sum, icmp, icmp_len);
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  icmp[2] = (guint8) (~sum >> 8), icmp[3] = (guint8) ~sum;
  return vnet + eth + ip6 + icmp_len;
}

static void
wait_operstate_up (const char *name)
{
  g_autofree char *path = g_strdup_printf ("/sys/class/net/%s/operstate", name);

  for (int waited_ms = 0; waited_ms < 3000; waited_ms += 20)
    {
      g_autofree char *state = NULL;

      if (g_file_get_contents (path, &state, NULL, NULL) && g_str_has_prefix (state, "up"))
        break;
      g_usleep (20 * 1000);
    }
  g_usleep (50 * 1000);
}

static void
do_send_ra (char *rest)
{
  guint8 frame[256];
  struct ifreq ifr;
  char *number = strchr (rest, ' ');
  gsize length;
  int fd;

  if (number == NULL)
    {
      reply ("error (usage) send-ra NAME N");
      return;
    }
  *number++ = '\0';

  fd = open ("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (fd < 0)
    {
      reply ("errno %d open /dev/net/tun: %s", errno, g_strerror (errno));
      return;
    }
  memset (&ifr, 0, sizeof ifr);
  g_strlcpy (ifr.ifr_name, rest, sizeof ifr.ifr_name);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
  if (ioctl (fd, TUNSETIFF, &ifr) < 0)
    {
      int errsv = errno;
      close (fd);
      reply ("errno %d TUNSETIFF %s: %s", errsv, rest, g_strerror (errsv));
      return;
    }
  /* The host configures a link when the kernel's link watcher sees its
   * carrier come up, up to a second after the attach; a router's
   * advertisements come later and again, so wait for that, then send a
   * few. */
  wait_operstate_up (rest);
  length = build_router_advertisement (frame, (guint) atoi (number));
  for (int i = 0; i < 3; i++)
    {
      if (write (fd, frame, length) != (ssize_t) length)
        {
          int errsv = errno;
          close (fd);
          reply ("errno %d write to %s: %s", errsv, rest, g_strerror (errsv));
          return;
        }
      g_usleep (50 * 1000);
    }
  g_array_append_val (held_fds, fd);
  reply ("ok");
}

static void
do_close_vfio (void)
{
  for (guint i = 0; i < held_fds->len; i++)
    close (g_array_index (held_fds, int, i));
  g_array_set_size (held_fds, 0);
  reply ("ok");
}

static void
do_memlock (const char *args)
{
  unsigned long long soft, hard;
  struct rlimit limit;

  if (sscanf (args, "%llu %llu", &soft, &hard) != 2)
    {
      reply ("error (usage) memlock SOFT HARD");
      return;
    }
  limit.rlim_cur = soft;
  limit.rlim_max = hard;
  if (setrlimit (RLIMIT_MEMLOCK, &limit) < 0)
    {
      int errsv = errno;
      reply ("errno %d setrlimit: %s", errsv, g_strerror (errsv));
      return;
    }
  reply ("ok");
}

static void
write_map (pid_t pid, const char *name)
{
  static const char map[] = "0 0 4294967295\n";
  g_autofree char *path = g_strdup_printf ("/proc/%d/%s", (int) pid, name);
  int fd = open (path, O_WRONLY | O_CLOEXEC);

  /* A map must be written in one write(2). */
  if (fd < 0 || write (fd, map, strlen (map)) != (ssize_t) strlen (map))
    {
      fprintf (stderr, "mh-test-agent: write %s: %s\n", path, g_strerror (errno));
      _exit (1);
    }
  close (fd);
}

/* See the top of the file. */
static void
enter_user_namespace (uid_t uid, gid_t gid, const char *user)
{
  int go[2], mapped[2];
  pid_t self = getpid ();
  pid_t child;
  char byte = 0;
  int status = 0;

  if (pipe (go) < 0 || pipe (mapped) < 0)
    g_error ("pipe: %s", g_strerror (errno));
  child = fork ();
  if (child < 0)
    g_error ("fork: %s", g_strerror (errno));
  if (child == 0)
    {
      /* Still in the parent namespace: write the maps once it exists. */
      if (read (go[0], &byte, 1) != 1)
        _exit (1);
      write_map (self, "uid_map");
      write_map (self, "gid_map");
      if (write (mapped[1], &byte, 1) != 1)
        _exit (1);
      _exit (0);
    }
  if (unshare (CLONE_NEWUSER) < 0)
    g_error ("unshare(CLONE_NEWUSER): %s", g_strerror (errno));
  if (write (go[1], &byte, 1) != 1 || read (mapped[0], &byte, 1) != 1)
    g_error ("the helper process did not map the namespace");
  waitpid (child, &status, 0);
  if (initgroups (user, gid) < 0 || setresgid (gid, gid, gid) < 0 || setresuid (uid, uid, uid) < 0)
    g_error ("cannot become %s: %s", user, g_strerror (errno));
  close (go[0]);
  close (go[1]);
  close (mapped[0]);
  close (mapped[1]);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *line = NULL;
  size_t size = 0;

  if (argc == 5 && strcmp (argv[1], "--userns") == 0)
    enter_user_namespace ((uid_t) atoi (argv[2]), (gid_t) atoi (argv[3]), argv[4]);

  /* Register the helper's error names so replies carry them. */
  (void) mh_error_quark ();
  held_fds = g_array_new (FALSE, FALSE, sizeof (int));

  bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
  if (bus == NULL)
    {
      reply ("error (connect) %s", error->message);
      return 1;
    }
  reply ("ready %u", (guint) getuid ());

  /* Lines of any length: hostile calls are long. */
  while (getline (&line, &size, stdin) >= 0)
    {
      g_strchomp (line);
      if (g_str_has_prefix (line, "call "))
        do_call (line + 5);
      else if (g_str_has_prefix (line, "call-at "))
        do_call_at (line + 8);
      else if (g_str_has_prefix (line, "get "))
        do_get (line + 4);
      else if (g_str_has_prefix (line, "open-tap "))
        do_open_tap (line + 9);
      else if (g_str_has_prefix (line, "open-macvtap "))
        do_open_macvtap (line + 13);
      else if (g_str_has_prefix (line, "unpersist "))
        do_unpersist (line + 10);
      else if (g_str_has_prefix (line, "flood "))
        do_flood (line + 6);
      else if (g_str_has_prefix (line, "send-ra "))
        do_send_ra (line + 8);
      else if (strcmp (line, "unique-name") == 0)
        reply ("ok %s", g_dbus_connection_get_unique_name (bus));
      else if (strcmp (line, "whoami") == 0)
        reply ("ok %u", (guint) getuid ());
      else if (strcmp (line, "pid") == 0)
        reply ("ok %d", (int) getpid ());
      else if (g_str_has_prefix (line, "open-vfio "))
        do_open_vfio (line + 10);
      else if (strcmp (line, "close-vfio") == 0)
        do_close_vfio ();
      else if (g_str_has_prefix (line, "memlock "))
        do_memlock (line + 8);
      else
        reply ("error (usage) unknown command");
    }
  return 0;
}
