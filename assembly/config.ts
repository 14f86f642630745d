// Configuration of one machine: compile-time table sizes and bounds, and the run-time options that
// init() fixes once (docs/model.md §1, §9). Nothing here changes after init().
//
// Kernel counterpart: the Kconfig/boot parameters of a kernel (NR_CPUS, HZ) plus the simulator's
// own table limits. Read from every context; written only by init().

/** The "no element" link value in every list threaded through linear memory. */
export const NIL: u32 = 0xffffffff;

/** Upper bounds of the options (mirrored by src/options.ts; pair-asserted in test/unit/layout.test.ts). */
export const NR_CPUS_MAX: u32 = 1024;
export const MAX_OBJECTS_LIMIT: u32 = 1 << 26;
export const MAX_PAGES_LIMIT: u32 = 1 << 18;
export const TRACE_CAPACITY_LIMIT: u32 = 1 << 24;

/**
 * Context-stack depth per CPU. The deepest stack the rules allow is
 * task, probe, softirq, probe, hardirq, probe, nmi, probe (8); internal frames (tick, irq_work
 * interrupt) are pushed only where irqs are enabled, i.e. on at most 4 frames. 16 leaves slack.
 */
export const FRAMES_MAX: u32 = 16;

/** Table sizes of the handles created by the API (docs/model.md §11: createX fails TableFull beyond). */
export const LOCKS_MAX: u32 = 1024;
export const LLISTS_MAX: u32 = 1024;
export const IRQ_WORKS_MAX: u32 = 1024;
export const WORKS_MAX: u32 = 1024;

/** u32 slots of the IO region (results too large for a return value, e.g. llist_del_all). */
export const IO_CAP: u32 = 4096;

/** Largest count/delay argument (advance n, delays, failNextPageAllocs n, irq_work arg). */
export const U31_MAX: u32 = 0x7fffffff;

/** docs/model.md §9 bounds; exceeding one is an Invariant failure. */
export const IRQ_ENABLED_ROUNDS_MAX: u32 = 64;
export const WORKLIST_RUN_MAX: u32 = 1024;

// -- run-time options (set by init) -------------------------------------------------------------
export let nr_cpus: u32 = 0;
export let hz: u32 = 1000;
/** TICK_NS = 10^9 / HZ, exact for the three allowed HZ values. */
export let tick_ns: u64 = 1000000;
export let obj_size: u32 = 24;
export let rcu_head_offset: u32 = 8;
export let max_objects: u32 = 0;
export let max_pages: u32 = 0;
export let page_fail_rate: f64 = 0;
export let trace_on: bool = true;
export let trace_cap: u32 = 0;
export let rcu_stall_jiffies: u32 = 0;

export function config_set(
  nrCpus: u32, hz_: u32, maxObjects: u32, objSize: u32, rcuHeadOffset: u32, maxPages: u32,
  pageFailRate: f64, trace: bool, traceCapacity: u32, rcuStallJiffies: u32,
): void {
  nr_cpus = nrCpus;
  hz = hz_;
  tick_ns = <u64>1000000000 / <u64>hz_;
  max_objects = maxObjects;
  obj_size = objSize;
  rcu_head_offset = rcuHeadOffset;
  max_pages = maxPages;
  page_fail_rate = pageFailRate;
  trace_on = trace;
  trace_cap = traceCapacity;
  rcu_stall_jiffies = rcuStallJiffies;
}
