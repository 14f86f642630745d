// WasmMachine: the RcuMachine backed by the AssemblyScript core (assembly/). It holds no machine
// logic: it converts arguments to u32 (anything that is not an integer 0..2^32-1 becomes
// 0xffffffff, which the core rejects with the right status in the documented check order), calls
// the core, maps a Status to RcuError / RcuMachineFailure with the shared message text
// (src/messages.ts), and reads stats and trace through views of the core's memory (sized once at
// init, never grown, so the views stay valid). camelCase API names map to the core's kernel names
// here and nowhere else.
//
// at() hooks (docs/model.md §16.4): the core calls the imported `on_point` only for points whose
// bit is set in its hook mask, so a machine without hooks never leaves Wasm at a point. A hook may
// call commands (nested commands): they re-enter the core, so everything per call lives on the JS
// stack, and onPoint() saves/restores what the outer call still needs (the command being executed,
// for messages; the core's result registers and pending chain).
import { RcuError, RcuMachineFailure, statusName } from '../errors.js';
import { CTX_NAMES, ctxName, makeEvent, statsFromRows } from '../events.js';
import { COMMAND_PARAMS, rcuErrorMessage, type CommandName, type MessageInfo } from '../messages.js';
import { encodeProgram } from '../program.js';
import { MONITOR_ARMS, NOLOCK_GATES } from '../options.js';
import { POINT_NAMES, pointId, pointName } from '../points.js';
import { CheckWhat, Ctx, InjectKind, IrqWorkFn, Op, Stat, Status, STATUS_FATAL } from '../shared/codes.js';
import { mutantCode, ruleMask, ruleName, violationText, WHAT_RULE } from '../checker.js';
import type {
  CpuInfo, CtxName, Failure, InjectKindName, IrqWorkInfo, IrqWorkInit, KrcInfo, MemoryInfo, ObjInfo, PointHit, PointName,
  ProgramOp, RcuMachine, ResolvedOptions, RunInfo, Stats, TraceEvent,
} from '../types.js';
import { instantiateCore, isCoreTrap, WasmAbort, type Cmd1, type Cmd2, type Cmd3, type CoreExports } from './load.js';

const NIL = 0xffffffff;
const U31_MAX = 0x7fffffff;
const OBJ_STATES: ObjInfo['state'][] = ['free', 'allocated', 'queued'];
const IRQ_WORK_FNS: Record<string, IrqWorkFn> = { nop: IrqWorkFn.Nop, requeue: IrqWorkFn.Requeue, 'llist-call-rcu': IrqWorkFn.LlistCallRcu };
/** Detail texts of the core's Invariant reasons (assembly/failure.ts `Reason`), docs/model.md §9. */
const INVARIANTS: Record<number, (cpu: number, core: CoreExports) => string> = {
  1: (cpu, x) => `irq-enabled point on cpu ${cpu} needed more than ${x.IRQ_ENABLED_ROUNDS_MAX.value} rounds`,
  2: (cpu, x) => `worklist of cpu ${cpu} ran more than ${x.WORKLIST_RUN_MAX.value} works`,
  3: (_cpu, x) => `queue_rcu_work() found rcu_work ${x.fail_arg.value >>> 0} already pending`,
  4: (cpu, x) => `program on cpu ${cpu} ran more than ${x.PROGRAM_SLICE_OPS_MAX.value} ops in one jiffy`,
  5: (cpu, x) => `handler on cpu ${cpu} ran more than ${x.PROGRAM_SLICE_OPS_MAX.value} ops`,
  6: (_cpu, x) => `object ${x.fail_arg.value >>> 0} was freed or queued at nolock-entry while kfree_rcu_nolock() was freeing it`,
};
/** Reason.InjectedOp (assembly/failure.ts): an op of an injected handler or remote step failed. */
const REASON_INJECTED_OP = 7;
const INJECT_KINDS: InjectKindName[] = ['nmi', 'probe', 'hardirq', 'remote'];
const KIND_CTX: Record<number, Ctx> = { [InjectKind.Nmi]: Ctx.Nmi, [InjectKind.Probe]: Ctx.Probe, [InjectKind.Hardirq]: Ctx.Hardirq };
/** Commands that move time or change programs: refused inside an at() hook (docs/model.md §16.4). */
const NOT_IN_HOOK: ReadonlySet<CommandName> = new Set(['advance', 'run', 'synchronizeRcu', 'kvfreeRcu', 'kvfreeRcuBarrier', 'loadProgram']);
type HookFn = (m: RcuMachine, hit: PointHit) => void;

