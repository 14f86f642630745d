// Context stack, irq/preempt/RCU nesting, idle: the rules of docs/model.md §2.
import { describe, expect, it } from 'vitest';
import { RcuError } from '../../src/errors.js';
import { kinds, machines } from '../helpers/machines.js';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof RcuError) return e.code;
    throw e;
  }
  return 'Ok';
}

describe.each(machines)('CPU contexts (%s)', (_impl, make) => {
  it('starts every CPU in plain task context', () => {
    const m = make({ nrCpus: 2 });
    expect(m.cpuInfo(1)).toEqual({
      ctx: ['task'], irqsDisabled: false, irqDepth: 0, preemptCount: 0, rcuNesting: 0,
      idle: false, tickPending: false, ipiPending: false,
    });
  });

  it('nests contexts upward only; NMI lands even with irqs off, never in an NMI', () => {
    const m = make();
    m.enter(0, 'softirq');
    m.enter(0, 'hardirq');
    expect(code(() => m.enter(0, 'softirq'))).toBe('BadContext');
    m.enter(0, 'nmi');
    expect(m.cpuInfo(0).ctx).toEqual(['task', 'softirq', 'hardirq', 'nmi']);
    expect(m.cpuInfo(0).irqsDisabled).toBe(true);
    expect(code(() => m.enter(0, 'nmi'))).toBe('NmiNested');
    m.enter(0, 'probe');
    expect(code(() => m.enter(0, 'nmi'))).toBe('NmiNested');
    expect(code(() => m.enter(0, 'probe'))).toBe('BadContext');
    m.exit(0);
    m.exit(0);
    m.exit(0);
    m.exit(0);
    expect(code(() => m.exit(0))).toBe('BadContext');
    expect(m.cpuInfo(0).ctx).toEqual(['task']);
  });

  it('refuses hardirq and softirq with irqs disabled, but allows NMI and probe', () => {
    const m = make();
    m.localIrqSave(0);
    expect(code(() => m.enter(0, 'hardirq'))).toBe('IrqsDisabled');
    expect(code(() => m.enter(0, 'softirq'))).toBe('IrqsDisabled');
    m.enter(0, 'probe');
    expect(m.cpuInfo(0).irqsDisabled).toBe(true); // a probe inherits the interrupted irq state
    m.exit(0);
    m.enter(0, 'nmi');
    m.exit(0);
    m.localIrqRestore(0);
    m.enter(0, 'probe');
    expect(m.cpuInfo(0).irqsDisabled).toBe(false);
  });

  it('rejects an exit that leaves nesting unbalanced, and changes nothing', () => {
    const m = make();
    m.enter(0, 'hardirq');
    m.rcuReadLock(0);
    const before = m.traceCount();
    expect(code(() => m.exit(0))).toBe('Unbalanced');
    expect(m.traceCount()).toBe(before);
    m.rcuReadUnlock(0);
    m.preemptDisable(0);
    expect(code(() => m.exit(0))).toBe('Unbalanced');
    m.preemptEnable(0);
    m.exit(0);
    expect(code(() => m.rcuReadUnlock(0))).toBe('Unbalanced');
    expect(code(() => m.preemptEnable(0))).toBe('Unbalanced');
    expect(code(() => m.localIrqRestore(0))).toBe('Unbalanced');
  });

  it('tracks nesting counts and emits one event per change', () => {
    const m = make();
    m.localIrqSave(1);
    m.localIrqSave(1);
    m.preemptDisable(1);
    m.rcuReadLock(1);
    expect(m.cpuInfo(1)).toMatchObject({ irqDepth: 2, preemptCount: 1, rcuNesting: 1, irqsDisabled: true });
    m.rcuReadUnlock(1);
    m.preemptEnable(1);
    m.localIrqRestore(1);
    m.localIrqRestore(1);
    expect(m.trace().map((e) => `${e.kind}:${e.a}`)).toEqual([
      'IrqDisable:1', 'IrqDisable:2', 'PreemptDisable:1', 'RcuReadLock:1',
      'RcuReadUnlock:0', 'PreemptEnable:0', 'IrqEnable:1', 'IrqEnable:0',
    ]);
  });

  it('idles only from plain task context and rejects commands on an idle CPU', () => {
    const m = make();
    m.rcuReadLock(2);
    expect(code(() => m.setIdle(2, true))).toBe('NotIdle');
    m.rcuReadUnlock(2);
    m.setIdle(2, true);
    expect(m.cpuInfo(2).idle).toBe(true);
    expect(code(() => m.kmalloc(2))).toBe('CpuIdle');
    expect(code(() => m.enter(2, 'nmi'))).toBe('CpuIdle');
    expect(code(() => m.setIdle(2, true))).toBe('BadArgument');
    m.setIdle(2, false);
    expect(code(() => m.setIdle(2, false))).toBe('BadArgument');
    expect(kinds(m, ['IdleEnter', 'IdleExit'])).toEqual(['IdleEnter', 'IdleExit']);
  });

  it('rejects a CPU out of range with a message naming it', () => {
    const m = make({ nrCpus: 2 });
    expect(code(() => m.enter(2, 'nmi'))).toBe('BadCpu');
    expect(code(() => m.kmalloc(-1))).toBe('BadCpu');
    expect(() => m.cpuInfo(7)).toThrow(/7/);
  });

  it('cond_resched only from a quiescent task', () => {
    const m = make();
    m.preemptDisable(0);
    expect(code(() => m.condResched(0))).toBe('BadContext');
    m.preemptEnable(0);
    m.condResched(0);
    expect(kinds(m, ['CondResched'])).toEqual(['CondResched']);
  });
});
