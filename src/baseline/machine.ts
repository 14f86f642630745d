// TsMachine: the pure-TypeScript baseline, the readable executable form of docs/model.md. Every
// command on a CPU goes through `command()`: checks in the documented order (§11) — poisoned
// machine, cpu, the other arguments, CpuIdle — then the rule (which checks its own conditions
// before changing anything), then the CPU's end-of-command irq-enabled point (§3). The rules live
// in the kernel-named files; this file only maps the camelCase API onto them.
//
// Commands called from an at() hook (inject.ts) are *nested commands* (docs/model.md §16.4): they run
// their checks and rule exactly, but not the end-of-command irq-enabled point, which belongs to the
// interrupted outer command; the commands that move time or change programs are refused there.
import { ctxName, CTX_NAMES } from '../events.js';
import { HANDLE_TABLE_SIZE, type CommandName } from '../messages.js';
import { Ctx, IrqWorkFn, Status } from '../shared/codes.js';
import { POINT_NAMES, pointId } from '../points.js';
import { encodeProgram } from '../program.js';
import type {
  CpuInfo, CtxName, Failure, IrqWorkInfo, IrqWorkInit, KrcInfo, MemoryInfo, ObjInfo, PointHit, PointName, ProgramOp, RcuMachine,
  ResolvedOptions, RunInfo, Stats, TraceEvent,
} from '../types.js';
import { kvfreeRcuBarrier } from './barrier.js';
import { Contexts } from './context.js';
import type { Cpu } from './cpu.js';
import { IRQ_WORK_BUSY, IRQ_WORK_LAZY, IRQ_WORK_PENDING, IrqWork, irqWorkQueue } from './irq_work.js';
import { addHook } from './inject.js';
import { Kernel } from './kernel.js';
import { kvfreeCallRcu, kvfreeRcuInit } from './krc.js';
import { Llist } from './llist.js';
import { kfreeCallRcuNolock, kfreeRcuNolockInit } from './nolock.js';
import { llistAdd, llistDelAll } from './llist_ops.js';
import { heldByTopFrame, SpinLock, spinLock, spinTrylock, spinUnlock } from './lock.js';
import * as rcu from './rcu.js';
import type { SlabObject } from './slab.js';
import { kfreeRcuShrink } from './page_cache.js';
import { allocPage, freePage, kfreeInternal, kmalloc, vmalloc } from './slab_ops.js';
import { globalTick, irqEnabledPoint } from './tick.js';
import { Check, U31_MAX } from './validate.js';
import * as wq from './workqueue.js';
import { loadProgram, run } from './workload.js';

const IRQ_WORK_FNS: Record<string, IrqWorkFn> = { nop: IrqWorkFn.Nop, requeue: IrqWorkFn.Requeue, 'llist-call-rcu': IrqWorkFn.LlistCallRcu };
const none = (): null => null;
/** CPU commands that may block (time moves) or change programs: refused inside an at() hook. */
const NOT_IN_HOOK: ReadonlySet<CommandName> = new Set(['synchronizeRcu', 'kvfreeRcu', 'kvfreeRcuBarrier', 'loadProgram']);

export class TsMachine implements RcuMachine {
  readonly impl = 'ts' as const;
  readonly options: Readonly<ResolvedOptions>;
  private readonly k: Kernel;
  private readonly check: Check;
  private readonly ctx: Contexts;

  constructor(options: ResolvedOptions) {
    this.options = Object.freeze({ ...options });
    this.k = new Kernel(this.options);
    this.check = new Check(this.k);
    this.ctx = new Contexts(this.k, this.check);
    kvfreeRcuInit(this.k);
    kfreeRcuNolockInit(this.k);
    this.k.inj.machine = this;
    this.k.inj.ctx = this.ctx;
  }

  /** Every method but the results group starts here: a poisoned machine rethrows its failure. */
  private begin(command: CommandName, args: readonly unknown[]): void {
    if (this.k.failure) throw this.k.failure;
    this.k.command = command;
    this.k.args = args;
  }

  /**
   * A command on a CPU: `resolve` checks the arguments after the cpu, then CpuIdle (unless
   * `whenIdle`), then `rule`, then the CPU's irq-enabled point.
   */
  private command<A, T>(name: CommandName, args: unknown[], resolve: () => A, rule: (c: Cpu, a: A) => T, whenIdle = false): T {
    this.begin(name, args);
    if (NOT_IN_HOOK.has(name)) this.notInHook();
    const c = this.check.cpu(args[0]);
    const a = resolve();
    if (!whenIdle) this.check.awake(c);
    const result = rule(c, a);
    if (!this.k.inj.inHook) irqEnabledPoint(this.k, c);
    return result;
  }

