// kvfree_rcu, batched (docs/model.md §12.1, §12.2, §12.5, §13): the per-CPU krc, kvfree_call_rcu(),
// and kfree_rcu_work() with kvfree_rcu_bulk()/kvfree_rcu_list(). The monitor side (drain_ready,
// queue_batch, queue_rcu_work) is monitor.ts; the page cache and shrinker page_cache.ts.
// Kernel counterpart: mm/slab_common.c (struct kfree_rcu_cpu, kvfree_call_rcu,
// add_ptr_to_bulk_krc_lock, kfree_rcu_monitor, kvfree_rcu_queue_batch, kfree_rcu_work,
// __schedule_delayed_monitor_work); kernel/workqueue.c queue_rcu_work().
// Contexts: kvfree_call_rcu from any context (2-argument; from NMI it spins on krc.lock, which is
// how the self-deadlock is found) or a sleepable task (headless). The monitor, rcu_works and the
// page-cache work run on a worklist (task context of the kworker), the monitor also synchronously
// from the shrinker. Everything in a krc is protected by krc.lock, always taken with irqs off:
//
//                        | krc.head/bulk_head | krw.*_free   | bkvcache | backoff/wip
//  kvfree_call_rcu       | lock               | -            | lock     | (run_page_cache_worker)
//  monitor (drain/queue) | lock               | lock         | -        | -
//  kfree_rcu_work        | -                  | lock (detach)| lock     | -
//  fill_page_cache_func  | -                  | -            | lock     | plain (one worker: wip)
//
// Kernel objects use the substrate paths unchanged: krc.lock is lock klock_idx(cpu); monitor_work,
// page_cache_work, krw_arr[i].rcu_work and page_cache_timer are delayed works kwork_idx(cpu, id);
// their events name them KHANDLE(cpu, id).
//
// Object life in a krc (shadow state OBJ_QUEUED_KRC from kvfree_call_rcu on):
//   bulk page of bulk_head[ch] ──queue_batch──► krw.bulk_head_free[ch] ──GP, kfree_rcu_work──► free
//        │                                                                                  ▲
//        └──drain_ready (page's gp_snap done)───────────────────────────────────────────────┘
//   head ──queue_batch──► krw.head_free ──GP, kfree_rcu_work──► free; head ──drain_ready──► free
import { Ctx, Ev, KObj, Mutant, Point, Stat, Status } from '../src/shared/codes';
import { point } from './inject';
import { nolock_init, nolock_llist_count } from './nolock';
import { batched, bulk_max_entr, KOBJ_SLOTS, NIL, nr_cpus, obj_size, rcu_min_cached_objs, WORKS_MAX } from './config';
import {
  awake_check, cpu_check, cpu_ctx, cpu_done, local_irq_restore, local_irq_save, quiescent_here,
} from './cpu';
import { bad_arg, set_result, set_result2 } from './io';
import {
  bulk_at, bulk_records_ptr, dwork_at, F_BULK_COUNT, Krc, F_BULK_HEAD, F_BULK_TAIL, krc_at, krc_get,
  krc_set, io_ptr, krw_at, klock_idx, kwork_idx, OBJ_ALLOCATED, OBJ_FREE, OBJ_QUEUED_KRC, obj_snap_ptr,
  obj_state_ptr, rcu_head_of,
} from './layout';
import { lock_init, spin_lock, spin_unlock } from './lock';
import { __schedule_delayed_monitor_work, kfree_rcu_monitor } from './monitor';
import { alloc_page_ev, free_page, kpages_in_use, pages_in_use } from './page';
import { fill_page_cache_func, krc_page_cache_init, run_page_cache_worker } from './page_cache';
import { call_rcu, get_state_synchronize_rcu, poll_state_synchronize_rcu, synchronize_rcu } from './rcu';
import { kfree_inline, kfree_list, kfree_records, obj_channel, obj_check, note_waiting_peak, obj_queued, objs_in_use, peak_waiting, waiting_bytes } from './slab';
import { chk_batch_not_ready, chk_page_cache, inline_add, mutant, objs_queued } from './checker';
import { jiffies } from './clock';
import { stat_add, stat_inc } from './stats';
import { emit } from './trace';
import { dwork_init } from './workqueue';

