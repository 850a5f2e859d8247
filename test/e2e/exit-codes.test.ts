/**
 * Exit codes beside ansible-playbook's own (Debian's ansible-core 2.14): the same cases run through both on
 * one inventory (the controller as a local host, and a host whose ssh port refuses connections), and the
 * table README.md gives is what both really return.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { expect, it } from 'vitest';
import { describeNeeding, firstMissing } from '../support/prerequisites.js';
import { cliMissing, sshplay, tempDir, writeTemp } from './helpers.js';

const ANSIBLE = '/usr/bin/ansible-playbook';
const missing = firstMissing(existsSync(ANSIBLE) ? null : `${ANSIBLE} (install ansible-core)`, cliMissing);

function ansiblePlaybook(args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = execFile(ANSIBLE, args, { env: { ...process.env, ANSIBLE_RETRY_FILES_ENABLED: 'False' } });
    child.on('exit', (code) => resolve(code ?? -1));
  });
}

// README.md, "Exit codes": [case, ansible-playbook 2.14, sshplay]
const TABLE: [string, number, number][] = [
  ['ok', 0, 0],
  ['failed', 2, 2],
  ['unreachable', 4, 3],
  ['failed+unreachable', 4, 2],
  ['parse error', 4, 4],
  ['unknown option', 2, 5],
];

describeNeeding(missing)('exit codes as ansible-playbook returns them, and where sshplay differs', () => {
  it.each(TABLE)('%s: ansible-playbook %i, sshplay %i', async (name, ansibleCode, sshplayCode) => {
    const dir = await tempDir('exit-codes');
    const inventory = await writeTemp(
      dir,
      'hosts.ini',
      '[local]\nlocalhost ansible_connection=local\n[refusing]\ndown ansible_host=127.0.0.1 ansible_port=1\n',
    );
    const play = (hosts: string, task: string) => `- hosts: ${hosts}\n  gather_facts: false\n  tasks:\n    - ${task}\n`;
    const playbooks: Record<string, string> = {
      ok: play('local', 'command: "true"'),
      failed: play('local', 'command: "false"'),
      unreachable: play('refusing', 'command: "true"'),
      'failed+unreachable': play('all', 'command: "false"'),
      'parse error': '- hosts: local\n  tasks: [\n',
      'unknown option': play('local', 'command: "true"'),
    };
    const pb = await writeTemp(dir, 'pb.yml', playbooks[name] as string);
    const extra = name === 'unknown option' ? ['--no-such-option'] : [];
    const ansible = await ansiblePlaybook(['-i', inventory, pb, ...extra]);
    const ours = await sshplay([
      'run',
      pb,
      '-i',
      inventory,
      '--known-hosts',
      `${dir}/known_hosts`,
      '--no-retry-file',
      ...extra,
    ]);
    expect({ ansible, sshplay: ours.code }, ours.stdout + ours.stderr).toEqual({
      ansible: ansibleCode,
      sshplay: sshplayCode,
    });
  });
});
