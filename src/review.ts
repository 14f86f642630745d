// review-v1: the seed's kfree_rcu_nolock() design and every review suggestion on the same workload and
// seed, side by side (DESIGN §1). Each variant is a set of machine options over one scenario; the table
// is computed from the runs, never typed by hand.
import type { Impl } from './create.js';
import { CHECK_RULE_NAMES } from './checker.js';
import { runScenario, type Scenario, type ScenarioResult } from './scenario.js';
import { latencyMean, latencyQuantile, mib } from './report.js';
import { NOLOCK_HANDLER } from './scenarios/index.js';
import type { MachineOptions, ProgramOp } from './types.js';

export interface ReviewVariant {
  name: string;
  /** What it stands for in the review thread. */
  about: string;
  options: MachineOptions;
  /** The injected handlers' program (default: kmalloc + kfree_rcu_nolock). */
  handler?: ProgramOp[];
}

export const REVIEW_VARIANTS: ReviewVariant[] = [
  { name: 'v1', about: 'the patch: trylock, llist + irq_work on failure, monitor armed by a lazy irq_work', options: {} },
  { name: 'monitor irq-work', about: 'arm the monitor with a raised irq_work (self-IPI) instead of a lazy one', options: { monitorArm: 'irq-work' } },
  { name: 'unless-pending', about: "Joel #2: skip the irq_work when delayed_work_pending(monitor_work)", options: { monitorArm: 'lazy-irq-work-unless-pending' } },
  { name: 'one-irq-work', about: 'Joel #1: one struct irq_work with a per-call lazy flag for both jobs', options: { monitorArm: 'one-irq-work-lazy-flag' } },
  { name: 'gate in_nmi()', about: 'Joel #3: decide trylock vs spin with in_nmi() instead of allow_spin', options: { nolockGate: 'in-nmi' } },
  { name: 'debugobjects', about: 'kmemleak/debugobjects on: every nolock call defers', options: { debugObjects: true } },
  { name: 'BATCHED=n', about: 'CONFIG_KVFREE_RCU_BATCHED=n: every nolock call defers through irq_work', options: { batched: false } },
  { name: 'plain kfree_rcu', about: 'the NMI handler calls kfree_rcu() instead of kfree_rcu_nolock()', options: {}, handler: [{ op: 'kmalloc' }, { op: 'kfree_rcu' }] },
];

/** The shared workload: rcuscale-like flood, 100 kHz perf NMIs, and a probe in the krc-locked region. */
export function reviewScenario(v: ReviewVariant, seed = 1, loops = 10): Scenario {
  const handler = v.handler ?? NOLOCK_HANDLER;
  return {
    name: `review-v1/${v.name}`,
    options: {
      nrCpus: 4, maxObjects: 1 << 21, maxPages: 1 << 14, trace: false, seed,
      inject: {
        nmi: { ratePerSec: 100_000, handler },
        probe: { probability: 0.002, points: ['krc-locked'], handler },
      },
      ...v.options,
    },
    workload: { kind: 'rcuscale-kfree', kfree_alloc_num: 8000, kfree_loops: loops, kfree_rcu_test_double: true },
  };
}

export interface ReviewRow {
  variant: ReviewVariant;
  /** The run the table shows: with every checker rule, or without spin-in-nmi when that rule fired (below). */
  result: ScenarioResult;
  /**
   * The checker's spin-in-nmi verdict when it stopped the run with every rule on (a lockdep-class
   * report at the first spinning NMI); `result` is then the same run without that rule, which goes
   * on to the deadlock it predicts.
   */
  spinViolation: ScenarioResult['failure'];
  verdict: string;
  /** How to re-run exactly this row. */
  replay: string;
}

export function runReview(opts: { seed?: number; loops?: number; impl?: Impl } = {}): ReviewRow[] {
  const seed = opts.seed ?? 1;
  return REVIEW_VARIANTS.map((variant) => {
    const scenario = reviewScenario(variant, seed, opts.loops);
    let result = runScenario(scenario, { impl: opts.impl });
    let spinViolation: ScenarioResult['failure'] = null;
    if (result.failure?.rule === 'spin-in-nmi') {
      spinViolation = result.failure;
      const rules = CHECK_RULE_NAMES.filter((r) => r !== 'spin-in-nmi');
      result = runScenario({ ...scenario, options: { ...scenario.options, checkerRules: rules } }, { impl: opts.impl });
    }
    const replay = `kfree-rcu-sim review --variant '${variant.name}' --seed ${seed}${opts.loops ? ` --loops ${opts.loops}` : ''}`;
    return { variant, result, spinViolation, verdict: verdictOf(result, spinViolation), replay };
  });
}

