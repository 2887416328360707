#include "mu-virtiofsd.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mu-error.h"

void
mu_virtiofsd_free (MuVirtiofsd *virtiofsd)
{
  if (virtiofsd == NULL)
    return;
  g_free (virtiofsd->path);
  g_free (virtiofsd);
}

const char *
mu_virtiofsd_flavour_name (MuVirtiofsdFlavour flavour)
{
  return flavour == MU_VIRTIOFSD_RUST ? "rust" : "c";
}

static gboolean
detect_flavour (const char *path, MuVirtiofsdFlavour *flavour, GError **error)
{
  const char *argv[] = { path, "--help", NULL };
  g_autoptr (GSubprocess) process = NULL;
  g_autofree char *out = NULL;
  g_autoptr (GError) local_error = NULL;
  MuChildFlags flags = MU_CHILD_CAPTURE_OUTPUT;

  /* The C virtiofsd calls setgroups() before it even parses --help, which
   * fails without privileges: ask it where it will run, in a user
   * namespace (harmless for the Rust one). */
  if (getuid () != 0)
    flags |= MU_CHILD_USER_NAMESPACE | MU_CHILD_IGNORE_SETGROUPS;
  process = mu_child_spawn (argv, "/", flags, &local_error);
  if (process == NULL ||
      !g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &local_error))
    {
      g_set_error (error, MU_ERROR, MU_ERROR_ENVIRONMENT, "cannot run %s --help: %s", path,
                   local_error->message);
      return FALSE;
    }
  if (out != NULL && strstr (out, "--shared-dir") != NULL)
    *flavour = MU_VIRTIOFSD_RUST;
  else if (out != NULL && strstr (out, "source=") != NULL)
    *flavour = MU_VIRTIOFSD_C;
  else
    {
      g_autofree char *first_line = g_strdup (out != NULL ? out : "");
      char *newline = strchr (first_line, '\n');
      if (newline != NULL)
        *newline = '\0';
      g_set_error (error, MU_ERROR, MU_ERROR_ENVIRONMENT,
                   "%s does not look like virtiofsd (its --help mentions neither --shared-dir "
                   "nor -o source=, it said \"%s\"); point --virtiofsd at the right program",
                   path, first_line);
      return FALSE;
    }
  return TRUE;
}

MuVirtiofsd *
mu_virtiofsd_find (const char *explicit_path, const char *configured, GError **error)
{
  g_autoptr (MuVirtiofsd) virtiofsd = g_new0 (MuVirtiofsd, 1);
  const char *fixed[] = { "/usr/libexec/virtiofsd", "/usr/lib/qemu/virtiofsd" };
  g_autofree char *in_path = NULL;

  if (explicit_path != NULL || configured != NULL)
    {
      const char *chosen = explicit_path != NULL ? explicit_path : configured;
      virtiofsd->path = g_find_program_in_path (chosen);
      if (virtiofsd->path == NULL)
        {
          g_set_error (error, MU_ERROR, MU_ERROR_ENVIRONMENT,
                       "virtiofsd %s (from %s) is not an executable program", chosen,
                       explicit_path != NULL ? "--virtiofsd" : "the configuration file");
          return NULL;
        }
    }
  else if ((in_path = g_find_program_in_path ("virtiofsd")) != NULL)
    virtiofsd->path = g_steal_pointer (&in_path);
  else
    for (gsize i = 0; i < G_N_ELEMENTS (fixed) && virtiofsd->path == NULL; i++)
      if (access (fixed[i], X_OK) == 0)
        virtiofsd->path = g_strdup (fixed[i]);

  if (virtiofsd->path == NULL)
    {
      g_set_error (error, MU_ERROR, MU_ERROR_ENVIRONMENT,
                   "this VM shares directories, but no virtiofsd was found in $PATH, "
                   "/usr/libexec or /usr/lib/qemu; install it (Debian: package virtiofsd, or "
                   "qemu-system-common before 8.0) or give its path with --virtiofsd");
      return NULL;
    }
  if (!detect_flavour (virtiofsd->path, &virtiofsd->flavour, error))
    return NULL;
  return g_steal_pointer (&virtiofsd);
}

