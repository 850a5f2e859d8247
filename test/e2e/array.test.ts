import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { describeNeeding } from '../support/prerequisites.js';
import { makeSelfSignedCert, removeCert, type SelfSignedCert, SimulatedArray } from '../target/array/server.js';
import { cliMissing, ROOT, recap, sshplay, sshplayWithInput, tempDir, writeTemp } from './helpers.js';

/**
 * playbooks/iser-array.yml against the simulated E-Series array (test/target/array): --check sends nothing that
 * changes the array, a run reaches the document's array state, a second run changes nothing, the state is asserted
 * through the array's own API; a wrong password and a wrong certificate are refused with clear messages.
 */
const PASSWORD = 'Array-Admin-Pw-41';
const PLAYBOOK = join(ROOT, 'playbooks/iser-array.yml');

let cert: SelfSignedCert;
let wrongCert: SelfSignedCert;
let array: SimulatedArray;
let url: string;
let dir: string;
let vaultFile: string;

/** The encrypted password, as the example inventory takes it from vault. */
let vaultedPassword: string;

async function inventory(
  opts: { pin?: string; caFile?: string; password?: string; extra?: string } = {},
): Promise<string> {
  const passwordLine = opts.password
    ? `eseries_api_password: ${JSON.stringify(opts.password)}`
    : vaultedPassword.replace(/^vault_eseries_api_password:/, 'eseries_api_password:').replace(/\n/g, '\n        ');
  return writeTemp(
    dir,
    `inv-${Math.random().toString(36).slice(2)}.yml`,
    `all:
  children:
    eseries_arrays:
      vars:
        ansible_connection: eseries_api
        eseries_api_username: admin
        ${passwordLine.trimEnd()}
        ${opts.caFile ? `eseries_api_ca_file: ${opts.caFile}` : `eseries_api_cert_sha256: "${opts.pin ?? cert.sha256}"`}
      hosts:
        array1:
          eseries_api_url: ${url}
          eseries_iser_ports:
            - { controller: A, channel: 1, address: 192.168.130.101 }
            - { controller: B, channel: 1, address: 192.168.130.102 }
            - { controller: A, channel: 2, address: 192.168.131.101 }
            - { controller: B, channel: 2, address: 192.168.131.102 }
          eseries_hosts:
            - { name: rhel-host-1, iqn: "iqn.1994-05.com.redhat:rhel-host-1" }
            - { name: sles-host-1, iqn: "iqn.1996-04.de.suse:01:sles-host-1" }
          eseries_volumes:
            - { name: iser_vol_rhel, pool: pool1, size_gb: 100, host: rhel-host-1, lun: 1 }
            - { name: iser_vol_sles, pool: pool1, size_gb: 50, host: sles-host-1, lun: 1 }
${opts.extra ?? ''}`,
  );
}

const run = (inv: string, ...extra: string[]) =>
  sshplay(['run', PLAYBOOK, '-i', inv, '--vault-password-file', vaultFile, ...extra], {
    env: { ANSIBLE_VAULT_PASSWORD_FILE: '' },
  });
const out = (r: { stdout: string; stderr: string }) => `${r.stdout}\n${r.stderr}`;

