// Argument checks shared by the TsMachine methods (docs/model.md §11): each returns the resolved
// object or throws RcuError with the shared message text, before any state changes.
import { RcuError, statusName } from '../errors.js';
import { rcuErrorMessage, type MessageInfo } from '../messages.js';
import { Status } from '../shared/codes.js';
import type { Cpu } from './cpu.js';
import type { Kernel } from './kernel.js';

export const U31_MAX = 0x7fffffff;

export function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

export class Check {
  constructor(private readonly k: Kernel) {}

  fail(status: Status, info?: MessageInfo): never {
    throw new RcuError(statusName(status), rcuErrorMessage(this.k.command, this.k.args, status, this.k.options, info));
  }

  cpu(v: unknown): Cpu {
    if (!isInt(v, 0, this.k.options.nrCpus - 1)) this.fail(Status.BadCpu);
    return this.k.cpus[v];
  }

  /** A handle into one of the machine's tables; `arg` names the parameter in the message. */
  handle<T>(table: readonly T[], v: unknown, arg: string): T {
    if (!isInt(v, 0, table.length - 1)) this.fail(Status.BadHandle, { arg });
    return table[v];
  }

  int(v: unknown, min: number, max: number, arg: string): number {
    if (!isInt(v, min, max)) this.fail(Status.BadArgument, { arg });
    return v;
  }

  awake(cpu: Cpu): void {
    if (cpu.idle) this.fail(Status.CpuIdle);
  }
}
