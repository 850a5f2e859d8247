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
import { iscsiNodeTree, splitPortal } from '../facts/iscsi.js';
import { quoteArg } from '../remote-command.js';
import { defineModule } from './define-module.js';
import type { Change, Module } from './types.js';

export interface IscsiDiscoveryArgs {
  /** Default: the first portal in `keep` that uses this iface (a portal on the iface's own subnet). */
  portal?: string;
  iface: string;
  target: string;
  nodes_dir: string;
  keep: { address: string; iface: string }[];
}

export const iscsiDiscovery: Module<IscsiDiscoveryArgs> = defineModule({
  name: 'iscsi_discovery',
  summary: 'SendTargets discovery through an iface; keeps only the wanted portal/iface records',
  schema: {
    portal: { type: 'str' },
    iface: { type: 'str', required: true },
    target: { type: 'str', required: true },
    nodes_dir: { type: 'str', required: true },
    keep: { type: 'list', required: true },
  },
  // The records are listed, never looked up at a path with an assumed tag (see iscsiNodeTree).
  facts: (_a: IscsiDiscoveryArgs) => ({ nodes: iscsiNodeTree.of() }),
  async plan(_ctx, a, read) {
    const mine = a.keep.filter((k) => k.iface === a.iface);
    if (mine.length === 0) return { changes: [], failed: `no portal in 'keep' uses iface ${a.iface}` };
    const portal = a.portal ?? (mine[0] as { address: string }).address;
    const listed = await read.nodes();
    if (listed.failed) return { changes: [], failed: listed.failed };
    const records = listed.list;
    const missing = mine.filter((k) => {
      const { address, port } = splitPortal(k.address);
      return !records.some(
        (r) => r.target === a.target && r.portal === address && r.port === port && r.iface === a.iface,
      );
    });
    if (missing.length === 0)
      return { changes: [], noop: `records for ${mine.map((k) => k.address).join(', ')} via ${a.iface} exist` };
    // After discovery: every record of this target through this iface whose portal address is not one
    // we keep for it is removed, whatever its tag (the directory is <address>,<port>,<tpgt>).
    const keepAddresses = mine.map((k) => quoteArg(splitPortal(k.address).address)).join('|');
    const prune = `cd ${quoteArg(`${a.nodes_dir}/${a.target}`)} 2>/dev/null || exit 0
for d in *; do
  [ -e "$d"/${quoteArg(a.iface)} ] || continue
  case "\${d%%,*}" in ${keepAddresses}) continue;; esac
  p=\${d%,*}; iscsiadm -m node -T ${quoteArg(a.target)} -p "\${p%%,*}:\${p#*,}" -I ${quoteArg(a.iface)} -o delete >/dev/null || exit 1
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
      diff: `${missing.map((k) => `+ ${a.target} ${k.address} via ${a.iface} (from discovery, under the tag the array reports)`).join('\n')}\n`,
      preview: `discover ${a.target} at ${portal} through ${a.iface}; keep ${mine.map((k) => k.address).join(', ')}`,
    };
  },
});
