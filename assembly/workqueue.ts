// Workqueues and delayed works (docs/model.md §5.2, §5.3): the PENDING bit, per-CPU worklists
// (FIFO, doubly linked so mod_delayed_work can unlink), and the kworker run.
// Kernel counterpart: kernel/workqueue.c (queue_work_on, __queue_work, queue_delayed_work,
// mod_delayed_work_on, cancel_delayed_work, try_to_grab_pending, process_one_work).
// Contexts: queueing/cancel from any context; works run in the CPU's task frame (the kworker),
// only when that task is preemptible (only task on the stack and quiescent, or idle).
// *Simplified*: every workqueue, bound or WQ_UNBOUND, runs a work on the CPU that queued it.
import { chk_queue_work } from './checker';
import { Ev, Stat, Status } from '../src/shared/codes';
import { jiffies } from './clock';
import { NIL, U31_MAX, WORKLIST_RUN_MAX, WORKS_MAX } from './config';
import { awake_check, cpu_check, cpu_done } from './cpu';
import { fail_invariant, Reason } from './failure';
import { bad_arg, set_result } from './io';
import { cpu_at, dwork_at, ev_handle } from './layout';
import { kwork_run } from './krc';
import { rcu_qs } from './rcu';
import { stat_inc } from './stats';
import { timer_arm, timer_disarm } from './timer';
import { emit } from './trace';

let nr_works: u32 = 0;

/** __queue_work(): append a PENDING work to cpu's worklist. */
export function __queue_work(cpu: u32, w: u32): void {
  const c = cpu_at(cpu);
  const d = dwork_at(w);
  d.wl_cpu = cpu;
  d.wl_next = NIL;
  d.wl_prev = c.wl_tail;
  if (c.wl_tail == NIL) c.wl_head = w;
  else dwork_at(c.wl_tail).wl_next = w;
  c.wl_tail = w;
}

function worklist_unlink(w: u32): void {
  const d = dwork_at(w);
  const c = cpu_at(d.wl_cpu);
  if (d.wl_prev == NIL) c.wl_head = d.wl_next;
  else dwork_at(d.wl_prev).wl_next = d.wl_next;
  if (d.wl_next == NIL) c.wl_tail = d.wl_prev;
  else dwork_at(d.wl_next).wl_prev = d.wl_prev;
  d.wl_cpu = NIL;
  d.wl_prev = NIL;
  d.wl_next = NIL;
}

/** The kworker: a context switch (a QS), then every work on the list, FIFO (incl. new ones). */
export function run_worklist(cpu: u32): void {
  const c = cpu_at(cpu);
  if (c.wl_head == NIL) return; // no kworker wakes for an empty list
  rcu_qs(cpu);
  let n: u32 = 0;
  while (c.wl_head != NIL) {
    if (n == WORKLIST_RUN_MAX) fail_invariant(cpu, Reason.WorklistRun);
    n++;
    const w = c.wl_head;
    worklist_unlink(w);
    dwork_at(w).pending = 0;
    emit(cpu, Ev.WorkRun, ev_handle(w), 0, 0);
    stat_inc(cpu, Stat.workRun);
    // WorkFn.Nop: API-created works only leave the WorkRun event; kernel works run their function
    if (w >= WORKS_MAX) kwork_run(cpu, w);
  }
}

/** queue_delayed_work_on(this cpu): false (and nothing queued) if already PENDING. */
export function queue_delayed_work(cpu: u32, w: u32, delay: u32): bool {
  chk_queue_work(cpu, w);
  const d = dwork_at(w);
  if (d.pending) {
    emit(cpu, Ev.WorkQueue, ev_handle(w), 0, delay);
    return false;
  }
  d.pending = 1;
  if (delay == 0) __queue_work(cpu, w);
  else timer_arm(cpu, w, jiffies + delay);
  emit(cpu, Ev.WorkQueue, ev_handle(w), 1, delay);
  stat_inc(cpu, Stat.workQueued);
  return true;
}

/** mod_delayed_work(): grab, then queue with the new delay; returns the old PENDING. */
export function mod_delayed_work(cpu: u32, w: u32, delay: u32): bool {
  const was = grab_pending(w);
  queue_delayed_work(cpu, w, delay);
  return was;
}

/** cancel_delayed_work(): grab and leave it idle; WorkCancel(w, wasPending). */
export function cancel_delayed_work(cpu: u32, w: u32): bool {
  const was = grab_pending(w);
  emit(cpu, Ev.WorkCancel, ev_handle(w), <u32>was, 0);
  return was;
}

/** An idle work with a disarmed timer (API works at creation, kernel works at init). */
export function dwork_init(w: u32): void {
  const d = dwork_at(w);
  d.pending = 0;
  d.wl_cpu = NIL;
  d.wl_prev = NIL;
  d.wl_next = NIL;
  d.armed = 0;
  d.expires = 0;
  d.timer_cpu = NIL;
  d.t_prev = NIL;
  d.t_next = NIL;
}

/** try_to_grab_pending(): take the work off its timer or worklist; returns the old PENDING. */
function grab_pending(w: u32): bool {
  const d = dwork_at(w);
  if (d.armed) timer_disarm(w);
  if (d.wl_cpu != NIL) worklist_unlink(w);
  const was = d.pending != 0;
  d.pending = 0;
  return was;
}

// -- commands ----------------------------------------------------------------------------------
export function cmd_create_delayed_work(): Status {
  if (nr_works == WORKS_MAX) return Status.TableFull;
  dwork_init(nr_works);
  set_result(nr_works++);
  return Status.Ok;
}

/** cpu, dwork, delay (commands without a delay pass 0), then CpuIdle. */
function work_check(cpu: u32, w: u32, delay: u32): Status {
  const st = cpu_check(cpu);
  if (st) return st;
  if (w >= nr_works) return bad_arg(Status.BadHandle, 1);
  if (delay > U31_MAX) return bad_arg(Status.BadArgument, 2);
  return awake_check(cpu);
}

/** result() = 1 if queued. */
export function cmd_queue_work(cpu: u32, w: u32): Status {
  const st = work_check(cpu, w, 0);
  if (st) return st;
  set_result(<u32>queue_delayed_work(cpu, w, 0));
  return cpu_done(cpu);
}

/** result() = 1 if queued. */
export function cmd_queue_delayed_work(cpu: u32, w: u32, delay: u32): Status {
  const st = work_check(cpu, w, delay);
  if (st) return st;
  set_result(<u32>queue_delayed_work(cpu, w, delay));
  return cpu_done(cpu);
}

/** result() = 1 if the work was pending before. */
export function cmd_mod_delayed_work(cpu: u32, w: u32, delay: u32): Status {
  const st = work_check(cpu, w, delay);
  if (st) return st;
  set_result(<u32>mod_delayed_work(cpu, w, delay));
  return cpu_done(cpu);
}

/** result() = 1 if the work was pending. */
export function cmd_cancel_delayed_work(cpu: u32, w: u32): Status {
  const st = work_check(cpu, w, 0);
  if (st) return st;
  set_result(<u32>cancel_delayed_work(cpu, w));
  return cpu_done(cpu);
}

/** delayed_work_pending(): -1 for a bad handle, else 0/1. */
export function delayed_work_pending(w: u32): i32 {
  return w < nr_works ? <i32>dwork_at(w).pending : -1;
}
