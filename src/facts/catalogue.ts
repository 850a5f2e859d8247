import { accountId } from './account-id.js';
import { blockSignature } from './block-signature.js';
import { dmMaps } from './dm-maps.js';
import type { Fact } from './fact.js';
import { hcaPorts, ipoibDevices } from './hca-ports.js';
import { iscsiNodeRecords, iscsiNodeTree, iscsiSessionTree } from './iscsi.js';
import { lunReport } from './lun-report.js';
import { mounts } from './mounts.js';
import { osRelease } from './os-release.js';
import { remoteFile } from './remote-file.js';
import {
  arrayHosts,
  arraySessions,
  arrayVolumes,
  hostTypes,
  iserInterfaces,
  storagePools,
  targetIqn,
  volumeMappings,
} from './santricity.js';
import { serviceState } from './service-state.js';

/**
 * Every fact sshplay reads, by name. A module declares the ones its plan reads (src/modules/define-module.ts);
 * each host fact is tested against recorded output of the real tool (test/fixtures/facts, one folder a fact).
 */
export const FACTS: ReadonlyMap<string, Fact<never, unknown>> = new Map(
  (
    [
      remoteFile,
      osRelease,
      accountId,
      serviceState,
      mounts,
      blockSignature,
      dmMaps,
      lunReport,
      hcaPorts,
      ipoibDevices,
      iscsiSessionTree,
      iscsiNodeTree,
      iscsiNodeRecords,
      iserInterfaces,
      targetIqn,
      hostTypes,
      arrayHosts,
      arrayVolumes,
      storagePools,
      volumeMappings,
      arraySessions,
    ] as Fact<never, unknown>[]
  ).map((f) => [f.name, f]),
);
