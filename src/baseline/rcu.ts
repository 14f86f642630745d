// RCU grace periods and callbacks (kernel/rcu/rcu.h, tree.c; docs/model.md §6, K§3).
// gp_seq keeps the kernel encoding: low 2 bits = state (0 idle, 1 in progress), the rest counts
// GPs. All arithmetic is u32 and every comparison wrap-safe (ULONG_CMP_*), so a start near 2^32
// exercises the wrap.
//
// Simplified: one sequence (no expedited one, `*_full()` cookies equal normal ones); the GP
// kthread, FQS scans and the rcu_node tree are reduced to a per-jiffy pass (rcu_gp_engine); the
// per-CPU rcu_segcblist is one FIFO whose entries carry their own completion cookie.
import { Ev, Stat } from '../shared/codes.js';
import type { Cpu } from './cpu.js';
import type { Kernel } from './kernel.js';
import { kfreeInternal } from './slab_ops.js';
import { SlabObject } from './slab.js';

/**
 * An rcu_head on a CPU's callback list: a slab object's embedded head (callback FreeObj) or a
 * kernel-owned head such as an rcu_work's (KernelRcuHead).
 * @id: the handle its CallRcu/RcuCbInvoke events name.
 * @cbSnap: get_state_synchronize_rcu() at call_rcu time; invoked once that is done.
 * @cbNext: next head on the callback list.
 */
export interface RcuHead {
  readonly id: number;
  cbSnap: number;
  cbNext: RcuHead | null;
}

/** An rcu_head embedded in a kernel structure, with its own callback (e.g. rcu_work_rcufn). */
export class KernelRcuHead implements RcuHead {
  cbSnap = 0;
  cbNext: RcuHead | null = null;

  constructor(
    readonly id: number,
    readonly func: (cpu: Cpu) => void,
  ) {}
}

/** RCU_GET_STATE_COMPLETED: a cookie that is always done. */
export const RCU_GET_STATE_COMPLETED = 1;

export const rcuSeqState = (s: number): number => s & 3;
export const rcuSeqStart = (s: number): number => (s + 1) >>> 0;
export const rcuSeqEnd = (s: number): number => ((s | 3) + 1) >>> 0;
export const rcuSeqSnap = (s: number): number => ((s + 7) & ~3) >>> 0;
export const ULONG_CMP_GE = (a: number, b: number): boolean => ((a - b) >>> 0) <= 0x7fffffff;
export const ULONG_CMP_LT = (a: number, b: number): boolean => ((a - b) >>> 0) > 0x7fffffff;

export function gpInProgress(k: Kernel): boolean {
  return rcuSeqState(k.gpSeq) !== 0;
}

/** get_state_synchronize_rcu(): the cookie of the first GP to start after now. Requests nothing. */
export function getStateSynchronizeRcu(k: Kernel): number {
  return rcuSeqSnap(k.gpSeq);
}

/** rcu_seq_done_exact() on the one sequence, plus the always-completed cookie. */
export function pollStateSynchronizeRcu(k: Kernel, cookie: number): boolean {
  cookie >>>= 0;
  if (cookie === RCU_GET_STATE_COMPLETED) return true;
  return ULONG_CMP_GE(k.gpSeq, cookie) || ULONG_CMP_LT(k.gpSeq, (cookie - 7) >>> 0);
}

/** Ask the GP engine for a GP that completes cookie `s` (rcu_start_this_gp, reduced). */
export function requestGp(k: Kernel, s: number): void {
  if (ULONG_CMP_LT(k.gpSeqNeeded, s)) k.gpSeqNeeded = s;
}

/** start_poll_synchronize_rcu(): the same cookie as get_state, and a GP is requested for it. */
export function startPollSynchronizeRcu(k: Kernel): number {
  const s = getStateSynchronizeRcu(k);
  requestGp(k, s);
  return s;
}

/** rcu_qs(): report this CPU's quiescent state for the current GP, once. Any context. */
export function rcuQs(k: Kernel, cpu: Cpu): void {
  if (!gpInProgress(k) || !cpu.qsOwed) return;
  cpu.qsOwed = false;
  k.emit(cpu, Ev.Qs, k.gpSeq);
  k.count(cpu, Stat.qs);
}

/**
 * call_rcu(head, kfree-callback) on the current CPU. Callers (validated or internal) guarantee:
 * task, softirq or hardirq context (call_rcu is not NMI-safe); the object is allocated or detached.
 */
export function callRcu(k: Kernel, cpu: Cpu, obj: SlabObject): void {
  if (obj.state === 'allocated') {
    obj.state = 'queued';
    obj.snap = getStateSynchronizeRcu(k);
    k.markQueued(obj);
  } else if (obj.where === 'detached') {
    k.chk.detached--;
  }
  obj.where = 'cblist';
  callRcuHead(k, cpu, obj);
}

/** __call_rcu_common(): append any rcu_head to this CPU's callback list and request its GP. */
export function callRcuHead(k: Kernel, cpu: Cpu, head: RcuHead): void {
  const cbSnap = getStateSynchronizeRcu(k);
  head.cbSnap = cbSnap;
  head.cbNext = null;
  if (cpu.cbTail === null) cpu.cbHead = head;
  else cpu.cbTail.cbNext = head;
  cpu.cbTail = head;
  if (head instanceof SlabObject) cpu.cbObjs++;
  requestGp(k, cbSnap);
  k.emit(cpu, Ev.CallRcu, head.id, cbSnap);
  k.count(cpu, Stat.callRcu);
}

/**
 * rcu_gp_kthread, once per jiffy at the start of the global tick (docs/model.md §6.1): end the
 * GP if every CPU reported, then start the next one if somebody needs it. Events land on CPU 0.
 */
export function rcuGpEngine(k: Kernel): void {
  const cpu0 = k.cpus[0];
  if (gpInProgress(k) && !k.cpus.some((c) => c.qsOwed)) {
    const old = k.gpSeq;
    k.gpSeq = rcuSeqEnd(k.gpSeq);
    k.chk.gpSeq(cpu0, old, k.gpSeq);
    k.emit(cpu0, Ev.GpEnd, k.gpSeq);
    k.count(cpu0, Stat.gpEnd);
  }
  if (!gpInProgress(k) && ULONG_CMP_LT(k.gpSeq, k.gpSeqNeeded)) {
    const old = k.gpSeq;
    k.gpSeq = rcuSeqStart(k.gpSeq);
    k.chk.gpSeq(cpu0, old, k.gpSeq);
    k.emit(cpu0, Ev.GpStart, k.gpSeq);
    k.count(cpu0, Stat.gpStart);
    for (const c of k.cpus) c.qsOwed = !c.idle && c.blocked === 0;
  }
}

/** rcu_do_batch(), from the tick's softirq: invoke the ready callbacks at the list's front. */
export function rcuDoBatch(k: Kernel, cpu: Cpu): void {
  while (cpu.cbHead !== null && pollStateSynchronizeRcu(k, cpu.cbHead.cbSnap)) {
    const head = cpu.cbHead;
    cpu.cbHead = head.cbNext;
    if (cpu.cbHead === null) cpu.cbTail = null;
    head.cbNext = null;
    k.emit(cpu, Ev.RcuCbInvoke, head.id);
    k.count(cpu, Stat.rcuCbInvoked);
    if (head instanceof SlabObject) {
      cpu.cbObjs--;
      kfreeInternal(k, cpu, head);
    }
    else if (head instanceof KernelRcuHead) head.func(cpu);
  }
}
