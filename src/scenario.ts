// Scenarios: JSON documents that describe a whole run (machine options, a workload per CPU, seed,
// stop condition). Validated on load — unknown keys rejected, every error naming the key path, the
// value and what was expected — then executed entirely inside the machine in chunks of jiffies, so
// a caller can show progress. Built-in scenarios live in src/scenarios/.
import { RcuMachineFailure, RcuOptionError } from './errors.js';
import { createMachine, type Impl } from './create.js';
import { resolveOptions } from './options.js';
import { encodeProgram } from './program.js';
import { rcuSeqDiff } from './rcuscale.js';
import type { Failure, MachineOptions, ProgramOp, RcuMachine, ResolvedOptions, RunInfo, Stats } from './types.js';

/** rcuscale's kfree test parameters (kernel/rcu/rcuscale.c module parameters, same names). */
export interface RcuscaleParams {
  kind: 'rcuscale-kfree';
  /** -1: one thread per CPU (compute_real). At most nrCpus: one thread per CPU. */
  kfree_nthreads?: number;
  kfree_alloc_num?: number;
  kfree_loops?: number;
  kfree_rcu_test_single?: boolean;
  kfree_rcu_test_double?: boolean;
  kfree_mult?: number;
  kfree_by_call_rcu?: boolean;
  kfree_cpu_offset?: number;
}

export interface ProgramsWorkload {
  kind: 'programs';
  /** Each entry loads the same ops on the listed CPUs ("all" = every CPU). */
  programs: { cpus: number[] | 'all'; ops: ProgramOp[] }[];
}

export interface Scenario {
  name: string;
  description?: string;
  options?: MachineOptions;
  workload: RcuscaleParams | ProgramsWorkload;
  /** Stop after this many jiffies even if programs are still running. Default 600000 (10 min at HZ=1000). */
  maxJiffies?: number;
  /** Run kvfree_rcu_barrier() after the workload and check nothing is left. Default true. */
  barrier?: boolean;
}

export interface ResolvedScenario {
  name: string;
  description: string;
  options: ResolvedOptions;
  /** The validated program of each CPU that runs one. */
  ops: Map<number, ProgramOp[]>;
  rcuscale: Required<Omit<RcuscaleParams, 'kind'>> | null;
  maxJiffies: number;
  barrier: boolean;
  /** Jiffies the programs are expected to take (for progress display only). */
  expectedJiffies: number;
}

const SCENARIO_KEYS = ['name', 'description', 'options', 'workload', 'maxJiffies', 'barrier', '$schema'];
const RCUSCALE_KEYS = ['kind', 'kfree_nthreads', 'kfree_alloc_num', 'kfree_loops', 'kfree_rcu_test_single',
  'kfree_rcu_test_double', 'kfree_mult', 'kfree_by_call_rcu', 'kfree_cpu_offset'];

function fail(key: string, value: unknown, expected: string): never {
  throw new RcuOptionError(`scenario.${key}`, value, expected);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function onlyKeys(path: string, obj: Record<string, unknown>, allowed: string[]): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) fail(path ? `${path}.${k}` : k, obj[k], `one of the known keys: ${allowed.filter((a) => a !== '$schema').join(', ')}`);
  }
}

function int(path: string, v: unknown, min: number, max: number, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(path, v, `an integer from ${min} to ${max}`);
  return v;
}

function bool(path: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') fail(path, v, 'a boolean');
  return v;
}

/** The rcuscale kfree thread body as a program (kfree_scale_thread). */
export function rcuscaleProgram(p: Required<Omit<RcuscaleParams, 'kind'>>): ProgramOp[] {
  const both = p.kfree_rcu_test_single === p.kfree_rcu_test_double;
  const free: ProgramOp = p.kfree_by_call_rcu
    ? { op: 'call_rcu' }
    : both ? { op: 'kfree_rcu_mix' } : p.kfree_rcu_test_single ? { op: 'kvfree_rcu' } : { op: 'kfree_rcu' };
  return [{
    op: 'loop', n: p.kfree_loops, body: [
      { op: 'mem_sample', period: Math.max(1, Math.floor(p.kfree_loops / 4)) },
      { op: 'loop', n: p.kfree_alloc_num, body: [{ op: 'kmalloc' }, free] },
      { op: 'cond_resched' },
    ],
  }];
}

