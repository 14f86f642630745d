// Raw spinlocks, trylock, same-CPU deadlock detection and poisoning (docs/model.md §5.1, §9).
import { describe, expect, it } from 'vitest';
import { RcuError, RcuMachineFailure } from '../../src/errors.js';
import { events, machines } from '../helpers/machines.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe.each(machines)('spinlocks (%s)', (_impl, make) => {
  it('trylock fails on a lock held by the interrupted context; the NMI does not spin', () => {
    const m = make();
    const l = m.createLock();
    m.localIrqSave(0);
    m.spinLock(0, l);
    m.enter(0, 'nmi');
    expect(m.spinTrylock(0, l)).toBe(false);
    expect(events(m, 'LockTrylockFail').map((e) => [e.a, e.b, e.ctx])).toEqual([[l, 0, 'nmi']]);
    m.exit(0);
    m.spinUnlock(0, l);
    m.localIrqRestore(0);
    expect(m.spinTrylock(0, l)).toBe(true);
    expect(m.stats().total).toMatchObject({ trylockFail: 1, lockAcquire: 2, deadlocks: 0 });
  });

  it('reports spinning on a lock held below on the same CPU as a deadlock and poisons the machine', () => {
    const m = make();
    const other = make();
    const l = m.createLock();
    m.spinLock(0, l);
    m.enter(0, 'nmi');
    const e = thrown(() => m.spinLock(0, l));
    expect(e).toBeInstanceOf(RcuMachineFailure);
    const f = (e as RcuMachineFailure).failure;
    expect(f).toMatchObject({ status: 'Deadlock', cpu: 0, lock: l, holderCtx: 'task', acquirerCtx: 'nmi' });
    expect(f.message).toMatch(/deadlock/i);
    expect(events(m, 'Deadlock').map((x) => [x.a, x.b, x.c])).toEqual([[l, 0, 3]]);
    expect(m.failure()).toEqual(f);
    // Poisoned: every later call throws the same failure, queries included.
    expect(thrown(() => m.advance(1))).toBeInstanceOf(RcuMachineFailure);
    expect(thrown(() => m.kmalloc(1))).toBeInstanceOf(RcuMachineFailure);
    // Another instance is unaffected.
    other.advance(2);
    expect(other.jiffies()).toBe(2);
  });

  it('recursive locking in one context is a deadlock too (AA)', () => {
    const m = make();
    const l = m.createLock();
    m.spinLock(1, l);
    expect(thrown(() => m.spinLock(1, l))).toBeInstanceOf(RcuMachineFailure);
    expect(m.failure()).toMatchObject({ holderCtx: 'task', acquirerCtx: 'task', cpu: 1 });
  });

  it('refuses an interactive spin on another CPU\'s lock, an unlock it does not hold, an exit holding one', () => {
    const m = make();
    const l = m.createLock();
    m.spinLock(0, l);
    const e = thrown(() => m.spinLock(1, l));
    expect(e).toBeInstanceOf(RcuError);
    expect((e as RcuError).code).toBe('LockHeldRemote');
    expect(((thrown(() => m.spinUnlock(1, l))) as RcuError).code).toBe('NotHeld');
    m.enter(1, 'hardirq');
    m.spinLock(1, m.createLock());
    expect(((thrown(() => m.exit(1))) as RcuError).code).toBe('Unbalanced');
    expect(((thrown(() => m.spinLock(0, 999))) as RcuError).code).toBe('BadHandle');
  });

  it('a held lock makes the CPU non-quiescent: the tick reports no QS', () => {
    const m = make({ nrCpus: 1 });
    const l = m.createLock();
    m.startPollSynchronizeRcu(0);
    m.spinLock(0, l);
    m.advance(3);
    expect(m.stats().total.qs).toBe(0);
    m.spinUnlock(0, l);
    m.advance(1);
    expect(m.stats().total.qs).toBe(1);
  });
});
