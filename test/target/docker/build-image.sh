#!/usr/bin/env bash
# Builds the Docker test target's image (sshplay-target:latest), cached: nothing is rebuilt when the
# image exists and its sshplay.inputs label matches the hash of the Dockerfile, docker/ and sim/.
#   build-image.sh            prints the image name on stdout (progress on stderr)
# Base image, in order:
#   $SSHPLAY_BASE when set (e.g. debian:bookworm from a registry);
#   sshplay-base:bookworm when present, or when it can be made here: root + debootstrap, a minbase
#     Debian 12 from the machine's own apt mirror, imported as an image (no registry needed, ~2 min);
#   debian:bookworm otherwise (the engine pulls it; the Dockerfile apt-installs openssh-server etc.).
# Runs through the `docker` client (DOCKER_HOST may point at podman-service.sh's socket); the base
# import uses `podman import` when podman is installed, else `docker import`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
ctx=$(dirname "$here") # test/target: the build context
export CONTAINERS_CONF=${CONTAINERS_CONF:-$here/containers.conf}
export DOCKER_BUILDKIT=${DOCKER_BUILDKIT:-0} # podman's Docker API has no BuildKit
image=${SSHPLAY_IMAGE:-sshplay-target:latest}
base_local=sshplay-base:bookworm
packages=openssh-server,openssh-sftp-server,python3,iproute2,parted,e2fsprogs,util-linux,procps
log() { printf '[build-image] %s\n' "$*" >&2; }

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

mirror() { # the Debian mirror this machine's apt uses (not the security one)
  local m
  m=$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources |
    grep -oE 'https?://[^ ]*/debian/?( |$)' | grep -v security | head -n1 | tr -d ' ' || true)
  printf '%s' "${m:-http://deb.debian.org/debian}"
}

if [[ -n ${SSHPLAY_BASE:-} ]]; then
  base=$SSHPLAY_BASE
elif have_image "$base_local"; then
  base=$base_local
elif [[ $(id -u) == 0 ]] && command -v debootstrap >/dev/null; then
  dir=$(mktemp -d /var/tmp/sshplay-base.XXXXXX)
  cleanup() { # debootstrap mounts /proc and /sys inside the target while it works
    awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | xargs -r umount -l || true
    rm -rf --one-file-system "$dir" "$dir.log"
  }
  trap cleanup EXIT
  started=$(date +%s)
  log "debootstrap bookworm from $(mirror) into $dir (about 2 minutes)"
  debootstrap --variant=minbase --include="$packages" bookworm "$dir" "$(mirror)" >"$dir.log" 2>&1 || {
    tail -n 30 "$dir.log" >&2
    exit 1
  }
  # Keys made when the packages were installed would be shared by every container: the entrypoint
  # makes (or is given) each host's own.
  rm -f "$dir"/etc/ssh/ssh_host_*
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
  log "importing $base_local"
  if command -v podman >/dev/null; then
    tar -C "$dir" -c . | podman import -q - "$base_local" >/dev/null
  else
    tar -C "$dir" -c . | docker import - "$base_local" >/dev/null
  fi
  cleanup
  trap - EXIT
  log "base image made in $(($(date +%s) - started)) s"
  base=$base_local
else
  base=debian:bookworm
fi

# The inputs' hash: every file of the build context the Dockerfile uses, by path and content.
hash=$(cd "$ctx" && find Dockerfile docker sim -type f -o -type l | LC_ALL=C sort | while read -r f; do
  printf '%s\n' "$f"
  if [[ -L $f ]]; then readlink "$f"; else cat "$f"; fi
done | { cat; printf 'base=%s\n' "$base"; } | sha256sum | cut -c1-16)

current=$(docker image inspect --format '{{ index .Config.Labels "sshplay.inputs" }}' "$image" 2>/dev/null || true)
if [[ $current == "$hash" ]]; then
  log "$image is up to date ($hash)"
else
  started=$(date +%s)
  log "building $image from $base ($hash)"
  docker build -q --build-arg "BASE=$base" --label "sshplay.inputs=$hash" -t "$image" -f "$ctx/Dockerfile" "$ctx" >&2
  log "image built in $(($(date +%s) - started)) s"
  # Earlier builds, now untagged, are not kept (their label marks them as ours).
  docker image prune -f --filter label=sshplay.inputs >/dev/null 2>&1 || true
fi
printf '%s\n' "$image"
