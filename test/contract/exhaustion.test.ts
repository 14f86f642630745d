// Simulated memory exhaustion (docs/model.md §8, §12.2, §14, §16.4) on both machines: where the
// kernel has a fallback the model takes it — headless kvfree_rcu() falls back to synchronize_rcu(),
// 2-argument kfree_rcu() to the krc.head list, kmalloc_nolock() in an NMI handler returns NULL —
// and otherwise the command fails with a clear OutOfObjects error; nothing poisons the machine, and
// a workload that exhausts the slab ends cleanly, as rcuscale's threads do on -ENOMEM.
import { describe, expect, it } from 'vitest';
import { RcuError, RcuMachineFailure } from '../../src/errors.js';
import { runScenario } from '../../src/scenario.js';
import type { RcuMachine } from '../../src/types.js';
import { events, IMPLS, machines } from '../helpers/machines.js';
import { refuses, thrown } from '../helpers/errors.js';


const total = (m: RcuMachine) => m.stats().total;

describe.each(machines)('memory exhaustion (%s)', (_impl, make) => {
  it('an exhausted slab is OutOfObjects for kmalloc and vmalloc, changes nothing, and recovers once objects are freed', () => {
    const m = make({ nrCpus: 2, maxObjects: 2, gpSeqStart: 0 });
    const a = m.kmalloc(0);
    const b = m.vmalloc(1);
    const before = { count: m.traceCount(), digest: m.traceDigest(), stats: m.stats() };
    refuses(() => m.kmalloc(0), 'OutOfObjects', 'kmalloc(cpu 0): OutOfObjects — all 2 objects are allocated (maxObjects)');
    refuses(() => m.vmalloc(1), 'OutOfObjects', 'vmalloc(cpu 1): OutOfObjects — all 2 objects are allocated (maxObjects)');
    expect({ count: m.traceCount(), digest: m.traceDigest(), stats: m.stats() }).toEqual(before);
    // an object waiting for its grace period still occupies the slab
    m.kfreeRcu(0, a);
    m.kfreeRcuNolock(1, b);
    refuses(() => m.kmalloc(1), 'OutOfObjects', 'kmalloc(cpu 1): OutOfObjects — all 2 objects are allocated (maxObjects)');
    m.kvfreeRcuBarrier(0);
    expect(m.memoryInfo().objects).toBe(0);
    expect([m.kmalloc(0), m.kmalloc(0)].sort()).toEqual([0, 1]);
    expect(m.failure()).toBeNull();
    expect(total(m).prematureFree).toBe(0);
  });

  it('pageFailRate 1: 2-argument kfree_rcu falls back to krc.head, headless kvfree_rcu to synchronize_rcu; nothing is lost', () => {
    const m = make({ nrCpus: 2, pageFailRate: 1, gpSeqStart: 0 });
    const objs = Array.from({ length: 5 }, () => m.kmalloc(0));
    for (const o of objs) m.kfreeRcu(0, o);
    expect(m.krcInfo(0)).toMatchObject({ headCount: 5, bulkCount: [0, 0], bulkPages: [0, 0] });
    m.advance(2); // the page-cache worker tries to fill the cache and gets nothing
    expect(m.krcInfo(0).cachedPages).toBe(0);
    expect(total(m)).toMatchObject({ headInsert: 5, bulkInsert: 0, pageAlloc: 0 });
    expect(total(m).pageAllocFail).toBeGreaterThan(0);
    const h = m.kmalloc(1);
    const j = m.jiffies();
    m.kvfreeRcu(1, h); // cannot get a page: waits for a full grace period inline, then frees
    expect(m.objInfo(h).state).toBe('free');
    expect(m.jiffies()).toBeGreaterThan(j);
    expect(total(m)).toMatchObject({ inlineSync: 1, synchronizeRcu: 1, kvfreeCallHeadless: 1 });
    m.kvfreeRcuBarrier(0);
    // at most the 6 objects waited at once, and no page could be had
    expect(m.memoryInfo()).toEqual({ objects: 0, pages: 0, bytes: 0, queued: 0, kernelPages: 0, waitingBytes: 0, peakWaitingBytes: 6 * 24 });
    expect(total(m)).toMatchObject({ prematureFree: 0, kfree: 6, pageAlloc: 0 });
    expect(m.failure()).toBeNull();
  });

  it('maxPages exhausted: allocPage reports -1, kfree_rcu uses krc.head, kvfree_rcu falls back; freeing the page lets bulk pages return', () => {
    const m = make({ nrCpus: 1, maxPages: 1, gpSeqStart: 0 });
    const page = m.allocPage(0);
    expect(page).toBe(0);
    expect(m.allocPage(0)).toBe(-1);
    expect(events(m, 'PageAlloc').map((e) => e.a)).toEqual([0, 0xffffffff]);
    m.kfreeRcu(0, m.kmalloc(0));
    m.kfreeRcu(0, m.vmalloc(0));
    m.advance(1);
    expect(m.krcInfo(0)).toMatchObject({ headCount: 2, bulkPages: [0, 0], cachedPages: 0 });
    const h = m.kmalloc(0);
    m.kvfreeRcu(0, h);
    expect(m.objInfo(h).state).toBe('free');
    expect(total(m)).toMatchObject({ headInsert: 2, bulkInsert: 0, inlineSync: 1 });
    m.freePage(0, page);
    m.kvfreeRcu(0, m.kmalloc(0)); // the headless form allocates the page it could not get before
    expect(total(m)).toMatchObject({ bulkInsert: 1, inlineSync: 1 });
    m.kvfreeRcuBarrier(0);
    expect(m.memoryInfo().objects).toBe(0);
    expect(total(m).prematureFree).toBe(0);
  });

  it('the inline fallback that cannot complete its grace period is RcuStall, a typed error: the object stays queued and the machine usable', () => {
    const m = make({ nrCpus: 2, pageFailRate: 1, rcuStallJiffies: 5 });
    const o = m.kmalloc(0);
    m.rcuReadLock(1); // CPU 1 never reports a quiescent state
    refuses(() => m.kvfreeRcu(0, o), 'RcuStall',
      'kvfreeRcu(cpu 0, obj 0): RcuStall — the grace period did not complete within 5 jiffies (rcuStallJiffies); a CPU never reported a quiescent state');
    expect(m.jiffies()).toBe(5); // the ticks stay processed
    expect(m.objInfo(o).state).toBe('queued'); // leaked, as documented (§12.2 step 4)
    expect(m.failure()).toBeNull();
    m.rcuReadUnlock(1);
    const p = m.kmalloc(0);
    m.kfreeRcu(0, p);
    m.kvfreeRcuBarrier(0);
    expect(m.objInfo(p).state).toBe('free');
  });

  it('kmalloc in an NMI handler on an exhausted slab returns NULL (allocFail), and the task program then ends on -ENOMEM', () => {
    const m = make({
      nrCpus: 1, maxObjects: 3,
      inject: { nmi: { handler: [{ op: 'kmalloc' }, { op: 'kfree_rcu_nolock' }] }, schedule: [{ hit: 4, kind: 'nmi' }] },
    });
    m.loadProgram(0, [{ op: 'kmalloc' }, { op: 'kmalloc' }, { op: 'kmalloc' }, { op: 'cond_resched' }, { op: 'kmalloc' }, { op: 'kmalloc' }]);
    expect(m.run(5)).toBe(true);
    expect(m.failure()).toBeNull();
    expect(total(m)).toMatchObject({ kmalloc: 3, allocFail: 2, injectNmi: 1, nolockCall: 0 });
    expect(events(m, 'ProgramEnd').map((e) => [e.a, e.ctx])).toEqual([[1, 'task']]); // only the task program ends
    expect(m.runInfo().programsRunning).toBe(0);
    expect(m.memoryInfo().objects).toBe(3);
  });

  it('a program that exhausts the slab while freeing through kfree_rcu ends cleanly on every CPU', () => {
    const m = make({ nrCpus: 3, maxObjects: 40, pageFailRate: 1, trace: false });
    for (let c = 0; c < 3; c++) {
      m.loadProgram(c, [{ op: 'loop', n: 1000, body: [{ op: 'kmalloc' }, { op: c === 1 ? 'kfree_rcu_nolock' : 'kfree_rcu' }] }]);
    }
    expect(m.run(50)).toBe(true);
    expect(m.failure()).toBeNull();
    expect(total(m).allocFail).toBe(3);
    expect(total(m).kmalloc).toBe(40);
    m.setIdle(0, false);
    m.kvfreeRcuBarrier(0);
    expect(m.memoryInfo().objects).toBe(0);
    expect(total(m).prematureFree).toBe(0);
  });
});

