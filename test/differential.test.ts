// Differential test: random command sequences must give identical results, errors, traces and
// stats on the Wasm machine and the TS baseline. 2000 sequences in `npm test`; `npm run test:long`
// runs 20000. A failure prints fast-check's seed and path (the replay string) and the shrunk
// command list.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMachine, RcuError, RcuMachineFailure } from '../src/index.js';
import type { MachineOptions, ProgramOp, RcuMachine } from '../src/types.js';

type Cmd = [string, ...number[]];

/** Small programs for loadProgram (docs/model.md §14), indexed by the command's argument. */
const PROGRAMS: ProgramOp[][] = [
  [{ op: 'loop', n: 3, body: [{ op: 'kmalloc' }, { op: 'kfree_rcu' }] }],
  [{ op: 'loop', n: 2, body: [{ op: 'vmalloc' }, { op: 'kvfree_rcu' }, { op: 'cond_resched' }] }],
  [{ op: 'kmalloc' }, { op: 'rcu_read_lock' }, { op: 'sleep', jiffies: 2 }, { op: 'rcu_read_unlock' }, { op: 'kfree_rcu_mix' }],
  [{ op: 'loop', n: 2, body: [{ op: 'mem_sample', period: 1 }, { op: 'kmalloc' }, { op: 'call_rcu' }, { op: 'kmalloc' }, { op: 'kfree' }] }],
  [{ op: 'loop', n: 50000, body: [{ op: 'kmalloc' }, { op: 'kfree_rcu' }] }],
  [{ op: 'loop', n: 3, body: [{ op: 'kmalloc' }, { op: 'kfree_rcu_nolock' }, { op: 'kmalloc' }, { op: 'kfree_rcu' }] }],
];

const HANDLERS: ProgramOp[][] = [
  [{ op: 'kmalloc' }, { op: 'kfree_rcu_nolock' }],
  [{ op: 'kmalloc' }, { op: 'kfree_rcu' }],
  [{ op: 'kmalloc' }, { op: 'kfree' }],
];
const POINTS = ['task-op', 'nolock-entry', 'krc-locked', 'krc-before-unlock', 'llist-drain', 'monitor-locked', 'work-locked', 'page-refill-locked'] as const;

const CTXS = ['softirq', 'hardirq', 'nmi', 'probe'] as const;

function setup(m: RcuMachine) {
  const locks = [m.createLock(), m.createLock()];
  const llists = [m.createLlist(), m.createLlist()];
  const works = [
    m.createIrqWork({ fn: 'nop' }),
    m.createIrqWork({ fn: 'nop', lazy: true }),
    m.createIrqWork({ fn: 'requeue', arg: 2 }),
    m.createIrqWork({ fn: 'llist-call-rcu', arg: llists[0] }),
    m.createIrqWork({ fn: 'llist-call-rcu', arg: llists[1], lazy: true }),
  ];
  const dworks = [m.createDelayedWork(), m.createDelayedWork()];
  return { locks, llists, works, dworks };
}

