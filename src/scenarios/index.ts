// Built-in scenarios (JSON-compatible documents, validated by resolveScenario like any user file).
import type { Scenario } from '../scenario.js';

export const rcuscaleKfree: Scenario = {
  name: 'rcuscale-kfree',
  description:
    "rcuscale's kfree test (kernel/rcu/rcuscale.c, kfree_rcu_test=1) with its default module parameters: " +
    'one thread per CPU, kfree_loops x kfree_alloc_num kmalloc + kfree_rcu, cond_resched() between loops. ' +
    'kfree_rcu_test_single == kfree_rcu_test_double (both false), so each free picks kfree_rcu_mightsleep() ' +
    'or kfree_rcu() at random, as in the kernel.',
  options: { nrCpus: 8, maxObjects: 1 << 21, maxPages: 1 << 14, trace: false },
  workload: { kind: 'rcuscale-kfree', kfree_alloc_num: 8000, kfree_loops: 10 },
};

export const BUILTIN_SCENARIOS: Record<string, Scenario> = {
  [rcuscaleKfree.name]: rcuscaleKfree,
};
