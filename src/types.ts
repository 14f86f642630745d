// The contract: the one TypeScript interface both machines implement (the Wasm machine in
// src/wasm/machine.ts and the pure-TS baseline in src/baseline/machine.ts). Every rule behind these
// methods is stated in docs/model.md; the contract tests in test/contract/ run the same assertions
// against both, and test/differential.test.ts requires identical traces and stats.
//
// Handles are small integers: CPUs 0..nrCpus-1, objects/pages/locks/llists/irq_works/works are
// indices handed out by the machine. Every method validates its arguments and throws `RcuError`
// (src/errors.ts) on API misuse; a deadlock or broken invariant throws `RcuMachineFailure` and
// poisons the machine (every later call throws the same failure).

import type { Ctx, IrqWorkFn, WorkFn } from './shared/codes.js';
import type { ResolvedInject } from './options.js';
import type { CheckRuleName, MutantName } from './checker.js';

export type { Ctx, IrqWorkFn, WorkFn };
export type { CheckRuleName, MutantName };

export type Hz = 100 | 250 | 1000;

/** Options accepted by `createMachine()`. Every key is optional; defaults are kernel values. */
export interface MachineOptions {
  /** Number of simulated CPUs, 1..1024. Default 4. */
  nrCpus?: number;
  /** Timer interrupt frequency. Default 1000. */
  hz?: Hz;
  /** Seed of the machine's one PRNG (u32). Default 1. */
  seed?: number;
  /** Capacity of the slab (objects that can be allocated at once). Default 65536. */
  maxObjects?: number;
  /** Size of a simulated object in bytes (>= rcuHeadOffset + 16). Default 24 (rcuscale's kfree_obj). */
  objSize?: number;
  /** Offset of the embedded rcu_head inside an object; < 4096 as the kernel requires. Default 8. */
  rcuHeadOffset?: number;
  /** Pages the page allocator can hand out. Default 1024. */
  maxPages?: number;
  /** Probability (0..1, applied with the machine PRNG) that a page allocation fails. Default 0. */
  pageFailRate?: number;
  /** Initial `gp_seq`. Default (0 - 300) << 2 as in the kernel, so counters wrap early. */
  gpSeqStart?: number;
  /** Record the event trace. Default true. */
  trace?: boolean;
  /** Events kept in the trace ring buffer (older ones are dropped, still hashed). Default 65536. */
  traceCapacity?: number;
  /** Jiffies `synchronize_rcu()` may wait before failing with RcuStall. Default 21 * hz (RCU CPU stall timeout). */
  rcuStallJiffies?: number;

  // -- kvfree_rcu (docs/model.md §12-§13) ----------------------------------------------------
  /** CONFIG_KVFREE_RCU_BATCHED. Default true; false = one call_rcu per object. */
  batched?: boolean;
  /** kvfree_rcu_drain_ready() in the monitor (Dec 2022 polled-GP change). Default true. */
  drainReady?: boolean;
  /** Monitor delay of 1 jiffy once krc_count >= bulkMaxEntr. Default true. */
  monitorBacklogRule?: boolean;
  /** rcu_min_cached_objs: cached bulk pages per CPU. Default 5. */
  rcuMinCachedObjs?: number;
  /** rcu_delay_page_cache_fill_msec: refill back-off after the shrinker. Default 5000. */
  rcuDelayPageCacheFillMsec?: number;
  /** KFREE_DRAIN_JIFFIES. Default 5 * hz. */
  kfreeDrainJiffies?: number;
  /** KVFREE_BULK_MAX_ENTR: records per bulk page. Default 507. */
  bulkMaxEntr?: number;

  // -- kfree_rcu_nolock and injection (docs/model.md §15-§16) --------------------------------
  /** How a nolock call arms the monitor (the review's variants). Default 'lazy-irq-work' (v1). */
  monitorArm?: MonitorArmName;
  /** What decides between trylock and spinning in kfree_rcu_nolock. Default 'allow-spin' (v1). */
  nolockGate?: 'allow-spin' | 'in-nmi';
  /** kmemleak / debugobjects enabled: nolock calls always defer. Default false. */
  debugObjects?: boolean;
  /** What lands at preemption points. Default: nothing. */
  inject?: InjectOptions;
  /** Virtual time a preemption point takes inside run(). Default 5. */
  costPointNs?: number;

