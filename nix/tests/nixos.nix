# The NixOS test of the module (`nix flake check`, or `nix build
# .#checks.x86_64-linux.nixos`): boots a machine with
# services.microvm-helper enabled and runs the demo's checks
# (scripts/demo.sh) as the normal user alice, with a real microvm.nix guest:
#   - no setuid wrapper, the helper's unit with its hardening, /dev/net/tun
#     usable, helper.conf from the settings, the polkit group;
#   - the VM declared in services.microvm-helper.vms is installed for alice;
#   - `microvm-user start` runs it under her user manager, without a
#     password (the tapGroup rule), its tap made by the helper and owned by
#     her;
#   - the guest pings the host side of the tap (link-local addresses only)
#     and writes a file through virtiofs that appears owned by alice;
#   - `microvm-user stop` powers it off; no tap, no process, no registry
#     entry is left;
#   - bob, outside the group and without a session, is refused his taps.
# NOT run where the project is developed: nixpkgs is not reachable there.
{
  self,
  nixpkgs,
  microvm,
  system,
}:
{ lib, ... }:
let
  hostAddress = "169.254.100.1";
  guestMac = "02:6d:76:00:00:01";
  # The demo's guest, as a microvm.nix NixOS guest: the same checks as
  # examples/demo/guest/init.
  guest = nixpkgs.lib.nixosSystem {
    inherit system;
    modules = [
      microvm.nixosModules.microvm
      (
        { pkgs, ... }:
        {
          system.stateVersion = lib.trivial.release;
          networking.hostName = "demo";
          microvm = {
            hypervisor = "qemu";
            mem = 512;
            vcpu = 1;
            # A named CPU model: qemu then runs without KVM too (TCG), as
            # inside the test's own VM without nested virtualisation.
            cpu = "max";
            interfaces = [
              {
                type = "tap";
                id = "vm-demo";
                mac = guestMac;
              }
            ];
            # Relative to the VM's state directory, as the demo's runner.
            shares = [
              {
                proto = "virtiofs";
                tag = "share";
                source = "share";
                mountPoint = "/mnt/share";
              }
            ];
          };
          networking.useNetworkd = true;
          networking.firewall.enable = false;
          systemd.network.networks."10-tap" = {
            matchConfig.MACAddress = guestMac;
            address = [ "169.254.100.2/16" ];
          };
          systemd.services.demo-checks = {
            wantedBy = [ "multi-user.target" ];
            after = [ "network.target" ];
            path = [ pkgs.iputils ];
            serviceConfig = {
              Type = "oneshot";
              StandardOutput = "journal+console";
            };
            script = ''
              for _ in $(seq 300); do
                  ping -c 1 -W 1 ${hostAddress} && break
              done
              ping -c 1 -W 1 ${hostAddress} && echo "demo-guest: ping OK"
              echo "hello from the guest" > /mnt/share/hello-from-guest.txt
              sync
              echo "demo-guest: ready"
            '';
          };
        }
      )
    ];
  };
in
{
  name = "microvm-helper";

  nodes.machine =
    { pkgs, ... }:
    {
      imports = [ self.nixosModules.default ];
      virtualisation.memorySize = 2048;
      virtualisation.cores = 2;

      services.microvm-helper = {
        enable = true;
        settings.Taps.AllowedNames = [ "vm-*" ];
        polkit.tapGroup = "microvm";
        vms.demo = {
          user = "alice";
          runner = guest.config.microvm.declaredRunner;
        };
      };

      users.users.alice = {
        isNormalUser = true;
        uid = 1000;
        extraGroups = [
          "microvm"
          "kvm"
        ];
        linger = true;
      };
      users.users.bob = {
        isNormalUser = true;
        uid = 1001;
      };
      # microvm-user finds virtiofsd on PATH.
      environment.systemPackages = [ pkgs.virtiofsd ];
    };

  testScript = ''
    alice = "sudo -u alice env XDG_RUNTIME_DIR=/run/user/1000 PATH=/run/current-system/sw/bin "
    state = "/home/alice/.local/state/microvm/demo"

    machine.wait_for_unit("multi-user.target")
    machine.wait_for_unit("user@1000.service")

    with subtest("the module: no setuid, hardening as shipped, tun, config, group"):
        machine.fail("ls /run/wrappers/bin | grep -i microvm")
        machine.succeed("systemctl show microvm-helperd.service -p ProtectSystem | grep -qx ProtectSystem=strict")
        machine.succeed("systemctl show microvm-helperd.service -p NoNewPrivileges | grep -qx NoNewPrivileges=yes")
        machine.succeed("systemctl show microvm-helperd.service -p CapabilityBoundingSet | grep -q cap_net_admin")
        machine.succeed("test \"$(stat -c %a /dev/net/tun)\" = 666")
        machine.succeed("grep -qx 'AllowedNames=vm-\\*' /etc/microvm-helper/helper.conf")
        machine.succeed("getent group microvm | grep -q alice")
        machine.succeed("command -v microvm-user")
        machine.fail("systemctl is-active microvm-helperd.service")  # D-Bus activated: not yet

    with subtest("the declared VM is installed for alice"):
        machine.wait_until_succeeds(alice + "microvm-user list | grep -q demo")
        machine.succeed(alice + "mkdir -p " + state + "/share")

    with subtest("alice starts it in the background, no password asked"):
        machine.succeed(alice + "microvm-user start demo")
        machine.wait_until_succeeds("test -e /sys/class/net/vm-demo")
        machine.succeed("test \"$(cat /sys/class/net/vm-demo/owner)\" = 1000")
        # Root gives the host side its address, as a bridge or the host's
        # network configuration would: the helper only makes the tap.
        machine.succeed("ip addr add ${hostAddress}/16 dev vm-demo")

    with subtest("the guest pings the host and writes through virtiofs"):
        machine.wait_until_succeeds("test -s " + state + "/share/hello-from-guest.txt", timeout=900)
        machine.succeed("test \"$(stat -c %U " + state + "/share/hello-from-guest.txt)\" = alice")
        machine.wait_until_succeeds("journalctl _SYSTEMD_USER_UNIT=microvm@demo.service | grep -q 'demo-guest: ping OK'")

    with subtest("microvm-user stop powers it off; nothing is left"):
        machine.succeed(alice + "microvm-user stop demo")
        machine.wait_until_fails("test -e /sys/class/net/vm-demo")
        machine.fail("pgrep -u alice -f qemu-system")
        machine.fail("pgrep -u alice virtiofsd")
        machine.fail("grep -q name= /run/microvm-helper/taps.registry")

    with subtest("bob, outside the group and without a session, is refused"):
        out = machine.fail("sudo -u bob /run/current-system/sw/bin/busctl call org.microvm.Helper1 /org/microvm/Helper1 org.microvm.Helper1 CreateTap 'sa{sv}' vm-bob 0 2>&1")
        assert "not authorized" in out, out
        machine.fail("test -e /sys/class/net/vm-bob")
  '';
}
