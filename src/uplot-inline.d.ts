// A virtual module of the CLI bundle (scripts/build.mjs): uPlot's browser script and CSS as text,
// inlined into HTML reports (src/html.ts).
declare module 'uplot-inline' {
  export const js: string;
  export const css: string;
}
