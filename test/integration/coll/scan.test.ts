import { describe, expect, it } from 'vitest';
import * as coll from '../../../src/comm/coll/index.js';
import { valuesOnEveryRank } from '../../helpers/coll-hub.js';
import { algorithmsOf, expectSame, prefixes, kSizes, ranksOf, reductionCases, snapshot, worldFor } from './corpus.js';

const cases = reductionCases();
/** Scans have no large-payload algorithm: big operands run on one size only. */
const casesFor = (size: number) => cases.filter((c) => !c.large || size === 5);

describe.each(kSizes)('scan and exscan on %i ranks', (size) => {
  it.each(algorithmsOf('scan'))('scan, %s: rank r gets v0·…·vr in rank order, inputs untouched', async (algorithm) => {
    const hub = worldFor(size, 'scan', algorithm);
    for (const c of casesFor(size)) {
      const inputs = ranksOf(size).map((r) => c.value(r));
      const before = inputs.map(snapshot);
      const got = await valuesOnEveryRank(hub.hosts, (h, r) => coll.scan(h, inputs[r], c.op));
      const want = prefixes(c, size);
      got.forEach((v, r) => expectSame(v, want[r], `${c.name} on rank ${r}`));
      inputs.forEach((v, r) => expect(snapshot(v).equals(before[r]), `${c.name}: input of rank ${r} changed`).toBe(true));
      got.forEach((v, r) => typeof v === 'object' && expect(v === inputs[r], c.name).toBe(false));
    }
    expect(hub.received).toBe(hub.sent);
    if (size === 1) expect(hub.sent).toBe(0);
  });

  it.each(algorithmsOf('exscan'))('exscan, %s: rank r gets v0·…·v(r-1), rank 0 undefined', async (algorithm) => {
    const hub = worldFor(size, 'exscan', algorithm);
    for (const c of casesFor(size)) {
      const inputs = ranksOf(size).map((r) => c.value(r));
      const before = inputs.map(snapshot);
      const got = await valuesOnEveryRank(hub.hosts, (h, r) => coll.exscan(h, inputs[r], c.op));
      const want = prefixes(c, size);
      got.forEach((v, r) => (r === 0 ? expect(v).toBeUndefined() : expectSame(v, want[r - 1], `${c.name} on rank ${r}`)));
      inputs.forEach((v, r) => expect(snapshot(v).equals(before[r]), `${c.name}: input of rank ${r} changed`).toBe(true));
      got.forEach((v, r) => typeof v === 'object' && v !== undefined && expect(v === inputs[r - 1], c.name).toBe(false));
    }
    expect(hub.received).toBe(hub.sent);
    if (size === 1) expect(hub.sent).toBe(0);
  });
});