/**
 * The command a failing workload op reports (docs/model.md §14.1): its name and whether it takes
 * the program's object (assembly/workload.ts leaves the op in run_err_op).
 */
const OP_COMMANDS: Record<number, [CommandName, boolean]> = {
  [Op.Kmalloc]: ['kmalloc', false],
  [Op.Vmalloc]: ['vmalloc', false],
  [Op.KfreeRcu]: ['kfreeRcu', true],
  [Op.KvfreeRcu]: ['kvfreeRcu', true],
  [Op.CallRcu]: ['callRcu', true],
  [Op.Kfree]: ['kfree', true],
  [Op.RcuReadLock]: ['rcuReadLock', false],
  [Op.RcuReadUnlock]: ['rcuReadUnlock', false],
  [Op.CondResched]: ['condResched', false],
  [Op.Sleep]: ['setIdle', false],
  [Op.KfreeRcuNolock]: ['kfreeRcuNolock', true],
};

/** Arguments of the command a failing op reports (docs/model.md §14.1). */
function opArgs(op: number, cpu: number, obj: number): [CommandName, unknown[]] {
  const [command, withObj] = OP_COMMANDS[op];
  return [command, command === 'setIdle' ? [cpu, true] : withObj ? [cpu, obj] : [cpu]];
}

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/** The core's view of a JS argument: an integer 0..2^32-1, or NIL (invalid everywhere). */
function u32(v: unknown): number {
  return isInt(v, 0, 0xffffffff) ? v : NIL;
}

export class WasmMachine implements RcuMachine {
  readonly impl = 'wasm' as const;
  readonly options: Readonly<ResolvedOptions>;
  private readonly x: CoreExports;
  private readonly statsView: Float64Array;
  private readonly traceView: Uint32Array;
  private readonly ioView: Uint32Array;
  private readonly ioF64: Float64Array;
  private poisoned: RcuMachineFailure | null = null;
  /** at() hooks per Point id (index 0 unused), in registration order. */
  private readonly hooks: { fn: HookFn }[][] = Array.from({ length: POINT_NAMES.length + 1 }, () => []);
  /** A hook is running: the commands it calls are nested commands. */
  private inHook = false;
  // The command being executed (for the message of a hook that throws): set by every command entry
  // without allocating; its argument list is built only when needed.
  private curCommand: CommandName = 'advance';
  private curArgs: readonly unknown[] | null = null;
  private curA: unknown = undefined;
  private curB: unknown = undefined;
  private curC: unknown = undefined;
  private curN = 0;

