/* microvms: the MicroVMs desktop app.  Everything is in
 * mvm-application.c; this only runs it. */
#include "mvm-application.h"

int
main (int argc, char **argv)
{
  g_autoptr (MvmApplication) app = mvm_application_new ();

  return g_application_run (G_APPLICATION (app), argc, argv);
}
