/**
 * Issue 11: rolling out to a fleet in a maintenance window. Canary batches, a failure budget per batch,
 * any_errors_fatal, the retry file, --start-at-task / --step, and an end state that survives a reboot.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { describeNeeding } from '../support/prerequisites.js';
import { startNamespaceFleet } from '../target/namespace.js';
import type { Fleet, SimHost } from '../target/types.js';
import { CLI, type CliResult, e2eUnavailable, ROOT, recap, sshplay, tempDir, writeTemp } from './helpers.js';
import { iserAssertions } from './iser-assertions.js';

const missing = e2eUnavailable();

const HOSTS = Array.from({ length: 8 }, (_, i) => `host${i + 1}`);

/** A maintenance-window play: a read-only preflight, then changes (a service started, a file written). */
function rolloutPlaybook(header: string): string {
  return `
- name: rollout
  hosts: iser_hosts
${header
  .trim()
  .split('\n')
  .map((l) => `  ${l}`)
  .join('\n')}
  tasks:
    - name: HCA port 1 is Active
      shell: "ibstat mlx5_0 1 | grep -q 'State: Active'"
      changed_when: false
    - name: start iscsid
      command: systemctl start iscsid
    - name: stamp
      copy:
        dest: /etc/rollout-stamp
        content: "rolled out\\n"
`;
}

