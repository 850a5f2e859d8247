import { sh } from '../remote-command.js';
import { commandFact } from './fact.js';

/** Every device-mapper map as `name uuid` lines (dmsetup prints "No devices found" when there are none). */
export const DM_MAPS_CMD = sh`dmsetup info -c --noheadings -o name,uuid --separator ' '`;

/** Partition `n` of the device-mapper device `device` (/dev/mapper/NAME): its /dev/mapper path, by UUID. */
export function dmPartitionOf(mapsStdout: string, device: string, n = 1): string | undefined {
  const maps = mapsStdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f): f is [string, string] => f.length === 2 && f[1] !== '');
  const name = device.replace(/^\/dev\/mapper\//, '');
  const uuid = maps.find(([n0]) => n0 === name)?.[1];
  if (!uuid) return undefined;
  const part = maps.find(([, u]) => u === `part${n}-${uuid}`)?.[0];
  return part ? `/dev/mapper/${part}` : undefined;
}

/** The maps' listing, as dmPartitionOf reads it ('' when dmsetup could not answer). */
export const dmMaps = commandFact<void, string>({
  name: 'dm.maps',
  command: () => DM_MAPS_CMD,
  parse: (r) => (r.rc === 0 ? r.stdout : ''),
});
