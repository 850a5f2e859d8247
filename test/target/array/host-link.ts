/**
 * Wires a simulated E-Series array (server.ts) to a namespace fleet's simulated hosts, so that each side sees the
 * other as on real iSER fabric (test/target/sim/README.md, "Wired to the simulated array"):
 *
 * - array -> hosts: after every change the array accepted, the hosts' view of it is rewritten as one file in the
 *   fleet's `arrayLinkDir`, which every host sees read-only at /run/sim-array/state (the only thing of the
 *   controller a host sees). The hosts' simulated iscsiadm answers SendTargets with the portals configured there
 *   (with the array's IQN), and their LUN appears only when a volume is mapped to the host's initiator (directly or
 *   through its host group), with that volume's LUN number and WWID.
 * - hosts -> array: the array's `getIscsiSessions` lists the sessions the hosts logged in (read from each host's
 *   /run/sim/sessions when the API is asked).
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Fleet } from '../types.js';
import type { SimulatedArray } from './server.js';
import type { ArrayState, SimSession } from './state.js';

export const LINK_FILE = 'state';

/** The WWID a Linux host gives a volume: NAA type 3 prefix, then the volume's NAA 6 world-wide name in lowercase. */
export function volumeWwid(wwn: string): string {
  return `3${wwn.toLowerCase()}`;
}

/**
 * The hosts' view of the array, the line format test/target/sim/lib/sim-lib.sh (sim_array_load) reads:
 * `iqn`, one `portal <ip> <tag> <port>` per port with an address (controller A's tag 1, B's tag 2, as the array's
 * two controllers are two target portal groups), one `lun <initiator IQN> <lun> <wwid> <volume>` per mapped volume
 * per initiator IQN of each host the mapping presents the volume to.
 */
export function hostsView(state: ArrayState): string {
  const lines = [
    '# the simulated E-Series array as its hosts see it (test/target/array/host-link.ts)',
    `iqn ${state.iqn}`,
  ];
  const ports = [...state.ports].sort((a, b) => a.controller.localeCompare(b.controller) || a.channel - b.channel);
  for (const p of ports)
    if (p.address !== '0.0.0.0')
      lines.push(`portal ${p.address} ${p.controller === 'A' ? 1 : 2} ${p.controller}${p.channel}`);
  for (const m of state.mappings) {
    const volume = state.volumes.find((v) => v.volumeRef === m.volumeRef);
    if (!volume) continue;
    for (const h of state.hostsOfMapping(m))
      for (const port of h.ports)
        if (port.type === 'iscsi') lines.push(`lun ${port.port} ${m.lun} ${volumeWwid(volume.wwn)} ${volume.name}`);
  }
  return `${lines.join('\n')}\n`;
}

export interface ArrayHostLink {
  /** Rewrites the hosts' view now (done after every change by itself). */
  publish(): void;
  /** Unwires: the hosts' view file goes, the hosts are cabled to the fleet's fixed array again. */
  unlink(): void;
}

/** Wires `array` to `fleet`'s hosts (a namespace fleet: it has an arrayLinkDir). */
export function linkArrayToFleet(array: SimulatedArray, fleet: Fleet): ArrayHostLink {
  const dir = fleet.arrayLinkDir;
  if (!dir)
    throw new Error(`a ${fleet.kind} fleet has no array link folder: wire the simulated array to a namespace fleet`);
  const file = join(dir, LINK_FILE);
  const publish = () => {
    const tmp = `${file}.new`;
    writeFileSync(tmp, hostsView(array.state));
    renameSync(tmp, file); // the hosts read a whole old or a whole new file, never half of one
  };
  array.onChange = publish;
  array.sessionSource = () => hostSessions(array, fleet);
  publish();
  return {
    publish,
    unlink() {
      array.onChange = undefined;
      array.sessionSource = undefined;
      rmSync(file, { force: true });
    },
  };
}

/** Every host's sessions to the array's target (its `/run/sim/sessions` lines: sid target ip port tpgt ... initiator). */
async function hostSessions(array: SimulatedArray, fleet: Fleet): Promise<SimSession[]> {
  const state = array.state;
  const per = await Promise.all(
    fleet.hosts.map(async (h) => {
      const r = await fleet.exec(h.name, 'cat /run/sim/sessions/[0-9]* 2>/dev/null; true').catch(() => null);
      const sessions: SimSession[] = [];
      for (const line of (r?.stdout ?? '').split('\n')) {
        const [, target, ip, , , , , , initiator] = line.trim().split(/\s+/);
        if (target !== state.iqn || !initiator) continue;
        const port = state.ports.find((p) => p.address === ip);
        if (!port) continue;
        sessions.push({ initiatorIqn: initiator, controller: port.controller, host: h.name });
      }
      return sessions;
    }),
  );
  return per.flat();
}
