/**
 * `/rollback`: acks at once (answers that need no I/O go in the ack itself), then hands off to a
 * flow and answers the requester ephemerally through the response URL.
 */
import type { App, RespondFn } from '@slack/bolt';
import { USAGE, parseRollbackCommand } from '../../../../domain/command.js';
import { isProductionName, rehearsalLine } from '../../../../domain/drill.js';
import { findEnvironment, serviceNames } from '../../../../catalog/load.js';
import type { FlowDeps } from '../../../../flows/deps.js';
import { UserFacingError } from '../../../../flows/errors.js';
import { dryRunRequest } from '../../../../flows/dry-run.js';
import { openIncident } from '../../../../flows/open-incident.js';
import { statusText } from '../../../../flows/status.js';
import { requestContext, unlockDeploys } from '../../../../flows/unlock.js';

function knownNames(deps: FlowDeps): string {
  const names = serviceNames(deps.catalog).map(
    (name) => `${name} (${Object.keys(deps.catalog.services[name]?.environments ?? {}).join(', ')})`,
  );
  return names.length ? `Known services: ${names.join('; ')}` : 'The catalog lists no services yet.';
}

/** Each service's last rehearsal, so the nag reaches whoever asks for help. */
async function rehearsals(deps: FlowDeps): Promise<string[]> {
  const now = deps.now();
  return Promise.all(
    serviceNames(deps.catalog).map(async (name) => {
      const line = rehearsalLine(await deps.drills.recent(name), now);
      return `• ${name}: ${line.stale ? ':warning: ' : ''}${line.text}`;
    }),
  );
}

async function helpText(deps: FlowDeps): Promise<string> {
  const drilled = await rehearsals(deps).catch(() => ['• (drill history unavailable right now)']);
  return [
    '*Rollback bot* opens a rollback request with an assessment card; approvers approve it there, and it runs one rollback at a time per environment.',
    USAGE,
    'Example: `/rollback checkout production --to v2.3.0 error rate jumped after the 14:00 deploy`',
    knownNames(deps),
    '*Rehearsals* (`/rollback drill`, every quarter):',
    ...drilled,
  ].join('\n');
}

const ephemeral = (text: string) => ({ response_type: 'ephemeral' as const, text });

async function answerFailure(deps: FlowDeps, respond: RespondFn, error: unknown): Promise<void> {
  if (error instanceof UserFacingError) {
    await respond(ephemeral(error.message));
    return;
  }
  deps.logger.error({ err: error }, '/rollback failed');
  await respond(
    ephemeral(
      'Sorry, something went wrong on my side; nothing was started. Try again, or check the bot logs.',
    ),
  );
}

export function register(app: App, deps: FlowDeps): void {
  app.command('/rollback', async ({ command, ack, respond }) => {
    const parsed = parseRollbackCommand(command.text);
    if (parsed.kind === 'help') return ack(ephemeral(await helpText(deps)));
    if (parsed.kind === 'invalid') return ack(ephemeral(`${parsed.problem}.\n${USAGE}\n${knownNames(deps)}`));
    if (parsed.kind !== 'status') {
      if (!findEnvironment(deps.catalog, parsed.service, parsed.environment)) {
        const problem = Object.hasOwn(deps.catalog.services, parsed.service)
          ? `Unknown environment "${parsed.environment}" for ${parsed.service}`
          : `Unknown service "${parsed.service}"`;
        return ack(ephemeral(`${problem}.\n${USAGE}\n${knownNames(deps)}`));
      }
      if (parsed.kind === 'drill' && isProductionName(parsed.environment))
        return ack(
          ephemeral(
            `Drills run the plan for real, so ${parsed.environment} is never drilled: rehearse in a non-production environment (staging), whose times feed the runbook.`,
          ),
        );
    }
    await ack();
    try {
      if (parsed.kind === 'status') {
        await respond(ephemeral(await statusText(deps, parsed.incidentId)));
      } else if (parsed.kind === 'dry-run') {
        await respond(ephemeral(await dryRunRequest(deps, parsed)));
      } else if (parsed.kind === 'unlock') {
        await respond(
          ephemeral(await unlockDeploys(deps, parsed.service, parsed.environment, command.user_id)),
        );
      } else {
        const result = await openIncident(deps, {
          service: parsed.service,
          environment: parsed.environment,
          toVersion: parsed.toVersion,
          reason:
            parsed.kind === 'drill'
              ? `Drill: a timed rehearsal of the ${parsed.environment} rollback plan`
              : parsed.reason,
          ...(parsed.kind === 'drill' ? { drill: true } : {}),
          requester: command.user_id,
          source: 'slack',
          dedupeKey: `slash:${command.trigger_id}`,
          ...(await requestContext(deps, parsed.service, parsed.environment, parsed.toVersion)),
        });
        if (result.kind === 'opened' && result.cardPending) {
          await respond(
            ephemeral(
              `Opened *${result.incident.id}*, but Slack would not take its card just now; it will be posted in <#${result.incident.channel}> as soon as Slack answers.`,
            ),
          );
        } else if (result.kind === 'opened') {
          await respond(
            ephemeral(
              `Opened *${result.incident.id}*: the assessment card is in <#${result.incident.channel}>.`,
            ),
          );
        } else if (result.kind === 'already_open') {
          await respond(
            ephemeral(
              `*${result.incident.id}* is already open for ${parsed.service}/${parsed.environment} (${result.incident.state.replace('_', ' ')}); your reason is on its timeline, see its card in <#${result.incident.channel}>.`,
            ),
          );
        }
      }
    } catch (error) {
      await answerFailure(deps, respond, error);
    }
  });
}