  constructor(options: ResolvedOptions) {
    this.options = Object.freeze({ ...options });
    const o = this.options;
    const x = (this.x = instantiateCore({ onPoint: (cpu, p, hit) => this.onPoint(cpu, p, hit) }));
    let st: number;
    const inject = o.inject;
    const handlers = INJECT_KINDS.map((k) => (k === 'remote' ? new Uint32Array(0) : encodeProgram(inject[k].handler, `inject.${k}.handler`)));
    try {
      x.config_kvfree(o.batched ? 1 : 0, o.drainReady ? 1 : 0, o.monitorBacklogRule ? 1 : 0, o.rcuMinCachedObjs,
        o.rcuDelayPageCacheFillMsec, o.kfreeDrainJiffies, o.bulkMaxEntr);
      x.config_costs(o.costKmallocNs, o.costKfreeRcuNs, o.costKfreeNs, o.costRcuReadNs, o.costCondReschedNs, o.costPageAllocNs);
      x.config_nolock(MONITOR_ARMS.indexOf(o.monitorArm), NOLOCK_GATES.indexOf(o.nolockGate), o.debugObjects ? 1 : 0, o.costPointNs);
      INJECT_KINDS.forEach((k, i) => {
        const src = inject[k];
        let mask = 0;
        for (const p of src.points) mask |= 1 << pointId(p);
        x.config_inject_source(i + 1, Math.floor(src.probability * 2 ** 32), mask, handlers[i].length);
      });
      x.config_inject(inject.nmi.ratePerSec, inject.schedule.length);
      x.config_checker(o.checker ? ruleMask(o.checkerRules) : 0, mutantCode(o.mutant));
      st = x.init(o.nrCpus, o.hz, o.seed >>> 0, o.maxObjects, o.objSize, o.rcuHeadOffset, o.maxPages, o.pageFailRate,
        o.gpSeqStart >>> 0, o.trace ? 1 : 0, o.traceCapacity, o.rcuStallJiffies);
    } catch (e) {
      throw new RcuError('BadArgument', `could not create a Wasm machine: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (st !== Status.Ok) {
      throw new RcuError(statusName(st), `could not create a Wasm machine with these options: ${x.MEMORY_END.value} bytes of linear memory needed (at most 4 GiB, and the host must grant it)`);
    }
    const buf = x.memory.buffer; // never grows after init
    this.statsView = new Float64Array(buf, x.STATS_BASE.value, o.nrCpus * Stat.STAT_COUNT);
    this.traceView = new Uint32Array(buf, x.TRACE_BASE.value, o.trace ? o.traceCapacity * x.TRACE_EVENT_WORDS.value : 0);
    this.ioView = new Uint32Array(buf, x.IO_BASE.value, x.IO_CAP.value);
    this.ioF64 = new Float64Array(buf, x.IO_BASE.value, x.IO_CAP.value / 2);
    // the handler programs and the schedule, then the per-CPU injection state
    const offs = [x.HANDLER_OFF_NMI.value, x.HANDLER_OFF_PROBE.value, x.HANDLER_OFF_HARDIRQ.value];
    for (let i = 0; i < 3; i++) new Uint32Array(buf, x.HANDLER_BASE.value + offs[i] * 4, handlers[i].length).set(handlers[i]);
    const sched = new Uint32Array(buf, x.SCHED_BASE.value, inject.schedule.length * 2);
    inject.schedule.forEach((e, i) => {
      sched[2 * i] = e.hit;
      sched[2 * i + 1] = INJECT_KINDS.indexOf(e.kind) + 1;
    });
    x.inject_ready();
  }

  // -- the one path of every call ----------------------------------------------------------------
  private alive(): void {
    if (this.poisoned) throw this.poisoned;
  }

  /**
   * Runs one core call; a trap or abort inside it poisons the machine. An error thrown by an at()
   * hook has already poisoned it (onPoint) and unwinds through here as that failure.
   */
  private call(command: CommandName, args: readonly unknown[], fn: () => number): number {
    this.alive();
    if (this.inHook && NOT_IN_HOOK.has(command)) this.raise(command, args, Status.BadContext, { inHook: true });
    this.curCommand = command;
    this.curArgs = args;
    try {
      return fn();
    } catch (e) {
      throw this.poison(command, args, e);
    }
  }

  /** A command: call, then turn a non-Ok status into the matching error. */
  private cmd(command: CommandName, args: readonly unknown[], fn: () => number): void {
    const st = this.call(command, args, fn);
    if (st !== Status.Ok) this.raise(command, args, st);
  }

  // run1..run3: `cmd` for commands whose arguments are all u32, without allocating on success
  // (the argument list is built only for an error message).
  private run1(command: CommandName, fn: Cmd1, a: unknown): number {
    if (this.poisoned) throw this.poisoned;
    if (this.inHook && NOT_IN_HOOK.has(command)) this.raise(command, [a], Status.BadContext, { inHook: true });
    this.curCommand = command;
    this.curArgs = null;
    this.curA = a;
    this.curN = 1;
    let st: number;
    try {
      st = fn(u32(a));
    } catch (e) {
      throw this.poison(command, [a], e);
    }
    if (st !== Status.Ok) this.raise(command, [a], st);
    return this.x.result() >>> 0;
  }

  private run2(command: CommandName, fn: Cmd2, a: unknown, b: unknown): number {
    if (this.poisoned) throw this.poisoned;
    if (this.inHook && NOT_IN_HOOK.has(command)) this.raise(command, [a, b], Status.BadContext, { inHook: true });
    this.curCommand = command;
    this.curArgs = null;
    this.curA = a;
    this.curB = b;
    this.curN = 2;
    let st: number;
    try {
      st = fn(u32(a), u32(b));
    } catch (e) {
      throw this.poison(command, [a, b], e);
    }
    if (st !== Status.Ok) this.raise(command, [a, b], st);
    return this.x.result() >>> 0;
  }

  private run3(command: CommandName, fn: Cmd3, a: unknown, b: unknown, c: unknown): number {
    if (this.poisoned) throw this.poisoned;
    if (this.inHook && NOT_IN_HOOK.has(command)) this.raise(command, [a, b, c], Status.BadContext, { inHook: true });
    this.curCommand = command;
    this.curArgs = null;
    this.curA = a;
    this.curB = b;
    this.curC = c;
    this.curN = 3;
    let st: number;
    try {
      st = fn(u32(a), u32(b), u32(c));
    } catch (e) {
      throw this.poison(command, [a, b, c], e);
    }
    if (st !== Status.Ok) this.raise(command, [a, b, c], st);
    return this.x.result() >>> 0;
  }

  private raise(command: CommandName, args: readonly unknown[], st: number, info: MessageInfo = {}): never {
    if (st >= STATUS_FATAL) throw this.poison(command, args, null);
    if (st === Status.BadHandle || st === Status.BadArgument) {
      const params: readonly string[] = COMMAND_PARAMS[command];
      const i = this.x.bad_arg_get();
      if (info.arg === undefined && i < params.length) info = { ...info, arg: params[i] };
    }
    throw new RcuError(statusName(st), rcuErrorMessage(command, args, st, this.options, info));
  }

  /**
   * Records the failure the core reported (or an unexpected trap as an Invariant) and poisons. The
   * first failure wins: a nested command's failure unwinds through its outer calls unchanged.
   */
  private poison(command: CommandName, args: readonly unknown[], cause: unknown): RcuMachineFailure {
    if (this.poisoned) return this.poisoned;
    const x = this.x;
    const status = x.fail_status.value;
    const cpuRaw = x.fail_cpu.value >>> 0;
    const cpu = cpuRaw === NIL ? -1 : cpuRaw;
    let failure: Failure;
    if (status === Status.Violation) {
      failure = this.violation(command, args, cpu);
    } else if (status === Status.Deadlock) {
      const holderCtx = ctxName(x.fail_holder_ctx.value);
      const acquirerCtx = ctxName(x.fail_acquirer_ctx.value);
      const lock = x.fail_lock.value >>> 0;
      const p = x.fail_point.value;
      const point = p !== 0 ? pointName(p) : undefined;
      const message = rcuErrorMessage(command, args, status, this.options, { holderCtx, acquirerCtx, lock, cpu, point });
      failure = { status: 'Deadlock', message, cpu, lock, holderCtx, acquirerCtx, ...(point !== undefined ? { point } : {}) };
    } else {
      let invariant: string;
      if (status === Status.Invariant && x.fail_reason.value === REASON_INJECTED_OP) {
        invariant = this.injectedOpDetail(cpu);
      } else {
        const known = status === Status.Invariant ? INVARIANTS[x.fail_reason.value] : undefined;
        const why = cause instanceof WasmAbort || cause instanceof Error ? cause.message : String(cause);
        invariant = known ? known(cpu, x) : `Wasm core stopped: ${why}`;
      }
      const message = rcuErrorMessage(command, args, Status.Invariant, this.options, { invariant });
      failure = { status: 'Invariant', message, cpu };
    }
    this.poisoned = new RcuMachineFailure(failure);
    return this.poisoned;
  }

  /** The checker's Violation the core recorded (assembly/failure.ts fail_violation), as a Failure. */
  private violation(command: CommandName, args: readonly unknown[], cpu: number): Failure {
    const x = this.x;
    const what = x.fail_what.value as CheckWhat;
    const rule = ruleName(WHAT_RULE[what]);
    const text = violationText(what, x.fail_va.value >>> 0, x.fail_vb.value >>> 0, x.fail_vc.value >>> 0);
    const p = x.fail_point.value;
    const point = p !== 0 ? pointName(p) : undefined;
    const message = rcuErrorMessage(command, args, Status.Violation, this.options, { violation: `${rule}: ${text}`, point });
    const objRaw = x.fail_obj.value >>> 0;
    return {
      status: 'Violation', message, cpu, ...(point !== undefined ? { point } : {}), rule,
      obj: objRaw === NIL ? -1 : objRaw, jiffies: x.fail_jiffies.value >>> 0, hit: x.fail_hit.value,
    };
  }

  /** `<kind> handler injected at <point> on cpu N failed: <message>` / `remote step of cpu T ...`. */
  private injectedOpDetail(opCpu: number): string {
    const x = this.x;
    const kind = x.fail_inj_kind.value;
    const where = `injected at ${pointName(x.fail_inj_point.value)} on cpu ${x.fail_inj_cpu.value >>> 0}`;
    const label = kind === InjectKind.Remote
      ? `remote step of cpu ${x.fail_inj_target.value >>> 0} ${where}`
      : `${CTX_NAMES[KIND_CTX[kind]]} handler ${where}`;
    const op = x.fail_op.value >>> 0;
    const st = x.fail_op_status.value;
    const message = op === x.FAIL_OP_EXIT.value
      ? rcuErrorMessage('exit', [opCpu], st, this.options)
      : rcuErrorMessage(...opArgs(op, opCpu, x.fail_op_obj.value >>> 0), st, this.options);
    return `${label} failed: ${message}`;
  }

  // -- at() hooks ------------------------------------------------------------------------------
  /**
   * The core's on_point import: the hooks of point `p`, in registration order over the list as it
   * was at the hit. Nested commands may overwrite the core's result registers and pending chain and
   * this machine's current command: all are restored for the outer call. A hook that throws
   * poisons the machine (Invariant, docs/model.md §16.4) and the failure unwinds through the core.
   */
  private onPoint(cpu: number, p: number, hit: number): void {
    const x = this.x;
    const name = pointName(p);
    const r1 = x.result();
    const r2 = x.result2();
    const chain = x.io_chain_get();
    const { curCommand, curArgs, curA, curB, curC, curN } = this;
    this.inHook = true;
    try {
      const info: PointHit = { cpu, point: name, hit };
      for (const h of [...this.hooks[p]]) h.fn(this, info);
    } catch (e) {
      if (!this.poisoned) {
        this.curCommand = curCommand;
        const args = curArgs ?? [curA, curB, curC].slice(0, curN);
        const invariant = `at() hook for ${name} on cpu ${cpu} threw: ${e instanceof Error ? e.message : String(e)}`;
        const message = rcuErrorMessage(curCommand, args, Status.Invariant, this.options, { invariant });
        this.poisoned = new RcuMachineFailure({ status: 'Invariant', message, cpu });
      }
      throw this.poisoned;
    } finally {
      this.inHook = false;
      this.curCommand = curCommand;
      this.curArgs = curArgs;
      this.curA = curA;
      this.curB = curB;
      this.curC = curC;
      this.curN = curN;
    }
    if (this.poisoned) throw this.poisoned; // a nested command failed and the hook swallowed it
    x.result_set(r1, r2);
    x.io_chain_set(chain);
  }

  at(point: PointName, fn: (m: RcuMachine, hit: PointHit) => void): () => void {
    const args = [point, fn];
    this.alive();
    if (!(POINT_NAMES as readonly unknown[]).includes(point)) this.raise('at', args, Status.BadArgument, { arg: 'point' });
    if (typeof fn !== 'function') this.raise('at', args, Status.BadArgument, { arg: 'fn' });
    const p = pointId(point);
    const reg = { fn };
    this.hooks[p].push(reg);
    this.updateHookMask();
    return () => {
      const list = this.hooks[p];
      const i = list.indexOf(reg);
      if (i < 0) return;
      list.splice(i, 1);
      this.updateHookMask();
    };
  }

  private updateHookMask(): void {
    let mask = 0;
    for (let p = 1; p < this.hooks.length; p++) if (this.hooks[p].length > 0) mask |= 1 << p;
    this.x.set_hook_mask(mask);
  }

  // -- clock -------------------------------------------------------------------------------------
  now(): number {
    this.alive();
    return this.x.now_ns();
  }

  jiffies(): number {
    this.alive();
    return this.x.jiffies_get() >>> 0;
  }

  advance(n: number): void {
    this.run1('advance', this.x.advance, n);
  }

  // -- CPU contexts ------------------------------------------------------------------------------
  enter(cpu: number, ctx: Exclude<CtxName, 'task'>): void {
    const i = CTX_NAMES.indexOf(ctx as CtxName);
    this.cmd('enter', [cpu, ctx], () => this.x.enter(u32(cpu), i < 0 ? NIL : i));
  }

  exit(cpu: number): void {
    this.run1('exit', this.x.exit, cpu);
  }

  localIrqSave(cpu: number): void {
    this.run1('localIrqSave', this.x.local_irq_save, cpu);
  }

  localIrqRestore(cpu: number): void {
    this.run1('localIrqRestore', this.x.local_irq_restore, cpu);
  }

  preemptDisable(cpu: number): void {
    this.run1('preemptDisable', this.x.preempt_disable, cpu);
  }

  preemptEnable(cpu: number): void {
    this.run1('preemptEnable', this.x.preempt_enable, cpu);
  }

  rcuReadLock(cpu: number): void {
    this.run1('rcuReadLock', this.x.rcu_read_lock, cpu);
  }

  rcuReadUnlock(cpu: number): void {
    this.run1('rcuReadUnlock', this.x.rcu_read_unlock, cpu);
  }

  condResched(cpu: number): void {
    this.run1('condResched', this.x.cond_resched, cpu);
  }

  setIdle(cpu: number, idle: boolean): void {
    const flag = typeof idle === 'boolean' ? Number(idle) : 2;
    this.cmd('setIdle', [cpu, idle], () => this.x.set_idle(u32(cpu), flag));
  }

  cpuInfo(cpu: number): CpuInfo {
    this.alive();
    const x = this.x;
    const c = u32(cpu);
    const depth = x.cpu_depth(c);
    if (depth < 0) this.raise('cpuInfo', [cpu], Status.BadCpu);
    const ctx: CtxName[] = [];
    for (let i = 0; i < depth; i++) ctx.push(ctxName(x.cpu_frame_kind(c, i)));
    const flags = x.cpu_flags(c);
    return {
      ctx,
      irqsDisabled: (flags & x.CPU_FLAG_IRQS_DISABLED.value) !== 0,
      irqDepth: x.cpu_irq_depth(c) >>> 0,
      preemptCount: x.cpu_preempt_count(c) >>> 0,
      rcuNesting: x.cpu_rcu_nesting(c) >>> 0,
      idle: (flags & x.CPU_FLAG_IDLE.value) !== 0,
      tickPending: (flags & x.CPU_FLAG_TICK_PENDING.value) !== 0,
      ipiPending: (flags & x.CPU_FLAG_IPI_PENDING.value) !== 0,
    };
  }

  // -- simulated memory --------------------------------------------------------------------------
  kmalloc(cpu: number): number {
    return this.run1('kmalloc', this.x.kmalloc, cpu);
  }

  kfree(cpu: number, obj: number): void {
    this.run2('kfree', this.x.kfree, cpu, obj);
  }

  objInfo(obj: number): ObjInfo {
    this.run1('objInfo', this.x.obj_info, obj);
    return { state: OBJ_STATES[this.x.result()], snap: this.x.result2() >>> 0 };
  }

  liveObjects(): Map<number, number> {
    const live = new Map<number, number>();
    this.alive();
    for (let from = 0; ;) {
      this.x.live_objects(from);
      const n = this.x.result() >>> 0;
      const next = this.x.result2() >>> 0;
      for (let i = 0; i < n; i++) live.set(this.ioView[2 * i], this.ioView[2 * i + 1]);
      if (n === 0 || next === from) break;
      from = next;
    }
    return live;
  }

  allocPage(cpu: number): number {
    const page = this.run1('allocPage', this.x.alloc_page, cpu);
    return page === NIL ? -1 : page;
  }

  freePage(cpu: number, page: number): void {
    this.run2('freePage', this.x.free_page, cpu, page);
  }

  failNextPageAllocs(n: number): void {
    this.run1('failNextPageAllocs', this.x.fail_next_page_allocs, n);
  }

  // -- locks, llist, irq_work --------------------------------------------------------------------
  createLock(): number {
    this.cmd('createLock', [], this.x.create_lock);
    return this.x.result() >>> 0;
  }

  spinLock(cpu: number, lock: number): void {
    this.run2('spinLock', this.x.spin_lock, cpu, lock);
  }

  spinTrylock(cpu: number, lock: number): boolean {
    return this.run2('spinTrylock', this.x.spin_trylock, cpu, lock) === 1;
  }

  spinUnlock(cpu: number, lock: number): void {
    this.run2('spinUnlock', this.x.spin_unlock, cpu, lock);
  }

  createLlist(): number {
    this.cmd('createLlist', [], this.x.create_llist);
    return this.x.result() >>> 0;
  }

  llistAdd(cpu: number, llist: number, obj: number): boolean {
    return this.run3('llistAdd', this.x.llist_add, cpu, llist, obj) === 1;
  }

  llistDelAll(cpu: number, llist: number): number[] {
    const n = this.run2('llistDelAll', this.x.llist_del_all, cpu, llist);
    const objs: number[] = [];
    while (objs.length < n) {
      const got = this.x.io_fill();
      if (got === 0) break;
      for (let i = 0; i < got; i++) objs.push(this.ioView[i]);
    }
    return objs;
  }

  createIrqWork(init: IrqWorkInit): number {
    const args = [init];
    this.alive();
    const bad = (arg: string): never => this.raise('createIrqWork', args, Status.BadArgument, { arg });
    if (init === null || typeof init !== 'object' || Array.isArray(init)) bad('init');
    const fn = IRQ_WORK_FNS[init.fn as string];
    if (fn === undefined || !Object.hasOwn(IRQ_WORK_FNS, init.fn)) bad('init.fn');
    const lazy = init.lazy ?? false;
    if (typeof lazy !== 'boolean') bad('init.lazy');
    const arg = init.arg ?? 0;
    if (!isInt(arg, 0, U31_MAX)) bad('init.arg');
    const st = this.call('createIrqWork', args, () => this.x.create_irq_work(fn, lazy ? 1 : 0, arg));
    if (st !== Status.Ok) this.raise('createIrqWork', args, st, st === Status.BadHandle ? { arg: 'init.arg' } : {});
    return this.x.result() >>> 0;
  }

  irqWorkQueue(cpu: number, work: number): boolean {
    return this.run2('irqWorkQueue', this.x.irq_work_queue, cpu, work) === 1;
  }

  irqWorkInfo(work: number): IrqWorkInfo {
    this.alive();
    const flags = this.x.irq_work_flags(u32(work));
    if (flags < 0) this.raise('irqWorkInfo', [work], Status.BadHandle, { arg: 'work' });
    const cpu = this.x.irq_work_cpu(u32(work)) >>> 0;
    return { pending: (flags & 1) !== 0, busy: (flags & 2) !== 0, lazy: (flags & 4) !== 0, cpu: cpu === NIL ? -1 : cpu };
  }

  // -- workqueues and timers ---------------------------------------------------------------------
  createDelayedWork(): number {
    this.cmd('createDelayedWork', [], this.x.create_delayed_work);
    return this.x.result() >>> 0;
  }

  queueWork(cpu: number, dwork: number): boolean {
    return this.run2('queueWork', this.x.queue_work, cpu, dwork) === 1;
  }

  queueDelayedWork(cpu: number, dwork: number, delay: number): boolean {
    return this.run3('queueDelayedWork', this.x.queue_delayed_work, cpu, dwork, delay) === 1;
  }

  modDelayedWork(cpu: number, dwork: number, delay: number): boolean {
    return this.run3('modDelayedWork', this.x.mod_delayed_work, cpu, dwork, delay) === 1;
  }

  cancelDelayedWork(cpu: number, dwork: number): boolean {
    return this.run2('cancelDelayedWork', this.x.cancel_delayed_work, cpu, dwork) === 1;
  }

  delayedWorkPending(dwork: number): boolean {
    this.alive();
    const p = this.x.delayed_work_pending(u32(dwork));
    if (p < 0) this.raise('delayedWorkPending', [dwork], Status.BadHandle, { arg: 'dwork' });
    return p === 1;
  }

  // -- RCU ---------------------------------------------------------------------------------------
  gpSeq(): number {
    this.alive();
    return this.x.gp_seq() >>> 0;
  }

  getStateSynchronizeRcu(): number {
    this.alive();
    return this.x.get_state_synchronize_rcu() >>> 0;
  }

  startPollSynchronizeRcu(cpu: number): number {
    return this.run1('startPollSynchronizeRcu', this.x.start_poll_synchronize_rcu, cpu);
  }

  pollStateSynchronizeRcu(cookie: number): boolean {
    this.alive();
    if (!isInt(cookie, 0, 0xffffffff)) this.raise('pollStateSynchronizeRcu', [cookie], Status.BadArgument, { arg: 'cookie' });
    return this.x.poll_state_synchronize_rcu(cookie) !== 0;
  }

  callRcu(cpu: number, obj: number): void {
    this.run2('callRcu', this.x.call_rcu, cpu, obj);
  }

  synchronizeRcu(cpu: number): void {
    this.run1('synchronizeRcu', this.x.synchronize_rcu, cpu);
  }

  // -- kvfree_rcu ---------------------------------------------------------------------------------
  vmalloc(cpu: number): number {
    return this.run1('vmalloc', this.x.vmalloc, cpu);
  }

  kfreeRcu(cpu: number, obj: number): void {
    this.run2('kfreeRcu', this.x.kfree_rcu, cpu, obj);
  }

  kvfreeRcu(cpu: number, obj: number): void {
    this.run2('kvfreeRcu', this.x.kvfree_rcu, cpu, obj);
  }

  kvfreeRcuBarrier(cpu: number): void {
    this.run1('kvfreeRcuBarrier', this.x.kvfree_rcu_barrier, cpu);
  }

  shrink(cpu: number, nrToScan: number): number {
    return this.run2('shrink', this.x.shrink, cpu, nrToScan);
  }

  krcInfo(cpu: number): KrcInfo {
    this.run1('krcInfo', this.x.krc_info, cpu);
    const v = this.ioView;
    return {
      headCount: v[0],
      bulkCount: [v[1], v[2]],
      bulkPages: [v[3], v[4]],
      cachedPages: v[5],
      krwBusy: [v[6] !== 0, v[7] !== 0],
      monitorPending: v[8] !== 0,
      workInProgress: v[9] !== 0,
      backoff: v[10] !== 0,
      llistCount: v[11],
    };
  }

  kfreeRcuNolock(cpu: number, obj: number, opts?: { headless?: boolean }): void {
    // opts (docs/model.md §16.4): undefined, or { headless?: undefined | false }; anything else —
    // headless: true included — is BadArgument on opts, checked by the core after obj.
    let bad = 0;
    if (opts !== undefined) {
      const ok = opts !== null && typeof opts === 'object' && !Array.isArray(opts) &&
        Object.keys(opts).every((key) => key === 'headless') && (opts.headless === undefined || opts.headless === false);
      bad = ok ? 0 : 1;
    }
    this.cmd('kfreeRcuNolock', [cpu, obj, opts], () => this.x.kfree_rcu_nolock(u32(cpu), u32(obj), bad));
  }

  memoryInfo(): MemoryInfo {
    this.alive();
    this.x.memory_info();
    return {
      objects: this.x.result() >>> 0, pages: this.x.result2() >>> 0, bytes: this.x.memory_bytes(),
      queued: this.ioView[0], kernelPages: this.ioView[1],
      waitingBytes: this.x.memory_waiting_bytes(), peakWaitingBytes: this.x.memory_peak_waiting_bytes(),
    };
  }

  // -- workloads ---------------------------------------------------------------------------------
  loadProgram(cpu: number, ops: ProgramOp[]): void {
    const args = [cpu, ops];
    this.alive();
    if (this.inHook) this.raise('loadProgram', args, Status.BadContext, { inHook: true });
    if (!isInt(cpu, 0, this.options.nrCpus - 1)) this.raise('loadProgram', args, Status.BadCpu);
    const words = encodeProgram(ops); // its own BadArgument error (docs/model.md §14)
    this.ioView.set(words);
    this.cmd('loadProgram', args, () => this.x.load_program(cpu, words.length));
  }

  run(maxJiffies: number): boolean {
    const args = [maxJiffies];
    const st = this.call('run', args, () => this.x.run(u32(maxJiffies)));
    if (st === Status.Ok) return this.x.result() === 1;
    if (st >= STATUS_FATAL || st === Status.BadArgument) this.raise('run', args, st);
    // a failing op: its command's error (docs/model.md §14.1)
    const x = this.x;
    this.raise(...opArgs(x.run_err_op.value, x.run_err_cpu.value >>> 0, x.run_err_obj.value >>> 0), st);
  }

  runInfo(): RunInfo {
    this.alive();
    this.x.run_info();
    const f = this.ioF64;
    return {
      startNs: f[0], endNs: f[1], startGpSeq: f[2], endGpSeq: f[3], memBegin: f[4], memDuring: f[5], programsRunning: f[6],
    };
  }

  // -- results (usable after a failure) ----------------------------------------------------------
  stats(): Stats {
    this.x.stats_flush(); // pointHits is counted lazily (assembly/inject.ts)
    const n = Stat.STAT_COUNT;
    const rows = Array.from({ length: this.options.nrCpus }, (_, cpu) => this.statsView.subarray(cpu * n, (cpu + 1) * n));
    return statsFromRows(rows);
  }

  trace(): TraceEvent[] {
    if (!this.options.trace) return [];
    const count = this.x.trace_count_get();
    const cap = this.options.traceCapacity;
    const n = Math.min(count, cap);
    const start = count <= cap ? 0 : this.x.trace_head_get();
    const w = this.traceView;
    const words = this.x.TRACE_EVENT_WORDS.value;
    const out: TraceEvent[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const p = ((start + i) % cap) * words;
      const w0 = w[p];
      const t = w[p + 1] + w[p + 2] * 0x100000000;
      out[i] = makeEvent(count - n + i, w0 & 0xff, w0 >>> 16, (w0 >>> 8) & 0xff, t, w[p + 3], w[p + 4], w[p + 5]);
    }
    return out;
  }

  traceCount(): number {
    return this.x.trace_count_get();
  }

  traceDigest(): number {
    return this.x.trace_digest() >>> 0;
  }

  failure(): Failure | null {
    return this.poisoned ? { ...this.poisoned.failure } : null;
  }

  random(): number {
    this.alive();
    try {
      return this.x.random() >>> 0;
    } catch (e) {
      throw this.poison('random', [], e);
    }
  }
}
