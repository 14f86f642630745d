// The README's library example runs exactly as written, against the built bundle (dist/), and prints
// what the README says it prints.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;

const readme = readFileSync(`${root}README.md`, 'utf8');
const EXAMPLES = [...readme.matchAll(/<!-- example:([a-z]+) -->\n```js\n([\s\S]*?)```\n[^\n]*\n```\n([\s\S]*?)```/g)].map((m) => ({ name: m[1], code: m[2], expected: m[3] }));

it('README has its examples', () => {
  expect(EXAMPLES.map((e) => e.name)).toEqual(['library', 'rcuscale', 'hook']);
});

it.each(EXAMPLES)('README example "$name" prints what the README shows', ({ code, expected }) => {
  expect(code).toContain("from 'kfree-rcu-sim'");
  const bundle = pathToFileURL(`${root}dist/index.js`).href;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', code.replace("'kfree-rcu-sim'", `'${bundle}'`)], { encoding: 'utf8' });
  expect(out).toBe(expected);
});

it('the demo command prints the substrate walk-through and the cross-check agrees', () => {
  const out = execFileSync(process.execPath, [`${root}dist/cli.js`], { encoding: 'utf8' });
  expect(out).toContain('raw_spin_trylock(lock 0) failed: held by cpu 0');
  expect(out).toMatch(/Deadlock on cpu 0: lock 0 held by task, acquired from nmi/);
  expect(out).toContain('produced the identical trace');
});
