// The implementation table: every contract test runs once per machine (fflate's `workers` idea).
import { createMachine, type Impl } from '../../src/index.js';
import type { MachineOptions, RcuMachine } from '../../src/types.js';

export const IMPLS: Impl[] = ['wasm', 'ts'];

export type Make = (options?: MachineOptions) => RcuMachine;

export const machines: [Impl, Make][] = IMPLS.map((impl) => [impl, (options = {}) => createMachine(options, { impl })]);

/** Kinds of the events in the trace, optionally only those of the given kinds. */
export function kinds(m: RcuMachine, only?: string[]): string[] {
  return m.trace().map((e) => e.kind).filter((k) => !only || only.includes(k));
}

export function events(m: RcuMachine, kind: string) {
  return m.trace().filter((e) => e.kind === kind);
}