/** Validates a scenario document (parsed JSON or an object) and resolves every default. */
export function resolveScenario(doc: unknown): ResolvedScenario {
  if (!isObject(doc)) fail('(root)', doc, 'an object');
  onlyKeys('', doc, SCENARIO_KEYS);
  if (typeof doc.name !== 'string' || doc.name.length === 0) fail('name', doc.name, 'a non-empty string');
  if (doc.description !== undefined && typeof doc.description !== 'string') fail('description', doc.description, 'a string');
  if (doc.$schema !== undefined && typeof doc.$schema !== 'string') fail('$schema', doc.$schema, 'a string (the URL of a JSON schema; ignored)');
  const w = doc.workload;
  if (!isObject(w)) fail('workload', w, 'an object with kind "rcuscale-kfree" or "programs"');
  let rawOptions: Record<string, unknown> = {};
  if (doc.options !== undefined) {
    if (!isObject(doc.options)) fail('options', doc.options, 'an object of machine options');
    rawOptions = { ...doc.options };
  }
  let rcuscale: ResolvedScenario['rcuscale'] = null;
  if (w.kind === 'rcuscale-kfree') {
    onlyKeys('workload', w, RCUSCALE_KEYS);
    rcuscale = {
      kfree_nthreads: int('workload.kfree_nthreads', w.kfree_nthreads, -1024, 1024, -1),
      kfree_alloc_num: int('workload.kfree_alloc_num', w.kfree_alloc_num, 1, 1e8, 8000),
      kfree_loops: int('workload.kfree_loops', w.kfree_loops, 1, 1e7, 10),
      kfree_rcu_test_single: bool('workload.kfree_rcu_test_single', w.kfree_rcu_test_single, false),
      kfree_rcu_test_double: bool('workload.kfree_rcu_test_double', w.kfree_rcu_test_double, false),
      kfree_mult: int('workload.kfree_mult', w.kfree_mult, 1, 170, 1),
      kfree_by_call_rcu: bool('workload.kfree_by_call_rcu', w.kfree_by_call_rcu, false),
      kfree_cpu_offset: int('workload.kfree_cpu_offset', w.kfree_cpu_offset, 0, 1 << 20, 0),
    };
    // struct kfree_obj { char kfree_obj[8]; struct rcu_head rh; } times kfree_mult.
    if (rawOptions.objSize === undefined) rawOptions.objSize = 24 * rcuscale.kfree_mult;
  } else if (w.kind === 'programs') {
    onlyKeys('workload', w, ['kind', 'programs']);
    if (!Array.isArray(w.programs) || w.programs.length === 0) fail('workload.programs', w.programs, 'a non-empty array of { cpus, ops }');
  } else {
    fail('workload.kind', w.kind, '"rcuscale-kfree" or "programs"');
  }
  let options: ResolvedOptions;
  try {
    options = resolveOptions(rawOptions as MachineOptions);
  } catch (e) {
    if (e instanceof RcuOptionError) throw new RcuOptionError(`scenario.options.${e.key}`, e.value, e.expected);
    throw e;
  }
  const ops = new Map<number, ProgramOp[]>();
  if (rcuscale) {
    const n = rcuscale.kfree_nthreads < 0 ? Math.max(1, options.nrCpus + 1 + rcuscale.kfree_nthreads) : rcuscale.kfree_nthreads;
    if (n < 1 || n > options.nrCpus) fail('workload.kfree_nthreads', rcuscale.kfree_nthreads, `-1 (one per CPU) or 1..nrCpus (${options.nrCpus}): the model runs one thread per CPU`);
    const program = rcuscaleProgram(rcuscale);
    for (let me = 0; me < n; me++) ops.set((rcuscale.kfree_cpu_offset + me) % options.nrCpus, program);
  } else {
    const list = w.programs as unknown[];
    // An index loop, not forEach: a hole in a sparse array is a missing entry, not no entry.
    for (let i = 0; i < list.length; i++) {
      const entry = list[i];
      const path = `workload.programs[${i}]`;
      if (!isObject(entry)) fail(path, entry, 'an object { cpus, ops }');
      onlyKeys(path, entry, ['cpus', 'ops']);
      encodeProgram(entry.ops, `scenario.${path}.ops`); // validates; throws with the op's path
      const cpus = entry.cpus === 'all' ? Array.from({ length: options.nrCpus }, (_, c) => c) : entry.cpus;
      if (!Array.isArray(cpus) || cpus.length === 0) fail(`${path}.cpus`, entry.cpus, '"all" or a non-empty array of CPU numbers');
      for (const c of cpus) {
        if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c >= options.nrCpus) fail(`${path}.cpus`, c, `a CPU number from 0 to ${options.nrCpus - 1}`);
        if (ops.has(c)) fail(`${path}.cpus`, c, 'each CPU in at most one program');
        ops.set(c, entry.ops as ProgramOp[]);
      }
    }
  }
  const pairNs = options.costKmallocNs + options.costKfreeRcuNs;
  const expectedNs = rcuscale ? rcuscale.kfree_loops * (rcuscale.kfree_alloc_num * pairNs + options.costCondReschedNs) : 0;
  return {
    name: doc.name,
    description: typeof doc.description === 'string' ? doc.description : '',
    options,
    ops,
    rcuscale,
    maxJiffies: int('maxJiffies', doc.maxJiffies, 1, 1e9, 600_000),
    barrier: bool('barrier', doc.barrier, true),
    expectedJiffies: Math.ceil(expectedNs / (1e9 / options.hz)),
  };
}

