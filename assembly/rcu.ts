// RCU (docs/model.md §6): gp_seq, the polled-GP API, quiescent states, the GP engine, per-CPU
// callback lists, call_rcu() and synchronize_rcu().
// Kernel counterpart: kernel/rcu/rcu.h (rcu_seq_*), kernel/rcu/tree.c (rcu_gp_kthread,
// rcu_qs/rcu_report_qs_rdp, call_rcu, rcu_do_batch, synchronize_rcu, *_synchronize_rcu polling).
// Contexts: call_rcu from task, softirq, hardirq, irqs-off (not NMI, not probe: it is not NMI-safe);
// synchronize_rcu only from a quiescent task; get_state/poll from anywhere.
// *Simplified*: one flat GP state (no rcu_node tree, no expedited sequence: *_full() cookies equal
// the normal ones); a CPU owes one QS per GP; the callback list is one FIFO per CPU whose entries
// carry their own cookie instead of rcu_segcblist segments.
import { Ctx, Ev, RcuCbFn, Stat, Status } from '../src/shared/codes';
import { NIL, nr_cpus, rcu_stall_jiffies } from './config';
import { __queue_work } from './workqueue';
import { cpu_at, ev_handle, OBJ_ALLOCATED, OBJ_FREE, OBJ_QUEUED, OBJ_QUEUED_CB, obj_snap_ptr, obj_state_ptr, rcu_head_of } from './layout';
import { awake_check, cpu_awake_check, cpu_check, cpu_ctx, cpu_done, quiescent_here } from './cpu';
import { bad_arg, set_result } from './io';
import { kfree_internal, obj_check, obj_queued } from './slab';
import { chk_gp_seq, detached_add } from './checker';
import { stat_inc } from './stats';
import { do_tick } from './tick';
import { emit } from './trace';

export let gp_seq: u32 = 0;
/** Furthest GP anyone asked for (rcu_state.gp_seq_needed). */
let gp_seq_needed: u32 = 0;
/** CPUs that still owe the current GP a quiescent state. */
let qs_owed_count: u32 = 0;

export function rcu_init(gpSeqStart: u32): void {
  gp_seq = gpSeqStart;
  gp_seq_needed = gpSeqStart;
}

@inline export function ulong_cmp_ge(a: u32, b: u32): bool {
  return a - b <= 0x7fffffff;
}
@inline export function ulong_cmp_lt(a: u32, b: u32): bool {
  return a - b > 0x7fffffff;
}
@inline function rcu_seq_snap(s: u32): u32 {
  return (s + 7) & ~(<u32>3);
}
@inline function gp_in_progress(): bool {
  return (gp_seq & 3) != 0;
}

@inline export function get_state_synchronize_rcu(): u32 {
  return rcu_seq_snap(gp_seq);
}

/** True once a full GP has elapsed since the cookie was taken (RCU_GET_STATE_COMPLETED = 1). */
@inline export function poll_state_synchronize_rcu(c: u32): bool {
  return c == 1 || ulong_cmp_ge(gp_seq, c) || ulong_cmp_lt(gp_seq, c - 7);
}

/** rcu_start_this_gp(): make sure a GP that completes cookie s will run. */
@inline function rcu_request_gp(s: u32): void {
  if (ulong_cmp_lt(gp_seq_needed, s)) gp_seq_needed = s;
}

/** rcu_qs(): report this CPU's quiescent state if the current GP still waits for it. */
export function rcu_qs(cpu: u32): void {
  const c = cpu_at(cpu);
  if (gp_in_progress() && c.qs_owed) {
    c.qs_owed = 0;
    qs_owed_count--;
    emit(cpu, Ev.Qs, gp_seq, 0, 0);
    stat_inc(cpu, Stat.qs);
  }
}

