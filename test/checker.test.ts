// The checker only observes (docs/model.md §17): with it off a run has the same trace and stats; with
// it on, a broken machine's run stops at the violation, and what it traced up to there is exactly the
// start of the unchecked run's trace. Also: rules can be chosen, and a chosen-away rule stays silent.
import { describe, expect, it } from 'vitest';
import { runScenario, type Scenario } from '../src/scenario.js';
import type { MachineOptions, ProgramOp, RcuMachine, TraceEvent } from '../src/types.js';
import { IMPLS } from './helpers/machines.js';

const NOLOCK: ProgramOp[] = [{ op: 'kmalloc' }, { op: 'kfree_rcu_nolock' }];
const mix: ProgramOp[] = [{ op: 'loop', n: 60, body: [{ op: 'kmalloc' }, { op: 'kfree_rcu_mix' }, { op: 'kmalloc' }, { op: 'kfree_rcu_nolock' }, { op: 'kmalloc' }, { op: 'call_rcu' }] }, { op: 'sleep', jiffies: 2 }];

function scenario(options: MachineOptions): Scenario {
  return {
    name: 'checker',
    options: { nrCpus: 2, maxObjects: 1 << 14, maxPages: 256, kfreeDrainJiffies: 3, bulkMaxEntr: 4, trace: true, traceCapacity: 1 << 20,
      inject: { nmi: { ratePerSec: 2_000_000, handler: NOLOCK }, probe: { probability: 0.05, points: ['krc-locked', 'monitor-locked'], handler: NOLOCK } }, ...options },
    workload: { kind: 'programs', programs: [{ cpus: 'all', ops: mix }] },
  };
}

function traced(s: Scenario, impl: 'wasm' | 'ts') {
  let m: RcuMachine | null = null;
  const r = runScenario(s, { impl, onMachine: (x) => (m = x) });
  return { r, trace: (m as unknown as RcuMachine).trace() as TraceEvent[] };
}

describe.each(IMPLS)('the checker only observes (%s)', (impl) => {
  it('on a healthy machine, checker on and off give the same trace and stats', () => {
    for (let seed = 1; seed <= 12; seed++) {
      const on = runScenario(scenario({ seed }), { impl });
      const off = runScenario(scenario({ seed, checker: false }), { impl });
      expect(on.failure).toBeNull();
      expect(on.stats.total.nolockDeferred + on.stats.total.drainReadyFreed).toBeGreaterThan(0);
      expect(off.digest).toBe(on.digest);
      expect(off.stats).toEqual(on.stats);
    }
  });

  it.each(['free-before-gp', 'drain-drops-tail', 'llist-add-ignored'] as const)('with mutant %s the checked trace is the start of the unchecked one', (mutant) => {
    const on = traced(scenario({ mutant } as MachineOptions), impl);
    const off = traced(scenario({ mutant, checker: false } as MachineOptions), impl);
    expect(on.r.failure?.status).toBe('Violation');
    expect(off.r.failure?.status ?? 'none').not.toBe('Violation');
    expect(on.trace.length).toBeGreaterThan(0);
    expect(off.trace.length).toBeGreaterThanOrEqual(on.trace.length);
    expect(off.trace.slice(0, on.trace.length)).toEqual(on.trace);
  });

  it('checkerRules picks the rules: a rule left out does not fire', () => {
    const s = scenario({ mutant: 'drain-drops-tail' } as MachineOptions);
    expect(runScenario(s, { impl }).failure?.rule).toBe('conservation');
    const without = runScenario({ ...s, options: { ...s.options, checkerRules: ['premature-free', 'spin-in-nmi', 'irq-work', 'bounds', 'monitor-liveness'] } }, { impl });
    expect(without.failure?.rule).not.toBe('conservation');
  });
});
