// The per-CPU kvfree_rcu state (struct kfree_rcu_cpu, mm/slab_common.c; K§1) and its entry point
// kvfree_call_rcu() (K§2.2; docs/model.md §12.1–§12.3, §13).
//
//   kvfree_call_rcu(obj)
//     ├─ a bulk page of its channel has room (or the page cache / a headless allocation gives one)
//     │     → records[nr_records++] = obj                              (KrcBulk)
//     ├─ no page, 2-argument form → krc.head, threaded through the rcu_head (KrcHead)
//     └─ no page, headless form  → synchronize_rcu(); kvfree(obj)       (inline fallback)
//   then the monitor is armed: it will hand everything to a krw batch (monitor.ts).
//
// Preemption points (inject.ts): krc-locked right after every acquisition of krc.lock here,
// krc-before-unlock right before every release (docs/model.md §16.4).
//
// Simplified: no sheaves (every call takes the krc path, as for caches without sheaves); tasks never
// migrate, so the headless form re-takes the same CPU's krc lock; the debug hooks (debug objects,
// kmemleak, KASAN) are not modelled; full-state GP cookies are the normal ones (docs/model.md §6).
import { Ev, KHANDLE_BASE, KObj, Mutant, Point, Stat } from '../shared/codes.js';
import type { Cpu } from './cpu.js';
import { point } from './inject.js';
import type { Kernel } from './kernel.js';
import { spinLock, SpinLock, spinUnlock } from './lock.js';
import { kfreeRcuMonitor, kfreeRcuWork } from './monitor.js';
import { fillPageCacheFunc, runPageCacheWorker, schedulePageWorkFn } from './page_cache.js';
import { callRcu, getStateSynchronizeRcu, KernelRcuHead } from './rcu.js';
import type { SlabObject } from './slab.js';
import { allocKernelPage } from './slab_ops.js';
import { irqEnabledPoint } from './tick.js';
import { cancelDelayedWork, DelayedWork, insertWork, modDelayedWork, queueDelayedWork } from './workqueue.js';

/** KFREE_N_BATCHES: krw_arr[] size, so at most two batches in flight per CPU. */
export const KFREE_N_BATCHES = 2;
/** FREE_N_CHANNELS: bulk channel 0 = kmalloc pointers, 1 = vmalloc pointers. */
export const FREE_N_CHANNELS = 2;

/** KHANDLE(cpu, id): how events name a CPU's kernel objects (they are not in the API tables). */
export const khandle = (cpu: number, id: KObj): number => KHANDLE_BASE + cpu * 16 + id;

/**
 * struct kvfree_rcu_bulk_data: one simulated page of object pointers.
 * @page: the page handle (§8) it occupies.
 * @gpSnap: re-snapped at every insertion, so it covers the newest record.
 * @records: the objects, in insertion order (nr_records = records.length).
 */
export class BulkPage {
  gpSnap = 0;
  readonly records: SlabObject[] = [];

  constructor(readonly page: number) {}
}

/**
 * struct kfree_rcu_cpu_work: one in-flight batch.
 * @headFree, @headFreeGpSnap: the detached head list (newest last) and its cookie.
 * @bulkHeadFree: detached bulk pages per channel (newest last).
 * @rcuWork, @rcuHead: the rcu_work: a work that queue_rcu_work() puts behind a GP via call_rcu()
 *   of its own head.
 */
export class KrcWork {
  headFree: SlabObject[] = [];
  headFreeGpSnap = 0;
  bulkHeadFree: [BulkPage[], BulkPage[]] = [[], []];
  readonly rcuWork: DelayedWork;
  readonly rcuHead: KernelRcuHead;

  constructor(
    readonly krc: Krc,
    readonly index: number,
    k: Kernel,
  ) {
    const id = khandle(krc.cpu, index === 0 ? KObj.KrwWork0 : KObj.KrwWork1);
    this.rcuWork = new DelayedWork(id, (cpu) => kfreeRcuWork(k, cpu, this));
    // rcu_work_rcufn(): the GP has passed, put the work on the invoking CPU's worklist (no event).
    this.rcuHead = new KernelRcuHead(id, (cpu) => insertWork(cpu, this.rcuWork));
  }

  /** need_wait_for_krwp_work(): the batch still holds objects (krwBusy, docs/model.md §12.1). */
  busy(): boolean {
    return this.headFree.length > 0 || this.bulkHeadFree[0].length > 0 || this.bulkHeadFree[1].length > 0 || this.rcuWork.pending;
  }
}

