import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlaybook } from '../../../src/playbook/load.js';

const dir = join(import.meta.dirname, '../../../playbooks');

describe('shipped playbooks', () => {
  it('every playbook loads and validates', async () => {
    const files = (await readdir(dir)).filter((f) => f.endsWith('.yml'));
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const pb = await loadPlaybook(join(dir, f));
      expect(pb.plays.length, f).toBeGreaterThan(0);
    }
  });

  it('iser.yml imports the sections in the document order', async () => {
    const pb = await loadPlaybook(join(dir, 'iser.yml'));
    expect(pb.plays.map((p) => p.name)).toEqual([
      'Validate the iSER inventory variables',
      // the array side, when the inventory has one (eseries_arrays), before any host is changed
      "Initiator IQNs of the iSER hosts, for the array's host definitions",
      'E-Series array through its REST API',
      'Target IQN, portals and LUNs from the array',
      'Packages the setup needs',
      'Preflight (supported configuration)',
      'Kernel modules and limits for iSER',
      'Subnet manager (opensm) on the host',
      'Multipath (DM-MP)',
      'iSCSI services and iscsid.conf',
      'IPoIB interfaces',
      'iSER iface records',
      'iSER sessions',
      'Partitions and filesystems on the LUNs',
      'Volumes shared by several hosts (the others find what the formatting host made)',
      'Verify storage access',
      'Reboot-safe end state',
      'Sessions checked from the E-Series array',
    ]);
  });
});
