// API misuse on both machines (docs/model.md §9, §11, §15.2, §16.4): every misuse is a typed
// RcuError with the documented code and the exact shared text, changes nothing, and leaves the
// machine usable; a failed machine rethrows its failure from every command while its results
// stay readable. The exact texts are written out here, so both machines are held to one string.
import { describe, expect, it } from 'vitest';
import { RcuError, RcuMachineFailure, RcuOptionError } from '../../src/errors.js';
import { COMMAND_PARAMS, type CommandName } from '../../src/messages.js';
import type { RcuMachine } from '../../src/types.js';
import { machines } from '../helpers/machines.js';
import { refuses, thrown } from '../helpers/errors.js';


/** Everything a refused command must leave as it was. */
function snapshot(m: RcuMachine) {
  return { count: m.traceCount(), digest: m.traceDigest(), stats: m.stats(), failure: m.failure() };
}

const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));
const obj = (n: number) => `obj ${n} is not a valid handle (expected an object handed out by this machine)`;

/** How each member of RcuMachine behaves on a failed machine (typecheck: every member is listed). */
const MEMBERS = {
  impl: 'property', options: 'property',
  stats: 'result', trace: 'result', traceCount: 'result', traceDigest: 'result', failure: 'result',
  now: 'query', jiffies: 'query', gpSeq: 'query', getStateSynchronizeRcu: 'query',
  ...(Object.fromEntries(Object.keys(COMMAND_PARAMS).map((k) => [k, 'command'])) as Record<CommandName, 'command'>),
} as const satisfies Record<keyof RcuMachine, 'property' | 'result' | 'query' | 'command'>;

/** Valid-looking arguments for each parameter name (on a 2-CPU machine with object 0 allocated). */
const VALID_ARG: Record<string, unknown> = {
  cpu: 0, n: 1, ctx: 'hardirq', idle: false, obj: 0, page: 0, lock: 0, llist: 0, work: 0, dwork: 0, delay: 1,
  init: { fn: 'nop' }, cookie: 0, nrToScan: 1, opts: undefined, point: 'task-op', fn: () => {}, ops: [], maxJiffies: 1,
};

