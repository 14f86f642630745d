// Both machines on one scenario (DESIGN §5 `compare`): the Wasm core and the TS baseline must agree on
// every event (trace digest), every counter, the failure if any, and the memory figures. Drift between
// them is a bug whichever one is right; this is how a user checks a scenario of their own.
import type { Impl } from './create.js';
import { resolveScenario, runScenario, type RunScenarioOptions, type ScenarioResult } from './scenario.js';

export interface CompareResult {
  agree: boolean;
  /** What differs, one line each (empty when they agree). */
  differences: string[];
  wasm: ScenarioResult & { ms: number };
  ts: ScenarioResult & { ms: number };
}

/** The differences between two runs of one scenario, one line each. */
export function diffResults(a: ScenarioResult, b: ScenarioResult): string[] {
  const out: string[] = [];
  if (a.digest !== b.digest) out.push(`trace digest: ${a.digest.toString(16)} vs ${b.digest.toString(16)}`);
  for (const k of new Set([...Object.keys(a.stats.total), ...Object.keys(b.stats.total)])) {
    if (a.stats.total[k] !== b.stats.total[k]) out.push(`stat ${k}: ${a.stats.total[k]} vs ${b.stats.total[k]}`);
  }
  const same = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);
  if (!same(a.stats.perCpu, b.stats.perCpu) && out.every((l) => !l.startsWith('stat '))) out.push('per-CPU stats differ (totals agree)');
  for (const k of ['failure', 'completed', 'jiffies', 'run', 'peakWaitingBytes', 'leftAfterBarrier', 'summary'] as const) {
    if (!same(a[k], b[k])) out.push(`${k}: ${JSON.stringify(a[k])} vs ${JSON.stringify(b[k])}`);
  }
  return out;
}

/**
 * Runs `scenario` on both machines with the trace on (a one-event ring: the digest still covers every
 * event) and compares them.
 */
export function compare(scenario: unknown, run: Omit<RunScenarioOptions, 'impl'> = {}): CompareResult {
  const s = resolveScenario(scenario);
  const traced = { ...s, options: { ...s.options, trace: true, traceCapacity: 1 } };
  const one = (impl: Impl) => {
    const t0 = performance.now();
    const r = runScenario(traced, { ...run, impl });
    return { ...r, ms: performance.now() - t0 };
  };
  const wasm = one('wasm');
  const ts = one('ts');
  const differences = diffResults(wasm, ts);
  return { agree: differences.length === 0, differences, wasm, ts };
}
