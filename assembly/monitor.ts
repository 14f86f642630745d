// The kvfree_rcu monitor (docs/model.md §12.3, §12.4, §12.7): arming monitor_work, the monitor
// itself (kvfree_rcu_drain_ready, kvfree_rcu_queue_batch) and queue_rcu_work() of a krw.
// Kernel counterpart: mm/slab_common.c __schedule_delayed_monitor_work,
// schedule_delayed_monitor_work, kfree_rcu_monitor, kvfree_rcu_drain_ready,
// kvfree_rcu_queue_batch; kernel/workqueue.c queue_rcu_work.
// Contexts: arming with krc.lock held (kvfree_call_rcu) or taking it; the monitor runs as
// monitor_work on a worklist (kworker, task context), or synchronously from the shrinker and the
// barrier (queue_batch) in the caller's task context. The krc may belong to another CPU than the
// one running the flow (shrinker, barrier): `cpu` runs, `krc` is whose state is touched.
//
// monitor_work states:  idle ──queue_delayed_work(delay)──► timer armed ──tick──► on worklist
//                         ▲         (mod_delayed_work only shortens)                 │
//                         └───────────────────── runs kfree_rcu_monitor ◄─────────────┘
import { Ev, KObj, Mutant, Point, Stat } from '../src/shared/codes';
import { mutant } from './checker';
import { point } from './inject';
import { jiffies } from './clock';
import { bulk_max_entr, drain_ready, kfree_drain_jiffies, monitor_backlog_rule, NIL } from './config';
import { fail_invariant_arg, Reason } from './failure';
import {
  bulk_at, dwork_at, ev_handle, F_BULK_COUNT, F_BULK_HEAD, F_BULK_TAIL, Krc, krc_at, krc_get, krc_set,
  krw_at, krw_bulk_free, krw_head_id, krw_set_bulk_free, kwork_idx,
} from './layout';
import { krc_count, krc_lock, krc_unlock, kvfree_rcu_bulk, kvfree_rcu_list, need_offload_krc } from './krc';
import { call_rcu_work_head, get_state_synchronize_rcu, poll_state_synchronize_rcu } from './rcu';
import { stat_add, stat_inc } from './stats';
import { emit } from './trace';
import { __queue_work, mod_delayed_work, queue_delayed_work } from './workqueue';


/**
 * __schedule_delayed_monitor_work(): with krc.lock held. Never postpones. Inlined fast path: the
 * monitor is pending and the new delay would not shorten it (every call but the first few).
 */
@inline export function __schedule_delayed_monitor_work(cpu: u32, krc: u32): void {
  const delay: u32 = monitor_backlog_rule && krc_count(krc) >= bulk_max_entr ? 1 : kfree_drain_jiffies;
  const d = dwork_at(kwork_idx(krc, <u32>KObj.MonitorWork));
  if (!d.pending || (d.armed && (<i32>delay < <i32>(d.expires - jiffies) || mutant == <u32>Mutant.MonitorPostponed))) schedule_monitor_slow(cpu, krc, delay);
}

function schedule_monitor_slow(cpu: u32, krc: u32, delay: u32): void {
  const w = kwork_idx(krc, <u32>KObj.MonitorWork);
  const d = dwork_at(w);
  if (d.pending && d.armed && mutant == <u32>Mutant.MonitorPostponed) {
    mod_delayed_work(cpu, w, kfree_drain_jiffies); // canary: postponed, not shortened
    return;
  }
  if (d.pending) {
    if (d.armed && <i32>delay < <i32>(d.expires - jiffies)) {
      mod_delayed_work(cpu, w, delay);
      stat_inc(cpu, Stat.monitorShorten);
    } // on the worklist already (timer fired): nothing
  } else {
    const k = krc_at(krc);
    if (k.monitor_cancelled) {
      k.monitor_cancelled = 0;
      k.held_since = jiffies;
    }
    queue_delayed_work(cpu, w, delay);
    stat_inc(cpu, Stat.monitorArm);
  }
}

export function schedule_delayed_monitor_work(cpu: u32, krc: u32): void {
  krc_lock(cpu, krc);
  __schedule_delayed_monitor_work(cpu, krc);
  krc_unlock(cpu, krc);
}

/** kfree_rcu_monitor(): drain what is ready, hand the rest to a free krw, re-arm if needed. */
export function kfree_rcu_monitor(cpu: u32, krc: u32): void {
  emit(cpu, Ev.MonitorRun, krc_count(krc), 0, 0);
  stat_inc(cpu, Stat.monitorRun);
  krc_at(krc).last_monitor_run = jiffies;
  if (drain_ready) kvfree_rcu_drain_ready(cpu, krc);
  kvfree_rcu_queue_batch(cpu, krc);
  if (need_offload_krc(krc)) schedule_delayed_monitor_work(cpu, krc);
}

