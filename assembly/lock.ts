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
import { fail_deadlock } from './failure';
import { bad_arg, set_result } from './io';
import { cpu_at, frame_at, lock_at } from './layout';
import { stat_inc } from './stats';
import { emit } from './trace';

let nr_locks: u32 = 0;

@inline function lock_check(lock: u32): Status {
  return lock < nr_locks ? Status.Ok : Status.BadHandle;
}

function lock_take(cpu: u32, lock: u32): void {
  const l = lock_at(lock);
  const c = cpu_at(cpu);
  l.holder_cpu = cpu;
  l.holder_frame = c.depth - 1;
  c.locks_held++;
  emit(cpu, Ev.LockAcquire, lock, 0, 0);
  stat_inc(cpu, Stat.lockAcquire);
}

export function cmd_create_lock(): Status {
  if (nr_locks == LOCKS_MAX) return Status.TableFull;
  const l = lock_at(nr_locks);
  l.holder_cpu = NIL;
  l.holder_frame = NIL;
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
  if (l.holder_cpu == cpu) {
    // held by this frame or one below it: this context would spin forever
    const holder = <u32>frame_at(cpu, l.holder_frame).kind;
    const acquirer = cpu_ctx(cpu);
    emit(cpu, Ev.Deadlock, lock, holder, acquirer);
    stat_inc(cpu, Stat.deadlocks);
    return fail_deadlock(cpu, lock, holder, acquirer);
  }
  if (l.holder_cpu != NIL) {
    set_result(l.holder_cpu);
    return Status.LockHeldRemote;
  }
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
    emit(cpu, Ev.LockTrylockFail, lock, l.holder_cpu, 0);
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
  emit(cpu, Ev.LockRelease, lock, 0, 0);
  return cpu_done(cpu);
}

/** Holder CPU of a lock, or 0xffffffff (for error messages and tests). */
export function lock_holder(lock: u32): u32 {
  return lock < nr_locks ? lock_at(lock).holder_cpu : NIL;
}
