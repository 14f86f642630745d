// Quick checks of the TS baseline on its own: the deferred-free pattern end to end, the failure
// channels and their messages, and a fuzz that only requires "no unexpected JS exception".
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TsMachine } from '../../src/baseline/machine.js';
import { RcuError, RcuMachineFailure } from '../../src/errors.js';
import { resolveOptions } from '../../src/options.js';
import type { MachineOptions } from '../../src/types.js';

const make = (o: MachineOptions = {}) => new TsMachine(resolveOptions(o));

function err(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof RcuError) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'Ok';
}

describe('TS baseline scenarios', () => {
  it('frees an object queued through llist + irq_work only after a full grace period', () => {
    const m = make({ nrCpus: 2 });
    const list = m.createLlist();
    const work = m.createIrqWork({ fn: 'llist-call-rcu', arg: list });
    const obj = m.kmalloc(0);
    m.enter(0, 'nmi');
    expect(m.llistAdd(0, list, obj)).toBe(true);
    m.irqWorkQueue(0, work);
    expect(m.cpuInfo(0).ipiPending).toBe(true);
    m.exit(0); // the IPI lands here
    expect(m.objInfo(obj).state).toBe('queued');
    const kinds = m.trace().map((e) => `${e.ctx}:${e.kind}`);
    expect(kinds.slice(-6)).toEqual([
      'nmi:CtxExit', 'hardirq:CtxEnter', 'hardirq:IrqWorkRun', 'hardirq:LlistDelAll', 'hardirq:CallRcu', 'hardirq:CtxExit',
    ]);
    for (let i = 0; i < 5 && m.objInfo(obj).state !== 'free'; i++) m.advance(1);
    expect(m.objInfo(obj).state).toBe('free');
    const s = m.stats().total;
    expect(s).toMatchObject({ gpStart: 1, gpEnd: 1, rcuCbInvoked: 1, kfree: 1, prematureFree: 0, selfIpi: 1 });
  });

  it('synchronize_rcu waits for a GP; a CPU stuck in a read section stalls it', () => {
    const m = make({ nrCpus: 2, rcuStallJiffies: 5 });
    m.synchronizeRcu(0);
    expect(m.stats().total.synchronizeRcu).toBe(1);
    m.rcuReadLock(1);
    expect(err(() => m.synchronizeRcu(0))).toMatch(/^RcuStall: synchronizeRcu\(cpu 0\): RcuStall — .*5 jiffies/);
    expect(m.cpuInfo(0).ctx).toEqual(['task']);
  });

  it('a self-deadlock poisons the machine; results stay readable', () => {
    const m = make();
    const l = m.createLock();
    m.spinLock(0, l);
    m.enter(0, 'hardirq');
    let failure: RcuMachineFailure | null = null;
    try {
      m.spinLock(0, l);
    } catch (e) {
      failure = e as RcuMachineFailure;
    }
    expect(failure).toBeInstanceOf(RcuMachineFailure);
    expect(JSON.stringify(failure!.failure)).toBe(JSON.stringify({
      status: 'Deadlock',
      message: 'spinLock(cpu 0, lock 0): Deadlock — lock 0 is already held by cpu 0 in task context; acquiring it again from hardirq would spin forever',
      cpu: 0, lock: 0, holderCtx: 'task', acquirerCtx: 'hardirq',
    }));
    expect(() => m.kmalloc(1)).toThrow(failure!);
    expect(() => m.now()).toThrow(failure!);
    expect(m.failure()).toEqual(failure!.failure);
    expect(m.trace().at(-1)!.kind).toBe('Deadlock');
    expect(m.stats().total.deadlocks).toBe(1);
  });

  it('a self-requeueing irq_work beyond 64 rounds is an Invariant failure', () => {
    const ok = make({ nrCpus: 1 });
    ok.irqWorkQueue(0, ok.createIrqWork({ fn: 'requeue', arg: 63 }));
    expect(ok.stats().total.irqWorkRun).toBe(64);
    const bad = make({ nrCpus: 1 });
    const w = bad.createIrqWork({ fn: 'requeue', arg: 64 });
    expect(() => bad.irqWorkQueue(0, w)).toThrow(RcuMachineFailure);
    expect(bad.failure()).toEqual({
      status: 'Invariant', cpu: 0,
      message: 'irqWorkQueue(cpu 0, work 0): Invariant — irq-enabled point on cpu 0 needed more than 64 rounds',
    });
  });

  it('messages name the value and what was expected', () => {
    const m = make({ nrCpus: 2, maxObjects: 1 });
    const o = m.kmalloc(0);
    m.kfree(0, o);
    expect(err(() => m.kfree(0, o))).toBe('DoubleFree: kfree(cpu 0, obj 0): DoubleFree — object 0 is already free');
    expect(err(() => m.kfree(0, 5))).toMatch(/obj 5 is not a valid handle/);
    expect(err(() => m.kmalloc(2))).toMatch(/cpu 2 is not a CPU of this machine \(expected an integer from 0 to 1\)/);
    m.kmalloc(0);
    expect(err(() => m.kmalloc(0))).toMatch(/OutOfObjects — all 1 objects/);
    expect(err(() => m.createIrqWork({ fn: 'bogus' as 'nop' }))).toMatch(/init\.fn "bogus" is invalid/);
    expect(err(() => m.queueDelayedWork(0, m.createDelayedWork(), -1))).toMatch(/delay -1 is invalid/);
  });

  it('a delayed work fires on its timer and runs from the kworker', () => {
    const m = make({ nrCpus: 1 });
    const dw = m.createDelayedWork();
    expect(m.queueDelayedWork(0, dw, 2)).toBe(true);
    expect(m.queueWork(0, dw)).toBe(false);
    m.advance(1);
    expect(m.delayedWorkPending(dw)).toBe(true);
    m.advance(1);
    expect(m.delayedWorkPending(dw)).toBe(false);
    expect(m.trace().filter((e) => ['TimerFire', 'WorkRun'].includes(e.kind)).map((e) => `${e.ctx}:${e.kind}`))
      .toEqual(['softirq:TimerFire', 'task:WorkRun']);
    expect(m.modDelayedWork(0, dw, 5)).toBe(false);
    expect(m.cancelDelayedWork(0, dw)).toBe(true);
  });
});

