#!/bin/bash
# The Debian package check (scripts/test.sh runs it, so CI does):
#  1. installs what building and checking the packages needs;
#  2. builds them with `dpkg-buildpackage -us -uc -b` from a copy of the
#     tree (the tree itself stays clean) into build-deb/;
#  3. prints each package's fields and file list, and runs lintian (any
#     error or warning that debian/*.lintian-overrides does not explain
#     fails);
#  4. installs them into a throw-away root and runs
#     tests/package/installed-smoke.sh there, inside
#     `tests/sandbox/mh-sandbox --installed`, against the installed paths;
#  5. runs the `system` suite (tests/system/run-suite.sh): the same .debs
#     installed in a container booted with the real systemd, logind and a
#     user manager, the demo VMs run through them, and removed again.
#
# The throw-away root is a new mount namespace in which /usr, /etc, /var
# (so /lib, a symlink into /usr on Debian 12, too) and /tmp are overlayfs
# mounts whose lower layer is the machine's directory and whose upper layer
# is a tmpfs (on a /run of the namespace's own, outside all of them):
# dpkg, the maintainer scripts and the triggers write only into the tmpfs,
# and all of it vanishes with the namespace.  The packages' dependencies
# come from the machine (step 1 installs them).  The script proves the
# machine stayed untouched: it compares the dpkg database, a few files and
# every path the packages contain before and after, and lists anything
# below /usr, /etc, /var/lib/dpkg and /var/lib/systemd modified meanwhile;
# any difference fails.  While it checks, it holds dpkg's locks, so that
# another job's apt-get waits instead of looking like a change.
#
# Needs root.  Usage: scripts/package-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
out=$src/build-deb

die() { echo "package-test: $*" >&2; exit 1; }
step() { printf '\n=== package: %s\n' "$*"; }

# The throw-away root: runs only through `unshare --mount` below (as a
# function handed to a new bash, not as an option anybody could call), and
# checks that its mount namespace is not the caller's before mounting.
throwaway_root() { # throwaway_root CALLER_MOUNT_NS DEB...
    set -euo pipefail
    local caller_ns=$1 root=/run/throwaway-root dir
    shift
    if [[ "$(readlink /proc/self/ns/mnt)" == "$caller_ns" ]]; then
        echo "package-test: the throw-away root is not in a mount namespace of its own" >&2
        exit 1
    fi
    # Overlays, not a tmpfs, also on /tmp: a checkout below any of these
    # directories must stay visible.  mh-sandbox mounts yet another /run;
    # the overlays keep their layers.
    mount -t tmpfs -o mode=0755 tmpfs /run
    for dir in usr etc var tmp; do
        mkdir -p "$root/$dir" "$root/$dir.work"
        mount -t overlay "throwaway-$dir" \
            -o "lowerdir=/$dir,upperdir=$root/$dir,workdir=$root/$dir.work" "/$dir"
    done
    exec tests/sandbox/mh-sandbox --installed -- tests/package/installed-smoke.sh "$@"
}

