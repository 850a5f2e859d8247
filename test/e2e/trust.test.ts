/**
 * Issue 6, "Trust": host keys, authentication, secrets, injection, atomic writes, faults, bad input and data safety,
 * each proven through the real CLI against real sshd hosts (the namespace fleet).
 */
import { spawn } from 'node:child_process';
import { appendFile, copyFile, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { fingerprintOf, hostLookupName } from '../../src/connection/known-hosts.js';
import { describeNeeding } from '../support/prerequisites.js';
import { startNamespaceFleet } from '../target/namespace.js';
import type { Fleet } from '../target/types.js';
import {
  type CliResult,
  cliMissing,
  e2eUnavailable,
  recap,
  sshplay,
  startSshplay,
  tempDir,
  writeTemp,
} from './helpers.js';

const missing = e2eUnavailable();
/** No ssh-agent may log us in behind the test's back. */
const ENV = { SSH_AUTH_SOCK: '' };

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return sshplay(args, { env: { ...ENV, ...env }, timeoutMs: 240_000 });
}

const out = (r: CliResult) => r.stdout + r.stderr;

async function waitFor(what: string, ok: () => Promise<boolean> | boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The CLI as a child we can signal, with no ssh-agent. */
function spawnCli(args: string[]) {
  return startSshplay(args, ENV);
}

/** A TCP listener that accepts and never says a word, counting the connections it got. */
async function silentListener(address: string): Promise<{ server: Server; port: number; connections: () => number }> {
  let count = 0;
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    count++;
    sockets.push(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address, () => resolve());
  });
  server.on('close', () => {
    for (const s of sockets) s.destroy();
  });
  const port = (server.address() as { port: number }).port;
  return { server, port, connections: () => count };
}