function cmdArb(nrCpus: number): fc.Arbitrary<Cmd> {
  const cpu = fc.integer({ min: 0, max: nrCpus }); // nrCpus itself is out of range on purpose
  const obj = fc.integer({ min: 0, max: 9 });
  const small = fc.integer({ min: 0, max: 3 });
  const c1 = (name: string) => cpu.map((c): Cmd => [name, c]);
  const c2 = (name: string, arg: fc.Arbitrary<number>) => fc.tuple(cpu, arg).map(([c, a]): Cmd => [name, c, a]);
  return fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 1, max: 3 }).map((n): Cmd => ['advance', n]) },
    { weight: 4, arbitrary: c2('enter', fc.integer({ min: 0, max: 3 })) },
    { weight: 4, arbitrary: c1('exit') },
    { weight: 2, arbitrary: c1('localIrqSave') },
    { weight: 2, arbitrary: c1('localIrqRestore') },
    { weight: 1, arbitrary: c1('preemptDisable') },
    { weight: 1, arbitrary: c1('preemptEnable') },
    { weight: 2, arbitrary: c1('rcuReadLock') },
    { weight: 2, arbitrary: c1('rcuReadUnlock') },
    { weight: 2, arbitrary: c1('condResched') },
    { weight: 1, arbitrary: c2('setIdle', fc.integer({ min: 0, max: 1 })) },
    { weight: 5, arbitrary: c1('kmalloc') },
    { weight: 2, arbitrary: c2('kfree', obj) },
    { weight: 1, arbitrary: c1('allocPage') },
    { weight: 1, arbitrary: c2('freePage', small) },
    { weight: 2, arbitrary: small.map((n): Cmd => ['failNextPageAllocs', n]) },
    { weight: 3, arbitrary: c2('spinLock', fc.integer({ min: 0, max: 2 })) },
    { weight: 3, arbitrary: c2('spinTrylock', fc.integer({ min: 0, max: 2 })) },
    { weight: 3, arbitrary: c2('spinUnlock', fc.integer({ min: 0, max: 2 })) },
    { weight: 4, arbitrary: fc.tuple(cpu, fc.integer({ min: 0, max: 1 }), obj).map(([c, l, o]): Cmd => ['llistAdd', c, l, o]) },
    { weight: 2, arbitrary: c2('llistDelAll', fc.integer({ min: 0, max: 1 })) },
    { weight: 4, arbitrary: c2('irqWorkQueue', fc.integer({ min: 0, max: 5 })) },
    { weight: 1, arbitrary: c2('queueWork', fc.integer({ min: 0, max: 1 })) },
    { weight: 2, arbitrary: fc.tuple(cpu, fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 4 })).map(([c, w, d]): Cmd => ['queueDelayedWork', c, w, d]) },
    { weight: 1, arbitrary: fc.tuple(cpu, fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 4 })).map(([c, w, d]): Cmd => ['modDelayedWork', c, w, d]) },
    { weight: 1, arbitrary: c2('cancelDelayedWork', fc.integer({ min: 0, max: 1 })) },
    { weight: 2, arbitrary: c1('startPollSynchronizeRcu') },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 12 }).map((d): Cmd => ['pollState', d]) },
    { weight: 4, arbitrary: c2('callRcu', obj) },
    { weight: 2, arbitrary: c1('synchronizeRcu') },
    { weight: 1, arbitrary: fc.constant<Cmd>(['random']) },
    // kvfree_rcu (docs/model.md §12-§14)
    { weight: 5, arbitrary: c2('kfreeRcu', obj) },
    { weight: 6, arbitrary: c1('kmallocKfreeRcu') },
    { weight: 3, arbitrary: c1('kmallocKvfreeRcu') },
    { weight: 1, arbitrary: c2('nmiSpinLock', fc.integer({ min: 0, max: 1 })) },
    // kfree_rcu_nolock and injection (docs/model.md §15-§16)
    { weight: 4, arbitrary: c2('kfreeRcuNolock', obj) },
    { weight: 3, arbitrary: c1('kmallocKfreeRcuNolock') },
    { weight: 2, arbitrary: c2('nmiKfreeRcuNolock', obj) },
    { weight: 2, arbitrary: c2('kvfreeRcu', obj) },
    { weight: 2, arbitrary: c1('vmalloc') },
    { weight: 1, arbitrary: c1('kvfreeRcuBarrier') },
    { weight: 1, arbitrary: c2('shrink', fc.integer({ min: 0, max: 8 })) },
    { weight: 2, arbitrary: c2('loadProgram', fc.integer({ min: 0, max: PROGRAMS.length - 1 })) },
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 4 }).map((n): Cmd => ['run', n]) },
  );
}