GStrv
mu_virtiofsd_argv (const MuVirtiofsd *virtiofsd, const char *tag, const char *socket,
                   const char *source, const MuShareOptions *options, GError **error)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  gboolean has_sandbox = FALSE;

  g_ptr_array_add (argv, g_strdup (virtiofsd->path));
  for (guint i = 0; i < options->options->len; i++)
    has_sandbox |= strcmp (((MuShareOption *) options->options->pdata[i])->name, "--sandbox") == 0;
  if (virtiofsd->flavour == MU_VIRTIOFSD_RUST)
    {
      g_ptr_array_add (argv, g_strdup ("--socket-path"));
      g_ptr_array_add (argv, g_strdup (socket));
      g_ptr_array_add (argv, g_strdup ("--shared-dir"));
      g_ptr_array_add (argv, g_strdup (source));
      /* --sandbox=namespace makes its own user namespace when started
       * without privileges (and is the Rust virtiofsd's default as root,
       * which the runner's options assume). */
      if (!has_sandbox)
        {
          g_ptr_array_add (argv, g_strdup ("--sandbox"));
          g_ptr_array_add (argv, g_strdup ("namespace"));
        }
    }
  else
    {
      g_ptr_array_add (argv, g_strdup_printf ("--socket-path=%s", socket));
      g_ptr_array_add (argv, g_strdup ("-o"));
      g_ptr_array_add (argv, g_strdup_printf ("source=%s", source));
    }
  if (!mu_share_options_append_args (options, tag, virtiofsd->flavour == MU_VIRTIOFSD_C, argv,
                                     error))
    return NULL;
  g_ptr_array_add (argv, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&argv), FALSE);
}

const char *
mu_virtiofsd_read_only_dir (const MuVirtiofsd *virtiofsd, const MuShareOptions *options,
                            const char *source)
{
  return virtiofsd->flavour == MU_VIRTIOFSD_C && options->read_only ? source : NULL;
}

MuChildFlags
mu_virtiofsd_child_flags (const MuVirtiofsd *virtiofsd)
{
  MuChildFlags flags = MU_CHILD_NEW_SESSION;

  if (virtiofsd->flavour == MU_VIRTIOFSD_C && getuid () != 0)
    flags |= MU_CHILD_USER_NAMESPACE | MU_CHILD_IGNORE_SETGROUPS;
  return flags;
}

/* /proc/net/unix: "Num RefCount Protocol Flags Type St Inode Path", where
 * Flags 00010000 (__SO_ACCEPTCON) marks a listening socket and Path is the
 * name as given to bind(). */
gboolean
mu_socket_is_listening (const char *cwd, const char *path)
{
  g_autofree char *absolute =
    g_path_is_absolute (path) ? g_strdup (path) : g_build_filename (cwd, path, NULL);
  g_autofree char *table = NULL;
  g_auto (GStrv) lines = NULL;
  struct stat st;

  if (stat (absolute, &st) < 0 || !S_ISSOCK (st.st_mode))
    return FALSE;
  if (!g_file_get_contents ("/proc/net/unix", &table, NULL, NULL))
    return TRUE; /* cannot tell better than "it exists" */

  lines = g_strsplit (table, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      const char *p = lines[i];
      const char *flags = NULL;

      /* Seven blank-separated fields, then the path, which may itself
       * contain blanks. */
      for (int field = 0; field < 7; field++)
        {
          while (*p == ' ')
            p++;
          if (field == 3)
            flags = p;
          while (*p != ' ' && *p != '\0')
            p++;
        }
      if (*p != ' ' || flags == NULL || strncmp (flags, "00010000 ", 9) != 0)
        continue;
      p++;
      if (strcmp (p, path) == 0 || strcmp (p, absolute) == 0)
        return TRUE;
    }
  return FALSE;
}
