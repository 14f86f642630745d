// Fuzzing the command surface of both machines: random RcuMachine methods called with random,
// mostly wrong arguments (strings, NaN, -1, 2^53, objects, undefined, functions, symbols, bigints),
// the same sequence on the Wasm machine and on the TS baseline. Every call either succeeds or
// throws RcuError / RcuMachineFailure — never a bare TypeError, RangeError or
// WebAssembly.RuntimeError —, both machines give the same outcome (result, or code and message)
// at every step and end with the same trace, stats and failure. Meanwhile a second machine of each
// kind, created alongside and fed valid commands, must end exactly like a fresh twin that ran the
// same valid commands alone: a misused or poisoned machine never affects another instance.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMachine, type Impl } from '../../src/index.js';
import { RcuError, RcuMachineFailure } from '../../src/errors.js';
import { COMMAND_PARAMS } from '../../src/messages.js';
import { POINT_NAMES } from '../../src/points.js';
import type { MachineOptions, PointHit, ProgramOp, RcuMachine } from '../../src/types.js';
import { IMPLS } from '../helpers/machines.js';

const SEED = 424242;
type Any = Record<string, (...a: unknown[]) => unknown>;

const noopHook = () => {};
const throwingHook = () => {
  throw new Error('junk hook');
};
const nestedHook = (mm: RcuMachine, hit: PointHit) => {
  mm.kmalloc(hit.cpu);
};
const PROGRAMS: ProgramOp[][] = [
  [{ op: 'kmalloc' }, { op: 'kfree_rcu' }],
  [{ op: 'loop', n: 3, body: [{ op: 'kmalloc' }, { op: 'kfree_rcu_nolock' }, { op: 'cond_resched' }] }],
  [{ op: 'kmalloc' }, { op: 'kvfree_rcu' }, { op: 'sleep', jiffies: 2 }, { op: 'kmalloc' }, { op: 'kfree' }],
  [{ op: 'rcu_read_lock' }, { op: 'kmalloc' }, { op: 'call_rcu' }],
];

const JUNK: unknown[] = [
  -1, NaN, 2 ** 53, 2 ** 32, 2 ** 31, 0.5, Infinity, -0, '0', 'nmi', '', null, undefined, true, false, {}, [], [0],
  Object.create(null), Symbol('junk'), 10n, () => 0, { fn: 'toString' }, { headless: true }, new Date(0),
];

/** Plausible values per parameter name (so sequences reach deep states), mixed with junk. */
const PLAUSIBLE: Record<string, unknown[]> = {
  cpu: [0, 1, 0, 1, 2],
  obj: [0, 1, 2, 3, 4, 5], page: [0, 1, 2], lock: [0, 1], llist: [0, 1], work: [0, 1], dwork: [0, 1],
  n: [0, 1, 2, 3], delay: [0, 1, 3], nrToScan: [1, 3], maxJiffies: [0, 2, 5],
  ctx: ['softirq', 'hardirq', 'nmi', 'probe', 'task'],
  idle: [true, false],
  init: [{ fn: 'nop' }, { fn: 'nop', lazy: true }, { fn: 'requeue', arg: 2 }, { fn: 'requeue', arg: 70 }, { fn: 'llist-call-rcu', arg: 0 }, { fn: 'llist-call-rcu' }],
  cookie: [0, 0xfffffb50, 0xfffffb54, 0xffffffff],
  opts: [undefined, { headless: false }, { headless: true }, {}],
  point: [...POINT_NAMES],
  fn: [noopHook, noopHook, throwingHook, nestedHook],
  ops: PROGRAMS,
};

const METHODS = [
  ...Object.keys(COMMAND_PARAMS), 'now', 'jiffies', 'gpSeq', 'getStateSynchronizeRcu',
  'stats', 'trace', 'traceCount', 'traceDigest', 'failure',
];

interface Step {
  m: string;
  args: unknown[];
}

const arg = (param: string) => fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...(PLAUSIBLE[param] ?? [0])) },
  { weight: 1, arbitrary: fc.constantFrom(...JUNK) },
);

