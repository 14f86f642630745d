// ns per kmalloc + kfree_rcu while the objects pile up: one CPU, a monitor that never fires inside the
// run (no drain_ready, no backlog rule), so 10^7 objects are waiting at the end — the case where an
// idiomatic heap of objects slows down (DESIGN §7). One run in a fresh process:
// node bench/waiting.mjs <wasm|ts> [loops] prints the ns per pair and the objects waiting.
import { runScenario } from '../dist/index.js';

const [impl, loopsArg] = process.argv.slice(2);
const loops = Number(loopsArg ?? 1000);
const pairs = loops * 10_000;
const scenario = {
  name: 'waiting',
  options: { nrCpus: 1, maxObjects: pairs + 100_000, maxPages: 64, trace: false, kfreeDrainJiffies: 1_000_000, drainReady: false, monitorBacklogRule: false },
  workload: { kind: 'rcuscale-kfree', kfree_nthreads: 1, kfree_loops: loops, kfree_alloc_num: 10_000, kfree_rcu_test_double: true },
  barrier: false,
};
const t0 = performance.now();
const r = runScenario(scenario, { impl });
const ns = ((performance.now() - t0) * 1e6) / pairs;
if (r.stats.total.kfree !== 0 || r.stats.total.kvfreeCall !== pairs) throw new Error('expected every object still waiting at the end');
console.log(JSON.stringify({ nsPerPair: ns, waiting: pairs }));