  /** Commands that move time or change programs cannot run inside an at() hook. */
  private notInHook(): void {
    if (this.k.inj.inHook) this.check.fail(Status.BadContext, { inHook: true });
  }

  private query(name: CommandName, args: unknown[]): void {
    this.begin(name, args);
  }

  private obj(v: unknown): SlabObject {
    return this.check.handle(this.k.slab.objects, v, 'obj');
  }

  private lock(v: unknown): SpinLock {
    return this.check.handle(this.k.locks, v, 'lock');
  }

  /** `args`: the command's own arguments, for the TableFull message (createIrqWork's init). */
  private newHandle<T>(name: CommandName, table: T[], make: (id: number) => T, args: readonly unknown[] = []): number {
    this.begin(name, args);
    if (table.length >= HANDLE_TABLE_SIZE) this.check.fail(Status.TableFull);
    table.push(make(table.length));
    return table.length - 1;
  }

  // -- clock -------------------------------------------------------------------------------------
  now(): number {
    this.query('advance', []);
    return this.k.now;
  }

  jiffies(): number {
    this.query('advance', []);
    return this.k.jiffies;
  }

  advance(n: number): void {
    this.query('advance', [n]);
    this.notInHook();
    const ticks = this.check.int(n, 0, U31_MAX, 'n');
    for (let i = 0; i < ticks; i++) globalTick(this.k);
  }

  // -- CPU contexts (context.ts) -----------------------------------------------------------------
  enter(cpu: number, ctx: Exclude<CtxName, 'task'>): void {
    const kind = (): Ctx => {
      const i = CTX_NAMES.indexOf(ctx);
      return i > Ctx.Task ? i : this.check.fail(Status.BadArgument, { arg: 'ctx' });
    };
    this.command('enter', [cpu, ctx], kind, (c, k) => this.ctx.enter(c, k));
  }

  exit(cpu: number): void {
    this.command('exit', [cpu], none, (c) => this.ctx.exit(c));
  }

  localIrqSave(cpu: number): void {
    this.command('localIrqSave', [cpu], none, (c) => this.ctx.localIrqSave(c));
  }

  localIrqRestore(cpu: number): void {
    this.command('localIrqRestore', [cpu], none, (c) => this.ctx.localIrqRestore(c));
  }

  preemptDisable(cpu: number): void {
    this.command('preemptDisable', [cpu], none, (c) => this.ctx.preemptDisable(c));
  }

  preemptEnable(cpu: number): void {
    this.command('preemptEnable', [cpu], none, (c) => this.ctx.preemptEnable(c));
  }

  rcuReadLock(cpu: number): void {
    this.command('rcuReadLock', [cpu], none, (c) => this.ctx.rcuReadLock(c));
  }

  rcuReadUnlock(cpu: number): void {
    this.command('rcuReadUnlock', [cpu], none, (c) => this.ctx.rcuReadUnlock(c));
  }

  condResched(cpu: number): void {
    this.command('condResched', [cpu], none, (c) => this.ctx.condResched(c));
  }

  setIdle(cpu: number, idle: boolean): void {
    const flag = (): boolean => (typeof idle === 'boolean' ? idle : this.check.fail(Status.BadArgument, { arg: 'idle' }));
    this.command('setIdle', [cpu, idle], flag, (c, f) => this.ctx.setIdle(c, f), true);
  }

