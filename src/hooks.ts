// The hook API's context helpers (DESIGN §2.4): run a user's function as an NMI or a probe on a CPU
// *now* — typically from an at() hook, so the function lands exactly at a preemption point, in the
// middle of the interrupted kernel flow. They are compositions of the machine's own enter()/exit()
// commands (no machine logic here): the same rules, events and checks apply, on either machine.
import { RcuMachineFailure } from './errors.js';
import type { RcuMachine } from './types.js';

type Frame = 'nmi' | 'probe' | 'hardirq';

function inContext<T>(m: RcuMachine, cpu: number, ctx: Frame, fn: (m: RcuMachine) => T): T {
  m.enter(cpu, ctx);
  let ok = false;
  try {
    const r = fn(m);
    ok = true;
    return r;
  } finally {
    // A failed machine rethrows its failure from exit() too: let the first error through.
    if (ok) m.exit(cpu);
    else if (!m.failure()) {
      try {
        m.exit(cpu);
      } catch (e) {
        if (!(e instanceof RcuMachineFailure)) throw e;
      }
    }
  }
}

/**
 * Runs `fn` in an NMI on `cpu` (allowed with irqs off; NMIs do not nest) and returns what it returns.
 * From an at() hook this is "an NMI landed here"; e.g.
 * `m.at('krc-locked', (m, h) => inNmi(m, h.cpu, () => m.kfreeRcuNolock(h.cpu, m.kmalloc(h.cpu))))`.
 */
export function inNmi<T>(m: RcuMachine, cpu: number, fn: (m: RcuMachine) => T): T {
  return inContext(m, cpu, 'nmi', fn);
}

/** Runs `fn` in a probe (kprobe/BPF) frame on `cpu`: re-entrant like an NMI, but in_nmi() is false. */
export function inProbe<T>(m: RcuMachine, cpu: number, fn: (m: RcuMachine) => T): T {
  return inContext(m, cpu, 'probe', fn);
}

/** Runs `fn` in a hardirq on `cpu` (irqs must be enabled there). */
export function inHardirq<T>(m: RcuMachine, cpu: number, fn: (m: RcuMachine) => T): T {
  return inContext(m, cpu, 'hardirq', fn);
}
