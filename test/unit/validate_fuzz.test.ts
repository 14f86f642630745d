// Property-based tests of the validators (resolveOptions, resolveScenario and, through both,
// encodeProgram): generate a valid document, corrupt exactly one field of it in a random way —
// wrong type, out of range, unknown key, missing field, hole in an array, absurd size — and require
// an RcuOptionError whose key is that field's path and whose message shows the offending value:
//   Invalid option <key path>: <value> (expected …)
// Never a TypeError, a RangeError or any other crash. And valid documents never throw.
// The field list below is written from docs/model.md and src/types.ts, not from the validators.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RcuOptionError, resolveOptions, resolveScenario } from '../../src/index.js';
import { CHECK_RULE_NAMES, MUTANT_NAMES } from '../../src/checker.js';
import { formatValue } from '../../src/errors.js';
import { POINT_NAMES } from '../../src/points.js';
import { PROGRAM_OP_NAMES } from '../../src/program.js';
import type { MachineOptions, ProgramOp } from '../../src/types.js';

const SEED = 20240611;
type Doc = Record<string, unknown>;
type Path = (string | number)[];
/** A corruption applied to a clone of the valid document: the new document, the key the error must name, the value it must show. */
interface Corrupted {
  doc: unknown;
  key: string;
  shown: string;
}
type Corrupt = fc.Arbitrary<(doc: unknown) => Corrupted>;

// -- how a value is shown in a message (docs: errors name key, value and expectation) ---------------
function shown(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  if (typeof v === 'function') return '[function]';
  if (typeof v === 'symbol') return v.toString();
  if (typeof v === 'bigint') return `${v}n`;
  try {
    const s = JSON.stringify(v);
    if (typeof s === 'string') return s;
  } catch {
    // not JSON
  }
  return Object.prototype.toString.call(v);
}

// -- the document surgery --------------------------------------------------------------------------
function clone<T>(v: T): T {
  return structuredClone(v);
}

function parentOf(root: unknown, path: Path): Record<string | number, unknown> {
  let o = root as Record<string | number, unknown>;
  for (const p of path.slice(0, -1)) o = o[p] as Record<string | number, unknown>;
  return o;
}

/** Sets (own property, so "__proto__" is a key like any other, as JSON.parse makes it) or deletes at path. */
function setAt(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  Object.defineProperty(parentOf(root, path), path[path.length - 1], { value, writable: true, enumerable: true, configurable: true });
  return root;
}

function delAt(root: unknown, path: Path): unknown {
  delete parentOf(root, path)[path[path.length - 1]]; // on an array element: a hole
  return root;
}

function getAt(root: unknown, path: Path): unknown {
  let o = root as Record<string | number, unknown>;
  for (const p of path) o = o?.[p] as Record<string | number, unknown>;
  return o;
}

const set = (path: Path, key: string, values: fc.Arbitrary<unknown>): Corrupt =>
  values.map((v) => (doc: unknown) => ({ doc: setAt(clone(doc), path, v), key, shown: shown(v) }));

const del = (path: Path, key: string): Corrupt =>
  fc.constant((doc: unknown) => ({ doc: delAt(clone(doc), path), key, shown: 'undefined' }));

/** A special replacement whose error names `key` and shows `text` (sizes, depths). */
const special = <T>(path: Path, key: string, values: fc.Arbitrary<T>, build: (v: T) => unknown, text: (v: T) => string): Corrupt =>
  values.map((v) => (doc: unknown) => ({ doc: setAt(clone(doc), path, build(v)), key, shown: text(v) }));

const unknownName = (allowed: readonly string[]) =>
  fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', '', 'nrCpu', 'Op'))
    .filter((n) => !allowed.includes(n));

/** An unknown key on the object at `path` (whose key path is `key`, '' at the root of the options). */
const addKey = (path: Path, key: string, allowed: readonly string[], values = junk): Corrupt =>
  fc.tuple(unknownName(allowed), values).map(([name, v]) => (doc: unknown) => ({
    doc: setAt(clone(doc), [...path, name], v),
    key: key === '' ? name : `${key}.${name}`,
    shown: shown(v),
  }));

