// The checker (docs/model.md §17): an oracle that watches the model and turns a broken rule into a
// Violation failure (recorded by fail_violation, which aborts to the binding). It only observes:
// no event, no counter, no random draw, so a run with it off has the same trace and stats up to
// the first violation. Every check is one test of `chk_mask` when its rule is off.
// Kernel counterpart: the WARNs, lockdep and KASAN reports a real kernel would print.
//
// Conservation is counted, not walked, where a list can be long: krc head/bulk counts, the krw
// head_free_count, the callback lists' cb_objs; llists (drained at the next irq-enabled point) and
// krw bulk pages (few) are walked. Objects detached by the API llist_del_all and objects held by an
// inline synchronize_rcu() fallback are counted where they enter and leave that state.
import { CheckRule, CheckWhat, KObj, MonitorArm } from '../src/shared/codes';
import { batched, kfree_drain_jiffies, monitor_arm, NIL, nr_cpus, rcu_min_cached_objs } from './config';
import { nr_llists } from './llist';
import { jiffies } from './clock';
import { fail_violation } from './failure';
import { IRQ_WORK_BUSY, IRQ_WORK_PENDING } from './irq_work';
import { bulk_at, cpu_at, dwork_at, ev_handle, frame_at, irq_work_at, krc_at, krw_at, kslot_idx, kwork_idx, llist_ptr, obj_snap_ptr, rcu_head_of } from './layout';
import { gp_seq, poll_state_synchronize_rcu } from './rcu';

/** Bit `rule - 1` set: the rule is checked (config_checker). */
export let chk_mask: u32 = 0;
/** The canary mutant (Mutant; docs/model.md §17.1), 0 = none. */
export let mutant: u32 = 0;

/** Objects whose shadow state is queued (any OBJ_QUEUED_*). */
export let objs_queued: u32 = 0;
/** Queued objects taken by the API llist_del_all and not yet handed to call_rcu. */
export let chk_detached: u32 = 0;
/** Queued objects held by an inline synchronize_rcu() fallback (kvfree_rcu headless). */
export let chk_inline: u32 = 0;

export function config_checker(mask: u32, mutant_: u32): void {
  chk_mask = mask;
  mutant = mutant_;
}

@inline export function chk_on(rule: CheckRule): bool {
  return (chk_mask & (1 << (<u32>rule - 1))) != 0;
}

@inline export function queued_inc(): void {
  objs_queued++;
}

@inline export function queued_sub(n: u32): void {
  objs_queued -= n;
}

@inline export function detached_add(n: i32): void {
  chk_detached += n;
}

@inline export function inline_add(n: i32): void {
  chk_inline += n;
}

/** An internal free of a queued object, before it is freed (premature-free). */
@inline export function chk_before_free(cpu: u32, obj: u32): void {
  if (chk_on(CheckRule.PrematureFree)) {
    const snap = load<u32>(obj_snap_ptr(obj));
    if (!poll_state_synchronize_rcu(snap)) fail_violation(cpu, CheckWhat.PrematureFree, obj, obj, snap, gp_seq);
  }
}

/** The kernel's WARN in kvfree_rcu_bulk() / kfree_rcu_work(): a batch whose GP has not ended. */
export function chk_batch_not_ready(cpu: u32, first: u32, gp_snap: u32): void {
  if (chk_on(CheckRule.PrematureFree)) fail_violation(cpu, CheckWhat.BatchNotReady, first, first, gp_snap, gp_seq);
}

/**
 * A spinning spin_lock about to take `lock` (table index), after the deadlock check. Inlined with
 * both tests (every krc lock takes it, for speed); only a violation calls out.
 */
@inline export function chk_spin(cpu: u32, lock: u32): void {
  if (chk_on(CheckRule.SpinInNmi)) {
    const c = cpu_at(cpu);
    if ((c.nmi_frames | <u32>frame_at(cpu, c.depth - 1).in_nolock) != 0) chk_spin_fail(cpu, lock);
  }
}

/** chk_spin() found one: SpinInNmi takes precedence over SpinInNolock. */
function chk_spin_fail(cpu: u32, lock: u32): void {
  const c = cpu_at(cpu);
  if (c.nmi_frames != 0) fail_violation(cpu, CheckWhat.SpinInNmi, NIL, ev_handle(lock), 0, 0);
  fail_violation(cpu, CheckWhat.SpinInNolock, NIL, ev_handle(lock), 0, 0);
}

/** queue_delayed_work() of work `w` (table index), also from queue_work and mod_delayed_work. */
@inline export function chk_queue_work(cpu: u32, w: u32): void {
  if (chk_on(CheckRule.SpinInNmi)) {
    const c = cpu_at(cpu);
    if (c.nmi_frames != 0 || frame_at(cpu, c.depth - 1).in_nolock != 0) fail_violation(cpu, CheckWhat.WorkInNmi, NIL, ev_handle(w), 0, 0);
  }
}

