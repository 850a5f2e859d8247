/**
 * iscsi_node: one open-iscsi node record (target + portal + iface) with its settings, and its session.
 * The record is found by asking iscsiadm for that (target, portal, iface), whatever portal group tag it
 * is filed under (discovery: the tag the array reported, 1 or 2 on E-Series; `-o new`: -1), and the
 * session by the same three keys (`iscsiadm -m session -P 1`): a session to the portal through another
 * iface does not count. Settings are compared with the record itself; a record made before iscsid.conf was edited is
 * updated here, since records copy iscsid.conf only when created. Secret values (CHAP passwords) are
 * written into the record by a script that reads them from a here-document: never in any argv.
 *
 *   - iscsi_node:
 *       target: iqn.1992-08.com.netapp:5700.600a098000a4b28b000000005a1e1d2c
 *       portal: 192.168.130.101
 *       iface: iface-ib0
 *       nodes_dir: /var/lib/iscsi/nodes
 *       settings: { node.startup: automatic, node.session.timeo.replacement_timeout: 20 }
 *       login: true
 */
import { randomBytes } from 'node:crypto';
import { iscsiNodeRecords, iscsiSessionTree, nodeRecordPath, recordEntry, splitPortal } from '../facts/iscsi.js';
import { sh } from '../remote-command.js';
import { defineModule } from './define-module.js';
import type { Change, Module } from './types.js';

export interface IscsiNodeArgs {
  target: string;
  portal: string;
  iface: string;
  nodes_dir: string;
  state: 'present' | 'absent';
  settings: Record<string, unknown>;
  startup?: string;
  replacement_timeout?: string;
  chap_username?: string;
  chap_password?: string;
  nr_sessions?: string;
  queue_depth?: string;
  login: boolean;
  /** Create the record with `-o new` when missing (Method 2); false: it must come from discovery. */
  create: boolean;
}

const isSecretKey = (key: string) => /password/i.test(key);

/** Sets one key in a record file with the value taken from a here-document (not visible in the process list). */
function secretUpdate(path: string, key: string, value: string): Change {
  const eof = `SSHPLAY_${randomBytes(8).toString('hex')}`;
  const script = `IFS= read -r __v <<'${eof}'
${value}
${eof}
export __v
${sh`__f=${path}; __k=${key}`.script}
export __k
__t=$(umask 077 && mktemp "$__f.sshplay-XXXXXX") || exit 1
awk 'BEGIN{done=0} { if (index($0, ENVIRON["__k"] " = ") == 1) { print ENVIRON["__k"] " = " ENVIRON["__v"]; done=1 } else if ($0 == "# END RECORD" && !done) { print ENVIRON["__k"] " = " ENVIRON["__v"]; print; done=1 } else print }' "$__f" > "$__t" && mv -fT "$__t" "$__f" || { rm -f "$__t"; exit 1; }`;
  return { kind: 'exec', cmd: { script } };
}

