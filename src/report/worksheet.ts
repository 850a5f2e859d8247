import { netmaskOf, networkOf } from '../template/render.js';

/** One host's line of the worksheet: from the inventory and from what the host itself reports. */
export interface WorksheetHost {
  name: string;
  initiatorIqn: string;
  osName: string;
  kernel: string;
  /** IPoIB ports in order: port 1 on subnet A, port 2 on subnet B. */
  ports: { name: string; address: string; guid?: string }[];
  /** The array's Automatic Load Balancing (`eseries_automatic_load_balancing`, default on). */
  automaticLoadBalancing?: boolean;
  /** The array's LUNs the host sees, and the tool that reported them (sanlun, SMdevices or multipath). */
  luns?: { tool: string; list: { wwid: string; device: string; pathsUp: number; paths: number }[] };
}

/** An E-Series array of the inventory, as its REST API reports it (the array side of the worksheet). */
export interface WorksheetArray {
  name: string;
  /** The API's answer could not be read: why (the other fields are then empty). */
  error?: string;
  targetIqn: string;
  /** Its iSER ports as the document orders them: A port 1, B port 1, A port 2, B port 2. */
  portals: { port: string; address: string }[];
  hosts: { name: string; hostType: string; iqns: string[]; group?: string }[];
  luns: { volume: string; lun: number; wwid: string; mappedTo: string }[];
}

export interface WorksheetData {
  targetIqn: string;
  /** Controller A port 1, B port 1 (subnet A), A port 2, B port 2 (subnet B). */
  portals: string[];
  hosts: WorksheetHost[];
  /** The inventory's arrays read through their API (the array side); none when the inventory has no array. */
  arrays?: WorksheetArray[];
  generatedAt: string;
}

/** Host OS type the document tells to select on the array with Automatic Load Balancing on. */
export const HOST_OS_TYPE = 'Linux DM-MP (Kernel 3.10 or later)';
/** ... and with Automatic Load Balancing off. */
export const HOST_OS_TYPE_WITHOUT_ALB = 'Linux DM-MP (Kernel 3.9 or earlier)';

/** The host type the document's step 8 names for the array's Automatic Load Balancing setting. */
export function hostOsType(automaticLoadBalancing = true): string {
  return automaticLoadBalancing ? HOST_OS_TYPE : HOST_OS_TYPE_WITHOUT_ALB;
}

/**
 * `eseries_automatic_load_balancing` as the inventory gives it (YAML boolean, or INI / -e text such as
 * "false"); unset means on. Anything else is an error naming the host.
 */
export function automaticLoadBalancingOf(host: string, value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(text)) return true;
  if (['false', 'no', 'off', '0'].includes(text)) return false;
  throw new Error(`${host}: eseries_automatic_load_balancing must be true or false, got ${JSON.stringify(value)}`);
}

interface Section {
  title: string;
  note?: string;
  header: string[];
  rows: string[][];
}

function subnetOf(addresses: string[]): { network: string; netmask: string } {
  const cidr = addresses.find((a) => a.includes('/'));
  if (!cidr) return { network: '(unknown)', netmask: '(unknown)' };
  const prefix = Number(cidr.split('/')[1]);
  return { network: networkOf(cidr).split('/')[0] as string, netmask: netmaskOf(prefix) };
}

