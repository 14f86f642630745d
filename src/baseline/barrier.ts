// kvfree_rcu_barrier() (K§2.8; docs/model.md §12.8, §13): wait until everything kvfree_rcu'd before
// the call is freed. Batched: offload every krc into a batch (waiting for busy krws first), cancel
// the monitors, and flush both krws of every CPU. Not batched: rcu_barrier().
//
// Simplified: flush_rcu_work() is "wait until the krw holds nothing"; cancel_delayed_work_sync()
// needs no waiting since a work never runs concurrently with a command.
import { Ev, Stat, Status } from '../shared/codes.js';
import type { Cpu } from './cpu.js';
import type { Kernel } from './kernel.js';
import { cancelMonitorWork, type Krc } from './krc.js';
import { kvfreeRcuQueueBatch } from './monitor.js';
import { rcuQs } from './rcu.js';
import { globalTick } from './tick.js';
import type { Check } from './validate.js';

/**
 * The caller sleeps until `done()` (flush_rcu_work, rcu_barrier): if it already holds, nothing
 * happens; else the task blocks like synchronize_rcu() (a QS, then idle for the GP engine) and time
 * runs tick by tick, at most rcuStallJiffies ticks, else RcuStall (the ticks stay processed).
 */
export function waitUntil(k: Kernel, cpu: Cpu, check: Check, done: () => boolean): void {
  if (done()) return;
  cpu.blocked++;
  rcuQs(k, cpu);
  let ok = false;
  for (let i = 0; i < k.options.rcuStallJiffies && !ok; i++) {
    globalTick(k);
    ok = done();
  }
  cpu.blocked--;
  if (!ok) check.fail(Status.RcuStall);
}

const krwsIdle = (krc: Krc): boolean => !krc.krwArr[0].busy() && !krc.krwArr[1].busy();

/** kvfree_rcu_barrier() from a sleepable task on `cpu` (the caller checked the context). */
export function kvfreeRcuBarrier(k: Kernel, cpu: Cpu, check: Check): void {
  k.emit(cpu, Ev.BarrierBegin);
  if (!k.options.batched) {
    // rcu_barrier(): every callback queued so far has been invoked.
    waitUntil(k, cpu, check, () => k.cpus.every((c) => c.cbHead === null));
  } else {
    // Detach every krc's objects into a batch; a krc whose two batches are in flight waits for them.
    for (const krc of k.krcs) {
      if (!krc.needOffload()) continue;
      for (;;) {
        const queued = kvfreeRcuQueueBatch(k, cpu, krc);
        if (queued || !krc.needOffload()) break;
        waitUntil(k, cpu, check, () => krwsIdle(krc));
      }
    }
    // Now every object is in a batch: stop the monitors and wait for the batches.
    for (const krc of k.krcs) {
      cancelMonitorWork(k, cpu, krc);
      waitUntil(k, cpu, check, () => krwsIdle(krc));
    }
  }
  k.emit(cpu, Ev.BarrierEnd);
  k.count(cpu, Stat.barrier);
}