export const iscsiNode: Module<IscsiNodeArgs> = defineModule({
  name: 'iscsi_node',
  summary: 'an iSCSI node record bound to an iface, its settings, and its login (iscsiadm -m node)',
  schema: {
    target: { type: 'str', required: true },
    portal: { type: 'str', required: true },
    iface: { type: 'str', default: 'default' },
    nodes_dir: { type: 'str', required: true },
    state: { type: 'str', choices: ['present', 'absent'], default: 'present' },
    settings: { type: 'dict', default: {} },
    // Typed shortcuts for the keys the iSER playbooks set; an empty value leaves the key as it is.
    startup: { type: 'str', choices: ['automatic', 'manual', 'onboot', ''] },
    replacement_timeout: { type: 'str' },
    chap_username: { type: 'str' },
    chap_password: { type: 'str', secret: true },
    nr_sessions: { type: 'str' },
    queue_depth: { type: 'str' },
    login: { type: 'bool', default: true },
    create: { type: 'bool', default: true },
  },
  facts: (a: IscsiNodeArgs) => ({
    records: iscsiNodeRecords.of({ target: a.target, portal: a.portal, iface: a.iface }),
    sessions: iscsiSessionTree.of(),
  }),
  async plan(ctx, a, read) {
    const [shown, listed] = await Promise.all([read.records(), read.sessions()]);
    // No record (or no session) yet is an empty list; anything else iscsiadm says is a failure, not an answer.
    if (shown.failed) return { changes: [], failed: shown.failed };
    if (listed.failed) return { changes: [], failed: listed.failed };
    const { address, port } = splitPortal(a.portal);
    const records = shown.list;
    const paths = records.map((r) => nodeRecordPath(a.nodes_dir, recordEntry(r)));
    // `-o new` files a record under tag -1 (it does not know the tag until a login).
    const newPath = nodeRecordPath(a.nodes_dir, { target: a.target, portal: address, port, tpgt: -1, iface: a.iface });
    const path =
      paths.join(', ') || (a.create ? newPath : `${a.nodes_dir}/${a.target}/${address},${port},<tpgt>/${a.iface}`);
    const loggedIn = listed.list.some(
      (s) => s.target === a.target && s.portal === address && s.port === port && s.iface === a.iface,
    );
    const node = ['iscsiadm', '-m', 'node', '-T', a.target, '-p', a.portal, '-I', a.iface];
    const exec = (...extra: string[]): Extract<Change, { kind: 'exec' }> => ({
      kind: 'exec',
      cmd: { argv: [...node, ...extra] },
    });
    const result = { record: path, records: paths, logged_in: loggedIn };
    if (a.state === 'absent') {
      const changes: Change[] = [];
      if (loggedIn) changes.push({ ...exec('-u'), okCodes: [0, 21] });
      if (records.length) changes.push(exec('-o', 'delete'));
      if (!changes.length) return { changes, noop: `no record or session for ${a.portal} via ${a.iface}`, result };
      return {
        changes,
        preview: `${loggedIn ? 'log out and ' : ''}delete the record ${a.portal} via ${a.iface}`,
        diff: `${paths.map((p) => `- ${p}`).join('\n')}\n`,
        result,
      };
    }
    const changes: Change[] = [];
    const diff: string[] = [];
    if (!records.length) {
      if (!a.create && !ctx.check)
        return {
          changes: [],
          failed: `no node record for ${a.target} at ${a.portal} via ${a.iface} (discovery did not create it)`,
        };
      if (a.create) {
        changes.push(exec('-o', 'new'));
        diff.push(`+ ${newPath} (new record)`);
      } else diff.push(`+ ${path} (created by the discovery step; settings then checked as below)`);
    }
    // A new record copies iscsid.conf; what it will hold is not known here, so every wanted key is set.
    const current = records.length ? records : [new Map<string, string>()];
    const targets = records.length ? paths : [newPath];
    const wanted: Record<string, unknown> = { ...a.settings };
    const shortcut = (key: string, value: string | undefined) => {
      if (value !== undefined && value !== '') wanted[key] = value;
    };
    shortcut('node.startup', a.startup);
    shortcut('node.session.timeo.replacement_timeout', a.replacement_timeout);
    shortcut('node.session.nr_sessions', a.nr_sessions);
    shortcut('node.session.queue_depth', a.queue_depth);
    if (a.chap_username) {
      shortcut('node.session.auth.authmethod', 'CHAP');
      shortcut('node.session.auth.username', a.chap_username);
      shortcut('node.session.auth.password', a.chap_password);
    }
    for (const [key, raw] of Object.entries(wanted)) {
      const value = String(raw);
      // `-o update` sets every record of (target, portal, iface); a secret is written into each file.
      const stale = current.map((r, i) => ({ r, path: targets[i] as string })).filter(({ r }) => r.get(key) !== value);
      if (!stale.length) continue;
      const secret = isSecretKey(key);
      if (secret) for (const { path: file } of stale) changes.push(secretUpdate(file, key, value));
      else changes.push(exec('-o', 'update', '-n', key, '-v', value));
      const was = (stale[0] as { r: Map<string, string> }).r.get(key);
      diff.push(`  ${key}: ${secret ? '********' : (was ?? '(unset)')} -> ${secret ? '********' : value}`);
    }
    if (a.login && !loggedIn) {
      // Exit 15 is "session already exists": success, not failure.
      changes.push({ ...exec('-l'), okCodes: [0, 15] });
      diff.push(`  login ${a.target} at ${a.portal} via ${a.iface}`);
    }
    if (!changes.length)
      return { changes, noop: `record and session for ${a.portal} via ${a.iface} are as wanted`, result };
    return { changes, diff: `${path}\n${diff.join('\n')}\n`, preview: diff.join('; ').trim(), result };
  },
});
