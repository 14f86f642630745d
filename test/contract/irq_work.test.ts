// irq_work claim/PENDING/BUSY, raised vs lazy, self-IPIs, re-queue, llist (docs/model.md §4).
import { describe, expect, it } from 'vitest';
import { events, kinds, machines } from '../helpers/machines.js';

describe.each(machines)('irq_work and llist (%s)', (_impl, make) => {
  it('runs a raised work at the next irq-enabled point with one self-IPI', () => {
    const m = make();
    const w = m.createIrqWork({ fn: 'nop' });
    expect(m.irqWorkQueue(0, w)).toBe(true);
    const t = m.trace().map((e) => `${e.ctx}:${e.kind}:${e.a},${e.b},${e.c}`);
    expect(t).toEqual([
      `task:IrqWorkQueue:${w},1,1`,
      'hardirq:CtxEnter:2,0,0',
      `hardirq:IrqWorkRun:${w},0,0`,
      'hardirq:CtxExit:2,0,0',
    ]);
    expect(m.irqWorkInfo(w)).toEqual({ pending: false, busy: false, lazy: false, cpu: -1 });
    expect(m.stats().total).toMatchObject({ irqWorkQueued: 1, irqWorkRun: 1, selfIpi: 1, irqWorkRejected: 0 });
  });

  it('rejects a second queue while pending (no double queueing), from NMI', () => {
    const m = make();
    const w = m.createIrqWork({ fn: 'nop' });
    m.enter(1, 'nmi');
    expect(m.irqWorkQueue(1, w)).toBe(true);
    expect(m.irqWorkInfo(w)).toEqual({ pending: true, busy: true, lazy: false, cpu: 1 });
    expect(m.irqWorkQueue(1, w)).toBe(false);
    expect(m.cpuInfo(1).ipiPending).toBe(true);
    expect(kinds(m, ['IrqWorkRun'])).toEqual([]); // irqs are off in NMI
    m.exit(1);
    expect(events(m, 'IrqWorkRun')).toHaveLength(1);
    expect(m.stats().perCpu[1]).toMatchObject({ irqWorkQueued: 1, irqWorkRejected: 1, irqWorkRun: 1, selfIpi: 1 });
  });

  it('raises one IPI per burst and runs the list newest first', () => {
    const m = make();
    const a = m.createIrqWork({ fn: 'nop' });
    const b = m.createIrqWork({ fn: 'nop' });
    m.localIrqSave(0);
    m.irqWorkQueue(0, a);
    m.irqWorkQueue(0, b);
    expect(events(m, 'IrqWorkQueue').map((e) => e.c)).toEqual([1, 0]);
    m.localIrqRestore(0);
    expect(events(m, 'IrqWorkRun').map((e) => e.a)).toEqual([b, a]);
    expect(m.stats().total.selfIpi).toBe(1);
  });

  it('runs a lazy work only at the next tick, without an IPI', () => {
    const m = make({ nrCpus: 1 });
    const w = m.createIrqWork({ fn: 'nop', lazy: true });
    expect(m.irqWorkQueue(0, w)).toBe(true);
    expect(events(m, 'IrqWorkQueue')[0].c).toBe(0);
    expect(m.cpuInfo(0).ipiPending).toBe(false);
    m.condResched(0);
    expect(kinds(m, ['IrqWorkRun'])).toEqual([]);
    m.advance(1);
    const run = events(m, 'IrqWorkRun');
    expect(run).toHaveLength(1);
    expect(run[0].ctx).toBe('hardirq');
    expect(run[0].t).toBe(1e6);
    expect(kinds(m, ['Tick', 'IrqWorkRun'])).toEqual(['Tick', 'IrqWorkRun']);
    expect(m.stats().total).toMatchObject({ selfIpi: 0, lazyRun: 1, irqWorkRun: 1 });
  });

  it('lets a work re-queue itself from its own callback (BUSY, not PENDING)', () => {
    const m = make();
    const w = m.createIrqWork({ fn: 'requeue', arg: 2 });
    m.irqWorkQueue(0, w);
    expect(events(m, 'IrqWorkRun')).toHaveLength(3);
    expect(events(m, 'IrqWorkQueue').map((e) => e.b)).toEqual([1, 1, 1]);
    expect(m.irqWorkInfo(w)).toMatchObject({ pending: false, busy: false });
  });

  it('llist_add is true only on an empty list; llist_del_all returns newest first', () => {
    const m = make();
    const l = m.createLlist();
    const objs = [m.kmalloc(0), m.kmalloc(0), m.kmalloc(0)];
    expect(objs.map((o) => m.llistAdd(0, l, o))).toEqual([true, false, false]);
    expect(m.objInfo(objs[0]).state).toBe('queued');
    expect(m.llistDelAll(0, l)).toEqual([objs[2], objs[1], objs[0]]);
    expect(m.llistDelAll(0, l)).toEqual([]);
    expect(events(m, 'LlistDelAll').map((e) => e.b)).toEqual([3, 0]);
    expect(m.llistAdd(0, l, m.kmalloc(0))).toBe(true);
  });

  it('the deferred-free pattern: NMI llist_add, first adder queues, handler hands all to call_rcu', () => {
    const m = make({ nrCpus: 2 });
    const l = m.createLlist();
    const w = m.createIrqWork({ fn: 'llist-call-rcu', arg: l });
    const objs = [m.kmalloc(1), m.kmalloc(1), m.kmalloc(1)];
    m.enter(1, 'nmi');
    for (const o of objs) if (m.llistAdd(1, l, o)) m.irqWorkQueue(1, w);
    m.exit(1);
    expect(events(m, 'IrqWorkQueue')).toHaveLength(1);
    expect(events(m, 'CallRcu').map((e) => e.a)).toEqual([objs[2], objs[1], objs[0]]);
    expect(events(m, 'CallRcu').every((e) => e.ctx === 'hardirq')).toBe(true);
    m.advance(4);
    expect(objs.map((o) => m.objInfo(o).state)).toEqual(['free', 'free', 'free']);
    expect(m.stats().total).toMatchObject({ callRcu: 3, rcuCbInvoked: 3, kfree: 3, prematureFree: 0 });
  });

  it('an adder after the drain sees an empty list and queues the work again', () => {
    const m = make();
    const l = m.createLlist();
    const w = m.createIrqWork({ fn: 'llist-call-rcu', arg: l });
    const [o1, o2] = [m.kmalloc(0), m.kmalloc(0)];
    m.enter(0, 'nmi');
    expect(m.llistAdd(0, l, o1)).toBe(true);
    m.irqWorkQueue(0, w);
    m.exit(0);
    m.enter(0, 'nmi');
    expect(m.llistAdd(0, l, o2)).toBe(true);
    expect(m.irqWorkQueue(0, w)).toBe(true);
    m.exit(0);
    expect(events(m, 'IrqWorkRun')).toHaveLength(2);
  });
});
