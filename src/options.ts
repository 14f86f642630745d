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
] as const satisfies readonly (keyof MachineOptions)[];

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
  const trace = o.trace === undefined ? true : o.trace;
  if (typeof trace !== 'boolean') throw new RcuOptionError('trace', trace, 'a boolean');
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
  };
}
