// Edge cases of the kvfree_rcu / workload binding, Wasm vs baseline: argument errors and their
// messages, the slice bound's Invariant failure, queries after poisoning, kernel-object handles.
import { describe, expect, it } from 'vitest';
import { createMachine } from '../../src/index.js';
import { outcome } from '../helpers/errors.js';
import type { MachineOptions, RcuMachine } from '../../src/types.js';

function both(options: MachineOptions, script: (m: RcuMachine) => unknown[]): void {
  const w = createMachine(options, { impl: 'wasm' });
  const t = createMachine(options, { impl: 'ts' });
  const rw = script(w);
  const rt = script(t);
  expect(rw).toEqual(rt);
  expect(w.trace()).toEqual(t.trace());
  expect(w.stats()).toEqual(t.stats());
  expect(w.failure()).toEqual(t.failure());
}

describe('kvfree_rcu and workload edges: Wasm vs baseline', () => {
  it('argument and context errors carry the same messages', () => {
    both({ nrCpus: 2 }, (m) => [
      outcome(() => m.kfreeRcu(2, 0)),
      outcome(() => m.kfreeRcu(0, 5)),
      outcome(() => m.kvfreeRcu(0, -1)),
      outcome(() => m.vmalloc(7)),
      outcome(() => m.shrink(0, 0)),
      outcome(() => m.shrink(0, 1.5)),
      outcome(() => m.krcInfo(9)),
      outcome(() => m.kvfreeRcuBarrier(-1)),
      outcome(() => { const o = m.kmalloc(0); m.rcuReadLock(0); try { m.kvfreeRcu(0, o); } finally { m.rcuReadUnlock(0); } }),
      outcome(() => { m.kfree(0, 0); m.kfreeRcu(0, 0); }),
      outcome(() => { const o = m.kmalloc(0); m.kfreeRcu(0, o); m.kfreeRcu(0, o); }),
      outcome(() => { m.setIdle(1, true); m.kfreeRcu(1, 1); }),
      outcome(() => m.loadProgram(5, [])),
      outcome(() => m.loadProgram(0, [{ op: 'nope' } as never])),
      outcome(() => { m.rcuReadLock(0); try { m.loadProgram(0, [{ op: 'kmalloc' }]); } finally { m.rcuReadUnlock(0); } }),
      outcome(() => { m.loadProgram(1, [{ op: 'kmalloc' }]); return m.cpuInfo(1).idle; }),
      outcome(() => m.loadProgram(1, [{ op: 'kmalloc' }])),
      outcome(() => m.run(-1)),
      outcome(() => m.run(3)),
      outcome(() => m.runInfo()),
      outcome(() => m.memoryInfo()),
      outcome(() => m.krcInfo(0)),
    ]);
  });

  it('failing ops stop run() with the command error, by the form kfree_rcu_mix drew', () => {
    for (const seed of [1, 2, 3, 4]) {
      both({ nrCpus: 2, seed }, (m) => [
        outcome(() => m.loadProgram(0, [{ op: 'rcu_read_lock' }, { op: 'kmalloc' }, { op: 'kfree_rcu_mix' }, { op: 'rcu_read_unlock' }])),
        outcome(() => m.loadProgram(1, [{ op: 'rcu_read_unlock' }])),
        outcome(() => m.run(5)),
        outcome(() => m.run(5)),
        outcome(() => m.runInfo()),
      ]);
    }
    both({ nrCpus: 1 }, (m) => [
      outcome(() => m.loadProgram(0, [{ op: 'rcu_read_lock' }, { op: 'sleep', jiffies: 1 }])),
      outcome(() => m.run(5)),
      outcome(() => { m.rcuReadUnlock(0); m.loadProgram(0, [{ op: 'kmalloc' }, { op: 'kfree' }, { op: 'cond_resched' }]); m.setIdle(0, true); return m.run(2); }),
    ]);
  });

  it('the slice bound poisons the machine with the same Invariant failure', () => {
    both({ nrCpus: 1 }, (m) => [
      outcome(() => m.loadProgram(0, [{ op: 'loop', n: 0x7fffffff, body: [{ op: 'mem_sample', period: 0 }] }])),
      outcome(() => m.run(1)),
      outcome(() => m.krcInfo(0)),
      outcome(() => m.runInfo()),
    ]);
  });

  it('kernel objects are named by KHANDLE in every event (16 CPUs, all kinds)', () => {
    both({ nrCpus: 16, bulkMaxEntr: 2, hz: 100 }, (m) => {
      for (let c = 0; c < 16; c++) for (let i = 0; i < 5; i++) m.kfreeRcu(c, m.kmalloc(c));
      m.advance(2);
      for (let c = 0; c < 16; c++) for (let i = 0; i < 5; i++) m.kvfreeRcu(c, m.vmalloc(c));
      const freed = m.shrink(15, 1000);
      m.kvfreeRcuBarrier(3);
      return [freed, m.memoryInfo(), m.krcInfo(15)];
    });
  });
});
