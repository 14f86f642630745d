// Assertions on the typed errors of docs/model.md §9 and §11, shared by the contract tests.
import { expect } from 'vitest';
import { RcuError, RcuMachineFailure } from '../../src/errors.js';

/** What `f` threw, or undefined. */
export function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** What a command returned (as JSON) or threw (name and message): equal strings on both machines. */
export function outcome(fn: () => unknown): string {
  try {
    return JSON.stringify(fn() ?? null);
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}

/** Slices a Wasm machine ran in its quiet copy of the slice loop (assembly/workload.ts; a test probe). */
export function quietSlices(m: unknown): number {
  return (m as { x: { quiet_slices: { value: number } } }).x.quiet_slices.value;
}

/** f throws an RcuError (not a failure) with this code and exactly this message. */
export function refuses(f: () => unknown, code: string, message: string): void {
  const e = thrown(f);
  expect(e, message).toBeInstanceOf(RcuError);
  expect(e).not.toBeInstanceOf(RcuMachineFailure);
  expect((e as RcuError).code).toBe(code);
  expect((e as Error).message).toBe(message);
}
