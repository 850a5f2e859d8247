#!/bin/bash
# Mounts (in the controller's mount namespace) the root of one simulated host:
#   mount-root.sh HOST_DIR ROOTFS
# HOST_DIR/layer: a tmpfs holding the overlay's upper and work dirs and the host's /run and /tmp;
# HOST_DIR/root: an overlay with lowerdir=ROOTFS (the Debian root of test/target/rootfs/build.sh, shared
# by every host and never written: nothing of the controller's own / is in it), /run and /tmp bound
# from the layer. Undone by unmounting HOST_DIR/root recursively, then HOST_DIR/layer.
set -euo pipefail
dir=${1:?HOST_DIR}
lower=${2:?ROOTFS}
[[ -f $lower/.sshplay-rootfs ]] || { echo "mount-root.sh: $lower is not a root made by test/target/rootfs/build.sh" >&2; exit 1; }
mkdir -p "$dir/layer" "$dir/root"
mount -t tmpfs -o mode=0755 sshplay-ns-layer "$dir/layer"
mkdir -p "$dir/layer/upper" "$dir/layer/work" "$dir/layer/run" "$dir/layer/tmp"
chmod 0755 "$dir/layer/run"
chmod 1777 "$dir/layer/tmp"
mount -t overlay sshplay-ns-root -o "lowerdir=$lower,upperdir=$dir/layer/upper,workdir=$dir/layer/work" "$dir/root"
mount --bind "$dir/layer/run" "$dir/root/run"
mount --bind "$dir/layer/tmp" "$dir/root/tmp"
