// THE memory map. Every byte of state lives in linear memory at an address derived here; no other
// file computes a base or a stride. The regions are sized once by layout_init() (one memory.grow);
// memory never grows afterwards, so the TS side's views stay valid for the machine's lifetime.
// The TS side reads the bases/strides it needs from the exported globals below, never retyping them
// (test/unit/layout.test.ts pair-asserts them).
//
// ╒══════════════════ Linear memory (sized at init; never grows) ══════════════════╕
//  [0, __heap_base)   AS static data (strings of abort messages). No AS heap is ever used.
//  CPU      Cpu[nr_cpus]                     stride CPU_STRIDE   (header + frames[FRAMES_MAX])
//  STATS    f64[nr_cpus][Stat.STAT_COUNT]    stride STATS_STRIDE (one row per CPU)
//  LOCK     Lock[LOCKS_MAX + nr_cpus*16]     stride LOCK_STRIDE; API locks, then per CPU 16 kernel
//                                            slots (slot KObj.KrcLock = krc.lock)
//  LLIST    u32 first[LLISTS_MAX + nr_cpus*16] head of each llist (object id or NIL); API llists,
//                                            then per CPU 16 kernel slots (KObj.NolockLlist =
//                                            krc.llist_head of kfree_rcu_nolock, §15.1)
//  IRQW     IrqWork[IRQ_WORKS_MAX + nr_cpus*16] stride IRQW_STRIDE; API works, then per CPU 16
//                                            kernel slots (KObj.NolockIrqWork = krc.irq_work,
//                                            KObj.SchedMonitorIrqWork = krc.sched_monitor_irq_work)
//  WORK     DelayedWork[WORKS_MAX + nr_cpus*16] stride WORK_STRIDE (work + its timer); API works,
//                                            then per CPU 16 kernel slots (KObj ids 1..5)
//  KRC      Krc[nr_cpus]                     stride KRC_STRIDE (struct kfree_rcu_cpu + krw_arr[2])
//  PSTATE   Prog[nr_cpus]                    stride PROG_STRIDE (interpreter state per CPU)
//  PROG     u32 words[nr_cpus][1024]         the loaded program: 512 ops of [opcode, arg]
//  INJ      InjCpu[nr_cpus]                  stride INJ_STRIDE: per-CPU injection state + the
//                                            handler frames (Prog layout, HANDLER_DEPTH_MAX)
//  HANDLER  u32 words[nmi | probe | hardirq] the handler programs, back to back (HANDLER_OFF_*)
//  SCHED    u32 [hit, kind][sched_len]       inject.schedule (hits strictly increasing)
//  IO       u32[IO_CAP]                      results too large for a return value
//  TRACE    event[trace_cap]                 TRACE_EVENT_BYTES each (0 bytes when trace is off)
//  PAGE     u32 next[max_pages], u8 state[max_pages]
//  BULK     BulkPage[max_pages]              stride BULK_STRIDE = header + bulk_max_entr u32
//                                            (struct kvfree_rcu_bulk_data of each page)
//  OBJSTATE u8 state[max_objects]            shadow state (OBJ_*), 1 byte per object
//  OBJCHAN  u8 bits[max_objects / 8]         1 = the object came from vmalloc (channel 1)
//  OBJSNAP  u32 snap[max_objects]            shadow "kfree_rcu call time" cookie per object
//  OBJQJIF  u32 qjif[max_objects]            jiffies mod 2^31 at that call (the free-latency start)
//                                            | 1 << 31 if kfree_rcu_nolock() queued it (§10.1)
//  SLAB     object[max_objects + 2*nr_cpus]  obj_size bytes each; rcu_head at rcu_head_offset.
//                                            The 2*nr_cpus extra "objects" are the rcu_heads of
//                                            the krw rcu_works (krw_head_id()); never handles.
// ╘═════════════════════════════════════════════════════════════════════════════════╛
// Every region starts 64-byte aligned. Handles are indices; addresses never cross the ABI.
// Host memory per object waiting in a bulk page: obj_size + 1 (state) + 1/8 (channel) + 4 (snap)
// + 4 (queue jiffy) + ~4.03 (its record, 2044 B page / 507) bytes: 37 B with the default 24-byte objects.
import { InjectKind, Stat } from '../src/shared/codes';
import {
  bulk_max_entr, FRAMES_MAX, HANDLER_DEPTH_MAX, inject_handler_words, IO_CAP, IRQ_WORKS_MAX, KOBJ_SLOTS, LLISTS_MAX, LOCKS_MAX, LOOP_DEPTH_MAX,
  max_objects, max_pages, nr_cpus, obj_size, PROGRAM_WORDS_MAX, rcu_head_offset, sched_len, trace_cap,
  trace_on, WORKS_MAX,
} from './config';

