# microvm-helper built from this checkout: meson and ninja, the same
# dependencies as the Debian package (debian/control), the test suite off
# (it needs root, namespaces and a private system bus) and the man pages on.
# The helper reads /etc/microvm-helper/helper.conf (the NixOS module writes
# it); everything else lands in $out: the D-Bus policy and activation file,
# the systemd units, the polkit actions, the completions, the sysusers.d
# file.
{
  lib,
  stdenv,
  meson,
  ninja,
  pkg-config,
  python3,
  gettext,
  glib,
  libxslt,
  docbook-xsl-nons,
  docbook_xml_dtd_45,
  docbook_xml_dtd_412,
  polkit,
  libnl,
  pciutils,
  libcap_ng,
  json-glib,
}:

let
  root = ./..;
  # meson.build is the one place the version is written.
  version = builtins.head (
    builtins.match ".*\n  version: '([^']+)',\n.*" (builtins.readFile (root + "/meson.build"))
  );
  # The tree without what a build or a test run leaves in a checkout.
  leftovers = [ "build" "build-asan" "build-deb" "_cache" "result" ];
in
stdenv.mkDerivation {
  pname = "microvm-helper";
  inherit version;

  src = lib.cleanSourceWith {
    src = root;
    name = "microvm-helper-source";
    filter =
      path: type:
      lib.cleanSourceFilter path type
      && !(type == "directory" && builtins.elem (baseNameOf path) leftovers);
  };

  strictDeps = true;

  nativeBuildInputs = [
    meson
    ninja
    pkg-config
    python3 # writes the shell completions
    gettext # merges translations into the polkit actions
    glib # gdbus-codegen
    libxslt # xsltproc: man pages and the D-Bus reference
    docbook-xsl-nons # found through XML_CATALOG_FILES
    docbook_xml_dtd_45
    docbook_xml_dtd_412 # gdbus-codegen's DocBook
  ];

  buildInputs = [
    glib
    polkit
    libnl
    pciutils # libpci
    libcap_ng
    json-glib # microvm-user --json
  ];

  mesonFlags = [
    (lib.mesonBool "tests" false)
    (lib.mesonEnable "man" true)
    # The GTK app is a package of its own (as microvm-desktop on Debian),
    # so that the helper and the CLI never pull in GTK.
    (lib.mesonEnable "desktop" false)
    # A newer compiler's new warning must not break a released version.
    (lib.mesonBool "werror" false)
    # The administrator's configuration, not one in the store.
    (lib.mesonOption "sysconfdir" "/etc")
  ];

  # The suite needs root, namespaces, a private system bus and polkitd:
  # it runs in the project's CI, and nix/tests/nixos.nix tests the result.
  doCheck = false;

  meta = {
    description = "Run microvm.nix microVMs as an ordinary user: taps and PCI devices from a polkit-authorized D-Bus helper";
    license = lib.licenses.lgpl21Plus;
    platforms = lib.platforms.linux;
    mainProgram = "microvm-user";
  };
}
