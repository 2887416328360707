{
  description = "Run microvm.nix microVMs as an ordinary user: taps and PCI devices from a polkit-authorized D-Bus helper";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    # Only the NixOS test (checks) uses it, for a real microvm.nix guest;
    # users of microvm.nix can let it follow theirs.
    microvm = {
      url = "github:microvm-nix/microvm.nix";
      inputs.nixpkgs.follows = "nixpkgs";
    };
  };

  outputs =
    {
      self,
      nixpkgs,
      microvm,
    }:
    let
      # The helper is Linux only (taps, vfio-pci, polkit, systemd).
      systems = [
        "x86_64-linux"
        "aarch64-linux"
      ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      packages = forAllSystems (pkgs: rec {
        microvm-helper = pkgs.callPackage ./nix/package.nix { };
        default = microvm-helper;
      });

      overlays.default = final: prev: { microvm-helper = final.callPackage ./nix/package.nix { }; };

      # The module, with this flake's package as the default.
      nixosModules.default =
        { pkgs, lib, ... }:
        {
          imports = [ ./nix/module.nix ];
          services.microvm-helper.package = lib.mkDefault self.packages.${pkgs.stdenv.hostPlatform.system}.default;
        };

      # `nix flake check`: the package builds and the NixOS test passes (it
      # boots a machine, enables the module and runs a microvm.nix guest as
      # a normal user; see nix/tests/nixos.nix).
      checks = forAllSystems (pkgs: {
        package = self.packages.${pkgs.stdenv.hostPlatform.system}.default;
        nixos = pkgs.testers.runNixOSTest (
          import ./nix/tests/nixos.nix {
            inherit self nixpkgs microvm;
            inherit (pkgs.stdenv.hostPlatform) system;
          }
        );
      });
    };
}