/** Commands that build the states where machines fail (locks held into an NMI, requeueing irq_works, hooks). */
const HOT = ['kmalloc', 'kfreeRcu', 'kfreeRcuNolock', 'enter', 'exit', 'createLock', 'spinLock', 'createIrqWork', 'irqWorkQueue', 'at', 'loadProgram', 'run', 'advance'];

/**
 * Pseudo-steps: 'removeHook' calls the remover of an earlier at(); 'poison' runs a short valid-looking
 * sequence that fails the machine when the state allows it (else one of its commands is refused).
 */
const POISONS: ((m: RcuMachine, c: number) => void)[] = [
  (m, c) => {
    const l = m.createLock();
    m.spinLock(c, l);
    m.enter(c, 'nmi');
    m.spinLock(c, l); // Deadlock
  },
  (m, c) => {
    m.irqWorkQueue(c, m.createIrqWork({ fn: 'requeue', arg: 70 })); // Invariant: more than 64 rounds
  },
  (m, c) => {
    m.at('krc-locked', throwingHook);
    m.kfreeRcu(c, m.kmalloc(c)); // Invariant: the hook threw
  },
];

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...METHODS) },
  { weight: 12, arbitrary: fc.constantFrom(...HOT) },
  { weight: 2, arbitrary: fc.constant('removeHook') },
  { weight: 1, arbitrary: fc.constant('poison') },
).chain((m) => {
  const params: readonly string[] = (COMMAND_PARAMS as Record<string, readonly string[]>)[m] ??
    (m === 'removeHook' ? ['n'] : m === 'poison' ? ['n', 'cpu'] : []);
  return fc.tuple(fc.tuple(...params.map(arg)), fc.array(fc.constantFrom(...JUNK), { maxLength: 1 }), fc.nat(9))
    .map(([typed, extra, drop]) => ({
      m,
      // now and then an argument short, or one too many
      args: drop === 0 ? typed.slice(0, -1) : drop === 1 ? [...typed, ...extra] : typed,
    }));
});

const CONFIGS: MachineOptions[] = [
  { nrCpus: 2, maxObjects: 6, maxPages: 4, rcuStallJiffies: 30, traceCapacity: 2048 },
  {
    nrCpus: 2, maxObjects: 6, maxPages: 4, rcuStallJiffies: 30, traceCapacity: 2048, pageFailRate: 0.5,
    inject: { nmi: { probability: 0.3, points: ['nolock-entry', 'krc-locked'], handler: [{ op: 'kmalloc' }, { op: 'kfree_rcu_nolock' }] } },
  },
];

function show(v: unknown): string {
  if (typeof v === 'function') return '[function]';
  if (typeof v === 'undefined') return 'undefined';
  return JSON.stringify(v, (_k, x) => (typeof x === 'function' ? '[function]' : x)) ?? String(v);
}

/** Runs one step; returns its outcome as text. A CRASH is anything but a result or the two error classes. */
function exec(m: RcuMachine, removers: (() => void)[], s: Step): string {
  try {
    if (s.m === 'removeHook') {
      const i = s.args[0];
      if (removers.length > 0 && typeof i === 'number' && Number.isInteger(i) && i >= 0) removers[i % removers.length]();
      return 'ok removed';
    }
    if (s.m === 'poison') {
      const [kind, cpu] = s.args;
      POISONS[typeof kind === 'number' && Number.isInteger(kind) && kind >= 0 ? kind % POISONS.length : 0](m, cpu as number);
      return 'ok poison';
    }
    const r = (m as unknown as Any)[s.m](...s.args);
    if (s.m === 'at') removers.push(r as () => void);
    return `ok ${show(r)}`;
  } catch (e) {
    if (e instanceof RcuMachineFailure) return `failure ${e.message}`;
    if (e instanceof RcuError) return `error ${e.code}: ${e.message}`;
    return `CRASH ${(e as Error)?.name}: ${(e as Error)?.message ?? String(e)}`;
  }
}

