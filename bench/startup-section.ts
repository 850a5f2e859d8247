/** The start-up section of bench/main.ts's results: bench/startup.ts's measurement as markdown. */
import type { SectionReport } from './report.js';
import { STARTUP_ROWS, type Startup, startupTargets } from './startup.js';
import { formatExcess, median, medianRange } from './stats.js';

export const STARTUP_TITLE = 'Start-up of the installed command';

export function startupReport(s: Startup, seconds: number): SectionReport {
  const base = median(s.ms['node -e 0']);
  const rows = STARTUP_ROWS.map((name) => {
    const xs = s.ms[name];
    const over = name === 'node -e 0' ? '' : formatExcess(median(xs) - base);
    return `| ${name} | ${medianRange(xs, 'ms', 0)} | ${over} |`;
  });
  const body = `sshplay installed as the README says for everyday use (\`npm install -g\`, here into a temporary prefix,
offline, dist/ as built), each command ${s.runs} times after one warm-up run; \`--list-tasks\` loads the inventory
and every playbook, no connection. \`npx --no-install\` is there for comparison (the README keeps it for trying
sshplay once).

| command | median [min-max] | over \`node -e 0\` |
|---|---|---|
${rows.join('\n')}
`;
  return {
    id: 'startup',
    title: STARTUP_TITLE,
    body,
    targets: startupTargets(s),
    comparisons: [],
    problems: [],
    seconds,
  };
}
