// The krc's reclaim side (K§2.4–§2.5; docs/model.md §12.4–§12.7):
//
//   monitor_work (kfree_rcu_monitor)
//     1. kvfree_rcu_drain_ready(): pages/head whose GP already passed are freed right away
//     2. kvfree_rcu_queue_batch(): everything else moves into a free krw, queue_rcu_work()
//     3. both krws busy → re-arm the monitor
//   krw.rcu_work, one GP later (kfree_rcu_work): free the detached pages and head list
//
// Preemption points (inject.ts): monitor-locked after the lock in drain_ready and queue_batch (wherever
// they run), work-locked after kfree_rcu_work()'s detaching lock, page-refill-locked in put_cached_bnode.
//
// Simplified: kernel works take no virtual time; cond_resched_tasks_rcu_qs() between pages/objects
// is not modelled (the worklist run already was a quiescent state).
import { Ev, Mutant, Point, Stat } from '../shared/codes.js';
import { insertWork } from './workqueue.js';
import type { Cpu } from './cpu.js';
import { point } from './inject.js';
import type { Kernel } from './kernel.js';
import { type BulkPage, FREE_N_CHANNELS, type Krc, krcLock, krcUnlock, type KrcWork, scheduleDelayedMonitorWork } from './krc.js';
import { putCachedBnode } from './page_cache.js';
import { callRcuHead, getStateSynchronizeRcu, pollStateSynchronizeRcu } from './rcu.js';
import type { SlabObject } from './slab.js';
import { freePage, kfreeInternal } from './slab_ops.js';

/** kfree_rcu_monitor(): the monitor work, or the shrinker calling it synchronously. */
export function kfreeRcuMonitor(k: Kernel, cpu: Cpu, krc: Krc): void {
  k.emit(cpu, Ev.MonitorRun, krc.count());
  k.count(cpu, Stat.monitorRun);
  krc.lastMonitorRun = k.jiffies;
  if (k.options.drainReady) kvfreeRcuDrainReady(k, cpu, krc);
  kvfreeRcuQueueBatch(k, cpu, krc);
  // Both batches still in flight: try again later.
  if (krc.needOffload()) scheduleDelayedMonitorWork(k, cpu, krc);
}

/**
 * kvfree_rcu_drain_ready(): under the lock, detach the oldest bulk pages whose GP has passed (stop at
 * the first that has not) and the whole head list if its cookie has passed; free them unlocked.
 */
function kvfreeRcuDrainReady(k: Kernel, cpu: Cpu, krc: Krc): void {
  const ready: BulkPage[][] = [[], []];
  let headReady: SlabObject[] = [];
  krcLock(k, cpu, krc);
  point(k, cpu, Point.MonitorLocked);
  for (let ch = 0; ch < FREE_N_CHANNELS; ch++) {
    const pages = krc.bulkHead[ch];
    while (pages.length > 0 && pollStateSynchronizeRcu(k, pages[0].gpSnap)) {
      // Canary drain-newest-page: the oldest page is polled but the newest is taken.
      const bnode = k.mutant === Mutant.DrainNewestPage ? pages.pop()! : pages.shift()!; // the oldest
      krc.bulkCount[ch] -= bnode.records.length;
      ready[ch].push(bnode); // list_move() to the ready list's head: the newest ready page is last
    }
  }
  if (krc.head.length > 0 && pollStateSynchronizeRcu(k, krc.headGpSnap)) {
    headReady = krc.head;
    krc.head = [];
  }
  krcUnlock(k, cpu, krc);

  let freed = 0;
  for (let ch = 0; ch < FREE_N_CHANNELS; ch++) {
    // list_for_each_entry_safe over the ready list: from its head, i.e. newest ready page first.
    for (let i = ready[ch].length - 1; i >= 0; i--) freed += kvfreeRcuBulk(k, cpu, krc, ready[ch][i]);
  }
  freed += kvfreeRcuList(k, cpu, headReady);
  if (freed > 0) {
    k.emit(cpu, Ev.DrainReady, freed);
    k.count(cpu, Stat.drainReadyFreed, freed);
  }
}

/**
 * kvfree_rcu_queue_batch(): move everything waiting on the krc into the first krw that holds
 * nothing, and put that krw's rcu_work behind a GP. Returns whether a batch was queued.
 */
