#!/bin/bash
# Self-test of the simulated host, run as root on the test machine:
#   test/target/sim/selftest.sh [flavor...]     (default: all six flavors)
# Each flavor gets a throwaway host the way the namespace target makes one: `unshare` (mount, pid, uts
# namespaces), an overlay over / with its upper layer on tmpfs, private /dev (tmpfs with a few nodes
# and the LUN's loop device), /run and /tmp, fresh /proc, /sys bound; then setup-host.sh runs inside a
# chroot of it and the checks below run there too. Nothing outside survives except what is cleaned up
# on exit (the loop devices). Exits non-zero on the first flavor with a failed check.
# The checks use `[[ test ]] && ok || bad` (ok never fails) and single-quoted `bash -c` scripts on purpose.
# shellcheck disable=SC2015,SC2016,SC2317
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

ARRAY_IQN=iqn.1992-08.com.netapp:5700.600a098000a4b28b000000005a1e1d2c
PORTALS='192.168.130.101 192.168.130.102 192.168.131.101 192.168.131.102'
GUID0=0x248a070300a80a80 GUID1=0x248a070300a80a81
WWID=3600a098000a4b28b000003b35e8f1c2a

# ------------------------------------------------------------------------------------------------------
# Checks, run inside the chroot: `--checks FLAVOR`.
if [[ ${1:-} == --checks ]]; then
  flavor=$2
  set +e
  fails=0 n=0
  OUT='' RC=0
  run() { OUT=$("$@" 2>&1); RC=$?; }
  ok() { n=$((n + 1)); printf '  ok   %s\n' "$1"; }
  bad() { n=$((n + 1)); fails=$((fails + 1)); printf '  FAIL %s\n' "$1"; printf '       rc=%s output:\n%s\n' "$RC" "$(sed 's/^/       | /' <<<"$OUT")"; }
  # expect RC SUBSTRING DESCRIPTION -- CMD...
  expect() {
    local rc=$1 sub=$2 what=$3
    shift 4
    run "$@"
    if [[ $RC == "$rc" && $OUT == *"$sub"* ]]; then ok "$what"; else bad "$what (want rc=$rc and '$sub')"; fi
  }
  expect_not() { # expect_not SUBSTRING DESCRIPTION -- CMD...
    local sub=$1 what=$2
    shift 3
    run "$@"
    if [[ $OUT != *"$sub"* ]]; then ok "$what"; else bad "$what (must not contain '$sub')"; fi
  }
  truth() { # truth DESCRIPTION -- CMD... (rc 0)
    local what=$1
    shift 2
    run "$@"
    if ((RC == 0)); then ok "$what"; else bad "$what"; fi
  }
  case $flavor in rhel*) DB=/var/lib/iscsi ;; *) DB=/etc/iscsi ;; esac
  IQN=$(sed -n 's/^InitiatorName=//p' /etc/iscsi/initiatorname.iscsi)
  A1=${PORTALS%% *}
  read -r _ A2_SUB_A B1 B2 <<<"$PORTALS" # 130.101 130.102 | 131.101 131.102
  A2=$A2_SUB_A
  # the multipath map appears 3 s after a path and multipathd: long enough that the checks between the
  # login (or the reboot) and the "no map yet" checks fit in it on a loaded machine (0.5 s did not, load 20)
  echo LUN_DELAY_MS=3000 >/etc/sim/lun.conf

  echo "== $flavor: identity, packages, HCA"
  expect 0 "$GUID0"$'\n'"$GUID1" 'ibstat -p prints both GUIDs' -- ibstat -p
  expect 0 "CA 'mlx5_0'" 'ibstat full output' -- ibstat
  run ibstat
  [[ $(grep -c 'State: Active' <<<"$OUT") == 2 && $(grep -c 'Physical state: LinkUp' <<<"$OUT") == 2 ]] && ok 'both ports Active/LinkUp' || bad 'both ports Active/LinkUp'
  case $flavor in
    rhel9) expect 0 'VERSION_ID="9.4"' 'os-release RHEL 9.4' -- cat /etc/os-release
      truth 'RHEL 9: no ifup/ifdown (NetworkManager-initscripts-updown not installed)' -- bash -c '! command -v ifup && ! command -v ifdown'
      expect 1 'package NetworkManager-initscripts-updown is not installed' 'rpm -q NetworkManager-initscripts-updown' -- rpm -q NetworkManager-initscripts-updown
      expect 5 'Unit network.service not found.' 'RHEL 9: no network.service (no network-scripts)' -- systemctl start network ;;
    rhel8) expect 0 'VERSION_ID="8.6"' 'os-release RHEL 8.6' -- cat /etc/os-release ;;
    sles15) expect 0 'VERSION_ID="15.4"' 'os-release SLES 15 SP4' -- cat /etc/os-release ;;
    ubuntu22) expect 0 'VERSION_ID="22.04"' 'os-release Ubuntu 22.04' -- cat /etc/os-release ;;
  esac
  expect 0 '# node.startup = automatic' 'default iscsid.conf: automatic commented' -- cat /etc/iscsi/iscsid.conf
  expect 0 'node.session.timeo.replacement_timeout = 120' 'default iscsid.conf: replacement_timeout 120' -- cat /etc/iscsi/iscsid.conf
  case $flavor in
    ubuntu*)
      expect 0 'Status: install ok installed' 'dpkg -s open-iscsi' -- dpkg -s open-iscsi
      sim-ctl package-absent opensm
      expect 1 "package 'opensm' is not installed" 'dpkg -s of a removed package' -- dpkg -s opensm ;;
    rhel*)
      expect 0 'device-mapper-multipath-0.' 'rpm -q device-mapper-multipath' -- rpm -q device-mapper-multipath
      expect 2 'package foo is not installed' 'rpm -q: exit = number missing' -- rpm -q foo bar iscsi-initiator-utils
      sim-ctl package-absent opensm
      expect 1 'package opensm is not installed' 'rpm -q of a removed package' -- rpm -q opensm ;;
    sles*)
      expect 0 'multipath-tools-0.' 'rpm -q multipath-tools' -- rpm -q multipath-tools open-iscsi ;;
  esac
  truth 'rc.local present and not executable (RHEL 8)' -- bash -c "[[ $flavor != rhel8 ]] || { [[ -f /etc/rc.d/rc.local && ! -x /etc/rc.d/rc.local ]] && grep -q 'touch /var/lock/subsys/local' /etc/rc.d/rc.local; }"

  echo "== $flavor: systemctl"
  expect 3 'inactive' 'is-active multipathd: inactive, exit 3' -- systemctl is-active multipathd
  expect 5 'Unit nosuch.service not found.' 'start of an unknown unit: exit 5' -- systemctl start nosuch
  if [[ $flavor == rhel* ]]; then
    systemctl start multipathd
    expect 3 'inactive' 'multipathd stays inactive without /etc/multipath.conf (RHEL condition)' -- systemctl is-active multipathd
  fi
  touch /etc/multipath.conf
  expect 0 '' 'start multipathd' -- systemctl start multipathd
  expect 0 'active' 'is-active multipathd' -- systemctl is-active multipathd
  expect 1 'disabled' 'is-enabled multipathd: disabled, exit 1' -- systemctl is-enabled multipathd
  expect 0 'Created symlink' 'enable multipathd' -- systemctl enable multipathd
  expect 0 'enabled' 'is-enabled multipathd' -- systemctl is-enabled multipathd
  expect 0 $'enabled\ndisabled' 'is-enabled of several units: exit 0 when any is enabled' -- systemctl is-enabled multipathd iscsid
  expect 0 $'LoadState=loaded\nActiveState=active\nUnitFileState=enabled\n\nLoadState=not-found\nActiveState=inactive\nUnitFileState=' 'show: one block per unit, in order, empty line between' -- systemctl show --property=LoadState,ActiveState,UnitFileState multipathd nosuch
  expect 0 'active' 'iscsid normalised to iscsid.service' -- bash -c 'systemctl start iscsid && systemctl is-active iscsid.service'

  echo "== $flavor: initramfs"
  case $flavor in
    ubuntu*) truth 'update-initramfs writes the image' -- bash -c 'update-initramfs -u -k all >/dev/null && [[ -f /boot/initrd.img-$(uname -r) ]]' ;;
    rhel*) truth 'dracut writes the initramfs' -- bash -c 'dracut --force --add multipath && [[ -f /boot/initramfs-$(uname -r).img ]]' ;;
    sles*) truth 'dracut writes the initrd' -- bash -c 'dracut --force --add multipath && [[ -f /boot/initrd-$(uname -r) ]]' ;;
  esac
  truth 'multipath.conf checksum recorded' -- bash -c '[[ $(cat /var/lib/sim/initramfs.multipath-sha256) == $(sha256sum /etc/multipath.conf | cut -d" " -f1) ]]'
  case $flavor in
    ubuntu*)
      truth 'fresh image has no dm-multipath (lsinitramfs)' -- bash -c '! lsinitramfs /boot/initrd.img-$(uname -r) | grep -q dm-multipath'
      truth 'initramfs-tools modules list adds dm-multipath' -- bash -c 'echo dm-multipath >>/etc/initramfs-tools/modules && update-initramfs -u >/dev/null && lsinitramfs /boot/initrd.img-$(uname -r) | grep -q "kernel/drivers/md/dm-multipath.ko$"'
      expect 0 $'0' 'grub.cfg default entry loads the image' -- bash -c 'grep -c "initrd	/boot/initrd.img-$(uname -r)" /boot/grub/grub.cfg >/dev/null; echo $?' ;;
    *)
      truth 'lsinitrd -m lists multipath after --add' -- bash -c 'lsinitrd -m | grep -qx multipath'
      truth 'a build without --add and no drop-in lacks multipath' -- bash -c 'dracut --force /tmp/a.img && ! lsinitrd -m /tmp/a.img | grep -qx multipath'
      truth 'a dracut.conf.d drop-in puts multipath in every build' -- bash -c 'printf "add_dracutmodules+=\" multipath \"\nforce_drivers+=\" dm-multipath \"\n" >/etc/dracut.conf.d/x.conf && dracut --force /tmp/b.img && lsinitrd -m /tmp/b.img | grep -qx multipath && lsinitrd /tmp/b.img | grep -q "drivers/md/dm-multipath.ko.xz$"; r=$?; rm -f /etc/dracut.conf.d/x.conf; exit $r'
      [[ $flavor == rhel* ]] && expect 0 "/boot/vmlinuz-$(uname -r)" 'grubby --default-kernel (BLS entry, saved_entry)' -- grubby --default-kernel
      [[ $flavor == rhel* ]] && truth 'grubby --info=DEFAULT initrd' -- bash -c 'grubby --info=DEFAULT | grep -qx "initrd=\"/boot/initramfs-$(uname -r).img \$tuned_initrd\""' ;;
  esac
  truth 'no ib_iser before the boot that loads it' -- bash -c '! lsmod | grep -q "^ib_iser "'
  truth 'modprobe ib_iser loads it' -- bash -c 'modprobe ib_iser && lsmod | grep -q "^ib_iser " && modprobe -r ib_iser'
  expect 1 'modprobe: FATAL: Module nosuch not found' 'modprobe of an unknown module' -- modprobe nosuch

  echo "== $flavor: IPoIB"
  expect 2 'Network is unreachable' 'ping before IPoIB is configured' -- ping -c 1 -W 2 "$A1"
  case $flavor in
    rhel9)
      kf=/etc/NetworkManager/system-connections
      printf '[connection]\nid=ib0\ntype=infiniband\ninterface-name=ib0\n\n[infiniband]\ntransport-mode=datagram\nmtu=2044\n\n[ipv4]\nmethod=manual\naddress1=192.168.130.11/24\n' >$kf/ib0.nmconnection
      chmod 0644 $kf/ib0.nmconnection
      expect 10 "Error: unknown connection 'ib0'." 'nmcli connection up of a keyfile not yet reloaded' -- nmcli connection up ib0
      nmcli connection reload
      expect 10 "Error: unknown connection 'ib0'." 'a keyfile readable by others is ignored after reload' -- nmcli connection up ib0
      expect 0 'File permissions (100644) are insecure' 'NetworkManager logs the insecure keyfile' -- cat /var/log/sim/NetworkManager.log
      chmod 0600 $kf/ib0.nmconnection
      sed 's/ib0/ib1/g; s/130/131/' $kf/ib0.nmconnection >$kf/ib1.nmconnection
      chmod 0600 $kf/ib1.nmconnection
      nmcli connection reload
      expect 0 'Connection successfully activated' 'nmcli connection up ib0 (keyfile 0600, reloaded)' -- nmcli connection up ib0
      nmcli connection up ib1 >/dev/null
      expect 0 'infiniband.transport-mode:              datagram' 'nmcli connection show ib0: datagram' -- nmcli connection show ib0
      expect 0 '2044' 'MTU from the keyfile' -- cat /run/sim/net/ib0.mtu ;;
    rhel*)
      printf 'DEVICE=ib0\nTYPE=InfiniBand\nBOOTPROTO=static\nIPADDR=192.168.130.11\nPREFIX=24\nONBOOT=yes\n' >/etc/sysconfig/network-scripts/ifcfg-ib0
      printf 'DEVICE=ib1\nTYPE=InfiniBand\nBOOTPROTO=static\nIPADDR=192.168.131.11\nNETMASK=255.255.255.0\nONBOOT=yes\n' >/etc/sysconfig/network-scripts/ifcfg-ib1
      if [[ $flavor == rhel8 ]]; then ifup_says='Connection successfully activated'; else ifup_says=''; fi
      expect 0 "$ifup_says" 'ifup ib0' -- ifup ib0
      ifup ib1 >/dev/null ;;
    sles*)
      printf "BOOTPROTO='static'\nIPADDR='192.168.130.11/24'\nSTARTMODE='auto'\n" >/etc/sysconfig/network/ifcfg-ib0
      printf "BOOTPROTO='static'\nIPADDR='192.168.131.11/24'\nSTARTMODE='auto'\n" >/etc/sysconfig/network/ifcfg-ib1
      expect 0 ' up' 'wicked ifup ib0' -- wicked ifup ib0
      wicked ifup ib1 >/dev/null ;;
    ubuntu*)
      # Ubuntu 22.04's udev names IPoIB devices by PCI path; an admin names them (rule + rename now)
      run ip -o link show
      [[ $OUT == *'ibp59s0f0:'*"${GUID0:14:2}:${GUID0:16:2} brd"* && $OUT == *'ibp59s0f1:'* && $OUT != *' ib0:'* ]] && ok 'Ubuntu: predictable names ibp59s0f0/ibp59s0f1' || bad 'Ubuntu: predictable names ibp59s0f0/ibp59s0f1'
      for p in 0 1; do
        g=GUID$p
        printf 'ACTION=="add", SUBSYSTEM=="net", ATTR{type}=="32", ATTR{address}=="?*%s", NAME="ib%s"\n' "$(sed 's/^0x//; s/../&:/g; s/:$//' <<<"${!g}")" "$p" >>/etc/udev/rules.d/70-selftest-ipoib.rules
        ip link set "ibp59s0f$p" name "ib$p"
      done
      printf 'network:\n  version: 2\n  ethernets:\n    ib0:\n      addresses: [192.168.130.11/24]\n      mtu: 4092\n    ib1:\n      addresses:\n        - 192.168.131.11/24\n' >/etc/netplan/60-ipoib.yaml
      chmod 600 /etc/netplan/60-ipoib.yaml
      expect 0 '' 'netplan apply' -- netplan apply ;;
  esac
  expect 0 'ib0    inet 192.168.130.11/24 brd 192.168.130.255 scope global ib0' 'ip -o -4 addr show lists ib0' -- ip -o -4 addr show
  expect 0 '192.168.131.11/24' 'ip -o addr show lists ib1' -- ip -o addr show
  expect 0 'state UP' 'ip -o link show ib0 UP' -- ip -o link show ib0
  expect 0 'lo' 'ip passes other devices to the real ip' -- ip -o link show
  expect 0 '1 received, 0% packet loss' 'ping an array portal' -- ping -c 1 -W 2 "$A1"
  expect 1 '100% packet loss' 'ping an address nobody holds' -- ping -c 1 -W 2 192.168.130.250
  sim-ctl port 2 Down Polling
  expect 2 'unreachable' 'ping subnet B with HCA port 2 down' -- ping -c 1 -W 2 "$B1"
  sim-ctl port 2 Active

  echo "== $flavor: iface records"
  expect 0 'iface.iscsi_ifacename = iser' 'iscsiadm -m iface -I iser prints the built-in record' -- iscsiadm -m iface -I iser
  expect 0 'iface.transport_name = iser' 'built-in iser transport' -- iscsiadm -m iface -I iser
  # the document's way: dump the iser record into a file, then edit it (here through -o update)
  iscsiadm -m iface -I iser >"$DB/ifaces/iface-ib0"
  expect 0 'iface-ib0 updated.' 'iface -o update net_ifacename' -- iscsiadm -m iface -I iface-ib0 -o update -n iface.net_ifacename -v ib0
  iscsiadm -m iface -I iface-ib0 -o update -n iface.initiatorname -v "$IQN" >/dev/null
  expect 0 'New interface iface-ib1 added' 'iface -o new' -- iscsiadm -m iface -I iface-ib1 -o new
  iscsiadm -m iface -I iface-ib1 -o update -n iface.transport_name -v iser >/dev/null
  iscsiadm -m iface -I iface-ib1 -o update -n iface.net_ifacename -v ib1 >/dev/null
  expect 0 'iface.net_ifacename = ib0' 'iface show round trip (from the file)' -- iscsiadm -m iface -I iface-ib0 -o show
  expect 0 "iface-ib1 iser,<empty>,<empty>,ib1,<empty>" 'iface listing' -- iscsiadm -m iface
  expect 0 "iface-ib0 iser,<empty>,<empty>,ib0,$IQN" 'iface listing with initiator' -- iscsiadm -m iface
  expect 21 'does not exist' 'iface -o delete of a missing iface: exit 21' -- iscsiadm -m iface -I iface-nope -o delete

  echo "== $flavor: discovery and records"
  # iscsid.conf and iscsiadm's version as each distribution ships them
  case $flavor in
    rhel9 | rhel8) want_startup=automatic want_version=6.2.1.4 ;;
    rhel7) want_startup=automatic want_version=6.2.0.874 ;;
    sles15) want_startup=manual want_version=2.1.7 ;;
    sles12) want_startup=manual want_version=2.0.876 ;;
    *) want_startup=manual want_version=2.1.5 ;;
  esac
  run grep -E '^node\.startup' /etc/iscsi/iscsid.conf
  [[ $OUT == "node.startup = $want_startup" ]] && ok "shipped iscsid.conf: node.startup = $want_startup" || bad "shipped iscsid.conf: node.startup = $want_startup"
  expect 0 "iscsiadm version $want_version" "iscsiadm --version as the distribution reports it" -- iscsiadm --version
  expect 21 'No records found' 'no node records yet: exit 21' -- iscsiadm -m node
  sed -i 's/^node.startup = manual/node.startup = automatic/; s/^node.session.timeo.replacement_timeout = .*/node.session.timeo.replacement_timeout = 20/' /etc/iscsi/iscsid.conf
  expect 4 "cannot make connection to 10.9.9.9: No route to host" 'discovery of an unreachable portal: exit 4' -- iscsiadm -m discovery -t st -p 10.9.9.9
  expect 0 "$A1:3260,1 $ARRAY_IQN" 'sendtargets discovery through iface-ib0' -- iscsiadm -m discovery -t st -p "$A1" -I iface-ib0
  run iscsiadm -m discovery -t st -p "$A1" -I iface-ib0
  [[ $(wc -l <<<"$OUT") == 4 ]] && ok 'discovery prints the four portals' || bad 'discovery prints the four portals'
  # controller B's ports are portal group 2 (A2 here is 130.102, controller B port 1)
  [[ $OUT == *"$A2:3260,2 $ARRAY_IQN"* && $OUT == *"$B2:3260,2 $ARRAY_IQN"* && $OUT == *"$B1:3260,1 $ARRAY_IQN"* ]] && ok 'discovery reports controller B with tpgt 2' || bad 'discovery reports controller B with tpgt 2'
  truth 'controller B record filed under <ip>,3260,2' -- test -f "$DB/nodes/$ARRAY_IQN/$A2,3260,2/iface-ib0"
  expect 0 $'\tPortal: '"$A2"$':3260,2\n\t\tIface Name: iface-ib0' 'node -P 1 lists portal, tag and iface' -- iscsiadm -m node -P 1
  # the files are the truth: an edit on disk is what iscsiadm shows
  sed -i 's/^node.session.queue_depth = .*/node.session.queue_depth = 77/' "$DB/nodes/$ARRAY_IQN/$A2,3260,2/iface-ib0"
  expect 0 'node.session.queue_depth = 77' 'a record edited on disk is shown as edited' -- iscsiadm -m node -T "$ARRAY_IQN" -p "$A2" -I iface-ib0
  mv "$DB/nodes/$ARRAY_IQN/$A2,3260,2" "$DB/nodes/$ARRAY_IQN/$A2,3260,5"
  expect 0 "$A2:3260,5 $ARRAY_IQN" 'a record moved on disk is listed where it is' -- iscsiadm -m node
  mv "$DB/nodes/$ARRAY_IQN/$A2,3260,5" "$DB/nodes/$ARRAY_IQN/$A2,3260,2"
  rec=$DB/nodes/$ARRAY_IQN/$A1,3260,1/iface-ib0
  expect 0 'node.startup = automatic' 'record copies node.startup from iscsid.conf' -- cat "$rec"
  expect 0 'node.session.timeo.replacement_timeout = 20' 'record copies replacement_timeout from iscsid.conf' -- cat "$rec"
  expect 0 'iface.net_ifacename = ib0' 'record carries the iface' -- cat "$rec"
  expect 0 'iface.iscsi_ifacename = iface-ib0' 'record names the iface' -- cat "$rec"
  truth 'record file is mode 600' -- bash -c "[[ \$(stat -c %a '$rec') == 600 ]]"
  # records made later copy the iscsid.conf of that moment only
  sed -i 's/^node.startup = automatic/node.startup = manual/' /etc/iscsi/iscsid.conf
  expect 0 "New iSCSI node [iser:[hw=,ip=,net_if=ib1,iscsi_if=iface-ib1] $B1,3260,-1 $ARRAY_IQN] added" 'node -o new (Method 2)' -- iscsiadm -m node -T "$ARRAY_IQN" -p "$B1" -I iface-ib1 -o new
  expect 0 'node.startup = manual' 'a record made after the edit copies the new iscsid.conf' -- cat "$DB/nodes/$ARRAY_IQN/$B1,3260,-1/iface-ib1"
  expect 0 'node.startup = automatic' 'an older record keeps its value' -- cat "$rec"
  expect 0 "$B1:3260,-1 $ARRAY_IQN" 'node listing shows the static record' -- iscsiadm -m node
  expect 0 'node.session.auth.password = ********' 'node show masks the CHAP password' -- bash -c "iscsiadm -m node -T $ARRAY_IQN -p $A1 -I iface-ib0 -o update -n node.session.auth.password -v s3cret && iscsiadm -m node -T $ARRAY_IQN -p $A1 -I iface-ib0"
  iscsiadm -m node -T "$ARRAY_IQN" -p "$A1" -I iface-ib0 -o update -n node.session.auth.password -v '' >/dev/null
  expect 7 'Cannot modify node.name' 'node.name cannot be updated' -- iscsiadm -m node -T "$ARRAY_IQN" -p "$A1" -I iface-ib0 -o update -n node.name -v x

  echo "== $flavor: sessions"
  expect 21 'No active sessions.' 'no sessions: exit 21' -- iscsiadm -m session
  expect 0 "Login to [iface: iface-ib0, target: $ARRAY_IQN, portal: $A1,3260] successful." 'login' -- iscsiadm -m node -T "$ARRAY_IQN" -p "$A1" -I iface-ib0 -l
  # right after the first login (the checks below take longer than the map's delay on a loaded machine)
  expect 0 '' 'no multipath map right after login (it comes later)' -- multipath -ll
  [[ $OUT == '' ]] && ok 'multipath -ll empty before the map appears' || bad 'multipath -ll empty before the map appears'
  expect 1 'Device does not exist.' 'dmsetup: no map yet' -- dmsetup info -c --noheadings -o name -u "mpath-$WWID"
  expect 15 'iface-ib0: 1 session requested, but 1 already present.' 'second login: exit 15' -- iscsiadm -m node -T "$ARRAY_IQN" -p "$A1" -I iface-ib0 -l
  expect 8 'connection timed out' 'login to a subnet-B portal through ib0 fails' -- iscsiadm -m node -T "$ARRAY_IQN" -p "$B1" -I iface-ib0 -l
  expect 0 "Login to [iface: iface-ib1, target: $ARRAY_IQN, portal: $B2,3260] successful." '-o new and -l in one call (Method 2)' -- iscsiadm -m node --target "$ARRAY_IQN" -I iface-ib1 -p "$B2" -l -o new
  iscsiadm -m node -T "$ARRAY_IQN" -p "$A2" -I iface-ib0 -l >/dev/null
  expect 0 "iser: [1] $A1:3260,1 $ARRAY_IQN (non-flash)" 'session listing' -- iscsiadm -m session
  run iscsiadm -m session
  [[ $(wc -l <<<"$OUT") == 3 ]] && ok 'three sessions' || bad 'three sessions'
  [[ $OUT == *"$B2:3260,2 $ARRAY_IQN"* ]] && ok 'a session of a -o new record shows the tag the target reported' || bad 'a session of a -o new record shows the tag the target reported'
  truth 'the -o new record stays under tpgt -1' -- test -f "$DB/nodes/$ARRAY_IQN/$B2,3260,-1/iface-ib1"
  expect 0 $'\t\tIface Name: iface-ib1\n\t\tIface Transport: iser\n' 'session -P 1 shows iface name and transport' -- iscsiadm -m session -P 1
  expect_not 'Transport Class' 'session -P 1 has no transport class header (only -P 3)' -- iscsiadm -m session -P 1
  # a tcp iface bound to ib0 logs in over tcp; one bound to ib1 cannot reach a subnet-A portal
  iscsiadm -m iface -I tcp-ib0 -o new >/dev/null && iscsiadm -m iface -I tcp-ib0 -o update -n iface.net_ifacename -v ib0 >/dev/null
  iscsiadm -m iface -I iser-ib1 -o new >/dev/null && iscsiadm -m iface -I iser-ib1 -o update -n iface.transport_name -v iser >/dev/null && iscsiadm -m iface -I iser-ib1 -o update -n iface.net_ifacename -v ib1 >/dev/null
  iscsiadm -m node -T "$ARRAY_IQN" -p "$A2" -I tcp-ib0 -o new >/dev/null
  iscsiadm -m node -T "$ARRAY_IQN" -p "$A2" -I iser-ib1 -o new >/dev/null
  expect 8 'initiator reported error (8 - connection timed out)' 'login through an iface whose subnet cannot reach the portal fails' -- iscsiadm -m node -T "$ARRAY_IQN" -p "$A2" -I iser-ib1 -l
  truth 'login through a tcp iface' -- iscsiadm -m node -T "$ARRAY_IQN" -p "$A2" -I tcp-ib0 -l
  expect 0 "tcp: [4] $A2:3260,2 $ARRAY_IQN (non-flash)" 'session of a tcp iface shows tcp:' -- iscsiadm -m session
  expect 0 $'Iface Name: tcp-ib0\n\t\tIface Transport: tcp' 'session -P 1 shows the tcp iface' -- iscsiadm -m session -P 1
  iscsiadm -m node -T "$ARRAY_IQN" -p "$A2" -I tcp-ib0 -u >/dev/null
  iscsiadm -m node -T "$ARRAY_IQN" -p "$A2" -I tcp-ib0 -o delete >/dev/null
  iscsiadm -m node -T "$ARRAY_IQN" -p "$A2" -I iser-ib1 -o delete >/dev/null
  iscsiadm -m iface -I tcp-ib0 -o delete >/dev/null
  iscsiadm -m iface -I iser-ib1 -o delete >/dev/null
  expect 0 'Iface Netdev: ib0' 'session -P 3' -- iscsiadm -m session -P 3
  expect 15 'but a session is using it' 'delete of a record in use is refused' -- iscsiadm -m node -T "$ARRAY_IQN" -p "$A1" -I iface-ib0 -o delete
  truth 'the map appears on its own after the delay' -- bash -c "for i in \$(seq 150); do [[ -b /dev/mapper/$WWID ]] && exit 0; sleep 0.1; done; exit 1"
  expect 0 "$WWID" 'dmsetup finds the map by its UUID' -- dmsetup info -c --noheadings -o name -u "mpath-$WWID"
  expect 0 "$WWID dm-0 NETAPP,INF-01-00" 'multipath -ll shows the LUN' -- multipath -ll
  expect 0 '|- ' 'multipath -ll path lines' -- multipath -ll
  truth 'no sanlun before the Host Utilities are installed' -- bash -c '! command -v sanlun'
  printf '# sshplay simulated package\nName: netapp_linux_unified_host_utilities\nVersion: 7\nRelease: 1\nArchitecture: x86_64\nFiles: /usr/sbin/sanlun\n' >/tmp/hu.pkg
  printf '# sshplay simulated package\nName: SMutils\nVersion: 11.70\nRelease: 1\nArchitecture: x86_64\nFiles: /usr/bin/SMdevices\n' >/tmp/smutils.pkg
  case $flavor in
    ubuntu*)
      expect 0 'Setting up netapp_linux_unified_host_utilities (7-1)' 'dpkg -i the Host Utilities' -- dpkg -i /tmp/hu.pkg
      expect 0 'Version: 7-1' 'dpkg -s the Host Utilities' -- dpkg -s netapp_linux_unified_host_utilities
      expect 0 '7-1' 'dpkg -f FILE Version' -- dpkg -f /tmp/hu.pkg Version
      expect 1 'is not a Debian format archive' 'dpkg -i of a non-package' -- dpkg -i /etc/hostname
      dpkg -i /tmp/smutils.pkg >/dev/null ;;
    *)
      expect 0 'netapp_linux_unified_host_utilities 7-1' 'rpm -qp --qf of the package file' -- rpm -qp --qf '%{NAME} %{VERSION}-%{RELEASE}\n' /tmp/hu.pkg
      expect 0 'Updating / installing' 'rpm -Uvh the Host Utilities' -- rpm -Uvh /tmp/hu.pkg
      expect 1 'is already installed' 'rpm -Uvh of the same version: exit 1' -- rpm -Uvh /tmp/hu.pkg
      expect 0 'netapp_linux_unified_host_utilities-7-1.x86_64' 'rpm -q the Host Utilities' -- rpm -q netapp_linux_unified_host_utilities
      expect 1 'not an rpm package' 'rpm -Uvh of a non-package' -- rpm -Uvh /etc/hostname
      rpm -Uvh /tmp/smutils.pkg >/dev/null ;;
  esac
  # a repository install shares packages.installed with the package files: one line format, both read back
  case $flavor in
    rhel*) printf 'rdma-core 99.0-1.el8.x86_64\n' >/etc/sim/repo.packages
      pm=dnf; [[ $flavor == rhel7 ]] && pm=yum # RHEL 7 has yum and no dnf
      expect 0 'rdma-core-99.0-1.el8' "$pm upgrade from the repository" -- "$pm" upgrade -y rdma-core
      expect 0 'rdma-core-99.0-1.el8.x86_64' 'rpm -q reports the repository version' -- rpm -q rdma-core
      run bash -c 'rpm -qa | grep -c "^rdma-core-"'
      [[ $OUT == 1 ]] && ok 'rpm -qa lists the upgraded package once' || bad 'rpm -qa lists the upgraded package once' ;;
    sles*) printf 'rdma-core 99.0-1.1.x86_64\n' >/etc/sim/repo.packages
      zypper --non-interactive update rdma-core >/dev/null
      expect 0 'rdma-core-99.0-1.1.x86_64' 'zypper update: rpm -q reports the repository version' -- rpm -q rdma-core ;;
    ubuntu*) printf 'rdma-core 99.0-1\n' >/etc/sim/repo.packages
      expect 0 'Setting up rdma-core (99.0-1)' 'apt-get install from the repository' -- apt-get install -y rdma-core
      expect 0 $'Architecture: amd64\nVersion: 99.0-1' 'dpkg -s reports the repository version' -- dpkg -s rdma-core ;;
  esac
  expect 0 'rdma-core 99.0-1' 'the repository package is recorded as name version-release arch' -- cat /var/lib/sim/packages.installed
  run awk '$1 == "netapp_linux_unified_host_utilities" { print $2, $3, $4 }' /var/lib/sim/packages.installed
  [[ $OUT == '7-1 x86_64 /usr/sbin/sanlun' ]] && ok 'the package file record keeps its files beside it' || bad "the package file record keeps its files beside it (got '$OUT')"
  rm -f /etc/sim/repo.packages
  expect 0 'sanlun version 7-1' 'sanlun version' -- sanlun version
  expect 0 "Host Device: $WWID" 'sanlun lun show -p' -- sanlun lun show -p
  expect 0 "Volume ID <${WWID#3}>, Preferred Path (Controller-A): In Use]" 'SMdevices' -- SMdevices
  expect 0 'Logout of [sid: 3' 'logout' -- iscsiadm -m node -T "$ARRAY_IQN" -p "$A2" -I iface-ib0 -u
  expect 21 'No matching sessions found' 'logout again: exit 21' -- iscsiadm -m node -T "$ARRAY_IQN" -p "$A2" -I iface-ib0 -u

  echo "== $flavor: partitions"
  expect 0 '' 'parted on /dev/mapper/<wwid>' -- parted -a optimal -s -- "/dev/mapper/$WWID" mklabel gpt mkpart primary ext4 0% 100%
  case $flavor in rhel*) P=${WWID}1 ;; *) P=${WWID}-part1 ;; esac # the udev kpartx rule's names (WWID ends in a letter)
  truth "partition appears as /dev/mapper/$P (a block device)" -- test -b "/dev/mapper/$P"
  expect 0 "$P" 'dmsetup finds partition 1 by its UUID' -- dmsetup info -c --noheadings -o name -u "part1-mpath-$WWID"
  case $flavor in
    rhel*) expect 0 '' 'kpartx -a (same delimiter as the rule) succeeds' -- kpartx -a "/dev/mapper/$WWID" ;;
    *) expect 1 "create/reload failed on ${WWID}1" 'kpartx -a without -p -part: the partition is already mapped as -part1' -- kpartx -a "/dev/mapper/$WWID" ;;
  esac
  expect 0 "${WWID}1 : 0 " 'kpartx -l lists with its default delimiter' -- kpartx -l "/dev/mapper/$WWID"
  case $flavor in rhel*) kpartx -d "/dev/mapper/$WWID" ;; *) kpartx -d -p -part "/dev/mapper/$WWID" ;; esac
  truth 'kpartx -d (with the name'"'"'s delimiter) removes the partition map' -- test ! -e "/dev/mapper/$P"
  expect 0 '' 'multipath -r' -- multipath -r
  truth 'multipath -r: udev maps the partition again, same name' -- test -b "/dev/mapper/$P"
  truth 'mkfs.ext4 on the partition' -- mkfs.ext4 -q -F "/dev/mapper/$P"
  truth 'mount, write, read back, umount' -- bash -c "mkdir -p /mnt/ext4 && mount /dev/mapper/$P /mnt/ext4 && echo hi >/mnt/ext4/f && [[ \$(cat /mnt/ext4/f) == hi ]] && umount /mnt/ext4"

  echo "== $flavor: multipath alias"
  # an alias in a conf.d drop-in: multipath -r renames the map and its partition map (flavour's delimiter)
  mkdir -p /etc/multipath/conf.d
  printf 'multipaths {\n  multipath {\n    wwid "%s"\n    alias vol_data\n  }\n}\n' "$WWID" >/etc/multipath/conf.d/test-alias.conf
  case $flavor in rhel*) AP=vol_data1 ;; *) AP=vol_data-part1 ;; esac
  expect 0 '' 'multipath -r with an alias configured' -- multipath -r
  truth 'the map is renamed to its alias' -- bash -c "test -b /dev/mapper/vol_data && test ! -e /dev/mapper/$WWID"
  truth "its partition map is renamed to /dev/mapper/$AP" -- bash -c "test -b /dev/mapper/$AP && test ! -e /dev/mapper/$P"
  expect 0 "vol_data ($WWID) dm-0 NETAPP,INF-01-00" 'multipath -ll: alias (wwid)' -- multipath -ll
  expect 0 'vol_data' 'dmsetup finds the aliased map by its UUID' -- dmsetup info -c --noheadings -o name -u "mpath-$WWID"
  expect 0 "$AP" 'dmsetup finds the aliased partition 1 by its UUID' -- dmsetup info -c --noheadings -o name -u "part1-mpath-$WWID"
  expect 0 "Host Device: vol_data($WWID)" 'sanlun names the aliased map' -- sanlun lun show -p
  expect 0 'ext4' 'parted reads the aliased map' -- parted -s /dev/mapper/vol_data print
  rm -f /etc/multipath/conf.d/test-alias.conf
  expect 0 '' 'multipath -r without the alias' -- multipath -r
  truth 'the map is named by its WWID again' -- bash -c "test -b /dev/mapper/$WWID && test -b /dev/mapper/$P && test ! -e /dev/mapper/vol_data"

  echo "== $flavor: subnet manager"
  expect 0 '' 'opensm -B starts' -- opensm -B -g "$GUID0" -p 15 -f /var/log/opensm-ib0.log
  truth 'pgrep -f finds opensm for the GUID' -- pgrep -f "opensm -B -g $GUID0"
  truth 'opensm log written' -- grep -q 'SUBNET UP' /var/log/opensm-ib0.log
  case $flavor in
    rhel*) bootfile=/etc/rc.d/rc.local ;;
    sles*) bootfile=/etc/init.d/after.local ;; # after-local.service; nothing runs /etc/rc.d/rc.after
    ubuntu*) bootfile=/etc/rc.local ;;
  esac
  if [[ $flavor == sles* ]]; then
    printf 'opensm -B -g %s -p 15 -f /var/log/opensm-ib0.log\n' "$GUID0" >/etc/rc.d/rc.after
    chmod 755 /etc/rc.d/rc.after
    truth '/etc/rc.d is /etc/init.d (SLES)' -- test /etc/rc.d/rc.after -ef /etc/init.d/rc.after
  fi
  [[ -f $bootfile ]] || printf '#!/bin/sh\n' >"$bootfile"
  printf 'opensm -B -g %s -p 15 -f /var/log/opensm-ib0.log\nopensm -B -g %s -p 1 -f /var/log/opensm-ib1.log\n' "$GUID0" "$GUID1" >>"$bootfile"
  chmod 755 "$bootfile"

  echo "== $flavor: reboot"
  systemctl enable multipathd >/dev/null 2>&1
  case $flavor in
    rhel*) systemctl enable iscsi iscsid >/dev/null 2>&1 ;;
    sles*) systemctl enable iscsid.service iscsi.service >/dev/null 2>&1 ;;
    ubuntu*) systemctl enable iscsid open-iscsi >/dev/null 2>&1 ;;
  esac
  before=$(wc -l </var/log/sim/calls.log)
  sim-reboot
  after_boot=$(tail -n +$((before + 1)) /var/log/sim/calls.log)
  run iscsiadm -m session
  [[ $OUT == *"$A1:3260,1"* && $OUT == *"$A2:3260,2"* ]] && ok 'automatic records logged in at boot' || bad 'automatic records logged in at boot'
  [[ $OUT != *"$B2:3260"* ]] && ok 'manual record not logged in at boot' || bad 'manual record not logged in at boot'
  expect 0 'active' 'enabled multipathd active after reboot' -- systemctl is-active multipathd
  expect 0 '192.168.130.11/24' 'IPoIB address back after reboot' -- ip -o -4 addr show dev ib0
  if [[ $flavor == rhel9 ]]; then
    chmod 0640 /etc/NetworkManager/system-connections/ib1.nmconnection
    sim-reboot
    expect_not '192.168.131.11' 'RHEL 9: a keyfile readable by its group brings nothing up at boot' -- ip -o -4 addr show dev ib1
    chmod 0600 /etc/NetworkManager/system-connections/ib1.nmconnection
    sim-reboot
    expect 0 '192.168.131.11/24' 'RHEL 9: keyfile 0600 brings ib1 up at boot (NetworkManager autoconnect)' -- ip -o -4 addr show dev ib1
  fi
  run pgrep -fc "opensm -B -g $GUID0"
  [[ $OUT == 1 ]] && ok 'boot file started opensm once (old daemon gone)' || bad 'boot file started opensm once (old daemon gone)'
  if [[ $flavor == sles* ]]; then
    run pgrep -fc "opensm -B -g $GUID0 -p 15"
    [[ $OUT == 1 ]] && ok 'rc.after not run at boot (SLES)' || bad 'rc.after not run at boot (SLES)'
  fi
  truth 'no map right after reboot' -- test ! -e "/dev/mapper/$WWID"
  truth 'partition map back after reboot, same name' -- bash -c "for i in \$(seq 150); do [[ -b /dev/mapper/$P ]] && exit 0; sleep 0.1; done; exit 1"
  printf 'multipaths {\n  multipath {\n    wwid "%s"\n    alias vol_data\n  }\n}\n' "$WWID" >/etc/multipath/conf.d/test-alias.conf
  sim-reboot
  truth 'with an alias configured, the map appears after boot under its alias' -- bash -c "for i in \$(seq 150); do [[ -b /dev/mapper/vol_data && -b /dev/mapper/$AP ]] && exit 0; sleep 0.1; done; exit 1"
  truth 'and never under its WWID' -- bash -c "test ! -e /dev/mapper/$WWID && test ! -e /dev/mapper/$P"
  rm -f /etc/multipath/conf.d/test-alias.conf
  OUT=$after_boot
  [[ $OUT =~ ^[0-9]{13}\ sim-reboot$ ]] && ok 'a reboot logs one call (boot-time calls are not logged)' || bad 'a reboot logs one call (boot-time calls are not logged)'
  run grep -E '^[0-9]{13} iscsiadm -m session$' /var/log/sim/calls.log
  ((RC == 0)) && ok 'call log lines: <epoch-ms> <tool> <args...>' || bad 'call log lines: <epoch-ms> <tool> <args...>'

  echo "== $flavor: $((n - fails))/$n checks passed"
  ((fails == 0))
  exit $?
