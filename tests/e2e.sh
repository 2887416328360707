#!/bin/bash
# The end-to-end test: the README's demo as a test.  Outside the sandbox
# (which has no network) it builds the demo runner from Debian packages and,
# for the Rust variant, fetches Debian 13's virtiofsd, both cached in
# _cache; then it boots the VM inside the sandbox with examples/demo/run-demo.sh,
# which fails unless the ping, the shared file and its owner, the graceful
# shutdown and the cleanup all happened.
#   tests/e2e.sh single|multi-queue|rust-virtiofsd|bridge|macvtap
# bridge: the tap on an allowed bridge that carries the host's address;
# macvtap: a macvtap on a veth whose peer carries it, /dev/tapN opened by
# microvm-run.  The macvtap run holds the lock test-macvtap holds: /dev/tapN
# is named by a per-namespace ifindex on the machine's shared devtmpfs.
set -euo pipefail
: "${MH_SOURCE_ROOT:?}" "${MH_BUILD_ROOT:?}"
cache=${MH_CACHE_DIR:-$MH_SOURCE_ROOT/_cache}
mkdir -p "$cache"

build_options=()
demo_options=()
case "${1:-}" in
    single) variant=single ;;
    multi-queue) variant=multi; build_options+=(--multi-queue) ;;
    rust-virtiofsd)
        variant=single
        flock "$cache/.lock" "$MH_SOURCE_ROOT/tests/tools/fetch-rust-virtiofsd.sh" "$cache/rust-virtiofsd" >&2
        demo_options+=(--virtiofsd "$cache/rust-virtiofsd/virtiofsd") ;;
    bridge) variant=single; demo_options+=(--bridge) ;;
    macvtap) variant=macvtap; build_options+=(--macvtap lan-demo); demo_options+=(--macvtap) ;;
    *) echo "usage: $0 single|multi-queue|rust-virtiofsd|bridge|macvtap" >&2; exit 2 ;;
esac

# One build at a time: the tests of the suite run in parallel and share the cache.
runner=$(flock "$cache/.lock" "$MH_SOURCE_ROOT/examples/demo/build-runner.sh" \
             "$cache/demo-$variant" --cache "$cache/debs" "${build_options[@]}" | tail -n 1)
lock=()
[[ $variant != macvtap ]] || lock=(flock /tmp/microvm-helper-macvtap-tests.lock)
exec "${lock[@]}" "$MH_SOURCE_ROOT/tests/sandbox/mh-sandbox" -- \
    "$MH_SOURCE_ROOT/examples/demo/run-demo.sh" --runner "$runner" "${demo_options[@]}"