// -- junk and near misses --------------------------------------------------------------------------
const nullProto = Object.create(null) as object;
const cyclic: Record<string, unknown> = { a: 1 };
cyclic.self = cyclic;
/** Any value but undefined (undefined is "absent", which is valid for optional keys). */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.boolean(),
  fc.constant(null),
  fc.double(),
  fc.integer(),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 3 })), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }),
  fc.bigInt({ min: -10n, max: 10n }),
  fc.constantFrom<unknown>(Symbol('junk'), () => 0, nullProto, cyclic, NaN, Infinity, -Infinity, 2 ** 53, -1, [], {}, new Date(0), /x/),
);
const not = (valid: (v: unknown) => boolean, near: fc.Arbitrary<unknown>) => fc.oneof(near, junk).filter((v) => !valid(v));

const isInt = (min: number, max: number) => (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const badInt = (min: number, max: number) => not(isInt(min, max), fc.oneof(
  fc.integer({ min: min - 1000, max: min - 1 }),
  fc.integer({ min: max + 1, max: max + 1000 }),
  fc.double({ min: min - 1, max: max + 1, noInteger: true }),
  fc.constantFrom<unknown>(NaN, Infinity, -Infinity, 2 ** 53, min - 0.5, max + 0.5, String(min), max + 1, -(2 ** 31)),
));
const isNum = (min: number, max: number) => (v: unknown) => typeof v === 'number' && v >= min && v <= max;
const badNum = (min: number, max: number) => not(isNum(min, max), fc.oneof(
  fc.double({ min: -1e9, max: 1e9, noNaN: true }),
  fc.constantFrom<unknown>(NaN, Infinity, -Infinity, String(min), max * 2 + 1e-9, -Number.MIN_VALUE),
));
const isBool = (v: unknown) => typeof v === 'boolean';
const badBool = not(isBool, fc.constantFrom<unknown>(0, 1, 'true', 'false', null, []));
const badEnum = (allowed: readonly unknown[]) => not((v) => allowed.includes(v), fc.constantFrom<unknown>(
  '', 'toString', '__proto__', 'constructor', 'hasOwnProperty', ...allowed.map((a) => String(a).toUpperCase()), ...allowed.map((a) => `${String(a)} `),
));
const isObj = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);

// -- valid documents -------------------------------------------------------------------------------
const SIMPLE_OPS = ['kmalloc', 'vmalloc', 'kfree_rcu', 'kvfree_rcu', 'kfree_rcu_mix', 'call_rcu', 'kfree', 'rcu_read_lock', 'rcu_read_unlock', 'cond_resched', 'kfree_rcu_nolock'] as const;
const LOOP_DEPTH = 4;

/** A valid program: loops at most 4 deep, at most 3 ops per list, so at most 483 ops (<= 512). */
function programAt(depth: number): fc.Arbitrary<ProgramOp[]> {
  const simple = fc.constantFrom(...SIMPLE_OPS).map((op) => ({ op }) as ProgramOp);
  const timed = fc.oneof(
    fc.integer({ min: 0, max: 0x7fffffff }).map((jiffies) => ({ op: 'sleep', jiffies }) as ProgramOp),
    fc.integer({ min: 0, max: 0x7fffffff }).map((period) => ({ op: 'mem_sample', period }) as ProgramOp),
  );
  const op: fc.Arbitrary<ProgramOp> = depth < LOOP_DEPTH
    ? fc.oneof({ weight: 3, arbitrary: simple }, { weight: 1, arbitrary: timed }, {
      weight: 2,
      arbitrary: fc.tuple(fc.integer({ min: 1, max: 0x7fffffff }), programAt(depth + 1))
        .map(([n, body]) => ({ op: 'loop', n, body }) as ProgramOp),
    })
    : fc.oneof(simple, timed);
  return fc.array(op, { maxLength: 3 });
}
const program = programAt(0);

