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
 * Texts gathered one at a time into one template: `add(t)` says whether `templateOf([...texts, t])` would
 * give one (and then takes t), in time proportional to t alone, not to the texts so far: clustering a task's
 * results over a large fleet stays linear in the fleet.
 */
export class TemplateCluster {
  private readonly first: string[];
  /** Per word position, its column's class so far: two positions of one class have the same word in every text. */
  private classes: number[];
  /** Per word position: some text differs from the first there. */
  private readonly varies: boolean[];

  constructor(text: string) {
    this.first = text.split(SEPARATOR);
    const byWord = new Map<string, number>();
    this.classes = this.first.map((w) => {
      if (!byWord.has(w)) byWord.set(w, byWord.size);
      return byWord.get(w) as number;
    });
    this.varies = this.first.map(() => false);
  }

  /** Takes `text` when the texts with it still make one template (as templateOf decides); else false. */
  add(text: string): boolean {
    const words = text.split(SEPARATOR);
    if (words.length !== this.first.length) return false;
    // a column's new class: its old class and this text's word (equal columns stay equal only if both are)
    const next = new Map<string, number>();
    const classes: number[] = [];
    const slots = new Set<number>();
    for (let i = 0; i < words.length; i++) {
      const word = words[i] as string;
      const varies = (this.varies[i] as boolean) || word !== this.first[i];
      // Odd positions are separators: when those differ, the texts are not the same change.
      if (varies && i % 2 === 1) return false;
      const key = `${this.classes[i]}\u0000${word}`;
      if (!next.has(key)) next.set(key, next.size);
      const c = next.get(key) as number;
      classes.push(c);
      if (varies) {
        slots.add(c);
        if (slots.size > MAX_SLOTS) return false;
      }
    }
    if (slots.size === 0) return false;
    this.classes = classes;
    words.forEach((word, i) => {
      if (word !== this.first[i]) this.varies[i] = true;
    });
    return true;
  }
}