/** rcu_gp_kthread, once per jiffy: end the GP if nobody owes a QS, then start a needed one. */
export function rcu_gp_kthread(): void {
  if (gp_in_progress() && qs_owed_count == 0) {
    const old = gp_seq;
    gp_seq = (gp_seq | 3) + 1; // rcu_seq_end
    chk_gp_seq(old, gp_seq);
    emit(0, Ev.GpEnd, gp_seq, 0, 0);
    stat_inc(0, Stat.gpEnd);
  }
  if (!gp_in_progress() && ulong_cmp_lt(gp_seq, gp_seq_needed)) {
    const old = gp_seq;
    gp_seq += 1; // rcu_seq_start
    chk_gp_seq(old, gp_seq);
    emit(0, Ev.GpStart, gp_seq, 0, 0);
    stat_inc(0, Stat.gpStart);
    const n = nr_cpus; // per GP, O(nr_cpus) is fine
    for (let cpu: u32 = 0; cpu < n; cpu++) {
      const c = cpu_at(cpu);
      if (c.idle == 0 && c.blocked == 0) {
        c.qs_owed = 1;
        qs_owed_count++;
      }
    }
  }
}

/**
 * call_rcu(head, kfree-the-object) on the object's embedded head. The object is allocated (its
 * "kfree_rcu call time" snapshot is taken now) or already queued and detached from an llist
 * (keeps its snapshot). Appends to this CPU's callback list.
 */
export function call_rcu(cpu: u32, obj: u32): void {
  const cookie = get_state_synchronize_rcu();
  const s = load<u8>(obj_state_ptr(obj));
  if (s == OBJ_ALLOCATED) {
    store<u32>(obj_snap_ptr(obj), cookie);
    obj_queued(obj);
  } else if (s == OBJ_QUEUED) {
    detached_add(-1); // handed on by the caller that took it off an API llist
  }
  store<u8>(obj_state_ptr(obj), OBJ_QUEUED_CB);
  const h = rcu_head_of(obj);
  h.next = NIL;
  h.cb_snap = cookie;
  h.func = <u32>RcuCbFn.FreeObj;
  const c = cpu_at(cpu);
  if (c.cb_tail == NIL) c.cb_head = obj;
  else rcu_head_of(c.cb_tail).next = obj;
  c.cb_tail = obj;
  c.cb_objs++;
  rcu_request_gp(cookie);
  emit(cpu, Ev.CallRcu, obj, cookie, 0);
  stat_inc(cpu, Stat.callRcu);
}

/** RcuHead.func of an rcu_work's head (core-internal; FreeObj is the shared RcuCbFn). */
export const RCU_CB_QUEUE_WORK: u32 = 0x100;

/**
 * call_rcu() of a kernel rcu_head (queue_rcu_work: the head of krw_arr[i].rcu_work, slab index
 * `head`, beyond the objects): its callback queues work `w` on the invoking CPU's worklist.
 */
export function call_rcu_work_head(cpu: u32, head: u32, w: u32): void {
  const cookie = get_state_synchronize_rcu();
  const h = rcu_head_of(head);
  h.next = NIL;
  h.cb_snap = cookie;
  h.func = RCU_CB_QUEUE_WORK;
  h.pad = w;
  const c = cpu_at(cpu);
  if (c.cb_tail == NIL) c.cb_head = head;
  else rcu_head_of(c.cb_tail).next = head;
  c.cb_tail = head;
  rcu_request_gp(cookie);
  emit(cpu, Ev.CallRcu, ev_handle(w), cookie, 0);
  stat_inc(cpu, Stat.callRcu);
}

