// compare(): both machines on one scenario, and the diff that names what drifts.
import { describe, expect, it } from 'vitest';
import { compare, diffResults } from '../../src/compare.js';
import { BUILTIN_SCENARIOS } from '../../src/scenarios/index.js';

describe('compare', () => {
  it('runs a scenario on both machines with the trace on, and they agree', () => {
    const s = { ...BUILTIN_SCENARIOS['nmi-storm'], workload: { ...BUILTIN_SCENARIOS['nmi-storm'].workload, kfree_loops: 1 } };
    const c = compare(s);
    expect(c.differences).toEqual([]);
    expect(c.agree).toBe(true);
    expect(c.wasm.traced).toBe(true);
    expect(c.wasm.digest).not.toBe(0x811c9dc5); // the FNV basis: nothing hashed
    expect(c.wasm.stats.total.injectNmi).toBeGreaterThan(0);
    expect([c.wasm.impl, c.ts.impl]).toEqual(['wasm', 'ts']);
  });

  it('names every difference: digest, counters, failure, memory', () => {
    const { wasm } = compare({ name: 'tiny', options: { nrCpus: 1 }, workload: { kind: 'rcuscale-kfree', kfree_loops: 1, kfree_alloc_num: 100 } });
    const other = {
      ...wasm, digest: wasm.digest ^ 1, peakWaitingBytes: (wasm.peakWaitingBytes ?? 0) + 24,
      stats: { ...wasm.stats, total: { ...wasm.stats.total, kfree: wasm.stats.total.kfree + 1 } },
    };
    const d = diffResults(wasm, other);
    expect(d).toHaveLength(3);
    expect(d[0]).toMatch(/^trace digest: /);
    expect(d[1]).toBe(`stat kfree: ${wasm.stats.total.kfree} vs ${wasm.stats.total.kfree + 1}`);
    expect(d[2]).toMatch(/^peakWaitingBytes: /);
    expect(diffResults(wasm, { ...wasm, stats: { ...wasm.stats, perCpu: [{ ...wasm.stats.perCpu[0], kfree: 0 }] } })).toEqual(['per-CPU stats differ (totals agree)']);
  });
});
