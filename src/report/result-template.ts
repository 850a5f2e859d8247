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

/**
 * Texts gathered one at a time into one template, as the console clusters a task's results: `add` takes a
 * text exactly when templateOf of the texts taken so far and it would be defined, in time linear in the
 * text, not in the texts so far (two hundred hosts' texts are compared as they come, not all again each time).
 */
export class TemplateCluster {
  private first?: string[];
  /** Per position whose words vary so far, its slot: positions share one exactly when their words do in every text. */
  private slots = new Map<number, number>();

  /** Takes `text` if it lines up with the texts taken so far (the first always does); whether it was taken. */
  add(text: string): boolean {
    const words = text.split(SEPARATOR);
    const first = this.first;
    if (!first) {
      this.first = words;
      return true;
    }
    if (words.length !== first.length) return false;
    const next = new Map<number, string>();
    const keys = new Set<string>();
    for (let i = 0; i < first.length; i++) {
      const word = words[i] as string;
      const slot = this.slots.get(i);
      let key: string;
      // A varying position's words so far are its slot; a position that starts varying had the first's word.
      if (slot !== undefined) key = JSON.stringify([slot, word]);
      else if (word !== first[i]) {
        if (i % 2 === 1) return false;
        key = JSON.stringify(['=', first[i], word]);
      } else continue;
      next.set(i, key);
      keys.add(key);
      if (keys.size > MAX_SLOTS) return false;
    }
    if (keys.size === 0) return false;
    const ids = new Map<string, number>();
    this.slots = new Map();
    for (const [i, key] of next) {
      let id = ids.get(key);
      if (id === undefined) {
        id = ids.size;
        ids.set(key, id);
      }
      this.slots.set(i, id);
    }
    return true;
  }
}
