# For users without flakes:
#   nix-build                                  the package (./result)
#   imports = [ /path/to/microvm-helper/nix/module.nix ];   the NixOS module
#     (its default package is built from the same checkout)
{
  pkgs ? import <nixpkgs> { },
}:
pkgs.callPackage ./nix/package.nix { }
