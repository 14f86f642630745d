// Workqueues and delayed works (kernel/workqueue.c, reduced; docs/model.md §5.2–5.3).
// A delayed work is one handle: a work (PENDING bit + worklist membership) and its timer.
// queue_* may be called from any context (the PENDING bit is claimed atomically in the kernel);
// works run from a CPU's kworker, i.e. only where that CPU's task could be preempted.
//
// Simplified: every workqueue (bound or WQ_UNBOUND) runs a work on the CPU that queued it.
import { Ev, Stat } from '../shared/codes.js';
import type { Cpu } from './cpu.js';
import type { Kernel } from './kernel.js';
import { rcuQs } from './rcu.js';
import { addTimer, delTimer, runTimers } from './timer.js';

/** Bound of one worklist run (docs/model.md §9). */
export const WORKLIST_RUN_MAX = 1024;

/**
 * @pending: WORK_STRUCT_PENDING.
 * @onList: the CPU whose worklist holds it, or null.
 * @timerPending, @expires, @timerSeq, @timerCpu: its timer_list.
 * @func: work->func, run on the kworker of `cpu` (null: an API work, WorkFn.Nop).
 * @timerFunc: the timer's callback; null is delayed_work_timer_fn (__queue_work of this work).
 *   A kernel timer that is not a delayed work's (krc's page_cache_timer) is modelled as a
 *   DelayedWork that is never queued, with its own timerFunc.
 */
export class DelayedWork {
  pending = false;
  onList: Cpu | null = null;
  timerPending = false;
  expires = 0;
  timerSeq = 0;
  timerCpu: Cpu | null = null;

  constructor(
    readonly id: number,
    readonly func: ((cpu: Cpu) => void) | null = null,
    readonly timerFunc: ((cpu: Cpu) => void) | null = null,
  ) {}
}

/** __queue_work(): append to the CPU's worklist. PENDING is already set by the caller. */
export function insertWork(cpu: Cpu, dw: DelayedWork): void {
  dw.onList = cpu;
  cpu.worklist.push(dw);
}

function unlinkWork(dw: DelayedWork): void {
  if (dw.onList === null) return;
  const list = dw.onList.worklist;
  list.splice(list.indexOf(dw), 1);
  dw.onList = null;
}

/** queue_work(): the delay-0 case of queue_delayed_work(). */
export function queueWork(k: Kernel, cpu: Cpu, dw: DelayedWork): boolean {
  return queueDelayedWork(k, cpu, dw, 0);
}

/** queue_delayed_work(): a delay of 0 queues at once, else the work's timer is armed here. */
export function queueDelayedWork(k: Kernel, cpu: Cpu, dw: DelayedWork, delay: number): boolean {
  k.chk.queueWork(cpu, dw.id);
  if (dw.pending) {
    k.emit(cpu, Ev.WorkQueue, dw.id, 0, delay);
    return false;
  }
  dw.pending = true;
  if (delay === 0) insertWork(cpu, dw);
  else addTimer(k, cpu, dw, delay);
  k.emit(cpu, Ev.WorkQueue, dw.id, 1, delay);
  k.count(cpu, Stat.workQueued);
  return true;
}

/** Take the work away from its timer or worklist (try_to_grab_pending); returns the old PENDING. */
function grab(dw: DelayedWork): boolean {
  delTimer(dw);
  unlinkWork(dw);
  const wasPending = dw.pending;
  dw.pending = false;
  return wasPending;
}

export function modDelayedWork(k: Kernel, cpu: Cpu, dw: DelayedWork, delay: number): boolean {
  const wasPending = grab(dw);
  queueDelayedWork(k, cpu, dw, delay);
  return wasPending;
}

export function cancelDelayedWork(k: Kernel, cpu: Cpu, dw: DelayedWork): boolean {
  const wasPending = grab(dw);
  k.emit(cpu, Ev.WorkCancel, dw.id, wasPending ? 1 : 0);
  return wasPending;
}

/** The tick's TIMER_SOFTIRQ part: expired delayed-work timers queue their work on this CPU. */
export function runDelayedWorkTimers(k: Kernel, cpu: Cpu): void {
  runTimers(k, cpu, (c, dw) => (dw.timerFunc !== null ? dw.timerFunc(c) : insertWork(c, dw)));
}

/**
 * The kworker runs: a context switch (a quiescent state), then every work FIFO, including works
 * queued meanwhile. Only called where the CPU's task is preemptible; nothing happens on an empty list.
 */
export function runWorklist(k: Kernel, cpu: Cpu): void {
  if (cpu.worklist.length === 0) return;
  rcuQs(k, cpu);
  let ran = 0;
  while (cpu.worklist.length > 0) {
    if (ran === WORKLIST_RUN_MAX) k.invariant(cpu, `worklist of cpu ${cpu.id} ran more than ${WORKLIST_RUN_MAX} works`);
    ran++;
    const dw = cpu.worklist[0];
    unlinkWork(dw);
    dw.pending = false;
    k.emit(cpu, Ev.WorkRun, dw.id);
    k.count(cpu, Stat.workRun);
    // API-created works (WorkFn.Nop) only leave the WorkRun event; kernel works run their func.
    if (dw.func !== null) dw.func(cpu);
  }
}
