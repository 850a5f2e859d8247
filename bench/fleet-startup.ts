/**
 * `npm run bench:fleet [-- 5 50]`: how long the namespace test target takes to start, reset and stop a
 * fleet of N hosts (default 5 and 50). A measurement, not a test (it was one in test/e2e/target.test.ts):
 * it fails only when a fleet does not start, answer, or clean up after itself. Needs root.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { startNamespaceFleet } from '../test/target/namespace.js';
import type { SimFlavor, SimHostSpec } from '../test/target/types.js';

const FLAVORS: SimFlavor[] = ['rhel8', 'sles15', 'ubuntu22'];

async function measure(n: number): Promise<string> {
  const specs: SimHostSpec[] = Array.from({ length: n }, (_, i) => ({
    name: `host${i + 1}`,
    flavor: FLAVORS[i % FLAVORS.length] as SimFlavor,
    groups: ['iser_hosts'],
  }));
  const t0 = performance.now();
  const fleet = await startNamespaceFleet({ hosts: specs });
  const started = performance.now() - t0;
  try {
    const last = fleet.hosts.at(-1);
    if (!last) throw new Error('a fleet without hosts');
    const name = (await fleet.exec(last.name, 'hostname')).stdout.trim();
    if (name !== last.name) throw new Error(`host ${last.name} answers as '${name}'`);
    const t1 = performance.now();
    await fleet.reset();
    const reset = performance.now() - t1;
    const t2 = performance.now();
    await fleet.stop();
    const stopped = performance.now() - t2;
    if (existsSync(fleet.dir) || readFileSync('/proc/mounts', 'utf8').includes(fleet.dir))
      throw new Error(`fleet ${fleet.dir} left files or mounts behind`);
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    return `namespace target, ${n} hosts: start ${s(started)}, reset ${s(reset)}, stop ${s(stopped)}`;
  } finally {
    await fleet.stop();
  }
}

const sizes = process.argv.slice(2).map(Number);
for (const n of sizes.length > 0 ? sizes : [5, 50]) {
  if (!Number.isInteger(n) || n < 1 || n > 254) throw new Error(`a fleet has 1..254 hosts, not ${n}`);
  process.stdout.write(`${await measure(n)}\n`);
}
process.stdout.write(`${execFileSync('nproc', { encoding: 'utf8' }).trim()} CPUs\n`);
