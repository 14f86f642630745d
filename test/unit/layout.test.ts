// Pair assertions between the Wasm core's memory map / limits (exported globals of
// assembly/layout.ts and assembly/config.ts) and the TS side's expectations (src/options.ts,
// src/messages.ts, the baseline's bounds, src/shared/codes.ts). A change on one side only fails here.
import { describe, expect, it } from 'vitest';
import { IRQ_POINT_ROUNDS_MAX } from '../../src/baseline/tick.js';
import { U31_MAX } from '../../src/baseline/validate.js';
import { WORKLIST_RUN_MAX } from '../../src/baseline/workqueue.js';
import { HANDLE_TABLE_SIZE } from '../../src/messages.js';
import { MAX_OBJECTS_LIMIT, MAX_PAGES_LIMIT, NR_CPUS_MAX, resolveOptions, TRACE_CAPACITY_LIMIT } from '../../src/options.js';
import { Stat } from '../../src/shared/codes.js';
import { instantiateCore } from '../../src/wasm/load.js';

const REGIONS = [
  'CPU_BASE', 'STATS_BASE', 'LOCK_BASE', 'LLIST_BASE', 'IRQW_BASE', 'WORK_BASE', 'IO_BASE', 'TRACE_BASE',
  'PAGE_NEXT_BASE', 'PAGE_STATE_BASE', 'OBJ_STATE_BASE', 'OBJ_SNAP_BASE', 'SLAB_BASE', 'MEMORY_END',
] as const;

function core(options = {}) {
  const o = resolveOptions(options);
  const x = instantiateCore();
  const st = x.init(o.nrCpus, o.hz, o.seed, o.maxObjects, o.objSize, o.rcuHeadOffset, o.maxPages, o.pageFailRate,
    o.gpSeqStart, o.trace ? 1 : 0, o.traceCapacity, o.rcuStallJiffies);
  expect(st).toBe(0);
  const g = x as unknown as Record<string, { value: number }>;
  return { x, o, g: (name: string) => g[name].value };
}

describe('layout pair assertions', () => {
  it('limits agree with src/options.ts, src/messages.ts and the baseline', () => {
    const { g } = core();
    expect(g('NR_CPUS_MAX')).toBe(NR_CPUS_MAX);
    expect(g('MAX_OBJECTS_LIMIT')).toBe(MAX_OBJECTS_LIMIT);
    expect(g('MAX_PAGES_LIMIT')).toBe(MAX_PAGES_LIMIT);
    expect(g('TRACE_CAPACITY_LIMIT')).toBe(TRACE_CAPACITY_LIMIT);
    for (const t of ['LOCKS_MAX', 'LLISTS_MAX', 'IRQ_WORKS_MAX', 'WORKS_MAX']) expect(g(t)).toBe(HANDLE_TABLE_SIZE);
    expect(g('IRQ_ENABLED_ROUNDS_MAX')).toBe(IRQ_POINT_ROUNDS_MAX);
    expect(g('WORKLIST_RUN_MAX')).toBe(WORKLIST_RUN_MAX);
    expect(g('U31_MAX')).toBe(U31_MAX);
  });

  it('strides agree with the shared codes and the trace format of docs/model.md §10', () => {
    const { g } = core();
    expect(g('STATS_STRIDE')).toBe(Stat.STAT_COUNT * 8);
    expect(g('TRACE_EVENT_WORDS')).toBe(6);
    expect(g('TRACE_EVENT_BYTES')).toBe(24);
    expect(g('RCU_HEAD_BYTES')).toBe(16); // struct rcu_head on 64-bit; the options reserve 16 bytes
    expect(g('CPU_STRIDE') % 64).toBe(0);
    expect(g('CPU_STRIDE')).toBeGreaterThanOrEqual(g('CPU_FRAMES') + g('FRAMES_MAX') * g('FRAME_STRIDE'));
  });

  it.each([{}, { nrCpus: 1024, maxObjects: 1 << 20, objSize: 64, maxPages: 4096, trace: false }, { nrCpus: 1, maxObjects: 1, traceCapacity: 1 }])(
    'regions are ordered, 64-byte aligned, sized from the options, inside memory (%o)',
    (options) => {
      const { x, o, g } = core(options);
      const bases = REGIONS.map(g);
      for (let i = 0; i + 1 < bases.length; i++) expect(bases[i + 1]).toBeGreaterThanOrEqual(bases[i]);
      for (const b of bases.slice(0, -1)) expect(b % 64).toBe(0);
      expect(g('STATS_BASE') - g('CPU_BASE')).toBeGreaterThanOrEqual(o.nrCpus * g('CPU_STRIDE'));
      expect(g('IO_BASE') + g('IO_CAP') * 4).toBeLessThanOrEqual(g('TRACE_BASE'));
      expect(g('PAGE_NEXT_BASE') - g('TRACE_BASE')).toBeGreaterThanOrEqual(o.trace ? o.traceCapacity * 24 : 0);
      expect(g('OBJ_SNAP_BASE') - g('OBJ_STATE_BASE')).toBeGreaterThanOrEqual(o.maxObjects);
      expect(g('MEMORY_END') - g('SLAB_BASE')).toBeGreaterThanOrEqual(o.maxObjects * o.objSize);
      expect(x.memory.buffer.byteLength).toBeGreaterThanOrEqual(g('MEMORY_END'));
    },
  );
});
