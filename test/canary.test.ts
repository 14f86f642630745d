// Canaries: deliberately broken machines (docs/model.md §17.1) that the checker or exploration must
// catch within a stated budget. `npm test` fails if any mutant survives; the mutation score is printed.
import { afterAll, describe, expect, it } from 'vitest';
import { explore } from '../src/explore.js';
import { runScenario, type Scenario } from '../src/scenario.js';
import type { MachineOptions, ProgramOp } from '../src/types.js';
import { IMPLS } from './helpers/machines.js';

const NOLOCK2: ProgramOp[] = [{ op: 'kmalloc' }, { op: 'kfree_rcu_nolock' }, { op: 'kmalloc' }, { op: 'kfree_rcu_nolock' }];

function programs(options: MachineOptions, ops: ProgramOp[], cpus: number[] = [0, 1]): Scenario {
  return { name: 'canary', options: { nrCpus: 2, maxObjects: 1 << 16, maxPages: 1 << 10, ...options }, workload: { kind: 'programs', programs: [{ cpus, ops }] } };
}
const flood = (n: number): ProgramOp[] => [{ op: 'loop', n, body: [{ op: 'kmalloc' }, { op: 'kfree_rcu' }] }];
const trickle = (n: number, free: ProgramOp['op'] = 'kfree_rcu'): ProgramOp[] => [{ op: 'loop', n, body: [{ op: 'kmalloc' }, { op: free } as ProgramOp, { op: 'sleep', jiffies: 1 }] }];
/** A trickle of `free`s beside call_rcu() traffic, so GPs keep completing while the krc holds objects: drain_ready has work. */
const polled = (n: number, free: ProgramOp['op'], perJiffy = 1): ProgramOp[] => [{ op: 'loop', n, body: [
  { op: 'loop', n: perJiffy, body: [{ op: 'kmalloc' }, { op: free } as ProgramOp] }, { op: 'kmalloc' }, { op: 'call_rcu' }, { op: 'sleep', jiffies: 1 }] }];
/** A probe inside the krc-locked region that frees two objects with kfree_rcu_nolock(): subcritical (each drain re-enters the region). */
const probeInLock = { probe: { probability: 0.2, points: ['krc-locked' as const], handler: NOLOCK2 } };

/** Each canary: the mutant, the workload that exposes it, the rule expected, and the budget of runs. */
const CANARIES: { mutant: string; rule: string; budget: number; scenario: Scenario }[] = [
  { mutant: 'free-before-gp', rule: 'premature-free', budget: 1, scenario: programs({}, flood(2000)) },
  { mutant: 'page-snap-once', rule: 'premature-free', budget: 1, scenario: programs({ kfreeDrainJiffies: 3 }, polled(30, 'kvfree_rcu')) },
  { mutant: 'llist-add-ignored', rule: 'irq-work', budget: 1, scenario: programs({ inject: probeInLock }, flood(200)) },
  { mutant: 'drain-newest-page', rule: 'premature-free', budget: 1, scenario: programs({ bulkMaxEntr: 2, kfreeDrainJiffies: 6 }, polled(40, 'kvfree_rcu', 3)) },
  { mutant: 'head-snap-not-refreshed', rule: 'premature-free', budget: 1, scenario: programs({ rcuMinCachedObjs: 0, kfreeDrainJiffies: 3 }, polled(30, 'kfree_rcu')) },
  { mutant: 'monitor-postponed', rule: 'monitor-liveness', budget: 1, scenario: programs({ kfreeDrainJiffies: 10 }, trickle(40)) },
  { mutant: 'nolock-spins', rule: 'spin-in-nmi|Deadlock', budget: 1, scenario: programs({ inject: { nmi: { ratePerSec: 1_000_000, handler: NOLOCK2 } } }, flood(2000)) },
  { mutant: 'drain-drops-tail', rule: 'conservation', budget: 1, scenario: programs({ inject: probeInLock }, flood(200)) },
  { mutant: 'irq-work-no-claim', rule: 'irq-work', budget: 1, scenario: programs({}, [{ op: 'loop', n: 4, body: [{ op: 'kmalloc' }, { op: 'kfree_rcu_nolock' }] }]) },
];

const caught = new Map<string, string>();

describe.each(IMPLS)('canary mutants (%s)', (impl) => {
  it.each(CANARIES)('$mutant is caught ($rule, within $budget run)', ({ mutant, rule, budget, scenario }) => {
    // The healthy machine passes the same workload.
    const healthy = runScenario(scenario, { impl });
    expect(healthy.failure, 'healthy machine').toBeNull();
    expect(healthy.stats.total.prematureFree).toBe(0);
    const broken: Scenario = { ...scenario, options: { ...scenario.options, mutant } as MachineOptions };
    const rep = explore(broken, { mode: 'random', budget, impl });
    expect(rep.violations.length, `${mutant} survived ${rep.runs} runs`).toBeGreaterThan(0);
    const f = rep.violations[0].failure;
    expect(rule.split('|')).toContain(f?.rule ?? f?.status);
    caught.set(`${impl}:${mutant}`, rule);
  });
});

afterAll(() => {
  const total = CANARIES.length * IMPLS.length;
  console.log(`mutation score: ${caught.size}/${total} mutants caught`);
});
