/**
 * Records a rollback done outside the bot in a thread of its own in the environment's channel:
 * what went back to what and when, and what that means for the next `/rollback`. Posted once per
 * deploy record, however often CI redelivers it.
 */
import { createHash } from 'node:crypto';
import { findEnvironment } from '../catalog/load.js';
import { outsideRollbackReason } from '../domain/outside-rollback.js';
import type { DeployRecord } from '../domain/signal.js';
import { formatUtcDateTime } from '../domain/format-time.js';
import type { FlowDeps } from './deps.js';
import { once } from './once.js';

export async function noteOutsideRollback(deps: FlowDeps, record: DeployRecord): Promise<void> {
  const why = outsideRollbackReason(record);
  if (!why) return;
  const env = findEnvironment(deps.catalog, record.service, record.environment);
  if (!env) return;
  const where = `${record.service}/${record.environment}`;
  const key = `outside-rollback:${createHash('sha256').update(`${where}:${record.version}:${record.deployedAt}`).digest('hex').slice(0, 16)}`;
  const from = record.previousVersion ? `\`${record.previousVersion}\` → ` : '';
  await once(deps.store, deps.logger, key, where, async () => {
    const posted = await deps.slack.chat.postMessage({
      channel: env.channel,
      text: `${where} was rolled back outside the bot: ${from}\`${record.version}\` at ${formatUtcDateTime(record.deployedAt)}`,
      blocks: [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: `:leftwards_arrow_with_hook: *${where} was rolled back outside the bot*: ${from}\`${record.version}\` at ${formatUtcDateTime(record.deployedAt)} (${why}).`,
          },
        },
      ],
    });
    const lines = [
      `Recorded in the deploy history: a \`/rollback ${record.service} ${record.environment}\` now starts from \`${record.version}\`${record.previousVersion ? `, and \`${record.previousVersion}\` is the release that was backed out` : ''}.`,
      'No deploy lock was set (the bot did not run it): CD may redeploy the backed-out release. Hold it until it is fixed.',
      'It was an incident: write down who rolled back, why, and how long it took, as the bot does for its own rollbacks.',
    ];
    if (record.changes.length > 0)
      lines.push(
        `Changes in the backed-out release: ${record.changes.map((c) => `${c.id} ${c.title}`).join('; ')}.`,
      );
    if (posted.ts)
      await deps.slack.chat.postMessage({
        channel: env.channel,
        thread_ts: posted.ts,
        text: lines.join('\n'),
      });
  });
}
