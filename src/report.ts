// Human-readable reports of scenario results (DESIGN §2.6), shared by the CLI and the docs scripts.
import type { ScenarioResult } from './scenario.js';
import type { Stats } from './types.js';

/** Per-path rows: [label, stat name] in the order a kernel developer reads them. */
export const PATH_ROWS: [string, string][] = [
  ['kvfree_call_rcu() calls', 'kvfreeCall'],
  ['  of which headless (1-arg)', 'kvfreeCallHeadless'],
  ['  bulk page insert (fast path)', 'bulkInsert'],
  ['  krc.head insert (no page)', 'headInsert'],
  ['  bulk page taken from cache', 'bnodeFromCache'],
  ['  inline synchronize_rcu() fallback', 'inlineSync'],
  ['call_rcu() callbacks queued', 'callRcu'],
  ['monitor armed / shortened / runs', 'monitorArm|monitorShorten|monitorRun'],
  ['objects freed by drain_ready', 'drainReadyFreed'],
  ['batches queued / slot busy', 'batchQueued|batchSlotBusy'],
  ['kfree_rcu_work runs', 'kfreeRcuWorkRun'],
  ['objects freed from bulk / list', 'bulkFreed|listFreed'],
  ['kernel premature-free WARNs (bulk / list)', 'bulkSnapNotReady|listSnapNotReady'],
  ['page allocations / failures', 'pageAlloc|pageAllocFail'],
  ['page-cache refills', 'pageCacheFill'],
  ['grace periods', 'gpEnd'],
  ['objects freed (kfree)', 'kfree'],
  ['premature frees (checker)', 'prematureFree'],
];

/** kfree_rcu_nolock() and irq_work rows, shown when the run made a nolock call or queued an irq_work. */
export const NOLOCK_ROWS: [string, string][] = [
  ['kfree_rcu_nolock() calls', 'nolockCall'],
  ['  trylock fails (krc.lock held)', 'trylockFail'],
  ['  deferred: llist_add / drained by irq_work', 'nolockDeferred|nolockDrained'],
  ['  forced defers (debugobjects, BATCHED=n)', 'nolockForcedDefer'],
  ['  spinning path (gate says spinning is allowed)', 'nolockSpinPath'],
  ['  drains delayed to a tick (shared lazy work)', 'nolockDrainDelayed'],
  ['irq_work queued / rejected as PENDING', 'irqWorkQueued|irqWorkRejected'],
  ['  self-IPIs / lazy runs at a tick', 'selfIpi|lazyRun'],
  ['monitor arms: wq / lazy / raised / skipped', 'monitorArm|monitorArmLazy|monitorArmRaised|monitorArmSkipped'],
];

/** Injection rows (docs/model.md §16), shown when anything was injected or hooked. */
export const INJECT_ROWS: [string, string][] = [
  ['preemption point hits', 'pointHits'],
  ['injected NMIs / probes / hardirqs', 'injectNmi|injectProbe|injectHardirq'],
  ['remote steps / refused injections', 'remoteSteps|injectRefused'],
  ['spin-waits on another CPU\'s lock', 'spinWaits'],
  ['deadlocks', 'deadlocks'],
];

export function statCell(total: Record<string, number>, spec: string): string {
  return spec.split('|').map((k) => String(total[k] ?? 0)).join(' / ');
}

/** The latency histograms of docs/model.md §10.1: every free, in jiffies and in extra GPs; nolock objects in jiffies. */
export type LatencyPrefix = 'latJ' | 'latGp' | 'latNolockJ';

/** Labels of the latJ<b> buckets (docs/model.md §10.1): jiffies from the call to the free. */
export const LAT_J_LABELS: readonly string[] = Array.from({ length: 16 }, (_, b) =>
  b <= 2 ? String(b) : b === 15 ? '>8192' : `${2 ** (b - 2) + 1}-${2 ** (b - 1)}`);
/** Labels of the latGp<e> buckets: GPs that ended after the one that covered the object. */
export const LAT_GP_LABELS: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7+'];

/** A latency histogram from the totals: `prefix` latJ or latGp. */
export function latencyHistogram(total: Record<string, number>, prefix: LatencyPrefix): { label: string; count: number }[] {
  const labels = prefix === 'latGp' ? LAT_GP_LABELS : LAT_J_LABELS;
  return labels.map((label, i) => ({ label, count: total[`${prefix}${i}`] ?? 0 }));
}

/** The bucket holding quantile q (0 < q <= 1) of the frees, or '-' when nothing was freed. */
export function latencyQuantile(total: Record<string, number>, prefix: LatencyPrefix, q: number): string {
  const h = latencyHistogram(total, prefix);
  const n = h.reduce((a, b) => a + b.count, 0);
  if (n === 0) return '-';
  let seen = 0;
  for (const b of h) {
    seen += b.count;
    if (seen >= q * n) return b.label;
  }
  return h[h.length - 1].label;
}