// Frame: one entry of a CPU's context stack (docs/model.md §2).
//   +0  kind        u8   Ctx of the frame
//   +1  level       u8   0 task, 1 softirq, 2 hardirq, 3 nmi; a probe copies the frame below
//   +2  irq_off     u8   1 if this frame forces irqs off (hardirq, nmi, probe entered with irqs off)
//   +3  in_nolock   u8   1 while a kfree_rcu_nolock() call runs in this frame (the checker's spin-in-nmi)
//   +4  irq_depth   u32  ┐
//   +8  preempt     u32  │ the CPU's counters at entry; exit() requires them unchanged
//   +12 rcu_nesting u32  │
//   +16 locks_held  u32  ┘
@unmanaged export class Frame {
  kind: u8;
  level: u8;
  irq_off: u8;
  in_nolock: u8;
  irq_depth: u32;
  preempt_count: u32;
  rcu_nesting: u32;
  locks_held: u32;
}

// Cpu: per-CPU state, then FRAMES_MAX frames (frame 0 is always task).
//   @depth:       frames on the context stack (>= 1)
//   @irq_depth, @preempt_count, @rcu_nesting: nesting counters across all frames
//   @locks_held:  raw spinlocks held by frames of this CPU
//   @nmi_frames:  nmi frames on the stack (NmiNested check without a scan)
//   @idle, @tick_pending, @ipi_pending, @qs_owed (to the current GP)
//   @blocked: how many waits block the task (synchronize_rcu, barrier waits, a blocked program)
//   @raised_list, @lazy_list: irq_work llists (work ids, newest first)
//   @cb_head/@cb_tail: RCU callback list (objects through their rcu_head, FIFO)
//   @wl_head/@wl_tail: worklist (delayed works, FIFO, doubly linked through the work)
//   @timer_head/@timer_tail: armed timers sorted by (expires, arming order)
//   @cb_objs: slab objects (not rcu_work heads) on the callback list (the checker's conservation)
@unmanaged export class Cpu {
  depth: u32;
  irq_depth: u32;
  preempt_count: u32;
  rcu_nesting: u32;
  locks_held: u32;
  nmi_frames: u32;
  idle: u8;
  tick_pending: u8;
  ipi_pending: u8;
  blocked: u8;
  qs_owed: u8;
  pad0: u8;
  pad1: u16;
  raised_list: u32;
  lazy_list: u32;
  cb_head: u32;
  cb_tail: u32;
  wl_head: u32;
  wl_tail: u32;
  timer_head: u32;
  timer_tail: u32;
  cb_objs: u32;
}

// Lock (raw_spinlock_t): holder_cpu NIL when free; holder_frame = index of the holding frame.
@unmanaged export class Lock {
  holder_cpu: u32;
  holder_frame: u32;
}

// IrqWork (struct irq_work): flags IRQ_WORK_PENDING|BUSY|LAZY, func (IrqWorkFn), arg,
// next (llist link), cpu (whose list holds it while PENDING, else NIL).
@unmanaged export class IrqWork {
  flags: u8;
  func: u8;
  pad: u16;
  arg: u32;
  next: u32;
  cpu: u32;
}

// DelayedWork (struct delayed_work = work_struct + timer_list), one handle for both.
//   @pending:    WORK_STRUCT_PENDING
//   @wl_cpu:     CPU whose worklist holds it, or NIL; @wl_prev/@wl_next: worklist links
//   @armed:      timer_pending(); @expires (jiffies); @timer_cpu; @t_prev/@t_next: timer list links
@unmanaged export class DelayedWork {
  pending: u32;
  wl_cpu: u32;
  wl_prev: u32;
  wl_next: u32;
  armed: u32;
  expires: u32;
  timer_cpu: u32;
  t_prev: u32;
  t_next: u32;
}

