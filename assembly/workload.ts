// Workload programs and run() (docs/model.md §14): per-CPU programs of [opcode, arg] words
// (encoded once by src/program.ts, validated there), executed here without crossing the Wasm
// boundary per op. Each CPU runs a slice per jiffy at its own clock; then the machine ticks and
// blocked/sleeping programs are woken.
// Kernel counterpart: the rcuscale kfree test threads (kernel/rcu/rcuscale.c kfree_scale_thread)
// and the scheduler that runs them between ticks.
// Contexts: ops run in the CPU's current context (a program's CPU is normally at its task level);
// each op is checked like its command (CpuIdle, then the command's rules), so a failing op stops
// run() with that command's RcuError and marks its program done.
//
// Program states:
//   NONE ──loadProgram──► RUNNING ──kvfree_rcu inline fallback──► BLOCKED ──GP done (wake)──► RUNNING
//                          │  ▲ ──sleep n──► SLEEPING ──jiffies >= wake──────────────────────┘
//                          └──┴─ past the last op / kmalloc fails / an op fails ──► DONE
// Per op the interpreter touches only its own locals (pc, obj, clock) and the op's kernel path;
// opcodes and args are trusted (loadProgram's encoder validated them).
import { Ctx, Ev, Op, Point, Stat, Status } from '../src/shared/codes';
import { jiffies, now, set_now, time_after } from './clock';
import {
  batched, cost_cond_resched, cost_kfree, cost_kfree_rcu, cost_kmalloc, cost_page_alloc,
  cost_rcu_read, IO_CAP, max_objects, max_pages, NIL, nr_cpus, obj_size, PROGRAM_WORDS_MAX,
  tick_ns, trace_on, U31_MAX,
} from './config';
import { cpu_ctx, cpu_done, irq_point, quiescent_here, top_frame } from './cpu';
import { fail_injected_op, fail_invariant, Reason } from './failure';
import { bad_arg, set_result } from './io';
import { kv_page_allocated, KV_INLINE, kvfree_call_rcu, kvfree_call_rcu_inline } from './krc';
import {
  Cpu, cpu_at, frame_loop_ptr, inj_at, io_ptr, OBJ_ALLOCATED, OBJ_FREE, OBJ_QUEUED, obj_state_ptr, Prog,
  prog_at, PROG_BLOCKED, PROG_DONE, PROG_RUNNING, PROG_SLEEPING, prog_words_ptr,
} from './layout';
import { point, point_mask, set_timed, set_timed_clock, timed_clock, timed_cpu } from './inject';
import { kfree_rcu_nolock } from './nolock';
import { pages_in_use } from './page';
import { prng_next } from './prng';
import { call_rcu, gp_seq, poll_state_synchronize_rcu, rcu_qs, start_poll_synchronize_rcu } from './rcu';
import { kfree_allocated, kfree_inline, objs_in_use, slab_alloc } from './slab';
import { stat_inc } from './stats';
import { do_tick } from './tick';
import { emit } from './trace';
import { run_worklist } from './workqueue';

/** docs/model.md §14.1: ops per slice before the Invariant failure. */
export const PROGRAM_SLICE_OPS_MAX: u32 = 1 << 20;

/** Programs loaded and not done (running, blocked or sleeping). */
let not_done: u32 = 0;
// the loaded set's measurements (runInfo)
let started = false;
let start_ns: u64 = 0;
let end_ns: u64 = 0;
let start_gp: u32 = 0;
let end_gp: u32 = 0;
let mem_begin: f64 = 0;
let mem_during: f64 = 0;

// The failing op of the last run() that returned a typed error (the binding names the command).
export let run_err_cpu: u32 = 0;
/** Op of the command that failed (kfree_rcu_mix reports the form drawn: KfreeRcu or KvfreeRcu). */
export let run_err_op: u32 = 0;
export let run_err_obj: u32 = 0;

// -- loadProgram ----------------------------------------------------------------------------------
/**
 * loadProgram(cpu): the binding has checked the CPU, encoded and validated the ops
 * (src/program.ts) and copied the nwords words into the IO region.
 */
