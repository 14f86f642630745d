// Workload programs: validation and encoding into the [opcode, arg] u32 words both machines execute
// (docs/model.md §14). This is the one encoder; neither machine parses ProgramOp objects itself.
import { RcuOptionError, formatValue } from './errors.js';
import { Op } from './shared/codes.js';
import type { ProgramOp } from './types.js';

/** Ops per CPU program (words = 2 per op). */
export const PROGRAM_OPS_MAX = 512;
export const LOOP_DEPTH_MAX = 4;

const SIMPLE: Record<string, Op> = {
  kmalloc: Op.Kmalloc,
  vmalloc: Op.Vmalloc,
  kfree_rcu: Op.KfreeRcu,
  kvfree_rcu: Op.KvfreeRcu,
  kfree_rcu_mix: Op.KfreeRcuMix,
  call_rcu: Op.CallRcu,
  kfree: Op.Kfree,
  rcu_read_lock: Op.RcuReadLock,
  rcu_read_unlock: Op.RcuReadUnlock,
  cond_resched: Op.CondResched,
  kfree_rcu_nolock: Op.KfreeRcuNolock,
};

export const PROGRAM_OP_NAMES = [...Object.keys(SIMPLE), 'sleep', 'mem_sample', 'loop'];

/** Errors name the op's path, e.g. `Invalid option ops[2].body[0].op: "kmallocc" (expected one of …)`. */
function bad(path: string, value: unknown, expected: string): never {
  throw new RcuOptionError(path, value, expected);
}

function count(path: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > 0x7fffffff) bad(path, v, `an integer from ${min} to 2147483647`);
  return v;
}

/** Validates `ops` and returns the words; throws RcuError('BadArgument') naming the op's path. */
export function encodeProgram(ops: unknown, path = 'ops'): Uint32Array {
  const words: number[] = [];
  let nOps = 0;
  // Past the bound only count (an absurd program must not build an absurd word array first).
  const push = (opcode: number, arg: number): void => {
    if (++nOps <= PROGRAM_OPS_MAX) words.push(opcode, arg);
  };
  const emit = (list: unknown, at: string, depth: number): void => {
    if (!Array.isArray(list)) bad(at, list, 'an array of ops');
    // An index loop, not forEach: a hole in a sparse array is a missing op, not no op.
    for (let i = 0; i < list.length; i++) {
      const raw: unknown = list[i];
      const p = `${at}[${i}]`;
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) bad(p, raw, 'an op object');
      const o = raw as Record<string, unknown>;
      const keys = Object.keys(o);
      const only = (...allowed: string[]) => {
        for (const k of keys) if (!allowed.includes(k)) bad(`${p}.${k}`, o[k], `no key "${k}" on op ${formatValue(o.op)} (allowed: ${allowed.join(', ')})`);
      };
      // Own keys only: 'toString' or 'constructor' are not ops.
      if (typeof o.op === 'string' && Object.hasOwn(SIMPLE, o.op)) {
        only('op');
        push(SIMPLE[o.op], 0);
      } else if (o.op === 'sleep') {
        only('op', 'jiffies');
        push(Op.Sleep, count(`${p}.jiffies`, o.jiffies, 0));
      } else if (o.op === 'mem_sample') {
        only('op', 'period');
        push(Op.MemSample, count(`${p}.period`, o.period, 0));
      } else if (o.op === 'loop') {
        only('op', 'n', 'body');
        if (depth >= LOOP_DEPTH_MAX) bad(p, 'loop', `loops nested at most ${LOOP_DEPTH_MAX} deep`);
        push(Op.Loop, count(`${p}.n`, o.n, 1));
        emit(o.body, `${p}.body`, depth + 1);
        push(Op.End, 0);
      } else {
        bad(`${p}.op`, o.op, `one of ${PROGRAM_OP_NAMES.join(', ')}`);
      }
    }
  };
  emit(ops, path, 0);
  if (nOps > PROGRAM_OPS_MAX) bad(path, `${nOps} ops`, `at most ${PROGRAM_OPS_MAX} ops after flattening`);
  return Uint32Array.from(words);
}
