// Built-in scenarios (JSON-compatible documents, validated by resolveScenario like any user file).
import type { ProgramOp } from '../types.js';
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

/** What slub_kunit's nolock tests run in their handler: kmalloc_nolock() then kfree_rcu_nolock(). */
export const NOLOCK_HANDLER: ProgramOp[] = [{ op: 'kmalloc' }, { op: 'kfree_rcu_nolock' }];

export const nmiStorm: Scenario = {
  name: 'nmi-storm',
  description:
    'rcuscale-like kmalloc + kfree_rcu on every CPU while a perf-event NMI fires at 100 kHz on each CPU ' +
    "(slub_kunit's test_kmalloc_nolock_and_friends_perf) and calls kmalloc + kfree_rcu_nolock; NMIs land " +
    'in whichever preemption point they fall, including inside the krc-locked region.',
  options: {
    nrCpus: 4, maxObjects: 1 << 21, maxPages: 1 << 14, trace: false,
    inject: { nmi: { ratePerSec: 100_000, handler: NOLOCK_HANDLER } },
  },
  workload: { kind: 'rcuscale-kfree', kfree_alloc_num: 8000, kfree_loops: 20, kfree_rcu_test_double: true },
};

export const probeInLock: Scenario = {
  name: 'probe-in-lock',
  description:
    "slub_kunit's kprobe variant: a probe attached inside kvfree_call_rcu's locked region (krc-locked) " +
    'fires on one call in a hundred and calls kmalloc + kfree_rcu_nolock. It is not an NMI, so allow_spin is ' +
    'false but in_nmi() is too: the in-nmi gate then spins on its own CPU\'s krc.lock.',
  options: {
    nrCpus: 4, maxObjects: 1 << 20, maxPages: 1 << 13, trace: false,
    inject: { probe: { probability: 0.01, points: ['krc-locked'], handler: NOLOCK_HANDLER } },
  },
  workload: { kind: 'rcuscale-kfree', kfree_alloc_num: 8000, kfree_loops: 5, kfree_rcu_test_double: true },
};

export const BUILTIN_SCENARIOS: Record<string, Scenario> = {
  [rcuscaleKfree.name]: rcuscaleKfree,
  [nmiStorm.name]: nmiStorm,
  [probeInLock.name]: probeInLock,
};
