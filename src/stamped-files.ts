/**
 * What a run makes of one of the controller's own files (a template's text, a parsed private key), made once
 * while the file stays the same and shared by every host that asks. A file edited (size, modification or
 * change time) or replaced (device and inode) gets another stamp and is made again, as Ansible or ssh would
 * read it again. What is under way is kept too: the hosts of a play reach a task together, and each of them
 * would miss a cache of finished work. A failure is not kept: the next caller asks the disk again.
 */
import type { Stats } from 'node:fs';

export const fileStamp = (st: Stats): string => `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;

interface Kept<V> {
  stamp: string;
  value: Promise<V>;
}

export class StampedFiles<V> {
  private readonly kept = new Map<string, Kept<V>>();

  /**
   * The value kept for `path` under `stamp` (the file's fileStamp, with whatever else the value depends on),
   * or the one `make` starts now; a rejected value is dropped (unless another has replaced it since).
   */
  get(path: string, stamp: string, make: () => Promise<V>): Promise<V> {
    const kept = this.kept.get(path);
    if (kept?.stamp === stamp) return kept.value;
    const value = make();
    this.kept.set(path, { stamp, value });
    value.catch(() => {
      if (this.kept.get(path)?.value === value) this.kept.delete(path);
    });
    return value;
  }
}
