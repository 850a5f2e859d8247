import { describe, expect, test } from 'vitest';
import { PlayFrontier } from '../../../src/report/play-frontier.js';

describe('PlayFrontier', () => {
  test('a task is past once every host still going started a later one; a host not started holds every task', () => {
    const f = new PlayFrontier();
    f.reset(['a', 'b', 'c']);
    f.reach('a', 0);
    f.reach('b', 1);
    expect(f.allPast(0)).toBe(false); // a is still at task 0, c has not started
    f.reach('a', 1);
    expect(f.allPast(0)).toBe(false); // c has not started
    f.reach('c', 2);
    expect(f.allPast(0)).toBe(true);
    expect(f.allPast(1)).toBe(false);
    f.reach('c', 0); // a host never goes back
    expect(f.allPast(0)).toBe(true);
    f.reach('outsider', 5); // not of this play: not counted
    expect(f.size).toBe(3);
  });

  test('a stopped host is waited for no more; a new batch starts over', () => {
    const f = new PlayFrontier();
    f.reset(['a', 'b']);
    f.reach('a', 2);
    expect(f.allPast(1)).toBe(false);
    f.drop('b');
    expect(f.allPast(1)).toBe(true);
    expect(f.size).toBe(1);
    f.reset(['c']);
    expect(f.allPast(0)).toBe(false);
    f.drop('c');
    expect(f.allPast(100)).toBe(true); // nobody left to wait for
  });
});
