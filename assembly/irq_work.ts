// irq_work (docs/model.md §4.2): claim, queue on this CPU's raised or lazy list, run.
// Kernel counterpart: kernel/irq_work.c (irq_work_claim, __irq_work_queue_local, irq_work_queue,
// irq_work_single, irq_work_run_list, irq_work_tick) and IRQ_WORK_INIT_LAZY.
// Contexts: irq_work_queue from every context, including NMI and probes. Works run in a hardirq
// frame: the self-IPI's (raised list) or the tick's (lazy list).
//
// State machine (flags):
//   free      0               ─queue─►  claimed/pending
//   pending   PENDING|BUSY    ─run──►   busy (PENDING cleared, then the callback runs)
//   busy      BUSY            ─callback done, nobody re-claimed─► free
//                             ─queue (from the callback or elsewhere)─► pending
// A work is on at most one CPU's list, and only while PENDING.
// *Simplified*: the raised list is run only by the self-IPI (every model CPU has an irq_work
// interrupt), and a lazy work never raises an IPI (model CPUs never stop their tick).
import { Ctx, Ev, IrqWorkFn, Mutant, Stat, Status } from '../src/shared/codes';
import { chk_irq_work_add, mutant } from './checker';
import { IRQ_WORKS_MAX, NIL, U31_MAX } from './config';
import { awake_check, cpu_check, cpu_done, pop_frame, push_frame } from './cpu';
import { bad_arg, set_result } from './io';
import { cpu_at, ev_handle, irq_work_at, rcu_head_of } from './layout';
import { krc_irq_work_func } from './nolock';
import { llist_check, llist_del_all } from './llist';
import { call_rcu } from './rcu';
import { stat_inc } from './stats';
import { emit } from './trace';

export const IRQ_WORK_PENDING: u8 = 1;
export const IRQ_WORK_BUSY: u8 = 2;
export const IRQ_WORK_LAZY: u8 = 4;

let nr_irq_works: u32 = 0;

// Callbacks of the kernel's irq_works (kfree_rcu_nolock, docs/model.md §15; core-internal values
// beside the shared IrqWorkFn).
/** krc.irq_work: krc_defer_drain(). */
export const IWF_KRC_DEFER_DRAIN: u8 = 0x10;
/** krc.sched_monitor_irq_work: krc_sched_monitor(). */
export const IWF_KRC_SCHED_MONITOR: u8 = 0x11;
/** one-irq-work-lazy-flag: the shared krc.irq_work does both jobs. */
export const IWF_KRC_BOTH: u8 = 0x12;

/** A kernel irq_work (table index w >= IRQ_WORKS_MAX) with its callback; idle. */
export function irq_work_init_kernel(w: u32, func: u8, lazy: bool): void {
  const iw = irq_work_at(w);
  iw.flags = lazy ? IRQ_WORK_LAZY : 0;
  iw.func = func;
  iw.arg = 0;
  iw.next = NIL;
  iw.cpu = NIL;
}

/** irq_work_queue() on the current CPU; false if the work was already pending. */
export function irq_work_queue(cpu: u32, w: u32): bool {
  return irq_work_queue_as(cpu, w, (irq_work_at(w).flags & IRQ_WORK_LAZY) != 0);
}

/**
 * irq_work_queue() with the list chosen by the caller: the work's own LAZY flag, or the per-call
 * lazy flag Joel's review proposes (monitorArm 'one-irq-work-lazy-flag', §15.3).
 */
export function irq_work_queue_as(cpu: u32, w: u32, lazy: bool): bool {
  const iw = irq_work_at(w);
  // canary irq-work-no-claim: PENDING is ignored and the work goes on a list again
  if (iw.flags & IRQ_WORK_PENDING && mutant != <u32>Mutant.IrqWorkNoClaim) { // irq_work_claim() failed
    emit(cpu, Ev.IrqWorkQueue, ev_handle(w), 0, 0);
    stat_inc(cpu, Stat.irqWorkRejected);
    return false;
  }
  chk_irq_work_add(cpu, w);
  iw.flags |= IRQ_WORK_PENDING | IRQ_WORK_BUSY;
  iw.cpu = cpu;
  const c = cpu_at(cpu);
  let ipi: u32 = 0;
  if (lazy) {
    iw.next = c.lazy_list;
    c.lazy_list = w;
  } else {
    iw.next = c.raised_list;
    c.raised_list = w;
    if (iw.next == NIL) { // first on the list: arch_irq_work_raise()
      c.ipi_pending = 1;
      stat_inc(cpu, Stat.selfIpi);
      ipi = 1;
    }
  }
  emit(cpu, Ev.IrqWorkQueue, ev_handle(w), 1, ipi);
  stat_inc(cpu, Stat.irqWorkQueued);
  return true;
}

