// Command-line front end. Argument parsing by commander, progress by cli-progress; all simulation
// goes through the library.
import { readFileSync, writeFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { Command, Option } from 'commander';
import { runSubstrateDemo } from './demo.js';
import { describeEvent } from './describe.js';
import { RcuError } from './errors.js';
import { formatResult, statsCsv } from './report.js';
import { htmlReport, reviewCharts, runCharts } from './html.js';
import { compare } from './compare.js';
import { formatReview, REVIEW_VARIANTS, runReview } from './review.js';
import { caseScenario, explore, mergeReports, parseReplay, replayString, type ExploreOptions, type ExploreReport } from './explore.js';
import { exploreOnWorkers, exploreWorkerMain, isExploreWorker } from './parallel.js';
import { resolveScenario, runScenario, type Scenario, type ScenarioResult } from './scenario.js';
import type { InjectKindName, RcuMachine } from './types.js';
import { BUILTIN_SCENARIOS } from './scenarios/index.js';

const program = new Command();
program.name('kfree-rcu-sim').description('Deterministic simulator of kvfree_rcu() and kfree_rcu_nolock()');

const implOption = () => new Option('--impl <impl>', 'machine implementation').choices(['wasm', 'ts']).default('wasm');

function parseCount(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 1e9) throw new RcuError('BadArgument', `Invalid option ${flag}: ${JSON.stringify(v)} (expected an integer from 1 to 1000000000)`);
  return n;
}

const KINDS: InjectKindName[] = ['nmi', 'probe', 'hardirq', 'remote'];

function parseKinds(v: string): InjectKindName[] {
  const kinds = v.split(',').map((k) => k.trim());
  for (const k of kinds) if (!KINDS.includes(k as InjectKindName)) throw new RcuError('BadArgument', `Invalid option --kinds: ${JSON.stringify(k)} (expected a comma-separated list of ${KINDS.join(', ')})`);
  return kinds as InjectKindName[];
}

function parseShard(v: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(v);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || count > 1e6 || index >= count) throw new RcuError('BadArgument', `Invalid option --shard: ${JSON.stringify(v)} (expected i/n with 0 <= i < n, e.g. 0/4)`);
  return { index, count };
}

function parseSeed(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new RcuError('BadArgument', `Invalid option --seed: ${JSON.stringify(v)} (expected an integer from 0 to 4294967295)`);
  }
  return n;
}

/** `--set key=value`: a machine option override (value parsed as JSON when possible). */
function parseSet(v: string, prev: Record<string, unknown> = {}): Record<string, unknown> {
  const i = v.indexOf('=');
  if (i <= 0) throw new RcuError('BadArgument', `Invalid option --set: ${JSON.stringify(v)} (expected key=value)`);
  const raw = v.slice(i + 1);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // a bare string
  }
  return { ...prev, [v.slice(0, i)]: value };
}

function loadScenario(name: string, set: Record<string, unknown>, seed?: number, workload: Record<string, unknown> = {}): unknown {
  let doc: Record<string, unknown>;
  if (BUILTIN_SCENARIOS[name]) doc = structuredClone(BUILTIN_SCENARIOS[name]) as unknown as Record<string, unknown>;
  else if (name.endsWith('.json')) doc = JSON.parse(readFileSync(name, 'utf8'));
  else throw new RcuError('BadArgument', `Unknown scenario ${JSON.stringify(name)} (expected one of ${Object.keys(BUILTIN_SCENARIOS).join(', ')} or a .json file)`);
  const options = { ...(doc.options as object), ...set, ...(seed === undefined ? {} : { seed }) };
  return { ...doc, options, workload: { ...(doc.workload as object), ...workload } };
}

