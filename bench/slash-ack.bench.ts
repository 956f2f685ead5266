/**
 * `/rollback` acknowledgement latency: N signed slash commands against the running bot (real HTTP,
 * real Redis, Slack through the local stand-in), one at a time, timing request → Slack's 200.
 *   node --import ./scripts/ts-register.js bench/slash-ack.bench.ts [requests]
 * Uses REDIS_URL when set, else starts a throwaway redis-server. Target: p99 under 50 ms.
 */
import startRedis from '../test/support/global-setup.js';
import stopRedis from '../test/support/global-teardown.js';
import { startHarness } from '../test/support/bot-harness.js';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function main(): Promise<void> {
  const requests = Number(process.argv[2] ?? 500);
  await startRedis();
  const h = await startHarness();
  const texts = [
    'checkout production --to v2.3.0 error rate jumped after the 14:00 deploy',
    'status',
    'checkout staging latency doubled',
    'help',
  ];
  for (let i = 0; i < 20; i++) await h.slash(texts[i % texts.length] as string); // warm-up
  const latencies: number[] = [];
  for (let i = 0; i < requests; i++) {
    const started = performance.now();
    const answer = await h.slash(texts[i % texts.length] as string);
    latencies.push(performance.now() - started);
    if (answer.status !== 200) throw new Error(`request ${i} answered ${answer.status}`);
  }
  latencies.sort((a, b) => a - b);
  const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
  console.log(
    `/rollback ack over ${requests} signed requests: p50 ${fmt(percentile(latencies, 50))}, p90 ${fmt(percentile(latencies, 90))}, p99 ${fmt(percentile(latencies, 99))}, max ${fmt(latencies[latencies.length - 1] ?? NaN)} (target p99 < 50 ms)`,
  );
  await new Promise((resolve) => setTimeout(resolve, 500));
  await h.close();
  await stopRedis();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