fi

# ------------------------------------------------------------------------------------------------------
# Two HCAs, no switch SM (`--ports-checks FLAVOR`, after setup-host.sh with SIM_HCAS=2 SIM_SWITCH_SM=off).
if [[ ${1:-} == --ports-checks ]]; then
  flavor=$2
  set +e
  fails=0 n=0 OUT='' RC=0
  run() { OUT=$("$@" 2>&1); RC=$?; }
  ok() { n=$((n + 1)); printf '  ok   %s\n' "$1"; }
  bad() { n=$((n + 1)); fails=$((fails + 1)); printf '  FAIL %s\n' "$1"; printf '       rc=%s output:\n%s\n' "$RC" "$(sed 's/^/       | /' <<<"$OUT")"; }
  expect() { local rc=$1 sub=$2 what=$3; shift 4; run "$@"; if [[ $RC == "$rc" && $OUT == *"$sub"* ]]; then ok "$what"; else bad "$what (want rc=$rc and '$sub')"; fi; }
  echo "== $flavor: two HCAs, subnet manager off"
  # the first checks left opensm lines in the boot file: without them no SM runs after a reboot
  for f in /etc/rc.d/rc.local /etc/rc.d/rc.after /etc/init.d/after.local /etc/rc.local; do [[ -f $f && ! -L $f ]] && sed -i '/opensm/d' "$f"; done
  rm -f /etc/udev/rules.d/70-selftest-ipoib.rules
  sim-reboot
  # names at boot: the kernel's ib0..ib3 in probe order; Ubuntu's udev renames them by PCI path
  case $flavor in
    ubuntu*) K0=ibp59s0f0 K1=ibp59s0f1 S0=ibp175s0f0 S1=ibp175s0f1 ;;
    *) K0=ib0 K1=ib1 S0=ib2 S1=ib3 ;;
  esac
  expect 0 $'mlx5_0\nmlx5_1' 'ibstat -l lists both CAs' -- ibstat -l
  run ibstat -p
  [[ $(wc -l <<<"$OUT") == 4 && $OUT == *$'\n'"$GUID0"$'\n'"$GUID1" ]] && ok 'ibstat -p: four GUIDs, the storage ports last' || bad 'ibstat -p: four GUIDs, the storage ports last'
  expect 0 "$GUID0"$'\n'"$GUID1" 'ibstat -p mlx5_1' -- ibstat -p mlx5_1
  expect 0 $'CA: \'mlx5_0\'\nPort 2:\nState: Down\nPhysical state: Polling' 'ibstat mlx5_0 2: Down/Polling' -- ibstat mlx5_0 2
  expect 0 $'State: Initializing\nPhysical state: LinkUp' 'storage port Initializing/LinkUp without an SM' -- ibstat mlx5_1 1
  expect 255 "has no port number 3" 'ibstat mlx5_1 3 fails' -- ibstat mlx5_1 3
  expect 255 "IB device can't be found" 'ibstat mlx5_9 fails' -- ibstat mlx5_9
  run ip -o link show
  [[ $OUT == *" $K0:"* && $OUT == *" $K1:"* && $OUT == *" $S1:"* && $OUT == *" $S0: "*"${GUID0:10:2}:${GUID0:12:2}:${GUID0:14:2}:${GUID0:16:2} brd"* ]] && ok "names $K0 $K1 $S0 $S1 in probe order (storage port 1 is $S0)" || bad "names $K0 $K1 $S0 $S1 in probe order (storage port 1 is $S0)"
  ip link set "$S0" up
  expect 2 'Device or resource busy' 'renaming an up device fails' -- ip link set "$S0" name stor0
  ip link set "$S0" down
  expect 2 'File exists' 'renaming onto a name in use fails' -- ip link set "$S0" name "$K0"
  expect 1 'not a valid ifname' 'a name over 15 characters is refused' -- ip link set "$S0" name abcdefghijklmnop
  expect 0 '' "ip link set $S0 name stor0" -- ip link set "$S0" name stor0
  expect 0 'stor0:' 'the device shows under its new name' -- ip -o link show stor0
  opensm -B -g "$GUID0" -p 15 -f /var/log/opensm-a.log
  expect 0 'State: Initializing' 'right after opensm starts: still Initializing (SIM_SM_SWEEP_S=2)' -- env SIM_SM_SWEEP_S=2 ibstat mlx5_1 1
  expect 0 'State: Active' 'opensm on the port: Active' -- ibstat mlx5_1 1
  expect 0 'State: Initializing' 'the other storage port (no SM on its fabric) stays Initializing' -- ibstat mlx5_1 2
  printf 'ACTION=="add", SUBSYSTEM=="net", DRIVERS=="?*", ATTR{type}=="32", ATTR{address}=="?*%s", NAME="stor1"\n' \
    "$(sed 's/^0x//; s/../&:/g; s/:$//' <<<"$GUID1")" >/etc/udev/rules.d/71-test.rules
  printf 'ACTION=="add", SUBSYSTEM=="net", ATTR{type}=="32", ATTR{address}=="?*%s", NAME="%s"\n' \
    "$(sed 's/^0x//; s/../&:/g; s/:$//' <<<"$GUID0")" "$K0" >>/etc/udev/rules.d/71-test.rules
  sim-reboot
  run ip -o link show
  [[ $OUT == *" stor1:"* && $OUT == *" ib2:"* && $OUT != *"stor0"* ]] && ok 'at boot udev names by GUID; a taken name keeps the kernel name (ib2)' || bad 'at boot udev names by GUID; a taken name keeps the kernel name (ib2)'
  expect 0 "Failed to rename network interface 12 from 'ib2' to '$K0': File exists" 'the failed rename is logged' -- cat /var/log/sim/boot.log
  expect 0 'State: Initializing' 'after a reboot the SM is gone: Initializing again' -- ibstat mlx5_1 1
  rm -f /etc/udev/rules.d/71-test.rules
  echo "== $flavor (two HCAs): $((n - fails))/$n checks passed"
  ((fails == 0))
  exit $?
