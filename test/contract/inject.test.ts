// Injection at preemption points (docs/model.md §16), on both machines.
import { describe, expect, it } from 'vitest';
import { events, machines } from '../helpers/machines.js';
import type { MachineOptions, ProgramOp } from '../../src/types.js';

const FLOOD: ProgramOp[] = [{ op: 'loop', n: 2000, body: [{ op: 'kmalloc' }, { op: 'kfree_rcu' }] }];
const NOLOCK_HANDLER: ProgramOp[] = [{ op: 'kmalloc' }, { op: 'kfree_rcu_nolock' }];

describe.each(machines)('injection (%s)', (_impl, make) => {
  const flood = (options: MachineOptions) => {
    const m = make({ nrCpus: 2, trace: true, traceCapacity: 1 << 16, maxObjects: 1 << 16, ...options });
    m.loadProgram(0, FLOOD);
    m.loadProgram(1, FLOOD);
    expect(m.run(100)).toBe(true);
    return m;
  };

  it('delivers NMIs at a rate; those landing in the locked region take the deferred path; nothing is lost', () => {
    const m = flood({ inject: { nmi: { ratePerSec: 1_000_000, handler: NOLOCK_HANDLER } } });
    const t = m.stats().total;
    expect(t.injectNmi).toBeGreaterThan(100);
    expect(t.nolockCall).toBe(t.injectNmi);
    expect(t.trylockFail).toBeGreaterThan(0);
    expect(t.nolockDeferred).toBe(t.trylockFail);
    expect(t.nolockDrained).toBe(t.nolockDeferred);
    const points = new Set(events(m, 'Inject').map((e) => e.a));
    expect(points.size).toBeGreaterThan(1); // rate NMIs fall into several points' windows
    m.setIdle(0, false);
    m.kvfreeRcuBarrier(0);
    expect(m.memoryInfo().objects).toBe(0);
    expect(t.prematureFree).toBe(0);
  });

  it('follows an explicit schedule by point-hit number', () => {
    const m = flood({ inject: { nmi: { handler: NOLOCK_HANDLER }, schedule: [{ hit: 10, kind: 'nmi' }, { hit: 500, kind: 'probe' }] } });
    expect(m.stats().total).toMatchObject({ injectNmi: 1, injectProbe: 1 });
    expect(events(m, 'Inject').map((e) => e.b)).toEqual([1, 2]);
  });

  it('injects by seeded probability only at the chosen points; the same seed gives the same run', () => {
    const opts: MachineOptions = { seed: 7, inject: { probe: { probability: 0.2, points: ['krc-locked'], handler: NOLOCK_HANDLER } } };
    const a = flood(opts);
    const b = flood(opts);
    expect(a.traceDigest()).toBe(b.traceDigest());
    expect(a.stats().total.injectProbe).toBeGreaterThan(0);
    expect(new Set(events(a, 'Inject').map((e) => e.a))).toEqual(new Set([3]));
    expect(a.stats().total.trylockFail).toBe(a.stats().total.injectProbe);
    const c = flood({ ...opts, seed: 8 });
    expect(c.traceDigest()).not.toBe(a.traceDigest());
  });

  it('refuses a hardirq where irqs are off and delivers it where they are on', () => {
    const m = flood({ inject: { hardirq: { probability: 1, points: ['krc-locked', 'task-op'], handler: [{ op: 'kmalloc' }, { op: 'kfree' }] } } });
    const t = m.stats().total;
    expect(t.injectRefused).toBeGreaterThan(0);
    expect(t.injectHardirq).toBeGreaterThan(0);
    expect(new Set(events(m, 'Inject').map((e) => e.a))).toEqual(new Set([1]));
  });

  it('lets another CPU run one step in between', () => {
    const m = flood({ inject: { remote: { probability: 0.1, points: ['krc-locked'] } } });
    expect(m.stats().total.remoteSteps).toBeGreaterThan(0);
    expect(m.stats().total.kvfreeCall).toBe(4000);
  });

  it('calls a hook at its point, and stops after it is removed', () => {
    const m = make({ nrCpus: 1 });
    const seen: string[] = [];
    const off = m.at('krc-locked', (_mm, hit) => seen.push(`${hit.cpu}:${hit.point}`));
    m.kfreeRcu(0, m.kmalloc(0));
    off();
    m.kfreeRcu(0, m.kmalloc(0));
    expect(seen).toEqual(['0:krc-locked']);
    expect(m.stats().total.pointHits).toBeGreaterThan(1);
  });
});