/**
 * struct kfree_rcu_cpu. Lists are arrays with the newest entry last; "list order" in the kernel
 * (newest first) is therefore a walk from the end.
 * @head, @headGpSnap: objects that found no bulk page (channel "3"), and the cookie of the newest.
 * @bulkHead: bulk pages per channel, not yet handed to a batch.
 * @bulkCount: records in those pages per channel.
 * @bkvcache: cached free pages (page handles), a LIFO; nr_bkv_objs = its length.
 */
export class Krc {
  readonly lock: SpinLock;
  head: SlabObject[] = [];
  headGpSnap = 0;
  bulkHead: [BulkPage[], BulkPage[]] = [[], []];
  bulkCount: [number, number] = [0, 0];
  readonly krwArr: KrcWork[];
  readonly monitorWork: DelayedWork;
  readonly pageCacheWork: DelayedWork;
  /** The kernel's hrtimer that kicks page_cache_work "now"; modelled as a timer for the next tick. */
  readonly pageCacheTimer: DelayedWork;
  readonly bkvcache: number[] = [];
  backoffPageCacheFill = false;
  workInProgress = false;
  /** The checker's monitor-liveness rule: jiffies when the krc last started holding objects, and of the monitor's last run. */
  heldSince = 0;
  lastMonitorRun = 0;
  /**
   * The barrier cancelled the monitor while the krc held objects: they wait for the next arm (the
   * kernel's behaviour, docs/findings.md), which restarts the liveness clock.
   */
  monitorCancelled = false;

  constructor(
    readonly cpu: number,
    k: Kernel,
  ) {
    this.lock = new SpinLock(khandle(cpu, KObj.KrcLock));
    this.krwArr = [new KrcWork(this, 0, k), new KrcWork(this, 1, k)];
    this.monitorWork = new DelayedWork(khandle(cpu, KObj.MonitorWork), (c) => kfreeRcuMonitor(k, c, this));
    this.pageCacheWork = new DelayedWork(khandle(cpu, KObj.PageCacheWork), (c) => fillPageCacheFunc(k, c, this));
    this.pageCacheTimer = new DelayedWork(khandle(cpu, KObj.PageCacheTimer), null, (c) => schedulePageWorkFn(k, c, this));
  }

  get headCount(): number {
    return this.head.length;
  }

  get nrBkvObjs(): number {
    return this.bkvcache.length;
  }

  /** krc_count(): head_count + bulk_count[0] + bulk_count[1]. */
  count(): number {
    return this.head.length + this.bulkCount[0] + this.bulkCount[1];
  }

  /** need_offload_krc(): anything on head or bulk_head[] still waits for a batch. */
  needOffload(): boolean {
    return this.head.length > 0 || this.bulkHead[0].length > 0 || this.bulkHead[1].length > 0;
  }
}

/** kvfree_rcu_init(): one empty krc per CPU; the page cache is filled lazily (not pre-filled). */
export function kvfreeRcuInit(k: Kernel): void {
  if (!k.options.batched) return;
  for (const cpu of k.cpus) k.krcs.push(new Krc(cpu.id, k));
}

// -- the krc lock: raw_spin_lock_irqsave on the current CPU ---------------------------------------

/** local_irq_save(), exactly the command's rule (docs/model.md §2). */
export function localIrqSave(k: Kernel, cpu: Cpu): void {
  cpu.irqDepth++;
  k.emit(cpu, Ev.IrqDisable, cpu.irqDepth);
}

/** local_irq_restore(): the command's rule, including the irq-enabled point once irqs are on. */
export function localIrqRestore(k: Kernel, cpu: Cpu): void {
  cpu.irqDepth--;
  k.emit(cpu, Ev.IrqEnable, cpu.irqDepth);
  irqEnabledPoint(k, cpu);
}

/** raw_spin_lock_irqsave(&krcp->lock): may find a self-deadlock (e.g. from an NMI), as spin_lock does. */
export function krcLock(k: Kernel, cpu: Cpu, krc: Krc): void {
  localIrqSave(k, cpu);
  spinLock(k, cpu, krc.lock);
}

export function krcUnlock(k: Kernel, cpu: Cpu, krc: Krc): void {
  spinUnlock(k, cpu, krc.lock);
  localIrqRestore(k, cpu);
}

