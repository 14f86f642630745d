// The whole simulated machine state and the two primitives every rule uses: emit an event and
// count a stat, both stamped on a CPU (docs/model.md, "Words"). The rules themselves live in the
// files named after their kernel counterparts; TsMachine (machine.ts) validates API calls and then
// runs them against this state.
import { RcuMachineFailure } from '../errors.js';
import { ctxName } from '../events.js';
import { rcuErrorMessage, type CommandName } from '../messages.js';
import { Ev, Mutant, Stat, Status } from '../shared/codes.js';
import { mutantCode, type CheckRuleName } from '../checker.js';
import type { Failure, ResolvedOptions } from '../types.js';
import { Checker } from './checker.js';
import { Cpu } from './cpu.js';
import type { IrqWork } from './irq_work.js';
import { Injector } from './inject.js';
import type { Krc } from './krc.js';
import type { NolockKrc } from './nolock.js';
import { Workload } from './workload.js';
import type { SpinLock } from './lock.js';
import type { Llist } from './llist.js';
import { Prng } from './prng.js';
import { PageAllocator, Slab, type SlabObject } from './slab.js';
import { StatRows } from './stats.js';
import { Trace } from './trace.js';
import type { DelayedWork } from './workqueue.js';

export class Kernel {
  readonly tickNs: number;
  now = 0;
  /** u32, wrap-safe comparisons only. */
  jiffies = 0;
  readonly cpus: Cpu[];
  readonly trace: Trace;
  readonly stats: StatRows;
  readonly prng: Prng;
  readonly slab: Slab;
  readonly pages: PageAllocator;
  failNextPageAllocs = 0;

  // RCU (rcu_state, reduced to one sequence: docs/model.md §6)
  gpSeq: number;
  gpSeqNeeded: number;

  readonly locks: SpinLock[] = [];
  readonly llists: Llist<SlabObject>[] = [];
  readonly irqWorks: IrqWork[] = [];
  readonly dworks: DelayedWork[] = [];
  /** Machine-wide timer arming sequence: ties between equal `expires` fire in arming order. */
  timerSeq = 0;

  /** Per-CPU kvfree_rcu state (docs/model.md §12); empty with `batched: false`. */
  readonly krcs: Krc[] = [];
  /** Per-CPU kfree_rcu_nolock state (docs/model.md §15), with or without batching. */
  readonly nolock: NolockKrc[] = [];
  /** Workload programs and run() bookkeeping (docs/model.md §14). */
  readonly workload: Workload;
  /** Preemption points, injection and hooks (docs/model.md §16). */
  readonly inj: Injector;
  /** The checker (docs/model.md §17). */
  readonly chk: Checker;
  /** The canary mutant this machine runs as (docs/model.md §17.1; tests only). */
  readonly mutant: Mutant;

  /** The command being executed, for failure messages. */
  command: CommandName = 'advance';
  args: readonly unknown[] = [];
  failure: RcuMachineFailure | null = null;

  constructor(readonly options: ResolvedOptions) {
    this.tickNs = 1e9 / options.hz;
    this.cpus = Array.from({ length: options.nrCpus }, (_, i) => new Cpu(i));
    this.trace = new Trace(options.trace, options.traceCapacity);
    this.stats = new StatRows(options.nrCpus);
    this.prng = new Prng(options.seed);
    this.slab = new Slab(options.maxObjects);
    this.pages = new PageAllocator(options.maxPages);
    this.gpSeq = options.gpSeqStart >>> 0;
    this.gpSeqNeeded = this.gpSeq;
    this.workload = new Workload(options.nrCpus);
    this.inj = new Injector(this);
    this.chk = new Checker(this);
    this.mutant = mutantCode(options.mutant);
  }

  /** The largest waitingBytes() seen (docs/model.md §10.1). */
  peakWaitingBytes = 0;

  /**
   * An allocated object becomes queued: its "kfree_rcu call time". The caller has set its state and
   * snapshot; this starts its free latency and updates the waiting-memory peak (§10.1).
   */
  markQueued(obj: SlabObject, viaNolock = false): void {
    obj.queuedAt = this.jiffies;
    obj.viaNolock = viaNolock;
    this.chk.queued++;
    this.noteWaitingPeak();
  }

  /** Memory waiting for a GP: queued objects plus the pages kvfree_rcu holds (§10.1). */
  waitingBytes(): number {
    return this.chk.queued * this.options.objSize + this.pages.kernelInUse * 4096;
  }

  noteWaitingPeak(): void {
    const w = this.waitingBytes();
    if (w > this.peakWaitingBytes) this.peakWaitingBytes = w;
  }

  emit(cpu: Cpu, kind: Ev, a = 0, b = 0, c = 0): void {
    this.trace.emit(kind, cpu.id, cpu.ctx, this.now, a, b, c);
  }

  count(cpu: Cpu, stat: Stat, n = 1): void {
    this.stats.count(cpu.id, stat, n);
  }

  /**
   * Records a fatal failure, poisons the machine and throws. A deadlock inside an injected action or
   * a hook also records that point (docs/model.md §16.4).
   */
  fail(failure: Omit<Failure, 'message' | 'point'>, invariant?: string): never {
    const point = failure.status === 'Deadlock' ? this.inj.currentPoint() : undefined;
    const message = rcuErrorMessage(this.command, this.args, Status[failure.status as keyof typeof Status], this.options, {
      holderCtx: failure.holderCtx,
      acquirerCtx: failure.acquirerCtx,
      lock: failure.lock,
      cpu: failure.status === 'Deadlock' ? failure.cpu : undefined,
      point,
      invariant,
    });
    // Keys in the order of the Failure interface (the differential test compares JSON text).
    const { status, cpu, ...deadlock } = failure;
    this.failure = new RcuMachineFailure({ status, message, cpu, ...deadlock, ...(point !== undefined ? { point } : {}) });
    throw this.failure;
  }

  /** A checker violation (docs/model.md §17): poisons the machine like any fatal failure. */
  violation(cpu: Cpu, rule: CheckRuleName, text: string, obj: number): never {
    const point = this.inj.currentPoint();
    const message = rcuErrorMessage(this.command, this.args, Status.Violation, this.options, { violation: `${rule}: ${text}`, point });
    const where = point !== undefined ? { point } : {};
    this.failure = new RcuMachineFailure({ status: 'Violation', message, cpu: cpu.id, ...where, rule, obj, jiffies: this.jiffies, hit: this.inj.hits });
    throw this.failure;
  }

  invariant(cpu: Cpu, text: string): never {
    return this.fail({ status: 'Invariant', cpu: cpu.id }, text);
  }

  ctxName(cpu: Cpu): ReturnType<typeof ctxName> {
    return ctxName(cpu.ctx);
  }
}
