// Raw spinlocks (docs/model.md §5.1) with lockdep-style self-deadlock detection.
// Kernel counterpart: raw_spin_lock/raw_spin_trylock/raw_spin_unlock (raw_spinlock_t) and
// lockdep's "possible recursive locking" report.
// Contexts: any. A lock is held by one frame of one CPU; holding it counts against that frame
// (exit() with it held is Unbalanced) and makes the CPU non-quiescent, like preempt_disable().
// Irqsave is expressed by the caller: local_irq_save + spin_lock ... spin_unlock + local_irq_restore.
//
//            | free               | held, this CPU     | held, other CPU
//  spin_lock | take (LockAcquire) | Deadlock (fatal)   | LockHeldRemote (typed error)
//  trylock   | take, true         | false (TrylockFail)| false (TrylockFail)
//  unlock    | NotHeld            | release iff the top frame holds it, else NotHeld
import { Ev, Stat, Status } from '../src/shared/codes';
import { LOCKS_MAX, NIL } from './config';
import { awake_check, cpu_check, cpu_ctx, cpu_done } from './cpu';
import { chk_spin } from './checker';
import { fail_deadlock } from './failure';
import { bad_arg, set_result } from './io';
import { cpu_at, ev_handle, frame_at, lock_at } from './layout';
import { stat_inc } from './stats';
import { emit } from './trace';

let nr_locks: u32 = 0;

@inline function lock_check(lock: u32): Status {
  return lock < nr_locks ? Status.Ok : Status.BadHandle;
}

@inline function lock_take(cpu: u32, lock: u32, quiet: bool = false): void {
  const l = lock_at(lock);
  const c = cpu_at(cpu);
  l.holder_cpu = cpu;
  l.holder_frame = c.depth - 1;
  c.locks_held++;
  emit(cpu, Ev.LockAcquire, ev_handle(lock), 0, 0, quiet);
  stat_inc(cpu, Stat.lockAcquire);
}

/** A lock with no holder (API locks at creation, kernel locks at init). */
export function lock_init(lock: u32): void {
  const l = lock_at(lock);
  l.holder_cpu = NIL;
  l.holder_frame = NIL;
}

/** Self-deadlock: the Deadlock event and the failure record (the caller stops the command). */
function lock_deadlock(cpu: u32, lock: u32): Status {
  const l = lock_at(lock);
  const holder = <u32>frame_at(cpu, l.holder_frame).kind;
  const acquirer = cpu_ctx(cpu);
  emit(cpu, Ev.Deadlock, ev_handle(lock), holder, acquirer);
  stat_inc(cpu, Stat.deadlocks);
  return fail_deadlock(cpu, ev_handle(lock), holder, acquirer);
}

/**
 * raw_spin_lock() inside a kernel flow (the krc lock). A self-deadlock records the failure and
 * unwinds (abort) to the binding, which poisons the machine with the Deadlock failure. A lock held
 * by another CPU cannot happen in kernel flows: every kernel flow releases what it takes.
 */
@inline export function spin_lock(cpu: u32, lock: u32, quiet: bool = false): void {
  if (lock_at(lock).holder_cpu != NIL) spin_lock_contended(cpu, lock);
  chk_spin(cpu, lock); // after the deadlock check: a deadlock is reported as one
  lock_take(cpu, lock, quiet);
}

function spin_lock_contended(cpu: u32, lock: u32): void {
  if (lock_at(lock).holder_cpu == cpu) {
    lock_deadlock(cpu, lock);
    abort('deadlock on a kernel lock');
  }
  abort('kernel lock held by another CPU');
}

/** raw_spin_unlock() inside a kernel flow (held by the top frame by construction). */
@inline export function spin_unlock(cpu: u32, lock: u32, quiet: bool = false): void {
  const l = lock_at(lock);
  l.holder_cpu = NIL;
  l.holder_frame = NIL;
  cpu_at(cpu).locks_held--;
  emit(cpu, Ev.LockRelease, ev_handle(lock), 0, 0, quiet);
}

/** raw_spin_trylock() inside a kernel flow (kfree_rcu_nolock's krc.lock). */
export function spin_trylock(cpu: u32, lock: u32): bool {
  const l = lock_at(lock);
  if (l.holder_cpu == NIL) {
    lock_take(cpu, lock);
    return true;
  }
  emit(cpu, Ev.LockTrylockFail, ev_handle(lock), l.holder_cpu, 0);
  stat_inc(cpu, Stat.trylockFail);
  return false;
}

export function cmd_create_lock(): Status {
  if (nr_locks == LOCKS_MAX) return Status.TableFull;
  lock_init(nr_locks);
  set_result(nr_locks++);
  return Status.Ok;
}

export function cmd_spin_lock(cpu: u32, lock: u32): Status {
  let st = cpu_check(cpu);
  if (st) return st;
  if (lock_check(lock)) return bad_arg(Status.BadHandle, 1);
  st = awake_check(cpu);
  if (st) return st;
  const l = lock_at(lock);
  // held by this frame or one below it: this context would spin forever
  if (l.holder_cpu == cpu) return lock_deadlock(cpu, lock);
  if (l.holder_cpu != NIL) {
    set_result(l.holder_cpu);
    return Status.LockHeldRemote;
  }
  chk_spin(cpu, lock);
  lock_take(cpu, lock);
  return cpu_done(cpu);
}

/** result() = 1 if taken, 0 if busy. */
export function cmd_spin_trylock(cpu: u32, lock: u32): Status {
  let st = cpu_check(cpu);
  if (st) return st;
  if (lock_check(lock)) return bad_arg(Status.BadHandle, 1);
  st = awake_check(cpu);
  if (st) return st;
  const l = lock_at(lock);
  if (l.holder_cpu == NIL) {
    lock_take(cpu, lock);
    set_result(1);
  } else {
    emit(cpu, Ev.LockTrylockFail, ev_handle(lock), l.holder_cpu, 0);
    stat_inc(cpu, Stat.trylockFail);
    set_result(0);
  }
  return cpu_done(cpu);
}

export function cmd_spin_unlock(cpu: u32, lock: u32): Status {
  let st = cpu_check(cpu);
  if (st) return st;
  if (lock_check(lock)) return bad_arg(Status.BadHandle, 1);
  st = awake_check(cpu);
  if (st) return st;
  const l = lock_at(lock);
  const c = cpu_at(cpu);
  if (l.holder_cpu != cpu || l.holder_frame != c.depth - 1) return Status.NotHeld;
  l.holder_cpu = NIL;
  l.holder_frame = NIL;
  c.locks_held--;
  emit(cpu, Ev.LockRelease, ev_handle(lock), 0, 0);
  return cpu_done(cpu);
}

/** Holder CPU of a lock, or 0xffffffff (for error messages and tests). */
export function lock_holder(lock: u32): u32 {
  return lock < nr_locks ? lock_at(lock).holder_cpu : NIL;
}
