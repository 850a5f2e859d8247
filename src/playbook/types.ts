import type { Location } from '../errors.js';
import type { Module } from '../modules/types.js';

/** The role a task came from: where its templates and files are, and its variables. */
export interface Role {
  name: string;
  dir: string;
  /** defaults/main.yml: under every other variable. */
  defaults: Record<string, unknown>;
  /** vars/main.yml and the role entry's vars: over inventory and play variables. */
  vars: Record<string, unknown>;
}

/** Where a task sits in a `block`: the engine runs rescue only after a failure, always in any case. */
export interface BlockPlace {
  /** Unique per block in the playbook. */
  id: number;
  section: 'block' | 'rescue' | 'always';
  /** Whether the block has a rescue section (a failure in it is then handled there). */
  hasRescue: boolean;
}

export interface Task {
  name: string;
  module: Module<never>;
  /** Arguments as written (templates not yet rendered). */
  args: Record<string, unknown>;
  when: string[];
  loop?: unknown;
  loopVar: string;
  /** loop_control.index_var: the 0-based position of the item. */
  indexVar?: string;
  /** loop_control.label: what a loop's line shows for each item (a template on the item), instead of the item. */
  label?: string;
  register?: string;
  notify: string[];
  tags: string[];
  /** false: runs for real even under --check (read-only commands); true: always only planned. */
  checkMode?: boolean;
  changedWhen?: string[];
  failedWhen?: string[];
  ignoreErrors: boolean;
  noLog: boolean;
  /** Ansible's `timeout`: seconds the task may run on a host (0: no limit; absent: --task-timeout). */
  timeout?: number;
  role?: Role;
  block?: BlockPlace;
  /** As the play's: see playbook/become.ts for how the host's one session honours it. */
  become?: boolean;
  becomeUser?: string;
  vars: Record<string, unknown>;
  /** Handler topics this handler also answers to. */
  listen: string[];
  where: Location;
  /** The play it belongs to, for messages. */
  playName: string;
}

export interface Play {
  name: string;
  hosts: string;
  vars: Record<string, unknown>;
  varsFiles: string[];
  become?: boolean;
  becomeUser?: string;
  gatherFacts: boolean;
  /** Batch sizes: numbers or percentages, the last repeated (Ansible's `serial`). */
  serial: (number | string)[];
  maxFailPercentage?: number;
  anyErrorsFatal: boolean;
  tags: string[];
  tasks: Task[];
  handlers: Task[];
  where: Location;
  /** Folder of the playbook file that defined the play (templates/ and files/ are found from here). */
  baseDir: string;
}

export interface Playbook {
  file: string;
  plays: Play[];
}