// RcuHead: the object's embedded struct rcu_head (16 bytes, as on 64-bit).
//   +0 next    u32  link of whichever list holds the object (free list, llist, callback list)
//   +4 cb_snap u32  the callback's GP cookie. *Simplified*: the kernel keeps GP numbers per
//                   segment of rcu_segcblist; the model keeps one per callback in the spare half
//                   of `next` (our links are 32-bit).
//   +8 func    u32  RcuCbFn (the kernel's rcu_callback_t)
@unmanaged export class RcuHead {
  next: u32;
  cb_snap: u32;
  func: u32;
  pad: u32;
}

// Krw (struct kfree_rcu_cpu_work), embedded twice in Krc (krw_arr[KFREE_N_BATCHES]).
//   @head_free:          detached head list (objects through rcu_head.next, newest first) or NIL
//   @head_free_gp_snap:  cookie taken when head_free was filled
//   @bulk_head_free0/1:  detached bulk-page lists per channel (pages through BulkPage.next)
//   @head_free_count:    objects on head_free (the checker's conservation)
// Its rcu_work is delayed work WORKS_MAX + cpu*16 + KObj.KrwWork0 + i; the rcu_work's own
// rcu_head is slab "object" krw_head_id(cpu, i).
@unmanaged export class Krw {
  head_free: u32;
  head_free_gp_snap: u32;
  bulk_head_free0: u32;
  bulk_head_free1: u32;
  head_free_count: u32;
}

// Krc (struct kfree_rcu_cpu), one per CPU, then its two Krw.
//   @head/@head_count/@head_gp_snap: objects without a bulk page (channel "3"), newest first
//   @bulk_head0/1, @bulk_tail0/1: bulk pages per channel, newest first (doubly linked through
//                BulkPage.next/prev: new pages go at the head, drain_ready walks from the tail)
//   @bulk_count0/1: records in those pages
//   @bkvcache:   LIFO of cached empty pages (through BulkPage.next); @nr_bkv_objs its length
//   @backoff_page_cache_fill, @work_in_progress: refill-worker state (atomic_t in the kernel)
//   @held_since, @last_monitor_run: jiffies when the krc last went from holding nothing to holding
//                something, and of the monitor's last run (the checker's monitor-liveness)
//   @monitor_cancelled: the barrier cancelled monitor_work while the krc held objects; they wait
//                for the next arm, which restarts the liveness clock
// Channel arrays are read with krc_bulk_ptr()-style addressing: field 1 follows field 0.
@unmanaged export class Krc {
  head: u32;
  head_count: u32;
  head_gp_snap: u32;
  bulk_head0: u32;
  bulk_head1: u32;
  bulk_tail0: u32;
  bulk_tail1: u32;
  bulk_count0: u32;
  bulk_count1: u32;
  bkvcache: u32;
  nr_bkv_objs: u32;
  backoff_page_cache_fill: u8;
  work_in_progress: u8;
  monitor_cancelled: u8;
  pad: u8;
  held_since: u32;
  last_monitor_run: u32;
}

// BulkPage (struct kvfree_rcu_bulk_data): the header of each simulated page, then
// records[bulk_max_entr] (u32 object ids). Used while the page is a bulk page or cached.
//   +0 gp_snap u32 | +4 nr_records u32 | +8 next u32 | +12 prev u32 | +16 records[...]
@unmanaged export class BulkPage {
  gp_snap: u32;
  nr_records: u32;
  next: u32;
  prev: u32;
}

// Prog: the workload interpreter state of one CPU (docs/model.md §14).
//   @state:  PROG_NONE / RUNNING / BLOCKED (on @wait = a GP cookie) / SLEEPING (until jiffy @wait)
//            / DONE
//   @pc, @len: word index of the next op, words loaded
//   @obj:    the register (last allocated object) or NIL; @wait_obj: the object whose inline
//            free finishes when a BLOCKED program wakes
//   @clock:  the CPU's own time (ns)
//   @depth:  loop-stack depth; loops[i] = {start pc, remaining count, iteration index}
@unmanaged export class Prog {
  state: u32;
  pc: u32;
  len: u32;
  obj: u32;
  clock: u64;
  wait: u32;
  wait_obj: u32;
  depth: u32;
  pad: u32;
}

