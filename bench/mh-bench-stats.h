/* Small shared part of the benchmark programs: a monotonic clock, sample
 * series with median and p99, and the result lines the driver collects.
 *
 * Every program prints its results on stdout, one per line, and nothing
 * else there (progress goes to stderr):
 *
 *   series NAME n=N median_us=M p99_us=P mean_us=A min_us=L max_us=H
 *   value NAME NUMBER UNIT
 *
 * bench/report.awk turns them into the table. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* CLOCK_MONOTONIC in nanoseconds: the same clock in every process of the
 * machine, so stamps written by different programs can be subtracted. */
gint64 mh_bench_now_ns (void);

typedef struct _MhBenchSeries MhBenchSeries;

MhBenchSeries *mh_bench_series_new (const char *name);
void mh_bench_series_free (MhBenchSeries *series);
void mh_bench_series_add_us (MhBenchSeries *series, double microseconds);
/* Adds the time from @start_ns to now; returns it in microseconds. */
double mh_bench_series_add_since (MhBenchSeries *series, gint64 start_ns);
guint mh_bench_series_count (const MhBenchSeries *series);
/* Nearest-rank quantile (0 < q <= 1) of the samples; 0 when empty. */
double mh_bench_series_quantile (MhBenchSeries *series, double q);
double mh_bench_series_mean (const MhBenchSeries *series);
/* Prints the series line on stdout. */
void mh_bench_series_print (MhBenchSeries *series);

void mh_bench_value_print (const char *name, double value, const char *unit);

/* A line of progress on stderr, prefixed with the program's name. */
void mh_bench_progress (const char *format, ...) G_GNUC_PRINTF (1, 2);
/* Prints the message on stderr and exits with status 1: a benchmark that
 * did not do what it measures must not print a figure. */
G_NORETURN void mh_bench_die (const char *format, ...) G_GNUC_PRINTF (1, 2);

/* VmRSS and VmHWM (KiB) and the number of open fds of a process; FALSE
 * when it is gone. */
gboolean mh_bench_process_memory (int pid, guint64 *rss_kib, guint64 *hwm_kib, guint *fds);

/* CPU time (user + system, all threads, in ms) used so far by this process
 * and by the processes named in $MH_BENCH_WATCH ("helper=PID polkitd=PID
 * bus=PID"), to tell where the time of a call goes even when the machine is
 * busy and wall times are noisy.  Other processes are read from
 * /proc/PID/stat, in clock ticks (10 ms): use it over many calls. */
typedef struct _MhBenchCpu MhBenchCpu;
MhBenchCpu *mh_bench_cpu_snapshot (void);
void mh_bench_cpu_free (MhBenchCpu *cpu);
/* Prints "value cpu_SERIES_LABEL MS ms/call" for every watched process and
 * for this one ("client"), from @before to now. */
void mh_bench_cpu_print (MhBenchCpu *before, const char *series, guint calls);
/* For work interleaved with other work: adds what each process used since
 * @before to @total (a snapshot whose values become sums from now on). */
void mh_bench_cpu_accumulate (MhBenchCpu *total, MhBenchCpu *before);
void mh_bench_cpu_print_accumulated (MhBenchCpu *total, const char *series, guint calls);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MhBenchSeries, mh_bench_series_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MhBenchCpu, mh_bench_cpu_free)

G_END_DECLS
