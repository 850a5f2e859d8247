import { describe, expect, test } from 'vitest';
import { service } from '../../../src/modules/service.js';
import { describeChanges, planWith } from './fake-context.js';

const STATE_CMD = 'systemctl is-active multipathd; systemctl is-enabled multipathd; true';
const host = (active: string, enabled: string) => ({
  commands: { [STATE_CMD]: { stdout: `${active}\n${enabled}\n` } },
});
const sc = (...args: string[]) => ({ exec: ['systemctl', ...args].join(' ') });

describe('service.plan', () => {
  test.each<[string, Record<string, unknown>, string, string, unknown[]]>([
    ['started + enabled, already so', { state: 'started', enabled: true }, 'active', 'enabled', []],
    [
      'started + enabled, both missing',
      { state: 'started', enabled: true },
      'inactive',
      'disabled',
      [sc('enable', 'multipathd'), sc('start', 'multipathd')],
    ],
    ['started, inactive', { state: 'started' }, 'inactive', 'enabled', [sc('start', 'multipathd')]],
    ['started, failed unit is started again', { state: 'started' }, 'failed', 'enabled', [sc('start', 'multipathd')]],
    ['started, activating counts as running', { state: 'started' }, 'activating', 'enabled', []],
    ['enabled only, disabled', { enabled: 'yes' }, 'active', 'disabled', [sc('enable', 'multipathd')]],
    ['enabled, static is fine', { enabled: true }, 'active', 'static', []],
    ['enabled false, enabled', { enabled: false }, 'active', 'enabled', [sc('disable', 'multipathd')]],
    ['enabled false, disabled', { enabled: 'no' }, 'active', 'disabled', []],
    ['stopped, active', { state: 'stopped' }, 'active', 'enabled', [sc('stop', 'multipathd')]],
    ['stopped, inactive', { state: 'stopped' }, 'inactive', 'enabled', []],
    [
      'stopped + disabled, both to do',
      { state: 'stopped', enabled: false },
      'active',
      'enabled',
      [sc('disable', 'multipathd'), sc('stop', 'multipathd')],
    ],
    ['restarted always changes (active)', { state: 'restarted' }, 'active', 'enabled', [sc('restart', 'multipathd')]],
    [
      'restarted always changes (inactive)',
      { state: 'restarted' },
      'inactive',
      'enabled',
      [sc('restart', 'multipathd')],
    ],
    ['reloaded, running: reload', { state: 'reloaded' }, 'active', 'enabled', [sc('reload', 'multipathd')]],
    ['reloaded, stopped: start', { state: 'reloaded' }, 'inactive', 'enabled', [sc('start', 'multipathd')]],
    [
      'daemon_reload always runs first',
      { state: 'started', daemon_reload: true },
      'active',
      'enabled',
      [sc('daemon-reload')],
    ],
    [
      'daemon_reload then start',
      { state: 'started', daemon_reload: true },
      'inactive',
      'enabled',
      [sc('daemon-reload'), sc('start', 'multipathd')],
    ],
    ['not found unit: enable is attempted', { enabled: true }, 'inactive', 'not-found', [sc('enable', 'multipathd')]],
  ])('%s', async (_name, args, active, enabled, changes) => {
    const plan = await planWith(service, { name: 'multipathd', ...args }, host(active, enabled));
    expect(plan.conn.writeAttempts).toBe(0);
    expect(describeChanges(plan)).toEqual(changes);
    if (changes.length === 0) expect(plan.noop).toBe(`multipathd is ${active} and ${enabled}`);
    else expect(plan.noop).toBeUndefined();
    expect(plan.result).toEqual({ name: 'multipathd', state: active, enabled });
  });

  test('the preview explains each change', async () => {
    const plan = await planWith(
      service,
      { name: 'multipathd', state: 'started', enabled: true },
      host('inactive', 'disabled'),
    );
    expect(plan.preview).toBe('enable multipathd (was disabled), start multipathd (was inactive)');
  });

  test('the state is read with one command, read once', async () => {
    const plan = await planWith(service, { name: 'multipathd', state: 'started' }, host('active', 'enabled'));
    expect(plan.conn.reads).toEqual([STATE_CMD]);
  });

  test('a unit name is quoted in the state command', () => {
    expect(service.wants?.({ name: 'a b;c', daemon_reload: false }, {})).toEqual([
      { kind: 'command', cmd: { script: "systemctl is-active 'a b;c'; systemctl is-enabled 'a b;c'; true" } },
    ]);
  });

  test('a bad state is rejected by the arguments', async () => {
    await expect(planWith(service, { name: 'x', state: 'running' })).rejects.toThrow(
      "argument 'state': expected one of started, stopped, restarted, reloaded",
    );
  });
});
