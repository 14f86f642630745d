// Error and failure message text, shared by both machines so they throw identical messages
// (docs/model.md §11). Each message names the command with its arguments, the status, and the
// offending value with what was expected:
//   kfree(cpu 0, obj 7): DoubleFree — object 7 is already free
// The text depends only on the inputs below, never on machine state, so the Wasm binding can
// build it from the status the core returns plus what it already knows.
import { Status } from './shared/codes.js';
import { formatValue, statusName } from './errors.js';
import { POINT_NAMES } from './points.js';
import type { CtxName, ResolvedOptions } from './types.js';

/** Parameter names of every method that can throw, in order (the TS method names). */
export const COMMAND_PARAMS = {
  advance: ['n'],
  enter: ['cpu', 'ctx'],
  exit: ['cpu'],
  localIrqSave: ['cpu'],
  localIrqRestore: ['cpu'],
  preemptDisable: ['cpu'],
  preemptEnable: ['cpu'],
  rcuReadLock: ['cpu'],
  rcuReadUnlock: ['cpu'],
  condResched: ['cpu'],
  setIdle: ['cpu', 'idle'],
  cpuInfo: ['cpu'],
  kmalloc: ['cpu'],
  kfree: ['cpu', 'obj'],
  objInfo: ['obj'],
  allocPage: ['cpu'],
  freePage: ['cpu', 'page'],
  failNextPageAllocs: ['n'],
  createLock: [],
  spinLock: ['cpu', 'lock'],
  spinTrylock: ['cpu', 'lock'],
  spinUnlock: ['cpu', 'lock'],
  createLlist: [],
  llistAdd: ['cpu', 'llist', 'obj'],
  llistDelAll: ['cpu', 'llist'],
  createIrqWork: ['init'],
  irqWorkQueue: ['cpu', 'work'],
  irqWorkInfo: ['work'],
  createDelayedWork: [],
  queueWork: ['cpu', 'dwork'],
  queueDelayedWork: ['cpu', 'dwork', 'delay'],
  modDelayedWork: ['cpu', 'dwork', 'delay'],
  cancelDelayedWork: ['cpu', 'dwork'],
  delayedWorkPending: ['dwork'],
  startPollSynchronizeRcu: ['cpu'],
  pollStateSynchronizeRcu: ['cookie'],
  callRcu: ['cpu', 'obj'],
  synchronizeRcu: ['cpu'],
  vmalloc: ['cpu'],
  kfreeRcu: ['cpu', 'obj'],
  kvfreeRcu: ['cpu', 'obj'],
  kvfreeRcuBarrier: ['cpu'],
  shrink: ['cpu', 'nrToScan'],
  krcInfo: ['cpu'],
  kfreeRcuNolock: ['cpu', 'obj', 'opts'],
  at: ['point', 'fn'],
  memoryInfo: [],
  liveObjects: [],
  loadProgram: ['cpu', 'ops'],
  run: ['maxJiffies'],
  runInfo: [],
  random: [],
} as const satisfies Record<string, readonly string[]>;

export type CommandName = keyof typeof COMMAND_PARAMS;

/** Optional parameters: left out of the call text when undefined (`kfreeRcuNolock(cpu 0, obj 3)`). */
const OPTIONAL_PARAMS: ReadonlySet<string> = new Set(['opts']);

/** Size of each handle table (locks, llists, irq_works, delayed works): docs/model.md §11. */
export const HANDLE_TABLE_SIZE = 1024;

const HANDLE_KIND: Record<string, string> = {
  obj: 'object', page: 'page', lock: 'lock', llist: 'llist', work: 'irq_work', dwork: 'delayed work',
  'init.arg': 'llist',
};

/**
 * What the message needs beyond command, arguments and status.
 * @arg: name of the offending parameter (BadHandle, BadArgument), e.g. 'obj', 'delay', 'init.fn'.
 * @holderCtx, @acquirerCtx: for Deadlock.
 * @invariant: for Invariant, the exact detail text of docs/model.md §9.
 * @lock, @cpu: for Deadlock, the lock (a KHANDLE for kernel locks) and the CPU, which need not be
 *   arguments of the running command (docs/model.md §16.3).
 * @point: for Deadlock inside an injected action or a hook, its point (docs/model.md §16.4).
 * @inHook: for BadContext, the command was called from an at() hook where it is not allowed.
 * @violation: for Violation, `<rule>: <text>` (src/checker.ts).
 */
