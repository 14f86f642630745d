// rcuscale-kfree throughput: ns per simulated kmalloc + kfree_rcu, the Wasm machine vs the pure-TS
// baseline side by side (benchmark.js), trace off, whole workload inside the machine. Also the cost
// of NMI injection (nmi-storm) and the host memory per waiting object. Writes bench/results/rcuscale.*
// and refreshes the README table. Run: npm run bench.
import Benchmark from 'benchmark';
import { readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { runScenario } from '../dist/index.js';

const root = new URL('..', import.meta.url).pathname;
const LOOPS = 10; // long enough that creating the machine (page faults on fresh memory) is a small share
const ALLOC = 8000;
const CPUS = 4;
const pairs = CPUS * LOOPS * ALLOC;

const NMI = { inject: { nmi: { ratePerSec: 100_000, handler: [{ op: 'kmalloc' }, { op: 'kfree_rcu_nolock' }] } } };
// The checker is on by default; the `checker: false` rows give its cost (docs/model.md §17).
const cases = [
  { name: `rcuscale-kfree: ${CPUS} CPUs x ${LOOPS} x ${ALLOC} kmalloc + kfree_rcu`, options: {} },
  { name: 'rcuscale-kfree, checker off', options: { checker: false } },
  { name: 'nmi-storm: same + 100 kHz NMIs calling kmalloc + kfree_rcu_nolock', options: NMI },
  { name: 'nmi-storm, checker off', options: { ...NMI, checker: false } },
  // A TS at() hook costs a boundary crossing per hit of its point; without one the core never calls out.
  { name: "rcuscale-kfree + an at('krc-locked') hook that counts", options: {}, hook: true },
];
let hookHits = 0;
const countHits = (m) => { m.at('krc-locked', () => { hookHits++; }); };

function scenario(options) {
  return {
    name: 'bench',
    options: { nrCpus: CPUS, maxObjects: 1 << 20, maxPages: 1 << 12, trace: false, ...options },
    workload: { kind: 'rcuscale-kfree', kfree_loops: LOOPS, kfree_alloc_num: ALLOC, kfree_rcu_test_double: true },
    barrier: false,
  };
}

const rows = [];
for (const c of cases) {
  const suite = new Benchmark.Suite(c.name);
  for (const impl of ['wasm', 'ts']) {
    suite.add(impl, () => { runScenario(scenario(c.options), { impl, onMachine: c.hook ? countHits : undefined }); }, { minSamples: 5 });
  }
  suite.on('complete', function () {
    const res = {};
    this.forEach((b) => { res[b.name] = b; });
    const ns = (impl) => (res[impl].stats.mean * 1e9) / pairs;
    rows.push({ case: c.name, wasmNsPerPair: ns('wasm'), tsNsPerPair: ns('ts'), speedup: ns('ts') / ns('wasm'), rme: { wasm: res.wasm.stats.rme, ts: res.ts.stats.rme } });
    console.error(`${c.name}: wasm ${ns('wasm').toFixed(1)} ns/pair, ts ${ns('ts').toFixed(1)} ns/pair`);
  });
  suite.run();
}

// The hook's cost per hit of its point: the hooked row minus the plain one, over the hits of one run.
hookHits = 0;
runScenario(scenario({}), { impl: 'wasm', onMachine: countHits });
const hitsPerRun = hookHits;
const perHit = (impl) => ((rows[4][`${impl}NsPerPair`] - rows[0][`${impl}NsPerPair`]) * pairs) / hitsPerRun;
const hookLine = `An at() hook costs about ${perHit('wasm').toFixed(0)} ns per hit of its point on the Wasm machine (${perHit('ts').toFixed(0)} ns on the TS baseline; ${hitsPerRun} hits per run); a run with no hook never leaves the core at a point.`;

// Host memory per waiting object: a machine sized for N objects, all queued and waiting, each in a
// fresh process (bench/memory.mjs) so this process's heap does not blur the RSS.
function memoryPerObject(impl, n) {
  const r = spawnSync(process.execPath, ['--expose-gc', `${root}bench/memory.mjs`, impl, String(n)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench/memory.mjs ${impl} ${n}: ${r.stderr}`);
  return Number(r.stdout.trim());
}
// 10^7 objects waiting: one run per machine, each in a fresh process (bench/waiting.mjs).
function waiting(impl) {
  const r = spawnSync(process.execPath, [`${root}bench/waiting.mjs`, impl], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`bench/waiting.mjs ${impl}: ${r.stderr}`);
  return JSON.parse(r.stdout).nsPerPair;
}
const wait = { wasm: waiting('wasm'), ts: waiting('ts') };
rows.push({ case: '10^7 objects waiting at the end (1 CPU, monitor never fires; one run each)', wasmNsPerPair: wait.wasm, tsNsPerPair: wait.ts, speedup: wait.ts / wait.wasm, rme: null });

const N = 1_000_000;
const mem = { wasm: memoryPerObject('wasm', N), ts: memoryPerObject('ts', N) };

const header = '| case | Wasm ns per kmalloc + kfree_rcu | TS baseline ns per pair | Wasm speed-up |\n|---|---:|---:|---:|';
const pm = (rme) => (rme === undefined ? '' : ` (±${rme.toFixed(0)}%)`);
const table = [header, ...rows.map((r) => `| ${r.case} | ${r.wasmNsPerPair.toFixed(1)}${pm(r.rme?.wasm)} | ${r.tsNsPerPair.toFixed(1)}${pm(r.rme?.ts)} | ${r.speedup.toFixed(1)}× |`)].join('\n');
const memLine = `Host memory per waiting object (${N.toLocaleString('en')} objects queued, none freed; RSS growth): Wasm ${mem.wasm.toFixed(0)} B, TS baseline ${mem.ts.toFixed(0)} B.`;
const meta = `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, benchmark.js, trace off; the checker is on unless the row says off.`;
writeFileSync(`${root}bench/results/rcuscale.json`, JSON.stringify({ meta, rows, mem, hook: { hitsPerRun, nsPerHit: { wasm: perHit('wasm'), ts: perHit('ts') } } }, null, 2) + '\n');
writeFileSync(`${root}bench/results/rcuscale.md`, `${table}\n\n${hookLine}\n\n${memLine}\n\n${meta}\n`);
const readme = readFileSync(`${root}README.md`, 'utf8');
const start = '<!-- bench:rcuscale:start -->';
const end = '<!-- bench:rcuscale:end -->';
if (readme.includes(start)) writeFileSync(`${root}README.md`, readme.replace(new RegExp(`${start}[\\s\\S]*${end}`), `${start}\n${table}\n\n${hookLine}\n\n${memLine}\n\n${meta}\n${end}`));
console.log(`${table}\n\n${memLine}`);