const INT_OPTIONS: [string, number, number][] = [
  ['nrCpus', 1, 1024], ['seed', 0, 0xffffffff], ['maxObjects', 1, 2 ** 26], ['objSize', 16, 8192], ['rcuHeadOffset', 0, 4095],
  ['maxPages', 1, 2 ** 18], ['traceCapacity', 1, 2 ** 24], ['rcuStallJiffies', 1, 1_000_000], ['rcuMinCachedObjs', 0, 64],
  ['rcuDelayPageCacheFillMsec', 0, 100_000], ['kfreeDrainJiffies', 1, 1_000_000], ['bulkMaxEntr', 1, 1018],
  ['costKmallocNs', 0, 1_000_000], ['costKfreeRcuNs', 0, 1_000_000], ['costKfreeNs', 0, 1_000_000], ['costRcuReadNs', 0, 1_000_000],
  ['costCondReschedNs', 0, 1_000_000], ['costPageAllocNs', 0, 1_000_000], ['costPointNs', 0, 1_000_000],
];
const BOOL_OPTIONS = ['trace', 'batched', 'drainReady', 'monitorBacklogRule', 'debugObjects', 'checker'];
const ENUM_OPTIONS: [string, readonly string[]][] = [
  ['monitorArm', ['lazy-irq-work', 'irq-work', 'lazy-irq-work-unless-pending', 'one-irq-work-lazy-flag']],
  ['nolockGate', ['allow-spin', 'in-nmi']],
  ['mutant', ['none', ...MUTANT_NAMES]],
];
const OPTION_KEYS = Object.keys(resolveOptions());
const INJECT_KINDS = ['nmi', 'probe', 'hardirq', 'remote'] as const;
const SOURCE_KEYS = ['probability', 'ratePerSec', 'points', 'handler'];

function source(kind: (typeof INJECT_KINDS)[number]) {
  return fc.record({
    probability: fc.double({ min: 0, max: 1, noNaN: true }),
    ...(kind === 'nmi' ? { ratePerSec: fc.double({ min: 0, max: 1e7, noNaN: true }) } : { ratePerSec: fc.constant(0) }),
    points: fc.oneof(fc.constant('all'), fc.subarray([...POINT_NAMES], { minLength: 1 })),
    handler: kind === 'remote' ? fc.constant([]) : program,
  }, { requiredKeys: [] });
}

const schedule = fc.uniqueArray(fc.integer({ min: 0, max: 0x7fffffff }), { maxLength: 4 })
  .chain((hits) => fc.tuple(...hits.sort((a, b) => a - b).map((hit) => fc.constantFrom(...INJECT_KINDS).map((kind) => ({ hit, kind })))));

const inject = fc.record({ nmi: source('nmi'), probe: source('probe'), hardirq: source('hardirq'), remote: source('remote'), schedule }, { requiredKeys: [] });

const optionsRecord = fc.record({
  ...Object.fromEntries(INT_OPTIONS.map(([k, min, max]) => [k, fc.integer({ min, max })])),
  ...Object.fromEntries(BOOL_OPTIONS.map((k) => [k, fc.boolean()])),
  ...Object.fromEntries(ENUM_OPTIONS.map(([k, values]) => [k, fc.constantFrom(...values)])),
  hz: fc.constantFrom(100, 250, 1000),
  pageFailRate: fc.double({ min: 0, max: 1, noNaN: true }),
  gpSeqStart: fc.integer({ min: 0, max: 2 ** 30 - 1 }).map((g) => g * 4),
  inject,
  checkerRules: fc.array(fc.constantFrom(...CHECK_RULE_NAMES), { maxLength: 8 }),
}, { requiredKeys: [] }) as fc.Arbitrary<Doc>;

