// Per-CPU counters (docs/model.md §10), one f64 row per CPU in the STATS region, indexed by `Stat`
// (src/shared/codes.ts). f64 so the TS side reads them with one Float64Array view and counts stay
// exact to 2^53. A counter is incremented right where its event is emitted, on that event's CPU.
import { Stat } from '../src/shared/codes';
import { stat_ptr } from './layout';

@inline export function stat_inc(cpu: u32, s: Stat): void {
  const p = stat_ptr(cpu, <u32>s);
  store<f64>(p, load<f64>(p) + 1.0);
}

@inline export function stat_add(cpu: u32, s: Stat, n: u32): void {
  const p = stat_ptr(cpu, <u32>s);
  store<f64>(p, load<f64>(p) + <f64>n);
}
