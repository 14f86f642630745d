// TsMachine: the pure-TypeScript baseline, the readable executable form of docs/model.md. Each
// API method checks its arguments in the documented order (§11) — poisoned machine, cpu, other
// arguments, CpuIdle, the command's own rules — and only then changes state; commands on a CPU
// end with that CPU's irq-enabled point (§3). The rules live in the kernel-named files.
import { ctxName, CTX_NAMES } from '../events.js';
import { HANDLE_TABLE_SIZE, type CommandName } from '../messages.js';
import { Ctx, IrqWorkFn, Status } from '../shared/codes.js';
import type {
  CpuInfo, CtxName, Failure, IrqWorkInfo, IrqWorkInit, ObjInfo, RcuMachine, ResolvedOptions, Stats, TraceEvent,
} from '../types.js';
import type { Cpu } from './cpu.js';
import { IRQ_WORK_BUSY, IRQ_WORK_LAZY, IRQ_WORK_PENDING, IrqWork, irqWorkQueue } from './irq_work.js';
import { Kernel } from './kernel.js';
import { Llist } from './llist.js';
import { llistAdd, llistDelAll } from './llist_ops.js';
import { heldByTopFrame, SpinLock, spinLock, spinTrylock, spinUnlock } from './lock.js';
import * as rcu from './rcu.js';
import { allocPage, freePage, kfreeInternal, kmalloc } from './slab_ops.js';
import { Contexts } from './context.js';
import { globalTick, irqEnabledPoint } from './tick.js';
import { Check, U31_MAX } from './validate.js';
import * as wq from './workqueue.js';

const IRQ_WORK_FNS: Record<string, IrqWorkFn> = { nop: IrqWorkFn.Nop, requeue: IrqWorkFn.Requeue, 'llist-call-rcu': IrqWorkFn.LlistCallRcu };

export class TsMachine implements RcuMachine {
  readonly impl = 'ts' as const;
  readonly options: Readonly<ResolvedOptions>;
  private readonly k: Kernel;
  private readonly check: Check;
  private readonly ctxOps: Contexts;

  constructor(options: ResolvedOptions) {
    this.options = Object.freeze({ ...options });
    this.k = new Kernel(this.options);
    this.check = new Check(this.k);
    this.ctxOps = new Contexts(this.k, this.check);
  }

  /** Every method but the results group starts here: a poisoned machine rethrows its failure. */
  private begin(command: CommandName, args: readonly unknown[]): void {
    if (this.k.failure) throw this.k.failure;
    this.k.command = command;
    this.k.args = args;
  }

  /** begin + BadCpu; handle checks follow, then `awake`. */
  private on(command: CommandName, args: readonly unknown[]): Cpu {
    this.begin(command, args);
    return this.check.cpu(args[0]);
  }

  /** Queries: only the poisoned check. */
  private alive(): void {
    if (this.k.failure) throw this.k.failure;
  }

  private awake(cpu: Cpu): Cpu {
    this.check.awake(cpu);
    return cpu;
  }

  // -- clock -------------------------------------------------------------------------------------
  now(): number {
    this.alive();
    return this.k.now;
  }

  jiffies(): number {
    this.alive();
    return this.k.jiffies;
  }

  advance(n: number): void {
    this.begin('advance', [n]);
    const ticks = this.check.int(n, 0, U31_MAX, 'n');
    for (let i = 0; i < ticks; i++) globalTick(this.k);
  }

  // -- CPU contexts (context.ts) ---------------------------------------------------------------
  enter(cpu: number, ctx: Exclude<CtxName, 'task'>): void {
    const c = this.on('enter', [cpu, ctx]);
    const kind = CTX_NAMES.indexOf(ctx as CtxName);
    if (kind <= Ctx.Task) this.check.fail(Status.BadArgument, { arg: 'ctx' });
    this.ctxOps.enter(this.awake(c), kind as Ctx);
    irqEnabledPoint(this.k, c);
  }

  exit(cpu: number): void {
    this.ctxOps.exit(this.awake(this.on('exit', [cpu])));
  }