export interface ScenarioResult {
  name: string;
  impl: Impl;
  /** Every program finished before maxJiffies. */
  completed: boolean;
  run: RunInfo;
  stats: Stats;
  /** GPs completed while the programs ran (rcuscale's "batches"). */
  batches: number;
  /** rcuscale's memory footprint in bytes (mem_begin - mem_during). */
  footprintBytes: number;
  /** The most memory that waited for a GP at once (docs/model.md §10.1); null after a failure. */
  peakWaitingBytes: number | null;
  /**
   * Objects that were already allocated or queued when the final barrier began and are still not free
   * after it (0 expected; -1 when no barrier ran). Objects that NMIs, probes or hardirqs injected
   * during the barrier itself allocate and queue are not covered by its guarantee and not counted.
   */
  leftAfterBarrier: number;
  jiffies: number;
  digest: number;
  /** The trace was on (`options.trace`): only then does `digest` cover the run's events. */
  traced: boolean;
  /** rcuscale's pr_alert line, when the workload is rcuscale-kfree. */
  summary: string | null;
  /** The deadlock or invariant failure that stopped the run, if any. */
  failure: Failure | null;
}

export interface RunScenarioOptions {
  impl?: Impl;
  /** Jiffies per run() call; progress is reported between chunks. Default 1000. */
  chunkJiffies?: number;
  onProgress?: (p: { jiffies: number; expectedJiffies: number; programsRunning: number }) => void;
  /** Called once the machine is built, before anything runs (e.g. to attach hooks). */
  onMachine?: (m: RcuMachine) => void;
}

export function runScenario(scenario: unknown, run: RunScenarioOptions = {}): ScenarioResult {
  const s = isResolved(scenario) ? scenario : resolveScenario(scenario);
  const impl = run.impl ?? 'wasm';
  const m = createMachine(s.options, { impl });
  run.onMachine?.(m);
  for (const cpu of [...s.ops.keys()].sort((a, b) => a - b)) m.loadProgram(cpu, s.ops.get(cpu)!);
  const chunk = run.chunkJiffies ?? 1000;
  let done = false;
  let ran = 0;
  let info = m.runInfo();
  let failure: Failure | null = null;
  let leftAfterBarrier = -1;
  try {
    while (!done && ran < s.maxJiffies) {
      const n = Math.min(chunk, s.maxJiffies - ran);
      done = m.run(n);
      ran += n;
      info = m.runInfo();
      run.onProgress?.({ jiffies: m.jiffies(), expectedJiffies: s.expectedJiffies, programsRunning: info.programsRunning });
    }
    if (s.barrier && done) {
      // rcuscale's cleanup runs in a task: wake CPU 0 (idle once its program ended) to call the barrier.
      if (m.cpuInfo(0).idle) m.setIdle(0, false);
      const before = injects(s.options) ? m.liveObjects() : null;
      m.kvfreeRcuBarrier(0);
      leftAfterBarrier = before ? stillLive(m, before) : m.memoryInfo().objects;
    }
  } catch (e) {
    if (!(e instanceof RcuMachineFailure)) throw e;
    failure = e.failure;
    done = false;
  }
  const batches = rcuSeqDiff(info.endGpSeq, info.startGpSeq);
  const footprintBytes = info.memBegin - info.memDuring;
  const summary = s.rcuscale && !failure
    ? `Total time taken by all kfree'ers: ${info.endNs - info.startNs} ns, loops: ${s.rcuscale.kfree_loops}, batches: ${batches}, memory footprint: ${Math.floor(footprintBytes / 2 ** 20)}MB`
    : null;
  return {
    name: s.name,
    impl,
    completed: done,
    run: info,
    stats: m.stats(),
    batches,
    footprintBytes,
    peakWaitingBytes: failure ? null : m.memoryInfo().peakWaitingBytes,
    leftAfterBarrier: done ? leftAfterBarrier : -1,
    jiffies: failure ? -1 : m.jiffies(),
    digest: m.traceDigest(),
    traced: s.options.trace,
    summary,
    failure,
  };
}

function injects(o: ResolvedOptions): boolean {
  const i = o.inject;
  return i.schedule.length > 0 || (['nmi', 'probe', 'hardirq', 'remote'] as const).some((k) => i[k].probability > 0 || i[k].ratePerSec > 0);
}

/** Objects not free, with their queue snapshot (scanned only when injection can run inside the barrier). */
/**
 * How many of `before` are still the same live object. A snapshot only grows, and an object freed and
 * queued again gets a strictly larger one (its GP ended first), so "same state, same snap" is exact.
 */
function stillLive(m: RcuMachine, before: Map<number, number>): number {
  const after = m.liveObjects();
  let n = 0;
  for (const [o, snap] of before) if (after.get(o) === snap) n++;
  return n;
}

function isResolved(s: unknown): s is ResolvedScenario {
  return isObject(s) && s.ops instanceof Map;
}
