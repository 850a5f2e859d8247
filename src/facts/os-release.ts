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

export function parseOsRelease(text: string): OsRelease {
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) fields[m[1] as string] = (m[2] as string).replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
  }
  const id = fields.ID ?? 'unknown';
  const [family, distribution] = FAMILIES[id] ?? [fields.ID_LIKE?.split(' ')[0] ?? 'unknown', fields.NAME ?? id];
  return { id, version: fields.VERSION_ID ?? '', family, distribution, prettyName: fields.PRETTY_NAME ?? id };
}
