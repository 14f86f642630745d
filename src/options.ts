// Validation of MachineOptions, once, at construction (esbuild-style: one validator per key,
// unknown keys rejected). Both machines receive the same ResolvedOptions.
import { RcuOptionError } from './errors.js';
import { CHECK_RULE_NAMES, MUTANT_NAMES, type CheckRuleName } from './checker.js';
import { POINT_NAMES } from './points.js';
import { encodeProgram } from './program.js';
import type { InjectKindName, InjectOptions, InjectSource, MachineOptions, PointName, ProgramOp, ResolvedOptions } from './types.js';

export const MONITOR_ARMS = ['lazy-irq-work', 'irq-work', 'lazy-irq-work-unless-pending', 'one-irq-work-lazy-flag'] as const;
export const NOLOCK_GATES = ['allow-spin', 'in-nmi'] as const;
const INJECT_KINDS: InjectKindName[] = ['nmi', 'probe', 'hardirq', 'remote'];

/** A fully resolved injection source: every field present. */
export interface ResolvedInjectSource {
  probability: number;
  ratePerSec: number;
  points: PointName[];
  handler: ProgramOp[];
}

export type ResolvedInject = Record<InjectKindName, ResolvedInjectSource> & { schedule: { hit: number; kind: InjectKindName }[] };

function oneOf<T extends string>(key: string, v: unknown, allowed: readonly T[], dflt: T): T {
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) throw new RcuOptionError(key, v, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
  return v as T;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function source(key: string, v: unknown, kind: InjectKindName): ResolvedInjectSource {
  const none: ResolvedInjectSource = { probability: 0, ratePerSec: 0, points: [...POINT_NAMES], handler: [] };
  if (v === undefined) return none;
  if (!isObj(v)) throw new RcuOptionError(key, v, 'an object { probability, points, handler }');
  // Resolved options are valid input too (all four keys present), so resolving is idempotent.
  const allowed = ['probability', 'ratePerSec', 'points', 'handler'];
  for (const k of Object.keys(v)) if (!allowed.includes(k)) throw new RcuOptionError(`${key}.${k}`, v[k], `one of the known keys: ${allowed.join(', ')}`);
  if (kind !== 'nmi' && v.ratePerSec !== undefined && v.ratePerSec !== 0) throw new RcuOptionError(`${key}.ratePerSec`, v.ratePerSec, 'nothing: only NMIs arrive at a rate');
  if (kind === 'remote' && Array.isArray(v.handler) && v.handler.length > 0) throw new RcuOptionError(`${key}.handler`, v.handler, 'nothing: a remote step runs the other CPU\'s own program');
  const probability = v.probability === undefined ? 0 : v.probability;
  if (typeof probability !== 'number' || !(probability >= 0 && probability <= 1)) throw new RcuOptionError(`${key}.probability`, probability, 'a number from 0 to 1');
  const ratePerSec = v.ratePerSec === undefined ? 0 : v.ratePerSec;
  if (typeof ratePerSec !== 'number' || !(ratePerSec >= 0 && ratePerSec <= 1e7)) throw new RcuOptionError(`${key}.ratePerSec`, ratePerSec, 'a number from 0 to 10000000');
  let points: PointName[] = [...POINT_NAMES];
  if (v.points !== undefined && v.points !== 'all') {
    if (!Array.isArray(v.points) || v.points.length === 0) throw new RcuOptionError(`${key}.points`, v.points, `"all" or a non-empty array of ${POINT_NAMES.join(', ')}`);
    for (const p of v.points) if (!(POINT_NAMES as readonly unknown[]).includes(p)) throw new RcuOptionError(`${key}.points`, p, `one of ${POINT_NAMES.join(', ')}`);
    points = POINT_NAMES.filter((p) => (v.points as unknown[]).includes(p));
  }
  // Absent means none; null is not an absent handler (as everywhere else in the options).
  const handler = (v.handler === undefined ? [] : v.handler) as ProgramOp[];
  encodeProgram(handler, `${key}.handler`);
  return { probability, ratePerSec, points, handler };
}

function resolveInject(v: unknown): ResolvedInject {
  if (v !== undefined && !isObj(v)) throw new RcuOptionError('inject', v, 'an object with nmi, probe, hardirq, remote, schedule');
  const o = (v ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(o)) if (![...INJECT_KINDS, 'schedule'].includes(k)) throw new RcuOptionError(`inject.${k}`, o[k], 'one of the known keys: nmi, probe, hardirq, remote, schedule');
  const r = {
    nmi: source('inject.nmi', o.nmi, 'nmi'),
    probe: source('inject.probe', o.probe, 'probe'),
    hardirq: source('inject.hardirq', o.hardirq, 'hardirq'),
    remote: source('inject.remote', o.remote, 'remote'),
    schedule: [] as { hit: number; kind: InjectKindName }[],
  };
  if (o.schedule !== undefined) {
    if (!Array.isArray(o.schedule)) throw new RcuOptionError('inject.schedule', o.schedule, 'an array of { hit, kind }');
    let last = -1;
    // Index loops, not forEach, here and in checkerRules: a hole in a sparse array is a bad entry.
    for (let i = 0; i < o.schedule.length; i++) {
      const e: unknown = o.schedule[i];
      const k = `inject.schedule[${i}]`;
      if (!isObj(e)) throw new RcuOptionError(k, e, 'an object { hit, kind }');
      for (const key of Object.keys(e)) if (key !== 'hit' && key !== 'kind') throw new RcuOptionError(`${k}.${key}`, e[key], 'one of the known keys: hit, kind');
      if (typeof e.hit !== 'number' || !Number.isInteger(e.hit) || e.hit <= last || e.hit > 0x7fffffff) throw new RcuOptionError(`${k}.hit`, e.hit, `an integer above the previous hit (${last}) and at most 2147483647`);
      if (!INJECT_KINDS.includes(e.kind as InjectKindName)) throw new RcuOptionError(`${k}.kind`, e.kind, 'one of "nmi", "probe", "hardirq", "remote"');
      last = e.hit;
      r.schedule.push({ hit: e.hit, kind: e.kind as InjectKindName });
    }
  }
  return r;
}

export const NR_CPUS_MAX = 1024;
/** Upper bounds that keep one machine's simulated memory well inside a 4 GiB Wasm memory. */
export const MAX_OBJECTS_LIMIT = 1 << 26;
export const MAX_PAGES_LIMIT = 1 << 18;
export const TRACE_CAPACITY_LIMIT = 1 << 24;

const KEYS = [
  'nrCpus', 'hz', 'seed', 'maxObjects', 'objSize', 'rcuHeadOffset', 'maxPages', 'pageFailRate',
  'gpSeqStart', 'trace', 'traceCapacity', 'rcuStallJiffies',
  'batched', 'drainReady', 'monitorBacklogRule', 'rcuMinCachedObjs', 'rcuDelayPageCacheFillMsec',
  'kfreeDrainJiffies', 'bulkMaxEntr',
  'costKmallocNs', 'costKfreeRcuNs', 'costKfreeNs', 'costRcuReadNs', 'costCondReschedNs', 'costPageAllocNs',
  'monitorArm', 'nolockGate', 'debugObjects', 'inject', 'costPointNs',
  'checker', 'checkerRules', 'mutant',
] as const satisfies readonly (keyof MachineOptions)[];

function bool(key: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new RcuOptionError(key, v, 'a boolean');
  return v;
}

function int(key: string, v: unknown, min: number, max: number, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new RcuOptionError(key, v, `an integer from ${min} to ${max}`);
  }
  return v;
}

