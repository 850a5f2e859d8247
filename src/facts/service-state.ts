import { type Cmd, sh } from '../remote-command.js';
import { serviceFact } from './fact.js';

/** A systemd unit's state in the words `systemctl is-active` and `is-enabled` print. */
export interface ServiceState {
  active: string; // active, inactive, failed, activating, deactivating, reloading, unknown
  enabled: string; // enabled, disabled, static, masked, generated, indirect, not-found
}

/** Unit names as systemd takes them; anything else (a leading '-', spaces) is refused before it reaches a host. */
export const UNIT_NAME = /^[A-Za-z0-9:_.@][A-Za-z0-9:_.@-]*$/;

/**
 * The state of many units from one process: `systemctl show` prints one block of properties per unit
 * named, in the order named, blocks separated by an empty line. Two `systemctl` processes per unit
 * (is-active, is-enabled) were most of what a run without changes cost a host.
 */
export function serviceStatesCmd(units: readonly string[]): Cmd {
  return sh`systemctl show --property=LoadState,ActiveState,UnitFileState ${[...units]}`;
}

/** The fallback for one unit when `show` cannot be read (an old or odd systemctl). */
export function serviceStateCmd(unit: string): Cmd {
  return sh`systemctl is-active ${unit}; systemctl is-enabled ${unit}; true`;
}

export function parseServiceState(stdout: string): ServiceState {
  const [active = 'unknown', enabled = 'not-found'] = stdout.split('\n').map((l) => l.trim());
  return { active: active || 'unknown', enabled: enabled || 'not-found' };
}

/**
 * Splits `systemctl show` output into one state per unit, or null when it does not hold exactly one
 * block per unit (the caller then asks unit by unit). A block ends at an empty line or where a
 * property repeats, so output without separators is read correctly too.
 */
export function parseServiceStates(stdout: string, count: number): ServiceState[] | null {
  const blocks: Record<string, string>[] = [];
  let current: Record<string, string> | null = null;
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (line.trim() === '' || eq < 0) {
      current = null;
      continue;
    }
    const key = line.slice(0, eq);
    if (!current || key in current) {
      current = {};
      blocks.push(current);
    }
    current[key] = line.slice(eq + 1).trim();
  }
  if (blocks.length !== count || blocks.some((b) => !b.ActiveState || !b.LoadState)) return null;
  return blocks.map((b) => ({
    active: b.ActiveState as string,
    enabled: b.UnitFileState || (b.LoadState === 'loaded' ? 'unknown' : (b.LoadState as string)),
  }));
}

/** A systemd unit's state (is it running, is it enabled). */
export const serviceState = serviceFact<ServiceState>({ name: 'systemd.unit', parse: (state) => state });
