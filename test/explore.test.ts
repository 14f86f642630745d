// Exploration: outcome sets of small litmus scenarios (which end states are reachable and which never
// are), replay strings that reproduce a run exactly on both machines, and shrinking.
import { describe, expect, it } from 'vitest';
import { explore, parseReplay, replay, replayString, runCase, type ReplayCase } from '../src/explore.js';
import type { Scenario, ScenarioResult } from '../src/scenario.js';
import type { ProgramOp } from '../src/types.js';

/** One task on cpu 0 frees two objects with kfree_rcu(); an NMI may land at any point, running `handler`. */
function litmus(handler: ProgramOp[]): Scenario {
  return {
    name: 'litmus',
    options: { nrCpus: 2, maxObjects: 64, maxPages: 16, inject: { nmi: { handler } } } as Scenario['options'],
    workload: { kind: 'programs', programs: [{ cpus: [0], ops: [{ op: 'kmalloc' }, { op: 'kfree_rcu' }, { op: 'kmalloc' }, { op: 'kfree_rcu' }] }] },
  };
}

function path(r: ScenarioResult): string {
  if (r.failure) return `${r.failure.status}@${r.failure.point ?? '-'}`;
  const t = r.stats.total;
  if (t.prematureFree > 0 || r.leftAfterBarrier !== 0) return 'BROKEN';
  if (t.nolockCall === 0) return t.injectNmi > 0 ? 'nmi-other' : 'no-nmi';
  return t.trylockFail > 0 ? 'deferred' : 'direct';
}

describe('exploration', () => {
  it('kfree_rcu_nolock from an NMI anywhere: direct or deferred, never lost or early (exhaustive, 1 NMI)', () => {
    const rep = explore(litmus([{ op: 'kmalloc' }, { op: 'kfree_rcu_nolock' }]), { mode: 'exhaustive', depth: 1, budget: 10_000, classify: path });
    expect(rep.pointHits).toBeGreaterThan(5);
    expect(rep.runs).toBe(rep.pointHits + 1); // every point, plus the uninjected run
    expect([...rep.outcomes.keys()].sort()).toEqual(['deferred', 'direct', 'no-nmi']);
    expect(rep.violations).toEqual([]);
  });



  it('two NMIs (depth 2) still never lose or free early', () => {
    const rep = explore(litmus([{ op: 'kmalloc' }, { op: 'kfree_rcu_nolock' }]), { mode: 'exhaustive', depth: 2, budget: 20_000, kinds: ['nmi', 'probe'], classify: path });
    expect(rep.runs).toBeGreaterThan(100);
    expect(rep.violations).toEqual([]);
    expect(rep.outcomes.has('BROKEN')).toBe(false);
    expect(rep.schedulesPerSecond).toBeGreaterThan(0);
  });

  it('a replay string reproduces a run exactly on both machines', () => {
    const c: ReplayCase = { scenario: litmus([{ op: 'kmalloc' }, { op: 'kfree_rcu_nolock' }]), seed: 5, schedule: [{ hit: 3, kind: 'nmi' }, { hit: 7, kind: 'probe' }] };
    (c.scenario.options as Record<string, unknown>).trace = true;
    const s = replayString(c);
    expect(parseReplay(s)).toEqual(c);
    const w = replay(s, 'wasm');
    const t = replay(s, 'ts');
    expect(w.digest).toBe(t.digest);
    expect(w.stats).toEqual(t.stats);
    expect(replay(s, 'wasm').digest).toBe(w.digest);
    expect(() => parseReplay('nope')).toThrow(/replay string/);
  });

});
