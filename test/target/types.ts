/**
 * The contract shared by both test targets (namespace and Docker): tests, the benchmark and the demo
 * use only this interface, so any of them runs on either target.
 */
export type SimFlavor = 'rhel9' | 'rhel8' | 'rhel7' | 'sles15' | 'sles12' | 'ubuntu22';

/** The simulated E-Series array the hosts are cabled to (one per fleet, configurable per test). */
export interface SimArray {
  targetIqn: string;
  /** Controller A port 1, B port 1 (subnet A), A port 2, B port 2 (subnet B). */
  portals: string[];
}

export interface SimHostSpec {
  name: string;
  flavor: SimFlavor;
  /** Extra inventory groups for this host (the fleet's inventory puts every host in `all` and in its flavor's group). */
  groups?: string[];
  /** HCAs (setup-host.sh SIM_HCAS): 1 (default) or 2 (mlx5_0 on another fabric, the storage ports on mlx5_1). */
  hcas?: 1 | 2;
  /** The storage fabric's switches run a subnet manager (SIM_SWITCH_SM; default true). */
  switchSm?: boolean;
  /**
   * One array volume mapped to several hosts: hosts with the same key share ONE LUN (one backing block
   * device and one WWID), so what one host writes (a partition table, a filesystem) the others read.
   * Letters, digits, _ and - (namespace target only).
   */
  sharedLun?: string;
}

export interface SimHost {
  name: string;
  flavor: SimFlavor;
  /** Loopback address and port where this host's real sshd listens. */
  address: string;
  port: number;
  /** Unique per host, written to /etc/iscsi/initiatorname.iscsi. */
  initiatorIqn: string;
  /** The two HCA port GUIDs `ibstat -p` prints. */
  guids: [string, string];
  /** WWID of the host's LUN: a real loop-backed block device shown as /dev/mapper/<wwid>. */
  lunWwid: string;
  /** 0-based position in the fleet; host i gets 192.168.130.(11+i) / 192.168.131.(11+i) in the default inventory. */
  index: number;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface Fleet {
  kind: 'namespace' | 'docker';
  hosts: SimHost[];
  array: SimArray;
  /** Working folder of this fleet (keys, known_hosts, inventory, logs). */
  dir: string;
  /**
   * A folder every host sees read-only at /run/sim-array: the one channel through which a simulated E-Series array
   * (test/target/array/host-link.ts) tells the hosts' tools its state. Empty (hosts cabled to `array`) until a test
   * wires an array. Namespace fleets only.
   */
  arrayLinkDir?: string;
  /** OpenSSH known_hosts listing every host's key as [address]:port (or address when port is 22). */
  knownHostsFile: string;
  /** Private key accepted for root on every host (key-only login). */
  privateKeyFile: string;
  /** Runs a shell command as root inside the host, not through ssh (for test setup and assertions). */
  exec(host: string, command: string): Promise<ExecResult>;
  /** A file's content inside the host, or null when absent. */
  readFile(host: string, path: string): Promise<string | null>;
  /** Lines of the host's simulated-tool call log (/var/log/sim/calls.log), oldest first. */
  calls(host: string): Promise<string[]>;
  /** Writes an Ansible YAML inventory for the fleet (connection vars + iSER vars) and returns its path. */
  writeInventory(options?: {
    file?: string;
    extraHostVars?: Record<string, Record<string, unknown>>;
    groupVars?: Record<string, unknown>;
  }): Promise<string>;
  /** Fault and lifecycle controls for the fault tests. */
  stopHost(host: string): Promise<void>;
  startHost(host: string): Promise<void>;
  /** Simulated reboot: sessions dropped, enabled services started, boot file run, automatic node records logged in. */
  reboot(host: string): Promise<void>;
  /** Make sshd refuse every login (true) or accept the fleet key again (false). */
  refuseLogins(host: string, refuse: boolean): Promise<void>;
  /** Give the host a new host key that known_hosts does not list (a "changed host key"). */
  changeHostKey(host: string): Promise<void>;
  /** Resets every host to its fresh state (fast: the writable layer is thrown away). */
  reset(): Promise<void>;
  /** Stops every host and removes every trace (processes, mounts, loop devices, containers). Idempotent. */
  stop(): Promise<void>;
}
