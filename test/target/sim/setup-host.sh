#!/bin/bash
# First start of a simulated host: run as root INSIDE the host's root filesystem (a chroot over an
# overlay of a Debian system, or a Docker container). Idempotent: a second run refreshes identity and
# tools and keeps what the host has changed since (iscsid.conf, records, enabled units, boot files).
#
# Environment (required unless marked optional):
#   SIM_HOSTNAME       host name (/etc/hostname, /etc/hosts)
#   SIM_FLAVOR         rhel9 | rhel8 | rhel7 | sles15 | sles12 | ubuntu22
#   SIM_IQN            initiator IQN (/etc/iscsi/initiatorname.iscsi)
#   SIM_GUIDS          "0x... 0x..." the two HCA port GUIDs (ibstat -p)
#   SIM_LUN_WWID       the LUN's WWID: 33 hex digits starting with 3
#   SIM_LUN_DEVICE     optional: a block device already attached (e.g. /dev/loop7): the LUN's backing
#                      store; /dev/mapper/$SIM_LUN_WWID becomes a symlink to it once multipathd makes
#                      the map, some time after a session and multipathd (sim-lib.sh)
#   SIM_ARRAY_IQN      the array's target IQN
#   SIM_ARRAY_PORTALS  "A1 B1 A2 B2": the four portal IPs (subnet A, subnet A, subnet B, subnet B)
#   SIM_ARRAY_CHAP_USER, SIM_ARRAY_CHAP_SECRET   optional: the array requires this CHAP login
#   SIM_SRC_DIR        optional: where bin/, lib/, files/ are (default: this script's folder)
#   SIM_HCAS           optional: 1 (default: one HCA mlx5_0, its two ports on the storage fabric) or 2
#                      (mlx5_0 on another fabric, port 2 Down; mlx5_1 carries SIM_GUIDS): kernel names
#                      ib0..ib3 in probe order, so the storage ports are ib2/ib3 until renamed
#   SIM_SWITCH_SM      optional: on (default: the fabric's switches run the subnet manager) or off (the
#                      storage ports stay Initializing until this host runs opensm on them)
# Ends with `sim-boot --fresh`. A launcher restarting a stopped host runs `/usr/local/sbin/sim-boot --fresh`
# (or this script again).
set -euo pipefail

