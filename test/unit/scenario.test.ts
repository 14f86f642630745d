// Scenario documents: validation with key paths, rcuscale's program and summary arithmetic.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rcuSeqDiff, RcuOptionError, resolveScenario, rcuscaleProgram } from '../../src/index.js';
import { BUILTIN_SCENARIOS } from '../../src/scenarios/index.js';

const base = { name: 't', workload: { kind: 'rcuscale-kfree' } };

function err(doc: unknown): RcuOptionError {
  try {
    resolveScenario(doc);
  } catch (e) {
    if (e instanceof RcuOptionError) return e;
    throw e;
  }
  throw new Error('scenario was accepted');
}

describe('scenarios', () => {
  it('every built-in scenario validates', () => {
    for (const s of Object.values(BUILTIN_SCENARIOS)) expect(resolveScenario(s).name).toBe(s.name);
  });

  it('names the key path, the value and the expectation', () => {
    expect(err({ ...base, extra: 1 }).message).toMatch(/scenario\.extra: 1 \(expected one of the known keys/);
    expect(err({ ...base, workload: { kind: 'rcuscale-kfree', kfree_loops: 0 } }).message).toMatch(/scenario\.workload\.kfree_loops: 0 \(expected an integer from 1/);
    expect(err({ ...base, workload: { kind: 'rcuscale' } }).message).toMatch(/scenario\.workload\.kind: "rcuscale"/);
    expect(err({ ...base, options: { nrCpus: 0 } }).message).toMatch(/scenario\.options\.nrCpus: 0 \(expected an integer from 1 to 1024\)/);
    expect(err({ ...base, options: { nrCpu: 2 } }).key).toBe('scenario.options.nrCpu');
    expect(err({ ...base, options: { nrCpus: 2 }, workload: { kind: 'rcuscale-kfree', kfree_nthreads: 3 } }).message).toMatch(/kfree_nthreads: 3/);
    expect(err({ name: 'p', workload: { kind: 'programs', programs: [{ cpus: [9], ops: [] }] } }).message).toMatch(/cpus: 9 \(expected a CPU number from 0 to 3\)/);
    expect(err({ name: 'p', workload: { kind: 'programs', programs: [{ cpus: 'all', ops: [{ op: 'nope' }] }] } }).message).toMatch(/ops\[0\]\.op: "nope"/);
    expect(err(null).message).toMatch(/scenario\.\(root\): null/);
  });

  it('property: random junk in any key is rejected with a key path, never a crash', () => {
    fc.assert(
      fc.property(fc.constantFrom('name', 'maxJiffies', 'barrier', 'options', 'workload'), fc.anything(), (key, value) => {
        const doc = { ...base, [key]: value };
        try {
          resolveScenario(doc);
        } catch (e) {
          expect(e).toBeInstanceOf(RcuOptionError);
          expect((e as Error).message).toMatch(/^Invalid option scenario\./);
        }
      }),
      { seed: Number(process.env.FC_SEED ?? 20261204), numRuns: 300 },
    );
  });

  it('builds rcuscale\'s thread body: loops of kmalloc + free, cond_resched between loops', () => {
    const s = resolveScenario({ ...base, options: { nrCpus: 3 } });
    expect([...s.ops.keys()]).toEqual([0, 1, 2]);
    expect(s.options.objSize).toBe(24);
    const p = rcuscaleProgram({ ...s.rcuscale!, kfree_rcu_test_double: true });
    expect(JSON.stringify(p)).toContain('"kfree_rcu"');
    expect(JSON.stringify(rcuscaleProgram(s.rcuscale!))).toContain('"kfree_rcu_mix"'); // single == double
    const offset = resolveScenario({ ...base, options: { nrCpus: 4 }, workload: { kind: 'rcuscale-kfree', kfree_nthreads: 2, kfree_cpu_offset: 3 } });
    expect([...offset.ops.keys()]).toEqual([3, 0]);
  });

  it('rcu_seq_diff matches kernel/rcu/rcu.h', () => {
    expect(rcuSeqDiff(8, 8)).toBe(0);
    expect(rcuSeqDiff(9, 8)).toBe(1); // GP in flight, none complete
    expect(rcuSeqDiff(12, 8)).toBe(2); // "roughly": the kernel rounds up
    expect(rcuSeqDiff(48, 8)).toBe(11);
    expect(rcuSeqDiff(4, 0xfffffffc)).toBe(3); // across the wrap
  });
});
