import { type Cmd, sh } from '../remote-command.js';
import { commandFact } from './fact.js';

/** What a block device holds, as libblkid's low-level probe (`blkid -p`) finds it. */
export interface BlockSignature {
  /** Filesystem or other content type (ext4, xfs, LVM2_member, ...). */
  type?: string;
  /** Partition table type (gpt, dos). */
  ptType?: string;
}

/** `blkid -p -o export DEV`: signatures on a device, one `KEY=value` a line (rc 2 when there are none). */
export function blockProbeCmd(device: string): Cmd {
  return sh`blkid -p -o export ${device}`;
}

export function parseBlkidExport(stdout: string): BlockSignature {
  const fields = Object.fromEntries(
    stdout
      .split('\n')
      .map((l) => l.split('='))
      .filter((kv) => kv.length >= 2)
      .map(([k, ...v]) => [k, v.join('=')]),
  );
  return { type: fields.TYPE, ptType: fields.PTTYPE };
}

/** A device's signatures, or why blkid could not probe it (rc 2, "nothing found", is a blank device). */
export const blockSignature = commandFact<string, BlockSignature & { failed?: string }>({
  name: 'block.signature',
  command: blockProbeCmd,
  parse: (r, device) =>
    r.rc === 0 || r.rc === 2
      ? parseBlkidExport(r.rc === 0 ? r.stdout : '')
      : { failed: `blkid could not probe ${device}: ${r.stderr.trim()}` },
});