/** Unlinks bulk page `p` from bulk_head[ch] (doubly linked, head = newest), adjusting bulk_count[ch]. */
function unlink_bulk_page(k: Krc, ch: u32, p: u32): void {
  const b = bulk_at(p);
  if (b.prev == NIL) krc_set(k, F_BULK_HEAD, ch, b.next);
  else bulk_at(b.prev).next = b.next;
  if (b.next == NIL) krc_set(k, F_BULK_TAIL, ch, b.prev);
  else bulk_at(b.next).prev = b.prev;
  krc_set(k, F_BULK_COUNT, ch, krc_get(k, F_BULK_COUNT, ch) - b.nr_records);
  b.next = NIL;
  b.prev = NIL;
}

/** kvfree_rcu_drain_ready(): free the oldest pages (and the head list) whose GP already ended. */
function kvfree_rcu_drain_ready(cpu: u32, krc: u32): void {
  const k = krc_at(krc);
  // private ready lists per channel (through BulkPage.next); list_move puts each page at the head
  let ready0: u32 = NIL;
  let ready1: u32 = NIL;
  let head: u32 = NIL;
  krc_lock(cpu, krc);
  point(cpu, <u32>Point.MonitorLocked);
  for (let ch: u32 = 0; ch < 2; ch++) {
    let ready: u32 = NIL;
    let p = krc_get(k, F_BULK_TAIL, ch); // oldest first
    while (p != NIL && poll_state_synchronize_rcu(bulk_at(p).gp_snap)) {
      // canary drain-newest-page: polls the oldest page, takes the newest
      const take = mutant == <u32>Mutant.DrainNewestPage ? krc_get(k, F_BULK_HEAD, ch) : p;
      unlink_bulk_page(k, ch, take);
      bulk_at(take).next = ready; // list_move to the ready list's head
      ready = take;
      p = krc_get(k, F_BULK_TAIL, ch);
    }
    if (ch == 0) ready0 = ready;
    else ready1 = ready;
  }
  if (k.head != NIL && poll_state_synchronize_rcu(k.head_gp_snap)) {
    head = k.head;
    k.head = NIL;
    k.head_count = 0;
  }
  krc_unlock(cpu, krc);
  let n: u32 = 0;
  for (let ch: u32 = 0; ch < 2; ch++) { // newest ready page first
    let p = ch == 0 ? ready0 : ready1;
    while (p != NIL) {
      const next = bulk_at(p).next;
      n += kvfree_rcu_bulk(cpu, krc, p);
      p = next;
    }
  }
  n += kvfree_rcu_list(cpu, head);
  if (n > 0) {
    emit(cpu, Ev.DrainReady, n, 0, 0);
    stat_add(cpu, Stat.drainReadyFreed, n);
  }
}

/** kvfree_rcu_queue_batch(): move the krc's lists to the first free krw and queue its rcu_work. */
export function kvfree_rcu_queue_batch(cpu: u32, krc: u32): bool {
  const k = krc_at(krc);
  let queued = false;
  krc_lock(cpu, krc);
  point(cpu, <u32>Point.MonitorLocked);
  for (let i: u32 = 0; i < 2; i++) {
    const w = krw_at(krc, i);
    if ((w.head_free & w.bulk_head_free0 & w.bulk_head_free1) != NIL) { // need_wait_for_krwp_work
      stat_inc(cpu, Stat.batchSlotBusy);
      continue;
    }
    if (!need_offload_krc(krc)) continue;
    let moved: u32 = 0;
    for (let ch: u32 = 0; ch < 2; ch++) {
      if (krw_bulk_free(w, ch) == NIL) {
        krw_set_bulk_free(w, ch, krc_get(k, F_BULK_HEAD, ch));
        krc_set(k, F_BULK_HEAD, ch, NIL);
        krc_set(k, F_BULK_TAIL, ch, NIL);
        moved += krc_get(k, F_BULK_COUNT, ch);
        krc_set(k, F_BULK_COUNT, ch, 0);
      }
    }
    if (w.head_free == NIL) {
      w.head_free = k.head;
      w.head_free_count = k.head_count;
      k.head = NIL;
      moved += k.head_count;
      k.head_count = 0;
      w.head_free_gp_snap = get_state_synchronize_rcu();
    }
    queue_rcu_work(cpu, krc, i);
    emit(cpu, Ev.BatchQueued, i, moved, 0);
    stat_inc(cpu, Stat.batchQueued);
    queued = true;
    break;
  }
  krc_unlock(cpu, krc);
  return queued;
}

/** queue_rcu_work(): PENDING, WorkQueue, then call_rcu() of the rcu_work's own head (§12.7). */
function queue_rcu_work(cpu: u32, krc: u32, i: u32): void {
  const w = kwork_idx(krc, <u32>KObj.KrwWork0 + i);
  const d = dwork_at(w);
  if (d.pending) fail_invariant_arg(cpu, Reason.QueueRcuWork, ev_handle(w)); // WARN_ON_ONCE(!queue_rcu_work())
  d.pending = 1;
  emit(cpu, Ev.WorkQueue, ev_handle(w), 1, 0);
  stat_inc(cpu, Stat.workQueued);
  if (mutant == <u32>Mutant.FreeBeforeGp) __queue_work(cpu, w); // canary: no GP in between
  else call_rcu_work_head(cpu, krw_head_id(krc, i), w);
}

