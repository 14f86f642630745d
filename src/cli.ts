// Command-line front end. Argument parsing by commander; all simulation goes through the library.
import { Command, Option } from 'commander';
import { runSubstrateDemo } from './demo.js';
import { describeEvent } from './describe.js';
import { RcuError } from './errors.js';

const program = new Command();
program.name('kfree-rcu-sim').description('Deterministic simulator of kvfree_rcu() and kfree_rcu_nolock()');

program
  .command('demo', { isDefault: true })
  .description('the substrate demonstration: an NMI defers frees through llist + irq_work; a spinning NMI deadlocks')
  .addOption(new Option('--impl <impl>', 'machine implementation').choices(['wasm', 'ts']).default('wasm'))
  .option('--seed <n>', 'PRNG seed', (v) => parseSeed(v), 1)
  .option('--json', 'machine-readable output')
  .action((opts: { impl: 'wasm' | 'ts'; seed: number; json?: boolean }) => {
    const r = runSubstrateDemo(opts.impl, opts.seed);
    const other = runSubstrateDemo(opts.impl === 'wasm' ? 'ts' : 'wasm', opts.seed);
    const agree = r.digest === other.digest;
    if (opts.json) {
      console.log(JSON.stringify({ ...r, crossCheck: { impl: other.impl, digest: other.digest, agree } }, null, 2));
    } else {
      printDemo(r, other.impl, agree);
    }
    if (!agree) process.exitCode = 1;
  });

function parseSeed(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new RcuError('BadArgument', `Invalid option --seed: ${JSON.stringify(v)} (expected an integer from 0 to 4294967295)`);
  }
  return n;
}

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

program.parseAsync(process.argv).catch((e: unknown) => {
  console.error(e instanceof Error ? `kfree-rcu-sim: ${e.message}` : e);
  process.exitCode = 2;
});
