// The factory: validates options once and builds either machine.
import { TsMachine } from './baseline/machine.js';
import { RcuOptionError } from './errors.js';
import { resolveOptions } from './options.js';
import type { MachineOptions, RcuMachine } from './types.js';
import { WasmMachine } from './wasm/machine.js';

export type Impl = 'wasm' | 'ts';

export interface CreateOptions {
  /** Which implementation: the Wasm core (default) or the pure-TS baseline. Both behave identically. */
  impl?: Impl;
}

/** Creates a machine. Options are validated once here (unknown keys and bad values throw RcuOptionError). */
export function createMachine(options: MachineOptions = {}, create: CreateOptions = {}): RcuMachine {
  const resolved = resolveOptions(options);
  const impl = create.impl ?? 'wasm';
  if (impl === 'wasm') return new WasmMachine(resolved);
  if (impl === 'ts') return new TsMachine(resolved);
  throw new RcuOptionError('impl', impl, '"wasm" or "ts"');
}
