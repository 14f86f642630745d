// Schedule exploration over a scenario (DESIGN §2.5, §3): seeded random runs, PCT-style sparse
// schedules, and exhaustive-bounded enumeration of every injection choice at every point for small
// scenarios. Every run is identified by a replay string; a failing schedule is shrunk to a minimal
// one before it is reported. All of this drives the machines through options (`seed`,
// `inject.schedule`); no machine logic lives here.
import type { Impl } from './create.js';
import { RcuOptionError } from './errors.js';
import { runScenario, type Scenario, type ScenarioResult } from './scenario.js';
import type { InjectKindName, MachineOptions } from './types.js';

export type ScheduleEntry = { hit: number; kind: InjectKindName };

/** Everything needed to reproduce one run exactly, on either machine. */
export interface ReplayCase {
  scenario: Scenario;
  seed: number;
  schedule: ScheduleEntry[];
}

const PREFIX = 'kfrs1.';

function b64urlEncode(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function b64urlDecode(s: string): string {
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

export function replayString(c: ReplayCase): string {
  // The description does not change the run: left out, the string stays short enough to paste.
  const { description: _, ...scenario } = c.scenario;
  return PREFIX + b64urlEncode(JSON.stringify({ v: 1, scenario, seed: c.seed, schedule: c.schedule }));
}

export function parseReplay(s: string): ReplayCase {
  if (typeof s !== 'string' || !s.startsWith(PREFIX)) throw new RcuOptionError('replay', s, `a replay string starting with "${PREFIX}"`);
  let doc: { v?: number; scenario?: Scenario; seed?: number; schedule?: ScheduleEntry[] };
  try {
    doc = JSON.parse(b64urlDecode(s.slice(PREFIX.length)));
  } catch {
    throw new RcuOptionError('replay', s, 'a replay string printed by kfree-rcu-sim (it does not decode)');
  }
  if (doc.v !== 1 || !doc.scenario || typeof doc.seed !== 'number' || !Array.isArray(doc.schedule)) {
    throw new RcuOptionError('replay', s, 'a version-1 replay string with scenario, seed and schedule');
  }
  return { scenario: doc.scenario, seed: doc.seed, schedule: doc.schedule };
}

/** The scenario with this case's seed and schedule applied (the schedule replaces any in the scenario). */
export function caseScenario(c: ReplayCase): Scenario {
  const options: MachineOptions = { ...(c.scenario.options ?? {}), seed: c.seed };
  options.inject = { ...(options.inject ?? {}), schedule: c.schedule };
  return { ...c.scenario, options };
}

export function runCase(c: ReplayCase, impl: Impl = 'wasm'): ScenarioResult {
  return runScenario(caseScenario(c), { impl });
}

/** Re-runs a replay string; the result is identical on both machines. */
export function replay(s: string, impl: Impl = 'wasm'): ScenarioResult & { replay: string } {
  const c = parseReplay(s);
  return { ...runCase(c, impl), replay: s };
}

/** A failure or checker verdict of a run; equal strings mean "the same bug". */
export function verdictOf(r: ScenarioResult): string | null {
  if (r.failure) return `${r.failure.status}${r.failure.point ? `@${r.failure.point}` : ''}`;
  if (r.stats.total.prematureFree > 0) return 'PrematureFree';
  if (r.leftAfterBarrier > 0) return 'Leak';
  return null;
}

export interface ExploreOptions {
  mode: 'random' | 'pct' | 'exhaustive';
  /** Maximum number of runs. */
  budget: number;
  impl?: Impl;
  /** Kinds of injection to place (default nmi). */
  kinds?: InjectKindName[];
  /** pct: injections per run (the "priority change points"); exhaustive: at most this many. Default 2. */
  depth?: number;
  /** Seed of the exploration itself (which seeds / schedules are tried). Default 1. */
  seed?: number;
  /** Classifies a run's outcome for the outcome set (default: its verdict, or "ok"). */
  classify?: (r: ScenarioResult, c: ReplayCase) => string;
  /** Stop at the first violation (default true). */
  stopOnViolation?: boolean;
  /** Called after every run (e.g. for a progress bar). */
  onRun?: (runs: number) => void;
  /**
   * Run only the cases whose ordinal (0-based, in the order the mode generates them, below `budget`)
   * is `index` modulo `count`: shards of one exploration, on worker threads or other machines,
   * together run exactly the cases the unsharded exploration would (mergeReports joins them).
   */
  shard?: { index: number; count: number };
}

export interface Violation {
  /** Ordinal of the case that found it (the order the mode generates cases in). */
  ordinal: number;
  verdict: string;
  replay: string;
  /** The schedule after shrinking, and how many entries it lost. */
  schedule: ScheduleEntry[];
  shrunkFrom: number;
  failure: ScenarioResult['failure'];
}

export interface ExploreReport {
  mode: ExploreOptions['mode'];
  runs: number;
  outcomes: Map<string, number>;
  violations: Violation[];
  /** Point hits of the uninjected run (the exhaustive search space is built on it). */
  pointHits: number;
  seconds: number;
  schedulesPerSecond: number;
  /** How many shard reports mergeReports() joined into this one (absent: one unsharded run). */
  shards?: number;
}

/** xorshift32 for choosing what to explore (not the machine's PRNG). */
function explorerRng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>>= 0);
  };
}