// InjCpu: per-CPU injection state (docs/model.md §16.1), then HANDLER_DEPTH_MAX handler frames.
//   +0  next_nmi_ns f64  when the next rate NMI is due on this CPU (f64: 10^9 / rate as TS computes it)
//   +8  hdepth      u32  handler frames running on this CPU (index of the next free frame)
//   +12 in_op       u32  1 while an op of this CPU's program executes (run_slice / a remote step)
//   +16 point[4]    u8   the point each handler frame entered at (Failure.point)
//   +INJ_FRAMES     Prog[HANDLER_DEPTH_MAX]  stride PROG_STRIDE: pc, len, obj, loop stack of a
//                        handler program (the same interpreter state as a task program)
//
//   ┌ InjCpu ───────────────────────────────────────────────────────────────┐
//   │ next_nmi_ns │ hdepth │ in_op │ point[0..3] │ pad │ Prog frame 0 │ Prog frame 1 │
//   └───────────────────────────────────────────────────────────────────────┘
@unmanaged export class InjCpu {
  next_nmi_ns: f64;
  hdepth: u32;
  in_op: u32;
  point0: u8;
  point1: u8;
  point2: u8;
  point3: u8;
  pad: u32;
}

export const PROG_NONE: u32 = 0;
export const PROG_RUNNING: u32 = 1;
export const PROG_BLOCKED: u32 = 2;
export const PROG_SLEEPING: u32 = 3;
export const PROG_DONE: u32 = 4;

// Shadow object states (OBJSTATE region). The public ObjState maps >= OBJ_QUEUED_LLIST to 'queued'.
export const OBJ_FREE: u8 = 0;
export const OBJ_ALLOCATED: u8 = 1;
/** On an llist: the list owns the rcu_head link. */
export const OBJ_QUEUED_LLIST: u8 = 2;
/** Taken off an llist by llist_del_all: queued, owned by the caller (may be call_rcu'd). */
export const OBJ_QUEUED: u8 = 3;
/** On a CPU's RCU callback list. */
export const OBJ_QUEUED_CB: u8 = 4;
/** Handed to kvfree_call_rcu(): in a bulk page, on a krc head list, or waiting for its inline free. */
export const OBJ_QUEUED_KRC: u8 = 5;

export const PAGE_FREE: u8 = 0;
export const PAGE_ALLOCATED: u8 = 1;
/** Allocated by a kernel flow (bulk page, bkvcache): not freeable through the API (§16.3). */
export const PAGE_KERNEL: u8 = 2;

// -- derived strides and offsets (exported for the TS side) -----------------------------------
export const FRAME_STRIDE: u32 = offsetof<Frame>();
export const CPU_FRAMES: u32 = (offsetof<Cpu>() + 7) & ~7;
export const CPU_STRIDE: u32 = (CPU_FRAMES + FRAMES_MAX * FRAME_STRIDE + 63) & ~63;
export const STATS_STRIDE: u32 = <u32>Stat.STAT_COUNT * 8;
export const LOCK_STRIDE: u32 = offsetof<Lock>();
export const IRQW_STRIDE: u32 = offsetof<IrqWork>();
export const WORK_STRIDE: u32 = offsetof<DelayedWork>();
export const RCU_HEAD_BYTES: u32 = offsetof<RcuHead>();
export const KRC_KRW: u32 = (offsetof<Krc>() + 7) & ~7;
export const KRW_STRIDE: u32 = offsetof<Krw>();
export const KRC_STRIDE: u32 = (KRC_KRW + 2 * KRW_STRIDE + 63) & ~63;
export const BULK_HEADER: u32 = offsetof<BulkPage>();
/** Bytes of one page's BulkPage header + records (set by layout_init from bulk_max_entr). */
export let BULK_STRIDE: u32 = 0;
export const PROG_LOOPS: u32 = offsetof<Prog>();
/** A loop-stack entry: start pc, remaining count, iteration index (u32 each). */
export const LOOP_ENTRY_BYTES: u32 = 12;
export const PROG_STRIDE: u32 = (PROG_LOOPS + LOOP_DEPTH_MAX * LOOP_ENTRY_BYTES + 63) & ~63;
export const PROGRAM_BYTES: u32 = PROGRAM_WORDS_MAX * 4;
export const INJ_FRAMES: u32 = (offsetof<InjCpu>() + 63) & ~63;
export const INJ_STRIDE: u32 = INJ_FRAMES + HANDLER_DEPTH_MAX * PROG_STRIDE;
/** Word offsets of the three handler programs in the HANDLER region (set by layout_init). */
export let HANDLER_OFF_NMI: u32 = 0;
export let HANDLER_OFF_PROBE: u32 = 0;
export let HANDLER_OFF_HARDIRQ: u32 = 0;
/** An event: [kind | ctx << 8 | cpu << 16, t_lo, t_hi, a, b, c] (docs/model.md §10). */
export const TRACE_EVENT_WORDS: u32 = 6;
export const TRACE_EVENT_BYTES: u32 = TRACE_EVENT_WORDS * 4;

