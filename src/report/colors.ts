import pc from 'picocolors';

/** Colours only on a terminal and never under NO_COLOR (picocolors reads NO_COLOR/FORCE_COLOR itself). */
export function palette(enabled: boolean) {
  const id = (s: string) => s;
  return enabled
    ? {
        green: pc.green,
        yellow: pc.yellow,
        red: pc.red,
        cyan: pc.cyan,
        dim: pc.dim,
        bold: pc.bold,
        magenta: pc.magenta,
      }
    : { green: id, yellow: id, red: id, cyan: id, dim: id, bold: id, magenta: id };
}

export type Palette = ReturnType<typeof palette>;

export function colorDiff(diff: string, c: Palette): string {
  return diff
    .split('\n')
    .map((l) => {
      if (l.startsWith('+++') || l.startsWith('---')) return c.bold(l);
      if (l.startsWith('+')) return c.green(l);
      if (l.startsWith('-')) return c.red(l);
      if (l.startsWith('@@')) return c.cyan(l);
      return l;
    })
    .join('\n');
}