/** Set by kvfree_call_rcu(): the headless path called allocPage (the workload's page cost). */
export let kv_page_allocated: bool = false;


/** krc_count(): head_count + bulk_count[0] + bulk_count[1]. */
@inline export function krc_count(krc: u32): u32 {
  const k = krc_at(krc);
  return k.head_count + k.bulk_count0 + k.bulk_count1;
}

/** need_offload_krc(): anything on head or bulk_head[]. */
@inline export function need_offload_krc(krc: u32): bool {
  const k = krc_at(krc);
  return (k.head & k.bulk_head0 & k.bulk_head1) != NIL;
}

/** A krw holds a batch: its rcu_work is PENDING (queued, waiting for its GP or on a worklist) or it holds objects. */
export function krw_busy(krc: u32, i: u32): bool {
  const w = krw_at(krc, i);
  return dwork_at(kwork_idx(krc, <u32>KObj.KrwWork0 + i)).pending != 0 ||
    (w.head_free & w.bulk_head_free0 & w.bulk_head_free1) != NIL;
}

// -- krc_this_cpu_lock / unlock -------------------------------------------------------------------
/**
 * local_irq_save + raw_spin_lock(krc.lock), on the CPU running the flow. `quiet` here and below:
 * see emit() and point() (a compile-time constant, true only from run_slice_quiet).
 */
@inline export function krc_lock(cpu: u32, krc: u32, quiet: bool = false): void {
  local_irq_save(cpu, quiet);
  spin_lock(cpu, klock_idx(krc), quiet);
}

@inline export function krc_unlock(cpu: u32, krc: u32, quiet: bool = false): void {
  spin_unlock(cpu, klock_idx(krc), quiet);
  local_irq_restore(cpu, quiet);
}

export function krc_init(cpu: u32): void {
  const k = krc_at(cpu);
  k.head = NIL;
  k.head_count = 0;
  k.head_gp_snap = 0;
  k.bulk_head0 = NIL;
  k.bulk_head1 = NIL;
  k.bulk_tail0 = NIL;
  k.bulk_tail1 = NIL;
  k.bulk_count0 = 0;
  k.bulk_count1 = 0;
  krc_page_cache_init(cpu);
  for (let i: u32 = 0; i < 2; i++) {
    const w = krw_at(cpu, i);
    w.head_free = NIL;
    w.head_free_gp_snap = 0;
    w.bulk_head_free0 = NIL;
    w.bulk_head_free1 = NIL;
  }
  lock_init(klock_idx(cpu));
  for (let id: u32 = 1; id < KOBJ_SLOTS; id++) dwork_init(kwork_idx(cpu, id));
}

// -- kvfree_call_rcu (§12.2) ----------------------------------------------------------------------
export const KV_DONE: u32 = 0;
/** Headless without a page: lock dropped, inlineSync counted; the caller synchronize_rcu()s then frees. */
export const KV_INLINE: u32 = 1;

/**
 * kvfree_call_rcu(obj, headless) on the current CPU. The caller checked the object is allocated
 * (and, headless, that the context may sleep). Returns KV_DONE or KV_INLINE.
 */
export function kvfree_call_rcu(cpu: u32, obj: u32, headless: bool, from_step2: bool = false): u32 {
  return kvfree_call_rcu_inline(cpu, obj, headless, from_step2);
}

/**
 * kvfree_call_rcu() itself, inlined where the caller is hot (run_slice's kfree_rcu op: constant
 * arguments fold the other forms away, and the call overhead goes).
 */
