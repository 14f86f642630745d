// The checker (docs/model.md §17): an oracle that watches the model run and turns a broken rule
// into a `Violation` failure. It only observes: the checks emit no event, count nothing and draw
// no random number, so a run with the checker off has the same trace and stats up to the first
// violation. The hot paths call it at the places §17 names; each call site is a single
// `k.chk.<rule>` test when the rule is off.
//
// Conservation is counted, not walked, wherever a list is long: the krc and krw head lists and the
// bulk pages keep their own lengths, the callback lists keep `cbObjs`; llists (short: drained at
// the next irq-enabled point) are walked. The three places a queued object can be outside every
// kernel list — detached by the API llist_del_all, waiting in an inline synchronize_rcu()
// fallback — are counted where objects enter and leave them.
import { CHECK_RULE_NAMES, ruleName, violationText, WHAT_RULE } from '../checker.js';
import { CheckRule, CheckWhat } from '../shared/codes.js';
import type { Cpu } from './cpu.js';
import { IRQ_WORK_BUSY, IRQ_WORK_PENDING, type IrqWork } from './irq_work.js';
import type { Kernel } from './kernel.js';
import type { Krc } from './krc.js';
import type { Llist } from './llist.js';
import { pollStateSynchronizeRcu } from './rcu.js';
import type { SlabObject } from './slab.js';

/** ULONG_CMP_LT on u32 jiffies (time_before). */
const before = (a: number, b: number): boolean => ((a - b) | 0) < 0;

function llistLength(l: Llist<SlabObject>): number {
  let n = 0;
  for (let o = l.first; o !== null; o = o.next) n++;
  return n;
}

export class Checker {
  readonly premature: boolean;
  readonly conservation: boolean;
  readonly spin: boolean;
  readonly irqWork: boolean;
  readonly bounds: boolean;
  readonly liveness: boolean;
  /** Any rule checked at the end of a tick. */
  readonly atTick: boolean;

  /** Objects in state queued. */
  queued = 0;
  /** Queued objects taken by the API llistDelAll and not yet handed to call_rcu. */
  detached = 0;
  /** Queued objects held by an inline synchronize_rcu() fallback (kvfree_rcu headless). */
  inline = 0;

  constructor(private readonly k: Kernel) {
    const o = k.options;
    const on = (r: CheckRule): boolean => o.checker && o.checkerRules.includes(CHECK_RULE_NAMES[r - 1]);
    this.premature = on(CheckRule.PrematureFree);
    this.conservation = on(CheckRule.Conservation);
    this.spin = on(CheckRule.SpinInNmi);
    this.irqWork = on(CheckRule.IrqWork);
    this.bounds = on(CheckRule.Bounds);
    this.liveness = on(CheckRule.MonitorLiveness);
    this.atTick = this.conservation || this.irqWork || this.liveness;
  }

  violate(cpu: Cpu, what: CheckWhat, obj: number, a: number, b = 0, c = 0): never {
    return this.k.violation(cpu, ruleName(WHAT_RULE[what]), violationText(what, a, b, c), obj);
  }

  /** An internal free of a queued object, before it is freed (premature-free). */
  beforeFree(cpu: Cpu, obj: SlabObject): void {
    if (this.premature && !pollStateSynchronizeRcu(this.k, obj.snap)) {
      this.violate(cpu, CheckWhat.PrematureFree, obj.id, obj.id, obj.snap, this.k.gpSeq);
    }
  }

  /** The kernel's WARN in kvfree_rcu_bulk() / kfree_rcu_work(): a batch whose GP has not ended. */
  batchNotReady(cpu: Cpu, first: SlabObject, gpSnap: number): void {
    if (this.premature) this.violate(cpu, CheckWhat.BatchNotReady, first.id, first.id, gpSnap, this.k.gpSeq);
  }

  /** A spinning spin_lock, after the deadlock check (spin-in-nmi). */
  spinLock(cpu: Cpu, lockId: number): void {
    if (!this.spin) return;
    if (cpu.hasNmiFrame()) this.violate(cpu, CheckWhat.SpinInNmi, -1, lockId);
    if (cpu.top.inNolock) this.violate(cpu, CheckWhat.SpinInNolock, -1, lockId);
  }

