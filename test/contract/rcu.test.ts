// gp_seq encoding, polled GP API, the GP engine, call_rcu, synchronize_rcu (docs/model.md §6).
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

describe.each(machines)('RCU (%s)', (_impl, make) => {
  it('snapshots with the kernel encoding and needs a full GP after the snapshot', () => {
    const m = make({ nrCpus: 2, gpSeqStart: 0 });
    expect(m.getStateSynchronizeRcu()).toBe(4);
    const c = m.startPollSynchronizeRcu(0);
    expect(c).toBe(4);
    expect(m.pollStateSynchronizeRcu(c)).toBe(false);
    m.advance(1); // the engine starts GP 1; both CPUs' ticks report their QS
    expect(m.gpSeq()).toBe(1);
    expect(m.getStateSynchronizeRcu()).toBe(8); // a GP in flight does not count
    expect(m.pollStateSynchronizeRcu(c)).toBe(false);
    m.advance(1);
    expect(m.gpSeq()).toBe(4);
    expect(m.pollStateSynchronizeRcu(c)).toBe(true);
    expect(m.pollStateSynchronizeRcu(1)).toBe(true); // RCU_GET_STATE_COMPLETED
    expect(events(m, 'Qs').map((e) => [e.cpu, e.a])).toEqual([[0, 1], [1, 1]]);
    expect(events(m, 'GpStart').map((e) => e.a)).toEqual([1]);
    expect(events(m, 'GpEnd').map((e) => e.a)).toEqual([4]);
    m.advance(5);
    expect(m.gpSeq()).toBe(4); // no GP without a request
  });

  it('is wrap-safe around 2^32', () => {
    const m = make({ nrCpus: 1, gpSeqStart: 0xfffffff8 });
    const c1 = m.startPollSynchronizeRcu(0);
    expect(c1).toBe(0xfffffffc);
    m.advance(2);
    expect(m.gpSeq()).toBe(0xfffffffc);
    const c2 = m.startPollSynchronizeRcu(0);
    expect(c2).toBe(0);
    expect(m.pollStateSynchronizeRcu(c2)).toBe(false);
    expect(m.pollStateSynchronizeRcu(c1)).toBe(true);
    m.advance(1);
    expect(m.gpSeq()).toBe(0xfffffffd);
    expect(m.pollStateSynchronizeRcu(c2)).toBe(false);
    m.advance(1);
    expect(m.gpSeq()).toBe(0);
    expect(m.pollStateSynchronizeRcu(c2)).toBe(true);
    expect(m.pollStateSynchronizeRcu(c1)).toBe(true);
    // A cookie far in the past (more than 7 behind, wrapped) still reads done (rcu_seq_done_exact).
    expect(m.pollStateSynchronizeRcu(0x80000000)).toBe(true);
  });

  it('a reader, a held NMI or an irqs-off region on one CPU holds the GP open', () => {
    for (const hold of ['reader', 'nmi', 'irqoff'] as const) {
      const m = make({ nrCpus: 2, gpSeqStart: 0 });
      if (hold === 'reader') m.rcuReadLock(1);
      if (hold === 'nmi') m.enter(1, 'nmi');
      if (hold === 'irqoff') m.localIrqSave(1);
      const c = m.startPollSynchronizeRcu(0);
      m.advance(10);
      expect(m.gpSeq(), hold).toBe(1);
      expect(m.pollStateSynchronizeRcu(c)).toBe(false);
      if (hold === 'reader') m.rcuReadUnlock(1);
      if (hold === 'nmi') m.exit(1);
      if (hold === 'irqoff') m.localIrqRestore(1);
      m.advance(2);
      expect(m.pollStateSynchronizeRcu(c), hold).toBe(true);
    }
  });

  it('idle CPUs never hold a GP', () => {
    const m = make({ nrCpus: 3, gpSeqStart: 0 });
    m.setIdle(1, true);
    m.setIdle(2, true);
    const c = m.startPollSynchronizeRcu(0);
    m.advance(2);
    expect(m.pollStateSynchronizeRcu(c)).toBe(true);
    expect(events(m, 'Qs').map((e) => e.cpu)).toEqual([0]);
  });

  it('call_rcu frees the object after a full GP, in softirq on the queuing CPU', () => {
    const m = make({ nrCpus: 2, gpSeqStart: 0 });
    const o = m.kmalloc(1);
    m.callRcu(1, o);
    expect(m.objInfo(o)).toEqual({ state: 'queued', snap: 4 });
    expect(code(() => m.callRcu(1, o))).toBe('AlreadyQueued');
    expect(code(() => m.kfree(1, o))).toBe('AlreadyQueued');
    m.advance(1);
    expect(m.objInfo(o).state).toBe('queued');
    m.advance(1);
    expect(m.objInfo(o).state).toBe('free');
    const inv = events(m, 'RcuCbInvoke');
    expect(inv.map((e) => [e.a, e.cpu, e.ctx, e.t])).toEqual([[o, 1, 'softirq', 2e6]]);
    expect(events(m, 'Kfree').map((e) => e.a)).toEqual([o]);
    expect(m.stats().total).toMatchObject({ callRcu: 1, rcuCbInvoked: 1, kfree: 1, prematureFree: 0 });
  });

  it('call_rcu is refused in NMI and probe context', () => {
    const m = make();
    const o = m.kmalloc(0);
    m.enter(0, 'nmi');
    expect(code(() => m.callRcu(0, o))).toBe('BadContext');
    m.exit(0);
    m.enter(0, 'probe');
    expect(code(() => m.callRcu(0, o))).toBe('BadContext');
    m.exit(0);
    m.enter(0, 'hardirq');
    m.callRcu(0, o);
    m.exit(0);
  });

  it('synchronize_rcu blocks the task until a full GP, and only from a sleepable task', () => {
    const m = make({ nrCpus: 2, gpSeqStart: 0 });
    const before = m.getStateSynchronizeRcu();
    m.synchronizeRcu(0);
    expect(m.pollStateSynchronizeRcu(before)).toBe(true);
    expect(m.jiffies()).toBe(2);
    expect(events(m, 'SyncBegin').map((e) => e.a)).toEqual([4]);
    expect(events(m, 'SyncEnd').map((e) => e.a)).toEqual([4]);
    expect(m.stats().total.synchronizeRcu).toBe(1);
    m.preemptDisable(0);
    expect(code(() => m.synchronizeRcu(0))).toBe('BadContext');
    m.preemptEnable(0);
    m.enter(0, 'softirq');
    expect(code(() => m.synchronizeRcu(0))).toBe('BadContext');
  });

  it('synchronize_rcu reports a stall when another CPU never passes a QS', () => {
    const m = make({ nrCpus: 2, rcuStallJiffies: 50 });
    m.rcuReadLock(1);
    expect(code(() => m.synchronizeRcu(0))).toBe('RcuStall');
    expect(m.jiffies()).toBe(50);
    m.rcuReadUnlock(1);
    m.synchronizeRcu(0); // usable afterwards
  });
});
