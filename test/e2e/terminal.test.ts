/**
 * The console on a real terminal: the CLI runs under `script`, so its stdout is a pseudo-terminal and it
 * takes the TTY path (live status lines through log-update, colours), as an admin at a shell sees it.
 */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { quoteArg } from '../../src/remote-command.js';
import { describeNeeding } from '../support/prerequisites.js';
import { startNamespaceFleet } from '../target/namespace.js';
import type { Fleet } from '../target/types.js';
import { CLI, e2eUnavailable, ROOT, tempDir, writeTemp } from './helpers.js';

const missing = e2eUnavailable();

const PLAYBOOK = `
- hosts: all
  gather_facts: false
  tasks:
    - name: wait a second
      command: sleep 1.2
      changed_when: false
    - name: a file
      copy: { dest: /etc/sshplay-terminal, content: "tty\\n" }
`;

/** Runs the CLI with a pseudo-terminal as stdout; returns the raw bytes the terminal received. */
function onTerminal(
  args: string[],
  env: NodeJS.ProcessEnv,
  size = 'rows 40 cols 120',
): Promise<{ code: number; screen: string }> {
  // script's pty has no size of its own (no terminal above it): give it one, as a terminal window would
  const command = `stty ${size}; exec ${[process.execPath, CLI, ...args].map(quoteArg).join(' ')}`;
  const { NO_COLOR: _ignored, ...inherited } = process.env;
  return new Promise((resolve) => {
    execFile(
      'script',
      ['--quiet', '--return', '--command', command, '/dev/null'],
      { cwd: ROOT, env: { ...inherited, TERM: 'xterm-256color', SSH_AUTH_SOCK: '', ...env } },
      (error, stdout) => resolve({ code: error ? Number(error.code ?? 1) : 0, screen: stdout }),
    );
  });
}

describeNeeding(missing)('console on a terminal', () => {
  let fleet: Fleet;
  let inventory: string;
  let playbook: string;

  beforeAll(async () => {
    fleet = await startNamespaceFleet({
      hosts: [
        { name: 'alpha', flavor: 'rhel8' },
        { name: 'bravo', flavor: 'sles15' },
      ],
    });
    const dir = await tempDir('terminal');
    inventory = await fleet.writeInventory({ file: `${dir}/hosts.yml` });
    playbook = await writeTemp(dir, 'tty.yml', PLAYBOOK);
  }, 120_000);
  afterAll(async () => {
    await fleet?.stop();
  });

  it('live status lines while a task runs, colours, quiet ok lines, and a clean recap', async () => {
    const { code, screen } = await onTerminal(
      ['run', playbook, '-i', inventory, '--known-hosts', fleet.knownHostsFile],
      {},
    );
    expect(code, screen).toBe(0);
    // the live area showed the running task with both hosts in it (redrawn every 200 ms during the 1.2 s)
    expect(screen).toMatch(/⟳\S* wait a second .*running 2/);
    // colours: yellow for changed
    // both hosts' results print the same, so they share one line (grouped: changed: [alpha, bravo] ...)
    expect(screen).toMatch(new RegExp(`${'\u001b'}\\[33mchanged: \\[(\\w+, )*alpha(, \\w+)*\\] a file`));
    // on a terminal, ok results are only counted (the live lines show them), changed ones printed
    expect(screen).not.toContain('ok: [alpha] wait a second');
    const recapAt = screen.lastIndexOf('PLAY RECAP');
    expect(recapAt).toBeGreaterThan(0);
    // nothing of the live area is left after the recap
    expect(screen.slice(recapAt)).not.toContain('⟳');
    expect(screen.slice(recapAt)).toMatch(/alpha\S* : ok=2 changed=1 /);
  });

  it('NO_COLOR=1 on a terminal: live lines stay, colour codes go', async () => {
    await fleet.exec('alpha', 'rm -f /etc/sshplay-terminal');
    const { code, screen } = await onTerminal(
      ['run', playbook, '-i', inventory, '--known-hosts', fleet.knownHostsFile, '--limit', 'alpha'],
      { NO_COLOR: '1' },
    );
    expect(code, screen).toBe(0);
    expect(screen).toMatch(/⟳ wait a second/);
    expect(screen).toContain('changed: [alpha] a file');
    expect(screen).not.toContain('\u001b[33m');
    expect(screen).not.toContain('\u001b[32m');
  });

  it('a terminal that reports no size gets plain lines, ok results included', async () => {
    await fleet.exec('alpha', 'rm -f /etc/sshplay-terminal');
    const { code, screen } = await onTerminal(
      ['run', playbook, '-i', inventory, '--known-hosts', fleet.knownHostsFile, '--limit', 'alpha'],
      { NO_COLOR: '1' },
      'rows 0 cols 0',
    );
    expect(code, screen).toBe(0);
    expect(screen).toContain('ok: [alpha] wait a second');
    expect(screen).toContain('changed: [alpha] a file');
    expect(screen).not.toContain('⟳');
  });
});
