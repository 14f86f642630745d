// kvfree_rcu batching (docs/model.md §12-§13): the same assertions on both machines.
import { describe, expect, it } from 'vitest';
import { RcuError } from '../../src/errors.js';
import { events, machines } from '../helpers/machines.js';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof RcuError) return e.code;
    throw e;
  }
  return 'Ok';
}

describe.each(machines)('kvfree_rcu batched (%s)', (_impl, make) => {
  it('2-arg kfree_rcu never allocates: first call falls back to krc.head and kicks the page-cache worker', () => {
    const m = make({ nrCpus: 2 });
    const o = m.kmalloc(0);
    m.kfreeRcu(0, o);
    expect(m.objInfo(o).state).toBe('queued');
    expect(m.krcInfo(0)).toMatchObject({ headCount: 1, bulkCount: [0, 0], cachedPages: 0, monitorPending: true, workInProgress: true });
    expect(m.stats().total).toMatchObject({ kvfreeCall: 1, headInsert: 1, bulkInsert: 0, pageAlloc: 0, monitorArm: 1 });
    m.advance(1); // page_cache_timer -> page_cache_work -> rcu_min_cached_objs pages
    expect(m.krcInfo(0)).toMatchObject({ cachedPages: 5, workInProgress: false });
    expect(m.stats().total).toMatchObject({ pageAlloc: 5, pageCacheFill: 1 });
    const p = m.kmalloc(0);
    m.kfreeRcu(0, p);
    expect(m.krcInfo(0)).toMatchObject({ headCount: 1, bulkCount: [1, 0], bulkPages: [1, 0], cachedPages: 4 });
    expect(m.stats().total).toMatchObject({ bulkInsert: 1, bnodeFromCache: 1 });
    expect(events(m, 'KvfreeCall').map((e) => [e.a, e.b, e.c])).toEqual([[o, 0, 0], [p, 0, 0]]);
  });

  it('takes and releases krc.lock with irqs saved around every call', () => {
    const m = make({ nrCpus: 1 });
    m.kfreeRcu(0, m.kmalloc(0));
    const t = m.trace().map((e) => e.kind);
    const i = t.indexOf('KvfreeCall');
    expect(t.slice(i, i + 3)).toEqual(['KvfreeCall', 'IrqDisable', 'LockAcquire']);
    expect(t.lastIndexOf('LockRelease')).toBeLessThan(t.lastIndexOf('IrqEnable'));
    expect(events(m, 'LockAcquire')[0].a).toBe(0x10000 + 0 * 16 + 0); // KHANDLE(cpu 0, krc.lock)
  });

  it('arms the monitor for KFREE_DRAIN_JIFFIES, then batches, waits a GP and frees', () => {
    const m = make({ nrCpus: 2, hz: 100 });
    const objs = [m.kmalloc(1), m.kmalloc(1), m.kmalloc(1)];
    for (const o of objs) m.kfreeRcu(1, o);
    expect(m.stats().total.monitorArm).toBe(1);
    m.advance(499);
    expect(objs.map((o) => m.objInfo(o).state)).toEqual(['queued', 'queued', 'queued']);
    expect(m.stats().total.monitorRun).toBe(0);
    m.advance(1); // 5 * HZ = 500 jiffies at HZ=100
    expect(m.stats().total.monitorRun).toBe(1);
    expect(events(m, 'MonitorRun')[0].t).toBe(500 * 1e7);
    expect(m.stats().total.batchQueued).toBe(1);
    m.advance(5);
    expect(objs.map((o) => m.objInfo(o).state)).toEqual(['free', 'free', 'free']);
    expect(m.stats().total).toMatchObject({ kfreeRcuWorkRun: 1, prematureFree: 0, bulkSnapNotReady: 0, listSnapNotReady: 0 });
    expect(m.memoryInfo().objects).toBe(0);
  });

  it('under a flood (krc_count >= KVFREE_BULK_MAX_ENTR) shortens the monitor to 1 jiffy', () => {
    const m = make({ nrCpus: 1, bulkMaxEntr: 4 });
    for (let i = 0; i < 3; i++) m.kfreeRcu(0, m.kmalloc(0));
    expect(m.stats().total).toMatchObject({ monitorArm: 1, monitorShorten: 0 });
    m.kfreeRcu(0, m.kmalloc(0));
    expect(m.stats().total.monitorShorten).toBe(1);
    m.advance(1);
    expect(events(m, 'MonitorRun').map((e) => e.t)).toEqual([1e6]);
  });

  it('drain_ready frees objects a finished GP already covers, without a new GP', () => {
    for (const drainReady of [true, false]) {
      const m = make({ nrCpus: 1, hz: 100, drainReady, gpSeqStart: 0 });
      const objs = Array.from({ length: 3 }, () => m.kmalloc(0));
      for (const o of objs) m.kfreeRcu(0, o);
      m.synchronizeRcu(0); // another user's GP covers them
      const gps = m.stats().total.gpEnd;
      m.advance(500); // the monitor runs
      if (drainReady) {
        expect(m.stats().total.drainReadyFreed).toBe(3);
        expect(m.stats().total.batchQueued).toBe(0);
        expect(m.stats().total.gpEnd).toBe(gps);
        expect(objs.every((o) => m.objInfo(o).state === 'free')).toBe(true);
      } else {
        expect(m.stats().total.drainReadyFreed).toBe(0);
        expect(m.stats().total.batchQueued).toBe(1);
        m.advance(5);
        expect(m.stats().total.gpEnd).toBeGreaterThan(gps);
        expect(objs.every((o) => m.objInfo(o).state === 'free')).toBe(true);
      }
    }
  });

  it('headless kvfree_rcu allocates a bulk page itself, and falls back to synchronize_rcu when it cannot', () => {
    const m = make({ nrCpus: 2, gpSeqStart: 0 });
    const a = m.kmalloc(0);
    m.kvfreeRcu(0, a);
    expect(m.stats().total).toMatchObject({ kvfreeCallHeadless: 1, pageAlloc: 1, bulkInsert: 1, inlineSync: 0 });
    const b = m.vmalloc(0);
    m.failNextPageAllocs(1);
    const before = m.jiffies();
    m.kvfreeRcu(0, b);
    expect(m.stats().total).toMatchObject({ inlineSync: 1, pageAllocFail: 1 });
    expect(m.objInfo(b).state).toBe('free'); // freed inline after a full GP
    expect(m.jiffies()).toBeGreaterThan(before);
    expect(m.stats().total.prematureFree).toBe(0);
  });

  it('headless kvfree_rcu may sleep: refused outside a sleepable task', () => {
    const m = make();
    const o = m.kmalloc(0);
    m.rcuReadLock(0);
    expect(code(() => m.kvfreeRcu(0, o))).toBe('BadContext');
    m.rcuReadUnlock(0);
    m.enter(0, 'softirq');
    expect(code(() => m.kvfreeRcu(0, o))).toBe('BadContext');
    m.exit(0);
    expect(m.objInfo(o).state).toBe('allocated');
    expect(code(() => m.kfreeRcu(0, 12345))).toBe('BadHandle');
    m.kfreeRcu(0, o);
    expect(code(() => m.kfreeRcu(0, o))).toBe('AlreadyQueued');
  });

  it('vmalloc objects go to channel 1', () => {
    const m = make({ nrCpus: 1 });
    m.kfreeRcu(0, m.kmalloc(0));
    m.advance(1); // fill the page cache
    m.kfreeRcu(0, m.vmalloc(0));
    m.kfreeRcu(0, m.vmalloc(0));
    expect(m.krcInfo(0).bulkCount).toEqual([0, 2]);
    expect(events(m, 'KvfreeCall').map((e) => e.c)).toEqual([0, 1, 1]);
  });

  it('keeps at most KFREE_N_BATCHES = 2 batches in flight per CPU', () => {
    const m = make({ nrCpus: 2, bulkMaxEntr: 2 });
    m.rcuReadLock(1); // CPU 1 holds every GP open
    for (let j = 0; j < 6; j++) {
      for (let i = 0; i < 3; i++) m.kfreeRcu(0, m.kmalloc(0));
      m.advance(1);
    }
    expect(m.krcInfo(0).krwBusy).toEqual([true, true]);
    expect(m.stats().total.batchQueued).toBe(2);
    expect(m.stats().total.batchSlotBusy).toBeGreaterThan(0);
    m.rcuReadUnlock(1);
    m.kvfreeRcuBarrier(0);
    expect(m.memoryInfo().objects).toBe(0);
    expect(m.krcInfo(0).krwBusy).toEqual([false, false]);
  });

  it('kvfree_rcu_barrier leaves nothing queued before it', () => {
    const m = make({ nrCpus: 3 });
    for (let c = 0; c < 3; c++) for (let i = 0; i < 10; i++) m.kfreeRcu(c, m.kmalloc(c));
    m.kvfreeRcuBarrier(1);
    expect(m.memoryInfo().objects).toBe(0);
    expect(m.stats().total).toMatchObject({ barrier: 1, kfree: 30, prematureFree: 0 });
    expect(events(m, 'BarrierEnd')).toHaveLength(1);
  });

  it('the shrinker drains the page cache, runs the monitor and backs off the refill', () => {
    const m = make({ nrCpus: 1, gpSeqStart: 0 });
    m.kfreeRcu(0, m.kmalloc(0));
    m.advance(1);
    expect(m.krcInfo(0).cachedPages).toBe(5);
    const freed = m.shrink(0, 1000);
    expect(freed).toBeGreaterThanOrEqual(6); // 1 object + 5 cached pages
    expect(m.krcInfo(0)).toMatchObject({ cachedPages: 0, backoff: true });
    expect(m.stats().total).toMatchObject({ shrinkScan: 1, monitorRun: 1, batchQueued: 1 });
  });

  it('batched: false is one call_rcu per object (CONFIG_KVFREE_RCU_BATCHED=n)', () => {
    const m = make({ nrCpus: 1, batched: false });
    const objs = Array.from({ length: 4 }, () => m.kmalloc(0));
    for (const o of objs) m.kfreeRcu(0, o);
    expect(m.stats().total).toMatchObject({ kvfreeCall: 4, callRcu: 4, headInsert: 0, bulkInsert: 0, lockAcquire: 0 });
    m.advance(3);
    expect(objs.every((o) => m.objInfo(o).state === 'free')).toBe(true);
  });
});