export function cmd_load_program(cpu: u32, nwords: u32): Status {
  if (cpu >= nr_cpus) return Status.BadCpu;
  if (nwords > PROGRAM_WORDS_MAX || nwords > IO_CAP || (nwords & 1)) return bad_arg(Status.BadArgument, 1);
  const p = prog_at(cpu);
  if (!quiescent_here(cpu) || p.state == PROG_RUNNING || p.state == PROG_BLOCKED || p.state == PROG_SLEEPING) {
    return Status.BadContext;
  }
  if (not_done == 0) { // a new loaded set
    started = false;
    start_ns = 0;
    end_ns = 0;
    start_gp = 0;
    end_gp = 0;
    mem_begin = 0;
    mem_during = 0;
  }
  memory.copy(prog_words_ptr(cpu), io_ptr(0), nwords << 2);
  p.state = PROG_RUNNING;
  p.pc = 0;
  p.len = nwords;
  p.obj = NIL;
  p.clock = 0;
  p.depth = 0;
  p.wait = 0;
  p.wait_obj = NIL;
  not_done++;
  const c = cpu_at(cpu);
  if (c.idle) {
    c.idle = 0;
    emit(cpu, Ev.IdleExit, 0, 0, 0);
  }
  return cpu_done(cpu);
}

// -- run ------------------------------------------------------------------------------------------
/** run(maxJiffies): result() = 1 when every program is done. */
let in_run = false;

export function cmd_run(max_jiffies: u32): Status {
  if (max_jiffies > U31_MAX) return bad_arg(Status.BadArgument, 0);
  if (in_run) return Status.BadContext; // from a hook inside run(): programs are already running
  in_run = true;
  const st = run_loop(max_jiffies);
  in_run = false;
  return st;
}

function run_loop(max_jiffies: u32): Status {
  let slices: u32 = 0;
  const n = nr_cpus;
  while (not_done > 0) {
    if (slices == max_jiffies) {
      set_result(0);
      return Status.Ok;
    }
    const B = now + tick_ns; // (jiffies + 1) * TICK_NS
    for (let cpu: u32 = 0; cpu < n; cpu++) {
      const st = run_slice(cpu, B);
      if (st) return st;
    }
    do_tick();
    wake_blocked_and_sleeping();
    slices++;
  }
  set_result(1);
  return Status.Ok;
}

/** Ends a program: ProgramEnd(code), done, endNs/endGpSeq, idle if quiescent here. */
function program_end(cpu: u32, p: Prog, clock: u64, code: u32): void {
  emit(cpu, Ev.ProgramEnd, code, 0, 0);
  if (code) stat_inc(cpu, Stat.allocFail);
  p.state = PROG_DONE;
  if (clock > end_ns) end_ns = clock;
  if (--not_done == 0) end_gp = gp_seq;
  const c = cpu_at(cpu);
  if (!c.idle && quiescent_here(cpu)) {
    c.idle = 1;
    emit(cpu, Ev.IdleEnter, 0, 0, 0);
    rcu_qs(cpu);
  }
}

/** A failing op: no effect, no cost; the program is done without any event. */
function op_fail(cpu: u32, p: Prog, obj: u32, st: Status): Status {
  run_err_cpu = cpu;
  run_err_op = failed_op;
  run_err_obj = obj;
  p.state = PROG_DONE;
  not_done--;
  return st;
}

/** The object rule of an op on `obj` (like kfreeRcu/kvfreeRcu): allocated or the error. */
@inline function obj_allocated(obj: u32, free_status: Status): Status {
  const s = load<u8>(obj_state_ptr(obj));
  if (s == OBJ_ALLOCATED) return Status.Ok;
  return s == OBJ_FREE ? free_status : Status.AlreadyQueued;
}

/** kvfree_rcu headless from a program: returns the cost; may block the program. */
function kvfree_rcu_from_program(cpu: u32, p: Prog, obj: u32): u64 {
  const r = kvfree_call_rcu(cpu, obj, true);
  const cost = kv_page_allocated ? cost_kfree_rcu + cost_page_alloc : cost_kfree_rcu;
  if (r == KV_INLINE) { // synchronize_rcu(): the program blocks instead of ticking here
    const s = start_poll_synchronize_rcu();
    emit(cpu, Ev.SyncBegin, s, 0, 0);
    cpu_at(cpu).blocked++;
    rcu_qs(cpu);
    p.state = PROG_BLOCKED;
    p.wait = s;
    p.wait_obj = obj;
  }
  return cost;
}

