// Per-CPU timers (kernel/time/timer.c, reduced; docs/model.md §5.2). Only delayed works have
// timers, and a timer's callback is always delayed_work_timer_fn → __queue_work on the timer's CPU.
// Fired from the tick's softirq frame (TIMER_SOFTIRQ folded into the tick).
//
// Simplified: no timer wheel granularity; a timer fires at the first tick with
// !time_after(expires, jiffies), in (expires, arming order).
import { Ev, Stat } from '../shared/codes.js';
import type { Cpu } from './cpu.js';
import type { Kernel } from './kernel.js';
import type { DelayedWork } from './workqueue.js';

/** time_after(a, b): a is later than b, wrap-safe on u32 jiffies. */
export const timeAfter = (a: number, b: number): boolean => ((b - a) | 0) < 0;

/** add_timer_on(): arm the work's timer on `cpu`, `delay` jiffies from now. */
export function addTimer(k: Kernel, cpu: Cpu, dw: DelayedWork, delay: number): void {
  dw.timerPending = true;
  dw.expires = (k.jiffies + delay) >>> 0;
  dw.timerSeq = k.timerSeq++;
  dw.timerCpu = cpu;
  cpu.timers.push(dw);
}

/** del_timer(): true iff it was armed. */
export function delTimer(dw: DelayedWork): boolean {
  if (!dw.timerPending || dw.timerCpu === null) return false;
  const timers = dw.timerCpu.timers;
  timers.splice(timers.indexOf(dw), 1);
  dw.timerPending = false;
  dw.timerCpu = null;
  return true;
}

/** run_timers(): fire every expired timer of this CPU. Softirq context. */
export function runTimers(k: Kernel, cpu: Cpu, queueWork: (cpu: Cpu, dw: DelayedWork) => void): void {
  const expired = cpu.timers.filter((dw) => !timeAfter(dw.expires, k.jiffies));
  expired.sort((x, y) => ((x.expires - k.jiffies) | 0) - ((y.expires - k.jiffies) | 0) || x.timerSeq - y.timerSeq);
  for (const dw of expired) {
    delTimer(dw);
    k.emit(cpu, Ev.TimerFire, dw.id);
    k.count(cpu, Stat.timerFire);
    queueWork(cpu, dw);
  }
}