  cpuInfo(cpu: number): CpuInfo {
    this.query('cpuInfo', [cpu]);
    const c = this.check.cpu(cpu);
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

  // -- simulated memory (slab_ops.ts) ------------------------------------------------------------
  kmalloc(cpu: number): number {
    return this.command('kmalloc', [cpu], none, (c) => {
      if (!this.k.slab.canAlloc()) this.check.fail(Status.OutOfObjects);
      return kmalloc(this.k, c);
    });
  }

  kfree(cpu: number, obj: number): void {
    this.command('kfree', [cpu, obj], () => this.obj(obj), (c, o) => {
      if (o.state === 'free') this.check.fail(Status.DoubleFree);
      if (o.state === 'queued') this.check.fail(Status.AlreadyQueued);
      kfreeInternal(this.k, c, o);
    });
  }

  objInfo(obj: number): ObjInfo {
    this.query('objInfo', [obj]);
    const o = this.obj(obj);
    return { state: o.state, snap: o.state === 'queued' ? o.snap : 0 };
  }

  liveObjects(): Map<number, number> {
    this.query('liveObjects', []);
    const live = new Map<number, number>();
    for (const o of this.k.slab.objects) if (o.state !== 'free') live.set(o.id, o.state === 'queued' ? o.snap : 0);
    return live;
  }

  allocPage(cpu: number): number {
    return this.command('allocPage', [cpu], none, (c) => allocPage(this.k, c));
  }

  freePage(cpu: number, page: number): void {
    const resolve = () => {
      const p = this.check.handle(this.k.pages.pages, page, 'page');
      // Only pages handed out by allocPage: bulk and cached pages belong to kvfree_rcu (§16.3).
      return p.kernel ? this.check.fail(Status.BadHandle, { arg: 'page' }) : p;
    };
    this.command('freePage', [cpu, page], resolve, (c, p) => {
      if (p.free) this.check.fail(Status.DoubleFree);
      freePage(this.k, c, p.id);
    });
  }

  failNextPageAllocs(n: number): void {
    this.query('failNextPageAllocs', [n]);
    this.k.failNextPageAllocs = this.check.int(n, 0, U31_MAX, 'n');
  }

  // -- locks, llist, irq_work --------------------------------------------------------------------
  createLock(): number {
    return this.newHandle('createLock', this.k.locks, (id) => new SpinLock(id));
  }

  spinLock(cpu: number, lock: number): void {
    this.command('spinLock', [cpu, lock], () => this.lock(lock), (c, l) => {
      if (l.holder !== null && l.holder.cpu !== c) this.check.fail(Status.LockHeldRemote);
      spinLock(this.k, c, l);
    });
  }

  spinTrylock(cpu: number, lock: number): boolean {
    return this.command('spinTrylock', [cpu, lock], () => this.lock(lock), (c, l) => spinTrylock(this.k, c, l));
  }

  spinUnlock(cpu: number, lock: number): void {
    this.command('spinUnlock', [cpu, lock], () => this.lock(lock), (c, l) => {
      if (!heldByTopFrame(c, l)) this.check.fail(Status.NotHeld);
      spinUnlock(this.k, c, l);
    });
  }

  createLlist(): number {
    return this.newHandle('createLlist', this.k.llists, () => new Llist());
  }

  llistAdd(cpu: number, llist: number, obj: number): boolean {
    const resolve = () => {
      this.check.handle(this.k.llists, llist, 'llist');
      return this.obj(obj);
    };
    return this.command('llistAdd', [cpu, llist, obj], resolve, (c, o) => {
      if (o.state === 'free') this.check.fail(Status.NotAllocated);
      if (o.state === 'queued') this.check.fail(Status.AlreadyQueued);
      return llistAdd(this.k, c, llist, o);
    });
  }

  llistDelAll(cpu: number, llist: number): number[] {
    const resolve = () => this.check.handle(this.k.llists, llist, 'llist');
    return this.command('llistDelAll', [cpu, llist], resolve, (c) => llistDelAll(this.k, c, llist).map((o) => o.id));
  }

  createIrqWork(init: IrqWorkInit): number {
    this.begin('createIrqWork', [init]);
    if (init === null || typeof init !== 'object' || Array.isArray(init)) this.check.fail(Status.BadArgument, { arg: 'init' });
    if (!Object.hasOwn(IRQ_WORK_FNS, init.fn)) this.check.fail(Status.BadArgument, { arg: 'init.fn' });
    const fn = IRQ_WORK_FNS[init.fn];
    const lazy = init.lazy ?? false;
    if (typeof lazy !== 'boolean') this.check.fail(Status.BadArgument, { arg: 'init.lazy' });
    const arg = this.check.int(init.arg ?? 0, 0, U31_MAX, 'init.arg');
    if (fn === IrqWorkFn.LlistCallRcu) this.check.handle(this.k.llists, arg, 'init.arg');
    return this.newHandle('createIrqWork', this.k.irqWorks, (id) => new IrqWork(id, lazy ? IRQ_WORK_LAZY : 0, fn, arg), [init]);
  }

  irqWorkQueue(cpu: number, work: number): boolean {
    const resolve = () => this.check.handle(this.k.irqWorks, work, 'work');
    return this.command('irqWorkQueue', [cpu, work], resolve, (c, w) => irqWorkQueue(this.k, c, w));
  }

  irqWorkInfo(work: number): IrqWorkInfo {
    this.query('irqWorkInfo', [work]);
    const w = this.check.handle(this.k.irqWorks, work, 'work');
    return {
      pending: (w.flags & IRQ_WORK_PENDING) !== 0,
      busy: (w.flags & IRQ_WORK_BUSY) !== 0,
      lazy: (w.flags & IRQ_WORK_LAZY) !== 0,
      cpu: w.cpu,
    };
  }

  // -- workqueues and timers (workqueue.ts, timer.ts) --------------------------------------------
  createDelayedWork(): number {
    return this.newHandle('createDelayedWork', this.k.dworks, (id) => new wq.DelayedWork(id));
  }

  /** The four work commands: cpu, dwork, [delay]. */
  private workCommand<T>(name: CommandName, args: unknown[], rule: (c: Cpu, dw: wq.DelayedWork, delay: number) => T): T {
    const resolve = () => ({
      dw: this.check.handle(this.k.dworks, args[1], 'dwork'),
      delay: args.length > 2 ? this.check.int(args[2], 0, U31_MAX, 'delay') : 0,
    });
    return this.command(name, args, resolve, (c, a) => rule(c, a.dw, a.delay));
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
    this.query('delayedWorkPending', [dwork]);
    return this.check.handle(this.k.dworks, dwork, 'dwork').pending;
  }

  // -- RCU (rcu.ts) ------------------------------------------------------------------------------
  gpSeq(): number {
    this.query('advance', []);
    return this.k.gpSeq;
  }

  getStateSynchronizeRcu(): number {
    this.query('advance', []);
    return rcu.getStateSynchronizeRcu(this.k);
  }

  startPollSynchronizeRcu(cpu: number): number {
    return this.command('startPollSynchronizeRcu', [cpu], none, () => rcu.startPollSynchronizeRcu(this.k));
  }

  pollStateSynchronizeRcu(cookie: number): boolean {
    this.query('pollStateSynchronizeRcu', [cookie]);
    return rcu.pollStateSynchronizeRcu(this.k, this.check.int(cookie, 0, 0xffffffff, 'cookie'));
  }

  /** call_rcu() is not NMI-safe: refused in nmi and probe context. */
  callRcu(cpu: number, obj: number): void {
    this.command('callRcu', [cpu, obj], () => this.obj(obj), (c, o) => {
      if (c.ctx === Ctx.Nmi || c.ctx === Ctx.Probe) this.check.fail(Status.BadContext);
      if (o.state === 'free') this.check.fail(Status.NotAllocated);
      if (o.state === 'queued' && o.where !== 'detached') this.check.fail(Status.AlreadyQueued);
      rcu.callRcu(this.k, c, o);
    });
  }

  synchronizeRcu(cpu: number): void {
    this.command('synchronizeRcu', [cpu], none, (c) => this.ctx.synchronizeRcu(c));
  }

  // -- kvfree_rcu (krc.ts, monitor.ts, page_cache.ts, barrier.ts) -------------------------------
  vmalloc(cpu: number): number {
    return this.command('vmalloc', [cpu], none, (c) => {
      if (!this.k.slab.canAlloc()) this.check.fail(Status.OutOfObjects);
      return vmalloc(this.k, c);
    });
  }

  /** kvfree_call_rcu()'s object rule: it must be allocated (NotAllocated if free). */
  private allocated(o: SlabObject): void {
    if (o.state === 'free') this.check.fail(Status.NotAllocated);
    if (o.state === 'queued') this.check.fail(Status.AlreadyQueued);
  }

  /** kfree_rcu(ptr, rhf): any context; with batched: false it is call_rcu(), which NMIs may not use. */
  kfreeRcu(cpu: number, obj: number): void {
    this.command('kfreeRcu', [cpu, obj], () => this.obj(obj), (c, o) => {
      if (!this.options.batched && (c.ctx === Ctx.Nmi || c.ctx === Ctx.Probe)) this.check.fail(Status.BadContext);
      this.allocated(o);
      kvfreeCallRcu(this.k, c, o, false);
    });
  }

  /** kvfree_rcu(ptr) headless: might sleep, so a sleepable task only; may fall back to synchronize_rcu(). */
  kvfreeRcu(cpu: number, obj: number): void {
    this.command('kvfreeRcu', [cpu, obj], () => this.obj(obj), (c, o) => {
      if (!c.quiescentHere()) this.check.fail(Status.BadContext);
      this.allocated(o);
      if (kvfreeCallRcu(this.k, c, o, true).inline) {
        this.ctx.synchronizeRcu(c); // RcuStall leaves the object queued (leaked), as documented
        kfreeInternal(this.k, c, o);
      }
    });
  }

  kvfreeRcuBarrier(cpu: number): void {
    this.command('kvfreeRcuBarrier', [cpu], none, (c) => {
      if (!c.quiescentHere()) this.check.fail(Status.BadContext);
      kvfreeRcuBarrier(this.k, c, this.check);
    });
  }

  shrink(cpu: number, nrToScan: number): number {
    const n = () => this.check.int(nrToScan, 1, U31_MAX, 'nrToScan');
    return this.command('shrink', [cpu, nrToScan], n, (c, nr) => {
      if (!c.quiescentHere()) this.check.fail(Status.BadContext);
      return kfreeRcuShrink(this.k, c, nr);
    });
  }

  krcInfo(cpu: number): KrcInfo {
    this.query('krcInfo', [cpu]);
    const c = this.check.cpu(cpu);
    const krc = this.k.krcs[c.id];
    if (krc === undefined) {
      return {
        headCount: 0, bulkCount: [0, 0], bulkPages: [0, 0], cachedPages: 0, krwBusy: [false, false],
        monitorPending: false, workInProgress: false, backoff: false, llistCount: this.k.nolock[c.id].count(),
      };
    }
    return {
      headCount: krc.headCount,
      bulkCount: [krc.bulkCount[0], krc.bulkCount[1]],
      bulkPages: [krc.bulkHead[0].length, krc.bulkHead[1].length],
      cachedPages: krc.nrBkvObjs,
      krwBusy: [krc.krwArr[0].busy(), krc.krwArr[1].busy()],
      monitorPending: krc.monitorWork.pending,
      workInProgress: krc.workInProgress,
      backoff: krc.backoffPageCacheFill,
      llistCount: this.k.nolock[c.id].count(),
    };
  }

  /** kfree_rcu_nolock(ptr, rhf): any context; 2-argument only (a headless caller could not wait). */
  kfreeRcuNolock(cpu: number, obj: number, opts?: { headless?: boolean }): void {
    const resolve = () => {
      const o = this.obj(obj);
      if (opts !== undefined) {
        const ok = opts !== null && typeof opts === 'object' && !Array.isArray(opts) &&
          Object.keys(opts).every((key) => key === 'headless') && (opts.headless === undefined || opts.headless === false);
        if (!ok) this.check.fail(Status.BadArgument, { arg: 'opts' });
      }
      return o;
    };
    this.command('kfreeRcuNolock', [cpu, obj, opts], resolve, (c, o) => {
      this.allocated(o);
      kfreeCallRcuNolock(this.k, c, o);
    });
  }

  at(point: PointName, fn: (m: RcuMachine, hit: PointHit) => void): () => void {
    this.begin('at', [point, fn]);
    if (!(POINT_NAMES as readonly unknown[]).includes(point)) this.check.fail(Status.BadArgument, { arg: 'point' });
    if (typeof fn !== 'function') this.check.fail(Status.BadArgument, { arg: 'fn' });
    return addHook(this.k, pointId(point), fn);
  }

  memoryInfo(): MemoryInfo {
    this.query('memoryInfo', []);
    const objects = this.k.slab.inUse;
    const pages = this.k.pages.inUse;
    return {
      objects, pages, bytes: objects * this.options.objSize + pages * 4096,
      queued: this.k.chk.queued, kernelPages: this.k.pages.kernelInUse,
      waitingBytes: this.k.waitingBytes(), peakWaitingBytes: this.k.peakWaitingBytes,
    };
  }

  // -- workloads (workload.ts) -------------------------------------------------------------------
  loadProgram(cpu: number, ops: ProgramOp[]): void {
    const words = (): Uint32Array => encodeProgram(ops);
    this.command('loadProgram', [cpu, ops], words, (c, w) => {
      const p = this.k.workload.programs[c.id];
      if (!c.quiescentHere() || (p !== null && p.state !== 'done')) this.check.fail(Status.BadContext);
      loadProgram(this.k, this.ctx, c, w);
    }, true);
  }

  run(maxJiffies: number): boolean {
    this.query('run', [maxJiffies]);
    this.notInHook();
    return run(this.k, this.ctx, this.check.int(maxJiffies, 0, U31_MAX, 'maxJiffies'));
  }

  runInfo(): RunInfo {
    this.query('runInfo', []);
    return this.k.workload.info();
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
    this.query('random', []);
    return this.k.prng.next();
  }
}
