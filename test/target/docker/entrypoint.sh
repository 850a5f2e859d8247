#!/bin/bash
# Entrypoint of the Docker test target's containers: at first start gives the host its identity, then
# runs sshd in the foreground as PID 1. A later start (`docker start` after `docker stop`) is a power
# cycle of the simulated host: sim-boot --fresh, then sshd.
# Environment (first start):
#   SSHPLAY_HOST_KEY         base64 of the ed25519 host private key (made here when unset)
#   SSHPLAY_AUTHORIZED_KEYS  root's authorized_keys text; else /run/sshplay/authorized_keys when mounted
#   SIM_HOSTNAME, SIM_FLAVOR, SIM_IQN, SIM_GUIDS, SIM_LUN_WWID, SIM_LUN_DEVICE, SIM_ARRAY_IQN,
#   SIM_ARRAY_PORTALS        passed to sim/setup-host.sh (skipped when SIM_HOSTNAME is unset)
set -euo pipefail
marker=/var/lib/sshplay/setup-done
mkdir -p /run/sshd /root/.ssh /var/lib/sshplay
chmod 700 /root/.ssh

if [[ ! -e $marker ]]; then
  key=/etc/ssh/ssh_host_ed25519_key
  rm -f /etc/ssh/ssh_host_*
  if [[ -n ${SSHPLAY_HOST_KEY:-} ]]; then
    printf '%s' "$SSHPLAY_HOST_KEY" | base64 -d >"$key"
    chmod 600 "$key"
    ssh-keygen -y -f "$key" >"$key.pub"
  else
    ssh-keygen -q -t ed25519 -N '' -C "root@${SIM_HOSTNAME:-$(hostname)}" -f "$key"
  fi
  if [[ -n ${SSHPLAY_AUTHORIZED_KEYS:-} ]]; then
    printf '%s\n' "$SSHPLAY_AUTHORIZED_KEYS" >/root/.ssh/authorized_keys
  elif [[ -r /run/sshplay/authorized_keys ]]; then
    cat /run/sshplay/authorized_keys >/root/.ssh/authorized_keys
  else
    echo 'sshplay-entrypoint: no SSHPLAY_AUTHORIZED_KEYS and no /run/sshplay/authorized_keys: nobody can log in' >&2
    : >/root/.ssh/authorized_keys
  fi
  chmod 600 /root/.ssh/authorized_keys
  if [[ -n ${SIM_HOSTNAME:-} ]]; then
    if [[ -x /opt/sshplay/sim/setup-host.sh ]]; then
      /opt/sshplay/sim/setup-host.sh
    else
      echo 'sshplay-entrypoint: /opt/sshplay/sim/setup-host.sh is missing: no simulated tools' >&2
      hostname "$SIM_HOSTNAME" 2>/dev/null || true
    fi
  fi
  touch "$marker"
elif [[ -x /usr/local/sbin/sim-boot ]]; then
  /usr/local/sbin/sim-boot --fresh || echo 'sshplay-entrypoint: sim-boot failed' >&2
fi
# Signals the launcher waits for (docker logs): setup is over, sshd starts now.
echo 'sshplay-entrypoint: ready'
exec /usr/sbin/sshd -D -e
