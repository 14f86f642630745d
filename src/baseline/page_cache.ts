// The per-CPU cache of spare bulk pages, its refill worker, and the "slab-kvfree-rcu" shrinker
// (K§2.6–§2.7; docs/model.md §12.6).
//
// A 2-argument kfree_rcu() never allocates (it may run in any context): when no cached page is left
// it falls back to krc.head and kicks run_page_cache_worker(), which refills the cache from a work
// (may sleep) — at once via the hrtimer, or after rcu_delay_page_cache_fill_msec once the shrinker
// asked the cache to back off.
import { Ev, Point, Stat } from '../shared/codes.js';
import type { Cpu } from './cpu.js';
import { point } from './inject.js';
import type { Kernel } from './kernel.js';
import { type Krc, krcLock, krcUnlock } from './krc.js';
import { kfreeRcuMonitor } from './monitor.js';
import { addTimer } from './timer.js';
import { allocKernelPage, freePage } from './slab_ops.js';
import { queueDelayedWork } from './workqueue.js';

/** msecs_to_jiffies(), rounding up. */
export function msecsToJiffies(k: Kernel, msecs: number): number {
  return Math.ceil((msecs * k.options.hz) / 1000);
}

/** put_cached_bnode(), krc lock held: keep the page if the cache has room. */
export function putCachedBnode(k: Kernel, cpu: Cpu, krc: Krc, page: number): boolean {
  if (krc.nrBkvObjs >= k.options.rcuMinCachedObjs) return false;
  krc.bkvcache.push(page);
  k.chk.pageCache(cpu, krc);
  return true;
}

/** run_page_cache_worker(): start one refill unless one is in progress or the cache is disabled. */
export function runPageCacheWorker(k: Kernel, cpu: Cpu, krc: Krc): void {
  if (k.options.rcuMinCachedObjs === 0 || krc.workInProgress) return;
  krc.workInProgress = true; // atomic_xchg(&work_in_progress, 1)
  if (krc.backoffPageCacheFill) {
    queueDelayedWork(k, cpu, krc.pageCacheWork, msecsToJiffies(k, k.options.rcuDelayPageCacheFillMsec));
  } else {
    // hrtimer_start(&krcp->hrtimer, 0, HRTIMER_MODE_REL). Simplified: it fires at the next tick.
    addTimer(k, cpu, krc.pageCacheTimer, 1);
  }
}

/** schedule_page_work_fn(): the hrtimer's callback queues the refill work on its CPU. */
export function schedulePageWorkFn(k: Kernel, cpu: Cpu, krc: Krc): void {
  queueDelayedWork(k, cpu, krc.pageCacheWork, 0);
}

/** fill_page_cache_func(): the page_cache_work. One page after a shrinker back-off, else the minimum. */
export function fillPageCacheFunc(k: Kernel, cpu: Cpu, krc: Krc): void {
  const nrPages = krc.backoffPageCacheFill ? 1 : k.options.rcuMinCachedObjs;
  let added = 0;
  while (krc.nrBkvObjs < nrPages) {
    const page = allocKernelPage(k, cpu);
    if (page < 0) break;
    krcLock(k, cpu, krc);
    point(k, cpu, Point.PageRefillLocked);
    putCachedBnode(k, cpu, krc, page); // always room: nrPages <= rcu_min_cached_objs
    krcUnlock(k, cpu, krc);
    added++;
  }
  krc.workInProgress = false;
  krc.backoffPageCacheFill = false;
  k.emit(cpu, Ev.PageCacheFill, added);
  k.count(cpu, Stat.pageCacheFill);
}

/** drain_page_cache(): free every cached page of this krc (most recently cached first). */
function drainPageCache(k: Kernel, cpu: Cpu, krc: Krc): number {
  if (k.options.rcuMinCachedObjs === 0) return 0;
  krcLock(k, cpu, krc);
  const pages = krc.bkvcache.splice(0).reverse(); // llist_del_all(): newest first
  krcUnlock(k, cpu, krc);
  for (const page of pages) freePage(k, cpu, page);
  return pages.length;
}

/**
 * The shrinker, as the shrinker core drives it: kfree_rcu_shrink_count() (which makes every CPU's
 * refill back off), then, unless that found nothing (SHRINK_EMPTY), kfree_rcu_shrink_scan(). Runs in
 * the caller's (task) context. Returns what scan reported freed. docs/model.md §12.6.
 */
export function kfreeRcuShrink(k: Kernel, cpu: Cpu, nrToScan: number): number {
  let freed = 0;
  if (k.options.batched) {
    let count = 0;
    for (const krc of k.krcs) {
      count += krc.count() + krc.nrBkvObjs;
      krc.backoffPageCacheFill = true;
    }
    if (count > 0) {
      for (const krc of k.krcs) {
        const n = krc.count() + drainPageCache(k, cpu, krc);
        kfreeRcuMonitor(k, cpu, krc);
        nrToScan -= n;
        freed += n;
        if (nrToScan <= 0) break;
      }
    }
  }
  k.emit(cpu, Ev.ShrinkScan, freed);
  k.count(cpu, Stat.shrinkScan);
  return freed;
}
