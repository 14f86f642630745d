// Simulated slab (docs/model.md §8): max_objects objects of obj_size bytes in the SLAB region, each
// with its rcu_head at rcu_head_offset; a 1-byte shadow state and a 4-byte shadow snapshot per
// object (the checker's "kfree_rcu call time", the kernel's head_free_gp_snap idea).
// Kernel counterpart: kmalloc()/kfree() of one kmem_cache (the free list is a slab's LIFO per-CPU
// freelist; never-used objects are handed out in index order).
// Contexts: any (the model's slab never sleeps and takes no lock).
// Lists: the free list, llists and callback lists all thread through rcu_head.next; the shadow
// state says which list (if any) owns an object's link:
//
//   never used ──kmalloc──► allocated ──llist_add──► queued/llist ──llist_del_all──► queued
//        ▲                   │  │                                                       │
//        └──── free ◄─kfree──┘  └──────────────call_rcu──────────► queued/cb ◄─call_rcu─┘
//               ▲                                                      │
//               └────────────────── callback invoked (kfree) ◄─────────┘
import { CheckRule, Ev, Stat, Status } from '../src/shared/codes';
import { chk_before_free, chk_on, inline_add, objs_queued, queued_inc, queued_sub } from './checker';
import { jiffies } from './clock';
import { IO_CAP, max_objects, NIL, obj_size } from './config';
import { awake_check, cpu_awake_check, cpu_check, cpu_done } from './cpu';
import { bad_arg, set_result, set_result2 } from './io';
import {
  io_ptr, OBJ_ALLOCATED, OBJ_FREE, OBJ_QUEUED_LLIST, obj_chan_ptr, obj_qjif_ptr, obj_snap_ptr, obj_state_ptr, rcu_head_of,
} from './layout';
import { kpages_in_use } from './page';
import { gp_seq, poll_state_synchronize_rcu } from './rcu';
import { stat_add, stat_inc } from './stats';
import { emit } from './trace';

let free_head: u32 = NIL;
/** Objects ever handed out: ids >= bump were never allocated. */
let bump: u32 = 0;
/** Objects not free (allocated or queued): memoryInfo() and mem_sample. */
export let objs_in_use: u32 = 0;

/** The largest waiting_bytes() seen (docs/model.md §10.1). */
export let peak_waiting: f64 = 0;

/** Memory waiting for a GP: queued objects plus the pages kvfree_rcu holds (§10.1). */
export function waiting_bytes(): f64 {
  return <f64>objs_queued * <f64>obj_size + <f64>kpages_in_use * 4096.0;
}

/**
 * Folds the current waiting_bytes() into the peak. Waiting memory grows only when an object is queued
 * or kvfree_rcu takes a page, and shrinks only when queued objects or kernel pages are freed, so its
 * maximum is always reached right before a decrease or now: the peak is folded in just before every
 * decrease and when it is read, not at every (hot) increase. The result is the exact maximum.
 */
@inline export function note_waiting_peak(): void {
  const w = waiting_bytes();
  if (w > peak_waiting) peak_waiting = w;
}

/**
 * An allocated object becomes queued: its "kfree_rcu call time". The caller stores its state and
 * snapshot; this starts its free latency (§10.1). (The waiting-memory peak is folded in at the
 * decreases: note_waiting_peak.)
 */
@inline export function obj_queued(obj: u32, via_nolock: bool = false): void {
  queued_inc();
  store<u32>(obj_qjif_ptr(obj), (jiffies & 0x7fffffff) | (<u32>via_nolock << 31));
}

/**
 * Free latency of a queued object being freed (§10.1): latJ<b> for the jiffies since its call, and
 * latGp<e> for the GPs that ended after the one that covered it (`done`: not premature).
 */
@inline function count_latency(cpu: u32, obj: u32, snap: u32, done: bool): void {
  const q = load<u32>(obj_qjif_ptr(obj)); // jiffies mod 2^31 | via_nolock << 31
  const d = (jiffies - q) & 0x7fffffff;
  const b: u32 = d == 0 ? 0 : min<u32>(15, 33 - clz<u32>(d - 1));
  stat_inc(cpu, <Stat>(<u32>Stat.latJ0 + b));
  stat_add(cpu, Stat.latJSum, d);
  if (q >> 31) {
    stat_inc(cpu, <Stat>(<u32>Stat.latNolockJ0 + b));
    stat_add(cpu, Stat.latNolockJSum, d);
  }
  if (done) stat_inc(cpu, <Stat>(<u32>Stat.latGp0 + min<u32>(7, (gp_seq - snap) >> 2)));
}

