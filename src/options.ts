// Validation of MachineOptions, once, at construction (esbuild-style: one validator per key,
// unknown keys rejected). Both machines receive the same ResolvedOptions.
import { RcuOptionError } from './errors.js';
import type { MachineOptions, ResolvedOptions } from './types.js';

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
  };
}
