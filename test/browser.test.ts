// The built bundle (dist/index.js) runs in a real browser — Debian's Chromium at /usr/bin/chromium,
// driven by playwright-core, which never downloads a browser — and gives the same results there as in
// Node, on both machines. One scenario, written once as plain JS, runs in the page and in Node.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const dist = resolve(root, 'dist');
const bundlePath = join(dist, 'index.js');
const CHROMIUM = '/usr/bin/chromium';

interface RunResult {
  impl: string;
  digest: number;
  count: number;
  total: Record<string, number>;
  gpSeq: number;
  states: string[];
}

// Body of `(createMachine, impl) => RunResult`. Plain JS (no TS syntax, no imports) so that the very
// same text runs in the page and in Node. Exercises: ticks (one deferred while irqs are off), an NMI
// whose trylock fails, llist_add + raised irq_work handing objects to call_rcu, direct call_rcu from
// both CPUs with a reader in the way, synchronize_rcu, and several grace periods.
const SCENARIO = `
  const m = createMachine({ nrCpus: 4, seed: 12345, gpSeqStart: 0 }, { impl });
  const lock = m.createLock();
  const llist = m.createLlist();
  const work = m.createIrqWork({ fn: 'llist-call-rcu', arg: llist });
  const objs = [];

  m.advance(3);
  for (let round = 0; round < 3; round++) {
    const deferred = [m.kmalloc(0), m.kmalloc(0), m.kmalloc(0)];
    objs.push(...deferred);
    m.localIrqSave(0);
    m.spinLock(0, lock);
    m.enter(0, 'nmi');
    if (m.spinTrylock(0, lock)) throw new Error('trylock in NMI should fail while the task holds the lock');
    for (const o of deferred) if (m.llistAdd(0, llist, o)) m.irqWorkQueue(0, work);
    m.exit(0);
    m.advance(1);                      // CPU 0's tick is deferred: irqs are off
    m.spinUnlock(0, lock);
    m.localIrqRestore(0);              // deferred tick, then the raised irq_work: call_rcu x3

    m.rcuReadLock(2);                  // a reader on CPU 2 holds the next GP back for a while
    for (let i = 0; i < 4; i++) {
      const cpu = m.random() % 4;
      const o = m.kmalloc(cpu);
      objs.push(o);
      m.callRcu(cpu, o);
    }
    m.advance(2 + (m.random() % 3));
    m.rcuReadUnlock(2);
    m.advance(2);
  }
  m.synchronizeRcu(1);
  let guard = 0;
  while (objs.some((o) => m.objInfo(o).state !== 'free')) {
    if (++guard > 1000) throw new Error('objects never freed');
    m.advance(1);
  }
  return {
    impl: m.impl,
    digest: m.traceDigest(),
    count: m.traceCount(),
    total: m.stats().total,
    gpSeq: m.gpSeq(),
    states: objs.map((o) => m.objInfo(o).state),
  };
`;

const PAGE = `<!doctype html>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>kfree-rcu-sim browser test</title>
<script type="module">
  try {
    const { createMachine } = await import('/index.js');
    const scenario = (createMachine, impl) => { ${SCENARIO} };
    window.__result = { ok: true, runs: [scenario(createMachine, 'wasm'), scenario(createMachine, 'ts')] };
  } catch (e) {
    window.__result = { ok: false, error: String(e && e.stack || e) };
  }
</script>
`;

let server: Server | undefined;
let context: BrowserContext | undefined;
let profileDir: string | undefined;
let baseUrl = '';

function serve(): Promise<Server> {
  const s = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
      return;
    }
    const file = resolve(dist, '.' + path);
    if (!file.startsWith(dist + sep) || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    const types: Record<string, string> = { js: 'text/javascript; charset=utf-8', html: 'text/html; charset=utf-8', css: 'text/css', map: 'application/json' };
    const type = types[file.slice(file.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
    res.writeHead(200, { 'content-type': type }).end(readFileSync(file));
  });
  return new Promise((ok, fail) => {
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => ok(s));
  });
}