  /** queue_delayed_work() (also from queue_work and mod_delayed_work) (spin-in-nmi). */
  queueWork(cpu: Cpu, workId: number): void {
    if (this.spin && (cpu.hasNmiFrame() || cpu.top.inNolock)) this.violate(cpu, CheckWhat.WorkInNmi, -1, workId);
  }

  /** irq_work_queue() about to add `work` to a list (irq-work, double queue). */
  irqWorkAdd(cpu: Cpu, work: IrqWork): void {
    if (this.irqWork && work.cpu !== -1) this.violate(cpu, CheckWhat.IrqWorkTwice, -1, work.id);
  }

  /** After put_cached_bnode() (bounds). */
  pageCache(cpu: Cpu, krc: Krc): void {
    if (this.bounds && krc.nrBkvObjs > this.k.options.rcuMinCachedObjs) this.violate(cpu, CheckWhat.PageCacheBound, -1, krc.cpu, krc.nrBkvObjs);
  }

  /** rcu_seq_start() / rcu_seq_end() (bounds). */
  gpSeq(cpu: Cpu, from: number, to: number): void {
    if (this.bounds && ((from - to) | 0) >= 0) this.violate(cpu, CheckWhat.GpSeqBackwards, -1, from, to);
  }

  /** The end of every global tick (docs/model.md §17): conservation, stranded llists, monitor liveness. */
  tickEnd(): void {
    if (!this.atTick) return;
    const k = this.k;
    const cpu0 = k.cpus[0];
    if (this.conservation) {
      const listed = this.listed();
      if (listed !== this.queued) this.violate(cpu0, CheckWhat.Conservation, -1, this.queued, listed);
    }
    if (this.irqWork) {
      k.nolock.forEach((n, cpu) => {
        if (!n.llistHead.empty() && (n.irqWork.flags & (IRQ_WORK_PENDING | IRQ_WORK_BUSY)) === 0) {
          this.violate(k.cpus[cpu], CheckWhat.IrqWorkStranded, -1, n.count(), cpu);
        }
      });
    }
    if (this.liveness) for (const krc of k.krcs) this.monitorLiveness(krc);
  }

  /** Every object on a list that can hold one, plus the detached and inline ones. */
  private listed(): number {
    const k = this.k;
    let n = this.detached + this.inline;
    for (const cpu of k.cpus) n += cpu.cbObjs;
    for (const l of k.llists) n += llistLength(l);
    for (const nk of k.nolock) n += nk.count();
    for (const krc of k.krcs) {
      n += krc.count();
      for (const krw of krc.krwArr) {
        n += krw.headFree.length;
        for (const pages of krw.bulkHeadFree) for (const p of pages) n += p.records.length;
      }
    }
    return n;
  }

  /**
   * A krc holding objects must have its monitor due within kfreeDrainJiffies + 1 of the later of
   * the moment it started holding them and the monitor's last run (the + 1: a nolock call arms it
   * from a lazy irq_work at the next tick), or an arm on its way (an irq_work that arms it, or the
   * monitor already on a worklist).
   */
  private monitorLiveness(krc: Krc): void {
    const k = this.k;
    if (!krc.needOffload() || krc.monitorCancelled) return;
    const base = before(krc.heldSince, krc.lastMonitorRun) ? krc.lastMonitorRun : krc.heldSince;
    const due = (base + k.options.kfreeDrainJiffies + 1) >>> 0;
    const mw = krc.monitorWork;
    let late: boolean;
    if (mw.pending) late = mw.timerPending && before(due, mw.expires);
    else late = before(due, k.jiffies) && !this.armOnItsWay(krc.cpu);
    if (late) this.violate(k.cpus[krc.cpu], CheckWhat.MonitorLate, -1, krc.cpu, base, due);
  }

  private armOnItsWay(cpu: number): boolean {
    const n = this.k.nolock[cpu];
    const w: IrqWork | null = this.k.options.monitorArm === 'one-irq-work-lazy-flag' ? n.irqWork : n.schedMonitorIrqWork;
    return w !== null && (w.flags & IRQ_WORK_PENDING) !== 0;
  }
}