export function kvfreeRcuQueueBatch(k: Kernel, cpu: Cpu, krc: Krc): boolean {
  let queued = false;
  krcLock(k, cpu, krc);
  point(k, cpu, Point.MonitorLocked);
  for (const krw of krc.krwArr) {
    // need_wait_for_krwp_work(): this krw's previous batch is still in flight.
    if (krw.headFree.length > 0 || krw.bulkHeadFree[0].length > 0 || krw.bulkHeadFree[1].length > 0) {
      k.count(cpu, Stat.batchSlotBusy);
      continue;
    }
    if (!krc.needOffload()) continue;
    let moved = 0;
    for (let ch = 0; ch < FREE_N_CHANNELS; ch++) {
      if (krw.bulkHeadFree[ch].length === 0) {
        moved += krc.bulkCount[ch];
        krc.bulkCount[ch] = 0;
        krw.bulkHeadFree[ch] = krc.bulkHead[ch];
        krc.bulkHead[ch] = [];
      }
    }
    if (krw.headFree.length === 0) {
      moved += krc.head.length;
      krw.headFree = krc.head;
      krw.headFreeGpSnap = getStateSynchronizeRcu(k);
      krc.head = [];
    }
    queueRcuWork(k, cpu, krw);
    k.emit(cpu, Ev.BatchQueued, krw.index, moved);
    k.count(cpu, Stat.batchQueued);
    queued = true;
    break;
  }
  krcUnlock(k, cpu, krc);
  return queued;
}

/**
 * queue_rcu_work(): claim the work's PENDING bit, then call_rcu() its own head; the GP callback puts
 * the work on the worklist of the CPU that ran it (KrcWork.rcuHead).
 */
function queueRcuWork(k: Kernel, cpu: Cpu, krw: KrcWork): void {
  const work = krw.rcuWork;
  if (work.pending) k.invariant(cpu, `queue_rcu_work() found rcu_work ${work.id} already pending`);
  work.pending = true;
  k.emit(cpu, Ev.WorkQueue, work.id, 1, 0);
  k.count(cpu, Stat.workQueued);
  if (k.mutant === Mutant.FreeBeforeGp) insertWork(cpu, krw.rcuWork); // canary: no GP in between
  else callRcuHead(k, cpu, krw.rcuHead);
}

/** kfree_rcu_work(): one GP after queue_rcu_work(), free what the batch detached. */
export function kfreeRcuWork(k: Kernel, cpu: Cpu, krw: KrcWork): void {
  const krc = krw.krc;
  krcLock(k, cpu, krc);
  point(k, cpu, Point.WorkLocked);
  const bulk = krw.bulkHeadFree;
  const head = krw.headFree;
  const headGpSnap = krw.headFreeGpSnap;
  krw.bulkHeadFree = [[], []];
  krw.headFree = [];
  krw.headFreeGpSnap = 0;
  krcUnlock(k, cpu, krc);

  let freed = 0;
  for (let ch = 0; ch < FREE_N_CHANNELS; ch++) {
    for (let i = bulk[ch].length - 1; i >= 0; i--) freed += kvfreeRcuBulk(k, cpu, krc, bulk[ch][i]);
  }
  if (head.length > 0) {
    if (pollStateSynchronizeRcu(k, headGpSnap)) freed += kvfreeRcuList(k, cpu, head);
    else {
      k.count(cpu, Stat.listSnapNotReady); // WARN_ON_ONCE: the objects leak, still queued
      k.chk.batchNotReady(cpu, head[head.length - 1], headGpSnap);
    }
  }
  k.emit(cpu, Ev.KfreeRcuWork, krw.index, freed);
  k.count(cpu, Stat.kfreeRcuWorkRun);
}

/**
 * kvfree_rcu_bulk(): free a page's records (kfree_bulk / vfree each), unless its GP has not passed:
 * the kernel's WARN, and the records leak. Either way the page goes back to the cache or is freed.
 * Returns the number of objects freed.
 */
function kvfreeRcuBulk(k: Kernel, cpu: Cpu, krc: Krc, bnode: BulkPage): number {
  let freed = 0;
  if (!pollStateSynchronizeRcu(k, bnode.gpSnap)) {
    k.count(cpu, Stat.bulkSnapNotReady);
    k.emit(cpu, Ev.BulkNotReady, bnode.page);
    k.chk.batchNotReady(cpu, bnode.records[0], bnode.gpSnap);
  } else {
    for (const obj of bnode.records) {
      kfreeInternal(k, cpu, obj);
      k.count(cpu, Stat.bulkFreed);
      freed++;
    }
  }
  krcLock(k, cpu, krc);
  point(k, cpu, Point.PageRefillLocked);
  const cached = putCachedBnode(k, cpu, krc, bnode.page);
  krcUnlock(k, cpu, krc);
  if (!cached) freePage(k, cpu, bnode.page);
  return freed;
}

/** kvfree_rcu_list(): free a head list in list order (newest first; the array holds newest last). */
function kvfreeRcuList(k: Kernel, cpu: Cpu, list: SlabObject[]): number {
  for (let i = list.length - 1; i >= 0; i--) {
    kfreeInternal(k, cpu, list[i]);
    k.count(cpu, Stat.listFreed);
  }
  return list.length;
}