export interface MessageInfo {
  arg?: string;
  holderCtx?: CtxName;
  acquirerCtx?: CtxName;
  invariant?: string;
  lock?: number;
  cpu?: number;
  point?: string;
  inHook?: boolean;
  violation?: string;
}

type Limits = Pick<ResolvedOptions, 'nrCpus' | 'maxObjects' | 'rcuStallJiffies'>;

export function formatCall(command: CommandName, args: readonly unknown[]): string {
  const names: readonly string[] = COMMAND_PARAMS[command];
  const parts: string[] = [];
  names.forEach((name, i) => {
    const v = args[i];
    if (OPTIONAL_PARAMS.has(name) && v === undefined) return;
    parts.push(`${name} ${typeof v === 'function' ? '[function]' : formatValue(v)}`);
  });
  return `${command}(${parts.join(', ')})`;
}

export function rcuErrorMessage(command: CommandName, args: readonly unknown[], status: number, options: Limits, info: MessageInfo = {}): string {
  return `${formatCall(command, args)}: ${statusName(status)} — ${detail(command, args, status, options, info)}`;
}

function argValue(command: CommandName, args: readonly unknown[], name: string): unknown {
  if (name.startsWith('init.')) {
    const init = args[0];
    return init !== null && typeof init === 'object' ? (init as Record<string, unknown>)[name.slice(5)] : undefined;
  }
  return args[(COMMAND_PARAMS[command] as readonly string[]).indexOf(name)];
}

const EXPECTED_ARG: Record<string, string> = {
  n: 'an integer from 0 to 2147483647',
  delay: 'a delay in jiffies, an integer from 0 to 2147483647',
  ctx: 'one of "softirq", "hardirq", "nmi", "probe"',
  idle: 'a boolean',
  cookie: 'an integer from 0 to 4294967295',
  init: 'an object { fn, lazy?, arg? }',
  'init.fn': 'one of "nop", "requeue", "llist-call-rcu"',
  'init.lazy': 'a boolean',
  'init.arg': 'an integer from 0 to 2147483647',
  nrToScan: 'an integer from 1 to 2147483647',
  maxJiffies: 'an integer from 0 to 2147483647',
  opts: '{ headless?: false }',
  point: `one of ${POINT_NAMES.map((p) => JSON.stringify(p)).join(', ')}`,
  fn: 'a function (machine, { cpu, point, hit }) => void',
};