/** The worksheet of "Record your iSER over IB configuration", section by section, as the document numbers its callouts. */
export function worksheetSections(d: WorksheetData): Section[] {
  const sections: Section[] = [];
  sections.push({
    title: 'Host identifiers',
    note: 'Software initiator IQN of each host, read from /etc/iscsi/initiatorname.iscsi.',
    header: ['Callout No.', 'Host port connections', 'Software initiator IQN'],
    rows: d.hosts.map((h, i) => [i === 0 ? '1' : 'n/a', `Host (initiator) ${i + 1}: ${h.name}`, h.initiatorIqn]),
  });
  const arrays = d.arrays ?? [];
  sections.push({
    title: 'Target IQN',
    ...(arrays.length ? { note: "Read from the array's REST API (Storage Array > iSER > Manage Settings)." } : {}),
    header: ['Callout No.', 'Array name', 'Target IQN'],
    rows: arrays.length
      ? arrays.map((a, i) => [i === 0 ? '6' : '', `Array controller (target): ${a.name}`, a.error ?? a.targetIqn])
      : [['6', 'Array controller (target)', d.targetIqn]],
  });
  for (const [s, label] of [
    [0, 'A'],
    [1, 'B'],
  ] as const) {
    const hostAddrs = d.hosts.map((h) => h.ports[s]?.address ?? '');
    const { network, netmask } = subnetOf(hostAddrs);
    const callouts = s === 0 ? ['3', '5', '4', '2'] : ['8', '10', '9', '7'];
    sections.push({
      title: `Subnet ${label}`,
      note: `Network address ${network}, netmask ${netmask}.`,
      header: ['Callout No.', 'Array controller (target) port connections', 'Address'],
      rows: [
        [callouts[0] as string, 'Switch', 'not applicable'],
        [callouts[1] as string, `Controller A, port ${s + 1}`, d.portals[s * 2] ?? ''],
        [callouts[2] as string, `Controller B, port ${s + 1}`, d.portals[s * 2 + 1] ?? ''],
        ...d.hosts.map((h, i) => [
          i === 0 ? (callouts[3] as string) : '',
          `Host ${i + 1} (${h.name}), port ${s + 1}${h.ports[s] ? ` (${h.ports[s]?.name}${h.ports[s]?.guid ? `, GUID ${h.ports[s]?.guid}` : ''})` : ''}`,
          (h.ports[s]?.address ?? '').split('/')[0] as string,
        ]),
      ],
    });
  }
  sections.push({
    title: 'Mapping host name',
    note:
      'Create these hosts on the array (System Manager: Storage > Hosts > Create host) with the host OS type below: ' +
      `"${HOST_OS_TYPE}" with Automatic Load Balancing enabled, "${HOST_OS_TYPE_WITHOUT_ALB}" with it disabled.`,
    header: ['Mapping host name', 'Host OS type', 'Host OS (reported)', 'Kernel (uname -r)'],
    rows: d.hosts.map((h) => [h.name, hostOsType(h.automaticLoadBalancing ?? true), h.osName, h.kernel]),
  });
  for (const a of arrays) {
    if (a.error) continue;
    sections.push({
      title: `Array ${a.name}: hosts defined`,
      note: "As the array's REST API reports them (Storage > Hosts): the initiator IQN of each host port and its host type.",
      header: ['Host on the array', 'Host OS type', 'Initiator IQN', 'Host group'],
      rows: a.hosts.map((h) => [h.name, h.hostType, h.iqns.join(', ') || '(no port)', h.group ?? '']),
    });
    sections.push({
      title: `Array ${a.name}: volumes mapped`,
      note: 'Each volume assigned to a host or host group, with its LUN number and the WWID the hosts see it by.',
      header: ['Volume', 'Mapped to', 'LUN', 'WWID'],
      rows: a.luns.map((l) => [l.volume, l.mappedTo, String(l.lun), l.wwid]),
    });
  }
  const seen = d.hosts.flatMap((h) =>
    (h.luns?.list ?? []).map((l) => [h.name, l.wwid, l.device, `${l.pathsUp}/${l.paths}`, h.luns?.tool ?? '']),
  );
  if (seen.length)
    sections.push({
      title: 'LUNs each host sees',
      note: 'As the host reports them (sanlun lun show -p, SMdevices, or multipath -ll where neither is installed).',
      header: ['Host', 'WWID', 'Device', 'Paths up', 'Reported by'],
      rows: seen,
    });
  return sections;
}

export function worksheetMarkdown(d: WorksheetData): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const parts = ['# iSER over InfiniBand worksheet', '', `Generated by sshplay on ${d.generatedAt}.`, ''];
  for (const s of worksheetSections(d)) {
    parts.push(`## ${s.title}`, '');
    if (s.note) parts.push(s.note, '');
    parts.push(`| ${s.header.map(esc).join(' | ')} |`, `|${s.header.map(() => '---').join('|')}|`);
    for (const r of s.rows) parts.push(`| ${r.map(esc).join(' | ')} |`);
    parts.push('');
  }
  return parts.join('\n');
}

function html(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A self-contained page (inline CSS, no scripts, no external resources) that prints well. */
export function worksheetHtml(d: WorksheetData): string {
  const body = worksheetSections(d)
    .map(
      (s) =>
        `<section><h2>${html(s.title)}</h2>${s.note ? `<p>${html(s.note)}</p>` : ''}<table><thead><tr>${s.header
          .map((h) => `<th>${html(h)}</th>`)
          .join('')}</tr></thead><tbody>${s.rows
          .map((r) => `<tr>${r.map((c) => `<td>${html(c)}</td>`).join('')}</tr>`)
          .join('')}</tbody></table></section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>iSER over InfiniBand worksheet</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#1a1a1a;max-width:70rem}
h1{font-size:1.6rem;border-bottom:3px solid #0067c5;padding-bottom:.3rem}
h2{font-size:1.15rem;margin-top:1.6rem;color:#0067c5}
table{border-collapse:collapse;width:100%;margin:.4rem 0}
th,td{border:1px solid #c8c8c8;padding:.35rem .6rem;text-align:left;font-size:.92rem}
th{background:#eef4fb}
td:last-child{font-family:ui-monospace,monospace}
footer{margin-top:2rem;color:#666;font-size:.8rem}
@media print{body{margin:0}}
</style></head><body>
<h1>iSER over InfiniBand worksheet</h1>
${body}
<footer>Generated by sshplay on ${html(d.generatedAt)}.</footer>
</body></html>
`;
}
