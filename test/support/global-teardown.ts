export default async function globalTeardown(): Promise<void> {
  const child = globalThis.__ROLLBACK_TEST_REDIS__;
  if (!child) return;
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}