src=${SIM_SRC_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
die() { printf 'setup-host.sh: %s\n' "$*" >&2; exit 2; }
for v in SIM_HOSTNAME SIM_FLAVOR SIM_IQN SIM_GUIDS SIM_LUN_WWID SIM_ARRAY_IQN SIM_ARRAY_PORTALS; do
  [[ -n ${!v:-} ]] || die "$v is required"
done
case $SIM_FLAVOR in rhel9 | rhel8 | rhel7 | sles15 | sles12 | ubuntu22) ;; *) die "unknown SIM_FLAVOR $SIM_FLAVOR" ;; esac
[[ ${SIM_HCAS:-1} == 1 || ${SIM_HCAS:-1} == 2 ]] || die 'SIM_HCAS must be 1 or 2'
[[ ${SIM_SWITCH_SM:-on} == on || ${SIM_SWITCH_SM:-on} == off ]] || die 'SIM_SWITCH_SM must be on or off'
[[ $SIM_LUN_WWID =~ ^3[0-9a-f]{32}$ ]] || die "SIM_LUN_WWID must be 33 lowercase hex digits starting with 3"
read -r -a guids <<<"$SIM_GUIDS"
((${#guids[@]} == 2)) || die 'SIM_GUIDS must hold two GUIDs'
read -r -a portals <<<"$SIM_ARRAY_PORTALS"
((${#portals[@]} == 4)) || die 'SIM_ARRAY_PORTALS must hold four addresses'
[[ $(id -u) == 0 ]] || die 'must run as root'
[[ -d $src/bin && -f $src/lib/sim-lib.sh ]] || die "no bin/ and lib/ under $src"

# ---- identity ------------------------------------------------------------------------------------------
printf '%s\n' "$SIM_HOSTNAME" >/etc/hostname
if ! grep -q "[[:space:]]$SIM_HOSTNAME\$" /etc/hosts 2>/dev/null; then
  printf '127.0.1.1\t%s\n' "$SIM_HOSTNAME" >>/etc/hosts
fi

# /etc/os-release is a symlink to ../usr/lib/os-release on Debian: replace the link, not its target.
rm -f /etc/os-release /etc/redhat-release /etc/system-release /etc/SuSE-release /etc/lsb-release /etc/debian_version
case $SIM_FLAVOR in
  rhel9)
    cat >/etc/os-release <<'OS'
NAME="Red Hat Enterprise Linux"
VERSION="9.4 (Plow)"
ID="rhel"
ID_LIKE="fedora"
VERSION_ID="9.4"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Red Hat Enterprise Linux 9.4 (Plow)"
ANSI_COLOR="0;31"
LOGO="fedora-logo-icon"
CPE_NAME="cpe:/o:redhat:enterprise_linux:9::baseos"
HOME_URL="https://www.redhat.com/"
DOCUMENTATION_URL="https://access.redhat.com/documentation/en-us/red_hat_enterprise_linux/9"
BUG_REPORT_URL="https://bugzilla.redhat.com/"

REDHAT_BUGZILLA_PRODUCT="Red Hat Enterprise Linux 9"
REDHAT_BUGZILLA_PRODUCT_VERSION=9.4
REDHAT_SUPPORT_PRODUCT="Red Hat Enterprise Linux"
REDHAT_SUPPORT_PRODUCT_VERSION="9.4"
OS
    printf 'Red Hat Enterprise Linux release 9.4 (Plow)\n' >/etc/redhat-release ;;
  rhel8)
    cat >/etc/os-release <<'OS'
NAME="Red Hat Enterprise Linux"
VERSION="8.6 (Ootpa)"
ID="rhel"
ID_LIKE="fedora"
VERSION_ID="8.6"
PLATFORM_ID="platform:el8"
PRETTY_NAME="Red Hat Enterprise Linux 8.6 (Ootpa)"
ANSI_COLOR="0;31"
CPE_NAME="cpe:/o:redhat:enterprise_linux:8::baseos"
HOME_URL="https://www.redhat.com/"
DOCUMENTATION_URL="https://access.redhat.com/documentation/en-us/red_hat_enterprise_linux/8/"
BUG_REPORT_URL="https://bugzilla.redhat.com/"

REDHAT_BUGZILLA_PRODUCT="Red Hat Enterprise Linux 8"
REDHAT_BUGZILLA_PRODUCT_VERSION=8.6
REDHAT_SUPPORT_PRODUCT="Red Hat Enterprise Linux"
REDHAT_SUPPORT_PRODUCT_VERSION="8.6"
OS
    printf 'Red Hat Enterprise Linux release 8.6 (Ootpa)\n' >/etc/redhat-release ;;
  rhel7)
    cat >/etc/os-release <<'OS'
NAME="Red Hat Enterprise Linux Server"
VERSION="7.9 (Maipo)"
ID="rhel"
ID_LIKE="fedora"
VARIANT="Server"
VARIANT_ID="server"
VERSION_ID="7.9"
PRETTY_NAME="Red Hat Enterprise Linux Server 7.9 (Maipo)"
ANSI_COLOR="0;31"
CPE_NAME="cpe:/o:redhat:enterprise_linux:7.9:GA:server"
HOME_URL="https://www.redhat.com/"
BUG_REPORT_URL="https://bugzilla.redhat.com/"

REDHAT_BUGZILLA_PRODUCT="Red Hat Enterprise Linux 7"
REDHAT_BUGZILLA_PRODUCT_VERSION=7.9
REDHAT_SUPPORT_PRODUCT="Red Hat Enterprise Linux"
REDHAT_SUPPORT_PRODUCT_VERSION="7.9"
OS
    printf 'Red Hat Enterprise Linux Server release 7.9 (Maipo)\n' >/etc/redhat-release ;;
  sles15)
    cat >/etc/os-release <<'OS'
NAME="SLES"
VERSION="15-SP4"
VERSION_ID="15.4"
PRETTY_NAME="SUSE Linux Enterprise Server 15 SP4"
ID="sles"
ID_LIKE="suse"
ANSI_COLOR="0;32"
CPE_NAME="cpe:/o:suse:sles:15:sp4"
DOCUMENTATION_URL="https://documentation.suse.com/"
OS
    ;;
  sles12)
    cat >/etc/os-release <<'OS'
NAME="SLES"
VERSION="12-SP5"
VERSION_ID="12.5"
PRETTY_NAME="SUSE Linux Enterprise Server 12 SP5"
ID="sles"
ANSI_COLOR="0;32"
CPE_NAME="cpe:/o:suse:sles:12:sp5"
OS
    ;;
  ubuntu22)
    cat >/etc/os-release <<'OS'