describeNeeding(missing)('rolling out to a fleet in a maintenance window', () => {
  let fleet: Fleet;
  let dir: string;
  let inventory: string;
  const iser = () => iserAssertions(() => fleet);
  const breakHost = (h: string) => fleet.exec(h, 'sim-ctl port 1 Down Polling');
  const fixHost = (h: string) => fleet.exec(h, 'sim-ctl port 1 Active LinkUp');
  const stamped = async (h: string) => (await fleet.readFile(h, '/etc/rollout-stamp')) !== null;
  const run = (playbook: string, extra: string[] = [], cwd?: string) =>
    sshplay(['run', playbook, '-i', inventory, '--known-hosts', fleet.knownHostsFile, ...extra], { cwd });
  const show = (r: CliResult) => `exit ${r.code}\n${r.stdout.slice(-4000)}\n${r.stderr}`;

  beforeAll(async () => {
    fleet = await startNamespaceFleet({
      hosts: HOSTS.map((name, i) => ({ name, flavor: i % 2 === 0 ? 'rhel8' : 'sles15', groups: ['iser_hosts'] })),
    });
    dir = await tempDir('rollout');
    inventory = await fleet.writeInventory({ file: `${dir}/hosts.yml` });
  });
  afterAll(async () => {
    await fleet?.stop();
  });
  beforeEach(async () => {
    await fleet.reset();
  });

  it('a failing canary batch of 1 stops the play: the other hosts are never touched', async () => {
    const playbook = await writeTemp(dir, 'canary.yml', rolloutPlaybook('serial: [1, "50%"]'));
    await breakHost('host1');
    const r = await run(playbook);
    expect(r.code, show(r)).toBe(2);
    expect(recap(r.stdout).host1).toMatchObject({ failed: 1, changed: 0 });
    expect(r.stdout).toContain(
      'NOT STARTED: host2, host3, host4, host5, host6, host7, host8 (every host of batch 1 failed)',
    );
    for (const h of HOSTS.slice(1)) {
      expect(r.stdout).toMatch(new RegExp(`${h}\\s+: ok=0 changed=0 .*never started: every host of batch 1 failed`));
      // Never connected: not even a read reached these hosts.
      expect(await fleet.calls(h), h).toEqual([]);
      expect(await stamped(h), h).toBe(false);
    }
    expect(await iser().mutatingCalls('host1')).toEqual([]);

    // The canary fixed, the same play rolls out 1, then 50% of 8, then the rest.
    await fixHost('host1');
    const again = await run(playbook);
    expect(again.code, show(again)).toBe(0);
    expect(again.stdout).toContain('-- batch 1: host1\n');
    expect(again.stdout).toContain('-- batch 2: host2, host3, host4, host5\n');
    expect(again.stdout).toContain('-- batch 3: host6, host7, host8\n');
    for (const h of HOSTS) expect(await stamped(h), h).toBe(true);
  });

  it('max_fail_percentage 25: 2 of 4 failed stops the next batch; 1 of 4 (25%, not more) does not', async () => {
    const playbook = await writeTemp(dir, 'budget.yml', rolloutPlaybook('serial: 4\nmax_fail_percentage: 25'));
    await breakHost('host1');
    await breakHost('host3');
    const r = await run(playbook);
    expect(r.code, show(r)).toBe(2);
    expect(r.stdout).toContain(
      'NOT STARTED: host5, host6, host7, host8 (max_fail_percentage 25% exceeded: 2 of 4 hosts failed in batch 1)',
    );
    expect(recap(r.stdout).host1?.failed).toBe(1);
    expect(recap(r.stdout).host3?.failed).toBe(1);
    // The healthy hosts of the failing batch finished it; the next batch was never started.
    for (const h of ['host2', 'host4']) expect(await stamped(h), h).toBe(true);
    for (const h of ['host5', 'host6', 'host7', 'host8']) {
      expect(await fleet.calls(h), h).toEqual([]);
      expect(await stamped(h), h).toBe(false);
    }

    await fleet.reset();
    await breakHost('host1');
    const within = await run(playbook);
    expect(within.code, show(within)).toBe(2);
    expect(within.stdout).not.toContain('NOT STARTED');
    expect(within.stdout).toContain('-- batch 2: host5, host6, host7, host8');
    for (const h of HOSTS.slice(1)) expect(await stamped(h), h).toBe(true);
    expect(await stamped('host1')).toBe(false);
  });

  it('any_errors_fatal stops every host at the first failure', async () => {
    const playbook = await writeTemp(dir, 'fatal.yml', rolloutPlaybook('any_errors_fatal: true'));
    await breakHost('host3');
    const r = await run(playbook);
    expect(r.code, show(r)).toBe(2);
    expect(recap(r.stdout).host3?.failed).toBe(1);
    for (const h of HOSTS) {
      // The preflight ran everywhere (one task in lockstep), nothing after it ran anywhere.
      expect(recap(r.stdout)[h]?.changed, h).toBe(0);
      expect(await iser().mutatingCalls(h), h).toEqual([]);
      expect(await stamped(h), h).toBe(false);
    }
    for (const h of HOSTS.filter((x) => x !== 'host3')) expect(recap(r.stdout)[h]?.failed, h).toBe(0);
    expect(r.stdout).toMatch(/any_errors_fatal: host3 failed; no further task ran on host1, host2, host4, /);

    // Same with serial: the later batches are never started.
    const serial = await writeTemp(dir, 'fatal-serial.yml', rolloutPlaybook('any_errors_fatal: true\nserial: 4'));
    await fleet.reset();
    await breakHost('host3');
    const s = await run(serial);
    expect(s.code, show(s)).toBe(2);
    expect(s.stdout).toContain('NOT STARTED: host5, host6, host7, host8 (any_errors_fatal: a host failed)');
    for (const h of HOSTS) expect(await stamped(h), h).toBe(false);
  });

  it('the retry file reruns only the failed hosts', async () => {
    const cwd = await tempDir('rollout-cwd');
    const playbook = await writeTemp(dir, 'window.yml', rolloutPlaybook('serial: 4'));
    await breakHost('host2');
    await breakHost('host7');
    const r = await run(playbook, [], cwd);
    expect(r.code, show(r)).toBe(2);
    const retry = join(cwd, 'window.retry');
    expect(await readFile(retry, 'utf8')).toBe('host2\nhost7\n');
    expect(r.stderr).toContain(`--limit @window.retry`);
    for (const h of ['host2', 'host7']) expect(await stamped(h), h).toBe(false);

    await fixHost('host2');
    await fixHost('host7');
    const before = Object.fromEntries(await Promise.all(HOSTS.map(async (h) => [h, (await fleet.calls(h)).length])));
    const rerun = await run(playbook, ['--limit', '@window.retry'], cwd);
    expect(rerun.code, show(rerun)).toBe(0);
    expect(Object.keys(recap(rerun.stdout)).sort()).toEqual(['host2', 'host7']);
    expect(recap(rerun.stdout).host2).toMatchObject({ failed: 0, changed: 2 });
    for (const h of ['host2', 'host7']) expect(await stamped(h), h).toBe(true);
    for (const h of HOSTS.filter((x) => x !== 'host2' && x !== 'host7'))
      expect((await fleet.calls(h)).length, h).toBe(before[h]);
  });

  it('--start-at-task skips the tasks before it', async () => {
    const playbook = await writeTemp(dir, 'start.yml', rolloutPlaybook(''));
    await breakHost('host1'); // the preflight would fail here: it must not run
    const r = await run(playbook, ['--limit', 'host1,host2', '--start-at-task', 'stamp']);
    expect(r.code, show(r)).toBe(0);
    for (const h of ['host1', 'host2']) {
      expect(recap(r.stdout)[h], h).toMatchObject({ changed: 1, failed: 0 });
      expect(await stamped(h), h).toBe(true);
      const calls = await fleet.calls(h);
      expect(
        calls.filter((l) => / (ibstat|systemctl start)/.test(l)),
        h,
      ).toEqual([]);
    }
    expect(await fleet.calls('host3')).toEqual([]);

    const missing = await run(playbook, ['--limit', 'host2', '--start-at-task', 'no such task']);
    expect(missing.code, show(missing)).not.toBe(0);
    expect(missing.stdout + missing.stderr).toContain('no such task');
  });

  it('--step asks before each task; "n" skips it (answers on a pipe, no TTY needed)', async () => {
    const playbook = await writeTemp(dir, 'step.yml', rolloutPlaybook(''));
    const child = spawn(
      process.execPath,
      [CLI, 'run', playbook, '-i', inventory, '--known-hosts', fleet.knownHostsFile, '--limit', 'host1', '--step'],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } },
    );
    let stdout = '';
    let stderr = '';
    const prompts: string[] = [];
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      for (const m of d.toString().matchAll(/Perform task: (.+?) \(y\/n\)\? /g)) {
        prompts.push(m[1] as string);
        child.stdin.write(m[1] === 'start iscsid' ? 'n\n' : 'y\n');
      }
    });
    // A CLI that keeps stdin open after the run never exits: fail in a minute, not at the test timeout.
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    expect(prompts).toEqual(['HCA port 1 is Active', 'start iscsid', 'stamp']);
    const calls = await fleet.calls('host1');
    expect(calls.some((l) => / ibstat mlx5_0 1/.test(l))).toBe(true);
    expect(calls.some((l) => / systemctl start iscsid/.test(l))).toBe(false);
    expect(await stamped('host1')).toBe(true);
  });

  describe('reboot-safe end state', () => {
    const iserRun = (...extra: string[]) =>
      sshplay(['run', 'playbooks/iser.yml', '-i', inventory, '--known-hosts', fleet.knownHostsFile, ...extra]);
    // The reboot check as iser.yml runs it: after the controller-side validation that sets the defaults.
    const rebootCheck = async (...extra: string[]) => {
      const playbook = await writeTemp(
        dir,
        'reboot-check.yml',
        ['iser-validate.yml', 'iser-reboot-check.yml']
          .map((p) => `- import_playbook: ${join(ROOT, 'playbooks', p)}\n`)
          .join(''),
      );
      return sshplay(['run', playbook, '-i', inventory, '--known-hosts', fleet.knownHostsFile, ...extra], {
        cwd: dir,
      });
    };
    const host = (name: string) => fleet.hosts.find((h) => h.name === name) as SimHost;
    const sessions = async (h: string) =>
      (await fleet.exec(h, 'iscsiadm -m session')).stdout
        .split('\n')
        .filter((l) => l.trim() !== '')
        .sort();
    const expectAllSessions = async (h: SimHost) => {
      const lines = await sessions(h.name);
      expect(lines, h.name).toHaveLength(4);
      // controller A's portals (positions 0, 2) are portal group 1, controller B's group 2
      for (const [i, portal] of fleet.array.portals.entries())
        expect(
          lines.some((l) => l.includes(`${portal}:3260,${(i % 2) + 1} ${fleet.array.targetIqn}`)),
          `${h.name} ${portal}`,
        ).toBe(true);
    };
    const expectOpensmPerGuid = async (h: SimHost) => {
      for (const guid of h.guids) {
        const r = await fleet.exec(h.name, `pgrep -f "[o]pensm -B -g ${guid} " | wc -l`);
        expect(r.stdout.trim(), `${h.name} opensm for ${guid}`).toBe('1');
      }
    };

    it('sessions and opensm come back after a reboot; a record set to manual is caught, repaired, and back', async () => {
      const first = await iserRun('--limit', 'host1,host2');
      expect(first.code, show(first)).toBe(0);
      const boots = async (h: string) =>
        (await fleet.readFile(h, '/var/lib/sim/boots'))?.trim().split('\n').length ?? 0;

      for (const name of ['host1', 'host2']) {
        const h = host(name);
        await fleet.reboot(name);
        expect(await boots(name), name).toBe(1);
        await expectAllSessions(h);
        await expectOpensmPerGuid(h);
      }

      // Break one record: it would stay logged out after the next reboot.
      const [portal] = fleet.array.portals;
      const edit = await fleet.exec(
        'host1',
        `iscsiadm -m node -T ${fleet.array.targetIqn} -p ${portal} -I iface-ib0 -o update -n node.startup -v manual`,
      );
      expect(edit.code, edit.stderr).toBe(0);

      const caught = await rebootCheck('--limit', 'host1,host2');
      expect(caught.code, show(caught)).toBe(2);
      expect(caught.stdout).toMatch(
        new RegExp(`host1: the record ${portal} via iface-ib0 would not come back as configured after a reboot`),
      );
      expect(recap(caught.stdout).host1?.failed).toBe(1);
      expect(recap(caught.stdout).host2?.failed).toBe(0);

      // The check is right: a reboot now loses that session.
      await fleet.reboot('host1');
      const lost = await sessions('host1');
      expect(lost).toHaveLength(3);
      expect(lost.some((l) => l.includes(`${portal}:3260`))).toBe(false);

      // The playbook repairs the record (and logs it in again), changing nothing on the healthy host.
      const repair = await iserRun('--limit', 'host1,host2');
      expect(repair.code, show(repair)).toBe(0);
      expect(recap(repair.stdout).host1?.changed).toBeGreaterThan(0);
      expect(recap(repair.stdout).host2?.changed).toBe(0);
      await expectAllSessions(host('host1'));
      const record = await fleet.exec(
        'host1',
        `iscsiadm -m node -T ${fleet.array.targetIqn} -p ${portal} -I iface-ib0 -o show`,
      );
      expect(record.stdout).toContain('node.startup = automatic');

      await fleet.reboot('host1');
      await expectAllSessions(host('host1'));
      await expectOpensmPerGuid(host('host1'));
      await iser().endState(host('host1'));
      const ok = await rebootCheck('--limit', 'host1,host2');
      expect(ok.code, show(ok)).toBe(0);
    });
  });
});