// -- kvfree_call_rcu() ------------------------------------------------------------------------------

/** What kvfree_call_rcu() left for its caller. */
export interface KvfreeResult {
  /** Headless form found no page: the caller must synchronize_rcu() and then free the object. */
  inline: boolean;
  /** The headless form's own allocPage() returned a page (costPageAllocNs, docs/model.md §14.1). */
  allocatedPage: boolean;
}

/**
 * kvfree_call_rcu(head, ptr) on the current CPU. The caller validated the context and that `obj` is
 * allocated. With `batched: false` (CONFIG_KVFREE_RCU_BATCHED=n) the 2-argument form is call_rcu().
 */
export function kvfreeCallRcu(k: Kernel, cpu: Cpu, obj: SlabObject, headless: boolean): KvfreeResult {
  // The "kfree_rcu call time" the checker measures from.
  obj.state = 'queued';
  obj.where = 'krc';
  obj.snap = getStateSynchronizeRcu(k);
  k.markQueued(obj);
  k.emit(cpu, Ev.KvfreeCall, obj.id, headless ? 1 : 0, obj.channel);
  k.count(cpu, Stat.kvfreeCall);
  if (headless) k.count(cpu, Stat.kvfreeCallHeadless);

  if (!k.options.batched) {
    if (!headless) {
      callRcu(k, cpu, obj); // kvfree_rcu_cb after the GP; the object keeps its snapshot
      return { inline: false, allocatedPage: false };
    }
    holdInline(k, obj);
    k.count(cpu, Stat.inlineSync);
    return { inline: true, allocatedPage: false };
  }

  return kvfreeCallRcuLocked(k, cpu, obj, headless);
}

/**
 * kvfree_call_rcu() from krc_this_cpu_lock() on (docs/model.md §12.2 step 2): also the nolock
 * spin path and the nolock drain, for objects already queued with their snapshot. Batched only.
 */
export function kvfreeCallRcuLocked(k: Kernel, cpu: Cpu, obj: SlabObject, headless: boolean): KvfreeResult {
  const krc = k.krcs[cpu.id];
  krcLockAt(k, cpu, krc); // krc_this_cpu_lock()
  const { added, allocatedPage } = addPtrToBulkKrcLock(k, cpu, krc, obj, headless);
  if (!added) {
    runPageCacheWorker(k, cpu, krc);
    if (headless) {
      // Inline: the caller sleeps in synchronize_rcu() and then kvfree()s the object.
      krcUnlockAt(k, cpu, krc);
      holdInline(k, obj);
      k.count(cpu, Stat.inlineSync);
      return { inline: true, allocatedPage };
    }
    krcHeadInsert(k, cpu, krc, obj);
  }
  scheduleDelayedMonitorWorkLocked(k, cpu, krc);
  krcUnlockAt(k, cpu, krc);
  return { inline: false, allocatedPage };
}

/** The inline fallback owns the object until its synchronize_rcu() returns (kfreeInternal). */
function holdInline(k: Kernel, obj: SlabObject): void {
  obj.where = 'inline';
  k.chk.inline++;
}

/** The krc is about to hold `obj`: remember when it started holding anything (the checker's monitor-liveness). */
function noteHeld(k: Kernel, krc: Krc): void {
  if (!krc.needOffload()) krc.heldSince = k.jiffies;
}

/**
 * The 2-argument insert on krc.head (§12.2 step 4; also kfree_rcu_nolock's trylock path): head_gp_snap
 * is re-taken, so the cookie covers the newest object.
 */
export function krcHeadInsert(k: Kernel, cpu: Cpu, krc: Krc, obj: SlabObject): void {
  noteHeld(k, krc);
  krc.head.push(obj);
  // Canary head-snap-not-refreshed: the cookie is taken only when head was empty.
  if (k.mutant !== Mutant.HeadSnapNotRefreshed || krc.head.length === 1) krc.headGpSnap = getStateSynchronizeRcu(k);
  k.emit(cpu, Ev.KrcHead, obj.id, krc.headCount);
  k.count(cpu, Stat.headInsert);
}

/** krc lock + the krc-locked point: kvfree_call_rcu()'s acquisitions. */
function krcLockAt(k: Kernel, cpu: Cpu, krc: Krc): void {
  krcLock(k, cpu, krc);
  point(k, cpu, Point.KrcLocked);
}

