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
import { blockSignature } from '../facts/block-signature.js';
import { dmMaps, dmPartitionOf } from '../facts/dm-maps.js';
import { remoteFile } from '../facts/remote-file.js';
import { defineModule } from './define-module.js';
import type { Change, Module } from './types.js';

export interface PartitionArgs {
  device: string;
  label: 'gpt' | 'msdos';
  fstype: string;
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

/** udev creates the partition's map (the distribution's kpartx rule) when the table changes. */
const SETTLE: Change = { kind: 'exec', cmd: { argv: ['udevadm', 'settle'] } };

export const partition: Module<PartitionArgs> = defineModule({
  name: 'partition',
  summary: 'label a blank LUN (gpt/msdos) with one full-size partition; never touches a used device unless force',
  schema: {
    device: { type: 'str', required: true },
    label: { type: 'str', choices: ['gpt', 'msdos'], default: 'gpt' },
    fstype: { type: 'str', default: 'ext4' },
    force: { type: 'bool', default: false },
  },
  facts: (a: PartitionArgs) => ({
    device: remoteFile.of(a.device),
    signature: blockSignature.of(a.device),
    maps: dmMaps.of(),
  }),
  async plan(ctx, a, read) {
    const dev = await read.device();
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
    const sig = await read.signature();
    if (sig.failed) return { changes: [], failed: sig.failed };
    const part = dmPartitionOf(await read.maps(), a.device);
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
});
