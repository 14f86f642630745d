// Time: the global tick, the per-CPU timer interrupt, and the irq-enabled point where deferred
// ticks and self-IPIs are delivered (docs/model.md §3, §7).
//
// Simplified: all CPUs tick at the same instant, processed in CPU order; TIMER_SOFTIRQ,
// RCU_SOFTIRQ and the kworker wake-up are folded into one sequence per tick.
import { Ctx, Ev, Stat } from '../shared/codes.js';
import type { Cpu } from './cpu.js';
import { irqWorkInterrupt, irqWorkRunList } from './irq_work.js';
import type { Kernel } from './kernel.js';
import { rcuDoBatch, rcuGpEngine, rcuQs } from './rcu.js';
import { runDelayedWorkTimers, runWorklist } from './workqueue.js';

/** Bound of one irq-enabled point (docs/model.md §9). */
export const IRQ_POINT_ROUNDS_MAX = 64;

/**
 * Deliver what waited for interrupts to be enabled: a deferred tick first, then the irq_work IPI.
 * Runs after every command on the CPU and wherever a command re-enables interrupts.
 */
export function irqEnabledPoint(k: Kernel, cpu: Cpu): void {
  let rounds = 0;
  while (!cpu.irqsDisabled() && (cpu.tickPending || cpu.ipiPending)) {
    if (rounds === IRQ_POINT_ROUNDS_MAX) {
      k.invariant(cpu, `irq-enabled point on cpu ${cpu.id} needed more than ${IRQ_POINT_ROUNDS_MAX} rounds`);
    }
    rounds++;
    if (cpu.tickPending) {
      cpu.tickPending = false;
      tickInterrupt(k, cpu);
    } else {
      cpu.ipiPending = false;
      irqWorkInterrupt(k, cpu);
    }
  }
}

/** The timer interrupt of one CPU (tick_sched_timer → update_process_times, then softirqs). */
export function tickInterrupt(k: Kernel, cpu: Cpu): void {
  const interruptedQuiescent = cpu.quiescentHere();
  cpu.push(Ctx.Hardirq);
  k.emit(cpu, Ev.CtxEnter, Ctx.Hardirq);
  k.emit(cpu, Ev.Tick, k.jiffies);
  k.count(cpu, Stat.ticks);
  // rcu_sched_clock_irq(): an idle or blocked CPU, or an interrupted quiescent task, reports a QS.
  if (cpu.idle || cpu.blocked > 0 || interruptedQuiescent) rcuQs(k, cpu);
  irqWorkRunList(k, cpu, cpu.lazyList); // irq_work_tick()
  k.emit(cpu, Ev.CtxExit, Ctx.Hardirq);
  cpu.pop();

  cpu.push(Ctx.Softirq);
  k.emit(cpu, Ev.CtxEnter, Ctx.Softirq);
  runDelayedWorkTimers(k, cpu);
  rcuDoBatch(k, cpu);
  k.emit(cpu, Ev.CtxExit, Ctx.Softirq);
  cpu.pop();
  if (cpu.preemptible()) runWorklist(k, cpu);
}

/** One jiffy: the GP engine, then every CPU's tick in CPU order (deferred where irqs are off). */
export function globalTick(k: Kernel): void {
  k.jiffies = (k.jiffies + 1) >>> 0;
  k.now += k.tickNs;
  rcuGpEngine(k);
  for (const cpu of k.cpus) {
    if (cpu.irqsDisabled()) {
      cpu.tickPending = true;
      k.emit(cpu, Ev.TickDeferred, k.jiffies);
      k.count(cpu, Stat.tickDeferred);
    } else {
      tickInterrupt(k, cpu);
      irqEnabledPoint(k, cpu);
    }
  }
  k.chk.tickEnd();
}
