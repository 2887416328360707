#!/bin/bash
# The README's test command: installs what is needed, builds, checks the
# formatting, runs the whole suite, then builds again with AddressSanitizer
# and UndefinedBehaviorSanitizer and runs the whole suite under them,
# builds the Debian packages and tests them installed in a throw-away
# root (scripts/package-test.sh), and last runs every fuzz target for a
# short while.  Fails on any failed, timed-out or skipped test.  Needs
# root: the integration tests create namespaces with a private bus and
# polkitd.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=${MH_TEST_JOBS:-$(nproc)}

step() { printf '\n=== %s\n' "$*"; }

run_suite() { # run_suite BUILDDIR
    local dir=$1
    meson test -C "$dir" --num-processes "$jobs" --print-errorlogs
    # meson counts a skipped test as a success; here it is a defect.
    local skipped
    skipped=$(grep -c '"result": "SKIP"' "$dir/meson-logs/testlog.json" || true)
    if [[ "$skipped" != "0" ]]; then
        echo "test.sh: $skipped test(s) were skipped in $dir; every test must run" >&2
        grep '"result": "SKIP"' "$dir/meson-logs/testlog.json" | sed 's/.*"name": "\([^"]*\)".*/  \1/' >&2
        exit 1
    fi
}

step "dependencies"
scripts/install-deps.sh all

# Test builds have the fault points the fault-injection tests use; the
# installed builds of distributions leave them out (the default).
# The desktop app is built and tested too (it is optional elsewhere).
test_options=(-Dfault_injection=true -Ddesktop=enabled)

step "build"
if [[ -d build ]]; then meson setup --reconfigure build "${test_options[@]}"; else meson setup build "${test_options[@]}"; fi
ninja -C build

step "formatting"
scripts/check-format.sh

step "test suite"
run_suite build

step "build with address and undefined-behaviour sanitizers"
asan_options=("${test_options[@]}" -Db_sanitize=address,undefined -Db_lundef=false)
if [[ -d build-asan ]]; then
    meson setup --reconfigure build-asan "${asan_options[@]}"
else
    meson setup build-asan "${asan_options[@]}"
fi
ninja -C build-asan

step "test suite under sanitizers"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
run_suite build-asan

step "Debian packages"
scripts/package-test.sh

step "fuzzing: every libFuzzer target for a short while (scripts/fuzz.sh)"
scripts/fuzz.sh "${MH_FUZZ_SECONDS:-45}"

step "all tests passed"
