// Raw spinlocks (raw_spinlock_t; docs/model.md §5.1). A lock records the frame that holds it, so
// an acquisition from the same CPU (same frame or an interrupt on top of the holder) is detected
// as the self-deadlock it would be on real hardware, which lockdep reports as "inconsistent lock
// state". Holding a raw lock disables preemption for quiescence purposes (Cpu.locksHeld).
//
// Contexts: any, NMI included (the model does not forbid what lockdep would only warn about).
import { Ev, Stat } from '../shared/codes.js';
import { ctxName } from '../events.js';
import type { Cpu } from './cpu.js';
import type { Kernel } from './kernel.js';

export class SpinLock {
  /** Holder CPU and frame index, or null. */
  holder: { cpu: Cpu; frame: number } | null = null;

  constructor(readonly id: number) {}
}

function take(k: Kernel, cpu: Cpu, lock: SpinLock): void {
  lock.holder = { cpu, frame: cpu.frames.length - 1 };
  cpu.locksHeld++;
  k.emit(cpu, Ev.LockAcquire, lock.id);
  k.count(cpu, Stat.lockAcquire);
}

/**
 * raw_spin_lock(). The caller has rejected a lock held by another CPU (LockHeldRemote): a
 * single-threaded caller could never see it released. Held by this CPU → fatal Deadlock.
 */
export function spinLock(k: Kernel, cpu: Cpu, lock: SpinLock): void {
  if (lock.holder === null) {
    k.chk.spinLock(cpu, lock.id); // after the deadlock check: a deadlock is reported as one
    return take(k, cpu, lock);
  }
  const holderCtx = lock.holder.cpu.frames[lock.holder.frame].kind;
  const acquirerCtx = cpu.ctx;
  k.emit(cpu, Ev.Deadlock, lock.id, holderCtx, acquirerCtx);
  k.count(cpu, Stat.deadlocks);
  k.fail({ status: 'Deadlock', cpu: cpu.id, lock: lock.id, holderCtx: ctxName(holderCtx), acquirerCtx: ctxName(acquirerCtx) });
}

export function spinTrylock(k: Kernel, cpu: Cpu, lock: SpinLock): boolean {
  if (lock.holder === null) {
    take(k, cpu, lock);
    return true;
  }
  k.emit(cpu, Ev.LockTrylockFail, lock.id, lock.holder.cpu.id);
  k.count(cpu, Stat.trylockFail);
  return false;
}

/** The caller checked that the current frame of `cpu` holds it (NotHeld otherwise). */
export function spinUnlock(k: Kernel, cpu: Cpu, lock: SpinLock): void {
  lock.holder = null;
  cpu.locksHeld--;
  k.emit(cpu, Ev.LockRelease, lock.id);
}

export function heldByTopFrame(cpu: Cpu, lock: SpinLock): boolean {
  return lock.holder !== null && lock.holder.cpu === cpu && lock.holder.frame === cpu.frames.length - 1;
}