beforeAll(async () => {
  if (!existsSync(bundlePath)) {
    throw new Error(`${bundlePath} is missing: run \`node scripts/build.mjs\` (npm test does it in pretest)`);
  }
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (\`apt-get install -y --no-install-recommends chromium\`, as .ci/run does)`);
  }
  server = await serve();
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  profileDir = mkdtempSync(join(tmpdir(), 'kfree-rcu-sim-chromium-'));
  // launchPersistentContext: Playwright refuses --user-data-dir in args; this is the fresh temp profile.
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
    timeout: 30_000,
  });
}, 60_000);

afterAll(async () => {
  await context?.close();
  await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
});

/** A new page at `url`, collecting its uncaught errors and console errors. */
async function openPage(url: string) {
  const page = await context!.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (msg) => {
    if (msg.type() === 'error') pageErrors.push(msg.text());
  });
  await page.goto(url);
  return { page, pageErrors };
}

async function runInNode(): Promise<RunResult[]> {
  const { createMachine } = await import(/* @vite-ignore */ pathToFileURL(bundlePath).href);
  const scenario = new Function('createMachine', 'impl', SCENARIO) as (c: unknown, impl: string) => RunResult;
  return [scenario(createMachine, 'wasm'), scenario(createMachine, 'ts')];
}