/** irq_work_queue() about to put work `w` on a list (irq-work: double queue). */
@inline export function chk_irq_work_add(cpu: u32, w: u32): void {
  if (chk_on(CheckRule.IrqWork) && irq_work_at(w).cpu != NIL) fail_violation(cpu, CheckWhat.IrqWorkTwice, NIL, ev_handle(w), 0, 0);
}

/** After put_cached_bnode() (bounds). */
@inline export function chk_page_cache(cpu: u32, krc: u32): void {
  if (chk_on(CheckRule.Bounds)) {
    const n = krc_at(krc).nr_bkv_objs;
    if (n > rcu_min_cached_objs) fail_violation(cpu, CheckWhat.PageCacheBound, NIL, krc, n, 0);
  }
}

/** rcu_seq_start() / rcu_seq_end(): gp_seq must move forward (bounds). */
@inline export function chk_gp_seq(from: u32, to: u32): void {
  if (chk_on(CheckRule.Bounds) && <i32>(from - to) >= 0) fail_violation(0, CheckWhat.GpSeqBackwards, NIL, from, to, 0);
}

const TICK_RULES: u32 = (1 << (<u32>CheckRule.Conservation - 1)) | (1 << (<u32>CheckRule.IrqWork - 1)) | (1 << (<u32>CheckRule.MonitorLiveness - 1));

/** The end of every global tick (docs/model.md §17). */
@inline export function chk_tick_end(): void {
  if (chk_mask & TICK_RULES) chk_tick_slow();
}

function llist_len(list: u32): u32 {
  let n: u32 = 0;
  for (let o = load<u32>(llist_ptr(list)); o != NIL; o = rcu_head_of(o).next) n++;
  return n;
}

function chk_tick_slow(): void {
  const n = nr_cpus;
  if (chk_on(CheckRule.Conservation)) {
    const listed = listed_objects();
    if (listed != objs_queued) fail_violation(0, CheckWhat.Conservation, NIL, objs_queued, listed, 0);
  }
  if (chk_on(CheckRule.IrqWork)) {
    for (let cpu: u32 = 0; cpu < n; cpu++) {
      const l = kslot_idx(cpu, <u32>KObj.NolockLlist);
      if (load<u32>(llist_ptr(l)) == NIL) continue;
      const f = irq_work_at(kslot_idx(cpu, <u32>KObj.NolockIrqWork)).flags;
      if ((f & (IRQ_WORK_PENDING | IRQ_WORK_BUSY)) == 0) fail_violation(cpu, CheckWhat.IrqWorkStranded, NIL, llist_len(l), cpu, 0);
    }
  }
  if (chk_on(CheckRule.MonitorLiveness) && batched) {
    for (let cpu: u32 = 0; cpu < n; cpu++) monitor_liveness(cpu);
  }
}

function pages_records(page: u32): u32 {
  let n: u32 = 0;
  for (let p = page; p != NIL; p = bulk_at(p).next) n += bulk_at(p).nr_records;
  return n;
}

/** Every object on a list that can hold one, plus the detached and inline ones. */
function listed_objects(): u32 {
  let s = chk_detached + chk_inline;
  const n = nr_cpus;
  for (let l: u32 = 0; l < nr_llists; l++) s += llist_len(l);
  for (let cpu: u32 = 0; cpu < n; cpu++) {
    s += cpu_at(cpu).cb_objs;
    s += llist_len(kslot_idx(cpu, <u32>KObj.NolockLlist));
    if (!batched) continue;
    const k = krc_at(cpu);
    s += k.head_count + k.bulk_count0 + k.bulk_count1;
    for (let i: u32 = 0; i < 2; i++) {
      const w = krw_at(cpu, i);
      s += w.head_free_count + pages_records(w.bulk_head_free0) + pages_records(w.bulk_head_free1);
    }
  }
  return s;
}

/** time_before() on u32 jiffies. */
@inline function before(a: u32, b: u32): bool {
  return <i32>(a - b) < 0;
}

/**
 * A krc holding objects must have its monitor due within kfreeDrainJiffies + 1 of the later of the
 * moment it started holding them and the monitor's last run, or an arm on its way.
 */
function monitor_liveness(cpu: u32): void {
  const k = krc_at(cpu);
  if ((k.head == NIL && k.bulk_head0 == NIL && k.bulk_head1 == NIL) || k.monitor_cancelled) return; // !need_offload_krc
  const base = before(k.held_since, k.last_monitor_run) ? k.last_monitor_run : k.held_since;
  const due = base + kfree_drain_jiffies + 1;
  const d = dwork_at(kwork_idx(cpu, <u32>KObj.MonitorWork));
  let late: bool;
  if (d.pending) {
    late = d.armed != 0 && before(due, d.expires);
  } else {
    const arm = kslot_idx(cpu, monitor_arm == <u32>MonitorArm.OneIrqWorkLazyFlag ? <u32>KObj.NolockIrqWork : <u32>KObj.SchedMonitorIrqWork);
    late = before(due, jiffies) && (irq_work_at(arm).flags & IRQ_WORK_PENDING) == 0;
  }
  if (late) fail_violation(cpu, CheckWhat.MonitorLate, NIL, cpu, base, due);
}