/** Makes the objSize / rcuHeadOffset / maxObjects triple consistent (objSize defaults to `defaultObjSize`). */
function consistent(o: Doc, defaultObjSize = 24): Doc {
  const size = (o.objSize as number | undefined) ?? defaultObjSize;
  // the default rcuHeadOffset (8) needs objSize >= 24
  if (o.rcuHeadOffset !== undefined || size < 24) o.rcuHeadOffset = Math.min((o.rcuHeadOffset as number | undefined) ?? 8, size - 16);
  if (o.maxObjects !== undefined) o.maxObjects = Math.min(o.maxObjects as number, Math.floor(2 ** 31 / size));
  return o;
}
const validOptions = optionsRecord.map((o) => consistent(o));

// -- where an options document can be corrupted ----------------------------------------------------
function programCorruptions(doc: unknown, path: Path, key: string, required: boolean, depth = 0): Corrupt[] {
  const out: Corrupt[] = [set(path, key, junk.filter((v) => !Array.isArray(v)))];
  if (required) out.push(del(path, key));
  if (depth === 0) {
    // absurd sizes: more than 512 ops after flattening, flat or inside a loop
    out.push(special(path, key, fc.integer({ min: 513, max: 5000 }), (n) => Array.from({ length: n }, () => ({ op: 'kmalloc' })), (n) => `"${n} ops"`));
    out.push(special(path, key, fc.integer({ min: 511, max: 5000 }), (n) => [{ op: 'loop', n: 3, body: Array.from({ length: n }, () => ({ op: 'kfree_rcu' })) }], (n) => `"${n + 2} ops"`));
  }
  const ops = getAt(doc, path) as Doc[];
  if (!Array.isArray(ops)) return out;
  ops.forEach((op, i) => {
    const p = [...path, i];
    const k = `${key}[${i}]`;
    out.push(set(p, k, junk.filter((v) => !isObj(v))));
    out.push(del(p, k)); // a hole in the array
    out.push(set([...p, 'op'], `${k}.op`, badEnum(PROGRAM_OP_NAMES)));
    out.push(del([...p, 'op'], `${k}.op`));
    const allowed = op.op === 'sleep' ? ['op', 'jiffies'] : op.op === 'mem_sample' ? ['op', 'period'] : op.op === 'loop' ? ['op', 'n', 'body'] : ['op'];
    out.push(addKey(p, k, allowed));
    // 5 nested loops in place of this op: the one that reaches depth 4 is named, value "loop"
    const nest = (levels: number): Doc => (levels === 0 ? { op: 'kmalloc' } : { op: 'loop', n: 1, body: [nest(levels - 1)] });
    out.push(special(p, `${k}${'.body[0]'.repeat(LOOP_DEPTH - depth)}`, fc.constant(5), nest, () => '"loop"'));
    const field = op.op === 'sleep' ? 'jiffies' : op.op === 'mem_sample' ? 'period' : op.op === 'loop' ? 'n' : null;
    if (field) {
      out.push(set([...p, field], `${k}.${field}`, badInt(field === 'n' ? 1 : 0, 0x7fffffff)));
      out.push(del([...p, field], `${k}.${field}`));
    }
    if (op.op === 'loop') out.push(...programCorruptions(doc, [...p, 'body'], `${k}.body`, true, depth + 1));
  });
  return out;
}

