// The hook API (src/hooks.ts + at()): a user's NMI or probe landing exactly at a preemption point,
// on both machines, with the same trace.
import { describe, expect, it } from 'vitest';
import { inHardirq, inNmi, inProbe } from '../../src/hooks.js';
import type { RcuMachine } from '../../src/types.js';
import { events, machines } from '../helpers/machines.js';

describe.each(machines)('hooks: inNmi / inProbe at a point (%s)', (_impl, make) => {
  it('an NMI inside the krc-locked region: kfree_rcu_nolock() trylocks, defers, and the object is freed after a GP', () => {
    const m = make({ nrCpus: 1, gpSeqStart: 0 });
    let obj = -1;
    const off = m.at('krc-locked', (mm, h) => {
      off(); // once
      obj = inNmi(mm, h.cpu, () => {
        const o = mm.kmalloc(h.cpu);
        mm.kfreeRcuNolock(h.cpu, o);
        return o;
      });
    });
    m.kfreeRcu(0, m.kmalloc(0));
    expect(obj).toBeGreaterThanOrEqual(0);
    expect(m.stats().total).toMatchObject({ trylockFail: 1, nolockDeferred: 1, nolockDrained: 1 });
    expect(m.objInfo(obj).state).toBe('queued');
    expect(m.cpuInfo(0).ctx).toEqual(['task']);
    m.kvfreeRcuBarrier(0);
    expect(m.objInfo(obj).state).toBe('free');
    expect(m.failure()).toBeNull();
  });

  it('plain kfree_rcu() from that NMI is the deadlock, named at the point', () => {
    const m = make({ nrCpus: 1 });
    m.at('krc-before-unlock', (mm, h) => inNmi(mm, h.cpu, () => mm.kfreeRcu(h.cpu, mm.kmalloc(h.cpu))));
    expect(() => m.kfreeRcu(0, m.kmalloc(0))).toThrow(/Deadlock — lock 65536 is already held by cpu 0 in task context; acquiring it again from nmi would spin forever \(injected at krc-before-unlock\)/);
    expect(m.failure()).toMatchObject({ status: 'Deadlock', point: 'krc-before-unlock', holderCtx: 'task', acquirerCtx: 'nmi' });
  });

  it('a probe is not an NMI: under the in_nmi() gate it takes the spin path (the checker flags it)', () => {
    const m = make({ nrCpus: 1, nolockGate: 'in-nmi' });
    const o = m.kmalloc(0);
    expect(() => inProbe(m, 0, () => m.kfreeRcuNolock(0, o))).toThrow(/spin-in-nmi: spinning on lock 65536 inside kfree_rcu_nolock\(\)/);
    expect(m.stats().total.nolockSpinPath).toBe(1);
  });

  it('a hardirq runs its function and leaves the CPU as it found it; errors inside leave a usable machine', () => {
    const m = make({ nrCpus: 1 });
    const seen: string[] = [];
    inHardirq(m, 0, (mm) => seen.push(mm.cpuInfo(0).ctx.join('>')));
    expect(seen).toEqual(['task>hardirq']);
    expect(() => inNmi(m, 0, (mm: RcuMachine) => mm.kfree(0, 12345))).toThrow(/BadHandle/);
    expect(m.cpuInfo(0).ctx).toEqual(['task']); // the NMI frame was exited
    expect(events(m, 'CtxEnter').map((e) => e.a)).toEqual([2, 3]);
  });
});