@inline export function kvfree_call_rcu_inline(cpu: u32, obj: u32, headless: bool, from_step2: bool, quiet: bool = false): u32 {
  const ch = obj_channel(obj);
  if (from_step2) { // the nolock spin path and drain: already queued, keeps its snapshot
    store<u8>(obj_state_ptr(obj), OBJ_QUEUED_KRC);
    if (!batched) {
      call_rcu(cpu, obj);
      return KV_DONE;
    }
    return kvfree_call_rcu_krc(cpu, obj, ch, false, quiet);
  }
  // 1. the object is queued from now on: its "kfree_rcu call time"
  store<u8>(obj_state_ptr(obj), OBJ_QUEUED_KRC);
  store<u32>(obj_snap_ptr(obj), get_state_synchronize_rcu());
  obj_queued(obj);
  emit(cpu, Ev.KvfreeCall, obj, <u32>headless, ch, quiet);
  stat_inc(cpu, Stat.kvfreeCall);
  kv_page_allocated = false;
  if (headless) stat_inc(cpu, Stat.kvfreeCallHeadless);
  if (!batched) { // §13: one call_rcu per object; headless takes the inline fallback
    if (headless) {
      inline_add(1);
      stat_inc(cpu, Stat.inlineSync);
      return KV_INLINE;
    }
    call_rcu(cpu, obj);
    return KV_DONE;
  }
  return kvfree_call_rcu_krc(cpu, obj, ch, headless, quiet);
}

/**
 * kvfree_call_rcu(obj, 2-arg) from its step 2 (docs/model.md §15.2: the nolock spin path and the
 * deferred drain): the object keeps the snapshot of its nolock call.
 */
@inline export function kvfree_call_rcu_2(cpu: u32, obj: u32): void {
  kvfree_call_rcu(cpu, obj, false, true);
}

/** Steps 2-5 of kvfree_call_rcu (batched). */
@inline function kvfree_call_rcu_krc(cpu: u32, obj: u32, ch: u32, headless: bool, quiet: bool): u32 {
  // 2. krc_this_cpu_lock (tasks never migrate: krc = this CPU's)
  krc_lock(cpu, cpu, quiet);
  point(cpu, <u32>Point.KrcLocked, quiet);
  // 3. add_ptr_to_bulk_krc_lock(can_alloc = headless)
  kv_page_allocated = false; // (after the point: a call nested there may have set it)
  const added = add_ptr_to_bulk(cpu, obj, ch, headless, quiet);
  // kv_page_allocated is this call's until it returns: calls nested at the points below (injected
  // handlers, remote steps, hooks) set it for themselves
  const allocated = kv_page_allocated;
  if (!added) {
    // 4. no page
    run_page_cache_worker(cpu, cpu);
    if (headless) {
      point(cpu, <u32>Point.KrcBeforeUnlock, quiet);
      krc_unlock(cpu, cpu, quiet);
      inline_add(1);
      stat_inc(cpu, Stat.inlineSync);
      kv_page_allocated = allocated;
      return KV_INLINE;
    }
    krc_head_insert(cpu, obj, quiet);
  }
  // 5.
  __schedule_delayed_monitor_work(cpu, cpu);
  point(cpu, <u32>Point.KrcBeforeUnlock, quiet);
  krc_unlock(cpu, cpu, quiet);
  kv_page_allocated = allocated;
  return KV_DONE;
}

/** The krc is about to hold an object: when it starts holding anything (the checker's monitor-liveness). */
@inline function note_held(k: Krc): void {
  if ((k.head & k.bulk_head0 & k.bulk_head1) == NIL) k.held_since = jiffies;
}

/**
 * The 2-argument insert on krc.head with krc.lock held (§12.2 step 4; also kfree_rcu_nolock's trylock
 * path): head_gp_snap is re-taken, so the cookie covers the newest object. Inlined (for speed: the
 * rcuscale loop takes this path once the page cache is empty).
 */