PRETTY_NAME="Ubuntu 22.04.1 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.1 LTS (Jammy Jellyfish)"
VERSION_CODENAME=jammy
ID=ubuntu
ID_LIKE=debian
HOME_URL="https://www.ubuntu.com/"
SUPPORT_URL="https://help.ubuntu.com/"
BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"
PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"
UBUNTU_CODENAME=jammy
OS
    printf 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\nDISTRIB_DESCRIPTION="Ubuntu 22.04.1 LTS"\n' >/etc/lsb-release ;;
esac

# ---- simulation state ----------------------------------------------------------------------------------
mkdir -p /etc/sim /var/lib/sim/systemd/enabled /var/lib/sim/net /var/lib/sim/ib /run/sim /var/log/sim
{
  printf '# Written by setup-host.sh: who this simulated host is.\n'
  printf 'SIM_HOSTNAME=%q\nSIM_FLAVOR=%q\nSIM_IQN=%q\nSIM_GUIDS=%q\nSIM_LUN_WWID=%q\nSIM_LUN_DEVICE=%q\n' \
    "$SIM_HOSTNAME" "$SIM_FLAVOR" "$SIM_IQN" "$SIM_GUIDS" "$SIM_LUN_WWID" "${SIM_LUN_DEVICE:-}"
  printf 'SIM_HCAS=%q\nSIM_SWITCH_SM=%q\n' "${SIM_HCAS:-1}" "${SIM_SWITCH_SM:-on}"
} >/etc/sim/host.conf
printf '%s\n' "$SIM_FLAVOR" >/etc/sim/flavor
{
  printf '# Written by setup-host.sh: the simulated E-Series array (portals: A1 B1 A2 B2).\n'
  printf 'ARRAY_IQN=%q\nARRAY_PORTALS=%q\n' "$SIM_ARRAY_IQN" "${portals[*]}"
  if [[ -n ${SIM_ARRAY_CHAP_USER:-} ]]; then
    printf 'ARRAY_CHAP_USER=%q\nARRAY_CHAP_SECRET=%q\n' "$SIM_ARRAY_CHAP_USER" "${SIM_ARRAY_CHAP_SECRET:-}"
  fi
} >/etc/sim/array.conf
touch /var/log/sim/calls.log /var/log/sim/calls.argv /var/log/sim/boot.log

# IPoIB hardware addresses are derived from the port GUIDs (sim-lib.sh sim_port_hwaddr); files of an
# older setup are dropped.
rm -f /var/lib/sim/net/ib[0-9]*.hwaddr

