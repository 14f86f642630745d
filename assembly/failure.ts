// Fatal failures (docs/model.md §9): Deadlock and Invariant poison the machine. The failure is
// recorded here so the TS side can read it after the command returns a fatal status (Deadlock) or
// after the module aborts (Invariant: a bound exceeded, or an internal assert).
// Kernel counterpart: lockdep's report / BUG(). Recorded once; the first failure wins.
import { Ctx, Status } from '../src/shared/codes';
import { NIL } from './config';

/** Which bound an Invariant failure broke (read by src/wasm/machine.ts for its message). */
export enum Reason {
  None = 0,
  IrqEnabledRounds = 1,
  WorklistRun = 2,
  /** queue_rcu_work() found the krw's rcu_work already pending (fail_arg = its KHANDLE). */
  QueueRcuWork = 3,
  /** A program ran more than PROGRAM_SLICE_OPS_MAX ops in one slice. */
  ProgramOps = 4,
}

/** Detail of an Invariant failure (the KHANDLE for QueueRcuWork). */
export let fail_arg: u32 = 0;

export let fail_status: i32 = 0;
export let fail_cpu: u32 = NIL;
export let fail_lock: u32 = NIL;
export let fail_holder_ctx: u32 = NIL;
export let fail_acquirer_ctx: u32 = NIL;
export let fail_reason: u32 = 0;

export function fail_deadlock(cpu: u32, lock: u32, holder: Ctx, acquirer: Ctx): Status {
  if (fail_status == 0) {
    fail_status = Status.Deadlock;
    fail_cpu = cpu;
    fail_lock = lock;
    fail_holder_ctx = <u32>holder;
    fail_acquirer_ctx = <u32>acquirer;
  }
  return Status.Deadlock;
}

/** Records an Invariant failure and aborts (unwinds to the TS side, which poisons the machine). */
export function fail_invariant(cpu: u32, reason: Reason): void {
  if (fail_status == 0) {
    fail_status = Status.Invariant;
    fail_cpu = cpu;
    fail_reason = <u32>reason;
  }
  if (reason == Reason.IrqEnabledRounds) abort('irq-enabled point needed more than 64 rounds');
  if (reason == Reason.WorklistRun) abort('worklist run exceeded 1024 works');
  if (reason == Reason.QueueRcuWork) abort('queue_rcu_work() found its rcu_work already pending');
  abort('program ran too many ops in one jiffy');
}

export function fail_invariant_arg(cpu: u32, reason: Reason, arg: u32): void {
  if (fail_status == 0) fail_arg = arg;
  fail_invariant(cpu, reason);
}