/** Mean latency in jiffies from the exact sums, or '-' when nothing was freed. */
export function latencyMean(total: Record<string, number>, prefix: 'latJ' | 'latNolockJ'): string {
  const n = latencyHistogram(total, prefix).reduce((a, b) => a + b.count, 0);
  return n === 0 ? '-' : (total[`${prefix}Sum`] / n).toFixed(2);
}

export const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);

function histogramLines(total: Record<string, number>, prefix: LatencyPrefix): string[] {
  const h = latencyHistogram(total, prefix);
  const n = h.reduce((a, b) => a + b.count, 0);
  const first = h.findIndex((b) => b.count > 0);
  const last = h.length - 1 - [...h].reverse().findIndex((b) => b.count > 0);
  const shown = h.slice(first, last + 1);
  const w = Math.max(...shown.map((b) => b.label.length));
  return shown.map((b) => {
    const pct = (100 * b.count) / n;
    return `  ${b.label.padStart(w + 2)}  ${'#'.repeat(Math.round(pct / 2.5)).padEnd(40)} ${pct.toFixed(1).padStart(5)}%  ${b.count}`;
  });
}

/** `replay`: the replay string of the run, printed with a failure. */
export function formatResult(r: ScenarioResult, replay?: string): string {
  const lines: string[] = [];
  const state = r.failure ? `FAILED (${r.failure.status})` : r.completed ? 'completed' : 'NOT completed (maxJiffies reached)';
  lines.push(`scenario ${r.name} on the ${r.impl} machine: ${state}${r.failure ? '' : ` after ${r.jiffies} jiffies`}`);
  if (r.failure) {
    lines.push('', `  ${r.failure.message}`);
    if (replay) lines.push(`  replay: kfree-rcu-sim replay ${replay}`);
  }
  if (r.summary) lines.push('', r.summary);
  lines.push('');
  const t = r.stats.total;
  const sections = [PATH_ROWS];
  if (t.nolockCall > 0 || t.irqWorkQueued + t.irqWorkRejected > 0) sections.push(NOLOCK_ROWS);
  if (t.injectNmi + t.injectProbe + t.injectHardirq + t.remoteSteps + t.injectRefused + t.deadlocks > 0) sections.push(INJECT_ROWS);
  const width = Math.max(...sections.flat().map(([l]) => l.length));
  for (const rows of sections) {
    for (const [label, spec] of rows) lines.push(`  ${label.padEnd(width)}  ${statCell(t, spec)}`);
    lines.push('');
  }
  const freed = latencyHistogram(t, 'latJ').reduce((a, b) => a + b.count, 0);
  if (freed > 0) {
    lines.push(`free latency: jiffies from kfree_rcu*()/call_rcu() to the free (${freed} objects; mean ${latencyMean(t, 'latJ')}, p50 ${latencyQuantile(t, 'latJ', 0.5)}, p99 ${latencyQuantile(t, 'latJ', 0.99)})`);
    lines.push(...histogramLines(t, 'latJ'));
    lines.push(`  grace periods that ended after the one covering the object (p50 ${latencyQuantile(t, 'latGp', 0.5)}, p99 ${latencyQuantile(t, 'latGp', 0.99)})`);
    lines.push(...histogramLines(t, 'latGp'));
    const nolock = latencyHistogram(t, 'latNolockJ').reduce((a, b) => a + b.count, 0);
    if (nolock > 0) {
      lines.push(`  of which queued by kfree_rcu_nolock(): ${nolock} objects (mean ${latencyMean(t, 'latNolockJ')}, p50 ${latencyQuantile(t, 'latNolockJ', 0.5)}, p99 ${latencyQuantile(t, 'latNolockJ', 0.99)})`);
      lines.push(...histogramLines(t, 'latNolockJ'));
    }
    lines.push('');
  }
  if (r.peakWaitingBytes !== null) lines.push(`peak memory waiting for a grace period: ${mib(r.peakWaitingBytes)} MB (queued objects + kvfree_rcu's pages)`);
  lines.push(r.leftAfterBarrier < 0
    ? 'kvfree_rcu_barrier() not run.'
    : `after kvfree_rcu_barrier(): ${r.leftAfterBarrier} objects still not freed${r.leftAfterBarrier === 0 ? ' (nothing lost)' : ' (LEAK)'}`);
  lines.push(r.traced ? `trace digest ${r.digest.toString(16)}` : 'trace off (no digest; --set trace=true to record one)');
  return lines.join('\n');
}

/** Every counter as CSV: a header `cpu,<counter>...`, one row per CPU, then the `total` row. */
export function statsCsv(stats: Stats): string {
  const keys = Object.keys(stats.total);
  const row = (label: string, rec: Record<string, number>) => [label, ...keys.map((k) => rec[k] ?? 0)].join(',');
  return [['cpu', ...keys].join(','), ...stats.perCpu.map((rec, cpu) => row(String(cpu), rec)), row('total', stats.total)].join('\n');
}
