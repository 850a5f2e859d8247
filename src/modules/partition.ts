/**
 * partition: a new LUN gets a partition table and one partition spanning it, as the document's
 * `parted -a optimal -s -- DEV mklabel gpt mkpart primary ext4 0% 100%`. A device that already holds a
 * partition table or any filesystem signature is never relabelled unless `force: true`.
 *
 * The partition's device is not named here: the distribution's udev rules name it (`<wwid>1` or
 * `<wwid>p1` on RHEL, `<wwid>-part1` on SLES and Ubuntu). After labelling, the module waits for udev
 * (`udevadm settle`) instead of running `kpartx -a`, whose default delimiter differs from the rules'
 * on SLES and Ubuntu (the second map of the same partition fails). The map of partition 1 is found by
 * its device-mapper UUID, `part1-<UUID of the device>`.
 *
 *   - partition: { device: /dev/mapper/360080e50004300ac000007575568851d, label: gpt }
 */
import { blockProbeCmd, parseBlkidExport } from '../facts/iscsi.js';
import { sh } from '../remote-command.js';
import type { Change, Module } from './types.js';

export interface PartitionArgs {
  device: string;
  label: 'gpt' | 'msdos';
  fstype: string;
  force: boolean;
}

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

/** The document's command: label the device and make one partition spanning it. */
function labelCommand(a: PartitionArgs): Change {
  const argv = [
    'parted',
    '-a',
    'optimal',
    '-s',
    '--',
    a.device,
    'mklabel',
    a.label,
    'mkpart',
    'primary',
    a.fstype,
    '0%',
    '100%',
  ];
  return { kind: 'exec', cmd: { argv } };
}

/** udev creates the partition's map (the distribution's kpartx rule) when the table changes. */
const SETTLE: Change = { kind: 'exec', cmd: { argv: ['udevadm', 'settle'] } };

export const partition: Module<PartitionArgs> = {
  name: 'partition',
  summary: 'label a blank LUN (gpt/msdos) with one full-size partition; never touches a used device unless force',
  schema: {
    device: { type: 'str', required: true },
    label: { type: 'str', choices: ['gpt', 'msdos'], default: 'gpt' },
    fstype: { type: 'str', default: 'ext4' },
    force: { type: 'bool', default: false },
  },
  wants: (a) => [
    { kind: 'file', path: a.device },
    { kind: 'command', cmd: blockProbeCmd(a.device) },
    { kind: 'command', cmd: DM_MAPS_CMD },
  ],
  async plan(ctx, a) {
    const dev = await ctx.facts.file(a.device);
    if (!dev && ctx.check)
      return {
        changes: [labelCommand(a), SETTLE],
        preview: `label ${a.device} once the LUN appears after login (checked for existing data first)`,
        result: { device: a.device },
      };
    if (!dev)
      return {
        changes: [],
        failed: `${a.device} does not exist: is the LUN mapped to this host and are its sessions up?`,
        result: { device: a.device },
      };
    const probe = await ctx.facts.command(blockProbeCmd(a.device));
    if (probe.rc !== 0 && probe.rc !== 2)
      return { changes: [], failed: `blkid could not probe ${a.device}: ${probe.stderr.trim()}` };
    const sig = parseBlkidExport(probe.stdout);
    const maps = await ctx.facts.command(DM_MAPS_CMD);
    const part = maps.rc === 0 ? dmPartitionOf(maps.stdout, a.device) : undefined;
    const result = { device: a.device, ...(part ? { partition: part } : {}) };
    const wantPt = a.label === 'msdos' ? 'dos' : 'gpt';
    if (sig.ptType === wantPt && !sig.type) {
      if (part) return { changes: [], noop: `${a.device} already has a ${a.label} label and ${part}`, result };
      return {
        changes: [],
        failed: `${a.device} has a ${a.label} label but no partition 1 map yet: wait for udev or run \`multipath -r\`; nothing was changed`,
        result,
      };
    }
    const changes: Change[] = [];
    if (sig.type || sig.ptType) {
      const what = [sig.ptType && `a ${sig.ptType} partition table`, sig.type && `a ${sig.type} signature`]
        .filter(Boolean)
        .join(' and ');
      if (!a.force)
        return {
          changes: [],
          failed: `refusing to label ${a.device}: it holds ${what}. Its data would be destroyed; set force: true only if that is intended.`,
          result,
        };
      changes.push({ kind: 'exec', cmd: { argv: ['wipefs', '-a', a.device] } });
    }
    changes.push(labelCommand(a), SETTLE);
    return {
      changes,
      diff: `${a.device}: (blank) -> ${a.label} label, one partition\n`,
      preview: `label ${a.device} ${a.label} with one partition`,
      result,
    };
  },
};
