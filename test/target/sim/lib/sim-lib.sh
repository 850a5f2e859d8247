#!/bin/bash
# Shared helpers of the simulated host tools. Installed as /usr/local/lib/sim/sim-lib.sh and sourced by
# every tool in /usr/local/sbin. Pure bash (plus coreutils where unavoidable): each tool call must be
# fast, so nothing here forks unless a caller asks for it.
# shellcheck disable=SC2034  # variables here are used by the tools that source this file

SIM_LIB_DIR=/usr/local/lib/sim
SIM_ETC=/etc/sim
SIM_VAR=/var/lib/sim
SIM_RUN=/run/sim
SIM_LOG=/var/log/sim/calls.log

# Host identity written by setup-host.sh (SIM_HOSTNAME, SIM_FLAVOR, SIM_IQN, SIM_GUIDS, SIM_LUN_WWID,
# SIM_LUN_DEVICE) and the array (ARRAY_IQN, ARRAY_PORTALS).
if [[ -r $SIM_ETC/host.conf ]]; then
  # shellcheck source=/dev/null
  . "$SIM_ETC/host.conf"
fi
if [[ -r $SIM_ETC/array.conf ]]; then
  # shellcheck source=/dev/null
  . "$SIM_ETC/array.conf"
fi
SIM_FLAVOR=${SIM_FLAVOR:-rhel8}
read -r -a SIM_GUID_LIST <<<"${SIM_GUIDS:-0x248a070300a80a80 0x248a070300a80a81}"
read -r -a ARRAY_PORTAL_LIST <<<"${ARRAY_PORTALS:-}"
declare -A ARRAY_PORTAL_TAG=() ARRAY_PORTAL_PORT=()
SIM_LUN_NUMBER=1

# The simulated E-Series array (test/target/array), when a test wires one to this host: its state as the
# hosts may know it, in one read-only file the array rewrites after every change (the launcher binds the
# array's folder at /run/sim-array; nothing else of the controller shows through). Lines:
#   iqn <target IQN>
#   portal <ip> <portal group tag> <controller port, e.g. A1>   (only ports with an address configured)
#   lun <initiator IQN> <LUN number> <WWID> <volume name>       (volumes mapped to that initiator's host or group)
# Without the file, the host is cabled to the fixed array of array.conf, as before.
SIM_ARRAY_STATE=/run/sim-array/state
SIM_ARRAY_WIRED=0
# This host's initiator name as iscsid reads it (InitiatorName= of initiatorname.iscsi), for the array's
# LUN masking; SIM_IQN when the file has none.
sim_initiator_name() {
  local line
  SIM_INITIATOR=$SIM_IQN
  [[ -r /etc/iscsi/initiatorname.iscsi ]] || return 0
  while IFS= read -r line || [[ -n $line ]]; do
    [[ $line =~ ^[[:space:]]*InitiatorName[[:space:]]*=[[:space:]]*([^[:space:]]+) ]] && SIM_INITIATOR=${BASH_REMATCH[1]}
  done </etc/iscsi/initiatorname.iscsi
  return 0
}
# (Re)reads the wired array's state: the target IQN, its portals with their tags, and this host's LUN
# (the lowest LUN number mapped to its initiator; a host has one backing device, so one LUN). Pure bash.
sim_array_load() {
  [[ -r $SIM_ARRAY_STATE ]] || return 0
  SIM_ARRAY_WIRED=1
  local kind a b c d best=''
  ARRAY_IQN='' ARRAY_PORTAL_LIST=() ARRAY_PORTAL_TAG=() ARRAY_PORTAL_PORT=()
  SIM_LUN_WWID='' SIM_LUN_NUMBER='' ARRAY_VOLUME=''
  sim_initiator_name
  while read -r kind a b c d; do
    case $kind in
      iqn) ARRAY_IQN=$a ;;
      portal) ARRAY_PORTAL_LIST+=("$a") ARRAY_PORTAL_TAG[$a]=$b ARRAY_PORTAL_PORT[$a]=$c ;;
      lun)
        [[ ${a,,} == "${SIM_INITIATOR,,}" ]] || continue
        if [[ -z $best ]] || ((b < best)); then best=$b SIM_LUN_NUMBER=$b SIM_LUN_WWID=$c ARRAY_VOLUME=$d; fi ;;
    esac
  done <"$SIM_ARRAY_STATE"
  ARRAY_PORTALS=${ARRAY_PORTAL_LIST[*]}
}
sim_array_load

# Where open-iscsi keeps its database: RHEL /var/lib/iscsi, SLES and Ubuntu /etc/iscsi.
case $SIM_FLAVOR in
  rhel*) ISCSI_DB=/var/lib/iscsi ;;
  *) ISCSI_DB=/etc/iscsi ;;
esac
ISCSI_IFACES=$ISCSI_DB/ifaces
ISCSI_NODES=$ISCSI_DB/nodes
ISCSID_CONF=/etc/iscsi/iscsid.conf

# open-iscsi version of the flavor: the `# BEGIN RECORD <version>` line and `iscsiadm --version`.
case $SIM_FLAVOR in
  rhel9) ISCSI_VERSION=6.2.1.4 ;; # iscsi-initiator-utils-6.2.1.4-3.git2a8f9d8.el9 (RHEL 9.0-9.4)
  rhel8) ISCSI_VERSION=6.2.1.4 ;; # Red Hat prefixes 6. to open-iscsi 2.1.4 (iscsi-initiator-utils-6.2.1.4)
  rhel7) ISCSI_VERSION=6.2.0.874-22 ;;
  sles15) ISCSI_VERSION=2.1.7 ;;
  sles12) ISCSI_VERSION=2.0.876 ;;
  *) ISCSI_VERSION=2.1.5 ;;
esac

# Called first by every tool: one line `<epoch-ms> <tool> <args...>` in the call log (args joined by
# spaces: easy to read and grep). Calls made by the simulation itself (a unit started at boot, rc.local
# run by sim-reboot) set SIM_NOLOG=1, so the log holds only what was invoked from outside (sshplay, a
# test). When the tool exits, one line `<epoch-ms at start> <exit status> <argv>` goes to the argv log,
# each word as bash's printf %q quotes it: unambiguous (a space inside an argument stays inside it), and
# a line minus its first two fields is the call itself, runnable by bash (the benchmark replays it).
SIM_ARGV_LOG=/var/log/sim/calls.argv
sim_log() {
  [[ ${SIM_NOLOG:-} == 1 ]] && return 0
  local t=${EPOCHREALTIME/[.,]/} line argv
  line="${t:0:${#t}-3} $*"
  line=${line//$'\n'/ }
  printf '%s\n' "$line" >>"$SIM_LOG" 2>/dev/null || true
  printf -v argv ' %q' "$@"
  SIM_CALL_ARGV="${t:0:${#t}-3}${argv}"
  # An EXIT trap runs in this shell only (subshells and the processes it starts reset it).
  trap 'printf "%s %s%s\n" "${SIM_CALL_ARGV%% *}" "$?" " ${SIM_CALL_ARGV#* }" >>"$SIM_ARGV_LOG" 2>/dev/null' EXIT
}

# Nested calls from one simulated tool to another are not logged.
sim_nested() { SIM_NOLOG=1 "$@"; }

sim_die() { # sim_die CODE MESSAGE...: message on stderr, exit with CODE
  local code=$1
  shift
  printf '%s\n' "$@" >&2
  exit "$code"
}

# Milliseconds since the epoch, without forking date.
sim_now_ms() { local t=${EPOCHREALTIME/[.,]/}; printf '%s' "${t:0:${#t}-3}"; }

# ---------------------------------------------------------------------------------------------------
# HCAs and their ports, in the kernel's probe order (index 0..n-1). SIM_HCAS=1 (default): one CA
# mlx5_0 whose two ports carry the host's GUIDs (SIM_GUIDS) and are cabled to the storage fabric.
# SIM_HCAS=2: a GPU/HPC host: mlx5_0 is cabled to another fabric (port 1 Active under that fabric's
# own SM, port 2 Down/Polling: no cable), mlx5_1 carries SIM_GUIDS on the storage fabric.
#   SIM_PORT_CA[i] SIM_PORT_NUM[i] SIM_PORT_GUID[i] SIM_PORT_STORAGE[i] (storage port 1|2, or 0)
SIM_HCAS=${SIM_HCAS:-1}
# The storage fabric's switches run a subnet manager (on, the default) or not (off): then the storage
# ports stay Initializing (physical state LinkUp) until an opensm bound to that port's GUID runs here.
SIM_SWITCH_SM=${SIM_SWITCH_SM:-on}
SIM_PORT_CA=() SIM_PORT_NUM=() SIM_PORT_GUID=() SIM_PORT_STORAGE=()
sim_port_add() { SIM_PORT_CA+=("$1") SIM_PORT_NUM+=("$2") SIM_PORT_GUID+=("$3") SIM_PORT_STORAGE+=("$4"); }
if [[ $SIM_HCAS == 2 ]]; then
  # the other fabric's ports: another Mellanox OUI (98:03:9b), the same per-host tail
  sim_port_add mlx5_0 1 "0x98039b03${SIM_GUID_LIST[0]:10}" 0
  sim_port_add mlx5_0 2 "0x98039b03${SIM_GUID_LIST[1]:10}" 0
  sim_port_add mlx5_1 1 "${SIM_GUID_LIST[0]}" 1
  sim_port_add mlx5_1 2 "${SIM_GUID_LIST[1]}" 2
else
  sim_port_add mlx5_0 1 "${SIM_GUID_LIST[0]}" 1
  sim_port_add mlx5_0 2 "${SIM_GUID_LIST[1]}" 2
fi
SIM_CAS=()
for __c in "${SIM_PORT_CA[@]}"; do [[ " ${SIM_CAS[*]} " == *" $__c "* ]] || SIM_CAS+=("$__c"); done
unset __c

# Is an opensm bound to GUID running on this host, long enough to have swept the fabric? The sim's
# opensm records its processes in /run/sim/opensm/<guid>. A real first sweep takes a few seconds, which
# a boot survives because open-iscsi retries the initial login (node.session.initial_login_retry_max
# 8); the simulated iscsiadm does not retry, so by default a port is Active as soon as its opensm runs.
# SIM_SM_SWEEP_S=N (environment or host.conf) makes it wait N seconds, to test callers that must wait.
SIM_SM_SWEEP_S=${SIM_SM_SWEEP_S:-0}
sim_sm_running() { # sim_sm_running GUID
  local f=$SIM_RUN/opensm/${1,,} pid _ now age
  [[ -s $f ]] || return 1
  while read -r pid _; do
    [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/comm && $(<"/proc/$pid/comm") == opensm ]] || continue
    printf -v now '%(%s)T' -1
    age=$((now - $(stat -c %Y "$f")))
    ((age >= SIM_SM_SWEEP_S)) && return 0
  done <"$f"
  return 1
}

