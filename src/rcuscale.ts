// rcuscale's reporting arithmetic (kernel/rcu/rcuscale.c, kernel/rcu/rcu.h): not machine logic,
// only how the kernel turns two gp_seq values into its "batches" count.

const RCU_SEQ_STATE_MASK = 3;
const RCU_SEQ_CTR_SHIFT = 2;

function ulongCmpGe(a: number, b: number): boolean {
  return ((a - b) >>> 0) <= 0x7fffffff;
}

/** rcu_seq_diff(new, old): grace periods between two gp_seq values, rounded up (u32 arithmetic). */
export function rcuSeqDiff(next: number, old: number): number {
  next >>>= 0;
  old >>>= 0;
  if (old === next) return 0;
  const rndDiff = ((next & ~RCU_SEQ_STATE_MASK) - ((old + RCU_SEQ_STATE_MASK) & ~RCU_SEQ_STATE_MASK)
    + ((next & RCU_SEQ_STATE_MASK) || (old & RCU_SEQ_STATE_MASK) ? 1 : 0)) >>> 0;
  if (ulongCmpGe(RCU_SEQ_STATE_MASK, rndDiff)) return 1;
  return ((rndDiff - RCU_SEQ_STATE_MASK - 1) >>> RCU_SEQ_CTR_SHIFT) + 2;
}
