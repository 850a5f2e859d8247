/**
 * The command the README gives for everyday use, installed as a user installs it: `npm install -g` of the
 * repository into a prefix (here a temporary one), whose bin/sshplay is package.json's "bin", the bundle
 * `npm run build` makes. Shared by the start-up bench (bench/startup.ts) and the install test
 * (test/e2e/install.test.ts), so both time and test the same program.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * package.json's "bin" under root, refused when missing or older than the tsc build it is bundled from:
 * a stale bundle would be another program than the one built (`npm run build` makes both; plain tsc does not).
 */
export function freshBundle(root: string): string {
  const { bin } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: { sshplay: string } };
  const bundle = join(root, bin.sshplay);
  const built = join(root, 'dist/src/cli/main.js');
  if (!existsSync(bundle) || statSync(bundle).mtimeMs < statSync(built).mtimeMs)
    throw new Error(`${bundle} is missing or older than ${built}: run npm run build (tsc, then the bundle)`);
  return bundle;
}

/**
 * Installs root into prefix as the README says, and returns the installed command's path. --offline: the
 * dependencies are those of the folder, nothing is fetched; --ignore-scripts: dist/ is already built
 * (freshBundle checked it), prepare would only build it again.
 */
export function installInto(root: string, prefix: string): string {
  freshBundle(root);
  execFileSync(
    'npm',
    ['install', '-g', '--prefix', prefix, '--offline', '--ignore-scripts', '--no-audit', '--no-fund', root],
    { stdio: 'ignore', timeout: 120_000 },
  );
  return join(prefix, 'bin', 'sshplay');
}