/** rcu_do_batch(): invoke, in order, the callbacks at the front whose GP has completed. */
export function rcu_do_batch(cpu: u32): void {
  const c = cpu_at(cpu);
  let obj = c.cb_head;
  while (obj != NIL) {
    const h = rcu_head_of(obj);
    if (!poll_state_synchronize_rcu(h.cb_snap)) break;
    const next = h.next;
    c.cb_head = next;
    if (next == NIL) c.cb_tail = NIL;
    if (h.func == RCU_CB_QUEUE_WORK) {
      // rcu_work_rcufn(): the work goes on this CPU's worklist (PENDING is still set; no event)
      emit(cpu, Ev.RcuCbInvoke, ev_handle(h.pad), 0, 0);
      stat_inc(cpu, Stat.rcuCbInvoked);
      __queue_work(cpu, h.pad);
    } else {
      emit(cpu, Ev.RcuCbInvoke, obj, 0, 0);
      stat_inc(cpu, Stat.rcuCbInvoked);
      c.cb_objs--;
      kfree_internal(cpu, obj); // RcuCbFn.FreeObj
    }
    obj = next;
  }
}

// -- commands ----------------------------------------------------------------------------------
export function cmd_call_rcu(cpu: u32, obj: u32): Status {
  let st = cpu_check(cpu);
  if (st) return st;
  if (obj_check(obj)) return bad_arg(Status.BadHandle, 1);
  st = awake_check(cpu);
  if (st) return st;
  const ctx = cpu_ctx(cpu);
  if (ctx == <u32>Ctx.Nmi || ctx == <u32>Ctx.Probe) return Status.BadContext;
  const s = load<u8>(obj_state_ptr(obj));
  if (s == OBJ_FREE) return Status.NotAllocated;
  if (s != OBJ_ALLOCATED && s != OBJ_QUEUED) return Status.AlreadyQueued; // on an llist or a cb list
  call_rcu(cpu, obj);
  return cpu_done(cpu);
}

export function cmd_start_poll_synchronize_rcu(cpu: u32): Status {
  const st = cpu_awake_check(cpu);
  if (st) return st;
  const s = get_state_synchronize_rcu();
  rcu_request_gp(s);
  set_result(s);
  return cpu_done(cpu);
}

/** start_poll_synchronize_rcu(): the current cookie, and a GP that completes it is requested. */
export function start_poll_synchronize_rcu(): u32 {
  const s = get_state_synchronize_rcu();
  rcu_request_gp(s);
  return s;
}

/** synchronize_rcu(): block this CPU's task, ticking the machine until a full GP has elapsed. */
export function cmd_synchronize_rcu(cpu: u32): Status {
  const st = cpu_awake_check(cpu);
  if (st) return st;
  if (!quiescent_here(cpu)) return Status.BadContext;
  return cpu_status(cpu, synchronize_rcu(cpu));
}

/** The end of a command whose last step may have failed with a typed error (RcuStall). */
@inline function cpu_status(cpu: u32, st: Status): Status {
  return st ? st : cpu_done(cpu);
}

/** The blocking part of synchronize_rcu() (the caller checked the context); RcuStall or Ok. */
export function synchronize_rcu(cpu: u32): Status {
  const s = get_state_synchronize_rcu();
  rcu_request_gp(s);
  emit(cpu, Ev.SyncBegin, s, 0, 0);
  const c = cpu_at(cpu);
  c.blocked++; // counts as idle for the GP engine and for quiescence (a count: programs block too)
  rcu_qs(cpu);
  let waited: u32 = 0;
  while (!poll_state_synchronize_rcu(s)) {
    if (waited == rcu_stall_jiffies) {
      c.blocked--;
      return Status.RcuStall; // the ticks already processed stay processed
    }
    do_tick();
    waited++;
  }
  c.blocked--;
  emit(cpu, Ev.SyncEnd, gp_seq, 0, 0);
  stat_inc(cpu, Stat.synchronizeRcu);
  return Status.Ok;
}

export function gp_seq_get(): u32 {
  return gp_seq;
}

export function poll_state_synchronize_rcu_abi(c: u32): bool {
  return poll_state_synchronize_rcu(c);
}

export function get_state_synchronize_rcu_abi(): u32 {
  return get_state_synchronize_rcu();
}