/** rcuscale's si_mem_available() filter. */
function mem_sample(p: Prog, period: u32): void {
  const total = <f64>max_objects * <f64>obj_size + <f64>max_pages * 4096.0;
  const avail = total - (<f64>objs_in_use * <f64>obj_size + <f64>pages_in_use * 4096.0);
  if (mem_during == 0) {
    mem_begin = avail;
    mem_during = avail;
  } else if (period > 0) {
    const index = p.depth > 0 ? load<u32>(frame_loop_ptr(p, p.depth - 1), 8) : 0;
    if (index % period == 0) mem_during = Math.floor((mem_during + avail) / 2);
  }
}

/** Cost (ns) of the op exec_op() just executed. */
let op_cost: u64 = 0;
/** The command a failing op reports (kfree_rcu_mix: the form drawn). */
let failed_op: u32 = 0;

// -- the object ops (docs/model.md §14.1) ----------------------------------------------------------
// One definition each, inlined both into exec_op() (every program and handler op) and into
// run_slice's loop (a task program's slice, obj in a local): the checks in the model's order, then
// the kernel call; the op's cost in op_cost. The caller handles a missing obj (the op does nothing)
// and clears its obj register when the op returns Ok. `hot` (compile-time): inline
// kvfree_call_rcu() itself (run_slice); `quiet` as in run_slice_quiet.

/** call_rcu(), and kfree_rcu() without batching, are not NMI- or probe-safe. */
@inline function in_nmi_or_probe(cpu: u32): bool {
  const ctx = cpu_ctx(cpu);
  return ctx == <u32>Ctx.Nmi || ctx == <u32>Ctx.Probe;
}

@inline function op_kfree_rcu(cpu: u32, c: Cpu, obj: u32, hot: bool, quiet: bool): Status {
  if (c.idle) return Status.CpuIdle;
  if (!batched && in_nmi_or_probe(cpu)) return Status.BadContext;
  const st = obj_allocated(obj, Status.NotAllocated);
  if (st) return st;
  if (hot) kvfree_call_rcu_inline(cpu, obj, false, false, quiet);
  else kvfree_call_rcu(cpu, obj, false);
  op_cost = cost_kfree_rcu;
  return Status.Ok;
}

@inline function op_kvfree_rcu(cpu: u32, c: Cpu, p: Prog, obj: u32): Status {
  if (c.idle) return Status.CpuIdle;
  if (!quiescent_here(cpu)) return Status.BadContext;
  const st = obj_allocated(obj, Status.NotAllocated);
  if (st) return st;
  op_cost = kvfree_rcu_from_program(cpu, p, obj);
  return Status.Ok;
}

/** The form kfree_rcu_mix drew (the op its error reports). */
let mix_op: u32 = 0;

/** rcuscale's kfree_rcu_test_single + double: the form is drawn first, before any check. */
@inline function op_kfree_rcu_mix(cpu: u32, c: Cpu, p: Prog, obj: u32, hot: bool, quiet: bool): Status {
  const headless = (prng_next() & 0x800) != 0;
  mix_op = headless ? <u32>Op.KvfreeRcu : <u32>Op.KfreeRcu;
  return headless ? op_kvfree_rcu(cpu, c, p, obj) : op_kfree_rcu(cpu, c, obj, hot, quiet);
}

@inline function op_kfree_rcu_nolock(cpu: u32, c: Cpu, obj: u32): Status {
  if (c.idle) return Status.CpuIdle;
  const st = obj_allocated(obj, Status.NotAllocated);
  if (st) return st;
  kfree_rcu_nolock(cpu, obj);
  op_cost = cost_kfree_rcu;
  return Status.Ok;
}

/** call_rcu of an allocated object, or of one taken off an llist (still queued). */
@inline function op_call_rcu(cpu: u32, c: Cpu, obj: u32): Status {
  if (c.idle) return Status.CpuIdle;
  if (in_nmi_or_probe(cpu)) return Status.BadContext;
  const s = load<u8>(obj_state_ptr(obj));
  if (s == OBJ_FREE) return Status.NotAllocated;
  if (s != OBJ_ALLOCATED && s != OBJ_QUEUED) return Status.AlreadyQueued;
  call_rcu(cpu, obj);
  op_cost = cost_kfree_rcu;
  return Status.Ok;
}

