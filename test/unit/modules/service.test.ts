import { describe, expect, test } from 'vitest';
import { HostFacts } from '../../../src/facts/host-facts.js';
import { parseServiceStates } from '../../../src/facts/service-state.js';
import { service } from '../../../src/modules/service.js';
import { describeChanges, planWith, ReadOnlyFakeConnection } from './fake-context.js';

const STATE_CMD = 'systemctl show --property=LoadState,ActiveState,UnitFileState multipathd';
/** `systemctl show` output for one unit as systemd prints it (a unit not found has an empty UnitFileState). */
const show = (active: string, enabled: string) =>
  enabled === 'not-found'
    ? `LoadState=not-found\nActiveState=${active}\nUnitFileState=\n`
    : `LoadState=loaded\nActiveState=${active}\nUnitFileState=${enabled}\n`;
const host = (active: string, enabled: string) => ({
  commands: { [STATE_CMD]: { stdout: show(active, enabled) } },
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

  test('a name that is not a unit name is refused before anything reaches the host', async () => {
    expect(service.wants?.({ name: 'a b;c', daemon_reload: false }, {})).toEqual([]);
    expect(service.wants?.({ name: '--now', daemon_reload: false }, {})).toEqual([]);
    const plan = await planWith(service, { name: 'a b;c', state: 'started' });
    expect(plan.failed).toBe('not a systemd unit name: "a b;c"');
    expect(plan.conn.reads).toEqual([]);
  });

  test('units of a whole play are read with one systemctl show, in one round trip', async () => {
    const cmd = 'systemctl show --property=LoadState,ActiveState,UnitFileState multipathd iscsid nosuch';
    const conn = new ReadOnlyFakeConnection({
      commands: {
        [cmd]: {
          stdout: `${show('active', 'enabled')}\n${show('inactive', 'disabled')}\n${show('inactive', 'not-found')}`,
        },
        'uname -r': { stdout: '5.14\n' },
      },
    });
    const facts = new HostFacts(conn);
    await facts.prefetch([
      { kind: 'service', unit: 'multipathd' },
      { kind: 'service', unit: 'iscsid' },
      { kind: 'service', unit: 'nosuch' },
      { kind: 'command', cmd: { argv: ['uname', '-r'] } },
    ]);
    expect(conn.stats.roundTrips).toBe(1);
    expect(await facts.service('iscsid')).toEqual({ active: 'inactive', enabled: 'disabled' });
    expect(await facts.service('nosuch')).toEqual({ active: 'inactive', enabled: 'not-found' });
    expect(await facts.service('multipathd')).toEqual({ active: 'active', enabled: 'enabled' });
    expect(conn.reads).toEqual(['uname -r', cmd]);
  });

  test('when systemctl show cannot be read, each unit is asked with is-active and is-enabled', async () => {
    const conn = new ReadOnlyFakeConnection({
      commands: {
        [STATE_CMD]: { rc: 1, stderr: 'System has not been booted with systemd' },
        'systemctl is-active multipathd; systemctl is-enabled multipathd; true': { stdout: 'failed\nmasked\n' },
      },
    });
    expect(await new HostFacts(conn).service('multipathd')).toEqual({ active: 'failed', enabled: 'masked' });
  });
});

describe('parseServiceStates', () => {
  test('blocks in the order asked; a static or masked unit keeps its word', () => {
    const out =
      'LoadState=loaded\nActiveState=active\nUnitFileState=static\n\nLoadState=masked\nActiveState=inactive\nUnitFileState=masked\n';
    expect(parseServiceStates(out, 2)).toEqual([
      { active: 'active', enabled: 'static' },
      { active: 'inactive', enabled: 'masked' },
    ]);
  });

  test('blocks without an empty line between them are split where a property repeats', () => {
    const out =
      'LoadState=loaded\nActiveState=active\nUnitFileState=enabled\nLoadState=loaded\nActiveState=failed\nUnitFileState=disabled\n';
    expect(parseServiceStates(out, 2)).toEqual([
      { active: 'active', enabled: 'enabled' },
      { active: 'failed', enabled: 'disabled' },
    ]);
  });

  test('a block count that does not match the units asked is not guessed at', () => {
    expect(parseServiceStates('LoadState=loaded\nActiveState=active\nUnitFileState=enabled\n', 2)).toBeNull();
    expect(parseServiceStates('System has not been booted with systemd as init system\n', 1)).toBeNull();
    expect(parseServiceStates('', 1)).toBeNull();
  });

  test('a bad state is rejected by the arguments', async () => {
    await expect(planWith(service, { name: 'x', state: 'running' })).rejects.toThrow(
      "argument 'state': expected one of started, stopped, restarted, reloaded",
    );
  });
});
