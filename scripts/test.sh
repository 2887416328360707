#!/bin/bash
# The README's test command: installs what is needed, builds, checks the
# formatting, runs the whole suite, then builds again with AddressSanitizer
# and UndefinedBehaviorSanitizer and runs the whole suite under them,
# builds the Debian packages and tests them installed in a throw-away
# root (scripts/package-test.sh), and last runs every fuzz target for a
# short while.  Fails on any failed, timed-out or skipped test.  Needs
# root: the integration tests create namespaces with a private bus and
# polkitd.
#
# To fit the CI budget (2 cores), what only computes runs while a test
# suite mostly waits: the formatting check and the sanitizer and fuzz
# builds during the plain suite, the Debian packages during the sanitized
# one, each niced, logged to build-steps/ and printed when it is done; a
# failure in any of them fails the command as before.  The seconds of
# each step are printed at the end.
# Environment: MH_TEST_JOBS (default: the number of cores) tests that
# compute at a time, MH_TEST_WAIT_JOBS (default: three per core) tests
# that mostly wait, MH_FUZZ_SECONDS seconds per fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step's wall-clock seconds, printed at the end (and on failure), so
# that the slow steps are plain to see in a CI log.
step_names=()
step_seconds=()
step_started=$SECONDS
step() {
    if ((${#step_names[@]} > 0)); then step_seconds+=($((SECONDS - step_started))); fi
    step_started=$SECONDS
    step_names+=("$*")
    printf '\n=== %s\n' "$*"
}
step_times() {
    local rc=$? i name
    for name in "${!bg_pid[@]}"; do
        echo "test.sh: stopping the background step $name" >&2
        kill_tree "${bg_pid[$name]}"
    done
    if ((${#step_seconds[@]} < ${#step_names[@]})); then step_seconds+=($((SECONDS - step_started))); fi
    printf '\n=== step times (s)\n'
    for i in "${!step_names[@]}"; do printf '%6s  %s\n' "${step_seconds[$i]}" "${step_names[$i]}"; done
    printf '%6s  total\n' "$SECONDS"
    return "$rc"
}
trap step_times EXIT

# Steps that run in the background while a test suite runs: each writes
# to build-steps/NAME.log, which bg_wait prints; a failure fails test.sh
# there.  If test.sh stops early, the exit trap ends what still runs.
bg_logs=build-steps
declare -A bg_pid=() bg_started=()
bg_start() { # bg_start NAME COMMAND...
    local name=$1 log
    shift
    mkdir -p "$bg_logs"
    log="$bg_logs/${name// /-}.log"
    echo "test.sh: started in the background: $name (log: $log)"
    "$@" </dev/null >"$log" 2>&1 &
    bg_pid[$name]=$!
    bg_started[$name]=$SECONDS
}
bg_wait() { # bg_wait NAME: prints NAME's log once it is done; fails if NAME failed
    local name=$1 rc=0 log waited=$SECONDS
    log="$bg_logs/${name// /-}.log"
    wait "${bg_pid[$name]}" || rc=$?
    unset "bg_pid[$name]"
    printf '\n--- %s (background, %d s, of which %d s waited for): %s\n' "$name" \
        $((SECONDS - bg_started[$name])) $((SECONDS - waited)) "$log"
    cat "$log"
    if [[ $rc -ne 0 ]]; then
        echo "test.sh: $name failed (exit $rc); its log is above and in $log" >&2
        return 1
    fi
}
kill_tree() { # kill_tree PID: PID and all its descendants
    local child
    for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do kill_tree "$child"; done
    kill "$1" 2>/dev/null || true
}

# A suite runs as two meson test passes at once (ninja has built
# everything before, so neither rebuilds): the tests that compute (the
# unit tests and checks, among them the man pages built in scratch
# builds, the shell completions and the import-circle check; the qemu
# boots of e2e under TCG; the load test's 10,000 calls) with one process
# per core, and the integration tests, which mostly wait on bus and
# polkit round trips and on helpers starting and exiting (measured: about
# a tenth of their wall time is CPU time), with three per core.  Each
# pass fails on a failed or timed-out test; meson counts a skipped test
# as a success, here it is a defect.
cpu_jobs=${MH_TEST_JOBS:-$(nproc)}
wait_jobs=${MH_TEST_WAIT_JOBS:-$((3 * $(nproc)))}
cpu_bound_suites=(--suite unit --suite e2e --suite load)
run_suite() { # run_suite BUILDDIR
    local dir=$1 rc=0 log skipped
    bg_start "computing tests in $dir" meson test -C "$dir" --no-rebuild --print-errorlogs \
        --num-processes "$cpu_jobs" --logbase testlog-computing "${cpu_bound_suites[@]}"
    meson test -C "$dir" --no-rebuild --print-errorlogs --num-processes "$wait_jobs" \
        "${cpu_bound_suites[@]/#--suite/--no-suite}" || rc=$?
    bg_wait "computing tests in $dir" || rc=1
    [[ $rc -eq 0 ]] || exit 1
    for log in "$dir/meson-logs/testlog.json" "$dir/meson-logs/testlog-computing.json"; do
        skipped=$(grep -c '"result": "SKIP"' "$log" || true)
        if [[ "$skipped" != "0" ]]; then
            echo "test.sh: $skipped test(s) were skipped in $dir; every test must run" >&2
            grep '"result": "SKIP"' "$log" | sed 's/.*"name": "\([^"]*\)".*/  \1/' >&2
            exit 1
        fi
    done
}

step "dependencies"
scripts/install-deps.sh all

# Test builds have the fault points the fault-injection tests use; the
# installed builds of distributions leave them out (the default).
# The desktop app is built and tested too (it is optional elsewhere).
test_options=(-Dfault_injection=true -Ddesktop=enabled)
# Leak reports unwind by frame pointers (ASan's fast default): the slow
# unwinder on every malloc made a 100,000-name call take 20 s of CPU in
# the helper, long enough under load for its 60 s idle exit to come first.
asan_options=("${test_options[@]}" -Db_sanitize=address,undefined -Db_lundef=false
    -Dc_args=-fno-omit-frame-pointer)

step "build"
if [[ -d build ]]; then meson setup --reconfigure build "${test_options[@]}"; else meson setup build "${test_options[@]}"; fi
ninja -C build

# Most integration tests spend their time waiting (bus and polkit round
# trips, helpers starting and exiting), not computing: the builds the later
# steps need run meanwhile in the background, niced so that the tests get
# the CPU as soon as they want it.  Their output goes to build-steps/.
step "formatting, sanitizer build and fuzz build in the background; test suite"
bg_start formatting scripts/check-format.sh
bg_start "sanitizer build" nice -n 10 bash -c '
    set -euo pipefail
    if [[ -d build-asan ]]; then meson setup --reconfigure build-asan "$@"; else meson setup build-asan "$@"; fi
    ninja -C build-asan
    scripts/fuzz.sh --build-only' build-asan-setup "${asan_options[@]}"
run_suite build
bg_wait formatting || exit 1
bg_wait "sanitizer build" || exit 1

step "Debian packages in the background; test suite under sanitizers"
bg_start "Debian packages" nice -n 10 scripts/package-test.sh
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
run_suite build-asan
bg_wait "Debian packages" || exit 1

# 20 s per target (40 for fuzz-runner), 80 s in all: the seed corpora
# reach nearly all the coverage of a longer run at once (fuzz-dispatch:
# 1664 edges with its seeds loaded, 1670 after 20 s, 1673 after 45 s;
# fuzz-runner: 792, 837 after 40 s, 848 after 90 s), so this checks that
# no seed and no input near one crashes; deep runs are
# `scripts/fuzz.sh 300` (README).
step "fuzzing: every libFuzzer target for a short while (scripts/fuzz.sh)"
scripts/fuzz.sh "${MH_FUZZ_SECONDS:-20}"

step "all tests passed"