function runWithProgress(scenario: unknown, impl: 'wasm' | 'ts'): ScenarioResult {
  const s = resolveScenario(scenario);
  const tty = process.stderr.isTTY;
  const bar = tty ? new cliProgress.SingleBar({ format: ` ${s.name} [{bar}] {value}/{total} jiffies`, stream: process.stderr, clearOnComplete: true }, cliProgress.Presets.shades_classic) : null;
  bar?.start(Math.max(1, s.expectedJiffies), 0);
  const r = runScenario(s, {
    impl,
    chunkJiffies: 100,
    onProgress: (p) => bar?.update(Math.min(p.jiffies, Math.max(1, s.expectedJiffies))),
  });
  bar?.stop();
  return r;
}

program
  .command('demo', { isDefault: true })
  .description('the substrate demonstration: an NMI defers frees through llist + irq_work; a spinning NMI deadlocks')
  .addOption(implOption())
  .option('--seed <n>', 'PRNG seed', parseSeed, 1)
  .option('--json', 'machine-readable output')
  .action((opts: { impl: 'wasm' | 'ts'; seed: number; json?: boolean }) => {
    const r = runSubstrateDemo(opts.impl, opts.seed);
    const other = runSubstrateDemo(opts.impl === 'wasm' ? 'ts' : 'wasm', opts.seed);
    const agree = r.digest === other.digest;
    if (opts.json) console.log(JSON.stringify({ ...r, crossCheck: { impl: other.impl, digest: other.digest, agree } }, null, 2));
    else printDemo(r, other.impl, agree);
    if (!agree) process.exitCode = 1;
  });

program
  .command('review')
  .description("review-v1: kfree_rcu_nolock() v1 and every review suggestion side by side, with verdicts and located deadlocks")
  .option('--seed <n>', 'PRNG seed', parseSeed, 1)
  .option('--loops <n>', 'rcuscale kfree_loops per thread', (v) => Number(v))
  .option('--variant <name>', `only this variant (${REVIEW_VARIANTS.map((v) => v.name).join(', ')})`)
  .addOption(implOption())
  .option('--json', 'machine-readable output')
  .option('--html <file>', 'also write a self-contained HTML report with charts of the variants side by side')
  .action((opts: { seed: number; loops?: number; variant?: string; impl: 'wasm' | 'ts'; json?: boolean; html?: string }) => {
    let rows = runReview({ seed: opts.seed, loops: opts.loops, impl: opts.impl });
    if (opts.variant) {
      rows = rows.filter((r) => r.variant.name === opts.variant);
      if (rows.length === 0) throw new RcuError('BadArgument', `Invalid option --variant: ${JSON.stringify(opts.variant)} (expected one of ${REVIEW_VARIANTS.map((v) => JSON.stringify(v.name)).join(', ')})`);
    }
    if (opts.html) writeFileSync(opts.html, htmlReport('kfree-rcu-sim review-v1: kfree_rcu_nolock() v1 and the review\'s suggestions', formatReview(rows), reviewCharts(rows)));
    console.log(opts.json ? JSON.stringify(rows.map((r) => ({ variant: r.variant, verdict: r.verdict, replay: r.replay, failure: r.result.failure, spinViolation: r.spinViolation, stats: r.result.stats.total })), null, 2) : formatReview(rows));
  });

program
  .command('list')
  .description('list the built-in scenarios')
  .action(() => {
    for (const s of Object.values(BUILTIN_SCENARIOS)) console.log(`${s.name}\n  ${s.description}\n`);
  });

