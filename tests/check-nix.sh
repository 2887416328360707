#!/bin/bash
# Checks the Nix files as far as Debian's nix-bin can without nixpkgs
# (which cannot be fetched here): every .nix file parses; the flake's
# outputs, evaluated with stand-in inputs, have the expected names; the
# package's inputs cover every dependency() of meson.build; the NixOS
# module, evaluated with a stand-in lib (tests/nix/stub-lib.nix), declares
# a settings option for every key microvm-helperd knows (helper/mh-config.c)
# and wires what it must (no security.wrappers); the settings renderer
# writes a helper.conf that `microvm-helperd --check-config` accepts, and
# one it refuses for a typo.  Building the package, the real module system
# and the NixOS test (nix/tests/nixos.nix) need a machine with nixpkgs.
#
# MH_NIXPKGS_LIB=/path/to/nixpkgs/lib additionally evaluates the module
# with the real lib.evalModules (used by hand where a copy of nixpkgs' lib
# is at hand; the test command has none).
# Usage: check-nix.sh SOURCE_ROOT BUILD_ROOT
set -euo pipefail
source_root=$(realpath "$1")
build_root=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Nix's store, state and configuration in the scratch directory: nothing
# is written under /nix, and --readonly-mode copies nothing into a store.
mkdir -p "$work/conf"
echo "build-users-group =" >"$work/conf/nix.conf"
export NIX_STORE_DIR=$work/store NIX_STATE_DIR=$work/state NIX_LOG_DIR=$work/log NIX_CONF_DIR=$work/conf
nix_eval() { nix-instantiate --readonly-mode --eval --strict --json "$@"; }
failures=0
cd "$source_root"

# --- every .nix file parses
count=0
while IFS= read -r -d '' file; do
    if ! nix-instantiate --readonly-mode --parse "$file" >/dev/null 2>"$work/parse.err"; then
        echo "FAIL: $file does not parse:"
        sed 's/^/    /' "$work/parse.err"
        failures=$((failures + 1))
    fi
    count=$((count + 1))
done < <(find . \( -name 'build*' -o -name _cache -o -name .git \) -prune -o -name '*.nix' -print0)
echo "ok: $count .nix files parse"

# --- evaluate the flake, package and module with stand-ins
real_lib=null
[[ -n "${MH_NIXPKGS_LIB:-}" ]] && real_lib=$(realpath "$MH_NIXPKGS_LIB")
if ! nix_eval -E "removeAttrs (import ./tests/nix/checks.nix { root = ./.; realLib = $real_lib; }) [ \"render\" ]" \
    >"$work/facts.json" 2>"$work/eval.err"; then
    echo "FAIL: evaluating tests/nix/checks.nix:"
    sed 's/^/    /' "$work/eval.err"
    exit 1
fi

# --- the settings renderer, and the helper judging what it wrote
render() { # render NIX-ATTRSET FILE
    nix_eval -E "import ./nix/helper-conf.nix ($1)" | python3 -c 'import json, sys; sys.stdout.write(json.load(sys.stdin))' >"$2"
}
render '{ Taps = { MaxPerUser = 4; MaxTotal = null; AllowedNames = [ "vm-*" "mvm-*" ]; };
          PCI = { Allow = [ ]; Deny = [ "0000:00:02.0" "10de:1eb8" ]; MaxMemlock = 17179869184; };
          Later = { Unset = null; }; }' "$work/helper.conf"
printf '[PCI]\nAllow=\nDeny=0000:00:02.0;10de:1eb8\nMaxMemlock=17179869184\n\n[Taps]\nAllowedNames=vm-*;mvm-*\nMaxPerUser=4\n' >"$work/expected.conf"
if ! diff -u "$work/expected.conf" "$work/helper.conf"; then
    echo "FAIL: the renderer wrote the helper.conf above"
    failures=$((failures + 1))
fi
if "$build_root/helper/microvm-helperd" --check-config --config "$work/helper.conf" >"$work/check.out" 2>&1; then
    echo "ok: the rendered helper.conf: $(cat "$work/check.out")"
else
    echo "FAIL: microvm-helperd --check-config refuses the rendered helper.conf: $(cat "$work/check.out")"
    failures=$((failures + 1))
fi
render '{ Taps.MaxPerUsr = 3; }' "$work/typo.conf"
if "$build_root/helper/microvm-helperd" --check-config --config "$work/typo.conf" >"$work/check.out" 2>&1; then
    echo "FAIL: microvm-helperd --check-config accepts a typo: $(cat "$work/typo.conf")"
    failures=$((failures + 1))
elif grep -q 'unknown key "MaxPerUsr" in \[Taps\]' "$work/check.out"; then
    echo "ok: a typo in the settings fails the build step: $(cat "$work/check.out")"
