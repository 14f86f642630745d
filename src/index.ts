// Public entry (Node 20+ and browsers): one ESM module, Wasm bytes embedded.
export { createMachine, type CreateOptions, type Impl } from './create.js';
export { RcuError, RcuMachineFailure, RcuOptionError } from './errors.js';
export { resolveOptions } from './options.js';
export { encodeProgram } from './program.js';
export { resolveScenario, runScenario, rcuscaleProgram, type Scenario, type ScenarioResult, type RunScenarioOptions, type ResolvedScenario } from './scenario.js';
export { BUILTIN_SCENARIOS } from './scenarios/index.js';
export { rcuSeqDiff } from './rcuscale.js';
export { formatResult, LAT_GP_LABELS, LAT_J_LABELS, latencyHistogram, latencyMean, latencyQuantile, statsCsv } from './report.js';
export { formatReview, REVIEW_VARIANTS, reviewScenario, reviewTable, runReview, type ReviewRow, type ReviewVariant } from './review.js';
export { NOLOCK_HANDLER } from './scenarios/index.js';
export { POINT_NAMES } from './points.js';
export { inHardirq, inNmi, inProbe } from './hooks.js';
export { explore, parseReplay, replay, replayString, shrink, type ExploreOptions, type ExploreReport, type ReplayCase, type Violation } from './explore.js';
export { CHECK_RULE_NAMES, type CheckRuleName } from './checker.js';
export { describeEvent } from './describe.js';
export { formatEvent, STAT_NAMES } from './events.js';
export { Ctx, Ev, IrqWorkFn, Op, Stat, Status } from './shared/codes.js';
export type * from './types.js';
