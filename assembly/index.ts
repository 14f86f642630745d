// THE ABI of the Wasm core: re-exports only, no logic. Numbers only at the boundary (i32/u32/f64,
// bool as i32; no i64). Every command returns a Status (0 = Ok); results come back through
// result()/result2() or the IO region (io_fill). Handles are indices, never addresses.
// Names are the kernel's (snake_case); src/wasm/machine.ts maps them to the camelCase API.

// memory map (bases, strides) and limits
export {
  CPU_BASE, CPU_STRIDE, CPU_FRAMES, FRAME_STRIDE, STATS_BASE, STATS_STRIDE, LOCK_BASE, LOCK_STRIDE,
  LLIST_BASE, IRQW_BASE, IRQW_STRIDE, WORK_BASE, WORK_STRIDE, IO_BASE, TRACE_BASE,
  TRACE_EVENT_WORDS, TRACE_EVENT_BYTES, PAGE_NEXT_BASE, PAGE_STATE_BASE, OBJ_STATE_BASE,
  OBJ_SNAP_BASE, OBJ_QJIF_BASE, SLAB_BASE, RCU_HEAD_BYTES, MEMORY_END, KRC_BASE, KRC_STRIDE, KRC_KRW, KRW_STRIDE,
  PSTATE_BASE, PROG_STRIDE, PROG_BASE, PROGRAM_BYTES, BULK_BASE, BULK_STRIDE, BULK_HEADER,
  OBJ_CHAN_BASE, INJ_BASE, INJ_STRIDE, INJ_FRAMES, HANDLER_BASE, HANDLER_OFF_NMI, HANDLER_OFF_PROBE,
  HANDLER_OFF_HARDIRQ, SCHED_BASE,
} from './layout';
export {
  NR_CPUS_MAX, MAX_OBJECTS_LIMIT, MAX_PAGES_LIMIT, TRACE_CAPACITY_LIMIT, FRAMES_MAX, LOCKS_MAX,
  LLISTS_MAX, IRQ_WORKS_MAX, WORKS_MAX, IO_CAP, IRQ_ENABLED_ROUNDS_MAX, WORKLIST_RUN_MAX, U31_MAX,
  KOBJ_SLOTS, PROGRAM_WORDS_MAX, LOOP_DEPTH_MAX, config_kvfree, config_costs, config_nolock,
  config_inject, config_inject_source, HANDLER_DEPTH_MAX,
} from './config';

// machine
export {
  init, now_ns, jiffies_get, random, cpu_depth, cpu_frame_kind, cpu_flags, cpu_irq_depth,
  cpu_preempt_count, cpu_rcu_nesting, CPU_FLAG_IRQS_DISABLED, CPU_FLAG_IDLE,
  CPU_FLAG_TICK_PENDING, CPU_FLAG_IPI_PENDING,
} from './machine';
export { result, result2, io_fill, bad_arg_get, result_set, io_chain_get, io_set_chain as io_chain_set } from './io';
export {
  fail_status, fail_cpu, fail_lock, fail_holder_ctx, fail_acquirer_ctx, fail_reason, fail_arg,
  fail_point, fail_inj_kind, fail_inj_point, fail_inj_cpu, fail_inj_target, fail_op, fail_op_obj,
  fail_op_status, FAIL_OP_EXIT, fail_what, fail_obj, fail_va, fail_vb, fail_vc, fail_jiffies, fail_hit,
} from './failure';
export { config_checker } from './checker';
export { trace_digest, trace_count_get, trace_head_get } from './trace';

// clock and contexts
export { cmd_advance as advance } from './tick';
export {
  cmd_enter as enter, cmd_exit as exit, cmd_local_irq_save as local_irq_save,
  cmd_local_irq_restore as local_irq_restore, cmd_preempt_disable as preempt_disable,
  cmd_preempt_enable as preempt_enable, cmd_rcu_read_lock as rcu_read_lock,
  cmd_rcu_read_unlock as rcu_read_unlock, cmd_cond_resched as cond_resched,
  cmd_set_idle as set_idle,
} from './cpu';

// simulated memory
export { cmd_kmalloc as kmalloc, cmd_vmalloc as vmalloc, cmd_kfree as kfree, obj_info, live_objects } from './slab';
export {
  cmd_alloc_page as alloc_page, cmd_free_page as free_page,
  cmd_fail_next_page_allocs as fail_next_page_allocs,
} from './page';

// locks, llist, irq_work
export {
  cmd_create_lock as create_lock, cmd_spin_lock as spin_lock, cmd_spin_trylock as spin_trylock,
  cmd_spin_unlock as spin_unlock, lock_holder,
} from './lock';
export {
  cmd_create_llist as create_llist, cmd_llist_add as llist_add,
  cmd_llist_del_all as llist_del_all,
} from './llist';
export {
  cmd_create_irq_work as create_irq_work, cmd_irq_work_queue as irq_work_queue,
  irq_work_flags, irq_work_cpu,
} from './irq_work';

// workqueues
export {
  cmd_create_delayed_work as create_delayed_work, cmd_queue_work as queue_work,
  cmd_queue_delayed_work as queue_delayed_work, cmd_mod_delayed_work as mod_delayed_work,
  cmd_cancel_delayed_work as cancel_delayed_work, delayed_work_pending,
} from './workqueue';

// RCU
export {
  gp_seq_get as gp_seq, get_state_synchronize_rcu_abi as get_state_synchronize_rcu,
  poll_state_synchronize_rcu_abi as poll_state_synchronize_rcu,
  cmd_start_poll_synchronize_rcu as start_poll_synchronize_rcu, cmd_call_rcu as call_rcu,
  cmd_synchronize_rcu as synchronize_rcu,
} from './rcu';

// kvfree_rcu (docs/model.md §12-§13)
export {
  cmd_kfree_rcu as kfree_rcu, cmd_kvfree_rcu as kvfree_rcu, krc_info, KRC_INFO_WORDS, memory_info,
  memory_bytes, memory_waiting_bytes, memory_peak_waiting_bytes,
} from './krc';
export { cmd_kvfree_rcu_barrier as kvfree_rcu_barrier } from './barrier';
export { cmd_shrink as shrink } from './page_cache';

// workloads (docs/model.md §14)
export {
  cmd_load_program as load_program, cmd_run as run, run_info, RUN_INFO_F64, run_err_cpu, run_err_op,
  run_err_obj, PROGRAM_SLICE_OPS_MAX, quiet_slices,
} from './workload';

// kfree_rcu_nolock and injection (docs/model.md §15-§16)
export { cmd_kfree_rcu_nolock as kfree_rcu_nolock } from './nolock';
export { inject_ready, set_hook_mask, point_hits, bench_point, stats_flush } from './inject';
