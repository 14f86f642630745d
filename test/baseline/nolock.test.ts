// Baseline-only: exact event orders of kfree_rcu_nolock() and the injection rules of docs/model.md
// §15–§16.4 (the contract tests check behaviour on both machines; these pin the details).
import { describe, expect, it } from 'vitest';
import { createMachine } from '../../src/index.js';
import { RcuError, RcuMachineFailure } from '../../src/errors.js';
import type { MachineOptions, ProgramOp, RcuMachine } from '../../src/types.js';

const make = (options: MachineOptions = {}): RcuMachine => createMachine({ gpSeqStart: 0, ...options }, { impl: 'ts' });
const KH = (cpu: number, id: number) => 0x10000 + cpu * 16 + id;
const tail = (m: RcuMachine, from: number) => m.trace().slice(from).map((e) => `${e.kind}${e.ctx === 'task' ? '' : `@${e.ctx}`}`);
const err = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return `${(e as RcuError).code ?? 'Failure'}: ${(e as Error).message}`;
  }
  return 'no error';
};

describe('kfree_rcu_nolock event orders (ts)', () => {
  it('trylock path: NolockCall, the irqsave bracket around KrcHead and the lazy arm', () => {
    const m = make({ nrCpus: 1 });
    const o = m.kmalloc(0);
    const n = m.traceCount();
    m.kfreeRcuNolock(0, o);
    expect(tail(m, n)).toEqual(['NolockCall', 'IrqDisable', 'LockAcquire', 'KrcHead', 'IrqWorkQueue', 'LockRelease', 'IrqEnable']);
    const q = m.trace().find((e) => e.kind === 'IrqWorkQueue')!;
    expect([q.a, q.b, q.c]).toEqual([KH(0, 8), 1, 0]); // sched_monitor_irq_work, claimed, no IPI
    expect(m.objInfo(o).state).toBe('queued');
    expect(m.stats().total.pointHits).toBe(3); // nolock-entry, krc-locked, krc-before-unlock
  });

  it('trylock failure (lock held by this CPU below an NMI): LockTrylockFail, LlistAdd, raised irq_work', () => {
    const m = make({ nrCpus: 1 });
    const o = m.kmalloc(0);
    let n = 0;
    const off = m.at('krc-locked', (mm) => {
      off();
      mm.enter(0, 'nmi');
      n = mm.traceCount();
      mm.kfreeRcuNolock(0, o);
      expect(tail(mm, n)).toEqual(['NolockCall@nmi', 'IrqDisable@nmi', 'LockTrylockFail@nmi', 'IrqEnable@nmi', 'LlistAdd@nmi', 'IrqWorkQueue@nmi']);
      expect(mm.krcInfo(0).llistCount).toBe(1);
      mm.exit(0);
    });
    m.kfreeRcu(0, m.kmalloc(0));
    const add = m.trace().find((e) => e.kind === 'LlistAdd')!;
    expect([add.a, add.b, add.c]).toEqual([KH(0, 6), o, 1]);
    // the self-IPI ran the drain at the krc unlock: LlistDelAll, then kvfree_call_rcu from step 2
    const drain = m.trace().filter((e) => e.ctx === 'hardirq').map((e) => e.kind);
    expect(drain.slice(0, 5)).toEqual(['CtxEnter', 'IrqWorkRun', 'LlistDelAll', 'IrqDisable', 'LockAcquire']);
    expect(m.stats().total).toMatchObject({ nolockDrained: 1, llistAdd: 1, llistDelAll: 1, kvfreeCall: 1, nolockCall: 1 });
    expect(m.krcInfo(0).headCount).toBe(2);
  });

  it('forced defer and the spin path', () => {
    const d = make({ nrCpus: 1, debugObjects: true });
    const o = d.kmalloc(0);
    const n = d.traceCount();
    d.kfreeRcuNolock(0, o);
    // the raised irq_work's IPI is delivered at the end of the command
    expect(tail(d, n)).toEqual(['NolockCall', 'LlistAdd', 'IrqWorkQueue', 'CtxEnter@hardirq', 'IrqWorkRun@hardirq', 'LlistDelAll@hardirq',
      'IrqDisable@hardirq', 'LockAcquire@hardirq', 'KrcHead@hardirq', 'WorkQueue@hardirq', 'LockRelease@hardirq', 'IrqEnable@hardirq', 'CtxExit@hardirq']);
    // The spin path is what the checker's spin-in-nmi rule forbids: off here, the test is about event order.
    const s = make({ nrCpus: 1, nolockGate: 'in-nmi', checker: false });
    const p = s.kmalloc(0);
    const n2 = s.traceCount();
    s.kfreeRcuNolock(0, p);
    expect(tail(s, n2)).toEqual(['NolockCall', 'IrqDisable', 'LockAcquire', 'KrcHead', 'WorkQueue', 'LockRelease', 'IrqEnable']);
    expect(s.stats().total).toMatchObject({ nolockSpinPath: 1, kvfreeCall: 0 });
    const u = make({ nrCpus: 1, nolockGate: 'in-nmi', batched: false, checker: false });
    const q = u.kmalloc(0);
    const n3 = u.traceCount();
    u.kfreeRcuNolock(0, q);
    expect(tail(u, n3)).toEqual(['NolockCall', 'CallRcu']);
  });

  it('messages: no opts in the call text; a malformed opts; headless refused with the reason', () => {
    const m = make({ nrCpus: 1 });
    const o = m.kmalloc(0);
    m.kfree(0, o);
    expect(err(() => m.kfreeRcuNolock(0, o))).toBe(`NotAllocated: kfreeRcuNolock(cpu 0, obj ${o}): NotAllocated — object ${o} is free (expected an allocated object)`);
    const p = m.kmalloc(0);
    expect(err(() => m.kfreeRcuNolock(0, p, { headless: true }))).toBe(
      `BadArgument: kfreeRcuNolock(cpu 0, obj ${p}, opts {"headless":true}): BadArgument — kfree_rcu_nolock() is 2-argument only: in the worst case the caller cannot wait for a grace period`,
    );
    expect(err(() => m.kfreeRcuNolock(0, p, { lazy: 1 } as never))).toMatch(/opts \{"lazy":1\} is invalid \(expected \{ headless\?: false \}\)$/);
    m.kfreeRcuNolock(0, p, { headless: false });
    expect(err(() => m.at('nowhere' as never, () => {}))).toMatch(/^BadArgument: at\(point "nowhere", fn \[function\]\): BadArgument — point "nowhere" is invalid/);
  });

  it('freePage refuses pages kvfree_rcu owns', () => {
    const m = make({ nrCpus: 1, rcuMinCachedObjs: 1 });
    m.kvfreeRcu(0, m.kmalloc(0)); // headless: allocates a bulk page
    expect(m.krcInfo(0).bulkPages[0]).toBe(1);
    expect(err(() => m.freePage(0, 0))).toBe('BadHandle: freePage(cpu 0, page 0): BadHandle — page 0 is not a valid handle (expected a page handed out by allocPage, not one kvfree_rcu owns)');
  });
});

