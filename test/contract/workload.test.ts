// Workload programs and run() (docs/model.md §14): the same assertions on both machines.
import { describe, expect, it } from 'vitest';
import { RcuError } from '../../src/errors.js';
import { events, machines } from '../helpers/machines.js';
import type { ProgramOp } from '../../src/types.js';

const pair = (n: number, free: ProgramOp['op'] = 'kfree_rcu'): ProgramOp[] => [{ op: 'loop', n, body: [{ op: 'kmalloc' }, { op: free } as ProgramOp] }];

describe.each(machines)('workloads (%s)', (_impl, make) => {
  it('runs a program inside the machine, charging each op its cost', () => {
    const m = make({ nrCpus: 2, trace: false });
    m.loadProgram(1, pair(100));
    expect(m.runInfo().programsRunning).toBe(1);
    expect(m.run(10)).toBe(true);
    const info = m.runInfo();
    expect(info.programsRunning).toBe(0);
    expect(info.endNs - info.startNs).toBe(100 * (45 + 55));
    expect(m.stats().perCpu[1]).toMatchObject({ kmalloc: 100, kvfreeCall: 100 });
    expect(m.stats().perCpu[0].kvfreeCall).toBe(0);
    expect(m.cpuInfo(1).idle).toBe(true); // a finished program leaves its CPU idle
  });

  it('slices time by jiffies: a long program is still running after run(1)', () => {
    const m = make({ nrCpus: 1, trace: false, maxObjects: 1 << 16 });
    m.loadProgram(0, pair(20000)); // 2 ms of work at HZ=1000
    expect(m.run(1)).toBe(false);
    expect(m.jiffies()).toBe(1);
    const done = m.stats().total.kmalloc;
    expect(done).toBeGreaterThan(9000);
    expect(done).toBeLessThan(11000);
    expect(m.run(10)).toBe(true);
    expect(m.stats().total.kmalloc).toBe(20000);
  });

  it('ends a program whose kmalloc fails (rcuscale returns -ENOMEM)', () => {
    const m = make({ nrCpus: 1, maxObjects: 10 });
    m.loadProgram(0, [{ op: 'loop', n: 20, body: [{ op: 'kmalloc' }] }]);
    expect(m.run(5)).toBe(true);
    expect(m.stats().total).toMatchObject({ kmalloc: 10, allocFail: 1 });
    expect(events(m, 'ProgramEnd').map((e) => e.a)).toEqual([1]);
  });

  it('sleep idles the CPU until the wake jiffy; cond_resched runs the worklist', () => {
    const m = make({ nrCpus: 1 });
    m.loadProgram(0, [{ op: 'sleep', jiffies: 3 }, { op: 'kmalloc' }, { op: 'cond_resched' }]);
    expect(m.run(10)).toBe(true);
    expect(events(m, 'Kmalloc')[0].t).toBeGreaterThanOrEqual(3e6);
    expect(m.stats().total.kmalloc).toBe(1);
  });

  it('a headless free that has to fall back blocks only its own CPU until the GP', () => {
    const m = make({ nrCpus: 2, gpSeqStart: 0, maxPages: 1 });
    m.allocPage(0); // the only page is gone: the headless form cannot get one
    m.loadProgram(0, [{ op: 'kmalloc' }, { op: 'kvfree_rcu' }, { op: 'kmalloc' }]);
    m.loadProgram(1, pair(10));
    expect(m.run(20)).toBe(true);
    expect(m.stats().total).toMatchObject({ inlineSync: 1, synchronizeRcu: 1 });
    const end = events(m, 'SyncEnd')[0];
    const second = events(m, 'Kmalloc').filter((e) => e.cpu === 0)[1];
    expect(second.t).toBeGreaterThanOrEqual(end.t);
    expect(m.stats().total.prematureFree).toBe(0);
  });

  it('rejects malformed programs with the op path, and loading on a busy CPU', () => {
    const m = make({ nrCpus: 1 });
    expect(() => m.loadProgram(0, [{ op: 'kmallocc' } as never])).toThrow(/ops\[0\]\.op: "kmallocc"/);
    expect(() => m.loadProgram(0, [{ op: 'loop', n: 0, body: [] }])).toThrow(/ops\[0\]\.n: 0/);
    expect(() => m.loadProgram(0, [{ op: 'sleep', jiffies: 1, extra: 1 } as never])).toThrow(RcuError);
    m.loadProgram(0, pair(5));
    expect(() => m.loadProgram(0, pair(5))).toThrow(RcuError);
  });

  it('mem_sample follows rcuscale\'s filter over simulated memory in use', () => {
    const m = make({ nrCpus: 1, trace: false, maxObjects: 1 << 16 });
    m.loadProgram(0, [{ op: 'loop', n: 8, body: [{ op: 'mem_sample', period: 2 }, { op: 'loop', n: 1000, body: [{ op: 'kmalloc' }, { op: 'kfree_rcu' }] }] }]);
    expect(m.run(100)).toBe(true);
    const r = m.runInfo();
    expect(r.memBegin).toBeGreaterThan(0);
    expect(r.memDuring).toBeLessThan(r.memBegin); // memory in use grew while objects waited
    expect((r.memBegin - r.memDuring) % 1).toBe(0);
  });
});
