#!/bin/bash
# Smoke test of the Debian packages against their INSTALLED paths.  Runs as
# root inside `tests/sandbox/mh-sandbox --installed` (private system bus
# with the machine's own bus configuration, the real polkitd, test users),
# which scripts/package-test.sh starts in a throw-away root: installing
# here changes nothing on the machine.
#   installed-smoke.sh microvm-helper_*.deb microvm-user_*.deb microvm-desktop_*.deb
# Checks: dpkg installs them with their maintainer scripts while a bus
# runs; nothing is started or enabled; the bus activates
# /usr/libexec/microvm-helperd from the installed activation file; polkitd
# knows the installed actions; a test user creates, lists and deletes a tap;
# microvm-user runs; the man pages render; the completion loads; the unit
# verifies; purging removes everything and the bus forgets the service.
set -euo pipefail

die() { echo "installed-smoke: FAILED: $*" >&2; exit 1; }
ok() { echo "installed-smoke: ok: $*"; }
[[ -n "${MH_SANDBOX_DIR:-}" ]] || die "run me inside tests/sandbox/mh-sandbox --installed"
[[ $# -gt 0 ]] || die "give the .deb files to install"
# It installs and purges packages: never on the machine itself.
for dir in /usr /etc /var; do
    [[ "$(findmnt -n -o FSTYPE --mountpoint "$dir" || true)" == overlay ]] ||
        die "$dir is not an overlay: this test installs and purges packages, so it runs only in the throw-away root of scripts/package-test.sh"
done

sb=$MH_SANDBOX_DIR
bus_name=org.microvm.Helper1
helper=/usr/libexec/microvm-helperd
installed_paths=(
    "$helper"
    /usr/share/dbus-1/system.d/org.microvm.Helper1.conf
    /usr/share/dbus-1/system-services/org.microvm.Helper1.service
    /lib/systemd/system/microvm-helperd.service
    /usr/share/polkit-1/actions/org.microvm.helper.policy
    /usr/share/dbus-1/interfaces/org.microvm.Helper1.xml
    /usr/share/doc/microvm-helper/org.microvm.Helper1.html
    /usr/share/doc/microvm-helper/examples/50-microvm-helper.rules.example
    /usr/share/man/man8/microvm-helperd.8.gz
    /usr/share/man/man5/microvm-helper.conf.5.gz
    /usr/bin/microvm-user
    /usr/share/man/man1/microvm-user.1.gz
    /usr/lib/systemd/user/microvm@.service
    /usr/share/bash-completion/completions/microvm-user
    /usr/share/zsh/vendor-completions/_microvm-user
    /usr/share/fish/vendor_completions.d/microvm-user.fish
    /usr/lib/sysusers.d/microvm-helper.conf
    /usr/bin/microvms
    /usr/share/applications/org.microvm.MicroVMs.desktop
    /usr/share/icons/hicolor/scalable/apps/org.microvm.MicroVMs.svg
    /usr/share/metainfo/org.microvm.MicroVMs.metainfo.xml
    /usr/share/man/man1/microvms.1.gz
)

as_user() { # as_user NAME COMMAND...: the test users of mh-sandbox
    local uid
    uid=$(id -u "$1")
    shift
    setpriv --reuid="$uid" --regid="$uid" --clear-groups \
        env -i PATH=/usr/bin:/bin HOME="$sb/home/$(id -un "$uid")" \
        XDG_RUNTIME_DIR="/run/user/$uid" DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" "$@"
}
helper_call() { # helper_call USER METHOD [SIGNATURE ARG...]
    local user=$1 method=$2
    shift 2
    as_user "$user" busctl --system call "$bus_name" /org/microvm/Helper1 "$bus_name" "$method" "$@"
}
name_owner_pid() {
    gdbus call --system --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
        --method org.freedesktop.DBus.GetConnectionUnixProcessID "$bus_name" 2>/dev/null |
        sed -n 's/^(uint32 \([0-9]*\),)$/\1/p'
}
helper_running() { pgrep -x microvm-helperd >/dev/null; }

# --- install, with the bus and polkitd already running
helper_running && die "a microvm-helperd runs before the packages are installed"
dpkg -i "$@" >"$sb/dpkg-install.log" 2>&1 || { cat "$sb/dpkg-install.log" >&2; die "dpkg -i failed"; }
for p in microvm-helper microvm-user microvm-desktop; do
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p")
    [[ "$status" == "ii " ]] || die "$p is '$status' after dpkg -i, not installed (ii)"
done
for f in "${installed_paths[@]}"; do
    [[ -f "$f" ]] || die "$f is missing after installing the packages"
done
ok "dpkg -i installed the packages with their maintainer scripts"

# Installing must start and enable nothing: the bus starts the helper.
helper_running && die "installing the packages started microvm-helperd"
[[ -z "$(name_owner_pid)" ]] || die "$bus_name has an owner right after installation"
enabled=$(find /etc/systemd/system -name 'microvm*' 2>/dev/null || true)
[[ -z "$enabled" ]] || die "installing enabled units: $enabled"
ok "nothing started or enabled at install"

# polkitd read the installed actions file by itself.
pkaction --action-id org.microvm.helper.manage-taps --verbose >"$sb/pkaction.log" 2>&1 ||
    { cat "$sb/pkaction.log" >&2; die "polkitd does not know org.microvm.helper.manage-taps from the installed actions file"; }
grep -q 'implicit active:.*yes' "$sb/pkaction.log" || { cat "$sb/pkaction.log" >&2; die "pkaction shows unexpected defaults"; }
ok "polkitd knows the installed actions"

# --- the helper, D-Bus activated from the installed files
reply=$(helper_call alice CreateTap 'sa{sv}' pkg-test0 0) || die "CreateTap as alice failed"
[[ "$reply" =~ ^si\ \"pkg-test0\"\ [0-9]+$ ]] || die "CreateTap replied '$reply'"
pid=$(name_owner_pid)
[[ -n "$pid" ]] || die "$bus_name has no owner after a call"
exe=$(readlink "/proc/$pid/exe")
[[ "$exe" == "$helper" ]] || die "the bus started $exe, not $helper"
cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline")
[[ "$cmdline" == "$helper " ]] || die "the helper runs as '$cmdline', not as the installed activation file says"
ok "the bus activated $helper (pid $pid) from the installed activation file"

[[ "$(cat /sys/class/net/pkg-test0/owner)" == "$(id -u alice)" ]] || die "tap pkg-test0 is not owned by alice"
ok "CreateTap: pkg-test0 exists, owned by alice"

listed=$(helper_call alice ListTaps) || die "ListTaps as alice failed"
[[ "$listed" == *'"pkg-test0"'* ]] || die "ListTaps does not list pkg-test0: $listed"
ok "ListTaps lists pkg-test0"

# gdbus names the D-Bus error (busctl prints only its message).
denied=$(as_user mallory gdbus call --system --dest "$bus_name" --object-path /org/microvm/Helper1 \
    --method "$bus_name.CreateTap" pkg-test1 '{}' 2>&1) && die "mallory was allowed to create a tap"
[[ "$denied" == *"$bus_name.Error.NotAuthorized"* ]] || die "mallory's refusal is not NotAuthorized: $denied"
[[ ! -e /sys/class/net/pkg-test1 ]] || die "pkg-test1 exists although mallory was refused"
ok "polkit refuses mallory"

# Installing again runs the upgrade paths of the maintainer scripts (preinst
# upgrade, postinst configure with the old version) while the helper runs
# and holds a tap; without systemd nothing restarts it, and it keeps serving.
dpkg -i "$@" >"$sb/dpkg-reinstall.log" 2>&1 || { cat "$sb/dpkg-reinstall.log" >&2; die "installing again failed"; }
[[ "$(name_owner_pid)" == "$pid" ]] || die "installing again replaced or stopped the running helper"
listed=$(helper_call alice ListTaps) || die "ListTaps as alice failed after installing again"
[[ "$listed" == *'"pkg-test0"'* ]] || die "pkg-test0 is gone after installing again: $listed"
ok "installing again (the upgrade path) leaves the running helper and its tap alone"

helper_call alice DeleteTap s pkg-test0 >/dev/null || die "DeleteTap as alice failed"
[[ ! -e /sys/class/net/pkg-test0 ]] || die "pkg-test0 still exists after DeleteTap"
listed=$(helper_call alice ListTaps) || die "ListTaps as alice failed"
[[ "$listed" != *'pkg-test0'* ]] || die "ListTaps still lists pkg-test0: $listed"
ok "DeleteTap removed pkg-test0"

# --- the frontend
version=$(as_user alice microvm-user --version) || die "microvm-user --version failed"
[[ "$version" == *"$(dpkg-query -W -f='${Version}' microvm-user | sed 's/-[^-]*$//')"* ]] ||
    die "microvm-user --version says '$version', not the package's upstream version"
ok "microvm-user --version: $version"

runner="$sb/home/alice/microvm-qemu-pkgtest"
mkdir -p "$runner/bin" "$runner/share/microvm"
printf '#!/bin/sh\nexit 0\n' >"$runner/bin/microvm-run"
chmod 0755 "$runner/bin/microvm-run"
printf 'vm-pkg0\nvm-pkg1\n' >"$runner/share/microvm/tap-interfaces"
printf 'vnet_hdr multi_queue\n' >"$runner/share/microvm/tap-flags"
printf 'qemu\n' >"$runner/share/microvm/hypervisor"
chown -R alice:alice "$runner"
inspect=$(as_user alice microvm-user inspect --json "$runner") || die "microvm-user inspect failed"
python3 - "$inspect" <<'PY' || die "microvm-user inspect --json says: $inspect"
import json, sys
vm = json.loads(sys.argv[1])
assert vm["name"] == "pkgtest", vm["name"]
assert vm["hypervisor"] == "qemu", vm["hypervisor"]
assert vm["taps"] == ["vm-pkg0", "vm-pkg1"], vm["taps"]
assert vm["tap_flags"] == {"vnet_hdr": True, "multi_queue": True}, vm["tap_flags"]
PY
[[ ! -e /sys/class/net/vm-pkg0 ]] || die "inspect created a tap"
ok "microvm-user inspect on a generated runner"

# --- documentation, completion, units
for page in /usr/share/man/man1/microvm-user.1.gz /usr/share/man/man8/microvm-helperd.8.gz \
    /usr/share/man/man5/microvm-helper.conf.5.gz /usr/share/man/man1/microvms.1.gz; do
    title=$(basename "$page" .gz)
    title=${title%.*}
    rendered=$(MANWIDTH=80 MAN_DISABLE_SECCOMP=1 man --warnings -P cat -l "$page" 2>"$sb/man.err") ||
        { cat "$sb/man.err" >&2; die "man -l $page failed"; }
    [[ ! -s "$sb/man.err" ]] || { cat "$sb/man.err" >&2; die "man -l $page warns"; }
    grep -qi "^${title}(" <<<"$rendered" || die "man -l $page does not render a $title page"
done
ok "the installed man pages render"

as_user alice bash -c 'source /usr/share/bash-completion/completions/microvm-user && complete -p microvm-user' \
    >/dev/null || die "the installed bash completion does not register microvm-user"
# Debian's zsh finds it in its default fpath, fish in its vendor directory.
as_user alice zsh -f -c 'autoload -Uz compinit && compinit -u -D && (( $+_comps[microvm-user] ))' ||
    die "zsh does not find the installed completion for microvm-user in its default fpath"
offered=$(as_user alice fish -c 'complete -C "microvm-user st"' | cut -f1 | sort | tr '\n' ' ')
[[ "$offered" == "start status stop " ]] || die "fish completes 'microvm-user st' with '$offered'"
ok "the bash, zsh and fish completions load from their installed places"

# The desktop app runs from its installed place (no display needed for
# --version), and its metadata is what software centres accept.
[[ "$(as_user alice microvms --version)" == "microvms $(dpkg-query -W -f='${Version}' microvm-desktop | sed 's/-[^-]*$//')" ]] ||
    die "the installed microvms does not print its version"
appstreamcli validate --no-net /usr/share/metainfo/org.microvm.MicroVMs.metainfo.xml >/dev/null ||
    die "the installed AppStream metainfo does not validate"
ok "the installed desktop app runs and its metainfo validates"

# The group the example rules name: dpkg ran systemd-sysusers for it (the
# sandbox's group file has it already, so check the call), and the
# installed file creates it on a system that lacks it.
grep -q "systemd-sysusers.*microvm-helper.conf" /var/lib/dpkg/info/microvm-helper.postinst ||
    die "the postinst does not run systemd-sysusers for microvm-helper.conf"
sysusers_root=$(mktemp -d)
mkdir "$sysusers_root/etc"
systemd-sysusers --root="$sysusers_root" /usr/lib/sysusers.d/microvm-helper.conf >/dev/null 2>&1 ||
    die "systemd-sysusers refuses the installed microvm-helper.conf"
grep -q '^microvm:x:[0-9]*:$' "$sysusers_root/etc/group" || die "microvm-helper.conf does not create the group microvm"
rm -rf "$sysusers_root"
ok "the group microvm is created by the installed sysusers.d file"

units=$(systemd-analyze verify --man=no /lib/systemd/system/microvm-helperd.service 2>&1) &&
    [[ -z "$units" ]] || die "systemd-analyze verify of the installed unit: $units"
ok "the installed system unit verifies"

# --- removal: files gone, the bus forgets the service
dpkg --purge microvm-desktop microvm-user microvm-helper >"$sb/dpkg-purge.log" 2>&1 ||
    { cat "$sb/dpkg-purge.log" >&2; die "dpkg --purge failed"; }
for f in "${installed_paths[@]}"; do
    [[ ! -e "$f" ]] || die "$f is still there after purging the packages"
done
[[ -z "$(dpkg-query -W -f='${db:Status-Abbrev}' microvm-helper microvm-user microvm-desktop 2>/dev/null | tr -d ' n')" ]] ||
    die "dpkg still records the packages after the purge"
gone=$(helper_call alice ListTaps 2>&1) && die "the helper still answers after the purge: $gone"
ok "purged; the bus no longer lets alice reach $bus_name ($gone)"
