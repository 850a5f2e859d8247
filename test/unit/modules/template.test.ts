import { describe, expect, test } from 'vitest';
import { template } from '../../../src/modules/template.js';
import { describeChanges, planWith } from './fake-context.js';

const templates = { 'iscsid.conf.hbs': 'node.startup = automatic\n' };

describe('template.plan', () => {
  test.each<{ name: string; args: Record<string, unknown>; files: Record<string, string>; changes: unknown[] }>([
    {
      name: 'absent destination: write the rendered text',
      args: { src: 'iscsid.conf.hbs', dest: '/etc/iscsi/iscsid.conf', mode: '0600' },
      files: {},
      changes: [
        { write: '/etc/iscsi/iscsid.conf', content: 'node.startup = automatic\n', mode: 0o600, uid: 0, gid: 0 },
      ],
    },
    {
      name: 'destination differs: write, with backup',
      args: { src: 'iscsid.conf.hbs', dest: '/etc/iscsi/iscsid.conf', backup: true },
      files: { '/etc/iscsi/iscsid.conf': 'node.startup = manual\n' },
      changes: [{ write: '/etc/iscsi/iscsid.conf', content: 'node.startup = automatic\n', backup: true }],
    },
    {
      name: 'destination equal: noop',
      args: { src: 'iscsid.conf.hbs', dest: '/etc/iscsi/iscsid.conf' },
      files: { '/etc/iscsi/iscsid.conf': 'node.startup = automatic\n' },
      changes: [],
    },
  ])('$name', async ({ args, files, changes }) => {
    const plan = await planWith(template, args, { files }, { templates });
    expect(plan.conn.writeAttempts).toBe(0);
    expect(describeChanges(plan)).toEqual(changes);
    if (changes.length === 0) expect(plan.noop).toBe('/etc/iscsi/iscsid.conf is already as wanted');
  });

  test('the diff shows the rendered lines', async () => {
    const plan = await planWith(
      template,
      { src: 'iscsid.conf.hbs', dest: '/etc/iscsi/iscsid.conf' },
      { files: { '/etc/iscsi/iscsid.conf': 'node.startup = manual\n' } },
      { templates },
    );
    expect(plan.diff).toContain('-node.startup = manual');
    expect(plan.diff).toContain('+node.startup = automatic');
  });

  test('without --diff no content diff is built; the change is planned the same', async () => {
    const args = { src: 'iscsid.conf.hbs', dest: '/etc/iscsi/iscsid.conf' };
    const host = { files: { '/etc/iscsi/iscsid.conf': 'node.startup = manual\n' } };
    const shown = await planWith(template, args, host, { templates, diff: true });
    const notShown = await planWith(template, args, host, { templates, diff: false });
    expect(shown.diff).toContain('+node.startup = automatic');
    expect(notShown.diff).toBeUndefined();
    expect(describeChanges(notShown)).toEqual(describeChanges(shown));
    expect(notShown.preview).toBe(shown.preview);
  });

  test('a rendering error propagates', async () => {
    await expect(planWith(template, { src: 'missing.hbs', dest: '/etc/x' }, {}, { templates })).rejects.toThrow(
      'no template missing.hbs',
    );
  });
});
