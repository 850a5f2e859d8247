/**
 * Issue 17.2: speed may not reorder side effects. The iSER playbook's side effects on a host happen in the
 * playbook's order, read from the simulator's call log (/var/log/sim/calls.log); iser-verify's write test
 * comes after the mount, never in the first round trip; a host that fails preflight gets no write at all.
 *
 * The write test and the mount use real coreutils, which the simulator does not log: the test puts a
 * logging wrapper for `mount` and `head` in /usr/local/sbin on each host (the sim's own PATH entry, first),
 * writing the call log's own line format, so every side effect of the run is in one ordered log.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeeding } from '../support/prerequisites.js';
import { startNamespaceFleet } from '../target/namespace.js';
import type { Fleet } from '../target/types.js';
import { e2eUnavailable, recap, runIserPlaybook, tempDir } from './helpers.js';

const missing = e2eUnavailable();

const wrapper = (tool: string, real: string) =>
  [
    `cat > /usr/local/sbin/${tool} <<'EOF'`,
    '#!/bin/sh',
    `[ -n "$SIM_NOLOG" ] || printf '%s ${tool} %s\\n' "$(date +%s%3N)" "$*" >> /var/log/sim/calls.log`,
    `exec ${real} "$@"`,
    'EOF',
    `chmod 755 /usr/local/sbin/${tool}`,
  ].join('\n');

/** Side effects of the iSER playbook, in the playbook's order: [what, a call-log line that is it]. */
const STEPS: [string, RegExp][] = [
  ['subnet manager started', /^\d+ opensm -B /],
  ['multipathd enabled', /^\d+ systemctl (enable|start) multipathd/],
  ['initramfs rebuilt', /^\d+ dracut --force/],
  ['iSCSI services started', /^\d+ systemctl (enable|start) iscsid/],
  ['IPoIB interfaces up', /^\d+ ifup ib0/],
  ['targets discovered', /^\d+ iscsiadm -m discovery -t sendtargets/],
  ['logged in', /^\d+ iscsiadm -m node .* -l$/],
  ['partitioned', /^\d+ parted .* mklabel gpt/],
  ['mounted', /^\d+ mount .*\/mnt\/iser/],
  ['verify: 1 MiB written', /^\d+ head -c 1048576/],
];

describeNeeding(missing)('the order of side effects on a host is the playbook order (issue 17.2)', () => {
  let fleet: Fleet;
  let inventory: string;

  beforeAll(async () => {
    fleet = await startNamespaceFleet({
      hosts: [
        { name: 'alpha', flavor: 'rhel8', groups: ['iser_hosts'] },
        { name: 'bravo', flavor: 'sles15', groups: ['iser_hosts'] },
      ],
    });
    inventory = await fleet.writeInventory({ file: `${await tempDir('trust-order')}/hosts.yml` });
    for (const h of ['alpha', 'bravo']) {
      const r = await fleet.exec(h, [wrapper('mount', '/usr/bin/mount'), wrapper('head', '/usr/bin/head')].join('\n'));
      expect(r.code, r.stderr).toBe(0);
    }
    // bravo fails preflight: an HCA port is not Active.
    expect((await fleet.exec('bravo', 'sim-ctl port 1 Down Polling')).code).toBe(0);
  }, 300_000);

  afterAll(async () => {
    await fleet?.stop();
  });

  it('a first run: each side effect after the one before it in the playbook; none on the host that failed preflight', async () => {
    const r = await runIserPlaybook(fleet.knownHostsFile, inventory, 'iser.yml');
    expect(recap(r.stdout).alpha?.failed, r.stdout + r.stderr).toBe(0);
    expect(recap(r.stdout).bravo?.failed).toBe(1);

    const calls = await fleet.calls('alpha');
    const at = STEPS.map(([what, re]) => {
      const i = calls.findIndex((l) => re.test(l));
      expect(i, `${what} is in alpha's call log:\n${calls.join('\n')}`).toBeGreaterThanOrEqual(0);
      const last = calls.reduce((found, l, j) => (re.test(l) ? j : found), -1);
      return { what, first: i, last };
    });
    for (let k = 1; k < at.length; k++) {
      const before = at[k - 1] as (typeof at)[number];
      const step = at[k] as (typeof at)[number];
      expect(
        step.first,
        `${step.what} (line ${step.first}) after ${before.what} (line ${before.last})`,
      ).toBeGreaterThan(before.last);
    }

    // The host that failed preflight: reads only; not one of the playbook's side effects.
    const bravo = await fleet.calls('bravo');
    for (const [what, re] of STEPS)
      expect(
        bravo.filter((l) => re.test(l)),
        `${what} on bravo`,
      ).toEqual([]);
    expect((await fleet.exec('bravo', 'ls -A /mnt/iser 2>/dev/null | wc -l')).stdout.trim()).toBe('0');
  }, 300_000);
});
