// The kmalloc/kfree/page rules that emit events (docs/model.md §8); the data structures are in
// slab.ts. Callers have validated API arguments; every function here may run in any context.
import { Ev, Stat } from '../shared/codes.js';
import type { Cpu } from './cpu.js';
import type { Kernel } from './kernel.js';
import { pollStateSynchronizeRcu } from './rcu.js';
import type { SlabObject } from './slab.js';

export const PAGE_ALLOC_FAILED = 0xffffffff;

/** kmalloc(); the caller checked the slab is not exhausted. */
export function kmalloc(k: Kernel, cpu: Cpu): number {
  const obj = k.slab.alloc()!;
  k.emit(cpu, Ev.Kmalloc, obj.id);
  k.count(cpu, Stat.kmalloc);
  return obj.id;
}

/** vmalloc(): the same slab (docs/model.md §12.1), but the object is on bulk channel 1. */
export function vmalloc(k: Kernel, cpu: Cpu): number {
  const id = kmalloc(k, cpu);
  k.slab.objects[id].channel = 1;
  return id;
}

/**
 * kfree() of an allocated object (API) or of a queued one (RCU callback). Freeing a queued object
 * whose GP snapshot is not yet done is the bug kvfree_rcu exists to prevent: it is counted as
 * `prematureFree`; with the checker on it is a violation instead, before the free.
 */
export function kfreeInternal(k: Kernel, cpu: Cpu, obj: SlabObject): void {
  if (obj.state === 'queued') {
    k.chk.beforeFree(cpu, obj);
    const done = pollStateSynchronizeRcu(k, obj.snap);
    if (!done) k.count(cpu, Stat.prematureFree);
    const d = (k.jiffies - obj.queuedAt) & 0x7fffffff;
    const lat = latencyJiffiesStat(d);
    k.count(cpu, Stat.latJ0 + lat);
    k.count(cpu, Stat.latJSum, d);
    if (obj.viaNolock) {
      k.count(cpu, Stat.latNolockJ0 + lat);
      k.count(cpu, Stat.latNolockJSum, d);
    }
    if (done) k.count(cpu, Stat.latGp0 + Math.min(7, ((k.gpSeq - obj.snap) >>> 0) >>> 2));
    k.chk.queued--;
    if (obj.where === 'inline') k.chk.inline--;
  }
  k.slab.free(obj);
  k.emit(cpu, Ev.Kfree, obj.id);
  k.count(cpu, Stat.kfree);
}

/** The latJ bucket of a free `d` jiffies after the call: 0, or 1 + ceil(log2 d) capped at 15. */
export function latencyJiffiesStat(d: number): number {
  return d === 0 ? 0 : Math.min(15, 33 - Math.clz32(d - 1));
}

/** alloc_page(): injected failures first, then the random failure rate, then exhaustion. */
export function allocPage(k: Kernel, cpu: Cpu): number {
  let page = PAGE_ALLOC_FAILED;
  if (k.failNextPageAllocs > 0) {
    k.failNextPageAllocs--;
  } else if (k.options.pageFailRate > 0 && k.prng.next() / 2 ** 32 < k.options.pageFailRate) {
    // injected by the failure rate
  } else if (k.pages.available()) {
    page = k.pages.alloc();
  }
  k.emit(cpu, Ev.PageAlloc, page);
  k.count(cpu, page === PAGE_ALLOC_FAILED ? Stat.pageAllocFail : Stat.pageAlloc);
  return page === PAGE_ALLOC_FAILED ? -1 : page;
}

export function freePage(k: Kernel, cpu: Cpu, page: number): void {
  k.pages.free(page);
  k.emit(cpu, Ev.PageFree, page);
  k.count(cpu, Stat.pageFree);
}

/** alloc_page() by kvfree_rcu (bulk page, page cache): the page is the kernel's until freed (§16.3). */
export function allocKernelPage(k: Kernel, cpu: Cpu): number {
  const page = allocPage(k, cpu);
  if (page >= 0) {
    k.pages.pages[page].kernel = true;
    k.pages.kernelInUse++;
    k.noteWaitingPeak();
  }
  return page;
}