it('the bundle has no node: import (platform-neutral)', () => {
  const text = readFileSync(bundlePath, 'utf8');
  expect(text).not.toMatch(/(?:from|import)\s*\(?\s*["']node:/);
  expect(text).not.toContain('"node:');
  expect(text).not.toContain("'node:");
});

it('dist/index.js in Chromium gives the same results as in Node, on both machines', async () => {
  const { page, pageErrors } = await openPage(`${baseUrl}/`);
  await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined, undefined, { timeout: 15_000 });
  const result = (await page.evaluate(() => (window as unknown as { __result: unknown }).__result)) as
    { ok: true; runs: RunResult[] } | { ok: false; error: string };
  await page.close();

  expect(pageErrors, 'errors in the page').toEqual([]);
  if (!result.ok) throw new Error(`scenario failed in the browser:\n${result.error}`);
  const browser = result.runs;
  const node = await runInNode();

  expect(browser.map((r) => r.impl)).toEqual(['wasm', 'ts']);
  expect(node.map((r) => r.impl)).toEqual(['wasm', 'ts']);
  // Browser == Node, per machine.
  expect(browser[0]).toEqual(node[0]);
  expect(browser[1]).toEqual(node[1]);
  // Wasm == TS baseline (apart from the impl name).
  const { impl: _w, ...wasm } = node[0];
  const { impl: _t, ...ts } = node[1];
  expect(wasm).toEqual(ts);
  // The scenario did what it says: objects freed after several GPs, through NMI, irq_work and call_rcu.
  expect(wasm.states.every((s) => s === 'free')).toBe(true);
  expect(wasm.gpSeq).toBeGreaterThanOrEqual(12); // gpSeqStart 0, 4 per completed GP: at least 3 GPs
  expect(wasm.count).toBeGreaterThan(50);
  expect(wasm.digest).not.toBe(0);
});

it('the visualizer (dist/web/index.html) steps the machine, lands NMIs in the locked region and shows the deadlock; its numbers are the library\'s', async () => {
  const { page, pageErrors } = await openPage(`${baseUrl}/web/index.html`);
  const text = async (id: string) => (await page.textContent(`[data-testid="${id}"]`))?.trim();

  // an NMI lands while cpu 0's task holds krc.lock: kfree_rcu_nolock() trylocks, fails, defers
  await page.selectOption('#scenario', 'rcuscale-kfree');
  await page.click('#nmiLocked');
  for (let i = 0; i < 3; i++) await page.click('#step');
  expect(await text('jiffies')).toBe('3');
  const shown = { trylockFail: Number(await text('stat-trylockFail')), nolockDeferred: Number(await text('stat-nolockDeferred')), kfree: Number(await text('stat-kfree')) };
  expect(shown.trylockFail).toBe(1);
  expect(shown.nolockDeferred).toBe(1);
  expect(shown.kfree).toBeGreaterThan(0);
  // the same session in Node, through the library: the page shows the library's numbers
  const { Session } = await import('../web/session.js');
  const s = new Session({ scenario: 'rcuscale-kfree', monitorArm: 'lazy-irq-work', nolockGate: 'allow-spin', nmis: false, seed: 1, impl: 'wasm' });
  s.nmiInLockedRegion(false);
  for (let i = 0; i < 3; i++) s.step(1);
  const t = s.snapshot().totals;
  expect(shown).toEqual({ trylockFail: t.trylockFail, nolockDeferred: t.nolockDeferred, kfree: t.kfree });

  // plain kfree_rcu() from that NMI: the deadlock, named
  await page.click('#reset');
  await page.click('#nmiPlain');
  await page.click('#step');
  expect(await text('failure')).toMatch(/Deadlock — lock \d+ is already held by cpu \d in task context; acquiring it again from nmi would spin forever/);
  expect(await page.evaluate(() => document.body.dataset.state)).toBe('failed');
  await page.close();
  expect(pageErrors, 'errors in the page').toEqual([]);
});

it('the visualizer also works opened from disk (file://): one classic script, Wasm embedded', async () => {
  const { page, pageErrors } = await openPage(pathToFileURL(join(dist, 'web', 'index.html')).href);
  await page.click('#step');
  expect((await page.textContent('[data-testid="jiffies"]'))?.trim()).toBe('1');
  // both machines, stepped the same way in the page, show the same numbers
  const shown = async () => Promise.all(['jiffies', 'queued', 'stat-kvfreeCall', 'stat-kfree', 'stat-gpEnd', 'stat-batchQueued'].map((id) => page.textContent(`[data-testid="${id}"]`)));
  const runs = [];
  for (const impl of ['wasm', 'ts']) {
    await page.selectOption('#scenario', 'rcuscale-kfree');
    await page.selectOption('#impl', impl);
    for (let i = 0; i < 4; i++) await page.click('#step');
    runs.push(await shown());
  }
  expect(runs[1]).toEqual(runs[0]);
  expect(Number(runs[0][3])).toBeGreaterThan(0); // objects were freed
  await page.close();
  expect(pageErrors).toEqual([]);
});

it('run --html and review --html write self-contained reports whose charts draw offline, with the run\'s numbers', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kfrs-html-'));
  const cli = (...args: string[]) => spawnSync(process.execPath, [join(dist, 'cli.js'), ...args], { encoding: 'utf8' });
  const runFile = join(dir, 'run.html');
  const r = cli('run', 'nmi-storm', '--workload', 'kfree_loops=2', '--html', runFile, '--json');
  expect(r.status).toBe(0);
  const json = JSON.parse(r.stdout);
  const html = readFileSync(runFile, 'utf8');
  expect(html).toContain(json.summary);
  expect(html).not.toMatch(/<script src=|<link [^>]*href="http/); // nothing fetched
  const charts = JSON.parse(html.match(/window\.__charts = (.*?);\n/)![1]) as { title: string; values: number[] }[];
  expect(charts.map((c) => c.title)).toEqual([expect.stringMatching(/^Free latency/), expect.stringMatching(/^Grace periods after/), expect.stringMatching(/^kfree_rcu_nolock\(\) objects/)]);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  // the jiffy chart leaves out only empty buckets; every object of this run was queued before its free
  expect(sum(charts[0].values)).toBe(json.stats.total.kfree);
  expect(charts[1].values).toEqual(Array.from({ length: 8 }, (_, i) => json.stats.total[`latGp${i}`]));
  const reviewFile = join(dir, 'review.html');
  expect(cli('review', '--html', reviewFile).status).toBe(0);
  for (const [file, n] of [[runFile, 3], [reviewFile, 6]] as const) {
    const { page, pageErrors } = await openPage(pathToFileURL(file).href);
    expect(await page.locator('canvas').count(), file).toBe(n);
    await page.close();
    expect(pageErrors, file).toEqual([]);
  }
  rmSync(dir, { recursive: true, force: true });
});
