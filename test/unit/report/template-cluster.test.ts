import { describe, expect, test } from 'vitest';
import { TemplateCluster, templateOf } from '../../../src/report/result-template.js';

/** Greedy clustering two ways: templateOf over every text so far (the reference), and TemplateCluster. */
function clustersBoth(texts: string[]): { reference: string[][]; incremental: string[][] } {
  const reference: string[][] = [];
  for (const t of texts) {
    const home = reference.find((c) => templateOf([...c, t]) !== undefined);
    if (home) home.push(t);
    else reference.push([t]);
  }
  const incremental: { texts: string[]; cluster: TemplateCluster }[] = [];
  for (const t of texts) {
    const home = incremental.find((c) => c.cluster.add(t));
    if (home) home.texts.push(t);
    else incremental.push({ texts: [t], cluster: new TemplateCluster(t) });
  }
  return { reference, incremental: incremental.map((c) => c.texts) };
}

describe('TemplateCluster', () => {
  test('takes the texts templateOf would print as one template, and only those', () => {
    const texts = [
      'changed: write /etc/a guid=0x1 port 1',
      'changed: write /etc/a guid=0x2 port 1',
      'changed: write /etc/a guid=0x1 port 1', // the same as the first: still one template with the others
      'changed: write /etc/b guid=0x3 port 2 extra', // more words: another cluster
      'changed: write /etc/a,guid=0x4 port 1', // a separator differs: not the same change
      'changed: write /etc/b guid=0x5 port 3 extra',
      'ok: nothing',
      'ok: nothing', // identical to the cluster's only text: no word varies, so no template
    ];
    const { reference, incremental } = clustersBoth(texts);
    expect(incremental).toEqual(reference);
    expect(reference[0]).toHaveLength(3);
  });

  test('positions that vary together share a slot; a seventh slot is refused, as templateOf refuses it', () => {
    const host = (i: number, k: number) =>
      Array.from({ length: 8 }, (_, j) => (j < k ? `v${i}-${j}` : `same${j}`)).join(' ') + ` id=${i} again=${i}`;
    for (const k of [0, 4, 5, 6, 7]) {
      const texts = Array.from({ length: 5 }, (_, i) => host(i, k));
      const { reference, incremental } = clustersBoth(texts);
      expect(incremental).toEqual(reference);
    }
    // k = 4: four varying words plus id/again moving together (one slot) = 5 slots: one cluster
    expect(clustersBoth(Array.from({ length: 5 }, (_, i) => host(i, 4))).incremental).toHaveLength(1);
    // k = 6: 7 slots: every text alone
    expect(clustersBoth(Array.from({ length: 5 }, (_, i) => host(i, 6))).incremental).toHaveLength(5);
  });

  test('a fleet of distinct per-host texts clusters in linear time', () => {
    const texts = Array.from({ length: 5000 }, (_, i) => `changed: [n${i}] set guid 0x${i.toString(16)} on ib0`);
    const cluster = new TemplateCluster(texts[0] as string);
    const started = performance.now();
    for (const t of texts.slice(1)) expect(cluster.add(t)).toBe(true);
    // the reference (templateOf over all texts so far, per text) would take minutes here
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