describeNeeding(cliMissing())('playbooks/iser-array.yml against the simulated E-Series array', () => {
  beforeAll(async () => {
    cert = makeSelfSignedCert();
    wrongCert = makeSelfSignedCert();
    dir = await tempDir('array');
    vaultFile = join(dir, 'vault-pass');
    await writeFile(vaultFile, 'vault-pw-array\n', { mode: 0o600 });
    const enc = await sshplayWithInput(
      ['vault', 'encrypt_string', '--name', 'vault_eseries_api_password', '--vault-password-file', vaultFile],
      `${PASSWORD}\n`,
      { ANSIBLE_VAULT_PASSWORD_FILE: '' },
    );
    expect(enc.code, out(enc)).toBe(0);
    vaultedPassword = enc.stdout;
  });
  afterAll(() => {
    removeCert(cert);
    removeCert(wrongCert);
  });
  beforeEach(async () => {
    await array?.stop();
    array = new SimulatedArray(cert, { password: PASSWORD });
    url = await array.start();
  });
  afterAll(async () => {
    await array?.stop();
  });

  it('--check --diff shows JSON diffs and changes nothing; a run reaches the state; a second run changes nothing', async () => {
    const inv = await inventory();
    const check = await run(inv, '--check', '--diff', '-e', 'eseries_check_sessions=false');
    expect(check.code, out(check)).toBe(0);
    expect(array.state.changeLog).toEqual([]);
    expect(check.stdout).toContain('+++ array:host/rhel-host-1');
    expect(check.stdout).toMatch(/\+\s+"hostTypeIndex": 28/);
    expect(check.stdout).toMatch(/\+\s+"address": "192.168.131.102"/);
    expect(check.stdout).not.toContain(PASSWORD);

    const first = await run(inv, '--diff', '-e', 'eseries_check_sessions=false');
    expect(first.code, out(first)).toBe(0);
    // The recap counts a looped task once, as Ansible's: the ports, the hosts, the volumes, the mappings.
    expect(recap(first.stdout).array1?.changed, out(first)).toBe(4);
    expect(first.stdout).toContain(`target ${array.state.iqn}`);
    expect(first.stdout).not.toContain(PASSWORD);

    // The document's end state, read through the array's own API.
    const s = array.state.snapshot();
    expect(s.ports.map((p) => `${p.controller}${p.channel}=${p.address}`).sort()).toEqual([
      'A1=192.168.130.101',
      'A2=192.168.131.101',
      'B1=192.168.130.102',
      'B2=192.168.131.102',
    ]);
    const hosts = (await array.answer('GET', 'hosts')) as {
      name: string;
      hostTypeIndex: number;
      hostSidePorts: { address: string }[];
    }[];
    expect(hosts.map((h) => [h.name, h.hostTypeIndex, h.hostSidePorts.map((p) => p.address)])).toEqual([
      ['rhel-host-1', 28, ['iqn.1994-05.com.redhat:rhel-host-1']],
      ['sles-host-1', 28, ['iqn.1996-04.de.suse:01:sles-host-1']],
    ]);
    const volumes = (await array.answer('GET', 'volumes')) as {
      name: string;
      capacity: string;
      listOfMappings: { lun: number; mapRef: string }[];
    }[];
    const hostId = (name: string) => s.hosts.find((h) => h.name === name)?.id;
    expect(volumes.map((v) => [v.name, v.capacity, v.listOfMappings.map((m) => [m.lun, m.mapRef])])).toEqual([
      ['iser_vol_rhel', String(100 * 1024 ** 3), [[1, hostId('rhel-host-1')]]],
      ['iser_vol_sles', String(50 * 1024 ** 3), [[1, hostId('sles-host-1')]]],
    ]);

    const changesBefore = array.state.changeLog.length;
    const second = await run(inv, '-e', 'eseries_check_sessions=false');
    expect(second.code, out(second)).toBe(0);
    expect(recap(second.stdout).array1?.changed, out(second)).toBe(0);
    expect(array.state.changeLog.length).toBe(changesBefore);
  });

  it('the sessions are checked from the array: a host the array sees no session from fails the play, naming it', async () => {
    const inv = await inventory();
    array.state.sessions.push({ initiatorIqn: 'iqn.1994-05.com.redhat:rhel-host-1', controller: 'A' });
    const r = await run(inv);
    expect(r.code, out(r)).toBe(2);
    expect(out(r)).toMatch(/fewer than 1 session\(s\) from sles-host-1 \(iqn.1996-04.de.suse:01:sles-host-1: 0\)/);
    array.state.sessions.push({ initiatorIqn: 'iqn.1996-04.de.suse:01:sles-host-1', controller: 'B' });
    const ok = await run(inv, '-v');
    expect(ok.code, out(ok)).toBe(0);
    expect(ok.stdout).toMatch(/rhel-host-1: 1 session\(s\), sles-host-1: 1 session\(s\)/);
  });

  it('Automatic Load Balancing off defines the hosts as Linux DM-MP (Kernel 3.9 or earlier)', async () => {
    const r = await run(
      await inventory(),
      '-e',
      'eseries_check_sessions=false',
      '-e',
      'eseries_automatic_load_balancing=false',
    );
    expect(r.code, out(r)).toBe(0);
    expect(array.state.hosts.map((h) => h.hostTypeIndex)).toEqual([7, 7]);
  });

  it('a wrong API password fails the array with a clear message, names no password, changes nothing', async () => {
    const r = await run(await inventory({ password: 'Not-The-Password-9' }), '-e', 'eseries_check_sessions=false');
    expect(r.code, out(r)).not.toBe(0);
    expect(out(r)).toMatch(
      /array1: the array refused the credentials \(401 .*check eseries_api_username and eseries_api_password/,
    );
    expect(out(r)).not.toContain('Not-The-Password-9');
    expect(recap(r.stdout).array1?.unreachable).toBe(1);
    expect(array.state.changeLog).toEqual([]);
  });

  it('verified by a CA file instead of a pin; a CA that did not sign the certificate is refused before anything is sent', async () => {
    const ok = await run(await inventory({ caFile: cert.certFile }), '--check', '-e', 'eseries_check_sessions=false');
    expect(ok.code, out(ok)).toBe(0);
    expect(array.state.changeLog).toEqual([]);
    array.requests.length = 0;
    const bad = await run(
      await inventory({ caFile: wrongCert.certFile }),
      '--check',
      '-e',
      'eseries_check_sessions=false',
    );
    expect(bad.code, out(bad)).not.toBe(0);
    expect(out(bad)).toMatch(/does not verify against eseries_api_ca_file .*refused, nothing was sent/);
    expect(array.requests).toEqual([]);
  });

  it('a certificate that is not the pinned one is refused before the credentials are sent', async () => {
    const r = await run(await inventory({ pin: wrongCert.sha256 }), '-e', 'eseries_check_sessions=false');
    expect(r.code, out(r)).not.toBe(0);
    expect(out(r)).toMatch(/not the pinned eseries_api_cert_sha256.*refused, nothing was sent/);
    expect(array.requests).toEqual([]);
  });

  it('a host group: the hosts grouped, a volume mapped to the group; teardown undoes only what the inventory names', async () => {
    const inv = await inventory({
      extra: '',
    });
    // the group variant: both hosts in one group, one shared volume mapped to it
    const grouped = (await import('node:fs/promises'))
      .readFile(inv, 'utf8')
      .then((t) =>
        t.replace(
          /eseries_volumes:\n(?:.*\n){2}/,
          'eseries_host_group: iser_group\n          eseries_volumes:\n            - { name: iser_shared, pool: pool1, size_gb: 20, host: iser_group, lun: 2 }\n',
        ),
      );
    const groupInv = await writeTemp(dir, 'grouped.yml', await grouped);
    // somebody else's objects on the same array, which teardown must leave alone
    const other = array.state.createHost({
      name: 'someone-else',
      hostType: { index: 28 },
      ports: [{ type: 'iscsi', label: 'else_iqn', port: 'iqn.2005-03.org.example:else' }],
    });
    const otherVol = array.state.createVolume({ name: 'not-ours', poolId: array.state.pools[0]?.id, size: 1 });
    array.state.createMapping({ mappableObjectId: otherVol.id, targetId: other.id, lun: 2 });

    const first = await run(groupInv, '-e', 'eseries_check_sessions=false');
    expect(first.code, out(first)).toBe(0);
    const s = array.state.snapshot();
    const group = s.groups.find((g) => g.name === 'iser_group');
    expect(group).toBeDefined();
    expect(s.hosts.filter((h) => h.clusterRef === group?.clusterRef).map((h) => h.name)).toEqual([
      'rhel-host-1',
      'sles-host-1',
    ]);
    const shared = s.volumes.find((v) => v.name === 'iser_shared');
    expect(s.mappings.find((m) => m.volumeRef === shared?.volumeRef)).toMatchObject({
      type: 'cluster',
      mapRef: group?.clusterRef,
      lun: 2,
    });
    const again = await run(groupInv, '-e', 'eseries_check_sessions=false');
    expect(recap(again.stdout).array1?.changed, out(again)).toBe(0);

    const TEARDOWN = join(ROOT, 'playbooks/iser-array-teardown.yml');
    const teardown = (...extra: string[]) =>
      sshplay(['run', TEARDOWN, '-i', groupInv, '--vault-password-file', vaultFile, ...extra], {
        env: { ANSIBLE_VAULT_PASSWORD_FILE: '' },
      });
    // a host still logged in: the shared volume is not unmapped, nothing changes
    array.state.sessions.push({ initiatorIqn: 'iqn.1996-04.de.suse:01:sles-host-1', controller: 'B' });
    const busy = await teardown();
    expect(busy.code, out(busy)).not.toBe(0);
    expect(out(busy)).toMatch(
      /host sles-host-1 has a live session on the array: log it out before unmapping iser_shared/,
    );
    expect(array.state.mappings).toHaveLength(2);
    array.state.sessions.length = 0;

    const check = await teardown('--check');
    expect(check.code, out(check)).toBe(0);
    const changesBefore = array.state.changeLog.length;
    const down = await teardown();
    expect(down.code, out(down)).toBe(0);
    expect(array.state.changeLog.length).toBeGreaterThan(changesBefore);
    const after = array.state.snapshot();
    expect(after.groups).toEqual([]);
    expect(after.hosts.map((h) => h.name)).toEqual(['someone-else']);
    expect(after.mappings.map((m) => m.volumeRef)).toEqual([otherVol.volumeRef]);
    // volumes stay unless asked: they hold the hosts' data
    expect(after.volumes.map((v) => v.name).sort()).toEqual(['iser_shared', 'not-ours']);
    const del = await teardown('-e', 'eseries_delete_volumes=true');
    expect(del.code, out(del)).toBe(0);
    expect(array.state.volumes.map((v) => v.name)).toEqual(['not-ours']);
    const twice = await teardown('-e', 'eseries_delete_volumes=true');
    expect(recap(twice.stdout).array1?.changed, out(twice)).toBe(0);
  });

  it("teardown leaves a host of the inventory's name whose port is not the inventory's IQN", async () => {
    array.state.createHost({
      name: 'rhel-host-1',
      hostType: { index: 28 },
      ports: [{ type: 'iscsi', label: 'x_iqn', port: 'iqn.2005-03.org.example:not-rhel-host-1' }],
    });
    const r = await sshplay(
      [
        'run',
        join(ROOT, 'playbooks/iser-array-teardown.yml'),
        '-i',
        await inventory(),
        '--vault-password-file',
        vaultFile,
      ],
      { env: { ANSIBLE_VAULT_PASSWORD_FILE: '' } },
    );
    expect(r.code, out(r)).not.toBe(0);
    expect(out(r)).toMatch(
      /host rhel-host-1 on the array has port iqn.2005-03.org.example:not-rhel-host-1, not .*left alone/,
    );
    expect(array.state.hosts.map((h) => h.name)).toEqual(['rhel-host-1']);
  });

  it('a host module on the array is refused at load with its file:line:column, before anything connects', async () => {
    const playbook = await writeTemp(
      dir,
      'bad.yml',
      '- hosts: eseries_arrays\n  gather_facts: false\n  tasks:\n    - name: a shell on the array\n      command: uname -a\n',
    );
    const r = await sshplay(['run', playbook, '-i', await inventory(), '--vault-password-file', vaultFile], {
      env: { ANSIBLE_VAULT_PASSWORD_FILE: '' },
    });
    expect(r.code, out(r)).not.toBe(0);
    expect(r.stderr).toMatch(
      /bad\.yml:4:\d+: task 'a shell on the array' \(command\) would run on array1, an E-Series array/,
    );
    expect(array.requests).toEqual([]);
  });

  it('an array module on an ssh host is refused at load; the host playbooks run as before with the arrays in the inventory', async () => {
    const inv = await inventory({
      extra: '    iser_hosts:\n      hosts:\n        rhel-host-1: { ansible_host: 127.0.0.1 }\n',
    });
    const playbook = await writeTemp(
      dir,
      'mixed.yml',
      '- hosts: all\n  gather_facts: false\n  tasks:\n    - name: array facts everywhere\n      eseries_facts: {}\n',
    );
    const r = await sshplay(['run', playbook, '-i', inv, '--vault-password-file', vaultFile], {
      env: { ANSIBLE_VAULT_PASSWORD_FILE: '' },
    });
    expect(r.code, out(r)).not.toBe(0);
    expect(r.stderr).toMatch(
      /mixed\.yml:4:\d+: task 'array facts everywhere' \(eseries_facts\) would run on rhel-host-1, which is not an E-Series array/,
    );
    const hostSide = await sshplay([
      'run',
      join(ROOT, 'playbooks/iser.yml'),
      '-i',
      join(ROOT, 'inventory/example.yml'),
      '-i',
      join(ROOT, 'inventory/example-array.yml'),
      '--syntax-check',
    ]);
    expect(hostSide.code, out(hostSide)).toBe(0);
    expect(array.requests).toEqual([]);
  });
});
