/** What the console reporter is told: verbosity, colour, live status lines, where lines go. */
import type { TaskPathOf } from './verbose-playbook.js';

export interface ConsoleOptions {
  verbosity: number;
  /**
   * Redraws status lines in place on a terminal (log-update, loaded only then); without it, plain lines
   * for CI and pipes.
   */
  live?: LiveArea;
  color: boolean;
  profile: boolean;
  /** -vv: where each task is written (`task path: file:line` above its results, as ansible-playbook -vv). */
  taskPath?: TaskPathOf;
  /** Printed after the recap of an interrupted run: how to go on from where it stopped. */
  resumeHint?: string;
  out?: (text: string) => void;
}

/** The part of log-update the reporter uses. */
export interface LiveArea {
  (text: string): void;
  clear(): void;
  done(): void;
}
