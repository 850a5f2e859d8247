/**
 * The discovery method iser-sessions.yml chooses per host: "Use Method 2 for RHEL 6.x or SLES 11.3 or
 * later" read as RHEL 6.x, and SLES 11 SP3 and every later SLES; Method 1 elsewhere; iser_discovery wins.
 * The conditions are the playbook's own `when` expressions, evaluated as the engine evaluates them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { evaluateCondition } from '../../../src/template/expression.js';

const ROOT = join(import.meta.dirname, '../../..');
const play = parse(readFileSync(join(ROOT, 'playbooks/iser-sessions.yml'), 'utf8'))[0] as {
  tasks: { name: string; when?: string; set_fact?: Record<string, string> }[];
};
const chooser = play.tasks.filter((t) => t.set_fact && 'iser_discovery_method' in t.set_fact);

/** Runs the three set_fact tasks in order, as the play does. */
function method(vars: Record<string, unknown>): string | undefined {
  const v: Record<string, unknown> = { ...vars };
  for (const t of chooser) {
    if (t.when !== undefined && !evaluateCondition(t.when, v)) continue;
    const value = t.set_fact?.iser_discovery_method as string;
    v.iser_discovery_method = value === '{{iser_discovery}}' ? v.iser_discovery : value;
  }
  return v.iser_discovery_method as string | undefined;
}

const os = (id: string, version: string) => ({
  os_id: id,
  ansible_distribution_version: version,
  ansible_distribution_major_version: version.split('.')[0],
});

describe('discovery method by OS and version', () => {
  test('the playbook has the three choosing tasks', () => {
    expect(chooser).toHaveLength(3);
  });
  test.each([
    ['rhel', '6.10', 'manual'],
    ['rhel', '7.9', 'sendtargets'],
    ['rhel', '8.6', 'sendtargets'],
    ['sles', '11.2', 'sendtargets'],
    ['sles', '11.3', 'manual'],
    ['sles', '11.4', 'manual'],
    ['sles', '12.5', 'manual'],
    ['sles', '15.4', 'manual'],
    ['sles_sap', '15.4', 'manual'],
    ['ubuntu', '22.04', 'sendtargets'],
  ])('%s %s -> %s', (id, version, want) => {
    expect(method(os(id, version))).toBe(want);
  });
  test('iser_discovery overrides the OS either way', () => {
    expect(method({ ...os('sles', '15.4'), iser_discovery: 'sendtargets' })).toBe('sendtargets');
    expect(method({ ...os('rhel', '8.6'), iser_discovery: 'manual' })).toBe('manual');
  });
});