else
    echo "FAIL: --check-config refused the typo without naming it: $(cat "$work/check.out")"
    failures=$((failures + 1))
fi
if nix_eval -E 'import ./nix/helper-conf.nix { Taps.AllowedNames = [ "vm-*\nMaxPerUser=999" ]; }' >/dev/null 2>&1; then
    echo "FAIL: the renderer let a value with a newline through (a second key)"
    failures=$((failures + 1))
fi

# --- compare the facts with what they must be
python3 - "$work/facts.json" "$source_root" <<'PY' || failures=$((failures + 1))
import json, re, sys
from pathlib import Path

facts = json.load(open(sys.argv[1]))
root = Path(sys.argv[2])
problems = []

def expect(what, got, wanted):
    if got != wanted:
        problems.append("%s: %r, expected %r" % (what, got, wanted))

flake = facts["flake"]
expect("flake inputs", flake["inputs"], ["microvm", "nixpkgs"])
expect("flake outputs", flake["outputs"], ["checks", "nixosModules", "overlays", "packages"])
for system in ("x86_64-linux", "aarch64-linux"):
    expect("packages." + system, flake["packages"].get(system), ["default", "microvm-helper"])
    expect("checks." + system, flake["checks"].get(system), ["nixos", "package"])
expect("nixosModules", flake["nixosModules"], ["default"])
expect("overlays", flake["overlays"], ["default"])
expect("overlays.default adds", flake["overlayAdds"], ["microvm-helper"])
expect("nixosModules.default imports", [Path(p).relative_to(root).as_posix() for p in flake["moduleImports"]], ["nix/module.nix"])
expect("nixosModules.default package", flake["modulePackageDefault"], "microvm-helper")
expect("NixOS test nodes", flake["testNodes"], ["machine"])
for step in ("microvm-user start demo", "microvm-user stop demo", "hello-from-guest.txt",
             "demo-guest: ping OK", "/sys/class/net/vm-demo/owner", "/run/wrappers/bin",
             "ProtectSystem=strict", "stat -c %a /dev/net/tun"):
    if step not in flake["testScript"]:
        problems.append("the NixOS test does not check %r" % step)

# The package: meson.build's version, tests off, man pages on, and an input
# for every dependency() the installed programs need.
package = facts["package"]
version = re.search(r"^  version: '([^']+)',$", (root / "meson.build").read_text(), re.M).group(1)
expect("package version", package["version"], version)
for flag in ("-Dtests=false", "-Dman=enabled", "-Dsysconfdir=/etc"):
    if flag not in package["mesonFlags"]:
        problems.append("package mesonFlags lack %s" % flag)
expect("package doCheck", package["doCheck"], False)
nixpkgs_of = {  # pkg-config name -> nixpkgs attribute
    "glib-2.0": "glib", "gio-2.0": "glib", "gio-unix-2.0": "glib",
    "polkit-gobject-1": "polkit", "polkit-agent-1": "polkit",
    "libnl-route-3.0": "libnl", "libnl-3.0": "libnl", "libcap-ng": "libcap_ng",
    "libpci": "pciutils", "json-glib-1.0": "json-glib",
    "gtk4": "gtk4", "libadwaita-1": "libadwaita",
}
optional = {"bash-completion", "fish"}  # only asked where to install
needed = set()
for build in root.glob("**/meson.build"):
    if build.parts[len(root.parts)] in ("tests", "bench", "fuzz") or build.parts[len(root.parts)].startswith("build"):
        continue
    # The desktop app is built only where the package asks for it.
    if build.parts[len(root.parts)] == "desktop" and "-Ddesktop=disabled" in package["mesonFlags"]:
        continue
    for name in re.findall(r"dependency\('([^']+)'", build.read_text()):
        if name in optional:
            continue
        if name not in nixpkgs_of:
            problems.append("%s needs %s: add it to nix/package.nix and to the table in tests/check-nix.sh"
                            % (build.relative_to(root), name))
        else:
            needed.add(nixpkgs_of[name])
for attr in sorted(needed - set(package["buildInputs"])):
    problems.append("nix/package.nix buildInputs lack %s (meson.build needs it)" % attr)
for tool in ("meson", "ninja", "pkg-config", "libxslt", "docbook-xsl-nons", "gettext", "glib", "python3"):
    if tool not in package["nativeBuildInputs"]:
        problems.append("nix/package.nix nativeBuildInputs lack %s" % tool)

# The module: a settings option for every key of the helper, nothing more.
module = facts["module"]
known = {}
source = (root / "helper" / "mh-config.c").read_text()
table = source[source.index("known_keys[] = {"):]
table = table[:table.index("};")]
for group, keys in re.findall(r'\{\s*"(\w+)",\s*\{([^}]*)\}\s*\}', table):
    known[group] = sorted(re.findall(r'"(\w+)"', keys))
