import { describe, expect, it } from 'vitest';
import { LaunchError } from '../../../src/launcher/errors.js';
import type { Host } from '../../../src/launcher/hostfile.js';
import { mapRanks, type MapBy } from '../../../src/launcher/mapping.js';

const hosts = (spec: string): Host[] =>
  spec.split(' ').map((h) => {
    const [name, slots] = h.split(':');
    return { name, slots: Number(slots) };
  });
const order = (spec: string, n: number, mapBy: MapBy, oversubscribe = false): string =>
  mapRanks(hosts(spec), n, mapBy, oversubscribe)
    .map((p) => p.host)
    .join(' ');

describe('mapRanks', () => {
  it.each([
    ['a:2 b:2', 4, 'slot', 'a a b b'],
    ['a:2 b:2', 3, 'slot', 'a a b'],
    ['a:2 b:1', 3, 'node', 'a b a'],
    ['a:2 b:2', 4, 'node', 'a b a b'],
    ['a:3 b:1 c:2', 5, 'node', 'a b c a c'],
    ['a:1', 1, 'slot', 'a'],
  ] as const)('%s, n=%i, by %s → %s', (spec, n, mapBy, expected) => {
    expect(order(spec, n, mapBy)).toBe(expected);
  });

  it.each([
    ['a:2 b:1', 5, 'slot', 'a a a b b'],
    ['a:2 b:1', 5, 'node', 'a b a b a'],
    ['a:1', 3, 'slot', 'a a a'],
  ] as const)('oversubscribed: %s, n=%i, by %s → %s', (spec, n, mapBy, expected) => {
    expect(order(spec, n, mapBy, true)).toBe(expected);
  });

  it('numbers ranks within each host', () => {
    expect(mapRanks(hosts('a:2 b:2'), 3, 'node', false)).toEqual([
      { rank: 0, host: 'a', localRank: 0, localSize: 2 },
      { rank: 1, host: 'b', localRank: 0, localSize: 1 },
      { rank: 2, host: 'a', localRank: 1, localSize: 2 },
    ]);
  });

  it('refuses more ranks than slots without oversubscription, naming the counts', () => {
    expect(() => mapRanks(hosts('a:2 b:1'), 4, 'slot', false)).toThrow(LaunchError);
    expect(() => mapRanks(hosts('a:2 b:1'), 4, 'slot', false)).toThrow(
      '4 ranks requested but the hosts provide only 3 slots; use --oversubscribe to allow more',
    );
    expect(() => mapRanks(hosts('a:1'), 2, 'node', false)).toThrow('only 1 slot;');
  });

  it('rejects impossible inputs', () => {
    expect(() => mapRanks([], 1, 'slot', true)).toThrow(RangeError);
    expect(() => mapRanks(hosts('a:1'), 0, 'slot', true)).toThrow(RangeError);
  });
});
