// Workload programs and run() (docs/model.md §14): an rcuscale-style kfree'er per CPU, executed from
// the encoded [opcode, arg] words of src/program.ts, one jiffy slice per CPU at a time, with a tick
// between slices.
//
// Program states:
//
//   running ──sleep n──▶ sleeping (CPU idle) ──jiffies >= wake──▶ running
//      │ ──headless fallback──▶ blocked (on a GP cookie) ──cookie done──▶ running (inline free)
//      └──past the last op / kmalloc fails / an op fails──▶ done
//
// Simplified: within a jiffy the CPUs' slices run one after another, so events of different CPUs are
// not interleaved in time order; finer interleavings come from injection (inject.ts: a remote step
// is one slice-loop iteration of another CPU's program, run from a preemption point).
//
// The same op executor runs the handler programs of injected NMIs, probes and hardirqs
// (Program.handler): their own `obj` register and loop stack, no program state, and a failing op
// poisons the machine instead of ending a program (docs/model.md §16.4).
import { RcuError, statusName } from '../errors.js';
import { rcuErrorMessage, type CommandName } from '../messages.js';
import { Ctx, Ev, Op, Point, Stat, Status } from '../shared/codes.js';
import type { RunInfo } from '../types.js';
import type { Contexts } from './context.js';
import type { Cpu } from './cpu.js';
import type { Kernel } from './kernel.js';
import { point } from './inject.js';
import { kvfreeCallRcu } from './krc.js';
import { kfreeCallRcuNolock } from './nolock.js';
import { callRcu, pollStateSynchronizeRcu, rcuQs, startPollSynchronizeRcu } from './rcu.js';
import type { SlabObject } from './slab.js';
import { kfreeInternal, kmalloc, vmalloc } from './slab_ops.js';
import { globalTick, irqEnabledPoint } from './tick.js';
import { timeAfter } from './timer.js';

/** Ops one slice may execute (docs/model.md §14.1): zero-cost ops could otherwise loop forever. */
export const SLICE_OPS_MAX = 1 << 20;

/** One `loop` level: where its body starts, iterations left, and the 0-based iteration index. */
interface LoopFrame {
  start: number;
  remaining: number;
  index: number;
}

/**
 * The program of one CPU.
 * @words: [opcode, arg] pairs from encodeProgram().
 * @pc: index of the next op (words[2 * pc]).
 * @clock: the program's own time in ns; a slice runs it up to the next jiffy boundary.
 * @obj: the register: the last allocated object, or null.
 * @wake: for a sleeping program, the jiffy it wakes at.
 * @cookie, @pending: for a blocked program, the GP cookie and the object to free after it.
 * @cpu: the CPU it runs on.
 * @handler: an injected handler's program (no state, no clock of its own: docs/model.md §16.4).
 */
export class Program {
  pc = 0;
  clock = 0;
  obj: SlabObject | null = null;
  readonly loops: LoopFrame[] = [];
  state: 'running' | 'blocked' | 'sleeping' | 'done' = 'running';
  wake = 0;
  cookie = 0;
  pending: SlabObject | null = null;
  /** Ops executed in the current slice (the bound of docs/model.md §14.1). */
  sliceOps = 0;
  /** A slice-loop iteration of this program is in progress (a remote step must not re-enter it). */
  stepping = false;

  constructor(
    readonly words: Uint32Array,
    readonly cpu: Cpu,
    readonly handler = false,
  ) {}

  get length(): number {
    return this.words.length / 2;
  }
}

/** The programs of all CPUs and the bookkeeping of the current loaded set (rcuscale's globals). */
export class Workload {
  readonly programs: (Program | null)[];
  started = false;
  startNs = 0;
  endNs = 0;
  startGpSeq = 0;
  endGpSeq = 0;
  memBegin = 0;
  memDuring = 0;

  constructor(nrCpus: number) {
    this.programs = new Array<Program | null>(nrCpus).fill(null);
  }

  notDone(): number {
    return this.programs.filter((p) => p !== null && p.state !== 'done').length;
  }

  info(): RunInfo {
    const { startNs, endNs, startGpSeq, endGpSeq, memBegin, memDuring } = this;
    return { startNs, endNs, startGpSeq, endGpSeq, memBegin, memDuring, programsRunning: this.notDone() };
  }
}