// -- region bases (set once by layout_init) ----------------------------------------------------
export let CPU_BASE: u32 = 0;
export let STATS_BASE: u32 = 0;
export let LOCK_BASE: u32 = 0;
export let LLIST_BASE: u32 = 0;
export let IRQW_BASE: u32 = 0;
export let WORK_BASE: u32 = 0;
export let KRC_BASE: u32 = 0;
export let PSTATE_BASE: u32 = 0;
export let PROG_BASE: u32 = 0;
export let INJ_BASE: u32 = 0;
export let HANDLER_BASE: u32 = 0;
export let SCHED_BASE: u32 = 0;
export let IO_BASE: u32 = 0;
export let TRACE_BASE: u32 = 0;
export let PAGE_NEXT_BASE: u32 = 0;
export let PAGE_STATE_BASE: u32 = 0;
export let BULK_BASE: u32 = 0;
export let OBJ_STATE_BASE: u32 = 0;
export let OBJ_CHAN_BASE: u32 = 0;
export let OBJ_SNAP_BASE: u32 = 0;
export let OBJ_QJIF_BASE: u32 = 0;
export let SLAB_BASE: u32 = 0;
/** One past the last byte used. */
export let MEMORY_END: f64 = 0;

@inline function align64(x: u64): u64 {
  return (x + 63) & ~(<u64>63);
}

/** Places every region after the static data and grows memory once. False if it does not fit. */
export function layout_init(): bool {
  let p: u64 = align64(<u64>__heap_base);
  CPU_BASE = <u32>p; p = align64(p + <u64>nr_cpus * CPU_STRIDE);
  STATS_BASE = <u32>p; p = align64(p + <u64>nr_cpus * STATS_STRIDE);
  LOCK_BASE = <u32>p; p = align64(p + (<u64>LOCKS_MAX + <u64>nr_cpus * KOBJ_SLOTS) * LOCK_STRIDE);
  LLIST_BASE = <u32>p; p = align64(p + (<u64>LLISTS_MAX + <u64>nr_cpus * KOBJ_SLOTS) * 4);
  IRQW_BASE = <u32>p; p = align64(p + (<u64>IRQ_WORKS_MAX + <u64>nr_cpus * KOBJ_SLOTS) * IRQW_STRIDE);
  WORK_BASE = <u32>p; p = align64(p + (<u64>WORKS_MAX + <u64>nr_cpus * KOBJ_SLOTS) * WORK_STRIDE);
  KRC_BASE = <u32>p; p = align64(p + <u64>nr_cpus * KRC_STRIDE);
  PSTATE_BASE = <u32>p; p = align64(p + <u64>nr_cpus * PROG_STRIDE);
  PROG_BASE = <u32>p; p = align64(p + <u64>nr_cpus * PROGRAM_BYTES);
  INJ_BASE = <u32>p; p = align64(p + <u64>nr_cpus * INJ_STRIDE);
  HANDLER_OFF_NMI = 0;
  HANDLER_OFF_PROBE = inject_handler_words(<u32>InjectKind.Nmi);
  HANDLER_OFF_HARDIRQ = HANDLER_OFF_PROBE + inject_handler_words(<u32>InjectKind.Probe);
  HANDLER_BASE = <u32>p;
  p = align64(p + (<u64>HANDLER_OFF_HARDIRQ + inject_handler_words(<u32>InjectKind.Hardirq)) * 4);
  SCHED_BASE = <u32>p; p = align64(p + <u64>sched_len * 8);
  IO_BASE = <u32>p; p = align64(p + <u64>IO_CAP * 4);
  TRACE_BASE = <u32>p; p = align64(p + (trace_on ? <u64>trace_cap * TRACE_EVENT_BYTES : 0));
  PAGE_NEXT_BASE = <u32>p; p = align64(p + <u64>max_pages * 4);
  PAGE_STATE_BASE = <u32>p; p = align64(p + <u64>max_pages);
  BULK_STRIDE = (BULK_HEADER + bulk_max_entr * 4 + 15) & ~15;
  BULK_BASE = <u32>p; p = align64(p + <u64>max_pages * BULK_STRIDE);
  OBJ_STATE_BASE = <u32>p; p = align64(p + <u64>max_objects);
  OBJ_CHAN_BASE = <u32>p; p = align64(p + ((<u64>max_objects + 7) >> 3));
  OBJ_SNAP_BASE = <u32>p; p = align64(p + <u64>max_objects * 4);
  OBJ_QJIF_BASE = <u32>p; p = align64(p + <u64>max_objects * 4);
  SLAB_BASE = <u32>p; p = align64(p + (<u64>max_objects + 2 * <u64>nr_cpus) * obj_size);
  MEMORY_END = <f64>p;
  const pagesNeeded: u64 = (p + 0xffff) >> 16;
  if (pagesNeeded > 65536) return false;
  const have = <u64>memory.size();
  if (pagesNeeded > have && memory.grow(<i32>(pagesNeeded - have)) < 0) return false;
  return true;
}

