// The two failure channels (docs/model.md §9):
// - RcuError: API misuse or a rejected option. The machine is unchanged and stays usable.
// - RcuMachineFailure: a deadlock or a broken invariant. The machine is poisoned: every later call
//   throws the same failure. Other machine instances are unaffected.
import { Status, STATUS_FATAL } from './shared/codes.js';
import type { Failure } from './types.js';

export type StatusName = keyof typeof Status;

export function statusName(code: number): StatusName {
  const name = (Status as unknown as Record<number, string>)[code];
  return (name ?? 'Invariant') as StatusName;
}

export class RcuError extends Error {
  readonly code: StatusName;
  constructor(code: StatusName, message: string) {
    super(message);
    this.name = 'RcuError';
    this.code = code;
  }
}

/** Thrown by option and scenario validation; names the key, the value and what was expected. */
export class RcuOptionError extends RcuError {
  readonly key: string;
  /** The offending value and what was expected, so a caller can re-key the error (scenario options). */
  readonly value: unknown;
  readonly expected: string;
  constructor(key: string, value: unknown, expected: string) {
    super('BadArgument', `Invalid option ${key}: ${formatValue(value)} (expected ${expected})`);
    this.name = 'RcuOptionError';
    this.key = key;
    this.value = value;
    this.expected = expected;
  }
}

export class RcuMachineFailure extends Error {
  readonly failure: Failure;
  constructor(failure: Failure) {
    super(failure.message);
    this.name = 'RcuMachineFailure';
    this.failure = failure;
  }
}

export function isFatal(code: number): boolean {
  return code >= STATUS_FATAL;
}

/** Never throws and always returns text: values JSON cannot show (functions, symbols, bigints, cycles) get a tag. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (typeof value === 'function') return '[function]';
  if (typeof value === 'symbol') return value.toString();
  if (typeof value === 'bigint') return `${value}n`;
  try {
    const s = JSON.stringify(value);
    if (typeof s === 'string') return s;
  } catch {
    // a cycle, a bigint inside, a throwing toJSON: fall through
  }
  return Object.prototype.toString.call(value);
}