program
  .command('run')
  .description('run a scenario (built-in name or a .json file) and print its report')
  .argument('[scenario]', 'scenario name or .json file', 'rcuscale-kfree')
  .addOption(implOption())
  .option('--seed <n>', 'PRNG seed (overrides the scenario)', parseSeed)
  .option('--set <key=value>', 'override a machine option (repeatable)', parseSet, {})
  .option('--workload <key=value>', 'override a workload parameter, e.g. kfree_loops=100 (repeatable)', parseSet, {})
  .option('--json', 'machine-readable output')
  .option('--csv', 'every counter per CPU and in total, as CSV (one row per CPU, then "total")')
  .option('--html <file>', 'also write a self-contained HTML report with the latency charts')
  .action((name: string, opts: { impl: 'wasm' | 'ts'; seed?: number; set: Record<string, unknown>; workload: Record<string, unknown>; json?: boolean; csv?: boolean; html?: string }) => {
    const doc = loadScenario(name, opts.set, opts.seed, opts.workload);
    const r = runWithProgress(doc, opts.impl);
    const replay = r.failure ? replayOf(doc) : undefined;
    if (opts.html) writeFileSync(opts.html, htmlReport(`kfree-rcu-sim run ${r.name}`, formatResult(r, replay), runCharts(r)));
    console.log(opts.json ? JSON.stringify({ ...r, replay }, null, 2) : opts.csv ? statsCsv(r.stats) : formatResult(r, replay));
    if (!r.completed || r.leftAfterBarrier > 0 || r.stats.total.prematureFree > 0) process.exitCode = 1;
  });

/** The replay string of a scenario document as run (its seed and inject.schedule). */
function replayOf(doc: unknown): string {
  const s = doc as Scenario;
  const seed = s.options?.seed ?? 1;
  return replayString({ scenario: s, seed, schedule: s.options?.inject?.schedule ?? [] });
}

program
  .command('explore')
  .description('explore injection schedules over a scenario: seeded random runs, PCT-style sparse schedules, or every schedule of up to --depth injections; prints outcomes, violations (shrunk, with replay strings) and schedules/s')
  .argument('[scenario]', 'scenario name or .json file', 'probe-in-lock')
  .addOption(implOption())
  .addOption(new Option('--mode <mode>', 'how schedules are chosen').choices(['random', 'pct', 'exhaustive']).default('random'))
  .option('--budget <n>', 'at most this many runs', (v) => parseCount('--budget', v), 100)
  .option('--kinds <list>', 'injection kinds to place (pct, exhaustive): comma-separated nmi, probe, hardirq, remote', parseKinds, ['nmi'])
  .option('--depth <n>', 'injections per schedule (pct: at most; exhaustive: up to 2)', (v) => parseCount('--depth', v), 2)
  .option('--explore-seed <n>', 'seed of the exploration itself', parseSeed, 1)
  .option('--seed <n>', 'PRNG seed of the machine (overrides the scenario)', parseSeed)
  .option('--set <key=value>', 'override a machine option (repeatable)', parseSet, {})
  .option('--workload <key=value>', 'override a workload parameter (repeatable)', parseSet, {})
  .option('--all', 'keep going after the first violation')
  .option('--workers <n>', 'worker threads, each running a share of the schedules (the result does not depend on it)', (v) => parseCount('--workers', v), 1)
  .option('--shard <i/n>', 'run only shard i of n (0-based) of this exploration, e.g. one per machine; join the --json outputs with `merge`', parseShard)
  .option('--json', 'machine-readable output')
  .action(async (name: string, opts: { impl: 'wasm' | 'ts'; mode: ExploreOptions['mode']; budget: number; kinds: InjectKindName[]; depth: number; exploreSeed: number; seed?: number; set: Record<string, unknown>; workload: Record<string, unknown>; all?: boolean; workers: number; shard?: { index: number; count: number }; json?: boolean }) => {
    const doc = loadScenario(name, opts.set, opts.seed, opts.workload) as Scenario;
    resolveScenario(doc); // reject a bad scenario before the first run
    const bar = process.stderr.isTTY ? new cliProgress.SingleBar({ format: ` explore [{bar}] {value}/{total} runs`, stream: process.stderr, clearOnComplete: true }, cliProgress.Presets.shades_classic) : null;
    const shard = opts.shard ?? { index: 0, count: 1 };
    bar?.start(Math.ceil(Math.max(0, opts.budget - shard.index) / shard.count), 0);
    const options = {
      mode: opts.mode, budget: opts.budget, impl: opts.impl, kinds: opts.kinds, depth: opts.depth, seed: opts.exploreSeed,
      stopOnViolation: !opts.all, shard,
    };
    const rep = opts.workers > 1
      ? await exploreOnWorkers(doc, options, opts.workers, (n) => bar?.update(n))
      : explore(doc, { ...options, onRun: (n) => bar?.update(n) });
    bar?.stop();
    const where = `${opts.impl} machine${opts.workers > 1 ? `, ${opts.workers} workers` : ''}${opts.shard ? `, shard ${shard.index}/${shard.count}` : ''}`;
    printExplore(rep, `${doc.name} (${rep.mode}, ${where})`, opts.json);
  });