  // -- the checker (docs/model.md §17) -------------------------------------------------------
  /** Check the model's rules while it runs; a broken rule is a `Violation` failure. Default true. */
  checker?: boolean;
  /** Which rules the checker checks. Default: all of them. */
  checkerRules?: CheckRuleName[];
  /**
   * @internal A deliberately broken machine (docs/model.md §17.1), for the canary tests only.
   * Default 'none'.
   */
  mutant?: MutantName | 'none';

  // -- workload op costs in ns (docs/model.md §14) -------------------------------------------
  costKmallocNs?: number;
  costKfreeRcuNs?: number;
  costKfreeNs?: number;
  costRcuReadNs?: number;
  costCondReschedNs?: number;
  costPageAllocNs?: number;
}

export type MonitorArmName = 'lazy-irq-work' | 'irq-work' | 'lazy-irq-work-unless-pending' | 'one-irq-work-lazy-flag';

export type PointName =
  | 'task-op' | 'nolock-entry' | 'krc-locked' | 'krc-before-unlock' | 'llist-drain' | 'monitor-locked'
  | 'work-locked' | 'page-refill-locked';

export type InjectKindName = 'nmi' | 'probe' | 'hardirq' | 'remote';

export interface InjectSource {
  probability?: number;
  points?: PointName[] | 'all';
  handler?: ProgramOp[];
}

export interface InjectOptions {
  nmi?: InjectSource & { ratePerSec?: number };
  probe?: InjectSource;
  hardirq?: InjectSource;
  remote?: Omit<InjectSource, 'handler'>;
  /** Explicit injections by machine-wide point-hit number (strictly increasing). */
  schedule?: { hit: number; kind: InjectKindName }[];
}

export interface PointHit {
  cpu: number;
  point: PointName;
  hit: number;
}

/** One workload op (docs/model.md §14). `loop` nests; src/program.ts encodes ops for both machines. */
export type ProgramOp =
  | { op: 'kmalloc' | 'vmalloc' | 'kfree_rcu' | 'kvfree_rcu' | 'kfree_rcu_mix' | 'call_rcu' | 'kfree' | 'rcu_read_lock' | 'rcu_read_unlock' | 'cond_resched' | 'kfree_rcu_nolock' }
  | { op: 'sleep'; jiffies: number }
  | { op: 'mem_sample'; period: number }
  | { op: 'loop'; n: number; body: ProgramOp[] };

export interface KrcInfo {
  headCount: number;
  bulkCount: [number, number];
  bulkPages: [number, number];
  cachedPages: number;
  /** krw_arr[i] holds a batch (its rcu_work pending/running or objects detached to it). */
  krwBusy: [boolean, boolean];
  monitorPending: boolean;
  workInProgress: boolean;
  backoff: boolean;
  /** Objects on the nolock llist (docs/model.md §15). */
  llistCount: number;
}

export interface RunInfo {
  startNs: number;
  endNs: number;
  startGpSeq: number;
  endGpSeq: number;
  /** rcuscale's si_mem_available() filter, in bytes (docs/model.md §14). */
  memBegin: number;
  memDuring: number;
  programsRunning: number;
}

export interface MemoryInfo {
  /** Objects not free (allocated or queued). */
  objects: number;
  pages: number;
  bytes: number;
  /** Objects queued by kfree_rcu*()/call_rcu() and not yet freed (docs/model.md §10.1). */
  queued: number;
  /** Pages kvfree_rcu holds: bulk pages and cached pages. */
  kernelPages: number;
  /** Memory waiting for a grace period: queued × objSize + kernelPages × 4096. */
  waitingBytes: number;
  /** The largest waitingBytes since the machine was created. */
  peakWaitingBytes: number;
}

export type ResolvedOptions = Required<Omit<MachineOptions, 'inject'>> & { inject: ResolvedInject };

