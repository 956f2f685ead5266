import type { App } from '@slack/bolt';
import type { FlowDeps } from '../../../flows/deps.js';
import type { OpenRequest } from '../../../flows/open-incident.js';
import { register as registerRollbackCommand } from './commands/rollback.js';
import { registerDecisionActions } from './actions/decision.js';

/** What the command needs from features wired elsewhere (deploy history, locks). */
export interface CommandHooks {
  /** Known versions and links for a new request (e.g. from deploy history). */
  requestContext(service: string, environment: string, toVersion?: string): Promise<Partial<OpenRequest>>;
  /** `/rollback unlock`: returns the answer for the requester. */
  unlock(service: string, environment: string, userId: string): Promise<string>;
}

export function registerListeners(app: App, deps: FlowDeps, hooks: CommandHooks): void {
  registerRollbackCommand(app, deps, hooks);
  registerDecisionActions(app, deps);
}
