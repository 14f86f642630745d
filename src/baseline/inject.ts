// Injection at preemption points (docs/model.md §16): the hot paths call `point(p)` wherever
// hardware could interrupt the running code or another CPU could interleave with it. A point
//
//   1. counts the hit (pointHits, and the machine-wide hit number the schedule refers to);
//   2. takes `costPointNs` of the running program's time when it is *timed* (§16.4);
//   3. calls the at() hooks registered for it, then picks at most one action — the schedule's entry
//      for this hit, a due rate NMI, or a random draw per source — ;
//   4. drops an action the CPU cannot take right now (injectRefused);
//   5. delivers it: an NMI, probe or hardirq frame running the source's handler program, or one op
//      of another CPU's program (a remote step).
//
// Simplified: an injected frame is entered and left with the §2 rules but no irq-enabled point of
// its own (the interrupted code resumes and ends with one); handler programs are workload programs
// (workload.ts) with their own `obj` register, and `kmalloc` in them stands for kmalloc_nolock().
import { CTX_NAMES } from '../events.js';
import { rcuErrorMessage } from '../messages.js';
import { pointName } from '../points.js';
import { encodeProgram } from '../program.js';
import { Ctx, Ev, InjectKind, Op, Point, Stat, Status } from '../shared/codes.js';
import type { InjectKindName, PointHit, PointName, RcuMachine } from '../types.js';
import type { Contexts } from './context.js';
import type { Cpu } from './cpu.js';
import type { Kernel } from './kernel.js';
import { executeOp, Program, stepProgram } from './workload.js';

/** Injected actions (handlers and remote steps) that may be in progress at once, machine-wide. */
export const INJECT_DEPTH_MAX = 2;
/** Ops one handler invocation may execute (the slice bound of docs/model.md §14.1). */
export const HANDLER_OPS_MAX = 1 << 20;

const KIND_NAMES: InjectKindName[] = ['nmi', 'probe', 'hardirq', 'remote'];
const KIND_STATS = [Stat.injectNmi, Stat.injectProbe, Stat.injectHardirq, Stat.remoteSteps];
const KIND_CTX = [Ctx.Nmi, Ctx.Probe, Ctx.Hardirq];

type HookFn = (m: RcuMachine, hit: PointHit) => void;

/** One source, ready to use: its probability as a u32 threshold, its points as a set of ids. */
interface Source {
  threshold: number;
  points: Set<Point>;
  handler: Uint32Array;
}

/**
 * The injection state of a machine.
 * @hits: machine-wide point hits so far (the schedule's `hit` numbers).
 * @schedule: explicit injections by hit number.
 * @nmiPeriodNs, @nextNmiNs: the rate NMI source; per CPU, never reset (docs/model.md §16.4).
 * @timed: the program whose slice-loop iteration is executing (its clock is the one points advance).
 * @depth: injected actions in progress (handlers and remote steps).
 * @pointStack: points of the injected actions and the hook in progress, innermost last (Failure.point).
 * @opFailLabel: while an injected handler or remote step runs, op failures poison the machine with
 *   this label instead of being the program's typed error.
 * @hooks, @inHook: at() callbacks per point; hooks do not nest.
 */
export class Injector {
  hits = 0;
  readonly sources: Source[];
  readonly schedule = new Map<number, InjectKind>();
  readonly nmiPeriodNs: number;
  readonly nextNmiNs: number[];
  timed: Program | null = null;
  depth = 0;
  readonly pointStack: PointName[] = [];
  opFailLabel: string | null = null;
  readonly hooks: { fn: HookFn }[][] = Array.from({ length: Point.POINT_COUNT }, () => []);
  inHook = false;
  /** Set by TsMachine: the machine hooks receive, and the context rules handler ops use. */
  machine: RcuMachine | null = null;
  ctx: Contexts | null = null;

  constructor(k: Kernel) {
    const inject = k.options.inject;
    this.sources = KIND_NAMES.map((name) => {
      const s = inject[name];
      return {
        threshold: Math.floor(s.probability * 2 ** 32),
        points: new Set(s.points.map((p) => (POINT_IDS.get(p) as Point))),
        handler: encodeProgram(s.handler, `inject.${name}.handler`),
      };
    });
    for (const e of inject.schedule) this.schedule.set(e.hit, (KIND_NAMES.indexOf(e.kind) + 1) as InjectKind);
    const rate = inject.nmi.ratePerSec;
    this.nmiPeriodNs = rate > 0 ? Math.floor(1e9 / rate) : Infinity;
    this.nextNmiNs = new Array<number>(k.options.nrCpus).fill(this.nmiPeriodNs);
  }