function verdictOf(result: ScenarioResult, spin: ScenarioResult['failure']): string {
  const f = result.failure;
  const t = result.stats.total;
  const base = f
    ? f.status === 'Deadlock'
      ? `DEADLOCK cpu ${f.cpu}: ${f.acquirerCtx} spins on krc.lock held by ${f.holderCtx} (at ${f.point ?? 'a command'})`
      : f.status === 'Violation'
        ? `VIOLATION ${f.rule} on cpu ${f.cpu} at jiffy ${f.jiffies}: ${f.message.replace(/^.*? — checker: [a-z-]+: /, '')}`
        : `FAILED: ${f.message}`
    : t.prematureFree > 0 || result.leftAfterBarrier !== 0
      ? `BROKEN: ${t.prematureFree} premature, ${result.leftAfterBarrier} left`
      : 'ok: nothing lost or freed early';
  return spin ? `${base}; the checker already flags the first NMI that spins (spin-in-nmi, at ${spin.point ?? 'a command'})` : base;
}

const COLUMNS: [string, (r: ReviewRow) => string][] = [
  ['nolock calls', (r) => n(r, 'nolockCall')],
  ['trylock fails', (r) => n(r, 'trylockFail')],
  ['deferred (llist)', (r) => n(r, 'nolockDeferred')],
  ['irq_work queued / rejected', (r) => `${n(r, 'irqWorkQueued')} / ${n(r, 'irqWorkRejected')}`],
  ['self-IPIs', (r) => n(r, 'selfIpi')],
  ['lazy irq_work runs', (r) => n(r, 'lazyRun')],
  ['monitor arm: wq / lazy / raised / skipped', (r) => ['monitorArm', 'monitorArmLazy', 'monitorArmRaised', 'monitorArmSkipped'].map((k) => n(r, k)).join(' / ')],
  ['drains delayed to a tick', (r) => n(r, 'nolockDrainDelayed')],
  ['grace periods', (r) => n(r, 'gpEnd')],
  ['objects freed', (r) => n(r, 'kfree')],
  ['free latency, jiffies: mean / p99', (r) => latencyCell(r, 'latJ')],
  ['  of nolock objects: mean / p99', (r) => latencyCell(r, 'latNolockJ')],
  ['extra GPs before the free, p99', (r) => (r.result.failure ? '-' : latencyQuantile(r.result.stats.total, 'latGp', 0.99))],
  ['peak waiting (MB)', (r) => (r.result.peakWaitingBytes === null ? '-' : mib(r.result.peakWaitingBytes))],
  ['footprint (MB)', (r) => (r.result.failure ? '-' : mib(r.result.footprintBytes))],
];

function latencyCell(r: ReviewRow, prefix: 'latJ' | 'latNolockJ'): string {
  const t = r.result.stats.total;
  return r.result.failure ? '-' : `${latencyMean(t, prefix)} / ${latencyQuantile(t, prefix, 0.99)}`;
}

function n(r: ReviewRow, k: string): string {
  return String(r.result.stats.total[k] ?? 0);
}

/** Markdown table: one column per variant. */
export function reviewTable(rows: ReviewRow[]): string {
  const head = `| | ${rows.map((r) => r.variant.name).join(' | ')} |`;
  const sep = `|---|${rows.map(() => '---:').join('|')}|`;
  const body = COLUMNS.map(([label, f]) => `| ${label} | ${rows.map(f).join(' | ')} |`);
  return [head, sep, ...body].join('\n');
}

export function formatReview(rows: ReviewRow[]): string {
  const out: string[] = [];
  out.push('review-v1 — kfree_rcu_nolock() v1 and the review\'s suggestions, same workload and seed');
  out.push('workload: 4 CPUs x rcuscale kfree (2-arg), NMIs at 100 kHz per CPU and a probe inside the krc-locked region,');
  out.push('          both calling kmalloc + kfree_rcu_nolock (slub_kunit\'s nolock tests)');
  out.push('');
  const w = Math.max(...rows.map((r) => r.variant.name.length));
  for (const r of rows) out.push(`  ${r.variant.name.padEnd(w)}  ${r.verdict}`);
  out.push('');
  const labelW = Math.max(...COLUMNS.map(([l]) => l.length));
  const cells = rows.map((r) => COLUMNS.map(([, f]) => f(r)));
  const colW = rows.map((r, i) => Math.max(r.variant.name.length, ...cells[i].map((c) => c.length)));
  out.push(`  ${''.padEnd(labelW)}  ${rows.map((r, i) => r.variant.name.padStart(colW[i])).join('  ')}`);
  COLUMNS.forEach(([label], j) => out.push(`  ${label.padEnd(labelW)}  ${cells.map((c, i) => c[j].padStart(colW[i])).join('  ')}`));
  out.push('');
  for (const r of rows.filter((x) => x.result.failure)) out.push(`  replay ${r.variant.name}: ${r.replay}`);
  return out.join('\n');
}
