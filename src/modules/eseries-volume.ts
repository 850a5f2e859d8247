/**
 * eseries_volume: a volume on an E-Series array (the document's "create volumes"), created in a storage pool when no
 * volume has its name, as netapp_eseries.santricity's na_santricity_volume creates it (POST volumes: name, poolId,
 * sizeUnit, size). A volume name is used once on the array. An existing volume is never shrunk or grown here: one at
 * least as large as asked is left alone, a smaller one is refused.
 *
 *   - eseries_volume:
 *       name: iser_vol1
 *       storage_pool_name: pool1
 *       size: 100
 *       size_unit: gb
 */
import { arrayVolumes, storagePools } from '../facts/santricity.js';
import { apiDiff } from './api-diff.js';
import { defineModule } from './define-module.js';
import type { Module } from './types.js';

export interface EseriesVolumeArgs {
  name: string;
  storage_pool_name: string;
  size: number;
  size_unit: 'bytes' | 'kb' | 'mb' | 'gb' | 'tb';
}

const UNIT_BYTES = { bytes: 1n, kb: 1024n, mb: 1024n ** 2n, gb: 1024n ** 3n, tb: 1024n ** 4n } as const;

export const eseriesVolume: Module<EseriesVolumeArgs> = defineModule({
  name: 'eseries_volume',
  arrayApi: true,
  summary: 'a volume on an E-Series array, created in a storage pool when absent',
  schema: {
    name: { type: 'str', required: true },
    storage_pool_name: { type: 'str', required: true },
    size: { type: 'int', required: true },
    size_unit: { type: 'str', default: 'gb', choices: ['bytes', 'kb', 'mb', 'gb', 'tb'] },
  },
  facts: (_a: EseriesVolumeArgs) => ({ volumes: arrayVolumes.of(), pools: storagePools.of() }),
  async plan(_ctx, a, read) {
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