export type ObjState = 'free' | 'allocated' | 'queued';

export interface ObjInfo {
  state: ObjState;
  /** GP snapshot taken when the object was queued (0 unless queued). */
  snap: number;
}

export interface CpuInfo {
  /** Context stack, bottom (always 'task') first. */
  ctx: CtxName[];
  irqsDisabled: boolean;
  /** local_irq_save nesting across all frames. */
  irqDepth: number;
  preemptCount: number;
  rcuNesting: number;
  idle: boolean;
  /** A tick arrived while irqs were off and waits for the next irq-enabled point. */
  tickPending: boolean;
  /** A self-IPI is pending (a raised irq_work waits for the next irq-enabled point). */
  ipiPending: boolean;
}

export type CtxName = 'task' | 'softirq' | 'hardirq' | 'nmi' | 'probe';

export interface IrqWorkInit {
  fn: 'nop' | 'requeue' | 'llist-call-rcu';
  /** Lazy works wait for the tick and never raise a self-IPI (IRQ_WORK_INIT_LAZY). Default false. */
  lazy?: boolean;
  /** requeue: how many more times to re-queue; llist-call-rcu: the llist handle. */
  arg?: number;
}

export interface IrqWorkInfo {
  pending: boolean;
  busy: boolean;
  lazy: boolean;
  /** CPU whose list holds it while pending, else -1. */
  cpu: number;
}

export interface TraceEvent {
  /** Position in the whole run (0-based), counting dropped events. */
  seq: number;
  kind: string;
  cpu: number;
  ctx: CtxName;
  /** Virtual time in ns. */
  t: number;
  a: number;
  b: number;
  c: number;
}

/** Counters per CPU; `total` is their sum. Names are listed in src/stats.ts. */
export interface Stats {
  total: Record<string, number>;
  perCpu: Record<string, number>[];
}

export interface Failure {
  status: string;
  message: string;
  cpu: number;
  /** For deadlocks: the lock, and the contexts involved. */
  lock?: number;
  holderCtx?: CtxName;
  acquirerCtx?: CtxName;
  /** For a deadlock or violation inside an injected handler or hook: the point where it was injected. */
  point?: PointName;
  /** For a checker violation (status 'Violation'): the rule, the object concerned (-1 if none), when. */
  rule?: CheckRuleName;
  obj?: number;
  jiffies?: number;
  /** The machine-wide point-hit count at the violation. */
  hit?: number;
}

/**
 * One simulated machine. All methods are synchronous; time moves only through `advance()`,
 * `synchronizeRcu()` and (later) `run()`. Commands that act "on a CPU" run in that CPU's current
 * context (the top of its context stack) at the current virtual time.
 */
export interface RcuMachine {
  readonly impl: 'wasm' | 'ts';
  readonly options: Readonly<ResolvedOptions>;

  // -- clock --------------------------------------------------------------------------------
  /** Virtual time in ns. */
  now(): number;
  jiffies(): number;
  /** Process the next `n` ticks (docs/model.md "Tick"), moving time to each jiffy boundary. */
  advance(n: number): void;

  // -- CPU contexts -------------------------------------------------------------------------
  enter(cpu: number, ctx: Exclude<CtxName, 'task'>): void;
  exit(cpu: number): void;
  localIrqSave(cpu: number): void;
  localIrqRestore(cpu: number): void;
  preemptDisable(cpu: number): void;
  preemptEnable(cpu: number): void;
  rcuReadLock(cpu: number): void;
  rcuReadUnlock(cpu: number): void;
  condResched(cpu: number): void;
  setIdle(cpu: number, idle: boolean): void;
  cpuInfo(cpu: number): CpuInfo;

  // -- simulated memory ---------------------------------------------------------------------
  kmalloc(cpu: number): number;
  kfree(cpu: number, obj: number): void;
  objInfo(obj: number): ObjInfo;
  /**
   * Every object not free, in handle order, with its snapshot (0 unless queued): what a check around
   * kvfree_rcu_barrier() compares before and after. O(objects ever handed out), one call.
   */
  liveObjects(): Map<number, number>;
  /** Returns a page handle, or -1 when the allocation failed (injected or exhausted). */
  allocPage(cpu: number): number;
  freePage(cpu: number, page: number): void;
  /** The next `n` page allocations fail. */
  failNextPageAllocs(n: number): void;