expect("settings keys declared by the module (helper/mh-config.c knows %s)" % known,
       {g: sorted(k) for g, k in module["settingsKeys"].items()}, known)
expect("module options", module["options"], [
    "enable: bool", "package: package", "polkit.pciGroup: nullOr str", "polkit.tapGroup: nullOr str",
    "settings: submodule", "settings.Network.AllowedBridges: nullOr listOf str",
    "settings.Network.AllowedMacvtapLinks: nullOr listOf str",
    "settings.Network.AllowedMacvtapModes: nullOr listOf str",
    "settings.PCI.Allow: nullOr listOf str", "settings.PCI.Deny: nullOr listOf str",
    "settings.PCI.MaxMemlock: nullOr unsignedInt", "settings.Taps.AllowedNames: nullOr listOf str", "settings.Taps.HostIPv6: nullOr bool",
    "settings.Taps.MaxPerUser: nullOr unsignedInt", "settings.Taps.MaxTotal: nullOr unsignedInt",
    "vms: attrsOf submodule", "vms.<name>.autostart: bool", "vms.<name>.runner: path", "vms.<name>.user: str"])
expect("config under mkIf enable", module["enabledBy"], True)
expect("security.wrappers set", module["wrappers"], False)
for key in ("systemPackages", "dbusPackages", "systemdPackages"):
    expect(key, module[key], ["microvm-helper"])
expect("security.polkit.enable", module["polkitEnabled"], True)
expect("polkit rules", module["polkitRules"],
       'polkit.addRule(function(action, subject) {\n'
       '    if (action.id == "org.microvm.helper.manage-taps" && subject.isInGroup("microvm"))\n'
       '        return polkit.Result.YES;\n});\n')
expect("helper.conf text", module["helperConf"]["text"],
       "[Network]\nAllowedBridges=br0\n\n[PCI]\nAllow=\nMaxMemlock=1073741824\n\n[Taps]\nAllowedNames=vm-*\nHostIPv6=false\nMaxPerUser=4\n")
if "microvm-helperd --check-config" not in module["helperConf"]["script"]:
    problems.append("helper.conf is not checked with microvm-helperd --check-config at build time")
expect("restartTriggers", module["restartTriggers"], ["microvm-helper.conf"])
expect("kernel modules", module["kernelModules"], ["tun"])
expect("udev rule", module["udevRules"], 'KERNEL=="tun", MODE="0666"\n')
expect("groups", module["groups"], ["microvm"])
expect("activation enabled", module["activation"]["enabled"], True)
# --force: after a rebuild the declared runner replaces the recorded one
# (install refuses another runner under an existing name without it).
if "bin/microvm-user install --force 'demo' /nix/store/00000000000000000000000000000000-microvm-qemu-demo" not in module["activation"]["script"] \
        or "'alice')" not in module["activation"]["script"]:
    problems.append("the activation does not install (--force) demo for alice: %r" % module["activation"]["script"])
expect("autostart targets", module["autostartTargets"], {"microvm-autostart-alice": ["microvm@demo.service"]})
expect("autostart ordering", module["autostartAfter"], {"microvm@demo": ["nixos-activation.service"]})
expect("assertions", module["assertions"], [True])

real = facts.get("real")
if real is not None:
    expect("real lib: settings", real["settings"], {"PCI": {"Allow": [], "Deny": None, "MaxMemlock": 1073741824},
                                                    "Taps": {"AllowedNames": ["vm-*"], "MaxPerUser": 4, "MaxTotal": None}})
    expect("real lib: vms.<name>.autostart default", real["vmAutostartDefault"], False)
    expect("real lib: helper.conf", real["helperConf"], module["helperConf"]["text"])
    expect("real lib: dbus packages", real["dbusPackages"], ["microvm-helper"])
    expect("real lib: groups", real["groups"], ["microvm"])
    expect("real lib: assertions", real["assertions"], [True])
    expect("real lib: no autostart by default", real["autostartTargets"], [])
    expect("real lib: a typo still renders (the build refuses it)", real["typo"], "[Taps]\nMaxPerUsr=3\n")
    print("ok: the module evaluated by the real lib.evalModules too")

for p in problems:
    print("FAIL: " + p)
if not problems:
    print("ok: flake outputs %s; package inputs cover meson.build; module options cover %s; wiring checked"
          % (", ".join(flake["outputs"]), ", ".join("[%s] %s" % (g, " ".join(k)) for g, k in sorted(known.items()))))
sys.exit(1 if problems else 0)
PY

[[ $failures -eq 0 ]] && echo "Nix files: parsed and evaluated as far as possible without nixpkgs"
exit $((failures > 0))
