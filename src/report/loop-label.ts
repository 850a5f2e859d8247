/** Keys whose value names an item well enough to tell it from its siblings on one line. */
const NAMING_KEYS = ['name', 'path', 'dest', 'address', 'iface', 'wwid', 'device', 'mountpoint', 'key', 'port'];
const MAX = 60;

/**
 * What a loop's line shows for an item without loop_control.label: the item when it is short; for a
 * mapping, its naming field; for a registered result of another loop, the item it was for. Never the
 * whole registered result (its stdout, its commands): that made one line per item hundreds of columns.
 */
export function defaultLoopLabel(item: unknown): string {
  if (item === null || typeof item !== 'object') return clip(String(item));
  if (!Array.isArray(item)) {
    const record = item as Record<string, unknown>;
    if ('item' in record && ('changed' in record || 'failed' in record || 'skipped' in record))
      return defaultLoopLabel(record.item);
    for (const key of NAMING_KEYS) {
      const v = record[key];
      if (v !== undefined && (typeof v !== 'object' || v === null)) return clip(String(v));
    }
  }
  return clip(JSON.stringify(item));
}

function clip(text: string): string {
  return text.length <= MAX ? text : `${text.slice(0, MAX - 1)}…`;
}
