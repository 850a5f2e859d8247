/**
 * SftpFiles.writeFile over a real sshd (issue 22, item 8: a write's requests in as few round trips as order
 * allows, its verification read among them): what lands on the host (bytes, mode, owner, no temporary file
 * left), what the write gives back as the file's state (`written`, read back on the host), the write that
 * takes a file the caller already holds (`current`) without reading it again, large files in windows, and
 * failures that leave the target as it was.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { KnownHosts } from '../../src/connection/known-hosts.js';
import { SshConnection } from '../../src/connection/ssh.js';
import { describeNeeding } from '../support/prerequisites.js';
import { startNamespaceFleet } from '../target/namespace.js';
import type { Fleet, SimHost } from '../target/types.js';
import { namespaceFleetMissing } from './helpers.js';

describeNeeding(namespaceFleetMissing())('SFTP writes: pipelined, read back, atomic', () => {
  let fleet: Fleet;
  let host: SimHost;
  let conn: SshConnection;

  beforeAll(async () => {
    fleet = await startNamespaceFleet({ hosts: [{ name: 'writer', flavor: 'rhel8', groups: ['iser_hosts'] }] });
    host = fleet.hosts[0] as SimHost;
    conn = await SshConnection.open(
      { name: host.name, address: host.address, port: host.port, user: 'root', privateKeyFile: fleet.privateKeyFile },
      { knownHosts: await KnownHosts.load(fleet.knownHostsFile) },
    );
  }, 300_000);
  afterAll(async () => {
    await conn?.close();
    await fleet?.stop();
  });

  const sftpOps = () => conn.stats.sftpOps;
  const leftovers = async (dir: string) =>
    (await fleet.exec(host.name, `ls -a ${dir}`)).stdout.split('\n').filter((f) => f.includes('.sshplay-'));

  it('a new file lands with its bytes, mode and owner, and the write gives back what the host read back', async () => {
    await fleet.exec(host.name, 'mkdir -p /srv/w && rm -f /srv/w/*');
    const content = Buffer.from('node.startup = automatic\n');
    const r = await conn.writeFile('/srv/w/a.conf', content, { mode: 0o640, uid: 0, gid: 0 });
    expect(await fleet.readFile(host.name, '/srv/w/a.conf')).toBe(content.toString());
    expect((await fleet.exec(host.name, 'stat -c %a:%u:%g /srv/w/a.conf')).stdout.trim()).toBe('640:0:0');
    expect(r.written?.content?.equals(content)).toBe(true);
    expect(r.written?.stat).toMatchObject({ mode: 0o640, uid: 0, gid: 0, size: content.length, isFile: true });
    expect(await leftovers('/srv/w')).toEqual([]);
  });

  it('given the file it holds, the write reads nothing first: open, one batch of requests, rename', async () => {
    await fleet.exec(host.name, "printf 'old\\n' > /srv/w/b.conf && chmod 600 /srv/w/b.conf");
    const [held] = await conn.readFiles(['/srv/w/b.conf']);
    const before = sftpOps();
    const roundTripsBefore = conn.stats.roundTrips;
    const r = await conn.writeFile('/srv/w/b.conf', Buffer.from('new\n'), { current: held });
    // open; write, fsync, fchown, fchmod, fstat, read-back, close; rename: 9 requests, no stat or read of the old file
    expect(sftpOps() - before).toBe(9);
    expect(conn.stats.roundTrips - roundTripsBefore, 'open; the batch; rename').toBe(3);
    expect(await fleet.readFile(host.name, '/srv/w/b.conf')).toBe('new\n');
    // mode and owner came from the held file, as the old file's would
    expect((await fleet.exec(host.name, 'stat -c %a /srv/w/b.conf')).stdout.trim()).toBe('600');
    expect(r.written?.stat.mode).toBe(0o600);
  });

  it('not given the file, the write reads it first for its mode and owner', async () => {
    await fleet.exec(
      host.name,
      "printf 'old\\n' > /srv/w/c.conf && chmod 604 /srv/w/c.conf && chown 7:9 /srv/w/c.conf",
    );
    const roundTripsBefore = conn.stats.roundTrips;
    await conn.writeFile('/srv/w/c.conf', Buffer.from('new\n'));
    // stat, open, read of the old file; then the write's three
    expect(conn.stats.roundTrips - roundTripsBefore).toBe(6);
    expect((await fleet.exec(host.name, 'stat -c %a:%u:%g /srv/w/c.conf')).stdout.trim()).toBe('604:7:9');
  });

  it('a backup keeps the held content, the one the change was planned against', async () => {
    await fleet.exec(host.name, "printf 'on disk\\n' > /srv/w/d.conf");
    const [held] = await conn.readFiles(['/srv/w/d.conf']);
    const r = await conn.writeFile('/srv/w/d.conf', Buffer.from('after\n'), { current: held, backup: true });
    expect(r.backupPath).toMatch(/^\/srv\/w\/d\.conf\.\d{8}T\d{6}\.bak$/);
    expect(await fleet.readFile(host.name, r.backupPath as string)).toBe('on disk\n');
    expect(await fleet.readFile(host.name, '/srv/w/d.conf')).toBe('after\n');
  });

  it('a file larger than one window (5 MiB) lands whole, an empty one too', async () => {
    const big = Buffer.alloc(5 * 1024 * 1024 + 123);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 13)) & 0xff;
    const roundTripsBefore = conn.stats.roundTrips;
    const r = await conn.writeFile('/srv/w/big.bin', big, { mode: 0o600, current: null });
    // 161 pieces out, fsync, fchmod, fstat, 161 pieces back, close: 326 requests, at most 64 in flight, so
    // open, five full windows, the last answers, rename
    expect(conn.stats.roundTrips - roundTripsBefore).toBe(1 + 5 + 1 + 1);
    expect(r.written?.content?.equals(big)).toBe(true);
    const sum = (await fleet.exec(host.name, 'sha256sum /srv/w/big.bin')).stdout.split(' ')[0];
    const { createHash } = await import('node:crypto');
    expect(sum).toBe(createHash('sha256').update(big).digest('hex'));
    const empty = await conn.writeFile('/srv/w/empty', Buffer.alloc(0), { mode: 0o644, current: null });
    expect(empty.written?.content?.length).toBe(0);
    expect((await fleet.exec(host.name, 'stat -c %s /srv/w/empty')).stdout.trim()).toBe('0');
    expect(await leftovers('/srv/w')).toEqual([]);
  });

  it('a failed write leaves the target as it was and no temporary file: a directory at the name, a missing folder', async () => {
    await fleet.exec(host.name, 'mkdir -p /srv/w/dir.conf/inside');
    await expect(
      conn.writeFile('/srv/w/dir.conf', Buffer.from('x\n'), { mode: 0o644, current: null }),
    ).rejects.toThrow();
    expect((await fleet.exec(host.name, 'test -d /srv/w/dir.conf/inside && echo dir')).stdout.trim()).toBe('dir');
    await expect(
      conn.writeFile('/srv/none/x.conf', Buffer.from('x\n'), { mode: 0o644, current: null }),
    ).rejects.toThrow();
    expect(await leftovers('/srv/w')).toEqual([]);
    // the connection still works after both failures
    const r = await conn.writeFile('/srv/w/after.conf', Buffer.from('ok\n'), { mode: 0o644, current: null });
    expect(r.written?.content?.toString()).toBe('ok\n');
  });
});