[[ $# -eq 0 ]] || die "usage: scripts/package-test.sh (no arguments)"
[[ $(id -u) -eq 0 ]] || die "run as root: it installs build dependencies and creates namespaces"
started=$SECONDS

step "dependencies"
scripts/install-deps.sh package

version=$(dpkg-parsechangelog -l debian/changelog -S Version)
upstream=${version%-*}
meson_version=$(sed -n "s/^  version: '\([^']*\)',$/\1/p" meson.build)
[[ "$upstream" == "$meson_version" ]] ||
    die "debian/changelog is at $version but meson.build at $meson_version: add a changelog entry for $meson_version-1"
arch=$(dpkg --print-architecture)

step "build $version from a copy of the tree"
rm -rf "$out"
tree=$out/microvm-helper-$upstream
mkdir -p "$tree"
# What git knows of (tracked, or new and not ignored), as it is in the
# working tree; build directories and caches stay behind.
git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do [[ -e "$f" || -L "$f" ]] && printf '%s\0' "$f"; done |
    tar --null -T - -cf - | tar -xf - -C "$tree"
build_started=$SECONDS
if ! (cd "$tree" && dpkg-buildpackage -us -uc -b -Jauto) >"$out/build.log" 2>&1; then
    tail -n 60 "$out/build.log" >&2
    die "dpkg-buildpackage failed (whole log: $out/build.log)"
fi
echo "built in $((SECONDS - build_started)) s (log: $out/build.log)"
# The package build does not use -Werror (debian/rules says why); CI still
# wants no compiler, dpkg-shlibdeps or debhelper warning at all.
if grep -n 'warning:' "$out/build.log" >&2; then
    die "the package build printed the warnings above"
fi
debs=("$out/microvm-helper_${version}_$arch.deb" "$out/microvm-user_${version}_$arch.deb"
    "$out/microvm-desktop_${version}_$arch.deb")
changes=$out/microvm-helper_${version}_$arch.changes
for f in "${debs[@]}" "$changes"; do [[ -f "$f" ]] || die "dpkg-buildpackage did not make $f"; done

step "packages"
for deb in "${debs[@]}"; do
    echo "--- $(basename "$deb")"
    dpkg-deb -f "$deb" Package Version Architecture Depends Recommends Suggests
    dpkg-deb -c "$deb" | tee "$out/$(dpkg-deb -f "$deb" Package).files"
done

# Only microvm-desktop may bring GTK: the helper and the CLI stay small
# enough for a server.
for deb in "${debs[@]:0:2}"; do
    if dpkg-deb -f "$deb" Depends Recommends | grep -Ei 'libgtk|libadwaita'; then
        die "$(basename "$deb") depends on GTK or libadwaita (only microvm-desktop may)"
    fi
done

step "lintian"
# Unprivileged, on a copy it can read.
lint=$(mktemp -d)
trap 'rm -rf "$lint"' EXIT
cp "$changes" "$out"/*.deb "$out"/*.buildinfo "$lint/"
chmod -R a+rX "$lint"
# Overridden tags are shown (with the reason) but only E: and W: fail.
setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/nonexistent \
    lintian --fail-on none --display-info --show-overrides "$lint/$(basename "$changes")" |
    tee "$out/lintian.txt"
if grep -q '^[EW]: ' "$out/lintian.txt"; then
    die "lintian found errors or warnings (fix them, or explain them in debian/*.lintian-overrides)"
fi
echo "lintian: no errors or warnings, $(grep -c '^I: ' "$out/lintian.txt" || true) info tags, $(grep -c '^O: ' "$out/lintian.txt" || true) overridden"

step "demo runners for the system suite"
# Built before dpkg's locks are taken: apt-get download fetches the guest's
# kernel and busybox (cached; the e2e tests use the same cache).
cache=${MH_CACHE_DIR:-$src/_cache}
mkdir -p "$cache"
runners_started=$SECONDS
for name in demo demo2; do
    # Kept while newer than everything it is built from (the kernel and
    # busybox are those of the cache, which nothing replaces).
    runner=$cache/system/microvm-qemu-$name
    if [[ -x "$runner/bin/microvm-run" && -z "$(find examples/demo -newer "$runner/bin/microvm-run" -print -quit)" ]]; then
        echo "demo runner $name: up to date in $runner"
        continue
    fi
    flock "$cache/.lock" examples/demo/build-runner.sh "$cache/system" --name "$name" \
        --cache "$cache/debs" >"$out/runner-$name.log" 2>&1 ||
        { tail -n 20 "$out/runner-$name.log" >&2; die "building the demo runner $name failed"; }
done
echo "demo runners built in $((SECONDS - runners_started)) s"

step "throw-away root: install and smoke test against the installed paths"
# Hold dpkg's locks (fcntl, as dpkg and apt take them) until our stdin closes.
coproc DPKG_LOCK {
    python3 -c '
import fcntl, os, sys, time
held = []
for path in ("/var/lib/dpkg/lock-frontend", "/var/lib/dpkg/lock"):
    fd = os.open(path, os.O_RDWR)
    deadline = time.monotonic() + 600
    while True:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except OSError:
            if time.monotonic() > deadline:
                sys.exit("package-test: dpkg stayed locked by another job for 10 minutes")
            time.sleep(0.5)
    held.append(fd)
print("locked", flush=True)
sys.stdin.read()
'
}
read -r locked <&"${DPKG_LOCK[0]}" || true
[[ "${locked:-}" == "locked" ]] || die "could not take dpkg's lock"

# The state the test must not change.
watched_dirs=()
for d in /usr /etc /var/lib/dpkg /var/lib/systemd; do [[ -d "$d" ]] && watched_dirs+=("$d"); done
snapshot() {
    dpkg-query -W -f='${binary:Package} ${Version} ${db:Status-Abbrev}\n'
    for f in /var/lib/dpkg/status /var/lib/dpkg/diversions /var/lib/dpkg/statoverride \
        /var/log/dpkg.log /etc/passwd /etc/group /etc/shadow; do
        if [[ -e "$f" ]]; then sha256sum "$f"; else echo "absent $f"; fi
    done
    # Every path the packages contain, as it is on the machine.
    cat "$out"/*.files | awk '{ print $NF }' | sed 's|^\./|/|; s|/$||' | sort -u |
        while IFS= read -r p; do
            if [[ -L "$p" || -e "$p" ]]; then stat -c '%n %F %s %a %Y' -- "$p"; else echo "absent $p"; fi
        done
}
snapshot >"$out/machine-before.txt"
stamp=$out/machine-stamp
touch "$stamp"

smoke_started=$SECONDS
status=0
MH_SOURCE_ROOT=$src unshare --mount --propagation private -- \
    bash -c "$(declare -f throwaway_root); throwaway_root \"\$@\"" throwaway-root \
    "$(readlink /proc/self/ns/mnt)" "${debs[@]}" || status=$?
smoke_seconds=$((SECONDS - smoke_started))

# 5. Inside the same watch: the container the system suite boots must
# change nothing on the machine either.
system_status=0
system_seconds=0
if [[ $status -eq 0 ]]; then
    step "system suite: the packages under the real systemd (tests/system)"
    system_started=$SECONDS
    # The desktop cases' screenshots and dialog texts: build-deb/system-artifacts/desktop.
    rm -rf "$out/system-artifacts"
    tests/system/run-suite.sh --runners "$cache/system" --artifacts "$out/system-artifacts" \
        "${debs[@]}" || system_status=$?
    system_seconds=$((SECONDS - system_started))
fi

snapshot >"$out/machine-after.txt"
find "${watched_dirs[@]}" -xdev \( -newer "$stamp" -o -cnewer "$stamp" \) -print >"$out/machine-modified.txt"
eval "exec ${DPKG_LOCK[1]}>&-"
wait "$DPKG_LOCK_PID" || true

if ! diff -u "$out/machine-before.txt" "$out/machine-after.txt"; then
    die "the machine changed during the throw-away root test (diff above)"
fi
if [[ -s "$out/machine-modified.txt" ]]; then
    cat "$out/machine-modified.txt" >&2
    die "files on the machine were modified during the throw-away root test (listed above)"
fi
echo "machine untouched: dpkg database, $(grep -c '' "$out/machine-before.txt") recorded states unchanged; nothing modified below ${watched_dirs[*]}"
[[ $status -eq 0 ]] || die "the smoke test against the installed packages failed"
echo "smoke test passed in ${smoke_seconds} s"
[[ $system_status -eq 0 ]] || die "the system suite failed (tests/system)"
echo "system suite passed in ${system_seconds} s"

step "done in $((SECONDS - started)) s: $(cd "$out" && ls ./*.deb | tr '\n' ' ')"
