// The krc page cache and the shrinker (docs/model.md §12.6): bkvcache (a LIFO of empty bulk pages
// per CPU), run_page_cache_worker() with its hrtimer and back-off, fill_page_cache_func() (the
// page_cache_work), drain_page_cache(), and the shrinker command (count then scan).
// Kernel counterpart: mm/slab_common.c run_page_cache_worker, schedule_page_work_fn,
// fill_page_cache_func, drain_page_cache, kfree_rcu_shrink_count / kfree_rcu_shrink_scan.
// Contexts: run_page_cache_worker with krc.lock held (from kvfree_call_rcu); the fill work on a
// worklist; the shrinker from a quiescent task (it runs each krc's monitor synchronously).
//
// Refill states (work_in_progress = wip):
//   wip 0 ──run_page_cache_worker──► wip 1: page_cache_timer armed (jiffies + 1)
//                                    │     or, backoff: page_cache_work delayed by the back-off
//                       timer fires: queue_delayed_work(page_cache_work, 0)
//   fill_page_cache_func (the work) ──► wip 0, backoff 0
import { chk_page_cache } from './checker';
import { Ev, KObj, Point, Stat, Status } from '../src/shared/codes';
import { point } from './inject';
import { jiffies } from './clock';
import { batched, hz, NIL, nr_cpus, rcu_delay_page_cache_fill_msec, rcu_min_cached_objs, U31_MAX } from './config';
import { cpu_awake_check, cpu_check, cpu_done, quiescent_here, awake_check } from './cpu';
import { bad_arg, set_result } from './io';
import { bulk_at, krc_at, kwork_idx } from './layout';
import { krc_count, krc_lock, krc_unlock } from './krc';
import { kfree_rcu_monitor } from './monitor';
import { alloc_page_ev, free_page } from './page';
import { stat_inc } from './stats';
import { timer_arm } from './timer';
import { emit } from './trace';
import { queue_delayed_work } from './workqueue';

export function krc_page_cache_init(cpu: u32): void {
  const k = krc_at(cpu);
  k.bkvcache = NIL;
  k.nr_bkv_objs = 0;
  k.backoff_page_cache_fill = 0;
  k.work_in_progress = 0;
}

/** msecs_to_jiffies(m) = ceil(m * hz / 1000). */
@inline function msecs_to_jiffies(m: u32): u32 {
  return <u32>((<u64>m * hz + 999) / 1000);
}

/**
 * run_page_cache_worker(): one refill at a time; after shrinker activity, back off. Inlined test
 * (for speed: a krc without cached pages calls it on every insert while a refill is in progress).
 */
@inline export function run_page_cache_worker(cpu: u32, krc: u32): void {
  if (rcu_min_cached_objs != 0 && !krc_at(krc).work_in_progress) start_page_cache_worker(cpu, krc);
}

/** run_page_cache_worker() with no refill in progress: start one. */
function start_page_cache_worker(cpu: u32, krc: u32): void {
  const k = krc_at(krc);
  k.work_in_progress = 1;
  if (k.backoff_page_cache_fill) {
    queue_delayed_work(cpu, kwork_idx(krc, <u32>KObj.PageCacheWork), msecs_to_jiffies(rcu_delay_page_cache_fill_msec));
  } else {
    // hrtimer_start(0 ns): modelled as a timer firing at the next tick
    timer_arm(cpu, kwork_idx(krc, <u32>KObj.PageCacheTimer), jiffies + 1);
  }
}

/** fill_page_cache_func(): top up bkvcache (to 1 page after a back-off). */
export function fill_page_cache_func(cpu: u32, krc: u32): void {
  const k = krc_at(krc);
  const nr: u32 = k.backoff_page_cache_fill ? 1 : rcu_min_cached_objs;
  let added: u32 = 0;
  while (k.nr_bkv_objs < nr) {
    const page = alloc_page_ev(cpu);
    if (page == NIL) break;
    krc_lock(cpu, krc);
    point(cpu, <u32>Point.PageRefillLocked);
    bulk_at(page).next = k.bkvcache;
    k.bkvcache = page;
    k.nr_bkv_objs++;
    chk_page_cache(cpu, krc);
    krc_unlock(cpu, krc);
    added++;
  }
  k.work_in_progress = 0;
  k.backoff_page_cache_fill = 0;
  emit(cpu, Ev.PageCacheFill, added, 0, 0);
  stat_inc(cpu, Stat.pageCacheFill);
}

/** drain_page_cache(): free every cached page of a krc (most recently cached first); how many. */
function drain_page_cache(cpu: u32, krc: u32): u32 {
  if (rcu_min_cached_objs == 0) return 0;
  const k = krc_at(krc);
  krc_lock(cpu, krc);
  let page = k.bkvcache;
  k.bkvcache = NIL;
  k.nr_bkv_objs = 0;
  krc_unlock(cpu, krc);
  let n: u32 = 0;
  while (page != NIL) {
    const next = bulk_at(page).next;
    free_page(cpu, page);
    n++;
    page = next;
  }
  return n;
}

/** shrink(cpu, nrToScan): the shrinker's count (back-off everywhere) then scan. result() = freed. */
export function cmd_shrink(cpu: u32, nr_to_scan: u32): Status {
  let st = cpu_check(cpu);
  if (st) return st;
  if (nr_to_scan < 1 || nr_to_scan > U31_MAX) return bad_arg(Status.BadArgument, 1);
  st = awake_check(cpu);
  if (st) return st;
  if (!quiescent_here(cpu)) return Status.BadContext;
  const n = batched ? nr_cpus : 0; // no shrinker without batching: ShrinkScan(0)
  let count: u64 = 0; // kfree_rcu_shrink_count
  for (let c: u32 = 0; c < n; c++) {
    const k = krc_at(c);
    count += <u64>krc_count(c) + k.nr_bkv_objs;
    k.backoff_page_cache_fill = 1;
  }
  let left = <i64>nr_to_scan;
  let freed: u32 = 0;
  for (let c: u32 = 0; count != 0 && c < n; c++) { // count 0: SHRINK_EMPTY, no scan
    const count = krc_count(c) + drain_page_cache(cpu, c);
    kfree_rcu_monitor(cpu, c);
    freed += count;
    left -= count;
    if (left <= 0) break;
  }
  emit(cpu, Ev.ShrinkScan, freed, 0, 0);
  stat_inc(cpu, Stat.shrinkScan);
  set_result(freed);
  return cpu_done(cpu);
}
