// Draws a Snapshot (session.ts) into the page: per-CPU lanes (context stack, irqs, the krc's head
// list, bulk pages, page cache, nolock llist, batches, monitor), the grace-period state, the counters
// a reviewer compares, and the last trace events. Pure rendering: no machine calls.
import type { Snapshot } from './session.js';

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** A bar for a count, log-scaled so that 1 object and 50 000 are both visible. */
function bar(n: number, cls: string, title: string): string {
  const w = n <= 0 ? 0 : Math.min(100, 8 + 18 * Math.log10(n));
  return `<span class="bar ${cls}" style="width:${w.toFixed(0)}%" title="${esc(title)}"></span><span class="num">${n}</span>`;
}

function flag(on: boolean, label: string, cls = ''): string {
  return `<span class="flag ${on ? `on ${cls}` : ''}">${esc(label)}</span>`;
}

export function renderLanes(s: Snapshot): string {
  if (s.failure) return `<div class="failure" data-testid="failure">${esc(s.failure)}</div>`;
  const rows = s.cpus.map(({ info, krc }, cpu) => {
    const ctx = info.ctx.map((c) => `<span class="ctx ctx-${c}">${c}</span>`).join('');
    const k = krc;
    return `<tr data-cpu="${cpu}">
      <th>cpu ${cpu}</th>
      <td class="stack">${ctx}${info.idle ? '<span class="ctx idle">idle</span>' : ''}</td>
      <td>${flag(info.irqsDisabled, 'irqs off', 'warn')}${flag(info.rcuNesting > 0, 'rcu_read_lock')}${flag(info.ipiPending, 'IPI')}${flag(info.tickPending, 'tick')}</td>
      <td class="cell" data-testid="head-${cpu}">${k ? bar(k.headCount, 'head', 'krc.head: objects on the rcu_head list (no bulk page)') : '-'}</td>
      <td class="cell" data-testid="bulk-${cpu}">${k ? bar(k.bulkCount[0] + k.bulkCount[1], 'bulk', `bulk pages: ${k.bulkPages[0] + k.bulkPages[1]}`) : '-'}</td>
      <td class="cell">${k ? bar(k.cachedPages, 'cache', 'pages in the page cache') : '-'}</td>
      <td class="cell" data-testid="llist-${cpu}">${k ? bar(k.llistCount, 'llist', 'kfree_rcu_nolock llist: deferred objects waiting for the irq_work') : '-'}</td>
      <td>${k ? `${flag(k.krwBusy[0], 'batch 0')}${flag(k.krwBusy[1], 'batch 1')}` : '-'}</td>
      <td>${k ? `${flag(k.monitorPending, 'monitor')}${flag(k.workInProgress, 'refill')}${flag(k.backoff, 'backoff', 'warn')}` : '-'}</td>
    </tr>`;
  });
  return `<table class="lanes"><thead><tr><th></th><th>context stack</th><th>state</th><th>krc.head</th><th>bulk pages</th><th>page cache</th><th>nolock llist</th><th>batches in flight</th><th>work</th></tr></thead>
    <tbody>${rows.join('')}</tbody></table>`;
}

const COUNTERS: [string, string][] = [
  ['kfree_rcu calls', 'kvfreeCall'], ['nolock calls', 'nolockCall'], ['trylock fails', 'trylockFail'],
  ['deferred (llist)', 'nolockDeferred'], ['irq_works queued', 'irqWorkQueued'], ['self-IPIs', 'selfIpi'],
  ['monitor runs', 'monitorRun'], ['batches', 'batchQueued'], ['grace periods', 'gpEnd'], ['objects freed', 'kfree'],
  ['injected NMIs', 'injectNmi'], ['premature frees', 'prematureFree'],
];

export function renderSummary(s: Snapshot): string {
  const gp = Number.isNaN(s.gpSeq) ? '-' : `0x${(s.gpSeq >>> 0).toString(16)} ${(s.gpSeq & 3) !== 0 ? '(a GP is running)' : '(idle)'}`;
  const head = `<div class="kv"><span>jiffies</span><b data-testid="jiffies">${Number.isNaN(s.jiffies) ? '-' : s.jiffies}</b></div>
    <div class="kv"><span>gp_seq</span><b>${gp}</b></div>
    <div class="kv"><span>objects waiting</span><b data-testid="queued">${Number.isNaN(s.queued) ? '-' : s.queued}</b></div>
    <div class="kv"><span>memory waiting / peak</span><b>${Number.isNaN(s.waitingBytes) ? '-' : `${(s.waitingBytes / 1024).toFixed(0)} / ${(s.peakWaitingBytes / 1024).toFixed(0)} KiB`}</b></div>
    <div class="kv"><span>programs running</span><b>${s.programsRunning}</b></div>`;
  const counters = COUNTERS.map(([label, k]) => `<div class="kv"><span>${label}</span><b data-testid="stat-${k}">${s.totals[k] ?? 0}</b></div>`).join('');
  return head + counters;
}

export function renderEvents(s: Snapshot): string {
  return s.events.map((e) => `<div class="ev"><span class="t">${e.ms}</span><span class="c">cpu ${e.cpu}</span><span class="ctx ctx-${e.ctx}">${e.ctx}</span> ${esc(e.text)}</div>`).join('');
}