function detail(command: CommandName, args: readonly unknown[], status: number, o: Limits, info: MessageInfo): string {
  const cpu = formatValue(args[0]);
  const obj = formatValue(argValue(command, args, 'obj'));
  const lock = formatValue(argValue(command, args, 'lock'));
  // Only read as a context name once `enter` validated it; formatValue never throws (a null-prototype
  // object has no String() conversion).
  const ctx = typeof args[1] === 'string' ? args[1] : formatValue(args[1]);
  switch (status) {
    case Status.BadCpu:
      return `cpu ${cpu} is not a CPU of this machine (expected an integer from 0 to ${o.nrCpus - 1})`;
    case Status.BadHandle: {
      const name = info.arg ?? 'handle';
      const kind = HANDLE_KIND[name] ?? name;
      const what =
        name === 'page' ? 'page handed out by allocPage, not one kvfree_rcu owns'
        : name === 'obj' ? `${kind} handed out by this machine` : `${kind} created by this machine`;
      return `${name} ${formatValue(argValue(command, args, name))} is not a valid handle (expected ${/^[aeiou]/.test(what) ? 'an' : 'a'} ${what})`;
    }
    case Status.BadArgument:
      return badArgument(command, args, info);
    case Status.BadContext:
      if (info.inHook) return 'not allowed inside an at() hook (time cannot move and programs cannot change while a command is executing)';
      return badContext(command, ctx);
    case Status.NmiNested:
      return `cpu ${cpu} is already in an nmi (NMIs do not nest)`;
    case Status.IrqsDisabled:
      return `cannot enter ${ctx} on cpu ${cpu}: interrupts are disabled`;
    case Status.NotHeld:
      return `lock ${lock} is not held by the current context of cpu ${cpu}`;
    case Status.LockHeldRemote:
      return `lock ${lock} is held by another CPU (spinning on it would never end)`;
    case Status.Unbalanced:
      return unbalanced(command);
    case Status.CpuIdle:
      return `cpu ${cpu} is idle (expected a running CPU)`;
    case Status.NotIdle:
      return `cpu ${cpu} can only go idle from task context outside any critical section (irqs, preemption, RCU read side, locks)`;
    case Status.DoubleFree:
      return command === 'freePage' ? `page ${formatValue(args[1])} is already free` : `object ${obj} is already free`;
    case Status.NotAllocated:
      return `object ${obj} is free (expected an allocated object)`;
    case Status.AlreadyQueued:
      return `object ${obj} is already queued for a deferred free (expected an allocated object)`;
    case Status.OutOfObjects:
      return `all ${o.maxObjects} objects are allocated (maxObjects)`;
    case Status.TableFull:
      return `all ${HANDLE_TABLE_SIZE} ${tableName(command)} are in use`;
    case Status.RcuStall:
      return `the grace period did not complete within ${o.rcuStallJiffies} jiffies (rcuStallJiffies); a CPU never reported a quiescent state`;
    case Status.Deadlock: {
      const where = info.point !== undefined ? ` (injected at ${info.point})` : '';
      const who = info.cpu !== undefined ? String(info.cpu) : cpu;
      const what = info.lock !== undefined ? String(info.lock) : lock;
      return `lock ${what} is already held by cpu ${who} in ${info.holderCtx} context; acquiring it again from ${info.acquirerCtx} would spin forever${where}`;
    }
    case Status.Invariant:
      return info.invariant ?? 'broken invariant';
    case Status.Violation:
      return `checker: ${info.violation ?? 'unknown rule'}${info.point !== undefined ? ` (injected at ${info.point})` : ''}`;
    default:
      return 'unexpected status';
  }
}

function badArgument(command: CommandName, args: readonly unknown[], info: MessageInfo): string {
  if (command === 'setIdle' && typeof args[1] === 'boolean') {
    return args[1] ? `cpu ${formatValue(args[0])} is already idle` : `cpu ${formatValue(args[0])} is not idle`;
  }
  const name = info.arg ?? '';
  if (command === 'kfreeRcuNolock' && name === 'opts') {
    const opts = args[2];
    if (opts !== null && typeof opts === 'object' && (opts as { headless?: unknown }).headless === true) {
      return 'kfree_rcu_nolock() is 2-argument only: in the worst case the caller cannot wait for a grace period';
    }
  }
  return `${name} ${formatValue(argValue(command, args, name))} is invalid (expected ${EXPECTED_ARG[name] ?? 'a valid value'})`;
}

function badContext(command: CommandName, ctx: string): string {
  switch (command) {
    case 'enter':
      return ctx === 'probe' ? 'a probe cannot fire inside a probe (kprobes do not recurse)' : `${ctx} can only be entered from a lower context`;
    case 'exit':
      return 'the CPU is in task context (expected a context to exit)';
    case 'callRcu':
    case 'kfreeRcu': // only with batched: false, where kfree_rcu() is call_rcu()
      return 'call_rcu() is not NMI-safe (expected task, softirq or hardirq context)';
    case 'loadProgram':
      return 'expected task context outside any critical section, with no program loaded that is not done';
    default:
      return 'expected task context outside any critical section (irqs, preemption, RCU read side, locks)';
  }
}

function unbalanced(command: CommandName): string {
  switch (command) {
    case 'exit':
      return 'irq, preempt or RCU nesting or held locks differ from their values at entry (expected balanced)';
    case 'localIrqRestore':
      return 'no localIrqSave to restore in the current context';
    case 'preemptEnable':
      return 'no preemptDisable to undo in the current context';
    case 'rcuReadUnlock':
      return 'no rcuReadLock to end in the current context';
    default:
      return 'unbalanced';
  }
}

function tableName(command: CommandName): string {
  switch (command) {
    case 'createLock': return 'locks';
    case 'createLlist': return 'llists';
    case 'createIrqWork': return 'irq_works';
    default: return 'delayed works';
  }
}
