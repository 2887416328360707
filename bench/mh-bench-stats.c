#include "mh-bench-stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

struct _MhBenchSeries {
  char *name;
  GArray *samples; /* double, microseconds */
  gboolean sorted;
};

gint64
mh_bench_now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

MhBenchSeries *
mh_bench_series_new (const char *name)
{
  MhBenchSeries *series = g_new0 (MhBenchSeries, 1);

  series->name = g_strdup (name);
  series->samples = g_array_new (FALSE, FALSE, sizeof (double));
  return series;
}

void
mh_bench_series_free (MhBenchSeries *series)
{
  if (series == NULL)
    return;
  g_free (series->name);
  g_array_unref (series->samples);
  g_free (series);
}

void
mh_bench_series_add_us (MhBenchSeries *series, double microseconds)
{
  g_array_append_val (series->samples, microseconds);
  series->sorted = FALSE;
}

double
mh_bench_series_add_since (MhBenchSeries *series, gint64 start_ns)
{
  double us = (double) (mh_bench_now_ns () - start_ns) / 1000.0;

  mh_bench_series_add_us (series, us);
  return us;
}

guint
mh_bench_series_count (const MhBenchSeries *series)
{
  return series->samples->len;
}

static gint
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

double
mh_bench_series_quantile (MhBenchSeries *series, double q)
{
  guint n = series->samples->len;
  guint rank;

  if (n == 0)
    return 0;
  if (!series->sorted)
    {
      g_array_sort (series->samples, compare_doubles);
      series->sorted = TRUE;
    }
  /* Nearest rank: the smallest sample with at least q of them at or below it. */
  rank = (guint) ceil (q * n);
  if (rank < 1)
    rank = 1;
  if (rank > n)
    rank = n;
  return g_array_index (series->samples, double, rank - 1);
}

double
mh_bench_series_mean (const MhBenchSeries *series)
{
  double sum = 0;

  if (series->samples->len == 0)
    return 0;
  for (guint i = 0; i < series->samples->len; i++)
    sum += g_array_index (series->samples, double, i);
  return sum / series->samples->len;
}

void
mh_bench_series_print (MhBenchSeries *series)
{
  if (series->samples->len == 0)
    mh_bench_die ("series %s has no samples", series->name);
  printf ("series %s n=%u median_us=%.1f p99_us=%.1f mean_us=%.1f min_us=%.1f max_us=%.1f\n",
          series->name, series->samples->len, mh_bench_series_quantile (series, 0.5),
          mh_bench_series_quantile (series, 0.99), mh_bench_series_mean (series),
          mh_bench_series_quantile (series, 0.0), mh_bench_series_quantile (series, 1.0));
  fflush (stdout);
}

void
mh_bench_value_print (const char *name, double value, const char *unit)
{
  printf ("value %s %.3f %s\n", name, value, unit);
  fflush (stdout);
}

void
mh_bench_progress (const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "%s: %s\n", g_get_prgname () != NULL ? g_get_prgname () : "bench", text);
}

void
mh_bench_die (const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "%s: error: %s\n", g_get_prgname () != NULL ? g_get_prgname () : "bench", text);
  exit (1);
}

gboolean
mh_bench_process_memory (int pid, guint64 *rss_kib, guint64 *hwm_kib, guint *fds)
{
  g_autofree char *status_path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *fd_path = g_strdup_printf ("/proc/%d/fd", pid);
  g_autofree char *status = NULL;
  g_autoptr (GDir) dir = NULL;
  const char *line;

  if (!g_file_get_contents (status_path, &status, NULL, NULL))
    return FALSE;
  *rss_kib = 0;
  *hwm_kib = 0;
  if ((line = strstr (status, "\nVmRSS:")) != NULL)
    *rss_kib = g_ascii_strtoull (line + 7, NULL, 10);
  if ((line = strstr (status, "\nVmHWM:")) != NULL)
    *hwm_kib = g_ascii_strtoull (line + 7, NULL, 10);
  *fds = 0;
  dir = g_dir_open (fd_path, 0, NULL);
  if (dir == NULL)
    return FALSE;
  while (g_dir_read_name (dir) != NULL)
    (*fds)++;
  return TRUE;
}

