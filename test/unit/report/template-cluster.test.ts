/**
 * TemplateCluster takes a text exactly when templateOf of the texts it took and that text is defined: the
 * console's clusters are the same as when every text was compared with all before it again.
 */
import { describe, expect, test } from 'vitest';
import { TemplateCluster, templateOf } from '../../../src/report/result-template.js';

/** The console's greedy clustering, by templateOf over every text so far (what it did before TemplateCluster). */
function byTemplateOf(texts: string[]): number[] {
  const clusters: string[][] = [];
  return texts.map((t) => {
    const home = clusters.findIndex((c) => templateOf([...c, t]) !== undefined);
    if (home >= 0) {
      clusters[home]?.push(t);
      return home;
    }
    clusters.push([t]);
    return clusters.length - 1;
  });
}

function byCluster(texts: string[]): number[] {
  const clusters: TemplateCluster[] = [];
  return texts.map((t) => {
    const home = clusters.findIndex((c) => c.add(t));
    if (home >= 0) return home;
    const c = new TemplateCluster();
    c.add(t);
    clusters.push(c);
    return clusters.length - 1;
  });
}

/** A small deterministic generator: the same texts every run. */
function generator(seed: number) {
  let s = seed;
  return (n: number) => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s % n;
  };
}

describe('TemplateCluster', () => {
  test('hosts whose texts differ in their own values join; another shape or separator starts a cluster', () => {
    const texts = [
      'ok: set iqn=iqn.h1 on h1',
      'ok: set iqn=iqn.h2 on h2',
      'ok: set iqn=iqn.h3 on h3',
      'ok: set iqn iqn.h4 on h4',
      'ok: set iqn=iqn.h1 on h1 now',
      'ok: set iqn=iqn.h1 on h1',
    ];
    expect(byCluster(texts)).toEqual([0, 0, 0, 1, 2, 0]);
    expect(byCluster(texts)).toEqual(byTemplateOf(texts));
  });

  test('more than six varying slots, or none, is refused as templateOf refuses it', () => {
    const seven = ['1 2 3 4 5 6 7', 'a b c d e f g'];
    expect(byCluster(seven)).toEqual(byTemplateOf(seven));
    expect(byCluster(seven)).toEqual([0, 1]);
    const same = ['x y', 'x y'];
    expect(byCluster(same)).toEqual(byTemplateOf(same));
    expect(byCluster(same)).toEqual([0, 1]);
  });

  test('the same clusters as templateOf on generated texts (words varying together, apart, in shape)', () => {
    const words = ['a', 'b', 'c', 'iqn.1', 'iqn.2', '10.0.0.1', '10.0.0.2'];
    const separators = [' ', '=', ', ', ': '];
    for (let seed = 1; seed <= 200; seed++) {
      const pick = generator(seed);
      const length = 2 + pick(5);
      const base = Array.from({ length }, () => words[pick(words.length)] as string);
      const seps = Array.from({ length: length - 1 }, () => separators[pick(2)] as string);
      const texts = Array.from({ length: 3 + pick(12) }, () => {
        const w = base.map((x) => (pick(3) === 0 ? (words[pick(words.length)] as string) : x));
        if (pick(10) === 0) w.push('extra');
        const s = seps.map((x) => (pick(15) === 0 ? (separators[pick(separators.length)] as string) : x));
        return w.map((x, i) => (i < s.length ? `${x}${s[i]}` : i < w.length - 1 ? `${x} ` : x)).join('');
      });
      expect(byCluster(texts), texts.join(' | ')).toEqual(byTemplateOf(texts));
    }
  });
});
