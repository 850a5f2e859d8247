/** The bench's progress lines, each with the time since the bench started and, where asked, the load. */
import { loadavg } from 'node:os';

const started = Date.now();

export function elapsed(): string {
  const s = Math.round((Date.now() - started) / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

export const log = (line: string): void => {
  process.stdout.write(`[${elapsed()}] ${line}\n`);
};

/** The load average (1, 5, 15 min), as the results print it. */
export const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
