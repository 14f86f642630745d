// Preemption points and injection (docs/model.md §16): `point(cpu, p)` at every place where
// hardware could interrupt or another CPU could interleave, the TS hooks (`at(point, fn)`), and
// what lands there: NMIs, probes and hardirqs running a handler program in their own frame, and
// remote steps (one op of another CPU's program).
// Kernel counterpart: none directly; it stands for NMIs (perf, watchdog), kprobes/BPF programs,
// device interrupts and real concurrency between CPUs, at the places the review worries about.
// Contexts: points are hit in every context (task programs, kernel flows under krc.lock, irq_work
// callbacks, works). A handler runs on the CPU whose point was hit, in a frame pushed on top of
// whatever was running there, and exits without an irq-enabled point (the interrupted code
// resumes; its own command or op ends with one).
//
// Cost when nothing is configured (the rcuscale loop): pointHits++, the hit counter++, now +=
// point_cost_now (0 outside run ops), and one test of `point_mask` — no call, no PRNG draw.
// point_mask bit p is set iff a hook, a random source, rate NMIs or a schedule entry could act at p.
//
//   point(cpu, p) ──mask bit clear──► return
//        │ set
//        ▼
//   hook? ──► on_point(cpu, p, hit) (TS; may re-enter the core with commands)
//   schedule entry for this hit? ─► kind │ rate NMI due on cpu? ─► nmi │ random sources in order
//        ▼
//   allowed here? ──no──► injectRefused (a refused rate NMI stays due)
//        │ yes
//        ▼
//   Inject(p, kind); nmi/probe/hardirq: push frame, run handler, pop │ remote: remote_step(target)
import { Ctx, Ev, InjectKind, Stat } from '../src/shared/codes';
import { now, set_now } from './clock';
import {
  cost_point, HANDLER_DEPTH_MAX, inject_handler_words, inject_points, inject_threshold, INJECT_SOURCES,
  nmi_period, nmi_rate, NIL, nr_cpus, sched_len,
} from './config';
import { irqs_disabled, pop_frame, push_frame, top_frame } from './cpu';
import { fail_injected_exit, fail_status } from './failure';
import {
  cpu_at, handler_words_ptr, hframe_at, inj_at, InjCpu, klock_idx, lock_at, prog_at, PROG_RUNNING,
  prog_words_ptr, sched_ptr,
} from './layout';
import { prng_next } from './prng';
import { stat_add, stat_inc } from './stats';
import { emit } from './trace';
import { remote_step, run_handler } from './workload';
import { batched } from './config';
import { Op } from '../src/shared/codes';

/** The TS side's hook dispatcher: called only for points whose hook bit is set. */
@external('env', 'on_point')
declare function on_point(cpu: u32, p: u32, hit: f64): void;

/** Machine-wide point-hit counter (the first hit is 1). */
export let point_hit: u64 = 0;
/**
 * The CPU whose program's slice-loop iteration (or remote step) is executing, NIL if none: a point
 * on that CPU is timed on that program's clock (docs/model.md §16.4).
 */
export let timed_cpu: u32 = NIL;
/** That program's clock while its iteration runs (written back to its Prog at the end). */
export let timed_clock: u64 = 0;
/**
 * Timed points not yet folded into point_hit and timed_cpu's pointHits (the hot path only counts
 * here; fold_hits() brings both up to date before anyone looks: the slow path, a change of the
 * timed CPU, the stats).
 */
let timed_hits: u32 = 0;

/** Brings point_hit and timed_cpu's pointHits up to date. */
function fold_hits(): void {
  const n = timed_hits;
  if (n == 0) return;
  timed_hits = 0;
  point_hit += n;
  stat_add(timed_cpu, Stat.pointHits, n);
}

/** Bit p: something may act at point p (a hook, a random source, rate NMIs, the schedule). */
export let point_mask: u32 = 0;
/** Bits of point_mask set only because rate NMIs may land there (no hook, schedule or random source). */
let rate_only_mask: u32 = 0;
/** Bit p: a TS hook is registered for point p. */
let hook_mask: u32 = 0;
/** A hook is running (hooks do not nest; commands it calls are nested commands). */
export let in_hook: bool = false;
/** Hit number of the last schedule entry; while it is ahead, the mask covers every point. */
let sched_last: u64 = 0;
let sched_active = false;
/** Mask of all points (bits 1..8). */
const ALL_POINTS: u32 = 0x1fe;
/** Injected actions (handlers and remote steps) in progress, machine-wide. */
export let inject_depth: u32 = 0;
/**
 * Points of the injected actions and the hook in progress, innermost last (Failure.point); at
 * most HANDLER_DEPTH_MAX actions + 1 hook deep (static data, no heap).
 */