/** A handle the slab has handed out at least once. */
@inline export function obj_check(obj: u32): Status {
  return obj < bump ? Status.Ok : Status.BadHandle;
}

@inline export function obj_state(obj: u32): u8 {
  return load<u8>(obj_state_ptr(obj));
}

/** Puts a no-longer-used object on the free list (LIFO: it is the next one handed out). */
@inline function slab_free(cpu: u32, obj: u32): void {
  store<u8>(obj_state_ptr(obj), OBJ_FREE);
  store<u32>(obj_snap_ptr(obj), 0);
  rcu_head_of(obj).next = free_head;
  free_head = obj;
  objs_in_use--;
  emit(cpu, Ev.Kfree, obj, 0, 0);
  stat_inc(cpu, Stat.kfree);
}

/**
 * The checker found a premature free after `freed` objects of a batch: account for those (kfree and
 * the caller's `stat`, as the per-object rule would have), then report it (aborts).
 */
function premature_in_batch(cpu: u32, head: u32, freed: u32, stat: Stat, obj: u32): void {
  free_head = head;
  objs_in_use -= freed;
  note_waiting_peak();
  queued_sub(freed);
  stat_add(cpu, Stat.kfree, freed);
  stat_add(cpu, stat, freed);
  chk_before_free(cpu, obj);
}

/**
 * One object of a batch free (kfree_records, kfree_list), `freed` objects into it: the per-object
 * rules of kfree_internal, pushed on the free list in front of `head`. The caller has read the
 * object's rcu_head.next already. True if the free was premature.
 */
@inline function batch_free_one(cpu: u32, obj: u32, head: u32, freed: u32, stat: Stat): bool {
  const sp = obj_snap_ptr(obj);
  const snap = load<u32>(sp);
  const done = poll_state_synchronize_rcu(snap);
  if (!done && chk_on(CheckRule.PrematureFree)) premature_in_batch(cpu, head, freed, stat, obj);
  count_latency(cpu, obj, snap, done);
  store<u8>(obj_state_ptr(obj), OBJ_FREE);
  store<u32>(sp, 0);
  rcu_head_of(obj).next = head;
  emit(cpu, Ev.Kfree, obj, 0, 0);
  return !done;
}

/** The end of a batch free of n objects, `head` the new free list: the counts, added once. */
@inline function batch_free_end(cpu: u32, head: u32, n: u32, premature: u32, stat: Stat): void {
  free_head = head;
  objs_in_use -= n;
  note_waiting_peak();
  queued_sub(n);
  if (premature) stat_add(cpu, Stat.prematureFree, premature);
  stat_add(cpu, Stat.kfree, n);
  stat_add(cpu, stat, n);
}

/**
 * kfree_bulk(): the internal free of n queued records (object ids at `records`), in index order;
 * the same per-object rules as kfree_internal, with kfree and `stat` (the caller's per-object
 * counter) added once.
 */
export function kfree_records(cpu: u32, records: usize, n: u32, stat: Stat): void {
  let premature: u32 = 0;
  let head = free_head;
  for (let i: u32 = 0; i < n; i++) {
    const obj = load<u32>(records + (i << 2));
    if (batch_free_one(cpu, obj, head, i, stat)) premature++;
    head = obj;
  }
  batch_free_end(cpu, head, n, premature, stat);
}

/**
 * The internal free of every (queued) object of a list threaded through rcu_head.next (krc head
 * lists), in list order; returns how many. Same per-object rules as kfree_internal, kfree and
 * `stat` added once.
 */
export function kfree_list(cpu: u32, obj: u32, stat: Stat): u32 {
  let premature: u32 = 0;
  let n: u32 = 0;
  let head = free_head;
  while (obj != NIL) {
    const next = rcu_head_of(obj).next;
    if (batch_free_one(cpu, obj, head, n, stat)) premature++;
    head = obj;
    n++;
    obj = next;
  }
  batch_free_end(cpu, head, n, premature, stat);
  return n;
}

/**
 * kmalloc()/vmalloc() from the slab (LIFO free list, then bump). Emits Kmalloc, counts kmalloc.
 * `vm` = 1 marks the object as a vmalloc one (channel 1 of kvfree_rcu). NIL when exhausted.
 */
