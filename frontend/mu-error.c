#include "mu-error.h"

GQuark
mu_error_quark (void)
{
  return g_quark_from_static_string ("mu-error-quark");
}
