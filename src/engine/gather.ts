import type { FactRequest, HostFacts } from '../facts/host-facts.js';
import { parseOsRelease, plainName } from '../facts/os-release.js';

// uname prints the fields asked for in its own fixed order: nodename, kernel release, machine.
const UNAME: FactRequest = { kind: 'command', cmd: { argv: ['uname', '-n', '-r', '-m'] } };
const OS_RELEASE: FactRequest = { kind: 'file', path: '/etc/os-release' };

/**
 * How the host configures its interfaces, as NetApp's host collection decides it (roles/ip/tasks/get_manager.yml):
 * NetworkManager.service running or enabled, and whether an `ifup` is installed (RHEL 8's nm-ifup, RHEL 7's
 * network-scripts; RHEL 9 has none unless NetworkManager-initscripts-updown is installed). Read-only, one line each.
 */
const NETWORK_TOOLS: FactRequest = {
  kind: 'command',
  cmd: {
    script:
      'printf "NetworkManager %s %s\\n" "$(systemctl is-active NetworkManager.service 2>/dev/null)" "$(systemctl is-enabled NetworkManager.service 2>/dev/null)"; command -v ifup >/dev/null 2>&1 && echo ifup; true',
  },
};

/** What fact gathering reads: fetched in the same round trip as the play's prefetch. */
export const GATHER_REQUESTS: FactRequest[] = [OS_RELEASE, UNAME, NETWORK_TOOLS];

/** NetworkManager in use (running or enabled) and ifup installed, from NETWORK_TOOLS' output. */
export function parseNetworkTools(stdout: string): { networkManager: boolean; ifup: boolean } {
  const lines = stdout.split('\n').map((l) => l.trim());
  const [, active = '', enabled = ''] = (lines.find((l) => l.startsWith('NetworkManager ')) ?? '').split(/\s+/);
  return { networkManager: active === 'active' || enabled === 'enabled', ifup: lines.includes('ifup') };
}

/**
 * Ansible-named facts: OS family and version from /etc/os-release, kernel, hostname and architecture from
 * one uname, each as ansible_<name> and as ansible_facts['<name>'] (Ansible's two spellings). Values as
 * ansible-core reports them (its facts/system/distribution.py OS_FAMILY_MAP, platform.machine()):
 * RHEL 8.6 RedHat/8.6/8/RedHat, SLES 15 SP4 SLES/15.4/15/Suse, Ubuntu 22.04 Ubuntu/22.04/22/Debian.
 * ansible_fqdn is the nodename: Ansible asks the host's resolver (socket.getfqdn), which a host
 * without a resolvable name answers with the nodename too.
 */
export async function gatherFacts(facts: HostFacts): Promise<Record<string, unknown>> {
  const [osRelease, uname, tools] = await Promise.all([
    facts.file('/etc/os-release'),
    facts.command(UNAME.kind === 'command' ? UNAME.cmd : { argv: [] }),
    facts.command(NETWORK_TOOLS.kind === 'command' ? NETWORK_TOOLS.cmd : { argv: [] }),
  ]);
  const network = parseNetworkTools(tools.stdout);
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
    // sshplay's own facts (no Ansible name): which interface configuration the host uses (iser-ipoib.yml)
    network_manager_in_use: network.networkManager,
    ifup_installed: network.ifup,
  };
}
