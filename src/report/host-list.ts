/**
 * A list of host names, short: names that differ only by a trailing number are written as Ansible's
 * range pattern (host[1:20]), so a line for fifty hosts stays one line. Order is kept by first name.
 */
export function hostList(hosts: readonly string[]): string {
  const runs: { prefix: string; from: number; to: number; width: number }[] = [];
  const parts: (string | (typeof runs)[number])[] = [];
  for (const host of hosts) {
    const m = /^(.*?)(\d+)$/.exec(host);
    // A zero-padded number keeps its own name: host[01:10] would not say whether host1 is meant.
    if (!m || ((m[2] as string).length > 1 && (m[2] as string).startsWith('0'))) {
      parts.push(host);
      continue;
    }
    const prefix = m[1] as string;
    const n = Number(m[2]);
    const last = parts[parts.length - 1];
    if (typeof last === 'object' && last.prefix === prefix && last.to + 1 === n) last.to = n;
    else {
      const run = { prefix, from: n, to: n, width: (m[2] as string).length };
      runs.push(run);
      parts.push(run);
    }
  }
  return parts
    .map((p) =>
      typeof p === 'string'
        ? p
        : p.from === p.to
          ? `${p.prefix}${p.from}`
          : p.to === p.from + 1
            ? `${p.prefix}${p.from}, ${p.prefix}${p.to}`
            : `${p.prefix}[${p.from}:${p.to}]`,
    )
    .join(', ');
}