# ---- the OS's iSCSI and network layout -------------------------------------------------------------------
mkdir -p /etc/iscsi /boot /etc/udev/rules.d /etc/systemd/system/multi-user.target.wants
# systemd ships /etc/modules-load.d and pam /etc/security/limits.d on every flavor (both empty on a fresh host)
mkdir -p /etc/modules-load.d /etc/security/limits.d
printf 'InitiatorName=%s\n' "$SIM_IQN" >/etc/iscsi/initiatorname.iscsi
chmod 0644 /etc/iscsi/initiatorname.iscsi
# iscsid.conf as each distribution ships it: RHEL's iscsi-initiator-utils patches open-iscsi's file
# (node.startup = automatic, its iscsid.startup line active, no data digests); SLES and Ubuntu ship
# open-iscsi's own (node.startup = manual) with their iscsid.startup line. Written at the host's first
# setup even when the base system has one (a Debian machine with open-iscsi installed would otherwise
# leak its file into every flavour); later runs keep the host's edits.
if [[ ! -f /etc/iscsi/iscsid.conf || ! -e /var/lib/sim/iscsid.conf.installed ]]; then
  conf=$src/files/iscsid.conf
  case $SIM_FLAVOR in
    rhel*) conf=$src/files/iscsid.conf.rhel ;;
    ubuntu*) startup='iscsid.startup = /bin/systemctl start iscsid.socket' ;;
    *) startup='iscsid.startup = /bin/systemctl start iscsid.socket iscsiuio.socket' ;;
  esac
  while IFS= read -r line; do
    if [[ $line == '@ISCSID_STARTUP@' ]]; then printf '%s\n' "$startup"; else printf '%s\n' "$line"; fi
  done <"$conf" >/etc/iscsi/iscsid.conf
  chmod 0600 /etc/iscsi/iscsid.conf
  : >/var/lib/sim/iscsid.conf.installed
fi
case $SIM_FLAVOR in
  rhel*)
    mkdir -p /etc/sysconfig/network-scripts /var/lib/iscsi/ifaces /var/lib/iscsi/nodes /var/lib/iscsi/send_targets \
      /etc/rc.d /usr/share/doc/device-mapper-multipath-0.4.9
    # RHEL 8's rc.local: present, not executable (rc-local.service runs it only once it is made executable)
    if [[ ! -e /etc/rc.d/rc.local ]]; then
      printf '#!/bin/bash\n# THIS FILE IS ADDED FOR COMPATIBILITY PURPOSES\n#\n# It is highly advisable to create own systemd services or udev rules\n# to run scripts during boot instead of using this file.\n#\n# In contrast to previous versions due to parallel execution during boot\n# this script will NOT be run after all other services.\n#\n# Please note that you must run '"'"'chmod +x /etc/rc.d/rc.local'"'"' to ensure\n# that this script will be executed during boot.\n\ntouch /var/lock/subsys/local\n' >/etc/rc.d/rc.local
      chmod 0644 /etc/rc.d/rc.local
    fi
    [[ -e /etc/rc.local || -L /etc/rc.local ]] || ln -s rc.d/rc.local /etc/rc.local
    # rdma-core on RHEL ships this sample as %config(noreplace) (rdma-core.spec; kernel-boot/persistent-ipoib.rules)
    if [[ ! -e /etc/udev/rules.d/70-persistent-ipoib.rules ]]; then
      cat >/etc/udev/rules.d/70-persistent-ipoib.rules <<'RULES'
