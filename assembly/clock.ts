// Virtual time (docs/model.md §1): jiffies (u32, wraps) and now (ns). Outside a tick,
// now == ticks * TICK_NS. Only advance_one_jiffy() in tick.ts moves time.
// Kernel counterpart: jiffies / ktime_get(). *Simplified*: jiffies starts at 0, not INITIAL_JIFFIES.
import { tick_ns } from './config';

export let jiffies: u32 = 0;
/** Ticks since init (does not wrap); now = ticks * TICK_NS < 2^53 in any realistic run. */
let ticks: u64 = 0;
export let now: u64 = 0;

export function clock_tick(): void {
  jiffies += 1;
  ticks += 1;
  now = ticks * tick_ns;
}

/** time_after(a, b): a is later than b, wrap-safe. */
@inline export function time_after(a: u32, b: u32): bool {
  return <i32>(b - a) < 0;
}

/** Workload slices (workload.ts) run each op at the CPU's own clock, then come back to the jiffy. */
@inline export function set_now(t: u64): void {
  now = t;
}