/** The krc-before-unlock point + unlock: kvfree_call_rcu()'s releases. */
function krcUnlockAt(k: Kernel, cpu: Cpu, krc: Krc): void {
  point(k, cpu, Point.KrcBeforeUnlock);
  krcUnlock(k, cpu, krc);
}

/**
 * add_ptr_to_bulk_krc_lock(): put `obj` into the newest bulk page of its channel, taking a fresh
 * page from the cache, or (headless only, can_alloc) from the page allocator with the lock dropped.
 * Called and returns with the krc lock held.
 */
function addPtrToBulkKrcLock(k: Kernel, cpu: Cpu, krc: Krc, obj: SlabObject, canAlloc: boolean): { added: boolean; allocatedPage: boolean } {
  noteHeld(k, krc); // before a fresh page makes the krc look non-empty
  const ch = obj.channel;
  const pages = krc.bulkHead[ch];
  let bnode: BulkPage | null = pages.length > 0 ? pages[pages.length - 1] : null;
  let allocatedPage = false;
  if (bnode === null || bnode.records.length === k.options.bulkMaxEntr) {
    let page = -1;
    if (krc.nrBkvObjs > 0) {
      page = krc.bkvcache.pop()!; // get_cached_bnode()
      k.count(cpu, Stat.bnodeFromCache);
    } else if (canAlloc) {
      // __get_free_page(GFP_KERNEL | __GFP_NORETRY | ...) may sleep: drop the lock around it.
      krcUnlockAt(k, cpu, krc);
      page = allocKernelPage(k, cpu);
      allocatedPage = page >= 0;
      krcLockAt(k, cpu, krc);
    }
    if (page < 0) return { added: false, allocatedPage };
    bnode = new BulkPage(page);
    pages.push(bnode);
  }
  bnode.records.push(obj);
  // Canary page-snap-once: the page's cookie is taken only at its first insert.
  if (k.mutant !== Mutant.PageSnapOnce || bnode.records.length === 1) bnode.gpSnap = getStateSynchronizeRcu(k);
  krc.bulkCount[ch]++;
  k.emit(cpu, Ev.KrcBulk, obj.id, bnode.page, bnode.records.length);
  k.count(cpu, Stat.bulkInsert);
  return { added: true, allocatedPage };
}

// -- arming the monitor (K§2.3) -----------------------------------------------------------------------

/**
 * __schedule_delayed_monitor_work(), krc lock held: drain on the next jiffy once a page's worth
 * of objects waits (monitorBacklogRule), else after KFREE_DRAIN_JIFFIES. Never postpones.
 */
export function scheduleDelayedMonitorWorkLocked(k: Kernel, cpu: Cpu, krc: Krc): void {
  const o = k.options;
  const delay = o.monitorBacklogRule && krc.count() >= o.bulkMaxEntr ? 1 : o.kfreeDrainJiffies;
  const mw = krc.monitorWork;
  if (mw.pending) {
    if (!mw.timerPending) return; // already on a worklist: it runs soon anyway
    if (k.mutant === Mutant.MonitorPostponed) {
      modDelayedWork(k, cpu, mw, o.kfreeDrainJiffies);
      return;
    }
    const delayLeft = (mw.expires - k.jiffies) | 0;
    if (delay < delayLeft) {
      modDelayedWork(k, cpu, mw, delay);
      k.count(cpu, Stat.monitorShorten);
    }
    return;
  }
  if (krc.monitorCancelled) {
    krc.monitorCancelled = false;
    krc.heldSince = k.jiffies;
  }
  queueDelayedWork(k, cpu, mw, delay);
  k.count(cpu, Stat.monitorArm);
}

/** schedule_delayed_monitor_work(): the same under the krc lock. */
export function scheduleDelayedMonitorWork(k: Kernel, cpu: Cpu, krc: Krc): void {
  krcLock(k, cpu, krc);
  scheduleDelayedMonitorWorkLocked(k, cpu, krc);
  krcUnlock(k, cpu, krc);
}

/** cancel_delayed_work(&krcp->monitor_work), for the barrier. */
export function cancelMonitorWork(k: Kernel, cpu: Cpu, krc: Krc): void {
  cancelDelayedWork(k, cpu, krc.monitorWork);
  if (krc.needOffload()) krc.monitorCancelled = true;
}