@inline export function krc_head_insert(cpu: u32, obj: u32, quiet: bool = false): void {
  const k = krc_at(cpu);
  note_held(k);
  rcu_head_of(obj).next = k.head;
  const was_empty = k.head == NIL;
  k.head = obj;
  const n = k.head_count + 1;
  k.head_count = n;
  // canary head-snap-not-refreshed: the cookie is taken only when head was empty
  if (mutant != <u32>Mutant.HeadSnapNotRefreshed || was_empty) k.head_gp_snap = get_state_synchronize_rcu();
  emit(cpu, Ev.KrcHead, obj, n, 0, quiet);
  stat_inc(cpu, Stat.headInsert);
}

/** add_ptr_to_bulk_krc_lock() with the lock held; false when no page could be had. */
@inline function add_ptr_to_bulk(cpu: u32, obj: u32, ch: u32, can_alloc: bool, quiet: bool): bool {
  const k = krc_at(cpu);
  note_held(k); // before a fresh page makes the krc look non-empty
  let page = krc_get(k, F_BULK_HEAD, ch);
  let nr: u32 = page != NIL ? bulk_at(page).nr_records : 0;
  if (page == NIL || nr == bulk_max_entr) {
    page = new_bnode(cpu, can_alloc);
    if (page == NIL) return false;
    // list_add at the head of bulk_head[ch]
    const b = bulk_at(page);
    const first = krc_get(k, F_BULK_HEAD, ch);
    b.nr_records = 0;
    b.prev = NIL;
    b.next = first;
    if (first == NIL) krc_set(k, F_BULK_TAIL, ch, page);
    else bulk_at(first).prev = page;
    krc_set(k, F_BULK_HEAD, ch, page);
    nr = 0;
  }
  const b = bulk_at(page);
  store<u32>(bulk_records_ptr(page) + (nr << 2), obj);
  nr++;
  b.nr_records = nr;
  // canary page-snap-once: the page's cookie is taken only at its first insert
  if (mutant != <u32>Mutant.PageSnapOnce || nr == 1) b.gp_snap = get_state_synchronize_rcu();
  krc_set(k, F_BULK_COUNT, ch, krc_get(k, F_BULK_COUNT, ch) + 1);
  emit(cpu, Ev.KrcBulk, obj, page, nr, quiet);
  stat_inc(cpu, Stat.bulkInsert);
  return true;
}

/**
 * A fresh bulk page: from the cache, else (headless only) allocated with the lock dropped. Inlined
 * tests (for speed: the 2-argument form with an empty cache gets NIL here on every insert).
 */
@inline function new_bnode(cpu: u32, can_alloc: bool): u32 {
  if (krc_at(cpu).nr_bkv_objs > 0) return get_cached_bnode(cpu);
  if (!can_alloc) return NIL;
  return new_bnode_alloc(cpu);
}

/** get_cached_bnode(): the most recently cached page (the cache is not empty). */
function get_cached_bnode(cpu: u32): u32 {
  const k = krc_at(cpu);
  const page = k.bkvcache;
  k.bkvcache = bulk_at(page).next;
  k.nr_bkv_objs--;
  stat_inc(cpu, Stat.bnodeFromCache);
  return page;
}

/** new_bnode()'s allocation (headless, nothing cached): drops the lock around alloc_page. */
function new_bnode_alloc(cpu: u32): u32 {
  point(cpu, <u32>Point.KrcBeforeUnlock);
  krc_unlock(cpu, cpu);
  const page = alloc_page_ev(cpu);
  krc_lock(cpu, cpu);
  point(cpu, <u32>Point.KrcLocked);
  kv_page_allocated = page != NIL; // after the point: calls nested there use the flag too
  return page;
}