// -- addressing --------------------------------------------------------------------------------
@inline export function cpu_at(cpu: u32): Cpu {
  return changetype<Cpu>(CPU_BASE + cpu * CPU_STRIDE);
}
@inline export function frame_at(cpu: u32, i: u32): Frame {
  return changetype<Frame>(CPU_BASE + cpu * CPU_STRIDE + CPU_FRAMES + i * FRAME_STRIDE);
}
@inline export function stat_ptr(cpu: u32, s: u32): usize {
  return STATS_BASE + cpu * STATS_STRIDE + (s << 3);
}
@inline export function lock_at(lock: u32): Lock {
  return changetype<Lock>(LOCK_BASE + lock * LOCK_STRIDE);
}
@inline export function llist_ptr(list: u32): usize {
  return LLIST_BASE + (list << 2);
}
@inline export function irq_work_at(w: u32): IrqWork {
  return changetype<IrqWork>(IRQW_BASE + w * IRQW_STRIDE);
}
@inline export function dwork_at(w: u32): DelayedWork {
  return changetype<DelayedWork>(WORK_BASE + w * WORK_STRIDE);
}
@inline export function io_ptr(i: u32): usize {
  return IO_BASE + (i << 2);
}
@inline export function trace_ptr(slot: u32): usize {
  return TRACE_BASE + slot * TRACE_EVENT_BYTES;
}
@inline export function page_next_ptr(page: u32): usize {
  return PAGE_NEXT_BASE + (page << 2);
}
@inline export function page_state_ptr(page: u32): usize {
  return PAGE_STATE_BASE + page;
}
@inline export function obj_state_ptr(obj: u32): usize {
  return OBJ_STATE_BASE + obj;
}
@inline export function obj_snap_ptr(obj: u32): usize {
  return OBJ_SNAP_BASE + (obj << 2);
}
@inline export function obj_qjif_ptr(obj: u32): usize {
  return OBJ_QJIF_BASE + (obj << 2);
}
/** The object's embedded rcu_head. */
@inline export function rcu_head_of(obj: u32): RcuHead {
  return changetype<RcuHead>(SLAB_BASE + obj * obj_size + rcu_head_offset);
}

