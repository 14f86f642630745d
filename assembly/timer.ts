// Timers of delayed works (docs/model.md §5.2): per-CPU lists of armed timers kept sorted by
// (expires, arming order), fired by the tick's softirq when !time_after(expires, jiffies).
// Kernel counterpart: kernel/time/timer.c (add_timer_on, del_timer, run_timer_softirq) and
// delayed_work_timer_fn.
// Contexts: armed/disarmed by workqueue commands on any context; fired in the tick's softirq
// frame on the CPU that armed the timer. *Simplified*: a sorted list instead of the timer wheel
// (same firing order; no wheel granularity).
import { Ev, Stat } from '../src/shared/codes';
import { jiffies, time_after } from './clock';
import { KObj } from '../src/shared/codes';
import { KOBJ_SLOTS, NIL, WORKS_MAX } from './config';
import { cpu_at, dwork_at, ev_handle } from './layout';
import { stat_inc } from './stats';
import { emit } from './trace';
import { __queue_work, queue_delayed_work } from './workqueue';

/** Arms the work's timer on cpu. Insertion walks back from the tail: O(1) for equal delays. */
export function timer_arm(cpu: u32, w: u32, expires: u32): void {
  const c = cpu_at(cpu);
  const d = dwork_at(w);
  d.armed = 1;
  d.expires = expires;
  d.timer_cpu = cpu;
  let prev = c.timer_tail; // insert after the last timer that does not expire later
  while (prev != NIL && time_after(dwork_at(prev).expires, expires)) prev = dwork_at(prev).t_prev;
  d.t_prev = prev;
  if (prev == NIL) {
    d.t_next = c.timer_head;
    c.timer_head = w;
  } else {
    d.t_next = dwork_at(prev).t_next;
    dwork_at(prev).t_next = w;
  }
  if (d.t_next == NIL) c.timer_tail = w;
  else dwork_at(d.t_next).t_prev = w;
}

/** del_timer(): unlink an armed timer. */
export function timer_disarm(w: u32): void {
  const d = dwork_at(w);
  const c = cpu_at(d.timer_cpu);
  if (d.t_prev == NIL) c.timer_head = d.t_next;
  else dwork_at(d.t_prev).t_next = d.t_next;
  if (d.t_next == NIL) c.timer_tail = d.t_prev;
  else dwork_at(d.t_next).t_prev = d.t_prev;
  d.armed = 0;
  d.t_prev = NIL;
  d.t_next = NIL;
}

/** run_timer_softirq(): fire every expired timer of this CPU, earliest first. */
export function run_timers(cpu: u32): void {
  const c = cpu_at(cpu);
  while (c.timer_head != NIL && !time_after(dwork_at(c.timer_head).expires, jiffies)) {
    const w = c.timer_head;
    timer_disarm(w);
    emit(cpu, Ev.TimerFire, ev_handle(w), 0, 0);
    stat_inc(cpu, Stat.timerFire);
    if (w >= WORKS_MAX && (w - WORKS_MAX) % KOBJ_SLOTS == <u32>KObj.PageCacheTimer) {
      // krc's hrtimer: schedule_page_work_fn → queue_delayed_work(page_cache_work, 0) on this CPU
      queue_delayed_work(cpu, w - <u32>KObj.PageCacheTimer + <u32>KObj.PageCacheWork, 0);
    } else {
      // TimerFn.QueueWork: delayed_work_timer_fn → __queue_work on the timer's CPU
      __queue_work(cpu, w);
    }
  }
}