// -- kfree_rcu_work (§12.5) -----------------------------------------------------------------------
/** kfree_rcu_work() of krw_arr[i] of `krc`, on the worklist of `cpu`, after its GP. */
export function kfree_rcu_work(cpu: u32, krc: u32, i: u32): void {
  const w = krw_at(krc, i);
  krc_lock(cpu, krc);
  point(cpu, <u32>Point.WorkLocked);
  const b0 = w.bulk_head_free0;
  const b1 = w.bulk_head_free1;
  const head = w.head_free;
  const snap = w.head_free_gp_snap;
  w.bulk_head_free0 = NIL;
  w.bulk_head_free1 = NIL;
  w.head_free = NIL;
  w.head_free_count = 0;
  krc_unlock(cpu, krc);
  let n: u32 = 0;
  for (let ch: u32 = 0; ch < 2; ch++) {
    let p = ch == 0 ? b0 : b1;
    while (p != NIL) {
      const next = bulk_at(p).next;
      n += kvfree_rcu_bulk(cpu, krc, p);
      p = next;
    }
  }
  if (head != NIL) {
    if (poll_state_synchronize_rcu(snap)) n += kvfree_rcu_list(cpu, head);
    else {
      stat_inc(cpu, Stat.listSnapNotReady); // WARN_ON_ONCE; the objects stay queued (leaked)
      chk_batch_not_ready(cpu, head, snap);
    }
  }
  emit(cpu, Ev.KfreeRcuWork, i, n, 0);
  stat_inc(cpu, Stat.kfreeRcuWorkRun);
}

/** kvfree_rcu_bulk(): free a page's records if its GP is done (else leak them), then recycle it. */
export function kvfree_rcu_bulk(cpu: u32, krc: u32, page: u32): u32 {
  const b = bulk_at(page);
  let n: u32 = 0;
  if (!poll_state_synchronize_rcu(b.gp_snap)) {
    stat_inc(cpu, Stat.bulkSnapNotReady);
    emit(cpu, Ev.BulkNotReady, page, 0, 0);
    chk_batch_not_ready(cpu, load<u32>(bulk_records_ptr(page)), b.gp_snap);
  } else {
    n = b.nr_records;
    kfree_records(cpu, bulk_records_ptr(page), n, Stat.bulkFreed);
  }
  put_cached_bnode(cpu, krc, page);
  return n;
}

/** put_cached_bnode(): keep the page in bkvcache while below rcu_min_cached_objs, else free it. */
function put_cached_bnode(cpu: u32, krc: u32, page: u32): void {
  const k = krc_at(krc);
  let cached = false;
  krc_lock(cpu, krc);
  point(cpu, <u32>Point.PageRefillLocked);
  if (k.nr_bkv_objs < rcu_min_cached_objs) {
    bulk_at(page).next = k.bkvcache;
    k.bkvcache = page;
    k.nr_bkv_objs++;
    cached = true;
    chk_page_cache(cpu, krc);
  }
  krc_unlock(cpu, krc);
  if (!cached) free_page(cpu, page);
}

/** kvfree_rcu_list(): free each object of a head list, in list order. */
export function kvfree_rcu_list(cpu: u32, head: u32): u32 {
  return kfree_list(cpu, head, Stat.listFreed);
}

// -- kernel works -------------------------------------------------------------------------------
/** The function of kernel work `w` (>= WORKS_MAX), run by the worklist of `cpu`. */
export function kwork_run(cpu: u32, w: u32): void {
  const krc = (w - WORKS_MAX) / KOBJ_SLOTS;
  const id = (w - WORKS_MAX) % KOBJ_SLOTS;
  if (id == <u32>KObj.MonitorWork) kfree_rcu_monitor(cpu, krc);
  else if (id == <u32>KObj.PageCacheWork) fill_page_cache_func(cpu, krc);
  else kfree_rcu_work(cpu, krc, id - <u32>KObj.KrwWork0);
}

/** Every CPU's krc (init). */
export function kvfree_init(): void {
  for (let cpu: u32 = 0; cpu < nr_cpus; cpu++) krc_init(cpu);
  nolock_init();
}

// -- commands (§12.2 check order: BadCpu, BadHandle, CpuIdle, context, object) -------------------
/** The object rule of kvfree_call_rcu: allocated, else NotAllocated (free) / AlreadyQueued. */
@inline export function kvfree_obj_check(obj: u32): Status {
  const s = load<u8>(obj_state_ptr(obj));
  if (s == OBJ_ALLOCATED) return Status.Ok;
  return s == OBJ_FREE ? Status.NotAllocated : Status.AlreadyQueued;
}