program
  .command('merge')
  .description('join the --json reports of the shards of one exploration (explore --shard i/n) into one report')
  .argument('<reports...>', 'JSON files printed by explore --json --shard i/n')
  .option('--all', 'list every violation, not only the first in schedule order')
  .option('--json', 'machine-readable output')
  .action((files: string[], opts: { all?: boolean; json?: boolean }) => {
    const reports = files.map((f) => {
      let doc: ExploreReport & { outcomes: Record<string, number> };
      try {
        doc = JSON.parse(readFileSync(f, 'utf8'));
      } catch (e) {
        throw new RcuError('BadArgument', `Invalid report ${JSON.stringify(f)}: ${e instanceof Error ? e.message : e} (expected the output of explore --json)`);
      }
      if (typeof doc?.runs !== 'number' || typeof doc.outcomes !== 'object' || !Array.isArray(doc.violations)) {
        throw new RcuError('BadArgument', `Invalid report ${JSON.stringify(f)}: not an explore --json output (expected runs, outcomes, violations)`);
      }
      return { ...doc, outcomes: new Map(Object.entries(doc.outcomes)) };
    });
    const rep = mergeReports(reports, reports.reduce((a, r) => Math.max(a, r.seconds), 0), !opts.all);
    printExplore(rep, `${files.length} shard reports (${rep.mode})`, opts.json);
  });

function printExplore(rep: ExploreReport, what: string, json?: boolean): void {
  if (json) {
    console.log(JSON.stringify({ ...rep, outcomes: Object.fromEntries(rep.outcomes) }, null, 2));
  } else {
    console.log(`explore ${what}: ${rep.runs} runs in ${rep.seconds.toFixed(2)} s, ${rep.schedulesPerSecond.toFixed(0)} schedules/s; ${rep.pointHits} point hits in the uninjected run`);
    console.log(`outcomes (${rep.outcomes.size} distinct):`);
    for (const [k, v] of [...rep.outcomes].sort((a, b) => b[1] - a[1])) console.log(`  ${String(v).padStart(6)}  ${k}`);
    console.log(rep.violations.length === 0 ? 'no violation' : `${rep.violations.length} violation(s):`);
    for (const v of rep.violations) {
      console.log(`  ${v.verdict}: ${v.failure?.message ?? 'objects left after the barrier or freed early'}`);
      console.log(`    schedule ${JSON.stringify(v.schedule)} (shrunk from ${v.shrunkFrom} entries)`);
      console.log(`    replay: kfree-rcu-sim replay ${v.replay}`);
    }
  }
  if (rep.violations.length > 0) process.exitCode = 1;
}

program
  .command('replay')
  .description('re-run a replay string exactly (identical on both machines) and print the result and the last events')
  .argument('<replay>', 'a replay string (kfrs1.…) printed by run, explore, review or a failing test')
  .addOption(implOption())
  .option('--events <n>', 'trace events to print before the end', (v) => parseCount('--events', v), 40)
  .option('--json', 'machine-readable output')
  .action((s: string, opts: { impl: 'wasm' | 'ts'; events: number; json?: boolean }) => {
    const c = parseReplay(s);
    const sc = caseScenario(c);
    const options = { ...sc.options, trace: true, traceCapacity: Math.max(1, opts.events) };
    let machine: RcuMachine | null = null;
    const r = runScenario({ ...sc, options }, { impl: opts.impl, onMachine: (m) => (machine = m) });
    const events = machine ? (machine as RcuMachine).trace() : [];
    if (opts.json) {
      console.log(JSON.stringify({ ...r, replay: s, events }, null, 2));
    } else {
      console.log(formatResult(r, s));
      console.log(`\nlast ${events.length} events:\n   time(ms)     cpu  context   event`);
      for (const e of events) console.log(`   ${(e.t / 1e6).toFixed(6).padStart(11)}  ${String(e.cpu).padStart(3)}  ${e.ctx.padEnd(8)}  ${describeEvent(e)}`);
    }
    if (r.failure || r.leftAfterBarrier > 0) process.exitCode = 1;
  });