# This is a sample udev rules file that demonstrates how to get udev to
# set the name of IPoIB interfaces to whatever you wish.  There is a
# 16 character limit on network device names.
#
# Important items to note: ATTR{type}=="32" is IPoIB interfaces, and the
# ATTR{address} match must start with ?* and only reference the last 8
# bytes of the address or else the address might not match the variable QPN
# portion.
#
# Modern udev is case sensitive and all addresses need to be in lower case.
#
# ACTION=="add", SUBSYSTEM=="net", DRIVERS=="?*", ATTR{type}=="32", ATTR{address}=="?*00:02:c9:03:00:31:78:f2", NAME="mlx4_ib3"
RULES
    fi
    mkdir -p "$(readlink -f /var/lock)/subsys" # /var/lock -> /run/lock: volatile, sim-boot makes it again
    [[ -f /etc/sysconfig/network ]] || printf '# Created by anaconda\n' >/etc/sysconfig/network
    if [[ $SIM_FLAVOR == rhel9 ]]; then
      # RHEL 9's NetworkManager: profiles are keyfiles here (root-only files); the ifcfg directory only
      # keeps the readme the NetworkManager package ships (text as RHEL 9.4 has it, cloud-init#5612)
      mkdir -p /etc/NetworkManager/system-connections /etc/NetworkManager/conf.d
      chmod 0700 /etc/NetworkManager/system-connections
      [[ -f /etc/NetworkManager/NetworkManager.conf ]] || printf '# Configuration file for NetworkManager.\n# See "man 5 NetworkManager.conf" for details.\n[main]\n#plugins=keyfile,ifcfg-rh\n' >/etc/NetworkManager/NetworkManager.conf
      printf 'NetworkManager stores new network profiles in keyfile format in the\n/etc/NetworkManager/system-connections/ directory.\n\nPreviously, NetworkManager stored network profiles in ifcfg format\nin this directory (/etc/sysconfig/network-scripts/). However, the ifcfg\nformat is deprecated. By default, NetworkManager no longer creates\nnew profiles in this format.\n' >/etc/sysconfig/network-scripts/readme-ifcfg-rh.txt
    fi
    printf '# Sample multipath.conf (simulated device-mapper-multipath documentation)\n#defaults {\n#\tuser_friendly_names yes\n#\tfind_multipaths yes\n#}\n' \
      >/usr/share/doc/device-mapper-multipath-0.4.9/multipath.conf ;;
  sles*)
    mkdir -p /etc/sysconfig/network /etc/iscsi/ifaces /etc/iscsi/nodes /etc/iscsi/send_targets /etc/init.d \
      /usr/share/doc/packages/multipath-tools
    # SLES 12/15: /etc/rc.d is a symlink to /etc/init.d (so /etc/rc.d/rc.after is /etc/init.d/rc.after)
    if [[ ! -L /etc/rc.d ]]; then
      [[ -d /etc/rc.d ]] && { cp -a /etc/rc.d/. /etc/init.d/ 2>/dev/null; rm -rf /etc/rc.d; }
      ln -s init.d /etc/rc.d
    fi
    [[ -f /etc/sysconfig/network/config ]] || printf '## Type:\tstring\nNETCONFIG_MODULES_ORDER="dns-resolver dns-bind ntp-runtime"\n' >/etc/sysconfig/network/config
    [[ -f /etc/sysconfig/network/ifcfg-lo ]] || printf "IPADDR=127.0.0.1\nNETMASK=255.0.0.0\nNETWORK=127.0.0.0\nSTARTMODE=nfsroot\nBOOTPROTO=static\nUSERCONTROL=no\nFIREWALL=no\n" >/etc/sysconfig/network/ifcfg-lo
    printf '# multipath.conf.synthetic (simulated multipath-tools documentation)\n#defaults {\n#\tuser_friendly_names no\n#}\n' \
      >/usr/share/doc/packages/multipath-tools/multipath.conf.synthetic ;;
  ubuntu*)
    mkdir -p /etc/netplan /etc/iscsi/ifaces /etc/iscsi/nodes /etc/iscsi/send_targets
    [[ -f /etc/netplan/00-installer-config.yaml ]] || { printf '# This is the network config written by '"'"'subiquity'"'"'\nnetwork:\n  ethernets: {}\n  version: 2\n' >/etc/netplan/00-installer-config.yaml; chmod 0600 /etc/netplan/00-installer-config.yaml; } ;;
esac

# ---- default unit enablement (first run only) ----------------------------------------------------------------
if [[ ! -e /var/lib/sim/.setup-done ]]; then
  case $SIM_FLAVOR in
    rhel9 | rhel8) defaults=(sshd.service iscsi.service NetworkManager.service) ;;
    rhel7) defaults=(sshd.service iscsi.service network.service) ;;
    sles*) defaults=(sshd.service wicked.service) ;;
    ubuntu*) defaults=(ssh.service open-iscsi.service systemd-networkd.service) ;;
  esac
  for u in "${defaults[@]}"; do : >"/var/lib/sim/systemd/enabled/$u"; done
fi

