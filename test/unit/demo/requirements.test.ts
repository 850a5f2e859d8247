import { describe, expect, test } from 'vitest';
import { DEBOOTSTRAP, DEMO_TOOLS, demoProblems, type Machine } from '../../../demo/requirements.js';

const everything = new Set([...DEMO_TOOLS, DEBOOTSTRAP].map((t) => t.paths[0] as string));
const machine = (over: Partial<Machine> = {}, absent: string[] = []): Machine => ({
  platform: 'linux',
  uid: 0,
  exists: (p) => everything.has(p) && !absent.includes(p),
  rootfsCached: false,
  ...over,
});

describe('npm start: what the demo needs', () => {
  test('a machine with everything: no problem', () => {
    expect(demoProblems(machine())).toEqual([]);
  });

  test('everything missing is named at once, with one install line (Debian and RHEL names)', () => {
    const problems = demoProblems(machine({ uid: 1000 }, [...everything]));
    expect(problems[0]).toMatch(/^run as root/);
    for (const t of [...DEMO_TOOLS, DEBOOTSTRAP]) expect(problems.join('\n')).toContain(t.what);
    expect(problems.at(-1)).toBe(
      'install: apt-get install util-linux mount openssh-client openssl debootstrap   ' +
        '(RHEL/Fedora: dnf install util-linux openssh-clients openssl debootstrap; debootstrap is in EPEL)',
    );
    expect(problems).toHaveLength(1 + DEMO_TOOLS.length + 1 + 1);
  });

  test('neither sshd nor parted is asked of the controller: the hosts bring their own', () => {
    expect(demoProblems(machine()).join('\n')).not.toMatch(/sshd|openssh-server|parted/);
  });

  test("debootstrap is needed only while the hosts' root is not cached yet", () => {
    expect(demoProblems(machine({ rootfsCached: true }, ['/usr/sbin/debootstrap']))).toEqual([]);
    expect(demoProblems(machine({}, ['/usr/sbin/debootstrap'])).at(-1)).toMatch(/apt-get install debootstrap /);
  });

  test('a tool found at its other path is not missing (/sbin/losetup on older systems)', () => {
    const m = machine({}, ['/usr/sbin/losetup']);
    expect(demoProblems({ ...m, exists: (p) => p === '/sbin/losetup' || m.exists(p) })).toEqual([]);
  });
});
