// The ONLY file that touches `WebAssembly.*`. The core's bytes are embedded in the bundle
// (esbuild's binary loader; a vitest plugin in tests), compiled once per process, and instantiated
// once per machine: every machine owns its memory, so machines can never corrupt each other.
// Browser-safe: no `node:` imports, synchronous compile of a small module.
import bytes from '../../build/kfree_rcu_sim.wasm';

/** The core called `abort()` (an internal assert or a broken model bound). */
export class WasmAbort extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${message} (${file}:${line}:${column})`);
    this.name = 'WasmAbort';
  }
}

type Global = { value: number };
export type Cmd0 = () => number;
export type Cmd1 = (a: number) => number;
export type Cmd2 = (a: number, b: number) => number;
export type Cmd3 = (a: number, b: number, c: number) => number;

/** The numbers-only ABI of assembly/index.ts. Commands return a Status (0 = Ok). */
export interface CoreExports {
  memory: WebAssembly.Memory;
  // memory map
  STATS_BASE: Global; STATS_STRIDE: Global; TRACE_BASE: Global; TRACE_EVENT_WORDS: Global;
  IO_BASE: Global; IO_CAP: Global; CPU_STRIDE: Global; FRAME_STRIDE: Global; CPU_FRAMES: Global;
  LOCKS_MAX: Global; LLISTS_MAX: Global; IRQ_WORKS_MAX: Global; WORKS_MAX: Global;
  NR_CPUS_MAX: Global; MAX_OBJECTS_LIMIT: Global; MAX_PAGES_LIMIT: Global; TRACE_CAPACITY_LIMIT: Global;
  IRQ_ENABLED_ROUNDS_MAX: Global; WORKLIST_RUN_MAX: Global; U31_MAX: Global; MEMORY_END: Global;
  PROGRAM_SLICE_OPS_MAX: Global; KRC_INFO_WORDS: Global; RUN_INFO_F64: Global;
  CPU_FLAG_IRQS_DISABLED: Global; CPU_FLAG_IDLE: Global; CPU_FLAG_TICK_PENDING: Global; CPU_FLAG_IPI_PENDING: Global;
  // machine, results, failure
  init(nrCpus: number, hz: number, seed: number, maxObjects: number, objSize: number, rcuHeadOffset: number,
    maxPages: number, pageFailRate: number, gpSeqStart: number, trace: number, traceCapacity: number,
    rcuStallJiffies: number): number;
  now_ns: Cmd0; jiffies_get: Cmd0; random: Cmd0;
  cpu_depth: Cmd1; cpu_frame_kind: Cmd2; cpu_flags: Cmd1; cpu_irq_depth: Cmd1; cpu_preempt_count: Cmd1;
  cpu_rcu_nesting: Cmd1;
  result: Cmd0; result2: Cmd0; io_fill: Cmd0; bad_arg_get: Cmd0;
  fail_status: Global; fail_cpu: Global; fail_lock: Global; fail_holder_ctx: Global;
  fail_acquirer_ctx: Global; fail_reason: Global; fail_arg: Global;
  run_err_cpu: Global; run_err_op: Global; run_err_obj: Global;
  trace_digest: Cmd0; trace_count_get: Cmd0; trace_head_get: Cmd0;
  // commands
  advance: Cmd1; enter: Cmd2; exit: Cmd1; local_irq_save: Cmd1; local_irq_restore: Cmd1;
  preempt_disable: Cmd1; preempt_enable: Cmd1; rcu_read_lock: Cmd1; rcu_read_unlock: Cmd1;
  cond_resched: Cmd1; set_idle: Cmd2;
  kmalloc: Cmd1; kfree: Cmd2; obj_info: Cmd1; live_objects: Cmd1; alloc_page: Cmd1; free_page: Cmd2; fail_next_page_allocs: Cmd1;
  create_lock: Cmd0; spin_lock: Cmd2; spin_trylock: Cmd2; spin_unlock: Cmd2; lock_holder: Cmd1;
  create_llist: Cmd0; llist_add: Cmd3; llist_del_all: Cmd2;
  create_irq_work: Cmd3; irq_work_queue: Cmd2; irq_work_flags: Cmd1; irq_work_cpu: Cmd1;
  create_delayed_work: Cmd0; queue_work: Cmd2; queue_delayed_work: Cmd3; mod_delayed_work: Cmd3;
  cancel_delayed_work: Cmd2; delayed_work_pending: Cmd1;
  gp_seq: Cmd0; get_state_synchronize_rcu: Cmd0; poll_state_synchronize_rcu: Cmd1;
  start_poll_synchronize_rcu: Cmd1; call_rcu: Cmd2; synchronize_rcu: Cmd1;
  // kvfree_rcu and workloads (config_* before init)
  config_kvfree(batched: number, drainReady: number, monitorBacklogRule: number, rcuMinCachedObjs: number,
    rcuDelayPageCacheFillMsec: number, kfreeDrainJiffies: number, bulkMaxEntr: number): void;
  config_costs(kmalloc: number, kfreeRcu: number, kfree: number, rcuRead: number, condResched: number, pageAlloc: number): void;
  vmalloc: Cmd1; kfree_rcu: Cmd2; kvfree_rcu: Cmd2; kvfree_rcu_barrier: Cmd1; shrink: Cmd2;
  krc_info: Cmd1; memory_info: Cmd0; memory_bytes: Cmd0; memory_waiting_bytes: Cmd0; memory_peak_waiting_bytes: Cmd0;
  load_program: Cmd2; run: Cmd1; run_info: Cmd0;
  // kfree_rcu_nolock and injection (config_* before init; the handlers and the schedule are copied
  // to HANDLER_BASE / SCHED_BASE after init, then inject_ready())
  config_nolock(monitorArm: number, nolockGate: number, debugObjects: number, costPointNs: number): void;
  config_inject_source(kind: number, threshold: number, points: number, handlerWords: number): void;
  config_inject(ratePerSec: number, schedLen: number): void;
  inject_ready(): void; stats_flush(): void; set_hook_mask(mask: number): void; point_hits: Cmd0; bench_point: Cmd3;
  kfree_rcu_nolock: Cmd3;
  HANDLER_BASE: Global; HANDLER_OFF_NMI: Global; HANDLER_OFF_PROBE: Global; HANDLER_OFF_HARDIRQ: Global; SCHED_BASE: Global;
  INJ_BASE: Global; INJ_STRIDE: Global; INJ_FRAMES: Global; HANDLER_DEPTH_MAX: Global;
  fail_point: Global; fail_inj_kind: Global; fail_inj_point: Global; fail_inj_cpu: Global; fail_inj_target: Global;
  fail_op: Global; fail_op_obj: Global; fail_op_status: Global; FAIL_OP_EXIT: Global;
  // the checker (config before init; a Violation's record)
  config_checker(ruleMask: number, mutant: number): void;
  fail_what: Global; fail_obj: Global; fail_va: Global; fail_vb: Global; fail_vc: Global; fail_jiffies: Global; fail_hit: Global;
  result_set(v: number, v2: number): void; io_chain_get: Cmd0; io_chain_set(c: number): void;
}

/** What the core calls back: `on_point` only for points with a registered at() hook. */
export interface CoreImports {
  onPoint(cpu: number, point: number, hit: number): void;
}

/** An exception raised by the core itself (an abort or a trap), as opposed to one thrown by a hook. */
export function isCoreTrap(e: unknown): boolean {
  return e instanceof WasmAbort || e instanceof WebAssembly.RuntimeError;
}

let compiled: WebAssembly.Module | null = null;

/** AssemblyScript string at `ptr`: UTF-16LE, its byte length in the header word at ptr - 4. */
function readString(memory: WebAssembly.Memory | null, ptr: number): string {
  if (memory === null || ptr < 4 || ptr > memory.buffer.byteLength) return '';
  const view = new DataView(memory.buffer);
  const bytesLen = view.getUint32(ptr - 4, true);
  let s = '';
  for (let i = 0; i + 1 < bytesLen && ptr + i + 1 < memory.buffer.byteLength; i += 2) {
    s += String.fromCharCode(view.getUint16(ptr + i, true));
  }
  return s;
}

/** A fresh instance of the core with its own memory (not yet init()ed). */
export function instantiateCore(imports: CoreImports | null = null): CoreExports {
  compiled ??= new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  let memory: WebAssembly.Memory | null = null;
  const env = {
    abort(msg: number, file: number, line: number, column: number): never {
      throw new WasmAbort(readString(memory, msg) || 'abort', readString(memory, file), line, column);
    },
    on_point(cpu: number, point: number, hit: number): void {
      imports?.onPoint(cpu, point, hit);
    },
  };
  const instance = new WebAssembly.Instance(compiled, { env });
  const core = instance.exports as unknown as CoreExports;
  memory = core.memory;
  return core;
}
