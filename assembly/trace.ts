// The event trace (docs/model.md §10): a ring of the last trace_cap events (6 u32 words each) and
// a running FNV-1a digest over every event ever emitted, dropped or not. With trace off, emit()
// does nothing: the count stays 0 and the digest at the FNV offset basis.
// Kernel counterpart: the ftrace ring buffer (overwrite mode). Called from every context; the
// event is stamped with the CPU's current context (top of its stack) and the current time.
import { Ev } from '../src/shared/codes';
import { now } from './clock';
import { trace_cap, trace_on } from './config';
import { cpu_ctx } from './cpu';
import { trace_ptr } from './layout';

export const FNV_OFFSET: u32 = 0x811c9dc5;
const FNV_PRIME: u32 = 0x01000193;

/** Next slot to write. */
let trace_head: u32 = 0;
/** Events emitted so far, including dropped ones. */
let trace_count: u64 = 0;
let digest: u32 = FNV_OFFSET;

@inline function fnv_word(h: u32, w: u32): u32 {
  h = (h ^ (w & 0xff)) * FNV_PRIME;
  h = (h ^ ((w >>> 8) & 0xff)) * FNV_PRIME;
  h = (h ^ ((w >>> 16) & 0xff)) * FNV_PRIME;
  return (h ^ (w >>> 24)) * FNV_PRIME;
}

/**
 * Appends an event. Inlined: with trace off it costs one branch on a global at the call site.
 * `quiet` (a compile-time constant after inlining) is true only on a path that runs with trace off
 * (workload.ts run_slice_quiet): there the test and the call go away entirely.
 */
@inline export function emit(cpu: u32, kind: Ev, a: u32, b: u32, c: u32, quiet: bool = false): void {
  if (!quiet && trace_on) emit_record(cpu, kind, a, b, c);
}

function emit_record(cpu: u32, kind: Ev, a: u32, b: u32, c: u32): void {
  const w0 = <u32>kind | (cpu_ctx(cpu) << 8) | (cpu << 16);
  const tlo = <u32>now;
  const thi = <u32>(now >>> 32);
  const p = trace_ptr(trace_head);
  store<u32>(p, w0, 0);
  store<u32>(p, tlo, 4);
  store<u32>(p, thi, 8);
  store<u32>(p, a, 12);
  store<u32>(p, b, 16);
  store<u32>(p, c, 20);
  let h = fnv_word(digest, w0);
  h = fnv_word(h, tlo);
  h = fnv_word(h, thi);
  h = fnv_word(h, a);
  h = fnv_word(h, b);
  digest = fnv_word(h, c);
  trace_head = trace_head + 1 == trace_cap ? 0 : trace_head + 1;
  trace_count++;
}

export function trace_digest(): u32 {
  return digest;
}

/** f64 at the ABI (no i64); exact below 2^53. */
export function trace_count_get(): f64 {
  return <f64>trace_count;
}

/** Slot the next event goes to; the oldest retained event is here once the ring has wrapped. */
export function trace_head_get(): u32 {
  return trace_head;
}