  /** The program whose time a point on `cpu` takes, if the point is timed. */
  timedOn(cpu: Cpu): Program | null {
    return this.timed !== null && this.timed.cpu === cpu ? this.timed : null;
  }

  /** Failure.point: the innermost injected action or hook in progress. */
  currentPoint(): PointName | undefined {
    return this.pointStack.length > 0 ? this.pointStack[this.pointStack.length - 1] : undefined;
  }
}

const POINT_IDS = new Map<PointName, Point>(Array.from({ length: Point.POINT_COUNT - 1 }, (_, i) => [pointName(i + 1), (i + 1) as Point]));

/** point(p) on `cpu` (docs/model.md §16.1 steps 1–5, §16.4). */
export function point(k: Kernel, cpu: Cpu, p: Point): void {
  const inj = k.inj;
  const ctx = inj.ctx!;
  k.count(cpu, Stat.pointHits);
  const hit = ++inj.hits;
  const owner = inj.timedOn(cpu);
  if (owner !== null) {
    owner.clock += k.options.costPointNs;
    k.now = owner.clock;
  }
  if (!inj.inHook && inj.hooks[p].length > 0) callHooks(k, cpu, p, hit);

  // Step 3: at most one action, first match wins.
  let kind = inj.schedule.get(hit) ?? 0;
  let rateNmi = false;
  // A due rate NMI lands at the first timed point of its `points` (it stays due until then).
  if (kind === 0 && owner !== null && inj.nmiPeriodNs !== Infinity && inj.nextNmiNs[cpu.id] <= k.now && inj.sources[0].points.has(p)) {
    kind = InjectKind.Nmi;
    rateNmi = true;
  }
  if (kind === 0) {
    for (let i = 0; i < inj.sources.length; i++) {
      const s = inj.sources[i];
      if (s.threshold === 0 || !s.points.has(p)) continue;
      if (k.prng.next() < s.threshold) {
        kind = (i + 1) as InjectKind;
        break;
      }
    }
  }
  if (kind === 0) return;

  // Step 4: an action the CPU cannot take here is dropped (a dropped rate NMI stays due).
  if (refused(k, cpu, kind, owner !== null)) {
    k.count(cpu, Stat.injectRefused);
    return;
  }

  // Step 5.
  k.count(cpu, KIND_STATS[kind - 1]);
  k.emit(cpu, Ev.Inject, p, kind);
  if (rateNmi) {
    const period = inj.nmiPeriodNs;
    inj.nextNmiNs[cpu.id] += (Math.floor((k.now - inj.nextNmiNs[cpu.id]) / period) + 1) * period;
  }
  inj.depth++;
  inj.pointStack.push(pointName(p));
  try {
    if (kind === InjectKind.Remote) remoteStep(k, ctx, cpu, p);
    else runHandler(k, ctx, cpu, kind, p);
  } finally {
    inj.depth--;
    inj.pointStack.pop();
  }
  // The interrupted code resumes at the time the injected code finished.
  if (owner !== null) k.now = owner.clock;
}

/** Step 4: would enter(cpu, kind) fail; can a remote step happen here; is there room to nest? */
function refused(k: Kernel, cpu: Cpu, kind: InjectKind, timed: boolean): boolean {
  if (k.inj.depth >= INJECT_DEPTH_MAX) return true;
  switch (kind) {
    case InjectKind.Nmi:
      return cpu.idle || cpu.hasNmiFrame();
    case InjectKind.Probe:
      return cpu.idle || cpu.ctx === Ctx.Probe;
    case InjectKind.Hardirq:
      return cpu.idle || cpu.level() >= 2 || cpu.irqsDisabled();
    default:
      return !timed || k.options.nrCpus === 1;
  }
}

/**
 * An injected NMI, probe or hardirq: enter the frame, run the source's handler program to its end,
 * leave the frame. No irq-enabled point on either side. A failing op or an unbalanced exit is a bug
 * of the injected code in the middle of the interrupted one: the machine fails Invariant.
 */
