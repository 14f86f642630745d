// Results of commands. Every command returns a Status; a command with a result leaves it in the
// result register (read with result()) or, for lists, in the IO region.
// llist_del_all() hands a detached chain to the caller: io_fill() copies it, up to IO_CAP ids per
// call, newest first, so lists of any length cross the ABI without a big buffer.
// Kernel counterpart: none (return values and caller-owned lists).
import { Status } from '../src/shared/codes';
import { IO_CAP, NIL } from './config';
import { io_ptr, rcu_head_of } from './layout';

/** Index (in the TS method's parameter list) of the argument a BadHandle/BadArgument is about. */
let bad_arg_index: u32 = 0;
let result_value: u32 = 0;
let result_value2: u32 = 0;
/** Detached chain waiting to be copied out (linked through the objects' rcu_head.next). */
let chain: u32 = NIL;

/** Returns `status` after noting which argument caused it (for the error message). */
export function bad_arg(status: Status, index: u32): Status {
  bad_arg_index = index;
  return status;
}

export function bad_arg_get(): u32 {
  return bad_arg_index;
}

@inline export function set_result(v: u32): void {
  result_value = v;
}

@inline export function set_result2(v: u32): void {
  result_value2 = v;
}

export function result(): u32 {
  return result_value;
}

export function result2(): u32 {
  return result_value2;
}

/**
 * The binding saves and restores the result registers and the pending chain around an at() hook:
 * nested commands overwrite them while the outer command is still to read its own.
 */
export function result_set(v: u32, v2: u32): void {
  result_value = v;
  result_value2 = v2;
}

export function io_chain_get(): u32 {
  return chain;
}

export function io_set_chain(first: u32): void {
  chain = first;
}

/** Copies up to IO_CAP ids of the pending chain into the IO region; returns how many. */
export function io_fill(): u32 {
  let n: u32 = 0;
  let o = chain;
  while (o != NIL && n < IO_CAP) {
    store<u32>(io_ptr(n), o);
    n++;
    o = rcu_head_of(o).next;
  }
  chain = o;
  return n;
}
