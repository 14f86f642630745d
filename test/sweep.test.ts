// Seed sweep of the v1 design under injection, with the checker on: 10^4 seeds across scenarios in
// `npm test` (`npm run test:long`: 10^5, from SWEEP_SEED or a fresh exploration seed). Every run must
// pass every checker rule (nothing freed early, nothing lost, no spin in NMI, no stranded llist) and
// leave nothing after the barrier, and the sweep must really have exercised the paths it is about.
import { describe, expect, it } from 'vitest';
import { explore } from '../src/explore.js';
import type { Scenario } from '../src/scenario.js';
import type { ProgramOp } from '../src/types.js';

const RUNS = process.env.LONG ? 34_000 : 3_400;
const SEED = process.env.SWEEP_SEED ? Number(process.env.SWEEP_SEED) : process.env.LONG ? Date.now() % 2 ** 31 : 11;
const NOLOCK: ProgramOp[] = [{ op: 'kmalloc' }, { op: 'kfree_rcu_nolock' }];
const mix = (n: number): ProgramOp[] => [{ op: 'loop', n, body: [{ op: 'kmalloc' }, { op: 'kfree_rcu_mix' }, { op: 'kmalloc' }, { op: 'kfree_rcu_nolock' }] }, { op: 'cond_resched' }];

const SCENARIOS: Scenario[] = [
  {
    name: 'mini-nmi-storm',
    options: { nrCpus: 2, maxObjects: 1 << 14, maxPages: 256, inject: { nmi: { ratePerSec: 2_000_000, handler: NOLOCK } } },
    workload: { kind: 'programs', programs: [{ cpus: 'all', ops: mix(150) }] },
  },
  {
    name: 'mini-probe-in-lock',
    options: { nrCpus: 2, maxObjects: 1 << 14, maxPages: 256, monitorArm: 'one-irq-work-lazy-flag', inject: { probe: { probability: 0.3, points: ['krc-locked', 'monitor-locked', 'work-locked'], handler: NOLOCK }, remote: { probability: 0.05 } } },
    workload: { kind: 'programs', programs: [{ cpus: 'all', ops: mix(150) }] },
  },
  {
    name: 'mini-mixed',
    options: { nrCpus: 3, maxObjects: 1 << 14, maxPages: 64, bulkMaxEntr: 8, rcuMinCachedObjs: 1, pageFailRate: 0.2, monitorArm: 'lazy-irq-work-unless-pending',
      inject: { nmi: { probability: 0.05, handler: NOLOCK }, hardirq: { probability: 0.05, handler: NOLOCK } } },
    workload: { kind: 'programs', programs: [{ cpus: 'all', ops: mix(100) }] },
  },
];

describe('seed sweep with the checker on', () => {
  it.each(SCENARIOS)('$name: no violation over the sweep', (scenario) => {
    const totals: Record<string, number> = {};
    const rep = explore(scenario, {
      mode: 'random', budget: RUNS, seed: SEED,
      classify: (r) => {
        for (const k of ['trylockFail', 'nolockDeferred', 'nolockDrained', 'injectNmi', 'injectProbe', 'injectHardirq', 'inlineSync', 'drainReadyFreed']) totals[k] = (totals[k] ?? 0) + r.stats.total[k];
        return r.failure ? 'failed' : 'ok';
      },
    });
    if (rep.violations.length) console.error(`exploration seed ${SEED}; replay: kfree-rcu-sim replay ${rep.violations[0].replay}`);
    expect(rep.violations, rep.violations[0]?.replay).toEqual([]);
    expect(rep.runs).toBe(RUNS);
    expect(totals.trylockFail).toBeGreaterThan(0);
    expect(totals.nolockDeferred).toBe(totals.trylockFail); // every failed trylock deferred...
    expect(totals.nolockDrained).toBe(totals.nolockDeferred); // ...and every deferral was drained
    expect(totals.injectNmi + totals.injectProbe + totals.injectHardirq).toBeGreaterThan(RUNS);
  });
});