function runHandler(k: Kernel, ctx: Contexts, cpu: Cpu, kind: InjectKind, p: Point): void {
  const inj = k.inj;
  const frameKind = KIND_CTX[kind - 1];
  const label = `${CTX_NAMES[frameKind]} handler injected at ${pointName(p)} on cpu ${cpu.id}`;
  cpu.push(frameKind);
  k.emit(cpu, Ev.CtxEnter, frameKind);

  const savedLabel = inj.opFailLabel;
  inj.opFailLabel = label;
  const h = new Program(inj.sources[kind - 1].handler, cpu, true);
  let ops = 0;
  while (h.pc < h.length) {
    if (ops === HANDLER_OPS_MAX) k.invariant(cpu, `handler on cpu ${cpu.id} ran more than ${HANDLER_OPS_MAX} ops`);
    ops++;
    // At a timed point the handler's ops take the interrupted program's time, like its own ops.
    const owner = inj.timedOn(cpu);
    const opStart = owner !== null ? owner.clock : 0;
    if (owner !== null) k.now = owner.clock;
    const cost = executeOp(k, ctx, cpu, h);
    if (owner !== null) owner.clock = Math.max(owner.clock, opStart + cost);
  }
  inj.opFailLabel = savedLabel;

  const top = cpu.top;
  if (cpu.irqDepth !== top.irqDepth || cpu.preemptCount !== top.preemptCount || cpu.rcuNesting !== top.rcuNesting || cpu.locksHeld !== top.locksHeld) {
    k.invariant(cpu, `${label} failed: ${rcuErrorMessage('exit', [cpu.id], Status.Unbalanced, k.options)}`);
  }
  k.emit(cpu, Ev.CtxExit, frameKind);
  cpu.pop();
}

/** Ops that may spin on the target CPU's krc lock (docs/model.md §16.1, the remote step's simplification). */
const KRC_LOCK_OPS: ReadonlySet<number> = new Set([Op.KfreeRcu, Op.KvfreeRcu, Op.KfreeRcuMix, Op.KfreeRcuNolock]);

/**
 * Another CPU interleaves here: one slice-loop iteration of the first running program found from a
 * random CPU on. Its clock catches up with ours; our `now` is restored afterwards by point().
 */
function remoteStep(k: Kernel, ctx: Contexts, cpu: Cpu, p: Point): void {
  const n = k.options.nrCpus;
  const r = k.prng.next();
  const start = (cpu.id + 1 + (r % (n - 1))) % n;
  for (let i = 0; i < n; i++) {
    const t = k.cpus[(start + i) % n];
    if (t === cpu) continue;
    const prog = k.workload.programs[t.id];
    // Running, and not in the middle of an op of its own (an outer iteration on the stack).
    if (prog === null || prog.state !== 'running' || prog.stepping) continue;
    if (k.options.batched && prog.pc < prog.length && prog.obj !== null && KRC_LOCK_OPS.has(prog.words[2 * prog.pc])) {
      const holder = k.krcs[t.id].lock.holder;
      if (holder !== null && holder.cpu !== t) {
        k.count(t, Stat.spinWaits); // it would spin on a lock another CPU holds: it runs in its own slice
        return;
      }
    }
    const inj = k.inj;
    const savedLabel = inj.opFailLabel;
    inj.opFailLabel = `remote step of cpu ${t.id} injected at ${pointName(p)} on cpu ${cpu.id}`;
    prog.clock = Math.max(prog.clock, k.now);
    stepProgram(k, ctx, t, prog, false);
    inj.opFailLabel = savedLabel;
    return;
  }
}

/**
 * The at() hooks of point `p`, in registration order. Commands they call are nested commands
 * (TsMachine): no end-of-command irq-enabled point, and the outer command's name is restored here.
 * A hook that throws poisons the machine: the interrupted command cannot be completed.
 */
function callHooks(k: Kernel, cpu: Cpu, p: Point, hit: number): void {
  const inj = k.inj;
  const name = pointName(p);
  const { command, args } = k;
  inj.inHook = true;
  inj.pointStack.push(name);
  try {
    for (const h of [...inj.hooks[p]]) h.fn(inj.machine!, { cpu: cpu.id, point: name, hit });
  } catch (e) {
    k.command = command;
    k.args = args;
    if (k.failure !== null) throw k.failure;
    k.invariant(cpu, `at() hook for ${name} on cpu ${cpu.id} threw: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    inj.inHook = false;
    inj.pointStack.pop();
    k.command = command;
    k.args = args;
  }
}

/** at(point, fn): registers a hook; the returned function removes it (idempotent). */
export function addHook(k: Kernel, p: Point, fn: HookFn): () => void {
  const reg = { fn };
  k.inj.hooks[p].push(reg);
  return () => {
    const list = k.inj.hooks[p];
    const i = list.indexOf(reg);
    if (i >= 0) list.splice(i, 1);
  };
}
