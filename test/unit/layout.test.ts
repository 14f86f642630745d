// Pair assertions between the Wasm core's memory map / limits (exported globals of
// assembly/layout.ts and assembly/config.ts) and the TS side's expectations (src/options.ts,
// src/messages.ts, the baseline's bounds, src/shared/codes.ts). A change on one side only fails here.
import { describe, expect, it } from 'vitest';
import { IRQ_POINT_ROUNDS_MAX } from '../../src/baseline/tick.js';
import { U31_MAX } from '../../src/baseline/validate.js';
import { WORKLIST_RUN_MAX } from '../../src/baseline/workqueue.js';
import { HANDLE_TABLE_SIZE } from '../../src/messages.js';
import { MAX_OBJECTS_LIMIT, MAX_PAGES_LIMIT, NR_CPUS_MAX, resolveOptions, TRACE_CAPACITY_LIMIT } from '../../src/options.js';
import { LOOP_DEPTH_MAX, PROGRAM_OPS_MAX } from '../../src/program.js';
import { KHANDLE_BASE, KObj, Stat } from '../../src/shared/codes.js';
import { instantiateCore } from '../../src/wasm/load.js';

const REGIONS = [
  'CPU_BASE', 'STATS_BASE', 'LOCK_BASE', 'LLIST_BASE', 'IRQW_BASE', 'WORK_BASE', 'KRC_BASE', 'PSTATE_BASE',
  'PROG_BASE', 'IO_BASE', 'TRACE_BASE', 'PAGE_NEXT_BASE', 'PAGE_STATE_BASE', 'BULK_BASE', 'OBJ_STATE_BASE',
  'OBJ_CHAN_BASE', 'OBJ_SNAP_BASE', 'OBJ_QJIF_BASE', 'SLAB_BASE', 'MEMORY_END',
] as const;

function core(options = {}) {
  const o = resolveOptions(options);
  const x = instantiateCore();
  x.config_kvfree(o.batched ? 1 : 0, o.drainReady ? 1 : 0, o.monitorBacklogRule ? 1 : 0, o.rcuMinCachedObjs,
    o.rcuDelayPageCacheFillMsec, o.kfreeDrainJiffies, o.bulkMaxEntr);
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

  it('kvfree_rcu and workload sizes agree with src/program.ts, src/shared/codes.ts and docs/model.md §12-§14', () => {
    const { g } = core();
    // KHANDLE(cpu, id) = KHANDLE_BASE + cpu * 16 + id is derived from the table index of a kernel
    // object (LOCKS_MAX/WORKS_MAX + cpu * KOBJ_SLOTS + id): both tables must have the same API size.
    expect(g('KOBJ_SLOTS')).toBe(16);
    expect(KHANDLE_BASE).toBe(0x10000);
    expect(Math.max(...Object.values(KObj).filter((v): v is number => typeof v === 'number'))).toBeLessThan(g('KOBJ_SLOTS'));
    expect(g('LOCKS_MAX')).toBe(g('WORKS_MAX'));
    expect(g('PROGRAM_WORDS_MAX')).toBe(PROGRAM_OPS_MAX * 2);
    expect(g('PROGRAM_BYTES')).toBe(PROGRAM_OPS_MAX * 2 * 4);
    expect(g('LOOP_DEPTH_MAX')).toBe(LOOP_DEPTH_MAX);
    expect(g('PROGRAM_SLICE_OPS_MAX')).toBe(1048576); // docs/model.md §14.1
    // the IO region carries a whole program in, and krcInfo/runInfo out
    expect(g('IO_CAP')).toBeGreaterThanOrEqual(g('PROGRAM_WORDS_MAX'));
    expect(g('IO_CAP')).toBeGreaterThanOrEqual(g('KRC_INFO_WORDS'));
    expect(g('IO_CAP') / 2).toBeGreaterThanOrEqual(g('RUN_INFO_F64'));
    expect(g('IO_BASE') % 8).toBe(0);
    expect(g('KRC_STRIDE') % 64).toBe(0);
    expect(g('KRC_STRIDE')).toBeGreaterThanOrEqual(g('KRC_KRW') + 2 * g('KRW_STRIDE'));
    expect(g('BULK_HEADER')).toBe(16);
  });

  it.each([{}, { nrCpus: 1024, maxObjects: 1 << 20, objSize: 64, maxPages: 4096, trace: false }, { nrCpus: 1, maxObjects: 1, traceCapacity: 1 }, { bulkMaxEntr: 1018, maxPages: 3 }])(
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
      // the slab also holds the rcu_heads of the 2 krw rcu_works of each CPU
      expect(g('MEMORY_END') - g('SLAB_BASE')).toBeGreaterThanOrEqual((o.maxObjects + 2 * o.nrCpus) * o.objSize);
      expect(g('LLIST_BASE') - g('LOCK_BASE')).toBeGreaterThanOrEqual((g('LOCKS_MAX') + o.nrCpus * 16) * g('LOCK_STRIDE'));
      expect(g('KRC_BASE') - g('WORK_BASE')).toBeGreaterThanOrEqual((g('WORKS_MAX') + o.nrCpus * 16) * g('WORK_STRIDE'));
      expect(g('PSTATE_BASE') - g('KRC_BASE')).toBeGreaterThanOrEqual(o.nrCpus * g('KRC_STRIDE'));
      expect(g('PROG_BASE') - g('PSTATE_BASE')).toBeGreaterThanOrEqual(o.nrCpus * g('PROG_STRIDE'));
      expect(g('IO_BASE') - g('PROG_BASE')).toBeGreaterThanOrEqual(o.nrCpus * g('PROGRAM_BYTES'));
      expect(g('BULK_STRIDE')).toBeGreaterThanOrEqual(g('BULK_HEADER') + o.bulkMaxEntr * 4);
      expect(g('OBJ_STATE_BASE') - g('BULK_BASE')).toBeGreaterThanOrEqual(o.maxPages * g('BULK_STRIDE'));
      expect(g('OBJ_SNAP_BASE') - g('OBJ_CHAN_BASE')).toBeGreaterThanOrEqual(Math.ceil(o.maxObjects / 8));
      expect(g('OBJ_QJIF_BASE') - g('OBJ_SNAP_BASE')).toBeGreaterThanOrEqual(o.maxObjects * 4);
      expect(g('SLAB_BASE') - g('OBJ_QJIF_BASE')).toBeGreaterThanOrEqual(o.maxObjects * 4);
      expect(x.memory.buffer.byteLength).toBeGreaterThanOrEqual(g('MEMORY_END'));
    },
  );
});
