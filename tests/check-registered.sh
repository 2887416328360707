#!/bin/sh
# Fails when a test binary has a case that meson does not run (or meson
# lists a case the binary lacks): every case must be its own meson test.
# Usage: check-registered.sh TEST-BINARY CASE...
set -eu
binary=$1
shift
listed=$(MH_SANDBOX_DIR=/nonexistent "$binary" -l | grep '^/' | sort)
registered=$(printf '%s\n' "$@" | sort)
if [ "$listed" != "$registered" ]; then
    echo "cases in $binary and in tests/meson.build differ:" >&2
    diff -u --label "tests/meson.build" --label "$binary -l" \
        /dev/fd/3 /dev/fd/4 3<<A 4<<B >&2 || true
$registered
A
$listed
B
    exit 1
fi
echo "$(printf '%s\n' "$@" | wc -l) cases, all registered"
