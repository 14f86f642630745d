// One visualizer session: a machine built from the chosen setup, stepped a few jiffies at a time,
// and the snapshot the page draws after each step. Everything here goes through the public library
// API (createMachine, loadProgram, run, the info queries, inNmi/at hooks): the visualizer holds no
// machine logic, so what it shows is exactly what the CLI and the tests see.
import {
  BUILTIN_SCENARIOS, createMachine, describeEvent, inNmi, RcuMachineFailure, resolveScenario,
  type CpuInfo, type KrcInfo, type MachineOptions, type RcuMachine, type Scenario, type TraceEvent,
} from '../src/index.js';

/** What the controls choose. */
export interface Setup {
  scenario: keyof typeof SCENARIOS;
  monitorArm: NonNullable<MachineOptions['monitorArm']>;
  nolockGate: NonNullable<MachineOptions['nolockGate']>;
  /** perf-event NMIs at 100 kHz per CPU, each calling kmalloc + kfree_rcu_nolock(). */
  nmis: boolean;
  seed: number;
  impl: 'wasm' | 'ts';
}

/**
 * The scenarios offered: the built-ins (shortened where a run would be over before one can watch it)
 * and a trickle of frees that shows the monitor's KFREE_DRAIN_JIFFIES wait.
 */
export const SCENARIOS: Record<string, { label: string; scenario: Scenario }> = {
  trickle: {
    label: 'trickle: 2 CPUs, one kfree_rcu() every 10 jiffies (the monitor waits 5 s)',
    scenario: {
      name: 'trickle',
      options: { nrCpus: 2, maxObjects: 4096, maxPages: 64 },
      workload: { kind: 'programs', programs: [{ cpus: [0, 1], ops: [{ op: 'loop', n: 800, body: [{ op: 'kmalloc' }, { op: 'kfree_rcu' }, { op: 'sleep', jiffies: 10 }] }] }] },
    },
  },
  'rcuscale-kfree': { label: 'rcuscale-kfree: a kfree_rcu() flood on every CPU', scenario: shorten(BUILTIN_SCENARIOS['rcuscale-kfree']) },
  'nmi-storm': { label: 'nmi-storm: the flood plus 100 kHz NMIs calling kfree_rcu_nolock()', scenario: shorten(BUILTIN_SCENARIOS['nmi-storm']) },
  'probe-in-lock': { label: 'probe-in-lock: a kprobe inside the krc.lock region', scenario: shorten(BUILTIN_SCENARIOS['probe-in-lock']) },
};

function shorten(s: Scenario): Scenario {
  return s.workload.kind === 'rcuscale-kfree' ? { ...s, workload: { ...s.workload, kfree_alloc_num: 2000 } } : s;
}

export interface Snapshot {
  jiffies: number;
  gpSeq: number;
  cpus: { info: CpuInfo; krc: KrcInfo | null }[];
  queued: number;
  waitingBytes: number;
  peakWaitingBytes: number;
  totals: Record<string, number>;
  events: { text: string; cpu: number; ctx: string; ms: string }[];
  programsRunning: number;
  failure: string | null;
}

export class Session {
  readonly m: RcuMachine;
  readonly nrCpus: number;
  failure: string | null = null;

  constructor(readonly setup: Setup) {
    const base = SCENARIOS[setup.scenario].scenario;
    const inject = setup.nmis ? { nmi: { ratePerSec: 100_000, handler: [{ op: 'kmalloc' as const }, { op: 'kfree_rcu_nolock' as const }] } } : base.options?.inject;
    const s = resolveScenario({
      ...base,
      options: { ...base.options, seed: setup.seed, monitorArm: setup.monitorArm, nolockGate: setup.nolockGate, trace: true, traceCapacity: 4096, inject },
    });
    this.m = createMachine(s.options, { impl: setup.impl });
    this.nrCpus = s.options.nrCpus;
    for (const [cpu, ops] of s.ops) this.m.loadProgram(cpu, ops);
  }

  /** Runs n jiffies (the programs, ticks, GPs, works); a deadlock or violation stops the session. */
  step(n: number): void {
    this.guard(() => this.m.run(n));
  }

  /** An NMI on `cpu` right now (between two commands: krc.lock is free) calling kfree_rcu_nolock(). */
  nmiNow(cpu: number): void {
    this.guard(() => inNmi(this.m, cpu, () => this.m.kfreeRcuNolock(cpu, this.m.kmalloc(cpu))));
  }

  /**
   * An NMI the next time any CPU holds its krc.lock (the at('krc-locked') hook), calling
   * kfree_rcu_nolock() — the trylock fails and the object goes through the llist and irq_work — or,
   * with `plain`, kfree_rcu(), which spins on the held lock: the deadlock.
   */
  nmiInLockedRegion(plain: boolean): void {
    const off = this.m.at('krc-locked', (m, hit) => {
      off();
      inNmi(m, hit.cpu, () => (plain ? m.kfreeRcu(hit.cpu, m.kmalloc(hit.cpu)) : m.kfreeRcuNolock(hit.cpu, m.kmalloc(hit.cpu))));
    });
  }

  /** `quiet`: leave out Kmalloc/Kfree events (a flood is mostly those). */
  snapshot(lastEvents = 14, quiet = true): Snapshot {
    const m = this.m;
    const totals = m.stats().total;
    const trace: TraceEvent[] = m.trace();
    const shown = quiet ? trace.filter((e) => e.kind !== 'Kmalloc' && e.kind !== 'Kfree') : trace;
    const events = shown.slice(-lastEvents).map((e) => ({ text: describeEvent(e), cpu: e.cpu, ctx: e.ctx, ms: (e.t / 1e6).toFixed(3) }));
    if (this.failure) {
      return { jiffies: NaN, gpSeq: NaN, cpus: [], queued: NaN, waitingBytes: NaN, peakWaitingBytes: NaN, totals, events, programsRunning: 0, failure: this.failure };
    }
    const mem = m.memoryInfo();
    const batched = m.options.batched;
    return {
      jiffies: m.jiffies(),
      gpSeq: m.gpSeq(),
      cpus: Array.from({ length: this.nrCpus }, (_, cpu) => ({ info: m.cpuInfo(cpu), krc: batched ? m.krcInfo(cpu) : null })),
      queued: mem.queued,
      waitingBytes: mem.waitingBytes,
      peakWaitingBytes: mem.peakWaitingBytes,
      totals,
      events,
      programsRunning: m.runInfo().programsRunning,
      failure: null,
    };
  }

  private guard(f: () => unknown): void {
    if (this.failure) return;
    try {
      f();
    } catch (e) {
      if (!(e instanceof RcuMachineFailure)) throw e;
      this.failure = e.message;
    }
  }
}
