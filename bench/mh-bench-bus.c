#include "mh-bench-bus.h"

#include "mh-bench-stats.h"

GDBusConnection *
mh_bench_connect_system_bus (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
  GDBusConnection *bus;

  if (address == NULL)
    mh_bench_die ("no system bus: %s", error->message);
  bus = g_dbus_connection_new_for_address_sync (address,
                                                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                  G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                NULL, NULL, &error);
  if (bus == NULL)
    mh_bench_die ("cannot connect to the system bus: %s", error->message);
  return bus;
}
