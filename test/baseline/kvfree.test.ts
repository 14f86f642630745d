// The TS baseline's kvfree_rcu batching and workloads on their own (docs/model.md §12-§14): exact
// event orders the Wasm core must reproduce, the rcuscale effects the model exists for, op
// failures inside run(), and a fuzz that checks the shadow-state invariants.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TsMachine } from '../../src/baseline/machine.js';
import { RcuError, RcuMachineFailure } from '../../src/errors.js';
import { resolveOptions } from '../../src/options.js';
import type { MachineOptions, ProgramOp } from '../../src/types.js';

const make = (o: MachineOptions = {}) => new TsMachine(resolveOptions(o));
const K = (cpu: number, id: number) => 0x10000 + cpu * 16 + id;
const kindsAfter = (m: TsMachine, from: number) => m.trace().filter((e) => e.seq >= from).map((e) => e.kind);

function err(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof RcuError) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'Ok';
}

/** rcuscale's kfree test on every CPU: `loops` × (alloc `n` objects, free them), cond_resched between. */
function rcuscale(loops: number, n: number, free: ProgramOp['op'] = 'kfree_rcu'): ProgramOp[] {
  return [{
    op: 'loop', n: loops, body: [
      { op: 'mem_sample', period: Math.max(1, Math.floor(loops / 4)) },
      { op: 'loop', n, body: [{ op: 'kmalloc' }, { op: free } as ProgramOp] },
      { op: 'cond_resched' },
    ],
  }];
}

describe('kvfree_call_rcu event order', () => {
  it('2-arg with room in the newest bulk page', () => {
    const m = make({ nrCpus: 1 });
    m.kfreeRcu(0, m.kmalloc(0));
    m.advance(1); // fills the page cache
    m.kfreeRcu(0, m.kmalloc(0)); // takes a cached page
    const from = m.traceCount();
    m.kfreeRcu(0, m.kmalloc(0));
    expect(kindsAfter(m, from)).toEqual(['Kmalloc', 'KvfreeCall', 'IrqDisable', 'LockAcquire', 'KrcBulk', 'LockRelease', 'IrqEnable']);
  });

  it('headless drops the lock around its own page allocation', () => {
    const m = make({ nrCpus: 1, rcuMinCachedObjs: 0 });
    const o = m.kmalloc(0);
    const from = m.traceCount();
    m.kvfreeRcu(0, o);
    expect(kindsAfter(m, from)).toEqual([
      'KvfreeCall', 'IrqDisable', 'LockAcquire', 'LockRelease', 'IrqEnable', 'PageAlloc', 'IrqDisable', 'LockAcquire',
      'KrcBulk', 'WorkQueue', 'LockRelease', 'IrqEnable',
    ]);
    expect(m.trace().find((e) => e.kind === 'WorkQueue')).toMatchObject({ a: K(0, 1), b: 1, c: 5000 });
  });

  it('headless inline fallback: unlock, then synchronize_rcu, then the free; no monitor', () => {
    const m = make({ nrCpus: 1, rcuMinCachedObjs: 0, maxPages: 1 });
    m.allocPage(0);
    const o = m.kmalloc(0);
    const from = m.traceCount();
    m.kvfreeRcu(0, o);
    const k = kindsAfter(m, from).filter((x) => !['CtxEnter', 'CtxExit', 'Tick', 'Qs', 'GpStart', 'GpEnd'].includes(x));
    expect(k).toEqual(['KvfreeCall', 'IrqDisable', 'LockAcquire', 'LockRelease', 'IrqEnable', 'PageAlloc', 'IrqDisable', 'LockAcquire', 'LockRelease', 'IrqEnable', 'SyncBegin', 'SyncEnd', 'Kfree']);
    expect(m.krcInfo(0).monitorPending).toBe(false);
  });

  it('kfree_rcu from an NMI takes the krc path like any context (irqs already off)', () => {
    // The checker would stop it at the spin (spin-in-nmi): this test is about the model's path.
    const m = make({ nrCpus: 1, checker: false });
    const o = m.kmalloc(0);
    m.enter(0, 'nmi');
    m.kfreeRcu(0, o);
    m.exit(0);
    expect(m.objInfo(o).state).toBe('queued');
    expect(m.trace().filter((e) => e.kind === 'KrcHead')[0].ctx).toBe('nmi');
  });

  it('batched: false refuses kfree_rcu in NMI (call_rcu is not NMI-safe)', () => {
    const m = make({ nrCpus: 1, batched: false });
    const o = m.kmalloc(0);
    m.enter(0, 'nmi');
    expect(err(() => m.kfreeRcu(0, o))).toBe(`BadContext: kfreeRcu(cpu 0, obj ${o}): BadContext — call_rcu() is not NMI-safe (expected task, softirq or hardirq context)`);
  });
});

