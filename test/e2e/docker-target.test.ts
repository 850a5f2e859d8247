import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeeding, itNeeding } from '../support/prerequisites.js';
import {
  containersLabelled,
  type DockerFleet,
  dockerClient,
  dockerUnavailable,
  startDockerFleet,
} from '../target/docker.js';
import { cliMissing, ROOT, recap, sshplay, tempDir, writeTemp } from './helpers.js';

const missing = dockerUnavailable();
const DIST_DOCKER = join(ROOT, 'dist/test/target/docker.js');

function run(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describeNeeding(missing)('Docker test target (Docker engine or Podman serving its API)', () => {
  let fleet: DockerFleet;
  const ssh = (port: number, command: string) =>
    run('ssh', [
      '-i',
      fleet.privateKeyFile,
      '-o',
      `UserKnownHostsFile=${fleet.knownHostsFile}`,
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=10',
      '-p',
      String(port),
      'root@127.0.0.1',
      command,
    ]);

  beforeAll(async () => {
    fleet = await startDockerFleet();
    const t = fleet.timings;
    console.log(
      `docker fleet of ${fleet.hosts.length} hosts on ${fleet.dockerHost}: engine ${t.engine} ms, image ${t.image} ms, ` +
        `containers ${t.containers} ms, total ${t.total} ms`,
    );
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it('every host answers real ssh with its own identity, key-only, host key pinned', async () => {
    expect(fleet.kind).toBe('docker');
    expect(fleet.hosts.map((h) => h.name)).toEqual(['host1', 'host2', 'host3', 'outsider']);
    const seen = new Map<string, string>();
    for (const h of fleet.hosts) {
      const r = await ssh(
        h.port,
        'cat /etc/os-release; echo "hostname=$(hostname)"; cat /etc/iscsi/initiatorname.iscsi; ibstat -p',
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`hostname=${h.name}`);
      expect(r.stdout).toContain(`InitiatorName=${h.initiatorIqn}`);
      expect(r.stdout).toContain(h.guids[0]);
      const id = /^ID="?([^"\n]+)"?$/m.exec(r.stdout)?.[1];
      expect(id).toBe(h.flavor.startsWith('rhel') ? 'rhel' : h.flavor.startsWith('sles') ? 'sles' : 'ubuntu');
      seen.set(h.name, r.stdout);
    }
    expect(new Set(seen.values()).size).toBe(fleet.hosts.length);
    expect(new Set(fleet.hosts.map((h) => h.port)).size).toBe(fleet.hosts.length);
    const known = (await fleet.readFile('host1', '/etc/ssh/ssh_host_ed25519_key.pub')) ?? '';
    expect(known).toMatch(/^ssh-ed25519 /);
    // Another host's key differs: no key is baked into the image.
    expect(await fleet.readFile('host2', '/etc/ssh/ssh_host_ed25519_key.pub')).not.toBe(known);
  });

  it('exec, readFile and calls see the host from inside', async () => {
    const r = await fleet.exec('host2', 'echo out; echo err >&2; exit 3');
    expect(r).toEqual({ stdout: 'out\n', stderr: 'err\n', code: 3 });
    expect(await fleet.readFile('host2', '/nonexistent')).toBeNull();
    expect(await fleet.readFile('host2', '/etc/hostname')).toBe('host2\n');
    const before = (await fleet.calls('host2')).length;
    await ssh(fleet.hosts[1]!.port, 'iscsiadm -m session || true');
    const calls = await fleet.calls('host2');
    expect(calls.length).toBe(before + 1);
    expect(calls.at(-1)).toMatch(/^\d+ iscsiadm -m session$/);
  });

  it('fault controls: refused logins, changed host key, stop/start on the same port, reboot, reset', async () => {
    const h3 = fleet.hosts[2]!;
    await fleet.refuseLogins('host3', true);
    expect((await ssh(h3.port, 'true')).code).not.toBe(0);
    await fleet.refuseLogins('host3', false);
    expect((await ssh(h3.port, 'true')).code).toBe(0);

    await fleet.exec('host3', 'echo kept > /root/marker');
    await fleet.stopHost('host3');
    expect((await ssh(h3.port, 'true')).code).not.toBe(0);
    await fleet.startHost('host3');
    expect((await ssh(h3.port, 'cat /root/marker')).stdout).toBe('kept\n');

    await fleet.reboot('host3');
    expect((await fleet.calls('host3')).at(-1)).toMatch(/ sim-reboot$/);

    await fleet.changeHostKey('host3');
    const changed = await ssh(h3.port, 'true');
    expect(changed.code).not.toBe(0);
    expect(changed.stderr).toMatch(/HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);

    const t = Date.now();
    await fleet.reset();
    console.log(`reset of ${fleet.hosts.length} hosts: ${Date.now() - t} ms`);
    const after = await ssh(h3.port, 'test -e /root/marker && echo marker; hostname');
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toBe('host3\n');
  });

  it('writes an inventory listing every host with its connection', async () => {
    const file = await fleet.writeInventory();
    const text = (await run('cat', [file])).stdout;
    for (const h of fleet.hosts) {
      expect(text).toContain(h.name);
      expect(text).toContain(String(h.port));
    }
  });

  itNeeding(cliMissing())('the real sshplay CLI runs a playbook on iser_hosts through the inventory', async () => {
    const dir = await tempDir('docker');
    try {
      const inventory = await fleet.writeInventory({ file: `${dir}/hosts.yml` });
      const playbook = await writeTemp(
        dir,
        'site.yml',
        [
          '- hosts: iser_hosts',
          '  tasks:',
          '    - copy: { dest: /etc/sshplay-docker.txt, content: "{{ inventory_hostname }}" }',
          '    - command: iscsiadm -m iface',
          '',
        ].join('\n'),
      );
      const r = await sshplay(['run', playbook, '-i', inventory, '--known-hosts', fleet.knownHostsFile]);
      expect(r.code, r.stdout.slice(-3000) + r.stderr).toBe(0);
      const counts = recap(r.stdout);
      expect(Object.keys(counts).sort()).toEqual(['host1', 'host2', 'host3']);
      for (const h of ['host1', 'host2', 'host3']) {
        expect(counts[h]?.failed ?? 0).toBe(0);
        expect(await fleet.readFile(h, '/etc/sshplay-docker.txt')).toBe(h);
        expect((await fleet.calls(h)).some((l) => / iscsiadm -m iface$/.test(l))).toBe(true);
      }
      expect(await fleet.readFile('outsider', '/etc/sshplay-docker.txt')).toBeNull();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  itNeeding(existsSync(DIST_DOCKER) ? null : `the build (${DIST_DOCKER}); run npm run build`)(
    "a fleet whose process was killed (SIGKILL) leaves containers; the next fleet's start removes them",
    async () => {
      const api = dockerClient(fleet.dockerHost);
      const script = `
        import { startDockerFleet } from ${JSON.stringify(DIST_DOCKER)};
        const f = await startDockerFleet({ hosts: [{ name: 'orphan', flavor: 'rhel8' }] });
        process.stdout.write(f.id + '\\n');
        setInterval(() => {}, 1000);`;
      // DOCKER_HOST: the child uses this fleet's engine and leaves the Podman service alone
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
        env: { ...process.env, DOCKER_HOST: fleet.dockerHost },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const id = await new Promise<string>((done, fail) => {
        let text = '';
        child.stdout.on('data', (d: Buffer) => {
          text += d.toString();
          if (text.includes('\n')) done(text.trim());
        });
        child.once('exit', (code) => fail(new Error(`the owner exited (${code}) before its fleet started`)));
      });
      child.kill('SIGKILL');
      await new Promise((done) =>
        child.exitCode !== null || child.signalCode !== null ? done(null) : child.once('exit', done),
      );
      expect(await containersLabelled(api, `sshplay.fleet=${id}`)).toHaveLength(1);
      const next = await startDockerFleet({ hosts: [{ name: 'next', flavor: 'sles15' }] });
      try {
        expect(await containersLabelled(api, `sshplay.fleet=${id}`)).toEqual([]);
        expect(await containersLabelled(api, `sshplay.fleet=${fleet.id}`)).toHaveLength(fleet.hosts.length);
      } finally {
        await next.stop();
      }
    },
  );

  it('stop() leaves no container and no Podman service it started; a second stop() is harmless', async () => {
    const label = `sshplay.fleet=${fleet.id}`;
    const api = dockerClient(fleet.dockerHost);
    expect(await containersLabelled(api, label)).toHaveLength(fleet.hosts.length);
    const started = fleet.startedPodmanService;
    const t = Date.now();
    await fleet.stop();
    console.log(`stop: ${Date.now() - t} ms (podman service started by the fleet: ${started})`);
    await fleet.stop();
    if (started) {
      // The service is gone: its socket is removed and nothing answers on it.
      expect(existsSync('/run/podman/podman.sock')).toBe(false);
      expect((await run('podman', ['ps', '-aq', '--filter', `label=${label}`])).stdout.trim()).toBe('');
    } else {
      expect(await containersLabelled(api, label)).toEqual([]);
    }
    expect(existsSync(fleet.dir)).toBe(false);
  });
});

describeNeeding(missing)('Docker test target with a loop-backed LUN (privileged containers)', () => {
  let fleet: DockerFleet;
  beforeAll(async () => {
    fleet = await startDockerFleet({
      hosts: [{ name: 'lunhost', flavor: 'sles15', groups: ['iser_hosts'] }],
      lun: true,
    });
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it('the LUN is partitioned, formatted and mounted inside; reset gives a blank one; stop detaches it', async () => {
    const [h] = fleet.hosts;
    const lun = `/dev/mapper/${h!.lunWwid}`;
    const sh = async (cmd: string) => {
      const r = await fleet.exec('lunhost', cmd);
      expect(r.code, `${cmd}: ${r.stderr}`).toBe(0);
      return r.stdout;
    };
    expect(await sh(`sim-ctl lun-map; test -b ${lun} && echo block`)).toBe('block\n'); // the map, as after login
    await sh(`parted -s ${lun} mklabel gpt mkpart primary 1MiB 100% && partprobe ${lun}`);
    // partition 1 as the flavour's udev rules name it, found by its device-mapper UUID
    const part = `/dev/mapper/${(await sh(`dmsetup info -c --noheadings -o name -u part1-mpath-${h!.lunWwid}`)).trim()}`;
    await sh(`mkfs.ext4 -q ${part} && mkdir -p /mnt/iser && mount ${part} /mnt/iser && echo data > /mnt/iser/f`);
    expect(await sh('findmnt -rn -o FSTYPE /mnt/iser')).toBe('ext4\n');
    expect((await fleet.writeInventory()).length).toBeGreaterThan(0);
    expect(await readFile(await fleet.writeInventory(), 'utf8')).toContain(`"wwid": "${h!.lunWwid}"`);

    await fleet.reset();
    expect(await sh(`sim-ctl lun-map; blkid -p ${lun} >/dev/null; echo $?`)).toBe('2\n'); // nothing on the disk

    const file = `${fleet.dir}/hosts/lunhost.lun`;
    expect((await run('losetup', ['-j', file])).stdout).toContain('/dev/loop');
    const dir = fleet.dir;
    await fleet.stop();
    expect((await run('losetup', ['-a'])).stdout).not.toContain(dir);
  });
});
