/**
 * eseries_volume: a volume on an E-Series array (the document's "create volumes"), created in a storage pool when no
 * volume has its name, as netapp_eseries.santricity's na_santricity_volume creates it (POST volumes: name, poolId,
 * sizeUnit, size). A volume name is used once on the array. An existing volume is never shrunk or grown here: one at
 * least as large as asked is left alone, a smaller one is refused. state: absent deletes it (DELETE volumes/<id>, as
 * na_santricity_volume does) only with allow_data_loss: true, and never while it is mapped (unmap it first).
 *
 *   - eseries_volume:
 *       name: iser_vol1
 *       storage_pool_name: pool1
 *       size: 100
 *       size_unit: gb
 */
import {
  type ArrayVolume,
  arrayVolumes,
  storagePools,
  type VolumeMapping,
  volumeMappings,
} from '../facts/santricity.js';
import { apiDiff } from './api-diff.js';
import { defineModule } from './define-module.js';
import type { Module } from './types.js';

export interface EseriesVolumeArgs {
  name: string;
  storage_pool_name?: string;
  size?: number;
  size_unit: 'bytes' | 'kb' | 'mb' | 'gb' | 'tb';
  state: 'present' | 'absent';
  /** state: absent deletes the volume and everything on it: refused unless this says so. */
  allow_data_loss: boolean;
}

const UNIT_BYTES = { bytes: 1n, kb: 1024n, mb: 1024n ** 2n, gb: 1024n ** 3n, tb: 1024n ** 4n } as const;

export const eseriesVolume: Module<EseriesVolumeArgs> = defineModule({
  name: 'eseries_volume',
  arrayApi: true,
  summary: 'a volume on an E-Series array, created in a storage pool when absent',
  schema: {
    name: { type: 'str', required: true },
    storage_pool_name: { type: 'str' },
    size: { type: 'int' },
    size_unit: { type: 'str', default: 'gb', choices: ['bytes', 'kb', 'mb', 'gb', 'tb'] },
    state: { type: 'str', default: 'present', choices: ['present', 'absent'] },
    allow_data_loss: { type: 'bool', default: false },
  },
  facts: (_a: EseriesVolumeArgs) => ({
    volumes: arrayVolumes.of(),
    pools: storagePools.of(),
    mappings: volumeMappings.of(),
  }),
  async plan(ctx, a, read) {
    if (a.state === 'absent') return planDelete(read, a, ctx.check);
    if (a.storage_pool_name === undefined || a.size === undefined)
      return { changes: [], failed: 'storage_pool_name and size are required with state: present' };
    if (a.size <= 0) return { changes: [], failed: `size must be a positive number of ${a.size_unit}, got ${a.size}` };
    const bytes = BigInt(a.size) * UNIT_BYTES[a.size_unit];
    const [volumes, pools] = await Promise.all([read.volumes(), read.pools()]);
    const existing = volumes.find((v) => v.name === a.name);
    if (existing) {
      const result = {
        volume: { id: existing.id, name: existing.name, wwn: existing.wwn, capacity: String(existing.capacityBytes) },
      };
      if (existing.capacityBytes >= bytes)
        return {
          changes: [],
          noop: `volume ${a.name} exists (${existing.capacityBytes} bytes, wwn ${existing.wwn})`,
          result,
        };
      return {
        changes: [],
        failed: `volume ${a.name} exists with ${existing.capacityBytes} bytes, smaller than the ${bytes} asked; sshplay does not resize volumes`,
        result,
      };
    }
    const pool = pools.find((p) => p.name === a.storage_pool_name);
    if (!pool)
      return {
        changes: [],
        failed: `no storage pool ${a.storage_pool_name} on the array; it has: ${pools.map((p) => p.name).join(', ') || 'none'}`,
      };
    const body = { name: a.name, poolId: pool.id, sizeUnit: a.size_unit, size: a.size, dataAssuranceEnabled: false };
    return {
      changes: [{ kind: 'api', method: 'POST', path: 'volumes', body }],
      diff: apiDiff(`volume/${a.name}`, null, { name: a.name, pool: pool.name, size: `${a.size} ${a.size_unit}` }),
      preview: `create volume ${a.name} (${a.size} ${a.size_unit}) in ${pool.name}`,
    };
  },
});

/** What a deletion reads. */
interface DeleteReads {
  volumes(): Promise<ArrayVolume[]>;
  mappings(): Promise<VolumeMapping[]>;
}

/** A volume deleted: only when asked in so many words, and only once no host or group has it mapped. */
async function planDelete(read: DeleteReads, a: EseriesVolumeArgs, check: boolean) {
  const [volumes, mappings] = await Promise.all([read.volumes(), read.mappings()]);
  const existing = volumes.find((v) => v.name === a.name);
  if (!existing) return { changes: [], noop: `no volume ${a.name} on the array` };
  if (!a.allow_data_loss)
    return {
      changes: [],
      failed: `deleting volume ${a.name} (wwn ${existing.wwn}) destroys the data on it: set allow_data_loss: true to do so`,
    };
  const mapping = mappings.find((m) => m.volumeRef === existing.id);
  // in check mode an earlier task of the teardown would unmap it: previewed, not failed
  if (mapping && !check)
    return {
      changes: [],
      failed: `volume ${a.name} is mapped (LUN ${mapping.lun}): unmap it first (eseries_lun_mapping state: absent)`,
    };
  return {
    changes: [{ kind: 'api' as const, method: 'DELETE' as const, path: `volumes/${existing.id}` }],
    diff: apiDiff(
      `volume/${a.name}`,
      { name: a.name, wwn: existing.wwn, capacity: String(existing.capacityBytes) },
      null,
    ),
    preview: `delete volume ${a.name} (wwn ${existing.wwn}) and the data on it${mapping ? ', once an earlier task unmapped it' : ''}`,
  };
}