describe('injection details (ts)', () => {
  it('points inside an op take costPointNs of its time; the op cost covers them (max)', () => {
    const prog: ProgramOp[] = [{ op: 'kmalloc' }, { op: 'kfree_rcu' }];
    const a = make({ nrCpus: 1 });
    a.loadProgram(0, prog);
    a.run(2);
    expect(a.runInfo().endNs - a.runInfo().startNs).toBe(100);
    const b = make({ nrCpus: 1, costPointNs: 100 });
    b.loadProgram(0, prog);
    b.run(2);
    // kmalloc: task-op (100 > 45); kfree_rcu: task-op, krc-locked, krc-before-unlock (300 > 55)
    expect(b.runInfo().endNs - b.runInfo().startNs).toBe(400);
    const t = b.trace().filter((e) => e.kind === 'KvfreeCall' || e.kind === 'KrcBulk' || e.kind === 'KrcHead' || e.kind === 'LockRelease');
    expect(t.slice(0, 3).map((e) => e.t)).toEqual([200, 300, 400]); // KvfreeCall after task-op; insert after krc-locked; release after before-unlock
    // loops, ends and ops on a missing obj have no task-op point
    const c = make({ nrCpus: 1, costPointNs: 100 });
    c.loadProgram(0, [{ op: 'loop', n: 3, body: [{ op: 'kfree' }, { op: 'mem_sample', period: 1 }] }]);
    c.run(2);
    expect(c.stats().total.pointHits).toBe(0);
  });

  it('a nested command in a hook does not run the end-of-command irq-enabled point', () => {
    const m = make({ nrCpus: 1 });
    const w = m.createIrqWork({ fn: 'nop' });
    const off = m.at('task-op', (mm, hit) => {
      off();
      mm.irqWorkQueue(hit.cpu, w);
      expect(mm.cpuInfo(0).ipiPending).toBe(true);
    });
    m.loadProgram(0, [{ op: 'kmalloc' }]);
    m.run(1);
    const kinds = m.trace().map((e) => e.kind).filter((k) => ['IrqWorkQueue', 'Kmalloc', 'IrqWorkRun'].includes(k));
    expect(kinds).toEqual(['IrqWorkQueue', 'Kmalloc', 'IrqWorkRun']);
  });

  it('hooks do not nest; commands that move time are refused in a hook; a throwing hook poisons', () => {
    const m = make({ nrCpus: 1 });
    let calls = 0;
    let refused = '';
    m.at('krc-locked', (mm) => {
      if (calls++ > 0) return; // the drain's own kvfree_call_rcu hits krc-locked again, later
      refused = err(() => mm.advance(1));
      mm.kfreeRcuNolock(0, mm.kmalloc(0)); // trylock fails (held by this frame): no krc-locked hit
    });
    m.kfreeRcu(0, m.kmalloc(0));
    expect(calls).toBe(2); // the outer call, then the drain after the unlock; never from inside the hook
    expect(refused).toBe('BadContext: advance(n 1): BadContext — not allowed inside an at() hook (time cannot move and programs cannot change while a command is executing)');
    const r = make({ nrCpus: 1 });
    let entries = 0;
    r.at('nolock-entry', (mm) => {
      entries++;
      mm.kfreeRcuNolock(0, mm.kmalloc(0)); // hits nolock-entry again: no hook call from inside a hook
    });
    r.kfreeRcuNolock(0, r.kmalloc(0));
    expect(entries).toBe(1);
    expect(r.stats().total.nolockCall).toBe(2);
    const t = make({ nrCpus: 1 });
    t.at('nolock-entry', () => {
      throw new Error('boom');
    });
    const o = t.kmalloc(0);
    expect(err(() => t.kfreeRcuNolock(0, o))).toBe(`Failure: kfreeRcuNolock(cpu 0, obj ${o}): Invariant — at() hook for nolock-entry on cpu 0 threw: boom`);
    expect(t.failure()).toEqual({ status: 'Invariant', message: expect.any(String), cpu: 0 });
  });

  it('a deadlock in an injected handler records the point; the message names the kernel lock', () => {
    const m = make({ nrCpus: 1, inject: { schedule: [{ hit: 1, kind: 'nmi' }], nmi: { handler: [{ op: 'kmalloc' }, { op: 'kfree_rcu' }] } } });
    expect(() => m.kfreeRcu(0, m.kmalloc(0))).toThrow(RcuMachineFailure);
    const f = m.failure()!;
    expect(Object.keys(f)).toEqual(['status', 'message', 'cpu', 'lock', 'holderCtx', 'acquirerCtx', 'point']);
    expect(f).toMatchObject({ status: 'Deadlock', lock: KH(0, 0), holderCtx: 'task', acquirerCtx: 'nmi', point: 'krc-locked' });
    expect(f.message).toBe(`kfreeRcu(cpu 0, obj 0): Deadlock — lock ${KH(0, 0)} is already held by cpu 0 in task context; acquiring it again from nmi would spin forever (injected at krc-locked)`);
  });

  it('a failing handler op poisons with Invariant; refusals are counted', () => {
    const m = make({ nrCpus: 1, inject: { schedule: [{ hit: 1, kind: 'nmi' }], nmi: { handler: [{ op: 'kmalloc' }, { op: 'call_rcu' }] } } });
    const o = m.kmalloc(0);
    expect(err(() => m.kfreeRcuNolock(0, o))).toBe(
      `Failure: kfreeRcuNolock(cpu 0, obj ${o}): Invariant — nmi handler injected at nolock-entry on cpu 0 failed: callRcu(cpu 0, obj 1): BadContext — call_rcu() is not NMI-safe (expected task, softirq or hardirq context)`,
    );
    const r = make({ nrCpus: 1, inject: { remote: { probability: 1 }, hardirq: { probability: 1, points: ['krc-locked'] } } });
    r.kfreeRcu(0, r.kmalloc(0)); // outside run(): remote refused at every point; hardirq refused under the lock
    expect(r.stats().total).toMatchObject({ injectRefused: 2, remoteSteps: 0, injectHardirq: 0 });
  });

  it('rate NMIs: one per period of program time, missed periods merge, the due time persists across run()', () => {
    const m = make({ nrCpus: 1, inject: { nmi: { ratePerSec: 1e6, handler: [] } } }); // period 1000 ns
    m.loadProgram(0, [{ op: 'loop', n: 100, body: [{ op: 'kmalloc' }, { op: 'kfree_rcu' }] }]); // 10 µs
    m.run(1);
    const nmis = m.stats().total.injectNmi;
    expect(nmis).toBeGreaterThanOrEqual(9);
    expect(nmis).toBeLessThanOrEqual(10);
    // after 5 idle ms the next timed point gets exactly one NMI for all the missed periods
    m.advance(5);
    m.loadProgram(0, [{ op: 'kmalloc' }]);
    m.run(1);
    expect(m.stats().total.injectNmi).toBe(nmis + 1);
  });

  it('remote steps run one op of another CPU at our time, never re-entering a program mid-op', () => {
    const flood: ProgramOp[] = [{ op: 'loop', n: 300, body: [{ op: 'kmalloc' }, { op: 'kfree_rcu' }] }];
    const m = make({ nrCpus: 3, inject: { remote: { probability: 0.5 } } });
    for (let c = 0; c < 3; c++) m.loadProgram(c, flood);
    expect(m.run(50)).toBe(true);
    const t = m.stats().total;
    expect(t.remoteSteps).toBeGreaterThan(100);
    expect(t.kvfreeCall).toBe(900);
    expect(t.prematureFree).toBe(0);
  });
});

describe('after a failing op (ts)', () => {
  it('run() throws the op error and later interactive points are untimed again', () => {
    const m = make({ nrCpus: 1, costPointNs: 7 });
    m.loadProgram(0, [{ op: 'kmalloc' }, { op: 'rcu_read_unlock' }]);
    expect(() => m.run(1)).toThrow(RcuError);
    const before = m.now();
    m.kfreeRcuNolock(0, m.kmalloc(0));
    expect(m.now()).toBe(before);
  });
});

describe('rate NMIs and points (ts)', () => {
  it('a due rate NMI waits for a point of nmi.points', () => {
    const m = make({ nrCpus: 1, inject: { nmi: { ratePerSec: 1e6, points: ['krc-before-unlock'], handler: [] } } });
    m.loadProgram(0, [{ op: 'loop', n: 100, body: [{ op: 'kmalloc' }, { op: 'kfree_rcu' }] }]);
    m.run(1);
    const at = new Set(m.trace().filter((e) => e.kind === 'Inject').map((e) => e.a));
    expect(at).toEqual(new Set([4]));
    expect(m.stats().total.injectNmi).toBeGreaterThanOrEqual(9);
  });
});