  localIrqSave(cpu: number): void {
    this.ctxOps.localIrqSave(this.awake(this.on('localIrqSave', [cpu])));
  }

  localIrqRestore(cpu: number): void {
    this.ctxOps.localIrqRestore(this.awake(this.on('localIrqRestore', [cpu])));
  }

  preemptDisable(cpu: number): void {
    this.ctxOps.preemptDisable(this.awake(this.on('preemptDisable', [cpu])));
  }

  preemptEnable(cpu: number): void {
    this.ctxOps.preemptEnable(this.awake(this.on('preemptEnable', [cpu])));
  }

  rcuReadLock(cpu: number): void {
    this.ctxOps.rcuReadLock(this.awake(this.on('rcuReadLock', [cpu])));
  }

  rcuReadUnlock(cpu: number): void {
    this.ctxOps.rcuReadUnlock(this.awake(this.on('rcuReadUnlock', [cpu])));
  }

  condResched(cpu: number): void {
    this.ctxOps.condResched(this.awake(this.on('condResched', [cpu])));
  }

  setIdle(cpu: number, idle: boolean): void {
    const c = this.on('setIdle', [cpu, idle]);
    if (typeof idle !== 'boolean') this.check.fail(Status.BadArgument, { arg: 'idle' });
    this.ctxOps.setIdle(c, idle);
  }

  cpuInfo(cpu: number): CpuInfo {
    const c = this.on('cpuInfo', [cpu]);
    return {
      ctx: c.frames.map((f) => ctxName(f.kind)),
      irqsDisabled: c.irqsDisabled(),
      irqDepth: c.irqDepth,
      preemptCount: c.preemptCount,
      rcuNesting: c.rcuNesting,
      idle: c.idle,
      tickPending: c.tickPending,
      ipiPending: c.ipiPending,
    };
  }

  // -- simulated memory --------------------------------------------------------------------------
  kmalloc(cpu: number): number {
    const c = this.awake(this.on('kmalloc', [cpu]));
    if (!this.k.slab.canAlloc()) this.check.fail(Status.OutOfObjects);
    const obj = kmalloc(this.k, c);
    irqEnabledPoint(this.k, c);
    return obj;
  }

  kfree(cpu: number, obj: number): void {
    const c = this.on('kfree', [cpu, obj]);
    const o = this.check.handle(this.k.slab.objects, obj, 'obj');
    this.awake(c);
    if (o.state === 'free') this.check.fail(Status.DoubleFree);
    if (o.state === 'queued') this.check.fail(Status.AlreadyQueued);
    kfreeInternal(this.k, c, o);
    irqEnabledPoint(this.k, c);
  }

  objInfo(obj: number): ObjInfo {
    this.begin('objInfo', [obj]);
    const o = this.check.handle(this.k.slab.objects, obj, 'obj');
    return { state: o.state, snap: o.state === 'queued' ? o.snap : 0 };
  }

  allocPage(cpu: number): number {
    const c = this.awake(this.on('allocPage', [cpu]));
    const page = allocPage(this.k, c);
    irqEnabledPoint(this.k, c);
    return page;
  }

  freePage(cpu: number, page: number): void {
    const c = this.on('freePage', [cpu, page]);
    const p = this.check.handle(this.k.pages.pages, page, 'page');
    this.awake(c);
    if (p.free) this.check.fail(Status.DoubleFree);
    freePage(this.k, c, p.id);
    irqEnabledPoint(this.k, c);
  }

  failNextPageAllocs(n: number): void {
    this.begin('failNextPageAllocs', [n]);
    this.k.failNextPageAllocs = this.check.int(n, 0, U31_MAX, 'n');
  }

  // -- locks, llist, irq_work --------------------------------------------------------------------
  private tableSlot(table: readonly unknown[]): number {
    if (table.length >= HANDLE_TABLE_SIZE) this.check.fail(Status.TableFull);
    return table.length;
  }

  createLock(): number {
    this.begin('createLock', []);
    const id = this.tableSlot(this.k.locks);
    this.k.locks.push(new SpinLock(id));
    return id;
  }

