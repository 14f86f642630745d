// Explorations spread over worker threads (DESIGN §6), Node only: the CLI imports this, the library
// entry does not. Each worker runs one shard of the same exploration (explore.ts `shard`) in its own
// Wasm instances; the parent merges the shard reports, so the result is the same as one thread's
// (runs, outcomes, the first violation) whatever the number of workers. The worker's code is the CLI
// bundle itself, started with `workerData.kind === 'explore'`.
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { explore, mergeReports, type ExploreOptions, type ExploreReport } from './explore.js';
import type { Scenario } from './scenario.js';

/** What crosses to a worker: everything of ExploreOptions that is data. */
export type ExploreJob = { kind: 'explore'; scenario: Scenario; options: Omit<ExploreOptions, 'classify' | 'onRun'> };

type FromWorker = { runs: number } | { report: SerializedReport } | { error: string };
type SerializedReport = Omit<ExploreReport, 'outcomes'> & { outcomes: [string, number][] };

export function isExploreWorker(): boolean {
  return (workerData as ExploreJob | undefined)?.kind === 'explore';
}

/** Body of a worker thread: run the shard, report progress every 16 runs, then the report. */
export function exploreWorkerMain(): void {
  const job = workerData as ExploreJob;
  const post = (m: FromWorker) => parentPort!.postMessage(m);
  try {
    const rep = explore(job.scenario, { ...job.options, onRun: (n) => { if (n % 16 === 0) post({ runs: n }); } });
    post({ report: { ...rep, outcomes: [...rep.outcomes] } });
  } catch (e) {
    post({ error: e instanceof Error ? e.message : String(e) });
  }
}

/**
 * Runs shard `shard` of the exploration on `workers` threads (sub-shards index + count * k of
 * count * workers) and merges them. `onRuns` gets the total runs so far, for a progress bar.
 */
export async function exploreOnWorkers(
  scenario: Scenario, options: Omit<ExploreOptions, 'classify' | 'onRun'>, workers: number, onRuns?: (runs: number) => void,
): Promise<ExploreReport> {
  const shard = options.shard ?? { index: 0, count: 1 };
  const t0 = performance.now();
  const progress = new Array<number>(workers).fill(0);
  const reports = await Promise.all(Array.from({ length: workers }, (_, k) => new Promise<ExploreReport>((resolve, reject) => {
    const job: ExploreJob = { kind: 'explore', scenario, options: { ...options, shard: { index: shard.index + shard.count * k, count: shard.count * workers } } };
    const w = new Worker(new URL(import.meta.url), { workerData: job });
    w.on('message', (m: FromWorker) => {
      if ('runs' in m) {
        progress[k] = m.runs;
        onRuns?.(progress.reduce((a, b) => a + b, 0));
      } else if ('report' in m) {
        resolve({ ...m.report, outcomes: new Map(m.report.outcomes) });
      } else {
        reject(new Error(m.error));
      }
    });
    w.on('error', reject);
    w.on('exit', (code) => { if (code !== 0) reject(new Error(`explore worker ${k} exited with code ${code}`)); });
  })));
  return mergeReports(reports, (performance.now() - t0) / 1000, options.stopOnViolation ?? true);
}
