// Human-readable reports of scenario results (DESIGN §2.6), shared by the CLI and the docs scripts.
import type { ScenarioResult } from './scenario.js';

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
  const width = Math.max(...PATH_ROWS.map(([l]) => l.length));
  for (const [label, spec] of PATH_ROWS) lines.push(`  ${label.padEnd(width)}  ${statCell(r.stats.total, spec)}`);
  lines.push('');
  lines.push(r.leftAfterBarrier < 0
    ? 'kvfree_rcu_barrier() not run.'
    : `after kvfree_rcu_barrier(): ${r.leftAfterBarrier} objects still not freed${r.leftAfterBarrier === 0 ? ' (nothing lost)' : ' (LEAK)'}`);
  lines.push(`trace digest ${r.digest.toString(16)}`);
  return lines.join('\n');
}