const POINT_STACK: usize = memory.data(8);
let point_sp: u32 = 0;
// The innermost injected action, for the failure message of an op it runs (docs/model.md §16.4):
// InjectKind, the point, the CPU it was injected on (N) and, for a remote step, its target (T).
export let lbl_kind: u32 = 0;
export let lbl_point: u32 = 0;
export let lbl_cpu: u32 = 0;
export let lbl_target: u32 = 0;

@inline export function set_timed(cpu: u32, clock: u64): void {
  if (timed_hits) fold_hits();
  timed_cpu = cpu;
  timed_clock = clock;
}

@inline export function set_timed_clock(clock: u64): void {
  timed_clock = clock;
}

/**
 * docs/model.md §16.1: count, time (when timed), then the slow path only when configured. A timed
 * point (the hot case: inside a program op) only counts timed_hits and moves the clock.
 * `quiet` (a compile-time constant) is true only for points on the CPU of run_slice_quiet: that
 * CPU is the timed one for the whole slice (only a remote step, delivered by point_slow, changes
 * timed_cpu meanwhile), and no point can act (below).
 */
@inline export function point(cpu: u32, p: u32, quiet: bool = false): void {
  if (quiet || cpu == timed_cpu) { // timed: clock += costPointNs; now = clock
    timed_hits++;
    const t = timed_clock + cost_point;
    timed_clock = t;
    set_now(t);
  } else {
    point_untimed(cpu);
  }
  // quiet (compile-time, run_slice_quiet): point_mask was 0 when the slice began, and only
  // point_slow (and the hooks it runs) can change it, so no point of the slice can act.
  // A point watched only for rate NMIs needs the slow path only on the timed CPU once one is due
  // (point_slow would find nothing else to do): the common case under a 100 kHz NMI source.
  const bit: u32 = 1 << p;
  if (!quiet && (point_mask & bit) != 0 && ((rate_only_mask & bit) == 0 || (cpu == timed_cpu && inj_at(cpu).next_nmi_ns <= <f64>now))) point_slow(cpu, p);
}

function point_untimed(cpu: u32): void {
  if (timed_hits) fold_hits();
  point_hit++;
  stat_inc(cpu, Stat.pointHits);
}

/** Brings the pointHits stats up to date (the binding calls it before reading the stats). */
export function stats_flush(): void {
  fold_hits();
}

function recompute_mask(): void {
  let m = hook_mask;
  if (sched_active) m |= ALL_POINTS;
  for (let k: u32 = 1; k < INJECT_SOURCES; k++) if (inject_threshold(k) > 0) m |= inject_points(k);
  const rate: u32 = nmi_rate > 0 ? inject_points(<u32>InjectKind.Nmi) : 0; // rate NMIs: timed points of nmi.points
  rate_only_mask = rate & ~m;
  point_mask = m | rate;
}

/** After init and after the binding copied the handlers and the schedule. */
export function inject_ready(): void {
  sched_last = sched_len > 0 ? <u64>load<u32>(sched_ptr(sched_len - 1)) : 0;
  sched_active = sched_len > 0;
  const n = nr_cpus;
  for (let cpu: u32 = 0; cpu < n; cpu++) {
    const inj = inj_at(cpu);
    inj.next_nmi_ns = nmi_period;
    inj.hdepth = 0;
    inj.in_op = 0;
  }
  recompute_mask();
}

/** The TS side's registered hooks, one bit per point. */
export function set_hook_mask(mask: u32): void {
  hook_mask = mask & ALL_POINTS;
  recompute_mask();
}

@inline function push_point(p: u32): void {
  if (point_sp < 8) store<u8>(POINT_STACK + point_sp, <u8>p);
  point_sp++;
}

@inline function pop_point(): void {
  point_sp--;
}

