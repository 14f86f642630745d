// Clock, ticks, options echo, PRNG: the same assertions on both machines.
import { describe, expect, it } from 'vitest';
import { events, kinds, machines } from '../helpers/machines.js';

describe.each(machines)('machine basics (%s)', (impl, make) => {
  it('reports its implementation and resolved kernel defaults', () => {
    const m = make();
    expect(m.impl).toBe(impl);
    expect(m.options).toMatchObject({ nrCpus: 4, hz: 1000, objSize: 24, rcuHeadOffset: 8 });
    expect(m.gpSeq()).toBe(0xfffffb50); // (0 - 300) << 2, the kernel's initial gp_seq
    expect(m.now()).toBe(0);
    expect(m.jiffies()).toBe(0);
  });

  it('advances one jiffy per tick at every hz', () => {
    for (const hz of [100, 250, 1000] as const) {
      const m = make({ hz, nrCpus: 2 });
      m.advance(3);
      expect(m.jiffies()).toBe(3);
      expect(m.now()).toBe(3 * (1e9 / hz));
      expect(m.stats().total.ticks).toBe(6);
      expect(m.stats().perCpu[1].ticks).toBe(3);
    }
  });

  it('runs each tick as a hardirq then a softirq, CPUs in order', () => {
    const m = make({ nrCpus: 2 });
    m.advance(1);
    const t = m.trace().map((e) => `${e.cpu}:${e.ctx}:${e.kind}`);
    expect(t).toEqual([
      '0:hardirq:CtxEnter', '0:hardirq:Tick', '0:hardirq:CtxExit', '0:softirq:CtxEnter', '0:softirq:CtxExit',
      '1:hardirq:CtxEnter', '1:hardirq:Tick', '1:hardirq:CtxExit', '1:softirq:CtxEnter', '1:softirq:CtxExit',
    ]);
    expect(events(m, 'Tick').map((e) => [e.a, e.t])).toEqual([[1, 1e6], [1, 1e6]]);
  });

  it('defers a tick while irqs are off and delivers it once at the irq-enabled point', () => {
    const m = make({ nrCpus: 1 });
    m.localIrqSave(0);
    m.advance(2);
    expect(kinds(m, ['Tick', 'TickDeferred'])).toEqual(['TickDeferred', 'TickDeferred']);
    expect(m.cpuInfo(0).tickPending).toBe(true);
    m.localIrqRestore(0);
    expect(kinds(m, ['IrqEnable', 'Tick'])).toEqual(['IrqEnable', 'Tick']);
    expect(events(m, 'Tick')[0].a).toBe(2);
    expect(m.cpuInfo(0).tickPending).toBe(false);
    expect(m.stats().total).toMatchObject({ ticks: 1, tickDeferred: 2 });
  });

  it('draws the specified xoshiro128** sequence from the seed', () => {
    const a = make({ seed: 1 });
    expect([a.random(), a.random(), a.random(), a.random()]).toEqual([2442144158, 3238099751, 3819917871, 2104621829]);
    const b = make({ seed: 42 });
    expect([b.random(), b.random()]).toEqual([2837322924, 544945897]);
  });

  it('keeps an exact trace count, a bounded ring and a digest over everything', () => {
    const small = make({ nrCpus: 1, traceCapacity: 4 });
    const big = make({ nrCpus: 1 });
    small.advance(3);
    big.advance(3);
    expect(small.traceCount()).toBe(15);
    expect(big.traceCount()).toBe(15);
    expect(small.trace()).toHaveLength(4);
    expect(small.trace().map((e) => e.seq)).toEqual([11, 12, 13, 14]);
    expect(small.trace()).toEqual(big.trace().slice(-4));
    expect(small.traceDigest()).toBe(big.traceDigest());
    const off = make({ nrCpus: 1, trace: false });
    off.advance(3);
    expect(off.trace()).toEqual([]);
    expect(off.traceDigest()).not.toBe(big.traceDigest());
    expect(off.stats().total.ticks).toBe(3);
  });
});
