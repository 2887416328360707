# What tests/check-nix.sh evaluates, without nixpkgs: the flake's outputs
# with stand-in inputs, the package's inputs, the settings renderer and
# the NixOS module's options and configuration with a stand-in lib
# (stub-lib.nix), for one sample configuration.  With realLib (the path of
# a nixpkgs lib/ directory, when one is at hand) the module is also
# evaluated by the real module system against stand-in declarations of
# the NixOS options it sets.  Returns plain data for the script to compare.
{
  root,
  realLib ? null,
}:
let
  lib = import ./stub-lib.nix;
  systems = [
    "x86_64-linux"
    "aarch64-linux"
  ];
  derivation =
    name: extra:
    {
      type = "derivation";
      inherit name;
      outPath = "/nix/store/00000000000000000000000000000000-${name}";
    }
    // extra;
  stubPkgs = system: {
    inherit lib;
    stdenv.hostPlatform.system = system;
    callPackage = path: args: derivation "microvm-helper" { inherit path; };
    runCommand = name: env: script: derivation name { inherit env script; };
    testers.runNixOSTest = test: derivation "nixos-test" { inherit test; };
  };
  pkgs = stubPkgs "x86_64-linux";

  # ------------------------------------------------------------ flake
  flake = import (root + "/flake.nix");
  nixpkgs = {
    inherit lib;
    legacyPackages = lib.genAttrs systems stubPkgs;
  };
  microvm.nixosModules.microvm = { };
  self = outputs // { outPath = root; };
  outputs = flake.outputs { inherit self nixpkgs microvm; };
  flakeModule = outputs.nixosModules.default { inherit pkgs lib; };
  nixosTest = outputs.checks.x86_64-linux.nixos.test { inherit lib; };

  # ---------------------------------------------------------- package
  package = import (root + "/nix/package.nix") (
    {
      lib = lib // {
        cleanSourceWith = args: args.src;
        cleanSourceFilter = path: type: true;
        mesonBool = name: value: "-D${name}=${if value then "true" else "false"}";
        mesonEnable = name: value: "-D${name}=${if value then "enabled" else "disabled"}";
        mesonOption = name: value: "-D${name}=${value}";
        licenses.lgpl21Plus = "LGPL-2.1-or-later";
        platforms.linux = [ "linux" ];
      };
      stdenv.mkDerivation = attrs: attrs;
    }
    # Every other argument stands for the nixpkgs attribute of that name.
    // builtins.mapAttrs (name: _: name) (
      removeAttrs (builtins.functionArgs (import (root + "/nix/package.nix"))) [
        "lib"
        "stdenv"
      ]
    )
  );

  # ------------------------------------------------------------ module
  runner = "/nix/store/00000000000000000000000000000000-microvm-qemu-demo";
  sample = {
    enable = true;
    package = derivation "microvm-helper" { };
    settings = {
      Taps = {
        MaxPerUser = 4;
        MaxTotal = null;
        AllowedNames = [ "vm-*" ];
        HostIPv6 = false;
      };
      PCI = {
        Allow = [ ];
        Deny = null;
        MaxMemlock = 1073741824;
      };
      Network = {
        AllowedBridges = [ "br0" ];
      };
    };
    polkit = {
      tapGroup = "microvm";
      pciGroup = null;
    };
    vms.demo = {
      user = "alice";
      inherit runner;
      autostart = true;
    };
  };
  module = import (root + "/nix/module.nix") {
    inherit lib pkgs;
    options = { };
    config = {
      services.microvm-helper = sample;
      users.users.alice = { };
    };
  };

  # Every option below services.microvm-helper, as "a.b.c: type".
  optionPaths =
    prefix: set:
    builtins.concatLists (
      map (
        name:
        let
          value = set.${name};
          path = if prefix == "" then name else "${prefix}.${name}";
        in
        if value._type or null == "option" then
          [ "${path}: ${typeName value.type}" ] ++ submoduleOptions path value.type
        else
          optionPaths path value
      ) (builtins.attrNames set)
    );
  typeName =
    t:
    if t.name == "nullOr" || t.name == "listOf" || t.name == "attrsOf" then
      "${t.name} ${typeName t.elemType}"
    else
      t.name;
  submoduleOptions =
    path: t:
    if t.name == "submodule" then
      let
        m = if builtins.isFunction t.module then t.module { name = "<name>"; } else t.module;
      in
      optionPaths path m.options
    else if t.name == "attrsOf" then
      submoduleOptions "${path}.<name>" t.elemType
    else
      [ ];
  optionTree = module.options.services.microvm-helper;
  settingsOptions = optionTree.settings.type.module.options;
  wired = module.config.content;
  activation = wired.system.userActivationScripts.microvm-helper-vms;

  # -------------------------------------------- the real module system
  real =
    let
      rlib = import realLib;
      any = rlib.mkOption { type = rlib.types.anything; default = null; };
      list = rlib.mkOption { type = rlib.types.listOf rlib.types.anything; default = [ ]; };
      attrs = rlib.mkOption { type = rlib.types.attrsOf rlib.types.anything; default = { }; };
      lines = rlib.mkOption { type = rlib.types.lines; default = ""; };
      bool = rlib.mkOption { type = rlib.types.bool; default = false; };
      evaluated = rlib.evalModules {
        specialArgs.pkgs = pkgs // { lib = rlib; };
        modules = [
          (root + "/nix/module.nix")
          # Stand-ins for the NixOS options the module sets.
          {
            options = {
              assertions = list;
              warnings = list;
              environment.systemPackages = list;
              environment.etc = attrs;
              services.dbus.packages = list;
              services.udev.extraRules = lines;
              systemd.packages = list;
              systemd.services = attrs;
              systemd.user.services = attrs;
              systemd.user.targets = attrs;
              security.polkit.enable = bool;
              security.polkit.extraConfig = lines;
              boot.kernelModules = list;
              users.users = attrs;
              users.groups = attrs;
              system.userActivationScripts = attrs;
            };
          }
          {
            services.microvm-helper = sample // {
              vms.demo = {
                user = "alice";
                inherit runner;
              };
            };
            users.users.alice = { };
          }
        ];
      };
      c = evaluated.config;
    in
    {
      settings = c.services.microvm-helper.settings;
      vmAutostartDefault = c.services.microvm-helper.vms.demo.autostart;
      helperConf = c.environment.etc."microvm-helper/helper.conf".source.env.text;
      dbusPackages = map (p: p.name) c.services.dbus.packages;
      systemdPackages = map (p: p.name) c.systemd.packages;
      groups = builtins.attrNames c.users.groups;
      polkitRules = c.security.polkit.extraConfig;
      assertions = map (a: a.assertion) c.assertions;
      activation = c.system.userActivationScripts.microvm-helper-vms;
      autostartTargets = builtins.attrNames c.systemd.user.targets;
      # A key that is not the helper's still renders (freeform); the build
      # step with --check-config refuses it.
      typo = import (root + "/nix/helper-conf.nix") (
        (rlib.evalModules {
          modules = [
            { options.s = (import (root + "/nix/module.nix") { inherit pkgs; lib = rlib; options = { }; config.services.microvm-helper = sample; }).options.services.microvm-helper.settings; }
            { s.Taps.MaxPerUsr = 3; }
          ];
        }).config.s
      );
    };
