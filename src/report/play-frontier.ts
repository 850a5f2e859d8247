/**
 * How far each host still going in a play got (the order index of the last task it started), and the least
 * of those, each step O(1) amortised: the console asks "has every host gone past task i?" at every event,
 * and over a large fleet a scan of the hosts per event would make its work grow with the square of the fleet.
 */
export class PlayFrontier {
  /** Host -> index of the last task it started (-1: none yet). */
  private readonly at = new Map<string, number>();
  /** counts[i + 1]: how many hosts are at index i. */
  private counts: number[] = [];
  /** No host is below this slot of `counts` (advanced lazily: hosts only move forward). */
  private low = 0;

  /** A play or a batch starts: these hosts, none of them past any task. */
  reset(hosts: readonly string[]): void {
    this.at.clear();
    for (const host of hosts) this.at.set(host, -1);
    this.counts = [this.at.size];
    this.low = 0;
  }

  /** Hosts still counted (started or not, not stopped). */
  get size(): number {
    return this.at.size;
  }

  /** The host started the task at `index` (a host outside the play or batch is not counted). */
  reach(host: string, index: number): void {
    const was = this.at.get(host);
    if (was === undefined || index <= was) return;
    this.move(was, -1);
    this.move(index, 1);
    this.at.set(host, index);
  }

  /** The host stopped (failed, unreachable): nothing waits for it any more. */
  drop(host: string): void {
    const was = this.at.get(host);
    if (was === undefined) return;
    this.move(was, -1);
    this.at.delete(host);
  }

  /** Every host still counted has started a task after the one at `index`. */
  allPast(index: number): boolean {
    while (this.low < this.counts.length && !this.counts[this.low]) this.low++;
    return this.low >= this.counts.length || this.low > index + 1;
  }

  private move(index: number, by: number): void {
    this.counts[index + 1] = (this.counts[index + 1] ?? 0) + by;
  }
}