@inline function op_kfree(cpu: u32, c: Cpu, obj: u32): Status {
  if (c.idle) return Status.CpuIdle;
  const st = obj_allocated(obj, Status.DoubleFree);
  if (st) return st;
  kfree_allocated(cpu, obj);
  op_cost = cost_kfree;
  return Status.Ok;
}
/**
 * Executes the op at f.pc (a task program's Prog or a handler frame, docs/model.md §14.1, §16.1)
 * on `cpu`, advancing f.pc and updating f.obj; leaves its cost in op_cost. Returns the op's typed
 * error (the op had no effect; f.pc still names it) or Ok. `handler` is a compile-time constant
 * after inlining: handler frames never block, sleep or sample memory for runInfo.
 */
@inline function exec_op(cpu: u32, c: Cpu, f: Prog, words: usize, handler: bool): Status {
  const pc = f.pc;
  const w = words + (pc << 2);
  let op = load<u32>(w);
  const arg = load<u32>(w, 4);
  f.pc = pc + 2;
  const obj = f.obj;
  let cost: u64 = 0;
  let st = Status.Ok;
  // Checked ops test CpuIdle first (an interactive setIdle between runs); loop, end, mem_sample
  // and ops on a missing obj are never checked.
  switch (op) {
    case Op.Kmalloc:
    case Op.Vmalloc: {
      if (c.idle) { st = Status.CpuIdle; break; }
      const o = slab_alloc(cpu, op - <u32>Op.Kmalloc);
      if (o == NIL) {
        if (handler) { // kmalloc_nolock() returns NULL: the handler goes on without an object
          stat_inc(cpu, Stat.allocFail);
          f.obj = NIL;
        } else {
          program_end(cpu, f, timed_clock, 1); // rcuscale's -ENOMEM: the program ends, nothing charged
        }
        break;
      }
      f.obj = o;
      cost = cost_kmalloc;
      break;
    }
    case Op.KfreeRcu:
    case Op.KvfreeRcu:
    case Op.KfreeRcuMix:
    case Op.KfreeRcuNolock:
    case Op.CallRcu:
    case Op.Kfree: {
      if (obj == NIL) break;
      switch (op) {
        case Op.KfreeRcu: st = op_kfree_rcu(cpu, c, obj, false, false); break;
        case Op.KvfreeRcu: st = op_kvfree_rcu(cpu, c, f, obj); break;
        case Op.KfreeRcuMix: st = op_kfree_rcu_mix(cpu, c, f, obj, false, false); op = mix_op; break;
        case Op.KfreeRcuNolock: st = op_kfree_rcu_nolock(cpu, c, obj); break;
        case Op.CallRcu: st = op_call_rcu(cpu, c, obj); break;
        default: st = op_kfree(cpu, c, obj);
      }
      if (st) break;
      f.obj = NIL;
      cost = op_cost;
      break;
    }
    case Op.RcuReadLock: {
      if (c.idle) { st = Status.CpuIdle; break; }
      const n = c.rcu_nesting + 1;
      c.rcu_nesting = n;
      emit(cpu, Ev.RcuReadLock, n, 0, 0);
      cost = cost_rcu_read;
      break;
    }
    case Op.RcuReadUnlock: {
      if (c.idle) { st = Status.CpuIdle; break; }
      if (c.rcu_nesting == top_frame(cpu).rcu_nesting) { st = Status.Unbalanced; break; }
      const n = c.rcu_nesting - 1;
      c.rcu_nesting = n;
      emit(cpu, Ev.RcuReadUnlock, n, 0, 0);
      cost = cost_rcu_read;
      break;
    }
    case Op.CondResched: {
      if (c.idle) { st = Status.CpuIdle; break; }
      if (!quiescent_here(cpu)) { st = Status.BadContext; break; }
      emit(cpu, Ev.CondResched, 0, 0, 0);
      rcu_qs(cpu);
      run_worklist(cpu);
      cost = cost_cond_resched;
      break;
    }
    case Op.Sleep: {
      if (c.idle) { st = Status.CpuIdle; break; }
      if (!quiescent_here(cpu)) { st = Status.NotIdle; break; }
      // (never in a handler: its frame is not task, so the rule above refused it)
      c.idle = 1;
      emit(cpu, Ev.IdleEnter, 0, 0, 0);
      rcu_qs(cpu);
      f.wait = jiffies + arg;
      f.state = PROG_SLEEPING;
      break;
    }
    case Op.Loop: {
      const lp = frame_loop_ptr(f, f.depth++);
      store<u32>(lp, pc + 2, 0); // start: the op after `loop`
      store<u32>(lp, arg, 4); // remaining
      store<u32>(lp, 0, 8); // iteration index
      break;
    }
    case Op.End: {
      const lp = frame_loop_ptr(f, f.depth - 1);
      store<u32>(lp, load<u32>(lp, 8) + 1, 8);
      const left = load<u32>(lp, 4) - 1;
      store<u32>(lp, left, 4);
      if (left > 0) f.pc = load<u32>(lp, 0);
      else f.depth--;
      break;
    }
    case Op.MemSample: {
      mem_sample(f, arg);
      break;
    }
    default:
      unreachable();
  }
  if (st) {
    f.pc = pc;
    f.obj = obj;
    failed_op = op;
  }
  op_cost = cost;
  return st;
}

