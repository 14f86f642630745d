// A simulated CPU and its context stack (docs/model.md §2). The bottom frame is always task;
// softirq/hardirq/nmi/probe frames are pushed by `enter()` or by the interrupts the model delivers
// (tick, irq_work IPI). Each frame remembers the nesting counters at its entry so `exit()` can
// reject an unbalanced context, as lockdep would complain about a leaked irq/preempt/RCU nesting.
import { Ctx } from '../shared/codes.js';
import { Llist } from './llist.js';
import type { IrqWork } from './irq_work.js';
import type { RcuHead } from './rcu.js';
import type { DelayedWork } from './workqueue.js';

/**
 * One context-stack frame.
 * @kind: Ctx of the frame.
 * @irqDepth, @preemptCount, @rcuNesting, @locksHeld: the CPU's values when the frame was entered.
 * @irqsOffAtEntry: for a probe, whether irqs were disabled when it fired (it keeps that state).
 */
export class Frame {
  /** A kfree_rcu_nolock() call is in progress in this frame: it may not spin (the checker's spin-in-nmi). */
  inNolock = false;

  constructor(
    readonly kind: Ctx,
    readonly irqDepth: number,
    readonly preemptCount: number,
    readonly rcuNesting: number,
    readonly locksHeld: number,
    readonly irqsOffAtEntry: boolean,
  ) {}
}

export class Cpu {
  readonly frames: Frame[] = [new Frame(Ctx.Task, 0, 0, 0, 0, false)];
  irqDepth = 0;
  preemptCount = 0;
  rcuNesting = 0;
  /** Raw spinlocks held by any frame of this CPU. */
  locksHeld = 0;
  idle = false;
  /**
   * Blocked waiting for a GP (synchronize_rcu, a kvfree_rcu barrier wait, or a program's headless
   * fallback): counts as idle for the GP engine and the tick. A count, so an interactive
   * synchronize_rcu on a CPU whose program is blocked leaves it blocked (docs/model.md §14.1).
   */
  blocked = 0;
  tickPending = false;
  ipiPending = false;
  /** This CPU still owes the current GP a quiescent state (rcu_data.cpu_no_qs, simplified). */
  qsOwed = false;
  readonly raisedList = new Llist<IrqWork>();
  readonly lazyList = new Llist<IrqWork>();
  /** Pending works of this CPU's kworker pool, FIFO. */
  readonly worklist: DelayedWork[] = [];
  /** Timers armed on this CPU (any order; fired in (expires, seq) order). */
  readonly timers: DelayedWork[] = [];
  /** RCU callback list (rcu_segcblist reduced to one FIFO), threaded through the rcu_heads. */
  cbHead: RcuHead | null = null;
  cbTail: RcuHead | null = null;
  /** Slab objects (not kernel rcu_heads) on the callback list, for the checker's conservation rule. */
  cbObjs = 0;

  constructor(readonly id: number) {}

  get top(): Frame {
    return this.frames[this.frames.length - 1];
  }

  get ctx(): Ctx {
    return this.top.kind;
  }

  push(kind: Ctx): void {
    this.frames.push(new Frame(kind, this.irqDepth, this.preemptCount, this.rcuNesting, this.locksHeld, this.irqsDisabled()));
  }

  pop(): void {
    this.frames.pop();
  }

  /** Level of frame i: task 0, softirq 1, hardirq 2, nmi 3; a probe has the level of the frame below. */
  level(i = this.frames.length - 1): number {
    const f = this.frames[i];
    return f.kind === Ctx.Probe ? this.level(i - 1) : f.kind;
  }

  irqsDisabled(): boolean {
    if (this.irqDepth > 0) return true;
    const top = this.top;
    switch (top.kind) {
      case Ctx.Hardirq:
      case Ctx.Nmi:
        return true;
      case Ctx.Probe:
        return top.irqsOffAtEntry;
      default:
        return false;
    }
  }

  hasNmiFrame(): boolean {
    return this.frames.some((f) => f.kind === Ctx.Nmi);
  }

  /**
   * A quiescent state could be reported here: plain task, outside any preempt-, irq- or
   * RCU-read-side region and holding no raw spinlock (PREEMPT_RCU rule, docs/model.md §2).
   */
  quiescentHere(): boolean {
    return this.frames.length === 1 && this.preemptCount === 0 && this.rcuNesting === 0 && this.irqDepth === 0 && this.locksHeld === 0;
  }

  /** The task could be switched out for a kworker (§5.3): the same condition as quiescentHere. */
  preemptible(): boolean {
    return this.quiescentHere();
  }
}