function optionsCorruptions(doc: Doc, base: Path, prefix: string, defaultObjSize = 24): Corrupt[] {
  const at = (...p: Path): Path => [...base, ...p];
  const key = (k: string) => `${prefix}${k}`;
  const out: Corrupt[] = [addKey(base, prefix.replace(/\.$/, ''), OPTION_KEYS)];
  for (const [k, min, max] of INT_OPTIONS) out.push(set(at(k), key(k), badInt(min, max)));
  for (const k of BOOL_OPTIONS) out.push(set(at(k), key(k), badBool));
  for (const [k, values] of ENUM_OPTIONS) out.push(set(at(k), key(k), badEnum(values)));
  out.push(set(at('hz'), key('hz'), badEnum([100, 250, 1000])));
  out.push(set(at('pageFailRate'), key('pageFailRate'), badNum(0, 1)));
  out.push(set(at('gpSeqStart'), key('gpSeqStart'), fc.oneof(badInt(0, 0xffffffff), fc.integer({ min: 0, max: 0xffffffff }).filter((g) => g % 4 !== 0))));
  // cross-field rules: rcuHeadOffset + 16 <= objSize, maxObjects * objSize <= 2 GiB
  const size = (doc.objSize as number | undefined) ?? defaultObjSize;
  if (size - 15 <= 4095) out.push(set(at('rcuHeadOffset'), key('rcuHeadOffset'), fc.integer({ min: size - 15, max: 4095 })));
  if (Math.floor(2 ** 31 / size) < 2 ** 26) out.push(set(at('maxObjects'), key('maxObjects'), fc.integer({ min: Math.floor(2 ** 31 / size) + 1, max: 2 ** 26 })));
  // checkerRules
  out.push(set(at('checkerRules'), key('checkerRules'), junk.filter((v) => !Array.isArray(v))));
  const rules = doc.checkerRules;
  if (Array.isArray(rules)) {
    rules.forEach((_, i) => {
      out.push(set(at('checkerRules', i), key(`checkerRules[${i}]`), badEnum(CHECK_RULE_NAMES)));
      out.push(del(at('checkerRules', i), key(`checkerRules[${i}]`)));
    });
  }
  // inject
  out.push(set(at('inject'), key('inject'), junk.filter((v) => !isObj(v))));
  const inj = doc.inject as Doc | undefined;
  if (inj === undefined) return out;
  out.push(addKey(at('inject'), key('inject'), [...INJECT_KINDS, 'schedule']));
  for (const kind of INJECT_KINDS) {
    const k = key(`inject.${kind}`);
    const p = at('inject', kind);
    out.push(set(p, k, junk.filter((v) => !isObj(v))));
    const src = inj[kind] as Doc | undefined;
    if (src === undefined) continue;
    out.push(addKey(p, k, SOURCE_KEYS));
    out.push(set([...p, 'probability'], `${k}.probability`, badNum(0, 1)));
    out.push(kind === 'nmi'
      ? set([...p, 'ratePerSec'], `${k}.ratePerSec`, badNum(0, 1e7))
      : set([...p, 'ratePerSec'], `${k}.ratePerSec`, junk.filter((v) => v !== 0))); // only NMIs arrive at a rate
    out.push(set([...p, 'points'], `${k}.points`, junk.filter((v) => v !== 'all' && !(Array.isArray(v) && v.length > 0))));
    if (Array.isArray(src.points)) {
      src.points.forEach((_, i) => out.push(set([...p, 'points', i], `${k}.points`, badEnum(POINT_NAMES))));
    }
    if (kind === 'remote') out.push(set([...p, 'handler'], `${k}.handler`, junk.filter((v) => !(Array.isArray(v) && v.length === 0))));
    else out.push(...programCorruptions(doc, [...p, 'handler'], `${k}.handler`, false));
  }
  out.push(set(at('inject', 'schedule'), key('inject.schedule'), junk.filter((v) => !Array.isArray(v))));
  const sched = inj.schedule as { hit: number }[] | undefined;
  sched?.forEach((e, i) => {
    const k = key(`inject.schedule[${i}]`);
    const p = at('inject', 'schedule', i);
    const prev = i === 0 ? -1 : sched[i - 1].hit;
    out.push(set(p, k, junk.filter((v) => !isObj(v))));
    out.push(del(p, k));
    out.push(addKey(p, k, ['hit', 'kind']));
    out.push(set([...p, 'hit'], `${k}.hit`, fc.oneof(badInt(prev + 1, 0x7fffffff), fc.integer({ min: Math.max(-1, prev - 100), max: prev }))));
    out.push(del([...p, 'hit'], `${k}.hit`));
    out.push(set([...p, 'kind'], `${k}.kind`, badEnum(INJECT_KINDS)));
    out.push(del([...p, 'kind'], `${k}.kind`));
  });
  return out;
}

