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
