import type { EngineEvent, Reporter } from '../engine/events.js';

/** --json: one JSON object per event on stdout, for scripts (jq -c 'select(.type=="task_result")'). */
export class JsonReporter implements Reporter {
  constructor(private readonly write: (line: string) => void = (l) => process.stdout.write(l)) {}
  emit(event: EngineEvent): void {
    this.write(`${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`);
  }
}
