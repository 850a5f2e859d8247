/**
 * `npm start`: the main job on an embedded default. Starts a local simulated fleet (namespace hosts,
 * each a real OpenSSH sshd on a Debian root of its own, built once by debootstrap) and a simulated E-Series array
 * (its REST API over HTTPS, wired to the hosts: test/target/array), runs playbooks/iser.yml against both in check
 * mode and then for real (the array side first, the hosts taking the array's IQN, portals and WWIDs from it), runs
 * it once more to show that nothing changes, writes the worksheet (Markdown and HTML) from both sides, and tears
 * everything down, also on Ctrl-C or failure.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { type ArrayHostLink, linkArrayToFleet } from '../test/target/array/host-link.js';
import { arrayInventoryYaml, withoutArrayValues } from '../test/target/array/inventory.js';
import { makeSelfSignedCert, removeCert, type SelfSignedCert, SimulatedArray } from '../test/target/array/server.js';
import { defaultFleetSpec, startNamespaceFleet } from '../test/target/namespace.js';
import { hostRootfsKey, SSHPLAY_ROOTFS_CACHE } from '../test/target/rootfs.js';
import type { Fleet } from '../test/target/types.js';
import { demoProblems } from './requirements.js';

const ROOT = join(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/src/cli/main.js');
const OUT = join(ROOT, 'demo-output');
/** The simulated array's API password (a demo on 127.0.0.1; a real inventory takes it from vault). */
const DEMO_ARRAY_PASSWORD = 'demo-array-password';

async function missing(): Promise<string[]> {
  let rootfsCached = false;
  try {
    rootfsCached = existsSync(join(SSHPLAY_ROOTFS_CACHE, `rootfs-${await hostRootfsKey()}`, '.sshplay-rootfs'));
  } catch {}
  return demoProblems({ platform: process.platform, uid: process.getuid?.(), exists: existsSync, rootfsCached });
}

function step(title: string): void {
  process.stdout.write(`\n\u001b[1m==> ${title}\u001b[0m\n`);
}

function cli(args: string[]): Promise<number> {
  process.stdout.write(`$ sshplay ${args.map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ')}\n`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: 'inherit', cwd: ROOT });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<number> {
  const problems = await missing();
  if (problems.length) {
    process.stderr.write(`sshplay demo cannot start:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return 1;
  }
  let fleet: Fleet | undefined;
  let cert: SelfSignedCert | undefined;
  let array: SimulatedArray | undefined;
  let link: ArrayHostLink | undefined;
  const stop = async () => {
    link?.unlink();
    link = undefined;
    await array?.stop();
    array = undefined;
    if (cert) removeCert(cert);
    cert = undefined;
    if (fleet) {
      step('Tearing the simulated fleet down');
      await fleet.stop();
      fleet = undefined;
    }
  };
  process.once('SIGINT', () => {
    void stop().then(() => process.exit(99));
  });
  try {
    step('Starting a simulated fleet: 5 iSER hosts (RHEL 8, SLES 15) and 1 host outside the group');
    const started = Date.now();
    fleet = await startNamespaceFleet({});
    process.stdout.write(
      `${fleet.hosts.map((h) => `  ${h.name.padEnd(10)} ${h.flavor.padEnd(8)} ${h.address}:${h.port}`).join('\n')}\n`,
    );
    process.stdout.write(`  started in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
    step('Starting a simulated E-Series array (SANtricity REST API on 127.0.0.1), cabled to the hosts');
    cert = makeSelfSignedCert();
    array = new SimulatedArray(cert, { password: DEMO_ARRAY_PASSWORD });
    const url = await array.start();
    link = linkArrayToFleet(array, fleet);
    process.stdout.write(`  ${url} (target ${array.state.iqn}; no iSER port configured yet)\n`);
    await mkdir(OUT, { recursive: true });
    // the hosts' inventory names no target IQN, portal or WWID: the array's play gives them
    const inventory = join(OUT, 'inventory.yml');
    await fleet.writeInventory({ file: inventory });
    await writeFile(inventory, withoutArrayValues(await readFile(inventory, 'utf8')));
    const arrayInventory = join(OUT, 'array.yml');
    const iserHosts = defaultFleetSpec().filter((h) => h.groups?.includes('iser_hosts'));
    await writeFile(
      arrayInventory,
      arrayInventoryYaml({ url, certSha256: cert.sha256, password: DEMO_ARRAY_PASSWORD, hosts: iserHosts }),
    );
    const inventories = ['-i', relative(ROOT, inventory), '-i', relative(ROOT, arrayInventory)];
    const base = [
      'run',
      'playbooks/iser.yml',
      ...inventories,
      '--known-hosts',
      fleet.knownHostsFile,
      '--limit',
      'iser_hosts:eseries_arrays',
    ];

    step('1. Preview: --check --diff (changes nothing)');
    if ((await cli([...base, '--check', '--diff'])) !== 0) return 2;
    step('2. Apply');
    if ((await cli(base)) !== 0) return 2;
    step('3. Apply again: nothing left to change');
    if ((await cli(base)) !== 0) return 2;
    step('4. Record the configuration: the worksheet');
    const ws = ['worksheet', ...inventories, '--known-hosts', fleet.knownHostsFile, '--limit', 'iser_hosts'];
    await cli([...ws, '-o', join('demo-output', 'worksheet.md')]);
    await cli([...ws, '-o', join('demo-output', 'worksheet.html')]);
    process.stdout.write(`  worksheet: ${join(OUT, 'worksheet.md')} and ${join(OUT, 'worksheet.html')}\n`);
    return 0;
  } finally {
    await stop();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`demo failed: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  },
);
