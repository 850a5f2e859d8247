/**
 * partition: a new LUN gets a partition table and one partition spanning it, as the document's
 * `parted -a optimal -s -- DEV mklabel gpt mkpart primary ext4 0% 100%`. A device that already holds a
 * partition table or any filesystem signature is never relabelled unless `force: true`.
 *
 *   - partition: { device: /dev/mapper/360080e50004300ac000007575568851d, label: gpt }
 */
import { blockProbeCmd, parseBlkidExport } from '../facts/iscsi.js';
import type { Change, Module } from './types.js';

export interface PartitionArgs {
  device: string;
  label: 'gpt' | 'msdos';
  fstype: string;
  /** How the multipath layer names partition 1 of this device (`1` as in the document, or `p1`). */
  partition_suffix: string;
  force: boolean;
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

export const partition: Module<PartitionArgs> = {
  name: 'partition',
  summary: 'label a blank LUN (gpt/msdos) with one full-size partition; never touches a used device unless force',
  schema: {
    device: { type: 'str', required: true },
    label: { type: 'str', choices: ['gpt', 'msdos'], default: 'gpt' },
    fstype: { type: 'str', default: 'ext4' },
    partition_suffix: { type: 'str', default: '1' },
    force: { type: 'bool', default: false },
  },
  wants: (a) => [
    { kind: 'file', path: a.device },
    { kind: 'command', cmd: blockProbeCmd(a.device) },
  ],
  async plan(ctx, a) {
    const part = `${a.device}${a.partition_suffix}`;
    const result = { device: a.device, partition: part };
    const dev = await ctx.facts.file(a.device);
    if (!dev && ctx.check)
      return {
        changes: [labelCommand(a)],
        preview: `label ${a.device} once the LUN appears after login (checked for existing data first)`,
        result,
      };
    if (!dev)
      return {
        changes: [],
        failed: `${a.device} does not exist: is the LUN mapped to this host and are its sessions up?`,
        result,
      };
    const probe = await ctx.facts.command(blockProbeCmd(a.device));
    if (probe.rc !== 0 && probe.rc !== 2)
      return { changes: [], failed: `blkid could not probe ${a.device}: ${probe.stderr.trim()}`, result };
    const sig = parseBlkidExport(probe.stdout);
    const wantPt = a.label === 'msdos' ? 'dos' : 'gpt';
    if (sig.ptType === wantPt && !sig.type) {
      if (await ctx.facts.file(part))
        return { changes: [], noop: `${a.device} already has a ${a.label} label and ${part}`, result };
      return {
        changes: [{ kind: 'exec', cmd: { argv: ['kpartx', '-a', a.device] } }],
        preview: `map the existing partitions of ${a.device}`,
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
    changes.push(labelCommand(a), { kind: 'exec', cmd: { argv: ['kpartx', '-a', a.device] } });
    return {
      changes,
      diff: `${a.device}: (blank) -> ${a.label} label, partition ${part}\n`,
      preview: `label ${a.device} ${a.label} with one partition`,
      result,
    };
  },
};
