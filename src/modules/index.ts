import { assert } from './assert.js';
import { blockinfile } from './blockinfile.js';
import { command } from './command.js';
import { copy } from './copy.js';
import { debug } from './debug.js';
import { eseriesFacts } from './eseries-facts.js';
import { eseriesHost } from './eseries-host.js';
import { eseriesHostgroup } from './eseries-hostgroup.js';
import { eseriesIserInterface } from './eseries-iser-interface.js';
import { eseriesLunMapping } from './eseries-lun-mapping.js';
import { eseriesLuns } from './eseries-luns.js';
import { eseriesSessions } from './eseries-sessions.js';
import { eseriesVolume } from './eseries-volume.js';
import { fail } from './fail.js';
import { file } from './file.js';
import { filesystem } from './filesystem.js';
import { ipoibPorts } from './ipoib-ports.js';
import { iscsiDiscovery } from './iscsi-discovery.js';
import { iscsiNode } from './iscsi-node.js';
import { iscsiSessions } from './iscsi-sessions.js';
import { iserArrayView } from './iser-array-view.js';
import { lineinfile } from './lineinfile.js';
import { mount } from './mount.js';
import { partition } from './partition.js';
import { service } from './service.js';
import { setFact } from './set-fact.js';
import { shell } from './shell.js';
import { slurp } from './slurp.js';
import { template } from './template.js';
import type { Module } from './types.js';

/** Every module by its YAML key. `ansible.builtin.<name>` is accepted as the same module. */
export const MODULES: ReadonlyMap<string, Module<never>> = new Map<string, Module<never>>(
  [
    template,
    copy,
    file,
    lineinfile,
    blockinfile,
    slurp,
    command,
    shell,
    service,
    assert,
    setFact,
    fail,
    debug,
    iscsiDiscovery,
    iscsiNode,
    ipoibPorts,
    iscsiSessions,
    partition,
    filesystem,
    mount,
    eseriesLuns,
    eseriesIserInterface,
    eseriesHost,
    eseriesHostgroup,
    eseriesVolume,
    eseriesLunMapping,
    eseriesFacts,
    eseriesSessions,
    iserArrayView,
  ].map((m) => [m.name, m as Module<never>]),
);

export function findModule(key: string): Module<never> | undefined {
  return MODULES.get(key.replace(/^ansible\.builtin\./, '').replace(/^ansible\.legacy\./, ''));
}