  // -- locks, llist, irq_work ---------------------------------------------------------------
  createLock(): number;
  spinLock(cpu: number, lock: number): void;
  spinTrylock(cpu: number, lock: number): boolean;
  spinUnlock(cpu: number, lock: number): void;
  createLlist(): number;
  llistAdd(cpu: number, llist: number, obj: number): boolean;
  llistDelAll(cpu: number, llist: number): number[];
  createIrqWork(init: IrqWorkInit): number;
  irqWorkQueue(cpu: number, work: number): boolean;
  irqWorkInfo(work: number): IrqWorkInfo;

  // -- workqueues and timers ----------------------------------------------------------------
  /** A delayed work (work + timer) whose callback only leaves a WorkRun event. */
  createDelayedWork(): number;
  queueWork(cpu: number, dwork: number): boolean;
  queueDelayedWork(cpu: number, dwork: number, delay: number): boolean;
  modDelayedWork(cpu: number, dwork: number, delay: number): boolean;
  cancelDelayedWork(cpu: number, dwork: number): boolean;
  delayedWorkPending(dwork: number): boolean;

  // -- RCU ----------------------------------------------------------------------------------
  gpSeq(): number;
  getStateSynchronizeRcu(): number;
  startPollSynchronizeRcu(cpu: number): number;
  pollStateSynchronizeRcu(cookie: number): boolean;
  callRcu(cpu: number, obj: number): void;
  synchronizeRcu(cpu: number): void;

  // -- kvfree_rcu (docs/model.md §12-§13) --------------------------------------------------
  /** An object from the vmalloc channel (channel 1 of the bulk pages). */
  vmalloc(cpu: number): number;
  /** kfree_rcu(ptr, rhf): the 2-argument form. Any context; from NMI it may deadlock, as in the kernel. */
  kfreeRcu(cpu: number, obj: number): void;
  /** kvfree_rcu(ptr) headless (kfree_rcu_mightsleep): sleepable task only; may block for a GP. */
  kvfreeRcu(cpu: number, obj: number): void;
  /** kvfree_rcu_barrier(): waits until everything queued before it is freed. */
  kvfreeRcuBarrier(cpu: number): void;
  /** The kvfree_rcu shrinker (count then scan); returns what scan reports freed. */
  shrink(cpu: number, nrToScan: number): number;
  krcInfo(cpu: number): KrcInfo;
  /**
   * kfree_rcu_nolock(ptr, krhf): any context including NMI; never spins (docs/model.md §15).
   * 2-argument only: `{ headless: true }` is refused with a typed error saying why.
   */
  kfreeRcuNolock(cpu: number, obj: number, opts?: { headless?: boolean }): void;
  /** Calls `fn` at every hit of `point` (docs/model.md §16.1); returns a function that removes it. */
  at(point: PointName, fn: (m: RcuMachine, hit: PointHit) => void): () => void;
  memoryInfo(): MemoryInfo;

  // -- workloads (docs/model.md §14) --------------------------------------------------------
  loadProgram(cpu: number, ops: ProgramOp[]): void;
  /** Runs programs for at most `maxJiffies` jiffies; true when every program is done. */
  run(maxJiffies: number): boolean;
  runInfo(): RunInfo;

  // -- results ------------------------------------------------------------------------------
  stats(): Stats;
  /** The events still in the ring buffer, oldest first. */
  trace(): TraceEvent[];
  /** Number of events emitted so far (including dropped ones). */
  traceCount(): number;
  /** FNV-1a hash over every event emitted so far: equal runs have equal digests. */
  traceDigest(): number;
  /** The failure that poisoned this machine, or null. */
  failure(): Failure | null;
  /** A random u32 from the machine's PRNG (advances it). */
  random(): number;
}