describe('monitor and batches', () => {
  it('drain_ready frees the newest ready page first, channel 0 before channel 1', () => {
    const m = make({ nrCpus: 1, bulkMaxEntr: 2, gpSeqStart: 0 });
    m.kfreeRcu(0, m.kmalloc(0)); // head; fills the cache at the next tick
    m.advance(1);
    const objs = [m.kmalloc(0), m.kmalloc(0), m.kmalloc(0), m.vmalloc(0)];
    for (const o of objs) m.kfreeRcu(0, o);
    m.synchronizeRcu(0);
    const from = m.traceCount();
    m.advance(1); // krc_count >= 2: the monitor was armed for 1 jiffy... already fired? run it now
    m.advance(5000);
    const frees = m.trace().filter((e) => e.seq >= from && e.kind === 'Kfree').map((e) => e.a);
    // pages of channel 0: [o0, o1] (older), [o2] (newer) -> newer first; then channel 1; then the head
    expect(frees.slice(0, 4)).toEqual([objs[2], objs[0], objs[1], objs[3]]);
    expect(m.stats().total.prematureFree).toBe(0);
  });

  it('the rcu_work is a work plus an rcu_head: WorkQueue, CallRcu, RcuCbInvoke, WorkRun, KfreeRcuWork', () => {
    const m = make({ nrCpus: 1, kfreeDrainJiffies: 1 });
    m.kfreeRcu(0, m.kmalloc(0));
    m.advance(10);
    const ev = m.trace().filter((e) => e.a === K(0, 3) || e.kind === 'KfreeRcuWork').map((e) => `${e.ctx}:${e.kind}`);
    expect(ev).toEqual(['task:WorkQueue', 'task:CallRcu', 'softirq:RcuCbInvoke', 'task:WorkRun', 'task:KfreeRcuWork']);
  });

  it('the barrier waits out both busy batches and the shrinker backs off the refill', () => {
    const m = make({ nrCpus: 2, bulkMaxEntr: 2, gpSeqStart: 0 });
    m.rcuReadLock(1);
    for (let j = 0; j < 4; j++) {
      for (let i = 0; i < 3; i++) m.kfreeRcu(0, m.kmalloc(0));
      m.advance(1);
    }
    expect(m.krcInfo(0).krwBusy).toEqual([true, true]);
    expect(err(() => m.kvfreeRcuBarrier(0))).toMatch(/^RcuStall: kvfreeRcuBarrier\(cpu 0\): RcuStall/);
    m.rcuReadUnlock(1);
    m.kvfreeRcuBarrier(0);
    expect(m.memoryInfo().objects).toBe(0);
    expect(m.krcInfo(0)).toMatchObject({ monitorPending: false, krwBusy: [false, false] });
    expect(m.shrink(1, 1)).toBe(5); // cpu 0's cached pages; stops after cpu 0
    expect(m.krcInfo(0).backoff).toBe(true);
    expect(m.krcInfo(1).backoff).toBe(true);
    m.kfreeRcu(0, m.kmalloc(0)); // no page: back-off refill in 5000 ms, one page
    expect(m.trace().filter((e) => e.kind === 'WorkQueue' && e.a === K(0, 2)).pop()).toMatchObject({ b: 1, c: 5000 });
  });

  it('shrink checks nrToScan and the context', () => {
    const m = make({ nrCpus: 1 });
    expect(err(() => m.shrink(0, 0))).toBe('BadArgument: shrink(cpu 0, nrToScan 0): BadArgument — nrToScan 0 is invalid (expected an integer from 1 to 2147483647)');
    m.preemptDisable(0);
    expect(err(() => m.shrink(0, 1))).toMatch(/^BadContext/);
    m.preemptEnable(0);
    expect(m.shrink(0, 1)).toBe(0); // SHRINK_EMPTY
    expect(m.trace().pop()).toMatchObject({ kind: 'ShrinkScan', a: 0 });
  });
});