program
  .command('compare')
  .description('run a scenario on both machines and check they agree (digest and stats), with wall-clock time')
  .argument('[scenario]', 'scenario name or .json file', 'rcuscale-kfree')
  .option('--seed <n>', 'PRNG seed (overrides the scenario)', parseSeed)
  .option('--set <key=value>', 'override a machine option (repeatable)', parseSet, {})
  .option('--workload <key=value>', 'override a workload parameter (repeatable)', parseSet, {})
  .action((name: string, opts: { seed?: number; set: Record<string, unknown>; workload: Record<string, unknown> }) => {
    const c = compare(loadScenario(name, opts.set, opts.seed, opts.workload));
    for (const r of [c.wasm, c.ts]) console.log(`${r.impl.padEnd(4)}  ${r.ms.toFixed(0).padStart(7)} ms  digest ${r.digest.toString(16)}  ${r.summary ?? ''}`);
    console.log(c.agree ? 'machines agree (every event, counter, failure and memory figure)' : `MACHINES DISAGREE:\n  ${c.differences.join('\n  ')}`);
    if (!c.agree) process.exitCode = 1;
  });

function printDemo(r: ReturnType<typeof runSubstrateDemo>, otherImpl: string, agree: boolean): void {
  const out: string[] = [];
  out.push(`kfree-rcu-sim — substrate demo (${r.impl} machine)`);
  out.push('');
  out.push('CPU 0 holds a per-CPU raw spinlock with irqs off when an NMI lands. The NMI may not spin,');
  out.push('so it trylocks, fails, and defers three objects on a lock-free llist + irq_work:');
  out.push('');
  out.push('   time(ms)  cpu  context   event');
  for (const e of r.trace) {
    if (e.kind === 'CtxEnter' || e.kind === 'CtxExit') continue;
    if ((e.kind === 'Tick' || e.kind === 'Qs') && e.cpu !== 0) continue;
    out.push(`   ${(e.t / 1e6).toFixed(3).padStart(8)}  ${String(e.cpu).padStart(3)}  ${e.ctx.padEnd(8)}  ${describeEvent(e)}`);
  }
  const s = r.stats.total;
  out.push('');
  out.push(`All 3 objects freed ${r.freedAfterJiffies} jiffies after the irq_work handed them to call_rcu().`);
  out.push(`irq_works queued ${s.irqWorkQueued}, self-IPIs ${s.selfIpi}, trylock failures ${s.trylockFail}, ` +
    `grace periods ${s.gpEnd}, ticks deferred by irqs-off ${s.tickDeferred}, premature frees ${s.prematureFree}`);
  out.push('');
  const d = r.deadlock;
  out.push('The same NMI calling a spinning raw_spin_lock() instead:');
  out.push(d ? `   ${d.status} on cpu ${d.cpu}: lock ${d.lock} held by ${d.holderCtx}, acquired from ${d.acquirerCtx} — ${d.message}` : '   no deadlock (unexpected)');
  out.push('');
  out.push(`Cross-check: the ${otherImpl} machine ${agree ? 'produced the identical trace' : 'DISAGREES'} (digest ${r.digest.toString(16)}).`);
  console.log(out.join('\n'));
}

// A reader that stops early (`| head`) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

if (isExploreWorker()) {
  exploreWorkerMain();
} else {
  program.parseAsync(process.argv).catch((e: unknown) => {
    console.error(e instanceof Error ? `kfree-rcu-sim: ${e.message}` : e);
    process.exitCode = 2;
  });
}