// -- scenarios -------------------------------------------------------------------------------------
const smallCpus = fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined });

const rcuscale = (nrCpus: number) => fc.record({
  kind: fc.constant('rcuscale-kfree'),
  kfree_nthreads: fc.oneof(fc.integer({ min: -1024, max: -1 }), fc.integer({ min: 1, max: nrCpus })),
  kfree_alloc_num: fc.integer({ min: 1, max: 1e8 }),
  kfree_loops: fc.integer({ min: 1, max: 1e7 }),
  kfree_rcu_test_single: fc.boolean(),
  kfree_rcu_test_double: fc.boolean(),
  kfree_mult: fc.integer({ min: 1, max: 170 }),
  kfree_by_call_rcu: fc.boolean(),
  kfree_cpu_offset: fc.integer({ min: 0, max: 1 << 20 }),
}, { requiredKeys: ['kind'] });

const programs = (nrCpus: number) => fc.oneof(
  program.map((ops) => [{ cpus: 'all' as const, ops }]),
  fc.shuffledSubarray(Array.from({ length: nrCpus }, (_, c) => c), { minLength: 1 }).chain((cpus) =>
    fc.integer({ min: 1, max: Math.min(3, cpus.length) }).chain((n) =>
      fc.tuple(...Array.from({ length: n }, (_, i) => program.map((ops) => ({ cpus: cpus.filter((_, j) => j % n === i), ops })))))),
).map((list) => ({ kind: 'programs', programs: list }));

const validScenario: fc.Arbitrary<Doc> = fc.tuple(smallCpus, fc.option(validOptions, { nil: undefined }), fc.boolean()).chain(([nrCpus, opts, scale]) => {
  const options = opts === undefined && nrCpus === undefined ? undefined : { ...(opts ?? {}), ...(nrCpus === undefined ? {} : { nrCpus }) };
  if (options && nrCpus === undefined) delete options.nrCpus;
  const n = nrCpus ?? 4;
  return fc.record({
    name: fc.string({ minLength: 1, maxLength: 10 }),
    description: fc.string({ maxLength: 10 }),
    $schema: fc.string({ maxLength: 10 }),
    options: fc.constant(options),
    workload: scale ? rcuscale(n) : programs(n),
    maxJiffies: fc.integer({ min: 1, max: 1e9 }),
    barrier: fc.boolean(),
  }, { requiredKeys: ['name', 'workload', 'options'] }).map((doc) => {
    if (doc.options === undefined) delete doc.options;
    const w = doc.workload as Doc;
    // rcuscale sizes objects as 24 * kfree_mult unless objSize is given
    if (doc.options) consistent(doc.options, w.kind === 'rcuscale-kfree' ? 24 * ((w.kfree_mult as number | undefined) ?? 1) : 24);
    return doc as Doc;
  });
});

const RCUSCALE_INTS: [string, number, number][] = [
  ['kfree_nthreads', -1024, 1024], ['kfree_alloc_num', 1, 1e8], ['kfree_loops', 1, 1e7], ['kfree_mult', 1, 170], ['kfree_cpu_offset', 0, 1 << 20],
];
const RCUSCALE_BOOLS = ['kfree_rcu_test_single', 'kfree_rcu_test_double', 'kfree_by_call_rcu'];

