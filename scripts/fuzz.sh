#!/bin/bash
# Builds the libFuzzer targets of fuzz/ (clang, AddressSanitizer and
# UndefinedBehaviorSanitizer, in build-fuzz) and runs each for SECONDS
# (default 60), two at a time, from a scratch copy of its seed corpus so
# that fuzz/corpus is never modified.  fuzz-runner, the slowest (it makes
# a directory tree per input) and the widest, gets twice SECONDS and
# starts first: with seven targets on two cores that fills the slot that
# would otherwise idle in the last round, so all of it takes 4 x SECONDS.  Prints, per target, the executions,
# executions per second, coverage (libFuzzer's final cov:/ft:) and whether
# it crashed; exits non-zero if any target crashed, keeping the input and
# printing how to reproduce it.  Needs root to install packages (once).
#   scripts/fuzz.sh [SECONDS]
#   scripts/fuzz.sh --build-only   (builds the targets and stops: test.sh
#                                   builds them while a test suite runs)
# Environment: MH_FUZZ_TARGETS="ifname runner ..." to run only some,
# MH_FUZZ_JOBS (default 2) targets at a time, MH_FUZZ_DIR work directory
# (default build-fuzz/fuzz-run; emptied first).
set -euo pipefail
cd "$(dirname "$0")/.."

build_only=false
if [[ "${1:-}" == --build-only ]]; then
    build_only=true
    shift
fi
seconds=${1:-60}
jobs=${MH_FUZZ_JOBS:-2}
work=${MH_FUZZ_DIR:-build-fuzz/fuzz-run}
all_targets=(runner dispatch ifname pci-address config user-config tap-request tap-registry)
read -r -a targets <<<"${MH_FUZZ_TARGETS:-${all_targets[*]}}"

if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [[ "$seconds" -eq 0 ]]; then
    echo "usage: $0 [SECONDS | --build-only]   (SECONDS > 0, default 60)" >&2
    exit 2
fi

step() { printf '\n=== %s\n' "$*"; }

step "dependencies"
if [[ $(id -u) -eq 0 ]]; then
    scripts/install-deps.sh fuzz
else
    echo "fuzz.sh: not root, assuming clang and libFuzzer are installed"
fi

step "build (clang, libFuzzer, ASan+UBSan) in build-fuzz"
options=(-Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false)
if [[ -f build-fuzz/build.ninja ]]; then
    CC=clang meson setup --reconfigure build-fuzz "${options[@]}" >/dev/null ||
        CC=clang meson setup --wipe build-fuzz "${options[@]}" >/dev/null
else
    CC=clang meson setup build-fuzz "${options[@]}" >/dev/null
fi
ninja -C build-fuzz "${targets[@]/#/fuzz/fuzz-}"
if $build_only; then
    echo "fuzz.sh: ${#targets[@]} targets built in build-fuzz"
    exit 0
fi

rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
# fuzz-runner makes and removes a directory tree per input: on tmpfs it
# runs several times faster than on disk.
if tmp_root=$(mktemp -d /dev/shm/mh-fuzz.XXXXXX 2>/dev/null); then
    trap 'rm -rf "$tmp_root"' EXIT
else
    tmp_root=$work/tmp
fi

# Sanitizer reports abort the run, so that libFuzzer keeps the input.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

run_target() { # run_target NAME: fuzzes one target; never fails itself
    local name=$1 rc=0
    local corpus=$work/corpus/$name crashes=$work/crashes/$name scratch=$tmp_root/$name
    local dict=() time=$seconds
    [[ $name == runner ]] && time=$((2 * seconds))
    mkdir -p "$corpus" "$crashes" "$scratch"
    cp fuzz/corpus/"$name"/* "$corpus"/
    [[ -f fuzz/dict/$name.dict ]] && dict=(-dict="fuzz/dict/$name.dict")
    # TMPDIR: where fuzz-runner makes its trees; removed below.
    TMPDIR=$scratch build-fuzz/fuzz/fuzz-"$name" \
        -max_total_time="$time" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$crashes/" "${dict[@]}" "$corpus" >"$work/$name.log" 2>&1 || rc=$?
    echo "$rc" >"$work/$name.rc"
    rm -rf "$scratch"
}

step "fuzzing ${#targets[@]} targets for ${seconds}s each (fuzz-runner twice that), $jobs at a time"
running=0
for name in "${targets[@]}"; do
    if ((running >= jobs)); then
        wait -n || true
        running=$((running - 1))
    fi
    echo "fuzz-$name"
    run_target "$name" &
    running=$((running + 1))
done
wait

step "results (logs in $work)"
printf '%-18s %12s %8s %7s %8s %8s  %s\n' target executions exec/s cov ft corpus result
failed=0
for name in "${targets[@]}"; do
    log=$work/$name.log
    rc=$(cat "$work/$name.rc")
    execs=$(grep -a 'stat::number_of_executed_units:' "$log" | awk '{print $2}' || true)
    rate=$(grep -a 'stat::average_exec_per_sec:' "$log" | awk '{print $2}' || true)
    last=$(grep -aE '^#[0-9]+[[:space:]]+[A-Z]+[[:space:]]+cov: ' "$log" | tail -n 1 || true)
    cov=$(sed -nE 's/.* cov: ([0-9]+) .*/\1/p' <<<"$last")
    ft=$(sed -nE 's/.* ft: ([0-9]+) .*/\1/p' <<<"$last")
    corp=$(sed -nE 's/.* corp: ([0-9]+)\/.*/\1/p' <<<"$last")
    mapfile -t found < <(find "$work/crashes/$name" -type f | sort)
    result=ok
    if [[ "$rc" != 0 || ${#found[@]} -gt 0 ]]; then
        result="CRASHED (exit $rc)"
        failed=1
    fi
    printf '%-18s %12s %8s %7s %8s %8s  %s\n' "fuzz-$name" "${execs:-?}" "${rate:-?}" \
        "${cov:-?}" "${ft:-?}" "${corp:-?}" "$result"
done

if [[ $failed -ne 0 ]]; then
    for name in "${targets[@]}"; do
        rc=$(cat "$work/$name.rc")
        mapfile -t found < <(find "$work/crashes/$name" -type f | sort)
        [[ "$rc" == 0 && ${#found[@]} -eq 0 ]] && continue
        step "fuzz-$name crashed"
        grep -aE '^(fuzz: |ERROR|SUMMARY|==[0-9]+==ERROR|.*ERROR:.*assertion|\*\*)' "$work/$name.log" |
            head -n 20 || true
        echo "full log: $work/$name.log"
        for input in "${found[@]}"; do
            echo "kept input: $input"
            echo "reproduce:  build-fuzz/fuzz/fuzz-$name '$input'"
        done
        echo "then fix it, add a regression test under tests/unit/ and copy the input into fuzz/corpus/$name/"
    done
    exit 1
fi
echo "fuzz.sh: no crash in ${#targets[@]} targets"
