/* `microvm-user console NAME`: type on the serial console of a VM started
 * in the background, and see what it says (mu-console.h). */
#include "mu-console.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <gio/gio.h>

#include "mh-error.h"
#include "mh-syscall.h"
#include "mu-commands.h"
#include "mu-error.h"
#include "mu-runner.h"

/* Ctrl-] detaches, as telnet and virsh console do. */
#define DETACH_KEY 0x1d

char *
mu_console_input_path (MuVmState *state)
{
  return g_build_filename (state->runtime_dir, "console-in", NULL);
}

int
mu_console_input_open (MuVmState *state, GError **error)
{
  g_autofree char *path = mu_console_input_path (state);
  int fd;

  if (g_mkdir_with_parents (state->runtime_dir, 0700) < 0)
    {
      mh_set_errno_error (error, errno, "create the runtime directory %s", state->runtime_dir);
      return -1;
    }
  /* We are about to start the VM, so a FIFO left here is a dead run's. */
  unlink (path);
  if (mkfifo (path, 0600) < 0)
    {
      mh_set_errno_error (error, errno, "create the console FIFO %s", path);
      return -1;
    }
  /* Read-write: opening does not wait for a writer, and the reader never
   * sees an end of file while no console is attached. */
  fd = open (path, O_RDWR | O_CLOEXEC);
  if (fd < 0)
    mh_set_errno_error (error, errno, "open the console FIFO %s", path);
  return fd;
}

static gboolean
write_all (int fd, const char *data, gsize length)
{
  while (length > 0)
    {
      gssize n = write (fd, data, length);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      length -= (gsize) n;
    }
  return TRUE;
}

/* Copies our stdin to the console until end of file, Ctrl-] (on a
 * terminal) or the VM going away. */
static void
relay_input (int console, gboolean terminal)
{
  char buffer[512];

  for (;;)
    {
      gssize n = read (STDIN_FILENO, buffer, sizeof buffer);
      char *detach;

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return;
      detach = terminal ? memchr (buffer, DETACH_KEY, (gsize) n) : NULL;
      if (!write_all (console, buffer, detach != NULL ? (gsize) (detach - buffer) : (gsize) n))
        return;
      if (detach != NULL)
        return;
    }
}

int
mu_command_console (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("NAME");
  g_autoptr (MuVmState) state = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) output = NULL;
  g_autofree char *input_path = NULL;
  g_autofree char *log = NULL;
  struct termios saved;
  gboolean terminal;
  int console;
  const char *name;

  g_option_context_set_summary (
    context, "Attach to the serial console of the VM NAME, started in the background with\n"
             "`microvm-user start` (without a systemd user manager): what you type goes to\n"
             "the VM, what it says is shown. Ctrl-] detaches; the VM runs on.");
  if (!mu_command_parse (context, &argc, &argv))
    return 2;
  if (argc != 2)
    {
      g_printerr ("microvm-user console: give one VM name (see `microvm-user list`)\n");
      return 2;
    }
  name = argv[1];
  if (!mu_vm_name_validate (name, &error))
    return mu_command_fail (error);
  if (!mu_vm_is_running (name))
    {
      g_set_error (&error, MU_ERROR, MU_ERROR_RUNNING,
                   "the VM %s is not running (see `microvm-user list`)", name);
      return mu_command_fail (error);
    }
  state = mu_vm_state_new (name);
  input_path = mu_console_input_path (state);
  log = g_build_filename (state->state_dir, "console.log", NULL);
  console = open (input_path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (console < 0)
    {
      g_set_error (&error, MU_ERROR, MU_ERROR_UNSUPPORTED,
                   "the console of %s cannot be reached: only a VM started in the background "
                   "by `microvm-user start` without a systemd user manager has one to attach to "
                   "(a VM run in a terminal has it there; one run as a user unit writes it to "
                   "the journal, see `microvm-user logs %s`)",
                   name, name);
      return mu_command_fail (error);
    }
  fcntl (console, F_SETFL, fcntl (console, F_GETFL) & ~O_NONBLOCK);

  output = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "tail", "--lines=20", "--follow=name",
                             "--retry", log, NULL);
  if (output == NULL)
    {
      close (console);
      return mu_command_fail (error);
    }
  terminal = isatty (STDIN_FILENO) && tcgetattr (STDIN_FILENO, &saved) == 0;
  if (terminal)
    {
      struct termios raw = saved;
      g_printerr ("Connected to the console of %s; Ctrl-] detaches.\r\n", name);
      cfmakeraw (&raw);
      tcsetattr (STDIN_FILENO, TCSANOW, &raw);
    }
  relay_input (console, terminal);
  if (terminal)
    {
      tcsetattr (STDIN_FILENO, TCSANOW, &saved);
      g_printerr ("\nDetached from the console of %s; it runs on.\n", name);
    }
  close (console);
  g_subprocess_force_exit (output);
  g_subprocess_wait (output, NULL, NULL);
  return 0;
}
