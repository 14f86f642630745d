// Option validation: every bad value is rejected with a message naming the key, the value and the
// expectation; unknown keys are rejected; valid options resolve to kernel defaults.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMachine, RcuOptionError, resolveOptions } from '../../src/index.js';

const INT_KEYS = ['nrCpus', 'seed', 'maxObjects', 'objSize', 'rcuHeadOffset', 'maxPages', 'gpSeqStart', 'traceCapacity', 'rcuStallJiffies'];

describe('options', () => {
  it('defaults to kernel values', () => {
    const o = resolveOptions();
    expect(o).toMatchObject({ nrCpus: 4, hz: 1000, rcuHeadOffset: 8, objSize: 24, gpSeqStart: 0xfffffb50, rcuStallJiffies: 21000 });
    expect(resolveOptions({ hz: 250 }).rcuStallJiffies).toBe(21 * 250);
  });

  it('rejects unknown keys by name', () => {
    expect(() => resolveOptions({ nrCpu: 4 } as never)).toThrow(/Invalid option nrCpu: 4 \(expected one of the known keys/);
  });

  it('rejects the rcu_head offset rule the kernel enforces with BUILD_BUG_ON', () => {
    expect(() => resolveOptions({ rcuHeadOffset: 4096, objSize: 8192 })).toThrow(/rcuHeadOffset: 4096/);
    expect(() => resolveOptions({ rcuHeadOffset: 16, objSize: 24 })).toThrow(/rcuHeadOffset \+ 16 <= objSize/);
    expect(resolveOptions({ rcuHeadOffset: 4000, objSize: 4016 }).rcuHeadOffset).toBe(4000);
  });

  it('rejects a gp_seq start that is not idle, hz values the kernel does not use, absurd sizes', () => {
    expect(() => resolveOptions({ gpSeqStart: 5 })).toThrow(/gpSeqStart: 5 .*low 2 bits/);
    expect(() => resolveOptions({ hz: 300 as never })).toThrow(/hz: 300 \(expected 100, 250 or 1000\)/);
    expect(() => resolveOptions({ nrCpus: 1025 })).toThrow(/nrCpus: 1025 \(expected an integer from 1 to 1024\)/);
    expect(() => resolveOptions({ maxObjects: 1 << 27 })).toThrow(/maxObjects/);
    expect(() => resolveOptions({ maxObjects: 1 << 26, objSize: 4096 })).toThrow(/maxObjects: 67108864 .*2 GiB/);
    expect(() => resolveOptions(null as never)).toThrow(/Invalid option options: null/);
    expect(() => createMachine({}, { impl: 'js' as never })).toThrow(/impl: "js"/);
  });

  it('property: any non-integer or out-of-range value of an integer key names that key and value', () => {
    const bad = fc.oneof(
      fc.double({ noInteger: true }),
      fc.string(),
      fc.boolean(),
      fc.constant(null),
      fc.integer({ min: -(2 ** 40), max: -1 }),
      fc.constant([]),
    );
    fc.assert(
      fc.property(fc.constantFrom(...INT_KEYS), bad, (key, value) => {
        let err: unknown;
        try {
          resolveOptions({ [key]: value } as never);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(RcuOptionError);
        expect((err as RcuOptionError).key).toBe(key);
        expect((err as Error).message).toContain(`Invalid option ${key}:`);
        expect((err as Error).message).toMatch(/\(expected .+\)/);
      }),
      { seed: Number(process.env.FC_SEED ?? 20261204), numRuns: 300 },
    );
  });

  it('property: valid options always build both machines with identical resolved options', () => {
    fc.assert(
      fc.property(
        fc.record({ nrCpus: fc.integer({ min: 1, max: 64 }), hz: fc.constantFrom(100, 250, 1000), seed: fc.nat() }),
        (opts) => {
          const a = createMachine(opts as never, { impl: 'wasm' });
          const b = createMachine(opts as never, { impl: 'ts' });
          expect(a.options).toEqual(b.options);
        },
      ),
      { seed: Number(process.env.FC_SEED ?? 20261204), numRuns: 30 },
    );
  });
});
