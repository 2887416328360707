/* microvm-user: runs microvm.nix runner packages as the calling user.
 * Placeholder until the frontend lands (see the frontend issue). */
#include <glib.h>
#include <stdlib.h>

int
main (int argc, char **argv)
{
  g_printerr ("microvm-user: not implemented yet\n");
  return EXIT_FAILURE;
}
