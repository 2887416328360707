/* mh-bench-registry DIR COUNT...: the helper's own cost of writing its tap
 * registry (mh_tap_registry_save: serialise every record, write a
 * temporary file, fsync, rename), with COUNT records, timed 200 times for
 * each COUNT.  The helper writes it twice per CreateTap/CreateTaps and
 * once per DeleteTap, so this is a cost per call that grows with the
 * number of taps the helper manages, whoever they belong to.  DIR should
 * be on the file system the registry lives on (tmpfs under /run). */
#include <stdio.h>
#include <string.h>

#include "mh-bench-stats.h"
#include "mh-tap-registry.h"

#define REPEATS 200

static void
time_saves (const char *dir, guint count)
{
  g_autofree char *path = g_build_filename (dir, "bench.registry", NULL);
  g_autoptr (MhTapRegistry) registry = mh_tap_registry_new (path);
  g_autofree char *series_name = g_strdup_printf ("registry_save_%u", count);
  g_autoptr (MhBenchSeries) series = mh_bench_series_new (series_name);
  g_autoptr (GError) error = NULL;
  gsize length = 0;

  for (guint i = 0; i < count; i++)
    {
      g_autofree char *name = g_strdup_printf ("vm-tap%u", i);
      MhTapRecord *record = mh_tap_record_new (name, 61001 + i % 3);

      record->ifindex = (int) i + 2;
      record->state = MH_TAP_STATE_READY;
      record->vnet_hdr = TRUE;
      if (i % 2 == 0)
        mh_tap_record_set_lease (record, ":1.4242", "0123456789abcdef0123456789abcdef");
      mh_tap_registry_insert (registry, record);
    }
  for (guint i = 0; i < REPEATS; i++)
    {
      gint64 start = mh_bench_now_ns ();

      if (!mh_tap_registry_save (registry, &error))
        mh_bench_die ("%s", error->message);
      mh_bench_series_add_since (series, start);
    }
  g_free (mh_tap_registry_to_data (registry, &length));
  mh_bench_series_print (series);
  {
    g_autofree char *bytes_name = g_strdup_printf ("registry_bytes_%u", count);
    mh_bench_value_print (bytes_name, (double) length, "bytes");
  }
  unlink (path);
}

int
main (int argc, char **argv)
{
  g_set_prgname ("mh-bench-registry");
  if (argc < 3)
    mh_bench_die ("usage: mh-bench-registry DIR COUNT...");
  for (int i = 2; i < argc; i++)
    {
      guint64 count = 0;
      if (!g_ascii_string_to_unsigned (argv[i], 10, 0, 100000, &count, NULL))
        mh_bench_die ("%s is not a count", argv[i]);
      time_saves (argv[1], (guint) count);
    }
  return 0;
}