/** Ops that may spin on the target's krc lock (the remote step's simplification). */
@inline function takes_krc_lock(op: u32): bool {
  return op == <u32>Op.KfreeRcu || op == <u32>Op.KvfreeRcu || op == <u32>Op.KfreeRcuMix || op == <u32>Op.KfreeRcuNolock;
}

// @lazy: compiled after everything else, so asc never meets it (and the @inline helpers of its
// callees) while it is expanding an inlined point() somewhere (AS217, "cannot be inlined into itself").
@lazy export function point_slow(cpu: u32, p: u32): void {
  fold_hits();
  const bit: u32 = 1 << p;
  const hit = point_hit;
  const timed = cpu == timed_cpu;
  // 3. hooks first (before the schedule), not nested
  if ((hook_mask & bit) != 0 && !in_hook) {
    in_hook = true;
    push_point(p);
    on_point(cpu, p, <f64>hit); // a throwing hook unwinds through here (the machine is poisoned)
    pop_point();
    in_hook = false;
    if (fail_status != 0) abort('machine poisoned inside a hook');
  }
  // a. the schedule (by hit number: hits of nested points may have been looked up before this one)
  let kind: u32 = hit <= sched_last ? schedule_kind(hit) : 0;
  if (sched_active && point_hit >= sched_last) {
    sched_active = false; // every later hit is past the schedule
    recompute_mask();
  }
  // b. a rate NMI due on this CPU (timed points of nmi.points only; it stays due until one)
  const inj = inj_at(cpu);
  let rate = false;
  if (kind == 0 && timed && nmi_rate > 0 && (inject_points(<u32>InjectKind.Nmi) & bit) != 0 && inj.next_nmi_ns <= <f64>now) {
    kind = <u32>InjectKind.Nmi;
    rate = true;
  }
  // c. random sources, in order nmi, probe, hardirq, remote; stop at the first that fires
  if (kind == 0) {
    for (let k: u32 = 1; k < INJECT_SOURCES; k++) {
      const thr = inject_threshold(k);
      if (thr == 0 || (inject_points(k) & bit) == 0) continue;
      if (<u64>prng_next() < thr) {
        kind = k;
        break;
      }
    }
  }
  if (kind == 0) return;
  // 4. an action the CPU cannot take here is dropped (a dropped rate NMI stays due)
  if (refused(cpu, kind, timed)) {
    stat_inc(cpu, Stat.injectRefused);
    return;
  }
  deliver(cpu, p, kind, inj, rate, timed);
}

/** The kind scheduled for this hit, 0 if none (binary search: hits strictly increase). */
function schedule_kind(hit: u64): u32 {
  let lo: u32 = 0;
  let hi: u32 = sched_len;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const h = <u64>load<u32>(sched_ptr(mid));
    if (h == hit) return load<u32>(sched_ptr(mid), 4);
    if (h < hit) lo = mid + 1;
    else hi = mid;
  }
  return 0;
}

/** Would enter(cpu, kind) fail; can a remote step happen here; is there room to nest? */
function refused(cpu: u32, kind: u32, timed: bool): bool {
  if (inject_depth >= HANDLER_DEPTH_MAX) return true;
  const c = cpu_at(cpu);
  if (kind == <u32>InjectKind.Nmi) return c.idle != 0 || c.nmi_frames != 0;
  if (kind == <u32>InjectKind.Probe) return c.idle != 0 || top_frame(cpu).kind == <u8>Ctx.Probe;
  if (kind == <u32>InjectKind.Hardirq) return c.idle != 0 || top_frame(cpu).level >= 2 || irqs_disabled(cpu);
  return !timed || nr_cpus == 1;
}