describe('workloads', () => {
  it('batching cuts grace periods (rcuscale "batches"), drain_ready cuts the footprint', () => {
    const result = (o: MachineOptions) => {
      const m = make({ nrCpus: 4, trace: false, maxObjects: 1 << 20, maxPages: 1 << 14, ...o });
      for (let c = 0; c < 4; c++) m.loadProgram(c, rcuscale(20, 2000));
      expect(m.run(100_000)).toBe(true);
      const r = m.runInfo();
      m.setIdle(0, false); // a finished program leaves its CPU idle
      m.kvfreeRcuBarrier(0);
      const s = m.stats().total;
      expect(s.prematureFree).toBe(0);
      expect(m.memoryInfo().objects).toBe(0);
      return { gps: ((r.endGpSeq - r.startGpSeq) >>> 0) / 4, footprint: r.memBegin - r.memDuring, timeNs: r.endNs - r.startNs };
    };
    const batched = result({});
    const unbatched = result({ batched: false });
    const noDrain = result({ drainReady: false });
    expect(batched.gps).toBeLessThan(unbatched.gps);
    expect(noDrain.footprint).toBeGreaterThanOrEqual(batched.footprint);
  });

  it('an op that is not allowed stops run() with its command\'s error; the program is done', () => {
    const m = make({ nrCpus: 2 });
    m.loadProgram(0, [{ op: 'rcu_read_lock' }, { op: 'cond_resched' }, { op: 'kmalloc' }]);
    m.loadProgram(1, [{ op: 'kmalloc' }]);
    expect(err(() => m.run(5))).toBe('BadContext: condResched(cpu 0): BadContext — expected task context outside any critical section (irqs, preemption, RCU read side, locks)');
    expect(m.runInfo().programsRunning).toBe(1);
    expect(m.cpuInfo(0).rcuNesting).toBe(1);
    expect(m.run(5)).toBe(true);
  });

  it('a sleeping program leaves its CPU idle; loadProgram wakes a CPU; loading twice is refused', () => {
    const m = make({ nrCpus: 1 });
    m.setIdle(0, true);
    m.loadProgram(0, [{ op: 'sleep', jiffies: 2 }]);
    expect(m.cpuInfo(0).idle).toBe(false);
    expect(m.run(1)).toBe(false);
    expect(m.cpuInfo(0).idle).toBe(true);
    expect(err(() => m.loadProgram(0, []))).toMatch(/^BadContext: loadProgram\(cpu 0, ops \[\]\): BadContext — expected task context/);
    expect(m.run(10)).toBe(true);
    expect(m.trace().filter((e) => e.kind === 'ProgramEnd')).toHaveLength(1);
  });

  it('zero-cost loops are bounded per slice', () => {
    const m = make({ nrCpus: 1, trace: false });
    m.loadProgram(0, [{ op: 'loop', n: 2_000_000, body: [{ op: 'kfree' }] }]);
    expect(() => m.run(1)).toThrow(RcuMachineFailure);
    expect(m.failure()).toMatchObject({ status: 'Invariant', cpu: 0, message: 'run(maxJiffies 1): Invariant — program on cpu 0 ran more than 1048576 ops in one jiffy' });
  });

  it('is deterministic: the same programs give the same digest', () => {
    const digest = () => {
      const m = make({ nrCpus: 3, seed: 7, pageFailRate: 0.1 });
      for (let c = 0; c < 3; c++) m.loadProgram(c, rcuscale(4, 300, 'kfree_rcu_mix'));
      m.run(1000);
      return [m.traceDigest(), m.traceCount(), JSON.stringify(m.stats().total)];
    };
    expect(digest()).toEqual(digest());
  });
});

