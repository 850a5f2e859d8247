import type { EngineEvent, Reporter } from '../engine/events.js';

/**
 * Version of the --json event stream, named by its first event. 2: the first event is `start`, errors
 * before the run are `error` events, an unreachable host is an `unreachable` event (not a task_result),
 * and the recap carries `exit_code`.
 */
export const JSON_SCHEMA_VERSION = 2;

type Line = Record<string, unknown>;

/** The first line of every --json stream. */
export function startEvent(): Line {
  return { type: 'start', schema_version: JSON_SCHEMA_VERSION };
}

/** An error that stopped sshplay before (or outside) the run: bad option, inventory, playbook. */
export function errorEvent(kind: string, msg: string, exitCode: number): Line {
  return { type: 'error', kind, msg, exit_code: exitCode };
}

export function jsonLine(event: Line): string {
  return `${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`;
}

/** One --json stream: writes the `start` event before its first event, whoever writes first. */
export class JsonStream {
  private started = false;
  constructor(private readonly write: (line: string) => void) {}
  event(event: Line): void {
    if (!this.started) {
      this.started = true;
      this.write(jsonLine(startEvent()));
    }
    this.write(jsonLine(event));
  }
}

/** --json: one JSON object per event on stdout, for scripts (jq -c 'select(.type=="task_result")'). */
export class JsonReporter implements Reporter {
  /** The recap waits for the exit code the CLI computes from the run's summary. */
  private recap?: Line;

  /** `stream`: the invocation's one stream (cli/session.ts), shared with the CLI's error handler. */
  constructor(private readonly stream: JsonStream) {}

  private out(event: Line): void {
    this.stream.event(event);
  }

  emit(event: EngineEvent): void {
    if (event.type === 'recap') {
      this.recap = { ...event };
      return;
    }
    if (event.type === 'task_result' && event.status === 'unreachable') {
      const { type: _, status: __, ...rest } = event;
      this.out({ type: 'unreachable', ...rest });
      return;
    }
    this.out({ ...event });
  }

  /** -vvv/-vvvv lines about a host (connection details, protocol debug): `log` events, in the stream's order. */
  note(host: string, text: string): void {
    this.out({ type: 'log', host, msg: text });
  }

  /** The recap, with the exit code the run ends with. */
  finish(exitCode: number): void {
    this.out({ ...(this.recap ?? { type: 'recap' }), exit_code: exitCode });
    this.recap = undefined;
  }

  close(): void {
    // The recap is written by finish(), once the CLI knows the exit code.
  }
}
