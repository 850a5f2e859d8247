/**
 * The namespace test target itself: real sshd per host reached with the real ssh client, isolation of
 * the hosts from each other and from the machine, the fault controls, reset, and cleanup (processes,
 * mounts, loop devices) on stop(), on the owner's exit or signal, after a SIGKILL, and by the CLI.
 * Also the shared inventory generator (no root needed). Start/stop times: bench/fleet-startup.ts.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { describeNeeding } from '../support/prerequisites.js';
import { inventoryYaml } from '../target/inventory.js';
import { DEFAULT_ARRAY, defaultFleetSpec, reapOrphanFleets, startNamespaceFleet } from '../target/namespace.js';
import type { Fleet, SimHost } from '../target/types.js';
import { namespaceFleetMissing } from './helpers.js';

const ROOT = join(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/test/target/cli.js');
const DIST_NAMESPACE = join(ROOT, 'dist/test/target/namespace.js');

const missing = namespaceFleetMissing();
const builtMissing = (file: string) => (existsSync(file) ? null : `the build (${file}); run npm run build`);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function sh(cmd: string, args: string[], timeout = 60_000): Promise<Run> {
  return new Promise((done) => {
    execFile(cmd, args, { timeout, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** The real OpenSSH client, strict about the fleet's known_hosts, key-only. */
