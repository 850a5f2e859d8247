import { describe, expect, test } from 'vitest';
import { GATHER_REQUESTS, gatherFacts, parseNetworkTools } from '../../../src/engine/gather.js';
import { HostFacts } from '../../../src/facts/host-facts.js';
import { shellText } from '../../../src/remote-command.js';
import { evaluateCondition } from '../../../src/template/expression.js';
import { renderValue } from '../../../src/template/render.js';
import { ReadOnlyFakeConnection } from '../modules/fake-context.js';

// /etc/os-release as the three distributions ship it, and the facts ansible-core 2.14 reports on them
// (distribution.py's OS_FAMILY_MAP; distribution_version is VERSION_ID, major its first part).
// The read-ahead's network tools command, as GATHER_REQUESTS holds it.
const NETWORK_TOOLS =
  GATHER_REQUESTS.flatMap((r) => (r.kind === 'command' && 'script' in r.cmd ? [shellText(r.cmd)] : []))[0] ?? '';

const HOSTS: [string, string, string, Record<string, string>][] = [
  [
    'RHEL 8.6',
    'NAME="Red Hat Enterprise Linux"\nVERSION="8.6 (Ootpa)"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="8.6"\nPLATFORM_ID="platform:el8"\nPRETTY_NAME="Red Hat Enterprise Linux 8.6 (Ootpa)"\n',
    'rhel8.example.com 4.18.0-372.9.1.el8.x86_64 x86_64\n',
    {
      distribution: 'RedHat',
      distribution_version: '8.6',
      distribution_major_version: '8',
      os_family: 'RedHat',
      hostname: 'rhel8',
      fqdn: 'rhel8.example.com',
      kernel: '4.18.0-372.9.1.el8.x86_64',
      architecture: 'x86_64',
    },
  ],
  [
    'SLES 15 SP4',
    'NAME="SLES"\nVERSION="15-SP4"\nVERSION_ID="15.4"\nPRETTY_NAME="SUSE Linux Enterprise Server 15 SP4"\nID="sles"\nID_LIKE="suse"\n',
    'sles15 5.14.21-150400.22-default x86_64\n',
    {
      distribution: 'SLES',
      distribution_version: '15.4',
      distribution_major_version: '15',
      os_family: 'Suse',
      hostname: 'sles15',
      fqdn: 'sles15',
      kernel: '5.14.21-150400.22-default',
      architecture: 'x86_64',
    },
  ],
  [
    'Ubuntu 22.04',
    'PRETTY_NAME="Ubuntu 22.04.3 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nVERSION="22.04.3 LTS (Jammy Jellyfish)"\nVERSION_CODENAME=jammy\nID=ubuntu\nID_LIKE=debian\n',
    'ubuntu2204 5.15.0-91-generic aarch64\n',
    {
      distribution: 'Ubuntu',
      distribution_version: '22.04',
      distribution_major_version: '22',
      os_family: 'Debian',
      hostname: 'ubuntu2204',
      fqdn: 'ubuntu2204',
      kernel: '5.15.0-91-generic',
      architecture: 'aarch64',
    },
  ],
];

describe('gathered facts under Ansible names', () => {
  test.each(HOSTS)('%s', async (_name, osRelease, uname, expected) => {
    const conn = new ReadOnlyFakeConnection({
      files: { '/etc/os-release': osRelease },
      commands: { 'uname -n -r -m': { stdout: uname }, [NETWORK_TOOLS]: { stdout: 'NetworkManager active enabled\n' } },
    });
    const facts = new HostFacts(conn);
    await facts.prefetch(GATHER_REQUESTS);
    const gathered = await gatherFacts(facts);
    for (const [k, v] of Object.entries(expected)) {
      expect(gathered[`ansible_${k}`], `ansible_${k}`).toBe(v);
      expect((gathered.ansible_facts as Record<string, unknown>)[k], `ansible_facts['${k}']`).toBe(v);
    }
    // everything came in the one read-ahead: one command batch and one file batch, nothing read twice
    expect(conn.stats.roundTrips).toBe(2);
    expect(conn.reads).toEqual(['uname -n -r -m', NETWORK_TOOLS]);
    expect(gathered.network_manager_in_use).toBe(true);
    expect(conn.fileReads).toEqual(['/etc/os-release']);
    // as playbooks test them
    expect(evaluateCondition(`ansible_facts['os_family'] == '${expected.os_family}'`, gathered)).toBe(true);
    expect(evaluateCondition(`ansible_distribution_major_version | int >= 8`, gathered)).toBe(true);
    expect(renderValue("{{ ansible_facts['distribution'] | lower }}", gathered)).toBe(
      expected.distribution?.toLowerCase(),
    );
  });
});

describe('which interface configuration the host uses (NetworkManager, ifup)', () => {
  test.each([
    ['RHEL 9: NetworkManager running and enabled, no ifup', 'NetworkManager active enabled\n', true, false],
    ['RHEL 8: NetworkManager and nm-ifup', 'NetworkManager active enabled\nifup\n', true, true],
    ['enabled but stopped', 'NetworkManager inactive enabled\n', true, false],
    ['running but disabled', 'NetworkManager active disabled\n', true, false],
    ['disabled and stopped, network-scripts ifup', 'NetworkManager inactive disabled\nifup\n', false, true],
    ['no such unit (SLES, Ubuntu)', 'NetworkManager inactive \n', false, false],
    ['no systemd at all', 'NetworkManager  \n', false, false],
  ])('%s', (_name, stdout, networkManager, ifup) => {
    expect(parseNetworkTools(stdout)).toEqual({ networkManager, ifup });
  });
});