function apply(m: RcuMachine, h: ReturnType<typeof setup>, cmd: Cmd): unknown {
  const [name, a = 0, b = 0, c = 0] = cmd;
  switch (name) {
    case 'advance': return m.advance(a);
    case 'enter': return m.enter(a, CTXS[b]);
    case 'setIdle': return m.setIdle(a, b === 1);
    case 'spinLock': case 'spinTrylock': case 'spinUnlock':
      return (m[name] as (c: number, l: number) => unknown)(a, b < h.locks.length ? h.locks[b] : 4000);
    case 'llistAdd': return m.llistAdd(a, h.llists[b], c);
    case 'llistDelAll': return m.llistDelAll(a, h.llists[b]);
    case 'irqWorkQueue': return m.irqWorkQueue(a, b < h.works.length ? h.works[b] : 4000);
    case 'queueWork': case 'cancelDelayedWork': return m[name](a, h.dworks[b]);
    case 'queueDelayedWork': case 'modDelayedWork': return m[name](a, h.dworks[b], c);
    case 'pollState': return m.pollStateSynchronizeRcu(((m.gpSeq() + a - 6) & ~3) >>> 0);
    case 'failNextPageAllocs': return m.failNextPageAllocs(a);
    case 'random': return m.random();
    case 'loadProgram': return m.loadProgram(a, PROGRAMS[b]);
    case 'run': return m.run(a);
    case 'kmallocKfreeRcu': return m.kfreeRcu(a, m.kmalloc(a));
    case 'kmallocKvfreeRcu': return m.kvfreeRcu(a, m.kmalloc(a));
    case 'kmallocKfreeRcuNolock': return m.kfreeRcuNolock(a, m.kmalloc(a));
    case 'nmiKfreeRcuNolock': m.enter(a, 'nmi'); m.kfreeRcuNolock(a, b); return m.exit(a);
    case 'nmiSpinLock': m.enter(a, 'nmi'); return m.spinLock(a, h.locks[b]);
    default: return (m as unknown as Record<string, (...x: number[]) => unknown>)[name](a, b);
  }
}

function outcome(m: RcuMachine, h: ReturnType<typeof setup>, cmd: Cmd): string {
  try {
    return `ok ${JSON.stringify(apply(m, h, cmd) ?? null)}`;
  } catch (e) {
    if (e instanceof RcuMachineFailure) return `failure ${JSON.stringify(e.failure)}`;
    if (e instanceof RcuError) return `error ${e.code}: ${e.message}`;
    throw e;
  }
}

function snapshot(m: RcuMachine, nrCpus: number) {
  if (m.failure()) return { failure: m.failure(), trace: m.trace(), digest: m.traceDigest() };
  return {
    jiffies: m.jiffies(),
    now: m.now(),
    gpSeq: m.gpSeq(),
    cpus: Array.from({ length: nrCpus }, (_, c) => m.cpuInfo(c)),
    krc: Array.from({ length: nrCpus }, (_, c) => m.krcInfo(c)),
    memory: m.memoryInfo(),
    run: m.runInfo(),
    objs: Array.from({ length: 10 }, (_, o) => { try { return m.objInfo(o); } catch (e) { return (e as RcuError).code; } }),
    stats: m.stats(),
    trace: m.trace(),
    count: m.traceCount(),
    digest: m.traceDigest(),
  };
}

