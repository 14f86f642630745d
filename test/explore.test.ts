// Exploration: outcome sets of small litmus scenarios (which end states are reachable and which never
// are), replay strings that reproduce a run exactly on both machines, and shrinking.
import { describe, expect, it } from 'vitest';
import { explore, mergeReports, parseReplay, replay, replayString, runCase, type ReplayCase } from '../src/explore.js';
import type { Scenario, ScenarioResult } from '../src/scenario.js';
import type { ProgramOp } from '../src/types.js';

/** One task on cpu 0 frees two objects with kfree_rcu(); an NMI may land at any point, running `handler`. */
function litmus(handler: ProgramOp[], checkerRules?: string[]): Scenario {
  return {
    name: 'litmus',
    options: { nrCpus: 2, maxObjects: 64, maxPages: 16, inject: { nmi: { handler } }, ...(checkerRules ? { checkerRules } : {}) } as Scenario['options'],
    workload: { kind: 'programs', programs: [{ cpus: [0], ops: [{ op: 'kmalloc' }, { op: 'kfree_rcu' }, { op: 'kmalloc' }, { op: 'kfree_rcu' }] }] },
  };
}

function path(r: ScenarioResult): string {
  if (r.failure) return `${r.failure.status}${r.failure.rule ? `:${r.failure.rule}` : ''}@${r.failure.point ?? '-'}`;
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

  it('plain kfree_rcu from an NMI: deadlocks exactly where krc.lock is held (kvfree_call_rcu, the monitor, kfree_rcu_work)', () => {
    const rep = explore(litmus([{ op: 'kmalloc' }, { op: 'kfree_rcu' }], ['premature-free', 'conservation', 'irq-work', 'bounds', 'monitor-liveness']),
      { mode: 'exhaustive', depth: 1, budget: 10_000, classify: path, stopOnViolation: false });
    const keys = [...rep.outcomes.keys()];
    expect(keys).toContain('Deadlock@krc-locked');
    expect(keys).toContain('Deadlock@krc-before-unlock');
    expect(keys).toContain('nmi-other'); // NMIs outside the locked region get through
    expect(keys).toContain('Deadlock@monitor-locked');
    expect(keys).toContain('Deadlock@work-locked');
    expect(keys.filter((k) => k.startsWith('Deadlock')).every((k) => /@(krc-locked|krc-before-unlock|monitor-locked|work-locked|page-refill-locked)$/.test(k))).toBe(true);
    expect(rep.violations.length).toBeGreaterThan(0);
  });

  it('with the checker, the same NMI is flagged for spinning in NMI context even where it does not deadlock', () => {
    const rep = explore(litmus([{ op: 'kmalloc' }, { op: 'kfree_rcu' }]), { mode: 'exhaustive', depth: 1, budget: 10_000, classify: path, stopOnViolation: false });
    expect([...rep.outcomes.keys()].some((k) => k.startsWith('Violation:spin-in-nmi'))).toBe(true);
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

  it('shrinks a failing schedule to the one injection that matters', () => {
    const scenario = litmus([{ op: 'kmalloc' }, { op: 'kfree_rcu' }], ['premature-free']);
    const hits = runCase({ scenario, seed: 1, schedule: [] }).stats.total.pointHits;
    // Find the deadlocking hit by brute force, then bury it among harmless injections.
    let bad = -1;
    for (let h = 1; h <= hits && bad < 0; h++) if (runCase({ scenario, seed: 1, schedule: [{ hit: h, kind: 'nmi' }] }).failure) bad = h;
    expect(bad).toBeGreaterThan(0);
    const rep = explore(scenario, { mode: 'pct', depth: 4, budget: 500, seed: 3 });
    expect(rep.violations.length).toBe(1);
    expect(rep.violations[0].schedule.length).toBe(1);
    expect(rep.violations[0].verdict).toMatch(/^Deadlock@krc-/);
    expect(replay(rep.violations[0].replay).failure?.status).toBe('Deadlock');
  });

  it('shards of an exploration together run exactly its cases: merged outcomes, runs and first violation match', () => {
    const scenario = litmus([{ op: 'kmalloc' }, { op: 'kfree_rcu' }], ['premature-free', 'conservation', 'irq-work', 'bounds', 'monitor-liveness']);
    for (const stopOnViolation of [false, true]) {
      const o = { mode: 'exhaustive' as const, depth: 1, budget: 10_000, classify: path, stopOnViolation };
      const whole = explore(scenario, o);
      const shards = [0, 1, 2].map((index) => explore(scenario, { ...o, shard: { index, count: 3 } }));
      expect(shards.every((s) => s.runs > 0)).toBe(true);
      const merged = mergeReports(shards, 1, stopOnViolation);
      expect(whole.violations.length).toBeGreaterThan(0);
      expect(merged.violations.map((v) => v.ordinal)).toEqual(whole.violations.map((v) => v.ordinal));
      expect(merged.violations.map((v) => v.replay)).toEqual(whole.violations.map((v) => v.replay));
      if (!stopOnViolation) {
        expect(merged.runs).toBe(whole.runs);
        expect(Object.fromEntries(merged.outcomes)).toEqual(Object.fromEntries(whole.outcomes));
      }
    }
    expect(() => explore(scenario, { mode: 'random', budget: 1, shard: { index: 3, count: 3 } })).toThrow(/shard: "3\/3" \(expected index\/count/);
  });
});
