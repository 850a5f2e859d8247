import { sh } from '../shell.js';
import type { HostFacts } from './host-facts.js';

/** A systemd unit's state as `systemctl is-active` and `is-enabled` print it. */
export interface ServiceState {
  active: string; // active, inactive, failed, activating, unknown
  enabled: string; // enabled, disabled, static, masked, not-found
}

export function serviceStateCmd(unit: string) {
  // Both questions in one command: one remote shell line, read in the play's prefetch round trip.
  return sh`systemctl is-active ${unit}; systemctl is-enabled ${unit}; true`;
}

export function parseServiceState(stdout: string): ServiceState {
  const [active = 'unknown', enabled = 'not-found'] = stdout.split('\n').map((l) => l.trim());
  return { active: active || 'unknown', enabled: enabled || 'not-found' };
}

export async function serviceState(facts: HostFacts, unit: string): Promise<ServiceState> {
  return parseServiceState((await facts.command(serviceStateCmd(unit))).stdout);
}
