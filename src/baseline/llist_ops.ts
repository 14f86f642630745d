// The API llists of slab objects (handles from createLlist; docs/model.md §4.1). Unlike the
// irq_work lists, these emit LlistAdd/LlistDelAll. Any context, NMI included.
import { Ev, Stat } from '../shared/codes.js';
import type { Cpu } from './cpu.js';
import type { Kernel } from './kernel.js';
import { getStateSynchronizeRcu } from './rcu.js';
import type { SlabObject } from './slab.js';

/** llist_add() of an allocated object: it becomes queued under the current GP snapshot. */
export function llistAdd(k: Kernel, cpu: Cpu, list: number, obj: SlabObject): boolean {
  obj.state = 'queued';
  obj.where = 'llist';
  obj.snap = getStateSynchronizeRcu(k);
  k.markQueued(obj);
  const wasEmpty = k.llists[list].add(obj);
  k.emit(cpu, Ev.LlistAdd, list, obj.id, wasEmpty ? 1 : 0);
  k.count(cpu, Stat.llistAdd);
  return wasEmpty;
}

/** llist_del_all(): the caller owns the returned objects (newest first); they stay queued. */
export function llistDelAll(k: Kernel, cpu: Cpu, list: number): SlabObject[] {
  const objs = k.llists[list].delAll();
  for (const obj of objs) obj.where = 'detached';
  k.chk.detached += objs.length;
  k.emit(cpu, Ev.LlistDelAll, list, objs.length);
  k.count(cpu, Stat.llistDelAll);
  return objs;
}