describe('memory exhaustion in scenarios (both machines, same digests)', () => {
  it('rcuscale-kfree on a tiny slab: every thread stops on -ENOMEM, the run completes and the barrier leaves nothing', () => {
    const doc = { name: 'tiny-slab', options: { nrCpus: 2, maxObjects: 100 }, workload: { kind: 'rcuscale-kfree', kfree_alloc_num: 1000, kfree_loops: 2 } };
    const [w, t] = IMPLS.map((impl) => runScenario(doc, { impl }));
    for (const r of [w, t]) {
      expect(r).toMatchObject({ completed: true, failure: null, leftAfterBarrier: 0 });
      expect(r.stats.total).toMatchObject({ kmalloc: 100, allocFail: 2, prematureFree: 0 });
      expect(r.summary).toMatch(/^Total time taken by all kfree'ers: \d+ ns, loops: 2, batches: \d+, memory footprint: 0MB$/);
    }
    expect(w.digest).toBe(t.digest);
    expect(w.stats).toEqual(t.stats);
  });

  it('headless frees with no page ever available block on their grace periods and still end cleanly', () => {
    const doc = {
      name: 'no-pages', options: { nrCpus: 2, maxObjects: 50, pageFailRate: 1 },
      workload: { kind: 'programs', programs: [{ cpus: 'all', ops: [{ op: 'loop', n: 100, body: [{ op: 'kmalloc' }, { op: 'kvfree_rcu' }, { op: 'kmalloc' }, { op: 'kfree_rcu' }] }] }] },
    };
    const [w, t] = IMPLS.map((impl) => runScenario(doc, { impl }));
    for (const r of [w, t]) {
      expect(r).toMatchObject({ completed: true, failure: null, leftAfterBarrier: 0 });
      expect(r.stats.total.inlineSync).toBeGreaterThan(10);
      expect(r.stats.total.allocFail).toBe(2);
      expect(r.stats.total).toMatchObject({ bulkInsert: 0, pageAlloc: 0, prematureFree: 0 });
    }
    expect(w.digest).toBe(t.digest);
    expect(w.stats).toEqual(t.stats);
  });
});