in
{
  flake = {
    inputs = builtins.attrNames flake.inputs;
    outputs = builtins.attrNames outputs;
    packages = builtins.mapAttrs (_: builtins.attrNames) outputs.packages;
    checks = builtins.mapAttrs (_: builtins.attrNames) outputs.checks;
    nixosModules = builtins.attrNames outputs.nixosModules;
    overlays = builtins.attrNames outputs.overlays;
    overlayAdds = builtins.attrNames (outputs.overlays.default pkgs pkgs);
    moduleImports = map toString flakeModule.imports;
    modulePackageDefault = flakeModule.services.microvm-helper.package.content.name;
    testName = nixosTest.name;
    testNodes = builtins.attrNames nixosTest.nodes;
    testScript = nixosTest.testScript;
  };
  package = {
    inherit (package) pname version mesonFlags nativeBuildInputs buildInputs doCheck;
  };
  render = import (root + "/nix/helper-conf.nix");
  module = {
    options = optionPaths "" optionTree;
    settingsKeys = builtins.mapAttrs (_: builtins.attrNames) settingsOptions;
    enabledBy = module.config.condition;
    wrappers = wired ? security && wired.security ? wrappers;
    systemPackages = map (p: p.name) wired.environment.systemPackages;
    dbusPackages = map (p: p.name) wired.services.dbus.packages;
    systemdPackages = map (p: p.name) wired.systemd.packages;
    polkitEnabled = wired.security.polkit.enable;
    polkitRules = wired.security.polkit.extraConfig;
    helperConf = {
      inherit (wired.environment.etc."microvm-helper/helper.conf".source.env) text;
      inherit (wired.environment.etc."microvm-helper/helper.conf".source) script;
    };
    restartTriggers = map (d: d.name) wired.systemd.services.microvm-helperd.restartTriggers;
    kernelModules = wired.boot.kernelModules;
    udevRules = wired.services.udev.extraRules;
    groups = builtins.concatMap builtins.attrNames wired.users.groups.contents;
    activation = {
      enabled = activation.condition;
      script = activation.content;
    };
    autostartTargets = builtins.mapAttrs (_: t: t.wants) wired.systemd.user.targets;
    autostartAfter = builtins.mapAttrs (_: s: s.after) wired.systemd.user.services;
    assertions = map (a: a.assertion) wired.assertions;
  };
  real = if realLib == null then null else real;
}
