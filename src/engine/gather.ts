import type { FactRequest, HostFacts } from '../facts/host-facts.js';
import { parseOsRelease, plainName } from '../facts/os-release.js';

const UNAME: FactRequest = { kind: 'command', cmd: { argv: ['uname', '-n', '-r'] } };
const OS_RELEASE: FactRequest = { kind: 'file', path: '/etc/os-release' };

/** What fact gathering reads: fetched in the same round trip as the play's prefetch. */
export const GATHER_REQUESTS: FactRequest[] = [OS_RELEASE, UNAME];

/** Ansible-named facts: OS family and version from /etc/os-release, kernel and hostname from one uname. */
export async function gatherFacts(facts: HostFacts): Promise<Record<string, unknown>> {
  const [osRelease, uname] = await Promise.all([
    facts.file('/etc/os-release'),
    facts.command(UNAME.kind === 'command' ? UNAME.cmd : { argv: [] }),
  ]);
  const os = parseOsRelease(osRelease?.content?.toString('utf8') ?? '');
  // The host's own words, used in paths (/boot/initramfs-{{ansible_kernel}}.img): plain names only.
  const [hostname, kernel] = uname.stdout
    .trim()
    .split(/\s+/)
    .map((w) => plainName(w, ''));
  return {
    ansible_os_family: os.family,
    ansible_distribution: os.distribution,
    ansible_distribution_version: os.version,
    ansible_distribution_major_version: os.version.split('.')[0] ?? '',
    ansible_kernel: kernel ?? '',
    ansible_hostname: (hostname ?? '').split('.')[0],
    ansible_fqdn: hostname ?? '',
    os_id: os.id,
  };
}
