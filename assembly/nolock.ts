// kfree_rcu_nolock() v1 (docs/model.md §15; the seed patch, K§6.2) and the review's variants
// (monitorArm, nolockGate, K§6.3): a kvfree_rcu that may be called from any context, NMI and
// probes included. It never spins on krc.lock: a trylock, and when that fails (or debug objects
// are on, or batching is off) the object is deferred on a per-CPU llist drained by an irq_work.
// Kernel counterpart: mm/slab_common.c of the v1 patch: kvfree_call_rcu_ptr(..., allow_spin),
// krc_this_cpu_lock(&flags, allow_spin), defer_free, krc_defer_drain (the irq_work handler),
// sched_monitor_irq_work.
// Contexts: kfree_rcu_nolock from every context; the drain and the monitor-arming irq_works run in
// hardirq (the self-IPI or the tick), where they may spin on krc.lock with irqs off.
//
// Per CPU (kernel slots of the LLIST and IRQW tables, KHANDLE(cpu, id)):
//   6 krc.llist_head          deferred objects through their rcu_head (not protected by the lock)
//   7 krc.irq_work            raised; krc_defer_drain (one-irq-work-lazy-flag: both jobs, queued
//                             with a per-call lazy flag)
//   8 krc.sched_monitor_irq_work  lazy (irq-work: raised); krc_sched_monitor
//
//   kfree_rcu_nolock(obj) ─[nolock-entry]─► allow_spin? ──yes──► kvfree_call_rcu step 2 (spins)
//        │ no
//        ├─ debugObjects / batched: false ─────────────────────────────┐
//        ▼                                                             ▼
//   irq_save, trylock ──fail──► irq_restore ─────────────────► llist_add ─(was empty)─► irq_work_queue
//        │ ok [krc-locked]                                                               │ (hardirq)
//        ▼                                                                                ▼
//   krc.head, arm the monitor (§15.3) [krc-before-unlock], unlock   krc_defer_drain: llist_del_all
//                                                                   [llist-drain], kvfree_call_rcu each
import { Ev, KObj, MonitorArm, Mutant, NolockGate, Point, Stat, Status } from '../src/shared/codes';
import { mutant } from './checker';
import { batched, debug_objects, monitor_arm, NIL, nolock_gate, nr_cpus } from './config';
import { awake_check, cpu_check, cpu_done, local_irq_restore, local_irq_save } from './cpu';
import { fail_invariant_arg, Reason } from './failure';
import { point } from './inject';
import { bad_arg } from './io';
import { irq_work_init_kernel, irq_work_queue, irq_work_queue_as, IWF_KRC_BOTH, IWF_KRC_DEFER_DRAIN, IWF_KRC_SCHED_MONITOR } from './irq_work';
import {
  cpu_at, dwork_at, frame_at, krc_at, klock_idx, kslot_idx, kwork_idx, llist_ptr, OBJ_ALLOCATED, OBJ_QUEUED_KRC, obj_snap_ptr,
  obj_state_ptr, rcu_head_of,
} from './layout';
import { KOBJ_SLOTS, LLISTS_MAX } from './config';
import { krc_head_insert, krc_unlock, kvfree_call_rcu_2, kvfree_obj_check } from './krc';
import { llist_add, llist_del_all } from './llist';
import { spin_lock, spin_trylock } from './lock';
import { schedule_delayed_monitor_work } from './monitor';
import { get_state_synchronize_rcu } from './rcu';
import { obj_channel, obj_check, obj_queued } from './slab';
import { stat_inc } from './stats';
import { emit } from './trace';

/** Every CPU's llist and irq_works (init, after config_nolock()). */
export function nolock_init(): void {
  const n = nr_cpus;
  const one = monitor_arm == <u32>MonitorArm.OneIrqWorkLazyFlag;
  for (let cpu: u32 = 0; cpu < n; cpu++) {
    store<u32>(llist_ptr(kslot_idx(cpu, <u32>KObj.NolockLlist)), NIL);
    irq_work_init_kernel(kslot_idx(cpu, <u32>KObj.NolockIrqWork), one ? IWF_KRC_BOTH : IWF_KRC_DEFER_DRAIN, false);
    irq_work_init_kernel(kslot_idx(cpu, <u32>KObj.SchedMonitorIrqWork), IWF_KRC_SCHED_MONITOR,
      monitor_arm != <u32>MonitorArm.IrqWork);
  }
}

/**
 * kfree_rcu_nolock(obj) on the current CPU; the caller checked the object is allocated. The frame
 * is marked for the call: the caller may not spin, whatever the gate decides (the checker's
 * spin-in-nmi); a nested call from a hook in the same frame restores the outer call's mark.
 */
export function kfree_rcu_nolock(cpu: u32, obj: u32): void {
  const f = frame_at(cpu, cpu_at(cpu).depth - 1);
  const outer = f.in_nolock;
  f.in_nolock = 1;
  nolock_call(cpu, obj);
  f.in_nolock = outer;
}