/** exec_op() of a task program, out of line (run_slice's cold ops). */
function exec_op_task(cpu: u32, c: Cpu, p: Prog, words: usize): Status {
  return exec_op(cpu, c, p, words, false);
}

/** Ops of the current slice (docs/model.md §14.1 bound); remote steps do not count. */
let slice_ops: u32 = 0;

/** Program control (a bit per Op): not kernel code. */
const CONTROL_OPS: u32 = (1 << <u32>Op.Loop) | (1 << <u32>Op.End) | (1 << <u32>Op.MemSample);
/** Ops on the obj register (a bit per Op): on a missing obj they do nothing. */
const OBJ_OPS: u32 = (1 << <u32>Op.KfreeRcu) | (1 << <u32>Op.KvfreeRcu) | (1 << <u32>Op.KfreeRcuMix) |
  (1 << <u32>Op.CallRcu) | (1 << <u32>Op.Kfree) | (1 << <u32>Op.KfreeRcuNolock);

/**
 * Program control and ops on a missing obj are not kernel code: no task-op point (§16.4).
 * Bit tests on the opcode (1..15, validated by the encoder), for speed: two tests per op.
 */
@inline function has_task_op_point(op: u32, obj: u32): bool {
  const bit: u32 = 1 << op;
  return (bit & CONTROL_OPS) == 0 && (obj != NIL || (bit & OBJ_OPS) == 0);
}

/**
 * One slice-loop iteration of `cpu`'s program (docs/model.md §16.4), also a remote step's one op:
 * now = clock; end, or [task-op] + the op + clock = max(clock, opStart + cost); then the
 * irq-enabled point. Every point reached on this CPU meanwhile is timed on p.clock. A failing op
 * is the program's typed error in a slice, and poisons the machine in a remote step.
 */
@inline function step_program(cpu: u32, c: Cpu, p: Prog, in_slice: bool): Status {
  let st = Status.Ok;
  set_now(timed_clock);
  if (p.pc >= p.len) {
    program_end(cpu, p, timed_clock, 0);
  } else {
    if (in_slice) {
      if (slice_ops == PROGRAM_SLICE_OPS_MAX) fail_invariant(cpu, Reason.ProgramOps);
      slice_ops++;
    }
    if (!started) {
      started = true;
      start_ns = now;
      start_gp = gp_seq;
    }
    const opStart = timed_clock;
    const words = prog_words_ptr(cpu);
    if (has_task_op_point(load<u32>(words + (p.pc << 2)), p.obj)) point(cpu, <u32>Point.TaskOp);
    st = exec_op(cpu, c, p, words, false);
    if (st) {
      if (!in_slice) injected_op_failed(cpu, p.obj, st); // aborts
      st = op_fail(cpu, p, p.obj, st);
    } else {
      const end = opStart + op_cost;
      if (end > timed_clock) set_timed_clock(end);
    }
  }
  if (st == Status.Ok) irq_point(cpu);
  return st;
}

/**
 * One CPU's slice of the jiffy ending at B (ns): the slice loop of docs/model.md §14.1 / §16.4, with
 * pc and obj in locals (the hot loop of every workload). It is step_program() + exec_op() written
 * out: the same checks, effects and order (the differential tests run both, the remote steps use
 * those). For the whole slice this CPU's program is the timed one (its clock in timed_clock) and
 * is "stepping" (in_op: remote steps skip it): between two of its iterations nothing else runs.
 *
 * Two compiled copies of one body (for speed): run_slice_quiet when trace is off and no point can
 * act (point_mask is 0, and only point_slow, never reached then, can change it during the slice),
 * compiled without the trace tests and the points' slow-path tests of its hot ops (their untaken
 * calls cost the JIT more than the tests); the general one otherwise. Same effects, same order.
 */
