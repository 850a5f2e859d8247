/**
 * service: a systemd unit started/stopped/restarted/reloaded now, and enabled or not at boot.
 *
 *   - service: { name: multipathd, state: started, enabled: true }
 */
import { serviceState, UNIT_NAME } from '../facts/service-state.js';
import { defineModule } from './define-module.js';
import type { Change, Module } from './types.js';

export interface ServiceArgs {
  name: string;
  state?: 'started' | 'stopped' | 'restarted' | 'reloaded';
  enabled?: boolean;
  daemon_reload: boolean;
}

export const service: Module<ServiceArgs> = defineModule({
  name: 'service',
  summary: 'systemd unit: state started/stopped/restarted/reloaded, enabled yes/no',
  schema: {
    name: { type: 'str', required: true },
    state: { type: 'str', choices: ['started', 'stopped', 'restarted', 'reloaded'] },
    enabled: { type: 'bool' },
    daemon_reload: { type: 'bool', default: false },
  },
  facts: (a: ServiceArgs) => ({ unit: UNIT_NAME.test(a.name) ? serviceState.of(a.name) : undefined }),
  async plan(_ctx, a, read) {
    if (!read.unit) return { changes: [], failed: `not a systemd unit name: ${JSON.stringify(a.name)}` };
    const now = await read.unit();
    const changes: Change[] = [];
    const notes: string[] = [];
    const systemctl = (...args: string[]): Change => ({ kind: 'exec', cmd: { argv: ['systemctl', ...args] } });
    if (a.daemon_reload) changes.push(systemctl('daemon-reload'));
    if (a.enabled === true && now.enabled !== 'enabled' && now.enabled !== 'static') {
      changes.push(systemctl('enable', a.name));
      notes.push(`enable ${a.name} (was ${now.enabled})`);
    } else if (a.enabled === false && now.enabled === 'enabled') {
      changes.push(systemctl('disable', a.name));
      notes.push(`disable ${a.name}`);
    }
    const running = now.active === 'active' || now.active === 'activating' || now.active === 'reloading';
    if (a.state === 'started' && !running) {
      changes.push(systemctl('start', a.name));
      notes.push(`start ${a.name} (was ${now.active})`);
    } else if (a.state === 'stopped' && running) {
      changes.push(systemctl('stop', a.name));
      notes.push(`stop ${a.name}`);
    } else if (a.state === 'restarted') {
      changes.push(systemctl('restart', a.name));
      notes.push(`restart ${a.name}`);
    } else if (a.state === 'reloaded') {
      changes.push(systemctl(running ? 'reload' : 'start', a.name));
      notes.push(`${running ? 'reload' : 'start'} ${a.name}`);
    }
    const result = { name: a.name, state: now.active, enabled: now.enabled };
    if (changes.length === (a.daemon_reload ? 1 : 0) && !a.daemon_reload)
      return { changes: [], noop: `${a.name} is ${now.active} and ${now.enabled}`, result };
    return { changes, preview: notes.join(', ') || `daemon-reload for ${a.name}`, result };
  },
});
