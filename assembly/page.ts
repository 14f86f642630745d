// Simulated page allocator (docs/model.md §8): max_pages page handles with the slab's LIFO
// free-list + bump rule, and fault injection (fail the next n allocations; fail with probability
// pageFailRate using the machine PRNG, drawn only when the rate is > 0).
// Kernel counterpart: __get_free_page(GFP_NOWAIT)/free_page() as used for kvfree_rcu bulk pages.
// *Simplified*: a page is a handle with metadata only; no 4 KiB of simulated memory behind it.
// Contexts: any.
import { Ev, Stat, Status } from '../src/shared/codes';
import { max_pages, NIL, page_fail_rate, U31_MAX } from './config';
import { awake_check, cpu_awake_check, cpu_check, cpu_done } from './cpu';
import { bad_arg, set_result } from './io';
import { PAGE_ALLOCATED, PAGE_FREE, PAGE_KERNEL, page_next_ptr, page_state_ptr } from './layout';
import { prng_next } from './prng';
import { note_waiting_peak } from './slab';
import { stat_inc } from './stats';
import { emit } from './trace';

let free_head: u32 = NIL;
let bump: u32 = 0;
let fail_next: u32 = 0;
/** Pages handed out and not freed: memoryInfo() and mem_sample. */
export let pages_in_use: u32 = 0;
/** Of those, the pages kvfree_rcu holds (PAGE_KERNEL: bulk and cached pages): waiting memory (§10.1). */
export let kpages_in_use: u32 = 0;

/** Takes a page, or returns NIL when the allocation fails (injected or exhausted). */
function alloc_page(cpu: u32, state: u8): u32 {
  if (fail_next > 0) {
    fail_next--;
    return NIL;
  }
  if (page_fail_rate > 0 && <f64>prng_next() / 4294967296.0 < page_fail_rate) return NIL;
  let page = free_head;
  if (page != NIL) {
    free_head = load<u32>(page_next_ptr(page));
  } else {
    if (bump == max_pages) return NIL;
    page = bump++;
  }
  store<u8>(page_state_ptr(page), state);
  pages_in_use++;
  return page;
}

/**
 * allocPage inside a kernel flow: PageAlloc(page or NIL), pageAlloc/pageAllocFail. The page is the
 * kernel's (a bulk page or a cached one) until freed: freePage() of it is BadHandle (§16.3).
 */
export function alloc_page_ev(cpu: u32, state: u8 = PAGE_KERNEL): u32 {
  const page = alloc_page(cpu, state);
  if (page != NIL && state == PAGE_KERNEL) kpages_in_use++;
  emit(cpu, Ev.PageAlloc, page, 0, 0);
  stat_inc(cpu, page == NIL ? Stat.pageAllocFail : Stat.pageAlloc);
  return page;
}

/** free_page() of an allocated page: PageFree, pageFree. */
export function free_page(cpu: u32, page: u32): void {
  if (load<u8>(page_state_ptr(page)) == PAGE_KERNEL) {
    note_waiting_peak(); // before the decrease (slab.ts)
    kpages_in_use--;
  }
  store<u8>(page_state_ptr(page), PAGE_FREE);
  store<u32>(page_next_ptr(page), free_head);
  free_head = page;
  pages_in_use--;
  emit(cpu, Ev.PageFree, page, 0, 0);
  stat_inc(cpu, Stat.pageFree);
}

/** result() = the page, or 0xffffffff on failure (the TS side returns -1). */
export function cmd_alloc_page(cpu: u32): Status {
  const st = cpu_awake_check(cpu);
  if (st) return st;
  set_result(alloc_page_ev(cpu, PAGE_ALLOCATED));
  return cpu_done(cpu);
}

export function cmd_free_page(cpu: u32, page: u32): Status {
  let st = cpu_check(cpu);
  if (st) return st;
  // only pages handed out by allocPage can be freed through the API (docs/model.md §16.3)
  if (page >= bump || load<u8>(page_state_ptr(page)) == PAGE_KERNEL) return bad_arg(Status.BadHandle, 1);
  st = awake_check(cpu);
  if (st) return st;
  if (load<u8>(page_state_ptr(page)) == PAGE_FREE) return Status.DoubleFree;
  free_page(cpu, page);
  return cpu_done(cpu);
}

/** The next n page allocations fail (replaces any count left). */
export function cmd_fail_next_page_allocs(n: u32): Status {
  if (n > U31_MAX) return bad_arg(Status.BadArgument, 0);
  fail_next = n;
  return Status.Ok;
}
