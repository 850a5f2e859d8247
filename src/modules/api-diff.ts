import { createTwoFilesPatch } from 'diff';

/**
 * A unified diff of an array object's JSON before and after a change (null: absent), shown by --diff: the array's
 * changes read like a file's. Keys in a stable order so that a diff shows what changes, not how it was listed.
 */
export function apiDiff(label: string, before: unknown, after: unknown): string {
  const text = (v: unknown) => (v === null || v === undefined ? '' : `${JSON.stringify(sorted(v), null, 2)}\n`);
  return createTwoFilesPatch(
    `array:${label}`,
    `array:${label}`,
    text(before),
    text(after),
    before == null ? '(absent)' : 'before',
    after == null ? '(absent)' : 'after',
  );
}

function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, x]) => [k, sorted(x)]),
    );
  return v;
}