@inline export function slab_alloc(cpu: u32, vm: u32, quiet: bool = false): u32 {
  let obj = free_head;
  if (obj != NIL) {
    free_head = rcu_head_of(obj).next;
  } else {
    if (bump == max_objects) return NIL;
    obj = bump++;
  }
  store<u8>(obj_state_ptr(obj), OBJ_ALLOCATED);
  const cp = obj_chan_ptr(obj);
  const bits = <u32>load<u8>(cp);
  const bit: u32 = 1 << (obj & 7);
  if (((bits & bit) != 0) != (vm != 0)) store<u8>(cp, <u8>(bits ^ bit));
  objs_in_use++;
  emit(cpu, Ev.Kmalloc, obj, 0, 0, quiet);
  stat_inc(cpu, Stat.kmalloc);
  return obj;
}

/** kvfree_rcu channel of an object: 1 if it came from vmalloc (is_vmalloc_addr), else 0. */
@inline export function obj_channel(obj: u32): u32 {
  return (<u32>load<u8>(obj_chan_ptr(obj)) >> (obj & 7)) & 1;
}

/** kfree() of an allocated object (the API command and the workload op, after their checks). */
export function kfree_allocated(cpu: u32, obj: u32): void {
  slab_free(cpu, obj);
}

/** kfree() of a queued object (an RCU callback): it must have waited for its GP (else prematureFree). */
export function kfree_internal(cpu: u32, obj: u32): void {
  chk_before_free(cpu, obj);
  const snap = load<u32>(obj_snap_ptr(obj));
  const done = poll_state_synchronize_rcu(snap);
  if (!done) stat_inc(cpu, Stat.prematureFree);
  count_latency(cpu, obj, snap, done);
  note_waiting_peak();
  queued_sub(1);
  slab_free(cpu, obj);
}

/** The inline fallback's kvfree() once its synchronize_rcu() returned. */
export function kfree_inline(cpu: u32, obj: u32): void {
  inline_add(-1);
  kfree_internal(cpu, obj);
}

export function cmd_kmalloc(cpu: u32): Status {
  const st = cpu_awake_check(cpu);
  if (st) return st;
  const obj = slab_alloc(cpu, 0);
  if (obj == NIL) return Status.OutOfObjects;
  set_result(obj);
  return cpu_done(cpu);
}

/** vmalloc(): an object of channel 1 (same slab, same events; docs/model.md §12.1). */
export function cmd_vmalloc(cpu: u32): Status {
  const st = cpu_awake_check(cpu);
  if (st) return st;
  const obj = slab_alloc(cpu, 1);
  if (obj == NIL) return Status.OutOfObjects;
  set_result(obj);
  return cpu_done(cpu);
}

export function cmd_kfree(cpu: u32, obj: u32): Status {
  let st = cpu_check(cpu);
  if (st) return st;
  if (obj_check(obj)) return bad_arg(Status.BadHandle, 1);
  st = awake_check(cpu);
  if (st) return st;
  const s = obj_state(obj);
  if (s == OBJ_FREE) return Status.DoubleFree;
  if (s != OBJ_ALLOCATED) return Status.AlreadyQueued;
  slab_free(cpu, obj);
  return cpu_done(cpu);
}

/**
 * liveObjects() in chunks: from handle `from` on, the objects not free as [obj, snap] pairs in the
 * IO region (snap 0 unless queued), at most IO_CAP / 2 of them. result() = pairs written,
 * result2() = where the next chunk starts (the slab's bump index once every handle was seen).
 */
export function live_objects(from: u32): Status {
  let n: u32 = 0;
  let o = from;
  const cap = IO_CAP >> 1;
  for (; o < bump && n < cap; o++) {
    const s = load<u8>(obj_state_ptr(o));
    if (s == OBJ_FREE) continue;
    store<u32>(io_ptr(n << 1), o);
    store<u32>(io_ptr((n << 1) + 1), s >= OBJ_QUEUED_LLIST ? load<u32>(obj_snap_ptr(o)) : 0);
    n++;
  }
  set_result(n);
  set_result2(o);
  return Status.Ok;
}

/** result() = 0 free / 1 allocated / 2 queued; result2() = snapshot (0 unless queued). */
export function obj_info(obj: u32): Status {
  if (obj_check(obj)) return bad_arg(Status.BadHandle, 0);
  const s = obj_state(obj);
  set_result(s >= OBJ_QUEUED_LLIST ? 2 : <u32>s);
  set_result2(s >= OBJ_QUEUED_LLIST ? load<u32>(obj_snap_ptr(obj)) : 0);
  return Status.Ok;
}
