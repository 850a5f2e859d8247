/**
 * iscsi_discovery: SendTargets discovery through an iSER iface (Method 1 of the document), then the
 * records that pair a portal with an iface of the other subnet are pruned, so every session is bound
 * to the port on its own subnet. Runs only while a wanted record is missing.
 *
 *   - iscsi_discovery:
 *       portal: 192.168.130.101
 *       iface: iface-ib0
 *       target: "{{ iser_target_iqn }}"
 *       nodes_dir: /var/lib/iscsi/nodes
 *       keep: "{{ iser_target_portals }}"     # [{address, iface}]
 */
import { nodeRecordPath } from '../facts/iscsi.js';
import { quoteArg } from '../shell.js';
import type { Change, Module } from './types.js';

export interface IscsiDiscoveryArgs {
  /** Default: the first portal in `keep` that uses this iface (a portal on the iface's own subnet). */
  portal?: string;
  iface: string;
  target: string;
  nodes_dir: string;
  keep: { address: string; iface: string }[];
}

export const iscsiDiscovery: Module<IscsiDiscoveryArgs> = {
  name: 'iscsi_discovery',
  summary: 'SendTargets discovery through an iface; keeps only the wanted portal/iface records',
  schema: {
    portal: { type: 'str' },
    iface: { type: 'str', required: true },
    target: { type: 'str', required: true },
    nodes_dir: { type: 'str', required: true },
    keep: { type: 'list', required: true },
  },
  wants: (a) =>
    a.keep
      .filter((k) => k.iface === a.iface)
      .map((k) => ({ kind: 'file' as const, path: nodeRecordPath(a.nodes_dir, a.target, k.address, k.iface) })),
  async plan(ctx, a) {
    const mine = a.keep.filter((k) => k.iface === a.iface);
    if (mine.length === 0) return { changes: [], failed: `no portal in 'keep' uses iface ${a.iface}` };
    const portal = a.portal ?? (mine[0] as { address: string }).address;
    const paths = mine.map((k) => nodeRecordPath(a.nodes_dir, a.target, k.address, k.iface));
    const present = await Promise.all(paths.map((p) => ctx.facts.file(p)));
    const missing = paths.filter((_, i) => !present[i]);
    if (missing.length === 0)
      return { changes: [], noop: `records for ${mine.map((k) => k.address).join(', ')} via ${a.iface} exist` };
    // Every record of this target through this iface whose portal is not one we keep for it is removed.
    const keepDirs = mine.map((k) => quoteArg(`${k.address},3260,1`)).join('|');
    const prune = `cd ${quoteArg(`${a.nodes_dir}/${a.target}`)} 2>/dev/null || exit 0
for d in *; do
  [ -e "$d"/${quoteArg(a.iface)} ] || continue
  case "$d" in ${keepDirs}) continue;; esac
  iscsiadm -m node -T ${quoteArg(a.target)} -p "\${d%%,*}" -I ${quoteArg(a.iface)} -o delete >/dev/null || exit 1
done`;
    const changes: Change[] = [
      {
        kind: 'exec',
        cmd: { argv: ['iscsiadm', '-m', 'discovery', '-t', 'sendtargets', '-p', portal, '-I', a.iface] },
      },
      { kind: 'exec', cmd: { script: prune } },
    ];
    return {
      changes,
      diff: `${missing.map((p) => `+ ${p} (from discovery)`).join('\n')}\n`,
      preview: `discover ${a.target} at ${portal} through ${a.iface}; keep ${mine.map((k) => k.address).join(', ')}`,
    };
  },
};
