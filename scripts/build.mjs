// One build: the AssemblyScript core (release + debug targets), then the TS layer bundled by esbuild
// into one ESM entry (Wasm bytes embedded; works in Node 20+ and browsers) and the CLI.
// `--if-stale` skips the work when every output is newer than every input (npm start/test use it).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const outputs = ['build/kfree_rcu_sim.wasm', 'build/kfree_rcu_sim.debug.wasm', 'dist/index.js', 'dist/cli.js', 'dist/web/app.js', 'dist/web/index.html'];
const inputs = ['assembly', 'src', 'web', 'scripts/build.mjs', 'asconfig.json', 'package.json'];

function newest(path) {
  const p = join(root, path);
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...readdirSync(p).map((f) => newest(join(path, f))));
}

function stale() {
  const oldestOut = Math.min(...outputs.map((o) => (existsSync(join(root, o)) ? statSync(join(root, o)).mtimeMs : 0)));
  return oldestOut === 0 || Math.max(...inputs.map(newest)) > oldestOut;
}

if (process.argv.includes('--if-stale') && !stale()) process.exit(0);

const asc = join(root, 'node_modules/.bin/asc');
for (const target of ['release', 'debug']) {
  execFileSync(asc, ['assembly/index.ts', '--target', target], { cwd: root, stdio: 'inherit' });
}

// `uplot-inline`: uPlot's browser build and CSS as strings, for the self-contained HTML reports.
const uplotInline = {
  name: 'uplot-inline',
  setup(build) {
    build.onResolve({ filter: /^uplot-inline$/ }, () => ({ path: 'uplot-inline', namespace: 'uplot-inline' }));
    build.onLoad({ filter: /.*/, namespace: 'uplot-inline' }, () => {
      const dir = join(root, 'node_modules/uplot/dist');
      const js = readFileSync(join(dir, 'uPlot.iife.min.js'), 'utf8');
      const css = readFileSync(join(dir, 'uPlot.min.css'), 'utf8');
      return { contents: `export const js = ${JSON.stringify(js)}; export const css = ${JSON.stringify(css)};`, loader: 'js' };
    });
  },
};

// `from-base64: false`: esbuild would otherwise decode the embedded Wasm with Uint8Array.fromBase64,
// which Node 20 lacks.
const common = {
  bundle: true, format: 'esm', loader: { '.wasm': 'binary' }, sourcemap: true, logLevel: 'warning',
  supported: { 'from-base64': false },
};
await esbuild.build({ ...common, entryPoints: [join(root, 'src/index.ts')], outfile: join(root, 'dist/index.js'), platform: 'neutral' });
await esbuild.build({
  ...common,
  entryPoints: [join(root, 'src/cli.ts')],
  outfile: join(root, 'dist/cli.js'),
  platform: 'node',
  // CommonJS dependencies (commander) call require(); give the ESM bundle one.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  external: ['benchmark'],
  plugins: [uplotInline],
});
// The visualizer: a classic script (IIFE) so that dist/web/index.html also works opened from disk
// (module scripts are blocked on file:// URLs); uPlot's CSS comes out as dist/web/app.css.
await esbuild.build({
  ...common, format: 'iife', entryPoints: [join(root, 'web/app.ts')], outfile: join(root, 'dist/web/app.js'), platform: 'browser',
  loader: { ...common.loader, '.css': 'css' },
});
copyFileSync(join(root, 'web/index.html'), join(root, 'dist/web/index.html'));
console.error('build: ok');
