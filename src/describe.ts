// Human-readable text for trace events, in kernel terms (used by the CLI and the demo).
import { pointName } from './points.js';
import type { TraceEvent } from './types.js';

const NONE = 0xffffffff;

export function describeEvent(e: TraceEvent): string {
  const { a, b, c } = e;
  switch (e.kind) {
    case 'CtxEnter': return `enter ${['task', 'softirq', 'hardirq', 'nmi', 'probe'][a]}`;
    case 'CtxExit': return `exit ${['task', 'softirq', 'hardirq', 'nmi', 'probe'][a]}`;
    case 'IrqDisable': return `local_irq_save (depth ${a})`;
    case 'IrqEnable': return `local_irq_restore (depth ${a})`;
    case 'Tick': return `tick (jiffies ${a})`;
    case 'TickDeferred': return `tick deferred: irqs off (jiffies ${a})`;
    case 'Qs': return `rcu_qs: quiescent state for gp_seq ${a}`;
    case 'GpStart': return `GP start, gp_seq ${a}`;
    case 'GpEnd': return `GP end, gp_seq ${a}`;
    case 'IrqWorkQueue': return b ? `irq_work_queue(work ${a}) = true${c ? ', self-IPI raised' : ''}` : `irq_work_queue(work ${a}) = false (already PENDING)`;
    case 'IrqWorkRun': return `irq_work ${a} runs`;
    case 'LlistAdd': return `llist_add(obj ${b}, llist ${a}) = ${c ? 'true (list was empty)' : 'false'}`;
    case 'LlistDelAll': return `llist_del_all(llist ${a}) took ${b}`;
    case 'LockAcquire': return `raw_spin_lock(lock ${a})`;
    case 'LockTrylockFail': return `raw_spin_trylock(lock ${a}) failed: held by cpu ${b}`;
    case 'LockRelease': return `raw_spin_unlock(lock ${a})`;
    case 'Deadlock': return `DEADLOCK: spinning on lock ${a} held by the interrupted ${['task', 'softirq', 'hardirq', 'nmi', 'probe'][b]}`;
    case 'TimerFire': return `timer ${a} fires`;
    case 'WorkQueue': return b ? `queue work ${a}${c ? ` (delay ${c} jiffies)` : ''}` : `queue work ${a}: already pending`;
    case 'WorkRun': return `work ${a} runs (kworker)`;
    case 'WorkCancel': return `cancel work ${a}${b ? '' : ' (was idle)'}`;
    case 'CallRcu': return `call_rcu(obj ${a}), waits for gp_seq >= ${b}`;
    case 'RcuCbInvoke': return `RCU callback for obj ${a}`;
    case 'Kmalloc': return `kmalloc -> obj ${a}`;
    case 'Kfree': return `kfree(obj ${a})`;
    case 'PageAlloc': return a === NONE ? 'page allocation failed' : `page ${a} allocated`;
    case 'PageFree': return `page ${a} freed`;
    case 'SyncBegin': return `synchronize_rcu: waiting for gp_seq >= ${a}`;
    case 'SyncEnd': return `synchronize_rcu returns (gp_seq ${a})`;
    case 'IdleEnter': return 'CPU goes idle (quiescent)';
    case 'IdleExit': return 'CPU leaves idle';
    case 'PreemptDisable': return `preempt_disable (count ${a})`;
    case 'PreemptEnable': return `preempt_enable (count ${a})`;
    case 'RcuReadLock': return `rcu_read_lock (nesting ${a})`;
    case 'RcuReadUnlock': return `rcu_read_unlock (nesting ${a})`;
    case 'CondResched': return 'cond_resched (quiescent state)';
    case 'KvfreeCall': return `${b ? 'kvfree_rcu(obj' : 'kfree_rcu(obj'} ${a})${c ? ' [vmalloc]' : ''}`;
    case 'KrcBulk': return `obj ${a} -> bulk page ${b} (record ${c})`;
    case 'KrcHead': return `obj ${a} -> krc.head (${b} on the list)`;
    case 'MonitorRun': return `kfree_rcu_monitor: ${a} objects in the krc`;
    case 'DrainReady': return `drain_ready: ${a} objects freed, their GP already over`;
    case 'BatchQueued': return `batch ${a} queued: ${b} objects wait for a GP (queue_rcu_work)`;
    case 'KfreeRcuWork': return `kfree_rcu_work: batch ${a} frees ${b} objects`;
    case 'BulkNotReady': return `WARN: bulk page ${a} freed before its GP`;
    case 'PageCacheFill': return `page cache refilled with ${a} pages`;
    case 'ShrinkScan': return `shrinker scan freed ${a}`;
    case 'ProgramEnd': return a ? 'program ends: allocation failed (-ENOMEM)' : 'program ends';
    case 'BarrierBegin': return 'kvfree_rcu_barrier begins';
    case 'BarrierEnd': return 'kvfree_rcu_barrier returns';
    case 'NolockCall': return `kfree_rcu_nolock(obj ${a})`;
    case 'Inject': return `${['', 'NMI', 'probe', 'hardirq', 'remote step'][b] ?? 'injection'} at ${pointName(a) ?? `point ${a}`}`;
    default: return `${e.kind}(${a}, ${b}, ${c})`;
  }
}
