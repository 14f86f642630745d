// Host memory per waiting object, measured in a fresh process so that nothing else in the heap moves
// the numbers: node --expose-gc bench/memory.mjs <wasm|ts> <N> prints the RSS growth per object of a
// machine sized for N objects with all N queued and none freed (a reader holds the grace period).
import { createMachine } from '../dist/index.js';

const [impl, nArg] = process.argv.slice(2);
const n = Number(nArg);
global.gc?.();
const before = process.memoryUsage().rss;
const m = createMachine({ nrCpus: 2, maxObjects: n, maxPages: Math.ceil(n / 507) + 16, trace: false, rcuMinCachedObjs: 0 }, { impl });
m.rcuReadLock(1); // no GP can end: everything stays waiting
for (let i = 0; i < n; i++) m.kfreeRcu(0, m.kmalloc(0));
global.gc?.();
const after = process.memoryUsage().rss;
if (m.memoryInfo().queued !== n) throw new Error(`expected ${n} objects waiting, got ${m.memoryInfo().queued}`);
console.log(((after - before) / n).toFixed(1));
