// The event trace (docs/model.md §10): a ring of the last `traceCapacity` events, a count of all
// events, and an FNV-1a digest over every event ever emitted. With `trace: false` nothing is kept.
import { FNV_OFFSET, fnvEvent, makeEvent } from '../events.js';
import type { TraceEvent } from '../types.js';

/** One recorded event; converted to the public TraceEvent only when `trace()` is read. */
class Record {
  constructor(
    readonly seq: number,
    readonly kind: number,
    readonly cpu: number,
    readonly ctx: number,
    readonly t: number,
    readonly a: number,
    readonly b: number,
    readonly c: number,
  ) {}
}

export class Trace {
  private readonly ring: Record[] = [];
  private count = 0;
  private digest = FNV_OFFSET;

  constructor(
    private readonly enabled: boolean,
    private readonly capacity: number,
  ) {}

  emit(kind: number, cpu: number, ctx: number, t: number, a: number, b: number, c: number): void {
    if (!this.enabled) return;
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    this.digest = fnvEvent(this.digest, kind, ctx, cpu, t, a, b, c);
    const rec = new Record(this.count, kind, cpu, ctx, t, a, b, c);
    this.ring[this.count % this.capacity] = rec;
    this.count++;
  }

  total(): number {
    return this.count;
  }

  hash(): number {
    return this.digest;
  }

  /** The events still in the ring, oldest first. */
  events(): TraceEvent[] {
    const n = Math.min(this.count, this.capacity);
    const out: TraceEvent[] = [];
    for (let seq = this.count - n; seq < this.count; seq++) {
      const r = this.ring[seq % this.capacity];
      out.push(makeEvent(r.seq, r.kind, r.cpu, r.ctx, r.t, r.a, r.b, r.c));
    }
    return out;
  }
}
