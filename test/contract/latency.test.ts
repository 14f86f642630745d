// Free latency and waiting memory (docs/model.md §10.1): the same assertions on both machines.
import { describe, expect, it } from 'vitest';
import type { RcuMachine } from '../../src/types.js';
import { inNmi } from '../../src/hooks.js';
import { machines } from '../helpers/machines.js';

const sum = (m: RcuMachine, prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => m.stats().total[`${prefix}${i}`]).reduce((a, b) => a + b, 0);
/** The latJ bucket of a free d jiffies after its call. */
const bucket = (d: number) => (d === 0 ? 0 : Math.min(15, 1 + Math.ceil(Math.log2(d))));

/** Advances one jiffy at a time until `obj` is free; the number of jiffies that took. */
function untilFree(m: RcuMachine, obj: number, limit = 20_000): number {
  const j0 = m.jiffies();
  while (m.objInfo(obj).state !== 'free') {
    if (m.jiffies() - j0 > limit) throw new Error(`object ${obj} not freed within ${limit} jiffies`);
    m.advance(1);
  }
  return m.jiffies() - j0;
}

describe.each(machines)('free latency and waiting memory (%s)', (_impl, make) => {
  it('call_rcu: the free lands in the latJ bucket of the jiffies it waited, 0 extra GPs', () => {
    const m = make({ nrCpus: 2, gpSeqStart: 0 });
    const o = m.kmalloc(0);
    m.callRcu(0, o);
    const d = untilFree(m, o);
    expect(d).toBeGreaterThan(0);
    expect(m.stats().total[`latJ${bucket(d)}`]).toBe(1);
    expect(sum(m, 'latJ', 16)).toBe(1);
    expect(m.stats().total.latJSum).toBe(d);
    expect(m.stats().total.latGp0).toBe(1);
    expect(sum(m, 'latNolockJ', 16)).toBe(0);
  });

  it('kfree_rcu_nolock objects are counted apart too, whichever path they took (direct or deferred by an NMI)', () => {
    const m = make({ nrCpus: 2, gpSeqStart: 0, monitorArm: 'irq-work' });
    const direct = m.kmalloc(0);
    m.kfreeRcuNolock(0, direct);
    const deferred = m.kmalloc(0);
    const off = m.at('krc-locked', (mm, hit) => {
      off();
      inNmi(mm, hit.cpu, () => mm.kfreeRcuNolock(hit.cpu, deferred));
    });
    m.kfreeRcu(0, m.kmalloc(0));
    expect(m.stats().total.nolockDeferred).toBe(1);
    const d = untilFree(m, deferred);
    untilFree(m, direct);
    const t = m.stats().total;
    expect(sum(m, 'latNolockJ', 16)).toBe(2);
    expect(sum(m, 'latJ', 16)).toBe(3);
    expect(t[`latNolockJ${bucket(d)}`]).toBeGreaterThanOrEqual(1);
    expect(t.latNolockJSum).toBe(2 * d); // all three were queued in the same jiffy and freed by one batch
    expect(t.latJSum).toBe(3 * d);
  });

  it('kfree_rcu: waits for the monitor (KFREE_DRAIN_JIFFIES = 5 * HZ), so the latency is seconds, not a GP', () => {
    const m = make({ nrCpus: 1, gpSeqStart: 0 });
    const o = m.kmalloc(0);
    m.kfreeRcu(0, o);
    const d = untilFree(m, o);
    expect(d).toBeGreaterThanOrEqual(5000);
    expect(bucket(d)).toBe(14); // 4097-8192 jiffies
    expect(m.stats().total.latJ14).toBe(1);
  });

  it('counts the GPs that ended after the one that covered the object (drain_ready frees it late, not early)', () => {
    const m = make({ nrCpus: 1, gpSeqStart: 0 });
    const late = m.kmalloc(0);
    m.kfreeRcu(0, late); // waits for the monitor, seconds away
    for (let i = 0; i < 20; i++) { // meanwhile call_rcu drives a GP every few jiffies
      const x = m.kmalloc(0);
      m.callRcu(0, x);
      untilFree(m, x);
    }
    expect(m.gpSeq()).toBeGreaterThan(m.objInfo(late).snap + 7 * 4);
    untilFree(m, late);
    const t = m.stats().total;
    expect(t.latGp7).toBe(1); // the late object: 7 or more GPs after its own
    expect(t.latGp0).toBe(20); // each call_rcu object: freed at the end of its own GP
    expect(sum(m, 'latGp', 8)).toBe(21);
    expect(t.prematureFree).toBe(0);
  });

  it('waitingBytes counts queued objects and the pages kvfree_rcu holds; the peak stays after the frees', () => {
    const m = make({ nrCpus: 2, gpSeqStart: 0 });
    m.rcuReadLock(1); // a reader on cpu 1: no GP can end, everything waits
    for (let i = 0; i < 1000; i++) m.kfreeRcu(0, m.kmalloc(0));
    m.advance(3); // the page-cache worker fills the cache; inserts after it go to bulk pages
    for (let i = 0; i < 1000; i++) m.kfreeRcu(0, m.kmalloc(0));
    const mi = m.memoryInfo();
    expect(mi.queued).toBe(2000);
    expect(mi.kernelPages).toBeGreaterThan(0);
    expect(mi.kernelPages).toBe(mi.pages); // no API pages were allocated
    expect(mi.waitingBytes).toBe(2000 * 24 + mi.kernelPages * 4096);
    expect(mi.peakWaitingBytes).toBe(mi.waitingBytes);
    m.rcuReadUnlock(1);
    m.kvfreeRcuBarrier(0);
    const after = m.memoryInfo();
    expect(after.queued).toBe(0);
    expect(after.waitingBytes).toBe(after.kernelPages * 4096); // only the page cache is left
    expect(after.peakWaitingBytes).toBe(mi.peakWaitingBytes);
    expect(sum(m, 'latJ', 16)).toBe(2000);
    expect(sum(m, 'latGp', 8)).toBe(2000);
  });

  it('a page the API allocated is not kvfree_rcu memory', () => {
    const m = make({ nrCpus: 1 });
    const p = m.allocPage(0);
    expect(m.memoryInfo()).toMatchObject({ pages: 1, kernelPages: 0, waitingBytes: 0, peakWaitingBytes: 0 });
    m.freePage(0, p);
    expect(m.memoryInfo().pages).toBe(0);
  });
});
