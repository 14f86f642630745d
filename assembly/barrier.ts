// kvfree_rcu_barrier() (docs/model.md §12.8) and, with batched: false, rcu_barrier() (§13).
// Kernel counterpart: mm/slab_common.c __kvfree_rcu_barrier (kvfree_rcu_queue_batch loop,
// cancel_delayed_work_sync of monitor_work, flush_rcu_work of both krws); kernel/rcu/tree.c
// rcu_barrier.
// Contexts: a quiescent task only (it sleeps). A "wait" blocks the caller like synchronize_rcu (it
// counts as idle for the GP engine, its worklist still runs at its ticks) and processes ticks one
// at a time until the condition holds, at most rcu_stall_jiffies ticks per wait (else RcuStall,
// ticks stay processed). Programs do not run during these ticks (only run() executes them).
import { Ev, KObj, Stat, Status } from '../src/shared/codes';
import { batched, NIL, nr_cpus, rcu_stall_jiffies } from './config';
import { cpu_awake_check, cpu_done, quiescent_here } from './cpu';
import { cpu_at, krc_at, kwork_idx } from './layout';
import { krw_busy, need_offload_krc } from './krc';
import { kvfree_rcu_queue_batch } from './monitor';
import { rcu_qs } from './rcu';
import { stat_inc } from './stats';
import { do_tick } from './tick';
import { emit } from './trace';
import { cancel_delayed_work } from './workqueue';

/** What a wait waits for. */
const W_KRWS_OF: u32 = 0; // neither krw of CPU `arg` is busy
const W_CB_LISTS_EMPTY: u32 = 1; // every CPU's callback list is empty (rcu_barrier)

function wait_done(what: u32, arg: u32): bool {
  if (what == W_KRWS_OF) return !krw_busy(arg, 0) && !krw_busy(arg, 1);
  const n = nr_cpus;
  for (let c: u32 = 0; c < n; c++) if (cpu_at(c).cb_head != NIL) return false;
  return true;
}

/** Blocks `cpu` ticking until the condition holds; nothing at all if it already does. */
function barrier_wait(cpu: u32, what: u32, arg: u32): Status {
  if (wait_done(what, arg)) return Status.Ok;
  const c = cpu_at(cpu);
  c.blocked++;
  rcu_qs(cpu);
  let waited: u32 = 0;
  do {
    if (waited == rcu_stall_jiffies) {
      c.blocked--;
      return Status.RcuStall;
    }
    do_tick();
    waited++;
  } while (!wait_done(what, arg));
  c.blocked--;
  return Status.Ok;
}

/** kvfree_rcu_barrier(): everything queued before it has been freed when it returns. */
export function cmd_kvfree_rcu_barrier(cpu: u32): Status {
  let st = cpu_awake_check(cpu);
  if (st) return st;
  if (!quiescent_here(cpu)) return Status.BadContext;
  emit(cpu, Ev.BarrierBegin, 0, 0, 0);
  const n = nr_cpus;
  if (batched) {
    for (let c: u32 = 0; c < n; c++) {
      if (!need_offload_krc(c)) continue;
      for (;;) {
        const queued = kvfree_rcu_queue_batch(cpu, c);
        if (queued || !need_offload_krc(c)) break;
        st = barrier_wait(cpu, W_KRWS_OF, c);
        if (st) return st;
      }
    }
    for (let c: u32 = 0; c < n; c++) {
      cancel_delayed_work(cpu, kwork_idx(c, <u32>KObj.MonitorWork));
      if (need_offload_krc(c)) krc_at(c).monitor_cancelled = 1;
      st = barrier_wait(cpu, W_KRWS_OF, c);
      if (st) return st;
    }
  } else {
    st = barrier_wait(cpu, W_CB_LISTS_EMPTY, 0);
    if (st) return st;
  }
  emit(cpu, Ev.BarrierEnd, 0, 0, 0);
  stat_inc(cpu, Stat.barrier);
  return cpu_done(cpu);
}
