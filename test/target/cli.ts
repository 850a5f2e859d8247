/**
 * Simulated hosts to play with by hand (namespace target, needs root):
 *
 *   node dist/test/target/cli.js start [--hosts N] [--flavors rhel8,sles15] [--dir .sim]
 *       starts the default fleet (host1..host5 in iser_hosts alternating rhel8/sles15, plus `outsider`),
 *       or N hosts host1..hostN in iser_hosts, leaves them running and prints the inventory's path;
 *       the folder holds the key, known_hosts, inventory.yml and the state file `stop` reads.
 *   node dist/test/target/cli.js status [--dir .sim]
 *   node dist/test/target/cli.js stop [--dir .sim]
 *       stops the hosts and removes every trace (also after a crashed run).
 *
 * Then, e.g.: npx sshplay run playbooks/iser.yml -i .sim/inventory.yml --known-hosts .sim/known_hosts
 *             ssh -i .sim/id_ed25519 -o UserKnownHostsFile=.sim/known_hosts root@127.0.1.1
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startNamespaceFleet, stopFleetDirSync } from './namespace.js';
import type { SimFlavor, SimHostSpec } from './types.js';

const FLAVORS: SimFlavor[] = ['rhel9', 'rhel8', 'rhel7', 'sles15', 'sles12', 'ubuntu22'];
const USAGE = `usage: cli.js start [--hosts N] [--flavors rhel8,sles15] [--dir DIR]
       cli.js status [--dir DIR]
       cli.js stop [--dir DIR]
DIR defaults to .sim; flavors: ${FLAVORS.join(', ')} (cycled over the hosts)`;

interface Args {
  command: string;
  dir: string;
  hosts: number | null;
  flavors: SimFlavor[];
}

function parse(argv: string[]): Args {
  const args: Args = { command: argv[0] ?? '', dir: '.sim', hosts: null, flavors: ['rhel8', 'sles15'] };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i] as string;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--dir') args.dir = value();
    else if (flag === '--hosts') {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1 || n > 254) throw new Error('--hosts must be 1..254');
      args.hosts = n;
    } else if (flag === '--flavors') {
      const list = value().split(',');
      for (const f of list) if (!FLAVORS.includes(f as SimFlavor)) throw new Error(`unknown flavor ${f}`);
      args.flavors = list as SimFlavor[];
    } else if (flag === '-h' || flag === '--help') args.command = 'help';
    else throw new Error(`unknown option ${a}`);
  }
  return args;
}

async function main(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parse(argv);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const dir = resolve(args.dir);
  switch (args.command) {
    case 'start': {
      const hosts: SimHostSpec[] | undefined =
        args.hosts === null
          ? undefined
          : Array.from({ length: args.hosts }, (_, i) => ({
              name: `host${i + 1}`,
              flavor: args.flavors[i % args.flavors.length] as SimFlavor,
              groups: ['iser_hosts'],
            }));
      const started = Date.now();
      const fleet = await startNamespaceFleet({ hosts, dir, persistent: true });
      const inventory = await fleet.writeInventory({ file: join(dir, 'inventory.yml') });
      process.stderr.write(
        `${fleet.hosts.map((h) => `  ${h.name.padEnd(10)} ${h.flavor.padEnd(8)} ${h.address}:${h.port}`).join('\n')}\n` +
          `started ${fleet.hosts.length} hosts in ${((Date.now() - started) / 1000).toFixed(1)}s; ` +
          `key ${fleet.privateKeyFile}, known_hosts ${fleet.knownHostsFile}; stop with: node ${process.argv[1]} stop --dir ${args.dir}\n`,
      );
      process.stdout.write(`${inventory}\n`);
      return 0;
    }
    case 'status': {
      const file = join(dir, 'state.json');
      if (!existsSync(file)) {
        process.stdout.write(`no fleet in ${dir}\n`);
        return 1;
      }
      const state = JSON.parse(readFileSync(file, 'utf8')) as {
        hosts: { name: string; flavor: string; address: string; status: string; initPid: number | null }[];
      };
      for (const h of state.hosts) {
        const alive = h.initPid !== null && existsSync(`/proc/${h.initPid}`);
        process.stdout.write(
          `${h.name.padEnd(10)} ${h.flavor.padEnd(8)} ${h.address.padEnd(12)} ${alive ? h.status : 'not running'}\n`,
        );
      }
      return 0;
    }
    case 'stop': {
      const found = stopFleetDirSync(dir);
      process.stderr.write(found ? `stopped the fleet in ${dir}\n` : `no fleet in ${dir}\n`);
      return 0;
    }
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    default:
      process.stderr.write(`${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
