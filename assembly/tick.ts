// The timer tick and the irq-enabled point (docs/model.md §3, §7).
// Kernel counterpart: tick_sched_timer → update_process_times (rcu_sched_clock_irq, irq_work_tick,
// run_local_timers) and the timer/RCU softirqs on irq_exit; the pending-interrupt replay at
// local_irq_restore().
// Contexts: advance() is a machine-wide command (no current CPU). tick_interrupt() runs on one CPU
// in a hardirq frame then a softirq frame pushed on top of whatever that CPU was doing.
// *Simplified*: all CPUs tick at the same instant, processed in CPU order; the timer softirq,
// RCU_SOFTIRQ and kworker wake-ups are folded into one sequence.
import { Ctx, Ev, Stat, Status } from '../src/shared/codes';
import { chk_tick_end } from './checker';
import { clock_tick, jiffies } from './clock';
import { IRQ_ENABLED_ROUNDS_MAX, nr_cpus, U31_MAX } from './config';
import { irqs_disabled, pop_frame, push_frame, quiescent_here } from './cpu';
import { fail_invariant, Reason } from './failure';
import { bad_arg } from './io';
import { irq_work_interrupt, irq_work_run_list } from './irq_work';
import { cpu_at } from './layout';
import { rcu_do_batch, rcu_gp_kthread, rcu_qs } from './rcu';
import { stat_inc } from './stats';
import { run_timers } from './timer';
import { emit } from './trace';
import { run_worklist } from './workqueue';

/**
 * Delivers what waited for irqs to come back on: a deferred tick first, then a self-IPI.
 * Runs at the end of every CPU command and wherever irqs may have been re-enabled.
 */
// @lazy: see point_slow (assembly/inject.ts); it is reached through the inlined irq_point().
@lazy export function irq_enabled_point(cpu: u32): void {
  const c = cpu_at(cpu);
  let rounds: u32 = 0;
  while ((c.tick_pending | c.ipi_pending) != 0 && !irqs_disabled(cpu)) {
    if (rounds == IRQ_ENABLED_ROUNDS_MAX) fail_invariant(cpu, Reason.IrqEnabledRounds);
    rounds++;
    if (c.tick_pending) {
      c.tick_pending = 0;
      tick_interrupt(cpu);
    } else {
      c.ipi_pending = 0;
      irq_work_interrupt(cpu);
    }
  }
}

/** One timer interrupt on a CPU whose irqs are enabled. */
export function tick_interrupt(cpu: u32): void {
  const c = cpu_at(cpu);
  // rcu_sched_clock_irq(): the interrupted context is judged before the hardirq frame exists
  const qs = c.idle != 0 || c.blocked != 0 || quiescent_here(cpu);
  push_frame(cpu, Ctx.Hardirq);
  emit(cpu, Ev.CtxEnter, <u32>Ctx.Hardirq, 0, 0);
  emit(cpu, Ev.Tick, jiffies, 0, 0);
  stat_inc(cpu, Stat.ticks);
  if (qs) rcu_qs(cpu);
  irq_work_run_list(cpu, true); // irq_work_tick()
  emit(cpu, Ev.CtxExit, <u32>Ctx.Hardirq, 0, 0);
  pop_frame(cpu);

  push_frame(cpu, Ctx.Softirq);
  emit(cpu, Ev.CtxEnter, <u32>Ctx.Softirq, 0, 0);
  run_timers(cpu); // TIMER_SOFTIRQ
  rcu_do_batch(cpu); // RCU_SOFTIRQ
  emit(cpu, Ev.CtxExit, <u32>Ctx.Softirq, 0, 0);
  pop_frame(cpu);
  // the kworker gets the CPU if the task can be preempted (idle counts: the kworker wakes it)
  if (quiescent_here(cpu)) run_worklist(cpu);
}

/** One jiffy of the whole machine: the GP kthread, then each CPU's tick in CPU order. */
export function do_tick(): void {
  clock_tick();
  rcu_gp_kthread();
  const n = nr_cpus;
  for (let cpu: u32 = 0; cpu < n; cpu++) {
    if (irqs_disabled(cpu)) {
      cpu_at(cpu).tick_pending = 1; // merged with an already pending one
      emit(cpu, Ev.TickDeferred, jiffies, 0, 0);
      stat_inc(cpu, Stat.tickDeferred);
    } else {
      tick_interrupt(cpu);
      irq_enabled_point(cpu);
    }
  }
  chk_tick_end();
}

/** advance(n): n jiffies. Cost O(n * nr_cpus) plus the work the ticks do. */
export function cmd_advance(n: u32): Status {
  if (n > U31_MAX) return bad_arg(Status.BadArgument, 0);
  for (let i: u32 = 0; i < n; i++) do_tick();
  return Status.Ok;
}
