/**
 * Gives the suite a Redis, as the contract's "Tests" section says: REDIS_URL when set, else a
 * throwaway redis-server from PATH on a free port, else one line naming both ways.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

declare global {
  var __ROLLBACK_TEST_REDIS__: ChildProcess | undefined;
}

function freePort(): Promise<number> {
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

async function waitForRedis(child: ChildProcess): Promise<void> {
  await new Promise<void>((resolve, reject) => {
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

export default async function globalSetup(): Promise<void> {
  if (process.env.REDIS_URL) return;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'rollback-bot-redis-'));
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    await waitForRedis(child);
  } catch (error) {
    child.kill('SIGKILL');
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'redis-server is not on PATH' : String(error);
    throw new Error(
      `npm test needs Redis: set REDIS_URL (e.g. redis://127.0.0.1:6379) or install redis-server on PATH (${reason})`,
    );
  }
  globalThis.__ROLLBACK_TEST_REDIS__ = child;
  process.env.REDIS_URL = `redis://127.0.0.1:${port}`;
}
