// Timers, delayed work, worklists run by kworkers in task context (docs/model.md §5.2, §5.3).
import { describe, expect, it } from 'vitest';
import { events, machines } from '../helpers/machines.js';

describe.each(machines)('timers and workqueues (%s)', (_impl, make) => {
  it('fires a delayed work\'s timer after `delay` jiffies and runs the work in task context', () => {
    const m = make({ nrCpus: 2 });
    const w = m.createDelayedWork();
    expect(m.queueDelayedWork(1, w, 3)).toBe(true);
    expect(m.delayedWorkPending(w)).toBe(true);
    expect(m.queueDelayedWork(1, w, 1)).toBe(false);
    m.advance(2);
    expect(events(m, 'WorkRun')).toHaveLength(0);
    m.advance(1);
    const fire = events(m, 'TimerFire');
    const run = events(m, 'WorkRun');
    expect(fire.map((e) => [e.cpu, e.ctx, e.t])).toEqual([[1, 'softirq', 3e6]]);
    expect(run.map((e) => [e.a, e.cpu, e.ctx, e.t])).toEqual([[w, 1, 'task', 3e6]]);
    expect(m.delayedWorkPending(w)).toBe(false);
    expect(m.stats().perCpu[1]).toMatchObject({ workQueued: 1, workRun: 1, timerFire: 1 });
  });

  it('mod_delayed_work shortens a pending timer and cancel removes it', () => {
    const m = make({ nrCpus: 1 });
    const w = m.createDelayedWork();
    m.queueDelayedWork(0, w, 100);
    expect(m.modDelayedWork(0, w, 1)).toBe(true);
    m.advance(1);
    expect(events(m, 'WorkRun').map((e) => e.t)).toEqual([1e6]);
    expect(m.modDelayedWork(0, w, 5)).toBe(false);
    expect(m.cancelDelayedWork(0, w)).toBe(true);
    expect(m.cancelDelayedWork(0, w)).toBe(false);
    m.advance(10);
    expect(events(m, 'WorkRun')).toHaveLength(1);
    expect(events(m, 'WorkCancel').map((e) => e.b)).toEqual([1, 0]);
  });

  it('queue_work runs at the next tick or cond_resched, never while the task is not preemptible', () => {
    const m = make({ nrCpus: 1 });
    const w = m.createDelayedWork();
    m.rcuReadLock(0);
    expect(m.queueWork(0, w)).toBe(true);
    m.advance(2);
    expect(events(m, 'WorkRun')).toHaveLength(0);
    m.rcuReadUnlock(0);
    m.condResched(0);
    expect(events(m, 'WorkRun').map((e) => e.t)).toEqual([2e6]);
  });

  it('timers fire in (expires, arming order) order', () => {
    const m = make({ nrCpus: 1 });
    const [a, b, c] = [m.createDelayedWork(), m.createDelayedWork(), m.createDelayedWork()];
    m.queueDelayedWork(0, a, 2);
    m.queueDelayedWork(0, b, 1);
    m.queueDelayedWork(0, c, 2);
    m.advance(2);
    expect(events(m, 'WorkRun').map((e) => e.a)).toEqual([b, a, c]);
  });
});
