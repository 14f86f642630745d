// Human-readable text for trace events, in kernel terms (used by the CLI and the demo).
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
    default: return `${e.kind}(${a}, ${b}, ${c})`;
  }
}
