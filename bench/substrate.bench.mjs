// Substrate throughput: the Wasm machine vs the pure-TS baseline, side by side, in one run
// (benchmark.js). Writes bench/results/substrate.json and .md and refreshes the README table.
// Run: npm run bench   (builds first when stale). Numbers are machine-dependent; trust ratios.
import Benchmark from 'benchmark';
import { readFileSync, writeFileSync } from 'node:fs';
import { createMachine } from '../dist/index.js';

const root = new URL('..', import.meta.url).pathname;

// Each case builds a fresh machine per benchmark cycle (setup cost excluded) and reports how many
// trace events one call produced, so the table shows events per second.
const cases = [
  {
    name: 'advance: 64 CPUs, 100 ticks (whole loop inside the machine)',
    options: { nrCpus: 64, traceCapacity: 1 << 16 },
    run(m) { m.advance(100); },
  },
  {
    name: 'call_rcu churn: kmalloc + call_rcu x64, advance 1 (one call per op)',
    options: { nrCpus: 4, maxObjects: 1 << 16, gpSeqStart: 0 },
    run(m) {
      for (let i = 0; i < 64; i++) m.callRcu(i & 3, m.kmalloc(i & 3));
      m.advance(1);
    },
  },
  {
    name: 'NMI defer: enter nmi, trylock fail, llist_add x8 + irq_work, exit',
    options: { nrCpus: 2, maxObjects: 1 << 16, gpSeqStart: 0 },
    prepare(m) { m.h = { lock: m.createLock(), llist: m.createLlist() }; m.h.work = m.createIrqWork({ fn: 'llist-call-rcu', arg: m.h.llist }); },
    run(m) {
      const { lock, llist, work } = m.h;
      m.spinLock(0, lock);
      m.enter(0, 'nmi');
      if (!m.spinTrylock(0, lock)) for (let i = 0; i < 8; i++) if (m.llistAdd(0, llist, m.kmalloc(0))) m.irqWorkQueue(0, work);
      m.exit(0);
      m.spinUnlock(0, lock);
      m.advance(1);
    },
  },
];

function eventsPerCall(c, impl) {
  const m = createMachine(c.options, { impl });
  c.prepare?.(m);
  const before = m.traceCount();
  for (let i = 0; i < 50; i++) c.run(m);
  return (m.traceCount() - before) / 50;
}

const rows = [];
for (const c of cases) {
  const suite = new Benchmark.Suite(c.name);
  for (const impl of ['wasm', 'ts']) {
    let m;
    const fresh = () => { m = createMachine(c.options, { impl }); c.prepare?.(m); };
    fresh();
    let calls = 0;
    suite.add(impl, () => {
      if (++calls % 200 === 0) fresh(); // bounded memory: objects are only freed after GPs
      c.run(m);
    });
  }
  suite.on('complete', function () {
    const res = {};
    this.forEach((b) => { res[b.name] = b; });
    const perCall = { wasm: eventsPerCall(c, 'wasm'), ts: eventsPerCall(c, 'ts') };
    const evs = (impl) => res[impl].hz * perCall[impl];
    rows.push({
      case: c.name,
      eventsPerCall: perCall.wasm,
      wasmEventsPerSec: evs('wasm'),
      tsEventsPerSec: evs('ts'),
      wasmNsPerEvent: 1e9 / evs('wasm'),
      tsNsPerEvent: 1e9 / evs('ts'),
      speedup: evs('wasm') / evs('ts'),
      rme: { wasm: res.wasm.stats.rme, ts: res.ts.stats.rme },
    });
    console.error(`${c.name}: wasm ${fmt(evs('wasm'))} ev/s, ts ${fmt(evs('ts'))} ev/s`);
  });
  suite.run();
}

function fmt(x) { return x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${(x / 1e3).toFixed(1)} k`; }

const header = `| case | events/call | Wasm events/s (ns/event) | TS baseline events/s (ns/event) | Wasm ÷ TS |\n|---|---:|---:|---:|---:|`;
const table = [header, ...rows.map((r) => `| ${r.case} | ${r.eventsPerCall.toFixed(0)} | ${fmt(r.wasmEventsPerSec)} (${r.wasmNsPerEvent.toFixed(1)}) | ${fmt(r.tsEventsPerSec)} (${r.tsNsPerEvent.toFixed(1)}) | ${r.speedup.toFixed(2)}× |`)].join('\n');
const meta = `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, benchmark.js, trace on.`;
writeFileSync(`${root}bench/results/substrate.json`, JSON.stringify({ meta, rows }, null, 2) + '\n');
writeFileSync(`${root}bench/results/substrate.md`, `${table}\n\n${meta}\n`);
const readme = readFileSync(`${root}README.md`, 'utf8');
const start = '<!-- bench:substrate:start -->';
const end = '<!-- bench:substrate:end -->';
if (readme.includes(start)) {
  const next = readme.replace(new RegExp(`${start}[\\s\\S]*${end}`), `${start}\n${table}\n\n${meta}\n${end}`);
  writeFileSync(`${root}README.md`, next);
}
console.log(table);