  spinLock(cpu: number, lock: number): void {
    const c = this.on('spinLock', [cpu, lock]);
    const l = this.check.handle(this.k.locks, lock, 'lock');
    this.awake(c);
    if (l.holder !== null && l.holder.cpu !== c) this.check.fail(Status.LockHeldRemote);
    spinLock(this.k, c, l);
    irqEnabledPoint(this.k, c);
  }

  spinTrylock(cpu: number, lock: number): boolean {
    const c = this.on('spinTrylock', [cpu, lock]);
    const l = this.check.handle(this.k.locks, lock, 'lock');
    const taken = spinTrylock(this.k, this.awake(c), l);
    irqEnabledPoint(this.k, c);
    return taken;
  }

  spinUnlock(cpu: number, lock: number): void {
    const c = this.on('spinUnlock', [cpu, lock]);
    const l = this.check.handle(this.k.locks, lock, 'lock');
    this.awake(c);
    if (!heldByTopFrame(c, l)) this.check.fail(Status.NotHeld);
    spinUnlock(this.k, c, l);
    irqEnabledPoint(this.k, c);
  }

  createLlist(): number {
    this.begin('createLlist', []);
    const id = this.tableSlot(this.k.llists);
    this.k.llists.push(new Llist());
    return id;
  }

  llistAdd(cpu: number, llist: number, obj: number): boolean {
    const c = this.on('llistAdd', [cpu, llist, obj]);
    this.check.handle(this.k.llists, llist, 'llist');
    const o = this.check.handle(this.k.slab.objects, obj, 'obj');
    this.awake(c);
    if (o.state === 'free') this.check.fail(Status.NotAllocated);
    if (o.state === 'queued') this.check.fail(Status.AlreadyQueued);
    const wasEmpty = llistAdd(this.k, c, llist, o);
    irqEnabledPoint(this.k, c);
    return wasEmpty;
  }

  llistDelAll(cpu: number, llist: number): number[] {
    const c = this.on('llistDelAll', [cpu, llist]);
    this.check.handle(this.k.llists, llist, 'llist');
    const objs = llistDelAll(this.k, this.awake(c), llist).map((o) => o.id);
    irqEnabledPoint(this.k, c);
    return objs;
  }

  createIrqWork(init: IrqWorkInit): number {
    this.begin('createIrqWork', [init]);
    if (init === null || typeof init !== 'object' || Array.isArray(init)) this.check.fail(Status.BadArgument, { arg: 'init' });
    const fn = IRQ_WORK_FNS[init.fn as string];
    if (fn === undefined || !Object.hasOwn(IRQ_WORK_FNS, init.fn)) this.check.fail(Status.BadArgument, { arg: 'init.fn' });
    const lazy = init.lazy ?? false;
    if (typeof lazy !== 'boolean') this.check.fail(Status.BadArgument, { arg: 'init.lazy' });
    const arg = this.check.int(init.arg ?? 0, 0, U31_MAX, 'init.arg');
    if (fn === IrqWorkFn.LlistCallRcu) this.check.handle(this.k.llists, arg, 'init.arg');
    const id = this.tableSlot(this.k.irqWorks);
    this.k.irqWorks.push(new IrqWork(id, lazy ? IRQ_WORK_LAZY : 0, fn, arg));
    return id;
  }

  irqWorkQueue(cpu: number, work: number): boolean {
    const c = this.on('irqWorkQueue', [cpu, work]);
    const w = this.check.handle(this.k.irqWorks, work, 'work');
    const queued = irqWorkQueue(this.k, this.awake(c), w);
    irqEnabledPoint(this.k, c);
    return queued;
  }

  irqWorkInfo(work: number): IrqWorkInfo {
    this.begin('irqWorkInfo', [work]);
    const w = this.check.handle(this.k.irqWorks, work, 'work');
    return {
      pending: (w.flags & IRQ_WORK_PENDING) !== 0,
      busy: (w.flags & IRQ_WORK_BUSY) !== 0,
      lazy: (w.flags & IRQ_WORK_LAZY) !== 0,
      cpu: w.cpu,
    };
  }

