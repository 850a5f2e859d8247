/**
 * One frozen host must not hold the fleet (issue 22, point 7). A host whose every process stops (SIGSTOP to
 * its whole PID namespace, sshd included: a hung kernel, a stuck NFS mount) keeps its TCP connection open
 * and silent. sshplay must notice within 20 s through ssh keepalives, say which command the host was in, and
 * let the other hosts finish; a task's own `timeout` must fail just that task, the host going to its rescue.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeeding } from '../support/prerequisites.js';
import { freezeHost, thawHost } from '../target/freeze.js';
import { startNamespaceFleet } from '../target/namespace.js';
import type { Fleet } from '../target/types.js';
import { e2eUnavailable, startSshplay, tempDir, writeTemp } from './helpers.js';

const missing = e2eUnavailable();

interface JsonEvent {
  time: string;
  type: string;
  task?: string;
  host?: string;
  status?: string;
  msg?: string;
  stats?: Record<string, Record<string, number>>;
}

const events = (stdout: string): JsonEvent[] =>
  stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as JsonEvent);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeNeeding(missing)('a frozen host among four (namespace fleet)', () => {
  let fleet: Fleet;
  let dir: string;
  let inventory: string;
  const HOSTS = ['alpha', 'bravo', 'charlie', 'delta'];

  beforeAll(async () => {
    fleet = await startNamespaceFleet({
      hosts: HOSTS.map((name, i) => ({ name, flavor: i % 2 === 0 ? 'rhel8' : 'sles15' })),
    });
    dir = await tempDir('frozen');
    inventory = await fleet.writeInventory({ file: `${dir}/hosts.yml` });
  });
  afterAll(async () => {
    if (fleet) for (const h of HOSTS) thawHost(fleet, h);
    await fleet?.stop();
  });
  /** `sshplay run` of a playbook on this fleet, one JSON event per line, no retry file left behind. */
  const runJson = (pb: string, ...extra: string[]) =>
    startSshplay([
      'run',
      pb,
      '-i',
      inventory,
      '--known-hosts',
      fleet.knownHostsFile,
      '--json',
      '--no-retry-file',
      ...extra,
    ]);

  it('frozen mid-command: unreachable within 20 s naming the command; the other three finish', async () => {
    const pb = await writeTemp(
      dir,
      'frozen.yml',
      `
- hosts: all
  tasks:
    - name: long step
      command: sleep 6
    - name: after the long step
      copy: { dest: /etc/after-long-step.conf, content: "done\\n" }
- hosts: all
  tasks:
    - name: second play
      copy: { dest: /etc/second-play.conf, content: "done\\n" }
`,
    );
    const run = runJson(pb);
    let frozenAt = 0;
    let detectedAt = 0;
    try {
      // freeze bravo 1 s into its long step
      const deadline = Date.now() + 60_000;
      while (
        !events(run.output()).some((e) => e.type === 'task_start' && e.task === 'long step' && e.host === 'bravo')
      ) {
        if (Date.now() > deadline) throw new Error(`the run never reached the long step:\n${run.output()}`);
        await sleep(50);
      }
      await sleep(1000);
      expect(freezeHost(fleet, 'bravo').length).toBeGreaterThan(1); // sshd and the session's processes
      frozenAt = Date.now();
      const watch = setInterval(() => {
        if (!detectedAt && events(run.output()).some((e) => e.host === 'bravo' && e.type === 'unreachable'))
          detectedAt = Date.now();
      }, 100);
      const r = await run.done;
      clearInterval(watch);
      const all = events(r.stdout);
      const lost = all.find((e) => e.host === 'bravo' && e.type === 'unreachable');
      expect(lost?.msg).toMatch(
        /^bravo: host stopped answering: 3 keepalives 4 s apart went unanswered .*, in sleep 6$/,
      );
      const detectedAfter = (Date.parse(lost?.time ?? '') - frozenAt) / 1000;
      expect(detectedAfter).toBeLessThan(20);
      expect(detectedAt - frozenAt).toBeLessThan(20_500);
      // The others did not wait for the detection: bravo went quiet (suspect) before their first play ended,
      // so they went on and finished everything before ssh gave bravo up.
      expect(all.some((e) => e.type === 'warning' && e.msg?.startsWith('bravo stopped answering'))).toBe(true);
      const othersLast = Math.max(
        ...all.filter((e) => e.type === 'task_result' && e.host !== 'bravo').map((e) => Date.parse(e.time)),
      );
      expect(othersLast).toBeLessThan(Date.parse(lost?.time ?? ''));
      expect(all.some((e) => e.type === 'task_result' && e.task === 'second play' && e.host === 'bravo')).toBe(false);
      const recap = all.find((e) => e.type === 'recap')?.stats ?? {};
      expect(recap.bravo).toMatchObject({ unreachable: 1 });
      for (const h of ['alpha', 'charlie', 'delta']) {
        expect(recap[h]).toMatchObject({ failed: 0, unreachable: 0 });
        expect(await fleet.readFile(h, '/etc/after-long-step.conf')).toBe('done\n');
        expect(await fleet.readFile(h, '/etc/second-play.conf')).toBe('done\n');
      }
      // the healthy hosts did not wait out anything longer than the detection
      const ended = Date.parse(all.at(-1)?.time ?? '');
      expect((ended - frozenAt) / 1000).toBeLessThan(25);
      expect(r.code).toBe(3);
    } finally {
      thawHost(fleet, 'bravo');
      run.child.kill('SIGKILL');
    }
  }, 120_000);

  it(
    'frozen, then thawed after the others went on: it finishes its command, then fails as fallen behind',
    // Timing-bound on a shared machine: the thaw must land after the others went on (charlie suspect ~7 s after it
    // froze) and before ssh gives charlie up (12-16 s); a run that misses that window says nothing either way.
    { timeout: 120_000, retry: 2 },
    async () => {
      const pb = await writeTemp(
        dir,
        'thawed.yml',
        `
- name: first
  hosts: all
  gather_facts: false
  tasks:
    - name: long step
      command: sleep 4
    - name: after the long step
      copy: { dest: /etc/thawed-after.conf, content: "done\\n" }
- name: second
  hosts: all
  gather_facts: false
  tasks:
    - name: second play
      copy: { dest: /etc/thawed-second.conf, content: "done\\n" }
`,
      );
      const run = runJson(pb);
      try {
        const deadline = Date.now() + 60_000;
        const seen = (p: (e: JsonEvent) => boolean) => events(run.output()).some(p);
        while (!seen((e) => e.type === 'task_start' && e.task === 'long step' && e.host === 'charlie')) {
          if (Date.now() > deadline) throw new Error(`the run never reached the long step:\n${run.output()}`);
          await sleep(50);
        }
        await sleep(1000);
        freezeHost(fleet, 'charlie');
        const frozenAt = Date.now();
        // the others finish the second play while charlie is frozen; thaw it well before ssh would give it up
        const others = ['alpha', 'bravo', 'delta'];
        while (
          !others.every((h) => seen((e) => e.type === 'task_result' && e.task === 'second play' && e.host === h))
        ) {
          // ssh gives a frozen host up 12-16 s after it froze: thawed later, it would end unreachable instead
          if (Date.now() - frozenAt > 11_000) throw new Error(`the others waited for charlie:\n${run.output()}`);
          await sleep(50);
        }
        thawHost(fleet, 'charlie');
        const r = await run.done;
        const all = events(r.stdout);
        const behind = all.find((e) => e.host === 'charlie' && e.task === 'fell behind');
        expect(behind?.status).toBe('failed');
        expect(behind?.msg).toMatch(
          /^charlie fell behind: it stopped answering for \d+ s during play 'first' and the other hosts went on; rerun with --limit charlie$/,
        );
        // its command finished once it could; it started nothing after it
        expect(
          all.find((e) => e.host === 'charlie' && e.task === 'long step' && e.type === 'task_result')?.status,
        ).toBe('changed');
        expect(await fleet.readFile('charlie', '/etc/thawed-after.conf')).toBeNull();
        expect(await fleet.readFile('charlie', '/etc/thawed-second.conf')).toBeNull();
        for (const h of others) expect(await fleet.readFile(h, '/etc/thawed-second.conf')).toBe('done\n');
        const recap = all.find((e) => e.type === 'recap')?.stats ?? {};
        expect(recap.charlie).toMatchObject({ failed: 1, unreachable: 0 });
        expect(r.code).toBe(2);
      } finally {
        thawHost(fleet, 'charlie');
        run.child.kill('SIGKILL');
      }
    },
  );

  it("a task's timeout fails that task naming its command; the host runs its rescue over ssh in a new shell", async () => {
    const pb = await writeTemp(
      dir,
      'timeout.yml',
      `
- hosts: all
  gather_facts: false
  tasks:
    - block:
        - name: maybe slow
          command: "sleep {{ nap | default(0) }}"
          timeout: 2
      rescue:
        - name: rescued
          copy: { dest: /etc/rescued.conf, content: "rescued\\n" }
    - name: afterwards
      command: touch /etc/afterwards
`,
    );
    const started = Date.now();
    const r = await runJson(pb, '-e', '{"nap": 0}', '--limit', 'alpha:charlie').done;
    expect(r.code).toBe(0);
    const slow = await runJson(pb, '--limit', 'delta', '-e', 'nap=300').done;
    const all = events(slow.stdout);
    expect(all.find((e) => e.type === 'task_result' && e.task === 'maybe slow' && e.host === 'delta')).toMatchObject({
      status: 'failed',
      msg: 'timed out after 2 s in sleep 300',
    });
    expect(await fleet.readFile('delta', '/etc/rescued.conf')).toBe('rescued\n');
    expect(await fleet.readFile('delta', '/etc/afterwards')).toBe('');
    expect(await fleet.readFile('alpha', '/etc/rescued.conf')).toBeNull();
    expect(all.find((e) => e.type === 'recap')?.stats?.delta).toMatchObject({ rescued: 1, failed: 0, unreachable: 0 });
    expect(slow.code).toBe(0);
    expect((Date.now() - started) / 1000).toBeLessThan(40);
  }, 120_000);
});
