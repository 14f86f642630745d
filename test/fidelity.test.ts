// Fidelity to the kernel's published kvfree_rcu numbers (docs/fidelity.md): each test asserts the
// direction and a rough size on rcuscale-kfree, and that the path it is about really ran.
import { describe, expect, it } from 'vitest';
import { runScenario, type Scenario } from '../src/index.js';
import type { MachineOptions } from '../src/types.js';

/** rcuscale-kfree, 2-argument kfree_rcu only (kfree_rcu_test_double=1), 4 threads, 100 loops x 8000. */
function rcuscale(options: MachineOptions, loops = 100): Scenario {
  return {
    name: 'fidelity',
    options: { nrCpus: 4, maxObjects: 8_000_000, maxPages: 65536, trace: false, ...options },
    workload: { kind: 'rcuscale-kfree', kfree_loops: loops, kfree_rcu_test_double: true },
  };
}

/** The kernel before Dec 2022: no drain_ready / per-page polling, no 1-jiffy backlog rule. */
const PRE_POLLING: MachineOptions = { drainReady: false, monitorBacklogRule: false };
/** Joel's Dec 2019 measurements: KFREE_DRAIN_JIFFIES = HZ/50, and no polling. */
const KERNEL_2019: MachineOptions = { ...PRE_POLLING, kfreeDrainJiffies: 20 };

describe('fidelity (rcuscale-kfree)', () => {
  it('batching uses several times fewer grace periods than CONFIG_KVFREE_RCU_BATCHED=n (kernel 2019: 4.3-4.7x)', () => {
    const unbatched = runScenario(rcuscale({ batched: false }));
    const batched2019 = runScenario(rcuscale(KERNEL_2019));
    const batchedNow = runScenario(rcuscale({}));
    for (const r of [unbatched, batched2019, batchedNow]) {
      expect(r.completed).toBe(true);
      expect(r.leftAfterBarrier).toBe(0);
    }
    expect(unbatched.stats.total.callRcu).toBe(4 * 100 * 8000);
    expect(batched2019.stats.total.batchQueued).toBeGreaterThan(0);
    expect(unbatched.batches / batched2019.batches).toBeGreaterThan(3);
    // Today's 1-jiffy backlog rule drains every jiffy under a flood, so the saving is smaller.
    expect(unbatched.batches / batchedNow.batches).toBeGreaterThan(1.2);
    // ...and batching holds more memory while it waits (kernel 2019: 261 MB vs 67 MB).
    expect(batched2019.footprintBytes).toBeGreaterThan(unbatched.footprintBytes);
  });

  it('disabling the polled-GP reclaim raises the footprint many times (kernel: 30-100x)', () => {
    const now = runScenario(rcuscale({}));
    const before = runScenario(rcuscale(PRE_POLLING));
    expect(now.stats.total.drainReadyFreed).toBeGreaterThan(0);
    expect(before.stats.total.drainReadyFreed).toBe(0);
    expect(before.footprintBytes / now.footprintBytes).toBeGreaterThan(10);
    expect(now.stats.total.prematureFree + before.stats.total.prematureFree).toBe(0);
  });

  it('both machines print the same rcuscale summary line', () => {
    const s = rcuscale({ nrCpus: 2, maxObjects: 1 << 18, maxPages: 4096 }, 4);
    const w = runScenario(s, { impl: 'wasm' });
    const t = runScenario(s, { impl: 'ts' });
    expect(w.summary).toMatch(/^Total time taken by all kfree'ers: \d+ ns, loops: 4, batches: \d+, memory footprint: \d+MB$/);
    expect(t.summary).toBe(w.summary);
    expect(t.stats).toEqual(w.stats);
  });
});
