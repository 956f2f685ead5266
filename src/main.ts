/** `npm start`: configuration from the environment, then the bot; SIGTERM/SIGINT stop it (app/shutdown.ts). */
import { CatalogError } from './catalog/load.js';
import { ConfigError, loadConfig } from './config.js';
import { startBot } from './bot.js';
import { installShutdown } from './app/shutdown.js';

async function main(): Promise<void> {
  const config = loadConfig();
  // Notify targets name their HMAC secrets' variables in the catalog; they are looked up here only.
  const bot = await startBot({ config, execution: { notifyEnv: process.env }, catalogEnv: process.env });
  installShutdown({ stop: () => bot.stop(), logger: bot.deps.logger, boundMs: bot.stopBoundMs });
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`rollback-bot: configuration error: ${error.message}`);
  } else if (error instanceof CatalogError) {
    const lines = error.errors.map((e) => `  ${e.path}: ${e.message}`);
    console.error(
      [`rollback-bot: catalog error: ${error.errors.length} problem(s) in ${error.source}`, ...lines].join(
        '\n',
      ),
    );
  } else {
    console.error(`rollback-bot: cannot start: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exit(1);
});
