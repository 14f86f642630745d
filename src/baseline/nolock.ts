// kfree_rcu_nolock(), v1 of the series under review (K§6.2; docs/model.md §15): kfree_rcu() for any
// context, NMI included, that never spins on krc.lock.
//
//   kfree_call_rcu_nolock(obj)                    (kvfree_call_rcu_ptr(head, ptr, allow_spin = false))
//     ├─ allow_spin (gate in-nmi outside an NMI)  → kvfree_call_rcu() from krc_this_cpu_lock() on
//     ├─ debug objects / !KVFREE_RCU_BATCHED       → defer_free
//     ├─ krc_this_cpu_lock(allow_spin = false): trylock
//     │     ok   → krc.head (no bnode, no page-cache worker); arm the monitor through an irq_work
//     │     busy → defer_free
//     └─ defer_free: llist_add(obj, krc.llist_head); the first adder queues krc.irq_work, whose
//        callback (krc_defer_drain, hardirq) hands every object to kvfree_call_rcu() with spinning
//        allowed.
//
// Arming the monitor from a context that may be an NMI cannot touch timers; v1 queues
// sched_monitor_irq_work (lazy: runs at the next tick, no self-IPI). The review's variants of that
// step are `monitorArm` (docs/model.md §15.3).
//
// Simplified: the defer path's guard(preempt)() is not modelled (a command cannot migrate);
// kasan_record_aux_stack() and kmemleak_ignore() are not modelled; the sheaves layer does not exist.
import { Ev, IrqWorkFn, KObj, Mutant, Point, Stat } from '../shared/codes.js';
import type { Cpu } from './cpu.js';
import { point } from './inject.js';
import { IRQ_WORK_LAZY, IrqWork, irqWorkQueue } from './irq_work.js';
import type { Kernel } from './kernel.js';
import {
  khandle, type Krc, krcHeadInsert, kvfreeCallRcuLocked, localIrqRestore, localIrqSave, krcUnlock, scheduleDelayedMonitorWork,
} from './krc.js';
import { Llist } from './llist.js';
import { spinLock, spinTrylock } from './lock.js';
import { callRcu, getStateSynchronizeRcu } from './rcu.js';
import type { SlabObject } from './slab.js';

/**
 * v1's new fields of struct kfree_rcu_cpu, kept apart from Krc because they also exist without
 * CONFIG_KVFREE_RCU_BATCHED (the !BATCHED defer path: docs/model.md §16.4).
 * @llistHead: deferred objects, threaded through their rcu_heads; "not protected by the lock".
 * @irqWork: raised; its callback is krc_defer_drain (and, under one-irq-work-lazy-flag, the monitor's job).
 * @schedMonitorIrqWork: krc_sched_monitor; lazy (raised under `irq-work`); null under
 *   one-irq-work-lazy-flag, and without batching (there is no monitor).
 */
export class NolockKrc {
  readonly llistHead = new Llist<SlabObject>();
  readonly irqWork: IrqWork;
  readonly schedMonitorIrqWork: IrqWork | null;

  constructor(k: Kernel, cpu: number) {
    const arm = k.options.monitorArm;
    this.irqWork = new IrqWork(khandle(cpu, KObj.NolockIrqWork), 0, IrqWorkFn.Nop, 0, (c) => krcDeferDrain(k, c, this));
    this.schedMonitorIrqWork =
      k.options.batched && arm !== 'one-irq-work-lazy-flag'
        ? new IrqWork(khandle(cpu, KObj.SchedMonitorIrqWork), arm === 'irq-work' ? 0 : IRQ_WORK_LAZY, IrqWorkFn.Nop, 0, (c) => krcSchedMonitor(k, c, k.krcs[cpu]))
        : null;
  }

  /** Objects on llist_head (KrcInfo.llistCount). */
  count(): number {
    let n = 0;
    for (let o = this.llistHead.first; o !== null; o = o.next) n++;
    return n;
  }
}

export function kfreeRcuNolockInit(k: Kernel): void {
  for (const cpu of k.cpus) k.nolock.push(new NolockKrc(k, cpu.id));
}

/**
 * kfree_rcu_nolock(obj) on the current CPU, any context. The caller checked that `obj` is allocated
 * (command kfreeRcuNolock, or the workload op).
 */
export function kfreeCallRcuNolock(k: Kernel, cpu: Cpu, obj: SlabObject): void {
  // The caller may not spin, whatever the gate decides (the checker's spin-in-nmi); nested calls
  // from a hook in the same frame restore the outer call's mark.
  const frame = cpu.top;
  const outer = frame.inNolock;
  frame.inNolock = true;
  nolockCall(k, cpu, obj);
  frame.inNolock = outer;
}

