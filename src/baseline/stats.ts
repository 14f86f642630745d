// Per-CPU counters (docs/model.md §10), indexed by `Stat`. A counter is bumped right where its
// event is emitted, on the CPU the event is stamped with.
import { Stat } from '../shared/codes.js';
import { statsFromRows } from '../events.js';
import type { Stats } from '../types.js';

export class StatRows {
  private readonly rows: number[][];

  constructor(nrCpus: number) {
    this.rows = Array.from({ length: nrCpus }, () => new Array<number>(Stat.STAT_COUNT).fill(0));
  }

  count(cpu: number, stat: Stat, n = 1): void {
    this.rows[cpu][stat] += n;
  }

  snapshot(): Stats {
    return statsFromRows(this.rows);
  }
}
