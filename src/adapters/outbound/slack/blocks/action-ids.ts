/** Every Block Kit action id the bot uses; the contract fixes the first two. */
export const ACTION_IDS = {
  approve: 'rollback_approve',
  reject: 'rollback_reject',
  waiveGate: 'rollback_waive_gate',
  dryRun: 'rollback_dry_run',
  stop: 'rollback_stop',
} as const;

export const BLOCK_IDS = {
  decision: 'rollback_decision',
} as const;
