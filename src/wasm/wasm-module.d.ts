// The compiled core, embedded as bytes (esbuild's binary loader; a vitest plugin in tests).
declare module '*.wasm' {
  const bytes: Uint8Array;
  export default bytes;
}