# "State PhysicalState" of port index I, as ibstat names them (infiniband-diags' port_state_str and
# port_phy_state_str). A test may force a storage port: /var/lib/sim/ib/port<N> (N = storage port 1|2)
# holds e.g. "Down Polling" (sim-ctl port N STATE PHYS).
sim_port_state() { # sim_port_state I
  local i=$1 k=${SIM_PORT_STORAGE[$1]}
  if ((k == 0)); then
    if ((SIM_PORT_NUM[i] == 1)); then printf 'Active LinkUp'; else printf 'Down Polling'; fi
    return 0
  fi
  if [[ -s $SIM_VAR/ib/port$k ]]; then printf '%s' "$(<"$SIM_VAR/ib/port$k")"; return 0; fi
  if [[ $SIM_SWITCH_SM != off ]] || sim_sm_running "${SIM_PORT_GUID[i]}"; then printf 'Active LinkUp'
  else printf 'Initializing LinkUp'; fi
}

# IPoIB hardware address of port index I: 4 bytes of QPN and flags, the 8-byte subnet prefix, then
# the port GUID (the last 8 bytes are what a udev rule matches on).
sim_port_hwaddr() { # sim_port_hwaddr I
  local g=${SIM_PORT_GUID[$1]#0x}
  g=$(printf '%016s' "$g")
  g=${g// /0}
  printf '80:00:%02x:08:fe:80:00:00:00:00:00:00:%s:%s:%s:%s:%s:%s:%s:%s' $((2 + $1 * 2)) \
    "${g:0:2}" "${g:2:2}" "${g:4:2}" "${g:6:2}" "${g:8:2}" "${g:10:2}" "${g:12:2}" "${g:14:2}"
}

# ---------------------------------------------------------------------------------------------------
# Simulated IPoIB devices: one per HCA port. Their names are kernel state (/run/sim/net/names: one
# "<port index> <name>" line per device, lost at a reboot): the kernel names them ib0, ib1, ... in
# probe order when the device is added (sim_ib_devices_add, at boot), udev rules may rename them then,
# and `ip link set DEV name NEW` renames one later. Per device, also volatile: /run/sim/net/<dev>.up
# (present = admin up), <dev>.addrs (one CIDR per line), <dev>.mtu.
SIM_NET_DEVS=()
declare -A SIM_DEV_PORT=()
sim_net_load() {
  local line
  SIM_NET_DEVS=() SIM_DEV_PORT=()
  [[ -s $SIM_RUN/net/names ]] || return 0
  while read -r line; do
    [[ -n $line ]] || continue
    SIM_NET_DEVS+=("${line#* }")
    SIM_DEV_PORT[${line#* }]=${line%% *}
  done <"$SIM_RUN/net/names"
}
sim_net_load

sim_net_save() { # writes the names of SIM_NET_DEVS (port order) back
  local d out=''
  for d in "${SIM_NET_DEVS[@]}"; do out+="${SIM_DEV_PORT[$d]} $d"$'\n'; done
  mkdir -p "$SIM_RUN/net"
  printf '%s' "$out" >"$SIM_RUN/net/names.tmp" && mv -f "$SIM_RUN/net/names.tmp" "$SIM_RUN/net/names"
}

sim_is_ibdev() { [[ -n $1 && -n ${SIM_DEV_PORT[$1]:-} ]]; }

# The udev NAME a rule file assigns to a net device with hardware address ADDR (type 32, IPoIB).
# Understands the rule lines of rdma-core's 70-persistent-ipoib.rules and NetApp's rename rules:
# SUBSYSTEM=="net", ACTION=="add", ATTR{type}=="32", ATTR{address}=="<glob>", KERNEL=="<glob>",
# NAME="x" / NAME:="x" (final). Files of /etc/udev/rules.d in lexical order; later NAME= wins unless
# an earlier one was final, as in udev.
sim_udev_name() { # sim_udev_name ADDR KERNELNAME -> prints the name, 1 when no rule names it
  local addr=$1 kname=$2 f line name='' final=0 re ok pat
  shopt -s nullglob
  for f in /etc/udev/rules.d/*.rules; do
    while IFS= read -r line || [[ -n $line ]]; do
      [[ $line =~ ^[[:space:]]*# || $line != *NAME* ]] && continue
      ok=1
      re='SUBSYSTEM=="([^"]*)"'; [[ $line =~ $re && ${BASH_REMATCH[1]} != net ]] && ok=0
      re='ACTION=="([^"]*)"'; [[ $line =~ $re && ${BASH_REMATCH[1]} != add ]] && ok=0
      re='ATTR\{type\}=="([^"]*)"'; [[ $line =~ $re && ${BASH_REMATCH[1]} != 32 ]] && ok=0
      re='ATTR\{address\}=="([^"]*)"'
      if [[ $line =~ $re ]]; then pat=${BASH_REMATCH[1]}; [[ $addr == $pat ]] || ok=0; fi
      re='KERNEL=="([^"]*)"'
      if [[ $line =~ $re ]]; then pat=${BASH_REMATCH[1]}; [[ $kname == $pat ]] || ok=0; fi
      ((ok)) || continue
      re='(^|[ ,])NAME(:?)="([^"]+)"'
      [[ $line =~ $re ]] || continue
      ((final)) && continue
      name=${BASH_REMATCH[3]}
      [[ ${BASH_REMATCH[2]} == : ]] && final=1
    done <"$f"
  done
  [[ -n $name ]] && { printf '%s' "$name"; return 0; }
  return 1
}

# The predictable name systemd-udevd's net_id gives an IPoIB device where the OS's systemd has it
# (v240 and later: Ubuntu 22.04's systemd 249; not RHEL 8's systemd 239), from the PCI path: each HCA
# port is a PCI function (mlx5_0 at 0000:3b:00.x, mlx5_1 at 0000:af:00.x), so ibp59s0f0, ibp59s0f1, ...
# Prints nothing where the OS keeps the kernel's names.
sim_predictable_name() { # sim_predictable_name I
  [[ $SIM_FLAVOR == ubuntu* ]] || return 1
  local bus=59
  [[ ${SIM_PORT_CA[$1]} == mlx5_1 ]] && bus=175
  printf 'ibp%ss0f%s' "$bus" $((SIM_PORT_NUM[$1] - 1))
}

# The kernel adds one IPoIB device per port in probe order, each named with the lowest free ib%d
# (ipoib's "ib%d" template); udev then applies the naming rules (NAME= of a rules file first, else
# 80-net-setup-link's predictable name where the OS has one). A name already taken fails as
# systemd-udevd does ("File exists") and the device keeps its kernel name. Only when the devices are
# absent (first boot, after a reboot). Called by sim-boot.
sim_ib_devices_add() {
  [[ -s $SIM_RUN/net/names ]] && return 0
  local i kname want
  SIM_NET_DEVS=() SIM_DEV_PORT=()
  mkdir -p "$SIM_RUN/net" /var/log/sim
  # the driver registers every port before udev handles the add events: ib0, ib1, ... in probe order
  for i in "${!SIM_PORT_GUID[@]}"; do
    SIM_NET_DEVS+=("ib$i")
    SIM_DEV_PORT[ib$i]=$i
  done
  for i in "${!SIM_PORT_GUID[@]}"; do
    kname=ib$i
    if { want=$(sim_udev_name "$(sim_port_hwaddr "$i")" "$kname") || want=$(sim_predictable_name "$i"); } && [[ $want != "$kname" ]]; then
      if sim_is_ibdev "$want"; then
        printf "%s: Failed to rename network interface %s from '%s' to '%s': File exists\n" "$kname" $((10 + i)) "$kname" "$want" >>/var/log/sim/boot.log
      else
        SIM_NET_DEVS[i]=$want
        unset "SIM_DEV_PORT[$kname]"
        SIM_DEV_PORT[$want]=$i
      fi
    fi
  done
  sim_net_save
}

# Renames DEV to NEW (ip link set DEV name NEW): its volatile state moves with it.
sim_dev_rename() { # sim_dev_rename DEV NEW
  local dev=$1 new=$2 i x
  for i in "${!SIM_NET_DEVS[@]}"; do [[ ${SIM_NET_DEVS[i]} == "$dev" ]] && SIM_NET_DEVS[i]=$new; done
  SIM_DEV_PORT[$new]=${SIM_DEV_PORT[$dev]}
  unset "SIM_DEV_PORT[$dev]"
  for x in addrs mtu up; do [[ -e $SIM_RUN/net/$dev.$x ]] && mv -f "$SIM_RUN/net/$dev.$x" "$SIM_RUN/net/$new.$x"; done
  sim_net_save
}

sim_dev_up() { [[ -e $SIM_RUN/net/$1.up ]]; }

# The HCA port under an IPoIB device is Active (else the device has no carrier).
sim_port_active() {
  local s
  sim_is_ibdev "$1" || return 1
  read -r s _ <<<"$(sim_port_state "${SIM_DEV_PORT[$1]}")"
  [[ $s == Active ]]
}

sim_dev_addrs() { # prints the CIDRs of a device, one a line
  [[ -s $SIM_RUN/net/$1.addrs ]] && printf '%s\n' "$(<"$SIM_RUN/net/$1.addrs")"
  return 0
}

sim_dev_mtu() {
  if [[ -s $SIM_RUN/net/$1.mtu ]]; then printf '%s' "$(<"$SIM_RUN/net/$1.mtu")"; else printf 2044; fi
}

sim_dev_hwaddr() {
  if sim_is_ibdev "$1"; then sim_port_hwaddr "${SIM_DEV_PORT[$1]}"; else printf '00'; fi
}

sim_set_up() { # sim_set_up DEV up|down
  mkdir -p "$SIM_RUN/net"
  if [[ $2 == up ]]; then : >"$SIM_RUN/net/$1.up"; else rm -f "$SIM_RUN/net/$1.up"; fi
}

sim_addr_add() { # sim_addr_add DEV CIDR -> 0 added, 1 already present
  local dev=$1 cidr=$2 a
  [[ $cidr == */* ]] || cidr="$cidr/32"
  mkdir -p "$SIM_RUN/net"
  while IFS= read -r a; do [[ ${a%/*} == "${cidr%/*}" ]] && return 1; done < <(sim_dev_addrs "$dev")
  printf '%s\n' "$cidr" >>"$SIM_RUN/net/$dev.addrs"
}

sim_addr_del() { # sim_addr_del DEV CIDR|ADDR -> 0 removed, 1 absent
  local dev=$1 want=${2%/*} a kept=() found=1
  while IFS= read -r a; do
    if [[ ${a%/*} == "$want" ]]; then found=0; else kept+=("$a"); fi
  done < <(sim_dev_addrs "$dev")
  if ((${#kept[@]})); then printf '%s\n' "${kept[@]}" >"$SIM_RUN/net/$dev.addrs"; else rm -f "$SIM_RUN/net/$dev.addrs"; fi
  return $found
}

sim_addr_flush() { rm -f "$SIM_RUN/net/$1.addrs"; }

# Dotted quad to integer, and the network test for a prefix.
sim_ip2int() {
  local IFS=. a b c d
  read -r a b c d <<<"$1"
  printf '%s' $(((a << 24) | (b << 16) | (c << 8) | d))
}

sim_in_subnet() { # sim_in_subnet IP CIDR
  local ip=$1 net=${2%/*} len=${2#*/} mask
  [[ $2 == */* ]] || len=32
  [[ $ip =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] || return 1
  mask=$(((0xffffffff << (32 - len)) & 0xffffffff))
  (($(( $(sim_ip2int "$ip") & mask )) == $(( $(sim_ip2int "$net") & mask ))))
}

# Is IP reachable over the simulated IPoIB fabric? Yes when a device (DEV, or any ib device when DEV is
# empty) is up and holds an address on IP's subnet, and IP is an array portal or an address of this
# host. Prints the device used.
sim_route_dev() { # sim_route_dev IP [DEV]
  local ip=$1 only=${2:-} dev cidr
  for dev in "${SIM_NET_DEVS[@]}"; do
    [[ -n $only && $dev != "$only" ]] && continue
    { sim_dev_up "$dev" && sim_port_active "$dev"; } || continue
    while IFS= read -r cidr; do
      if sim_in_subnet "$ip" "$cidr"; then printf '%s' "$dev"; return 0; fi
    done < <(sim_dev_addrs "$dev")
  done
  return 1
}

sim_is_array_portal() {
  local p
  for p in "${ARRAY_PORTAL_LIST[@]}"; do [[ $p == "$1" ]] && return 0; done
  return 1
}

sim_is_own_addr() {
  local dev cidr
  for dev in "${SIM_NET_DEVS[@]}"; do
    sim_dev_up "$dev" || continue
    while IFS= read -r cidr; do [[ ${cidr%/*} == "$1" ]] && return 0; done < <(sim_dev_addrs "$dev")
  done
  return 1
}

# Answers a packet to IP (through DEV when given): 0 yes, 1 routed but nobody answers, 2 no route.
sim_reachable() { # sim_reachable IP [DEV]
  local ip=$1
  [[ $ip == 127.* ]] && return 0
  sim_route_dev "$ip" "${2:-}" >/dev/null || return 2
  sim_is_array_portal "$ip" || sim_is_own_addr "$ip" || return 1
  return 0
}

# Reads an ifcfg-style file (KEY=value, KEY='value', KEY="value") into the associative array CFG.
declare -A CFG
sim_read_ifcfg() {
  CFG=()
  local line k v
  while IFS= read -r line || [[ -n $line ]]; do
    [[ $line =~ ^[[:space:]]*([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
    k=${BASH_REMATCH[1]} v=${BASH_REMATCH[2]}
    v=${v%%[[:space:]]#*}
    if [[ $v =~ ^\'(.*)\'$ || $v =~ ^\"(.*)\"$ ]]; then v=${BASH_REMATCH[1]}; fi
    CFG[$k]=$v
  done <"$1"
}

# Netmask (255.255.255.0) to prefix length.
sim_mask2len() {
  local IFS=. o n=0
  for o in $1; do
    case $o in 255) n=$((n + 8)) ;; 254) n=$((n + 7)) ;; 252) n=$((n + 6)) ;; 248) n=$((n + 5)) ;; 240) n=$((n + 4)) ;; 224) n=$((n + 3)) ;; 192) n=$((n + 2)) ;; 128) n=$((n + 1)) ;; esac
  done
  printf '%s' "$n"
}

# Brings DEV up from its RHEL or SLES ifcfg file (what ifup / wicked / the network service do).
# Prints nothing; returns 1 when there is no file.
sim_ifcfg_up() { # sim_ifcfg_up DEV
  local dev=$1 file addr len
  case $SIM_FLAVOR in
    rhel*) file=/etc/sysconfig/network-scripts/ifcfg-$dev ;;
    sles*) file=/etc/sysconfig/network/ifcfg-$dev ;;
    *) return 1 ;;
  esac
  [[ -f $file ]] || return 1
  sim_read_ifcfg "$file"
  sim_addr_flush "$dev"
  addr=${CFG[IPADDR]:-${CFG[IPADDR0]:-}}
  if [[ -n $addr ]]; then
    len=${CFG[PREFIX]:-${CFG[PREFIXLEN]:-${CFG[PREFIX0]:-}}}
    [[ -z $len && -n ${CFG[NETMASK]:-} ]] && len=$(sim_mask2len "${CFG[NETMASK]}")
    [[ $addr == */* ]] || addr="$addr/${len:-24}"
    sim_addr_add "$dev" "$addr" || true
  fi
  [[ -n ${CFG[MTU]:-} ]] && printf '%s' "${CFG[MTU]}" >"$SIM_RUN/net/$dev.mtu"
  sim_set_up "$dev" up
}

sim_ifcfg_down() { sim_set_up "$1" down; sim_addr_flush "$1"; }

# Ubuntu: applies /etc/netplan/*.yaml to the ib devices (addresses and mtu of `ibN:` entries). A small
# indentation-aware line parser: enough for `addresses: [a, b]`, `addresses:` followed by `- a` items,
# and `mtu: N` inside an `ibN:` block.
sim_netplan_apply() {
  local f line dev='' devind=0 ind inlist=0 item body
  local -A addrs=() mtus=() seen=()
  for f in /etc/netplan/*.yaml; do
    [[ -f $f ]] || continue
    while IFS= read -r line || [[ -n $line ]]; do
      line=${line%%#*}
      [[ $line =~ ^[[:space:]]*$ ]] && continue
      body=${line#"${line%%[![:space:]]*}"}
      ind=$((${#line} - ${#body}))
      if [[ -n $dev ]] && ((ind <= devind)); then dev='' inlist=0; fi
      # an entry named after an IPoIB device that exists now (netplan matches by name)
      if [[ $body =~ ^([A-Za-z0-9_.-]+):[[:space:]]*$ ]] && sim_is_ibdev "${BASH_REMATCH[1]}"; then
        dev=${BASH_REMATCH[1]} devind=$ind inlist=0 seen[$dev]=1
        continue
      fi
      [[ -z $dev ]] && continue
      if [[ $body =~ ^addresses:[[:space:]]*\[(.*)\] ]]; then
        for item in ${BASH_REMATCH[1]//,/ }; do addrs[$dev]+="${item//[\"\']/} "; done
        inlist=0
      elif [[ $body =~ ^addresses:[[:space:]]*$ ]]; then
        inlist=1
      elif ((inlist)) && [[ $body =~ ^-[[:space:]]*[\"\']?([0-9./]+) ]]; then
        addrs[$dev]+="${BASH_REMATCH[1]} "
      elif [[ $body =~ ^mtu:[[:space:]]*([0-9]+) ]]; then
        mtus[$dev]=${BASH_REMATCH[1]} inlist=0
      else
        inlist=0
      fi
    done <"$f"
  done
  for dev in "${!seen[@]}"; do
    sim_is_ibdev "$dev" || continue
    sim_addr_flush "$dev"
    for item in ${addrs[$dev]:-}; do sim_addr_add "$dev" "$item" || true; done
    [[ -n ${mtus[$dev]:-} ]] && printf '%s' "${mtus[$dev]}" >"$SIM_RUN/net/$dev.mtu"
    sim_set_up "$dev" up
  done
  return 0
}

# ---------------------------------------------------------------------------------------------------
# NetworkManager (RHEL 9). Profiles come from two settings plugins, read when NetworkManager starts and on
# `nmcli connection reload` / `load FILE`, never by themselves when a file changes (monitor-connection-files
# is off by default):
#   keyfile  /etc/NetworkManager/system-connections/*.nmconnection, ignored unless owned by root and neither
#            readable nor writable by group or others (nm-settings-keyfile(5)); the refusal is logged in
#            /var/log/sim/NetworkManager.log with NetworkManager's words (nms_keyfile_utils_check_file_permissions:
#            "File owner (%lld) is insecure", "File permissions (%03o) are insecure" of st_mode, type bits included).
#   ifcfg-rh /etc/sysconfig/network-scripts/ifcfg-<dev> (deprecated on RHEL 9, still read: the plugin is part
#            of RHEL 9's NetworkManager package).
# A loaded profile is one file in $SIM_RUN/nm/profiles named by its id, `key=value` lines: id, dev, addr
# (CIDR), mtu, mode (datagram|connected), autoconnect (yes|no), source. Activation sets the address, MTU
# and mode of the device and marks it up; it is volatile (a reboot starts from the files again).
SIM_NM_KEYFILES=/etc/NetworkManager/system-connections
SIM_NM_PROFILES=$SIM_RUN/nm/profiles
sim_nm_log() { printf '%s <%s> %s\n' "$(date '+%s.%4N')" "$1" "$2" >>/var/log/sim/NetworkManager.log; }

# Reads a keyfile's [section] key=value lines into KF["section.key"].
declare -A KF=()
sim_read_keyfile() {
  KF=()
  local line sec='' k v
  while IFS= read -r line || [[ -n $line ]]; do
    [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
    if [[ $line =~ ^\[([A-Za-z0-9_-]+)\][[:space:]]*$ ]]; then sec=${BASH_REMATCH[1]}; continue; fi
    [[ $line =~ ^[[:space:]]*([A-Za-z0-9_-]+)[[:space:]]*=[[:space:]]*(.*)$ ]] || continue
    k=${BASH_REMATCH[1]} v=${BASH_REMATCH[2]}
    v=${v%"${v##*[![:space:]]}"}
    KF[$sec.$k]=$v
  done <"$1"
}

sim_nm_store() { # sim_nm_store ID DEV ADDR MTU MODE AUTOCONNECT SOURCE
  mkdir -p "$SIM_NM_PROFILES"
  printf 'id=%s\ndev=%s\naddr=%s\nmtu=%s\nmode=%s\nautoconnect=%s\nsource=%s\n' "$@" >"$SIM_NM_PROFILES/$1"
}

# The keyfile plugin's load of one file: 0 loaded, 1 refused (logged).
sim_nm_load_keyfile() {
  local f=$1 uid mode id dev addr auto
  read -r uid mode <<<"$(stat -c '%u %a' "$f")"
  if [[ $uid != 0 ]]; then
    sim_nm_log warn "keyfile: load: \"$f\": failed to load connection: File owner ($uid) is insecure"; return 1
  fi
  if (( 8#$mode & 8#077 )); then
    sim_nm_log warn "keyfile: load: \"$f\": failed to load connection: File permissions ($(printf '%03o' "$((8#100000 | 8#$mode))")) are insecure"; return 1
  fi
  sim_read_keyfile "$f"
  id=${KF[connection.id]:-}
  dev=${KF[connection.interface-name]:-}
  if [[ -z $id || ${KF[connection.type]:-} != infiniband ]]; then
    sim_nm_log warn "keyfile: load: \"$f\": failed to load connection: invalid connection: connection.id or connection.type missing"; return 1
  fi
  addr=${KF[ipv4.address1]:-${KF[ipv4.addresses]:-}}
  addr=${addr%%[,;]*}
  case ${KF[connection.autoconnect]:-true} in false | no | 0) auto=no ;; *) auto=yes ;; esac
  sim_nm_store "$id" "$dev" "$addr" "${KF[infiniband.mtu]:-}" "${KF[infiniband.transport-mode]:-datagram}" "$auto" "$f"
  sim_nm_log info "keyfile: load: \"$f\" ($id)"
}

# The ifcfg-rh plugin's load of ifcfg-<dev> (only names without a backup suffix, as `ifcfg-<device>`).
sim_nm_load_ifcfg() {
  local f=$1 dev addr len auto mode
  sim_read_ifcfg "$f"
  dev=${CFG[DEVICE]:-${f##*/ifcfg-}}
  addr=${CFG[IPADDR]:-${CFG[IPADDR0]:-}}
  len=${CFG[PREFIX]:-${CFG[PREFIX0]:-}}
  [[ -z $len && -n ${CFG[NETMASK]:-} ]] && len=$(sim_mask2len "${CFG[NETMASK]}")
  [[ -n $addr && $addr != */* ]] && addr="$addr/${len:-24}"
  [[ ${CFG[ONBOOT]:-yes} == yes ]] && auto=yes || auto=no
  [[ ${CFG[CONNECTED_MODE]:-no} == yes ]] && mode=connected || mode=datagram
  sim_nm_store "${CFG[NAME]:-System $dev}" "$dev" "$addr" "${CFG[MTU]:-}" "$mode" "$auto" "$f"
}

# Every profile again from the files (NetworkManager's start, `nmcli connection reload`).
sim_nm_load_all() {
  local f
  rm -rf "$SIM_NM_PROFILES"
  mkdir -p "$SIM_NM_PROFILES"
  for f in "$SIM_NM_KEYFILES"/*.nmconnection; do [[ -f $f ]] && sim_nm_load_keyfile "$f"; done
  for f in /etc/sysconfig/network-scripts/ifcfg-*; do
    [[ -f $f && ${f##*/ifcfg-} =~ ^[A-Za-z0-9_.:-]+$ && $f != *.bak && $f != *.orig && $f != *.rpmnew && $f != *.rpmsave && $f != *~ ]] || continue
    [[ ${f##*/} == ifcfg-lo ]] && continue
    sim_nm_load_ifcfg "$f"
  done
  return 0
}

# The loaded profile named ID (or, with `ifname DEV`, the one for DEV): prints its file, 1 when none.
sim_nm_find() { # sim_nm_find ID | sim_nm_find --ifname DEV
  local f
  if [[ $1 == --ifname ]]; then
    for f in "$SIM_NM_PROFILES"/*; do [[ -f $f ]] && grep -qx "dev=$2" "$f" && { printf '%s' "$f"; return 0; }; done
    return 1
  fi
  [[ -n $1 && -f $SIM_NM_PROFILES/$1 ]] && { printf '%s' "$SIM_NM_PROFILES/$1"; return 0; }
  return 1
}

declare -A NMP=()
sim_nm_read_profile() { NMP=(); local l; while IFS= read -r l; do NMP[${l%%=*}]=${l#*=}; done <"$1"; }

# Activates a loaded profile on its device: 0 done, 1 its device does not exist.
sim_nm_activate() { # sim_nm_activate PROFILEFILE
  sim_nm_read_profile "$1"
  local dev=${NMP[dev]}
  sim_is_ibdev "$dev" || return 1
  sim_addr_flush "$dev"
  [[ -n ${NMP[addr]} ]] && { sim_addr_add "$dev" "${NMP[addr]}" || true; }
  if [[ -n ${NMP[mtu]} ]]; then printf '%s' "${NMP[mtu]}" >"$SIM_RUN/net/$dev.mtu"; fi
  printf '%s' "${NMP[mode]}" >"$SIM_RUN/net/$dev.mode"
  printf '%s' "${NMP[id]}" >"$SIM_RUN/net/$dev.nm-active"
  sim_set_up "$dev" up
}

sim_nm_deactivate() { # sim_nm_deactivate PROFILEFILE
  sim_nm_read_profile "$1"
  local dev=${NMP[dev]}
  [[ -f $SIM_RUN/net/$dev.nm-active ]] || return 1
  rm -f "$SIM_RUN/net/$dev.nm-active"
  sim_ifcfg_down "$dev"
}

# NetworkManager starting: load every profile, then autoconnect each one whose device exists.
sim_nm_start() {
  local f
  sim_nm_load_all
  for f in "$SIM_NM_PROFILES"/*; do
    [[ -f $f ]] || continue
    grep -qx 'autoconnect=yes' "$f" && sim_nm_activate "$f"
  done
  return 0
}

# Brings up every interface the OS would at boot or on `systemctl restart network`. RHEL 9 has no
# network service: NetworkManager.service brings its profiles up when it starts (sim_nm_start).
sim_network_start() {
  local dev
  case $SIM_FLAVOR in
    rhel9) ;;
    rhel*)
      for dev in "${SIM_NET_DEVS[@]}"; do
        [[ -f /etc/sysconfig/network-scripts/ifcfg-$dev ]] || continue
        sim_read_ifcfg "/etc/sysconfig/network-scripts/ifcfg-$dev"
        [[ ${CFG[ONBOOT]:-yes} == yes ]] && sim_ifcfg_up "$dev"
      done
      ;;
    sles*)
      for dev in "${SIM_NET_DEVS[@]}"; do
        [[ -f /etc/sysconfig/network/ifcfg-$dev ]] || continue
        sim_read_ifcfg "/etc/sysconfig/network/ifcfg-$dev"
        [[ ${CFG[STARTMODE]:-manual} == auto || ${CFG[STARTMODE]:-} == onboot || ${CFG[STARTMODE]:-} == hotplug ]] && sim_ifcfg_up "$dev"
      done
      ;;
    ubuntu*) sim_netplan_apply ;;
  esac
  return 0
}

# ---------------------------------------------------------------------------------------------------
# open-iscsi records: `# BEGIN RECORD <version>` / `key = value` / `# END RECORD`. Read into the
# parallel arrays REC_KEYS (order) and the map REC.
declare -a REC_KEYS=()
declare -A REC=()
# `key = value`; keys like node.conn[0].address (in a bracket expression `]` comes first, `-` last)
SIM_REC_LINE='^[[:space:]]*([A-Za-z][]A-Za-z0-9_.:[-]*)[[:space:]]*=[[:space:]]*(.*)$'

sim_rec_read() { # sim_rec_read FILE
  REC_KEYS=()
  REC=()
  local line k v
  while IFS= read -r line || [[ -n $line ]]; do
    [[ $line =~ $SIM_REC_LINE ]] || continue
    k=${BASH_REMATCH[1]} v=${BASH_REMATCH[2]}
    v=${v%"${v##*[![:space:]]}"}
    [[ $v == '<empty>' ]] && v=''
    [[ -v REC[$k] ]] || REC_KEYS+=("$k")
    REC[$k]=$v
  done <"$1"
}

sim_rec_set() { # sim_rec_set KEY VALUE (appends unknown keys)
  [[ -v REC[$1] ]] || REC_KEYS+=("$1")
  REC[$1]=$2
}

# Prints the record; MASK=1 shows passwords as ******** (what `-o show` does).
sim_rec_print() {
  local k v
  printf '# BEGIN RECORD %s\n' "$ISCSI_VERSION"
  for k in "${REC_KEYS[@]}"; do
    v=${REC[$k]}
    if [[ ${MASK:-0} == 1 && $k == *password* && -n $v ]]; then v='********'; fi
    printf '%s = %s\n' "$k" "${v:-<empty>}"
  done
  printf '# END RECORD\n'
}

sim_rec_write() { # sim_rec_write FILE: atomically, mode 0600 (iscsiadm's umask)
  local tmp
  tmp="$1.sim-tmp.$$"
  mkdir -p "${1%/*}"
  (umask 077 && MASK=0 sim_rec_print >"$tmp") && mv -f "$tmp" "$1"
}

# The iface keys of open-iscsi 2.1, in record order, with the defaults of a new (tcp) iface.
SIM_IFACE_KEYS=(iface.iscsi_ifacename iface.net_ifacename iface.ipaddress iface.prefix_len iface.hwaddress
  iface.transport_name iface.initiatorname iface.state iface.vlan_id iface.vlan_priority iface.vlan_state
  iface.iface_num iface.mtu iface.port iface.bootproto iface.subnet_mask iface.gateway
  iface.dhcp_alt_client_id_state iface.dhcp_alt_client_id iface.dhcp_dns iface.dhcp_learn_iqn
  iface.dhcp_req_vendor_id_state iface.dhcp_vendor_id_state iface.dhcp_vendor_id iface.dhcp_slp_da
  iface.fragmentation iface.gratuitous_arp iface.incoming_forwarding iface.tos_state iface.tos iface.ttl
  iface.delayed_ack iface.tcp_nagle iface.tcp_wsf_state iface.tcp_wsf iface.tcp_timer_scale
  iface.tcp_timestamp iface.redirect iface.def_task_mgmt_timeout iface.header_digest iface.data_digest
  iface.immediate_data iface.initial_r2t iface.data_seq_inorder iface.data_pdu_inorder iface.erl
  iface.max_receive_data_len iface.first_burst_len iface.max_outstanding_r2t iface.max_burst_len
  iface.chap_auth iface.bidi_chap iface.strict_login_compliance iface.discovery_auth iface.discovery_logout)

# Fills REC with a fresh iface record NAME of TRANSPORT.
sim_iface_defaults() { # sim_iface_defaults NAME TRANSPORT
  REC_KEYS=()
  REC=()
  local k
  for k in "${SIM_IFACE_KEYS[@]}"; do
    case $k in
      iface.prefix_len | iface.vlan_id | iface.vlan_priority | iface.iface_num | iface.mtu | iface.port | iface.tos | iface.ttl | iface.tcp_wsf | iface.tcp_timer_scale | iface.def_task_mgmt_timeout | iface.erl | iface.max_receive_data_len | iface.first_burst_len | iface.max_outstanding_r2t | iface.max_burst_len) sim_rec_set "$k" 0 ;;
      *) sim_rec_set "$k" '' ;;
    esac
  done
  REC[iface.iscsi_ifacename]=$1
  REC[iface.transport_name]=$2
}

# Loads iface NAME into REC: the built-ins `default` (tcp) and `iser`, or the file in the iface dir.
sim_iface_load() { # sim_iface_load NAME -> 1 when there is no such iface
  case $1 in
    default) sim_iface_defaults default tcp ;;
    iser) sim_iface_defaults iser iser ;;
    *)
      [[ -f $ISCSI_IFACES/$1 ]] || return 1
      sim_rec_read "$ISCSI_IFACES/$1"
      # the file name is the iface's name; a file without a transport is a tcp iface
      [[ -n ${REC[iface.transport_name]:-} ]] || sim_rec_set iface.transport_name tcp
      ;;
  esac
  return 0
}

# ---------------------------------------------------------------------------------------------------
# Sessions: one file per session, /run/sim/sessions/<sid>, holding one line:
#   <sid> <target> <portal-ip> <port> <tpgt> <iface> <transport> <net_ifacename> <initiator IQN>
SIM_SESS_DIR=$SIM_RUN/sessions

sim_sessions() { # prints every session line, sid order
  local f
  [[ -d $SIM_SESS_DIR ]] || return 0
  for f in "$SIM_SESS_DIR"/[0-9]*; do [[ -f $f ]] && printf '%s\n' "$(<"$f")"; done | sort -n
}

sim_session_count() { # sim_session_count TARGET IP PORT IFACE
  local n=0 sid t ip port tpgt iface rest
  while read -r sid t ip port tpgt iface rest; do
    [[ $t == "$1" && $ip == "$2" && $port == "$3" && $iface == "$4" ]] && n=$((n + 1))
  done < <(sim_sessions)
  printf '%s' "$n"
}

# The target portal group tag the array reports for a portal: an E-Series array's two controllers are
# two portal groups, controller A's ports tag 1 and controller B's tag 2 (ARRAY_PORTALS is A1 B1 A2 B2).
# Sets SIM_TPGT (no fork); 1 for an address that is not a portal.
sim_portal_tpgt() { # sim_portal_tpgt IP
  local i
  SIM_TPGT=1
  if ((SIM_ARRAY_WIRED)); then SIM_TPGT=${ARRAY_PORTAL_TAG[$1]:-1}; return 0; fi
  for i in "${!ARRAY_PORTAL_LIST[@]}"; do
    [[ ${ARRAY_PORTAL_LIST[i]} == "$1" ]] && SIM_TPGT=$((i % 2 + 1))
  done
  return 0
}

# A session carries the tag the target reported at login, whatever tag its record was filed under
# (a `-o new` record stays <ip>,<port>,-1 on disk).
sim_session_new() { # sim_session_new TARGET IP PORT IFACE TRANSPORT NETDEV INITIATOR -> prints sid
  mkdir -p "$SIM_SESS_DIR"
  local sid=1
  [[ -s $SIM_SESS_DIR/next ]] && sid=$(<"$SIM_SESS_DIR/next")
  printf '%s\n' $((sid + 1)) >"$SIM_SESS_DIR/next"
  sim_portal_tpgt "$2"
  printf '%s %s %s %s %s %s %s %s %s\n' "$sid" "$1" "$2" "$3" "$SIM_TPGT" "$4" "$5" "${6:--}" "${7:-$SIM_IQN}" >"$SIM_SESS_DIR/$sid"
  printf '%s' "$sid"
}

# ---------------------------------------------------------------------------------------------------
# systemd units: persistent enablement /var/lib/sim/systemd/enabled/<unit>, volatile activity
# /run/sim/systemd/active/<unit>.
sim_unit_active() { [[ -e $SIM_RUN/systemd/active/$1 ]]; }
sim_unit_enabled() { [[ -e $SIM_VAR/systemd/enabled/$1 ]]; }
sim_unit_mark_active() { mkdir -p "$SIM_RUN/systemd/active" && printf '%s\n' "$(sim_now_ms)" >"$SIM_RUN/systemd/active/$1"; }

# Packages: /etc/sim/packages.absent lists packages a test removed.
sim_pkg_absent() {
  local p
  [[ -f $SIM_ETC/packages.absent ]] || return 1
  while IFS= read -r p; do [[ ${p%%[[:space:]]*} == "$1" ]] && return 0; done <"$SIM_ETC/packages.absent"
  return 1
}

# Package repositories: /etc/sim/repo.packages lists "name version" of what the host's configured
# repositories offer (no file: no repository configured, as on an unregistered or offline host; the
# version as rpm -q reports it, version-release.arch, or as dpkg does). A package tool that installs or
# upgrades records the package in /var/lib/sim/packages.installed, in the one line format that package
# files use too ("<name> <version>-<release> <arch> <files>", see sim_pkg_install; no files: the real
# package's files are not simulated), so rpm and dpkg report it, that version winning over the flavour's
# list; and takes the name off packages.absent.
SIM_REPO=$SIM_ETC/repo.packages
sim_repo_version() { # sim_repo_version NAME: the version the repositories offer, or exit 1
  [[ -f $SIM_REPO ]] || return 1
  awk -v n="$1" '$1 == n { print $2; found = 1; exit } END { exit !found }' "$SIM_REPO"
}
sim_pkg_mark_installed() { # sim_pkg_mark_installed NAME VERSION (as sim_repo_version prints it)
  local vr=$2 arch
  if [[ $SIM_FLAVOR == ubuntu* ]]; then arch=amd64
  elif [[ $vr =~ ^(.+)\.(x86_64|noarch|i686|aarch64|ppc64le|s390x)$ ]]; then vr=${BASH_REMATCH[1]} arch=${BASH_REMATCH[2]}
  else arch=x86_64; fi
  [[ -f $SIM_ETC/packages.absent ]] && sed -i "/^$1\([[:space:]].*\)\?\$/d" "$SIM_ETC/packages.absent"
  mkdir -p "$SIM_VAR"
  { [[ -f $SIM_PKG_DB ]] && awk -v n="$1" '$1 != n' "$SIM_PKG_DB"; printf '%s %s %s\n' "$1" "$vr" "$arch"; } >"$SIM_PKG_DB.new"
  mv -f "$SIM_PKG_DB.new" "$SIM_PKG_DB"
}
sim_pkg_version() { # sim_pkg_version NAME: the installed version (as rpm/dpkg report it), or exit 1
  local v
  if [[ $SIM_FLAVOR == ubuntu* ]]; then
    v=$(SIM_NOLOG=1 dpkg -s "$1" 2>/dev/null | awk '/^Version: / { print $2 }')
  else
    v=$(SIM_NOLOG=1 rpm -q --qf '%{VERSION}-%{RELEASE}.%{ARCH}' "$1" 2>/dev/null) || v=''
  fi
  [[ -n $v ]] && printf '%s' "$v"
}

# ---------------------------------------------------------------------------------------------------
# The LUN. Its backing store is a real block device (a loop device the launcher attached,
# SIM_LUN_DEVICE). As on a real host, the kernel has no multipath device for it at boot: multipathd
# creates the map /dev/mapper/<wwid> some time after a path (an iSCSI session to the array) exists and
# multipathd runs (RHEL: with /etc/multipath.conf), LUN_DELAY_MS later (default 2000; /etc/sim/lun.conf
# may set LUN_DELAY_MS=N). A small background process (sim_lun_watch, started by sim_lun_boot) makes it
# then, so the device appears on its own whatever a caller polls with (test -b, stat, dmsetup, lsblk).
# Partition <n> of the map appears with it (and after parted changes the table), named as the
# flavour's udev kpartx rule names it:
#   SLES, Ubuntu: /dev/mapper/<wwid>-part<n> (66-kpartx.rules / 95-kpartx.rules: kpartx -u -p -part)
#   RHEL 7/8:     /dev/mapper/<wwid><n>, or <wwid>p<n> when the map name ends in a digit (Red Hat's
#                 rule runs kpartx without -p: kpartx's own default delimiter)
# linked to the loop device's own partition (/dev/loopNpM, partscan) or, when the kernel shows none, to
# an extra loop device over the partition's byte range (recorded in /run/sim/loops for cleanup).
SIM_LOOPS=$SIM_RUN/loops
SIM_LUN_WATCH_PID=$SIM_RUN/lun-watch.pid

sim_lun_delay_ms() {
  local LUN_DELAY_MS=2000
  # shellcheck source=/dev/null
  [[ -r $SIM_ETC/lun.conf ]] && . "$SIM_ETC/lun.conf"
  printf '%s' "$LUN_DELAY_MS"
}

# The alias multipath gives a WWID, or nothing: the `alias` of its `multipaths { multipath { wwid ... } }`
# entry in /etc/multipath.conf, then in each *.conf of config_dir (default /etc/multipath/conf.d, read in
# alphabetical order "just as if it was in /etc/multipath.conf", multipath.conf(5)); the first entry
# for the WWID wins. `#` and `!` start comments; values may be quoted.
sim_mpath_alias() { # sim_mpath_alias WWID
  local dir=/etc/multipath/conf.d files=()
  [[ -f /etc/multipath.conf ]] && files+=(/etc/multipath.conf)
  if [[ -f /etc/multipath.conf ]]; then
    local d
    d=$(awk '$1 == "config_dir" { gsub(/"/, "", $2); print $2 }' /etc/multipath.conf | tail -1)
    [[ -n $d ]] && dir=$d
  fi
  local f
  for f in "$dir"/*.conf; do [[ -f $f ]] && files+=("$f"); done
  ((${#files[@]})) || return 0
  awk -v want="$1" '
    { sub(/[#!].*/, ""); gsub(/"/, "") }
    { for (i = 1; i <= NF; i++) {
        t = $i
        if (t == "{") { stack[++depth] = prev; prev = ""; continue }
        if (t == "}") { if (depth == 2 && stack[1] == "multipaths" && stack[2] == "multipath") { if (w == want && a != "" && !found) { print a; found = 1 } w = ""; a = "" } depth--; continue }
        if (depth == 2 && stack[1] == "multipaths" && stack[2] == "multipath") {
          if (prev == "wwid") { w = t; prev = ""; continue }
          if (prev == "alias") { a = t; prev = ""; continue }
        }
        prev = t
      } }
  ' "${files[@]}"
}

sim_mpath_name() { # the map name of WWID: its alias, else the WWID itself
  local a
  a=$(sim_mpath_alias "$1")
  printf '%s' "${a:-$1}"
}

# multipath (re)configured: the LUN's map, and its partition maps, renamed after the configuration
# (multipath-tools renames a map whose configured alias changed: ACT_RENAME in libmultipath/configure.c;
# dm_rename() renames the kpartx partition maps over it first, dm_rename_partmaps() in
# libmultipath/devmapper.c). The partition maps end up named <new name><delimiter><n> with the
# flavour's delimiter, as the change event's kpartx rule names them.
sim_mpath_rename() {
  [[ -n ${SIM_LUN_WWID:-} && -n ${SIM_LUN_DEVICE:-} ]] || return 0
  local want cur l sfx delim
  want=$(sim_mpath_name "$SIM_LUN_WWID")
  cur=$(sim_lun_map_name) || return 0
  [[ $cur != "$want" && ! -e /dev/mapper/$want ]] || return 0
  delim=$(sim_part_delim "$want")
  for l in /dev/mapper/"$cur"?*; do
    [[ -L $l ]] || continue
    sfx=${l#/dev/mapper/"$cur"}
    [[ $sfx =~ ^(p|-part|_part)?([0-9]+)$ ]] || continue
    mv -T "$l" "/dev/mapper/$want$delim${BASH_REMATCH[2]}"
  done
  mv -T "/dev/mapper/$cur" "/dev/mapper/$want"
  # the partition ranges' loop devices (sim_part_links) belong to the map under its new name
  [[ -f $SIM_LOOPS ]] && awk -v o="$cur" -v n="$want" '$1 == o { $1 = n } { print }' "$SIM_LOOPS" >"$SIM_LOOPS.new" && mv -f "$SIM_LOOPS.new" "$SIM_LOOPS"
  printf '%s lun map %s renamed %s\n' "$(sim_now_ms)" "$cur" "$want" >>/var/log/sim/boot.log 2>/dev/null || true
}

# kpartx's default delimiter for a map name (kpartx.c set_delimiter): "p" when it ends in a digit.
sim_kpartx_delim() { [[ ${1: -1} == [0-9] ]] && printf p; return 0; }

# The delimiter the flavour's udev rule passes to kpartx for the map's partitions.
sim_part_delim() { # sim_part_delim MAPNAME
  case $SIM_FLAVOR in
    sles* | ubuntu*) printf -- '-part' ;;
    *) sim_kpartx_delim "$1" ;;
  esac
}

# The existing partition map of partition N of map WWID (any delimiter), as "/dev/mapper/<name>".
sim_part_link_of() { # sim_part_link_of WWID N
  local f sfx
  for f in /dev/mapper/"$1"?*; do
    [[ -L $f ]] || continue
    sfx=${f#/dev/mapper/"$1"}
    if [[ $sfx =~ ^(p|-part|_part)?([0-9]+)$ && ${BASH_REMATCH[2]} == "$2" ]]; then printf '%s' "$f"; return 0; fi
  done
  return 1
}

# The LUN's map as it is named now (its WWID, or the alias multipath gave it): the /dev/mapper link to
# the backing device. Pure bash (no fork); exit 1 when multipathd has not made the map.
sim_lun_map_name() {
  [[ -n ${SIM_LUN_WWID:-} && -n ${SIM_LUN_DEVICE:-} ]] || return 1
  local l
  if [[ -L /dev/mapper/$SIM_LUN_WWID && /dev/mapper/$SIM_LUN_WWID -ef $SIM_LUN_DEVICE ]]; then printf '%s' "$SIM_LUN_WWID"; return 0; fi
  for l in /dev/mapper/*; do
    [[ -L $l && $l -ef $SIM_LUN_DEVICE ]] && { printf '%s' "${l#/dev/mapper/}"; return 0; }
  done
  return 1
}

sim_lun_map_exists() { sim_lun_map_name >/dev/null; }

# Is there a path for multipathd to build the map from? Pure bash (the watcher polls it).
sim_lun_paths_ready() {
  [[ -n ${SIM_LUN_WWID:-} ]] || return 1
  sim_unit_active multipathd.service || return 1
  [[ $SIM_FLAVOR != rhel* || -e /etc/multipath.conf ]] || return 1
  local f line t ini
  for f in "$SIM_SESS_DIR"/[0-9]*; do
    [[ -f $f ]] || continue
    read -r line <"$f" || continue
    read -r _ t _ _ _ _ _ _ ini _ <<<"$line"
    [[ $t == "${ARRAY_IQN:-}" ]] || continue
    ((SIM_ARRAY_WIRED)) && [[ ${ini,,} != "${SIM_INITIATOR,,}" ]] && continue
    return 0
  done
  return 1
}

sim_lun_map_create() { # the map appears, and with it the maps of the partitions its table holds
  [[ -n ${SIM_LUN_WWID:-} && -n ${SIM_LUN_DEVICE:-} && -b ${SIM_LUN_DEVICE} ]] || return 0
  local name
  name=$(sim_mpath_name "$SIM_LUN_WWID") # named by its alias when the configuration gives one
  mkdir -p /dev/mapper
  ln -sfn "$SIM_LUN_DEVICE" "/dev/mapper/$name"
  sim_part_links "$name" >/dev/null 2>&1 || true
}

# Background: the map appears once paths and multipathd have been there for the delay. Exits when it
# made the map or when a newer boot replaced it (the pid file names another process).
sim_lun_watch() {
  printf '%s\n' "$BASHPID" >"$SIM_LUN_WATCH_PID"
  local delay=0 since='' now t pid fifo fd
  fifo=$SIM_RUN/lun-watch.fifo
  rm -f "$fifo" && mkfifo "$fifo" && exec {fd}<>"$fifo" # read -t on it: a sleep that forks nothing
  while read -r pid <"$SIM_LUN_WATCH_PID" 2>/dev/null && [[ $pid == "$BASHPID" ]]; do
    [[ -r $SIM_ARRAY_STATE ]] && sim_array_load # wired after boot, or the volume mapped to this host later
    if sim_lun_paths_ready; then
      t=${EPOCHREALTIME/[.,]/} now=${t:0:${#t}-3}
      # the delay as /etc/sim/lun.conf says when the paths appear (a test may set it after boot)
      [[ -n $since ]] || { since=$now; delay=$(sim_lun_delay_ms); }
      if ((now - since >= delay)); then
        sim_lun_map_create
        printf '%s lun map %s %s\n' "$now" "$SIM_LUN_WWID" "$(sim_lun_map_name)" >>/var/log/sim/boot.log
        break
      fi
    else
      since=''
    fi
    read -r -t 0.2 -u "$fd" _ || true
  done
  rm -f "$fifo"
}

# At boot (sim-boot): the kernel has no maps yet (a previous boot's links go), and the watcher starts.
sim_lun_boot() {
  local f name
  if ((SIM_ARRAY_WIRED)); then
    # whatever volume the array maps to this host: the kernel forgot every map of the backing device
    for f in /dev/mapper/*; do
      [[ -L $f ]] || continue
      case $(readlink "$f") in "${SIM_LUN_DEVICE:-/nonexistent}" | "${SIM_LUN_DEVICE:-/nonexistent}"p[0-9]*) rm -f "$f" ;; esac
    done
  fi
  [[ -n ${SIM_LUN_WWID:-} || $SIM_ARRAY_WIRED == 1 ]] || return 0
  if [[ -n ${SIM_LUN_WWID:-} ]]; then
    name=$(sim_lun_map_name) || name=$SIM_LUN_WWID
    for f in /dev/mapper/"$name" /dev/mapper/"$name"?* /dev/mapper/"$SIM_LUN_WWID" /dev/mapper/"$SIM_LUN_WWID"?*; do [[ -L $f ]] && rm -f "$f"; done
  fi
  [[ -n ${SIM_LUN_DEVICE:-} && -b ${SIM_LUN_DEVICE} ]] || return 0
  mkdir -p "$SIM_RUN" /var/log/sim
  (sim_lun_watch) </dev/null >/dev/null 2>&1 &
  disown 2>/dev/null || true
}

sim_part_links() { # sim_part_links WWID [DELIM]: partition maps after the table changed (udev's kpartx rule)
  local wwid=$1 delim disk base n sysp node majmin found=0 start size loopdev old
  [[ -e /dev/mapper/$wwid ]] || return 1
  if (($# > 1)); then delim=$2; else delim=$(sim_part_delim "$wwid"); fi
  disk=$(readlink -f "/dev/mapper/$wwid")
  base=${disk##*/}
  for n in 1 2 3 4 5 6 7 8 9; do
    sysp=/sys/class/block/$base/${base}p$n
    old=$(sim_part_link_of "$wwid" "$n") || old=''
    if [[ -r $sysp/dev ]]; then
      found=1
      node=/dev/${base}p$n
      if [[ ! -b $node ]]; then # a /dev without devtmpfs (Docker) gets the node by hand
        majmin=$(<"$sysp/dev")
        mknod "$node" b "${majmin%%:*}" "${majmin#*:}" 2>/dev/null || true
      fi
      [[ -n $old && $old != "/dev/mapper/$wwid$delim$n" ]] && rm -f "$old"
      ln -sfn "$node" "/dev/mapper/$wwid$delim$n"
    elif [[ -n $old && $(readlink "$old") == "/dev/${base}p$n" ]]; then
      rm -f "$old"
    fi
  done
  ((found)) && return 0
  # no kernel partitions (loop device without partscan): one loop device per partition range
  local -A want=()
  while IFS=: read -r n start _ size _; do
    [[ $n =~ ^[0-9]+$ ]] || continue
    want[$n]="${start%B} ${size%B}"
  done < <(/usr/sbin/parted -s -m "$disk" unit B print 2>/dev/null || /sbin/parted -s -m "$disk" unit B print 2>/dev/null)
  mkdir -p "$SIM_RUN"
  local kept=()
  if [[ -f $SIM_LOOPS ]]; then
    while read -r w n loopdev start size; do
      if [[ $w == "$wwid" && ${want[$n]:-} == "$start $size" && -b $loopdev ]]; then
        kept+=("$w $n $loopdev $start $size"); unset "want[$n]"
        old=$(sim_part_link_of "$wwid" "$n") || old=''
        [[ -n $old && $old != "/dev/mapper/$wwid$delim$n" ]] && rm -f "$old"
        ln -sfn "$loopdev" "/dev/mapper/$wwid$delim$n"
      elif [[ $w == "$wwid" ]]; then
        losetup -d "$loopdev" 2>/dev/null || true
        old=$(sim_part_link_of "$wwid" "$n") && rm -f "$old"
      else kept+=("$w $n $loopdev $start $size"); fi
    done <"$SIM_LOOPS"
  fi
  for n in "${!want[@]}"; do
    read -r start size <<<"${want[$n]}"
    loopdev=$(losetup -f --show -o "$start" --sizelimit "$size" "$disk") || continue
    kept+=("$wwid $n $loopdev $start $size")
    ln -sfn "$loopdev" "/dev/mapper/$wwid$delim$n"
  done
  if ((${#kept[@]})); then printf '%s\n' "${kept[@]}" >"$SIM_LOOPS"; else rm -f "$SIM_LOOPS"; fi
  return 0
}

# Sessions to the array's target, the paths of the LUN: "sid ip ctrl-port hctl sdname majmin" lines.
sim_lun_paths() {
  local sid t ip port tpgt ifn transport dev ini k=0 i c
  local letters=bcdefghijklmnopqrstuvwxyz
  while read -r sid t ip port tpgt ifn transport dev ini; do
    [[ $t == "$ARRAY_IQN" ]] || continue
    if ((SIM_ARRAY_WIRED)); then
      # a wired array presents the LUN only on sessions of the initiator it is mapped to
      [[ -n $SIM_LUN_WWID && ${ini,,} == "${SIM_INITIATOR,,}" ]] || continue
      printf '%s %s %s %s:0:0:%s sd%s 8:%s\n' "$sid" "$ip" "${ARRAY_PORTAL_PORT[$ip]:-?}" $((13 + sid)) "$SIM_LUN_NUMBER" "${letters:k:1}" $((16 * (k + 1)))
      k=$((k + 1))
      continue
    fi
    c='?'
    for i in "${!ARRAY_PORTAL_LIST[@]}"; do
      [[ ${ARRAY_PORTAL_LIST[i]} == "$ip" ]] || continue
      case $i in 0) c=A1 ;; 1) c=B1 ;; 2) c=A2 ;; 3) c=B2 ;; *) c=A$((i + 1)) ;; esac
    done
    # a deleted SCSI device (echo 1 > /sys/block/sdX/device/delete) is no path any more; the letters stay
    sim_scsi_is_deleted "$sid" || printf '%s %s %s %s:0:0:1 sd%s 8:%s\n' "$sid" "$ip" "$c" $((13 + sid)) "${letters:k:1}" $((16 * (k + 1)))
    k=$((k + 1))
  done < <(sim_sessions)
}

# LUN size in bytes (the backing device's), 10 GiB when unknown.
sim_lun_bytes() {
  local disk=${SIM_LUN_DEVICE:-} base s
  base=${disk##*/}
  if [[ -n $base && -r /sys/class/block/$base/size ]]; then s=$(<"/sys/class/block/$base/size"); printf '%s' $((s * 512)); else printf '%s' $((10 << 30)); fi
}

# ---------------------------------------------------------------------------------------------------
# Taking a LUN away (teardown) and a LUN shared by hosts. What is unsafe in reality is recorded in
# /var/log/sim/storage.log ("<epoch-ms> UNSAFE: ..." lines), so a test sees what a real host would only
# show later as hung I/O or a corrupted filesystem.
#   - The SCSI path devices: one per session to the array (sdb, sdc, ... as sim_lun_paths names them), each
#     /sys/block/sdX/device/delete in a tmpfs that sim-boot mounts over this host's /sys/block (its mount
#     namespace is private: the machine's /sys/block is untouched; the kernel's own block devices are
#     linked in). `echo 1 > .../delete` removes the device (sim_scsi_sync applies it at the next simulated
#     tool call: the kernel removes it during the write). A logout removes its session's devices.
#   - A map whose last path goes away while the map is still set up is left without paths: with the
#     NETAPP device's queue_if_no_path, I/O to it queues until paths come back (logged); while it is
#     mounted that is data at risk (UNSAFE). The safe order is Red Hat's "Removing a storage device":
#     umount, multipath -f, blockdev --flushbufs, echo 1 > /sys/block/sdX/device/delete, then log out.
#   - multipath -f refuses a map in use (mounted, or a partition map mounted): "<map>: map in use", exit 1.
#   - mount of the LUN's filesystem read-write while another host (another mount namespace on the same
#     device) has it mounted: a non-cluster filesystem mounted by two hosts is corrupted (UNSAFE).
SIM_STORAGE_LOG=/var/log/sim/storage.log
SIM_SYSBLOCK=$SIM_RUN/sysblock          # present: /sys/block is this host's tmpfs
SIM_SCSI_DELETED=$SIM_RUN/scsi-deleted  # sids whose SCSI device was deleted (echo 1 > delete)

sim_storage_log() { mkdir -p /var/log/sim; printf '%s %s\n' "$(sim_now_ms)" "$*" >>"$SIM_STORAGE_LOG"; }

# The LUN's backing device and its partitions' devices (kernel partitions, or the extra loop devices of
# sim_part_links), one a line.
sim_lun_devices() {
  [[ -n ${SIM_LUN_DEVICE:-} && -b ${SIM_LUN_DEVICE} ]] || return 0
  local disk p
  disk=$(readlink -f "$SIM_LUN_DEVICE")
  printf '%s\n' "$disk"
  for p in "$disk"p[0-9]*; do [[ -b $p ]] && printf '%s\n' "$p"; done
  [[ -f $SIM_LOOPS ]] && awk '{ print $3 }' "$SIM_LOOPS"
  return 0
}

# Where this host has the LUN (or a partition of it) mounted: "device mountpoint" lines.
sim_lun_mounts() {
  local -A dev=()
  local d src tgt
  while read -r d; do [[ -n $d ]] && dev[$d]=1; done < <(sim_lun_devices)
  ((${#dev[@]})) || return 0
  while read -r src tgt _; do [[ -n ${dev[$src]:-} ]] && printf '%s %s\n' "$src" "$tgt"; done </proc/self/mounts
  return 0
}

# sim-boot: this host's own /sys/block (a tmpfs over the kernel's in this mount namespace), with the
# kernel's whole-disk devices linked in and no SCSI path device yet (a boot forgets them).
sim_sysblock_boot() {
  local b
  if [[ $(findmnt -n -o FSTYPE /sys/block 2>/dev/null) != tmpfs ]]; then
    /usr/bin/mount -t tmpfs -o mode=0755,size=1m sim-sysblock /sys/block 2>/dev/null || {
      printf '%s no own /sys/block (mount refused): no SCSI path devices\n' "$(sim_now_ms)" >>/var/log/sim/boot.log
      return 0
    }
  fi
  rm -rf /sys/block/sd* 2>/dev/null
  for b in /sys/class/block/*; do
    [[ -e $b/partition || -e /sys/block/${b##*/} ]] && continue
    ln -s "$(readlink -f "$b")" "/sys/block/${b##*/}" 2>/dev/null || true
  done
  : >"$SIM_SYSBLOCK"
}

sim_scsi_is_deleted() { [[ -f $SIM_SCSI_DELETED ]] && grep -qx "$1" "$SIM_SCSI_DELETED"; }

# Applies deletes written since the last call, drops the devices of sessions gone, adds those of new ones.
sim_scsi_sync() {
  [[ -f $SIM_SYSBLOCK ]] || return 0
  local d sid v hctl sd mm
  for d in /sys/block/sd*; do
    [[ -d $d && ! -L $d ]] || continue
    sid='' v=''
    read -r sid <"$d/device/.sim-sid" 2>/dev/null || true
    read -r v <"$d/device/delete" 2>/dev/null || true
    if [[ $v == 1 ]]; then
      rm -rf "$d"
      printf '%s\n' "$sid" >>"$SIM_SCSI_DELETED"
      sim_scsi_deleted_check "${d##*/}"
    elif [[ -z $sid || ! -f $SIM_SESS_DIR/$sid ]]; then
      rm -rf "$d"
    fi
  done
  # the devices follow the sessions: nothing to add while the set of sessions is the one seen last
  # (pure bash: every simulated tool call runs this)
  local sess=("$SIM_SESS_DIR"/[0-9]*) key last=''
  key="${sess[*]}"
  [[ -f $SIM_RUN/scsi-sessions ]] && read -r last <"$SIM_RUN/scsi-sessions"
  [[ $key == "$last" ]] && return 0
  printf '%s\n' "$key" >"$SIM_RUN/scsi-sessions"
  while read -r sid _ _ hctl sd mm; do
    [[ -d /sys/block/$sd ]] && continue
    mkdir -p "/sys/block/$sd/device" 2>/dev/null || continue
    printf '%s\n' "$sid" >"/sys/block/$sd/device/.sim-sid"
    printf '%s\n' "$mm" >"/sys/block/$sd/dev"
    printf 'running\n' >"/sys/block/$sd/device/state"
    : >"/sys/block/$sd/device/delete"
    chmod 0200 "/sys/block/$sd/device/delete"
  done < <(sim_lun_paths)
  return 0
}

# After a path device went away: its map, if still set up and now without paths, is left queueing I/O.
sim_scsi_deleted_check() { # sim_scsi_deleted_check SDNAME
  local name
  name=$(sim_lun_map_name) || { sim_storage_log "SCSI device $1 deleted (its map was already flushed)"; return 0; }
  sim_storage_log "SCSI device $1 deleted while map $name still uses it"
  [[ -z $(sim_lun_paths) ]] && sim_lun_pathless "the last path device ($1) was deleted"
  return 0
}

sim_lun_pathless() { # sim_lun_pathless WHY: the map is left without paths
  local name m
  name=$(sim_lun_map_name) || return 0
  m=$(sim_lun_mounts | awk '{ print $2 }' | paste -sd, -)
  if [[ -n $m ]]; then
    sim_storage_log "UNSAFE: $(hostname) map $name left without paths while mounted at $m ($1): queue_if_no_path queues its I/O, unflushed data is at risk"
  else
    sim_storage_log "map $name left without paths ($1): queue_if_no_path queues any I/O to it until it is flushed (multipath -f)"
  fi
}

# multipath -f MAP: flushes the LUN's map (and first its partition maps) unless in use.
sim_mpath_flush() { # sim_mpath_flush MAP -> 0 flushed or not present, 1 in use
  local name want mounts l sfx n loopdev start size w kept=()
  name=$(sim_lun_map_name) || return 0 # _dm_flush_map: a map that is not present is nothing to do
  want=${1#/dev/mapper/}
  [[ $want == "$name" || $want == "$SIM_LUN_WWID" ]] || return 0
  mounts=$(sim_lun_mounts)
  if [[ -n $mounts ]]; then
    local dev=${mounts%% *} shown=$name
    [[ $dev != "$(readlink -f "$SIM_LUN_DEVICE")" ]] && for l in /dev/mapper/"$name"?*; do
      [[ -L $l && $l -ef $dev ]] && shown=${l#/dev/mapper/}
    done
    printf '%s: map in use\n' "$shown" >&2
    return 1
  fi
  for l in /dev/mapper/"$name"?*; do
    [[ -L $l ]] || continue
    sfx=${l#/dev/mapper/"$name"}
    [[ $sfx =~ ^(p|-part|_part)?([0-9]+)$ ]] && rm -f "$l"
  done
  if [[ -f $SIM_LOOPS ]]; then
    while read -r w n loopdev start size; do
      if [[ $w == "$name" ]]; then losetup -d "$loopdev" 2>/dev/null || true; else kept+=("$w $n $loopdev $start $size"); fi
    done <"$SIM_LOOPS"
    if ((${#kept[@]})); then printf '%s\n' "${kept[@]}" >"$SIM_LOOPS"; else rm -f "$SIM_LOOPS"; fi
  fi
  rm -f "/dev/mapper/$name"
  sim_storage_log "map $name flushed"
  return 0
}

# A login (a new path) while the LUN has no map: multipathd makes it again, LUN_DELAY_MS later.
sim_lun_watch_ensure() {
  [[ -n ${SIM_LUN_WWID:-} && -n ${SIM_LUN_DEVICE:-} ]] || return 0
  sim_lun_map_exists && return 0
  local pid=''
  [[ -f $SIM_LUN_WATCH_PID ]] && read -r pid <"$SIM_LUN_WATCH_PID"
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && return 0
  (sim_lun_watch) </dev/null >/dev/null 2>&1 &
  disown 2>/dev/null || true
}

# Does multipath show the LUN? Its map exists (multipathd made it), paths exist and the daemon runs
# (RHEL also needs /etc/multipath.conf: without it everything is blacklisted).
sim_lun_visible() {
  sim_lun_map_exists && sim_lun_paths_ready
}

# ---------------------------------------------------------------------------------------------------
# Packages installed from a local package file (rpm -U/-i FILE, dpkg -i FILE): the NetApp Unified Host
# Utilities (sanlun) or SMutils (SMdevices), which no distribution ships. A real .rpm/.deb carries its
# name, version and files in a binary header; the simulated package file is a text stand-in for that
# header (first line "# sshplay simulated package", then "Name:", "Version:", "Release:",
# "Architecture:", "Files:" lines). Installing one records "<name> <version>-<release> <arch> <files>"
# in /var/lib/sim/packages.installed and copies each file's payload from /usr/local/lib/sim/payload.
SIM_PKG_DB=$SIM_VAR/packages.installed
SIM_PKG_MAGIC='# sshplay simulated package'
declare -A PKGFILE=()

sim_pkgfile_read() { # sim_pkgfile_read FILE -> PKGFILE[name|version|release|arch|files]; 1 when not a package
  PKGFILE=()
  local line k v
  [[ -f $1 ]] || return 1
  { IFS= read -r line && [[ $line == "$SIM_PKG_MAGIC" ]]; } <"$1" || return 1
  while IFS= read -r line || [[ -n $line ]]; do
    [[ $line =~ ^([A-Za-z-]+):[[:space:]]*(.*)$ ]] || continue
    k=${BASH_REMATCH[1],,} v=${BASH_REMATCH[2]}
    case $k in name | package) PKGFILE[name]=$v ;; version) PKGFILE[version]=$v ;; release) PKGFILE[release]=$v ;;
      architecture | arch) PKGFILE[arch]=$v ;; files) PKGFILE[files]=$v ;; esac
  done <"$1"
  [[ -n ${PKGFILE[name]:-} && -n ${PKGFILE[version]:-} ]]
}

sim_pkg_installed() { # sim_pkg_installed NAME -> prints "version-release arch", 1 when not installed
  local n vr arch files
  [[ -f $SIM_PKG_DB ]] || return 1
  while read -r n vr arch files; do
    [[ $n == "$1" ]] && { printf '%s %s' "$vr" "$arch"; return 0; }
  done <"$SIM_PKG_DB"
  return 1
}

sim_pkg_install() { # sim_pkg_install: the package in PKGFILE (replacing any installed version)
  local name=${PKGFILE[name]} vr=${PKGFILE[version]}${PKGFILE[release]:+-${PKGFILE[release]}} f
  sim_pkg_remove "$name"
  for f in ${PKGFILE[files]:-}; do
    mkdir -p "${f%/*}"
    install -m 0755 "$SIM_LIB_DIR/payload/${f##*/}" "$f"
  done
  mkdir -p "$SIM_VAR"
  printf '%s %s %s %s\n' "$name" "$vr" "${PKGFILE[arch]:-x86_64}" "${PKGFILE[files]:-}" >>"$SIM_PKG_DB"
}

sim_pkg_remove() { # sim_pkg_remove NAME: its files and its record go
  local n vr arch files f kept=()
  [[ -f $SIM_PKG_DB ]] || return 1
  local found=1
  while read -r n vr arch files; do
    if [[ $n == "$1" ]]; then
      found=0
      for f in $files; do rm -f "$f"; done
    else kept+=("$n $vr $arch $files"); fi
  done <"$SIM_PKG_DB"
  if ((${#kept[@]})); then printf '%s\n' "${kept[@]}" >"$SIM_PKG_DB"; else rm -f "$SIM_PKG_DB"; fi
  return $found
}

# rpm's version comparison, enough for N[.N...]-N: 0 equal, 1 first newer, 2 second newer.
sim_vercmp() {
  [[ $1 == "$2" ]] && return 0
  local IFS='.-' i
  local -a a b
  read -r -a a <<<"$1"
  read -r -a b <<<"$2"
  for ((i = 0; i < ${#a[@]} || i < ${#b[@]}; i++)); do
    local x=${a[i]:-0} y=${b[i]:-0}
    [[ $x =~ ^[0-9]+$ && $y =~ ^[0-9]+$ ]] || { [[ $x > $y ]] && return 1; [[ $x < $y ]] && return 2; continue; }
    ((10#$x > 10#$y)) && return 1
    ((10#$x < 10#$y)) && return 2
  done
  return 0
}
