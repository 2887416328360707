# NixOS module for microvm-helper: the helper as a D-Bus activated system
# service and microvm-user for every user, so users run their microvm.nix
# VMs themselves (`microvm-user run ./result`) with no root, no sudo, no
# setuid wrapper and no fixed `microvm` system user.
#
#   services.microvm-helper.enable = true;
#   services.microvm-helper.polkit.tapGroup = "microvm";   # taps without a password
#   users.users.alice.extraGroups = [ "microvm" ];
#
# What it wires: the package's bus policy and activation file
# (services.dbus.packages), its systemd units as shipped, hardening and all
# (systemd.packages: microvm-helperd.service and the user unit
# microvm@.service), its polkit actions, microvm-user and the completions
# on PATH (environment.systemPackages), /etc/microvm-helper/helper.conf
# from `settings` (checked by `microvm-helperd --check-config` at build
# time), /dev/net/tun usable by users, and optional polkit rules.  Nothing
# in security.wrappers.
{
  config,
  lib,
  pkgs,
  options,
  ...
}:

let
  inherit (lib) mkOption types;
  cfg = config.services.microvm-helper;

  helperConf = pkgs.runCommand "microvm-helper.conf" {
    text = import ./helper-conf.nix cfg.settings;
    passAsFile = [ "text" ];
  } ''
    cp "$textPath" "$out"
    # A key the helper does not know stops it from starting: fail here.
    ${cfg.package}/libexec/microvm-helperd --check-config --config "$out"
  '';

  # A rule per group: members act without a password, also outside an
  # active local session (ssh, a user manager started at boot).
  groupRule = action: group: ''
    polkit.addRule(function(action, subject) {
        if (action.id == ${builtins.toJSON action} && subject.isInGroup(${builtins.toJSON group}))
            return polkit.Result.YES;
    });
  '';
  rules =
    lib.optionalString (cfg.polkit.tapGroup != null) (groupRule "org.microvm.helper.manage-taps" cfg.polkit.tapGroup)
    + lib.optionalString (cfg.polkit.pciGroup != null) (groupRule "org.microvm.helper.bind-pci" cfg.polkit.pciGroup);

  # microvm.nix's host module declares microvm.vms; its guests' runners
  # are the natural default for a user's VM of the same name.
  microvmVms = if options ? microvm.vms then config.microvm.vms else { };
  declaredRunner =
    name:
    let
      vm = microvmVms.${name};
      guest =
        if vm.flake or null != null then
          vm.flake.nixosConfigurations.${name}.config
        else if vm.evaluatedConfig or null != null then
          vm.evaluatedConfig.config
        else
          vm.config.config;
    in
    guest.microvm.declaredRunner;

  usersWithVms = lib.unique (lib.mapAttrsToList (_: vm: vm.user) cfg.vms);
  vmsOf = user: lib.filterAttrs (_: vm: vm.user == user) cfg.vms;

  vmOptions =
    { name, ... }:
    {
      options = {
        user = mkOption {
          type = types.str;
          example = "alice";
          description = "The user whose VM this is: it is installed in their state directory and runs as them.";
        };
        runner = mkOption {
          type = types.path;
          default =
            if microvmVms ? ${name} then
              declaredRunner name
            else
              throw "services.microvm-helper.vms.${name}.runner: give the runner (a microvm.nix declaredRunner), or declare microvm.vms.${name} with microvm.nix's host module";
          defaultText = lib.literalExpression "config.microvm.vms.<name>.config.config.microvm.declaredRunner";
          example = lib.literalExpression "inputs.self.nixosConfigurations.web.config.microvm.declaredRunner";
          description = ''
            The runner package of the VM, laid out as microvm.nix makes it. It
            defaults to the declared runner of the microvm.nix guest of the
            same name in `microvm.vms`, when microvm.nix's host module is
            imported (set `microvm.host.enable = false` or the guest's
            `autostart = false` so that it does not also run as the system
            user `microvm`).
          '';
        };
        autostart = mkOption {
          type = types.bool;
          default = false;
          description = ''
            Start the VM when the user's systemd manager starts (at login,
            or at boot with `users.users.<user>.linger`). It then runs
            without a terminal, so polkit must allow its taps without a
            password: see `polkit.tapGroup`.
          '';
        };
      };
    };