function* exhaustiveSchedules(hits: number, kinds: InjectKindName[], depth: number): Generator<ScheduleEntry[]> {
  yield [];
  // Point hits are numbered from 1 (docs/model.md §16.1).
  if (depth >= 1) for (let a = 1; a <= hits; a++) for (const k of kinds) yield [{ hit: a, kind: k }];
  if (depth >= 2) {
    for (let a = 1; a <= hits; a++) for (let b = a + 1; b <= hits; b++) for (const ka of kinds) for (const kb of kinds) yield [{ hit: a, kind: ka }, { hit: b, kind: kb }];
  }
}

/** Greedy shrinking: drop schedule entries while the same verdict stays. */
export function shrink(c: ReplayCase, verdict: string, impl: Impl = 'wasm'): ReplayCase {
  let cur = c;
  let progress = true;
  while (progress) {
    progress = false;
    for (let i = 0; i < cur.schedule.length; i++) {
      const cand = { ...cur, schedule: cur.schedule.filter((_, j) => j !== i) };
      if (verdictOf(runCase(cand, impl)) === verdict) {
        cur = cand;
        progress = true;
        break;
      }
    }
  }
  return cur;
}

export function explore(scenario: Scenario, o: ExploreOptions): ExploreReport {
  const impl = o.impl ?? 'wasm';
  const kinds = o.kinds ?? ['nmi'];
  const depth = o.depth ?? 2;
  const stop = o.stopOnViolation ?? true;
  const rng = explorerRng(o.seed ?? 1);
  const baseSeed = scenario.options?.seed ?? 1;
  const shard = o.shard ?? { index: 0, count: 1 };
  if (!Number.isInteger(shard.count) || shard.count < 1 || !Number.isInteger(shard.index) || shard.index < 0 || shard.index >= shard.count) {
    throw new RcuOptionError('shard', `${shard.index}/${shard.count}`, 'index/count with 0 <= index < count');
  }
  const t0 = performance.now();
  const base = runCase({ scenario, seed: baseSeed, schedule: [] }, impl);
  const pointHits = base.stats.total.pointHits;
  const outcomes = new Map<string, number>();
  const violations: Violation[] = [];
  let runs = 0;
  const classify = o.classify ?? ((r: ScenarioResult) => verdictOf(r) ?? 'ok');

  const cases: Iterable<ReplayCase> = (function* () {
    if (o.mode === 'exhaustive') {
      for (const schedule of exhaustiveSchedules(pointHits, kinds, depth)) yield { scenario, seed: baseSeed, schedule };
    } else if (o.mode === 'random') {
      for (;;) yield { scenario, seed: rng(), schedule: [] };
    } else {
      for (;;) {
        const n = 1 + (rng() % depth);
        const hits = [...new Set(Array.from({ length: n }, () => 1 + (rng() % Math.max(1, pointHits))))].sort((a, b) => a - b);
        yield { scenario, seed: baseSeed, schedule: hits.map((hit) => ({ hit, kind: kinds[rng() % kinds.length] })) };
      }
    }
  })();

  let ordinal = -1;
  for (const c of cases) {
    if (++ordinal >= o.budget) break;
    if (ordinal % shard.count !== shard.index) continue;
    const r = runCase(c, impl);
    runs++;
    o.onRun?.(runs);
    const label = classify(r, c);
    outcomes.set(label, (outcomes.get(label) ?? 0) + 1);
    const verdict = verdictOf(r);
    if (verdict) {
      const small = shrink(c, verdict, impl);
      violations.push({ ordinal, verdict, replay: replayString(small), schedule: small.schedule, shrunkFrom: c.schedule.length, failure: r.failure });
      if (stop) break;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  return { mode: o.mode, runs, outcomes, violations, pointHits, seconds, schedulesPerSecond: runs / Math.max(seconds, 1e-9) };
}

/**
 * Joins the reports of the shards of one exploration (same scenario and options, shards 0..n-1):
 * outcomes and runs add up; violations come in case order, and with `stopOnViolation` only the
 * first one is kept, so the result does not depend on which shard finished first. `seconds` is the
 * caller's wall-clock time for all of them.
 */
export function mergeReports(reports: ExploreReport[], seconds: number, stopOnViolation = true): ExploreReport {
  const outcomes = new Map<string, number>();
  for (const r of reports) for (const [k, v] of r.outcomes) outcomes.set(k, (outcomes.get(k) ?? 0) + v);
  const all = reports.flatMap((r) => r.violations).sort((a, b) => a.ordinal - b.ordinal);
  const runs = reports.reduce((a, r) => a + r.runs, 0);
  return {
    mode: reports[0].mode,
    runs,
    outcomes,
    violations: stopOnViolation ? all.slice(0, 1) : all,
    pointHits: reports[0].pointHits,
    seconds,
    schedulesPerSecond: runs / Math.max(seconds, 1e-9),
    shards: reports.reduce((a, r) => a + (r.shards ?? 1), 0),
  };
}
