// Trace events: names and the digest, shared by both machines' TS sides. The event *rules* are in
// docs/model.md; the numbering is in src/shared/codes.ts.
import { Ctx, Ev, Stat } from './shared/codes.js';
import type { CtxName, Stats, TraceEvent } from './types.js';

export const CTX_NAMES: readonly CtxName[] = ['task', 'softirq', 'hardirq', 'nmi', 'probe'];

export function ctxName(ctx: number): CtxName {
  return CTX_NAMES[ctx] ?? 'task';
}

export function ctxCode(name: CtxName): Ctx {
  const i = CTX_NAMES.indexOf(name);
  if (i < 0) throw new TypeError(`unknown context ${name}`);
  return i as Ctx;
}

export function eventName(kind: number): string {
  return (Ev as unknown as Record<number, string>)[kind] ?? `Ev${kind}`;
}

export const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over one u32 word, little-endian bytes (docs/model.md §10). */
export function fnvWord(h: number, w: number): number {
  h = Math.imul(h ^ (w & 0xff), FNV_PRIME);
  h = Math.imul(h ^ ((w >>> 8) & 0xff), FNV_PRIME);
  h = Math.imul(h ^ ((w >>> 16) & 0xff), FNV_PRIME);
  h = Math.imul(h ^ (w >>> 24), FNV_PRIME);
  return h >>> 0;
}

/** Digest step for one event: its six words in order. */
export function fnvEvent(h: number, kind: number, ctx: number, cpu: number, t: number, a: number, b: number, c: number): number {
  h = fnvWord(h, (kind | (ctx << 8) | (cpu << 16)) >>> 0);
  h = fnvWord(h, t % 0x100000000);
  h = fnvWord(h, Math.floor(t / 0x100000000));
  h = fnvWord(h, a >>> 0);
  h = fnvWord(h, b >>> 0);
  return fnvWord(h, c >>> 0);
}

export function makeEvent(seq: number, kind: number, cpu: number, ctx: number, t: number, a: number, b: number, c: number): TraceEvent {
  return { seq, kind: eventName(kind), cpu, ctx: ctxName(ctx), t, a: a >>> 0, b: b >>> 0, c: c >>> 0 };
}

export function formatEvent(e: TraceEvent): string {
  return `#${e.seq} t=${e.t} cpu${e.cpu}/${e.ctx} ${e.kind}(${e.a}, ${e.b}, ${e.c})`;
}

export const STAT_NAMES: readonly string[] = Array.from({ length: Stat.STAT_COUNT }, (_, i) => Stat[i]);

/** Builds the public Stats from per-CPU counter rows indexed by `Stat`. */
export function statsFromRows(rows: ArrayLike<number>[]): Stats {
  const total: Record<string, number> = {};
  for (const name of STAT_NAMES) total[name] = 0;
  const perCpu = rows.map((row) => {
    const r: Record<string, number> = {};
    STAT_NAMES.forEach((name, i) => {
      r[name] = row[i];
      total[name] += row[i];
    });
    return r;
  });
  return { total, perCpu };
}
