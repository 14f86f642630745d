// esbuild bundles imported CSS next to the script (scripts/build.mjs, loader css).
declare module '*.css';