/** loadProgram(): the caller checked the CPU is quiescent here and has no program that is not done. */
export function loadProgram(k: Kernel, ctx: Contexts, cpu: Cpu, words: Uint32Array): void {
  const w = k.workload;
  if (w.notDone() === 0) {
    // A new loaded set: rcuscale's start/end/footprint globals start over.
    w.started = false;
    w.startNs = w.endNs = w.startGpSeq = w.endGpSeq = w.memBegin = w.memDuring = 0;
  }
  if (cpu.idle) ctx.setIdle(cpu, false);
  w.programs[cpu.id] = new Program(words, cpu);
}

/** run(maxJiffies): slices, a tick, wake-ups; true once every program is done. */
export function run(k: Kernel, ctx: Contexts, maxJiffies: number): boolean {
  const w = k.workload;
  let slices = 0;
  while (w.notDone() > 0) {
    if (slices === maxJiffies) return false;
    slices++;
    const boundary = k.now + k.tickNs;
    for (const cpu of k.cpus) {
      const p = w.programs[cpu.id];
      if (p !== null && p.state === 'running') runSlice(k, ctx, cpu, p, boundary);
    }
    globalTick(k);
    wakeBlockedAndSleeping(k, ctx);
  }
  return true;
}

/** Run one program until its clock reaches the next jiffy boundary, or it stops running. */
function runSlice(k: Kernel, ctx: Contexts, cpu: Cpu, p: Program, boundary: number): void {
  const base = k.now;
  p.clock = Math.max(p.clock, base);
  p.sliceOps = 0;
  try {
    while (p.state === 'running' && p.clock < boundary) stepProgram(k, ctx, cpu, p, true);
  } finally {
    k.now = base;
  }
}

/** Ops that do nothing without `obj`. */
const OBJ_OPS: ReadonlySet<number> = new Set([Op.KfreeRcu, Op.KvfreeRcu, Op.KfreeRcuMix, Op.CallRcu, Op.Kfree, Op.KfreeRcuNolock]);

/** Program control (loop, end, mem_sample) and ops on a missing obj are not kernel code: no task-op point. */
function hasTaskOpPoint(p: Program, op: number): boolean {
  if (op === Op.Loop || op === Op.End || op === Op.MemSample) return false;
  return !(OBJ_OPS.has(op) && p.obj === null);
}

/**
 * One iteration of the slice loop (docs/model.md §16.4), also a remote step's one op: the points it
 * reaches on this CPU are timed on this program's clock. `inSlice`: count against the slice bound.
 */
export function stepProgram(k: Kernel, ctx: Contexts, cpu: Cpu, p: Program, inSlice: boolean): void {
  const inj = k.inj;
  const saved = inj.timed;
  inj.timed = p;
  p.stepping = true;
  try {
    k.now = p.clock;
    if (p.pc >= p.length) {
      endProgram(k, ctx, cpu, p, 0);
    } else {
      if (inSlice) {
        if (p.sliceOps === SLICE_OPS_MAX) k.invariant(cpu, `program on cpu ${cpu.id} ran more than ${SLICE_OPS_MAX} ops in one jiffy`);
        p.sliceOps++;
      }
      noteFirstOp(k);
      const opStart = p.clock;
      if (hasTaskOpPoint(p, p.words[2 * p.pc])) point(k, cpu, Point.TaskOp);
      const cost = executeOp(k, ctx, cpu, p);
      p.clock = Math.max(p.clock, opStart + cost);
    }
    irqEnabledPoint(k, cpu);
  } finally {
    // A failing op throws its RcuError out of run(): later commands are untimed again.
    p.stepping = false;
    inj.timed = saved;
  }
}

/** Past the last op, or kmalloc failed: ProgramEnd, and the CPU goes idle if it can. */
function endProgram(k: Kernel, ctx: Contexts, cpu: Cpu, p: Program, code: 0 | 1): void {
  const w = k.workload;
  k.emit(cpu, Ev.ProgramEnd, code);
  p.state = 'done';
  w.endNs = Math.max(w.endNs, p.clock);
  if (w.notDone() === 0) w.endGpSeq = k.gpSeq;
  if (!cpu.idle && cpu.quiescentHere()) ctx.setIdle(cpu, true);
}