function nolockCall(k: Kernel, cpu: Cpu, obj: SlabObject): void {
  const o = k.options;
  point(k, cpu, Point.NolockEntry);
  // Only an at() hook can get here: the interrupted caller still owns the object.
  if (obj.state !== 'allocated') k.invariant(cpu, `object ${obj.id} was freed or queued at nolock-entry while kfree_rcu_nolock() was freeing it`);
  obj.state = 'queued';
  obj.where = 'krc';
  obj.snap = getStateSynchronizeRcu(k);
  k.markQueued(obj, true);
  k.emit(cpu, Ev.NolockCall, obj.id, obj.channel);
  k.count(cpu, Stat.nolockCall);

  // v1 always passes allow_spin = false; Joel's point 3 keys it off in_nmi() instead.
  const allowSpin = o.nolockGate === 'in-nmi' && !cpu.hasNmiFrame();
  if (allowSpin) {
    k.count(cpu, Stat.nolockSpinPath);
    if (o.batched) kvfreeCallRcuLocked(k, cpu, obj, false);
    else callRcu(k, cpu, obj);
    return;
  }
  // kmemleak / debugobjects are not NMI-safe; without batching every !allow_spin free is deferred.
  if (o.debugObjects || !o.batched) {
    k.count(cpu, Stat.nolockForcedDefer);
    deferFree(k, cpu, obj);
    return;
  }

  // krc_this_cpu_lock(&flags, allow_spin = false)
  const krc = k.krcs[cpu.id];
  localIrqSave(k, cpu);
  if (k.mutant === Mutant.NolockSpins) {
    spinLock(k, cpu, krc.lock); // canary: spins where v1 trylocks
  } else if (!spinTrylock(k, cpu, krc.lock)) {
    localIrqRestore(k, cpu);
    deferFree(k, cpu, obj);
    return;
  }
  point(k, cpu, Point.KrcLocked);
  // add_ptr_to_bulk_krc_lock(..., allow_spin = false) takes no bnode: the object goes on krc.head.
  krcHeadInsert(k, cpu, krc, obj);
  armMonitorNolock(k, cpu, krc);
  point(k, cpu, Point.KrcBeforeUnlock);
  krcUnlock(k, cpu, krc);
}

/** defer_free: llist_add(); whoever finds the list empty queues the drain. */
function deferFree(k: Kernel, cpu: Cpu, obj: SlabObject): void {
  const n = k.nolock[cpu.id];
  obj.where = 'llist';
  const wasEmpty = n.llistHead.add(obj);
  k.emit(cpu, Ev.LlistAdd, khandle(cpu.id, KObj.NolockLlist), obj.id, wasEmpty ? 1 : 0);
  k.count(cpu, Stat.llistAdd);
  k.count(cpu, Stat.nolockDeferred);
  if (!wasEmpty) return; // the pending (or running) drain will take it
  if (k.mutant === Mutant.LlistAddIgnored) return; // canary: nobody queues the drain
  const lazy = k.options.monitorArm === 'one-irq-work-lazy-flag' ? false : undefined;
  // False only when the shared work is already PENDING on the lazy list (one-irq-work-lazy-flag):
  // no IPI, so the drain waits for the next tick.
  if (!irqWorkQueue(k, cpu, n.irqWork, lazy)) k.count(cpu, Stat.nolockDrainDelayed);
}

/** Arming the monitor under a trylock'ed krc.lock, in a context that may be an NMI (§15.3). */
function armMonitorNolock(k: Kernel, cpu: Cpu, krc: Krc): void {
  // rcu_scheduler_active == RCU_SCHEDULER_RUNNING always holds in the model.
  const n = k.nolock[cpu.id];
  switch (k.options.monitorArm) {
    case 'lazy-irq-work':
      k.count(cpu, Stat.monitorArmLazy);
      irqWorkQueue(k, cpu, n.schedMonitorIrqWork!);
      return;
    case 'irq-work':
      k.count(cpu, Stat.monitorArmRaised);
      irqWorkQueue(k, cpu, n.schedMonitorIrqWork!);
      return;
    case 'lazy-irq-work-unless-pending':
      // delayed_work_pending() is a test_bit on the work's PENDING bit: NMI-safe.
      if (krc.monitorWork.pending) {
        k.count(cpu, Stat.monitorArmSkipped);
        return;
      }
      k.count(cpu, Stat.monitorArmLazy);
      irqWorkQueue(k, cpu, n.schedMonitorIrqWork!);
      return;
    case 'one-irq-work-lazy-flag':
      // Joel's irq_work_queue_lazy(): the one work goes on the lazy list unless already PENDING.
      k.count(cpu, Stat.monitorArmLazy);
      irqWorkQueue(k, cpu, n.irqWork, true);
      return;
  }
}

/** krc_defer_drain(): irq_work callback (hardirq). Spinning is allowed here. */
function krcDeferDrain(k: Kernel, cpu: Cpu, n: NolockKrc): void {
  const objs = n.llistHead.delAll(); // newest first
  k.emit(cpu, Ev.LlistDelAll, khandle(cpu.id, KObj.NolockLlist), objs.length);
  k.count(cpu, Stat.llistDelAll);
  point(k, cpu, Point.LlistDrain);
  // Canary drain-drops-tail: only the newest object is handed over; the rest stay queued on no list.
  for (const obj of k.mutant === Mutant.DrainDropsTail ? objs.slice(0, 1) : objs) {
    k.count(cpu, Stat.nolockDrained);
    // kvfree_call_rcu(head, ptr, allow_spin = true): the object keeps its kfree_rcu_nolock() snapshot.
    obj.where = 'krc';
    if (k.options.batched) kvfreeCallRcuLocked(k, cpu, obj, false);
    else callRcu(k, cpu, obj);
  }
  // The one shared work also does krc_sched_monitor's job.
  if (k.options.monitorArm === 'one-irq-work-lazy-flag' && k.options.batched) krcSchedMonitor(k, cpu, k.krcs[cpu.id]);
}

/** krc_sched_monitor(): irq_work callback (hardirq, never NMI): now the timer can be armed. */
function krcSchedMonitor(k: Kernel, cpu: Cpu, krc: Krc): void {
  scheduleDelayedMonitorWork(k, cpu, krc);
}
