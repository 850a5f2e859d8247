import { ConfigError } from '../errors.js';
import type { Module } from '../modules/types.js';
import type { Playbook, Task } from '../playbook/types.js';

/**
 * Modules that talk to an E-Series array's REST API: the only ones (with the local ones) an array host runs. Said
 * by the module itself, not by its name: eseries_luns reads what a host sees of the array, on the host.
 */
export function isArrayModule(module: Pick<Module<unknown>, 'arrayApi'>): boolean {
  return module.arrayApi === true;
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
      if (!isArrayModule(module) && arrays.length > 0)
        throw new ConfigError(
          `task '${task.name}' (${module.name}) would run on ${arrays.join(', ')}, an E-Series array reached through its REST API (ansible_connection: eseries_api): it has no shell and no files; only the array modules (eseries_iser_interface, eseries_host, eseries_volume, eseries_lun_mapping, eseries_facts, eseries_sessions) and debug, assert, set_fact, fail run there`,
          task.where,
        );
      if (isArrayModule(module) && others.length > 0)
        throw new ConfigError(
          `task '${task.name}' (${module.name}) would run on ${others.join(', ')}, which ${others.length === 1 ? 'is' : 'are'} not an E-Series array: ${module.name} needs ansible_connection: eseries_api (the group eseries_arrays in the example inventory)`,
          task.where,
        );
    }
  }
}
