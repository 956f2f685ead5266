/**
 * Gives the suite a Redis, as the contract's "Tests" section says: REDIS_URL when set, else a
 * throwaway redis-server from PATH on a free port, else one line naming both ways.
 *
 * `startRedisServer` is also for tests that need a Redis of their own to kill. It lives here, not
 * in a module of its own, because Jest loads this file as CommonJS, where `./x.js` finds no `.ts`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisServer {
  url: string;
  process: ChildProcess;
  /** Stops the server (SIGTERM, or SIGKILL to vanish as a crashed Redis would) and removes its dir. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function waitForReady(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis-server did not start within 10 s')), 10_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'rollback-bot-redis-'));
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    await waitForReady(child);
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    url: `redis://127.0.0.1:${port}`,
    process: child,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

declare global {
  var __ROLLBACK_TEST_REDIS__: RedisServer | undefined;
}

export default async function globalSetup(): Promise<void> {
  if (process.env.REDIS_URL) return;
  let server: RedisServer;
  try {
    server = await startRedisServer();
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'redis-server is not on PATH' : String(error);
    throw new Error(
      `npm test needs Redis: set REDIS_URL (e.g. redis://127.0.0.1:6379) or install redis-server on PATH (${reason})`,
    );
  }
  globalThis.__ROLLBACK_TEST_REDIS__ = server;
  process.env.REDIS_URL = server.url;
}
