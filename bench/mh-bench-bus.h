/* The benchmark clients' connection to the system bus. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A private connection to the system bus (a client of its own, whatever
 * else runs in the process); exits the benchmark when there is none. */
GDBusConnection *mh_bench_connect_system_bus (void);

G_END_DECLS
