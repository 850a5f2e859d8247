#!/bin/bash
# PID 1 of one simulated host. The namespace target starts it as
#   unshare --mount --uts --pid --fork --propagation private --kill-child bash host.sh
# after mounting, in the controller's mount namespace, the host's root: an overlay over the hosts' Debian
# root (test/target/rootfs/build.sh; upper layer on a tmpfs) at $NS_ROOT with /run and /tmp bound from that tmpfs. Here, in the host's own namespaces: a
# fresh /proc, /sys, a private /dev (a few nodes, devpts, shm, the LUN's loop device, an empty mapper/),
# the host name, pivot_root into the overlay (the machine's other mounts are dropped from this
# namespace), first start (setup-host.sh) or restart (sim-boot --fresh), then exec sshd as PID 1.
#
# Environment: NS_ROOT, NS_MODE (setup | boot), NS_SIM_SRC (test/target/sim), NS_PIDFILE (gets this
# process's PID as the machine sees it), NS_ARRAY_LINK (optional: the folder bound read-only at /run/sim-array), SIM_* (the setup-host.sh contract, SIM_LUN_DEVICE included).
set -euo pipefail
root=${NS_ROOT:?}
say() { printf 'host.sh %s: %s\n' "${SIM_HOSTNAME:-?}" "$*" >&2; }
trap 'say "failed at line $LINENO"' ERR

# /proc is still the machine's here: /proc/self/stat names this process as the machine sees it.
read -r outer _ </proc/self/stat
printf '%s\n' "$outer" >"${NS_PIDFILE:?}"

hostname "${SIM_HOSTNAME:?}"

mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
mount --rbind /sys "$root/sys"

dev=$root/dev
mount -t tmpfs -o mode=0755,size=8m,nosuid,noexec tmpfs "$dev"
node() { mknod -m "$1" "$dev/$2" c "$3" "$4"; }
node 666 null 1 3
node 666 zero 1 5
node 666 full 1 7
node 666 random 1 8
node 666 urandom 1 9
node 666 tty 5 0
mkdir -m 0755 "$dev/pts" "$dev/mapper"
mkdir -m 1777 "$dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts "$dev/pts"
ln -s pts/ptmx "$dev/ptmx"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$dev/shm"
ln -s /proc/self/fd "$dev/fd"
ln -s /proc/self/fd/0 "$dev/stdin"
ln -s /proc/self/fd/1 "$dev/stdout"
ln -s /proc/self/fd/2 "$dev/stderr"
if [[ -n ${SIM_LUN_DEVICE:-} ]]; then
  # the LUN and the partitions it has now (the simulated parted makes later ones from /sys/class/block)
  lun=${SIM_LUN_DEVICE#/dev/}
  for b in "/sys/class/block/$lun" "/sys/class/block/$lun"p*; do
    [[ -r $b/dev ]] || continue
    IFS=: read -r major minor <"$b/dev"
    mknod -m 0660 "$dev/${b##*/}" b "$major" "$minor"
  done
fi

if [[ $NS_MODE == boot ]]; then
  # a power cycle: volatile state is gone
  find "$root/run" "$root/tmp" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
fi
mkdir -p "$root/run/sshd" "$root/run/lock"
if [[ -n ${NS_ARRAY_LINK:-} ]]; then
  # the one channel from the controller: the simulated array's state (test/target/sim/README.md,
  # "Wired to the simulated array"), read-only; empty until a test wires an array to the fleet
  mkdir -p "$root/run/sim-array"
  mount --bind "$NS_ARRAY_LINK" "$root/run/sim-array"
  mount -o remount,bind,ro "$root/run/sim-array"
fi
chmod 0755 "$root/run/sshd"
chmod 1777 "$root/run/lock"
if [[ $NS_MODE == setup ]]; then
  rm -rf "$root/tmp/.sshplay-sim"
  cp -r "${NS_SIM_SRC:?}" "$root/tmp/.sshplay-sim"
fi

# pivot_root(2): new_root and put_old may be the same directory; the old root is then detached.
cd "$root"
pivot_root . .
umount -l .
cd /

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
if [[ $NS_MODE == setup ]]; then
  SIM_SRC_DIR=/tmp/.sshplay-sim bash /tmp/.sshplay-sim/setup-host.sh </dev/null
  rm -rf /tmp/.sshplay-sim
else
  /usr/local/sbin/sim-boot --fresh </dev/null
fi
for v in "${!SIM_@}" "${!NS_@}"; do unset "$v"; done
trap - ERR
exec /usr/sbin/sshd -D -f /etc/ssh/sshd_config -E /var/log/sshd.log
