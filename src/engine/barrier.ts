/** Hosts meet before each task; a host that finishes or stops leaves, so the others never wait for it. */
export class Barrier {
  private waiting: (() => void)[] = [];
  constructor(private parties: number) {}

  arrive(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.release();
    });
  }

  leave(): void {
    this.parties--;
    this.release();
  }

  private release(): void {
    if (this.waiting.length === 0 || this.waiting.length < this.parties) return;
    const all = this.waiting;
    this.waiting = [];
    for (const resolve of all) resolve();
  }
}
