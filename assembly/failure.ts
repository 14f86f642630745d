// Fatal failures (docs/model.md §9): Deadlock and Invariant poison the machine. The failure is
// recorded here so the TS side can read it after the command returns a fatal status (Deadlock) or
// after the module aborts (Invariant: a bound exceeded, or an internal assert).
// Kernel counterpart: lockdep's report / BUG(). Recorded once; the first failure wins.
import { CheckWhat, Ctx, Status } from '../src/shared/codes';
import { jiffies } from './clock';
import { NIL } from './config';
import { failure_point, lbl_cpu, lbl_kind, lbl_point, lbl_target, point_hits } from './inject';

/** Which bound an Invariant failure broke (read by src/wasm/machine.ts for its message). */
export enum Reason {
  None = 0,
  IrqEnabledRounds = 1,
  WorklistRun = 2,
  /** queue_rcu_work() found the krw's rcu_work already pending (fail_arg = its KHANDLE). */
  QueueRcuWork = 3,
  /** A program ran more than PROGRAM_SLICE_OPS_MAX ops in one slice. */
  ProgramOps = 4,
  /** A handler ran more than PROGRAM_SLICE_OPS_MAX ops (docs/model.md §16.4). */
  HandlerOps = 5,
  /** kfree_rcu_nolock's object stopped being allocated at nolock-entry (a hook; fail_arg = obj). */
  NolockEntry = 6,
  /**
   * An op run by an injected action failed, or a handler's exit was unbalanced (docs/model.md
   * §16.4): fail_inj_* describe the action, fail_op* the op (fail_op = FAIL_OP_EXIT for the exit).
   */
  InjectedOp = 7,
}

/** fail_op of an unbalanced handler exit. */
export const FAIL_OP_EXIT: u32 = 0xff;
// The injected action and the op of a Reason.InjectedOp failure.
export let fail_inj_kind: u32 = 0;
export let fail_inj_point: u32 = 0;
export let fail_inj_cpu: u32 = 0;
export let fail_inj_target: u32 = 0;
export let fail_op: u32 = 0;
export let fail_op_obj: u32 = 0;
export let fail_op_status: u32 = 0;

/** Detail of an Invariant failure (the KHANDLE for QueueRcuWork). */
export let fail_arg: u32 = 0;

export let fail_status: i32 = 0;
export let fail_cpu: u32 = NIL;
export let fail_lock: u32 = NIL;
export let fail_holder_ctx: u32 = NIL;
export let fail_acquirer_ctx: u32 = NIL;
export let fail_reason: u32 = 0;
/** Point (Point) where the injected frame a Deadlock happened in entered, 0 if none (§16.1 step 6). */
export let fail_point: u32 = 0;

// A checker Violation (docs/model.md §17): what (CheckWhat), the object (or NIL), the text's
// arguments, and when (jiffies, the machine-wide point-hit count).
export let fail_what: u32 = 0;
export let fail_obj: u32 = NIL;
export let fail_va: u32 = 0;
export let fail_vb: u32 = 0;
export let fail_vc: u32 = 0;
export let fail_jiffies: u32 = 0;
export let fail_hit: f64 = 0;

/** Records a checker violation and aborts (the binding poisons the machine with it). */
export function fail_violation(cpu: u32, what: CheckWhat, obj: u32, a: u32, b: u32, c: u32): void {
  if (fail_status == 0) {
    fail_status = Status.Violation;
    fail_cpu = cpu;
    fail_what = <u32>what;
    fail_obj = obj;
    fail_va = a;
    fail_vb = b;
    fail_vc = c;
    fail_jiffies = jiffies;
    fail_hit = point_hits(); // folds the hot path's pending hits first
    fail_point = failure_point();
  }
  abort('checker violation');
}

export function fail_deadlock(cpu: u32, lock: u32, holder: Ctx, acquirer: Ctx): Status {
  if (fail_status == 0) {
    fail_status = Status.Deadlock;
    fail_cpu = cpu;
    fail_lock = lock;
    fail_holder_ctx = <u32>holder;
    fail_acquirer_ctx = <u32>acquirer;
    fail_point = failure_point();
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
  if (reason == Reason.HandlerOps) abort('handler ran too many ops');
  if (reason == Reason.NolockEntry) abort('object changed at nolock-entry');
  if (reason == Reason.InjectedOp) abort('an op of an injected action failed');
  abort('program ran too many ops in one jiffy');
}

function note_injected(op: u32, obj: u32, status: u32): void {
  if (fail_status != 0) return;
  fail_inj_kind = lbl_kind;
  fail_inj_point = lbl_point;
  fail_inj_cpu = lbl_cpu;
  fail_inj_target = lbl_target;
  fail_op = op;
  fail_op_obj = obj;
  fail_op_status = status;
}

/** An op (Op) of the innermost injected action failed on `cpu` with `status`: Invariant, aborts. */
export function fail_injected_op(cpu: u32, op: u32, obj: u32, status: u32): void {
  note_injected(op, obj, status);
  fail_invariant(cpu, Reason.InjectedOp);
}

/** The handler injected on `cpu` left its frame unbalanced: Invariant, aborts. */
export function fail_injected_exit(cpu: u32): void {
  note_injected(FAIL_OP_EXIT, NIL, <u32>Status.Unbalanced);
  fail_invariant(cpu, Reason.InjectedOp);
}

export function fail_invariant_arg(cpu: u32, reason: Reason, arg: u32): void {
  if (fail_status == 0) fail_arg = arg;
  fail_invariant(cpu, reason);
}
