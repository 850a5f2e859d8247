import { describe, expect, test } from 'vitest';
import { slurp } from '../../../src/modules/slurp.js';
import { planWith } from './fake-context.js';

describe('slurp', () => {
  test('reads the file into content (base64) and text; changes nothing and runs no command', async () => {
    const text = 'InitiatorName=iqn.1994-05.com.redhat:abc\n';
    const plan = await planWith(
      slurp,
      { src: '/etc/iscsi/initiatorname.iscsi' },
      { files: { '/etc/iscsi/initiatorname.iscsi': text } },
    );
    expect(plan.changes).toEqual([]);
    expect(plan.failed).toBeUndefined();
    expect(plan.result).toEqual({
      content: Buffer.from(text).toString('base64'),
      encoding: 'base64',
      text,
      source: '/etc/iscsi/initiatorname.iscsi',
    });
    expect(plan.noop).toBe(`read /etc/iscsi/initiatorname.iscsi (${text.length} bytes)`);
    expect(plan.conn.reads).toEqual([]);
    expect(plan.conn.fileReads).toEqual(['/etc/iscsi/initiatorname.iscsi']);
  });

  test('binary content survives base64', async () => {
    const bytes = Buffer.from([0, 255, 10, 1]);
    const plan = await planWith(slurp, { path: '/bin/x' }, { files: { '/bin/x': bytes } });
    expect(Buffer.from((plan.result as { content: string }).content, 'base64')).toEqual(bytes);
  });

  test('a missing file and a directory fail, naming the path', async () => {
    expect((await planWith(slurp, { src: '/nope' })).failed).toBe('/nope does not exist');
    const dir = await planWith(slurp, { src: '/etc' }, { files: { '/etc': { dir: true } } });
    expect(dir.failed).toBe('/etc is not a regular file');
  });
});
