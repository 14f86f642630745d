// The substrate demonstration that `npm start` runs until the kvfree_rcu scenarios exist: the
// deferred-free pattern that kfree_rcu_nolock() is built on, told in kernel terms, and the deadlock
// that a spinning lock in NMI context would cause. Pure use of the public API.
import { createMachine, type Impl } from './create.js';
import type { Failure, RcuMachine, Stats, TraceEvent } from './types.js';

export interface DemoResult {
  impl: Impl;
  trace: TraceEvent[];
  stats: Stats;
  digest: number;
  freedAfterJiffies: number;
  deadlock: Failure | null;
}

/**
 * CPU 0 holds a per-CPU lock with irqs off (as kvfree_call_rcu holds krc.lock) when an NMI lands.
 * The NMI's trylock fails, so it defers three objects on a lock-free llist; the first llist_add
 * queues a raised irq_work. The work runs once the task re-enables irqs and hands every object to
 * call_rcu(); the GP engine frees them after a full grace period. Then a second machine shows the
 * plain spin_lock from the same NMI: a same-CPU deadlock, reported instead of hung on.
 */
export function runSubstrateDemo(impl: Impl = 'wasm', seed = 1): DemoResult {
  const m = createMachine({ nrCpus: 2, seed, gpSeqStart: 0 }, { impl });
  const lock = m.createLock();
  const llist = m.createLlist();
  const work = m.createIrqWork({ fn: 'llist-call-rcu', arg: llist });
  const objs = [m.kmalloc(0), m.kmalloc(0), m.kmalloc(0)];

  m.localIrqSave(0);
  m.spinLock(0, lock);
  m.enter(0, 'nmi');
  if (!m.spinTrylock(0, lock)) {
    for (const obj of objs) if (m.llistAdd(0, llist, obj)) m.irqWorkQueue(0, work);
  }
  m.exit(0);
  m.advance(1); // CPU 0's tick is deferred: irqs are off
  m.spinUnlock(0, lock);
  m.localIrqRestore(0); // the irq-enabled point: the deferred tick, then the raised irq_work
  const start = m.jiffies();
  while (objs.some((o) => m.objInfo(o).state !== 'free')) m.advance(1);

  return {
    impl,
    trace: m.trace(),
    stats: m.stats(),
    digest: m.traceDigest(),
    freedAfterJiffies: m.jiffies() - start,
    deadlock: deadlockCase(createMachine({ nrCpus: 2, seed }, { impl })),
  };
}

function deadlockCase(m: RcuMachine): Failure | null {
  const lock = m.createLock();
  m.localIrqSave(0);
  m.spinLock(0, lock);
  m.enter(0, 'nmi');
  try {
    m.spinLock(0, lock);
  } catch {
    return m.failure();
  }
  return null;
}
