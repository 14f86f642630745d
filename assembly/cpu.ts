// CPUs and their execution contexts (docs/model.md §2): the context stack, irq/preempt/RCU
// nesting, idle state, and the command prologue/epilogue every CPU command goes through.
// Kernel counterpart: preempt_count() and its HARDIRQ/SOFTIRQ/NMI fields, local_irq_save/restore,
// preempt_disable/enable, rcu_read_lock/unlock, cond_resched, the idle loop (ct_idle_enter).
// Contexts: a CPU's state is touched only by commands on that CPU and by the tick on that CPU
// (single-threaded simulation: no other protection needed). A CPU's stack is never empty:
// frame 0 is task.
import { Ctx, Ev, Status } from '../src/shared/codes';
import { FRAMES_MAX, NIL, nr_cpus } from './config';
import { CPU_STRIDE, cpu_at, Frame, frame_at } from './layout';
import { rcu_qs } from './rcu';
import { irq_enabled_point } from './tick';
import { bad_arg } from './io';
import { emit } from './trace';
import { run_worklist } from './workqueue';
import { in_hook } from './inject';

// -- queries -----------------------------------------------------------------------------------
@inline export function top_frame(cpu: u32): Frame {
  return frame_at(cpu, cpu_at(cpu).depth - 1);
}

/** The CPU's current context: the kind of its top frame. */
@inline export function cpu_ctx(cpu: u32): u32 {
  return top_frame(cpu).kind;
}

/** irqs disabled ⇔ irq_depth > 0 or the top frame forces them off. */
@inline export function irqs_disabled(cpu: u32): bool {
  return cpu_at(cpu).irq_depth > 0 || top_frame(cpu).irq_off != 0;
}

/** Quiescent here: only task on the stack, no irq/preempt/RCU nesting, no lock held. */
export function quiescent_here(cpu: u32): bool {
  const c = cpu_at(cpu);
  return c.depth == 1 && (c.irq_depth | c.preempt_count | c.rcu_nesting | c.locks_held) == 0;
}

// -- frames ------------------------------------------------------------------------------------
export function cpu_init(cpu: u32): void {
  const c = cpu_at(cpu);
  memory.fill(changetype<usize>(c), 0, CPU_STRIDE); // frame 0 = task, all counters 0
  c.depth = 1;
  c.raised_list = NIL;
  c.lazy_list = NIL;
  c.cb_head = NIL;
  c.cb_tail = NIL;
  c.wl_head = NIL;
  c.wl_tail = NIL;
  c.timer_head = NIL;
  c.timer_tail = NIL;
}

/** Pushes a frame of kind k, recording the entry counters. Emits nothing. */
export function push_frame(cpu: u32, k: Ctx): void {
  const c = cpu_at(cpu);
  const d = c.depth;
  assert(d < FRAMES_MAX, 'context stack overflow');
  const below = frame_at(cpu, d - 1);
  const f = frame_at(cpu, d);
  f.kind = <u8>k;
  f.level = k == Ctx.Probe ? below.level : <u8>k;
  f.irq_off = k == Ctx.Hardirq || k == Ctx.Nmi ? 1 : k == Ctx.Probe ? <u8>irqs_disabled(cpu) : 0;
  f.in_nolock = 0;
  f.irq_depth = c.irq_depth;
  f.preempt_count = c.preempt_count;
  f.rcu_nesting = c.rcu_nesting;
  f.locks_held = c.locks_held;
  if (k == Ctx.Nmi) c.nmi_frames++;
  c.depth = d + 1;
}

export function pop_frame(cpu: u32): void {
  const c = cpu_at(cpu);
  assert(c.depth > 1, 'popped the task frame');
  if (top_frame(cpu).kind == <u8>Ctx.Nmi) c.nmi_frames--;
  c.depth--;
}

// -- command prologue / epilogue -------------------------------------------------------------
// Check order of every CPU command (docs/model.md §11): cpu_check (BadCpu), then the other
// arguments in parameter order (BadHandle/BadArgument, via bad_arg), then awake_check (CpuIdle,
// except setIdle), then the command's own rules. A failed check changes nothing.
@inline export function cpu_check(cpu: u32): Status {
  return cpu < nr_cpus ? Status.Ok : Status.BadCpu;
}

@inline export function awake_check(cpu: u32): Status {
  return cpu_at(cpu).idle ? Status.CpuIdle : Status.Ok;
}

/** BadCpu then CpuIdle, for commands whose only argument is the CPU. */
@inline export function cpu_awake_check(cpu: u32): Status {
  if (cpu >= nr_cpus) return Status.BadCpu;
  return cpu_at(cpu).idle ? Status.CpuIdle : Status.Ok;
}

/** The irq-enabled point when something may be pending: one test of two bytes otherwise. */
@inline export function irq_point(cpu: u32): void {
  const c = cpu_at(cpu);
  if ((c.tick_pending | c.ipi_pending) != 0) irq_enabled_point(cpu);
}

/** local_irq_save() inside a kernel flow (krc_this_cpu_lock and friends). */
@inline export function local_irq_save(cpu: u32, quiet: bool = false): void {
  const c = cpu_at(cpu);
  const d = c.irq_depth + 1;
  c.irq_depth = d;
  emit(cpu, Ev.IrqDisable, d, 0, 0, quiet);
}

/** local_irq_restore() inside a kernel flow: always balanced there; an irq-enabled point follows. */
@inline export function local_irq_restore(cpu: u32, quiet: bool = false): void {
  const c = cpu_at(cpu);
  const d = c.irq_depth - 1;
  c.irq_depth = d;
  emit(cpu, Ev.IrqEnable, d, 0, 0, quiet);
  irq_point(cpu);
}

