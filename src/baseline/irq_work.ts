// irq_work (kernel/irq_work.c, K§4; docs/model.md §4.2): run a callback in hardirq context soon,
// queued from any context including NMI. State diagram of one work's flags:
//
//   idle ──queue──▶ PENDING|BUSY ──run: clear PENDING──▶ BUSY ──callback returns──▶ idle
//                                                          │ re-queued by its callback
//                                                          ▼
//                                                   PENDING|BUSY (BUSY is then kept)
//
// A raised (non-lazy) work on an empty raised_list sends a self-IPI, delivered at the CPU's next
// irq-enabled point; lazy works wait for the tick (irq_work_tick).
import { Ctx, Ev, IrqWorkFn, Mutant, Stat } from '../shared/codes.js';
import type { Cpu } from './cpu.js';
import type { Kernel } from './kernel.js';
import type { Llist } from './llist.js';
import { llistDelAll } from './llist_ops.js';
import { callRcu } from './rcu.js';

export const IRQ_WORK_PENDING = 1;
export const IRQ_WORK_BUSY = 2;
export const IRQ_WORK_LAZY = 4;

/**
 * @flags: PENDING | BUSY | LAZY (LAZY fixed at creation).
 * @fn, @arg: the callback and its argument (a countdown for Requeue, an llist for LlistCallRcu).
 * @func: a kernel work's own callback (e.g. krc_defer_drain); replaces `fn` when set.
 * @cpu: the CPU whose list holds it while pending, else -1.
 * @next: the embedded llist_node.
 */
export class IrqWork {
  cpu = -1;
  next: IrqWork | null = null;

  constructor(
    readonly id: number,
    public flags: number,
    readonly fn: IrqWorkFn,
    public arg: number,
    readonly func: ((cpu: Cpu) => void) | null = null,
  ) {}
}

/**
 * irq_work_queue() on the current CPU. Any context, NMI included. `lazy` (one-irq-work-lazy-flag's
 * per-call flag, docs/model.md §16.4) overrides the work's own LAZY bit when given.
 */
export function irqWorkQueue(k: Kernel, cpu: Cpu, work: IrqWork, lazy = (work.flags & IRQ_WORK_LAZY) !== 0): boolean {
  // Canary irq-work-no-claim: PENDING is ignored and the work goes on a list again.
  if (work.flags & IRQ_WORK_PENDING && k.mutant !== Mutant.IrqWorkNoClaim) {
    k.emit(cpu, Ev.IrqWorkQueue, work.id, 0, 0);
    k.count(cpu, Stat.irqWorkRejected);
    return false;
  }
  k.chk.irqWorkAdd(cpu, work);
  work.flags |= IRQ_WORK_PENDING | IRQ_WORK_BUSY;
  work.cpu = cpu.id;
  const wasEmpty = (lazy ? cpu.lazyList : cpu.raisedList).add(work);
  let ipi = 0;
  if (!lazy && wasEmpty) {
    cpu.ipiPending = true;
    k.count(cpu, Stat.selfIpi);
    ipi = 1;
  }
  k.emit(cpu, Ev.IrqWorkQueue, work.id, 1, ipi);
  k.count(cpu, Stat.irqWorkQueued);
  return true;
}

/** The irq_work self-IPI handler: a hardirq that runs the raised list. */
export function irqWorkInterrupt(k: Kernel, cpu: Cpu): void {
  cpu.push(Ctx.Hardirq);
  k.emit(cpu, Ev.CtxEnter, Ctx.Hardirq);
  irqWorkRunList(k, cpu, cpu.raisedList);
  k.emit(cpu, Ev.CtxExit, Ctx.Hardirq);
  cpu.pop();
}

/** irq_work_run_list(): hardirq context. Works re-queued by their callbacks wait for the next run. */
export function irqWorkRunList(k: Kernel, cpu: Cpu, list: Llist<IrqWork>): void {
  const lazy = list === cpu.lazyList;
  for (const work of list.delAll()) {
    work.flags &= ~IRQ_WORK_PENDING;
    work.cpu = -1;
    const flags = work.flags;
    k.emit(cpu, Ev.IrqWorkRun, work.id);
    k.count(cpu, Stat.irqWorkRun);
    if (lazy) k.count(cpu, Stat.lazyRun);
    runCallback(k, cpu, work);
    if (work.flags === flags) work.flags &= ~IRQ_WORK_BUSY;
  }
}

function runCallback(k: Kernel, cpu: Cpu, work: IrqWork): void {
  if (work.func !== null) return work.func(cpu);
  switch (work.fn) {
    case IrqWorkFn.Nop:
      return;
    case IrqWorkFn.Requeue:
      if (work.arg > 0) {
        work.arg--;
        irqWorkQueue(k, cpu, work);
      }
      return;
    case IrqWorkFn.LlistCallRcu:
      // The deferred-free pattern: objects keep the snapshot taken at llist_add.
      for (const obj of llistDelAll(k, cpu, work.arg)) callRcu(k, cpu, obj);
      return;
  }
}
