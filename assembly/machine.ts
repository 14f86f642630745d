// The machine as a whole: init() (options → configuration, memory map, CPUs, GP state, PRNG)
// and the read-only queries the TS side needs for cpuInfo(), now(), random().
// Kernel counterpart: start_kernel() for the parts modelled (rcu_init, per-CPU areas).
// Contexts: init() exactly once, before any other call; queries from anywhere.
import { Status } from '../src/shared/codes';
import { now, jiffies } from './clock';
import {
  config_set, MAX_OBJECTS_LIMIT, MAX_PAGES_LIMIT, NR_CPUS_MAX, nr_cpus, TRACE_CAPACITY_LIMIT,
} from './config';
import { cpu_init, irqs_disabled } from './cpu';
import { kvfree_init } from './krc';
import { cpu_at, frame_at, layout_init } from './layout';
import { prng_next, prng_seed } from './prng';
import { rcu_init } from './rcu';

let initialized = false;

/**
 * config_kvfree() and config_costs() (assembly/config.ts) come first when the options differ from
 * the kernel defaults; then init() sizes memory for these options (one memory.grow) and resets the machine. The TS side has
 * validated the options already (src/options.ts); the range checks here only guard the core.
 * Returns BadArgument for out-of-range values or when the memory cannot be reserved.
 */
export function init(
  nrCpus: u32, hz: u32, seed: u32, maxObjects: u32, objSize: u32, rcuHeadOffset: u32,
  maxPages: u32, pageFailRate: f64, gpSeqStart: u32, trace: bool, traceCapacity: u32,
  rcuStallJiffies: u32,
): Status {
  if (initialized) return Status.BadArgument;
  if (nrCpus < 1 || nrCpus > NR_CPUS_MAX) return Status.BadArgument;
  if (hz != 100 && hz != 250 && hz != 1000) return Status.BadArgument;
  if (maxObjects < 1 || maxObjects > MAX_OBJECTS_LIMIT) return Status.BadArgument;
  if (rcuHeadOffset >= 4096 || rcuHeadOffset + 16 > objSize) return Status.BadArgument;
  if (maxPages < 1 || maxPages > MAX_PAGES_LIMIT) return Status.BadArgument;
  if (!(pageFailRate >= 0 && pageFailRate <= 1)) return Status.BadArgument;
  if (gpSeqStart & 3) return Status.BadArgument;
  if (traceCapacity < 1 || traceCapacity > TRACE_CAPACITY_LIMIT) return Status.BadArgument;
  if (rcuStallJiffies < 1) return Status.BadArgument;
  config_set(nrCpus, hz, maxObjects, objSize, rcuHeadOffset, maxPages, pageFailRate, trace,
    traceCapacity, rcuStallJiffies);
  if (!layout_init()) return Status.BadArgument;
  for (let cpu: u32 = 0; cpu < nrCpus; cpu++) cpu_init(cpu);
  kvfree_init();
  rcu_init(gpSeqStart);
  prng_seed(seed);
  initialized = true;
  return Status.Ok;
}

export function now_ns(): f64 {
  return <f64>now;
}

export function jiffies_get(): u32 {
  return jiffies;
}

export function random(): u32 {
  return prng_next();
}

// -- cpuInfo() ---------------------------------------------------------------------------------
/** Frames on the stack, or -1 for a bad CPU. */
export function cpu_depth(cpu: u32): i32 {
  return cpu < nr_cpus ? <i32>cpu_at(cpu).depth : -1;
}

/** Ctx of frame i (0 = bottom = task). */
export function cpu_frame_kind(cpu: u32, i: u32): i32 {
  return cpu < nr_cpus && i < cpu_at(cpu).depth ? <i32>frame_at(cpu, i).kind : -1;
}

export const CPU_FLAG_IRQS_DISABLED: u32 = 1;
export const CPU_FLAG_IDLE: u32 = 2;
export const CPU_FLAG_TICK_PENDING: u32 = 4;
export const CPU_FLAG_IPI_PENDING: u32 = 8;

/** CPU_FLAG_* bits. */
export function cpu_flags(cpu: u32): u32 {
  if (cpu >= nr_cpus) return 0;
  const c = cpu_at(cpu);
  return (irqs_disabled(cpu) ? CPU_FLAG_IRQS_DISABLED : 0) | (c.idle ? CPU_FLAG_IDLE : 0) |
    (c.tick_pending ? CPU_FLAG_TICK_PENDING : 0) | (c.ipi_pending ? CPU_FLAG_IPI_PENDING : 0);
}

export function cpu_irq_depth(cpu: u32): u32 {
  return cpu < nr_cpus ? cpu_at(cpu).irq_depth : 0;
}

export function cpu_preempt_count(cpu: u32): u32 {
  return cpu < nr_cpus ? cpu_at(cpu).preempt_count : 0;
}

export function cpu_rcu_nesting(cpu: u32): u32 {
  return cpu < nr_cpus ? cpu_at(cpu).rcu_nesting : 0;
}