function run_slice(cpu: u32, B: u64): Status {
  return !trace_on && point_mask == 0 ? run_slice_quiet(cpu, B) : run_slice_any(cpu, B);
}

/** Slices the quiet copy ran (tests read it to show that copy is the one they exercised). */
export let quiet_slices: u32 = 0;

function run_slice_quiet(cpu: u32, B: u64): Status {
  quiet_slices++;
  return run_slice_body(cpu, B, true);
}

function run_slice_any(cpu: u32, B: u64): Status {
  return run_slice_body(cpu, B, false);
}

@inline function run_slice_body(cpu: u32, B: u64, quiet: bool): Status {
  const p = prog_at(cpu);
  if (p.state != PROG_RUNNING) return Status.Ok;
  const base = now;
  const c = cpu_at(cpu);
  const inj = inj_at(cpu);
  set_timed(cpu, p.clock > base ? p.clock : base);
  inj.in_op = 1;
  const words = prog_words_ptr(cpu);
  const len = p.len;
  let pc = p.pc;
  let obj = p.obj;
  let ops: u32 = 0;
  let st = Status.Ok;
  while (timed_clock < B) {
    set_now(timed_clock);
    if (pc >= len) {
      program_end(cpu, p, timed_clock, 0);
      irq_point(cpu);
      break;
    }
    if (ops == PROGRAM_SLICE_OPS_MAX) fail_invariant(cpu, Reason.ProgramOps);
    ops++;
    if (!started) {
      started = true;
      start_ns = now;
      start_gp = gp_seq;
    }
    const opStart = timed_clock;
    const opPc = pc;
    const w = words + (pc << 2);
    let op = load<u32>(w);
    const arg = load<u32>(w, 4);
    if (has_task_op_point(op, obj)) point(cpu, <u32>Point.TaskOp, quiet);
    pc += 2;
    let cost: u64 = 0;
    // The ops of rcuscale's kfree loop are dispatched here, with obj in a local; every other op goes
    // to exec_op(). Both use the same op_* definitions. Checked ops test CpuIdle first (an
    // interactive setIdle between runs); loop, end and ops on a missing obj are never checked.
    switch (op) {
      case Op.Kmalloc:
      case Op.Vmalloc: {
        if (c.idle) { st = Status.CpuIdle; break; }
        const o = slab_alloc(cpu, op - <u32>Op.Kmalloc, quiet);
        if (o == NIL) { // rcuscale's -ENOMEM: the program ends, nothing charged
          program_end(cpu, p, timed_clock, 1);
          break;
        }
        obj = o;
        cost = cost_kmalloc;
        break;
      }
      case Op.KfreeRcu: { // the rcuscale hot path: kvfree_call_rcu inlined here
        if (obj == NIL) break;
        st = op_kfree_rcu(cpu, c, obj, true, quiet);
        if (st) break;
        obj = NIL;
        cost = op_cost;
        break;
      }
      case Op.KfreeRcuMix: {
        if (obj == NIL) break;
        st = op_kfree_rcu_mix(cpu, c, p, obj, true, quiet);
        op = mix_op;
        if (st) break;
        obj = NIL;
        cost = op_cost;
        break;
      }
      case Op.CallRcu: { // rcuscale's kfree_by_call_rcu
        if (obj == NIL) break;
        st = op_call_rcu(cpu, c, obj);
        if (st) break;
        obj = NIL;
        cost = op_cost;
        break;
      }
      case Op.Loop: {
        const lp = frame_loop_ptr(p, p.depth++);
        store<u32>(lp, pc, 0); // start: the op after `loop`
        store<u32>(lp, arg, 4); // remaining
        store<u32>(lp, 0, 8); // iteration index
        break;
      }
      case Op.End: {
        const lp = frame_loop_ptr(p, p.depth - 1);
        store<u32>(lp, load<u32>(lp, 8) + 1, 8);
        const left = load<u32>(lp, 4) - 1;
        store<u32>(lp, left, 4);
        if (left > 0) pc = load<u32>(lp, 0);
        else p.depth--;
        break;
      }
      default: { // every other op: the shared executor
        p.pc = opPc;
        p.obj = obj;
        st = exec_op_task(cpu, c, p, words);
        op = failed_op;
        pc = p.pc;
        obj = p.obj;
        cost = op_cost;
      }
    }
    if (st) {
      failed_op = op;
      st = op_fail(cpu, p, obj, st);
      pc = opPc; // the failing op had no effect
      break;
    }
    const endAt = opStart + cost;
    if (endAt > timed_clock) set_timed_clock(endAt);
    irq_point(cpu);
    if (p.state != PROG_RUNNING) break;
  }
  p.pc = pc;
  p.obj = obj;
  p.clock = timed_clock;
  inj.in_op = 0;
  set_timed(NIL, 0);
  set_now(base);
  return st;
}