export function resolveOptions(options: MachineOptions = {}): ResolvedOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new RcuOptionError('options', options, 'an object');
  }
  for (const key of Object.keys(options)) {
    if (!(KEYS as readonly string[]).includes(key)) {
      throw new RcuOptionError(key, (options as Record<string, unknown>)[key], `one of the known keys: ${KEYS.join(', ')}`);
    }
  }
  const o = options;
  const hz = o.hz === undefined ? 1000 : o.hz;
  if (hz !== 100 && hz !== 250 && hz !== 1000) throw new RcuOptionError('hz', hz, '100, 250 or 1000');
  const objSize = int('objSize', o.objSize, 16, 8192, 24);
  const rcuHeadOffset = int('rcuHeadOffset', o.rcuHeadOffset, 0, 4095, 8);
  if (rcuHeadOffset + 16 > objSize) {
    throw new RcuOptionError('rcuHeadOffset', rcuHeadOffset, `an offset with rcuHeadOffset + 16 <= objSize (${objSize})`);
  }
  const trace = bool('trace', o.trace, true);
  const pageFailRate = o.pageFailRate === undefined ? 0 : o.pageFailRate;
  if (typeof pageFailRate !== 'number' || !(pageFailRate >= 0 && pageFailRate <= 1)) {
    throw new RcuOptionError('pageFailRate', pageFailRate, 'a number from 0 to 1');
  }
  const maxObjects = int('maxObjects', o.maxObjects, 1, MAX_OBJECTS_LIMIT, 65536);
  if (maxObjects * objSize > 2 ** 31) {
    throw new RcuOptionError('maxObjects', maxObjects, `at most ${Math.floor(2 ** 31 / objSize)} objects of ${objSize} bytes (2 GiB of simulated slab)`);
  }
  const gpSeqStart = int('gpSeqStart', o.gpSeqStart, 0, 0xffffffff, ((0 - 300) << 2) >>> 0);
  if ((gpSeqStart & 3) !== 0) throw new RcuOptionError('gpSeqStart', gpSeqStart, 'an idle gp_seq (low 2 bits 0)');
  return {
    nrCpus: int('nrCpus', o.nrCpus, 1, NR_CPUS_MAX, 4),
    hz,
    seed: int('seed', o.seed, 0, 0xffffffff, 1),
    maxObjects,
    objSize,
    rcuHeadOffset,
    maxPages: int('maxPages', o.maxPages, 1, MAX_PAGES_LIMIT, 1024),
    pageFailRate,
    gpSeqStart,
    trace,
    traceCapacity: int('traceCapacity', o.traceCapacity, 1, TRACE_CAPACITY_LIMIT, 65536),
    rcuStallJiffies: int('rcuStallJiffies', o.rcuStallJiffies, 1, 1_000_000, 21 * hz),
    batched: bool('batched', o.batched, true),
    drainReady: bool('drainReady', o.drainReady, true),
    monitorBacklogRule: bool('monitorBacklogRule', o.monitorBacklogRule, true),
    rcuMinCachedObjs: int('rcuMinCachedObjs', o.rcuMinCachedObjs, 0, 64, 5),
    // The kernel clamps rcu_delay_page_cache_fill_msec to [0, 100000] at init.
    rcuDelayPageCacheFillMsec: int('rcuDelayPageCacheFillMsec', o.rcuDelayPageCacheFillMsec, 0, 100_000, 5000),
    kfreeDrainJiffies: int('kfreeDrainJiffies', o.kfreeDrainJiffies, 1, 1_000_000, 5 * hz),
    bulkMaxEntr: int('bulkMaxEntr', o.bulkMaxEntr, 1, 1018, 507),
    costKmallocNs: int('costKmallocNs', o.costKmallocNs, 0, 1_000_000, 45),
    costKfreeRcuNs: int('costKfreeRcuNs', o.costKfreeRcuNs, 0, 1_000_000, 55),
    costKfreeNs: int('costKfreeNs', o.costKfreeNs, 0, 1_000_000, 30),
    costRcuReadNs: int('costRcuReadNs', o.costRcuReadNs, 0, 1_000_000, 2),
    costCondReschedNs: int('costCondReschedNs', o.costCondReschedNs, 0, 1_000_000, 20),
    costPageAllocNs: int('costPageAllocNs', o.costPageAllocNs, 0, 1_000_000, 250),
    monitorArm: oneOf('monitorArm', o.monitorArm, MONITOR_ARMS, 'lazy-irq-work'),
    nolockGate: oneOf('nolockGate', o.nolockGate, NOLOCK_GATES, 'allow-spin'),
    debugObjects: bool('debugObjects', o.debugObjects, false),
    inject: resolveInject(o.inject),
    costPointNs: int('costPointNs', o.costPointNs, 0, 1_000_000, 5),
    checker: bool('checker', o.checker, true),
    checkerRules: checkerRules(o.checkerRules),
    mutant: oneOf('mutant', o.mutant, ['none', ...MUTANT_NAMES] as const, 'none'),
  };
}

function checkerRules(v: unknown): CheckRuleName[] {
  if (v === undefined) return [...CHECK_RULE_NAMES];
  const expected = `an array of rule names, each one of ${CHECK_RULE_NAMES.map((r) => JSON.stringify(r)).join(', ')}`;
  if (!Array.isArray(v)) throw new RcuOptionError('checkerRules', v, expected);
  for (let i = 0; i < v.length; i++) {
    const r: unknown = v[i];
    if (!CHECK_RULE_NAMES.includes(r as CheckRuleName)) throw new RcuOptionError(`checkerRules[${i}]`, r, `one of ${CHECK_RULE_NAMES.map((n) => JSON.stringify(n)).join(', ')}`);
  }
  return CHECK_RULE_NAMES.filter((r) => v.includes(r));
}