function scenarioCorruptions(doc: Doc): Corrupt[] {
  const w = doc.workload as Doc;
  const opts = (doc.options ?? {}) as Doc;
  const nrCpus = (opts.nrCpus as number | undefined) ?? 4;
  const out: Corrupt[] = [
    set([], 'scenario.(root)', junk.filter((v) => !isObj(v))),
    addKey([], 'scenario', ['name', 'description', 'options', 'workload', 'maxJiffies', 'barrier', '$schema']),
    set(['name'], 'scenario.name', junk.filter((v) => typeof v !== 'string')),
    set(['name'], 'scenario.name', fc.constant('')),
    del(['name'], 'scenario.name'),
    set(['description'], 'scenario.description', junk.filter((v) => typeof v !== 'string')),
    set(['$schema'], 'scenario.$schema', junk.filter((v) => typeof v !== 'string')),
    set(['options'], 'scenario.options', junk.filter((v) => !isObj(v))),
    set(['workload'], 'scenario.workload', junk.filter((v) => !isObj(v))),
    del(['workload'], 'scenario.workload'),
    set(['workload', 'kind'], 'scenario.workload.kind', badEnum(['rcuscale-kfree', 'programs'])),
    del(['workload', 'kind'], 'scenario.workload.kind'),
    set(['maxJiffies'], 'scenario.maxJiffies', badInt(1, 1e9)),
    set(['barrier'], 'scenario.barrier', badBool),
  ];
  if (doc.options !== undefined) {
    const size = w.kind === 'rcuscale-kfree' ? 24 * ((w.kfree_mult as number | undefined) ?? 1) : 24;
    out.push(...optionsCorruptions(opts, ['options'], 'scenario.options.', size));
  }
  if (w.kind === 'rcuscale-kfree') {
    out.push(addKey(['workload'], 'scenario.workload', ['kind', ...RCUSCALE_INTS.map(([k]) => k), ...RCUSCALE_BOOLS]));
    for (const [k, min, max] of RCUSCALE_INTS) out.push(set(['workload', k], `scenario.workload.${k}`, badInt(min, max)));
    for (const k of RCUSCALE_BOOLS) out.push(set(['workload', k], `scenario.workload.${k}`, badBool));
    // the model runs one thread per CPU (0 threads is no thread at all)
    out.push(set(['workload', 'kfree_nthreads'], 'scenario.workload.kfree_nthreads', fc.oneof(fc.constant(0), fc.integer({ min: nrCpus + 1, max: 1024 }))));
    return out;
  }
  out.push(addKey(['workload'], 'scenario.workload', ['kind', 'programs']));
  out.push(set(['workload', 'programs'], 'scenario.workload.programs', junk.filter((v) => !(Array.isArray(v) && v.length > 0))));
  out.push(del(['workload', 'programs'], 'scenario.workload.programs'));
  const list = w.programs as { cpus: number[] | 'all'; ops: ProgramOp[] }[];
  const used: number[] = [];
  list.forEach((entry, i) => {
    const p: Path = ['workload', 'programs', i];
    const k = `scenario.workload.programs[${i}]`;
    out.push(set(p, k, junk.filter((v) => !isObj(v))));
    out.push(del(p, k));
    out.push(addKey(p, k, ['cpus', 'ops']));
    out.push(...programCorruptions(doc, [...p, 'ops'], `${k}.ops`, true));
    out.push(set([...p, 'cpus'], `${k}.cpus`, junk.filter((v) => v !== 'all' && !(Array.isArray(v) && v.length > 0))));
    out.push(del([...p, 'cpus'], `${k}.cpus`));
    if (entry.cpus === 'all') return;
    entry.cpus.forEach((_, j) => {
      out.push(set([...p, 'cpus', j], `${k}.cpus`, badInt(0, nrCpus - 1)));
      if (used.length > 0) out.push(set([...p, 'cpus', j], `${k}.cpus`, fc.constantFrom(...used))); // each CPU in at most one program
      used.push(entry.cpus[j] as number);
    });
  });
  return out;
}

// -- the properties --------------------------------------------------------------------------------
function rejected(validate: (doc: unknown) => unknown, c: Corrupted): void {
  let err: unknown = null;
  try {
    validate(c.doc);
  } catch (e) {
    err = e;
  }
  if (!(err instanceof RcuOptionError)) {
    throw new Error(`expected an RcuOptionError naming ${c.key}, got ${err === null ? 'no error' : String((err as Error)?.stack ?? err)}`);
  }
  expect(err.key).toBe(c.key);
  expect(err.code).toBe('BadArgument');
  expect(err.message.startsWith(`Invalid option ${c.key}: ${c.shown} (expected `), err.message).toBe(true);
  expect(err.message.endsWith(')')).toBe(true);
}

