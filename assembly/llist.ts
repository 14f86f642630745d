// Lock-less lists of objects (docs/model.md §4.1), threaded through each object's rcu_head.next.
// Kernel counterpart: include/linux/llist.h (llist_add, llist_del_all).
// Contexts: any, including NMI (the kernel's llist is NMI-safe with cmpxchg; the model is
// single-threaded, so each operation is one atomic step).
//
//           |  add  | del_all
//  add      |   -   |   -        (the kernel needs no lock between these)
//  del_all  |       |   -
//
// llist_del_all returns the chain newest first. Objects stay `queued`: the caller owns them and
// usually hands them to call_rcu() (which keeps the snapshot taken at llist_add()).
import { Ev, Stat, Status } from '../src/shared/codes';
import { LLISTS_MAX, NIL } from './config';
import { awake_check, cpu_check, cpu_done } from './cpu';
import { bad_arg, io_set_chain, set_result } from './io';
import {
  ev_handle, llist_ptr, OBJ_ALLOCATED, OBJ_FREE, OBJ_QUEUED, OBJ_QUEUED_LLIST, obj_snap_ptr, obj_state_ptr,
  rcu_head_of,
} from './layout';
import { detached_add } from './checker';
import { get_state_synchronize_rcu } from './rcu';
import { obj_check, obj_queued } from './slab';
import { stat_inc } from './stats';
import { emit } from './trace';

/** API llists created (handles 0..nr_llists-1). */
export let nr_llists: u32 = 0;
/** Number of objects the last llist_del_all() took. */
export let llist_del_all_count: u32 = 0;

@inline export function llist_check(list: u32): Status {
  return list < nr_llists ? Status.Ok : Status.BadHandle;
}

/** llist_add(): push an allocated object; true iff the list was empty. */
export function llist_add(cpu: u32, list: u32, obj: u32): bool {
  const p = llist_ptr(list);
  const first = load<u32>(p);
  if (load<u8>(obj_state_ptr(obj)) == OBJ_ALLOCATED) obj_queued(obj); // (a nolock deferral is queued already)
  store<u8>(obj_state_ptr(obj), OBJ_QUEUED_LLIST);
  store<u32>(obj_snap_ptr(obj), get_state_synchronize_rcu());
  rcu_head_of(obj).next = first;
  store<u32>(p, obj);
  const wasEmpty = first == NIL;
  emit(cpu, Ev.LlistAdd, ev_handle(list), obj, <u32>wasEmpty);
  stat_inc(cpu, Stat.llistAdd);
  return wasEmpty;
}

/** llist_del_all(): detach the whole chain (newest first); its objects become caller-owned. */
export function llist_del_all(cpu: u32, list: u32): u32 {
  const p = llist_ptr(list);
  const first = load<u32>(p);
  store<u32>(p, NIL);
  let n: u32 = 0;
  for (let o = first; o != NIL; o = rcu_head_of(o).next) {
    store<u8>(obj_state_ptr(o), OBJ_QUEUED);
    n++;
  }
  llist_del_all_count = n;
  if (list < LLISTS_MAX) detached_add(n); // an API llist: its objects are the caller's now
  emit(cpu, Ev.LlistDelAll, ev_handle(list), n, 0);
  stat_inc(cpu, Stat.llistDelAll);
  return first;
}

// -- commands ----------------------------------------------------------------------------------
export function cmd_create_llist(): Status {
  if (nr_llists == LLISTS_MAX) return Status.TableFull;
  store<u32>(llist_ptr(nr_llists), NIL);
  set_result(nr_llists++);
  return Status.Ok;
}

/** result() = 1 if the list was empty. */
export function cmd_llist_add(cpu: u32, list: u32, obj: u32): Status {
  let st = cpu_check(cpu);
  if (st) return st;
  if (llist_check(list)) return bad_arg(Status.BadHandle, 1);
  if (obj_check(obj)) return bad_arg(Status.BadHandle, 2);
  st = awake_check(cpu);
  if (st) return st;
  const s = load<u8>(obj_state_ptr(obj));
  if (s == OBJ_FREE) return Status.NotAllocated;
  if (s != OBJ_ALLOCATED) return Status.AlreadyQueued;
  set_result(<u32>llist_add(cpu, list, obj));
  return cpu_done(cpu);
}

/** result() = number of objects; read them with io_fill(). */
export function cmd_llist_del_all(cpu: u32, list: u32): Status {
  let st = cpu_check(cpu);
  if (st) return st;
  if (llist_check(list)) return bad_arg(Status.BadHandle, 1);
  st = awake_check(cpu);
  if (st) return st;
  io_set_chain(llist_del_all(cpu, list));
  set_result(llist_del_all_count);
  return cpu_done(cpu);
}
