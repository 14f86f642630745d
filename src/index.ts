// Public entry (Node 20+ and browsers): one ESM module, Wasm bytes embedded.
import { TsMachine } from './baseline/machine.js';
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

import { RcuOptionError } from './errors.js';
export { RcuError, RcuMachineFailure, RcuOptionError } from './errors.js';
export { resolveOptions } from './options.js';
export { formatEvent, STAT_NAMES } from './events.js';
export { Ctx, Ev, IrqWorkFn, Stat, Status } from './shared/codes.js';
export type * from './types.js';
