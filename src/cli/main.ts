#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { ConfigError, SshplayError, UsageError } from '../errors.js';
import { errorEvent } from '../report/json.js';
import { type CliSession, cliSession } from './session.js';
import type { VaultCliOptions } from './vault-passwords.js';

// Commands load their code when they run: `sshplay --help` and `--version` start without ssh2, Handlebars or YAML.
const EXIT = { usage: 5, config: 4, failed: 2 } as const;

const collect = (value: string, previous: string[]) => [...previous, value];
const increase = (_: string, previous: number) => previous + 1;

/** Ansible's vault options, for every command that reads an inventory or a playbook. */
function withVaultOptions(command: Command): Command {
  return command
    .option(
      '--vault-password-file <file>',
      'file holding a vault password, or a script printing it (repeatable)',
      collect,
      [],
    )
    .option(
      '--vault-id <label@source>',
      'a vault password with its label; source is a file or "prompt" (repeatable)',
      collect,
      [],
    )
    .option('-J, --ask-vault-pass', 'ask for the vault password');
}

function program(session: CliSession): Command {
  const cli = new Command('sshplay')
    .description('Agentless playbooks over SSH: the host side of NetApp E-Series iSER over InfiniBand, and more')
    .version('0.1.0')
    .exitOverride();

  withVaultOptions(cli.command('run'))
    .description('run a playbook against inventory hosts')
    .argument('<playbooks...>', 'playbook files (YAML), run one after the other as ansible-playbook does')
    .option(
      '-i, --inventory <path>',
      'inventory file or directory (repeatable; default: ansible.cfg inventory)',
      collect,
      [],
    )
    .option('-l, --limit <pattern>', "only these hosts: group or host names, globs, 'a:b', '!c', '&d', @retry-file")
    .option('-u, --user <name>', 'log in as this user (inventory ansible_user wins, as in Ansible)')
    .option('--private-key <file>', 'SSH private key file (inventory ansible_ssh_private_key_file wins)')
    .option('-b, --become', "run the hosts' sessions as root through sudo (a play's become keyword wins)")
    .option('--become-user <name>', 'the user become switches to (default root)')
    .option('-C, --check', 'show what would change; change nothing')
    .option('-D, --diff', 'show file diffs')
    .option('-f, --forks <n>', 'hosts worked on at once (default: ansible.cfg forks, else 10)')
    .option(
      '-e, --extra-vars <vars>',
      'key=value, JSON/YAML mapping or @file (repeatable, highest precedence)',
      collect,
      [],
    )
    .option('-t, --tags <tags>', 'only tasks with these tags (comma separated)')
    .option('--skip-tags <tags>', 'skip tasks with these tags')
    .option('--known-hosts <file>', 'known_hosts file to verify host keys against (default ~/.ssh/known_hosts)')
    .option(
      '-F, --ssh-config <file>',
      'OpenSSH client config: HostName, Port, User, IdentityFile, ProxyJump (default ~/.ssh/config)',
    )
    .option('--accept-new-host-keys', 'trust and record keys of hosts not yet known (changed keys are still refused)')
    .option('--json', 'one JSON object per event on stdout')
    .option('-v, --verbose', 'more output (repeat for more)', increase, 0)
    .option('--list-hosts', 'list the hosts each play would run on, and stop')
    .option('--list-tasks', 'list the tasks of each play, and stop')
    .option('--list-tags', 'list the tags of each play and its tasks, and stop')
    .option('--syntax-check', 'check the playbook (and what it imports) and the inventory, and stop')
    .option('-T, --timeout <seconds>', 'connect timeout per host (default: ansible.cfg timeout, else 10)')
    .option(
      '--task-timeout <seconds>',
      "seconds a task may run on a host before it fails, unless its 'timeout' says (default: ansible.cfg task_timeout, else 0: no limit)",
    )
    .option('--profile', 'print time spent per task at the end')
    .option('--start-at-task <name>', 'start at the task with this name')
    .option('--step', 'confirm each task before it runs')
    .option('-k, --ask-pass', 'ask for the SSH password')
    .option('-K, --ask-become-pass', 'ask for the sudo password')
    .addOption(new Option('--no-retry-file', 'do not write <playbook>.retry after failures'))
    .action(async (playbooks: string[], options) => {
      const { runPlaybookCommand } = await import('./run-command.js');
      process.exitCode = await runPlaybookCommand(playbooks, options, session);
    });

  withVaultOptions(cli.command('inventory'))
    .description('show an inventory as sshplay (and Ansible) reads it')
    .option(
      '-i, --inventory <path>',
      'inventory file or directory (repeatable; default: ansible.cfg inventory)',
      collect,
      [],
    )
    .option('--list', 'all hosts with their variables, as JSON')
    .option('--graph', 'the group tree')
    .action(async (options: { inventory: string[]; list?: boolean; graph?: boolean } & VaultCliOptions) => {
      const { useVaultPasswords } = await import('./vault-passwords.js');
      const { inventorySources, loadAnsibleConfig } = await import('./ansible-config.js');
      const config = await loadAnsibleConfig();
      const keyring = await useVaultPasswords(options, session.secrets, config?.vaultPasswordFile);
      const { loadInventory, renderInventoryGraph, renderInventoryList } = await import('../inventory/index.js');
      const inventory = await loadInventory(await inventorySources(options.inventory, config), { keyring });
      if (options.graph) process.stdout.write(`${renderInventoryGraph(inventory)}\n`);
      else {
        // What a vault opened stays hidden here too (ansible-inventory shows the ciphertext instead).
        const { redactValue } = await import('../engine/vars.js');
        const list = redactValue(renderInventoryList(inventory), keyring.secrets());
        process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
      }
    });

  withVaultOptions(cli.command('worksheet'))
    .description("fill in the document's iSER worksheet from the inventory and live facts")
    .option(
      '-i, --inventory <path>',
      'inventory file or directory (repeatable; default: ansible.cfg inventory)',
      collect,
      [],
    )
    .option('-l, --limit <pattern>', 'hosts to include', 'iser_hosts')
    .option('-o, --output <file>', 'write to a .md or .html file instead of stdout')
    .option('--known-hosts <file>', 'known_hosts file')
    .option('-F, --ssh-config <file>', 'OpenSSH client config (default ~/.ssh/config)')
    .option('-T, --timeout <seconds>', 'connect timeout per host (default: ansible.cfg timeout, else 10)')
    .option('-f, --forks <n>', 'hosts read at once (default: ansible.cfg forks, else 10)')
    .action(async (options) => {
      const { runWorksheetCommand } = await import('./worksheet-command.js');
      process.exitCode = await runWorksheetCommand(options, session.secrets);
    });
  const vault = cli
    .command('vault')
    .description('encrypt, decrypt and view Ansible Vault files and values (ansible-vault compatible)');
  withVaultOptions(vault.command('encrypt'))
    .description('encrypt files in place')
    .argument('<files...>')
    .action(async (files: string[], options) => {
      const { vaultEncrypt } = await import('./vault-command.js');
      process.exitCode = await vaultEncrypt(files, options, session.secrets);
    });
  withVaultOptions(vault.command('decrypt'))
    .description('decrypt files in place')
    .argument('<files...>')
    .action(async (files: string[], options) => {
      const { vaultDecrypt } = await import('./vault-command.js');
      process.exitCode = await vaultDecrypt(files, options, session.secrets);
    });
  withVaultOptions(vault.command('view'))
    .description('print a file decrypted')
    .argument('<file>')
    .action(async (file: string, options) => {
      const { vaultView } = await import('./vault-command.js');
      process.exitCode = await vaultView(file, options, session.secrets);
    });
  withVaultOptions(vault.command('encrypt_string').alias('encrypt-string'))
    .description('print `name: !vault |` for a YAML file; the string is asked for unless given')
    .argument('[string]', 'the value (better left out: argv shows in ps)')
    .option('-n, --name <name>', 'the variable name', 'value')
    .action(async (value: string | undefined, options) => {
      const { vaultEncryptString } = await import('./vault-command.js');
      process.exitCode = await vaultEncryptString(value, options, session.secrets);
    });
  return cli;
}