const corrupted = (valid: fc.Arbitrary<Doc>, sites: (d: Doc) => Corrupt[]) =>
  valid.chain((doc) => fc.oneof(...sites(doc)).map((make) => make(doc)));

describe('validator fuzz: resolveOptions', () => {
  it('shows values JSON cannot show, never throwing', () => {
    expect(formatValue(() => 1)).toBe('[function]');
    expect(formatValue(Symbol('s'))).toBe('Symbol(s)');
    expect(formatValue(3n)).toBe('3n');
    expect(formatValue(cyclic)).toBe('[object Object]');
    expect(formatValue(Object.create(null))).toBe('{}');
    expect(formatValue({ n: 1n })).toBe('[object Object]');
  });

  it('property: valid options never throw, echo every scalar given, and resolve idempotently', () => {
    fc.assert(fc.property(validOptions, (doc) => {
      const r = resolveOptions(doc as MachineOptions) as unknown as Doc;
      for (const [k, v] of Object.entries(doc)) if (typeof v !== 'object') expect(r[k], k).toBe(v);
      if (Array.isArray(doc.checkerRules)) expect(new Set(r.checkerRules as string[])).toEqual(new Set(doc.checkerRules));
      expect(resolveOptions(r as MachineOptions)).toEqual(r);
    }), { seed: SEED, numRuns: 300 });
  });

  it('property: one corrupted field (type, range, unknown key, missing, hole, size, depth) is an RcuOptionError naming its path and value', () => {
    fc.assert(fc.property(corrupted(validOptions, (d) => optionsCorruptions(d, [], '')), (c) => {
      rejected((d) => resolveOptions(d as MachineOptions), c);
    }), { seed: SEED, numRuns: 1500 });
  });

  it('rejects a document that is not an object', () => {
    fc.assert(fc.property(junk.filter((v) => !isObj(v)), (v) => {
      rejected((d) => resolveOptions(d as MachineOptions), { doc: v, key: 'options', shown: shown(v) });
    }), { seed: SEED, numRuns: 100 });
  });
});

describe('validator fuzz: resolveScenario', () => {
  it('property: valid scenarios never throw and load each program on exactly the CPUs listed', () => {
    fc.assert(fc.property(validScenario, (doc) => {
      const s = resolveScenario(doc);
      const w = doc.workload as Doc;
      const nrCpus = ((doc.options as Doc | undefined)?.nrCpus as number | undefined) ?? 4;
      expect(s.options.nrCpus).toBe(nrCpus);
      expect(s.maxJiffies).toBe(doc.maxJiffies ?? 600_000);
      expect(s.barrier).toBe(doc.barrier ?? true);
      if (w.kind === 'programs') {
        const want = new Map<number, unknown>();
        for (const e of w.programs as { cpus: number[] | 'all'; ops: unknown }[]) {
          for (const c of e.cpus === 'all' ? Array.from({ length: nrCpus }, (_, i) => i) : e.cpus) want.set(c, e.ops);
        }
        expect(new Map([...s.ops].sort((a, b) => a[0] - b[0]))).toEqual(new Map([...want].sort((a, b) => a[0] - b[0])));
      } else {
        expect(s.ops.size).toBeGreaterThan(0);
        expect(s.rcuscale).not.toBeNull();
      }
    }), { seed: SEED, numRuns: 300 });
  });

  it('property: one corrupted field anywhere (options included) is an RcuOptionError naming its scenario path and value', () => {
    fc.assert(fc.property(corrupted(validScenario, scenarioCorruptions), (c) => {
      rejected(resolveScenario, c);
    }), { seed: SEED, numRuns: 1500 });
  });
});