# ---- tools ---------------------------------------------------------------------------------------------------
common=(iscsiadm systemctl ibstat opensm multipath ping ip udevadm parted partprobe kpartx dmsetup lsmod modprobe sim-boot
  sim-reboot sim-ctl blockdev mount)
case $SIM_FLAVOR in
  rhel8) tools=("${common[@]}" rpm dnf dracut lsinitrd grubby ifup nmcli) links=(ifdown:ifup yum:dnf) ;;
  # RHEL 9: no ifup/ifdown until NetworkManager-initscripts-updown is installed (not by default), no
  # network-scripts package at all (see README, NetworkManager)
  rhel9) tools=("${common[@]}" rpm dnf dracut lsinitrd grubby nmcli) links=(yum:dnf) ;;
  rhel7) tools=("${common[@]}" rpm dracut lsinitrd grubby ifup) links=(ifdown:ifup) ;;
  sles*) tools=("${common[@]}" rpm zypper dracut lsinitrd ifup wicked) links=(ifdown:ifup) ;;
  ubuntu*) tools=("${common[@]}" dpkg apt-get update-initramfs lsinitramfs netplan) links=() ;;
esac
mkdir -p /usr/local/sbin /usr/local/lib/sim/daemon
# tools of an earlier run that this flavor does not have (a real RHEL has no netplan)
if [[ -f /usr/local/lib/sim/installed ]]; then
  while IFS= read -r t; do rm -f "/usr/local/sbin/$t"; done </usr/local/lib/sim/installed
fi
install -m 0644 "$src/lib/sim-lib.sh" /usr/local/lib/sim/sim-lib.sh
: >/usr/local/lib/sim/installed
for t in "${tools[@]}"; do
  install -m 0755 "$src/bin/$t" "/usr/local/sbin/$t"
  printf '%s\n' "$t" >>/usr/local/lib/sim/installed
done
for l in "${links[@]}"; do
  ln -sfn "${l#*:}" "/usr/local/sbin/${l%%:*}"
  printf '%s\n' "${l%%:*}" >>/usr/local/lib/sim/installed
done
# what package files install (sanlun from the Unified Host Utilities, SMdevices from SMutils): not on a
# fresh host, as no distribution ships them
mkdir -p /usr/local/lib/sim/payload
for t in sanlun SMdevices; do install -m 0755 "$src/bin/$t" "/usr/local/lib/sim/payload/$t"; done
# RHEL 7 has yum and no dnf: the same simulated tool under yum's name
if [[ $SIM_FLAVOR == rhel7 ]]; then
  install -m 0755 "$src/bin/dnf" /usr/local/sbin/yum
  printf 'yum\n' >>/usr/local/lib/sim/installed
fi
# opensm's daemon is `sleep infinity` run through a link named opensm (so its comm is "opensm")
ln -sfn "$(command -v sleep)" /usr/local/lib/sim/daemon/opensm

# ---- a plain root shell ------------------------------------------------------------------------------------------
cat >/root/.profile <<'RC'
# ~/.profile of a simulated host: nothing printed, simulated tools first.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
if [ -n "$BASH_VERSION" ] && [ -f "$HOME/.bashrc" ]; then . "$HOME/.bashrc"; fi
RC
cat >/root/.bashrc <<'RC'
# ~/.bashrc of a simulated host: nothing printed, simulated tools first.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
[ -z "$PS1" ] && return
PS1='[\u@\h \W]\# '
RC
: >/root/.hushlogin

# ---- the installed kernel, its initramfs (no multipath: none was configured at install) and boot entry ------
kver=$(uname -r)
case $SIM_FLAVOR in
  ubuntu*)
    mkdir -p /etc/initramfs-tools
    [[ -f /etc/initramfs-tools/modules ]] || printf '# List of modules that you want to include in your initramfs.\n# They will be loaded at boot time in the order below.\n#\n# Syntax:  module_name [args ...]\n#\n# You must run update-initramfs(8) to effect this change.\n#\n# Examples:\n#\n# raid1\n# sd_mod\n' >/etc/initramfs-tools/modules ;;
  *) mkdir -p /etc/dracut.conf.d ;;
