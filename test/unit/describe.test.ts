// Every trace event kind has kernel-worded text (the CLI's replay, the demo and the visualizer show it).
import { describe, expect, it } from 'vitest';
import { describeEvent } from '../../src/describe.js';
import { Ev } from '../../src/shared/codes.js';

describe('describeEvent', () => {
  it('words every event kind (no raw Kind(a, b, c) fallback)', () => {
    const kinds = Object.keys(Ev).filter((k) => Number.isNaN(Number(k)));
    expect(kinds.length).toBeGreaterThan(40);
    for (const kind of kinds) {
      const text = describeEvent({ seq: 0, kind, cpu: 0, ctx: 'task', t: 0, a: 1, b: 1, c: 1 });
      expect(text, kind).not.toMatch(new RegExp(`^${kind}\\(`));
    }
  });

  it('names the injection and its point', () => {
    expect(describeEvent({ seq: 0, kind: 'Inject', cpu: 0, ctx: 'task', t: 0, a: 1, b: 1, c: 0 })).toMatch(/^NMI at [a-z-]+$/);
  });
});
