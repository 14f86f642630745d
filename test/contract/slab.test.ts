// Simulated memory: slab objects with the shadow state, pages with injectable failure (docs/model.md §8).
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

describe.each(machines)('simulated memory (%s)', (_impl, make) => {
  it('hands out objects by bump, then LIFO from the free list', () => {
    const m = make({ maxObjects: 3 });
    expect([m.kmalloc(0), m.kmalloc(0), m.kmalloc(1)]).toEqual([0, 1, 2]);
    expect(code(() => m.kmalloc(0))).toBe('OutOfObjects');
    m.kfree(0, 1);
    m.kfree(0, 0);
    expect(m.kmalloc(0)).toBe(0);
    expect(m.kmalloc(0)).toBe(1);
    expect(m.stats().total).toMatchObject({ kmalloc: 5, kfree: 2 });
  });

  it('liveObjects: every object not free, in handle order, with its snapshot (0 unless queued), past one IO chunk', () => {
    const m = make({ nrCpus: 2, maxObjects: 5000, gpSeqStart: 0 });
    expect(m.liveObjects()).toEqual(new Map());
    const objs = Array.from({ length: 4500 }, () => m.kmalloc(0)); // more than one IO chunk of the core
    for (const o of objs.filter((o) => o % 3 === 0)) m.kfree(0, o);
    m.rcuReadLock(1); // keeps the queued ones queued
    for (const o of objs.filter((o) => o % 3 === 1)) m.kfreeRcu(0, o);
    const live = m.liveObjects();
    expect([...live.keys()]).toEqual(objs.filter((o) => o % 3 !== 0));
    for (const [o, snap] of live) expect(snap).toBe(m.objInfo(o).snap);
    expect(live.get(1)).toBeGreaterThan(0);
    expect(live.get(2)).toBe(0);
    m.rcuReadUnlock(1);
    m.kvfreeRcuBarrier(0);
    expect([...m.liveObjects().keys()]).toEqual(objs.filter((o) => o % 3 === 2));
  });

  it('tracks the shadow state and refuses double and unknown frees', () => {
    const m = make();
    const o = m.kmalloc(0);
    expect(m.objInfo(o)).toEqual({ state: 'allocated', snap: 0 });
    m.kfree(0, o);
    expect(m.objInfo(o)).toEqual({ state: 'free', snap: 0 });
    expect(code(() => m.kfree(0, o))).toBe('DoubleFree');
    expect(code(() => m.kfree(0, 500))).toBe('BadHandle');
    expect(code(() => m.objInfo(1 << 30))).toBe('BadHandle');
    expect(events(m, 'Kfree')).toHaveLength(1);
  });

  it('fails page allocations on request, by rate (seeded), and when exhausted', () => {
    const m = make({ maxPages: 2 });
    m.failNextPageAllocs(2);
    expect([m.allocPage(0), m.allocPage(0), m.allocPage(0), m.allocPage(0), m.allocPage(0)]).toEqual([-1, -1, 0, 1, -1]);
    m.freePage(0, 0);
    expect(m.allocPage(0)).toBe(0);
    expect(m.stats().total).toMatchObject({ pageAlloc: 3, pageAllocFail: 3, pageFree: 1 });
    expect(events(m, 'PageAlloc').map((e) => e.a)).toEqual([0xffffffff, 0xffffffff, 0, 1, 0xffffffff, 0]);
    const always = make({ pageFailRate: 1 });
    expect(always.allocPage(0)).toBe(-1);
    const half = make({ pageFailRate: 0.5, seed: 7 });
    const got = Array.from({ length: 200 }, () => half.allocPage(0) >= 0);
    const ok = got.filter(Boolean).length;
    expect(ok).toBeGreaterThan(60);
    expect(ok).toBeLessThan(140);
    expect(code(() => m.freePage(0, 1234))).toBe('BadHandle');
  });
});
