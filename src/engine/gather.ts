import type { FactRequest, HostFacts } from '../facts/host-facts.js';
import { parseOsRelease, plainName } from '../facts/os-release.js';

// uname prints the fields asked for in its own fixed order: nodename, kernel release, machine.
const UNAME: FactRequest = { kind: 'command', cmd: { argv: ['uname', '-n', '-r', '-m'] } };
const OS_RELEASE: FactRequest = { kind: 'file', path: '/etc/os-release' };

/** What fact gathering reads: fetched in the same round trip as the play's prefetch. */
export const GATHER_REQUESTS: FactRequest[] = [OS_RELEASE, UNAME];

/**
 * Ansible-named facts: OS family and version from /etc/os-release, kernel, hostname and architecture from
 * one uname, each as ansible_<name> and as ansible_facts['<name>'] (Ansible's two spellings). Values as
 * ansible-core reports them (its facts/system/distribution.py OS_FAMILY_MAP, platform.machine()):
 * RHEL 8.6 RedHat/8.6/8/RedHat, SLES 15 SP4 SLES/15.4/15/Suse, Ubuntu 22.04 Ubuntu/22.04/22/Debian.
 * ansible_fqdn is the nodename: Ansible asks the host's resolver (socket.getfqdn), which a host
 * without a resolvable name answers with the nodename too.
 */
export async function gatherFacts(facts: HostFacts): Promise<Record<string, unknown>> {
  const [osRelease, uname] = await Promise.all([
    facts.file('/etc/os-release'),
    facts.command(UNAME.kind === 'command' ? UNAME.cmd : { argv: [] }),
  ]);
  const os = parseOsRelease(osRelease?.content?.toString('utf8') ?? '');
  // The host's own words, used in paths (/boot/initramfs-{{ansible_kernel}}.img): plain names only.
  const [hostname = '', kernel = '', architecture = ''] = uname.stdout
    .trim()
    .split(/\s+/)
    .map((w) => plainName(w, ''));
  const named: Record<string, unknown> = {
    os_family: os.family,
    distribution: os.distribution,
    distribution_version: os.version,
    distribution_major_version: os.version.split('.')[0] ?? '',
    kernel,
    architecture,
    hostname: hostname.split('.')[0],
    nodename: hostname,
    fqdn: hostname,
  };
  return {
    ...Object.fromEntries(Object.entries(named).map(([k, v]) => [`ansible_${k}`, v])),
    ansible_facts: named,
    os_id: os.id,
  };
}
