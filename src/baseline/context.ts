// Commands that change a CPU's context or nesting state, and the two that sleep-or-switch
// (cond_resched, synchronize_rcu). docs/model.md §2, §6. The caller (TsMachine.command) has
// checked the cpu and CpuIdle and runs the end-of-command irq-enabled point; each method checks
// its own rules before changing anything. `exit` and `localIrqRestore` re-enable interrupts and
// so run an irq-enabled point of their own.
import { Ctx, Ev, Stat, Status } from '../shared/codes.js';
import type { Cpu } from './cpu.js';
import type { Kernel } from './kernel.js';
import { pollStateSynchronizeRcu, rcuQs, startPollSynchronizeRcu } from './rcu.js';
import { globalTick, irqEnabledPoint } from './tick.js';
import type { Check } from './validate.js';
import { runWorklist } from './workqueue.js';

export class Contexts {
  constructor(
    private readonly k: Kernel,
    private readonly check: Check,
  ) {}

  /** Interrupt entry: softirq/hardirq need irqs on and a lower level; NMIs never nest; probes never recurse. */
  enter(cpu: Cpu, kind: Ctx): void {
    switch (kind) {
      case Ctx.Nmi:
        if (cpu.hasNmiFrame()) this.check.fail(Status.NmiNested);
        break;
      case Ctx.Probe:
        if (cpu.ctx === Ctx.Probe) this.check.fail(Status.BadContext);
        break;
      case Ctx.Hardirq:
      case Ctx.Softirq: {
        const maxLevel = kind === Ctx.Hardirq ? 2 : 1;
        if (cpu.level() >= maxLevel) this.check.fail(Status.BadContext);
        if (cpu.irqsDisabled()) this.check.fail(Status.IrqsDisabled);
        break;
      }
    }
    cpu.push(kind);
    this.k.emit(cpu, Ev.CtxEnter, kind);
  }

  exit(cpu: Cpu): void {
    const top = cpu.top;
    if (top.kind === Ctx.Task) this.check.fail(Status.BadContext);
    if (
      cpu.irqDepth !== top.irqDepth || cpu.preemptCount !== top.preemptCount ||
      cpu.rcuNesting !== top.rcuNesting || cpu.locksHeld !== top.locksHeld
    ) {
      this.check.fail(Status.Unbalanced);
    }
    this.k.emit(cpu, Ev.CtxExit, top.kind);
    cpu.pop();
    irqEnabledPoint(this.k, cpu);
  }

  localIrqSave(cpu: Cpu): void {
    cpu.irqDepth++;
    this.k.emit(cpu, Ev.IrqDisable, cpu.irqDepth);
  }

  localIrqRestore(cpu: Cpu): void {
    if (cpu.irqDepth === cpu.top.irqDepth) this.check.fail(Status.Unbalanced);
    cpu.irqDepth--;
    this.k.emit(cpu, Ev.IrqEnable, cpu.irqDepth);
    irqEnabledPoint(this.k, cpu);
  }

  preemptDisable(cpu: Cpu): void {
    cpu.preemptCount++;
    this.k.emit(cpu, Ev.PreemptDisable, cpu.preemptCount);
  }

  preemptEnable(cpu: Cpu): void {
    if (cpu.preemptCount === cpu.top.preemptCount) this.check.fail(Status.Unbalanced);
    cpu.preemptCount--;
    this.k.emit(cpu, Ev.PreemptEnable, cpu.preemptCount);
  }

  rcuReadLock(cpu: Cpu): void {
    cpu.rcuNesting++;
    this.k.emit(cpu, Ev.RcuReadLock, cpu.rcuNesting);
  }

  rcuReadUnlock(cpu: Cpu): void {
    if (cpu.rcuNesting === cpu.top.rcuNesting) this.check.fail(Status.Unbalanced);
    cpu.rcuNesting--;
    this.k.emit(cpu, Ev.RcuReadUnlock, cpu.rcuNesting);
  }

  /** cond_resched(): a voluntary switch is a quiescent state, and lets the kworker run. Task only. */
  condResched(cpu: Cpu): void {
    if (!cpu.quiescentHere()) this.check.fail(Status.BadContext);
    this.k.emit(cpu, Ev.CondResched);
    rcuQs(this.k, cpu);
    runWorklist(this.k, cpu);
  }

  /** The idle loop: entering it is a quiescent state (rcu_idle_enter / EQS). */
  setIdle(cpu: Cpu, idle: boolean): void {
    if (idle) {
      if (cpu.idle) this.check.fail(Status.BadArgument);
      if (!cpu.quiescentHere()) this.check.fail(Status.NotIdle);
      cpu.idle = true;
      this.k.emit(cpu, Ev.IdleEnter);
      rcuQs(this.k, cpu);
    } else {
      if (!cpu.idle) this.check.fail(Status.BadArgument);
      cpu.idle = false;
      this.k.emit(cpu, Ev.IdleExit);
    }
  }

  /**
   * synchronize_rcu(): the task blocks (a quiescent state, and no QS owed while blocked) and time
   * runs tick by tick until its cookie completes, or fails RcuStall after rcuStallJiffies ticks —
   * the one typed error that leaves state changed (the ticks stay processed). Task context only.
   */
  synchronizeRcu(cpu: Cpu): void {
    const k = this.k;
    if (!cpu.quiescentHere()) this.check.fail(Status.BadContext);
    const s = startPollSynchronizeRcu(k);
    k.emit(cpu, Ev.SyncBegin, s);
    cpu.blocked++;
    rcuQs(k, cpu);
    let done = false;
    for (let i = 0; i < k.options.rcuStallJiffies && !done; i++) {
      globalTick(k);
      done = pollStateSynchronizeRcu(k, s);
    }
    cpu.blocked--;
    if (!done) this.check.fail(Status.RcuStall);
    k.emit(cpu, Ev.SyncEnd, k.gpSeq);
    k.count(cpu, Stat.synchronizeRcu);
  }
}