in
{
  options.services.microvm-helper = {
    enable = lib.mkEnableOption "microvm-helper, with which users run microvm.nix VMs as themselves (microvm-user); the privileged steps are done by the D-Bus service microvm-helperd after polkit agrees";

    package = mkOption {
      type = types.package;
      default = pkgs.microvm-helper or (pkgs.callPackage ./package.nix { });
      defaultText = lib.literalExpression "pkgs.microvm-helper (the flake's overlay) or this checkout's package";
      description = "The microvm-helper package.";
    };

    settings = mkOption {
      default = { };
      description = ''
        The helper's configuration, written to
        /etc/microvm-helper/helper.conf (see microvm-helper.conf(5)). A
        key left null keeps the helper's default; an empty list means
        "none allowed". The helper refuses keys it does not know, and the
        build checks the file with `microvm-helperd --check-config`.
      '';
      example = lib.literalExpression ''
        {
          Taps.AllowedNames = [ "vm-*" ];
          Taps.MaxPerUser = 8;
          PCI.Allow = [ "8086:10d3" ];
          PCI.MaxMemlock = 17179869184;
          Network.AllowedBridges = [ "br0" ];
        }
      '';
      type = types.submodule {
        # Groups of later versions pass through; --check-config judges them.
        freeformType = types.attrsOf (types.attrsOf (types.nullOr (types.oneOf [ types.bool types.int types.str (types.listOf types.str) ])));
        options = {
          Taps = {
            MaxPerUser = mkOption {
              type = types.nullOr types.ints.unsigned;
              default = null;
              description = "Taps one user may have at a time (helper default 32).";
            };
            MaxTotal = mkOption {
              type = types.nullOr types.ints.unsigned;
              default = null;
              description = "Taps all users together may have (helper default 1024).";
            };
            AllowedNames = mkOption {
              type = types.nullOr (types.listOf types.str);
              default = null;
              example = [ "vm-*" ];
              description = "Glob patterns a tap name must match; null: any valid name.";
            };
            HostIPv6 = mkOption {
              type = types.nullOr types.bool;
              default = null;
              description = ''
                IPv6 on the host side of the taps, for a routed setup (helper
                default false: no address, no neighbour discovery, no router
                advertisements taken from a VM). Even when true, a tap accepts
                no router advertisements and no redirects.
              '';
            };
          };
          PCI = {
            Allow = mkOption {
              type = types.nullOr (types.listOf types.str);
              default = null;
              example = [ "0000:01:00.0" "8086:10d3" ];
              description = "Devices that may be bound, by address or vendor:device; null: any (polkit still decides), [ ]: none.";
            };
            Deny = mkOption {
              type = types.nullOr (types.listOf types.str);
              default = null;
              description = "Devices that may never be bound; Deny wins over Allow.";
            };
            MaxMemlock = mkOption {
              type = types.nullOr types.ints.unsigned;
              default = null;
              description = "The highest locked-memory limit SetMemlockLimit may set, in bytes (helper default 0: refused).";
            };
          };
          Network = {
            AllowedBridges = mkOption {
              type = types.nullOr (types.listOf types.str);
              default = null;
              example = [ "br0" "br-vm*" ];
              description = ''
                Bridges (names or glob patterns) a user's tap may be made a
                port of, with polkit's `org.microvm.helper.attach-network`
                deciding per call. null or [ ]: none (helper default).
              '';
            };
            AllowedMacvtapLinks = mkOption {
              type = types.nullOr (types.listOf types.str);
              default = null;
              example = [ "enp3s0" ];
              description = ''
                Interfaces (names or glob patterns) a user's macvtap may be
                made on. null or [ ]: none (helper default).
              '';
            };
            AllowedMacvtapModes = mkOption {
              type = types.nullOr (types.listOf types.str);
              default = null;
              example = [ "source" ];
              description = ''
                macvtap modes beyond bridge, vepa and private (which need no
                consent): passthru, source. null or [ ]: none.
              '';
            };
          };
        };
      };
    };

    polkit = {
      tapGroup = mkOption {
        type = types.nullOr types.str;
        default = null;
        example = "microvm";
        description = ''
          Members of this group create and delete their own taps without a
          password, also outside an active local session (ssh, autostarted
          VMs). The group is created. null: polkit's defaults (no password
          in an active local session, an administrator's otherwise).
        '';
      };
      pciGroup = mkOption {
        type = types.nullOr types.str;
        default = null;
        example = "microvm";
        description = ''
          Members of this group bind PCI devices to vfio-pci and raise their
          locked-memory limit without a password; `settings.PCI` still
          limits which devices and how much. The group is created. null:
          an administrator's password each time (kept for a while).
        '';
      };
    };

    vms = mkOption {
      type = types.attrsOf (types.submodule vmOptions);
      default = { };
      example = lib.literalExpression ''
        {
          web = {
            user = "alice";
            runner = inputs.self.nixosConfigurations.web.config.microvm.declaredRunner;
            autostart = true;
          };
        }
      '';
      description = ''
        VMs installed for their users at every activation, as
        `microvm-user install NAME RUNNER` does: `microvm-user start NAME`
        then runs them, and `microvm-user list` shows a running one as
        outdated after a rebuild changed its runner.
      '';
    };
  };

  config = lib.mkIf cfg.enable {
    assertions = lib.mapAttrsToList (name: vm: {
      assertion = config.users.users ? ${vm.user};
      message = "services.microvm-helper.vms.${name}.user: no user ${vm.user} in users.users";
    }) cfg.vms;

    warnings = lib.concatLists (
      lib.mapAttrsToList (
        name: vm:
        lib.optional (microvmVms ? ${name} && (microvmVms.${name}.autostart or false) && (config.microvm.host.enable or false))
          "services.microvm-helper.vms.${name}: microvm.nix's host module also starts microvm.vms.${name} as the system user microvm; set microvm.vms.${name}.autostart = false"
      ) cfg.vms
    );

    environment.systemPackages = [ cfg.package ];
    services.dbus.packages = [ cfg.package ];
    systemd.packages = [ cfg.package ];
    security.polkit.enable = true;
    security.polkit.extraConfig = rules;

    environment.etc."microvm-helper/helper.conf".source = helperConf;
    # A running helper reads its configuration at start: restart it on a
    # change (it keeps its taps and leases across restarts).
    systemd.services.microvm-helperd.restartTriggers = [ helperConf ];

    # Hypervisors run as the user open /dev/net/tun; systemd's own rules
    # already make it 0666, this keeps it so.
    boot.kernelModules = [ "tun" ];
    services.udev.extraRules = ''
      KERNEL=="tun", MODE="0666"
    '';

    users.groups = lib.mkMerge [
      (lib.optionalAttrs (cfg.polkit.tapGroup != null) { ${cfg.polkit.tapGroup} = { }; })
      (lib.optionalAttrs (cfg.polkit.pciGroup != null) { ${cfg.polkit.pciGroup} = { }; })
    ];

    # Each user's declared VMs are (re)installed in their state directory
    # whenever their user manager starts and at every activation; --force,
    # because the declaration wins over what the user recorded by hand
    # (install refuses another runner under an existing name without it).
    system.userActivationScripts.microvm-helper-vms = lib.mkIf (cfg.vms != { }) ''
      case "$(id -un)" in
      ${lib.concatMapStrings (user: ''
        ${lib.escapeShellArg user})
          ${lib.concatStrings (
            lib.mapAttrsToList (name: vm: ''
              ${cfg.package}/bin/microvm-user install --force ${lib.escapeShellArg name} ${vm.runner} >/dev/null
            '') (vmsOf user)
          )}  ;;
      '') usersWithVms}
      esac
    '';

    # Autostarted VMs: one target per user wants that user's instances of
    # microvm@.service; each starts after the VMs were installed.
    systemd.user.targets = lib.listToAttrs (
      map (
        user:
        lib.nameValuePair "microvm-autostart-${user}" {
          description = "MicroVMs of ${user} started with the user manager";
          wantedBy = [ "default.target" ];
          unitConfig.ConditionUser = user;
          wants = lib.mapAttrsToList (name: _: "microvm@${name}.service") (
            lib.filterAttrs (_: vm: vm.autostart) (vmsOf user)
          );
        }
      ) (lib.filter (user: lib.any (vm: vm.autostart) (lib.attrValues (vmsOf user))) usersWithVms)
    );
    systemd.user.services = lib.mapAttrs' (
      name: vm:
      lib.nameValuePair "microvm@${name}" {
        overrideStrategy = "asDropin";
        after = [ "nixos-activation.service" ];
      }
    ) (lib.filterAttrs (_: vm: vm.autostart) cfg.vms);
  };
}
