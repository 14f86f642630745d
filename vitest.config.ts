import { readFileSync } from 'node:fs';
import { defineConfig, type Plugin } from 'vitest/config';

// Mirrors esbuild's `--loader:.wasm=binary`: `import bytes from 'x.wasm'` yields a Uint8Array.
function wasmBytes(): Plugin {
  return {
    name: 'wasm-bytes',
    enforce: 'pre',
    load(id) {
      if (!id.endsWith('.wasm')) return null;
      const b64 = readFileSync(id).toString('base64');
      return `const s = atob(${JSON.stringify(b64)}); const u = new Uint8Array(s.length);
for (let i = 0; i < s.length; i++) u[i] = s.charCodeAt(i);
export default u;`;
    },
  };
}

export default defineConfig({
  plugins: [wasmBytes()],
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    pool: 'threads',
  },
});