describeNeeding(missing)('trust: host keys, secrets, injection, atomic writes, faults, bad input', () => {
  let fleet: Fleet;
  let dir: string;
  let inventory: string;
  /** Our own known_hosts (a copy of the fleet's), kept current when a test changes a host key. */
  let knownHosts: string;
  const kh = () => ['--known-hosts', knownHosts];

  beforeAll(async () => {
    fleet = await startNamespaceFleet({
      hosts: [
        { name: 'alpha', flavor: 'rhel8', groups: ['iser_hosts'] },
        { name: 'bravo', flavor: 'sles15', groups: ['iser_hosts'] },
        { name: 'charlie', flavor: 'rhel8', groups: ['outside'] },
      ],
    });
    dir = await tempDir('trust');
    inventory = await fleet.writeInventory({ file: `${dir}/hosts.yml` });
    knownHosts = join(dir, 'known_hosts');
    await copyFile(fleet.knownHostsFile, knownHosts);
  }, 300_000);
  afterAll(async () => {
    await fleet?.stop();
  });

  const PING = `
- hosts: all
  gather_facts: false
  tasks:
    - name: ping
      command: "true"
`;

  describe('host keys', () => {
    it('an unknown host is refused with its fingerprint and the ssh-keyscan command (exit 3)', async () => {
      const empty = join(dir, 'kh-empty');
      await writeFile(empty, '');
      const pb = await writeTemp(dir, 'ping.yml', PING);
      const r = await run(['run', pb, '-i', inventory, '--known-hosts', empty, '--limit', 'alpha']);
      expect(r.code, out(r)).toBe(3);
      const alpha = fleet.hosts.find((h) => h.name === 'alpha');
      const line = (await readFile(fleet.knownHostsFile, 'utf8'))
        .split('\n')
        .find((l) => l.startsWith(`[${alpha?.address}]:${alpha?.port} `) || l.startsWith(`${alpha?.address} `));
      const blob = Buffer.from(line?.split(/\s+/)[2] ?? '', 'base64');
      expect(out(r)).toContain('host key unknown');
      expect(out(r)).toContain(fingerprintOf(blob));
      expect(out(r)).toContain(`ssh-keyscan -p ${alpha?.port} ${alpha?.address} >> ${empty}`);
      expect(await readFile(empty, 'utf8')).toBe('');

      const accept = await run(['run', pb, '-i', inventory, '--known-hosts', empty, '--accept-new-host-keys']);
      expect(accept.code, out(accept)).toBe(0);
      expect((await readFile(empty, 'utf8')).trim().split('\n')).toHaveLength(3);
      // issue 17.7: the run says which keys it recorded
      expect(
        out(accept).match(/--accept-new-host-keys: recorded the new host key of \S+ \(ssh-ed25519 SHA256:/g),
      ).toHaveLength(3);
      const again = await run(['run', pb, '-i', inventory, '--known-hosts', empty]);
      expect(again.code, out(again)).toBe(0);
    });

    it('defaults to ~/.ssh/known_hosts (created, with ~/.ssh, on --accept-new-host-keys)', async () => {
      const home = await tempDir('home');
      const pb = await writeTemp(dir, 'ping.yml', PING);
      const refused = await run(['run', pb, '-i', inventory, '--limit', 'alpha'], { HOME: home });
      expect(refused.code, out(refused)).toBe(3);
      expect(out(refused)).toContain(`${home}/.ssh/known_hosts`);
      const accepted = await run(['run', pb, '-i', inventory, '--limit', 'alpha', '--accept-new-host-keys'], {
        HOME: home,
      });
      expect(accepted.code, out(accepted)).toBe(0);
      expect(await readFile(join(home, '.ssh/known_hosts'), 'utf8')).toMatch(
        /^(\[127\.[\d.]+\]:\d+|127\.[\d.]+) ssh-ed25519 /,
      );
      const again = await run(['run', pb, '-i', inventory, '--limit', 'alpha'], { HOME: home });
      expect(again.code, out(again)).toBe(0);
    });

    it('a host known under another key type only is a changed host, even with --accept-new-host-keys (issue 17.7)', async () => {
      const pb = await writeTemp(dir, 'ping.yml', PING);
      const alpha = fleet.hosts.find((h) => h.name === 'alpha');
      const lookup = hostLookupName(alpha?.address ?? '', alpha?.port ?? 22);
      // alpha pinned under an ecdsa key it does not have: it offers its ed25519 key
      const fakeEcdsa = Buffer.concat([
        Buffer.from([0, 0, 0, 19]),
        Buffer.from('ecdsa-sha2-nistp256'),
        Buffer.from([0, 0, 0, 8]),
        Buffer.from('nistp256'),
        Buffer.from([0, 0, 0, 65, 4]),
        Buffer.alloc(64, 7),
      ]);
      const pinned = join(dir, 'known_hosts_other_type');
      await writeFile(pinned, `${lookup} ecdsa-sha2-nistp256 ${fakeEcdsa.toString('base64')}\n`);
      const r = await run([
        'run',
        pb,
        '-i',
        inventory,
        '--limit',
        'alpha',
        '--known-hosts',
        pinned,
        '--accept-new-host-keys',
      ]);
      expect(r.code, out(r)).toBe(3);
      expect(out(r)).toContain('@@@ HOST KEY CHANGED @@@');
      expect(out(r)).toMatch(/offers only ssh-ed25519 SHA256:\S+, but .* knows it under ecdsa-sha2-nistp256/);
      expect(out(r)).not.toContain('recorded the new host key');
      expect((await readFile(pinned, 'utf8')).trim().split('\n')).toHaveLength(1);
    });

    it('a changed host key is always refused loudly; that host is unreachable, the others complete', async () => {
      const pb = await writeTemp(
        dir,
        'changed.yml',
        `
- hosts: all
  gather_facts: false
  tasks:
    - name: mark
      copy: { dest: /tmp/changed-key-run, content: "ran\\n" }
`,
      );
      await fleet.changeHostKey('charlie');
      try {
        for (const extra of [[], ['--accept-new-host-keys']]) {
          const r = await run(['run', pb, '-i', inventory, ...kh(), ...extra]);
          expect(r.code, out(r)).toBe(3);
          expect(out(r)).toContain('@@@ HOST KEY CHANGED @@@');
          expect(out(r)).toMatch(/charlie: .*Refusing to connect/);
          expect(recap(r.stdout).charlie).toMatchObject({ unreachable: 1 });
          expect(recap(r.stdout).alpha).toMatchObject({ failed: 0, unreachable: 0 });
          expect(await fleet.readFile('alpha', '/tmp/changed-key-run')).toBe('ran\n');
          expect(await fleet.readFile('charlie', '/tmp/changed-key-run')).toBeNull();
        }
        // --accept-new-host-keys must not have recorded the changed key.
        expect((await readFile(knownHosts, 'utf8')).trim().split('\n')).toHaveLength(3);
      } finally {
        // Trust charlie's new key from here on (the fleet's own known_hosts is not used by the later tests).
        const c = fleet.hosts.find((h) => h.name === 'charlie');
        const scan = await fleet.exec('charlie', 'cat /etc/ssh/ssh_host_ed25519_key.pub');
        const key = scan.stdout.trim().split(/\s+/).slice(0, 2).join(' ');
        await appendFile(knownHosts, `${hostLookupName(c?.address ?? '', c?.port ?? 22)} ${key}\n`);
      }
    });
  });

  describe('authentication', () => {
    it('a host that refuses authentication: clear error, exit 3, the others complete', async () => {
      const pb = await writeTemp(
        dir,
        'auth.yml',
        `
- hosts: all
  gather_facts: false
  tasks:
    - copy: { dest: /tmp/auth-run, content: "ran\\n" }
`,
      );
      await fleet.refuseLogins('bravo', true);
      try {
        const r = await run(['run', pb, '-i', inventory, ...kh()]);
        expect(r.code, out(r)).toBe(3);
        expect(out(r)).toMatch(/bravo: authentication failed for root@\S+: tried publickey \(\S+\)/);
        expect(recap(r.stdout).bravo).toMatchObject({ unreachable: 1 });
        for (const h of ['alpha', 'charlie'])
          expect(await fleet.readFile(h, '/tmp/auth-run'), `${h}: ${out(r)}`).toBe('ran\n');
      } finally {
        await fleet.refuseLogins('bravo', false);
      }
    });

    it('a passphrase-protected key works with SSHPLAY_KEY_PASSPHRASE, and fails clearly without it', async () => {
      const key = join(dir, 'id_protected');
      const pass = 'pass phrase $(x) 1';
      await new Promise<void>((resolve, reject) =>
        spawn('ssh-keygen', ['-q', '-t', 'ed25519', '-N', pass, '-f', key], { stdio: 'ignore' }).on('close', (c) =>
          c === 0 ? resolve() : reject(new Error(`ssh-keygen exit ${c}`)),
        ),
      );
      const pub = (await readFile(`${key}.pub`, 'utf8')).trim();
      await fleet.exec('alpha', `echo '${pub}' >> /root/.ssh/authorized_keys`);
      const inv = await fleet.writeInventory({
        file: `${dir}/protected.yml`,
        extraHostVars: { alpha: { ansible_ssh_private_key_file: key } },
      });
      const pb = await writeTemp(dir, 'ping.yml', PING);
      const ok = await run(['run', pb, '-i', inv, ...kh(), '--limit', 'alpha'], { SSHPLAY_KEY_PASSPHRASE: pass });
      expect(ok.code, out(ok)).toBe(0);
      expect(out(ok)).not.toContain(pass);
      const wrong = await run(['run', pb, '-i', inv, ...kh(), '--limit', 'alpha'], { SSHPLAY_KEY_PASSPHRASE: 'nope' });
      expect(wrong.code, out(wrong)).toBe(3);
      expect(out(wrong)).toMatch(/alpha: .*(passphrase|decrypt)/i);
      const none = await run(['run', pb, '-i', inv, ...kh(), '--limit', 'alpha'], { SSHPLAY_KEY_PASSPHRASE: '' });
      expect(none.code, out(none)).toBe(3);
      expect(out(none)).toMatch(/alpha: .*passphrase/i);
    });

    it('ansible_password never appears in output, console or --json', async () => {
      const pw = 'Bogus-Pw-4711';
      const inv = await fleet.writeInventory({
        file: `${dir}/password.yml`,
        extraHostVars: { alpha: { ansible_password: pw } },
      });
      const pb = await writeTemp(
        dir,
        'pb-password.yml',
        `
- hosts: alpha
  gather_facts: false
  tasks:
    - name: print it
      debug: { msg: "the password is {{ ansible_password }}" }
    - name: echo it
      command: echo "{{ ansible_password }}"
`,
      );
      for (const extra of [['-vvv'], ['--json']]) {
        const r = await run(['run', pb, '-i', inv, ...kh(), ...extra]);
        expect(r.code, out(r)).toBe(0);
        expect(out(r)).not.toContain(pw);
        expect(out(r)).toContain('the password is ********');
      }
    });
  });

  describe('secrets', () => {
    it('no_log hides a task in the console (even -vvv) and in --json', async () => {
      const pb = await writeTemp(
        dir,
        'nolog.yml',
        `
- hosts: alpha
  gather_facts: false
  tasks:
    - name: hidden
      command: echo top-nolog-secret
      no_log: true
    - name: hidden failure
      command: sh -c "echo top-nolog-secret; exit 3"
      no_log: true
      ignore_errors: true
    - name: hidden debug
      debug: { msg: "top-nolog-secret" }
      no_log: true
`,
      );
      for (const extra of [['-vvv', '--diff'], ['--json']]) {
        const r = await run(['run', pb, '-i', inventory, ...kh(), ...extra]);
        expect(r.code, out(r)).toBe(0);
        expect(out(r)).toContain('hidden');
        expect(out(r)).not.toContain('top-nolog-secret');
      }
    });

    it('the iser_chap password never appears in output, diffs, --json, or any process argv on the host', async () => {
      const secret = 'S3cretPW!';
      const inv = await fleet.writeInventory({
        file: `${dir}/chap.yml`,
        groupVars: { iser_chap: { username: 'chapuser', password: secret } },
      });
      const iser = (...extra: string[]) =>
        run(['run', 'playbooks/iser.yml', '-i', inv, ...kh(), '--limit', 'alpha', ...extra]);
      const check = await iser('--check', '--diff', '-vv');
      expect(check.code, out(check).slice(-3000)).toBe(0);
      expect(out(check)).toContain('node.session.auth.password');
      expect(out(check)).not.toContain(secret);
      const real = await iser('--json', '--diff', '-vv');
      expect(real.code, out(real).slice(-3000)).toBe(0);
      expect(out(real)).not.toContain(secret);
      const again = await iser('--diff', '-vvv');
      expect(again.code, out(again).slice(-3000)).toBe(0);
      expect(out(again)).not.toContain(secret);
      // It did reach the host (iscsid.conf and the node records), but never through a process's argv.
      expect(await fleet.readFile('alpha', '/etc/iscsi/iscsid.conf')).toContain(secret);
      const calls = await fleet.calls('alpha');
      expect(calls.some((l) => /iscsiadm .*-m node/.test(l))).toBe(true);
      expect(calls.filter((l) => l.includes(secret))).toEqual([]);
      expect(calls.filter((l) => l.includes('S3cretPW'))).toEqual([]);
    });
  });

  describe('injection', () => {
    const HOSTILE = [
      '; rm -rf /tmp/inj-x',
      '$(touch /tmp/pwned-1)',
      '`touch /tmp/pwned-2`',
      "' ; touch /tmp/pwned-3 ; '",
      '" ; touch /tmp/pwned-4 ; "',
      'a\ntouch /tmp/pwned-5',
      '&& touch /tmp/pwned-6 || \\',
      '{{ lookup }} %s $HOME *',
    ];
    const MARKERS = ['/tmp/pwned-1', '/tmp/pwned-2', '/tmp/pwned-3', '/tmp/pwned-4', '/tmp/pwned-5', '/tmp/pwned-6'];

    it('hostile -e and inventory values reach command, shell, copy and lineinfile literally, never as code', async () => {
      await fleet.exec('alpha', 'mkdir -p /tmp/inj-x && touch /tmp/inj-x/keep');
      const inv = await fleet.writeInventory({
        file: `${dir}/hostile.yml`,
        extraHostVars: { alpha: { inv_evil: '$(touch /tmp/pwned-inv); `touch /tmp/pwned-inv2`' } },
      });
      const tasks = HOSTILE.flatMap((_, i) => [
        { name: `shell ${i}`, shell: `printf '%s' {{ evil${i} }} > /tmp/inj-shell-${i}` },
        { name: `command ${i}`, command: `printf %s {{ evil${i} }}`, register: `c${i}` },
        { name: `copy ${i}`, copy: { dest: `/tmp/inj-cmd-${i}`, content: `{{ c${i}.stdout }}` } },
        {
          name: `lineinfile ${i}`,
          lineinfile: { path: `/tmp/inj-line-${i}`, line: `v={{ evil${i} }}`, regexp: '^v=', create: true },
        },
      ]);
      tasks.push(
        { name: 'shell inventory', shell: 'echo {{ inv_evil }} > /tmp/inj-inv' },
        { name: 'command inventory', command: 'printf %s {{ inv_evil }}', register: 'ci' } as never,
        { name: 'copy inventory', copy: { dest: '/tmp/inj-cmd-inv', content: '{{ ci.stdout }}' } } as never,
      );
      const pb = await writeTemp(dir, 'pb-hostile.yml', stringify([{ hosts: 'alpha', gather_facts: false, tasks }]));
      const extra = Object.fromEntries(HOSTILE.map((v, i) => [`evil${i}`, v]));
      const r = await run(['run', pb, '-i', inv, ...kh(), '-e', JSON.stringify(extra)]);
      expect(r.code, out(r)).toBe(0);
      for (const [i, v] of HOSTILE.entries()) {
        expect(await fleet.readFile('alpha', `/tmp/inj-shell-${i}`), `shell ${i}`).toBe(v);
        expect(await fleet.readFile('alpha', `/tmp/inj-cmd-${i}`), `command ${i}`).toBe(v);
        expect(await fleet.readFile('alpha', `/tmp/inj-line-${i}`), `lineinfile ${i}`).toContain(`v=${v}`);
      }
      expect(await fleet.readFile('alpha', '/tmp/inj-inv')).toBe('$(touch /tmp/pwned-inv); `touch /tmp/pwned-inv2`\n');
      expect(await fleet.readFile('alpha', '/tmp/inj-cmd-inv')).toBe(
        '$(touch /tmp/pwned-inv); `touch /tmp/pwned-inv2`',
      );
      for (const m of [...MARKERS, '/tmp/pwned-inv', '/tmp/pwned-inv2'])
        expect((await fleet.exec('alpha', `test -e ${m}`)).code, m).not.toBe(0);
      expect(await fleet.readFile('alpha', '/tmp/inj-x/keep')).toBe('');
    });
  });

  describe('writes', () => {
    it('keep mode and owner, and backup: true leaves <path>.<stamp>.bak', async () => {
      await fleet.exec(
        'bravo',
        "printf 'old\\n' > /etc/kept.conf && chown 65534:65534 /etc/kept.conf && chmod 0604 /etc/kept.conf",
      );
      const pb = await writeTemp(
        dir,
        'kept.yml',
        `
- hosts: bravo
  gather_facts: false
  tasks:
    - copy: { dest: /etc/kept.conf, content: "new\\n", backup: true }
`,
      );
      const r = await run(['run', pb, '-i', inventory, ...kh()]);
      expect(r.code, out(r)).toBe(0);
      expect(await fleet.readFile('bravo', '/etc/kept.conf')).toBe('new\n');
      expect((await fleet.exec('bravo', 'stat -c "%a %u %g" /etc/kept.conf')).stdout.trim()).toBe('604 65534 65534');
      const bak = (await fleet.exec('bravo', 'ls /etc')).stdout.split('\n').filter((f) => f.startsWith('kept.conf.'));
      expect(bak).toHaveLength(1);
      expect(bak[0]).toMatch(/^kept\.conf\.\d{8}T\d{6}\.bak$/);
      expect(await fleet.readFile('bravo', `/etc/${bak[0]}`)).toBe('old\n');
      expect((await fleet.exec('bravo', 'ls -a /etc')).stdout).not.toContain('.sshplay-');
    });

    it('sshd killed in the middle of a large write: the target is the old file or the new one, never part of one; the others finish', async () => {
      const big = join(dir, 'big.bin');
      const content = Buffer.alloc(96 * 1024 * 1024, 'n');
      await writeFile(big, content);
      await fleet.exec('bravo', "mkdir -p /srv/atomic && printf 'old\\n' > /srv/atomic/big.bin");
      await fleet.exec('alpha', 'mkdir -p /srv/atomic');
      const pb = await writeTemp(
        dir,
        'big.yml',
        `
- hosts: alpha:bravo
  gather_facts: false
  tasks:
    - name: large file
      copy: { src: ${big}, dest: /srv/atomic/big.bin, mode: "0600" }
    - name: after
      copy: { dest: /tmp/after-big, content: "done\\n" }
`,
      );
      const t0 = Date.now();
      const cli = spawnCli(['run', pb, '-i', inventory, ...kh()]);
      let killed = false;
      try {
        await waitFor('the temporary file on bravo', async () => {
          const ls = await fleet.exec('bravo', 'ls -a /srv/atomic');
          return ls.stdout.includes('.sshplay-');
        });
        await fleet.stopHost('bravo');
        killed = true;
      } finally {
        if (!killed) cli.child.kill('SIGKILL');
      }
      const r = await cli.done;
      expect(Date.now() - t0, 'the run ends soon after the host dies').toBeLessThan(60_000);
      await fleet.startHost('bravo');
      expect(r.code, out(r)).toBe(3);
      expect(recap(r.stdout).bravo).toMatchObject({ unreachable: 1 });
      expect(out(r)).toMatch(/bravo: /);
      expect(recap(r.stdout).alpha).toMatchObject({ failed: 0, unreachable: 0 });
      expect(await fleet.readFile('alpha', '/tmp/after-big')).toBe('done\n');
      const size = (await fleet.exec('alpha', 'stat -c %s /srv/atomic/big.bin')).stdout.trim();
      expect(Number(size)).toBe(content.length);
      // bravo: the target is whole, old or new; a leftover temporary file is never the target.
      const target = (await fleet.exec('bravo', 'stat -c %s /srv/atomic/big.bin')).stdout.trim();
      if (target !== String(content.length)) expect(await fleet.readFile('bravo', '/srv/atomic/big.bin')).toBe('old\n');
      else expect((await fleet.exec('bravo', 'tr -d n < /srv/atomic/big.bin | wc -c')).stdout.trim()).toBe('0');
      const left = (await fleet.exec('bravo', 'ls -a /srv/atomic')).stdout.split('\n').filter(Boolean);
      for (const f of left) expect(['.', '..', 'big.bin'].includes(f) || f.startsWith('.big.bin.sshplay-')).toBe(true);
      expect(await fleet.readFile('bravo', '/tmp/after-big')).toBeNull();
    }, 300_000);
  });

  describe('faults', () => {
    it('a host that never answers: connect timeout with --timeout 2, exit 3, the message says timeout', async () => {
      const silent = await silentListener('127.0.0.77');
      try {
        const inv = await fleet.writeInventory({
          file: `${dir}/silent.yml`,
          extraHostVars: { charlie: { ansible_host: '127.0.0.77', ansible_port: silent.port } },
        });
        const pb = await writeTemp(dir, 'ping.yml', PING);
        const started = Date.now();
        const r = await run(['run', pb, '-i', inv, ...kh(), '--limit', 'alpha:charlie', '--timeout', '2']);
        expect(Date.now() - started).toBeLessThan(30_000);
        expect(r.code, out(r)).toBe(3);
        expect(silent.connections()).toBeGreaterThan(0);
        expect(out(r)).toMatch(/charlie: .*timeout/i);
        expect(recap(r.stdout).charlie).toMatchObject({ unreachable: 1 });
        expect(recap(r.stdout).alpha).toMatchObject({ failed: 0, unreachable: 0 });
      } finally {
        silent.server.close();
      }
    });

    it('a long command (sleep 20) finishes over a kept-alive connection', async () => {
      const pb = await writeTemp(
        dir,
        'long.yml',
        `
- hosts: alpha
  gather_facts: false
  tasks:
    - command: sleep 20
    - copy: { dest: /tmp/after-sleep, content: "ok\\n" }
`,
      );
      const r = await run(['run', pb, '-i', inventory, ...kh()]);
      expect(r.code, out(r)).toBe(0);
      expect(await fleet.readFile('alpha', '/tmp/after-sleep')).toBe('ok\n');
    }, 120_000);

    it('Ctrl-C: no new task starts, the recap prints, exit 99', async () => {
      const pb = await writeTemp(
        dir,
        'sigint.yml',
        `
- hosts: alpha:bravo
  gather_facts: false
  tasks:
    - name: slow step
      command: sleep 4
    - name: next step
      copy: { dest: /tmp/after-sigint, content: "started\\n" }
`,
      );
      const cli = spawnCli(['run', pb, '-i', inventory, ...kh()]);
      await waitFor('sleep 4 running on alpha', async () => (await fleet.exec('alpha', 'pgrep -x sleep')).code === 0);
      cli.child.kill('SIGINT');
      const r = await cli.done;
      expect(r.code, out(r)).toBe(99);
      expect(r.stderr).toContain('Interrupted');
      expect(r.stdout).toContain('PLAY RECAP');
      for (const h of ['alpha', 'bravo']) expect(await fleet.readFile(h, '/tmp/after-sigint')).toBeNull();
    });
  });

  describe('bad input fails before any host is touched', () => {
    let silent: Awaited<ReturnType<typeof silentListener>>;
    let nowhere: string;
    beforeAll(async () => {
      // Every host of this inventory is a listener that counts connections: a config error must make none.
      silent = await silentListener('127.0.0.78');
      nowhere = await writeTemp(
        dir,
        'nowhere.yml',
        stringify({
          all: {
            vars: { ansible_user: 'root', ansible_host: '127.0.0.78', ansible_port: silent.port },
            hosts: { n1: {}, n2: {} },
          },
        }),
      );
    });
    afterAll(() => {
      silent?.server.close();
    });

    async function rejected(playbook: string, extra: string[] = [], inv = nowhere): Promise<CliResult> {
      const pb = await writeTemp(dir, 'bad.yml', playbook);
      const before = silent.connections();
      const r = await run(['run', pb, '-i', inv, ...kh(), '--timeout', '2', ...extra]);
      expect(silent.connections(), 'connections made').toBe(before);
      expect(r.stdout).not.toContain('PLAY RECAP');
      expect(r.stderr).not.toContain('INTERNAL ERROR');
      return r;
    }

    it('malformed YAML: file:line:column and the offending line', async () => {
      const r = await rejected('- hosts: all\n  tasks:\n    - name: x\n      command: [echo, "unterminated\n');
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(/bad\.yml:\d+:\d+/);
      expect(r.stderr).toMatch(/bad\.yml:4:\d+: YAML syntax error/);
      expect(r.stderr).toContain('\n          command: [echo, "unterminated');
    });

    it('unknown module and unknown option: the valid ones and the closest name', async () => {
      const mod = await rejected('- hosts: all\n  tasks:\n    - name: x\n      lineinfle: { path: /tmp/a, line: b }\n');
      expect(mod.code).toBe(4);
      expect(mod.stderr).toMatch(/bad\.yml:4/);
      expect(mod.stderr).toContain('lineinfile');
      const opt = await rejected('- hosts: all\n  tasks:\n    - name: x\n      copy: { dest: /tmp/a, contnet: b }\n');
      expect(opt.code).toBe(4);
      expect(opt.stderr).toContain('contnet');
      expect(opt.stderr).toContain('content');
      expect(opt.stderr).toMatch(/dest/);
    });

    it('wrong types', async () => {
      const r = await rejected(
        '- hosts: all\n  tasks:\n    - name: x\n      copy: { dest: [1, 2], content: b, backup: maybe }\n',
      );
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(/bad\.yml:\d+/);
      expect(r.stderr).toMatch(/dest|backup/);
      const tasks = await rejected('- hosts: all\n  tasks: {name: x}\n');
      expect(tasks.code).toBe(4);
      expect(tasks.stderr).toContain('tasks');
    });

    it('template errors name the template file and line; undefined variables name the variable, task and host', async () => {
      // Variables come from facts and earlier tasks, so these are found per host at run time: the task fails
      // before it does anything, and nothing on the host changes.
      const tpl = await writeTemp(dir, 'bad.conf.j2', 'line one\nline two {{ x \nline three\n');
      const pb = await writeTemp(
        dir,
        'pb-runtime-errors.yml',
        `
- hosts: alpha
  gather_facts: false
  tasks:
    - name: broken template
      template: { src: ${tpl}, dest: /tmp/tpl-out }
      ignore_errors: true
    - name: say it
      copy: { dest: /tmp/undef-out, content: "{{ no_such_var }}" }
`,
      );
      // Connecting gathers what the engine plans from (os-release, uname, and whether NetworkManager is in use:
      // `systemctl is-active/is-enabled`), gather_facts or not; those reads are not changes.
      const changing = async () =>
        (await fleet.calls('alpha')).filter((line) => !/ systemctl (is-active|is-enabled) /.test(line));
      const before = await changing();
      const r = await run(['run', pb, '-i', inventory, ...kh()]);
      expect(r.code, out(r)).toBe(2);
      expect(r.stderr).not.toContain('INTERNAL ERROR');
      expect(out(r)).toMatch(/bad\.conf\.j2:\d+: template syntax error/);
      expect(out(r)).toMatch(/alpha.*say it|say it.*alpha/s);
      expect(out(r)).toContain('no_such_var');
      expect(await changing()).toEqual(before);
      expect(await fleet.readFile('alpha', '/tmp/tpl-out')).toBeNull();
      expect(await fleet.readFile('alpha', '/tmp/undef-out')).toBeNull();
    });

    it('an inventory that does not parse; a --limit that matches nothing', async () => {
      const inv = await writeTemp(dir, 'broken-inv.yml', 'all:\n  hosts:\n    a: {ansible_host: [\n');
      const r = await rejected(PING, [], inv);
      expect(r.code).toBe(4);
      expect(r.stderr).toContain('broken-inv.yml:');
      const limit = await rejected(PING, ['--limit', 'no-such-host']);
      expect(limit.code).toBe(5);
      expect(limit.stderr).toContain("--limit 'no-such-host' matches no host");
    });

    it('random documents through the CLI: exit 4 with a message, never a crash', async () => {
      const docs = fc.sample(
        fc.oneof(
          fc.string({ maxLength: 40 }).map((s) => `- hosts: all\n  tasks: ${s}\n`),
          fc
            .dictionary(fc.constantFrom('hosts', 'tasks', 'vars', 'name', 'x'), fc.jsonValue({ maxDepth: 2 }))
            .map((d) => stringify([d])),
          fc.string({ maxLength: 60 }).map((s) => `- hosts: all\n  tasks:\n    - ${s}: {${s}\n`),
        ),
        { numRuns: 6, seed: 6 },
      );
      for (const doc of docs) {
        const r = await rejected(`${doc}\n- hosts: [oops\n`);
        expect(r.code, doc).toBe(4);
        expect(r.stderr, doc).toMatch(/^ERROR: \S/);
      }
    });
  });

  describe('data safety', () => {
    it('a LUN holding a filesystem is never relabelled or formatted; its data survives', async () => {
      const bravo = fleet.hosts.find((h) => h.name === 'bravo');
      const dev = `/dev/mapper/${bravo?.lunWwid}`;
      // the LUN already holds data (written by another host): its multipath device only appears after login,
      // so the filesystem goes onto the backing device the simulated LUN is made of
      const mk = await fleet.exec(
        'bravo',
        '. /etc/sim/host.conf && mkfs.ext4 -q -F "$SIM_LUN_DEVICE" && mkdir -p /mnt/precious && mount "$SIM_LUN_DEVICE" /mnt/precious && echo keep-me > /mnt/precious/data.txt && umount /mnt/precious',
      );
      expect(mk.code, mk.stderr).toBe(0);
      const r = await run(['run', 'playbooks/iser.yml', '-i', inventory, ...kh(), '--limit', 'bravo']);
      expect(r.code, out(r).slice(-3000)).toBe(2);
      expect(out(r)).toMatch(/refusing to (label|format)/);
      const calls = await fleet.calls('bravo');
      expect(calls.filter((l) => /\b(parted|mkfs\S*)\b/.test(l) && l.includes(dev))).toEqual([]);
      const check = await fleet.exec(
        'bravo',
        `mount ${dev} /mnt/precious && cat /mnt/precious/data.txt; umount /mnt/precious`,
      );
      expect(check.stdout).toBe('keep-me\n');
    });
  });
});

/**
 * Issue 17.8: the retry hint must never turn a preview into a change. Runs the CLI against the controller
 * itself (`ansible_connection: local`), so no fleet is needed.
 */
describeNeeding(cliMissing())('the retry file and its hint (issue 17.8)', () => {
  let dir: string;
  let inventory: string;
  const runIn = (cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
    sshplay(args, { cwd, env: { ...ENV, ANSIBLE_CONFIG: join(dir, 'ansible.cfg'), ...env }, timeoutMs: 120_000 });

  beforeAll(async () => {
    dir = await tempDir('trust-retry');
    // this run's own ansible.cfg (an empty one), whatever the machine has
    await writeTemp(dir, 'ansible.cfg', '[defaults]\n');
    inventory = await writeTemp(
      dir,
      'hosts.yml',
      stringify({ all: { hosts: { one: {}, two: {}, three: {} }, vars: { ansible_connection: 'local' } } }),
    );
  });

  it('--check: the hint is only the --limit option, never a command without --check', async () => {
    const pb = await writeTemp(
      dir,
      'fail-one.yml',
      "- hosts: all\n  gather_facts: false\n  tasks:\n    - fail: { msg: no }\n      when: inventory_hostname == 'two'\n",
    );
    const r = await runIn(dir, ['run', pb, '-i', inventory, '--check', '-e', 'x=1']);
    expect(r.code, out(r)).toBe(2);
    expect(r.stderr).toContain('run the same command again with: --limit @fail-one.retry');
    expect(out(r)).not.toMatch(/sshplay run \S+/);
    expect(await readFile(join(dir, 'fail-one.retry'), 'utf8')).toBe('two\n');
  });

  it('any_errors_fatal: the hosts it stopped are in the retry file too', async () => {
    const pb = await writeTemp(
      dir,
      'fatal.yml',
      "- hosts: all\n  gather_facts: false\n  any_errors_fatal: true\n  serial: 2\n  tasks:\n    - fail: { msg: no }\n      when: inventory_hostname == 'one'\n    - debug: { msg: next }\n",
    );
    const r = await runIn(dir, ['run', pb, '-i', inventory]);
    expect(r.code, out(r)).toBe(2);
    expect((await readFile(join(dir, 'fatal.retry'), 'utf8')).split('\n').filter(Boolean).sort()).toEqual([
      'one',
      'three',
      'two',
    ]);
  });

  it('retry_files_enabled = False in ansible.cfg: no retry file, no hint', async () => {
    const cfgDir = await tempDir('trust-retry-cfg');
    await writeTemp(cfgDir, 'ansible.cfg', '[defaults]\nretry_files_enabled = False\n');
    const pb = await writeTemp(
      cfgDir,
      'off.yml',
      '- hosts: all\n  gather_facts: false\n  tasks:\n    - fail: { msg: no }\n',
    );
    const r = await runIn(cfgDir, ['run', pb, '-i', inventory], { ANSIBLE_CONFIG: join(cfgDir, 'ansible.cfg') });
    expect(r.code, out(r)).toBe(2);
    expect(out(r)).toContain('failed=1');
    expect(out(r)).not.toContain('--limit @');
    await expect(readFile(join(cfgDir, 'off.retry'), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
