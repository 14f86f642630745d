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

/**
 * Kernel objects (docs/model.md §12.1): each CPU owns KOBJ_SLOTS entries after the API entries of
 * the lock table and of the delayed-work table, entry id = KObj (src/shared/codes.ts). So the
 * kernel lock of CPU c is lock LOCKS_MAX + c * 16, its monitor_work is work WORKS_MAX + c * 16 + 1,
 * and every substrate path (spin_lock, queue_delayed_work, timers, worklists) works on them
 * unchanged. Their event handle is KHANDLE(c, id) = KHANDLE_BASE + c * 16 + id (ev_handle()).
 */
export const KOBJ_SLOTS: u32 = 16;

/** Workload programs (docs/model.md §14): words per CPU (512 ops of [opcode, arg]), loop depth. */
export const PROGRAM_WORDS_MAX: u32 = 1024;
export const LOOP_DEPTH_MAX: u32 = 4;

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

// kvfree_rcu (docs/model.md §12-§14), set by config_kvfree() before init(); kernel defaults.
export let batched: bool = true;
export let drain_ready: bool = true;
export let monitor_backlog_rule: bool = true;
export let rcu_min_cached_objs: u32 = 5;
export let rcu_delay_page_cache_fill_msec: u32 = 5000;
export let kfree_drain_jiffies: u32 = 5000;
export let bulk_max_entr: u32 = 507;
// workload op costs (ns)
export let cost_kmalloc: u64 = 45;
export let cost_kfree_rcu: u64 = 55;
export let cost_kfree: u64 = 30;
export let cost_rcu_read: u64 = 2;
export let cost_cond_resched: u64 = 20;
export let cost_page_alloc: u64 = 250;

// kfree_rcu_nolock (docs/model.md §15), set by config_nolock() before init(); v1 defaults.
/** MonitorArm (src/shared/codes.ts). */
export let monitor_arm: u32 = 0;
/** NolockGate. */
export let nolock_gate: u32 = 0;
export let debug_objects: bool = false;
/** costPointNs: virtual time of a preemption point inside run() (docs/model.md §16.1 step 2). */
export let cost_point: u64 = 5;

/** Options of docs/model.md §15 and costPointNs (§16.1). */
export function config_nolock(monitorArm: u32, nolockGate: u32, debugObjects: bool, costPointNs: u32): void {
  monitor_arm = monitorArm;
  nolock_gate = nolockGate;
  debug_objects = debugObjects;
  cost_point = costPointNs;
}

// Injection (docs/model.md §16.2), set by config_inject*() before init() (the schedule and handler
// lengths size the INJ regions); the binding then copies the handler words and the schedule into
// HANDLER_BASE / SCHED_BASE and calls inject_ready().
/** Injection sources, indexed by InjectKind (1 nmi, 2 probe, 3 hardirq, 4 remote). */
export const INJECT_SOURCES: u32 = 5;
/** Handler nesting bound (docs/model.md §16.1 step 4). */
export const HANDLER_DEPTH_MAX: u32 = 2;
// Per source (index = InjectKind), in static data (no AS heap exists):
//   +0  u64 threshold[5]  floor(probability * 2^32) (u64: probability 1 is 2^32, above every draw)
//   +40 u32 points[5]     bit p set: the source may fire at point p
//   +60 u32 hwords[5]     handler words (0 for remote)
const INJ_CFG: usize = memory.data(80, 8);
@inline export function inject_threshold(kind: u32): u64 {
  return load<u64>(INJ_CFG + (kind << 3));
}
@inline export function inject_points(kind: u32): u32 {
  return load<u32>(INJ_CFG + 40 + (kind << 2));
}
@inline export function inject_handler_words(kind: u32): u32 {
  return load<u32>(INJ_CFG + 60 + (kind << 2));
}
/** NMIs per second; 0 = no rate NMIs. nmi_period = floor(10^9 / rate) in f64, exactly as the TS side. */
export let nmi_rate: f64 = 0;
export let nmi_period: f64 = 0;
/** Entries of inject.schedule. */
export let sched_len: u32 = 0;

/** One source: kind (InjectKind), floor(p * 2^32) as f64, points bitmask, handler words. */
export function config_inject_source(kind: u32, threshold: f64, points: u32, handlerWords: u32): void {
  if (kind == 0 || kind >= INJECT_SOURCES) return;
  store<u64>(INJ_CFG + (kind << 3), <u64>threshold);
  store<u32>(INJ_CFG + 40 + (kind << 2), points);
  store<u32>(INJ_CFG + 60 + (kind << 2), handlerWords > PROGRAM_WORDS_MAX ? PROGRAM_WORDS_MAX : handlerWords & ~1);
}

/** The NMI rate and the schedule's length. */
export function config_inject(ratePerSec: f64, schedLen: u32): void {
  nmi_rate = ratePerSec > 0 ? ratePerSec : 0;
  nmi_period = nmi_rate > 0 ? Math.floor(1e9 / nmi_rate) : 0; // Infinity for tiny rates
  sched_len = schedLen > U31_MAX ? U31_MAX : schedLen;
}

/** Options of docs/model.md §12 (call before init(): bulkMaxEntr sizes the bulk-page region). */
export function config_kvfree(
  batched_: bool, drainReady: bool, monitorBacklogRule: bool, rcuMinCachedObjs: u32,
  rcuDelayPageCacheFillMsec: u32, kfreeDrainJiffies: u32, bulkMaxEntr: u32,
): void {
  batched = batched_;
  drain_ready = drainReady;
  monitor_backlog_rule = monitorBacklogRule;
  rcu_min_cached_objs = rcuMinCachedObjs;
  rcu_delay_page_cache_fill_msec = rcuDelayPageCacheFillMsec;
  kfree_drain_jiffies = kfreeDrainJiffies;
  bulk_max_entr = bulkMaxEntr < 1 ? 1 : bulkMaxEntr;
}

/** Virtual costs of the workload ops (docs/model.md §14), in ns. */
export function config_costs(
  kmalloc: u32, kfreeRcu: u32, kfree: u32, rcuRead: u32, condResched: u32, pageAlloc: u32,
): void {
  cost_kmalloc = kmalloc;
  cost_kfree_rcu = kfreeRcu;
  cost_kfree = kfree;
  cost_rcu_read = rcuRead;
  cost_cond_resched = condResched;
  cost_page_alloc = pageAlloc;
}

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
