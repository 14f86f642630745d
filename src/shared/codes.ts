// Numeric codes shared by the AssemblyScript core and the TypeScript layer.
//
// This file is compiled twice: by `asc` (imported from assembly/) and by esbuild/tsc (imported from
// src/). It must therefore stay valid in both languages: plain `export enum` with integer literals,
// no other syntax. It is the single definition of every number that crosses the Wasm boundary as a
// *meaning* (event kinds, contexts, status codes, callback kinds). Offsets and sizes never live
// here: those come from the Wasm module's exported globals (assembly/layout.ts).

/** Execution contexts of a simulated CPU, lowest first. `Probe` sits on top of whatever it interrupted. */
export enum Ctx {
  Task = 0,
  Softirq = 1,
  Hardirq = 2,
  Nmi = 3,
  Probe = 4,
}

/** Result of every machine command. 0 = OK; anything else is an API-misuse error or a machine failure. */
export enum Status {
  Ok = 0,
  // API misuse: typed error, machine stays usable.
  BadCpu = 1,
  BadHandle = 2,
  BadContext = 3, // command not allowed in the CPU's current context (e.g. sleeping in atomic)
  NmiNested = 4,
  IrqsDisabled = 5, // hardirq entry with irqs disabled
  NotHeld = 6, // unlock of a lock this context does not hold
  LockHeldRemote = 7, // interactive spin on a lock another CPU holds: would block forever
  Unbalanced = 8, // exit/unlock/enable without the matching enter/lock/disable
  CpuIdle = 9, // command on an idle CPU
  NotIdle = 10, // setIdle(true) while the CPU is not at a plain task level
  DoubleFree = 11,
  NotAllocated = 12, // object is free or unknown
  AlreadyQueued = 13, // object already queued for a deferred free
  OutOfObjects = 14, // slab exhausted (maxObjects)
  TableFull = 15, // no room for another lock/llist/irq_work/work
  RcuStall = 16, // synchronize_rcu could not complete within the stall timeout
  BadArgument = 17,
  // Machine failures: the machine is poisoned afterwards.
  Deadlock = 64,
  Invariant = 65,
  Violation = 66, // the checker found a broken rule (docs/model.md §17)
}

/** Lowest status that poisons the machine. */
export const STATUS_FATAL = 64;

/** Built-in irq_work callbacks (the model's `work->func`). */
export enum IrqWorkFn {
  /** Does nothing but leave an IRQ_WORK_RUN event. */
  Nop = 0,
  /** Re-queues itself while its `arg` countdown is > 0 (decrementing it): the re-queue-from-callback rule. */
  Requeue = 1,
  /** `llist_del_all(arg)` then `call_rcu()` each node, newest first: the deferred-free pattern. */
  LlistCallRcu = 2,
}

/** Built-in workqueue callbacks. */
export enum WorkFn {
  Nop = 0,
}

/** What an `rcu_head` on a callback list does when invoked (the model's `head->func`). */
export enum RcuCbFn {
  /** kfree the object that embeds the head. */
  FreeObj = 1,
}

/**
 * Trace event kinds. Every event has: kind, cpu, ctx (the CPU's current context when emitted),
 * time in ns, and up to three u32 arguments a, b, c (meaning given per kind; unused = 0).
 * docs/model.md says exactly when each is emitted.
 */