fi

# ------------------------------------------------------------------------------------------------------
# Inside the new namespaces: build the host root and run setup + checks in a chroot. `--host FLAVOR DIR LOOP`
if [[ ${1:-} == --host ]]; then
  flavor=$2 T=$3 loop=$4
  root=$T/root
  mkdir -p "$T/layer" "$root"
  mount -t tmpfs tmpfs "$T/layer"
  mkdir -p "$T/layer/upper" "$T/layer/work"
  # SIM_SELFTEST_ROOT: the hosts' Debian root (test/target/rootfs/build.sh), as the targets use; / otherwise
  mount -t overlay overlay -o "lowerdir=${SIM_SELFTEST_ROOT:-/},upperdir=$T/layer/upper,workdir=$T/layer/work" "$root"
  mount -t proc proc "$root/proc"
  mount --rbind /sys "$root/sys"
  mount -t tmpfs -o mode=0755 tmpfs "$root/run"
  mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
  # a private /dev: the host's /dev/mapper must not land in the machine's /dev
  mount -t tmpfs -o mode=0755 tmpfs "$root/dev"
  for d in null zero random urandom full tty; do
    read -r maj min < <(stat -c '%t %T' "/dev/$d")
    mknod -m 666 "$root/dev/$d" c $((16#$maj)) $((16#$min))
  done
  read -r maj min < <(stat -c '%t %T' "$loop")
  mknod -m 660 "$root$loop" b $((16#$maj)) $((16#$min))
  [[ -e /dev/loop-control ]] && mknod -m 660 "$root/dev/loop-control" c 10 237
  for i in $(seq 0 31); do [[ -e /dev/loop$i && ! -e $root/dev/loop$i ]] && mknod -m 660 "$root/dev/loop$i" b 7 "$i"; done
  mkdir -p "$root/dev/pts" "$root/dev/shm" "$root/opt"
  ln -s /proc/self/fd "$root/dev/fd"
  ln -s /proc/self/fd/0 "$root/dev/stdin"
  ln -s /proc/self/fd/1 "$root/dev/stdout"
  ln -s /proc/self/fd/2 "$root/dev/stderr"
  cp -a "$here" "$root/opt/sim"
  chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    SIM_HOSTNAME="sim-$flavor" SIM_FLAVOR="$flavor" SIM_IQN="iqn.1994-05.com.redhat:sim-$flavor" \
    SIM_GUIDS="$GUID0 $GUID1" SIM_LUN_WWID="$WWID" SIM_LUN_DEVICE="$loop" SIM_ARRAY_IQN="$ARRAY_IQN" \
    SIM_ARRAY_PORTALS="$PORTALS" /bin/bash /opt/sim/setup-host.sh
  # a second run must be harmless
  chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    SIM_HOSTNAME="sim-$flavor" SIM_FLAVOR="$flavor" SIM_IQN="iqn.1994-05.com.redhat:sim-$flavor" \
    SIM_GUIDS="$GUID0 $GUID1" SIM_LUN_WWID="$WWID" SIM_LUN_DEVICE="$loop" SIM_ARRAY_IQN="$ARRAY_IQN" \
    SIM_ARRAY_PORTALS="$PORTALS" /bin/bash /opt/sim/setup-host.sh
  rc=0
  chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb /bin/bash -lc "/bin/bash /opt/sim/selftest.sh --checks $flavor" || rc=$?
  chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    SIM_HOSTNAME="sim-$flavor" SIM_FLAVOR="$flavor" SIM_IQN="iqn.1994-05.com.redhat:sim-$flavor" \
    SIM_GUIDS="$GUID0 $GUID1" SIM_LUN_WWID="$WWID" SIM_LUN_DEVICE="$loop" SIM_ARRAY_IQN="$ARRAY_IQN" \
    SIM_ARRAY_PORTALS="$PORTALS" SIM_HCAS=2 SIM_SWITCH_SM=off /bin/bash /opt/sim/setup-host.sh
  chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb /bin/bash -lc "/bin/bash /opt/sim/selftest.sh --ports-checks $flavor" || rc=$?
  # extra loop devices the host made for partitions
  if [[ -f $root/run/sim/loops ]]; then
    while read -r _ _ dev _; do losetup -d "$dev" 2>/dev/null || true; done <"$root/run/sim/loops"
  fi
  exit $rc
fi

# ------------------------------------------------------------------------------------------------------
[[ $(id -u) == 0 ]] || { echo 'selftest.sh: run as root' >&2; exit 2; }
flavors=("$@")
((${#flavors[@]})) || flavors=(rhel9 rhel8 rhel7 sles15 sles12 ubuntu22)
T=$(mktemp -d /tmp/sim-selftest.XXXXXX)
loops=()
cleanup() {
  local l
  for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null || true; done
  rm -rf "$T"
}
trap cleanup EXIT
status=0
for flavor in "${flavors[@]}"; do
  truncate -s 64M "$T/$flavor.img"
  loop=$(losetup --partscan -f --show "$T/$flavor.img")
  loops+=("$loop")
  mkdir -p "$T/$flavor"
  echo "### $flavor (LUN on $loop)"
  if ! unshare --mount --pid --uts --fork --propagation private bash "$here/selftest.sh" --host "$flavor" "$T/$flavor" "$loop"; then
    status=1
    echo "### $flavor: FAILED"
  fi
done
exit $status