/** The valid commands the bystander machine runs, one per step, cyclically. */
const BYSTANDER: ((m: RcuMachine) => unknown)[] = [
  (m) => m.kfreeRcu(0, m.kmalloc(0)),
  (m) => {
    m.enter(1, 'nmi');
    m.kfreeRcuNolock(1, m.kmalloc(1));
    m.exit(1);
  },
  (m) => m.advance(1),
  (m) => m.callRcu(1, m.kmalloc(1)),
  (m) => m.llistAdd(0, 0, m.kmalloc(0)),
  (m) => m.llistDelAll(0, 0).forEach((o) => m.callRcu(0, o)), // detached objects are handed on
  (m) => m.random(),
  (m) => m.advance(2),
];
const BYSTANDER_OPTIONS: MachineOptions = { nrCpus: 2, maxObjects: 512, traceCapacity: 4096 };

function bystander(impl: Impl): RcuMachine {
  const m = createMachine(BYSTANDER_OPTIONS, { impl });
  m.createLlist();
  return m;
}

function state(m: RcuMachine) {
  return {
    digest: m.traceDigest(), count: m.traceCount(), trace: m.trace(), stats: m.stats(), failure: m.failure(),
    now: m.now(), jiffies: m.jiffies(), gpSeq: m.gpSeq(), memory: m.memoryInfo(), run: m.runInfo(),
    cpus: [0, 1].map((c) => m.cpuInfo(c)), krcs: [0, 1].map((c) => m.krcInfo(c)),
  };
}

describe('command surface fuzz (wasm and ts side by side)', () => {
  it('property: junk calls only succeed or throw the typed errors, identically on both machines, and never touch another instance', () => {
    let poisoned = 0;
    let errors = 0;
    let oks = 0;
    const statuses = new Set<string>();
    fc.assert(fc.property(fc.constantFrom(0, 1), fc.array(step, { minLength: 10, maxLength: 40, size: 'max' }), (config, steps) => {
      const fuzzed = IMPLS.map((impl) => createMachine(CONFIGS[config], { impl }));
      const bystanders = IMPLS.map(bystander);
      const removers: (() => void)[][] = IMPLS.map(() => []);
      const outcomes: string[][] = IMPLS.map(() => []);
      steps.forEach((s, i) => {
        fuzzed.forEach((m, k) => outcomes[k].push(exec(m, removers[k], s)));
        for (const b of bystanders) BYSTANDER[i % BYSTANDER.length](b);
      });
      // no crash, and the same outcome at every step
      for (const list of outcomes) {
        const crash = list.findIndex((o) => o.startsWith('CRASH'));
        expect(crash, `step ${crash}: ${steps[crash]?.m} -> ${list[crash]}`).toBe(-1);
      }
      const diff = outcomes[0].findIndex((o, i) => o !== outcomes[1][i]);
      expect(diff, diff < 0 ? '' : `step ${diff} ${steps[diff].m}: wasm ${outcomes[0][diff]} / ts ${outcomes[1][diff]}`).toBe(-1);
      const [w, t] = fuzzed;
      expect(w.failure()).toEqual(t.failure());
      expect(w.traceDigest()).toBe(t.traceDigest());
      expect(w.traceCount()).toBe(t.traceCount());
      expect(w.trace()).toEqual(t.trace());
      expect(w.stats()).toEqual(t.stats());
      // isolation: each bystander equals a fresh twin that ran the same valid commands alone
      IMPLS.forEach((impl, k) => {
        const twin = bystander(impl);
        steps.forEach((_, i) => BYSTANDER[i % BYSTANDER.length](twin));
        expect(state(bystanders[k])).toEqual(state(twin));
      });
      if (w.failure()) {
        poisoned++;
        statuses.add(w.failure()!.status);
      }
      for (const o of outcomes[0]) {
        if (o.startsWith('error')) errors++;
        else if (o.startsWith('ok')) oks++;
      }
    }), { seed: SEED, numRuns: 150 });
    // the generator reaches all three outcomes often enough to mean something
    expect(poisoned).toBeGreaterThan(30);
    expect(poisoned).toBeLessThan(130);
    expect([...statuses].sort()).toEqual(['Deadlock', 'Invariant', 'Violation']); // the checker is on by default
    expect(errors).toBeGreaterThan(500);
    expect(oks).toBeGreaterThan(500);
  });
});
