// kfree_rcu_nolock() v1 and the review's variants (docs/model.md §15), on both machines.
import { describe, expect, it } from 'vitest';
import { RcuError, RcuMachineFailure } from '../../src/errors.js';
import { events, machines } from '../helpers/machines.js';
import type { RcuMachine } from '../../src/types.js';

const KRC_LOCK = (cpu: number) => 0x10000 + cpu * 16;

/** kfree_rcu(b) on cpu 0 with an NMI (or probe) landing while krc.lock is held, running `inNmi`. */
function inLockedSection(m: RcuMachine, kind: 'nmi' | 'probe', inNmi: (m: RcuMachine) => void): void {
  const b = m.kmalloc(0);
  let fired = false;
  const off = m.at('krc-locked', (mm, hit) => {
    if (fired || hit.cpu !== 0) return;
    fired = true;
    mm.enter(0, kind);
    try {
      inNmi(mm);
    } finally {
      if (!mm.failure()) mm.exit(0);
    }
  });
  try {
    m.kfreeRcu(0, b);
  } finally {
    off();
  }
  expect(fired).toBe(true);
}

describe.each(machines)('kfree_rcu_nolock (%s)', (_impl, make) => {
  it('with the lock free: trylock, krc.head (no bulk page, no page-cache worker), monitor armed by a lazy irq_work', () => {
    const m = make({ nrCpus: 2 });
    const o = m.kmalloc(0);
    m.kfreeRcuNolock(0, o);
    expect(m.stats().total).toMatchObject({ nolockCall: 1, headInsert: 1, bulkInsert: 0, pageAlloc: 0, monitorArmLazy: 1, selfIpi: 0, trylockFail: 0 });
    expect(m.krcInfo(0)).toMatchObject({ headCount: 1, monitorPending: false, workInProgress: false });
    m.advance(1); // the lazy irq_work runs at the tick and queues the monitor
    expect(m.krcInfo(0).monitorPending).toBe(true);
    expect(m.stats().total.lazyRun).toBe(1);
    m.kvfreeRcuBarrier(1);
    expect(m.objInfo(o).state).toBe('free');
    expect(m.stats().total.prematureFree).toBe(0);
  });

  it('monitorArm irq-work raises a self-IPI and arms the monitor at once', () => {
    const m = make({ monitorArm: 'irq-work' });
    m.kfreeRcuNolock(0, m.kmalloc(0));
    expect(m.stats().total).toMatchObject({ monitorArmRaised: 1, selfIpi: 1 });
    expect(m.krcInfo(0).monitorPending).toBe(true);
  });

  it('lazy-irq-work-unless-pending skips the irq_work when the monitor is already pending', () => {
    const m = make({ monitorArm: 'lazy-irq-work-unless-pending' });
    m.kfreeRcuNolock(0, m.kmalloc(0));
    m.advance(1);
    m.kfreeRcuNolock(0, m.kmalloc(0));
    m.kfreeRcuNolock(0, m.kmalloc(0));
    expect(m.stats().total).toMatchObject({ monitorArmLazy: 1, monitorArmSkipped: 2, irqWorkQueued: 1 });
    const v1 = make({});
    v1.kfreeRcuNolock(0, v1.kmalloc(0));
    v1.advance(1);
    v1.kfreeRcuNolock(0, v1.kmalloc(0));
    v1.kfreeRcuNolock(0, v1.kmalloc(0));
    expect(v1.stats().total.irqWorkQueued).toBeGreaterThan(1); // v1 queues an irq_work per call
  });

  it('an NMI inside the locked region: trylock fails, llist_add defers, the raised irq_work drains after unlock', () => {
    const m = make({ nrCpus: 2 });
    const c = m.kmalloc(0);
    inLockedSection(m, 'nmi', (mm) => mm.kfreeRcuNolock(0, c));
    expect(m.stats().total).toMatchObject({ trylockFail: 1, nolockDeferred: 1, nolockDrained: 1, selfIpi: 1 });
    expect(m.krcInfo(0).llistCount).toBe(0);
    expect(events(m, 'LockTrylockFail').map((e) => [e.a, e.ctx])).toEqual([[KRC_LOCK(0), 'nmi']]);
    m.kvfreeRcuBarrier(1);
    expect(m.objInfo(c).state).toBe('free');
    expect(m.stats().total.prematureFree).toBe(0);
  });

  it('one-irq-work-lazy-flag: a drain behind the shared lazy work waits for the tick, with no IPI', () => {
    const m = make({ nrCpus: 2, monitorArm: 'one-irq-work-lazy-flag' });
    m.kfreeRcuNolock(0, m.kmalloc(0)); // the shared work is now PENDING on the lazy list
    const c = m.kmalloc(0);
    inLockedSection(m, 'nmi', (mm) => mm.kfreeRcuNolock(0, c));
    expect(m.stats().total).toMatchObject({ nolockDeferred: 1, nolockDrainDelayed: 1, selfIpi: 0, nolockDrained: 0 });
    expect(m.krcInfo(0).llistCount).toBe(1);
    m.advance(1);
    expect(m.stats().total.nolockDrained).toBe(1);
    expect(m.krcInfo(0).llistCount).toBe(0);
  });

  it('plain kfree_rcu() from that NMI deadlocks on krc.lock, and the report names the point', () => {
    const m = make({ nrCpus: 2 });
    const c = m.kmalloc(0);
    let err: unknown;
    try {
      inLockedSection(m, 'nmi', (mm) => mm.kfreeRcu(0, c));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RcuMachineFailure);
    expect(m.failure()).toMatchObject({ status: 'Deadlock', cpu: 0, lock: KRC_LOCK(0), holderCtx: 'task', acquirerCtx: 'nmi' });
  });

  it('nolockGate in-nmi: a probe in the locked region spins on its own CPU\'s lock (deadlock); allow-spin defers', () => {
    const bad = make({ nolockGate: 'in-nmi' });
    const c = bad.kmalloc(0);
    expect(() => inLockedSection(bad, 'probe', (mm) => mm.kfreeRcuNolock(0, c))).toThrow(RcuMachineFailure);
    expect(bad.failure()).toMatchObject({ status: 'Deadlock', holderCtx: 'task', acquirerCtx: 'probe' });
    const v1 = make({ nolockGate: 'allow-spin' });
    const d = v1.kmalloc(0);
    inLockedSection(v1, 'probe', (mm) => mm.kfreeRcuNolock(0, d));
    expect(v1.failure()).toBeNull();
    expect(v1.stats().total).toMatchObject({ trylockFail: 1, nolockDeferred: 1 });
    // in-nmi from a real NMI still trylocks
    const nmi = make({ nolockGate: 'in-nmi' });
    const e = nmi.kmalloc(0);
    inLockedSection(nmi, 'nmi', (mm) => mm.kfreeRcuNolock(0, e));
    expect(nmi.failure()).toBeNull();
  });

  it('debugObjects and batched: false always defer through the irq_work', () => {
    for (const opts of [{ debugObjects: true }, { batched: false }]) {
      const m = make(opts);
      const o = m.kmalloc(0);
      m.kfreeRcuNolock(0, o);
      expect(m.stats().total, JSON.stringify(opts)).toMatchObject({ nolockForcedDefer: 1, nolockDeferred: 1, nolockDrained: 1, trylockFail: 0 });
      m.kvfreeRcuBarrier(0);
      expect(m.objInfo(o).state).toBe('free');
    }
  });

  it('is 2-argument only: a headless call is a typed error saying why', () => {
    const m = make();
    const o = m.kmalloc(0);
    let err: unknown;
    try {
      m.kfreeRcuNolock(0, o, { headless: true });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RcuError);
    expect((err as RcuError).code).toBe('BadArgument');
    expect((err as Error).message).toMatch(/2-argument only/);
    expect(m.objInfo(o).state).toBe('allocated');
  });
});