// -- kvfree_rcu (docs/model.md §12) ------------------------------------------------------------
@inline export function krc_at(cpu: u32): Krc {
  return changetype<Krc>(KRC_BASE + cpu * KRC_STRIDE);
}
@inline export function krw_at(cpu: u32, i: u32): Krw {
  return changetype<Krw>(KRC_BASE + cpu * KRC_STRIDE + KRC_KRW + i * KRW_STRIDE);
}
// Per-channel fields (bulk_head[ch], bulk_tail[ch], bulk_count[ch], bulk_head_free[ch]): field 1
// follows field 0, so channel ch is at the field-0 offset + 4 * ch.
export const F_BULK_HEAD: usize = offsetof<Krc>('bulk_head0');
export const F_BULK_TAIL: usize = offsetof<Krc>('bulk_tail0');
export const F_BULK_COUNT: usize = offsetof<Krc>('bulk_count0');
const F_BULK_HEAD_FREE: usize = offsetof<Krw>('bulk_head_free0');
@inline export function krc_get(k: Krc, f: usize, ch: u32): u32 {
  return load<u32>(changetype<usize>(k) + f + (ch << 2));
}
@inline export function krc_set(k: Krc, f: usize, ch: u32, v: u32): void {
  store<u32>(changetype<usize>(k) + f + (ch << 2), v);
}
@inline export function krw_bulk_free(w: Krw, ch: u32): u32 {
  return load<u32>(changetype<usize>(w) + F_BULK_HEAD_FREE + (ch << 2));
}
@inline export function krw_set_bulk_free(w: Krw, ch: u32, v: u32): void {
  store<u32>(changetype<usize>(w) + F_BULK_HEAD_FREE + (ch << 2), v);
}
@inline export function bulk_at(page: u32): BulkPage {
  return changetype<BulkPage>(BULK_BASE + page * BULK_STRIDE);
}
@inline export function bulk_records_ptr(page: u32): usize {
  return BULK_BASE + page * BULK_STRIDE + BULK_HEADER;
}
/** The slab index of the rcu_head of krw_arr[i].rcu_work of a CPU (beyond max_objects). */
@inline export function krw_head_id(cpu: u32, i: u32): u32 {
  return max_objects + (cpu << 1) + i;
}
/** Lock-table index of a CPU's kernel lock (KObj.KrcLock). */
@inline export function klock_idx(cpu: u32): u32 {
  return LOCKS_MAX + cpu * KOBJ_SLOTS;
}
/** Work-table index of a CPU's kernel work/timer `id` (KObj). */
@inline export function kwork_idx(cpu: u32, id: u32): u32 {
  return WORKS_MAX + cpu * KOBJ_SLOTS + id;
}
/** Event handle of a lock/work index: itself for API entries, KHANDLE(cpu, id) for kernel ones. */
@inline export function ev_handle(idx: u32): u32 {
  return idx < WORKS_MAX ? idx : idx + (0x10000 - WORKS_MAX);
}
@inline export function obj_chan_ptr(obj: u32): usize {
  return OBJ_CHAN_BASE + (obj >> 3);
}
@inline export function prog_at(cpu: u32): Prog {
  return changetype<Prog>(PSTATE_BASE + cpu * PROG_STRIDE);
}
@inline export function loop_ptr(cpu: u32, i: u32): usize {
  return PSTATE_BASE + cpu * PROG_STRIDE + PROG_LOOPS + i * LOOP_ENTRY_BYTES;
}
@inline export function prog_words_ptr(cpu: u32): usize {
  return PROG_BASE + cpu * PROGRAM_BYTES;
}
/** Loop-stack entry i of an interpreter frame (a CPU's Prog or a handler frame). */
@inline export function frame_loop_ptr(p: Prog, i: u32): usize {
  return changetype<usize>(p) + PROG_LOOPS + i * LOOP_ENTRY_BYTES;
}

// -- kfree_rcu_nolock and injection (docs/model.md §15-§16) ------------------------------------
/** Kernel llist / irq_work of a CPU (KObj id), in the kernel slots of the LLIST / IRQW tables. */
@inline export function kslot_idx(cpu: u32, id: u32): u32 {
  return LLISTS_MAX + cpu * KOBJ_SLOTS + id;
}
@inline export function inj_at(cpu: u32): InjCpu {
  return changetype<InjCpu>(INJ_BASE + cpu * INJ_STRIDE);
}
/** Handler frame i (0 = outermost) of a CPU. */
@inline export function hframe_at(cpu: u32, i: u32): Prog {
  return changetype<Prog>(INJ_BASE + cpu * INJ_STRIDE + INJ_FRAMES + i * PROG_STRIDE);
}
/** Words of the handler of InjectKind 1..3. */
@inline export function handler_words_ptr(kind: u32): usize {
  const off = kind == <u32>InjectKind.Nmi ? HANDLER_OFF_NMI : kind == <u32>InjectKind.Probe ? HANDLER_OFF_PROBE : HANDLER_OFF_HARDIRQ;
  return HANDLER_BASE + (off << 2);
}
@inline export function sched_ptr(i: u32): usize {
  return SCHED_BASE + (i << 3);
}
