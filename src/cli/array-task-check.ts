import { ConfigError } from '../errors.js';
import type { Playbook, Task } from '../playbook/types.js';

/** Modules that talk to an E-Series array's REST API: the only ones (with the local ones) an array host runs. */
export function isArrayModule(name: string): boolean {
  return name.startsWith('eseries_');
}

/**
 * Before anything connects: an E-Series array host (ansible_connection: eseries_api) has no shell and no files, so a
 * task of a host module there is refused with its file:line:column; an array module on an ssh host is refused too.
 * Local modules (debug, assert, set_fact, fail) run anywhere.
 */
export function checkArrayTasks(
  playbook: Playbook,
  hostsFor: (pattern: string) => string[],
  connectionOf: (host: string) => unknown,
): void {
  for (const play of playbook.plays) {
    const hosts = hostsFor(play.hosts);
    const arrays = hosts.filter((h) => connectionOf(h) === 'eseries_api');
    const others = hosts.filter((h) => connectionOf(h) !== 'eseries_api');
    const tasks: Task[] = [...play.tasks, ...play.handlers];
    for (const task of tasks) {
      const module = task.module;
      if (module.local) continue;
      if (!isArrayModule(module.name) && arrays.length > 0)
        throw new ConfigError(
          `task '${task.name}' (${module.name}) would run on ${arrays.join(', ')}, an E-Series array reached through its REST API (ansible_connection: eseries_api): it has no shell and no files; only eseries_* modules and debug, assert, set_fact, fail run there`,
          task.where,
        );
      if (isArrayModule(module.name) && others.length > 0)
        throw new ConfigError(
          `task '${task.name}' (${module.name}) would run on ${others.join(', ')}, which ${others.length === 1 ? 'is' : 'are'} not an E-Series array: ${module.name} needs ansible_connection: eseries_api (the group eseries_arrays in the example inventory)`,
          task.where,
        );
    }
  }
}
