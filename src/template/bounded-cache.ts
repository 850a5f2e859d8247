/**
 * A cache that keeps at most `limit` entries. Template caches key on source text, and a source can carry
 * host-specific text (an inventory value rendered into a template), so an unbounded cache would grow with
 * the fleet instead of with the playbook.
 *
 * Eviction is "second chance" (the CLOCK approximation of least recently used): a hit only marks its entry
 * used; when the cache is full, the oldest entry goes unless it was used since it was last looked at, in
 * which case it is moved to the back, unmarked, and the next oldest is looked at. A hit costs no Map work:
 * hits are most of render's calls (each task of each host), evictions happen only with host-specific sources.
 */
interface Entry<V> {
  value: V;
  used: boolean;
}

export class BoundedCache<K, V> {
  private readonly entries = new Map<K, Entry<V>>();

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`cache limit must be a positive integer, got ${limit}`);
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    entry.used = true;
    return entry.value;
  }

  set(key: K, value: V): void {
    const present = this.entries.get(key);
    if (present) {
      present.value = value;
      present.used = true;
      return;
    }
    this.entries.set(key, { value, used: false });
    // Each entry is moved back at most once per call, so this ends within `2 * limit + 2` looks.
    while (this.entries.size > this.limit) {
      const [oldestKey, oldest] = this.entries.entries().next().value as [K, Entry<V>];
      this.entries.delete(oldestKey);
      // the entry just set is never the one to go (it comes round only after every other lost its mark)
      if (oldest.used || oldestKey === key) {
        oldest.used = false;
        this.entries.set(oldestKey, oldest);
      }
    }
  }
}
