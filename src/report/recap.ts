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