export enum Ev {
  CtxEnter = 1, // a = ctx entered
  CtxExit = 2, // a = ctx left
  IrqDisable = 3, // a = new nesting depth
  IrqEnable = 4, // a = new nesting depth
  Tick = 5, // a = jiffies
  TickDeferred = 6, // a = jiffies (irqs were off; delivered later)
  Qs = 7, // a = gp_seq of the GP it counted for
  GpStart = 8, // a = new gp_seq
  GpEnd = 9, // a = new gp_seq
  IrqWorkQueue = 10, // a = work, b = 1 claimed / 0 already pending, c = 1 if a self-IPI was raised
  IrqWorkRun = 11, // a = work
  LlistAdd = 12, // a = llist, b = obj, c = 1 if the list was empty
  LlistDelAll = 13, // a = llist, b = number of nodes taken
  LockAcquire = 14, // a = lock
  LockTrylockFail = 15, // a = lock, b = holder cpu
  LockRelease = 16, // a = lock
  Deadlock = 17, // a = lock, b = holder ctx, c = acquirer ctx
  TimerFire = 18, // a = timer
  WorkQueue = 19, // a = work, b = 1 queued / 0 already pending, c = delay in jiffies
  WorkRun = 20, // a = work
  CallRcu = 21, // a = obj, b = gp snapshot
  RcuCbInvoke = 22, // a = obj
  Kmalloc = 23, // a = obj
  Kfree = 24, // a = obj
  PageAlloc = 25, // a = page (0xffffffff on failure)
  PageFree = 26, // a = page
  SyncBegin = 27, // a = gp snapshot waited for
  SyncEnd = 28, // a = gp_seq
  IdleEnter = 29,
  IdleExit = 30,
  PreemptDisable = 31, // a = new preempt count
  PreemptEnable = 32, // a = new preempt count
  RcuReadLock = 33, // a = new nesting
  RcuReadUnlock = 34, // a = new nesting
  CondResched = 35,
  WorkCancel = 36, // a = work, b = 1 if it was pending
  // kvfree_rcu (docs/model.md §12-§14). Kernel objects are named KHANDLE(cpu, id) = 0x10000 + cpu * 16 + id.
  KvfreeCall = 37, // a = obj, b = 1 if headless, c = channel
  KrcBulk = 38, // a = obj, b = page, c = nr_records after the insert
  KrcHead = 39, // a = obj, b = head_count after the insert
  MonitorRun = 40, // a = krc_count at the start
  DrainReady = 41, // a = objects freed (only when > 0)
  BatchQueued = 42, // a = krw index, b = objects moved into it
  KfreeRcuWork = 43, // a = krw index, b = objects freed
  BulkNotReady = 44, // a = page (the kernel's WARN in kvfree_rcu_bulk)
  PageCacheFill = 45, // a = pages added
  ShrinkScan = 46, // a = objects + pages reported freed
  ProgramEnd = 47, // a = 0 normal end, 1 allocation failed
  BarrierBegin = 48,
  BarrierEnd = 49,
  // kfree_rcu_nolock and injection (docs/model.md §15-§16)
  NolockCall = 50, // a = obj, b = channel
  Inject = 51, // a = Point, b = kind (1 nmi, 2 probe, 3 hardirq, 4 remote)
}

/** Preemption points (docs/model.md §16.1). `POINT_NAMES` in src/points.ts gives their names. */
export enum Point {
  TaskOp = 1,
  NolockEntry = 2,
  KrcLocked = 3,
  KrcBeforeUnlock = 4,
  LlistDrain = 5,
  MonitorLocked = 6,
  WorkLocked = 7,
  PageRefillLocked = 8,
  POINT_COUNT = 9,
}

/** Injection kinds (Ev.Inject's b). */
export enum InjectKind {
  Nmi = 1,
  Probe = 2,
  Hardirq = 3,
  Remote = 4,
}

/** monitorArm variants (docs/model.md §15.3). */
export enum MonitorArm {
  LazyIrqWork = 0,
  IrqWork = 1,
  LazyIrqWorkUnlessPending = 2,
  OneIrqWorkLazyFlag = 3,
}

/** nolockGate variants (docs/model.md §15.2). */
export enum NolockGate {
  AllowSpin = 0,
  InNmi = 1,
}

/** Checker rules (docs/model.md §17); `CHECK_RULE_NAMES` in src/points.ts gives their names. Bit i-1 of a rule mask. */
export enum CheckRule {
  PrematureFree = 1,
  Conservation = 2,
  SpinInNmi = 3,
  IrqWork = 4,
  Bounds = 5,
  MonitorLiveness = 6,
  RULE_COUNT = 7,
}

/** What a Violation's detail text is (chooses the text of docs/model.md §17; args a, b, c). */
export enum CheckWhat {
  PrematureFree = 1, // a = obj, b = snap, c = gp_seq
  BatchNotReady = 2, // a = first leaked obj, b = gp_snap, c = gp_seq
  Conservation = 3, // a = queued, b = on lists
  SpinInNmi = 4, // a = lock
  SpinInNolock = 5, // a = lock
  WorkInNmi = 6, // a = work
  IrqWorkTwice = 7, // a = irq_work
  IrqWorkStranded = 8, // a = objects, b = cpu
  PageCacheBound = 9, // a = cpu, b = pages
  GpSeqBackwards = 10, // a = old, b = new
  MonitorLate = 11, // a = cpu, b = jiffy the objects are held since, c = jiffy the monitor is due by
}

/** Canary mutants (docs/model.md §17.1; tests only). `MUTANT_NAMES` in src/points.ts gives their names. */
export enum Mutant {
  None = 0,
  FreeBeforeGp = 1,
  PageSnapOnce = 2,
  LlistAddIgnored = 3,
  DrainNewestPage = 4,
  HeadSnapNotRefreshed = 5,
  MonitorPostponed = 6,
  NolockSpins = 7,
  DrainDropsTail = 8,
  IrqWorkNoClaim = 9,
}

/** Workload program opcodes (docs/model.md §14); encoded by src/program.ts as [opcode, arg] pairs. */
export enum Op {
  Kmalloc = 1,
  Vmalloc = 2,
  KfreeRcu = 3,
  KvfreeRcu = 4,
  KfreeRcuMix = 5,
  CallRcu = 6,
  Kfree = 7,
  RcuReadLock = 8,
  RcuReadUnlock = 9,
  CondResched = 10,
  Sleep = 11,
  Loop = 12,
  End = 13,
  MemSample = 14,
  KfreeRcuNolock = 15,
}