/**
 * A remote step on `cpu` (docs/model.md §16.4): one slice-loop iteration of its running program at
 * clock = max(its clock, now), not counted against its slice bound. The caller restores `now`.
 */
export function remote_step(cpu: u32): void {
  const p = prog_at(cpu);
  const saved_timed = timed_cpu;
  const saved_clock = timed_clock;
  const inj = inj_at(cpu);
  set_timed(cpu, p.clock > now ? p.clock : now);
  inj.in_op = 1;
  step_program(cpu, cpu_at(cpu), p, false);
  inj.in_op = 0;
  p.clock = timed_clock;
  set_timed(saved_timed, saved_clock);
}

/**
 * Runs a handler program to its end in the frame the injection pushed (docs/model.md §16.4): its
 * own obj register and loop stack, no task-op points; at a timed point its ops take the
 * interrupted program's time. A failing op poisons the machine (injected_op_failed).
 */
export function run_handler(cpu: u32, f: Prog, words: usize, len: u32): void {
  const c = cpu_at(cpu);
  f.state = PROG_RUNNING;
  f.pc = 0;
  f.len = len;
  f.obj = NIL;
  f.depth = 0;
  let ops: u32 = 0;
  while (f.pc < len) {
    if (ops == PROGRAM_SLICE_OPS_MAX) fail_invariant(cpu, Reason.HandlerOps);
    ops++;
    const timed = timed_cpu == cpu;
    const opStart = timed_clock;
    if (timed) set_now(opStart);
    const st = exec_op(cpu, c, f, words, true);
    if (st) injected_op_failed(cpu, f.obj, st); // aborts
    if (timed) {
      const end = opStart + op_cost;
      if (end > timed_clock) set_timed_clock(end);
    }
  }
  f.state = PROG_DONE;
}

/** An op run by an injected action failed: the interrupted code cannot go on (Invariant). */
function injected_op_failed(cpu: u32, obj: u32, st: Status): void {
  fail_injected_op(cpu, failed_op, obj, <u32>st);
}

/** After each run() tick, CPUs in order: wake programs whose GP is done or whose sleep is over. */
function wake_blocked_and_sleeping(): void {
  const n = nr_cpus;
  for (let cpu: u32 = 0; cpu < n; cpu++) {
    const p = prog_at(cpu);
    if (p.state == PROG_BLOCKED) {
      if (!poll_state_synchronize_rcu(p.wait)) continue;
      const c = cpu_at(cpu);
      c.blocked--;
      emit(cpu, Ev.SyncEnd, gp_seq, 0, 0);
      stat_inc(cpu, Stat.synchronizeRcu);
      kfree_inline(cpu, p.wait_obj);
      p.wait_obj = NIL;
      p.state = PROG_RUNNING;
    } else if (p.state == PROG_SLEEPING) {
      if (time_after(p.wait, jiffies)) continue;
      const c = cpu_at(cpu);
      if (c.idle) {
        c.idle = 0;
        emit(cpu, Ev.IdleExit, 0, 0, 0);
      }
      p.state = PROG_RUNNING;
    }
  }
}

// -- runInfo ----------------------------------------------------------------------------------------
export const RUN_INFO_F64: u32 = 7;

/** runInfo(): f64 at the IO region: startNs, endNs, startGpSeq, endGpSeq, memBegin, memDuring, programs not done. */
export function run_info(): Status {
  const p = io_ptr(0);
  store<f64>(p, <f64>start_ns, 0);
  store<f64>(p, <f64>end_ns, 8);
  store<f64>(p, <f64>start_gp, 16);
  store<f64>(p, <f64>end_gp, 24);
  store<f64>(p, mem_begin, 32);
  store<f64>(p, mem_during, 40);
  store<f64>(p, <f64>not_done, 48);
  return Status.Ok;
}
