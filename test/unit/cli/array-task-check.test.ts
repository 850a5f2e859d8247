import { describe, expect, test } from 'vitest';
import { isArrayModule } from '../../../src/cli/array-task-check.js';
import { MODULES } from '../../../src/modules/index.js';

describe('which modules run on an E-Series array (ansible_connection: eseries_api)', () => {
  test('the seven REST API modules, and not eseries_luns (a host reading what it sees of the array)', () => {
    const onArrays = [...MODULES.values()].filter(isArrayModule).map((m) => m.name);
    expect(onArrays.sort()).toEqual([
      'eseries_facts',
      'eseries_host',
      'eseries_hostgroup',
      'eseries_iser_interface',
      'eseries_lun_mapping',
      'eseries_sessions',
      'eseries_volume',
    ]);
    expect(isArrayModule(MODULES.get('eseries_luns') as never)).toBe(false);
  });
});