function ssh(fleet: Fleet, host: SimHost, command: string): Promise<Run> {
  return sh('ssh', [
    '-F',
    '/dev/null',
    '-i',
    fleet.privateKeyFile,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    `UserKnownHostsFile=${fleet.knownHostsFile}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=10',
    '-o',
    'LogLevel=ERROR',
    '-p',
    String(host.port),
    `root@${host.address}`,
    command,
  ]);
}

interface Snapshot {
  pids: number[];
  namespaces: string[];
  loops: string[];
}

/** What the fleet holds on the machine, from its state file. */
function snapshot(dir: string): Snapshot {
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as {
    hosts: { initPid: number | null; pidNs: string | null; loop: string | null }[];
  };
  return {
    pids: state.hosts.flatMap((h) => (h.initPid ? [h.initPid] : [])),
    namespaces: state.hosts.flatMap((h) => (h.pidNs ? [h.pidNs] : [])),
    loops: state.hosts.flatMap((h) => (h.loop ? [h.loop] : [])),
  };
}

/** Live processes of these PID namespaces (a zombie waiting for its parent outside to reap it runs nothing). */
function processesIn(namespaces: string[]): number[] {
  const want = new Set(namespaces);
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        if (!want.has(readlinkSync(`/proc/${e}/ns/pid`))) return false;
        const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Nothing of the fleet is left: no process of its namespaces, no mount, no loop device, no folder. */
async function expectGone(dir: string, snap: Snapshot): Promise<void> {
  expect(processesIn(snap.namespaces)).toEqual([]);
  for (const pid of snap.pids)
    expect(existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ')).toBe(false);
  expect(readFileSync('/proc/mounts', 'utf8')).not.toContain(dir);
  const losetup = await sh('losetup', ['-a']);
  expect(losetup.stdout).not.toContain(dir);
  expect(existsSync(dir)).toBe(false);
}

// ---------------------------------------------------------------------------------------------------

describe('inventory generator', () => {
  const hosts = [
    { name: 'a', flavor: 'rhel8' as const, groups: ['iser_hosts'] },
    { name: 'b', flavor: 'sles15' as const, groups: ['iser_hosts', 'web'] },
    { name: 'c', flavor: 'ubuntu22' as const, groups: ['outside'] },
  ].map((s, index) => ({
    ...s,
    address: `127.0.1.${index + 1}`,
    port: 22,
    initiatorIqn: `iqn.x:${index}`,
    guids: ['0x1', '0x2'] as [string, string],
    lunWwid: `3${String(index).padStart(32, '0')}`,
    index,
  }));

  it('writes the connection and iSER variables, groups per flavor family and flavor, each host defined once', () => {
    const text = inventoryYaml(hosts, DEFAULT_ARRAY, '/k/id', {
      groupVars: { iser_discovery: 'manual', opensm_port_priorities: [7, 3] },
      extraHostVars: { b: { ansible_port: 2222, foo: 1 } },
      comment: 'test',
    });
    expect(text.startsWith('# test\n')).toBe(true);
    const inv = parse(text);
    expect(inv.all.vars).toEqual({ ansible_user: 'root', ansible_ssh_private_key_file: '/k/id' });
    const c = inv.all.children;
    expect(c.iser_hosts.vars).toEqual({
      iser_target_iqn: DEFAULT_ARRAY.targetIqn,
      iser_target_portals: [
        { address: '192.168.130.101', iface: 'iface-ib0' },
        { address: '192.168.130.102', iface: 'iface-ib0' },
        { address: '192.168.131.101', iface: 'iface-ib1' },
        { address: '192.168.131.102', iface: 'iface-ib1' },
      ],
      opensm_port_priorities: [7, 3],
      iser_discovery: 'manual',
    });
    expect(c.iser_hosts.hosts.a).toEqual({
      ansible_host: '127.0.1.1',
      ansible_port: 22,
      ipoib_interfaces: [
        { name: 'ib0', address: '192.168.130.11/24' },
        { name: 'ib1', address: '192.168.131.11/24' },
      ],
      iser_luns: [{ wwid: hosts[0]?.lunWwid, mountpoint: '/mnt/iser', fstype: 'ext4' }],
    });
    expect(c.iser_hosts.hosts.b).toMatchObject({ ansible_host: '127.0.1.2', ansible_port: 2222, foo: 1 });
    expect(c.web.hosts).toEqual({ b: {} });
    expect(c.outside.hosts.c).toMatchObject({ ansible_host: '127.0.1.3' });
    expect(Object.keys(c.rhel.hosts)).toEqual(['a']);
    expect(Object.keys(c.sles.hosts)).toEqual(['b']);
    expect(Object.keys(c.ubuntu.hosts)).toEqual(['c']);
    expect(c.rhel8.hosts).toEqual({ a: {} });
    expect(c.ubuntu.hosts).toEqual({ c: {} });
    expect(Object.keys(c.iser_hosts.hosts)).toEqual(['a', 'b']);
  });

  it('leaves iser_luns out on request and always has an iser_hosts group', () => {
    const inv = parse(inventoryYaml([hosts[2] as SimHost], DEFAULT_ARRAY, 'id', { lun: false }));
    expect(inv.all.children.iser_hosts.hosts).toEqual({});
    expect(inv.all.children.ubuntu.hosts.c.iser_luns).toBeUndefined();
    expect(inv.all.vars.ansible_ssh_private_key_file).toMatch(/^\/.*\/id$/);
  });

  it('default fleet: 5 iSER hosts alternating rhel8/sles15 and an outsider', () => {
    expect(defaultFleetSpec().map((s) => `${s.name}:${s.flavor}:${s.groups?.join(',')}`)).toEqual([
      'host1:rhel8:iser_hosts',
      'host2:sles15:iser_hosts',
      'host3:rhel8:iser_hosts',
      'host4:sles15:iser_hosts',
      'host5:rhel8:iser_hosts',
      'outsider:rhel8:outside',
    ]);
  });
});

describeNeeding(missing)('namespace target: a fleet of 3', () => {
  let fleet: Fleet;
  let h1: SimHost;
  let h2: SimHost;
  let out: SimHost;
  const marker = `/root/sshplay-target-test-${randomBytes(4).toString('hex')}`;
  // Files planted on the controller before the fleet starts: a host must see none of them.
  const leaks = [
    `/etc/sshplay-leak-${randomBytes(4).toString('hex')}`,
    `/usr/local/bin/sshplay-leak-${randomBytes(4).toString('hex')}`,
  ];

  beforeAll(async () => {
    for (const f of leaks) writeFileSync(f, "the controller's own file\n");
    fleet = await startNamespaceFleet({
      hosts: [
        { name: 'host1', flavor: 'rhel8', groups: ['iser_hosts'] },
        { name: 'host2', flavor: 'sles15', groups: ['iser_hosts'] },
        { name: 'outsider', flavor: 'rhel8', groups: ['outside'] },
      ],
    });
    [h1, h2, out] = fleet.hosts as [SimHost, SimHost, SimHost];
  });
  afterAll(async () => {
    for (const f of leaks) rmSync(f, { force: true });
    await fleet?.stop();
  });

  it("nothing of the controller's own system shows through: its files, tools, iSCSI and network config", async () => {
    for (const f of leaks) {
      expect(existsSync(f), `planted on the controller: ${f}`).toBe(true);
      expect(await fleet.readFile('host1', f), f).toBeNull();
      const r = await ssh(fleet, h1, `test -e ${f} && echo LEAKED || echo absent`);
      expect(r.stdout, f).toBe('absent\n');
    }
    // The host's root is the Debian root of test/target/rootfs/build.sh, whatever the controller runs.
    expect(await fleet.readFile('host1', '/.sshplay-rootfs')).toMatch(
      /^sshplay simulated hosts root: debootstrap bookworm/,
    );
    // iscsid.conf is the flavour's (sim/files/iscsid.conf, mode 600), never the controller's open-iscsi one.
    const mode = await ssh(
      fleet,
      h1,
      'stat -c %a /etc/iscsi/iscsid.conf; grep -c "^iscsid.startup" /etc/iscsi/iscsid.conf',
    );
    expect(mode.stdout).toBe('600\n1\n');
    expect(await fleet.readFile('host1', '/etc/multipath.conf')).toBeNull();
  });

  it('describes its hosts: addresses, identities, known_hosts', () => {
    expect(fleet.kind).toBe('namespace');
    expect(fleet.hosts.map((h) => h.address)).toEqual([1, 2, 3].map((i) => h1.address.replace(/\.1$/, `.${i}`)));
    expect(h1.address).toMatch(/^127\.0\.\d+\.1$/);
    expect(h1.initiatorIqn).toMatch(/^iqn\.1994-05\.com\.redhat:[0-9a-f]{12}$/);
    expect(h2.initiatorIqn).toMatch(/^iqn\.1996-04\.de\.suse:01:[0-9a-f]{12}$/);
    expect(h1.guids).toEqual(['0x248a070300a80a80', '0x248a070300a80a81']);
    expect(h2.guids).toEqual(['0x248a070300a80a82', '0x248a070300a80a83']);
    expect(new Set(fleet.hosts.map((h) => h.lunWwid)).size).toBe(3);
    for (const h of fleet.hosts) expect(h.lunWwid).toMatch(/^360080e50004300ac0000[0-9a-f]{12}$/);
    const known = readFileSync(fleet.knownHostsFile, 'utf8').trim().split('\n');
    expect(known.map((l) => l.split(' ')[0])).toEqual(fleet.hosts.map((h) => h.address));
    for (const l of known) expect(l).toMatch(/^\S+ ssh-ed25519 AAAA\S+$/);
  });

  it('each host is a real sshd: key login with the real ssh client, its own name and OS', async () => {
    const seen = await Promise.all(
      fleet.hosts.map((h) => ssh(fleet, h, 'hostname; . /etc/os-release; echo "$ID $VERSION_ID"')),
    );
    for (const r of seen) expect(r.stderr).toBe('');
    expect(seen.map((r) => r.stdout)).toEqual(['host1\nrhel 8.6\n', 'host2\nsles 15.4\n', 'outsider\nrhel 8.6\n']);
    expect(readFileSync('/etc/os-release', 'utf8')).not.toContain('Red Hat');
    expect(await fleet.readFile('host1', '/etc/os-release')).toContain('Red Hat Enterprise Linux 8');
    expect(await fleet.readFile('host2', '/etc/os-release')).toContain('SUSE');
    expect(await fleet.readFile('host1', '/etc/iscsi/initiatorname.iscsi')).toBe(`InitiatorName=${h1.initiatorIqn}\n`);
    // the root login is key-only
    const password = await sh('ssh', [
      '-F',
      '/dev/null',
      '-o',
      'BatchMode=yes',
      '-o',
      'PubkeyAuthentication=no',
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      `root@${h1.address}`,
      'true',
    ]);
    expect(password.code).toBe(255);
    expect(password.stderr).toContain('Permission denied (publickey)');
  });

  it("a host's writes reach neither another host nor the machine", async () => {
    expect(existsSync(marker)).toBe(false);
    expect((await ssh(fleet, h1, `echo one > ${marker} && touch /etc/sshplay-target-test`)).code).toBe(0);
    expect(await fleet.readFile('host1', marker)).toBe('one\n');
    expect(await fleet.readFile('host2', marker)).toBeNull();
    expect((await ssh(fleet, h2, `test -e ${marker}`)).code).toBe(1);
    expect((await fleet.exec('outsider', `test -e ${marker}`)).code).toBe(1);
    expect(existsSync(marker)).toBe(false);
    expect(existsSync('/etc/sshplay-target-test')).toBe(false);
  });

  it('private /dev with the LUN as /dev/mapper/<wwid>, private process tree, exec and the call log', async () => {
    const dev = await fleet.exec(
      'host1',
      // the map exists only some time after login: `sim-ctl lun-map` makes it now
      `ls /dev; sim-ctl lun-map; readlink /dev/mapper/${h1.lunWwid}; test -b /dev/mapper/${h1.lunWwid} && echo block`,
    );
    expect(dev.code).toBe(0);
    expect(dev.stdout).toContain('urandom');
    expect(dev.stdout).toContain('block');
    expect(dev.stdout).not.toContain('vda');
    expect(existsSync(`/dev/mapper/${h1.lunWwid}`)).toBe(false);
    const ps = await fleet.exec('host2', 'ps -e -o pid=,args=');
    expect(ps.stdout).toMatch(/^\s*1 sshd: \/usr\/sbin\/sshd -D/m);
    expect(ps.stdout.split('\n').filter((l) => l.trim()).length).toBeLessThan(6);
    expect(await fleet.exec('host2', 'echo err >&2; exit 3')).toEqual({ stdout: '', stderr: 'err\n', code: 3 });
    expect((await ssh(fleet, h2, 'ibstat -p')).stdout).toBe(`${h2.guids[0]}\n${h2.guids[1]}\n`);
    const calls = await fleet.calls('host2');
    expect(calls.at(-1)).toMatch(/^\d{13} ibstat -p$/);
    expect(await fleet.calls('host1')).not.toContainEqual(expect.stringContaining('ibstat'));
  });

  it('stopHost keeps the disk, startHost brings it back; reboot restarts everything but sshd', async () => {
    await fleet.stopHost('host1');
    const down = await ssh(fleet, h1, 'true');
    expect(down.code).toBe(255);
    expect(down.stderr).toMatch(/Connection refused/);
    expect(await fleet.readFile('host1', marker)).toBe('one\n');
    await expect(fleet.exec('host1', 'true')).rejects.toThrow(/not running/);
    await fleet.startHost('host1');
    expect((await ssh(fleet, h1, `cat ${marker}; hostname`)).stdout).toBe('one\nhost1\n');

    await fleet.exec('host1', 'setsid sleep 1000 </dev/null >/dev/null 2>&1 &');
    expect((await fleet.exec('host1', 'pgrep -x sleep')).code).toBe(0);
    await fleet.reboot('host1');
    expect((await fleet.exec('host1', 'pgrep -x sleep')).code).toBe(1);
    expect((await fleet.calls('host1')).at(-1)).toMatch(/ sim-reboot$/);
    expect((await ssh(fleet, h1, `cat ${marker}`)).stdout).toBe('one\n');
  });

  it('refuseLogins and changeHostKey', async () => {
    await fleet.refuseLogins('host2', true);
    const refused = await ssh(fleet, h2, 'true');
    expect(refused.code).toBe(255);
    expect(refused.stderr).toContain('Permission denied');
    await fleet.refuseLogins('host2', false);
    expect((await ssh(fleet, h2, 'echo ok')).stdout).toBe('ok\n');

    await fleet.changeHostKey('outsider');
    const changed = await ssh(fleet, out, 'true');
    expect(changed.code).toBe(255);
    expect(changed.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
    expect((await ssh(fleet, h1, 'echo ok')).stdout).toBe('ok\n');
  });

  it('writes the inventory for its hosts', async () => {
    const inv = parse(readFileSync(await fleet.writeInventory({ groupVars: { iser_discovery: 'manual' } }), 'utf8'));
    expect(inv.all.vars.ansible_ssh_private_key_file).toBe(fleet.privateKeyFile);
    expect(Object.keys(inv.all.children.iser_hosts.hosts)).toEqual(['host1', 'host2']);
    expect(inv.all.children.iser_hosts.vars.iser_discovery).toBe('manual');
    expect(inv.all.children.outside.hosts.outsider.ansible_host).toBe(out.address);
    expect(inv.all.children.iser_hosts.hosts.host2.iser_luns[0].wwid).toBe(h2.lunWwid);
  });

  it('reset gives every host its fresh state (and its original host key) back', async () => {
    await fleet.exec('host2', 'iscsiadm -m iface -I iser -o new >/dev/null 2>&1; echo x > /var/tmp/y');
    await fleet.reset();
    expect(await fleet.readFile('host1', marker)).toBeNull();
    expect(await fleet.readFile('host2', '/var/tmp/y')).toBeNull();
    expect(await fleet.calls('host2')).toEqual([]);
    const again = await Promise.all(fleet.hosts.map((h) => ssh(fleet, h, 'hostname')));
    expect(again.map((r) => r.stdout)).toEqual(['host1\n', 'host2\n', 'outsider\n']);
    expect(
      (
        await fleet.exec(
          'host1',
          `test -e /dev/mapper/${h1.lunWwid} || sim-ctl lun-map; readlink /dev/mapper/${h1.lunWwid}`,
        )
      ).stdout,
    ).toMatch(/^\/dev\/loop\d+\n$/);
  });

  it('stop leaves no process, mount, loop device or folder behind, and is idempotent', async () => {
    const snap = snapshot(fleet.dir);
    expect(snap.pids.length).toBe(3);
    expect(snap.loops.length).toBe(3);
    await fleet.stop();
    await expectGone(fleet.dir, snap);
    for (const h of fleet.hosts) expect((await ssh(fleet, h, 'true')).code).toBe(255);
    await fleet.stop();
    await expect(fleet.exec('host1', 'true')).rejects.toThrow(/stopped/);
  });
});

describeNeeding(missing ?? builtMissing(DIST_NAMESPACE))('namespace target: cleanup outside stop()', () => {
  /** A separate node process that starts a fleet of 2, prints its folder, then does `then`. */
  function owner(then: string): Promise<{ dir: string; child: ReturnType<typeof spawn> }> {
    const script = `
        import { startNamespaceFleet } from ${JSON.stringify(DIST_NAMESPACE)};
        const f = await startNamespaceFleet({ hosts: [{ name: 'a', flavor: 'rhel8' }, { name: 'b', flavor: 'ubuntu22' }] });
        process.stdout.write(f.dir + '\\n');
        ${then}`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    return new Promise((done, fail) => {
      let text = '';
      child.stdout.on('data', (d: Buffer) => {
        text += d.toString();
        if (text.includes('\n')) done({ dir: text.trim(), child });
      });
      child.once('exit', (code) => fail(new Error(`owner exited (${code}) before starting its fleet`)));
    });
  }
  const exited = (child: ReturnType<typeof spawn>) =>
    new Promise<void>((done) =>
      child.exitCode !== null || child.signalCode !== null ? done() : child.once('exit', () => done()),
    );

  it('a process that exits without stop() takes its hosts with it', async () => {
    const { dir, child } = await owner('process.exit(0);');
    await exited(child);
    expect(existsSync(dir)).toBe(false);
    expect(readFileSync('/proc/mounts', 'utf8')).not.toContain(dir);
  });

  it('SIGTERM to the owner cleans up', async () => {
    const { dir, child } = await owner('setInterval(() => {}, 1000);');
    const snap = snapshot(dir);
    child.kill('SIGTERM');
    await exited(child);
    expect(child.signalCode).toBe('SIGTERM');
    await expectGone(dir, snap);
  });

  it('after a SIGKILL of the owner, its hosts die and the next fleet reaps the rest', async () => {
    const { dir, child } = await owner('setInterval(() => {}, 1000);');
    const snap = snapshot(dir);
    child.kill('SIGKILL');
    await exited(child);
    for (let i = 0; i < 100 && processesIn(snap.namespaces).length > 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(processesIn(snap.namespaces)).toEqual([]);
    expect(reapOrphanFleets()).toContain(dir);
    await expectGone(dir, snap);
  });
});

describeNeeding(missing ?? builtMissing(CLI))('namespace target CLI', () => {
  let dir: string;
  beforeAll(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'sshplay-cli-')), 'sim');
  });
  afterAll(async () => {
    await sh(process.execPath, [CLI, 'stop', '--dir', dir]);
    await rm(join(dir, '..'), { recursive: true, force: true });
  });

  it('start leaves hosts running after it exits; stop --dir removes them', async () => {
    const start = await sh(process.execPath, [CLI, 'start', '--hosts', '2', '--flavors', 'ubuntu22', '--dir', dir]);
    expect(start.code, start.stderr).toBe(0);
    expect(start.stdout).toBe(`${join(dir, 'inventory.yml')}\n`);
    const inv = parse(readFileSync(join(dir, 'inventory.yml'), 'utf8'));
    const address = inv.all.children.iser_hosts.hosts.host2.ansible_host as string;
    const host = { name: 'host2', address, port: 22 } as SimHost;
    const keys = { privateKeyFile: join(dir, 'id_ed25519'), knownHostsFile: join(dir, 'known_hosts') } as Fleet;
    const r = await ssh(keys, host, 'hostname; . /etc/os-release; echo $ID');
    expect(r.stdout).toBe('host2\nubuntu\n');
    const status = await sh(process.execPath, [CLI, 'status', '--dir', dir]);
    expect(status.stdout).toMatch(/host1\s+ubuntu22\s+\S+\s+running/);
    const again = await sh(process.execPath, [CLI, 'start', '--dir', dir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('running fleet');
    const snap = snapshot(dir);
    const stop = await sh(process.execPath, [CLI, 'stop', '--dir', dir]);
    expect(stop.code, stop.stderr).toBe(0);
    await expectGone(dir, snap);
  });
});
