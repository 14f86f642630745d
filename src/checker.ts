// The checker's vocabulary (docs/model.md §17), shared by both machines and the binding: rule and
// mutant names indexed by their codes, and the exact detail text of every violation. Both machines
// detect violations themselves; this file only names and words them, so a message is the same
// whichever machine found it.
import { CheckRule, CheckWhat, Mutant } from './shared/codes.js';

export type CheckRuleName = 'premature-free' | 'conservation' | 'spin-in-nmi' | 'irq-work' | 'bounds' | 'monitor-liveness';

/** Indexed by `CheckRule - 1`. */
export const CHECK_RULE_NAMES: readonly CheckRuleName[] = ['premature-free', 'conservation', 'spin-in-nmi', 'irq-work', 'bounds', 'monitor-liveness'];

export type MutantName =
  | 'free-before-gp' | 'page-snap-once' | 'llist-add-ignored' | 'drain-newest-page' | 'head-snap-not-refreshed'
  | 'monitor-postponed' | 'nolock-spins' | 'drain-drops-tail' | 'irq-work-no-claim';

/** Indexed by `Mutant - 1`. Tests only (docs/model.md §17.1). */
export const MUTANT_NAMES: readonly MutantName[] = [
  'free-before-gp', 'page-snap-once', 'llist-add-ignored', 'drain-newest-page', 'head-snap-not-refreshed',
  'monitor-postponed', 'nolock-spins', 'drain-drops-tail', 'irq-work-no-claim',
];

export function ruleName(r: CheckRule): CheckRuleName {
  return CHECK_RULE_NAMES[r - 1];
}

export function mutantCode(name: MutantName | 'none'): Mutant {
  return (MUTANT_NAMES.indexOf(name as MutantName) + 1) as Mutant;
}

/** The rule mask of a list of rule names (bit `rule - 1`). */
export function ruleMask(rules: readonly CheckRuleName[]): number {
  let m = 0;
  for (const r of rules) m |= 1 << CHECK_RULE_NAMES.indexOf(r);
  return m;
}

/** The rule each kind of violation belongs to. */
export const WHAT_RULE: Record<CheckWhat, CheckRule> = {
  [CheckWhat.PrematureFree]: CheckRule.PrematureFree,
  [CheckWhat.BatchNotReady]: CheckRule.PrematureFree,
  [CheckWhat.Conservation]: CheckRule.Conservation,
  [CheckWhat.SpinInNmi]: CheckRule.SpinInNmi,
  [CheckWhat.SpinInNolock]: CheckRule.SpinInNmi,
  [CheckWhat.WorkInNmi]: CheckRule.SpinInNmi,
  [CheckWhat.IrqWorkTwice]: CheckRule.IrqWork,
  [CheckWhat.IrqWorkStranded]: CheckRule.IrqWork,
  [CheckWhat.PageCacheBound]: CheckRule.Bounds,
  [CheckWhat.GpSeqBackwards]: CheckRule.Bounds,
  [CheckWhat.MonitorLate]: CheckRule.MonitorLiveness,
};

/** The exact text after `checker: <rule>: ` (docs/model.md §17). */
export function violationText(what: CheckWhat, a: number, b: number, c: number): string {
  switch (what) {
    case CheckWhat.PrematureFree:
      return `object ${a} freed before a grace period that started after its kfree_rcu call (snap ${b}, gp_seq ${c})`;
    case CheckWhat.BatchNotReady:
      return `objects reached kvfree_rcu_bulk()/kvfree_rcu_list() before their grace period ended (gp_snap ${b}, gp_seq ${c}): the kernel WARNs and leaks object ${a} and the rest of its batch`;
    case CheckWhat.Conservation:
      return `${a} objects queued but only ${b} on lists`;
    case CheckWhat.SpinInNmi:
      return `spinning on lock ${a} in nmi context`;
    case CheckWhat.SpinInNolock:
      return `spinning on lock ${a} inside kfree_rcu_nolock()`;
    case CheckWhat.WorkInNmi:
      return `queueing work ${a} in nmi context`;
    case CheckWhat.IrqWorkTwice:
      return `irq_work ${a} queued twice`;
    case CheckWhat.IrqWorkStranded:
      return `${a} objects stranded on the nolock llist of cpu ${b} with no pending irq_work`;
    case CheckWhat.PageCacheBound:
      return `page cache of cpu ${a} holds ${b} pages`;
    case CheckWhat.GpSeqBackwards:
      return `gp_seq went from ${a} to ${b}`;
    case CheckWhat.MonitorLate:
      return `cpu ${a} has held objects since jiffy ${b} and its monitor is not due by jiffy ${c}`;
    default:
      return 'unknown violation';
  }
}