/** After the tick: blocked programs whose GP completed finish their free; sleepers wake. */
function wakeBlockedAndSleeping(k: Kernel, ctx: Contexts): void {
  for (const cpu of k.cpus) {
    const p = k.workload.programs[cpu.id];
    if (p === null) continue;
    if (p.state === 'blocked' && pollStateSynchronizeRcu(k, p.cookie)) {
      cpu.blocked--;
      k.emit(cpu, Ev.SyncEnd, k.gpSeq);
      k.count(cpu, Stat.synchronizeRcu);
      kfreeInternal(k, cpu, p.pending!); // the inline fallback's kvfree()
      p.pending = null;
      p.state = 'running';
    } else if (p.state === 'sleeping' && !timeAfter(p.wake, k.jiffies)) {
      if (cpu.idle) ctx.setIdle(cpu, false);
      p.state = 'running';
    }
  }
}

/**
 * A failing op: the error its command would throw; the program is done and run() stops. Inside an
 * injected handler or a remote step the interrupted code cannot go on: the machine fails Invariant.
 */
function opFail(k: Kernel, p: Program, command: CommandName, args: unknown[], status: Status): never {
  const message = rcuErrorMessage(command, args, status, k.options);
  if (!p.handler) p.state = 'done';
  if (k.inj.opFailLabel !== null) k.invariant(p.cpu, `${k.inj.opFailLabel} failed: ${message}`);
  throw new RcuError(statusName(status), message);
}

/** Executes the op at pc of a program or a handler; returns its cost in ns. */
export function executeOp(k: Kernel, ctx: Contexts, cpu: Cpu, p: Program): number {
  const o = k.options;
  const op = p.words[2 * p.pc] as Op;
  const arg = p.words[2 * p.pc + 1];
  const awake = (command: CommandName, args: unknown[]): void => {
    if (cpu.idle) opFail(k, p, command, args, Status.CpuIdle);
  };
  // Ops on `obj` do nothing and cost nothing without one.
  const obj = p.obj;
  const objArgs = [cpu.id, obj?.id];
  switch (op) {
    case Op.Kmalloc:
    case Op.Vmalloc: {
      awake(op === Op.Kmalloc ? 'kmalloc' : 'vmalloc', [cpu.id]);
      if (!k.slab.canAlloc()) {
        k.count(cpu, Stat.allocFail);
        if (p.handler) {
          // kmalloc_nolock() returns NULL: the handler goes on without an object.
          p.obj = null;
          p.pc++;
        } else {
          endProgram(k, ctx, cpu, p, 1); // rcuscale's kfree_scale_thread returns -ENOMEM
        }
        return 0;
      }
      const id = op === Op.Kmalloc ? kmalloc(k, cpu) : vmalloc(k, cpu);
      p.obj = k.slab.objects[id];
      p.pc++;
      return o.costKmallocNs;
    }
    case Op.KfreeRcu:
    case Op.KvfreeRcu:
    case Op.KfreeRcuMix: {
      if (obj === null) break;
      // kfree_rcu_mix: rcuscale with both single and double set picks per call.
      const headless = op === Op.KvfreeRcu || (op === Op.KfreeRcuMix && (k.prng.next() & 0x800) !== 0);
      const command = headless ? 'kvfreeRcu' : 'kfreeRcu';
      awake(command, objArgs);
      if (headless && !cpu.quiescentHere()) opFail(k, p, command, objArgs, Status.BadContext);
      if (!headless && !o.batched && (cpu.ctx === Ctx.Nmi || cpu.ctx === Ctx.Probe)) opFail(k, p, command, objArgs, Status.BadContext);
      checkAllocated(k, p, command, objArgs, obj, Status.NotAllocated);
      const r = kvfreeCallRcu(k, cpu, obj, headless);
      p.obj = null;
      p.pc++;
      if (r.inline) {
        // The task sleeps in synchronize_rcu(); wakeBlockedAndSleeping() finishes the free.
        const s = startPollSynchronizeRcu(k);
        k.emit(cpu, Ev.SyncBegin, s);
        cpu.blocked++;
        rcuQs(k, cpu);
        p.state = 'blocked';
        p.cookie = s;
        p.pending = obj;
      }
      return o.costKfreeRcuNs + (r.allocatedPage ? o.costPageAllocNs : 0);
    }
    case Op.KfreeRcuNolock: {
      if (obj === null) break;
      awake('kfreeRcuNolock', objArgs);
      checkAllocated(k, p, 'kfreeRcuNolock', objArgs, obj, Status.NotAllocated);
      kfreeCallRcuNolock(k, cpu, obj);
      p.obj = null;
      p.pc++;
      return o.costKfreeRcuNs;
    }
    case Op.CallRcu: {
      if (obj === null) break;
      awake('callRcu', objArgs);
      if (cpu.ctx === Ctx.Nmi || cpu.ctx === Ctx.Probe) opFail(k, p, 'callRcu', objArgs, Status.BadContext);
      checkAllocated(k, p, 'callRcu', objArgs, obj, Status.NotAllocated);
      callRcu(k, cpu, obj);
      p.obj = null;
      p.pc++;
      return o.costKfreeRcuNs;
    }
    case Op.Kfree: {
      if (obj === null) break;
      awake('kfree', objArgs);
      checkAllocated(k, p, 'kfree', objArgs, obj, Status.DoubleFree);
      kfreeInternal(k, cpu, obj);
      p.obj = null;
      p.pc++;
      return o.costKfreeNs;
    }
    case Op.RcuReadLock:
      awake('rcuReadLock', [cpu.id]);
      ctx.rcuReadLock(cpu);
      p.pc++;
      return o.costRcuReadNs;
    case Op.RcuReadUnlock:
      awake('rcuReadUnlock', [cpu.id]);
      if (cpu.rcuNesting === cpu.top.rcuNesting) opFail(k, p, 'rcuReadUnlock', [cpu.id], Status.Unbalanced);
      ctx.rcuReadUnlock(cpu);
      p.pc++;
      return o.costRcuReadNs;
    case Op.CondResched:
      awake('condResched', [cpu.id]);
      if (!cpu.quiescentHere()) opFail(k, p, 'condResched', [cpu.id], Status.BadContext);
      ctx.condResched(cpu);
      p.pc++;
      return o.costCondReschedNs;
    case Op.Sleep:
      awake('setIdle', [cpu.id, true]);
      if (!cpu.quiescentHere()) opFail(k, p, 'setIdle', [cpu.id, true], Status.NotIdle);
      ctx.setIdle(cpu, true);
      p.wake = (k.jiffies + arg) >>> 0;
      p.state = 'sleeping';
      p.pc++;
      return 0;
    case Op.Loop:
      p.loops.push({ start: p.pc + 1, remaining: arg, index: 0 });
      p.pc++;
      return 0;
    case Op.End: {
      const top = p.loops[p.loops.length - 1];
      top.index++;
      top.remaining--;
      if (top.remaining > 0) {
        p.pc = top.start;
      } else {
        p.loops.pop();
        p.pc++;
      }
      return 0;
    }
    case Op.MemSample:
      memSample(k, p, arg);
      p.pc++;
      return 0;
    default:
      k.invariant(cpu, `program on cpu ${cpu.id} has an unknown opcode ${op}`);
  }
  // An op on `obj` without one.
  p.pc++;
  return 0;
}