function irq_work_func(cpu: u32, w: u32): void {
  const iw = irq_work_at(w);
  if (iw.func == <u8>IrqWorkFn.Requeue) {
    if (iw.arg > 0) {
      iw.arg--;
      irq_work_queue(cpu, w);
    }
  } else if (iw.func >= IWF_KRC_DEFER_DRAIN) {
    krc_irq_work_func(cpu, w, iw.func);
  } else if (iw.func == <u8>IrqWorkFn.LlistCallRcu) {
    // the deferred-free pattern: each object keeps the snapshot of its llist_add()
    let o = llist_del_all(cpu, iw.arg);
    while (o != NIL) {
      const next = rcu_head_of(o).next;
      call_rcu(cpu, o);
      o = next;
    }
  }
}

/** irq_work_run_list(): run what llist_del_all took, newest first; re-queued works wait. */
export function irq_work_run_list(cpu: u32, lazy: bool): void {
  const c = cpu_at(cpu);
  let w: u32;
  if (lazy) {
    w = c.lazy_list;
    c.lazy_list = NIL;
  } else {
    w = c.raised_list;
    c.raised_list = NIL;
  }
  while (w != NIL) {
    const iw = irq_work_at(w);
    const next = iw.next;
    iw.flags &= ~IRQ_WORK_PENDING;
    iw.cpu = NIL;
    const flags = iw.flags;
    emit(cpu, Ev.IrqWorkRun, ev_handle(w), 0, 0);
    stat_inc(cpu, Stat.irqWorkRun);
    if (lazy) stat_inc(cpu, Stat.lazyRun);
    irq_work_func(cpu, w);
    // irq_work_single(): atomic_cmpxchg(&work->flags, flags, flags & ~BUSY)
    if (iw.flags == flags) iw.flags = flags & ~IRQ_WORK_BUSY;
    w = next;
  }
}

/** The self-IPI: a hardirq frame running the raised list. */
export function irq_work_interrupt(cpu: u32): void {
  push_frame(cpu, Ctx.Hardirq);
  emit(cpu, Ev.CtxEnter, <u32>Ctx.Hardirq, 0, 0);
  irq_work_run_list(cpu, false);
  emit(cpu, Ev.CtxExit, <u32>Ctx.Hardirq, 0, 0);
  pop_frame(cpu);
}

// -- commands ----------------------------------------------------------------------------------
/** init_irq_work / IRQ_WORK_INIT_LAZY. For LlistCallRcu, arg must be an existing llist. */
export function cmd_create_irq_work(func: u32, lazy: bool, arg: u32): Status {
  if (func > <u32>IrqWorkFn.LlistCallRcu) return bad_arg(Status.BadArgument, 0);
  if (arg > U31_MAX) return bad_arg(Status.BadArgument, 0);
  if (func == <u32>IrqWorkFn.LlistCallRcu && llist_check(arg) != Status.Ok) return bad_arg(Status.BadHandle, 0);
  if (nr_irq_works == IRQ_WORKS_MAX) return Status.TableFull;
  const iw = irq_work_at(nr_irq_works);
  iw.flags = lazy ? IRQ_WORK_LAZY : 0;
  iw.func = <u8>func;
  iw.arg = arg;
  iw.next = NIL;
  iw.cpu = NIL;
  set_result(nr_irq_works++);
  return Status.Ok;
}

/** result() = 1 if queued, 0 if it was already pending. */
export function cmd_irq_work_queue(cpu: u32, w: u32): Status {
  let st = cpu_check(cpu);
  if (st) return st;
  if (w >= nr_irq_works) return bad_arg(Status.BadHandle, 1);
  st = awake_check(cpu);
  if (st) return st;
  set_result(<u32>irq_work_queue(cpu, w));
  return cpu_done(cpu);
}

/** Flags (PENDING 1, BUSY 2, LAZY 4), or -1 for a bad handle. */
export function irq_work_flags(w: u32): i32 {
  return w < nr_irq_works ? <i32>irq_work_at(w).flags : -1;
}

/** CPU whose list holds the work while it is pending, else 0xffffffff. */
export function irq_work_cpu(w: u32): u32 {
  return w < nr_irq_works ? irq_work_at(w).cpu : NIL;
}
