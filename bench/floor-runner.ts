/**
 * `node dist/bench/floor-runner.js SPEC.json`: a floor's run, as the least a tool could spend on it: one
 * Node process (only ssh2 loaded), one ssh2 connection per host, all hosts at once, one exec of one
 * script per host (no host key check, no shell kept open, no SFTP). SPEC: { privateKeyFile, hosts:
 * [{ name, address, port, script }] }. Prints one JSON line { seconds, failed: [{ host, code, stderr }] }
 * and exits 1 when a host's script did not exit 0. bench/main.ts spawns it and times the whole process,
 * as it times sshplay's.
 */
import { readFileSync } from 'node:fs';
import { Client } from 'ssh2';

interface Spec {
  privateKeyFile: string;
  hosts: { name: string; address: string; port: number; script: string }[];
}

const spec = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as Spec;
const privateKey = readFileSync(spec.privateKeyFile);
const started = performance.now();

function runOn(h: Spec['hosts'][number]): Promise<{ host: string; code: number; stderr: string }> {
  return new Promise((resolve) => {
    const client = new Client();
    let stderr = '';
    const done = (code: number) => {
      client.end();
      resolve({ host: h.name, code, stderr: stderr.slice(-2000) });
    };
    client.on('error', (e) => {
      stderr += e.message;
      done(255);
    });
    client.on('ready', () =>
      client.exec(h.script, (err, stream) => {
        if (err) {
          stderr += err.message;
          return done(255);
        }
        stream.on('data', () => undefined); // the output comes back, as sshplay's does; nothing reads it
        stream.stderr.on('data', (d: Buffer) => {
          stderr += d;
        });
        stream.on('exit', (code: number | null) => stream.on('close', () => done(code ?? 255)));
        stream.end();
      }),
    );
    // A floor must finish its work however long a loaded host's sshd takes to answer: with 200 hosts running
    // their scripts on 2 cores, some handshakes took over the 60 s this was, and the floor failed for them (a
    // floor that skips hosts is no floor). Ten minutes only keeps a host that never answers from hanging the bench.
    client.connect({ host: h.address, port: h.port, username: 'root', privateKey, readyTimeout: 600_000 });
  });
}

const results = await Promise.all(spec.hosts.map(runOn));
const failed = results.filter((r) => r.code !== 0);
process.stdout.write(`${JSON.stringify({ seconds: (performance.now() - started) / 1000, failed })}\n`);
process.exitCode = failed.length > 0 ? 1 : 0;