/** kvfree_rcu options drawn per sequence, small enough that monitors, batches and refills happen. */
const KVFREE_OPTS = fc.record({
  batched: fc.boolean(),
  drainReady: fc.boolean(),
  monitorBacklogRule: fc.boolean(),
  bulkMaxEntr: fc.integer({ min: 1, max: 3 }),
  rcuMinCachedObjs: fc.integer({ min: 0, max: 2 }),
  kfreeDrainJiffies: fc.integer({ min: 1, max: 8 }),
  rcuDelayPageCacheFillMsec: fc.constantFrom(0, 1, 3),
  monitorArm: fc.constantFrom('lazy-irq-work', 'irq-work', 'lazy-irq-work-unless-pending', 'one-irq-work-lazy-flag'),
  nolockGate: fc.constantFrom('allow-spin', 'in-nmi'),
  debugObjects: fc.boolean(),
  // Half the sequences run without injection, so paths that need a quiet stretch (drain_ready) happen too.
  inject: fc.option(fc.record({
    nmi: fc.record({
      probability: fc.constantFrom(0, 0.05, 0.3),
      ratePerSec: fc.constantFrom(0, 0, 2_000_000),
      points: fc.subarray([...POINTS], { minLength: 1 }),
      handler: fc.constantFrom(...HANDLERS),
    }),
    probe: fc.record({ probability: fc.constantFrom(0, 0.1), points: fc.subarray([...POINTS], { minLength: 1 }), handler: fc.constantFrom(...HANDLERS) }),
    hardirq: fc.record({ probability: fc.constantFrom(0, 0.1), handler: fc.constantFrom(...HANDLERS) }),
    remote: fc.record({ probability: fc.constantFrom(0, 0.1) }),
  }), { nil: undefined }),
});

/** Paths the sequences must have exercised (coverage marks). */
const REACH = ['nolockCall', 'nolockDeferred', 'nolockDrained', 'trylockFail', 'monitorArmLazy', 'monitorArmSkipped', 'nolockDrainDelayed',
  'injectNmi', 'injectProbe', 'injectHardirq', 'remoteSteps', 'injectRefused', 'bulkInsert', 'headInsert', 'bnodeFromCache', 'inlineSync', 'monitorRun', 'drainReadyFreed', 'batchQueued',
  'batchSlotBusy', 'kfreeRcuWorkRun', 'bulkFreed', 'listFreed', 'pageCacheFill', 'shrinkScan', 'barrier', 'allocFail', 'monitorShorten'];

const RUNS = process.env.LONG ? 20000 : 2000;
// A fixed seed keeps `npm test` reproducible; LONG runs (and FC_SEED) explore other sequences.
const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : process.env.LONG ? Date.now() % 2 ** 31 : 20261203;

describe('differential: Wasm machine vs TS baseline', () => {
  it(`agrees on ${RUNS} random command sequences`, () => {
    let failures = 0;
    let ipis = 0;
    let deferred = 0;
    const reach: Record<string, number> = {};
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }).chain((n) => fc.tuple(fc.constant(n), fc.array(cmdArb(n), { minLength: 5, maxLength: 60, size: 'max' }))),
        fc.nat(),
        KVFREE_OPTS,
        ([nrCpus, cmds], seed, kv) => {
          const opts: MachineOptions = { nrCpus, seed, maxObjects: 8, maxPages: 3, rcuStallJiffies: 12, gpSeqStart: 0xffffffe0, ...(kv as MachineOptions) };
          const w = createMachine(opts, { impl: 'wasm' });
          const t = createMachine(opts, { impl: 'ts' });
          const hw = setup(w);
          const ht = setup(t);
          for (const cmd of cmds) {
            const ow = outcome(w, hw, cmd);
            const ot = outcome(t, ht, cmd);
            expect(ow, JSON.stringify(cmd)).toBe(ot);
            if (ow.startsWith('failure')) break;
          }
          expect(snapshot(w, nrCpus)).toEqual(snapshot(t, nrCpus));
          if (w.failure()) failures++;
          const total = w.stats().total; // stats stay readable on a poisoned machine
          ipis += total.selfIpi;
          deferred += total.tickDeferred;
          for (const k of REACH) reach[k] = (reach[k] ?? 0) + total[k];
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
    // Reach: the sequences really exercised deadlocks, self-IPIs and deferred ticks.
    expect(failures, 'machine failures (deadlocks)').toBeGreaterThan(0);
    expect(ipis, 'self-IPIs').toBeGreaterThan(0);
    expect(deferred, 'deferred ticks').toBeGreaterThan(0);
    for (const k of REACH) expect(reach[k], `${k} in ${JSON.stringify(reach)}`).toBeGreaterThan(0);
  });
});