/** startNs/startGpSeq: when the first op of the loaded set executes. */
function noteFirstOp(k: Kernel): void {
  const w = k.workload;
  if (w.started) return;
  w.started = true;
  w.startNs = k.now;
  w.startGpSeq = k.gpSeq;
}

/** The object must be allocated: `ifFree` for a free one (kfree: DoubleFree), AlreadyQueued if queued. */
function checkAllocated(k: Kernel, p: Program, command: CommandName, args: unknown[], obj: SlabObject, ifFree: Status): void {
  if (obj.state === 'free') opFail(k, p, command, args, ifFree);
  if (obj.state === 'queued' && !(command === 'callRcu' && obj.where === 'detached')) opFail(k, p, command, args, Status.AlreadyQueued);
}

/**
 * mem_sample: rcuscale's si_mem_available() filter. The first sample sets both values; later ones,
 * at iteration indexes that are multiples of `period`, average memDuring with the current value.
 */
function memSample(k: Kernel, p: Program, period: number): void {
  const o = k.options;
  const w = k.workload;
  const total = o.maxObjects * o.objSize + o.maxPages * 4096;
  const avail = total - (k.slab.inUse * o.objSize + k.pages.inUse * 4096);
  const index = p.loops.length > 0 ? p.loops[p.loops.length - 1].index : 0;
  if (w.memDuring === 0) {
    w.memBegin = w.memDuring = avail;
  } else if (period > 0 && index % period === 0) {
    w.memDuring = Math.floor((w.memDuring + avail) / 2);
  }
}
