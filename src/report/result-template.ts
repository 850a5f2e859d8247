/** Words and the separators between them; a separator is kept so that text re-joins exactly. */
const SEPARATOR = /([\s'"=,:;()[\]{}<>|]+)/;
/** More varying words than this and the texts are told apart in full: a template would be unreadable. */
const MAX_SLOTS = 6;

export interface ResultTemplate {
  /** The common text with «1», «2», ... where the texts differ. */
  template: string;
  /** Per text, in order, the words that fill the slots. */
  values: string[][];
}

/**
 * One text for several that differ only in a few words (each host's own GUID, WWID, address): the same
 * change on fifty hosts prints once, with a line per host for its values, so the output grows by a line
 * per host instead of by the whole change. Positions whose words vary together (a WWID in the item and
 * in the diff) share one slot. Undefined when the texts do not line up word for word.
 */
export function templateOf(texts: readonly string[]): ResultTemplate | undefined {
  if (texts.length < 2) return undefined;
  const split = texts.map((t) => t.split(SEPARATOR));
  const first = split[0] as string[];
  if (split.some((words) => words.length !== first.length)) return undefined;
  const slotOf = new Map<string, number>();
  const slots: number[] = [];
  const out = [...first];
  for (let i = 0; i < first.length; i++) {
    const column = split.map((words) => words[i] as string);
    if (column.every((w) => w === first[i])) continue;
    // Odd positions are separators: when those differ, the texts are not the same change.
    if (i % 2 === 1) return undefined;
    const key = JSON.stringify(column);
    let slot = slotOf.get(key);
    if (slot === undefined) {
      slot = slotOf.size + 1;
      if (slot > MAX_SLOTS) return undefined;
      slotOf.set(key, slot);
      slots.push(i);
    }
    out[i] = `«${slot}»`;
  }
  if (slotOf.size === 0) return undefined;
  return { template: out.join(''), values: split.map((words) => slots.map((i) => words[i] as string)) };
}
