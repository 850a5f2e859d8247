/**
 * What `npm start` needs on the controller, checked all at once so one message names everything missing
 * (and one install line fixes it). The simulated hosts bring their own tools (sshd, parted, mkfs, ...):
 * their root is a Debian made by debootstrap (test/target/rootfs/build.sh), so the controller needs only
 * what starts them.
 */

/** One system tool the demo runs, and the package that provides it on Debian/Ubuntu and on RHEL. */
interface Tool {
  paths: string[];
  what: string;
  deb: string;
  rpm: string;
}

export const DEMO_TOOLS: Tool[] = [
  { paths: ['/usr/bin/unshare'], what: 'unshare (a namespace per host)', deb: 'util-linux', rpm: 'util-linux' },
  { paths: ['/usr/bin/nsenter'], what: 'nsenter', deb: 'util-linux', rpm: 'util-linux' },
  { paths: ['/usr/bin/setpriv'], what: 'setpriv', deb: 'util-linux', rpm: 'util-linux' },
  { paths: ['/usr/sbin/losetup', '/sbin/losetup'], what: 'losetup (a LUN per host)', deb: 'mount', rpm: 'util-linux' },
  { paths: ['/usr/bin/mount', '/bin/mount'], what: 'mount (overlay roots)', deb: 'mount', rpm: 'util-linux' },
  {
    paths: ['/usr/bin/ssh-keygen'],
    what: 'ssh-keygen (host and client keys)',
    deb: 'openssh-client',
    rpm: 'openssh-clients',
  },
  {
    paths: ['/usr/bin/openssl'],
    what: "openssl (the simulated array's TLS certificate)",
    deb: 'openssl',
    rpm: 'openssl',
  },
];

/** Built once (about 2 minutes, from the Debian mirror) when the hosts' root is not cached yet. */
export const DEBOOTSTRAP: Tool = {
  paths: ['/usr/sbin/debootstrap'],
  what: "debootstrap (builds the simulated hosts' Debian root once)",
  deb: 'debootstrap',
  rpm: 'debootstrap',
};

export interface Machine {
  platform: string;
  uid: number | undefined;
  exists(path: string): boolean;
  /** The hosts' Debian root is already built and cached. */
  rootfsCached: boolean;
}

/** Every problem at once, then the one install line for the missing packages; empty when the demo can run. */
export function demoProblems(m: Machine): string[] {
  const problems: string[] = [];
  if (m.platform !== 'linux') problems.push('the simulated fleet needs Linux (namespaces, overlayfs, loop devices)');
  if (m.uid !== 0)
    problems.push('run as root: the simulated hosts are mount/UTS/PID namespaces with loop devices (sudo npm start)');
  const tools = m.rootfsCached ? DEMO_TOOLS : [...DEMO_TOOLS, DEBOOTSTRAP];
  const absent = tools.filter((t) => !t.paths.some((p) => m.exists(p)));
  for (const t of absent) problems.push(`${t.what} is missing (${t.paths[0]})`);
  if (absent.length > 0) {
    const deb = [...new Set(absent.map((t) => t.deb))].join(' ');
    const rpm = [...new Set(absent.map((t) => t.rpm))].join(' ');
    problems.push(`install: apt-get install ${deb}   (RHEL/Fedora: dnf install ${rpm}; debootstrap is in EPEL)`);
  }
  return problems;
}
