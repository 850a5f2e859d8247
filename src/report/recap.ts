import type { HostStats } from '../engine/events.js';
import type { Palette } from './colors.js';

/** PLAY RECAP lines as ansible-playbook prints them, plus the hosts never started and why. */
export function formatRecap(stats: Record<string, HostStats>, notStarted: Record<string, string>, c: Palette): string {
  const names = Object.keys(stats);
  const width = Math.max(0, ...names.map((n) => n.length));
  const lines = [c.bold(`PLAY RECAP ${'*'.repeat(60)}`)];
  for (const name of names) {
    const s = stats[name] as HostStats;
    const colour = s.unreachable || s.failed ? c.red : s.changed ? c.yellow : c.green;
    const note = notStarted[name] ? `  ${c.dim(`never started: ${notStarted[name]}`)}` : '';
    lines.push(
      `${colour(name.padEnd(width))} : ok=${s.ok} changed=${s.changed} unreachable=${s.unreachable} failed=${s.failed} skipped=${s.skipped} rescued=${s.rescued} ignored=${s.ignored}${note}`,
    );
  }
  return lines.join('\n');
}

/** The recap's last line: how many hosts ended how, and the task counts summed over hosts. */
export function formatTotals(stats: Record<string, HostStats>, c: Palette): string {
  const all = Object.values(stats);
  const sum = (k: keyof HostStats) => all.reduce((n, s) => n + s[k], 0);
  const unreachable = all.filter((s) => s.unreachable > 0).length;
  const failed = all.filter((s) => s.failed > 0 && s.unreachable === 0).length;
  const changed = all.filter((s) => s.changed > 0 && s.failed === 0 && s.unreachable === 0).length;
  const hosts = `${all.length} host${all.length === 1 ? '' : 's'}: ${all.length - unreachable - failed - changed} unchanged, ${changed} changed, ${failed} failed, ${unreachable} unreachable`;
  return c.bold(
    `TOTAL ${hosts}; tasks ok=${sum('ok')} changed=${sum('changed')} failed=${sum('failed')} skipped=${sum('skipped')} rescued=${sum('rescued')} ignored=${sum('ignored')}`,
  );
}
