// Simulated memory (docs/model.md §8): a slab of `maxObjects` objects with an embedded rcu_head,
// and a page allocator. Both hand out the most recently freed entry first (LIFO, like a slab's
// per-CPU freelist), else the next never-used index (bump). The objects carry the shadow state
// the checker needs: which GP snapshot they were queued under.
//
// Simplified: object bytes are not simulated; `objSize`/`rcuHeadOffset` only constrain options.

import type { RcuHead } from './rcu.js';

export type Where = 'llist' | 'detached' | 'cblist' | 'krc' | 'inline';

/**
 * One slab object.
 * @state: free | allocated | queued (kfree_rcu'd, waiting for a GP).
 * @where: for a queued object: on an llist, detached by llist_del_all, on a callback list, owned
 *   by the kvfree_rcu machinery (krc head, bulk page, krw), or held by an inline synchronize_rcu()
 *   fallback.
 * @channel: 1 for a vmalloc() object (is_vmalloc_addr), else 0.
 * @snap: get_state_synchronize_rcu() at the time it was queued (its "kfree_rcu call time").
 * @queuedAt: jiffies at that time, where its free latency starts (docs/model.md §10.1).
 * @viaNolock: it was queued by kfree_rcu_nolock() (its latency is also counted apart).
 * @cbSnap: the cookie of its rcu_head while on a callback list.
 * @next: the embedded llist_node.next / freelist pointer.
 * @cbNext: the embedded rcu_head.next while on a callback list.
 */
export class SlabObject implements RcuHead {
  state: 'free' | 'allocated' | 'queued' = 'allocated';
  where: Where | null = null;
  channel: 0 | 1 = 0;
  snap = 0;
  queuedAt = 0;
  viaNolock = false;
  cbSnap = 0;
  next: SlabObject | null = null;
  cbNext: RcuHead | null = null;

  constructor(readonly id: number) {}
}

export class Slab {
  /** Every object handed out so far; the index is the handle. */
  readonly objects: SlabObject[] = [];
  private freelist: SlabObject | null = null;
  /** Objects not free (allocated or queued), for memoryInfo and mem_sample. */
  inUse = 0;

  constructor(readonly maxObjects: number) {}

  canAlloc(): boolean {
    return this.freelist !== null || this.objects.length < this.maxObjects;
  }

  /** null when the slab is exhausted. */
  alloc(): SlabObject | null {
    let obj = this.freelist;
    if (obj !== null) {
      this.freelist = obj.next;
    } else {
      if (this.objects.length >= this.maxObjects) return null;
      obj = new SlabObject(this.objects.length);
      this.objects.push(obj);
    }
    obj.state = 'allocated';
    obj.where = null;
    obj.channel = 0;
    obj.snap = 0;
    obj.next = null;
    this.inUse++;
    return obj;
  }

  free(obj: SlabObject): void {
    obj.state = 'free';
    obj.where = null;
    obj.snap = 0;
    obj.cbSnap = 0;
    obj.cbNext = null;
    obj.next = this.freelist;
    this.freelist = obj;
    this.inUse--;
  }

  lookup(handle: unknown): SlabObject | undefined {
    return typeof handle === 'number' && Number.isInteger(handle) ? this.objects[handle] : undefined;
  }
}

class Page {
  free = false;
  /** Owned by kvfree_rcu (a bulk page or a cached page): freePage() refuses it. */
  kernel = false;
  next: Page | null = null;
  constructor(readonly id: number) {}
}

export class PageAllocator {
  readonly pages: Page[] = [];
  private freelist: Page | null = null;
  /** Pages allocated and not freed. */
  inUse = 0;
  /** Of those, the pages kvfree_rcu holds (bulk pages and cached pages): waiting memory (§10.1). */
  kernelInUse = 0;

  constructor(readonly maxPages: number) {}

  available(): boolean {
    return this.freelist !== null || this.pages.length < this.maxPages;
  }

  /** The caller checked `available()`. */
  alloc(): number {
    let page = this.freelist;
    if (page !== null) {
      this.freelist = page.next;
    } else {
      page = new Page(this.pages.length);
      this.pages.push(page);
    }
    page.free = false;
    page.kernel = false;
    page.next = null;
    this.inUse++;
    return page.id;
  }

  free(id: number): void {
    const page = this.pages[id];
    if (page.kernel) this.kernelInUse--;
    page.free = true;
    page.kernel = false;
    page.next = this.freelist;
    this.freelist = page;
    this.inUse--;
  }

  lookup(handle: unknown): Page | undefined {
    return typeof handle === 'number' && Number.isInteger(handle) ? this.pages[handle] : undefined;
  }
}