esac
if [[ ! -e /boot/vmlinuz-$kver ]]; then
  : >"/boot/vmlinuz-$kver"
  mid=$(tr -d '-' </proc/sys/kernel/random/uuid)
  case $SIM_FLAVOR in
    rhel*)
      # BootLoaderSpec entry + grubenv, as RHEL 8 installs them
      mkdir -p /boot/loader/entries /boot/grub2
      if [[ $SIM_FLAVOR == rhel9 ]]; then
        # RHEL 9 entries carry the kernel command line themselves (no $kernelopts from grubenv)
        printf 'title Red Hat Enterprise Linux (%s) 9.4 (Plow)\nversion %s\nlinux /vmlinuz-%s\ninitrd /initramfs-%s.img $tuned_initrd\noptions root=/dev/mapper/rhel-root ro crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M resume=/dev/mapper/rhel-swap rd.lvm.lv=rhel/root rd.lvm.lv=rhel/swap rhgb quiet $tuned_params\nid rhel-20240419123456-%s\ngrub_users $grub_users\ngrub_arg --unrestricted\ngrub_class rhel\n' \
          "$kver" "$kver" "$kver" "$kver" "$kver" >"/boot/loader/entries/$mid-$kver.conf"
      else
      printf 'title Red Hat Enterprise Linux (%s) 8.8 (Ootpa)\nversion %s\nlinux /vmlinuz-%s\ninitrd /initramfs-%s.img $tuned_initrd\noptions $kernelopts $tuned_params\nid rhel-20230418123456-%s\ngrub_users $grub_users\ngrub_arg --unrestricted\ngrub_class kernel\n' \
        "$kver" "$kver" "$kver" "$kver" "$kver" >"/boot/loader/entries/$mid-$kver.conf"
      fi
      printf '# GRUB Environment Block\nsaved_entry=%s-%s\nkernelopts=root=/dev/mapper/rhel-root ro crashkernel=auto resume=/dev/mapper/rhel-swap rd.lvm.lv=rhel/root rhgb quiet\nboot_success=0\n' \
        "$mid" "$kver" >/boot/grub2/grubenv
      SIM_NOLOG=1 /usr/local/sbin/dracut --force >/dev/null 2>&1 ;;
    sles*)
      mkdir -p /boot/grub2
      ln -sfn "vmlinuz-$kver" /boot/vmlinuz
      ln -sfn "initrd-$kver" /boot/initrd
      printf "set default=0\nmenuentry 'SLES 15-SP5' --class sles --class gnu-linux --class gnu --class os \$menuentry_id_option 'gnulinux-simple-%s' {\n\tlinux\t/boot/vmlinuz-%s root=UUID=%s splash=silent mitigations=auto quiet\n\tinitrd\t/boot/initrd-%s\n}\n" \
        "$mid" "$kver" "$mid" "$kver" >/boot/grub2/grub.cfg
      SIM_NOLOG=1 /usr/local/sbin/dracut --force >/dev/null 2>&1 ;;
    ubuntu*)
      mkdir -p /boot/grub
      ln -sfn "vmlinuz-$kver" /boot/vmlinuz
      ln -sfn "initrd.img-$kver" /boot/initrd.img
      printf "set default=\"0\"\nmenuentry 'Ubuntu' --class ubuntu --class gnu-linux --class gnu --class os \$menuentry_id_option 'gnulinux-simple-%s' {\n\tlinux\t/boot/vmlinuz-%s root=UUID=%s ro\n\tinitrd\t/boot/initrd.img-%s\n}\n" \
        "$mid" "$kver" "$mid" "$kver" >/boot/grub/grub.cfg
      SIM_NOLOG=1 /usr/local/sbin/update-initramfs -c -k "$kver" >/dev/null 2>&1 ;;
  esac
fi

touch /var/lib/sim/.setup-done
SIM_NOLOG=1 /usr/local/sbin/sim-boot --fresh