/** kfree_rcu(ptr, rhf): the 2-argument form, any context (batched: false → not nmi/probe). */
export function cmd_kfree_rcu(cpu: u32, obj: u32): Status {
  let st = cpu_check(cpu);
  if (st) return st;
  if (obj_check(obj)) return bad_arg(Status.BadHandle, 1);
  st = awake_check(cpu);
  if (st) return st;
  if (!batched) {
    const ctx = cpu_ctx(cpu);
    if (ctx == <u32>Ctx.Nmi || ctx == <u32>Ctx.Probe) return Status.BadContext;
  }
  st = kvfree_obj_check(obj);
  if (st) return st;
  kvfree_call_rcu(cpu, obj, false);
  return cpu_done(cpu);
}

/** kvfree_rcu(ptr) headless (kvfree_rcu_mightsleep): may synchronize_rcu() inline. */
export function cmd_kvfree_rcu(cpu: u32, obj: u32): Status {
  let st = cpu_check(cpu);
  if (st) return st;
  if (obj_check(obj)) return bad_arg(Status.BadHandle, 1);
  st = awake_check(cpu);
  if (st) return st;
  if (!quiescent_here(cpu)) return Status.BadContext;
  st = kvfree_obj_check(obj);
  if (st) return st;
  if (kvfree_call_rcu(cpu, obj, true) == KV_INLINE) {
    st = synchronize_rcu(cpu);
    if (st) return st; // RcuStall: the object stays queued (leaked), the ticks stay processed
    kfree_inline(cpu, obj);
  }
  return cpu_done(cpu);
}

/** Pages on a list linked through BulkPage.next. */
function pages_on(page: u32): u32 {
  let n: u32 = 0;
  for (; page != NIL; page = bulk_at(page).next) n++;
  return n;
}

export const KRC_INFO_WORDS: u32 = 12;

/**
 * krcInfo(): IO words [headCount, bulkCount0, bulkCount1, bulkPages0, bulkPages1, cachedPages,
 * krwBusy0, krwBusy1, monitorPending, workInProgress, backoff, llistCount].
 */
export function krc_info(cpu: u32): Status {
  if (cpu >= nr_cpus) return Status.BadCpu;
  const k = krc_at(cpu);
  store<u32>(io_ptr(0), k.head_count);
  store<u32>(io_ptr(1), k.bulk_count0);
  store<u32>(io_ptr(2), k.bulk_count1);
  store<u32>(io_ptr(3), pages_on(k.bulk_head0));
  store<u32>(io_ptr(4), pages_on(k.bulk_head1));
  store<u32>(io_ptr(5), k.nr_bkv_objs);
  store<u32>(io_ptr(6), <u32>krw_busy(cpu, 0));
  store<u32>(io_ptr(7), <u32>krw_busy(cpu, 1));
  store<u32>(io_ptr(8), dwork_at(kwork_idx(cpu, <u32>KObj.MonitorWork)).pending);
  store<u32>(io_ptr(9), k.work_in_progress);
  store<u32>(io_ptr(10), k.backoff_page_cache_fill);
  store<u32>(io_ptr(11), nolock_llist_count(cpu));
  return Status.Ok;
}

/**
 * memoryInfo(): result() = objects not free, result2() = pages allocated; IO[0] = objects queued,
 * IO[1] = pages kvfree_rcu holds; memory_bytes(), memory_waiting_bytes(), memory_peak_waiting_bytes().
 */
export function memory_info(): Status {
  set_result(objs_in_use);
  set_result2(pages_in_use);
  store<u32>(io_ptr(0), objs_queued);
  store<u32>(io_ptr(1), kpages_in_use);
  return Status.Ok;
}

export function memory_waiting_bytes(): f64 {
  return waiting_bytes();
}

export function memory_peak_waiting_bytes(): f64 {
  note_waiting_peak();
  return peak_waiting;
}

export function memory_bytes(): f64 {
  return <f64>objs_in_use * <f64>obj_size + <f64>pages_in_use * 4096.0;
}