describe('fuzz: kvfree_rcu commands and programs keep the shadow state sound', () => {
  const OPS: ProgramOp['op'][] = ['kmalloc', 'vmalloc', 'kfree_rcu', 'kvfree_rcu', 'kfree_rcu_mix', 'call_rcu', 'kfree', 'cond_resched'];
  const cmd = fc.oneof(
    fc.record({ c: fc.constant('alloc' as const), cpu: fc.nat(2), v: fc.boolean() }),
    fc.record({ c: fc.constant('kfreeRcu' as const), cpu: fc.nat(2), i: fc.nat(50) }),
    fc.record({ c: fc.constant('kvfreeRcu' as const), cpu: fc.nat(2), i: fc.nat(50) }),
    fc.record({ c: fc.constant('enter' as const), cpu: fc.nat(2), ctx: fc.constantFrom('softirq', 'hardirq', 'nmi', 'probe') }),
    fc.record({ c: fc.constant('exit' as const), cpu: fc.nat(2) }),
    fc.record({ c: fc.constant('advance' as const), n: fc.nat(8) }),
    fc.record({ c: fc.constant('shrink' as const), cpu: fc.nat(2), n: fc.integer({ min: 1, max: 50 }) }),
    fc.record({ c: fc.constant('barrier' as const), cpu: fc.nat(2) }),
    fc.record({ c: fc.constant('program' as const), cpu: fc.nat(2), ops: fc.array(fc.constantFrom(...OPS), { maxLength: 6 }), n: fc.integer({ min: 1, max: 40 }) }),
    fc.record({ c: fc.constant('run' as const), n: fc.nat(6) }),
  );
  const opts = fc.record({
    batched: fc.boolean(), drainReady: fc.boolean(), bulkMaxEntr: fc.integer({ min: 1, max: 8 }),
    rcuMinCachedObjs: fc.nat(3), kfreeDrainJiffies: fc.integer({ min: 1, max: 20 }), pageFailRate: fc.constantFrom(0, 0.3),
    maxPages: fc.integer({ min: 1, max: 16 }),
  });

  it('no unexpected exception, no premature free, memory accounted', () => {
    fc.assert(fc.property(opts, fc.array(cmd, { maxLength: 60 }), (o, cmds) => {
      const m = make({ nrCpus: 3, maxObjects: 400, rcuStallJiffies: 50, ...o });
      const objs: number[] = [];
      for (const x of cmds) {
        try {
          switch (x.c) {
            case 'alloc': objs.push(x.v ? m.vmalloc(x.cpu) : m.kmalloc(x.cpu)); break;
            case 'kfreeRcu': m.kfreeRcu(x.cpu, objs[x.i] ?? 0); break;
            case 'kvfreeRcu': m.kvfreeRcu(x.cpu, objs[x.i] ?? 0); break;
            case 'enter': m.enter(x.cpu, x.ctx); break;
            case 'exit': m.exit(x.cpu); break;
            case 'advance': m.advance(x.n); break;
            case 'shrink': m.shrink(x.cpu, x.n); break;
            case 'barrier': m.kvfreeRcuBarrier(x.cpu); break;
            case 'program': m.loadProgram(x.cpu, [{ op: 'loop', n: x.n, body: x.ops.map((op) => ({ op }) as ProgramOp) }]); break;
            case 'run': m.run(x.n); break;
          }
        } catch (e) {
          if (e instanceof RcuError) continue;
          if (e instanceof RcuMachineFailure) return; // e.g. a deadlock found from an NMI; poisoned
          throw e;
        }
      }
      const s = m.stats().total;
      expect(s.prematureFree).toBe(0);
      expect(s.bulkSnapNotReady + s.listSnapNotReady).toBe(0);
      const info = m.memoryInfo();
      expect(info.pages).toBe(s.pageAlloc - s.pageFree);
      expect(info.objects).toBe(s.kmalloc - s.kfree);
      for (let c = 0; c < 3; c++) {
        const k = m.krcInfo(c);
        expect(k.cachedPages).toBeLessThanOrEqual(o.rcuMinCachedObjs);
        expect(k.bulkCount[0] + k.bulkCount[1]).toBeLessThanOrEqual((k.bulkPages[0] + k.bulkPages[1]) * o.bulkMaxEntr);
      }
    }), { numRuns: 300, seed: 42 });
  });
});
