// The command line as a user runs it (the built dist/cli.js): the main job's verdicts, exploration
// that finds the in_nmi() gate's deadlock and prints a replay string, and replay reproducing it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const cli = (...args: string[]) => spawnSync(process.execPath, [`${root}dist/cli.js`, ...args], { encoding: 'utf8' });

describe('kfree-rcu-sim command line', () => {
  it('review (npm start): v1 passes, the in_nmi() gate and plain kfree_rcu() from NMI deadlock, with replay commands', () => {
    const r = cli('review');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ {2}v1 +ok: nothing lost or freed early$/m);
    expect(r.stdout).toMatch(/^ {2}gate in_nmi\(\) +DEADLOCK cpu \d: probe spins on krc\.lock held by task \(at krc-locked\)$/m);
    expect(r.stdout).toMatch(/^ {2}plain kfree_rcu +DEADLOCK cpu \d: nmi spins on krc\.lock .*spin-in-nmi/m);
    expect(r.stdout).toContain("replay plain kfree_rcu: kfree-rcu-sim review --variant 'plain kfree_rcu' --seed 1");
  });

  it('explore finds the in_nmi() gate deadlock; replay reproduces it exactly on both machines', () => {
    const e = cli('explore', 'probe-in-lock', '--set', 'nolockGate="in-nmi"', '--budget', '5', '--json');
    expect(e.status).toBe(1);
    const rep = JSON.parse(e.stdout);
    expect(rep.violations[0].verdict).toBe('Deadlock@krc-locked');
    const s: string = rep.violations[0].replay;
    const runs = (['wasm', 'ts'] as const).map((impl) => {
      const r = cli('replay', s, '--impl', impl, '--json');
      expect(r.status).toBe(1);
      return JSON.parse(r.stdout);
    });
    expect(runs[0].failure).toEqual(rep.violations[0].failure);
    expect(runs[1].failure).toEqual(runs[0].failure);
    expect(runs[1].digest).toBe(runs[0].digest);
    expect(runs[0].events.at(-1).kind).toBe('Deadlock');
  });

  it('a failing run prints its replay string; bad input is a clear error, not a crash', () => {
    const r = cli('run', 'probe-in-lock', '--set', 'nolockGate="in-nmi"');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/FAILED \(Deadlock\)[\s\S]*replay: kfree-rcu-sim replay kfrs1\./);
    const bad = cli('run', 'rcuscale-kfree', '--set', 'checkerRules=["no-such-rule"]');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('checkerRules[0]: "no-such-rule" (expected one of "premature-free"');
    const badKinds = cli('explore', '--kinds', 'nmi,bogus');
    expect(badKinds.status).not.toBe(0);
    expect(badKinds.stderr).toContain('Invalid option --kinds: "bogus"');
  });

  it('explore on worker threads, and in shards joined by merge, gives the one-thread result', () => {
    const args = ['explore', 'probe-in-lock', '--set', 'nolockGate="in-nmi"', '--workload', 'kfree_loops=1', '--budget', '6', '--all', '--json'];
    const one = JSON.parse(cli(...args).stdout);
    expect(one.violations.length).toBeGreaterThan(0);
    const two = cli(...args, '--workers', '2');
    expect(two.status).toBe(1);
    const workers = JSON.parse(two.stdout);
    expect(one.shards).toBeUndefined();
    expect(workers.shards).toBe(2); // two worker threads reported
    expect(workers.runs).toBe(one.runs);
    expect(workers.outcomes).toEqual(one.outcomes);
    expect(workers.violations.map((v: { replay: string }) => v.replay)).toEqual(one.violations.map((v: { replay: string }) => v.replay));
    const dir = mkdtempSync(join(tmpdir(), 'kfrs-'));
    const files = [0, 1].map((i) => {
      const f = join(dir, `shard${i}.json`);
      writeFileSync(f, cli(...args, '--shard', `${i}/2`).stdout);
      return f;
    });
    const merged = JSON.parse(cli('merge', ...files, '--all', '--json').stdout);
    expect(merged.shards).toBe(2);
    expect(merged.runs).toBe(one.runs);
    expect(merged.outcomes).toEqual(one.outcomes);
    expect(merged.violations.map((v: { ordinal: number }) => v.ordinal)).toEqual(one.violations.map((v: { ordinal: number }) => v.ordinal));
    const bad = cli('explore', '--shard', '2/2');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('Invalid option --shard: "2/2" (expected i/n with 0 <= i < n');
    writeFileSync(join(dir, 'junk.json'), '{"x":1}');
    const junk = cli('merge', join(dir, 'junk.json'));
    expect(junk.status).toBe(2);
    expect(junk.stderr).toContain('not an explore --json output');
  });

  it('run shows the nolock and injection paths it took; --csv gives every counter per CPU that adds up to the total', () => {
    const args = ['run', 'nmi-storm', '--workload', 'kfree_loops=2'];
    const r = cli(...args);
    expect(r.status).toBe(0);
    const row = (label: string) => r.stdout.match(new RegExp(`^ +${label.replace(/[()]/g, '\\$&')} +(.*)$`, 'm'))?.[1];
    expect(Number(row('kfree_rcu_nolock() calls'))).toBeGreaterThan(0);
    expect(Number(row('injected NMIs / probes / hardirqs')?.split(' / ')[0])).toBeGreaterThan(0);
    expect(r.stdout).toContain('trace off (no digest');
    const freed = Number(r.stdout.match(/^free latency: .*\((\d+) objects; mean [\d.]+, p50 \S+, p99 \S+\)$/m)?.[1]);
    expect(freed).toBe(Number(row('objects freed (kfree)')));
    expect(Number(r.stdout.match(/^peak memory waiting for a grace period: ([\d.]+) MB/m)?.[1])).toBeGreaterThan(0);
    const plain = cli('run', 'rcuscale-kfree', '--workload', 'kfree_loops=1');
    expect(plain.stdout).not.toContain('kfree_rcu_nolock() calls'); // no nolock section where nothing took that path
    const csv = cli(...args, '--csv');
    expect(csv.status).toBe(0);
    const lines = csv.stdout.trim().split('\n').map((l) => l.split(','));
    const [head, ...rows] = lines;
    expect(head[0]).toBe('cpu');
    expect(rows.map((x) => x[0])).toEqual(['0', '1', '2', '3', 'total']);
    const col = head.indexOf('nolockCall');
    expect(Number(rows[4][col])).toBe(Number(row('kfree_rcu_nolock() calls')));
    for (let j = 1; j < head.length; j++) expect(rows.slice(0, 4).reduce((a, x) => a + Number(x[j]), 0)).toBe(Number(rows[4][j]));
  });
});