/** `sshplay playbooks/iser.yml` is what an ansible-playbook user types first: point at `run`. */
function playbookWithoutRun(argv: string[]): string | undefined {
  const first = argv[2];
  return first !== undefined && /\.ya?ml$/i.test(first) ? first : undefined;
}

/** Ansible's exit code for a run stopped by the user (ansible-playbook returns 99 on Ctrl-C). */
const EXIT_INTERRUPTED = 99;

/**
 * Ctrl-C before or outside a run (loading the inventory, waiting on a file, a vault command) exits 99 as a
 * Ctrl-C during the run does, not Node's default death by signal (130 in a shell, null for a parent). A run
 * installs its own handler (finish the running tasks, then the recap): this one then steps aside.
 */
function exitOnEarlyInterrupt(): void {
  process.on('SIGINT', () => {
    if (process.listenerCount('SIGINT') > 1) return;
    process.stderr.write('\nInterrupted.\n');
    process.exit(EXIT_INTERRUPTED);
  });
}

async function main(argv: string[]): Promise<number> {
  exitOnEarlyInterrupt();
  const playbook = playbookWithoutRun(argv);
  if (playbook) {
    process.stderr.write(
      `ERROR: '${playbook}' is not a command. To run a playbook: sshplay run ${argv.slice(2).join(' ')}\n`,
    );
    return EXIT.usage;
  }
  // --json: an error that stops sshplay is an event too (CI reads stdout), besides the plain line on stderr.
  const json = argv.slice(2).includes('--json');
  const session = cliSession();
  const fail = (kind: string, message: string, code: number, plain = `ERROR: ${message}`): number => {
    process.stderr.write(`${plain}\n`);
    if (json) session.json.event(errorEvent(kind, message, code));
    return code;
  };
  try {
    await program(session).parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return 0;
      // Commander already printed its message on stderr.
      if (json) session.json.event(errorEvent('usage', e.message.replace(/^error: /, ''), EXIT.usage));
      return EXIT.usage;
    }
    if (e instanceof UsageError) return fail('usage', e.message, EXIT.usage);
    if (e instanceof ConfigError) return fail('config', e.message, EXIT.config);
    if (e instanceof SshplayError) return fail('failed', e.message, EXIT.failed);
    const stack = (e as Error).stack ?? String(e);
    return fail('internal', String((e as Error).message ?? e), 250, `INTERNAL ERROR (a bug in sshplay): ${stack}`);
  }
}

// `sshplay ... | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

main(process.argv).then((code) => {
  process.exitCode = code;
});