function nolock_call(cpu: u32, obj: u32): void {
  point(cpu, <u32>Point.NolockEntry);
  // only an at() hook can change the object here: the interrupted caller still owns it
  if (load<u8>(obj_state_ptr(obj)) != OBJ_ALLOCATED) fail_invariant_arg(cpu, Reason.NolockEntry, obj);
  // 1. queued from now on, with its "kfree_rcu call time"
  store<u8>(obj_state_ptr(obj), OBJ_QUEUED_KRC);
  store<u32>(obj_snap_ptr(obj), get_state_synchronize_rcu());
  obj_queued(obj, true);
  emit(cpu, Ev.NolockCall, obj, obj_channel(obj), 0);
  stat_inc(cpu, Stat.nolockCall);
  // 2. allow_spin: v1 always passes false; the in-nmi gate spins unless in_nmi()
  if (nolock_gate == <u32>NolockGate.InNmi && cpu_at(cpu).nmi_frames == 0) {
    stat_inc(cpu, Stat.nolockSpinPath);
    kvfree_call_rcu_2(cpu, obj);
    return;
  }
  // 3. kmemleak / debugobjects hooks are not NMI-safe; without batching there is no krc
  if (debug_objects || !batched) {
    stat_inc(cpu, Stat.nolockForcedDefer);
    defer_free(cpu, obj);
    return;
  }
  // 4. krc_this_cpu_lock(&flags, allow_spin = false): a trylock
  local_irq_save(cpu);
  if (mutant == <u32>Mutant.NolockSpins) {
    spin_lock(cpu, klock_idx(cpu)); // canary: spins where v1 trylocks
  } else if (!spin_trylock(cpu, klock_idx(cpu))) {
    local_irq_restore(cpu);
    defer_free(cpu, obj);
    return;
  }
  point(cpu, <u32>Point.KrcLocked);
  // on krc.head: no bulk page, no page-cache worker ("without consuming additional memory")
  krc_head_insert(cpu, obj);
  nolock_arm_monitor(cpu);
  point(cpu, <u32>Point.KrcBeforeUnlock);
  krc_unlock(cpu, cpu);
}

/** 5. defer_free: llist_add; the first adder of a burst queues the drain. */
function defer_free(cpu: u32, obj: u32): void {
  const wasEmpty = llist_add(cpu, kslot_idx(cpu, <u32>KObj.NolockLlist), obj);
  stat_inc(cpu, Stat.nolockDeferred);
  if (!wasEmpty) return;
  if (mutant == <u32>Mutant.LlistAddIgnored) return; // canary: nobody queues the drain
  const w = kslot_idx(cpu, <u32>KObj.NolockIrqWork);
  const queued = monitor_arm == <u32>MonitorArm.OneIrqWorkLazyFlag ? irq_work_queue_as(cpu, w, false) : irq_work_queue(cpu, w);
  // the shared work already PENDING (on the lazy list): this drain waits for the tick
  if (!queued) stat_inc(cpu, Stat.nolockDrainDelayed);
}

/** §15.3: arming the monitor from a nolock call, under krc.lock taken by trylock. */
function nolock_arm_monitor(cpu: u32): void {
  const arm = monitor_arm;
  if (arm == <u32>MonitorArm.OneIrqWorkLazyFlag) {
    stat_inc(cpu, Stat.monitorArmLazy);
    irq_work_queue_as(cpu, kslot_idx(cpu, <u32>KObj.NolockIrqWork), true);
    return;
  }
  if (arm == <u32>MonitorArm.LazyIrqWorkUnlessPending && dwork_at(kwork_idx(cpu, <u32>KObj.MonitorWork)).pending) {
    stat_inc(cpu, Stat.monitorArmSkipped); // delayed_work_pending(): a bit test, NMI-safe
    return;
  }
  stat_inc(cpu, arm == <u32>MonitorArm.IrqWork ? Stat.monitorArmRaised : Stat.monitorArmLazy);
  irq_work_queue(cpu, kslot_idx(cpu, <u32>KObj.SchedMonitorIrqWork)); // lazy unless monitorArm irq-work
}

/** Callbacks of the kernel irq_works (hardirq, on the CPU whose list held the work). */
export function krc_irq_work_func(cpu: u32, w: u32, func: u8): void {
  const krc = (w - LLISTS_MAX) / KOBJ_SLOTS;
  if (func != IWF_KRC_SCHED_MONITOR) krc_defer_drain(cpu, krc);
  // krc_sched_monitor (under one-irq-work-lazy-flag after the drain, batched only: no monitor without)
  if (func != IWF_KRC_DEFER_DRAIN && batched) schedule_delayed_monitor_work(cpu, krc);
}

/** krc_defer_drain(): everything deferred goes through kvfree_call_rcu, spinning allowed. */
function krc_defer_drain(cpu: u32, krc: u32): void {
  let o = llist_del_all(cpu, kslot_idx(krc, <u32>KObj.NolockLlist));
  point(cpu, <u32>Point.LlistDrain);
  while (o != NIL) {
    const next = rcu_head_of(o).next;
    stat_inc(cpu, Stat.nolockDrained);
    kvfree_call_rcu_2(cpu, o); // keeps the snapshot of its nolock call
    // canary drain-drops-tail: only the newest object is handed over; the rest stay queued on no list
    if (mutant == <u32>Mutant.DrainDropsTail) break;
    o = next;
  }
}

/** Objects on a CPU's nolock llist (krcInfo().llistCount). */
export function nolock_llist_count(cpu: u32): u32 {
  let n: u32 = 0;
  for (let o = load<u32>(llist_ptr(kslot_idx(cpu, <u32>KObj.NolockLlist))); o != NIL; o = rcu_head_of(o).next) n++;
  return n;
}

// -- command (docs/model.md §15.2; check order BadCpu, BadHandle obj, BadArgument headless, CpuIdle,
// then the object) ---------------------------------------------------------------------------------
/** kfreeRcuNolock(cpu, obj, { headless }): headless = 1 is refused (2-argument only). */
export function cmd_kfree_rcu_nolock(cpu: u32, obj: u32, headless: u32): Status {
  let st = cpu_check(cpu);
  if (st) return st;
  if (obj_check(obj)) return bad_arg(Status.BadHandle, 1);
  if (headless != 0) return bad_arg(Status.BadArgument, 2);
  st = awake_check(cpu);
  if (st) return st;
  st = kvfree_obj_check(obj);
  if (st) return st;
  kfree_rcu_nolock(cpu, obj);
  return cpu_done(cpu);
}
