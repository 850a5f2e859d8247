#!/usr/bin/env bash
# The root filesystem every simulated host starts from, namespace and Docker targets alike: a minbase
# Debian 12 made by debootstrap from this machine's Debian mirror (no registry), with exactly the
# packages the simulator and the playbooks use on a host. Nothing of the controller's own system is in
# it, so no controller file (its /etc/iscsi, /etc/multipath.conf, network files, shell profiles,
# installed tools) can show through on a host.
#   build.sh          prints the rootfs folder on stdout (progress on stderr); builds it when missing
#   build.sh --hash   prints the key of the cache entry only
# Cached in $SSHPLAY_ROOTFS_CACHE (default /var/cache/sshplay) as rootfs-<key>, where the key hashes what
# the root is made of (suite, packages, architecture, and `recipe`, to bump when the steps below change):
# changing any builds a new one. Older ones are left in place (a running fleet may be using one). Builders
# on the same machine wait for each other (flock). The folder is never written once built: the
# namespace target mounts it as the read-only lower layer of each host's overlay, and the Docker target
# imports it as its base image. Needs root and debootstrap (about 2 minutes on 2 cores).
set -euo pipefail
# What a host runs: sshd and the SFTP server (the runner's two channels), the storage tools the
# playbooks call for real (parted, mkfs.ext4, mkfs.xfs, blkid, findmnt, mount, losetup), procps
# (pgrep, ps), iproute2, kmod, sudo (become tests: a login user elevated by real sudo), gawk, python3
# (what ansible-playbook needs on a host, for bench/), openssh-client (ssh-keygen inside a container).
packages=openssh-server,openssh-sftp-server,openssh-client,python3,iproute2,parted,e2fsprogs,xfsprogs,util-linux,mount,procps,kmod,sudo,gawk,findutils,diffutils,passwd
suite=bookworm
recipe=1 # bump when the build steps below change what the root holds
cache=${SSHPLAY_ROOTFS_CACHE:-/var/cache/sshplay}
log() { printf '[rootfs] %s\n' "$*" >&2; }

arch=$(dpkg --print-architecture 2>/dev/null || uname -m)
key=$(printf 'suite=%s\npackages=%s\narch=%s\nrecipe=%s\n' "$suite" "$packages" "$arch" "$recipe" | sha256sum | cut -c1-16)
if [[ ${1:-} == --hash ]]; then printf '%s\n' "$key"; exit 0; fi
rootfs=$cache/rootfs-$key
if [[ -f $rootfs/.sshplay-rootfs ]]; then printf '%s\n' "$rootfs"; exit 0; fi

[[ $(id -u) == 0 ]] || { echo 'build.sh: the hosts'"'"' root filesystem is built as root (debootstrap)' >&2; exit 1; }
command -v debootstrap >/dev/null || { echo 'build.sh: debootstrap is not installed (apt-get install debootstrap)' >&2; exit 1; }

mkdir -p "$cache"
exec 9>"$cache/.rootfs.lock"
flock 9 # another process may be building the same one: wait for it, then use it
if [[ -f $rootfs/.sshplay-rootfs ]]; then printf '%s\n' "$rootfs"; exit 0; fi

mirror() { # the Debian mirror this machine's apt uses (not the security one)
  local m
  m=$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources |
    grep -oE 'https?://[^ ]*/debian/?( |$)' | grep -v security | head -n1 | tr -d ' ' || true)
  printf '%s' "${m:-http://deb.debian.org/debian}"
}

work=$(mktemp -d "$cache/.rootfs-$key.XXXXXX")
cleanup() { # debootstrap mounts /proc and /sys inside the target while it works
  awk -v d="$work/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | xargs -r umount -l || true
  rm -rf --one-file-system "$work" "$work.log"
}
trap cleanup EXIT
started=$(date +%s)
log "debootstrap $suite ($arch) from $(mirror) into $rootfs (about 2 minutes, once)"
if ! debootstrap --variant=minbase --include="$packages" "$suite" "$work" "$(mirror)" >"$work.log" 2>&1; then
  tail -n 30 "$work.log" >&2
  exit 1
fi
# Keys made when openssh-server was installed would be shared by every host: each host gets its own.
rm -f "$work"/etc/ssh/ssh_host_*
rm -rf "$work"/var/cache/apt/archives/*.deb "$work"/var/lib/apt/lists/* "$work"/var/log/*.log
printf 'sshplay simulated hosts root: debootstrap %s %s, key %s\npackages: %s\n' "$suite" "$arch" "$key" "$packages" \
  >"$work/.sshplay-rootfs"
awk -v d="$work/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | xargs -r umount -l || true
mv "$work" "$rootfs"
rm -f "$work.log"
trap - EXIT
log "built in $(($(date +%s) - started)) s"
printf '%s\n' "$rootfs"
