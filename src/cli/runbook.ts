/**
 * `rollback-bot runbook <service> <environment>`: the environment's runbook in Markdown, from the
 * catalog (ROLLBACK_CATALOG, else manifests/catalog.yaml) and the drill history in the bot's Redis
 * (REDIS_URL, REDIS_PREFIX). Without a reachable Redis it still prints, saying the history is
 * unavailable. Exit 0 printed, 1 unknown service or environment, 2 usage or an unreadable catalog.
 */
import { Redis } from 'ioredis';
import { CatalogError, findEnvironment, loadCatalog } from '../catalog/load.js';
import { formatIssue } from '../catalog/errors.js';
import type { Catalog } from '../catalog/types.js';
import type { DrillRecord } from '../domain/drill.js';
import { buildRunbook } from '../domain/runbook.js';
import { DrillStore } from '../adapters/outbound/store/drills.js';
import { compileMarkdownTemplate } from '../adapters/outbound/render/markdown.js';
import type { RunbookModel } from '../domain/runbook.js';
import type { CommandIo } from './validate-catalog.js';

const USAGE = 'usage: rollback-bot runbook <service> <environment>';
const render = compileMarkdownTemplate<RunbookModel>('runbook.md.hbs');

/** Redis is asked for at most this long: a runbook must print even when Redis is down. */
const REDIS_WAIT_MS = 2000;

async function drillHistory(env: NodeJS.ProcessEnv, service: string): Promise<DrillRecord[] | string> {
  const url = env.REDIS_URL || 'redis://127.0.0.1:6379';
  // Our own timer rather than ioredis's connectTimeout, which outlives a refused connection and
  // would hold the process for its full length.
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 0,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  let lastError: Error | undefined;
  redis.on('error', (error: Error) => (lastError = error));
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect(),
      new Promise((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${REDIS_WAIT_MS} ms`)), REDIS_WAIT_MS);
      }),
    ]);
    return await new DrillStore(redis, env.REDIS_PREFIX || 'rollback').recent(service);
  } catch (error) {
    const why = lastError?.message ?? (error instanceof Error ? error.message : String(error));
    return `drill history unavailable (${url.replace(/\/\/[^@]*@/, '//…@')}: ${why})`;
  } finally {
    clearTimeout(timer);
    redis.disconnect();
  }
}

export async function runbookCommand(
  args: string[],
  io: CommandIo,
  env: NodeJS.ProcessEnv = process.env,
  now = new Date(),
): Promise<number> {
  const [service, environment, ...extra] = args;
  if (!service || !environment || extra.length > 0 || service.startsWith('-')) {
    io.stderr(USAGE);
    return 2;
  }
  const path = env.ROLLBACK_CATALOG || 'manifests/catalog.yaml';
  let catalog: Catalog;
  try {
    catalog = await loadCatalog(path);
  } catch (error) {
    io.stderr(
      error instanceof CatalogError
        ? error.errors.map((e) => `${error.source}: ${formatIssue(e)}`).join('\n')
        : `cannot read ${path}: ${(error as Error).message}`,
    );
    return 2;
  }
  const config = findEnvironment(catalog, service, environment);
  if (!config) {
    const known = Object.values(catalog.services).map(
      (s) => `${s.name} (${Object.keys(s.environments).join(', ')})`,
    );
    io.stderr(`${service}/${environment} is not in ${path}. Known: ${known.join('; ') || 'none'}`);
    return 1;
  }
  const history = await drillHistory(env, service);
  const model = buildRunbook(config, typeof history === 'string' ? [] : history, now);
  if (typeof history === 'string') model.rehearsal = `${model.rehearsal} (${history})`;
  io.stdout(render(model));
  return 0;
}
