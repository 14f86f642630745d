// The Wasm machine runs a program's slice in a separately compiled copy when trace is off and no
// point can act (assembly/workload.ts run_slice_quiet). The differential tests compare traces, so
// they run the general copy; here trace-off rcuscale runs must give the stats and run results of
// the same runs with trace on, and of the TS baseline.
import { describe, expect, it } from 'vitest';
import { runScenario, type Scenario } from '../../src/index.js';
import type { MachineOptions } from '../../src/types.js';
import { quietSlices } from '../helpers/errors.js';

const workloads = [
  { kfree_rcu_test_double: true },
  { kfree_rcu_test_single: true, kfree_rcu_test_double: true },
  { kfree_rcu_test_single: true },
  { kfree_by_call_rcu: true },
];
const optionSets: MachineOptions[] = [{}, { rcuMinCachedObjs: 0 }, { batched: false }, { checker: false }, { bulkMaxEntr: 7, hz: 100 }];

function scenario(w: object, o: MachineOptions, trace: boolean): Scenario {
  return {
    name: 'quiet',
    options: { nrCpus: 3, maxObjects: 1 << 18, maxPages: 1 << 10, trace, ...o },
    workload: { kind: 'rcuscale-kfree', kfree_loops: 3, kfree_alloc_num: 3000, ...w },
  } as Scenario;
}

describe('the quiet slice (trace off, nothing at the points)', () => {
  for (const w of workloads) {
    for (const o of optionSets) {
      it(`${JSON.stringify(w)} ${JSON.stringify(o)}`, () => {
        const key = (trace: boolean, impl: 'wasm' | 'ts') => {
          let m: unknown;
          const r = runScenario(scenario(w, o, trace), { impl, onMachine: (mm) => (m = mm) });
          if (impl === 'wasm') expect(quietSlices(m) > 0, 'the quiet copy ran').toBe(!trace);
          return { run: r.run, jiffies: r.jiffies, stats: r.stats, completed: r.completed, batches: r.batches,
            footprintBytes: r.footprintBytes, leftAfterBarrier: r.leftAfterBarrier };
        };
        const quiet = key(false, 'wasm');
        expect(quiet).toEqual(key(true, 'wasm'));
        expect(quiet).toEqual(key(false, 'ts'));
      });
    }
  }
});
