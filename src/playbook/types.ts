import type { Location } from '../errors.js';
import type { Module } from '../modules/types.js';
import type { VaultKeyring } from '../vault/keyring.js';

/** The role a task came from: where its templates and files are, and its variables. */
export interface Role {
  name: string;
  dir: string;
  /** defaults/main.yml: under every other variable. */
  defaults: Record<string, unknown>;
  /** vars/main.yml and the role entry's vars: over inventory and play variables. */
  vars: Record<string, unknown>;
}

/**
 * `block:` with `rescue:` and `always:`, each a list that may hold blocks again (to any depth). The block's
 * own keywords (when, tags, vars, become) were given to each task inside it when the playbook loaded.
 */
export interface Block {
  kind: 'block';
  block: TaskNode[];
  rescue: TaskNode[];
  always: TaskNode[];
  where: Location;
}

/**
 * `include_tasks:` (dynamic): the file is read when a host reaches it, once per loop item, relative to the
 * file that includes it. Its own `when` and `tags` decide the include; what enclosing blocks and imports
 * gave it (`inherited`) is given to each included task too.
 */
export interface IncludeTasks {
  kind: 'include_tasks';
  name: string;
  /** The file name as written (may be a template). */
  file: string;
  /** Folder of the file that holds the include: a relative name is found from here. */
  baseDir: string;
  when: string[];
  tags: string[];
  loop?: unknown;
  loopVar: string;
  indexVar?: string;
  /** Variables for the included tasks (rendered at the include, with the item bound). */
  vars: Record<string, unknown>;
  inherited: Inherited;
  /** What an outer include bound (its item and vars): given to the tasks this one reads. */
  boundVars?: Record<string, unknown>;
  /** How many includes this one sits in (a file that includes itself stops at a limit). */
  depth: number;
  role?: Role;
  where: Location;
  playName: string;
}

/** What an import, a block or a role entry gives each task under it. */
export interface Inherited {
  when: string[];
  tags: string[];
  vars: Record<string, unknown>;
  become?: boolean;
  becomeUser?: string;
}

/** One entry of a play's task tree. */
export type TaskNode = Task | Block | IncludeTasks;

export function isBlock(node: TaskNode): node is Block {
  return (node as Block).kind === 'block';
}

export function isInclude(node: TaskNode): node is IncludeTasks {
  return (node as IncludeTasks).kind === 'include_tasks';
}

/** The tasks of a tree in document order (block, then rescue, then always); includes are not read. */
export function flattenTasks(nodes: readonly TaskNode[]): Task[] {
  return nodes.flatMap((node) =>
    isBlock(node)
      ? [...flattenTasks(node.block), ...flattenTasks(node.rescue), ...flattenTasks(node.always)]
      : isInclude(node)
        ? []
        : [node],
  );
}

export interface Task {
  kind?: 'task';
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
  /** `delegate_to`: the host whose connection runs the task (with this host's variables). */
  delegateTo?: string;
  /** `run_once`: runs for the first host of the batch; its result is every host's. */
  runOnce: boolean;
  /** Values already rendered (an include_tasks item and vars): under the task's own vars, never rendered again. */
  boundVars?: Record<string, unknown>;
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
  /** The play's tasks as a tree (blocks, includes): what the engine runs. */
  body: TaskNode[];
  /** Every task known at load, in document order (listing, checks, read-ahead). */
  tasks: Task[];
  handlers: Task[];
  where: Location;
  /** Folder of the playbook file that defined the play (templates/ and files/ are found from here). */
  baseDir: string;
}

export interface Playbook {
  file: string;
  plays: Play[];
  /** The vault keyring its files opened with; what the run reads later opens with it too. */
  keyring: VaultKeyring;
}