/**
 * Every successful CPU command ends here (docs/model.md §3), except a nested command called from an
 * at() hook: the interrupted outer command ends with its own irq-enabled point (§16.4).
 */
@inline export function cpu_done(cpu: u32): Status {
  if (!in_hook) irq_enabled_point(cpu);
  return Status.Ok;
}

// -- commands ----------------------------------------------------------------------------------
export function cmd_enter(cpu: u32, k: u32): Status {
  if (cpu >= nr_cpus) return Status.BadCpu;
  if (k == <u32>Ctx.Task || k > <u32>Ctx.Probe) return bad_arg(Status.BadArgument, 1);
  if (cpu_at(cpu).idle) return Status.CpuIdle;
  const top = top_frame(cpu);
  if (k == <u32>Ctx.Nmi) {
    if (cpu_at(cpu).nmi_frames) return Status.NmiNested;
  } else if (k == <u32>Ctx.Probe) {
    if (top.kind == <u8>Ctx.Probe) return Status.BadContext;
  } else {
    // hardirq needs level < 2, softirq level < 1; neither with irqs off
    if (<u32>top.level >= k) return Status.BadContext;
    if (irqs_disabled(cpu)) return Status.IrqsDisabled;
  }
  push_frame(cpu, <Ctx>k);
  emit(cpu, Ev.CtxEnter, k, 0, 0);
  return cpu_done(cpu);
}

export function cmd_exit(cpu: u32): Status {
  const st = cpu_awake_check(cpu);
  if (st) return st;
  const c = cpu_at(cpu);
  const f = top_frame(cpu);
  if (c.depth == 1) return Status.BadContext;
  if (
    f.irq_depth != c.irq_depth || f.preempt_count != c.preempt_count ||
    f.rcu_nesting != c.rcu_nesting || f.locks_held != c.locks_held
  ) return Status.Unbalanced;
  emit(cpu, Ev.CtxExit, f.kind, 0, 0);
  pop_frame(cpu);
  irq_enabled_point(cpu);
  return cpu_done(cpu);
}

export function cmd_local_irq_save(cpu: u32): Status {
  const st = cpu_awake_check(cpu);
  if (st) return st;
  const c = cpu_at(cpu);
  c.irq_depth++;
  emit(cpu, Ev.IrqDisable, c.irq_depth, 0, 0);
  return cpu_done(cpu);
}

export function cmd_local_irq_restore(cpu: u32): Status {
  const st = cpu_awake_check(cpu);
  if (st) return st;
  const c = cpu_at(cpu);
  if (c.irq_depth == top_frame(cpu).irq_depth) return Status.Unbalanced;
  c.irq_depth--;
  emit(cpu, Ev.IrqEnable, c.irq_depth, 0, 0);
  irq_enabled_point(cpu);
  return cpu_done(cpu);
}

export function cmd_preempt_disable(cpu: u32): Status {
  const st = cpu_awake_check(cpu);
  if (st) return st;
  const c = cpu_at(cpu);
  c.preempt_count++;
  emit(cpu, Ev.PreemptDisable, c.preempt_count, 0, 0);
  return cpu_done(cpu);
}

export function cmd_preempt_enable(cpu: u32): Status {
  const st = cpu_awake_check(cpu);
  if (st) return st;
  const c = cpu_at(cpu);
  if (c.preempt_count == top_frame(cpu).preempt_count) return Status.Unbalanced;
  c.preempt_count--;
  emit(cpu, Ev.PreemptEnable, c.preempt_count, 0, 0);
  return cpu_done(cpu);
}

export function cmd_rcu_read_lock(cpu: u32): Status {
  const st = cpu_awake_check(cpu);
  if (st) return st;
  const c = cpu_at(cpu);
  c.rcu_nesting++;
  emit(cpu, Ev.RcuReadLock, c.rcu_nesting, 0, 0);
  return cpu_done(cpu);
}

export function cmd_rcu_read_unlock(cpu: u32): Status {
  const st = cpu_awake_check(cpu);
  if (st) return st;
  const c = cpu_at(cpu);
  if (c.rcu_nesting == top_frame(cpu).rcu_nesting) return Status.Unbalanced;
  c.rcu_nesting--;
  emit(cpu, Ev.RcuReadUnlock, c.rcu_nesting, 0, 0);
  return cpu_done(cpu);
}

/** cond_resched(): a voluntary context switch, so a quiescent state and a chance for kworkers. */
export function cmd_cond_resched(cpu: u32): Status {
  const st = cpu_awake_check(cpu);
  if (st) return st;
  if (!quiescent_here(cpu)) return Status.BadContext;
  emit(cpu, Ev.CondResched, 0, 0, 0);
  rcu_qs(cpu);
  run_worklist(cpu);
  return cpu_done(cpu);
}

/** The idle loop: entering idle is an extended quiescent state (no QS owed while idle). */
/** idle: 1 enter, 0 leave, anything else BadArgument. No CpuIdle check (it is the way out). */
export function cmd_set_idle(cpu: u32, idle: u32): Status {
  if (cpu >= nr_cpus) return Status.BadCpu;
  if (idle > 1) return bad_arg(Status.BadArgument, 1);
  const c = cpu_at(cpu);
  if (idle) {
    if (c.idle) return Status.BadArgument;
    if (!quiescent_here(cpu)) return Status.NotIdle;
    c.idle = 1;
    emit(cpu, Ev.IdleEnter, 0, 0, 0);
    rcu_qs(cpu);
  } else {
    if (!c.idle) return Status.BadArgument;
    c.idle = 0;
    emit(cpu, Ev.IdleExit, 0, 0, 0);
  }
  return cpu_done(cpu);
}
