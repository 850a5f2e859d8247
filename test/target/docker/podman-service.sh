#!/usr/bin/env bash
# Serves the Docker API from Podman, for machines without a Docker engine (CI runs as root).
#   podman-service.sh start   idempotent; starts `podman system service` in the background, waits for
#                             the socket, prints the DOCKER_HOST value to use
#   podman-service.sh stop    idempotent; stops the service this script started
#   podman-service.sh status  exit 0 when the service answers
#   podman-service.sh owner   prints the pid recorded as the service's user (SSHPLAY_PODMAN_OWNER at
#                             start), when the service running is the one this script started
# Environment: SSHPLAY_PODMAN_SOCK (default /run/podman/podman.sock), SSHPLAY_PODMAN_PIDFILE (default
# <socket dir>/sshplay-podman.pid), CONTAINERS_CONF (default: containers.conf next to this script).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
sock=${SSHPLAY_PODMAN_SOCK:-/run/podman/podman.sock}
pidfile=${SSHPLAY_PODMAN_PIDFILE:-$(dirname "$sock")/sshplay-podman.pid}
export CONTAINERS_CONF=${CONTAINERS_CONF:-$here/containers.conf}

answers() { # the API answers on the socket (asked with podman's own remote client: no curl or docker needed)
  [[ -S $sock ]] || return 1
  timeout 5 podman --remote --url "unix://$sock" version >/dev/null 2>&1
}

our_pid() { # pid of the service we started, when it is still that process
  [[ -f $pidfile ]] || return 1
  local pid
  pid=$(<"$pidfile")
  [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'system service' || return 1
  printf '%s' "$pid"
}

case ${1:-} in
  start)
    if answers; then echo "unix://$sock"; exit 0; fi
    command -v podman >/dev/null || { echo 'podman is not installed' >&2; exit 1; }
    mkdir -p "$(dirname "$sock")"
    rm -f "$sock"
    log=$(dirname "$sock")/sshplay-podman.log
    # setsid: the service outlives this script and is not killed with the caller's process group.
    setsid podman system service --time=0 "unix://$sock" </dev/null >>"$log" 2>&1 &
    echo $! >"$pidfile"
    printf '%s\n' "${SSHPLAY_PODMAN_OWNER:-}" >"$pidfile.owner"
    for _ in $(seq 1 150); do
      if answers; then echo "unix://$sock"; exit 0; fi
      kill -0 "$(<"$pidfile")" 2>/dev/null || break
      sleep 0.1
    done
    echo "podman system service did not answer on $sock (log: $log)" >&2
    tail -n 20 "$log" >&2 || true
    exit 1 ;;
  stop)
    if pid=$(our_pid); then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$sock"
    fi
    rm -f "$pidfile" "$pidfile.owner"
    exit 0 ;;
  status) answers ;;
  owner)
    our_pid >/dev/null || exit 1
    if [[ -n ${SSHPLAY_PODMAN_OWNER:-} ]]; then printf '%s\n' "$SSHPLAY_PODMAN_OWNER" >"$pidfile.owner"; fi
    cat "$pidfile.owner" 2>/dev/null ;;
  *) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