/** Ids of a CPU's kernel objects inside KHANDLE(cpu, id). */
export enum KObj {
  KrcLock = 0,
  MonitorWork = 1,
  PageCacheWork = 2,
  KrwWork0 = 3,
  KrwWork1 = 4,
  PageCacheTimer = 5,
  NolockLlist = 6,
  NolockIrqWork = 7,
  SchedMonitorIrqWork = 8,
}

export const KHANDLE_BASE = 0x10000;

/** Kinds of timer callbacks. */
export enum TimerFn {
  /** The timer of a delayed work: queue that work on the timer's CPU. */
  QueueWork = 0,
}

/**
 * Per-CPU counters, in storage order. The TS names are this enum's own keys (`Stat[i]`), so the
 * list exists exactly once. `STAT_COUNT` must stay last.
 */
export enum Stat {
  ticks = 0,
  tickDeferred = 1,
  qs = 2,
  gpStart = 3,
  gpEnd = 4,
  irqWorkQueued = 5,
  irqWorkRejected = 6,
  irqWorkRun = 7,
  lazyRun = 8,
  selfIpi = 9,
  llistAdd = 10,
  llistDelAll = 11,
  lockAcquire = 12,
  trylockFail = 13,
  deadlocks = 14,
  timerFire = 15,
  workQueued = 16,
  workRun = 17,
  callRcu = 18,
  rcuCbInvoked = 19,
  kmalloc = 20,
  kfree = 21,
  prematureFree = 22,
  pageAlloc = 23,
  pageAllocFail = 24,
  pageFree = 25,
  synchronizeRcu = 26,
  kvfreeCall = 27,
  kvfreeCallHeadless = 28,
  bulkInsert = 29,
  headInsert = 30,
  bnodeFromCache = 31,
  inlineSync = 32,
  monitorArm = 33,
  monitorShorten = 34,
  monitorRun = 35,
  drainReadyFreed = 36,
  batchQueued = 37,
  batchSlotBusy = 38,
  kfreeRcuWorkRun = 39,
  bulkFreed = 40,
  listFreed = 41,
  bulkSnapNotReady = 42,
  listSnapNotReady = 43,
  pageCacheFill = 44,
  shrinkScan = 45,
  allocFail = 46,
  barrier = 47,
  nolockCall = 48,
  nolockSpinPath = 49,
  nolockForcedDefer = 50,
  nolockDeferred = 51,
  nolockDrained = 52,
  nolockDrainDelayed = 53,
  monitorArmLazy = 54,
  monitorArmRaised = 55,
  monitorArmSkipped = 56,
  pointHits = 57,
  injectNmi = 58,
  injectProbe = 59,
  injectHardirq = 60,
  remoteSteps = 61,
  injectRefused = 62,
  spinWaits = 63,
  // Free latency (docs/model.md §10.1), counted at every internal free of a queued object.
  // latJ<b>: jiffies (mod 2^31) from its kfree_rcu*()/call_rcu() call to the free; b = 0 for 0 jiffies, else
  // 1 + ceil(log2 d), capped at 15 (latJ1 = 1, latJ2 = 2, latJ3 = 3-4, latJ4 = 5-8, ... latJ15 > 8192).
  latJ0 = 64,
  latJ1 = 65,
  latJ2 = 66,
  latJ3 = 67,
  latJ4 = 68,
  latJ5 = 69,
  latJ6 = 70,
  latJ7 = 71,
  latJ8 = 72,
  latJ9 = 73,
  latJ10 = 74,
  latJ11 = 75,
  latJ12 = 76,
  latJ13 = 77,
  latJ14 = 78,
  latJ15 = 79,
  // latGp<e>: grace periods that ended after the one that already covered it (0 = freed as soon as
  // it could have been under this model's batching), capped at 7; premature frees are not counted.
  latGp0 = 80,
  latGp1 = 81,
  latGp2 = 82,
  latGp3 = 83,
  latGp4 = 84,
  latGp5 = 85,
  latGp6 = 86,
  latGp7 = 87,
  // The same latJ buckets for the objects queued by kfree_rcu_nolock() only: the share of the frees
  // the review's variants act on.
  latNolockJ0 = 88,
  latNolockJ1 = 89,
  latNolockJ2 = 90,
  latNolockJ3 = 91,
  latNolockJ4 = 92,
  latNolockJ5 = 93,
  latNolockJ6 = 94,
  latNolockJ7 = 95,
  latNolockJ8 = 96,
  latNolockJ9 = 97,
  latNolockJ10 = 98,
  latNolockJ11 = 99,
  latNolockJ12 = 100,
  latNolockJ13 = 101,
  latNolockJ14 = 102,
  latNolockJ15 = 103,
  // Sums of those latencies in jiffies (d of every latJ / latNolockJ count): the exact means.
  latJSum = 104,
  latNolockJSum = 105,
  STAT_COUNT = 106,
}
