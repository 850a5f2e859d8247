import { fileFact } from './fact.js';

/** The parts of /etc/os-release that decide paths and package names. */
export interface OsRelease {
  id: string; // rhel, sles, ubuntu, ...
  version: string; // 8.6, 15.4, 22.04
  /** Ansible's ansible_os_family: RedHat, Suse, Debian. */
  family: string;
  /** Ansible's ansible_distribution: RedHat, SLES, Ubuntu. */
  distribution: string;
  prettyName: string;
}

const FAMILIES: Record<string, [family: string, distribution: string]> = {
  rhel: ['RedHat', 'RedHat'],
  centos: ['RedHat', 'CentOS'],
  rocky: ['RedHat', 'Rocky'],
  almalinux: ['RedHat', 'AlmaLinux'],
  ol: ['RedHat', 'OracleLinux'],
  fedora: ['RedHat', 'Fedora'],
  sles: ['Suse', 'SLES'],
  sles_sap: ['Suse', 'SLES_SAP'],
  'opensuse-leap': ['Suse', 'openSUSE Leap'],
  ubuntu: ['Debian', 'Ubuntu'],
  debian: ['Debian', 'Debian'],
};

/**
 * A fact that names files (`vars/{{ansible_os_family}}.yml`) and keys (`supported_os[os_id]`): the host
 * wrote it, so only a plain name is taken (letters, digits, `. _ + -` and spaces, no `..`, not starting
 * with a dot), anything else is 'unknown' (a host that is then not in any support table).
 */
export function plainName(value: string | undefined, fallback = 'unknown'): string {
  if (value === undefined) return fallback;
  return /^[A-Za-z0-9][A-Za-z0-9 ._+-]{0,63}$/.test(value) && !value.includes('..') ? value : fallback;
}

export function parseOsRelease(text: string): OsRelease {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) fields.set(m[1] as string, (m[2] as string).replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1'));
  }
  const id = plainName(fields.get('ID'));
  const known = Object.hasOwn(FAMILIES, id) ? FAMILIES[id] : undefined;
  const [family, distribution] = known ?? [
    plainName(fields.get('ID_LIKE')?.split(' ')[0]),
    plainName(fields.get('NAME'), id),
  ];
  return {
    id,
    version: plainName(fields.get('VERSION_ID'), ''),
    family,
    distribution,
    // shown, never used as a name: only control characters (terminal escapes) are taken out
    prettyName: [...(fields.get('PRETTY_NAME') ?? id)]
      .filter(
        (ch) =>
          (ch.codePointAt(0) ?? 0) >= 0x20 && !((ch.codePointAt(0) ?? 0) >= 0x7f && (ch.codePointAt(0) ?? 0) <= 0x9f),
      )
      .join('')
      .slice(0, 200),
  };
}

/** The distribution, from /etc/os-release (os-release(5)); a host without one is 'unknown'. */
export const osRelease = fileFact<void, OsRelease>({
  name: 'os.release',
  path: () => '/etc/os-release',
  parse: (file) => parseOsRelease(file?.content?.toString('utf8') ?? ''),
});