describe.each(machines)('API misuse (%s)', (impl, make) => {
  it('kfree_rcu twice, on an unknown handle or on a freed object: typed errors that change nothing', () => {
    const m = make({ nrCpus: 2, maxObjects: 8 });
    const a = m.kmalloc(0);
    const b = m.kmalloc(0);
    m.kfree(0, b);
    m.kfreeRcu(0, a);
    const before = snapshot(m);
    const queued = 'is already queued for a deferred free (expected an allocated object)';
    refuses(() => m.kfreeRcu(0, a), 'AlreadyQueued', `kfreeRcu(cpu 0, obj 0): AlreadyQueued — object 0 ${queued}`);
    refuses(() => m.kvfreeRcu(1, a), 'AlreadyQueued', `kvfreeRcu(cpu 1, obj 0): AlreadyQueued — object 0 ${queued}`);
    refuses(() => m.kfreeRcuNolock(0, a), 'AlreadyQueued', `kfreeRcuNolock(cpu 0, obj 0): AlreadyQueued — object 0 ${queued}`);
    refuses(() => m.callRcu(0, a), 'AlreadyQueued', `callRcu(cpu 0, obj 0): AlreadyQueued — object 0 ${queued}`);
    refuses(() => m.kfree(0, a), 'AlreadyQueued', `kfree(cpu 0, obj 0): AlreadyQueued — object 0 ${queued}`);
    const isFree = 'is free (expected an allocated object)';
    refuses(() => m.kfreeRcu(0, b), 'NotAllocated', `kfreeRcu(cpu 0, obj 1): NotAllocated — object 1 ${isFree}`);
    refuses(() => m.kvfreeRcu(0, b), 'NotAllocated', `kvfreeRcu(cpu 0, obj 1): NotAllocated — object 1 ${isFree}`);
    refuses(() => m.kfreeRcuNolock(1, b), 'NotAllocated', `kfreeRcuNolock(cpu 1, obj 1): NotAllocated — object 1 ${isFree}`);
    refuses(() => m.callRcu(0, b), 'NotAllocated', `callRcu(cpu 0, obj 1): NotAllocated — object 1 ${isFree}`);
    refuses(() => m.kfree(0, b), 'DoubleFree', 'kfree(cpu 0, obj 1): DoubleFree — object 1 is already free');
    // never handed out (2 = the bump index, 7 = inside the slab, then far outside it), or not a number
    for (const bad of [2, 7, 8, 2 ** 31, 2 ** 53, -1, 0.5, NaN]) {
      refuses(() => m.kfreeRcu(0, bad), 'BadHandle', `kfreeRcu(cpu 0, obj ${show(bad)}): BadHandle — ${obj(bad)}`);
      refuses(() => m.kfreeRcuNolock(0, bad), 'BadHandle', `kfreeRcuNolock(cpu 0, obj ${show(bad)}): BadHandle — ${obj(bad)}`);
      refuses(() => m.objInfo(bad), 'BadHandle', `objInfo(obj ${show(bad)}): BadHandle — ${obj(bad)}`);
    }
    refuses(() => m.kfreeRcu(0, '0' as never), 'BadHandle', `kfreeRcu(cpu 0, obj "0"): BadHandle — obj "0" is not a valid handle (expected an object handed out by this machine)`);
    expect(snapshot(m)).toEqual(before);
    expect([m.objInfo(a).state, m.objInfo(b).state]).toEqual(['queued', 'free']);
    m.kvfreeRcuBarrier(1); // still usable: the queued object is freed after its GP
    expect(m.objInfo(a).state).toBe('free');
    expect(m.stats().total.prematureFree).toBe(0);
  });

  it('kfree_rcu_nolock is 2-argument only; its opts are checked after cpu and obj, before CpuIdle and the object (§16.4)', () => {
    const m = make({ nrCpus: 2 });
    const o = m.kmalloc(0);
    m.setIdle(1, true);
    const before = snapshot(m);
    const why = 'kfree_rcu_nolock() is 2-argument only: in the worst case the caller cannot wait for a grace period';
    refuses(() => m.kfreeRcuNolock(0, o, { headless: true }), 'BadArgument', `kfreeRcuNolock(cpu 0, obj 0, opts {"headless":true}): BadArgument — ${why}`);
    refuses(() => m.kfreeRcuNolock(2, 99, { headless: true }), 'BadCpu',
      'kfreeRcuNolock(cpu 2, obj 99, opts {"headless":true}): BadCpu — cpu 2 is not a CPU of this machine (expected an integer from 0 to 1)');
    refuses(() => m.kfreeRcuNolock(0, 99, { headless: true }), 'BadHandle', `kfreeRcuNolock(cpu 0, obj 99, opts {"headless":true}): BadHandle — ${obj(99)}`);
    refuses(() => m.kfreeRcuNolock(1, o, { headless: true }), 'BadArgument', `kfreeRcuNolock(cpu 1, obj 0, opts {"headless":true}): BadArgument — ${why}`);
    refuses(() => m.kfreeRcuNolock(1, o), 'CpuIdle', 'kfreeRcuNolock(cpu 1, obj 0): CpuIdle — cpu 1 is idle (expected a running CPU)');
    const badOpts: [unknown, string][] = [
      [{ headless: 1 }, '{"headless":1}'], [{ headless: false, rhf: 8 }, '{"headless":false,"rhf":8}'], [null, 'null'], [[], '[]'],
      ['headless', '"headless"'], [true, 'true'], [0, '0'], [() => true, '[function]'],
    ];
    for (const [opts, text] of badOpts) {
      const call = typeof opts === 'function' ? '[function]' : text;
      refuses(() => m.kfreeRcuNolock(0, o, opts as never), 'BadArgument',
        `kfreeRcuNolock(cpu 0, obj 0, opts ${call}): BadArgument — opts ${text} is invalid (expected { headless?: false })`);
    }
    expect(snapshot(m)).toEqual(before);
    expect(m.objInfo(o).state).toBe('allocated');
    for (const opts of [{}, { headless: false }, { headless: undefined }]) m.kfreeRcuNolock(0, m.kmalloc(0), opts);
    m.kfreeRcuNolock(0, o);
    expect(m.stats().total.nolockCall).toBe(4);
  });

  it('a CPU out of range, not an integer or NaN is BadCpu on every CPU command and query, before any other check', () => {
    const m = make({ nrCpus: 2 });
    m.kmalloc(0);
    m.createLock();
    const before = snapshot(m);
    const cpuCommands = (Object.entries(COMMAND_PARAMS) as [CommandName, readonly string[]][]).filter(([, p]) => p[0] === 'cpu');
    expect(cpuCommands.length).toBeGreaterThan(35);
    let checked = 0;
    for (const bad of [-1, 2, 1.5, NaN, Infinity, 2 ** 32, 2 ** 53, '0', null, undefined, true, {}]) {
      for (const [name, params] of cpuCommands) {
        // the other arguments are garbage too: the cpu is checked first (§11 step 2)
        const args = [bad, ...params.slice(1).map((p) => (p === 'opts' ? { headless: true } : p === 'ops' ? 'no ops' : -5))];
        const call = `${name}(${params.map((p, i) => `${p} ${args[i] !== null && typeof args[i] === 'object' ? JSON.stringify(args[i]) : show(args[i])}`).join(', ')})`;
        const cpu = bad !== null && typeof bad === 'object' ? JSON.stringify(bad) : show(bad);
        refuses(() => (m as unknown as Record<string, (...a: unknown[]) => unknown>)[name](...args), 'BadCpu',
          `${call}: BadCpu — cpu ${cpu} is not a CPU of this machine (expected an integer from 0 to 1)`);
        checked++;
      }
    }
    expect(checked).toBe(12 * cpuCommands.length);
    expect(snapshot(m)).toEqual(before);
    expect(m.cpuInfo(1).ctx).toEqual(['task']);
  });

  it('an NMI does not nest, not even through a probe; a scheduled NMI inside an NMI is refused and counted', () => {
    const m = make({ nrCpus: 1, inject: { nmi: { handler: [{ op: 'kmalloc' }, { op: 'kfree_rcu_nolock' }] }, schedule: [{ hit: 1, kind: 'nmi' }] } });
    const o = m.kmalloc(0);
    m.enter(0, 'nmi');
    const nested = 'enter(cpu 0, ctx "nmi"): NmiNested — cpu 0 is already in an nmi (NMIs do not nest)';
    const before = snapshot(m);
    refuses(() => m.enter(0, 'nmi'), 'NmiNested', nested);
    expect(snapshot(m)).toEqual(before);
    m.enter(0, 'probe');
    refuses(() => m.enter(0, 'nmi'), 'NmiNested', nested);
    refuses(() => m.enter(0, 'probe'), 'BadContext', 'enter(cpu 0, ctx "probe"): BadContext — a probe cannot fire inside a probe (kprobes do not recurse)');
    m.exit(0);
    m.kfreeRcuNolock(0, o); // hit 1 (nolock-entry) schedules an NMI: we are in one, so it is dropped
    expect(m.stats().total).toMatchObject({ injectRefused: 1, injectNmi: 0, nolockCall: 1 });
    expect(m.trace().filter((e) => e.kind === 'Inject')).toEqual([]);
    m.exit(0);
    expect(m.cpuInfo(0).ctx).toEqual(['task']);
    expect(m.failure()).toBeNull();
  });

  it('rcuHeadOffset >= 4096 is refused at creation; the largest offset works end to end', () => {
    for (const [bad, text] of [[4096, '4096'], [65536, '65536'], [-1, '-1'], [8.5, '8.5'], [NaN, 'NaN'], ['8', '"8"']] as const) {
      const e = thrown(() => make({ rcuHeadOffset: bad as number, objSize: 8192 }));
      expect(e).toBeInstanceOf(RcuOptionError);
      expect((e as RcuOptionError).key).toBe('rcuHeadOffset');
      expect((e as Error).message).toBe(`Invalid option rcuHeadOffset: ${text} (expected an integer from 0 to 4095)`);
    }
    expect((thrown(() => make({ rcuHeadOffset: 4095, objSize: 4110 })) as Error).message)
      .toBe('Invalid option rcuHeadOffset: 4095 (expected an offset with rcuHeadOffset + 16 <= objSize (4110))');
    const m = make({ nrCpus: 2, rcuHeadOffset: 4095, objSize: 4111, maxObjects: 16 });
    const list = m.createLlist();
    const objs = Array.from({ length: 6 }, () => m.kmalloc(0));
    for (const o of objs.slice(0, 3)) m.llistAdd(0, list, o); // threaded through the heads at offset 4095
    expect(m.llistDelAll(0, list)).toEqual([2, 1, 0]);
    m.kfreeRcu(0, objs[3]);
    m.kfreeRcuNolock(1, objs[4]);
    m.callRcu(0, objs[5]);
    m.kvfreeRcuBarrier(0);
    m.advance(3); // the call_rcu callback
    expect(objs.slice(3).map((o) => m.objInfo(o).state)).toEqual(['free', 'free', 'free']);
    expect(m.stats().total.prematureFree).toBe(0);
  });

  it('a failed machine rethrows its failure from every command and query, even with bad arguments; results stay readable', () => {
    const m = make({ nrCpus: 2 });
    const o = m.kmalloc(0);
    const lock = m.createLock();
    const remove = m.at('krc-locked', () => {});
    m.spinLock(0, lock);
    m.enter(0, 'nmi');
    const failure = thrown(() => m.spinLock(0, lock));
    expect(failure).toBeInstanceOf(RcuMachineFailure);
    const f = (failure as RcuMachineFailure).failure;
    expect(f).toEqual({
      status: 'Deadlock', cpu: 0, lock, holderCtx: 'task', acquirerCtx: 'nmi',
      message: `spinLock(cpu 0, lock ${lock}): Deadlock — lock ${lock} is already held by cpu 0 in task context; acquiring it again from nmi would spin forever`,
    });
    const results = snapshot(m);
    const any = m as unknown as Record<string, (...a: unknown[]) => unknown>;
    for (const [name, kind] of Object.entries(MEMBERS)) {
      if (kind !== 'command' && kind !== 'query') continue;
      const params: readonly string[] = (COMMAND_PARAMS as Record<string, readonly string[]>)[name] ?? [];
      for (const args of [params.map((p) => VALID_ARG[p]), params.map(() => NaN), params.map(() => undefined)]) {
        expect(thrown(() => any[name](...args)), name).toBe(failure);
      }
    }
    expect(thrown(() => m.kfree(0, o))).toBe(failure);
    // the results group and the properties still work and did not move
    expect(snapshot(m)).toEqual(results);
    expect(m.failure()).toEqual(f);
    expect(m.trace().at(-1)?.kind).toBe('Deadlock');
    expect(m.options.nrCpus).toBe(2);
    expect(m.impl).toBe(impl);
    remove(); // removing a hook works on a failed machine, twice too
    remove();
  });

  it('a throwing at() hook poisons with an Invariant naming the hook; later commands rethrow it', () => {
    const m = make({ nrCpus: 1 });
    const o = m.kmalloc(0);
    const off = m.at('nolock-entry', () => {
      throw new Error('boom');
    });
    const failure = thrown(() => m.kfreeRcuNolock(0, o));
    expect(failure).toBeInstanceOf(RcuMachineFailure);
    expect(m.failure()).toEqual({ status: 'Invariant', message: 'kfreeRcuNolock(cpu 0, obj 0): Invariant — at() hook for nolock-entry on cpu 0 threw: boom', cpu: 0 });
    off();
    expect(thrown(() => m.kmalloc(0))).toBe(failure);
    expect(thrown(() => m.at('task-op', () => {}))).toBe(failure);
    expect(thrown(() => m.advance(1))).toBe(failure);
  });
});

describe.each(machines)('table exhaustion messages (%s)', (_impl, make) => {
  it('a full irq_work table names the init the caller passed', () => {
    const m = make({ nrCpus: 1 });
    for (let i = 0; i < 1024; i++) m.createIrqWork({ fn: 'nop' });
    expect(() => m.createIrqWork({ fn: 'nop' })).toThrow('createIrqWork(init {"fn":"nop"}): TableFull — all 1024 irq_works are in use');
  });
});