/** 5. Deliver: Inject(p, kind), then the handler in its frame, or a remote step. */
function deliver(cpu: u32, p: u32, kind: u32, inj: InjCpu, rate: bool, timed: bool): void {
  stat_inc(cpu, kind == <u32>InjectKind.Nmi ? Stat.injectNmi : kind == <u32>InjectKind.Probe ? Stat.injectProbe
    : kind == <u32>InjectKind.Hardirq ? Stat.injectHardirq : Stat.remoteSteps);
  emit(cpu, Ev.Inject, p, kind, 0);
  if (rate) {
    const next = inj.next_nmi_ns;
    const period = nmi_period;
    inj.next_nmi_ns = next + (Math.floor((<f64>now - next) / period) + 1) * period;
  }
  const sk = lbl_kind;
  const sp = lbl_point;
  const sc = lbl_cpu;
  const st = lbl_target;
  lbl_kind = kind;
  lbl_point = p;
  lbl_cpu = cpu;
  inject_depth++;
  push_point(p);
  if (kind == <u32>InjectKind.Remote) remote(cpu);
  else handler(cpu, p, kind, inj);
  pop_point();
  inject_depth--;
  lbl_kind = sk;
  lbl_point = sp;
  lbl_cpu = sc;
  lbl_target = st;
  // the interrupted code resumes when the injected code finished
  if (timed) set_now(timed_clock);
}

/** An injected NMI, probe or hardirq: enter, the handler to its end, exit (no irq-enabled points). */
function handler(cpu: u32, p: u32, kind: u32, inj: InjCpu): void {
  const ctx: Ctx = kind == <u32>InjectKind.Nmi ? Ctx.Nmi : kind == <u32>InjectKind.Probe ? Ctx.Probe : Ctx.Hardirq;
  const d = inj.hdepth;
  store<u8>(changetype<usize>(inj) + offsetof<InjCpu>('point0') + d, <u8>p);
  inj.hdepth = d + 1;
  push_frame(cpu, ctx);
  emit(cpu, Ev.CtxEnter, <u32>ctx, 0, 0);
  run_handler(cpu, hframe_at(cpu, d), handler_words_ptr(kind), inject_handler_words(kind));
  // exit(cpu): Unbalanced if the handler left a nesting or a lock behind
  const c = cpu_at(cpu);
  const f = top_frame(cpu);
  if (f.irq_depth != c.irq_depth || f.preempt_count != c.preempt_count || f.rcu_nesting != c.rcu_nesting ||
    f.locks_held != c.locks_held) fail_injected_exit(cpu);
  emit(cpu, Ev.CtxExit, <u32>ctx, 0, 0);
  pop_frame(cpu);
  inj.hdepth = d;
}

/**
 * A remote step: one slice-loop iteration of the first running program found from a random CPU
 * on, skipping this CPU and programs in the middle of an op; or, if that op would spin on a krc
 * lock another CPU holds, spinWaits on the target and nothing else.
 */
function remote(cpu: u32): void {
  const n = nr_cpus;
  const r = prng_next();
  const start = (cpu + 1 + r % (n - 1)) % n;
  for (let i: u32 = 0; i < n; i++) {
    const t = (start + i) % n;
    if (t == cpu) continue;
    const prog = prog_at(t);
    if (prog.state != PROG_RUNNING || inj_at(t).in_op != 0) continue;
    if (batched && prog.pc < prog.len && prog.obj != NIL && takes_krc_lock(load<u32>(prog_words_ptr(t) + (prog.pc << 2)))) {
      const holder = lock_at(klock_idx(t)).holder_cpu;
      if (holder != NIL && holder != t) {
        stat_inc(t, Stat.spinWaits);
        return;
      }
    }
    lbl_target = t;
    remote_step(t);
    return;
  }
}

/** The point a deadlock names (docs/model.md §16.4): the innermost injected action or hook, 0 if none. */
export function failure_point(): u32 {
  if (point_sp == 0) return 0;
  const i = point_sp - 1;
  return i < 8 ? <u32>load<u8>(POINT_STACK + i) : 0;
}

/**
 * n hits of point p on cpu, as the kernel flows hit it (the measurement of the per-point cost with
 * and without hooks; tests). Spelled out rather than calling the inlined point(): assembly/index.ts
 * exports this first so point_slow is compiled before any inlined point() refers to it (otherwise
 * asc cannot inline point() at the sites it meets while compiling point_slow's callees).
 */
export function bench_point(cpu: u32, p: u32, n: u32): void {
  if (cpu >= nr_cpus || p == 0 || p > 8) return;
  for (let i: u32 = 0; i < n; i++) {
    point(cpu, p);
  }
}

/** The number of point hits so far (f64 at the ABI). */
export function point_hits(): f64 {
  fold_hits();
  return <f64>point_hit;
}
