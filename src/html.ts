// Self-contained HTML reports (`run --html`, `review --html`): the text report, tables and bar charts
// drawn by uPlot, whose script and CSS are inlined (the CLI bundle carries them: scripts/build.mjs),
// so the file opens anywhere, offline, and can be attached to a review thread.
import { css as uplotCss, js as uplotJs } from 'uplot-inline';
import { latencyHistogram, latencyMean, LAT_GP_LABELS, LAT_J_LABELS, mib } from './report.js';
import type { ReviewRow } from './review.js';
import type { ScenarioResult } from './scenario.js';

/** A bar chart: one bar per label. */
export interface BarChart {
  title: string;
  labels: string[];
  values: number[];
  /** Axis title of the values. */
  unit: string;
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const COLORS = ['#c0392b', '#2980b9', '#27ae60', '#8e44ad', '#e67e22', '#16a085', '#7f8c8d', '#d35400'];

// Runs in the report page: draws each chart of window.__charts with uPlot's bar paths, y from 0.
const DRAW = `
for (const [i, c] of window.__charts.entries()) {
  const x = c.labels.map((_, k) => k);
  new uPlot({
    width: 540, height: 230, title: c.title, legend: { show: false },
    scales: { x: { time: false, range: [-0.5, x.length - 0.5] }, y: { range: (u, lo, hi) => [0, hi > 0 ? hi * 1.1 : 1] } },
    axes: [{ values: (u, ticks) => ticks.map((t) => c.labels[t] ?? ''), splits: () => x, size: 40, font: '10px system-ui' }, { label: c.unit }],
    series: [{}, { label: c.unit, fill: c.color, stroke: c.color, paths: uPlot.paths.bars({ size: [0.6, 80] }), points: { show: false } }],
  }, [x, c.values], document.getElementById('chart' + i));
}`;

export function htmlReport(title: string, text: string, charts: BarChart[]): string {
  const data = charts.map((c, i) => ({ ...c, color: COLORS[i % COLORS.length] }));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>${uplotCss}
body { font: 14px/1.4 system-ui, sans-serif; margin: 16px; color: #222; }
pre { font: 12px/1.35 ui-monospace, monospace; background: #f7f7f7; padding: 8px; overflow: auto; }
.charts { display: flex; flex-wrap: wrap; gap: 8px 24px; }
</style></head><body>
<h1 style="font-size:18px">${esc(title)}</h1>
<div class="charts">${charts.map((_, i) => `<div id="chart${i}"></div>`).join('')}</div>
<pre>${esc(text)}</pre>
<script>${uplotJs}</script>
<script>window.__charts = ${JSON.stringify(data).replace(/</g, '\\u003c')};${DRAW}</script>
</body></html>
`;
}

/** The charts of one run: the latency histograms (all frees; extra GPs; kfree_rcu_nolock objects). */
export function runCharts(r: ScenarioResult): BarChart[] {
  const t = r.stats.total;
  const hist = (prefix: 'latJ' | 'latGp' | 'latNolockJ') => latencyHistogram(t, prefix).map((b) => b.count);
  const all = hist('latJ');
  if (!all.some((n) => n > 0)) return [];
  // the jiffy buckets from the first to the last used one (a bucket of margin each side)
  const lo = Math.max(0, all.findIndex((n) => n > 0) - 1);
  const hi = Math.min(all.length, all.length - [...all].reverse().findIndex((n) => n > 0) + 1);
  const jiffyChart = (title: string, values: number[]): BarChart => ({ title, labels: LAT_J_LABELS.slice(lo, hi), values: values.slice(lo, hi), unit: 'objects' });
  const charts: BarChart[] = [
    jiffyChart(`Free latency, jiffies (mean ${latencyMean(t, 'latJ')})`, all),
    { title: 'Grace periods after the one covering the object', labels: [...LAT_GP_LABELS], values: hist('latGp'), unit: 'objects' },
  ];
  if (hist('latNolockJ').some((n) => n > 0)) charts.push(jiffyChart(`kfree_rcu_nolock() objects: free latency, jiffies (mean ${latencyMean(t, 'latNolockJ')})`, hist('latNolockJ')));
  return charts;
}

/** The charts of the review: each cost and latency, one bar per variant that ran to the end. */
export function reviewCharts(rows: ReviewRow[]): BarChart[] {
  const ok = rows.filter((r) => !r.result.failure);
  const labels = ok.map((r) => r.variant.name);
  const chart = (title: string, unit: string, f: (r: ReviewRow) => number): BarChart => ({ title, labels, unit, values: ok.map(f) });
  const t = (k: string) => (r: ReviewRow) => r.result.stats.total[k] ?? 0;
  return [
    chart('irq_works queued', 'count', t('irqWorkQueued')),
    chart('self-IPIs', 'count', t('selfIpi')),
    chart('trylock failures', 'count', t('trylockFail')),
    chart('grace periods', 'count', t('gpEnd')),
    chart('mean free latency of kfree_rcu_nolock() objects', 'jiffies', (r) => Number(latencyMean(r.result.stats.total, 'latNolockJ')) || 0),
    chart('peak memory waiting', 'MB', (r) => Number(mib(r.result.peakWaitingBytes ?? 0))),
  ];
}