const NAMES = [
  'advance', 'enter', 'exit', 'localIrqSave', 'localIrqRestore', 'preemptDisable', 'preemptEnable', 'rcuReadLock',
  'rcuReadUnlock', 'condResched', 'setIdle', 'kmalloc', 'kfree', 'allocPage', 'freePage', 'spinLock', 'spinTrylock',
  'spinUnlock', 'llistAdd', 'llistDelAll', 'irqWorkQueue', 'queueWork', 'queueDelayedWork', 'modDelayedWork',
  'cancelDelayedWork', 'startPollSynchronizeRcu', 'callRcu', 'synchronizeRcu', 'random', 'failNextPageAllocs',
] as const;
const CTXS = ['softirq', 'hardirq', 'nmi', 'probe', 'task'];

describe('TS baseline fuzz', () => {
  it('only ever throws RcuError or RcuMachineFailure, and replays identically', () => {
    const cmd = fc.tuple(fc.constantFrom(...NAMES), fc.integer({ min: -1, max: 3 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 5 }));
    fc.assert(fc.property(fc.array(cmd, { maxLength: 80 }), fc.nat(), (cmds, seed) => {
      const run = () => {
        const m = make({ nrCpus: 3, seed, maxObjects: 6, maxPages: 2, rcuStallJiffies: 8, gpSeqStart: 0xfffffff0, pageFailRate: 0.3 });
        const l = m.createLlist();
        m.createLlist();
        m.createLock();
        m.createLock();
        m.createIrqWork({ fn: 'nop' });
        m.createIrqWork({ fn: 'requeue', arg: 3, lazy: true });
        m.createIrqWork({ fn: 'llist-call-rcu', arg: l });
        m.createIrqWork({ fn: 'llist-call-rcu', arg: l, lazy: true });
        m.createDelayedWork();
        m.createDelayedWork();
        const out: string[] = [];
        for (const [name, a, b, c] of cmds) {
          try {
            const f = (m as unknown as Record<string, (...x: unknown[]) => unknown>)[name].bind(m);
            const r = name === 'enter' ? f(a, CTXS[b % 5]) : name === 'setIdle' ? f(a, b % 2 === 0) : name === 'advance' ? f(b) : f(a, b, c);
            out.push(JSON.stringify(r ?? null));
          } catch (e) {
            if (e instanceof RcuMachineFailure) { out.push(e.message); break; }
            if (!(e instanceof RcuError)) throw e;
            out.push(e.message);
          }
        }
        return { out, digest: m.traceDigest(), stats: m.stats() };
      };
      const first = run();
      expect(run()).toEqual(first);
      expect(first.stats.total.prematureFree).toBe(0);
    }), { seed: Number(process.env.FC_SEED ?? 20261204), numRuns: 500 });
  });
});
