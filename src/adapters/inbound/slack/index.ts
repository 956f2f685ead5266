import type { App } from '@slack/bolt';
import type { FlowDeps } from '../../../flows/deps.js';
import { register as registerRollbackCommand } from './commands/rollback.js';
import { registerDecisionActions } from './actions/decision.js';

export function registerListeners(app: App, deps: FlowDeps): void {
  registerRollbackCommand(app, deps);
  registerDecisionActions(app, deps);
}