  // -- workqueues and timers ---------------------------------------------------------------------
  createDelayedWork(): number {
    this.begin('createDelayedWork', []);
    const id = this.tableSlot(this.k.dworks);
    this.k.dworks.push(new wq.DelayedWork(id));
    return id;
  }

  /** The shape shared by the four work commands: cpu, dwork, [delay], then the rule. */
  private workCommand<T>(command: CommandName, args: unknown[], rule: (c: Cpu, dw: wq.DelayedWork, delay: number) => T): T {
    const c = this.on(command, args);
    const dw = this.check.handle(this.k.dworks, args[1], 'dwork');
    const delay = args.length > 2 ? this.check.int(args[2], 0, U31_MAX, 'delay') : 0;
    const result = rule(this.awake(c), dw, delay);
    irqEnabledPoint(this.k, c);
    return result;
  }

  queueWork(cpu: number, dwork: number): boolean {
    return this.workCommand('queueWork', [cpu, dwork], (c, dw) => wq.queueWork(this.k, c, dw));
  }

  queueDelayedWork(cpu: number, dwork: number, delay: number): boolean {
    return this.workCommand('queueDelayedWork', [cpu, dwork, delay], (c, dw, d) => wq.queueDelayedWork(this.k, c, dw, d));
  }

  modDelayedWork(cpu: number, dwork: number, delay: number): boolean {
    return this.workCommand('modDelayedWork', [cpu, dwork, delay], (c, dw, d) => wq.modDelayedWork(this.k, c, dw, d));
  }

  cancelDelayedWork(cpu: number, dwork: number): boolean {
    return this.workCommand('cancelDelayedWork', [cpu, dwork], (c, dw) => wq.cancelDelayedWork(this.k, c, dw));
  }

  delayedWorkPending(dwork: number): boolean {
    this.begin('delayedWorkPending', [dwork]);
    return this.check.handle(this.k.dworks, dwork, 'dwork').pending;
  }

  // -- RCU ---------------------------------------------------------------------------------------
  gpSeq(): number {
    this.alive();
    return this.k.gpSeq;
  }

  getStateSynchronizeRcu(): number {
    this.alive();
    return rcu.getStateSynchronizeRcu(this.k);
  }

  startPollSynchronizeRcu(cpu: number): number {
    const c = this.awake(this.on('startPollSynchronizeRcu', [cpu]));
    const cookie = rcu.startPollSynchronizeRcu(this.k);
    irqEnabledPoint(this.k, c);
    return cookie;
  }

  pollStateSynchronizeRcu(cookie: number): boolean {
    this.begin('pollStateSynchronizeRcu', [cookie]);
    return rcu.pollStateSynchronizeRcu(this.k, this.check.int(cookie, 0, 0xffffffff, 'cookie'));
  }

  callRcu(cpu: number, obj: number): void {
    const c = this.on('callRcu', [cpu, obj]);
    const o = this.check.handle(this.k.slab.objects, obj, 'obj');
    this.awake(c);
    if (c.ctx === Ctx.Nmi || c.ctx === Ctx.Probe) this.check.fail(Status.BadContext);
    if (o.state === 'free') this.check.fail(Status.NotAllocated);
    if (o.state === 'queued' && o.where !== 'detached') this.check.fail(Status.AlreadyQueued);
    rcu.callRcu(this.k, c, o);
    irqEnabledPoint(this.k, c);
  }

  synchronizeRcu(cpu: number): void {
    this.ctxOps.synchronizeRcu(this.awake(this.on('synchronizeRcu', [cpu])));
  }

  // -- results (usable after a failure) ----------------------------------------------------------
  stats(): Stats {
    return this.k.stats.snapshot();
  }

  trace(): TraceEvent[] {
    return this.k.trace.events();
  }

  traceCount(): number {
    return this.k.trace.total();
  }

  traceDigest(): number {
    return this.k.trace.hash();
  }

  failure(): Failure | null {
    return this.k.failure ? { ...this.k.failure.failure } : null;
  }

  random(): number {
    this.begin('random', []);
    return this.k.prng.next();
  }
}