struct _MhBenchCpu {
  GPtrArray *labels; /* "client" first, then $MH_BENCH_WATCH's */
  GArray *pids;      /* int; 0 for this process */
  GArray *ms;        /* double */
  gboolean accumulating;
};

static double
process_cpu_ms (int pid)
{
  g_autofree char *path = NULL;
  g_autofree char *stat = NULL;
  g_auto (GStrv) fields = NULL;
  const char *close_paren;

  if (pid == 0)
    {
      struct rusage usage;
      getrusage (RUSAGE_SELF, &usage);
      return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3 +
             (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3;
    }
  path = g_strdup_printf ("/proc/%d/stat", pid);
  if (!g_file_get_contents (path, &stat, NULL, NULL) || (close_paren = strrchr (stat, ')')) == NULL)
    return -1;
  /* After "pid (comm) ": state is field 3, utime 14 and stime 15. */
  fields = g_strsplit (close_paren + 2, " ", 0);
  if (g_strv_length (fields) < 13)
    return -1;
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) * 1e3 /
         sysconf (_SC_CLK_TCK);
}

MhBenchCpu *
mh_bench_cpu_snapshot (void)
{
  MhBenchCpu *cpu = g_new0 (MhBenchCpu, 1);
  g_auto (GStrv) watched =
    g_strsplit (g_getenv ("MH_BENCH_WATCH") != NULL ? g_getenv ("MH_BENCH_WATCH") : "", " ", -1);
  int self = 0;

  cpu->labels = g_ptr_array_new_with_free_func (g_free);
  cpu->pids = g_array_new (FALSE, FALSE, sizeof (int));
  cpu->ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_ptr_array_add (cpu->labels, g_strdup ("client"));
  g_array_append_val (cpu->pids, self);
  for (guint i = 0; watched[i] != NULL; i++)
    {
      char *equals = strchr (watched[i], '=');
      int pid;
      if (equals == NULL)
        continue;
      *equals = '\0';
      pid = atoi (equals + 1);
      if (pid <= 0)
        continue;
      g_ptr_array_add (cpu->labels, g_strdup (watched[i]));
      g_array_append_val (cpu->pids, pid);
    }
  for (guint i = 0; i < cpu->pids->len; i++)
    {
      double ms = process_cpu_ms (g_array_index (cpu->pids, int, i));
      g_array_append_val (cpu->ms, ms);
    }
  return cpu;
}

void
mh_bench_cpu_free (MhBenchCpu *cpu)
{
  if (cpu == NULL)
    return;
  g_ptr_array_unref (cpu->labels);
  g_array_unref (cpu->pids);
  g_array_unref (cpu->ms);
  g_free (cpu);
}

void
mh_bench_cpu_print (MhBenchCpu *before, const char *series, guint calls)
{
  for (guint i = 0; i < before->pids->len; i++)
    {
      double then = g_array_index (before->ms, double, i);
      double now = process_cpu_ms (g_array_index (before->pids, int, i));
      g_autofree char *name = NULL;

      if (then < 0 || now < 0 || calls == 0)
        continue;
      name = g_strdup_printf ("cpu_%s_%s", series, (const char *) before->labels->pdata[i]);
      mh_bench_value_print (name, (now - then) / calls, "ms/call");
    }
}

void
mh_bench_cpu_accumulate (MhBenchCpu *total, MhBenchCpu *before)
{
  if (!total->accumulating)
    {
      for (guint i = 0; i < total->ms->len; i++)
        g_array_index (total->ms, double, i) = 0;
      total->accumulating = TRUE;
    }
  for (guint i = 0; i < before->pids->len && i < total->ms->len; i++)
    {
      double then = g_array_index (before->ms, double, i);
      double now = process_cpu_ms (g_array_index (before->pids, int, i));

      if (then >= 0 && now >= 0)
        g_array_index (total->ms, double, i) += now - then;
    }
}

void
mh_bench_cpu_print_accumulated (MhBenchCpu *total, const char *series, guint calls)
{
  for (guint i = 0; i < total->pids->len && calls > 0; i++)
    {
      g_autofree char *name =
        g_strdup_printf ("cpu_%s_%s", series, (const char *) total->labels->pdata[i]);
      mh_bench_value_print (name, g_array_index (total->ms, double, i) / calls, "ms/call");
    }
}
